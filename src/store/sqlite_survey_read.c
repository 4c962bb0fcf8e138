/*
 * sqlite_survey_read.c - the reading of survey responses for the API and
 * the hot alert (survey_flow_int.h): one statement over responses, their
 * location and survey, filtered by location, time, hot and the caller's
 * scope (the same SQL test as the inbox's, sqlite_case_int.h), then each
 * response's answers with their questions' labels. Also the list of survey
 * definitions (es_survey_list, the "list" op of survey_int.h).
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_case_int.h"
#include "store/sqlite_int.h"
#include "store/survey_flow_int.h"
#include "store/survey_int.h"

#define LIST_DEFAULT 50
#define LIST_MAX 500

/* Reads the answers of response id into a (at most ES_SURVEY_MAX_QUESTIONS)
 * with their texts and labels copied into txt / lab. */
typedef struct answers_buf {
    es_survey_answer a[ES_SURVEY_MAX_QUESTIONS];
    const char *labels[ES_SURVEY_MAX_QUESTIONS];
    char text[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_ANSWER_MAX + 1];
    char label[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_LABEL_MAX + 1];
    size_t n;
} answers_buf;

static es_err read_answers(es_store_t *s, sqlite3_stmt *st, int64_t id, answers_buf *ab)
{
    es__sqlite *q = s->impl;
    int src;
    ab->n = 0;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    while ((src = sqlite3_step(st)) == SQLITE_ROW && ab->n < ES_SURVEY_MAX_QUESTIONS) {
        size_t i = ab->n++;
        ab->a[i].position = sqlite3_column_int(st, 0);
        ab->a[i].has_value = sqlite3_column_type(st, 1) != SQLITE_NULL;
        ab->a[i].value = sqlite3_column_int(st, 1);
        const char *t = (const char *)sqlite3_column_text(st, 2);
        ab->a[i].text =
            t ? (snprintf(ab->text[i], sizeof ab->text[i], "%s", t), ab->text[i]) : NULL;
        const char *l = (const char *)sqlite3_column_text(st, 3);
        snprintf(ab->label[i], sizeof ab->label[i], "%s", l ? l : "");
        ab->labels[i] = ab->label[i];
    }
    if (src == SQLITE_ROW)
        src = SQLITE_DONE;
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "reading answers");
}

/* Fills r from the current row of st (the columns of the list query). */
static void take_row(sqlite3_stmt *st, es_survey_response_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->survey_id = sqlite3_column_int64(st, 1);
    r->location_id = sqlite3_column_int64(st, 2);
    r->location_key = (const char *)sqlite3_column_text(st, 3);
    r->location_name = (const char *)sqlite3_column_text(st, 4);
    r->location_code = (const char *)sqlite3_column_text(st, 5);
    r->channel = (const char *)sqlite3_column_text(st, 6);
    r->external_id = (const char *)sqlite3_column_text(st, 7);
    r->contact = (const char *)sqlite3_column_text(st, 8);
    r->started = sqlite3_column_int64(st, 9);
    r->completed = sqlite3_column_int64(st, 10);
    r->overall = sqlite3_column_int(st, 11);
    r->recommend = sqlite3_column_int(st, 12);
    r->hot_threshold = sqlite3_column_int(st, 13);
    r->hot_at = sqlite3_column_int64(st, 14);
    r->case_id = sqlite3_column_int64(st, 15);
    r->recovery = (const char *)sqlite3_column_text(st, 16);
    r->recovery_note = (const char *)sqlite3_column_text(st, 17);
    r->recovery_at = sqlite3_column_int64(st, 18);
    r->followup_at = sqlite3_column_int64(st, 19);
}

static const char list_sql[] =
    "SELECT r.id, r.survey_id, r.location_id, l.key, l.name, l.code, r.channel, r.external_id,"
    " r.contact, r.started, coalesce(r.completed, 0), coalesce(r.overall, -1),"
    " coalesce(r.recommend, -1), s.hot_threshold, coalesce(r.hot_at, 0),"
    " coalesce(r.case_id, 0), r.recovery, r.recovery_note, coalesce(r.recovery_at, 0),"
    " coalesce(r.followup_at, 0)"
    " FROM survey_responses r JOIN locations l ON l.id = r.location_id"
    " JOIN surveys s ON s.id = r.survey_id"
    " WHERE (?1 = 0 OR r.id = ?1) AND (?3 IS NULL OR l.key = ?3 OR l.code = ?3 COLLATE NOCASE)"
    " AND r.started >= ?4 AND (?5 = 0 OR r.hot_at IS NOT NULL) AND" ES__SQLCASE_IN_SCOPE(
        "l.key", 2) " ORDER BY r.id DESC LIMIT ?6 OFFSET ?7";

/* See survey_flow_int.h. */
es_err es__sqlite_survey_list(es_store_t *s, const es_survey_response_filter *f,
                              const es_survey_scope *scope, int64_t only_id,
                              void (*cb)(const es_survey_response_row *r, void *ud), void *ud,
                              size_t *n)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL, *ans = NULL;
    char *sb = NULL;
    es_survey_response_filter none = {0};
    answers_buf *ab = es_malloc(sizeof *ab);
    if (!ab)
        return es__store_fail(s, ES_ENOMEM, "reading responses: out of memory");
    if (!f)
        f = &none;
    *n = 0;
    int src = sqlite3_prepare_v2(q->db, list_sql, -1, &st, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(q->db,
                                 "SELECT a.position, a.value, a.text, q.label FROM survey_answers a"
                                 " JOIN survey_responses r ON r.id = a.response_id"
                                 " LEFT JOIN survey_questions q ON q.survey_id = r.survey_id"
                                 " AND q.position = a.position WHERE a.response_id = ?1"
                                 " ORDER BY a.position",
                                 -1, &ans, NULL);
    es_err rc = src == SQLITE_OK ? ES_OK : es__sqlite_fail(s, q->db, src, "reading responses");
    if (rc == ES_OK) {
        es_case_scope cs = {scope ? scope->all : 1, scope ? scope->keys : NULL,
                            scope ? scope->n : 0};
        sqlite3_bind_int64(st, 1, only_id);
        rc = es__sqlcase_bind_scope(st, 2, scope ? &cs : NULL, &sb);
        es__sqlite_bind_str(st, 3, f->location);
        sqlite3_bind_int64(st, 4, f->since);
        sqlite3_bind_int(st, 5, f->hot ? 1 : 0);
        size_t limit = f->limit ? f->limit : LIST_DEFAULT;
        sqlite3_bind_int64(st, 6, (int64_t)(limit > LIST_MAX ? LIST_MAX : limit));
        sqlite3_bind_int64(st, 7, (int64_t)f->offset);
    }
    while (rc == ES_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        es_survey_response_row r;
        take_row(st, &r);
        if ((rc = read_answers(s, ans, r.id, ab)))
            break;
        r.n_answers = ab->n;
        r.answers = ab->a;
        r.labels = ab->labels;
        (*n)++;
        if (cb)
            cb(&r, ud);
    }
    if (rc == ES_OK && src != SQLITE_DONE)
        rc = es__sqlite_fail(s, q->db, src, "reading responses");
    sqlite3_finalize(st);
    sqlite3_finalize(ans);
    es_free(sb);
    es_free(ab);
    return rc;
}

/* ---- survey definitions ------------------------------------------------------------ */

/* See survey_int.h: the ids first (one statement, finished before any get,
 * so that a callback may use the store), then each survey. */
es_err es__sqlite_survey_list_defs(es_store_t *s, void (*cb)(const es_survey *sv, void *ud),
                                   void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int64_t *ids = es_malloc(ES_SURVEY_LIST_MAX * sizeof *ids);
    size_t n = 0;
    if (!ids)
        return es__store_fail(s, ES_ENOMEM, "listing surveys: out of memory");
    int src = sqlite3_prepare_v2(q->db, "SELECT id FROM surveys ORDER BY id LIMIT ?1", -1, &st,
                                 NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int(st, 1, ES_SURVEY_LIST_MAX);
        while ((src = sqlite3_step(st)) == SQLITE_ROW && n < ES_SURVEY_LIST_MAX)
            ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    es_err rc = src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "listing surveys");
    for (size_t i = 0; rc == ES_OK && i < n; i++) {
        rc = es__sqlite_survey_ops.get(s, ids[i], cb, ud);
        if (rc == ES_ENOTFOUND) /* a survey without questions cannot be added */
            rc = ES_OK;
    }
    es_free(ids);
    return rc;
}
