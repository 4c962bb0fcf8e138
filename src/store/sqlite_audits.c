/*
 * sqlite_audits.c - the SQLite backend of the store's audits part
 * (audits_int.h) and its schema step: checklists with their weighted
 * items, audits of locations with one answer per item, and the scores per
 * location over a period and the period before. Reached through
 * es__sqlite_audits_ops (sqlite.c) from audits.c. An audit's score is
 * computed once, when it is recorded (es_audit_score), and stored.
 */
#include <stdio.h>
#include <string.h>

#include "store/audits_int.h"
#include "store/location_int.h"
#include "store/sqlite_int.h"

/* The "audits" step (issue 4, V7). answer points NULL: N/A. score NULL:
 * every item N/A. date: the day audited, Unix seconds at 00:00 UTC. */
const char es__sqlite_step_audits[] = "CREATE TABLE checklists ("
                                      " id INTEGER PRIMARY KEY,"
                                      " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
                                      " kind TEXT NOT NULL CHECK (kind IN ('audit','mystery')),"
                                      " created INTEGER NOT NULL);"
                                      "CREATE TABLE checklist_items ("
                                      " checklist_id INTEGER NOT NULL REFERENCES checklists(id),"
                                      " pos INTEGER NOT NULL,"
                                      " text TEXT NOT NULL,"
                                      " weight REAL NOT NULL CHECK (weight > 0),"
                                      " max_points INTEGER NOT NULL CHECK (max_points >= 1),"
                                      " yes_no INTEGER NOT NULL DEFAULT 0,"
                                      " PRIMARY KEY (checklist_id, pos)) WITHOUT ROWID;"
                                      "CREATE TABLE audits ("
                                      " id INTEGER PRIMARY KEY,"
                                      " checklist_id INTEGER NOT NULL REFERENCES checklists(id),"
                                      " location TEXT NOT NULL,"
                                      " date INTEGER NOT NULL,"
                                      " auditor TEXT, user_id INTEGER, notes TEXT,"
                                      " score REAL,"
                                      " created INTEGER NOT NULL);"
                                      "CREATE INDEX audits_location ON audits(location, date);"
                                      "CREATE INDEX audits_date ON audits(date);"
                                      "CREATE TABLE audit_answers ("
                                      " audit_id INTEGER NOT NULL REFERENCES audits(id),"
                                      " pos INTEGER NOT NULL,"
                                      " points INTEGER,"
                                      " PRIMARY KEY (audit_id, pos)) WITHOUT ROWID;";

/* ---- helpers --------------------------------------------------------------------- */

/* The items of checklist id, copied (texts es_strdup'd) into a new array
 * *out of *n; free with items_free. */
static es_err items_read(es_store_t *s, int64_t id, es_checklist_item **out, size_t *n)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_checklist_item *it = es_malloc(ES_CHECKLIST_MAX * sizeof *it);
    *out = it;
    *n = 0;
    if (!it)
        return es__store_fail(s, ES_ENOMEM, "reading a checklist: out of memory");
    int src = sqlite3_prepare_v2(q->db,
                                 "SELECT text, weight, max_points, yes_no FROM checklist_items"
                                 " WHERE checklist_id = ?1 ORDER BY pos",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        while ((src = sqlite3_step(st)) == SQLITE_ROW && *n < ES_CHECKLIST_MAX) {
            es_checklist_item *x = &it[*n];
            x->text = es_strdup((const char *)sqlite3_column_text(st, 0));
            x->weight = sqlite3_column_double(st, 1);
            x->max_points = sqlite3_column_int(st, 2);
            x->yes_no = sqlite3_column_int(st, 3);
            if (!x->text) {
                src = SQLITE_NOMEM;
                break;
            }
            (*n)++;
        }
        if (src == SQLITE_ROW)
            src = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "reading a checklist");
}

static void items_free(es_checklist_item *it, size_t n)
{
    for (size_t i = 0; i < n; i++)
        es_free((char *)it[i].text);
    es_free(it);
}

/* ---- checklists --------------------------------------------------------------------- */

typedef struct cl_add {
    const es_checklist *c;
    int64_t actor, *id;
} cl_add;

static es_err do_checklist_add(es_store_t *s, void *ud)
{
    cl_add *a = ud;
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db,
                                 "INSERT INTO checklists(name, kind, created)"
                                 " VALUES (?1, ?2, strftime('%s','now'))",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, a->c->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, a->c->kind, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EEXIST, "a checklist named '%s' exists", a->c->name);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "adding a checklist");
    int64_t id = sqlite3_last_insert_rowid(q->db);
    src = sqlite3_prepare_v2(q->db,
                             "INSERT INTO checklist_items(checklist_id, pos, text, weight,"
                             " max_points, yes_no) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                             -1, &st, NULL);
    for (size_t i = 0; src == SQLITE_OK && i < a->c->n_items; i++) {
        const es_checklist_item *it = &a->c->items[i];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_text(st, 3, it->text, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 4, it->weight);
        sqlite3_bind_int(st, 5, it->max_points);
        sqlite3_bind_int(st, 6, it->yes_no ? 1 : 0);
        src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            src = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (src != SQLITE_OK)
        return es__sqlite_fail(s, q->db, src, "adding a checklist's items");
    if (a->id)
        *a->id = id;
    char object[64];
    snprintf(object, sizeof object, "checklist:%lld", (long long)id);
    es_audit_entry e = {.user_id = a->actor, .action = "checklist.add", .object = object};
    return es__sqlite_audit_add(s, &e);
}

static es_err sq_checklist_add(es_store_t *s, const es_checklist *c, int64_t actor_user,
                               int64_t *id)
{
    cl_add a = {c, actor_user, id};
    return es__sqlite_in_tx(s, do_checklist_add, &a);
}

/* Every checklist (id 0, name NULL), or the one with id or name. The
 * checklists' rows are read first (ids), then each with its items, so that
 * no statement stays open across the callback. */
static es_err sq_checklist_list(es_store_t *s, int64_t id, const char *name,
                                void (*cb)(const es_checklist *c, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = ES_OK;
    int found = 0;
    int src = sqlite3_prepare_v2(q->db,
                                 "SELECT id, name, kind, created FROM checklists"
                                 " WHERE (?1 = 0 OR id = ?1) AND (?2 IS NULL OR name = ?2)"
                                 " ORDER BY name COLLATE NOCASE",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        es__sqlite_bind_str(st, 2, name);
        while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
            es_checklist c = {.id = sqlite3_column_int64(st, 0),
                              .name = (const char *)sqlite3_column_text(st, 1),
                              .kind = (const char *)sqlite3_column_text(st, 2),
                              .created = sqlite3_column_int64(st, 3)};
            es_checklist_item *items = NULL;
            rc = items_read(s, c.id, &items, &c.n_items);
            c.items = items;
            if (!rc) {
                cb(&c, ud);
                found = 1;
            }
            items_free(items, c.n_items);
        }
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "listing checklists");
    if (!found && (id || name))
        return es__store_fail(s, ES_ENOTFOUND, "no such checklist");
    return ES_OK;
}

/* See audits_int.h. */
es_err es__sqlite_audit_items(es_store_t *s, int64_t id, es_checklist_item **out, size_t *n)
{
    return items_read(s, id, out, n);
}

/* See audits_int.h. */
void es__sqlite_audit_items_free(es_checklist_item *it, size_t n)
{
    items_free(it, n);
}

/* See audits_int.h. */
const struct es__audits_ops es__sqlite_audits_ops = {
    .checklist_add = sq_checklist_add,
    .checklist_list = sq_checklist_list,
    .audit_add = es__sqlite_audit_rec_add,
    .audit_list = es__sqlite_audit_rec_list,
    .scores = es__sqlite_audit_rec_scores,
};
