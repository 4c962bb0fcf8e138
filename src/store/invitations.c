/*
 * invitations.c - the store's public functions for invitations and
 * advocacy (include/earshot/invitation.h) that read or change rows, and
 * the es__invite_* dispatchers src/voc/ uses: each checks that the store
 * has the part and its arguments, then calls the backend's operations
 * (invitation_int.h). No SQL.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "earshot/survey.h"
#include "store/invitation_int.h"

#define PART(s, what) es__store_part(s, (s) && (s)->ops ? (s)->ops->invitations : NULL, what)

/* A token is ES_INVITE_TOKEN_LEN lower-case hex characters. */
static int token_ok(const char *t)
{
    if (!t || strlen(t) != ES_INVITE_TOKEN_LEN)
        return 0;
    for (; *t; t++)
        if (!((*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'f')))
            return 0;
    return 1;
}

/* See invitation.h. */
es_err es_invitation_lookup(es_store_t *s, const char *token,
                            void (*cb)(const es_invitation *inv, void *ud), void *ud)
{
    es_err rc = PART(s, "reading an invitation");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "reading an invitation: no callback");
    if (!token_ok(token))
        return es__store_fail(s, ES_ENOTFOUND, "no such invitation");
    return s->ops->invitations->lookup(s, token, 0, cb, ud);
}

/* Copies the kind of an invitation out of the row. */
static void take_kind(const es_invitation *inv, void *ud)
{
    snprintf(ud, 16, "%s", inv->kind);
}

/* See invitation.h. */
es_err es_invitation_mark(es_store_t *s, int64_t id, const char *state, int64_t now)
{
    es_err rc = PART(s, "marking an invitation");
    if (rc)
        return rc;
    static const char *const survey_states[] = {"delivered", "started", "completed"};
    static const char *const adv_states[] = {"delivered", "clicked", "shared"};
    int for_survey = 0, for_adv = 0;
    for (size_t i = 0; state && i < 3; i++) {
        for_survey |= strcmp(state, survey_states[i]) == 0;
        for_adv |= strcmp(state, adv_states[i]) == 0;
    }
    if (!for_survey && !for_adv)
        return es__store_fail(s, ES_EINVAL, "marking an invitation: unknown state '%.32s'",
                              state ? state : "");
    char kind[16] = "";
    rc = s->ops->invitations->lookup(s, NULL, id, take_kind, kind);
    if (rc)
        return rc;
    if ((strcmp(kind, "survey") == 0 && !for_survey) || (strcmp(kind, "advocacy") == 0 && !for_adv))
        return es__store_fail(s, ES_EINVAL, "marking an invitation: a %s invitation is never %s",
                              kind, state);
    return s->ops->invitations->mark(s, id, state, now);
}

/* The contact and id of an invitation, copied out of the row. */
typedef struct who_inv {
    char contact[ES_INVITE_CONTACT_MAX + 1];
    int64_t id;
} who_inv;

static void take_contact(const es_invitation *inv, void *ud)
{
    who_inv *w = ud;
    snprintf(w->contact, sizeof w->contact, "%s", inv->contact);
    w->id = inv->id;
}

/* See invitation.h. */
es_err es_invite_unsubscribe(es_store_t *s, const char *token, int64_t now)
{
    who_inv w = {"", 0};
    es_err rc = es_invitation_lookup(s, token, take_contact, &w);
    if (rc)
        return rc;
    if ((rc = es_store_begin(s)))
        return rc;
    rc = es_survey_optout_set(s, w.contact, 1, "email:unsubscribe", now);
    char object[48];
    snprintf(object, sizeof object, "invitation:%lld", (long long)w.id);
    es_audit_entry e = {.action = "invitation.unsubscribe", .object = object};
    if (!rc)
        rc = es_store_audit_add(s, &e);
    if (!rc)
        rc = es_store_commit(s);
    if (rc)
        es_store_rollback(s);
    return rc;
}

/* See invitation.h. */
es_err es_invite_refresh(es_store_t *s, int64_t window, size_t *changed)
{
    es_err rc = PART(s, "bringing invitations up to date");
    if (rc)
        return rc;
    return s->ops->invitations->refresh(s, window > 0 ? window : ES_INVITE_WINDOW, changed);
}

/* See invitation_int.h. */
es_err es__invite_scope_json(const es_invite_scope *sc, char **out)
{
    *out = NULL;
    if (!sc || sc->all_locations)
        return ES_OK;
    es__buf b;
    es__buf_init(&b, 4u << 20);
    es_err rc = es__buf_addc(&b, '[');
    for (size_t i = 0; !rc && i < sc->n_locations; i++) {
        rc = i ? es__buf_addc(&b, ',') : ES_OK;
        if (!rc)
            rc = es__buf_addc(&b, '"');
        for (const char *p = sc->locations[i]; !rc && p && *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (c == '"' || c == '\\')
                rc = es__buf_addc(&b, '\\');
            if (!rc)
                rc = c < 0x20 ? es__buf_printf(&b, "\\u%04x", c) : es__buf_addc(&b, (char)c);
        }
        if (!rc)
            rc = es__buf_addc(&b, '"');
    }
    if (!rc)
        rc = es__buf_addc(&b, ']');
    if (rc) {
        es__buf_cleanup(&b);
        return rc;
    }
    *out = b.data; /* the buffer's memory is the caller's now */
    return ES_OK;
}

/* See invitation.h. */
es_err es_invite_report(es_store_t *s, const es_invite_scope *sc, int64_t since, int64_t until,
                        void (*cb)(const es_invite_report_row *r, void *ud), void *ud)
{
    es_err rc = PART(s, "reporting invitations");
    if (rc)
        return rc;
    if (!cb || until <= since)
        return es__store_fail(s, ES_EINVAL, "reporting invitations: an empty period");
    if ((rc = es_invite_refresh(s, 0, NULL)))
        return rc;
    char *scope = NULL;
    if ((rc = es__invite_scope_json(sc, &scope)))
        return es__store_fail(s, rc, "reporting invitations: out of memory");
    rc = s->ops->invitations->report(s, scope, since, until, cb, ud);
    es_free(scope);
    return rc;
}

/* See invitation.h. */
int64_t es_advocacy_reach(int64_t known, int64_t unknown, int64_t per_share)
{
    if (known < 0)
        known = 0;
    if (unknown <= 0 || per_share <= 0)
        return known;
    if (unknown > (INT64_MAX - known) / per_share)
        return INT64_MAX;
    return known + unknown * per_share;
}

/* See invitation.h. */
es_err es_advocacy_report_get(es_store_t *s, const es_invite_scope *sc, int64_t since,
                              int64_t until, int64_t per_share, es_advocacy_report *out)
{
    es_err rc = PART(s, "reporting advocacy");
    if (rc)
        return rc;
    if (!out || until <= since)
        return es__store_fail(s, ES_EINVAL, "reporting advocacy: an empty period");
    memset(out, 0, sizeof *out);
    char *scope = NULL;
    if ((rc = es__invite_scope_json(sc, &scope)))
        return es__store_fail(s, rc, "reporting advocacy: out of memory");
    rc = s->ops->invitations->adv_report(s, scope, since, until, out);
    es_free(scope);
    out->per_share = per_share > 0 ? per_share : ES_ADVOCACY_PER_SHARE;
    out->reach = es_advocacy_reach(out->reach_known, out->shares_unknown, out->per_share);
    return rc;
}

/* See invitation.h. */
es_err es_advocacy_shared(es_store_t *s, int64_t id, const es_invite_scope *sc, const char *handle,
                          int64_t followers, int64_t actor_user, int64_t now)
{
    es_err rc = PART(s, "recording a share");
    if (rc)
        return rc;
    if (handle && (!*handle || strlen(handle) > ES_INVITE_CONTACT_MAX))
        return es__store_fail(s, ES_EINVAL, "recording a share: the handle is empty or too long");
    char *scope = NULL;
    if ((rc = es__invite_scope_json(sc, &scope)))
        return es__store_fail(s, rc, "recording a share: out of memory");
    int found = 0;
    char object[48];
    snprintf(object, sizeof object, "invitation:%lld", (long long)id);
    es_audit_entry e = {.user_id = actor_user, .action = "advocacy.shared", .object = object};
    rc = es_store_begin(s);
    if (!rc)
        rc = s->ops->invitations->shared(s, id, scope, handle, followers < 0 ? -1 : followers, now,
                                         &found);
    if (!rc && !found)
        rc = es__store_fail(s, ES_ENOTFOUND, "no advocacy invitation %lld", (long long)id);
    if (!rc)
        rc = es_store_audit_add(s, &e);
    if (!rc)
        rc = es_store_commit(s);
    else
        es_store_rollback(s);
    es_free(scope);
    return rc;
}

/* ---- for src/voc/ ------------------------------------------------------------- */

es_err es__invite_recent(es_store_t *s, const char *kind, int64_t location_id, const char *contact,
                         int64_t since, int *found)
{
    es_err rc = PART(s, "looking for a recent invitation");
    return rc ? rc : s->ops->invitations->recent(s, kind, location_id, contact, since, found);
}

es_err es__invite_insert(es_store_t *s, const es__invite_new *n, int64_t *id)
{
    es_err rc = PART(s, "adding an invitation");
    if (rc)
        return rc;
    if (!n->kind || !n->token || !n->channel || !n->contact || !n->state ||
        (strcmp(n->state, "skipped") != 0 && !n->body))
        return es__store_fail(s, ES_EINVAL, "adding an invitation: a field is missing");
    return s->ops->invitations->insert(s, n, id);
}

es_err es__invite_claim(es_store_t *s, int64_t now_ms, int64_t lease_until_ms, size_t max,
                        void (*cb)(const es__invite_job *, void *), void *ud)
{
    es_err rc = PART(s, "claiming invitations");
    return rc ? rc : s->ops->invitations->claim(s, now_ms, lease_until_ms, max, cb, ud);
}

es_err es__invite_done(es_store_t *s, int64_t id, int outcome, const char *error,
                       int64_t next_at_ms, int64_t now)
{
    es_err rc = PART(s, "recording a delivery");
    return rc ? rc : s->ops->invitations->done(s, id, outcome, error, next_at_ms, now);
}

es_err es__invite_next_due(es_store_t *s, int64_t *ms)
{
    es_err rc = PART(s, "reading the invitations due");
    return rc ? rc : s->ops->invitations->next_due(s, ms);
}

es_err es__invite_candidates(es_store_t *s, int64_t since, int min_recommend, double min_compound,
                             size_t max, void (*cb)(const es__invite_candidate *, void *), void *ud)
{
    es_err rc = PART(s, "finding promoters");
    return rc ? rc
              : s->ops->invitations->candidates(s, since, min_recommend, min_compound, max, cb, ud);
}
