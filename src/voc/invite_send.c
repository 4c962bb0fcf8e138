/*
 * invite_send.c - turning contacts into invitations (V2) and promoters into
 * advocacy invitations (S1): for each contact, the opt-out list and the
 * de-duplication window decide between queued and skipped; a queued row
 * gets a fresh random token and its message (SMS text, or an email's
 * subject and body) with the survey link, the review redirect and the way
 * to opt out. The rows are written in one transaction per call, with one
 * audit entry; the deliverer (invite_deliver.c) sends them. Called by the
 * CLI (`earshot survey invite`, `earshot advocates invite`) and the API.
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "base/buf.h"
#include "earshot/invitation.h"
#include "earshot/location.h"
#include "earshot/survey.h"
#include "store/invitation_int.h"

#define MAX_CANDIDATES 1000 /* promoters invited per run of the rule */

/* ---- tokens and messages ----------------------------------------------------- */

/* Writes ES_INVITE_TOKEN_LEN random hex characters and a NUL into t.
 * ES_EIO when the system has no randomness to give. */
static es_err new_token(char t[ES_INVITE_TOKEN_LEN + 1])
{
    unsigned char r[ES_INVITE_TOKEN_LEN / 2];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = getrandom(r + got, sizeof r - got, 0);
        if (n <= 0)
            return ES_EIO;
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(t + 2 * i, 3, "%02x", r[i]);
    return ES_OK;
}

/* A location as the messages need it, copied out of es_location_find. */
typedef struct loc_info {
    int64_t id;
    int disabled;
    char code[ES_LOCATION_CODE_MAX + 1];
    char name[ES_LOCATION_NAME_MAX + 1];
    int has_review;
} loc_info;

static void take_loc(const es_location *l, void *ud)
{
    loc_info *li = ud;
    li->id = l->id;
    li->disabled = l->disabled;
    snprintf(li->code, sizeof li->code, "%s", l->code);
    snprintf(li->name, sizeof li->name, "%s", l->name && *l->name ? l->name : l->code);
    li->has_review = l->review_url && *l->review_url;
}

/* The public URL without a trailing '/'. */
static size_t base_len(const char *url)
{
    size_t n = strlen(url);
    while (n && url[n - 1] == '/')
        n--;
    return n;
}

/* Builds the message of a survey (advocacy 0) or advocacy invitation into
 * subject (email only) and body. */
static es_err message(const char *url, int advocacy, const char *channel, const char *name,
                      const loc_info *li, const char *token, es__buf *subject, es__buf *body)
{
    int n = (int)base_len(url);
    int sms = strcmp(channel, "sms") == 0;
    const char *hi = name ? name : "there";
    es_err rc;
    if (!advocacy && sms)
        return es__buf_printf(body,
                              "Hi %s, thanks for visiting %s. How did we do? %.*s/s/%s?i=%s or "
                              "reply FEEDBACK %s. Reply STOP to opt out.",
                              hi, li->name, n, url, li->code, token, li->code);
    if (advocacy && sms)
        return es__buf_printf(body,
                              "Hi %s, thank you for your kind words about %s! Would you share "
                              "them in a review? %.*s/r/%s Reply STOP to opt out.",
                              hi, li->name, n, url, token);
    if (!advocacy) {
        rc = es__buf_printf(subject, "How was your visit to %s?", li->name);
        if (!rc)
            rc = es__buf_printf(body,
                                "Hello %s,\n\nThank you for visiting %s. Would you tell us how "
                                "it went? Four short questions:\n\n%.*s/s/%s?i=%s\n\n"
                                "You can also text FEEDBACK %s to answer by SMS.\n\n"
                                "To receive no more invitations: %.*s/u/%s\n",
                                hi, li->name, n, url, li->code, token, li->code, n, url, token);
        return rc;
    }
    rc = es__buf_printf(subject, "Would you review %s?", li->name);
    if (!rc)
        rc = es__buf_printf(body,
                            "Hello %s,\n\nThank you for your kind words about %s! Other "
                            "customers would love to hear them. Would you share a review?\n\n"
                            "%.*s/r/%s\n\nTo receive no more invitations: %.*s/u/%s\n",
                            hi, li->name, n, url, token, n, url, token);
    return rc;
}

/* ---- one invitation ---------------------------------------------------------------- */

/* What one invitation is made of (before the token and the message). */
typedef struct one {
    const char *kind;
    const loc_info *li;
    const char *channel, *contact, *name;
    int64_t visit_at, response_id, mention_id, followers;
    const char *handle;
} one;

/* Writes one invitation at now: skipped (opted out, or recent within
 * window) or queued with its message; counts it in res. */
static es_err invite_one(es_store_t *s, const one *o, const char *url, int64_t window, int64_t now,
                         es_invite_result *res)
{
    int out = 0, recent = 0;
    es_err rc = es_survey_optout_get(s, o->contact, &out);
    if (!rc && !out)
        rc = es__invite_recent(s, o->kind, o->li->id, o->contact, now - window, &recent);
    if (rc)
        return rc;
    char token[ES_INVITE_TOKEN_LEN + 1];
    if (new_token(token))
        return es__store_fail(s, ES_EIO, "inviting: no randomness for a token");
    es__buf subject, body;
    es__buf_init(&subject, 1024);
    es__buf_init(&body, 8192);
    int advocacy = strcmp(o->kind, "advocacy") == 0;
    if (!out && !recent)
        rc = message(url, advocacy, o->channel, o->name, o->li, token, &subject, &body);
    es__invite_new n = {.kind = o->kind,
                        .token = token,
                        .location_id = o->li->id,
                        .channel = o->channel,
                        .contact = o->contact,
                        .name = o->name,
                        .visit_at = o->visit_at,
                        .state = out || recent ? "skipped" : "invited",
                        .reason = out      ? "opted-out"
                                  : recent ? "recent"
                                           : NULL,
                        .subject = subject.len ? subject.data : NULL,
                        .body = body.len ? body.data : NULL,
                        .response_id = o->response_id,
                        .mention_id = o->mention_id,
                        .handle = o->handle,
                        .followers = o->followers,
                        .created = now};
    int64_t id = 0;
    if (rc)
        rc = es__store_fail(s, rc, "inviting: out of memory for the message");
    else
        rc = es__invite_insert(s, &n, &id);
    es__buf_cleanup(&subject);
    es__buf_cleanup(&body);
    if (rc)
        return rc;
    if (!res->first_id)
        res->first_id = id;
    res->last_id = id;
    if (out)
        res->skipped_optout++;
    else if (recent)
        res->skipped_recent++;
    else
        res->invited++;
    return ES_OK;
}

/* The audit entry of one batch: what was made, by whom. */
static es_err audit_batch(es_store_t *s, const char *action, int64_t actor,
                          const es_invite_result *r)
{
    char object[64], detail[160];
    snprintf(object, sizeof object, "invitations:%lld-%lld", (long long)r->first_id,
             (long long)r->last_id);
    snprintf(detail, sizeof detail,
             "{\"invited\":%zu,\"skipped_optout\":%zu,\"skipped_recent\":%zu}", r->invited,
             r->skipped_optout, r->skipped_recent);
    es_audit_entry e = {.user_id = actor, .action = action, .object = object, .detail = detail};
    return es_store_audit_add(s, &e);
}

/* Checks a public URL: http(s)://, no spaces or control characters. */
static es_err url_ok(es_store_t *s, const char *url)
{
    if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) || strlen(url) > 512 ||
        strpbrk(url, " \t\r\n\"<>"))
        return es__store_fail(s, ES_EINVAL,
                              "inviting: the public URL (server.public_url, "
                              "EARSHOT_PUBLIC_URL) must be an http(s) URL");
    return ES_OK;
}

/* ---- survey invitations ------------------------------------------------------------ */

/* Finds every row's location first, so that a bad row refuses the list
 * before anything is written. lis[i] receives row i's. */
static es_err resolve(es_store_t *s, const es_invite_list *l, const es_invite_opts *o,
                      loc_info *lis)
{
    for (size_t i = 0; i < l->n; i++) {
        const es_invite_contact *c = &l->v[i];
        memset(&lis[i], 0, sizeof lis[i]);
        es_err rc = es_location_find(s, c->location, take_loc, &lis[i]);
        if (rc == ES_ENOTFOUND || (!rc && lis[i].disabled))
            return es__store_fail(s, ES_EINVAL, "contact %zu: no location '%.64s'%s", i + 1,
                                  c->location, rc ? "" : " (it is disabled)");
        if (rc)
            return rc;
        const char *ch = o->channel ? o->channel : c->channel;
        int phone = strchr(c->contact, '@') == NULL; /* the list holds phones or emails */
        if (strcmp(ch, phone ? "sms" : "email") != 0)
            return es__store_fail(s, ES_EINVAL, "contact %zu: a %s cannot be reached by %s", i + 1,
                                  phone ? "phone" : "email address", ch);
    }
    return ES_OK;
}

/* See invitation.h. */
es_err es_invite_send(es_store_t *s, const es_invite_list *l, const es_invite_opts *o,
                      int64_t actor_user, int64_t now, es_invite_result *res)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->invitations : NULL, "inviting");
    if (rc)
        return rc;
    if (!l || !o || !res || (l->n && !l->v))
        return es__store_fail(s, ES_EINVAL, "inviting: no list");
    memset(res, 0, sizeof *res);
    if ((rc = url_ok(s, o->public_url)))
        return rc;
    if (o->channel && strcmp(o->channel, "sms") && strcmp(o->channel, "email"))
        return es__store_fail(s, ES_EINVAL, "inviting: the channel is sms or email");
    if (l->n == 0)
        return ES_OK;
    loc_info *lis = es_calloc(l->n, sizeof *lis);
    if (!lis)
        return es__store_fail(s, ES_ENOMEM, "inviting: out of memory");
    int64_t window = o->window > 0 ? o->window : ES_INVITE_WINDOW;
    rc = resolve(s, l, o, lis);
    if (!rc)
        rc = es_store_begin(s);
    if (!rc) {
        for (size_t i = 0; !rc && i < l->n; i++) {
            const es_invite_contact *c = &l->v[i];
            one x = {.kind = "survey",
                     .li = &lis[i],
                     .channel = o->channel ? o->channel : c->channel,
                     .contact = c->contact,
                     .name = c->name,
                     .visit_at = c->visit_at,
                     .followers = -1};
            rc = invite_one(s, &x, o->public_url, window, now, res);
        }
        if (!rc)
            rc = audit_batch(s, "invitation.send", actor_user, res);
        if (!rc)
            rc = es_store_commit(s);
        if (rc) {
            es_store_rollback(s);
            memset(res, 0, sizeof *res);
        }
    }
    es_free(lis);
    return rc;
}

/* ---- the advocacy rule ----------------------------------------------------------- */

/* The candidates of one run, copied out of the statement. */
typedef struct cands {
    es__invite_candidate v[MAX_CANDIDATES];
    char contact[MAX_CANDIDATES][ES_INVITE_CONTACT_MAX + 1];
    char handle[MAX_CANDIDATES][ES_INVITE_CONTACT_MAX + 1];
    char code[MAX_CANDIDATES][ES_LOCATION_CODE_MAX + 1];
    size_t n;
} cands;

static void take_cand(const es__invite_candidate *c, void *ud)
{
    cands *cs = ud;
    if (cs->n == MAX_CANDIDATES || strlen(c->contact) > ES_INVITE_CONTACT_MAX)
        return;
    size_t i = cs->n++;
    cs->v[i] = *c;
    snprintf(cs->contact[i], sizeof cs->contact[i], "%s", c->contact);
    cs->v[i].contact = cs->contact[i];
    snprintf(cs->code[i], sizeof cs->code[i], "%s", c->code ? c->code : "");
    cs->v[i].code = cs->code[i];
    cs->v[i].handle = NULL;
    if (c->handle) {
        snprintf(cs->handle[i], sizeof cs->handle[i], "%s", c->handle);
        cs->v[i].handle = cs->handle[i];
    }
}

/* A contact's channel: forced, or by its form (NULL: unreachable). */
static const char *channel_for(const char *contact, const char *forced)
{
    int email = strchr(contact, '@') != NULL, phone = !email && contact[0] == '+';
    const char *own = phone ? "sms" : email ? "email" : NULL;
    return own && (!forced || strcmp(forced, own) == 0) ? own : NULL;
}

/* See invitation.h. */
es_err es_advocacy_run(es_store_t *s, const es_advocacy_opts *o, int64_t now, es_invite_result *res)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->invitations : NULL, "advocacy");
    if (rc)
        return rc;
    if (!o || !res)
        return es__store_fail(s, ES_EINVAL, "advocacy: no options");
    memset(res, 0, sizeof *res);
    if ((rc = url_ok(s, o->public_url)))
        return rc;
    cands *cs = es_calloc(1, sizeof *cs);
    if (!cs)
        return es__store_fail(s, ES_ENOMEM, "advocacy: out of memory");
    int min_rec = o->min_recommend > 0 ? o->min_recommend : 9;
    double min_comp = o->min_compound > 0 ? o->min_compound : 0.8;
    int64_t window = o->window > 0 ? o->window : ES_INVITE_WINDOW;
    rc = es__invite_candidates(s, o->since, min_rec, min_comp, MAX_CANDIDATES, take_cand, cs);
    if (!rc && cs->n)
        rc = es_store_begin(s);
    for (size_t i = 0; !rc && i < cs->n; i++) {
        const es__invite_candidate *c = &cs->v[i];
        const char *ch = channel_for(c->contact, o->channel);
        loc_info li;
        if (!ch)
            continue;
        memset(&li, 0, sizeof li);
        rc = es_location_find(s, c->code, take_loc, &li);
        one x = {.kind = "advocacy",
                 .li = &li,
                 .channel = ch,
                 .contact = c->contact,
                 .response_id = c->response_id,
                 .mention_id = c->mention_id,
                 .handle = c->handle,
                 .followers = c->followers};
        if (!rc)
            rc = invite_one(s, &x, o->public_url, window, now, res);
    }
    if (!rc && cs->n && res->first_id)
        rc = audit_batch(s, "advocacy.invite", 0, res);
    if (cs->n && !rc)
        rc = es_store_commit(s);
    else if (cs->n)
        es_store_rollback(s);
    if (rc)
        memset(res, 0, sizeof *res);
    es_free(cs);
    return rc;
}
