/*
 * sqlite_catalog.c - the SQLite backend's brands, listening queries, daily
 * stats and recent fingerprints: the small reads and writes around the
 * mentions themselves. Reached through the backend's operation table
 * (sqlite.c), which es_store_brand_add, es_store_stats ... dispatch to; the
 * statements are the cached ones of sqlite.c.
 */
#include <time.h>

#include "store/sla_int.h"
#include "store/sqlite_int.h"

/* ------------------------------------------------------------------------ */
/* Brands and queries                                                        */

/* Adds a brand; ES_EEXIST when the name (in any case) is taken. */
es_err es__sqlite_brand_add(es_store_t *s, const char *name, int ours, uint32_t *id)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_stmt(s, Q_BRAND_ADD, &st);
    if (rc)
        return rc;
    es__sqlite_bind_str(st, 1, name);
    sqlite3_bind_int(st, 2, ours);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EEXIST,
                              "adding brand '%.200s': a brand of that name "
                              "exists already",
                              name);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "adding a brand");
    if (id)
        *id = (uint32_t)sqlite3_last_insert_rowid(q->db);
    return ES_OK;
}

/* Calls cb for each brand by name; strings live during the call. */
es_err es__sqlite_brand_list(es_store_t *s, void (*cb)(const es_brand *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_stmt(s, Q_BRAND_LIST, &st);
    if (rc)
        return rc;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_brand b = {(uint32_t)sqlite3_column_int64(st, 0),
                      (const char *)sqlite3_column_text(st, 1), sqlite3_column_int(st, 2)};
        cb(&b, ud);
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "listing brands");
    return ES_OK;
}

/* The id of the brand of that name (any case); ES_ENOTFOUND. */
es_err es__sqlite_brand_find(es_store_t *s, const char *name, uint32_t *id)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_stmt(s, Q_BRAND_FIND, &st);
    if (rc)
        return rc;
    es__sqlite_bind_str(st, 1, name);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *id = (uint32_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (src == SQLITE_DONE)
        return es__store_fail(s, ES_ENOTFOUND, "no brand named '%.200s'", name);
    if (src != SQLITE_ROW)
        return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "finding a brand");
    return ES_OK;
}

/* Adds a listening query; ES_ENOTFOUND when the brand does not exist
 * (the foreign key refuses it). */
es_err es__sqlite_query_add(es_store_t *s, uint32_t brand_id, const char *name, const char *text,
                            uint32_t *id)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_stmt(s, Q_QUERY_ADD, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, brand_id);
    es__sqlite_bind_str(st, 2, name);
    es__sqlite_bind_str(st, 3, text);
    sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_ENOTFOUND, "adding a query: no brand with id %u", brand_id);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "adding a query");
    if (id)
        *id = (uint32_t)sqlite3_last_insert_rowid(q->db);
    return ES_OK;
}

/* Calls cb for each query in the order they were added. */
es_err es__sqlite_query_list(es_store_t *s, void (*cb)(const es_query_row *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_stmt(s, Q_QUERY_LIST, &st);
    if (rc)
        return rc;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_query_row r = {
            (uint32_t)sqlite3_column_int64(st, 0), (uint32_t)sqlite3_column_int64(st, 1),
            (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
            (const char *)sqlite3_column_text(st, 4)};
        cb(&r, ud);
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "listing queries");
    return ES_OK;
}

/* ------------------------------------------------------------------------ */
/* Stats and fingerprints                                                    */

/* One row per UTC day (or ISO week) and brand over [since, until), of the
 * mentions in scope; net is computed here, share of voice by the window
 * function in Q_STATS. The scope is bound as SLA reports bind theirs. */
es_err es__sqlite_stats(es_store_t *s, int64_t since, int64_t until, int week,
                        const es_stats_scope *scope, void (*cb)(const es_stats_row *, void *),
                        void *ud)
{
    sqlite3_stmt *st = NULL;
    char *json = NULL;
    es_err rc = es__sqlite_stmt(s, Q_STATS, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int64(st, 2, until);
    sqlite3_bind_int(st, 3, week);
    es_sla_scope sc = {1, NULL, 0};
    if (scope)
        sc = (es_sla_scope){scope->all, scope->locations, scope->n_locations};
    rc = es__sqlite_sla_bind_scope(s, st, 4, &sc, &json);
    if (rc) {
        sqlite3_reset(st);
        return rc;
    }
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_stats_row r = {(const char *)sqlite3_column_text(st, 0),
                          (const char *)sqlite3_column_text(st, 1),
                          sqlite3_column_int(st, 2),
                          (long)sqlite3_column_int64(st, 3),
                          (long)sqlite3_column_int64(st, 4),
                          (long)sqlite3_column_int64(st, 5),
                          (long)sqlite3_column_int64(st, 6),
                          0.0,
                          sqlite3_column_double(st, 7)};
        if (!r.day) /* a time outside SQLite's date range */
            r.day = "unknown";
        r.net = r.mentions ? (double)(r.positive - r.negative) / (double)r.mentions : 0.0;
        cb(&r, ud);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    es_free(json);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "computing stats");
    return ES_OK;
}

/* The newest `limit` set fingerprints, oldest first. */
es_err es__sqlite_recent_fp(es_store_t *s, size_t limit, void (*cb)(uint64_t, const char *, void *),
                            void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_stmt(s, Q_RECENT_FP, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW)
        cb((uint64_t)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1), ud);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "reading fingerprints");
    return ES_OK;
}
