/*
 * sqlite_sla.c - the SQLite backend of SLAs (schema step 9): business-hours
 * calendars, SLA policies by priority, the status log that remembers when a
 * case was pending (so that pending stops the clock), each case's clock
 * inputs, and the marks that make the SLA checker raise each event once.
 * Replies, the outbox and report samples are in sqlite_sla_reply.c. Reached
 * through es__sqlite_sla_ops (set in sqlite.c) from src/store/sla.c.
 *
 * The status log is written by a trigger on cases, so every way a status
 * changes (the inbox, the API, a reply, a manual SQL fix) is recorded
 * without the case code having to know about SLAs. The time recorded is the
 * case's new `updated` when the change moved it forward, else the wall clock.
 *
 * Statements run rarely or on small tables and are prepared per call.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "store/sla_int.h"
#include "store/sqlite_int.h"

const char es__sqlite_step9[] =
    "CREATE TABLE sla_calendars ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " spec TEXT NOT NULL,"
    " updated INTEGER NOT NULL);"
    "CREATE TABLE sla_policies ("
    " id INTEGER PRIMARY KEY,"
    " priority INTEGER NOT NULL UNIQUE CHECK (priority BETWEEN 1 AND 4),"
    " first_response INTEGER NOT NULL DEFAULT 0,"
    " next_response INTEGER NOT NULL DEFAULT 0,"
    " resolution INTEGER NOT NULL DEFAULT 0,"
    " calendar_id INTEGER REFERENCES sla_calendars(id),"
    " updated INTEGER NOT NULL);"
    "CREATE TABLE case_status_log ("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " at INTEGER NOT NULL,"
    " old TEXT, new TEXT NOT NULL);"
    "CREATE INDEX case_status_log_case ON case_status_log(case_id, id);"
    "CREATE TRIGGER cases_status_log AFTER UPDATE OF status ON cases"
    " WHEN OLD.status IS NOT NEW.status BEGIN"
    " INSERT INTO case_status_log(case_id, at, old, new) VALUES (NEW.id,"
    "  CASE WHEN NEW.updated > OLD.updated THEN NEW.updated"
    "  ELSE CAST(strftime('%s','now') AS INTEGER) END, OLD.status, NEW.status);"
    " END;"
    "CREATE TABLE sla_marks ("
    " case_id INTEGER NOT NULL,"
    " clock TEXT NOT NULL,"
    " level TEXT NOT NULL,"
    " due INTEGER NOT NULL,"
    " at INTEGER NOT NULL,"
    " PRIMARY KEY (case_id, clock, level, due)) WITHOUT ROWID;"
    "CREATE TABLE replies ("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " user_id INTEGER REFERENCES users(id),"
    " token_id INTEGER,"
    " channel TEXT NOT NULL,"
    " text TEXT NOT NULL,"
    " direct INTEGER NOT NULL DEFAULT 0,"
    " flags INTEGER NOT NULL DEFAULT 0,"
    " fingerprint INTEGER,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX replies_case ON replies(case_id, id);"
    "CREATE TABLE reply_outbox ("
    " id INTEGER PRIMARY KEY,"
    " reply_id INTEGER NOT NULL UNIQUE REFERENCES replies(id),"
    " channel TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (status IN ('pending','delivered','failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_try INTEGER NOT NULL,"
    " idempotency_key TEXT NOT NULL UNIQUE,"
    " last_error TEXT,"
    " delivered_at INTEGER);"
    "CREATE INDEX reply_outbox_due ON reply_outbox(next_try, id) WHERE status = 'pending';"
    "CREATE TABLE channel_endpoints ("
    " channel TEXT PRIMARY KEY,"
    " url TEXT NOT NULL,"
    " secret TEXT,"
    " updated INTEGER NOT NULL);";

/* ---- shared helpers ----------------------------------------------------------- */

es_err es__sqlite_sla_prepare(es_store_t *s, const char *sql, sqlite3_stmt **st, const char *what)
{
    es__sqlite *q = s->impl;
    int src = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
    return src == SQLITE_OK ? ES_OK : es__sqlite_fail(s, q->db, src, what);
}

/* Appends s as a JSON string. */
static es_err json_str(es__buf *b, const char *s)
{
    es_err rc = es__buf_addc(b, '"');
    for (; !rc && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            rc = es__buf_addc(b, '\\');
        if (!rc)
            rc = c < 0x20 ? es__buf_printf(b, "\\u%04x", c) : es__buf_addc(b, (char)c);
    }
    return rc ? rc : es__buf_addc(b, '"');
}

es_err es__sqlite_sla_bind_scope(es_store_t *s, sqlite3_stmt *st, int i, const es_sla_scope *scope,
                                 char **json)
{
    es__buf b;
    es_err rc = ES_OK;
    *json = NULL;
    int all = !scope || scope->all;
    sqlite3_bind_int(st, i, all);
    if (all) {
        sqlite3_bind_text(st, i + 1, "[]", -1, SQLITE_STATIC);
        return ES_OK;
    }
    es__buf_init(&b, 1 << 20);
    rc = es__buf_addc(&b, '[');
    for (size_t k = 0; !rc && k < scope->n_locations; k++) {
        if (k)
            rc = es__buf_addc(&b, ',');
        if (!rc)
            rc = json_str(&b, scope->locations[k] ? scope->locations[k] : "");
    }
    if (!rc)
        rc = es__buf_adds(&b, "]");
    if (rc) {
        es__buf_cleanup(&b);
        return es__store_fail(s, rc, "binding a location scope: %s", es_strerror(rc));
    }
    *json = b.data;
    sqlite3_bind_text(st, i + 1, *json, -1, SQLITE_STATIC);
    return ES_OK;
}

/* Runs a statement that returns no rows; finalizes it. */
static es_err run(es_store_t *s, sqlite3_stmt *st, const char *what)
{
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src == SQLITE_DONE)
        return ES_OK;
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EINVAL, "%s: %s", what,
                              sqlite3_errmsg(((es__sqlite *)s->impl)->db));
    return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, what);
}

static es_err audit(es_store_t *s, int64_t user_id, const char *action, const char *object,
                    const char *detail)
{
    es_audit_entry e = {.user_id = user_id, .action = action, .object = object, .detail = detail};
    return es__sqlite_audit_add(s, &e);
}

/* ---- policies and calendars ------------------------------------------------------ */

static es_err policy_set_tx(es_store_t *s, const es_sla_policy *p, int64_t user_id, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    int64_t cal = 0;
    es_err rc;
    if (p->calendar && *p->calendar) {
        rc = es__sqlite_sla_prepare(s, "SELECT id FROM sla_calendars WHERE name = ?1", &st,
                                    "finding a calendar");
        if (rc)
            return rc;
        sqlite3_bind_text(st, 1, p->calendar, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            cal = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (!cal)
            return es__store_fail(s, ES_ENOTFOUND, "no calendar named '%.100s'", p->calendar);
    }
    rc = es__sqlite_sla_prepare(
        s,
        "INSERT INTO sla_policies(priority, first_response, next_response, resolution,"
        " calendar_id, updated) VALUES (?1, ?2, ?3, ?4, nullif(?5, 0), strftime('%s','now'))"
        " ON CONFLICT(priority) DO UPDATE SET first_response = excluded.first_response,"
        " next_response = excluded.next_response, resolution = excluded.resolution,"
        " calendar_id = excluded.calendar_id, updated = excluded.updated",
        &st, "setting an SLA policy");
    if (rc)
        return rc;
    sqlite3_bind_int(st, 1, p->priority);
    sqlite3_bind_int64(st, 2, p->first_response);
    sqlite3_bind_int64(st, 3, p->next_response);
    sqlite3_bind_int64(st, 4, p->resolution);
    sqlite3_bind_int64(st, 5, cal);
    rc = run(s, st, "setting an SLA policy");
    if (rc)
        return rc;
    rc = es__sqlite_sla_prepare(s, "SELECT id FROM sla_policies WHERE priority = ?1", &st,
                                "setting an SLA policy");
    if (rc)
        return rc;
    sqlite3_bind_int(st, 1, p->priority);
    if (sqlite3_step(st) == SQLITE_ROW && id)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    char object[32], detail[256];
    snprintf(object, sizeof object, "sla_policy:%d", p->priority);
    snprintf(detail, sizeof detail,
             "{\"first_response\":%lld,\"next_response\":%lld,\"resolution\":%lld,"
             "\"calendar_id\":%lld}",
             (long long)p->first_response, (long long)p->next_response, (long long)p->resolution,
             (long long)cal);
    return audit(s, user_id, "sla.policy", object, detail);
}

es_err es__sqlite_sla_begin(es_store_t *s)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_stmt(s, Q_ROLLBACK, &st);
    if (!rc)
        rc = es__sqlite_stmt(s, Q_COMMIT, &st);
    return rc ? rc : es__sqlite_tx(s, ES__TX_BEGIN);
}

es_err es__sqlite_sla_end(es_store_t *s, es_err rc)
{
    if (!rc)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc) {
        /* Keep the message that says what failed, not the rollback's. */
        char why[ES_STORE_ERRMAX];
        sqlite3 *db = ((es__sqlite *)s->impl)->db;
        memcpy(why, s->errmsg, sizeof why);
        (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
        if (!sqlite3_get_autocommit(db))
            (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        memcpy(s->errmsg, why, sizeof why);
    }
    return rc;
}

/* Runs call inside one IMMEDIATE transaction, rolling back on error. */
#define IN_TX(s, call)                                                                             \
    do {                                                                                           \
        es_err rc_ = es__sqlite_sla_begin(s);                                                      \
        return rc_ ? rc_ : es__sqlite_sla_end((s), (call));                                        \
    } while (0)

static es_err sq_policy_set(es_store_t *s, const es_sla_policy *p, int64_t user_id, int64_t *id)
{
    IN_TX(s, policy_set_tx(s, p, user_id, id));
}

static es_err sq_policy_list(es_store_t *s, void (*cb)(const es_sla_policy *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_sla_prepare(
        s,
        "SELECT p.id, p.priority, p.first_response, p.next_response, p.resolution, c.name"
        " FROM sla_policies p LEFT JOIN sla_calendars c ON c.id = p.calendar_id"
        " ORDER BY p.priority",
        &st, "listing SLA policies");
    if (rc)
        return rc;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_sla_policy p = {sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
                           sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                           sqlite3_column_int64(st, 4), (const char *)sqlite3_column_text(st, 5)};
        cb(&p, ud);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE
               ? ES_OK
               : es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "listing SLA policies");
}

static es_err calendar_put_tx(es_store_t *s, const char *name, const char *spec, int64_t user_id,
                              int64_t *id)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_sla_prepare(
        s,
        "INSERT INTO sla_calendars(name, spec, updated) VALUES (?1, ?2, strftime('%s','now'))"
        " ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, updated = excluded.updated"
        " RETURNING id",
        &st, "saving a calendar");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, spec, -1, SQLITE_STATIC);
    int64_t got = 0;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        got = sqlite3_column_int64(st, 0);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "saving a calendar");
    if (id)
        *id = got;
    char object[40];
    snprintf(object, sizeof object, "calendar:%lld", (long long)got);
    es__buf d;
    es__buf_init(&d, 8192);
    rc = es__buf_adds(&d, "{\"name\":");
    if (!rc)
        rc = json_str(&d, name);
    if (!rc)
        rc = es__buf_adds(&d, ",\"spec\":");
    if (!rc)
        rc = json_str(&d, spec);
    if (!rc)
        rc = es__buf_adds(&d, "}");
    if (!rc)
        rc = audit(s, user_id, "sla.calendar", object, d.data);
    else
        rc = es__store_fail(s, rc, "saving a calendar: %s", es_strerror(rc));
    es__buf_cleanup(&d);
    return rc;
}

static es_err sq_calendar_put(es_store_t *s, const char *name, const char *spec, int64_t user_id,
                              int64_t *id)
{
    IN_TX(s, calendar_put_tx(s, name, spec, user_id, id));
}

static es_err sq_calendar_list(es_store_t *s, void (*cb)(const es_sla_calendar_row *, void *),
                               void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_sla_prepare(s, "SELECT id, name, spec FROM sla_calendars ORDER BY name",
                                       &st, "listing calendars");
    if (rc)
        return rc;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_sla_calendar_row c = {sqlite3_column_int64(st, 0),
                                 (const char *)sqlite3_column_text(st, 1),
                                 (const char *)sqlite3_column_text(st, 2)};
        cb(&c, ud);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE
               ? ES_OK
               : es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "listing calendars");
}

/* ---- clocks ----------------------------------------------------------------------- */

/* The cases a clock query covers: one case (any status), or every open one. */
#define CLOCK_WHERE                                                                                \
    " WHERE ((?1 = 0 AND c.status <> 'resolved' AND c.merged_into IS NULL) OR c.id = ?1)"          \
    " AND (?2 OR EXISTS (SELECT 1 FROM json_each(?3) j WHERE c.location = j.value"                 \
    " OR (substr(j.value, -1) = '/' AND substr(c.location, 1, length(j.value)) = j.value)))"

#define MAX_PAUSES 4096

typedef struct pauses {
    es_sla_pause *v;
    size_t n, cap;
} pauses;

/* Collects the pending spans of case id from the log cursor lg (which is
 * ordered by case and advanced past id's rows). */
static es_err read_pauses(sqlite3_stmt *lg, int *lg_state, int64_t id, pauses *p)
{
    p->n = 0;
    while (*lg_state == SQLITE_ROW && sqlite3_column_int64(lg, 0) < id)
        *lg_state = sqlite3_step(lg);
    for (; *lg_state == SQLITE_ROW && sqlite3_column_int64(lg, 0) == id;
         *lg_state = sqlite3_step(lg)) {
        int64_t at = sqlite3_column_int64(lg, 1);
        const char *old = (const char *)sqlite3_column_text(lg, 2);
        const char *nw = (const char *)sqlite3_column_text(lg, 3);
        if (old && strcmp(old, "pending") == 0 && p->n && p->v[p->n - 1].until == 0)
            p->v[p->n - 1].until = at > p->v[p->n - 1].from ? at : p->v[p->n - 1].from + 1;
        if (nw && strcmp(nw, "pending") == 0 && (p->n == 0 || p->v[p->n - 1].until != 0)) {
            if (p->n == p->cap) {
                size_t cap = p->cap ? p->cap * 2 : 8;
                if (cap > MAX_PAUSES)
                    continue; /* absurdly many: the oldest spans count */
                es_sla_pause *v = es_realloc(p->v, cap * sizeof *v);
                if (!v)
                    return ES_ENOMEM;
                p->v = v;
                p->cap = cap;
            }
            p->v[p->n++] = (es_sla_pause){at, 0};
        }
    }
    return ES_OK;
}

static es_err sq_clocks(es_store_t *s, int64_t case_id, const es_sla_scope *scope,
                        void (*cb)(const es_sla_case *, void *), void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL, *lg = NULL;
    char *j1 = NULL, *j2 = NULL;
    pauses p = {NULL, 0, 0};
    int found = 0, src = SQLITE_DONE, lg_state;
    es_err rc = es__sqlite_sla_prepare(
        s,
        "SELECT c.id, c.status, c.location, c.priority, c.created, c.last_customer_at,"
        " coalesce(c.first_response_at, 0), coalesce(c.last_response_at, 0),"
        " coalesce(c.resolved_at, 0), coalesce(p.first_response, 0),"
        " coalesce(p.next_response, 0), coalesce(p.resolution, 0), k.spec"
        " FROM cases c LEFT JOIN sla_policies p ON p.priority = c.priority"
        " LEFT JOIN sla_calendars k ON k.id = p.calendar_id" CLOCK_WHERE " ORDER BY c.id",
        &st, "reading SLA clocks");
    if (!rc)
        rc = es__sqlite_sla_prepare(s,
                                    "SELECT l.case_id, l.at, l.old, l.new FROM case_status_log l"
                                    " JOIN cases c ON c.id = l.case_id" CLOCK_WHERE
                                    " ORDER BY l.case_id, l.id",
                                    &lg, "reading SLA clocks");
    if (rc)
        goto out;
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(lg, 1, case_id);
    if ((rc = es__sqlite_sla_bind_scope(s, st, 2, scope, &j1)) ||
        (rc = es__sqlite_sla_bind_scope(s, lg, 2, scope, &j2)))
        goto out;
    lg_state = sqlite3_step(lg);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_sla_case c = {
            .case_id = sqlite3_column_int64(st, 0),
            .status = (const char *)sqlite3_column_text(st, 1),
            .location = (const char *)sqlite3_column_text(st, 2),
            .priority = sqlite3_column_int(st, 3),
            .created = sqlite3_column_int64(st, 4),
            .last_customer_at = sqlite3_column_int64(st, 5),
            .first_response_at = sqlite3_column_int64(st, 6),
            .last_response_at = sqlite3_column_int64(st, 7),
            .resolved_at = sqlite3_column_int64(st, 8),
            .first_response = sqlite3_column_int64(st, 9),
            .next_response = sqlite3_column_int64(st, 10),
            .resolution = sqlite3_column_int64(st, 11),
            .calendar_spec = (const char *)sqlite3_column_text(st, 12),
        };
        if ((rc = read_pauses(lg, &lg_state, c.case_id, &p)) != ES_OK) {
            rc = es__store_fail(s, rc, "reading SLA clocks: out of memory");
            goto out;
        }
        if (lg_state != SQLITE_ROW && lg_state != SQLITE_DONE) {
            src = lg_state;
            break;
        }
        c.pauses = p.v;
        c.n_pauses = p.n;
        found = 1;
        cb(&c, ud);
    }
    if (src != SQLITE_DONE)
        rc = es__sqlite_fail(s, q->db, src, "reading SLA clocks");
    else if (case_id && !found)
        rc = es__store_fail(s, ES_ENOTFOUND, "no case %lld", (long long)case_id);
out:
    sqlite3_finalize(st);
    sqlite3_finalize(lg);
    es_free(j1);
    es_free(j2);
    es_free(p.v);
    return rc;
}

/* ---- marks -------------------------------------------------------------------------- */

static es_err sq_mark(es_store_t *s, const es_sla_event *ev, int64_t now, int *fresh)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_sla_prepare(s,
                                       "INSERT OR IGNORE INTO sla_marks(case_id, clock, level,"
                                       " due, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                                       &st, "marking an SLA event");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, ev->case_id);
    sqlite3_bind_text(st, 2, ev->clock, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ev->level, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ev->due);
    sqlite3_bind_int64(st, 5, now);
    rc = run(s, st, "marking an SLA event");
    if (!rc)
        *fresh = sqlite3_changes(((es__sqlite *)s->impl)->db) > 0;
    return rc;
}

static es_err sq_marked(es_store_t *s, const es_sla_event *ev, int *marked)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_sla_prepare(s,
                                       "SELECT 1 FROM sla_marks WHERE case_id = ?1 AND clock = ?2"
                                       " AND level = ?3 AND due = ?4",
                                       &st, "reading an SLA mark");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, ev->case_id);
    sqlite3_bind_text(st, 2, ev->clock, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ev->level, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ev->due);
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "reading an SLA mark");
    *marked = src == SQLITE_ROW;
    return ES_OK;
}

const struct es__sla_ops es__sqlite_sla_ops = {
    .policy_set = sq_policy_set,
    .policy_list = sq_policy_list,
    .calendar_put = sq_calendar_put,
    .calendar_list = sq_calendar_list,
    .clocks = sq_clocks,
    .mark = sq_mark,
    .marked = sq_marked,
    .samples = es__sqlite_sla_samples,
    .case_channel = es__sqlite_reply_case_channel,
    .recent_fp = es__sqlite_reply_recent_fp,
    .reply_insert = es__sqlite_reply_insert,
    .reply_list = es__sqlite_reply_list,
    .endpoint_set = es__sqlite_reply_endpoint_set,
    .outbox_due = es__sqlite_outbox_due,
    .outbox_result = es__sqlite_outbox_result,
    .outbox_next = es__sqlite_outbox_next,
};
