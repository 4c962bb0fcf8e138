/*
 * sqlite_case_route.c - routing and assignment of new cases (C3), for the
 * threader (sqlite_case_thread.c): gathers the facts a routing rule looks at
 * (intent, department, rules fired, text, listening queries, brands,
 * location, language), asks src/inbox/route.c which rule matches and which
 * team member takes the case, and writes the answer with its audit entry.
 * The rules and the triage team are read once per threading call.
 */
#include <string.h>

#include "earshot/arena.h"
#include "inbox/inbox.h"
#include "store/sqlite_case_int.h"

#define MAX_IDS 64      /* queries and brands per mention looked at */
#define MAX_MEMBERS 512 /* members per team considered */

struct es__sqlcase_router {
    es_store_t *s;
    es_arena_t *arena;
    es_route_rule *rules;
    size_t n, cap;
    int oom;
    int64_t triage; /* the triage team, looked up once per call; -1: not yet */
};

static char *dup(es__sqlcase_router *r, const char *v)
{
    if (!v)
        return NULL;
    char *c = es_arena_strdup(r->arena, v);
    if (!c)
        r->oom = 1;
    return c;
}

static void keep_rule(const es_route_rule *rule, void *ud)
{
    es__sqlcase_router *r = ud;
    if (r->oom)
        return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        es_route_rule *n = es_arena_alloc(r->arena, cap * sizeof *n);
        if (!n) {
            r->oom = 1;
            return;
        }
        if (r->n)
            memcpy(n, r->rules, r->n * sizeof *n);
        r->rules = n;
        r->cap = cap;
    }
    es_route_rule *c = &r->rules[r->n++];
    *c = *rule;
    c->name = dup(r, rule->name);
    c->intent = dup(r, rule->intent);
    c->topic = dup(r, rule->topic);
    c->keyword = dup(r, rule->keyword);
    c->location = dup(r, rule->location);
    c->lang = dup(r, rule->lang);
    c->department = dup(r, rule->department);
}

/* See case_int.h. */
es_err es__sqlcase_router_new(es_store_t *s, es__sqlcase_router **out)
{
    es__sqlcase_router *r = es_calloc(1, sizeof *r);
    *out = NULL;
    if (!r || !(r->arena = es_arena_new(0, 0))) {
        es_free(r);
        return es__store_fail(s, ES_ENOMEM, "loading routing rules: out of memory");
    }
    r->s = s;
    r->triage = -1;
    es_err rc = es__sqlcase_route_each(s, keep_rule, r);
    if (rc == ES_OK && r->oom)
        rc = es__store_fail(s, ES_ENOMEM, "loading routing rules: out of memory");
    if (rc) {
        es__sqlcase_router_free(r);
        return rc;
    }
    *out = r;
    return ES_OK;
}

/* See case_int.h. */
void es__sqlcase_router_free(es__sqlcase_router *r)
{
    if (!r)
        return;
    es_arena_free(r->arena);
    es_free(r);
}

static es_err fail(es_store_t *s, int src, const char *what)
{
    return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, what);
}

/* Reads up to MAX_IDS ids of the mention from sql into ids. */
static es_err ids_of(es_store_t *s, const char *sql, int64_t mention_id, int64_t *ids, size_t *n)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(s, sql, &st, "routing a case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, mention_id);
    int src;
    *n = 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW && *n < MAX_IDS)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    es__sqlcase_finalize(st);
    return src == SQLITE_ROW || src == SQLITE_DONE ? ES_OK : fail(s, src, "routing a case");
}

/* The team a case goes to: the first matching rule's (*rule_id set), else
 * the triage team, else 0. */
static es_err choose_team(es__sqlcase_router *r, int64_t case_id, int64_t mention_id, int64_t *team,
                          int64_t *rule_id)
{
    es_store_t *s = r->s;
    int64_t queries[MAX_IDS], brands[MAX_IDS];
    es__route_input in = {.queries = queries, .brands = brands};
    sqlite3_stmt *st = NULL;
    *team = *rule_id = 0;
    es_err rc = ES_OK;
    if (r->n) {
        rc = ids_of(s, "SELECT query_id FROM mention_queries WHERE mention_id = ?1", mention_id,
                    queries, &in.n_queries);
        if (rc == ES_OK)
            rc = ids_of(s, "SELECT brand_id FROM mention_brands WHERE mention_id = ?1", mention_id,
                        brands, &in.n_brands);
        if (rc == ES_OK)
            rc = es__sqlcase_prepare(s,
                                     "SELECT c.intent, c.department, m.rules, m.text, c.location,"
                                     " m.lang FROM cases c, mentions m WHERE c.id = ?1"
                                     " AND m.id = ?2",
                                     &st, "routing a case");
        if (rc)
            return rc;
        sqlite3_bind_int64(st, 1, case_id);
        sqlite3_bind_int64(st, 2, mention_id);
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            in.intent = (const char *)sqlite3_column_text(st, 0);
            in.department = (const char *)sqlite3_column_text(st, 1);
            in.rules = (const char *)sqlite3_column_text(st, 2);
            in.text = (const char *)sqlite3_column_text(st, 3);
            in.location = (const char *)sqlite3_column_text(st, 4);
            in.lang = (const char *)sqlite3_column_text(st, 5);
            long k = es__inbox_route_pick(r->rules, r->n, &in);
            if (k >= 0) {
                *team = r->rules[k].team_id;
                *rule_id = r->rules[k].id;
            }
        }
        es__sqlcase_finalize(st);
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            return fail(s, src, "routing a case");
    }
    if (*team)
        return ES_OK;
    /* Like the rules, the triage team is read once per threading call. */
    if (r->triage >= 0) {
        *team = r->triage;
        return ES_OK;
    }
    rc = es__sqlcase_prepare(s, "SELECT id FROM teams WHERE triage = 1 ORDER BY id LIMIT 1", &st,
                             "routing a case");
    if (rc)
        return rc;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *team = sqlite3_column_int64(st, 0);
    es__sqlcase_finalize(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        return fail(s, src, "routing a case");
    r->triage = *team;
    return ES_OK;
}

/* See case_int.h. */
es_err es__sqlcase_pick_member(es_store_t *s, int64_t team_id, int64_t case_id, int64_t *user)
{
    es__member ms[MAX_MEMBERS];
    size_t n = 0;
    sqlite3_stmt *st;
    *user = 0;
    es_err rc = es__sqlcase_prepare(
        s,
        "SELECT t.assign, coalesce(t.last_assigned, 0), m.user_id, m.capacity,"
        " (SELECT count(*) FROM cases c INDEXED BY cases_mine WHERE c.assignee_id = m.user_id"
        "  AND c.status IN ('new','open') AND c.merged_into IS NULL)"
        " FROM teams t JOIN team_members m ON m.team_id = t.id"
        " JOIN users u ON u.id = m.user_id AND u.disabled = 0"
        " WHERE t.id = ?1 AND" ES__SQLCASE_USER_SEES("m.user_id", 2) " ORDER BY m.user_id",
        &st, "assigning a case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, team_id);
    sqlite3_bind_int64(st, 2, case_id);
    int src, mode = -1;
    int64_t last = 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW && n < MAX_MEMBERS) {
        mode = es__inbox_assign_mode((const char *)sqlite3_column_text(st, 0));
        last = sqlite3_column_int64(st, 1);
        ms[n].user_id = sqlite3_column_int64(st, 2);
        ms[n].capacity = sqlite3_column_int(st, 3);
        ms[n].load = sqlite3_column_int64(st, 4);
        n++;
    }
    es__sqlcase_finalize(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        return fail(s, src, "assigning a case");
    long k = mode < 0 ? -1 : es__inbox_assign_pick((es__assign_mode)mode, ms, n, last);
    if (k < 0)
        return ES_OK;
    *user = ms[k].user_id;
    rc = es__sqlcase_prepare(s, "UPDATE teams SET last_assigned = ?1 WHERE id = ?2", &st,
                             "assigning a case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, *user);
    sqlite3_bind_int64(st, 2, team_id);
    return es__sqlcase_done(s, st, "assigning a case");
}

/* See sqlite_case_int.h. */
es_err es__sqlcase_router_route(es__sqlcase_router *r, int64_t case_id, int64_t mention_id,
                                int64_t *team, int64_t *rule, int64_t *user)
{
    es_store_t *s = r->s;
    sqlite3_stmt *st;
    *user = 0;
    es_err rc = choose_team(r, case_id, mention_id, team, rule);
    if (rc || *team == 0)
        return rc;
    if ((rc = es__sqlcase_pick_member(s, *team, case_id, user)))
        return rc;
    rc = es__sqlcase_prepare(s,
                             "UPDATE cases SET team_id = ?1, assignee_id = nullif(?2, 0)"
                             " WHERE id = ?3",
                             &st, "routing a case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, *team);
    sqlite3_bind_int64(st, 2, *user);
    sqlite3_bind_int64(st, 3, case_id);
    return es__sqlcase_done(s, st, "routing a case");
}
