/*
 * cases.c - the inbox's public store functions (cases.h): checks the
 * arguments, then dispatches to the backend's case operations
 * (s->ops->cases, case_int.h). No SQL here. Called by the CLI (`earshot
 * case`, `team`, `route`), the HTTP API (api_cases.c), the server's
 * follow-up thread (es_case_thread_pending) and the other parts of the
 * service that read or change cases (SLAs).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/case_int.h"

#define OPS(s) ((s)->ops->cases)

static es_err part(es_store_t *s, const char *what)
{
    return es__store_part(s, s && s->ops ? OPS(s) : NULL, what);
}

static int64_t clock_now(int64_t now)
{
    return now > 0 ? now : (int64_t)time(NULL);
}

/* See cases.h. */
es_err es_case_thread_pending(es_store_t *s, const es_case_opts *o, int64_t now, size_t *threaded)
{
    if (threaded)
        *threaded = 0;
    es_err rc = part(s, "threading mentions into cases");
    return rc ? rc : OPS(s)->thread_pending(s, o, clock_now(now), threaded);
}

/* See cases.h. */
es_err es_case_get(es_store_t *s, int64_t id, const es_case_scope *scope, int64_t now,
                   es_case_cb cb, void *ud)
{
    es_err rc = part(s, "reading a case");
    if (rc == ES_OK && !cb)
        rc = es__store_fail(s, ES_EINVAL, "reading a case: no callback");
    return rc ? rc : OPS(s)->get(s, id, scope, clock_now(now), cb, ud);
}

/* See cases.h. */
es_err es_case_list(es_store_t *s, const es_case_filter *f, const es_case_scope *scope, int64_t now,
                    es_case_cb cb, void *ud, int *more)
{
    es_err rc = part(s, "listing cases");
    if (rc == ES_OK && !cb)
        rc = es__store_fail(s, ES_EINVAL, "listing cases: no callback");
    return rc ? rc : OPS(s)->list(s, f, scope, clock_now(now), cb, ud, more);
}

/* See cases.h. */
es_err es_case_next(es_store_t *s, int64_t user_id, const es_case_scope *scope, size_t limit,
                    int64_t now, es_case_cb cb, void *ud)
{
    es_err rc = part(s, "reading the queue");
    if (rc == ES_OK && !cb)
        rc = es__store_fail(s, ES_EINVAL, "reading the queue: no callback");
    return rc ? rc : OPS(s)->next(s, user_id, scope, limit, clock_now(now), cb, ud);
}

/* See cases.h. */
es_err es_case_mentions(es_store_t *s, int64_t id, const es_case_scope *scope, size_t limit,
                        size_t offset, void (*cb)(const es_mention_row *r, void *ud), void *ud)
{
    es_err rc = part(s, "reading a case's mentions");
    if (rc == ES_OK && !cb)
        rc = es__store_fail(s, ES_EINVAL, "reading a case's mentions: no callback");
    return rc ? rc : OPS(s)->mentions(s, id, scope, limit, offset, cb, ud);
}

/* See cases.h. */
void es_case_change_init(es_case_change *c)
{
    memset(c, 0, sizeof *c);
    c->assignee_id = ES_CASE_KEEP;
    c->team_id = ES_CASE_KEEP;
}

/* See cases.h. */
es_err es_case_update(es_store_t *s, int64_t id, const es_case_scope *scope,
                      const es_case_change *c, const es_case_actor *who, int64_t now)
{
    es_err rc = part(s, "changing a case");
    if (rc == ES_OK && !c)
        rc = es__store_fail(s, ES_EINVAL, "changing a case: no change");
    if (rc == ES_OK && ((c->n_tags_add && !c->tags_add) || (c->n_tags_remove && !c->tags_remove)))
        rc = es__store_fail(s, ES_EINVAL, "changing a case: tags missing");
    return rc ? rc : OPS(s)->update(s, id, scope, c, who, clock_now(now));
}

/* See cases.h. */
es_err es_case_note_add(es_store_t *s, int64_t id, const es_case_scope *scope,
                        const es_case_actor *who, const char *text, int64_t now, int64_t *note_id)
{
    es_err rc = part(s, "adding a note");
    if (rc == ES_OK && !text)
        rc = es__store_fail(s, ES_EINVAL, "adding a note: no text");
    return rc ? rc : OPS(s)->note_add(s, id, scope, who, text, clock_now(now), note_id);
}

/* See cases.h. */
es_err es_case_notes(es_store_t *s, int64_t id, const es_case_scope *scope,
                     void (*cb)(const es_case_note *n, void *ud), void *ud)
{
    es_err rc = part(s, "reading notes");
    if (rc == ES_OK && !cb)
        rc = es__store_fail(s, ES_EINVAL, "reading notes: no callback");
    return rc ? rc : OPS(s)->notes(s, id, scope, cb, ud);
}

/* See cases.h. */
es_err es_case_merge(es_store_t *s, int64_t into, int64_t from, const es_case_scope *scope,
                     const es_case_actor *who, int64_t now)
{
    es_err rc = part(s, "merging cases");
    return rc ? rc : OPS(s)->merge(s, into, from, scope, who, clock_now(now));
}

/* See cases.h. */
es_err es_case_audit(es_store_t *s, int64_t id, const es_case_scope *scope, size_t limit,
                     void (*cb)(const es_audit_entry *e, void *ud), void *ud)
{
    char obj[40];
    es_err rc = part(s, "reading a case's audit trail");
    if (rc == ES_OK && !cb)
        rc = es__store_fail(s, ES_EINVAL, "reading a case's audit trail: no callback");
    if (rc == ES_OK)
        rc = OPS(s)->visible(s, id, scope);
    if (rc)
        return rc;
    snprintf(obj, sizeof obj, "case:%lld", (long long)id);
    return es_store_audit_list(s, obj, limit, cb, ud);
}

/* See cases.h. */
es_err es_case_set_due(es_store_t *s, int64_t id, int64_t due)
{
    es_err rc = part(s, "setting a case's due time");
    return rc ? rc : OPS(s)->set_due(s, id, due);
}

/* See cases.h. */
es_err es_customer_get(es_store_t *s, int64_t id, const es_case_scope *scope,
                       void (*cb)(const es_customer *c, void *ud), void *ud)
{
    es_err rc = part(s, "reading a customer");
    if (rc == ES_OK && !cb)
        rc = es__store_fail(s, ES_EINVAL, "reading a customer: no callback");
    return rc ? rc : OPS(s)->customer_get(s, id, scope, cb, ud);
}

/* See cases.h. */
es_err es_customer_merge(es_store_t *s, int64_t into, int64_t from, const es_case_scope *scope,
                         const es_case_actor *who, int64_t now)
{
    es_err rc = part(s, "merging customers");
    return rc ? rc : OPS(s)->customer_merge(s, into, from, scope, who, clock_now(now));
}

/* See cases.h. */
es_err es_team_add(es_store_t *s, const char *name, const char *assign, int triage,
                   const es_case_actor *who, int64_t *id)
{
    es_err rc = part(s, "adding a team");
    if (rc == ES_OK && (!name || !*name || strlen(name) > 100))
        rc = es__store_fail(s, ES_EINVAL, "adding a team: a name of 1 to 100 bytes is needed");
    return rc ? rc : OPS(s)->team_add(s, name, assign, triage, who, id);
}

/* See cases.h. */
es_err es_team_list(es_store_t *s, void (*cb)(const es_team *t, void *ud), void *ud)
{
    es_err rc = part(s, "listing teams");
    if (rc == ES_OK && !cb)
        rc = es__store_fail(s, ES_EINVAL, "listing teams: no callback");
    return rc ? rc : OPS(s)->team_list(s, cb, ud);
}

/* See cases.h. */
es_err es_team_find(es_store_t *s, const char *name, int64_t *id)
{
    es_err rc = part(s, "finding a team");
    if (rc == ES_OK && (!name || !id))
        rc = es__store_fail(s, ES_EINVAL, "finding a team: no name");
    return rc ? rc : OPS(s)->team_find(s, name, id);
}

/* See cases.h. */
es_err es_team_member_add(es_store_t *s, int64_t team_id, int64_t user_id, int capacity,
                          const es_case_actor *who)
{
    es_err rc = part(s, "adding a team member");
    if (rc == ES_OK && capacity < 0)
        rc = es__store_fail(s, ES_EINVAL, "adding a team member: a negative capacity");
    return rc ? rc : OPS(s)->member_add(s, team_id, user_id, capacity, who);
}

/* See cases.h. */
es_err es_team_members(es_store_t *s, int64_t team_id,
                       void (*cb)(const es_team_member *m, void *ud), void *ud)
{
    es_err rc = part(s, "listing team members");
    if (rc == ES_OK && !cb)
        rc = es__store_fail(s, ES_EINVAL, "listing team members: no callback");
    return rc ? rc : OPS(s)->members(s, team_id, cb, ud);
}

/* See cases.h. */
es_err es_route_add(es_store_t *s, const es_route_rule *r, const es_case_actor *who, int64_t *id)
{
    es_err rc = part(s, "adding a routing rule");
    if (rc == ES_OK && (!r || r->team_id <= 0))
        rc = es__store_fail(s, ES_EINVAL, "adding a routing rule: a team is needed");
    return rc ? rc : OPS(s)->route_add(s, r, who, id);
}

/* See cases.h. */
es_err es_route_list(es_store_t *s, void (*cb)(const es_route_rule *r, void *ud), void *ud)
{
    es_err rc = part(s, "listing routing rules");
    if (rc == ES_OK && !cb)
        rc = es__store_fail(s, ES_EINVAL, "listing routing rules: no callback");
    return rc ? rc : OPS(s)->route_list(s, cb, ud);
}
