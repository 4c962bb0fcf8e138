/*
 * sqlite_alert.c - the SQLite backend of alerts: schema step 5, the rules
 * and destinations, and the alerts (list, get, acknowledge). What the
 * scanner reads and writes inside its transaction is in
 * sqlite_alert_scan.c; the outbox, the counters and the timed work in
 * sqlite_alert_out.c. Reached through es__sqlite_alert_ops (the table at
 * the end of this file) from src/store/alerts.c.
 *
 * Statements here run per rule change, per alert or per scan batch, not per
 * mention, so they are prepared per call instead of cached on the handle.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "store/sqlite_alert_int.h"

/* Step 5. Times are Unix seconds, except the outbox's next_at, lease_until
 * and attempts' at (milliseconds: back-off and the latency budget are
 * finer than a second). An outbox row's idempotency key is made once, at
 * insert, and never changes. alert_counts holds the volume per rule, key and
 * 5-minute bucket that spike and incident rules compare with their baseline;
 * alert_state holds the scanner's watermark and the digests' last runs. */
const char es__sqlite_step5[] =
    "CREATE TABLE alert_dests ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " kind TEXT NOT NULL CHECK (kind IN ('webhook','email','sms')),"
    " target TEXT NOT NULL, secret TEXT,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE alert_rules ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " kind TEXT NOT NULL CHECK (kind IN"
    "  ('negative','words','spike','incident','survey','sla','digest')),"
    " brand_id INTEGER REFERENCES brands(id), location TEXT, query TEXT, topic TEXT,"
    " threshold REAL NOT NULL, min_count INTEGER NOT NULL, period INTEGER NOT NULL,"
    " baseline INTEGER NOT NULL, cooldown INTEGER NOT NULL,"
    " max_per_hour INTEGER NOT NULL DEFAULT 0, escalate_after INTEGER NOT NULL DEFAULT 0,"
    " dests TEXT, escalate_to TEXT,"
    " enabled INTEGER NOT NULL DEFAULT 1, created INTEGER NOT NULL);"
    "CREATE TABLE alerts ("
    " id INTEGER PRIMARY KEY,"
    " rule_id INTEGER REFERENCES alert_rules(id) ON DELETE SET NULL,"
    " kind TEXT NOT NULL, dedup_key TEXT NOT NULL,"
    " location TEXT, brand_id INTEGER REFERENCES brands(id),"
    " case_id INTEGER, mention_id INTEGER,"
    " title TEXT NOT NULL, detail TEXT,"
    " count INTEGER NOT NULL DEFAULT 1,"
    " status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','acked','throttled')),"
    " created INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " acked_at INTEGER, acked_by INTEGER,"
    " escalate_at INTEGER, escalated_at INTEGER);"
    "CREATE INDEX alerts_dedup ON alerts(rule_id, dedup_key, updated);"
    "CREATE INDEX alerts_location ON alerts(location, id);"
    "CREATE INDEX alerts_created ON alerts(created);"
    "CREATE INDEX alerts_escalate ON alerts(escalate_at)"
    " WHERE escalate_at IS NOT NULL AND escalated_at IS NULL AND status = 'open';"
    "CREATE TABLE alert_outbox ("
    " id INTEGER PRIMARY KEY,"
    " alert_id INTEGER REFERENCES alerts(id),"
    " purpose TEXT NOT NULL CHECK (purpose IN ('alert','escalation','digest')),"
    " kind TEXT NOT NULL CHECK (kind IN ('webhook','email','sms')),"
    " target TEXT NOT NULL,"
    " dest_id INTEGER REFERENCES alert_dests(id) ON DELETE SET NULL,"
    " user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " subject TEXT, body TEXT NOT NULL,"
    " idem_key TEXT NOT NULL UNIQUE DEFAULT (lower(hex(randomblob(16)))),"
    " status TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (status IN ('pending','delivered','failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_at INTEGER NOT NULL, lease_until INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT, created INTEGER NOT NULL, delivered_at INTEGER);"
    "CREATE INDEX alert_outbox_due ON alert_outbox(next_at) WHERE status = 'pending';"
    "CREATE INDEX alert_outbox_alert ON alert_outbox(alert_id);"
    "CREATE TABLE alert_attempts ("
    " id INTEGER PRIMARY KEY,"
    " outbox_id INTEGER NOT NULL REFERENCES alert_outbox(id),"
    " at INTEGER NOT NULL,"
    " outcome TEXT NOT NULL CHECK (outcome IN ('delivered','retry','failed','refused')),"
    " http_status INTEGER, error TEXT);"
    "CREATE INDEX alert_attempts_outbox ON alert_attempts(outbox_id);"
    "CREATE TABLE alert_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE alert_counts ("
    " rule_id INTEGER NOT NULL, key TEXT NOT NULL, bucket INTEGER NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY (rule_id, key, bucket)) WITHOUT ROWID;";

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_prep(es_store_t *s, const char *sql, sqlite3_stmt **st, const char *what)
{
    es__sqlite *q = s->impl;
    int src = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
    return src == SQLITE_OK ? ES_OK : es__sqlite_fail(s, q->db, src, what);
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_finish(es_store_t *s, sqlite3_stmt *st, int src, const char *what)
{
    sqlite3_finalize(st);
    if (src == SQLITE_DONE || src == SQLITE_OK || src == SQLITE_ROW)
        return ES_OK;
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EEXIST, "%s: the name is taken", what);
    return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, what);
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_audit(es_store_t *s, int64_t actor, const char *action,
                              const char *object_kind, int64_t id, const char *detail)
{
    char object[64];
    snprintf(object, sizeof object, "%s:%lld", object_kind, (long long)id);
    es_audit_entry e = {.user_id = actor, .action = action, .object = object, .detail = detail};
    return es__sqlite_audit_add(s, &e);
}

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

/* ---- destinations ----------------------------------------------------------- */

static es_err dest_add(es_store_t *s, const es_alert_dest *d, int64_t actor, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = es__sqlite_alert_prep(s,
                               "INSERT INTO alert_dests(name, kind, target, secret, created)"
                               " VALUES (?1, ?2, ?3, ?4, strftime('%s','now'))",
                               &st, "adding a destination");
    if (rc)
        goto out;
    bind_text(st, 1, d->name);
    bind_text(st, 2, d->kind);
    bind_text(st, 3, d->target);
    bind_text(st, 4, d->secret);
    rc = es__sqlite_alert_finish(s, st, sqlite3_step(st), "adding a destination");
    if (rc)
        goto out;
    int64_t nid = sqlite3_last_insert_rowid(((es__sqlite *)s->impl)->db);
    rc = es__sqlite_alert_audit(s, actor, "alert.dest.add", "alert_dest", nid, NULL);
    if (!rc)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (!rc && id)
        *id = nid;
out:
    if (rc)
        (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

static es_err dest_list(es_store_t *s, void (*cb)(const es_alert_dest *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(s,
                                      "SELECT id, name, kind, target, created FROM alert_dests"
                                      " ORDER BY name",
                                      &st, "listing destinations");
    if (rc)
        return rc;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_alert_dest d = {sqlite3_column_int64(st, 0), col(st, 1), col(st, 2), col(st, 3),
                           NULL, sqlite3_column_int64(st, 4)};
        cb(&d, ud);
    }
    return es__sqlite_alert_finish(s, st, src, "listing destinations");
}

/* Deletes the row named `name` of table (alert_dests or alert_rules; a
 * rule may also be named by its id) with its audit entry, in one
 * transaction. */
static es_err remove_named(es_store_t *s, const char *sql_find, const char *sql_del,
                           const char *name, int64_t actor, const char *action,
                           const char *object_kind)
{
    sqlite3_stmt *st = NULL;
    int64_t id = 0;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = es__sqlite_alert_prep(s, sql_find, &st, action);
    if (rc)
        goto out;
    bind_text(st, 1, name);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    rc = es__sqlite_alert_finish(s, st, src, action);
    if (rc)
        goto out;
    if (!id) {
        rc = es__store_fail(s, ES_ENOTFOUND, "%s: no such name '%.200s'", action, name);
        goto out;
    }
    rc = es__sqlite_alert_prep(s, sql_del, &st, action);
    if (rc)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    rc = es__sqlite_alert_finish(s, st, sqlite3_step(st), action);
    if (!rc)
        rc = es__sqlite_alert_audit(s, actor, action, object_kind, id, NULL);
    if (!rc)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
out:
    if (rc)
        (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

static es_err dest_remove(es_store_t *s, const char *name, int64_t actor)
{
    return remove_named(s, "SELECT id FROM alert_dests WHERE name = ?1",
                        "DELETE FROM alert_dests WHERE id = ?1", name, actor, "alert.dest.remove",
                        "alert_dest");
}

/* ---- rules ---------------------------------------------------------------- */

static es_err rule_add(es_store_t *s, const es_alert_rule *r, int64_t actor, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = es__sqlite_alert_prep(
        s,
        "INSERT INTO alert_rules(name, kind, brand_id, location, query, topic, threshold,"
        " min_count, period, baseline, cooldown, max_per_hour, escalate_after, dests,"
        " escalate_to, created) VALUES (?1, ?2,"
        " (SELECT id FROM brands WHERE name = ?3), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " ?14, ?15, strftime('%s','now'))",
        &st, "adding a rule");
    if (rc)
        goto out;
    bind_text(st, 1, r->name);
    bind_text(st, 2, es_alert_kind_name(r->kind));
    bind_text(st, 3, r->brand);
    bind_text(st, 4, r->location);
    bind_text(st, 5, r->query);
    bind_text(st, 6, r->topic);
    sqlite3_bind_double(st, 7, r->threshold);
    sqlite3_bind_int64(st, 8, r->min_count);
    sqlite3_bind_int64(st, 9, r->period);
    sqlite3_bind_int64(st, 10, r->baseline);
    sqlite3_bind_int64(st, 11, r->cooldown);
    sqlite3_bind_int64(st, 12, r->max_per_hour);
    sqlite3_bind_int64(st, 13, r->escalate_after);
    bind_text(st, 14, r->dests);
    bind_text(st, 15, r->escalate_to);
    rc = es__sqlite_alert_finish(s, st, sqlite3_step(st), "adding a rule");
    if (rc)
        goto out;
    int64_t nid = sqlite3_last_insert_rowid(((es__sqlite *)s->impl)->db);
    rc = es__sqlite_alert_audit(s, actor, "alert.rule.add", "alert_rule", nid, NULL);
    if (!rc)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (!rc && id)
        *id = nid;
out:
    if (rc)
        (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

static es_err rule_list(es_store_t *s, void (*cb)(const es_alert_rule *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(
        s,
        "SELECT r.id, r.name, r.kind, b.name, r.location, r.query, r.topic, r.threshold,"
        " r.min_count, r.period, r.baseline, r.cooldown, r.max_per_hour, r.escalate_after,"
        " r.dests, r.escalate_to, r.enabled, r.created"
        " FROM alert_rules r LEFT JOIN brands b ON b.id = r.brand_id ORDER BY r.id",
        &st, "listing rules");
    if (rc)
        return rc;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_alert_rule r = {.id = sqlite3_column_int64(st, 0), .name = col(st, 1)};
        if (es_alert_kind_parse(col(st, 2), &r.kind))
            continue;
        r.brand = col(st, 3);
        r.location = col(st, 4);
        r.query = col(st, 5);
        r.topic = col(st, 6);
        r.threshold = sqlite3_column_double(st, 7);
        r.min_count = sqlite3_column_int64(st, 8);
        r.period = sqlite3_column_int64(st, 9);
        r.baseline = sqlite3_column_int64(st, 10);
        r.cooldown = sqlite3_column_int64(st, 11);
        r.max_per_hour = sqlite3_column_int64(st, 12);
        r.escalate_after = sqlite3_column_int64(st, 13);
        r.dests = col(st, 14);
        r.escalate_to = col(st, 15);
        r.enabled = sqlite3_column_int(st, 16);
        r.created = sqlite3_column_int64(st, 17);
        cb(&r, ud);
    }
    return es__sqlite_alert_finish(s, st, src, "listing rules");
}

static es_err rule_remove(es_store_t *s, const char *name, int64_t actor)
{
    return remove_named(s,
                        "SELECT id FROM alert_rules WHERE name = ?1 OR"
                        " (?1 GLOB '[0-9]*' AND id = CAST(?1 AS INTEGER))",
                        "DELETE FROM alert_rules WHERE id = ?1", name, actor, "alert.rule.remove",
                        "alert_rule");
}

/* ---- alerts ----------------------------------------------------------------- */

/* See sqlite_alert_int.h. */
void es__sqlite_alert_row(sqlite3_stmt *st, int i, es_alert *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(st, i);
    a->rule_id = sqlite3_column_int64(st, i + 1);
    a->rule = col(st, i + 2);
    if (es_alert_kind_parse(col(st, i + 3), &a->kind))
        a->kind = ES_ALERT_KIND_COUNT;
    a->status = col(st, i + 4);
    a->location = col(st, i + 5);
    a->brand = col(st, i + 6);
    a->case_id = sqlite3_column_int64(st, i + 7);
    a->mention_id = sqlite3_column_int64(st, i + 8);
    a->title = col(st, i + 9);
    a->detail = col(st, i + 10);
    a->count = sqlite3_column_int64(st, i + 11);
    a->created = sqlite3_column_int64(st, i + 12);
    a->updated = sqlite3_column_int64(st, i + 13);
    a->acked_at = sqlite3_column_int64(st, i + 14);
    a->escalated_at = sqlite3_column_int64(st, i + 15);
    a->acked_by = sqlite3_column_int64(st, i + 16);
}

/* The scope is passed as a JSON array bound to one parameter and read with
 * json_each, so the statement stays fixed whatever the number of
 * locations. */
static es_err scope_json(es_store_t *s, const es_alert_filter *f, es__buf *b)
{
    es_err rc = es__buf_addc(b, '[');
    for (size_t i = 0; !rc && i < f->n_locations; i++) {
        if (i)
            rc = es__buf_addc(b, ',');
        if (!rc)
            rc = es__buf_addc(b, '"');
        for (const char *p = f->locations[i]; !rc && p && *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (c == '"' || c == '\\')
                rc = es__buf_addc(b, '\\');
            if (!rc)
                rc = c < 0x20 ? es__buf_printf(b, "\\u%04x", c) : es__buf_addc(b, (char)c);
        }
        if (!rc)
            rc = es__buf_addc(b, '"');
    }
    if (!rc)
        rc = es__buf_addc(b, ']');
    return rc ? es__store_fail(s, rc, "listing alerts: the scope is too large") : ES_OK;
}

static es_err alert_list(es_store_t *s, const es_alert_filter *f,
                         void (*cb)(const es_alert *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es__buf scope;
    es__buf_init(&scope, 1 << 20);
    es_err rc = scope_json(s, f, &scope);
    if (rc)
        goto out;
    rc = es__sqlite_alert_prep(s,
                               "SELECT " ALERT_COLS
                               " WHERE (?1 IS NULL OR a.status = ?1)"
                               " AND (?2 IS NULL OR a.location = ?2)"
                               /* an entry equal to the location, or a region
                                * ("eu/") it starts with: es_user_scope_covers */
                               " AND (?3 OR EXISTS (SELECT 1 FROM json_each(?4) j"
                               "  WHERE a.location = j.value OR (substr(j.value, -1) = '/'"
                               "  AND substr(a.location, 1, length(j.value)) = j.value)))"
                               " AND (?5 = 0 OR a.id < ?5)"
                               " ORDER BY a.id DESC LIMIT ?6",
                               &st, "listing alerts");
    if (rc)
        goto out;
    bind_text(st, 1, f->status);
    bind_text(st, 2, f->location);
    sqlite3_bind_int(st, 3, f->all_locations ? 1 : 0);
    sqlite3_bind_text(st, 4, scope.data, (int)scope.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, f->before_id);
    size_t limit = f->limit ? f->limit : 50;
    sqlite3_bind_int64(st, 6, (sqlite3_int64)(limit > 500 ? 500 : limit));
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_alert a;
        es__sqlite_alert_row(st, 0, &a);
        cb(&a, ud);
    }
    rc = es__sqlite_alert_finish(s, st, src, "listing alerts");
out:
    es__buf_cleanup(&scope);
    return rc;
}

static es_err alert_get(es_store_t *s, int64_t id, void (*cb)(const es_alert *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(s, "SELECT " ALERT_COLS " WHERE a.id = ?1", &st,
                                      "reading an alert");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        es_alert a;
        es__sqlite_alert_row(st, 0, &a);
        cb(&a, ud);
    }
    int found = src == SQLITE_ROW;
    rc = es__sqlite_alert_finish(s, st, src, "reading an alert");
    if (!rc && !found)
        rc = es__store_fail(s, ES_ENOTFOUND, "no alert %lld", (long long)id);
    return rc;
}

static es_err alert_ack(es_store_t *s, int64_t id, int64_t user_id, int64_t token_id, int64_t now)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = es__sqlite_alert_prep(s, "SELECT status FROM alerts WHERE id = ?1", &st, "acknowledging");
    if (rc)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    int src = sqlite3_step(st);
    int found = src == SQLITE_ROW, acked = found && strcmp(col(st, 0), "acked") == 0;
    rc = es__sqlite_alert_finish(s, st, src, "acknowledging");
    if (!rc && !found)
        rc = es__store_fail(s, ES_ENOTFOUND, "no alert %lld", (long long)id);
    if (rc || acked)
        goto out;
    rc = es__sqlite_alert_prep(s,
                               "UPDATE alerts SET status = 'acked', acked_at = ?2,"
                               " acked_by = nullif(?3, 0), updated = ?2 WHERE id = ?1",
                               &st, "acknowledging");
    if (rc)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, user_id);
    rc = es__sqlite_alert_finish(s, st, sqlite3_step(st), "acknowledging");
    if (!rc) {
        char object[48];
        snprintf(object, sizeof object, "alert:%lld", (long long)id);
        es_audit_entry e = {.at = now, .user_id = user_id, .token_id = token_id,
                            .action = "alert.ack", .object = object};
        rc = es__sqlite_audit_add(s, &e);
    }
out:
    if (!rc)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc)
        (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

/* The table; the outbox half is in sqlite_alert_out.c. */
const es__alert_ops es__sqlite_alert_ops = {
    .dest_add = dest_add,
    .dest_list = dest_list,
    .dest_remove = dest_remove,
    .rule_add = rule_add,
    .rule_list = rule_list,
    .rule_remove = rule_remove,
    .list = alert_list,
    .get = alert_get,
    .ack = alert_ack,
    .state_get = es__sqlite_alert_state_get,
    .state_set = es__sqlite_alert_state_set,
    .mentions = es__sqlite_alert_mentions,
    .max_mention = es__sqlite_alert_max_mention,
    .put = es__sqlite_alert_put,
    .fanout = es__sqlite_alert_fanout,
    .count_add = es__sqlite_alert_count_add,
    .count_range = es__sqlite_alert_count_range,
    .count_prune = es__sqlite_alert_count_prune,
    .escalations = es__sqlite_alert_escalations,
    .escalated = es__sqlite_alert_escalated,
    .in_range = es__sqlite_alert_in_range,
    .claim = es__sqlite_alert_claim,
    .done = es__sqlite_alert_done,
    .next_due = es__sqlite_alert_next_due,
    .prompt = es__sqlite_alert_prompt,
};
