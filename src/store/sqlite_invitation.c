/*
 * sqlite_invitation.c - the SQLite backend of the store's invitations part
 * (invitation_int.h) and schema step 15: one row per survey or advocacy
 * invitation, which is also its outbox row (out_status, attempts, next_at,
 * lease_until, idem_key). Here: inserting, the de-duplication look-up,
 * reading by token or id, moving states on, and the outbox's claim and
 * outcomes. Reports, the refresh from responses and the advocacy
 * candidates are in sqlite_invitation_report.c. Reached from
 * invitations.c, which has checked the arguments.
 */
#include <stdio.h>
#include <string.h>

#include "store/invitation_int.h"
#include "store/sqlite_int.h"

/* Step 15 (issue 4). An invitation's token is made by the caller (random,
 * 32 hex characters); idem_key, the outbox's Idempotency-Key, is made once
 * here. next_at and lease_until are Unix milliseconds; the other times Unix
 * seconds. A response or a mention makes at most one advocacy invitation. */
const char es__sqlite_step_invitations[] =
    "CREATE TABLE invitations ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK (kind IN ('survey','advocacy')),"
    " token TEXT NOT NULL UNIQUE,"
    " location_id INTEGER NOT NULL REFERENCES locations(id),"
    " channel TEXT NOT NULL CHECK (channel IN ('sms','email')),"
    " contact TEXT NOT NULL COLLATE NOCASE,"
    " name TEXT, visit_at INTEGER,"
    " state TEXT NOT NULL CHECK (state IN ('skipped','invited','delivered','started',"
    "  'completed','clicked','shared')),"
    " reason TEXT,"
    " response_id INTEGER, mention_id INTEGER,"
    " handle TEXT, followers INTEGER,"
    " clicks INTEGER NOT NULL DEFAULT 0,"
    " created INTEGER NOT NULL,"
    " delivered_at INTEGER, started_at INTEGER, completed_at INTEGER,"
    " clicked_at INTEGER, shared_at INTEGER,"
    " subject TEXT, body TEXT,"
    " out_status TEXT CHECK (out_status IN ('pending','delivered','failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_at INTEGER NOT NULL DEFAULT 0, lease_until INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT,"
    " idem_key TEXT NOT NULL UNIQUE DEFAULT (lower(hex(randomblob(16)))));"
    "CREATE INDEX invitations_due ON invitations(next_at) WHERE out_status = 'pending';"
    "CREATE INDEX invitations_contact ON invitations(contact, location_id, kind, created);"
    "CREATE INDEX invitations_location ON invitations(location_id, created);"
    "CREATE UNIQUE INDEX invitations_response ON invitations(response_id)"
    " WHERE kind = 'advocacy' AND response_id IS NOT NULL;"
    "CREATE UNIQUE INDEX invitations_mention ON invitations(mention_id)"
    " WHERE kind = 'advocacy' AND mention_id IS NOT NULL;";

static es_err sq_recent(es_store_t *s, const char *kind, int64_t location_id, const char *contact,
                        int64_t since, int *found)
{
    sqlite3_stmt *st = NULL;
    es_err rc =
        es__sqlite_prep(s,
                        "SELECT 1 FROM invitations WHERE contact = ?1 AND location_id = ?2 AND"
                        " kind = ?3 AND created >= ?4 AND state != 'skipped' LIMIT 1",
                        &st, "looking for a recent invitation");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, contact, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, location_id);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, since);
    int src = sqlite3_step(st);
    *found = src == SQLITE_ROW;
    return es__sqlite_finish(s, st, src, "looking for a recent invitation");
}

static es_err sq_insert(es_store_t *s, const es__invite_new *n, int64_t *id)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc =
        es__sqlite_prep(s,
                        "INSERT INTO invitations(kind, token, location_id, channel, contact, name,"
                        " visit_at, state, reason, subject, body, response_id, mention_id, handle,"
                        " followers, created, out_status, next_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                        " nullif(?7, 0), ?8, ?9, ?10, ?11, nullif(?12, 0), nullif(?13, 0), ?14,"
                        " CASE WHEN ?15 >= 0 THEN ?15 END, ?16,"
                        " CASE WHEN ?8 = 'invited' THEN 'pending' END, ?16 * 1000)",
                        &st, "adding an invitation");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, n->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, n->token, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, n->location_id);
    sqlite3_bind_text(st, 4, n->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, n->contact, -1, SQLITE_STATIC);
    es__sqlite_bind_str(st, 6, n->name);
    sqlite3_bind_int64(st, 7, n->visit_at);
    sqlite3_bind_text(st, 8, n->state, -1, SQLITE_STATIC);
    es__sqlite_bind_str(st, 9, n->reason);
    es__sqlite_bind_str(st, 10, n->subject);
    es__sqlite_bind_str(st, 11, n->body);
    sqlite3_bind_int64(st, 12, n->response_id);
    sqlite3_bind_int64(st, 13, n->mention_id);
    es__sqlite_bind_str(st, 14, n->handle);
    sqlite3_bind_int64(st, 15, n->followers);
    sqlite3_bind_int64(st, 16, n->created);
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EEXIST, "adding an invitation: %s", sqlite3_errmsg(q->db));
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "adding an invitation");
    if (id)
        *id = sqlite3_last_insert_rowid(q->db);
    return ES_OK;
}

/* ---- reading ------------------------------------------------------------------ */

#define COLS                                                                                       \
    "i.id, i.kind, i.token, i.location_id, l.code, l.review_url, i.channel, i.contact,"            \
    " i.name, i.state, i.reason, coalesce(i.visit_at, 0), coalesce(i.response_id, 0),"             \
    " coalesce(i.mention_id, 0), i.handle, coalesce(i.followers, -1), i.clicks, i.created,"        \
    " coalesce(i.delivered_at, 0), coalesce(i.started_at, 0), coalesce(i.completed_at, 0),"        \
    " coalesce(i.clicked_at, 0), coalesce(i.shared_at, 0)"

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Fills v from the current row of a SELECT of COLS. */
static void take(sqlite3_stmt *st, es_invitation *v)
{
    memset(v, 0, sizeof *v);
    v->id = sqlite3_column_int64(st, 0);
    v->kind = col(st, 1);
    v->token = col(st, 2);
    v->location_id = sqlite3_column_int64(st, 3);
    v->location = col(st, 4);
    v->review_url = col(st, 5);
    v->channel = col(st, 6);
    v->contact = col(st, 7);
    v->name = col(st, 8);
    v->state = col(st, 9);
    v->reason = col(st, 10);
    v->visit_at = sqlite3_column_int64(st, 11);
    v->response_id = sqlite3_column_int64(st, 12);
    v->mention_id = sqlite3_column_int64(st, 13);
    v->handle = col(st, 14);
    v->followers = sqlite3_column_int64(st, 15);
    v->clicks = sqlite3_column_int64(st, 16);
    v->created = sqlite3_column_int64(st, 17);
    v->delivered_at = sqlite3_column_int64(st, 18);
    v->started_at = sqlite3_column_int64(st, 19);
    v->completed_at = sqlite3_column_int64(st, 20);
    v->clicked_at = sqlite3_column_int64(st, 21);
    v->shared_at = sqlite3_column_int64(st, 22);
}

static es_err sq_lookup(es_store_t *s, const char *token, int64_t id,
                        void (*cb)(const es_invitation *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_prep(
        s,
        "SELECT " COLS " FROM invitations i JOIN locations l ON l.id = i.location_id"
        " WHERE (?1 IS NOT NULL AND i.token = ?1) OR (?1 IS NULL AND i.id = ?2)",
        &st, "reading an invitation");
    if (rc)
        return rc;
    es__sqlite_bind_str(st, 1, token);
    sqlite3_bind_int64(st, 2, id);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        es_invitation v;
        take(st, &v);
        cb(&v, ud);
        return es__sqlite_finish(s, st, src, "reading an invitation");
    }
    rc = es__sqlite_finish(s, st, src, "reading an invitation");
    return rc ? rc : es__store_fail(s, ES_ENOTFOUND, "no such invitation");
}

/* ---- states --------------------------------------------------------------------- */

/* The rank of a state in SQL: a mark moves a row on only to a higher one. */
#define RANK(c)                                                                                    \
    "(CASE " c " WHEN 'invited' THEN 1 WHEN 'delivered' THEN 2 WHEN 'started' THEN 3"              \
    " WHEN 'clicked' THEN 3 WHEN 'completed' THEN 4 WHEN 'shared' THEN 4 ELSE 0 END)"

static es_err sq_mark(es_store_t *s, int64_t id, const char *state, int64_t now)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_prep(
        s,
        "UPDATE invitations SET"
        " state = CASE WHEN " RANK("?2") " > " RANK(
            "state") " THEN ?2 ELSE state END,"
                     " delivered_at = CASE WHEN ?2 = 'delivered' THEN coalesce(delivered_at, ?3)"
                     "  ELSE delivered_at END,"
                     " started_at = CASE WHEN ?2 IN ('started', 'completed') THEN "
                     "coalesce(started_at, ?3)"
                     "  ELSE started_at END,"
                     " completed_at = CASE WHEN ?2 = 'completed' THEN coalesce(completed_at, ?3)"
                     "  ELSE completed_at END,"
                     " clicked_at = CASE WHEN ?2 = 'clicked' THEN coalesce(clicked_at, ?3) ELSE "
                     "clicked_at END,"
                     " clicks = clicks + (?2 = 'clicked'),"
                     " shared_at = CASE WHEN ?2 = 'shared' THEN coalesce(shared_at, ?3) ELSE "
                     "shared_at END"
                     " WHERE id = ?1 AND state != 'skipped'",
        &st, "marking an invitation");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    int src = sqlite3_step(st);
    rc = es__sqlite_finish(s, st, src, "marking an invitation");
    if (!rc && sqlite3_changes(q->db) == 0)
        return es__store_fail(s, ES_EINVAL, "invitation %lld was skipped: it has no states",
                              (long long)id);
    return rc;
}

/* ---- the outbox --------------------------------------------------------------- */

static es_err sq_claim(es_store_t *s, int64_t now_ms, int64_t lease_until_ms, size_t max,
                       void (*cb)(const es__invite_job *, void *), void *ud)
{
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = es__sqlite_prep(
        s,
        "UPDATE invitations SET lease_until = ?2 WHERE id IN (SELECT id FROM invitations"
        " WHERE out_status = 'pending' AND next_at <= ?1 AND lease_until <= ?1"
        " ORDER BY next_at, id LIMIT ?3)"
        " RETURNING id, channel, contact, subject, body, idem_key, attempts",
        &st, "claiming invitations");
    int src = SQLITE_OK;
    if (!rc) {
        sqlite3_bind_int64(st, 1, now_ms);
        sqlite3_bind_int64(st, 2, lease_until_ms);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            es__invite_job j = {
                .id = sqlite3_column_int64(st, 0),
                .channel = col(st, 1),
                .contact = col(st, 2),
                .subject = col(st, 3),
                .body = col(st, 4),
                .idem_key = col(st, 5),
                .attempts = sqlite3_column_int64(st, 6),
            };
            cb(&j, ud);
        }
        rc = es__sqlite_finish(s, st, src, "claiming invitations");
    }
    if (!rc)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc)
        (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

static es_err sq_done(es_store_t *s, int64_t id, int outcome, const char *error, int64_t next_at_ms,
                      int64_t now)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_prep(
        s,
        "UPDATE invitations SET attempts = attempts + 1, lease_until = 0, last_error = ?3,"
        " out_status = CASE ?2 WHEN 0 THEN 'delivered' WHEN 1 THEN 'pending' ELSE 'failed' END,"
        " next_at = CASE ?2 WHEN 1 THEN ?4 ELSE next_at END,"
        " delivered_at = CASE ?2 WHEN 0 THEN coalesce(delivered_at, ?5) ELSE delivered_at END,"
        " state = CASE WHEN ?2 = 0 AND state = 'invited' THEN 'delivered' ELSE state END"
        " WHERE id = ?1",
        &st, "recording a delivery");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, outcome);
    es__sqlite_bind_str(st, 3, outcome == ES__INVITE_SENT ? NULL : error);
    sqlite3_bind_int64(st, 4, next_at_ms);
    sqlite3_bind_int64(st, 5, now);
    return es__sqlite_finish(s, st, sqlite3_step(st), "recording a delivery");
}

static es_err sq_next_due(es_store_t *s, int64_t *ms)
{
    sqlite3_stmt *st = NULL;
    *ms = 0;
    es_err rc =
        es__sqlite_prep(s,
                        "SELECT coalesce(min(max(next_at, lease_until)), 0) FROM invitations"
                        " WHERE out_status = 'pending'",
                        &st, "reading the invitations due");
    if (rc)
        return rc;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *ms = sqlite3_column_int64(st, 0);
    return es__sqlite_finish(s, st, src, "reading the invitations due");
}

/* In sqlite_invitation_report.c. */
es_err es__sqlite_invite_refresh(es_store_t *s, int64_t window, size_t *changed);
es_err es__sqlite_invite_report(es_store_t *s, const char *scope_json, int64_t since, int64_t until,
                                void (*cb)(const es_invite_report_row *, void *), void *ud);
es_err es__sqlite_invite_candidates(es_store_t *s, int64_t since, int min_recommend,
                                    double min_compound, size_t max,
                                    void (*cb)(const es__invite_candidate *, void *), void *ud);
es_err es__sqlite_invite_shared(es_store_t *s, int64_t id, const char *scope_json,
                                const char *handle, int64_t followers, int64_t now, int *found);
es_err es__sqlite_invite_adv_report(es_store_t *s, const char *scope_json, int64_t since,
                                    int64_t until, es_advocacy_report *out);

/* See invitation_int.h. */
const struct es__invite_ops es__sqlite_invite_ops = {
    .recent = sq_recent,
    .insert = sq_insert,
    .lookup = sq_lookup,
    .mark = sq_mark,
    .claim = sq_claim,
    .done = sq_done,
    .next_due = sq_next_due,
    .refresh = es__sqlite_invite_refresh,
    .report = es__sqlite_invite_report,
    .candidates = es__sqlite_invite_candidates,
    .shared = es__sqlite_invite_shared,
    .adv_report = es__sqlite_invite_adv_report,
};
