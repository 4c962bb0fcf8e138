/*
 * sqlite_alert_out.c - the SQLite backend of the alert outbox and of the
 * scanner's timed work: fanning an alert out into outbox rows (the rule's
 * destinations and the location's managers), claiming due rows for the
 * deliverer under a lease, recording each attempt, the volume counters of
 * spike and incident rules, escalations due and the alerts a digest sums
 * up. Reached through es__sqlite_alert_ops (sqlite_alert.c).
 *
 * The lease is what lets two processes (the server's deliverer and an
 * `earshot alert deliver`) share one outbox: a claimed row is invisible to
 * other claims until its lease ends, and a row whose process died is taken
 * again once the lease has passed, with the same idempotency key.
 */
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "store/sqlite_alert_int.h"

#define MAX_CLAIM 64

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* ---- fan-out ------------------------------------------------------------------ */

typedef struct fan {
    es_store_t *s;
    sqlite3_stmt *ins;
    es__buf seen; /* "kind\x1ftarget\x1e" of the rows made, to make each once */
    int64_t alert_id;
    const char *purpose, *subject, *text, *json;
    int64_t now_ms;
    size_t n;
} fan;

static es_err fan_one(fan *f, const char *kind, const char *target, int64_t dest_id,
                      int64_t user_id)
{
    if (!kind || !target || !*target)
        return ES_OK;
    size_t mark = f->seen.len;
    es_err rc = es__buf_printf(&f->seen, "\x1e%s\x1f%s\x1e", kind, target);
    if (rc)
        return es__store_fail(f->s, rc, "fanning out an alert: too many recipients");
    if (f->seen.data && mark > 0) {
        const char *dup = strstr(f->seen.data, f->seen.data + mark);
        if (dup && dup < f->seen.data + mark) {
            f->seen.len = mark;
            f->seen.data[mark] = '\0';
            return ES_OK;
        }
    }
    sqlite3_stmt *st = f->ins;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (f->alert_id)
        sqlite3_bind_int64(st, 1, f->alert_id);
    bind_text(st, 2, f->purpose);
    bind_text(st, 3, kind);
    bind_text(st, 4, target);
    if (dest_id)
        sqlite3_bind_int64(st, 5, dest_id);
    if (user_id)
        sqlite3_bind_int64(st, 6, user_id);
    bind_text(st, 7, f->subject);
    bind_text(st, 8, strcmp(kind, "webhook") == 0 ? f->json : f->text);
    sqlite3_bind_int64(st, 9, f->now_ms);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(f->s, ((es__sqlite *)f->s->impl)->db, src, "writing the outbox");
    f->n++;
    return ES_OK;
}

/* One row per named destination (names separated by commas, spaces
 * trimmed; unknown names skipped). */
static es_err fan_dests(fan *f, const char *dests)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(f->s,
                                      "SELECT id, kind, target FROM alert_dests WHERE name = ?1",
                                      &st, "reading destinations");
    for (const char *p = dests; !rc && p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) {
            sqlite3_reset(st);
            int src = sqlite3_bind_text(st, 1, p, (int)len, SQLITE_TRANSIENT);
            if (src == SQLITE_OK)
                src = sqlite3_step(st);
            if (src == SQLITE_ROW)
                rc = fan_one(f, col(st, 1), col(st, 2), sqlite3_column_int64(st, 0), 0);
            else if (src != SQLITE_DONE)
                rc = es__sqlite_fail(f->s, ((es__sqlite *)f->s->impl)->db, src,
                                     "reading destinations");
        }
        p = e ? e + 1 : NULL;
    }
    sqlite3_finalize(st);
    return rc;
}

/* The managers of location: email and SMS to each enabled one. */
static es_err fan_managers(fan *f, const char *location)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(
        f->s,
        "SELECT u.id, u.email, u.phone FROM users u"
        " JOIN user_locations l ON l.user_id = u.id"
        /* the location's managers, and those of a region ("eu/") it is in */
        " WHERE (l.location = ?1 OR (substr(l.location, -1) = '/'"
        " AND substr(?1, 1, length(l.location)) = l.location))"
        " AND u.role = 'manager' AND u.disabled = 0 GROUP BY u.id ORDER BY u.id",
        &st, "finding the location's managers");
    if (rc)
        return rc;
    bind_text(st, 1, location);
    int src;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t uid = sqlite3_column_int64(st, 0);
        rc = fan_one(f, "email", col(st, 1), 0, uid);
        if (!rc)
            rc = fan_one(f, "sms", col(st, 2), 0, uid);
    }
    if (rc) {
        sqlite3_finalize(st);
        return rc;
    }
    return es__sqlite_alert_finish(f->s, st, src, "finding the location's managers");
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_fanout(es_store_t *s, int64_t alert_id, const char *purpose,
                               const char *dests, const char *location, const char *subject,
                               const char *text, const char *json, int64_t now_ms, size_t *n)
{
    fan f = {.s = s, .alert_id = alert_id, .purpose = purpose, .subject = subject,
             .text = text, .json = json, .now_ms = now_ms};
    es__buf_init(&f.seen, 1 << 20);
    es_err rc = es__sqlite_alert_prep(
        s,
        "INSERT INTO alert_outbox(alert_id, purpose, kind, target, dest_id, user_id, subject,"
        " body, next_at, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9 / 1000)",
        &f.ins, "writing the outbox");
    if (!rc)
        rc = fan_dests(&f, dests);
    if (!rc && location && *location)
        rc = fan_managers(&f, location);
    sqlite3_finalize(f.ins);
    es__buf_cleanup(&f.seen);
    if (n)
        *n = rc ? 0 : f.n;
    return rc;
}

/* ---- claim and record ------------------------------------------------------- */

/* See sqlite_alert_int.h. Claims in one short transaction, then reads and
 * hands out each claimed row outside it. */
es_err es__sqlite_alert_claim(es_store_t *s, int64_t now_ms, int64_t lease_ms, size_t max,
                              void (*cb)(const es__alert_outrow *, void *), void *ud)
{
    int64_t ids[MAX_CLAIM];
    size_t n = 0;
    sqlite3_stmt *st = NULL, *up = NULL;
    max = max == 0 || max > MAX_CLAIM ? MAX_CLAIM : max;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = es__sqlite_alert_prep(s,
                               "SELECT id FROM alert_outbox WHERE status = 'pending'"
                               " AND next_at <= ?1 AND lease_until <= ?1 ORDER BY next_at, id"
                               " LIMIT ?2",
                               &st, "claiming outbox rows");
    if (!rc)
        rc = es__sqlite_alert_prep(s, "UPDATE alert_outbox SET lease_until = ?2 WHERE id = ?1",
                                   &up, "claiming outbox rows");
    if (rc)
        goto out;
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(st, 0);
    rc = es__sqlite_alert_finish(s, st, src, "claiming outbox rows");
    st = NULL;
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_reset(up);
        sqlite3_bind_int64(up, 1, ids[i]);
        sqlite3_bind_int64(up, 2, now_ms + lease_ms);
        src = sqlite3_step(up);
        if (src != SQLITE_DONE)
            rc = es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "claiming outbox rows");
    }
    sqlite3_finalize(up);
    up = NULL;
    if (!rc)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc)
        goto out;
    rc = es__sqlite_alert_prep(s,
                               "SELECT o.id, coalesce(o.alert_id, 0), o.purpose, o.kind, o.target,"
                               " d.secret, o.subject, o.body, o.idem_key, o.attempts"
                               " FROM alert_outbox o LEFT JOIN alert_dests d ON d.id = o.dest_id"
                               " WHERE o.id = ?1",
                               &st, "reading an outbox row");
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, ids[i]);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            es__alert_outrow r = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                                  col(st, 2), col(st, 3), col(st, 4), col(st, 5), col(st, 6),
                                  col(st, 7), col(st, 8), sqlite3_column_int64(st, 9)};
            cb(&r, ud);
        } else if (src != SQLITE_DONE) {
            rc = es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "reading an outbox row");
        }
    }
    sqlite3_finalize(st);
    return rc;
out:
    sqlite3_finalize(st);
    sqlite3_finalize(up);
    (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_done(es_store_t *s, int64_t id, int64_t now_ms, es__alert_outcome o,
                             int http_status, const char *error, int64_t next_at_ms)
{
    static const char *const outcome[] = {"delivered", "retry", "failed", "refused"};
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = es__sqlite_alert_prep(s,
                               "INSERT INTO alert_attempts(outbox_id, at, outcome, http_status,"
                               " error) VALUES (?1, ?2, ?3, nullif(?4, 0), ?5)",
                               &st, "recording a delivery attempt");
    if (rc)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now_ms);
    bind_text(st, 3, outcome[o]);
    sqlite3_bind_int(st, 4, http_status);
    bind_text(st, 5, error);
    rc = es__sqlite_alert_finish(s, st, sqlite3_step(st), "recording a delivery attempt");
    if (rc)
        goto out;
    rc = es__sqlite_alert_prep(
        s,
        "UPDATE alert_outbox SET attempts = attempts + 1, lease_until = 0, last_error = ?3,"
        " status = CASE ?2 WHEN 0 THEN 'delivered' WHEN 1 THEN 'pending' ELSE 'failed' END,"
        " next_at = CASE ?2 WHEN 1 THEN ?4 ELSE next_at END,"
        " delivered_at = CASE ?2 WHEN 0 THEN ?5 / 1000 END WHERE id = ?1",
        &st, "recording a delivery attempt");
    if (rc)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, (int)o);
    bind_text(st, 3, error);
    sqlite3_bind_int64(st, 4, next_at_ms);
    sqlite3_bind_int64(st, 5, now_ms);
    rc = es__sqlite_alert_finish(s, st, sqlite3_step(st), "recording a delivery attempt");
    if (!rc)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
out:
    if (rc)
        (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_next_due(es_store_t *s, int64_t *ms)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(s,
                                      "SELECT coalesce(min(max(next_at, lease_until)), 0)"
                                      " FROM alert_outbox WHERE status = 'pending'",
                                      &st, "reading the outbox");
    if (rc)
        return rc;
    int src = sqlite3_step(st);
    *ms = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    return es__sqlite_alert_finish(s, st, src, "reading the outbox");
}

/* ---- counters ------------------------------------------------------------------ */

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_count_add(es_store_t *s, int64_t rule_id, const char *key,
                                  int64_t bucket, int64_t n)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(s,
                                      "INSERT INTO alert_counts(rule_id, key, bucket, n)"
                                      " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(rule_id, key, bucket)"
                                      " DO UPDATE SET n = n + excluded.n",
                                      &st, "counting volume");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, rule_id);
    sqlite3_bind_text(st, 2, key ? key : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, bucket);
    sqlite3_bind_int64(st, 4, n);
    return es__sqlite_alert_finish(s, st, sqlite3_step(st), "counting volume");
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_count_range(es_store_t *s, int64_t rule_id, const char *key,
                                    int64_t from, int64_t to, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    if (to > from)
        memset(out, 0, (size_t)(to - from) * sizeof *out);
    es_err rc = es__sqlite_alert_prep(s,
                                      "SELECT bucket, n FROM alert_counts WHERE rule_id = ?1"
                                      " AND key = ?2 AND bucket >= ?3 AND bucket < ?4",
                                      &st, "reading volume");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, rule_id);
    sqlite3_bind_text(st, 2, key ? key : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, from);
    sqlite3_bind_int64(st, 4, to);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t b = sqlite3_column_int64(st, 0);
        if (b >= from && b < to)
            out[b - from] = sqlite3_column_int64(st, 1);
    }
    return es__sqlite_alert_finish(s, st, src, "reading volume");
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_count_prune(es_store_t *s, int64_t before_bucket)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(s, "DELETE FROM alert_counts WHERE bucket < ?1", &st,
                                      "pruning volume counters");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, before_bucket);
    return es__sqlite_alert_finish(s, st, sqlite3_step(st), "pruning volume counters");
}

/* ---- escalation and digests ----------------------------------------------------- */

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_escalations(es_store_t *s, int64_t now,
                                    void (*cb)(const es__alert_due *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(s,
                                      "SELECT r.escalate_to, " ALERT_COLS
                                      " WHERE a.escalate_at IS NOT NULL"
                                      " AND a.escalated_at IS NULL AND a.status = 'open'"
                                      " AND a.escalate_at <= ?1 ORDER BY a.id LIMIT 500",
                                      &st, "finding escalations");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es__alert_due d = {.escalate_to = col(st, 0)};
        es__sqlite_alert_row(st, 1, &d.a);
        d.id = d.a.id;
        cb(&d, ud);
    }
    return es__sqlite_alert_finish(s, st, src, "finding escalations");
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_escalated(es_store_t *s, int64_t id, int64_t now)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(s, "UPDATE alerts SET escalated_at = ?2 WHERE id = ?1", &st,
                                      "escalating");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    rc = es__sqlite_alert_finish(s, st, sqlite3_step(st), "escalating");
    return rc ? rc : es__sqlite_alert_audit(s, 0, "alert.escalate", "alert", id, NULL);
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_in_range(es_store_t *s, const char *location, uint32_t brand_id,
                                 int64_t from, int64_t to, size_t max,
                                 void (*cb)(const es_alert *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(s,
                                      "SELECT " ALERT_COLS " WHERE a.created >= ?1"
                                      " AND a.created < ?2 AND (?3 IS NULL OR a.location = ?3)"
                                      " AND (?4 = 0 OR a.brand_id = ?4) ORDER BY a.id LIMIT ?5",
                                      &st, "collecting a digest");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    bind_text(st, 3, location);
    sqlite3_bind_int64(st, 4, brand_id);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)max);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_alert a;
        es__sqlite_alert_row(st, 0, &a);
        cb(&a, ud);
    }
    return es__sqlite_alert_finish(s, st, src, "collecting a digest");
}

/* ---- lock waits ---------------------------------------------------------------- */

#define PROMPT_BUDGET_MS 10000 /* as the connection's busy timeout (sqlite.c) */

/* Polls every millisecond, up to the budget: SQLite's own handler sleeps
 * 25, 50, then 100 ms at a time, which is most of an alert's latency when
 * the ingest pipeline commits often. */
static int busy_poll(void *ud, int n)
{
    (void)ud;
    if (n >= PROMPT_BUDGET_MS)
        return 0;
    struct timespec ts = {0, 1000000L};
    nanosleep(&ts, NULL);
    return 1;
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_prompt(es_store_t *s)
{
    es__sqlite *q = s->impl;
    int src = sqlite3_busy_handler(q->db, busy_poll, NULL);
    return src == SQLITE_OK ? ES_OK : es__sqlite_fail(s, q->db, src, "tuning lock waits");
}
