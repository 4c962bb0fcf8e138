/*
 * sqlite_case.c - the SQLite backend of the inbox, part one: schema step 10
 * (routing rules, case notes, case tags, and the queue columns and indexes
 * on cases), the helpers the other sqlite_case*.c files share (statements,
 * scope, audit, the queue key), teams and routing rules, and the operation
 * table that sqlite.c points at. Reached through cases.c only.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "inbox/inbox.h"
#include "store/sqlite_case_int.h"

/* Step 10: what only the inbox needs. queue_key is es_case_key of the case's
 * signals (severity, priority, last_customer_at, queue_due): ordering by it
 * descending is ordering by rank at any moment (docs/inbox.md), so the
 * queue reads walk two partial indexes of the active cases (new + open) in
 * order: an agent's own cases and a team's unassigned ones. priority_set
 * marks a priority an agent chose (kept by re-ranking). The conversation
 * index lets a mention find its thread. */
const char es__sqlite_step10[] =
    "CREATE TABLE routing_rules ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT,"
    " priority INTEGER NOT NULL DEFAULT 100,"
    " intent TEXT, topic TEXT, keyword TEXT,"
    " query_id INTEGER REFERENCES queries(id),"
    " brand_id INTEGER REFERENCES brands(id),"
    " location TEXT, lang TEXT, department TEXT,"
    " team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE case_notes ("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " user_id INTEGER REFERENCES users(id),"
    " at INTEGER NOT NULL,"
    " text TEXT NOT NULL);"
    "CREATE INDEX case_notes_case ON case_notes(case_id, id);"
    "CREATE TABLE case_tags ("
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " tag TEXT NOT NULL,"
    " PRIMARY KEY (case_id, tag)) WITHOUT ROWID;"
    "CREATE INDEX case_tags_tag ON case_tags(tag, case_id);"
    "ALTER TABLE cases ADD COLUMN queue_key REAL NOT NULL DEFAULT 0;"
    "ALTER TABLE cases ADD COLUMN queue_due INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE cases ADD COLUMN priority_set INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX cases_mine ON cases(assignee_id, queue_key DESC, last_customer_at)"
    " WHERE status IN ('new','open') AND merged_into IS NULL;"
    "CREATE INDEX cases_team_queue ON cases(team_id, assignee_id, queue_key DESC,"
    " last_customer_at) WHERE status IN ('new','open') AND merged_into IS NULL;"
    "CREATE INDEX cases_order ON cases(queue_key DESC, last_customer_at)"
    " WHERE merged_into IS NULL;"
    "CREATE INDEX mentions_conversation ON mentions(source, conversation)"
    " WHERE conversation IS NOT NULL;";

/* ---- shared helpers --------------------------------------------------------- */

/* The statement cache of the threader (see es__sqlcase_cache_begin):
 * statements keyed by their SQL text's address, kept prepared on the handle
 * (es__sqlite.case_cache) from one threading call to the next, so that a
 * call that threads a few mentions does not prepare twenty statements
 * first. Active on one thread at most; the handle frees it. */
#define CACHE_SLOTS 48
typedef struct stmt_cache {
    es_store_t *s;
    size_t n;
    const char *sql[CACHE_SLOTS];
    sqlite3_stmt *st[CACHE_SLOTS];
} stmt_cache;

static _Thread_local stmt_cache *active;

/* See case_int.h. */
void *es__sqlcase_cache_begin(es_store_t *s)
{
    es__sqlite *q = s->impl;
    if (active)
        return NULL;
    stmt_cache *c = q->case_cache;
    if (!c && (c = es_calloc(1, sizeof *c)) != NULL) {
        c->s = s;
        q->case_cache = c;
    }
    active = c;
    return c;
}

/* See case_int.h. */
void es__sqlcase_cache_end(void *cache)
{
    stmt_cache *c = cache;
    if (!c)
        return;
    /* None may hold a read transaction or point into the caller's memory
     * until the next call. */
    for (size_t i = 0; i < c->n; i++) {
        sqlite3_reset(c->st[i]);
        sqlite3_clear_bindings(c->st[i]);
    }
    if (active == c)
        active = NULL;
}

/* See sqlite_case_int.h. */
void es__sqlcase_cache_free(void *cache)
{
    stmt_cache *c = cache;
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        sqlite3_finalize(c->st[i]);
    if (active == c)
        active = NULL;
    es_free(c);
}

/* See case_int.h. */
es_err es__sqlcase_prepare(es_store_t *s, const char *sql, sqlite3_stmt **st, const char *what)
{
    es__sqlite *q = s->impl;
    stmt_cache *c = active && active->s == s ? active : NULL;
    for (size_t i = 0; c && i < c->n; i++)
        if (c->sql[i] == sql) {
            *st = c->st[i];
            return ES_OK;
        }
    *st = NULL;
    int src = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
    if (src != SQLITE_OK)
        return es__sqlite_fail(s, q->db, src, what);
    if (c && c->n < CACHE_SLOTS) {
        c->sql[c->n] = sql;
        c->st[c->n++] = *st;
    }
    return ES_OK;
}

/* See case_int.h. */
void es__sqlcase_finalize(sqlite3_stmt *st)
{
    for (size_t i = 0; st && active && i < active->n; i++)
        if (active->st[i] == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return;
        }
    sqlite3_finalize(st);
}

/* See case_int.h. */
es_err es__sqlcase_done(es_store_t *s, sqlite3_stmt *st, const char *what)
{
    int src = sqlite3_step(st);
    while (src == SQLITE_ROW)
        src = sqlite3_step(st);
    es__sqlite *q = s->impl;
    es_err rc = ES_OK;
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        rc = es__store_fail(s, ES_EINVAL, "%s: %s", what, sqlite3_errmsg(q->db));
    else if (src != SQLITE_DONE)
        rc = es__sqlite_fail(s, q->db, src, what);
    es__sqlcase_finalize(st);
    return rc;
}

/* Appends s as a JSON string. */
static es_err json_str(es__buf *b, const char *s)
{
    es_err rc = es__buf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; rc == ES_OK && *p; p++) {
        if (*p == '"' || *p == '\\')
            rc = es__buf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            rc = es__buf_printf(b, "\\u%04x", *p);
        else
            rc = es__buf_addc(b, (char)*p);
    }
    return rc ? rc : es__buf_addc(b, '"');
}

/* See case_int.h. */
es_err es__sqlcase_bind_scope(sqlite3_stmt *st, int i, const es_case_scope *scope, char **buf)
{
    *buf = NULL;
    if (!scope || scope->all) {
        sqlite3_bind_null(st, i);
        return ES_OK;
    }
    es__buf b;
    es__buf_init(&b, 1 << 20);
    es_err rc = es__buf_addc(&b, '[');
    for (size_t k = 0; rc == ES_OK && k < scope->n; k++) {
        if (k)
            rc = es__buf_addc(&b, ',');
        if (rc == ES_OK)
            rc = json_str(&b, scope->locations[k] ? scope->locations[k] : "");
    }
    if (rc == ES_OK)
        rc = es__buf_addc(&b, ']');
    if (rc) {
        es__buf_cleanup(&b);
        return rc;
    }
    *buf = b.data;
    sqlite3_bind_text(st, i, b.data, (int)b.len, SQLITE_STATIC);
    return ES_OK;
}

/* See case_int.h. */
es_err es__sqlcase_visible(es_store_t *s, int64_t id, const es_case_scope *scope)
{
    sqlite3_stmt *st;
    char *sb = NULL;
    es_err rc = es__sqlcase_prepare(
        s, "SELECT 1 FROM cases WHERE id = ?1 AND" ES__SQLCASE_IN_SCOPE("location", 2), &st,
        "finding a case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = es__sqlcase_bind_scope(st, 2, scope, &sb);
    int src = rc ? SQLITE_DONE : sqlite3_step(st);
    es__sqlcase_finalize(st);
    es_free(sb);
    if (rc)
        return rc;
    if (src == SQLITE_ROW)
        return ES_OK;
    if (src == SQLITE_DONE)
        return es__store_fail(s, ES_ENOTFOUND, "no case %lld", (long long)id);
    return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "finding a case");
}

/* See case_int.h. */
es_err es__sqlcase_audit(es_store_t *s, const es_case_actor *who, int64_t at, const char *action,
                         const char *object, const char *detail)
{
    /* es__sqlite_audit_add's statement, kept prepared while the threader's
     * cache is active (one audit entry per new case). */
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(s, es__sqlite_audit_sql, &st, "writing the audit trail");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_int64(st, 2, who ? who->user_id : 0);
    sqlite3_bind_int64(st, 3, who ? who->token_id : 0);
    sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, object, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, detail, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    es__sqlcase_finalize(st);
    return src == SQLITE_DONE
               ? ES_OK
               : es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "writing the audit trail");
}

/* See case_int.h. */
es_err es__sqlcase_rekey(es_store_t *s, int64_t id)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(s,
                                    "SELECT severity, priority, last_customer_at, queue_due"
                                    " FROM cases WHERE id = ?1",
                                    &st, "ranking a case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW) {
        es__sqlcase_finalize(st);
        if (src == SQLITE_DONE)
            return es__store_fail(s, ES_ENOTFOUND, "no case %lld", (long long)id);
        return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "ranking a case");
    }
    es_case_signals sig = {sqlite3_column_double(st, 0), sqlite3_column_int(st, 1),
                           sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)};
    es__sqlcase_finalize(st);
    rc = es__sqlcase_prepare(s, "UPDATE cases SET queue_key = ?1, rank = ?2 WHERE id = ?3", &st,
                             "ranking a case");
    if (rc)
        return rc;
    sqlite3_bind_double(st, 1, es_case_key(&sig));
    sqlite3_bind_double(st, 2, es_case_rank(&sig, sig.waiting_since));
    sqlite3_bind_int64(st, 3, id);
    return es__sqlcase_done(s, st, "ranking a case");
}

/* The SLA checker's due time (not audited: bookkeeping). */
es_err es__sqlcase_set_due(es_store_t *s, int64_t id, int64_t due)
{
    sqlite3_stmt *st;
    /* Called for every open case at each SLA check: a due time that has
     * not changed writes nothing. */
    es_err rc = es__sqlcase_prepare(s,
                                    "UPDATE cases SET queue_due = ?1 WHERE id = ?2"
                                    " AND queue_due IS NOT ?1",
                                    &st, "setting a case's due time");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, due > 0 ? due : 0);
    sqlite3_bind_int64(st, 2, id);
    rc = es__sqlcase_done(s, st, "setting a case's due time");
    if (rc)
        return rc;
    if (sqlite3_changes(((es__sqlite *)s->impl)->db) > 0)
        return es__sqlcase_rekey(s, id);
    rc = es__sqlcase_prepare(s, "SELECT 1 FROM cases WHERE id = ?1", &st,
                             "setting a case's due time");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int src = sqlite3_step(st);
    es__sqlcase_finalize(st);
    if (src == SQLITE_ROW)
        return ES_OK;
    if (src == SQLITE_DONE)
        return es__store_fail(s, ES_ENOTFOUND, "no case %lld", (long long)id);
    return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "setting a case's due time");
}

/* See case_int.h. */
es_err es__sqlcase_begin(es_store_t *s, int *owned)
{
    es__sqlite *q = s->impl;
    *owned = 0;
    if (!sqlite3_get_autocommit(q->db))
        return ES_OK;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    *owned = rc == ES_OK;
    return rc;
}

/* See case_int.h. */
es_err es__sqlcase_end(es_store_t *s, int owned, es_err rc)
{
    if (!owned)
        return rc;
    if (rc == ES_OK)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc != ES_OK && !sqlite3_get_autocommit(((es__sqlite *)s->impl)->db)) {
        char keep[ES_STORE_ERRMAX];
        memcpy(keep, s->errmsg, sizeof keep);
        (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
        memcpy(s->errmsg, keep, sizeof keep);
    }
    return rc;
}

/* See case_int.h. */
es_err es__sqlcase_json_str(es__buf *b, const char *v)
{
    return v ? json_str(b, v) : es__buf_adds(b, "null");
}

/* ---- teams ------------------------------------------------------------------- */

static es_err team_add(es_store_t *s, const char *name, const char *assign, int triage,
                       const es_case_actor *who, int64_t *id)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int owned = 0;
    es__buf d;
    es__buf_init(&d, 4096);
    if (!assign)
        assign = "round_robin";
    if (es__inbox_assign_mode(assign) < 0)
        return es__store_fail(s, ES_EINVAL,
                              "team '%.100s': unknown assignment '%.40s' "
                              "(round_robin, least_loaded, none)",
                              name, assign);
    es_err rc = es__sqlcase_begin(s, &owned);
    if (rc == ES_OK && triage)
        rc = es__sqlcase_prepare(s, "UPDATE teams SET triage = 0 WHERE triage = 1", &st,
                                 "adding a team");
    if (rc == ES_OK && st)
        rc = es__sqlcase_done(s, st, "adding a team");
    if (rc == ES_OK)
        rc = es__sqlcase_prepare(s, "INSERT INTO teams(name, assign, triage) VALUES (?1, ?2, ?3)",
                                 &st, "adding a team");
    if (rc == ES_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, assign, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, triage ? 1 : 0);
        int src = sqlite3_step(st);
        es__sqlcase_finalize(st);
        if ((src & 0xff) == SQLITE_CONSTRAINT)
            rc = es__store_fail(s, ES_EEXIST, "team '%.100s' exists already", name);
        else if (src != SQLITE_DONE)
            rc = es__sqlite_fail(s, q->db, src, "adding a team");
    }
    int64_t tid = rc == ES_OK ? sqlite3_last_insert_rowid(q->db) : 0;
    char obj[40];
    snprintf(obj, sizeof obj, "team:%lld", (long long)tid);
    if (rc == ES_OK)
        rc = es__buf_adds(&d, "{\"name\":");
    if (rc == ES_OK)
        rc = json_str(&d, name);
    if (rc == ES_OK)
        rc = es__buf_printf(&d, ",\"assign\":\"%s\",\"triage\":%d}", assign, triage ? 1 : 0);
    if (rc == ES_OK)
        rc = es__sqlcase_audit(s, who, 0, "team.add", obj, d.data);
    rc = es__sqlcase_end(s, owned, rc);
    es__buf_cleanup(&d);
    if (rc == ES_OK && id)
        *id = tid;
    return rc;
}

static es_err team_list(es_store_t *s, void (*cb)(const es_team *, void *), void *ud)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(s,
                                    "SELECT t.id, t.name, t.assign, t.triage,"
                                    " (SELECT count(*) FROM team_members m WHERE m.team_id = t.id)"
                                    " FROM teams t ORDER BY t.name",
                                    &st, "listing teams");
    if (rc)
        return rc;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_team t = {sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                     (const char *)sqlite3_column_text(st, 2), sqlite3_column_int(st, 3),
                     sqlite3_column_int64(st, 4)};
        cb(&t, ud);
    }
    es__sqlcase_finalize(st);
    return src == SQLITE_DONE
               ? ES_OK
               : es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "listing teams");
}

static es_err team_find(es_store_t *s, const char *name, int64_t *id)
{
    sqlite3_stmt *st;
    es_err rc =
        es__sqlcase_prepare(s, "SELECT id FROM teams WHERE name = ?1", &st, "finding a team");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    es__sqlcase_finalize(st);
    if (src == SQLITE_DONE)
        return es__store_fail(s, ES_ENOTFOUND, "no team '%.100s'", name);
    return src == SQLITE_ROW
               ? ES_OK
               : es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "finding a team");
}

/* 1 when a row with this id exists in table (a fixed name, never input). */
static es_err exists(es_store_t *s, const char *sql, int64_t id, int *yes)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(s, sql, &st, "checking a reference");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int src = sqlite3_step(st);
    es__sqlcase_finalize(st);
    *yes = src == SQLITE_ROW;
    return src == SQLITE_ROW || src == SQLITE_DONE
               ? ES_OK
               : es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "checking a reference");
}

static es_err member_add(es_store_t *s, int64_t team_id, int64_t user_id, int capacity,
                         const es_case_actor *who)
{
    int owned = 0, team = 0, user = 0;
    sqlite3_stmt *st;
    if (capacity <= 0)
        capacity = 20;
    es_err rc = es__sqlcase_begin(s, &owned);
    if (rc == ES_OK)
        rc = exists(s, "SELECT 1 FROM teams WHERE id = ?1", team_id, &team);
    if (rc == ES_OK)
        rc = exists(s, "SELECT 1 FROM users WHERE id = ?1", user_id, &user);
    if (rc == ES_OK && (!team || !user))
        rc = es__store_fail(s, ES_EINVAL, "no %s %lld", !team ? "team" : "user",
                            (long long)(!team ? team_id : user_id));
    if (rc == ES_OK)
        rc = es__sqlcase_prepare(s,
                                 "INSERT INTO team_members(team_id, user_id, capacity)"
                                 " VALUES (?1, ?2, ?3) ON CONFLICT (team_id, user_id)"
                                 " DO UPDATE SET capacity = excluded.capacity",
                                 &st, "adding a team member");
    if (rc == ES_OK) {
        sqlite3_bind_int64(st, 1, team_id);
        sqlite3_bind_int64(st, 2, user_id);
        sqlite3_bind_int(st, 3, capacity);
        rc = es__sqlcase_done(s, st, "adding a team member");
    }
    char obj[40], detail[80];
    snprintf(obj, sizeof obj, "team:%lld", (long long)team_id);
    snprintf(detail, sizeof detail, "{\"user_id\":%lld,\"capacity\":%d}", (long long)user_id,
             capacity);
    if (rc == ES_OK)
        rc = es__sqlcase_audit(s, who, 0, "team.member", obj, detail);
    return es__sqlcase_end(s, owned, rc);
}

static es_err members(es_store_t *s, int64_t team_id, void (*cb)(const es_team_member *, void *),
                      void *ud)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(
        s,
        "SELECT m.team_id, m.user_id, u.name, m.capacity,"
        " (SELECT count(*) FROM cases c INDEXED BY cases_mine WHERE c.assignee_id = m.user_id"
        "  AND c.status IN ('new','open') AND c.merged_into IS NULL)"
        " FROM team_members m JOIN users u ON u.id = m.user_id"
        " WHERE m.team_id = ?1 ORDER BY m.user_id",
        &st, "listing team members");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, team_id);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_team_member m = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                            (const char *)sqlite3_column_text(st, 2), sqlite3_column_int(st, 3),
                            sqlite3_column_int64(st, 4)};
        cb(&m, ud);
    }
    es__sqlcase_finalize(st);
    return src == SQLITE_DONE
               ? ES_OK
               : es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "listing team members");
}

/* ---- routing rules -------------------------------------------------------------- */

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    es__sqlite_bind_str(st, i, v && *v ? v : NULL);
}

static es_err route_add(es_store_t *s, const es_route_rule *r, const es_case_actor *who,
                        int64_t *id)
{
    es__sqlite *q = s->impl;
    int owned = 0, team = 0;
    es_intent in;
    sqlite3_stmt *st;
    if (!es__inbox_route_has_condition(r))
        return es__store_fail(s, ES_EINVAL, "a routing rule needs at least one condition");
    if (r->intent && *r->intent && es_intent_parse(r->intent, &in))
        return es__store_fail(s, ES_EINVAL, "unknown intent '%.40s'", r->intent);
    es_err rc = es__sqlcase_begin(s, &owned);
    if (rc == ES_OK)
        rc = exists(s, "SELECT 1 FROM teams WHERE id = ?1", r->team_id, &team);
    if (rc == ES_OK && !team)
        rc = es__store_fail(s, ES_EINVAL, "no team %lld", (long long)r->team_id);
    if (rc == ES_OK)
        rc =
            es__sqlcase_prepare(s,
                                "INSERT INTO routing_rules(name, priority, intent, topic, keyword,"
                                " query_id, brand_id, location, lang, department, team_id, created)"
                                " VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, 0), nullif(?7, 0), ?8, ?9,"
                                " ?10, ?11, strftime('%s','now'))",
                                &st, "adding a routing rule");
    if (rc == ES_OK) {
        bind_opt(st, 1, r->name);
        sqlite3_bind_int(st, 2, r->priority);
        bind_opt(st, 3, r->intent);
        bind_opt(st, 4, r->topic);
        bind_opt(st, 5, r->keyword);
        sqlite3_bind_int64(st, 6, r->query_id);
        sqlite3_bind_int64(st, 7, r->brand_id);
        bind_opt(st, 8, r->location);
        bind_opt(st, 9, r->lang);
        bind_opt(st, 10, r->department);
        sqlite3_bind_int64(st, 11, r->team_id);
        rc = es__sqlcase_done(s, st, "adding a routing rule");
    }
    int64_t rid = rc == ES_OK ? sqlite3_last_insert_rowid(q->db) : 0;
    char obj[40], detail[80];
    snprintf(obj, sizeof obj, "route:%lld", (long long)rid);
    snprintf(detail, sizeof detail, "{\"team_id\":%lld,\"priority\":%d}", (long long)r->team_id,
             r->priority);
    if (rc == ES_OK)
        rc = es__sqlcase_audit(s, who, 0, "route.add", obj, detail);
    rc = es__sqlcase_end(s, owned, rc);
    if (rc == ES_OK && id)
        *id = rid;
    return rc;
}

/* See case_int.h. */
es_err es__sqlcase_route_each(es_store_t *s, void (*cb)(const es_route_rule *, void *), void *ud)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(s,
                                    "SELECT id, name, priority, intent, topic, keyword,"
                                    " coalesce(query_id, 0), coalesce(brand_id, 0), location, lang,"
                                    " department, team_id FROM routing_rules ORDER BY priority, id",
                                    &st, "listing routing rules");
    if (rc)
        return rc;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_route_rule r = {
            .id = sqlite3_column_int64(st, 0),
            .name = (const char *)sqlite3_column_text(st, 1),
            .priority = sqlite3_column_int(st, 2),
            .intent = (const char *)sqlite3_column_text(st, 3),
            .topic = (const char *)sqlite3_column_text(st, 4),
            .keyword = (const char *)sqlite3_column_text(st, 5),
            .query_id = sqlite3_column_int64(st, 6),
            .brand_id = sqlite3_column_int64(st, 7),
            .location = (const char *)sqlite3_column_text(st, 8),
            .lang = (const char *)sqlite3_column_text(st, 9),
            .department = (const char *)sqlite3_column_text(st, 10),
            .team_id = sqlite3_column_int64(st, 11),
        };
        cb(&r, ud);
    }
    es__sqlcase_finalize(st);
    return src == SQLITE_DONE
               ? ES_OK
               : es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "listing routing rules");
}

/* ---- the operation table ------------------------------------------------------------ */

const struct es__case_ops es__sqlite_case_ops = {
    .thread_pending = es__sqlcase_thread,
    .get = es__sqlcase_get,
    .list = es__sqlcase_list,
    .next = es__sqlcase_next,
    .mentions = es__sqlcase_mentions,
    .update = es__sqlcase_update,
    .note_add = es__sqlcase_note_add,
    .notes = es__sqlcase_notes,
    .merge = es__sqlcase_merge,
    .visible = es__sqlcase_visible,
    .set_due = es__sqlcase_set_due,
    .customer_get = es__sqlcase_customer_get,
    .customer_merge = es__sqlcase_customer_merge,
    .team_add = team_add,
    .team_list = team_list,
    .team_find = team_find,
    .member_add = member_add,
    .members = members,
    .route_add = route_add,
    .route_list = es__sqlcase_route_each,
};
