/*
 * sqlite_alert_scan.c - the SQLite backend of what the alert scanner reads
 * and writes inside its transaction (src/alert/scan.c, raise.c): its
 * durable state (the watermark ...), the mentions committed since the
 * watermark with their brands, topic and case, and new alerts, folded into
 * a recent one of the same rule and key or throttled. Reached through
 * es__sqlite_alert_ops (sqlite_alert.c).
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_alert_int.h"

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

/* ---- the scanner's reads and writes ---------------------------------------- */

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_state_get(es_store_t *s, const char *key, int64_t *v)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(s, "SELECT value FROM alert_state WHERE key = ?1", &st,
                                      "reading the alert state");
    if (rc)
        return rc;
    bind_text(st, 1, key);
    int src = sqlite3_step(st);
    *v = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    return es__sqlite_alert_finish(s, st, src, "reading the alert state");
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_state_set(es_store_t *s, const char *key, int64_t v)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(s,
                                      "INSERT INTO alert_state(key, value) VALUES (?1, ?2)"
                                      " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                      &st, "writing the alert state");
    if (rc)
        return rc;
    bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, v);
    return es__sqlite_alert_finish(s, st, sqlite3_step(st), "writing the alert state");
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_max_mention(es_store_t *s, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(s, "SELECT coalesce(max(id), 0) FROM mentions", &st,
                                      "reading the newest mention");
    if (rc)
        return rc;
    int src = sqlite3_step(st);
    *id = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    return es__sqlite_alert_finish(s, st, src, "reading the newest mention");
}

/* See sqlite_alert_int.h. Reads the batch's mentions, each with its brands (a second statement over
 * mention_brands, whose key starts with the mention id). */
es_err es__sqlite_alert_mentions(es_store_t *s, int64_t after, size_t max,
                       void (*cb)(const es__alert_mention *, void *), void *ud)
{
    sqlite3_stmt *st = NULL, *sb = NULL;
    es_err rc = es__sqlite_alert_prep(
        s,
        "SELECT m.id, m.source, m.external_id, m.author, m.text, m.lang,"
        " coalesce(m.location, c.location), m.received_at, coalesce(m.compound, 0), m.intent,"
        " coalesce(m.case_id, 0), coalesce(m.department, c.department), m.cues, m.flags"
        " FROM mentions m LEFT JOIN cases c ON c.id = m.case_id"
        " WHERE m.id > ?1 ORDER BY m.id LIMIT ?2",
        &st, "reading mentions for alerts");
    if (!rc)
        rc = es__sqlite_alert_prep(s, "SELECT brand_id FROM mention_brands WHERE mention_id = ?1",
                                   &sb, "reading mentions for alerts");
    if (rc)
        goto out;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es__alert_mention am = {.id = sqlite3_column_int64(st, 0)};
        es_mention_init(&am.m);
        am.m.source = col(st, 1);
        am.m.external_id = col(st, 2);
        am.m.author = col(st, 3);
        am.m.text = col(st, 4);
        am.m.lang = col(st, 5);
        am.m.location = am.location = col(st, 6);
        am.m.received_at = sqlite3_column_int64(st, 7);
        am.m.sentiment.compound = sqlite3_column_double(st, 8);
        if (es_intent_parse(col(st, 9), &am.m.intent))
            am.m.intent = ES_INTENT_OTHER;
        am.case_id = sqlite3_column_int64(st, 10);
        am.topic = col(st, 11);
        am.m.cues = (uint32_t)sqlite3_column_int64(st, 12);
        am.m.flags = (uint32_t)sqlite3_column_int64(st, 13);
        if (!am.m.text || !am.m.source || !am.m.external_id) { /* out of memory */
            src = SQLITE_NOMEM;
            break;
        }
        sqlite3_reset(sb);
        sqlite3_bind_int64(sb, 1, am.id);
        int bsrc;
        while ((bsrc = sqlite3_step(sb)) == SQLITE_ROW && am.n_brands < ES__ALERT_MAX_BRANDS)
            am.brands[am.n_brands++] = (uint32_t)sqlite3_column_int64(sb, 0);
        if (bsrc != SQLITE_ROW && bsrc != SQLITE_DONE) {
            src = bsrc;
            break;
        }
        cb(&am, ud);
    }
    rc = es__sqlite_alert_finish(s, st, src, "reading mentions for alerts");
    st = NULL;
out:
    sqlite3_finalize(st);
    sqlite3_finalize(sb);
    return rc;
}

/* Folds into a recent alert of the same rule and key, if there is one. */
static es_err fold(es_store_t *s, const es__alert_new *a, int64_t now, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    *id = 0;
    es_err rc = es__sqlite_alert_prep(s,
                                      "SELECT id FROM alerts WHERE rule_id IS ?1 AND dedup_key = ?2"
                                      " AND (CASE WHEN ?4 THEN updated ELSE created END) > ?3"
                                      " ORDER BY id DESC LIMIT 1",
                                      &st, "de-duplicating an alert");
    if (rc)
        return rc;
    if (a->rule_id)
        sqlite3_bind_int64(st, 1, a->rule_id);
    bind_text(st, 2, a->key);
    sqlite3_bind_int64(st, 3, a->since);
    sqlite3_bind_int(st, 4, a->sliding);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    rc = es__sqlite_alert_finish(s, st, src, "de-duplicating an alert");
    if (rc || !*id)
        return rc;
    rc = es__sqlite_alert_prep(s,
                               "UPDATE alerts SET count = count + 1, updated = ?2 WHERE id = ?1",
                               &st, "de-duplicating an alert");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, *id);
    sqlite3_bind_int64(st, 2, now);
    return es__sqlite_alert_finish(s, st, sqlite3_step(st), "de-duplicating an alert");
}

/* Alerts of the rule created within the last hour (the throttle). */
static es_err last_hour(es_store_t *s, int64_t rule_id, int64_t now, int64_t *n)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_alert_prep(s,
                                      "SELECT count(*) FROM alerts WHERE rule_id = ?1"
                                      " AND created > ?2 AND status <> 'throttled'",
                                      &st, "throttling");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, rule_id);
    sqlite3_bind_int64(st, 2, now - 3600);
    int src = sqlite3_step(st);
    *n = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    return es__sqlite_alert_finish(s, st, src, "throttling");
}

/* See sqlite_alert_int.h. */
es_err es__sqlite_alert_put(es_store_t *s, const es__alert_new *a, int64_t now, int64_t *id, int *what)
{
    sqlite3_stmt *st = NULL;
    int64_t n = 0;
    es_err rc = fold(s, a, now, id);
    if (rc || *id) {
        *what = ES__ALERT_FOLDED;
        return rc;
    }
    if (a->rule_id && a->max_per_hour > 0)
        rc = last_hour(s, a->rule_id, now, &n);
    if (rc)
        return rc;
    *what = a->max_per_hour > 0 && n >= a->max_per_hour ? ES__ALERT_THROTTLED : ES__ALERT_NEW;
    rc = es__sqlite_alert_prep(
        s,
        "INSERT INTO alerts(rule_id, kind, dedup_key, location, brand_id, case_id, mention_id,"
        " title, detail, status, created, updated, escalate_at) VALUES (nullif(?1, 0), ?2, ?3,"
        " ?4, nullif(?5, 0), nullif(?6, 0), nullif(?7, 0), ?8, ?9, ?10, ?11, ?11,"
        " CASE WHEN ?12 > 0 THEN ?11 + ?12 END)",
        &st, "raising an alert");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, a->rule_id);
    bind_text(st, 2, es_alert_kind_name(a->kind));
    bind_text(st, 3, a->key);
    bind_text(st, 4, a->location);
    sqlite3_bind_int64(st, 5, a->brand_id);
    sqlite3_bind_int64(st, 6, a->case_id);
    sqlite3_bind_int64(st, 7, a->mention_id);
    bind_text(st, 8, a->title);
    bind_text(st, 9, a->detail);
    bind_text(st, 10, *what == ES__ALERT_THROTTLED ? "throttled" : "open");
    sqlite3_bind_int64(st, 11, now);
    sqlite3_bind_int64(st, 12, *what == ES__ALERT_THROTTLED ? 0 : a->escalate_after);
    rc = es__sqlite_alert_finish(s, st, sqlite3_step(st), "raising an alert");
    if (rc)
        return rc;
    *id = sqlite3_last_insert_rowid(((es__sqlite *)s->impl)->db);
    es_audit_entry e = {.at = now,
                        .action = *what == ES__ALERT_THROTTLED ? "alert.throttle" : "alert.raise",
                        .object = NULL};
    char object[48];
    snprintf(object, sizeof object, "alert:%lld", (long long)*id);
    e.object = object;
    return es__sqlite_audit_add(s, &e);
}
