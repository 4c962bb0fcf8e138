/*
 * sqlite_plan_rows.c - the reading side of the store's "plans" part
 * (plan_int.h): survey responses with their numeric answers for key-driver
 * analysis, mentions with their topics and sentiment for the social
 * analysis, and a location's scores over a span for plans' before and
 * after. Reached through es__sqlite_plan_ops (sqlite_plan.c). Read-only;
 * every statement is parameterised.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/plan_int.h"
#include "store/sqlite_int.h"

/* The id of survey_id, or of the default survey when it is 0, into *out. */
static es_err survey_of(es_store_t *s, sqlite3 *db, int64_t survey_id, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db,
                                 "SELECT id FROM surveys WHERE (?1 > 0 AND id = ?1)"
                                 " OR (?1 = 0 AND is_default = 1)",
                                 -1, &st, NULL);
    *out = 0;
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, survey_id);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            src = SQLITE_DONE;
        }
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, db, src, "finding a survey");
    if (!*out && survey_id)
        return es__store_fail(s, ES_ENOTFOUND, "no survey %lld", (long long)survey_id);
    if (!*out)
        return es__store_fail(s, ES_ENOTFOUND, "no default survey");
    return ES_OK;
}

/* Responses with their location, one row per numeric answer (or one row
 * with a NULL position when there is none), in response order. */
static const char rows_sql[] =
    "SELECT r.id, r.location_id, l.key, l.code, l.name, l.region, r.started,"
    " r.overall, r.recommend, a.position, a.value"
    " FROM survey_responses r JOIN locations l ON l.id = r.location_id"
    " LEFT JOIN survey_answers a ON a.response_id = r.id AND a.value IS NOT NULL"
    " WHERE r.survey_id = ?1 AND substr(l.key, 1, length(?2)) = ?2"
    " ORDER BY r.id, a.position";

/* Copies column col's text into dst (size bytes). */
static const char *take(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const char *v = (const char *)sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", v ? v : "");
    return dst;
}

/* A response being gathered, with copies of its strings (a column's text
 * lives only until the next step). */
typedef struct row_buf {
    es_drivers_row r;
    char key[ES_LOCATION_KEY_MAX + 1], code[ES_LOCATION_CODE_MAX + 1];
    char name[ES_LOCATION_NAME_MAX + 1], region[ES_LOCATION_KEY_MAX + 1];
} row_buf;

/* Starts b on the response of the current row of st. */
static void row_start(row_buf *b, sqlite3_stmt *st)
{
    memset(&b->r, 0, sizeof b->r);
    b->r.response_id = sqlite3_column_int64(st, 0);
    b->r.location_id = sqlite3_column_int64(st, 1);
    b->r.location_key = take(b->key, sizeof b->key, st, 2);
    b->r.location_code = take(b->code, sizeof b->code, st, 3);
    b->r.location_name = take(b->name, sizeof b->name, st, 4);
    b->r.region = take(b->region, sizeof b->region, st, 5);
    b->r.started = sqlite3_column_int64(st, 6);
    b->r.overall = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 7);
    b->r.recommend = sqlite3_column_type(st, 8) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 8);
}

/* See plan_int.h. */
es_err es__sqlite_plan_rows(es_store_t *s, int64_t survey_id, const char *region,
                            int (*cb)(const es_drivers_row *r, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    int64_t sid = 0;
    es_err rc = survey_of(s, q->db, survey_id, &sid);
    if (rc)
        return rc;
    row_buf *b = malloc(sizeof *b);
    if (!b)
        return es__store_fail(s, ES_ENOMEM, "reading responses: out of memory");
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db, rows_sql, -1, &st, NULL), open = 0, stop = 0;
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, sid);
        sqlite3_bind_text(st, 2, region ? region : "", -1, SQLITE_STATIC);
        while (!stop && (src = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t rid = sqlite3_column_int64(st, 0);
            if (open && rid != b->r.response_id)
                stop = cb(&b->r, ud);
            if (stop)
                break;
            if (!open || rid != b->r.response_id)
                row_start(b, st);
            open = 1;
            int pos = sqlite3_column_int(st, 9);
            if (sqlite3_column_type(st, 9) != SQLITE_NULL && pos >= 1 &&
                pos <= ES_SURVEY_MAX_QUESTIONS) {
                b->r.has[pos] = 1;
                b->r.value[pos] = sqlite3_column_int(st, 10);
            }
        }
        if (src == SQLITE_DONE && open && !stop)
            cb(&b->r, ud);
        if (stop)
            src = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    free(b);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "reading responses");
}

/* Mentions of a brand (or of each of ours) that have a compound score and
 * are not duplicates, with their department and the rules that fired. */
static const char topics_sql[] = "SELECT m.id, b.name, m.compound, m.department, m.rules"
                                 " FROM mentions m JOIN mention_brands mb ON mb.mention_id = m.id"
                                 " JOIN brands b ON b.id = mb.brand_id"
                                 " WHERE m.compound IS NOT NULL AND m.duplicate_of IS NULL"
                                 " AND ((?1 IS NULL AND b.ours = 1) OR b.name = ?1 COLLATE NOCASE)"
                                 " ORDER BY b.name COLLATE NOCASE, m.id";

/* Writes a mention's topics into buf: "department:NAME" when it has one,
 * then each "topic:NAME" item of its rules, separated by ';'. */
static void topics_of(char *buf, size_t size, const char *department, const char *rules)
{
    size_t o = 0;
    buf[0] = '\0';
    if (department && *department)
        o = (size_t)snprintf(buf, size, "department:%s", department);
    for (const char *p = rules; p && *p && o < size;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 6 && strncmp(p, "topic:", 6) == 0)
            o += (size_t)snprintf(buf + o, size - o, "%s%.*s", o ? ";" : "", (int)len, p);
        p = end ? end + 1 : p + len;
    }
}

/* See plan_int.h. */
es_err es__sqlite_plan_topic_rows(es_store_t *s, const char *brand,
                                  int (*cb)(const es_topic_row *r, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    char topics[1024];
    int src = sqlite3_prepare_v2(q->db, topics_sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        es__sqlite_bind_str(st, 1, brand);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            topics_of(topics, sizeof topics, (const char *)sqlite3_column_text(st, 3),
                      (const char *)sqlite3_column_text(st, 4));
            es_topic_row r = {.mention_id = sqlite3_column_int64(st, 0),
                              .brand = (const char *)sqlite3_column_text(st, 1),
                              .compound = sqlite3_column_double(st, 2),
                              .topics = topics};
            if (cb(&r, ud)) {
                src = SQLITE_DONE;
                break;
            }
        }
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "reading mentions' topics");
}

/* A location's driver mean and CSAT over the responses started in
 * [since, until); 0 leaves a bound open. */
static const char scores_sql[] =
    "SELECT avg(a.value), count(a.value),"
    " 100.0 * sum(r.overall >= 4) / count(r.overall), count(r.overall)"
    " FROM survey_responses r LEFT JOIN survey_answers a"
    "  ON a.response_id = r.id AND a.position = ?3 AND a.value IS NOT NULL"
    " WHERE r.location_id = ?1 AND r.survey_id = ?2"
    " AND (?4 = 0 OR r.started >= ?4) AND (?5 = 0 OR r.started < ?5)";

/* See plan_int.h. */
es_err es__sqlite_plan_scores(es_store_t *s, int64_t location_id, int64_t survey_id, int position,
                              int64_t since, int64_t until, es_plan_scores *out)
{
    es__sqlite *q = s->impl;
    int64_t sid = 0;
    es_err rc = survey_of(s, q->db, survey_id, &sid);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db, scores_sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, location_id);
        sqlite3_bind_int64(st, 2, sid);
        sqlite3_bind_int(st, 3, position);
        sqlite3_bind_int64(st, 4, since);
        sqlite3_bind_int64(st, 5, until);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            out->n_mean = sqlite3_column_int64(st, 1);
            out->mean = out->n_mean ? sqlite3_column_double(st, 0) : NAN;
            out->n_csat = sqlite3_column_int64(st, 3);
            out->csat = out->n_csat ? sqlite3_column_double(st, 2) : NAN;
            src = SQLITE_DONE;
        }
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK
                              : es__sqlite_fail(s, q->db, src, "reading a location's scores");
}
