/*
 * sqlite_score.c - the SQLite backend of the store's scores part
 * (score_int.h) and schema step 18: score_days, the sums of the numeric
 * survey answers per location, survey, question and UTC day, kept by
 * triggers on survey_answers so that whoever writes answers (a response
 * added at once, an SMS conversation answering one question at a time, an
 * import) keeps it right without knowing of it. Scores over a million
 * responses then read a few rows per location-day (docs/performance.md).
 * Reached through es__sqlite_score_ops (sqlite.c) from scores.c.
 *
 * A response is not moved to another location, survey or day once stored
 * (nothing in earshot does); deleting one deletes its answers first (a
 * trigger), so the sums lose them.
 */
#include <stdio.h>

#include "store/score_int.h"
#include "store/sqlite_int.h"

/* The top and bottom flags of answer value v to a question of kind q.kind
 * (scores.h, es_score_sums). */
/* clang-format off */
#define HI(v) "(CASE q.kind WHEN 'scale5' THEN " v " >= 4 WHEN 'scale10' THEN " v " >= 9" \
              " ELSE " v " = 1 END)"
#define LO(v) "(CASE q.kind WHEN 'scale5' THEN " v " <= 2 WHEN 'scale10' THEN " v " <= 6" \
              " ELSE " v " = 0 END)"

/* Adds answer row (prefix NEW or OLD) with sign 1 or -1 into score_days. */
#define ADD(row, sign)                                                                      \
    "INSERT INTO score_days(location_id, survey_id, position, day, n, total, sumsq, hi, lo)" \
    " SELECT r.location_id, r.survey_id, " row ".position, r.started / 86400, " sign ","    \
    " " sign " * " row ".value, " sign " * " row ".value * " row ".value,"                  \
    " " sign " * " HI(row ".value") ", " sign " * " LO(row ".value")                        \
    " FROM survey_responses r JOIN survey_questions q"                                      \
    " ON q.survey_id = r.survey_id AND q.position = " row ".position"                       \
    " WHERE r.id = " row ".response_id AND " row ".value IS NOT NULL AND q.kind <> 'text'" \
    " ON CONFLICT (location_id, survey_id, position, day) DO UPDATE SET"                    \
    " n = n + excluded.n, total = total + excluded.total, sumsq = sumsq + excluded.sumsq,"  \
    " hi = hi + excluded.hi, lo = lo + excluded.lo;"

/* Step 18 (issue 4). The table starts with the sums of the answers stored
 * before it. */
const char es__sqlite_step_scores[] =
    "CREATE TABLE score_days ("
    " location_id INTEGER NOT NULL,"
    " survey_id INTEGER NOT NULL,"
    " position INTEGER NOT NULL,"
    " day INTEGER NOT NULL,"
    " n INTEGER NOT NULL,"
    " total INTEGER NOT NULL,"
    " sumsq INTEGER NOT NULL,"
    " hi INTEGER NOT NULL,"
    " lo INTEGER NOT NULL,"
    " PRIMARY KEY (location_id, survey_id, position, day)) WITHOUT ROWID;"
    "CREATE INDEX score_days_day ON score_days(day);"
    "INSERT INTO score_days(location_id, survey_id, position, day, n, total, sumsq, hi, lo)"
    " SELECT r.location_id, r.survey_id, a.position, r.started / 86400, count(*), sum(a.value),"
    " sum(a.value * a.value), sum(" HI("a.value") "), sum(" LO("a.value") ")"
    " FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id"
    " JOIN survey_questions q ON q.survey_id = r.survey_id AND q.position = a.position"
    " WHERE a.value IS NOT NULL AND q.kind <> 'text'"
    " GROUP BY r.location_id, r.survey_id, a.position, r.started / 86400;"
    "CREATE TRIGGER score_answer_add AFTER INSERT ON survey_answers"
    " WHEN NEW.value IS NOT NULL BEGIN " ADD("NEW", "1") " END;"
    "CREATE TRIGGER score_answer_del AFTER DELETE ON survey_answers"
    " WHEN OLD.value IS NOT NULL BEGIN " ADD("OLD", "-1") " END;"
    "CREATE TRIGGER score_answer_upd AFTER UPDATE OF value ON survey_answers BEGIN "
    ADD("OLD", "-1") " " ADD("NEW", "1") " END;"
    "CREATE TRIGGER score_response_del BEFORE DELETE ON survey_responses BEGIN"
    " DELETE FROM survey_answers WHERE response_id = OLD.id; END;";
/* clang-format on */

/* The SQL of a bucket's first day for each period (scores.h). */
static const char *const bucket_sql[] = {
    "0",
    "day - ((day + 3) % 7)",
    "CAST(strftime('%s', day * 86400, 'unixepoch', 'start of month') AS INTEGER) / 86400",
};

/* Fills a row from the current result of st and hands it to cb. */
static void take_row(sqlite3_stmt *st, void (*cb)(const es_scores_row *r, void *ud), void *ud)
{
    es_scores_row r = {0};
    r.location_id = sqlite3_column_int64(st, 0);
    r.loc_key = (const char *)sqlite3_column_text(st, 1);
    r.code = (const char *)sqlite3_column_text(st, 2);
    r.name = (const char *)sqlite3_column_text(st, 3);
    r.bucket = sqlite3_column_int64(st, 4);
    if (es_question_role_parse((const char *)sqlite3_column_text(st, 5), &r.role) ||
        es_question_kind_parse((const char *)sqlite3_column_text(st, 7), &r.kind))
        return; /* the table's CHECKs admit only names these know */
    r.key = (const char *)sqlite3_column_text(st, 6);
    r.label = (const char *)sqlite3_column_text(st, 8);
    r.sums.n = sqlite3_column_int64(st, 9);
    r.sums.sum = sqlite3_column_double(st, 10);
    r.sums.sumsq = sqlite3_column_double(st, 11);
    r.sums.hi = sqlite3_column_int64(st, 12);
    r.sums.lo = sqlite3_column_int64(st, 13);
    if (r.sums.n > 0)
        cb(&r, ud);
}

static es_err sq_read(es_store_t *s, int64_t since_day, int64_t until_day, int period,
                      int64_t location_id, void (*cb)(const es_scores_row *r, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    char sql[1400];
    snprintf(sql, sizeof sql,
             "SELECT a.location_id, l.key, l.code, l.name, a.b, q.role, q.key, q.kind, q.label,"
             " a.n, a.s, a.ss, a.hi, a.lo FROM (SELECT location_id, survey_id, position,"
             " %s AS b, sum(n) AS n, sum(total) AS s, sum(sumsq) AS ss, sum(hi) AS hi,"
             " sum(lo) AS lo FROM score_days WHERE day >= ?1 AND (?2 = 0 OR day < ?2)"
             " AND (?3 = 0 OR location_id = ?3) GROUP BY location_id, survey_id, position%s) a"
             " JOIN survey_questions q ON q.survey_id = a.survey_id AND q.position = a.position"
             " JOIN locations l ON l.id = a.location_id ORDER BY l.key, a.b",
             bucket_sql[period], period ? ", b" : "");
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, since_day);
        sqlite3_bind_int64(st, 2, until_day);
        sqlite3_bind_int64(st, 3, location_id);
        while ((src = sqlite3_step(st)) == SQLITE_ROW)
            take_row(st, cb, ud);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "reading scores");
}

static es_err sq_location(es_store_t *s, int64_t id, void (*cb)(const es_location *l, void *ud),
                          void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db,
                                 "SELECT id, key, code, name, region, tz, review_url, disabled,"
                                 " created FROM locations WHERE id = ?1",
                                 -1, &st, NULL);
    int found = 0;
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            es_location l = {sqlite3_column_int64(st, 0),
                             (const char *)sqlite3_column_text(st, 1),
                             (const char *)sqlite3_column_text(st, 2),
                             (const char *)sqlite3_column_text(st, 3),
                             (const char *)sqlite3_column_text(st, 4),
                             (const char *)sqlite3_column_text(st, 5),
                             (const char *)sqlite3_column_text(st, 6),
                             sqlite3_column_int(st, 7),
                             sqlite3_column_int64(st, 8)};
            cb(&l, ud);
            found = 1;
            src = SQLITE_DONE;
        }
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "reading a location");
    return found ? ES_OK : es__store_fail(s, ES_ENOTFOUND, "no location %lld", (long long)id);
}

/* See score_int.h. */
const struct es__score_ops es__sqlite_score_ops = {
    .read = sq_read,
    .location = sq_location,
};
