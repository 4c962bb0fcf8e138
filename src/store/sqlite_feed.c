/*
 * sqlite_feed.c - the SQLite backend's feeds (feed.h, issue 3 L1): schema
 * step 7 (the feeds table) and the operations that store.c's feeds.c
 * dispatches to: add and remove (each with its audit entry, in one
 * transaction), list (all, or those due), and record (the outcome of a
 * poll). The poller (src/feed/poll.c) and `earshot feed` reach them
 * through es_feed_*. Statements run rarely, so they are prepared per call.
 */
#include <stdio.h>
#include <string.h>

#include "store/feed_int.h"
#include "store/sqlite_int.h"

/* Step 7: one row per feed. source NULL means "feed:<name>"; next_poll is
 * when it is due (Unix seconds); etag and last_modified are the validators
 * of the last 200 answer, sent back on the next poll; fails counts the
 * polls that failed in a row (for the back-off). */
const char es__sqlite_step7[] = "CREATE TABLE feeds ("
                                " id INTEGER PRIMARY KEY,"
                                " url TEXT NOT NULL UNIQUE,"
                                " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
                                " source TEXT,"
                                " brand TEXT,"
                                " location TEXT,"
                                " every_seconds INTEGER NOT NULL CHECK (every_seconds > 0),"
                                " etag TEXT,"
                                " last_modified TEXT,"
                                " next_poll INTEGER NOT NULL DEFAULT 0,"
                                " last_poll INTEGER,"
                                " last_status INTEGER,"
                                " last_error TEXT,"
                                " fails INTEGER NOT NULL DEFAULT 0,"
                                " items INTEGER NOT NULL DEFAULT 0,"
                                " created INTEGER NOT NULL);"
                                "CREATE INDEX feeds_due ON feeds(next_poll);";

static es_err prepare(es_store_t *s, const char *sql, sqlite3_stmt **st, const char *what)
{
    es__sqlite *q = s->impl;
    int src = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
    return src == SQLITE_OK ? ES_OK : es__sqlite_fail(s, q->db, src, what);
}

/* Writes the audit entry of a change to feed id (inside the caller's
 * transaction). */
static es_err audit(es_store_t *s, const char *action, int64_t id, int64_t who, const char *detail)
{
    char object[48];
    snprintf(object, sizeof object, "feed:%lld", (long long)id);
    es_audit_entry e = {0, 0, who, 0, action, object, detail};
    return es__sqlite_audit_add(s, &e);
}

/* Inserts the row; ES_EEXIST when the url or name is taken. */
static es_err insert(es_store_t *s, const es_feed_row *f, int64_t *id)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = prepare(s,
                        "INSERT INTO feeds(url, name, source, brand, location, every_seconds,"
                        " next_poll, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0,"
                        " strftime('%s','now'))",
                        &st, "adding a feed");
    if (rc)
        return rc;
    es__sqlite_bind_str(st, 1, f->url);
    es__sqlite_bind_str(st, 2, f->name);
    es__sqlite_bind_str(st, 3, f->source && *f->source ? f->source : NULL);
    es__sqlite_bind_str(st, 4, f->brand && *f->brand ? f->brand : NULL);
    es__sqlite_bind_str(st, 5, f->location && *f->location ? f->location : NULL);
    sqlite3_bind_int64(st, 6, f->every);
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EEXIST,
                              "adding feed '%.200s': its name or URL is there "
                              "already",
                              f->name);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "adding a feed");
    *id = sqlite3_last_insert_rowid(q->db);
    return ES_OK;
}

static es_err sq_add(es_store_t *s, const es_feed_row *f, int64_t who, int64_t *id)
{
    int64_t got = 0;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = insert(s, f, &got);
    if (rc == ES_OK)
        rc = audit(s, "feed.add", got, who, NULL);
    if (rc == ES_OK)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc) {
        (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
        return rc;
    }
    if (id)
        *id = got;
    return ES_OK;
}

static es_err sq_remove(es_store_t *s, int64_t id, int64_t who)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = prepare(s, "DELETE FROM feeds WHERE id = ?1", &st, "removing a feed");
    if (rc == ES_OK) {
        sqlite3_bind_int64(st, 1, id);
        int src = sqlite3_step(st);
        sqlite3_finalize(st);
        if (src != SQLITE_DONE)
            rc = es__sqlite_fail(s, q->db, src, "removing a feed");
        else if (sqlite3_changes(q->db) == 0)
            rc = es__store_fail(s, ES_ENOTFOUND, "removing feed %lld: no such feed", (long long)id);
    }
    if (rc == ES_OK)
        rc = audit(s, "feed.remove", id, who, NULL);
    if (rc == ES_OK)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc)
        (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

static const char *text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static es_err sq_list(es_store_t *s, int due, int64_t now, size_t limit,
                      void (*cb)(const es_feed_row *, void *), void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = prepare(s,
                        "SELECT id, url, name, source, brand, location, every_seconds, etag,"
                        " last_modified, next_poll, coalesce(last_poll, 0),"
                        " coalesce(last_status, 0), last_error, items FROM feeds"
                        " WHERE ?1 = 0 OR next_poll <= ?2"
                        " ORDER BY CASE WHEN ?1 = 0 THEN id ELSE next_poll END, id LIMIT ?3",
                        &st, "listing feeds");
    if (rc)
        return rc;
    sqlite3_bind_int(st, 1, due ? 1 : 0);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, limit ? (sqlite3_int64)limit : -1);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_feed_row f = {
            .id = sqlite3_column_int64(st, 0),
            .url = text(st, 1),
            .name = text(st, 2),
            .source = text(st, 3),
            .brand = text(st, 4),
            .location = text(st, 5),
            .every = sqlite3_column_int64(st, 6),
            .etag = text(st, 7),
            .last_modified = text(st, 8),
            .next_poll = sqlite3_column_int64(st, 9),
            .last_poll = sqlite3_column_int64(st, 10),
            .last_status = sqlite3_column_int(st, 11),
            .last_error = text(st, 12),
            .items = sqlite3_column_int64(st, 13),
        };
        cb(&f, ud);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "listing feeds");
}

/* One UPDATE: the validators change only when given or on a 200; the
 * failure count restarts after a poll without error, and each failure in
 * a row after the first waits one period more (at most four). */
static es_err sq_record(es_store_t *s, int64_t id, const es_feed_row *r)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = prepare(s,
                        "UPDATE feeds SET"
                        " etag = CASE WHEN ?2 = 200 OR ?3 IS NOT NULL OR ?4 IS NOT NULL"
                        "  THEN ?3 ELSE etag END,"
                        " last_modified = CASE WHEN ?2 = 200 OR ?3 IS NOT NULL OR ?4 IS NOT NULL"
                        "  THEN ?4 ELSE last_modified END,"
                        " last_status = ?2, last_error = ?5, last_poll = ?6,"
                        " next_poll = ?7 + CASE WHEN ?5 IS NULL THEN 0"
                        "  ELSE every_seconds * min(fails, 4) END,"
                        " fails = CASE WHEN ?5 IS NULL THEN 0 ELSE fails + 1 END,"
                        " items = items + ?8 WHERE id = ?1",
                        &st, "recording a feed's poll");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, r->last_status);
    es__sqlite_bind_str(st, 3, r->etag);
    es__sqlite_bind_str(st, 4, r->last_modified);
    es__sqlite_bind_str(st, 5, r->last_error);
    sqlite3_bind_int64(st, 6, r->last_poll);
    sqlite3_bind_int64(st, 7, r->next_poll);
    sqlite3_bind_int64(st, 8, r->items);
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "recording a feed's poll");
    if (sqlite3_changes(q->db) == 0)
        return es__store_fail(s, ES_ENOTFOUND, "recording a poll of feed %lld: no such feed",
                              (long long)id);
    return ES_OK;
}

/* See feed_int.h. */
const struct es__feed_ops es__sqlite_feed_ops = {
    .add = sq_add,
    .remove = sq_remove,
    .list = sq_list,
    .record = sq_record,
};
