/*
 * sqlite_case_read.c - reading the inbox (SQLite): one case, lists with
 * filters, an agent's next cases, a case's mentions and notes, a customer.
 * Every read takes the caller's location scope into its SQL, so a scoped
 * user's query never returns another location's rows (and a single object
 * outside the scope is ES_ENOTFOUND, like a missing one).
 *
 * The next-cases read is the hot one (issue 3: p99 <= 10 ms over 1 M
 * mentions). It never sorts the queue: the agent's own active cases and
 * each of the agent's teams' unassigned ones are read in key order from the
 * partial indexes cases_mine and cases_team_queue (step 10), `limit` at most
 * from each, merged here, and only the winners' full rows are fetched.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_case_int.h"

#define MAX_LIMIT 500
#define MAX_TEAMS 64

/* The columns of a case, in the order read_case reads them. */
#define CASE_COLS                                                                                  \
    "c.id, coalesce(c.customer_id, 0), cu.name, c.source, c.location,"                             \
    " coalesce(c.brand_id, 0), b.name, c.subject, c.status, c.priority, c.severity,"               \
    " c.queue_key, coalesce(c.team_id, 0), coalesce(c.assignee_id, 0), t.name, u.name,"            \
    " c.sentiment, c.intent, c.department,"                                                        \
    " coalesce((SELECT group_concat(tag, ',') FROM (SELECT tag FROM case_tags g"                   \
    "  WHERE g.case_id = c.id ORDER BY tag)), ''),"                                                \
    " c.created, c.updated, c.last_customer_at, coalesce(c.first_response_at, 0),"                 \
    " coalesce(c.resolved_at, 0), c.queue_due, coalesce(c.merged_into, 0),"                        \
    " (SELECT count(*) FROM mentions x WHERE x.case_id = c.id), coalesce(c.followers, -1)"
#define CASE_FROM                                                                                  \
    " FROM cases c LEFT JOIN customers cu ON cu.id = c.customer_id"                                \
    " LEFT JOIN brands b ON b.id = c.brand_id LEFT JOIN teams t ON t.id = c.team_id"               \
    " LEFT JOIN users u ON u.id = c.assignee_id"
#define IN_SCOPE(n) ES__SQLCASE_IN_SCOPE("c.location", n)

static const char *txt(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static void read_case(sqlite3_stmt *st, int64_t now, es_case *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    c->customer_id = sqlite3_column_int64(st, 1);
    c->customer_name = txt(st, 2);
    c->source = txt(st, 3);
    c->location = txt(st, 4);
    c->brand_id = sqlite3_column_int64(st, 5);
    c->brand = txt(st, 6);
    c->subject = txt(st, 7);
    if (es_case_status_parse(txt(st, 8), &c->status))
        c->status = ES_CASE_NEW;
    c->priority = sqlite3_column_int(st, 9);
    c->severity = sqlite3_column_double(st, 10);
    c->rank = es_case_rank_at(sqlite3_column_double(st, 11), now);
    c->team_id = sqlite3_column_int64(st, 12);
    c->assignee_id = sqlite3_column_int64(st, 13);
    c->team = txt(st, 14);
    c->assignee = txt(st, 15);
    int pol = sqlite3_column_int(st, 16);
    c->sentiment = pol < 0 ? ES_NEGATIVE : pol > 0 ? ES_POSITIVE : ES_NEUTRAL;
    if (es_intent_parse(txt(st, 17), &c->intent))
        c->intent = ES_INTENT_OTHER;
    c->department = txt(st, 18);
    c->tags = txt(st, 19);
    c->created = sqlite3_column_int64(st, 20);
    c->updated = sqlite3_column_int64(st, 21);
    c->last_customer_at = sqlite3_column_int64(st, 22);
    c->first_response_at = sqlite3_column_int64(st, 23);
    c->resolved_at = sqlite3_column_int64(st, 24);
    c->sla_due = sqlite3_column_int64(st, 25);
    c->merged_into = sqlite3_column_int64(st, 26);
    c->mentions = sqlite3_column_int64(st, 27);
    c->followers = sqlite3_column_int64(st, 28);
}

static es_err fail(es_store_t *s, int src, const char *what)
{
    return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, what);
}

/* See case_int.h. */
es_err es__sqlcase_get(es_store_t *s, int64_t id, const es_case_scope *scope, int64_t now,
                       es_case_cb cb, void *ud)
{
    sqlite3_stmt *st;
    char *sb = NULL;
    es_err rc = es__sqlcase_prepare(
        s, "SELECT " CASE_COLS CASE_FROM " WHERE c.id = ?1 AND" IN_SCOPE(2), &st, "reading a case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = es__sqlcase_bind_scope(st, 2, scope, &sb);
    int src = rc ? SQLITE_DONE : sqlite3_step(st);
    if (src == SQLITE_ROW) {
        es_case c;
        read_case(st, now, &c);
        cb(&c, ud);
    }
    es__sqlcase_finalize(st);
    es_free(sb);
    if (rc)
        return rc;
    if (src == SQLITE_DONE)
        return es__store_fail(s, ES_ENOTFOUND, "no case %lld", (long long)id);
    return src == SQLITE_ROW ? ES_OK : fail(s, src, "reading a case");
}

/* ---- lists ----------------------------------------------------------------- */

static const char list_sql[] =
    "SELECT " CASE_COLS CASE_FROM " WHERE c.merged_into IS NULL AND" IN_SCOPE(
        1) " AND (?2 IS NULL OR (?2 = 'active' AND c.status <> 'resolved') OR c.status = ?2)"
           " AND (?3 = 0 OR c.team_id = ?3)"
           " AND (?4 = 0 OR (?4 = -1 AND c.assignee_id IS NULL) OR c.assignee_id = ?4)"
           " AND (?5 IS NULL OR c.location = ?5)"
           " AND (?6 IS NULL OR c.brand_id = (SELECT id FROM brands WHERE name = ?6))"
           " AND (?7 IS NULL OR c.id IN (SELECT x.case_id FROM mentions x WHERE x.id IN"
           "  (SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ?7)))"
           " AND (?10 = 0 OR c.customer_id = ?10)"
           " ORDER BY c.queue_key DESC, c.last_customer_at, c.id LIMIT ?8 OFFSET ?9";

/* See case_int.h. */
es_err es__sqlcase_list(es_store_t *s, const es_case_filter *f, const es_case_scope *scope,
                        int64_t now, es_case_cb cb, void *ud, int *more)
{
    static const es_case_filter none = {0};
    es_case_status ignore;
    sqlite3_stmt *st = NULL;
    char *sb = NULL, *fts = NULL;
    if (!f)
        f = &none;
    size_t limit = f->limit ? f->limit : 50;
    if (limit > MAX_LIMIT)
        limit = MAX_LIMIT;
    if (more)
        *more = 0;
    if (f->status && strcmp(f->status, "active") != 0 && es_case_status_parse(f->status, &ignore))
        return es__store_fail(s, ES_EINVAL, "unknown status '%.40s'", f->status);
    es_err rc = f->q ? es__sqlite_fts_query(f->q, &fts) : ES_OK;
    if (rc)
        return es__store_fail(s, rc, "the search words are too long");
    rc = es__sqlcase_prepare(s, list_sql, &st, "listing cases");
    if (rc == ES_OK)
        rc = es__sqlcase_bind_scope(st, 1, scope, &sb);
    if (rc == ES_OK) {
        es__sqlite_bind_str(st, 2, f->status);
        sqlite3_bind_int64(st, 3, f->team_id);
        sqlite3_bind_int64(st, 4, f->assignee_id);
        es__sqlite_bind_str(st, 5, f->location);
        es__sqlite_bind_str(st, 6, f->brand);
        es__sqlite_bind_str(st, 7, fts);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)limit + 1);
        sqlite3_bind_int64(st, 9, (sqlite3_int64)f->offset);
        sqlite3_bind_int64(st, 10, f->customer_id);
        int src;
        size_t n = 0;
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            if (n++ == limit) {
                if (more)
                    *more = 1;
                break;
            }
            es_case c;
            read_case(st, now, &c);
            cb(&c, ud);
        }
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            rc = fail(s, src, "listing cases");
    }
    es__sqlcase_finalize(st);
    es_free(sb);
    es_free(fts);
    return rc;
}

/* ---- the next cases --------------------------------------------------------------- */

typedef struct cand {
    int64_t id;
    double key;
    int64_t lca;
} cand;

/* Queue order: key descending, then the longest waiting, then id. */
static int before(const cand *a, const cand *b)
{
    if (a->key != b->key)
        return a->key > b->key;
    if (a->lca != b->lca)
        return a->lca < b->lca;
    return a->id < b->id;
}

/* Reads up to limit candidates from st (already bound) into the sorted
 * best[0..*n) (at most limit kept). */
static es_err take(es_store_t *s, sqlite3_stmt *st, cand *best, size_t *n, size_t limit)
{
    int src;
    size_t got = 0;
    while (got < limit && (src = sqlite3_step(st)) == SQLITE_ROW) {
        cand c = {sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1),
                  sqlite3_column_int64(st, 2)};
        got++;
        if (*n == limit && !before(&c, &best[limit - 1]))
            break; /* rows come in order: none of the rest can enter */
        size_t i = *n < limit ? (*n)++ : limit - 1;
        while (i > 0 && before(&c, &best[i - 1])) {
            best[i] = best[i - 1];
            i--;
        }
        best[i] = c;
    }
    if (got < limit && src != SQLITE_DONE && src != SQLITE_ROW)
        return fail(s, src, "reading the queue");
    return ES_OK;
}

static es_err user_teams(es_store_t *s, int64_t user_id, int64_t *teams, size_t *n)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(s,
                                    "SELECT team_id FROM team_members WHERE user_id = ?1"
                                    " ORDER BY team_id",
                                    &st, "reading the queue");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, user_id);
    int src;
    *n = 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW && *n < MAX_TEAMS)
        teams[(*n)++] = sqlite3_column_int64(st, 0);
    es__sqlcase_finalize(st);
    return src == SQLITE_ROW || src == SQLITE_DONE ? ES_OK : fail(s, src, "reading the queue");
}

/* Gathers the best `limit` candidates: the user's own active cases, then the
 * unassigned active cases of each of the user's teams. */
static es_err candidates(es_store_t *s, int64_t user_id, const es_case_scope *scope, cand *best,
                         size_t *n, size_t limit)
{
    static const char mine[] =
        "SELECT c.id, c.queue_key, c.last_customer_at FROM cases c INDEXED BY cases_mine"
        " WHERE c.assignee_id = ?1 AND c.status IN ('new','open') AND c.merged_into IS NULL"
        " AND" IN_SCOPE(2) " ORDER BY c.queue_key DESC, c.last_customer_at";
    static const char team[] =
        "SELECT c.id, c.queue_key, c.last_customer_at FROM cases c INDEXED BY cases_team_queue"
        " WHERE c.team_id = ?1 AND c.assignee_id IS NULL AND c.status IN ('new','open')"
        " AND c.merged_into IS NULL AND" IN_SCOPE(
            2) " ORDER BY c.queue_key DESC, c.last_customer_at";
    int64_t teams[MAX_TEAMS];
    size_t n_teams = 0;
    sqlite3_stmt *st = NULL;
    char *sb = NULL;
    es_err rc = user_teams(s, user_id, teams, &n_teams);
    for (size_t k = 0; rc == ES_OK && k <= n_teams; k++) {
        rc = es__sqlcase_prepare(s, k == 0 ? mine : team, &st, "reading the queue");
        if (rc)
            break;
        sqlite3_bind_int64(st, 1, k == 0 ? user_id : teams[k - 1]);
        rc = es__sqlcase_bind_scope(st, 2, scope, &sb);
        if (rc == ES_OK)
            rc = take(s, st, best, n, limit);
        es__sqlcase_finalize(st);
        es_free(sb);
        sb = NULL;
    }
    return rc;
}

/* See case_int.h. */
es_err es__sqlcase_next(es_store_t *s, int64_t user_id, const es_case_scope *scope, size_t limit,
                        int64_t now, es_case_cb cb, void *ud)
{
    if (limit == 0)
        limit = 50;
    if (limit > MAX_LIMIT)
        limit = MAX_LIMIT;
    cand *best = es_calloc(limit, sizeof *best);
    if (!best)
        return es__store_fail(s, ES_ENOMEM, "reading the queue: out of memory");
    size_t n = 0;
    sqlite3_stmt *st = NULL;
    /* one read transaction for the few statements: one snapshot, and the
     * WAL read lock taken once instead of per statement */
    sqlite3 *db = ((es__sqlite *)s->impl)->db;
    int own =
        sqlite3_get_autocommit(db) && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    es_err rc = candidates(s, user_id, scope, best, &n, limit);
    if (rc == ES_OK && n)
        rc = es__sqlcase_prepare(s, "SELECT " CASE_COLS CASE_FROM " WHERE c.id = ?1", &st,
                                 "reading the queue");
    for (size_t i = 0; rc == ES_OK && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, best[i].id);
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            es_case c;
            read_case(st, now, &c);
            cb(&c, ud);
        } else if (src != SQLITE_DONE) {
            rc = fail(s, src, "reading the queue");
        }
    }
    es__sqlcase_finalize(st);
    if (own)
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    es_free(best);
    return rc;
}

/* ---- mentions, notes, customers ------------------------------------------------------ */

/* See case_int.h. */
es_err es__sqlcase_mentions(es_store_t *s, int64_t id, const es_case_scope *scope, size_t limit,
                            size_t offset, void (*cb)(const es_mention_row *, void *), void *ud)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_visible(s, id, scope);
    if (rc)
        return rc;
    rc = es__sqlcase_prepare(s,
                             "SELECT id, source, external_id, author, author_name, followers,"
                             " text, lang, created_at, received_at, url, reply_to, location,"
                             " conversation, compound, pos, neu, neg, polarity, intent, cues,"
                             " flags, rules, duplicate_of,"
                             " (SELECT group_concat(b.name, ',') FROM mention_brands mb"
                             "  JOIN brands b ON b.id = mb.brand_id WHERE mb.mention_id = m.id)"
                             " FROM mentions m WHERE case_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
                             &st, "reading a case's mentions");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(
        st, 2, (sqlite3_int64)(limit ? (limit > 2 * MAX_LIMIT ? 2 * MAX_LIMIT : limit) : 200));
    sqlite3_bind_int64(st, 3, (sqlite3_int64)offset);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_mention_row r = {.id = sqlite3_column_int64(st, 0)};
        es_mention_t *m = &r.m;
        es_mention_init(m);
        m->source = txt(st, 1);
        m->external_id = txt(st, 2);
        m->author = txt(st, 3);
        m->author_name = txt(st, 4);
        if (sqlite3_column_type(st, 5) != SQLITE_NULL)
            m->followers = sqlite3_column_int64(st, 5);
        m->text = txt(st, 6);
        m->lang = txt(st, 7);
        m->created_at = sqlite3_column_int64(st, 8);
        m->received_at = sqlite3_column_int64(st, 9);
        m->url = txt(st, 10);
        m->reply_to = txt(st, 11);
        m->location = txt(st, 12);
        m->conversation = txt(st, 13);
        m->sentiment.compound = sqlite3_column_double(st, 14);
        m->sentiment.pos = sqlite3_column_double(st, 15);
        m->sentiment.neu = sqlite3_column_double(st, 16);
        m->sentiment.neg = sqlite3_column_double(st, 17);
        int pol = sqlite3_column_int(st, 18);
        m->sentiment.label = pol < 0 ? ES_NEGATIVE : pol > 0 ? ES_POSITIVE : ES_NEUTRAL;
        if (es_intent_parse(txt(st, 19), &m->intent))
            m->intent = ES_INTENT_OTHER;
        m->cues = (uint32_t)sqlite3_column_int64(st, 20);
        m->flags = (uint32_t)sqlite3_column_int64(st, 21);
        m->rules = txt(st, 22);
        m->duplicate_of = txt(st, 23);
        r.brands = txt(st, 24);
        cb(&r, ud);
    }
    es__sqlcase_finalize(st);
    return src == SQLITE_DONE ? ES_OK : fail(s, src, "reading a case's mentions");
}

/* See case_int.h. */
es_err es__sqlcase_notes(es_store_t *s, int64_t id, const es_case_scope *scope,
                         void (*cb)(const es_case_note *, void *), void *ud)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_visible(s, id, scope);
    if (rc)
        return rc;
    rc = es__sqlcase_prepare(s,
                             "SELECT n.id, coalesce(n.user_id, 0), u.name, n.at, n.text"
                             " FROM case_notes n LEFT JOIN users u ON u.id = n.user_id"
                             " WHERE n.case_id = ?1 ORDER BY n.id",
                             &st, "reading a case's notes");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_case_note n = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), txt(st, 2),
                          sqlite3_column_int64(st, 3), txt(st, 4)};
        cb(&n, ud);
    }
    es__sqlcase_finalize(st);
    return src == SQLITE_DONE ? ES_OK : fail(s, src, "reading a case's notes");
}

/* See case_int.h. */
es_err es__sqlcase_customer_get(es_store_t *s, int64_t id, const es_case_scope *scope,
                                void (*cb)(const es_customer *, void *), void *ud)
{
    sqlite3_stmt *st;
    char *sb = NULL;
    es_err rc = es__sqlcase_prepare(
        s,
        "SELECT cu.id, cu.name, cu.created, coalesce(cu.merged_into, 0),"
        " coalesce((SELECT group_concat(h.kind || ':' || h.source || ':' || h.value, ',')"
        "  FROM customer_handles h WHERE h.customer_id = cu.id), ''),"
        " (SELECT count(*) FROM cases k WHERE k.customer_id = cu.id)"
        " FROM customers cu WHERE cu.id = ?1 AND (?2 IS NULL OR EXISTS (SELECT 1 FROM cases c"
        "  WHERE c.customer_id = cu.id AND" IN_SCOPE(2) "))",
        &st, "reading a customer");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = es__sqlcase_bind_scope(st, 2, scope, &sb);
    int src = rc ? SQLITE_DONE : sqlite3_step(st);
    if (src == SQLITE_ROW) {
        es_customer c = {sqlite3_column_int64(st, 0), txt(st, 1), sqlite3_column_int64(st, 2),
                         sqlite3_column_int64(st, 3), txt(st, 4), sqlite3_column_int64(st, 5)};
        cb(&c, ud);
    }
    es__sqlcase_finalize(st);
    es_free(sb);
    if (rc)
        return rc;
    if (src == SQLITE_DONE)
        return es__store_fail(s, ES_ENOTFOUND, "no customer %lld", (long long)id);
    return src == SQLITE_ROW ? ES_OK : fail(s, src, "reading a customer");
}
