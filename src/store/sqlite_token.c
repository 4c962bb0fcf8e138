/*
 * sqlite_token.c - the SQLite backend's API tokens (table api_tokens, schema
 * step 3): add, verify and list. Reached through the backend's operation
 * table (sqlite.c) from es_store_token_*; `earshot token` adds and lists,
 * the HTTP server verifies. Only SHA-256 hashes are stored.
 *
 * The few statements here run rarely or on a tiny table, so they are
 * prepared per call instead of being cached on the handle.
 */
#include <string.h>

#include "store/sqlite_int.h"

#define LAST_USED_EVERY 60 /* seconds between updates of last_used */

static es_err prepare(es_store_t *s, const char *sql, sqlite3_stmt **st, const char *what)
{
    es__sqlite *q = s->impl;
    int src = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
    return src == SQLITE_OK ? ES_OK : es__sqlite_fail(s, q->db, src, what);
}

/* Adds a token's hash under a unique name. */
es_err es__sqlite_token_add(es_store_t *s, const char *name, const uint8_t hash[32], int64_t *id)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = prepare(s,
                        "INSERT INTO api_tokens(name, hash, created) "
                        "VALUES (?1, ?2, strftime('%s','now'))",
                        &st, "adding a token");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EEXIST, "adding token '%.200s': the name is taken", name);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "adding a token");
    if (id)
        *id = sqlite3_last_insert_rowid(q->db);
    return ES_OK;
}

/* Compares two 32-byte hashes without stopping at the first difference. */
static int same_hash(const uint8_t *a, const uint8_t *b)
{
    volatile uint8_t diff = 0;
    for (size_t i = 0; i < 32; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

/* Reads every token and compares each hash (no lookup by hash, so the time
 * does not depend on how much of it matches); then stamps last_used. */
es_err es__sqlite_token_verify(es_store_t *s, const uint8_t hash[32], int64_t now, int64_t *id)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int64_t found = 0, last = 0;
    es_err rc = prepare(s, "SELECT id, hash, coalesce(last_used, 0) FROM api_tokens", &st,
                        "checking a token");
    if (rc)
        return rc;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const uint8_t *h = sqlite3_column_blob(st, 1);
        int match = sqlite3_column_bytes(st, 1) == 32 && h && same_hash(h, hash);
        if (match) {
            found = sqlite3_column_int64(st, 0);
            last = sqlite3_column_int64(st, 2);
        }
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "checking a token");
    if (!found)
        return es__store_fail(s, ES_ENOTFOUND, "no such token");
    *id = found;
    if (now - last < LAST_USED_EVERY)
        return ES_OK;
    rc = prepare(s, "UPDATE api_tokens SET last_used = ?1 WHERE id = ?2", &st, "stamping a token");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, found);
    src = sqlite3_step(st);
    sqlite3_finalize(st);
    /* A busy database only delays the stamp; the token is valid either way. */
    if (src != SQLITE_DONE && src != SQLITE_BUSY && src != SQLITE_LOCKED)
        return es__sqlite_fail(s, q->db, src, "stamping a token");
    return ES_OK;
}

/* Calls cb for each token by id; the name lives during the call. */
es_err es__sqlite_token_list(es_store_t *s, void (*cb)(const es_token_row *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = prepare(s,
                        "SELECT id, name, created, coalesce(last_used, 0) FROM api_tokens "
                        "ORDER BY id",
                        &st, "listing tokens");
    if (rc)
        return rc;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_token_row t = {sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                          sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)};
        cb(&t, ud);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "listing tokens");
    return ES_OK;
}
