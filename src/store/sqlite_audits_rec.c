/*
 * sqlite_audits_rec.c - the SQLite backend's audits themselves (the audits
 * part, audits_int.h; the schema and checklists are in sqlite_audits.c):
 * recording an audit (its answers checked against the checklist and its
 * score computed in the same transaction), listing audits within a scope a
 * page at a time, and the mean scores per location over a period and the
 * period before it.
 */
#include <stdio.h>
#include <string.h>

#include "store/audits_int.h"
#include "store/location_int.h"
#include "store/sqlite_int.h"

/* ---- recording ------------------------------------------------------------------- */

typedef struct rec {
    const es_audit *a;
    int64_t *id;
} rec;

/* Is there a location with this key? */
static es_err location_exists(es_store_t *s, const char *key)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db, "SELECT 1 FROM locations WHERE key = ?1", -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (src == SQLITE_ROW)
        return ES_OK;
    if (src == SQLITE_DONE)
        return es__store_fail(s, ES_ENOTFOUND, "adding an audit: no location has key '%s'", key);
    return es__sqlite_fail(s, q->db, src, "adding an audit");
}

/* Checks answers against items: one per item, each N/A or in range. */
static es_err answers_ok(es_store_t *s, const es_checklist_item *it, size_t n, const es_audit *a)
{
    if (a->n_answers != n)
        return es__store_fail(s, ES_EINVAL,
                              "adding an audit: the checklist has %zu items,"
                              " %zu answers were given",
                              n, a->n_answers);
    for (size_t i = 0; i < n; i++) {
        int v = a->answers[i];
        if (v == ES_AUDIT_NA || (v >= 0 && v <= it[i].max_points))
            continue;
        if (it[i].yes_no)
            return es__store_fail(s, ES_EINVAL, "adding an audit: answer %zu is yes, no or n/a",
                                  i + 1);
        return es__store_fail(s, ES_EINVAL,
                              "adding an audit: answer %zu is 0 to %d points"
                              " or n/a",
                              i + 1, it[i].max_points);
    }
    return ES_OK;
}

/* Inserts the audit row and its answers; score_ok/score as computed. */
static es_err insert(es_store_t *s, const es_audit *a, int score_ok, double score, int64_t *id)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db,
                                 "INSERT INTO audits(checklist_id, location, date, auditor,"
                                 " user_id, notes, score, created) VALUES (?1, ?2, ?3,"
                                 " nullif(?4, ''), nullif(?5, 0), nullif(?6, ''), ?7,"
                                 " strftime('%s','now'))",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, a->checklist_id);
        sqlite3_bind_text(st, 2, a->location, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, a->date - a->date % 86400);
        es__sqlite_bind_str(st, 4, a->auditor);
        sqlite3_bind_int64(st, 5, a->user_id);
        es__sqlite_bind_str(st, 6, a->notes);
        if (score_ok)
            sqlite3_bind_double(st, 7, score);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "adding an audit");
    *id = sqlite3_last_insert_rowid(q->db);
    src = sqlite3_prepare_v2(q->db,
                             "INSERT INTO audit_answers(audit_id, pos, points)"
                             " VALUES (?1, ?2, ?3)",
                             -1, &st, NULL);
    for (size_t i = 0; src == SQLITE_OK && i < a->n_answers; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        if (a->answers[i] == ES_AUDIT_NA)
            sqlite3_bind_null(st, 3);
        else
            sqlite3_bind_int(st, 3, a->answers[i]);
        src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            src = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return src == SQLITE_OK ? ES_OK : es__sqlite_fail(s, q->db, src, "adding an audit's answers");
}

static es_err do_add(es_store_t *s, void *ud)
{
    rec *r = ud;
    const es_audit *a = r->a;
    es_checklist_item *it = NULL;
    size_t n = 0;
    double score = 0;
    int64_t id = 0;
    es_err rc = es__sqlite_audit_items(s, a->checklist_id, &it, &n);
    if (!rc && n == 0)
        rc = es__store_fail(s, ES_ENOTFOUND, "adding an audit: no checklist has id %lld",
                            (long long)a->checklist_id);
    if (!rc)
        rc = location_exists(s, a->location);
    if (!rc)
        rc = answers_ok(s, it, n, a);
    if (!rc) {
        int scored = es_audit_score(it, a->answers, n, &score);
        rc = insert(s, a, scored, score, &id);
    }
    es__sqlite_audit_items_free(it, n);
    if (rc)
        return rc;
    if (r->id)
        *r->id = id;
    char object[64];
    snprintf(object, sizeof object, "audit:%lld", (long long)id);
    es_audit_entry e = {.user_id = a->user_id, .action = "audit.add", .object = object};
    return es__sqlite_audit_add(s, &e);
}

/* See audits_int.h. */
es_err es__sqlite_audit_rec_add(es_store_t *s, const es_audit *a, int64_t *id)
{
    rec r = {a, id};
    return es__sqlite_in_tx(s, do_add, &r);
}

/* ---- listing ----------------------------------------------------------------------- */

/* The WHERE clause of a filter: location, checklist, scope (from ?10 on). */
static int where(char *sql, size_t size, const es_audit_filter *f)
{
    size_t n = strlen(sql);
    snprintf(sql + n, size - n,
             " (?2 IS NULL OR location = ?2) AND (?3 = 0 OR checklist_id = ?3)"
             " AND ");
    if (f->all_locations) {
        n = strlen(sql);
        snprintf(sql + n, size - n, "1");
        return 0;
    }
    return es__sqlite_scope_sql(sql, size, "location", 10, f->n_locations);
}

static void bind_filter(sqlite3_stmt *st, const es_audit_filter *f)
{
    es__sqlite_bind_str(st, 2, f->location);
    sqlite3_bind_int64(st, 3, f->checklist_id);
    for (size_t i = 0; !f->all_locations && i < f->n_locations; i++)
        sqlite3_bind_text(st, 10 + (int)i, f->locations[i] ? f->locations[i] : "", -1,
                          SQLITE_STATIC);
}

/* Reads audit id's answers into ans (ES_CHECKLIST_MAX); *n gets how many. */
static es_err answers_read(es_store_t *s, int64_t id, int *ans, size_t *n)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    *n = 0;
    int src = sqlite3_prepare_v2(q->db,
                                 "SELECT points FROM audit_answers WHERE audit_id = ?1"
                                 " ORDER BY pos",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        while ((src = sqlite3_step(st)) == SQLITE_ROW && *n < ES_CHECKLIST_MAX)
            ans[(*n)++] =
                sqlite3_column_type(st, 0) == SQLITE_NULL ? ES_AUDIT_NA : sqlite3_column_int(st, 0);
        if (src == SQLITE_ROW)
            src = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "reading an audit");
}

/* See audits_int.h. */
es_err es__sqlite_audit_rec_list(es_store_t *s, const es_audit_filter *f,
                                 void (*cb)(const es_audit *a, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    char sql[8192] = "SELECT id, checklist_id, location, date, auditor, user_id, notes, score,"
                     " created FROM audits WHERE (?1 = 0 OR id < ?1) AND";
    if (where(sql, sizeof sql, f))
        return es__store_fail(s, ES_ELIMIT, "listing audits: too many scope entries");
    size_t used = strlen(sql);
    snprintf(sql + used, sizeof sql - used, " ORDER BY id DESC LIMIT ?4");
    sqlite3_stmt *st = NULL;
    es_err rc = ES_OK;
    int ans[ES_CHECKLIST_MAX];
    int src = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, f->before_id);
        sqlite3_bind_int64(st, 4, f->limit ? (int64_t)f->limit : -1);
        bind_filter(st, f);
        while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
            es_audit a = {.id = sqlite3_column_int64(st, 0),
                          .checklist_id = sqlite3_column_int64(st, 1),
                          .location = (const char *)sqlite3_column_text(st, 2),
                          .date = sqlite3_column_int64(st, 3),
                          .auditor = (const char *)sqlite3_column_text(st, 4),
                          .user_id = sqlite3_column_int64(st, 5),
                          .notes = (const char *)sqlite3_column_text(st, 6),
                          .has_score = sqlite3_column_type(st, 7) != SQLITE_NULL,
                          .score = sqlite3_column_double(st, 7),
                          .created = sqlite3_column_int64(st, 8),
                          .answers = ans};
            rc = answers_read(s, a.id, ans, &a.n_answers);
            if (!rc)
                cb(&a, ud);
        }
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "listing audits");
}

/* ---- scores ------------------------------------------------------------------------ */

/* See audits_int.h. ?5 since, ?6 until, ?7 the start of the period before. */
es_err es__sqlite_audit_rec_scores(es_store_t *s, const es_audit_filter *f, int64_t since,
                                   int64_t until, void (*cb)(const es_audit_scores *r, void *ud),
                                   void *ud)
{
    es__sqlite *q = s->impl;
    char sql[8192] = "SELECT location,"
                     " sum(date >= ?5), avg(CASE WHEN date >= ?5 THEN score END),"
                     " sum(date < ?5), avg(CASE WHEN date < ?5 THEN score END)"
                     " FROM audits WHERE score IS NOT NULL AND date >= ?7 AND date < ?6 AND";
    if (where(sql, sizeof sql, f))
        return es__store_fail(s, ES_ELIMIT, "audit scores: too many scope entries");
    size_t used = strlen(sql);
    snprintf(sql + used, sizeof sql - used, " GROUP BY location ORDER BY location");
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 5, since);
        sqlite3_bind_int64(st, 6, until);
        sqlite3_bind_int64(st, 7, since - (until - since));
        bind_filter(st, f);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            es_audit_scores r = {.location = (const char *)sqlite3_column_text(st, 0),
                                 .n = (size_t)sqlite3_column_int64(st, 1),
                                 .mean = sqlite3_column_double(st, 2),
                                 .prev_n = (size_t)sqlite3_column_int64(st, 3),
                                 .prev_mean = sqlite3_column_double(st, 4)};
            if (r.n && r.prev_n)
                r.change = r.mean - r.prev_mean;
            cb(&r, ud);
        }
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "audit scores");
}
