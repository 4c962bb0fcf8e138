/*
 * sqlite_survey_flow.c - the SQLite backend of the store's survey-flow part
 * (survey_flow_int.h) and schema step 17: SMS survey sessions, the replies
 * given per MessageSid, answers added one at a time, the hot claim, the
 * case link, the recovery outcome and the follow-up. The reading of
 * responses is in sqlite_survey_read.c. Reached through
 * es__sqlite_survey_flow_ops (sqlite.c) from survey_flows.c, which has
 * checked the arguments.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_alert_int.h"
#include "store/sqlite_int.h"
#include "store/survey_flow_int.h"
#include "store/survey_int.h"

/* Step 17 (issue 4, the survey flow). One open session per phone; a
 * message's reply is kept per MessageSid so that a re-delivery gets it
 * again. hot_at is set once, by the first caller that claims the alert. */
const char es__sqlite_step_sms[] =
    "CREATE TABLE survey_sms_sessions ("
    " phone TEXT PRIMARY KEY,"
    " response_id INTEGER NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL,"
    " retries INTEGER NOT NULL DEFAULT 0,"
    " started INTEGER NOT NULL,"
    " touched INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE survey_sms_messages ("
    " sid TEXT PRIMARY KEY,"
    " phone TEXT,"
    " reply TEXT NOT NULL,"
    " at INTEGER NOT NULL) WITHOUT ROWID;"
    "ALTER TABLE survey_responses ADD COLUMN hot_at INTEGER;"
    "ALTER TABLE survey_responses ADD COLUMN recovery TEXT"
    " CHECK (recovery IN ('recovered','not_recovered','no_contact'));"
    "ALTER TABLE survey_responses ADD COLUMN recovery_note TEXT;"
    "ALTER TABLE survey_responses ADD COLUMN recovery_at INTEGER;"
    "ALTER TABLE survey_responses ADD COLUMN followup_at INTEGER;"
    "CREATE INDEX survey_responses_hot ON survey_responses(hot_at) WHERE hot_at IS NOT NULL;";

/* Prepares sql on the handle's database. */
static es_err prep(es_store_t *s, const char *sql, sqlite3_stmt **st, const char *what)
{
    es__sqlite *q = s->impl;
    int src = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
    return src == SQLITE_OK ? ES_OK : es__sqlite_fail(s, q->db, src, what);
}

/* Steps st to its end and finalises it. */
static es_err run(es_store_t *s, sqlite3_stmt *st, const char *what)
{
    es__sqlite *q = s->impl;
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, what);
}

/* ---- sessions ------------------------------------------------------------------ */

static es_err sq_session_get(es_store_t *s, const char *phone,
                             void (*cb)(const es_sms_session *ss, void *ud), void *ud, int *found)
{
    sqlite3_stmt *st = NULL;
    es_err rc = prep(s,
                     "SELECT x.phone, x.response_id, r.survey_id, r.location_id, x.position,"
                     " x.retries, x.started, x.touched FROM survey_sms_sessions x"
                     " JOIN survey_responses r ON r.id = x.response_id WHERE x.phone = ?1",
                     &st, "reading an SMS session");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, phone, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    *found = src == SQLITE_ROW;
    if (src == SQLITE_ROW) {
        es_sms_session ss = {
            .phone = (const char *)sqlite3_column_text(st, 0),
            .response_id = sqlite3_column_int64(st, 1),
            .survey_id = sqlite3_column_int64(st, 2),
            .location_id = sqlite3_column_int64(st, 3),
            .position = sqlite3_column_int(st, 4),
            .retries = sqlite3_column_int(st, 5),
            .started = sqlite3_column_int64(st, 6),
            .touched = sqlite3_column_int64(st, 7),
        };
        if (cb)
            cb(&ss, ud);
        src = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    es__sqlite *q = s->impl;
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "reading an SMS session");
}

static es_err sq_session_put(es_store_t *s, const es_sms_session *ss)
{
    sqlite3_stmt *st = NULL;
    es_err rc = prep(s,
                     "INSERT INTO survey_sms_sessions(phone, response_id, position, retries,"
                     " started, touched) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (phone)"
                     " DO UPDATE SET response_id = excluded.response_id,"
                     " position = excluded.position, retries = excluded.retries,"
                     " started = excluded.started, touched = excluded.touched",
                     &st, "keeping an SMS session");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, ss->phone, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ss->response_id);
    sqlite3_bind_int(st, 3, ss->position);
    sqlite3_bind_int(st, 4, ss->retries);
    sqlite3_bind_int64(st, 5, ss->started);
    sqlite3_bind_int64(st, 6, ss->touched);
    return run(s, st, "keeping an SMS session");
}

static es_err sq_session_end(es_store_t *s, const char *phone)
{
    sqlite3_stmt *st = NULL;
    es_err rc =
        prep(s, "DELETE FROM survey_sms_sessions WHERE phone = ?1", &st, "ending an SMS session");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, phone, -1, SQLITE_STATIC);
    return run(s, st, "ending an SMS session");
}

/* ---- messages -------------------------------------------------------------------- */

static es_err sq_message_get(es_store_t *s, const char *sid, char *reply, size_t size, int *found)
{
    sqlite3_stmt *st = NULL;
    es_err rc = prep(s, "SELECT reply FROM survey_sms_messages WHERE sid = ?1", &st,
                     "reading an SMS reply");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    *found = src == SQLITE_ROW;
    if (src == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        snprintf(reply, size, "%s", v ? v : "");
        src = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    es__sqlite *q = s->impl;
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "reading an SMS reply");
}

static es_err sq_message_put(es_store_t *s, const char *sid, const char *phone, const char *reply,
                             int64_t now)
{
    sqlite3_stmt *st = NULL;
    es_err rc = prep(s,
                     "INSERT INTO survey_sms_messages(sid, phone, reply, at) VALUES (?1, ?2, ?3,"
                     " ?4) ON CONFLICT (sid) DO NOTHING",
                     &st, "recording an SMS reply");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    es__sqlite_bind_str(st, 2, phone);
    sqlite3_bind_text(st, 3, reply, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    return run(s, st, "recording an SMS reply");
}

/* ---- answers ----------------------------------------------------------------------- */

static es_err sq_answer(es_store_t *s, int64_t id, const es_survey_answer *a, int64_t completed)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = prep(s,
                     "INSERT INTO survey_answers(response_id, position, value, text)"
                     " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (response_id, position) DO UPDATE"
                     " SET value = excluded.value, text = excluded.text",
                     &st, "adding an answer");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, a->position);
    if (a->has_value)
        sqlite3_bind_int(st, 3, a->value);
    else
        sqlite3_bind_null(st, 3);
    es__sqlite_bind_str(st, 4, a->text);
    if ((rc = run(s, st, "adding an answer")))
        return rc;
    if ((rc = es__sqlite_survey_refresh(s, q->db, id)))
        return rc;
    if (completed)
        rc = s->ops->survey_flow->complete(s, id, completed);
    return rc;
}

static es_err sq_complete(es_store_t *s, int64_t id, int64_t now)
{
    sqlite3_stmt *st = NULL;
    es_err rc = prep(s,
                     "UPDATE survey_responses SET completed = ?2 WHERE id = ?1 AND"
                     " completed IS NULL",
                     &st, "completing a response");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    return run(s, st, "completing a response");
}

/* ---- the hot alert and the closed loop ------------------------------------------------ */

static es_err sq_hot_claim(es_store_t *s, int64_t id, int64_t now, int *claimed)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = prep(s, "UPDATE survey_responses SET hot_at = ?2 WHERE id = ?1 AND hot_at IS NULL",
                     &st, "claiming a hot alert");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    rc = run(s, st, "claiming a hot alert");
    *claimed = rc == ES_OK && sqlite3_changes(q->db) == 1;
    return rc;
}

static es_err sq_case_set(es_store_t *s, int64_t id, int64_t case_id)
{
    sqlite3_stmt *st = NULL;
    es_err rc = prep(s, "UPDATE survey_responses SET case_id = nullif(?2, 0) WHERE id = ?1", &st,
                     "linking a response to its case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, case_id);
    return run(s, st, "linking a response to its case");
}

/* Reads one integer (0 when no row) with one text and one optional text
 * bound. */
static es_err read_id(es_store_t *s, const char *sql, int64_t id, const char *t1, const char *t2,
                      int64_t *out, const char *what)
{
    sqlite3_stmt *st = NULL;
    es_err rc = prep(s, sql, &st, what);
    if (rc)
        return rc;
    if (t1) {
        sqlite3_bind_text(st, 1, t1, -1, SQLITE_STATIC);
        es__sqlite_bind_str(st, 2, t2);
    } else {
        sqlite3_bind_int64(st, 1, id);
    }
    int src = sqlite3_step(st);
    *out = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    es__sqlite *q = s->impl;
    return src == SQLITE_ROW || src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, what);
}

static es_err sq_mention_case(es_store_t *s, const char *source, const char *external_id,
                              int64_t *case_id)
{
    return read_id(s,
                   "SELECT coalesce(case_id, 0) FROM mentions WHERE source = ?1 AND"
                   " external_id = ?2 ORDER BY id LIMIT 1",
                   0, source, external_id, case_id, "finding a mention's case");
}

static es_err sq_survey_of(es_store_t *s, int64_t id, int64_t *survey_id)
{
    es_err rc = read_id(s, "SELECT survey_id FROM survey_responses WHERE id = ?1", id, NULL, NULL,
                        survey_id, "reading a response");
    if (rc == ES_OK && *survey_id == 0)
        return es__store_fail(s, ES_ENOTFOUND, "no response %lld", (long long)id);
    return rc;
}

typedef struct recovery_args {
    int64_t id, actor, now;
    const char *outcome, *note;
} recovery_args;

/* Sets the outcome and writes its audit entry (in the caller's transaction). */
static es_err do_recovery(es_store_t *s, const recovery_args *a)
{
    sqlite3_stmt *st = NULL;
    es_err rc = prep(s,
                     "UPDATE survey_responses SET recovery = ?2, recovery_note = ?3,"
                     " recovery_at = ?4 WHERE id = ?1",
                     &st, "recording a recovery");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_text(st, 2, a->outcome, -1, SQLITE_STATIC);
    es__sqlite_bind_str(st, 3, a->note);
    sqlite3_bind_int64(st, 4, a->now);
    if ((rc = run(s, st, "recording a recovery")))
        return rc;
    char object[64], detail[64];
    snprintf(object, sizeof object, "survey_response:%lld", (long long)a->id);
    snprintf(detail, sizeof detail, "{\"outcome\":\"%s\"}", a->outcome);
    es_audit_entry e = {.user_id = a->actor,
                        .action = "survey_response.recovery",
                        .object = object,
                        .detail = detail};
    return es__sqlite_audit_add(s, &e);
}

static es_err sq_recovery(es_store_t *s, int64_t id, const char *outcome, const char *note,
                          int64_t actor_user, int64_t now)
{
    es__sqlite *q = s->impl;
    recovery_args a = {id, actor_user, now, outcome, note};
    if (!sqlite3_get_autocommit(q->db))
        return do_recovery(s, &a);
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = do_recovery(s, &a);
    if (rc == ES_OK)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc)
        es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

static es_err sq_followup(es_store_t *s, int64_t id, int64_t now)
{
    sqlite3_stmt *st = NULL;
    es_err rc = prep(s, "UPDATE survey_responses SET followup_at = ?2 WHERE id = ?1", &st,
                     "recording a follow-up");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    return run(s, st, "recording a follow-up");
}

/* See survey_flow_int.h. */
const struct es__survey_flow_ops es__sqlite_survey_flow_ops = {
    .session_get = sq_session_get,
    .session_put = sq_session_put,
    .session_end = sq_session_end,
    .message_get = sq_message_get,
    .message_put = sq_message_put,
    .answer = sq_answer,
    .complete = sq_complete,
    .list = es__sqlite_survey_list,
    .hot_claim = sq_hot_claim,
    .case_set = sq_case_set,
    .mention_case = sq_mention_case,
    .recovery = sq_recovery,
    .followup = sq_followup,
    .survey_of = sq_survey_of,
    .prompt = es__sqlite_alert_prompt, /* sqlite_alert_out.c */
};
