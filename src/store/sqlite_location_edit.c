/*
 * sqlite_location_edit.c - the SQLite backend of the locations part beyond
 * adding and finding (sqlite_location.c): a location by id, the scoped and
 * paged list, updates, the organisation's name, regions and their names,
 * and a location's managers (users.h's scope rule, in SQL). Reached through
 * es__sqlite_location_ops from locations.c. Every statement is
 * parameterised; every change is audited in its transaction.
 */
#include <stdio.h>
#include <string.h>

#include "store/location_int.h"
#include "store/sqlite_int.h"

#define COLS "id, key, code, name, region, tz, review_url, disabled, created"

/* ---- helpers --------------------------------------------------------------------- */

/* The location in the current row of st (COLS order), to cb. */
static void row_cb(sqlite3_stmt *st, void (*cb)(const es_location *l, void *ud), void *ud)
{
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
}

/* Appends an audit entry for object "<kind>:<id or name>". */
static es_err audit(es_store_t *s, int64_t actor, const char *action, const char *object,
                    const char *detail)
{
    es_audit_entry e = {.user_id = actor, .action = action, .object = object, .detail = detail};
    return es__sqlite_audit_add(s, &e);
}

/* Appends t to the NUL-terminated sql of size bytes, cutting it short. */
static void append_sql(char *sql, size_t size, const char *t)
{
    size_t n = strlen(sql);
    snprintf(sql + n, size - n, "%s", t);
}

/* See location_int.h. */
int es__sqlite_scope_sql(char *sql, size_t size, const char *column, int first, size_t n)
{
    size_t used = strlen(sql);
    if (n == 0)
        return snprintf(sql + used, size - used, "0") >= (int)(size - used) ? -1 : 0;
    for (size_t i = 0; i < n; i++) {
        int p = first + (int)i;
        int w = snprintf(sql + used, size - used,
                         "%s(%s = ?%d OR (substr(?%d, -1) = '/' AND substr(%s, 1, length(?%d))"
                         " = ?%d))",
                         i ? " OR " : "(", column, p, p, column, p, p);
        if (w < 0 || (size_t)w >= size - used)
            return -1;
        used += (size_t)w;
    }
    return snprintf(sql + used, size - used, ")") >= (int)(size - used) ? -1 : 0;
}

/* ---- reading ---------------------------------------------------------------------- */

/* See location_int.h. */
es_err es__sqlite_location_get(es_store_t *s, int64_t id,
                               void (*cb)(const es_location *l, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int found = 0;
    int src =
        sqlite3_prepare_v2(q->db, "SELECT " COLS " FROM locations WHERE id = ?1", -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            row_cb(st, cb, ud);
            found = 1;
            src = SQLITE_DONE;
        }
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "reading a location");
    return found ? ES_OK
                 : es__store_fail(s, ES_ENOTFOUND, "no location has id %lld", (long long)id);
}

/* See location_int.h. The scope and the region are SQL conditions with one
 * parameter per scope entry (at most ES_USER_MAX_LOCATIONS). */
es_err es__sqlite_location_list(es_store_t *s, const es_location_filter *f,
                                void (*cb)(const es_location *l, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    char sql[8192];
    snprintf(sql, sizeof sql,
             "SELECT " COLS " FROM locations WHERE id > ?1 AND (?2 OR disabled = 0)"
             " AND (?3 = '' OR substr(key, 1, length(?3)) = ?3) AND (?5 IS NULL OR key = ?5)"
             " AND ");
    int scoped = !f->all_locations;
    if (!scoped)
        append_sql(sql, sizeof sql, "1");
    else if (es__sqlite_scope_sql(sql, sizeof sql, "key", 6, f->n_locations))
        return es__store_fail(s, ES_ELIMIT, "listing locations: too many scope entries");
    size_t used = strlen(sql);
    snprintf(sql + used, sizeof sql - used, " ORDER BY id LIMIT ?4");
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, f->after_id);
        sqlite3_bind_int(st, 2, f->include_disabled ? 1 : 0);
        sqlite3_bind_text(st, 3, f->region ? f->region : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, f->limit ? (int64_t)f->limit : -1);
        es__sqlite_bind_str(st, 5, f->key);
        for (size_t i = 0; scoped && i < f->n_locations; i++)
            es__sqlite_bind_str(st, 6 + (int)i, f->locations[i] ? f->locations[i] : "");
        while ((src = sqlite3_step(st)) == SQLITE_ROW)
            row_cb(st, cb, ud);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "listing locations");
}

/* ---- updating --------------------------------------------------------------------- */

typedef struct upd {
    int64_t id;
    const es_location_change *c;
    int64_t actor;
} upd;

/* Appends one changed field's name to the audit detail. */
static void detail_add(char *d, size_t size, const char *field, const void *set)
{
    size_t n = strlen(d);
    if (set)
        snprintf(d + n, size - n, "%s\"%s\"", n > 11 ? "," : "", field);
}

static es_err do_update(es_store_t *s, void *ud)
{
    upd *u = ud;
    const es_location_change *c = u->c;
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(
        q->db,
        "UPDATE locations SET code = coalesce(?2, code), name = coalesce(?3, name),"
        " tz = CASE WHEN ?4 IS NULL THEN tz WHEN ?4 = '' THEN 'UTC' ELSE ?4 END,"
        " review_url = CASE WHEN ?5 IS NULL THEN review_url ELSE nullif(?5, '') END,"
        " disabled = CASE WHEN ?6 THEN ?7 ELSE disabled END WHERE id = ?1",
        -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, u->id);
        es__sqlite_bind_str(st, 2, c->code);
        es__sqlite_bind_str(st, 3, c->name);
        es__sqlite_bind_str(st, 4, c->tz);
        es__sqlite_bind_str(st, 5, c->review_url);
        sqlite3_bind_int(st, 6, c->set_disabled ? 1 : 0);
        sqlite3_bind_int(st, 7, c->disabled ? 1 : 0);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EEXIST, "changing location %lld: the code %s is taken",
                              (long long)u->id, c->code ? c->code : "");
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "changing a location");
    if (sqlite3_changes(q->db) == 0)
        return es__store_fail(s, ES_ENOTFOUND, "no location has id %lld", (long long)u->id);
    char object[64], detail[160] = "{\"fields\":[";
    snprintf(object, sizeof object, "location:%lld", (long long)u->id);
    detail_add(detail, sizeof detail, "code", c->code);
    detail_add(detail, sizeof detail, "name", c->name);
    detail_add(detail, sizeof detail, "tz", c->tz);
    detail_add(detail, sizeof detail, "review_url", c->review_url);
    detail_add(detail, sizeof detail, "disabled", c->set_disabled ? "" : NULL);
    size_t n = strlen(detail);
    snprintf(detail + n, sizeof detail - n, "]}");
    return audit(s, u->actor, "location.update", object, detail);
}

/* See location_int.h. */
es_err es__sqlite_location_update(es_store_t *s, int64_t id, const es_location_change *c,
                                  int64_t actor_user)
{
    upd u = {id, c, actor_user};
    return es__sqlite_in_tx(s, do_update, &u);
}

/* ---- the organisation and regions ------------------------------------------------- */

/* See location_int.h. */
es_err es__sqlite_org_name(es_store_t *s, char *buf, size_t size)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    buf[0] = '\0';
    int src =
        sqlite3_prepare_v2(q->db, "SELECT name FROM organisation WHERE id = 1", -1, &st, NULL);
    if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
        src = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "reading the organisation");
}

typedef struct named {
    const char *path, *name;
    int64_t actor;
} named;

static es_err do_org(es_store_t *s, void *ud)
{
    named *n = ud;
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db,
                                 "INSERT INTO organisation(id, name) VALUES (1, ?1)"
                                 " ON CONFLICT(id) DO UPDATE SET name = excluded.name",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, n->name, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "naming the organisation");
    return audit(s, n->actor, "organisation.name", "organisation:1", NULL);
}

/* See location_int.h. */
es_err es__sqlite_org_set_name(es_store_t *s, const char *name, int64_t actor_user)
{
    named n = {NULL, name, actor_user};
    return es__sqlite_in_tx(s, do_org, &n);
}

/* See location_int.h. */
es_err es__sqlite_region_list(es_store_t *s, void (*cb)(const es_region *r, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db,
                                 "SELECT r.path, r.name, (SELECT count(*) FROM locations l"
                                 " WHERE substr(l.region, 1, length(r.path)) = r.path)"
                                 " FROM regions r ORDER BY r.path",
                                 -1, &st, NULL);
    if (src == SQLITE_OK)
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            es_region r = {(const char *)sqlite3_column_text(st, 0),
                           (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2)};
            cb(&r, ud);
        }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "listing regions");
}

static es_err do_rename(es_store_t *s, void *ud)
{
    named *n = ud;
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src =
        sqlite3_prepare_v2(q->db, "UPDATE regions SET name = ?2 WHERE path = ?1", -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, n->path, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, n->name, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "renaming a region");
    if (sqlite3_changes(q->db) == 0)
        return es__store_fail(s, ES_ENOTFOUND, "no region has path '%s'", n->path);
    char object[ES_LOCATION_KEY_MAX + 16];
    snprintf(object, sizeof object, "region:%s", n->path);
    return audit(s, n->actor, "region.rename", object, NULL);
}

/* See location_int.h. */
es_err es__sqlite_region_rename(es_store_t *s, const char *path, const char *name,
                                int64_t actor_user)
{
    named n = {path, name, actor_user};
    return es__sqlite_in_tx(s, do_rename, &n);
}

/* ---- managers ---------------------------------------------------------------------- */

/* See location_int.h: users.h's scope rule, with "no rows: every location". */
es_err es__sqlite_location_managers(es_store_t *s, const char *key,
                                    void (*cb)(const es_location_manager *m, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(
        q->db,
        "SELECT u.id, u.name, u.email, u.phone FROM users u"
        " WHERE u.role = 'manager' AND u.disabled = 0 AND"
        " (NOT EXISTS (SELECT 1 FROM user_locations ul WHERE ul.user_id = u.id) OR"
        "  EXISTS (SELECT 1 FROM user_locations ul WHERE ul.user_id = u.id AND"
        "   (ul.location = ?1 OR (substr(ul.location, -1) = '/' AND"
        "    substr(?1, 1, length(ul.location)) = ul.location))))"
        " ORDER BY u.name",
        -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            es_location_manager m = {
                sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3)};
            cb(&m, ud);
        }
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK
                              : es__sqlite_fail(s, q->db, src, "listing a location's managers");
}
