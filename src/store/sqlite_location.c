/*
 * sqlite_location.c - the SQLite backend of the store's locations part
 * (location_int.h) and schema step 11: the organisation (one row), its
 * regions and its locations. See include/earshot/location.h for what a key,
 * a region and a code are. Reached through es__sqlite_location_ops
 * (sqlite.c) from locations.c.
 */
#include <stdio.h>
#include <string.h>

#include "store/location_int.h"
#include "store/sqlite_int.h"

/* Step 11 (issue 4). A region row exists for every region path a location
 * key has ("eu/" and "eu/fr/" for "eu/fr/lyon-14"); its name defaults to
 * the path. The organisation is the single row of organisation. */
const char es__sqlite_step11[] =
    "CREATE TABLE organisation ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " name TEXT NOT NULL);"
    "CREATE TABLE regions ("
    " path TEXT PRIMARY KEY CHECK (substr(path, -1) = '/'),"
    " name TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE locations ("
    " id INTEGER PRIMARY KEY,"
    " key TEXT NOT NULL UNIQUE,"
    " code TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " name TEXT NOT NULL,"
    " region TEXT NOT NULL DEFAULT '',"
    " tz TEXT NOT NULL DEFAULT 'UTC',"
    " review_url TEXT,"
    " created INTEGER NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX locations_region ON locations(region, key);";

/* The region of key: up to and with its last '/', or "" (into buf). */
static void region_of(const char *key, char *buf, size_t size)
{
    const char *slash = strrchr(key, '/');
    size_t n = slash ? (size_t)(slash - key) + 1 : 0;
    if (n >= size)
        n = 0;
    memcpy(buf, key, n);
    buf[n] = '\0';
}

static es_err exec_bound(es_store_t *s, sqlite3 *db, const char *sql, const char *a,
                         const char *what)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, db, src, what);
}

/* Adds the region rows of every prefix of region ("eu/", "eu/fr/"). */
static es_err add_regions(es_store_t *s, sqlite3 *db, const char *region)
{
    char path[ES_LOCATION_KEY_MAX + 1];
    size_t n = strlen(region);
    for (size_t i = 0; i < n && i < ES_LOCATION_KEY_MAX; i++) {
        if (region[i] != '/')
            continue;
        memcpy(path, region, i + 1);
        path[i + 1] = '\0';
        es_err rc = exec_bound(s, db, "INSERT OR IGNORE INTO regions(path, name) VALUES (?1, ?1)",
                               path, "adding a region");
        if (rc)
            return rc;
    }
    return ES_OK;
}

static es_err insert(es_store_t *s, sqlite3 *db, const es_location *l, int64_t actor_user,
                     int64_t *id)
{
    char region[ES_LOCATION_KEY_MAX + 1];
    region_of(l->key, region, sizeof region);
    es_err rc = add_regions(s, db, region);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db,
                                 "INSERT INTO locations(key, code, name, region, tz, review_url,"
                                 " created, disabled) VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, ''),"
                                 " strftime('%s','now'), ?7)",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, l->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, l->code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, l->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, region, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, l->tz && *l->tz ? l->tz : "UTC", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, l->review_url ? l->review_url : "", -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 7, l->disabled ? 1 : 0);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EEXIST, "adding location %s: its key or its code %s is taken",
                              l->key, l->code);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, db, src, "adding a location");
    int64_t rowid = sqlite3_last_insert_rowid(db);
    if (id)
        *id = rowid;
    char object[64];
    snprintf(object, sizeof object, "location:%lld", (long long)rowid);
    es_audit_entry e = {.user_id = actor_user, .action = "location.add", .object = object,
                        .detail = NULL};
    return es__sqlite_audit_add(s, &e);
}

static es_err sq_add(es_store_t *s, const es_location *l, int64_t actor_user, int64_t *id)
{
    es__sqlite *q = s->impl;
    if (!sqlite3_get_autocommit(q->db))
        return insert(s, q->db, l, actor_user, id);
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = insert(s, q->db, l, actor_user, id);
    if (rc == ES_OK)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc)
        es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

static es_err sq_find(es_store_t *s, const char *code_or_key,
                      void (*cb)(const es_location *l, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db,
                                 "SELECT id, key, code, name, region, tz, review_url, disabled,"
                                 " created FROM locations WHERE code = ?1"
                                 " UNION ALL SELECT id, key, code, name, region, tz, review_url,"
                                 " disabled, created FROM locations WHERE key = ?1 LIMIT 1",
                                 -1, &st, NULL);
    int found = 0;
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, code_or_key, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            es_location l = {.id = sqlite3_column_int64(st, 0),
                             .key = (const char *)sqlite3_column_text(st, 1),
                             .code = (const char *)sqlite3_column_text(st, 2),
                             .name = (const char *)sqlite3_column_text(st, 3),
                             .region = (const char *)sqlite3_column_text(st, 4),
                             .tz = (const char *)sqlite3_column_text(st, 5),
                             .review_url = (const char *)sqlite3_column_text(st, 6),
                             .disabled = sqlite3_column_int(st, 7),
                             .created = sqlite3_column_int64(st, 8)};
            cb(&l, ud);
            found = 1;
            src = SQLITE_DONE;
        }
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "finding a location");
    return found ? ES_OK : es__store_fail(s, ES_ENOTFOUND, "no location has code or key '%s'",
                                          code_or_key);
}

/* See location_int.h. */
const struct es__location_ops es__sqlite_location_ops = {
    .add = sq_add,
    .find = sq_find,
    .get = es__sqlite_location_get,
    .list = es__sqlite_location_list,
    .update = es__sqlite_location_update,
    .org_name = es__sqlite_org_name,
    .org_set_name = es__sqlite_org_set_name,
    .region_list = es__sqlite_region_list,
    .region_rename = es__sqlite_region_rename,
    .managers = es__sqlite_location_managers,
};
