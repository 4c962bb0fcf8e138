/*
 * sqlite_survey.c - the SQLite backend of the store's surveys part
 * (survey_int.h) and schema step 12: survey definitions, their questions,
 * responses and answers. Reached through es__sqlite_survey_ops (sqlite.c)
 * from surveys.c, which has checked the arguments.
 *
 * A response keeps a copy of its overall and recommend answers (columns
 * overall, recommend) so that scores read one row per response; whoever
 * writes answers calls es__sqlite_survey_refresh (here) or keeps the copy the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/survey_int.h"

/* Step 12 (issue 4). At most one survey is the default. A response is
 * unique on (channel, external_id) when it has an external id. */
const char es__sqlite_step12[] =
    "CREATE TABLE surveys ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " is_default INTEGER NOT NULL DEFAULT 0,"
    " hot_threshold INTEGER NOT NULL DEFAULT 2 CHECK (hot_threshold BETWEEN 1 AND 5),"
    " created INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX surveys_default ON surveys(is_default) WHERE is_default = 1;"
    "CREATE TABLE survey_questions ("
    " survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 10),"
    " key TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('scale5','scale10','yesno','text')),"
    " role TEXT NOT NULL CHECK (role IN ('overall','recommend','driver','comment')),"
    " text TEXT NOT NULL,"
    " label TEXT NOT NULL,"
    " PRIMARY KEY (survey_id, position)) WITHOUT ROWID;"
    "CREATE TABLE survey_responses ("
    " id INTEGER PRIMARY KEY,"
    " survey_id INTEGER NOT NULL REFERENCES surveys(id),"
    " location_id INTEGER NOT NULL REFERENCES locations(id),"
    " channel TEXT NOT NULL CHECK (channel IN ('sms','web','email','import')),"
    " external_id TEXT,"
    " contact TEXT,"
    " customer_id INTEGER REFERENCES customers(id),"
    " invitation_id INTEGER,"
    " started INTEGER NOT NULL,"
    " completed INTEGER,"
    " overall INTEGER,"
    " recommend INTEGER,"
    " case_id INTEGER REFERENCES cases(id));"
    "CREATE UNIQUE INDEX survey_responses_ext ON survey_responses(channel, external_id)"
    " WHERE external_id IS NOT NULL;"
    "CREATE INDEX survey_responses_location ON survey_responses(location_id, started);"
    "CREATE TABLE survey_answers ("
    " response_id INTEGER NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL,"
    " value INTEGER,"
    " text TEXT,"
    " PRIMARY KEY (response_id, position)) WITHOUT ROWID;"
    "CREATE TABLE survey_optouts ("
    " contact TEXT PRIMARY KEY COLLATE NOCASE,"
    " opted_out INTEGER NOT NULL,"
    " how TEXT,"
    " at INTEGER NOT NULL) WITHOUT ROWID;";

/* Runs fn in the caller's transaction, or in one of its own. */
static es_err in_tx(es_store_t *s, es_err (*fn)(es_store_t *, void *), void *arg)
{
    es__sqlite *q = s->impl;
    if (!sqlite3_get_autocommit(q->db))
        return fn(s, arg);
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = fn(s, arg);
    if (rc == ES_OK)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc)
        es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

typedef struct add_args {
    const es_survey *sv;
    int64_t actor;
    int64_t *id;
} add_args;

static es_err insert_questions(es_store_t *s, sqlite3 *db, int64_t sid, const es_survey *sv)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db,
                                 "INSERT INTO survey_questions(survey_id, position, key, kind,"
                                 " role, text, label) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                 -1, &st, NULL);
    for (size_t i = 0; src == SQLITE_OK && i < sv->n_questions; i++) {
        const es_survey_question *qq = &sv->q[i];
        sqlite3_bind_int64(st, 1, sid);
        sqlite3_bind_int(st, 2, qq->position);
        sqlite3_bind_text(st, 3, qq->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, es_question_kind_name(qq->kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, es_question_role_name(qq->role), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, qq->text, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, qq->label, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
        src = src == SQLITE_DONE ? sqlite3_reset(st) : src;
    }
    sqlite3_finalize(st);
    return src == SQLITE_OK ? ES_OK : es__sqlite_fail(s, db, src, "adding a survey's questions");
}

static es_err do_add(es_store_t *s, void *arg)
{
    add_args *a = arg;
    es__sqlite *q = s->impl;
    int src = SQLITE_OK;
    if (a->sv->is_default)
        src = sqlite3_exec(q->db, "UPDATE surveys SET is_default = 0 WHERE is_default = 1", NULL,
                           NULL, NULL);
    sqlite3_stmt *st = NULL;
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(q->db,
                                 "INSERT INTO surveys(name, is_default, hot_threshold, created)"
                                 " VALUES (?1, ?2, ?3, strftime('%s','now'))",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, a->sv->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, a->sv->is_default ? 1 : 0);
        sqlite3_bind_int(st, 3, a->sv->hot_threshold);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EEXIST, "adding survey '%s': the name is taken", a->sv->name);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "adding a survey");
    int64_t sid = sqlite3_last_insert_rowid(q->db);
    es_err rc = insert_questions(s, q->db, sid, a->sv);
    if (rc)
        return rc;
    if (a->id)
        *a->id = sid;
    char object[64];
    snprintf(object, sizeof object, "survey:%lld", (long long)sid);
    es_audit_entry e = {.user_id = a->actor, .action = "survey.add", .object = object};
    return es__sqlite_audit_add(s, &e);
}

static es_err sq_add(es_store_t *s, const es_survey *sv, int64_t actor_user, int64_t *id)
{
    add_args a = {sv, actor_user, id};
    return in_tx(s, do_add, &a);
}

/* A survey's strings, copied out of the rows that held them (a column's
 * text lives only until the statement steps on). */
typedef struct survey_text {
    char name[ES_SURVEY_NAME_MAX + 1];
    char key[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_KEY_MAX + 1];
    char text[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_TEXT_MAX + 1];
    char label[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_LABEL_MAX + 1];
} survey_text;

static const char *copy(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const char *v = (const char *)sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", v ? v : "");
    return dst;
}

/* Fills question i of sv from the current row of st. */
static void take_question(es_survey *sv, survey_text *tx, sqlite3_stmt *st, size_t i)
{
    es_survey_question *qq = &sv->q[i];
    qq->position = sqlite3_column_int(st, 4);
    qq->key = copy(tx->key[i], sizeof tx->key[i], st, 5);
    /* The table's CHECKs admit only names these know. */
    if (es_question_kind_parse((const char *)sqlite3_column_text(st, 6), &qq->kind) ||
        es_question_role_parse((const char *)sqlite3_column_text(st, 7), &qq->role))
        qq->kind = ES_Q_TEXT, qq->role = ES_QR_COMMENT;
    qq->text = copy(tx->text[i], sizeof tx->text[i], st, 8);
    qq->label = copy(tx->label[i], sizeof tx->label[i], st, 9);
}

static es_err sq_get(es_store_t *s, int64_t id, void (*cb)(const es_survey *sv, void *ud),
                     void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db,
                                 "SELECT s.id, s.name, s.is_default, s.hot_threshold, q.position,"
                                 " q.key, q.kind, q.role, q.text, q.label FROM surveys s"
                                 " JOIN survey_questions q ON q.survey_id = s.id"
                                 " WHERE (?1 > 0 AND s.id = ?1) OR (?1 = 0 AND s.is_default = 1)"
                                 " ORDER BY q.position",
                                 -1, &st, NULL);
    es_survey sv = {0};
    survey_text *tx = malloc(sizeof *tx);
    if (!tx) {
        sqlite3_finalize(st);
        return es__store_fail(s, ES_ENOMEM, "reading a survey: out of memory");
    }
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        while ((src = sqlite3_step(st)) == SQLITE_ROW && sv.n_questions < ES_SURVEY_MAX_QUESTIONS) {
            if (sv.n_questions == 0) {
                sv.id = sqlite3_column_int64(st, 0);
                sv.name = copy(tx->name, sizeof tx->name, st, 1);
                sv.is_default = sqlite3_column_int(st, 2);
                sv.hot_threshold = sqlite3_column_int(st, 3);
            }
            take_question(&sv, tx, st, sv.n_questions++);
        }
    }
    sqlite3_finalize(st);
    if (src == SQLITE_DONE && sv.n_questions > 0)
        cb(&sv, ud);
    free(tx);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "reading a survey");
    if (sv.n_questions == 0 && id)
        return es__store_fail(s, ES_ENOTFOUND, "no survey %lld", (long long)id);
    if (sv.n_questions == 0)
        return es__store_fail(s, ES_ENOTFOUND, "no default survey (add one with `earshot survey`)");
    return ES_OK;
}

typedef struct resp_args {
    const es_survey_response *r;
    int64_t *id;
    int *fresh;
} resp_args;

/* The response stored before under r's (channel, external_id), or 0. */
static es_err existing(es_store_t *s, sqlite3 *db, const es_survey_response *r, int64_t *out)
{
    *out = 0;
    if (!r->external_id)
        return ES_OK;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db,
                                 "SELECT id FROM survey_responses WHERE channel = ?1 AND"
                                 " external_id = ?2",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, r->channel, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r->external_id, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            src = SQLITE_DONE;
        }
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, db, src, "looking up a response");
}

static es_err insert_answers(es_store_t *s, sqlite3 *db, int64_t rid, const es_survey_response *r)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db,
                                 "INSERT INTO survey_answers(response_id, position, value, text)"
                                 " VALUES (?1, ?2, ?3, ?4)",
                                 -1, &st, NULL);
    for (size_t i = 0; src == SQLITE_OK && i < r->n_answers; i++) {
        const es_survey_answer *a = &r->answers[i];
        sqlite3_bind_int64(st, 1, rid);
        sqlite3_bind_int(st, 2, a->position);
        if (a->has_value)
            sqlite3_bind_int(st, 3, a->value);
        else
            sqlite3_bind_null(st, 3);
        es__sqlite_bind_str(st, 4, a->text);
        src = sqlite3_step(st);
        src = src == SQLITE_DONE ? sqlite3_reset(st) : src;
    }
    sqlite3_finalize(st);
    return src == SQLITE_OK ? ES_OK : es__sqlite_fail(s, db, src, "adding a response's answers");
}

/* See survey_int.h. */
es_err es__sqlite_survey_refresh(es_store_t *s, sqlite3 *db, int64_t rid)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(
        db,
        "UPDATE survey_responses SET"
        " overall = (SELECT a.value FROM survey_answers a JOIN survey_questions q"
        "  ON q.survey_id = survey_responses.survey_id AND q.position = a.position"
        "  WHERE a.response_id = ?1 AND q.role = 'overall'),"
        " recommend = (SELECT a.value FROM survey_answers a JOIN survey_questions q"
        "  ON q.survey_id = survey_responses.survey_id AND q.position = a.position"
        "  WHERE a.response_id = ?1 AND q.role = 'recommend')"
        " WHERE id = ?1",
        -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, rid);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, db, src, "scoring a response");
}

static es_err do_response_add(es_store_t *s, void *arg)
{
    resp_args *a = arg;
    const es_survey_response *r = a->r;
    es__sqlite *q = s->impl;
    int64_t rid = 0;
    es_err rc = existing(s, q->db, r, &rid);
    if (rc || rid) {
        if (a->id)
            *a->id = rid;
        if (a->fresh)
            *a->fresh = 0;
        return rc;
    }
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db,
                                 "INSERT INTO survey_responses(survey_id, location_id, channel,"
                                 " external_id, contact, customer_id, invitation_id, started,"
                                 " completed) VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, 0),"
                                 " nullif(?7, 0), ?8, nullif(?9, 0))",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, r->survey_id);
        sqlite3_bind_int64(st, 2, r->location_id);
        sqlite3_bind_text(st, 3, r->channel, -1, SQLITE_STATIC);
        es__sqlite_bind_str(st, 4, r->external_id);
        es__sqlite_bind_str(st, 5, r->contact);
        sqlite3_bind_int64(st, 6, r->customer_id);
        sqlite3_bind_int64(st, 7, r->invitation_id);
        sqlite3_bind_int64(st, 8, r->started);
        sqlite3_bind_int64(st, 9, r->completed);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EINVAL, "adding a response: no such survey or location");
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "adding a response");
    rid = sqlite3_last_insert_rowid(q->db);
    rc = insert_answers(s, q->db, rid, r);
    if (rc == ES_OK)
        rc = es__sqlite_survey_refresh(s, q->db, rid);
    if (rc == ES_OK && a->id)
        *a->id = rid;
    if (rc == ES_OK && a->fresh)
        *a->fresh = 1;
    return rc;
}

static es_err sq_response_add(es_store_t *s, const es_survey_response *r, int64_t *id, int *fresh)
{
    resp_args a = {r, id, fresh};
    return in_tx(s, do_response_add, &a);
}

static es_err sq_optout_set(es_store_t *s, const char *contact, int out, const char *how,
                            int64_t now)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db,
                                 "INSERT INTO survey_optouts(contact, opted_out, how, at)"
                                 " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (contact) DO UPDATE SET"
                                 " opted_out = excluded.opted_out, how = excluded.how,"
                                 " at = excluded.at",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, contact, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, out);
        es__sqlite_bind_str(st, 3, how);
        sqlite3_bind_int64(st, 4, now);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "changing an opt-out");
}

static es_err sq_optout_get(es_store_t *s, const char *contact, int *out)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    *out = 0;
    int src = sqlite3_prepare_v2(q->db, "SELECT opted_out FROM survey_optouts WHERE contact = ?1",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, contact, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            *out = sqlite3_column_int(st, 0);
            src = SQLITE_DONE;
        }
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "reading an opt-out");
}

/* See survey_int.h. */
const struct es__survey_ops es__sqlite_survey_ops = {
    .add = sq_add,
    .get = sq_get,
    .list = es__sqlite_survey_list_defs, /* sqlite_survey_read.c */
    .response_add = sq_response_add,
    .optout_set = sq_optout_set,
    .optout_get = sq_optout_get,
};
