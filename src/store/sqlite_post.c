/*
 * sqlite_post.c - the SQLite backend of the store's posts part
 * (post_int.h) and schema step 13: the brand's own posts, one row per
 * (channel, post_id), with the latest metrics imported. Reached through
 * es__sqlite_post_ops (sqlite.c) from posts.c. All SQL of the part is here.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/post_int.h"
#include "store/sqlite_int.h"

/* Step 13 (issue 4, S2). created / updated are when the row was first and
 * last imported (Unix seconds). The index serves the report, which reads a
 * brand's posts by channel and time. */
const char es__sqlite_step_posts[] =
    "CREATE TABLE posts ("
    " id INTEGER PRIMARY KEY,"
    " channel TEXT NOT NULL,"
    " post_id TEXT NOT NULL,"
    " brand TEXT NOT NULL COLLATE NOCASE,"
    " posted_at INTEGER NOT NULL,"
    " text TEXT,"
    " impressions INTEGER NOT NULL DEFAULT 0 CHECK (impressions >= 0),"
    " replies INTEGER NOT NULL DEFAULT 0 CHECK (replies >= 0),"
    " reposts INTEGER NOT NULL DEFAULT 0 CHECK (reposts >= 0),"
    " likes INTEGER NOT NULL DEFAULT 0 CHECK (likes >= 0),"
    " clicks INTEGER NOT NULL DEFAULT 0 CHECK (clicks >= 0),"
    " followers INTEGER NOT NULL DEFAULT 0 CHECK (followers >= 0),"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " UNIQUE (channel, post_id));"
    "CREATE INDEX posts_brand ON posts(brand, channel, posted_at);";

/* A metric absent from the import (-1) is bound as NULL: the upsert then
 * keeps the stored value (or 0 for a new post). Likewise a NULL text. */
static const char upsert_sql[] =
    "INSERT INTO posts(channel, post_id, brand, posted_at, text, impressions, replies, reposts,"
    " likes, clicks, followers, created, updated)"
    " VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, 0), coalesce(?7, 0), coalesce(?8, 0),"
    " coalesce(?9, 0), coalesce(?10, 0), coalesce(?11, 0), ?12, ?12)"
    " ON CONFLICT (channel, post_id) DO UPDATE SET brand = ?3, posted_at = ?4,"
    " text = coalesce(?5, text), impressions = coalesce(?6, impressions),"
    " replies = coalesce(?7, replies), reposts = coalesce(?8, reposts),"
    " likes = coalesce(?9, likes), clicks = coalesce(?10, clicks),"
    " followers = coalesce(?11, followers), updated = ?12";

/* Writes the batch on an open transaction; counts new and known posts. */
static es_err write_batch(es_store_t *s, sqlite3 *db, const es_post *ps, size_t n, size_t *added,
                          size_t *updated)
{
    sqlite3_stmt *up = NULL, *seen = NULL;
    int src = sqlite3_prepare_v2(db, upsert_sql, -1, &up, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(db, "SELECT 1 FROM posts WHERE channel = ?1 AND post_id = ?2", -1,
                                 &seen, NULL);
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; src == SQLITE_OK && i < n; i++) {
        const es_post *p = &ps[i];
        sqlite3_bind_text(seen, 1, p->channel, -1, SQLITE_STATIC);
        sqlite3_bind_text(seen, 2, p->post_id, -1, SQLITE_STATIC);
        src = sqlite3_step(seen);
        if (src == SQLITE_ROW)
            (*updated)++;
        else if (src == SQLITE_DONE)
            (*added)++;
        else
            break;
        sqlite3_reset(seen);
        sqlite3_bind_text(up, 1, p->channel, -1, SQLITE_STATIC);
        sqlite3_bind_text(up, 2, p->post_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(up, 3, p->brand, -1, SQLITE_STATIC);
        sqlite3_bind_int64(up, 4, p->posted_at);
        es__sqlite_bind_str(up, 5, p->text && *p->text ? p->text : NULL);
        for (int m = 0; m < ES_POST_N_METRICS; m++) {
            if (p->metric[m] < 0)
                sqlite3_bind_null(up, 6 + m);
            else
                sqlite3_bind_int64(up, 6 + m, p->metric[m]);
        }
        sqlite3_bind_int64(up, 12, now);
        src = sqlite3_step(up);
        sqlite3_reset(up);
        if (src == SQLITE_DONE)
            src = SQLITE_OK;
    }
    sqlite3_finalize(up);
    sqlite3_finalize(seen);
    if (src != SQLITE_OK)
        return es__sqlite_fail(s, db, src, "storing posts");
    return ES_OK;
}

/* Audits the import as one entry: how many posts were new and known. */
static es_err audit(es_store_t *s, int64_t user, int64_t token, size_t added, size_t updated)
{
    char detail[96];
    snprintf(detail, sizeof detail, "%zu added, %zu updated", added, updated);
    es_audit_entry e = {.user_id = user,
                        .token_id = token,
                        .action = "posts.import",
                        .object = "posts",
                        .detail = detail};
    return es__sqlite_audit_add(s, &e);
}

static es_err sq_put(es_store_t *s, const es_post *ps, size_t n, int64_t actor_user,
                     int64_t actor_token, size_t *added, size_t *updated)
{
    es__sqlite *q = s->impl;
    int own = sqlite3_get_autocommit(q->db);
    es_err rc = own ? es__sqlite_tx(s, ES__TX_BEGIN) : ES_OK;
    if (rc)
        return rc;
    rc = write_batch(s, q->db, ps, n, added, updated);
    if (rc == ES_OK)
        rc = audit(s, actor_user, actor_token, *added, *updated);
    if (own && rc == ES_OK)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (own && rc) {
        char keep[ES_STORE_ERRMAX];
        snprintf(keep, sizeof keep, "%s", s->errmsg);
        (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
        snprintf(s->errmsg, sizeof s->errmsg, "%s", keep);
    }
    return rc;
}

static es_err sq_list(es_store_t *s, const char *brand, int64_t since, int64_t until,
                      void (*cb)(const es_post *p, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(
        q->db,
        "SELECT post_id, brand, channel, posted_at, text, impressions, replies, reposts, likes,"
        " clicks, followers FROM posts WHERE (?1 IS NULL OR brand = ?1)"
        " AND (?2 = 0 OR posted_at >= ?2) AND (?3 = 0 OR posted_at < ?3)"
        " ORDER BY brand, channel, posted_at, post_id",
        -1, &st, NULL);
    if (src == SQLITE_OK) {
        es__sqlite_bind_str(st, 1, brand && *brand ? brand : NULL);
        sqlite3_bind_int64(st, 2, since);
        sqlite3_bind_int64(st, 3, until);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            es_post p = {.post_id = (const char *)sqlite3_column_text(st, 0),
                         .brand = (const char *)sqlite3_column_text(st, 1),
                         .channel = (const char *)sqlite3_column_text(st, 2),
                         .posted_at = sqlite3_column_int64(st, 3),
                         .text = (const char *)sqlite3_column_text(st, 4)};
            for (int m = 0; m < ES_POST_N_METRICS; m++)
                p.metric[m] = sqlite3_column_int64(st, 5 + m);
            cb(&p, ud);
        }
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "listing posts");
    return ES_OK;
}

/* See post_int.h. */
const struct es__post_ops es__sqlite_post_ops = {
    .put = sq_put,
    .list = sq_list,
};
