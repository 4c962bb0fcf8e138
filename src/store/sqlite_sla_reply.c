/*
 * sqlite_sla_reply.c - the SQLite backend of replies (schema step 9, tables
 * replies, reply_outbox, channel_endpoints) and of the samples the SLA
 * reports aggregate. Reached through es__sqlite_sla_ops (sqlite_sla.c) from
 * src/store/sla.c. A reply, its outbox row, the case's response times and
 * status, and the audit entry are written in one transaction, so a reply is
 * either recorded and queued for delivery, or not at all.
 */
#include <stdio.h>
#include <string.h>

#include "store/sla_int.h"
#include "store/sqlite_int.h"

static sqlite3 *db_of(es_store_t *s)
{
    return ((es__sqlite *)s->impl)->db;
}

/* ---- report samples ------------------------------------------------------------- */

/* One statement per grouping; only constant SQL differs between them. */
static const char *const sample_sql[] = {
    [ES_SLA_BY_CHANNEL] =
        "SELECT c.source, coalesce(c.followers, 0),"
        " CASE WHEN c.first_response_at IS NULL THEN -1"
        "  ELSE max(c.first_response_at - c.created, 0) END,"
        " CASE WHEN c.resolved_at IS NULL THEN -1 ELSE max(c.resolved_at - c.created, 0) END"
        " FROM cases c WHERE c.merged_into IS NULL AND (?1 = 0 OR c.created >= ?1)"
        " AND (?2 = 0 OR c.created < ?2)"
        " AND (?3 OR EXISTS (SELECT 1 FROM json_each(?4) j WHERE c.location = j.value"
        " OR (substr(j.value, -1) = '/' AND substr(c.location, 1, length(j.value)) = j.value)))"
        " ORDER BY c.source, c.id",
    [ES_SLA_BY_TEAM] =
        "SELECT coalesce(t.name, ''), coalesce(c.followers, 0),"
        " CASE WHEN c.first_response_at IS NULL THEN -1"
        "  ELSE max(c.first_response_at - c.created, 0) END,"
        " CASE WHEN c.resolved_at IS NULL THEN -1 ELSE max(c.resolved_at - c.created, 0) END"
        " FROM cases c LEFT JOIN teams t ON t.id = c.team_id"
        " WHERE c.merged_into IS NULL AND (?1 = 0 OR c.created >= ?1)"
        " AND (?2 = 0 OR c.created < ?2)"
        " AND (?3 OR EXISTS (SELECT 1 FROM json_each(?4) j WHERE c.location = j.value"
        " OR (substr(j.value, -1) = '/' AND substr(c.location, 1, length(j.value)) = j.value)))"
        " ORDER BY 1, c.id",
    [ES_SLA_BY_LOCATION] =
        "SELECT coalesce(c.location, ''), coalesce(c.followers, 0),"
        " CASE WHEN c.first_response_at IS NULL THEN -1"
        "  ELSE max(c.first_response_at - c.created, 0) END,"
        " CASE WHEN c.resolved_at IS NULL THEN -1 ELSE max(c.resolved_at - c.created, 0) END"
        " FROM cases c WHERE c.merged_into IS NULL AND (?1 = 0 OR c.created >= ?1)"
        " AND (?2 = 0 OR c.created < ?2)"
        " AND (?3 OR EXISTS (SELECT 1 FROM json_each(?4) j WHERE c.location = j.value"
        " OR (substr(j.value, -1) = '/' AND substr(c.location, 1, length(j.value)) = j.value)))"
        " ORDER BY 1, c.id",
    /* Deciles over the cases of the report (ties broken by id, so equal
     * counts may straddle two deciles); a case without a count has 0. */
    [ES_SLA_BY_FOLLOWERS] =
        "SELECT CAST(d AS TEXT), f, fr, rs FROM ("
        " SELECT ntile(10) OVER (ORDER BY coalesce(c.followers, 0), c.id) AS d,"
        " coalesce(c.followers, 0) AS f,"
        " CASE WHEN c.first_response_at IS NULL THEN -1"
        "  ELSE max(c.first_response_at - c.created, 0) END AS fr,"
        " CASE WHEN c.resolved_at IS NULL THEN -1 ELSE max(c.resolved_at - c.created, 0) END"
        "  AS rs, c.id AS id"
        " FROM cases c WHERE c.merged_into IS NULL AND (?1 = 0 OR c.created >= ?1)"
        " AND (?2 = 0 OR c.created < ?2)"
        " AND (?3 OR EXISTS (SELECT 1 FROM json_each(?4) j WHERE c.location = j.value"
        " OR (substr(j.value, -1) = '/' AND substr(c.location, 1, length(j.value)) = j.value))))"
        " ORDER BY d, f, id",
};

es_err es__sqlite_sla_samples(es_store_t *s, es_sla_by by, const es_sla_scope *scope, int64_t since,
                              int64_t until, void (*cb)(const es_sla_sample *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    char *json = NULL;
    es_err rc = es__sqlite_sla_prepare(s, sample_sql[by], &st, "reading report samples");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int64(st, 2, until);
    rc = es__sqlite_sla_bind_scope(s, st, 3, scope, &json);
    int src = SQLITE_DONE;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        es_sla_sample r = {(const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
                           sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)};
        if (!r.group)
            r.group = "";
        cb(&r, ud);
    }
    sqlite3_finalize(st);
    es_free(json);
    if (!rc && src != SQLITE_DONE)
        rc = es__sqlite_fail(s, db_of(s), src, "reading report samples");
    return rc;
}

/* ---- replies ------------------------------------------------------------------------ */

es_err es__sqlite_reply_case_channel(es_store_t *s, int64_t case_id, const es_sla_scope *scope,
                                     char *buf, size_t size)
{
    sqlite3_stmt *st = NULL;
    char *json = NULL;
    es_err rc = es__sqlite_sla_prepare(
        s,
        "SELECT c.source FROM cases c WHERE c.id = ?1 AND c.merged_into IS NULL"
        " AND (?2 OR EXISTS (SELECT 1 FROM json_each(?3) j WHERE c.location = j.value"
        " OR (substr(j.value, -1) = '/' AND substr(c.location, 1, length(j.value)) = j.value)))",
        &st, "reading a case's channel");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, case_id);
    rc = es__sqlite_sla_bind_scope(s, st, 2, scope, &json);
    int src = rc ? SQLITE_DONE : sqlite3_step(st);
    if (!rc && src == SQLITE_ROW)
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    else if (!rc && src == SQLITE_DONE)
        rc = es__store_fail(s, ES_ENOTFOUND, "no case %lld", (long long)case_id);
    else if (!rc)
        rc = es__sqlite_fail(s, db_of(s), src, "reading a case's channel");
    sqlite3_finalize(st);
    es_free(json);
    return rc;
}

es_err es__sqlite_reply_recent_fp(es_store_t *s, uint64_t *fps, size_t max, size_t *n)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_sla_prepare(s,
                                       "SELECT fingerprint FROM replies WHERE fingerprint IS NOT"
                                       " NULL ORDER BY id DESC LIMIT ?1",
                                       &st, "reading recent replies");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
    int src;
    *n = 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW && *n < max)
        fps[(*n)++] = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return src == SQLITE_DONE || src == SQLITE_ROW
               ? ES_OK
               : es__sqlite_fail(s, db_of(s), src, "reading recent replies");
}

/* Runs a write statement; ES_OK when it changed exactly `want` rows (-1:
 * any number). Finalizes it. */
static es_err write1(es_store_t *s, sqlite3_stmt *st, int want, const char *what)
{
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, db_of(s), src, what);
    if (want >= 0 && sqlite3_changes(db_of(s)) != want)
        return es__store_fail(s, ES_ENOTFOUND, "%s: no such row", what);
    return ES_OK;
}

static es_err insert_tx(es_store_t *s, es_reply *r, uint64_t fp)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_sla_prepare(
        s,
        "INSERT INTO replies(case_id, user_id, token_id, channel, text, direct, flags,"
        " fingerprint, created) VALUES (?1, nullif(?2, 0), nullif(?3, 0), ?4, ?5, ?6, ?7, ?8, ?9)",
        &st, "recording a reply");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, r->case_id);
    sqlite3_bind_int64(st, 2, r->user_id);
    sqlite3_bind_int64(st, 3, r->token_id);
    sqlite3_bind_text(st, 4, r->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->text, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, r->direct != 0);
    sqlite3_bind_int(st, 7, (int)r->flags);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)fp);
    sqlite3_bind_int64(st, 9, r->created);
    if ((rc = write1(s, st, 1, "recording a reply")))
        return rc;
    r->id = sqlite3_last_insert_rowid(db_of(s));
    rc = es__sqlite_sla_prepare(s,
                                "INSERT INTO reply_outbox(reply_id, channel, next_try,"
                                " idempotency_key) VALUES (?1, ?2, ?3,"
                                " 'reply-' || ?1 || '-' || lower(hex(randomblob(8))))",
                                &st, "queueing a reply");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_text(st, 2, r->channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->created);
    if ((rc = write1(s, st, 1, "queueing a reply")))
        return rc;
    rc = es__sqlite_sla_prepare(
        s,
        "UPDATE cases SET first_response_at = coalesce(first_response_at, ?2),"
        " last_response_at = ?2, updated = max(updated, ?2),"
        " status = CASE WHEN status = 'new' THEN 'open' ELSE status END"
        " WHERE id = ?1 AND merged_into IS NULL",
        &st, "updating the case of a reply");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, r->case_id);
    sqlite3_bind_int64(st, 2, r->created);
    if ((rc = write1(s, st, 1, "updating the case of a reply")))
        return rc;
    char object[40], detail[160];
    snprintf(object, sizeof object, "case:%lld", (long long)r->case_id);
    snprintf(detail, sizeof detail, "{\"reply_id\":%lld,\"direct\":%s,\"generic\":%s}",
             (long long)r->id, r->direct ? "true" : "false",
             (r->flags & ES_REPLY_GENERIC) ? "true" : "false");
    es_audit_entry e = {.at = r->created,
                        .user_id = r->user_id,
                        .token_id = r->token_id,
                        .action = "case.reply",
                        .object = object,
                        .detail = detail};
    return es__sqlite_audit_add(s, &e);
}

es_err es__sqlite_reply_insert(es_store_t *s, es_reply *r, uint64_t fingerprint)
{
    es_err rc = es__sqlite_sla_begin(s);
    if (rc)
        return rc;
    rc = es__sqlite_sla_end(s, insert_tx(s, r, fingerprint));
    if (rc)
        r->id = 0;
    return rc;
}

es_err es__sqlite_reply_list(es_store_t *s, int64_t case_id, const es_sla_scope *scope,
                             void (*cb)(const es_reply *, void *), void *ud)
{
    char channel[64];
    es_err rc = es__sqlite_reply_case_channel(s, case_id, scope, channel, sizeof channel);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = es__sqlite_sla_prepare(
        s,
        "SELECT r.id, r.case_id, coalesce(r.user_id, 0), coalesce(r.token_id, 0), r.channel,"
        " r.text, r.direct, r.flags, r.created, o.status, coalesce(o.attempts, 0),"
        " coalesce(o.delivered_at, 0), o.idempotency_key, o.last_error"
        " FROM replies r LEFT JOIN reply_outbox o ON o.reply_id = r.id"
        " WHERE r.case_id = ?1 ORDER BY r.id",
        &st, "listing replies");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, case_id);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_reply r = {
            .id = sqlite3_column_int64(st, 0),
            .case_id = sqlite3_column_int64(st, 1),
            .user_id = sqlite3_column_int64(st, 2),
            .token_id = sqlite3_column_int64(st, 3),
            .channel = (const char *)sqlite3_column_text(st, 4),
            .text = (const char *)sqlite3_column_text(st, 5),
            .direct = sqlite3_column_int(st, 6),
            .flags = (unsigned)sqlite3_column_int(st, 7),
            .created = sqlite3_column_int64(st, 8),
            .status = (const char *)sqlite3_column_text(st, 9),
            .attempts = sqlite3_column_int(st, 10),
            .delivered_at = sqlite3_column_int64(st, 11),
            .idempotency_key = (const char *)sqlite3_column_text(st, 12),
            .last_error = (const char *)sqlite3_column_text(st, 13),
        };
        cb(&r, ud);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, db_of(s), src, "listing replies");
}

/* ---- endpoints and the outbox ------------------------------------------------------ */

static es_err endpoint_tx(es_store_t *s, const char *channel, const char *url, const char *secret,
                          int64_t user_id)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_sla_prepare(
        s,
        "INSERT INTO channel_endpoints(channel, url, secret, updated)"
        " VALUES (?1, ?2, ?3, strftime('%s','now')) ON CONFLICT(channel) DO UPDATE SET"
        " url = excluded.url, secret = excluded.secret, updated = excluded.updated",
        &st, "setting a channel endpoint");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, secret, -1, SQLITE_STATIC);
    if ((rc = write1(s, st, -1, "setting a channel endpoint")))
        return rc;
    char object[96];
    snprintf(object, sizeof object, "channel:%.80s", channel);
    /* The URL and secret stay out of the audit trail (a URL may carry a key). */
    es_audit_entry e = {.user_id = user_id,
                        .action = "channel.endpoint",
                        .object = object,
                        .detail = secret ? "{\"signed\":true}" : "{\"signed\":false}"};
    return es__sqlite_audit_add(s, &e);
}

es_err es__sqlite_reply_endpoint_set(es_store_t *s, const char *channel, const char *url,
                                     const char *secret, int64_t user_id)
{
    es_err rc = es__sqlite_sla_begin(s);
    return rc ? rc : es__sqlite_sla_end(s, endpoint_tx(s, channel, url, secret, user_id));
}

/* The rows due, in order; the claim below repeats the same selection. */
#define DUE_FROM                                                                                   \
    " FROM reply_outbox o JOIN replies r ON r.id = o.reply_id"                                     \
    " JOIN channel_endpoints e ON e.channel = o.channel"                                           \
    " WHERE o.status = 'pending' AND o.next_try <= ?1 ORDER BY o.next_try, o.id LIMIT ?2"

static es_err due_rows(es_store_t *s, int64_t now, size_t max,
                       void (*cb)(const es_reply_job *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_sla_prepare(
        s,
        "SELECT o.id, o.reply_id, r.case_id, o.channel, r.text, o.idempotency_key, e.url,"
        " e.secret, r.direct, o.attempts,"
        " (SELECT m.external_id FROM mentions m WHERE m.case_id = r.case_id"
        "  ORDER BY m.id DESC LIMIT 1)" DUE_FROM,
        &st, "reading the reply outbox");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_reply_job j = {
            .outbox_id = sqlite3_column_int64(st, 0),
            .reply_id = sqlite3_column_int64(st, 1),
            .case_id = sqlite3_column_int64(st, 2),
            .channel = (const char *)sqlite3_column_text(st, 3),
            .text = (const char *)sqlite3_column_text(st, 4),
            .key = (const char *)sqlite3_column_text(st, 5),
            .url = (const char *)sqlite3_column_text(st, 6),
            .secret = (const char *)sqlite3_column_text(st, 7),
            .direct = sqlite3_column_int(st, 8),
            .attempts = sqlite3_column_int(st, 9),
            .in_reply_to = (const char *)sqlite3_column_text(st, 10),
        };
        cb(&j, ud);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK
                              : es__sqlite_fail(s, db_of(s), src, "reading the reply outbox");
}

static es_err claim(es_store_t *s, int64_t now, size_t max, int64_t lease_until)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_sla_prepare(s,
                                       "UPDATE reply_outbox SET next_try = ?3 WHERE id IN"
                                       " (SELECT o.id" DUE_FROM ")",
                                       &st, "claiming due replies");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    sqlite3_bind_int64(st, 3, lease_until);
    return write1(s, st, -1, "claiming due replies");
}

es_err es__sqlite_outbox_due(es_store_t *s, int64_t now, size_t max, int64_t lease_until,
                             void (*cb)(const es_reply_job *, void *), void *ud)
{
    if (lease_until <= 0)
        return due_rows(s, now, max, cb, ud);
    es_err rc = es__sqlite_sla_begin(s);
    if (rc)
        return rc;
    rc = due_rows(s, now, max, cb, ud);
    if (!rc)
        rc = claim(s, now, max, lease_until);
    return es__sqlite_sla_end(s, rc);
}

static es_err result_tx(es_store_t *s, int64_t id, int delivered, const char *error, int64_t now,
                        int64_t next_try)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_sla_prepare(
        s,
        "UPDATE reply_outbox SET attempts = attempts + 1, last_error = ?3,"
        " status = CASE WHEN ?2 THEN 'delivered' WHEN ?5 = 0 THEN 'failed' ELSE 'pending' END,"
        " next_try = CASE WHEN ?5 > 0 THEN ?5 ELSE next_try END,"
        " delivered_at = CASE WHEN ?2 THEN ?4 ELSE NULL END"
        " WHERE id = ?1 AND status = 'pending'",
        &st, "recording a delivery");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, delivered != 0);
    sqlite3_bind_text(st, 3, delivered ? NULL : error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, delivered ? 0 : next_try);
    if ((rc = write1(s, st, 1, "recording a delivery")))
        return rc;
    if (!delivered && next_try > 0)
        return ES_OK; /* a retry is not a change anyone needs in the audit */
    char object[40];
    snprintf(object, sizeof object, "reply_outbox:%lld", (long long)id);
    es_audit_entry e = {
        .at = now, .action = delivered ? "reply.delivered" : "reply.failed", .object = object};
    return es__sqlite_audit_add(s, &e);
}

es_err es__sqlite_outbox_result(es_store_t *s, int64_t id, int delivered, const char *error,
                                int64_t now, int64_t next_try)
{
    es_err rc = es__sqlite_sla_begin(s);
    return rc ? rc : es__sqlite_sla_end(s, result_tx(s, id, delivered, error, now, next_try));
}

es_err es__sqlite_outbox_next(es_store_t *s, int64_t *when)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_sla_prepare(s,
                                       "SELECT min(o.next_try) FROM reply_outbox o"
                                       " JOIN channel_endpoints e ON e.channel = o.channel"
                                       " WHERE o.status = 'pending'",
                                       &st, "reading the reply outbox");
    if (rc)
        return rc;
    int src = sqlite3_step(st);
    *when = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return src == SQLITE_ROW || src == SQLITE_DONE
               ? ES_OK
               : es__sqlite_fail(s, db_of(s), src, "reading the reply outbox");
}
