/*
 * sqlite_int.h - the SQLite backend's state, shared by its files (internal):
 * sqlite.c (connection, writes, brands, queries, stats), sqlite_search.c
 * (full-text search) and migrations.c (the schema, versioned).
 */
#ifndef ES_STORE_SQLITE_INT_H
#define ES_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "store/store_int.h"

/* The newest schema version this build knows (see migrations.c). */
#define ES_SQLITE_SCHEMA_VERSION es__sqlite_schema_version()
int es__sqlite_schema_version(void);
/* 1 when the steps are numbered 1, 2, 3 ... without a gap (checked by the
 * store's unit tests, since the steps live in several files). */
int es__sqlite_steps_contiguous(void);

/* PRAGMA application_id of an earshot database ("ESHT"), so that another
 * program's SQLite file is refused instead of being altered. */
#define ES_SQLITE_APP_ID 0x45534854

/* Fixed statements, prepared once on first use and kept on the handle. */
enum {
    Q_BEGIN,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_SAVEPOINT,
    Q_RELEASE,
    Q_ROLLBACK_TO,
    Q_INSERT_MENTION,
    Q_KEY_SAME,
    Q_KEY_COLLIDED,
    Q_INSERT_FTS,
    Q_INSERT_MBRAND,
    Q_INSERT_MQUERY,
    Q_COUNT,
    Q_BRAND_ADD,
    Q_BRAND_LIST,
    Q_BRAND_FIND,
    Q_QUERY_ADD,
    Q_QUERY_LIST,
    Q_STATS,
    Q_RECENT_FP,
    Q_COUNT_ALL /* the number of fixed statements */
};

/* Search statements are built from the filters used: one per combination of
 * the six filter bits below, cached like the fixed ones. */
enum {
    SF_TEXT = 1 << 0,
    SF_BRAND = 1 << 1,
    SF_SOURCE = 1 << 2,
    SF_POLARITY = 1 << 3,
    SF_INTENT = 1 << 4,
    SF_SINCE = 1 << 5,
    SF_UNTIL = 1 << 6,
    SF_COMBOS = 1 << 7
};

typedef struct es__sqlite {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *stmt[Q_COUNT_ALL];
    sqlite3_stmt *search[SF_COMBOS];
    /* The threader's statements, kept prepared from one threading call to
     * the next (sqlite_case.c, es__sqlcase_cache_begin); NULL until the
     * first call. Freed with the handle. */
    void *case_cache;
} es__sqlite;

/* The idempotency key of a mention: XXH64 of external_id seeded with XXH64
 * of source. Stored in every database, so it must never change; a variable
 * only so that tests can force collisions. */
extern uint64_t (*es__sqlite_key_hash)(const char *source, const char *external_id);

/* Brings the schema of db up to ES_SQLITE_SCHEMA_VERSION, one numbered step
 * per transaction, and stores the version reached in *version. ES_ECORRUPT
 * for a newer schema or a foreign database, ES_EDB / ES_EBUSY when SQLite
 * fails; the message goes to s. */
es_err es__sqlite_migrate(es_store_t *s, sqlite3 *db, const char *path, int *version) ES_WUR;

/* Maps a SQLite result code to an es_err and records "what: SQLite's
 * message" on s. */
es_err es__sqlite_fail(es_store_t *s, sqlite3 *db, int src, const char *what);

/* Returns the cached statement `which` (Q_*), preparing it on first use.
 * The statement belongs to the handle; reset it after use. */
es_err es__sqlite_stmt(es_store_t *s, int which, sqlite3_stmt **out) ES_WUR;

/* Binds a string parameter that lives until the statement is reset, or NULL. */
void es__sqlite_bind_str(sqlite3_stmt *st, int i, const char *v);

/* The catalog operations (sqlite_catalog.c), as es__store_ops describes. */
es_err es__sqlite_brand_add(es_store_t *s, const char *name, int ours, uint32_t *id);
es_err es__sqlite_brand_list(es_store_t *s, void (*cb)(const es_brand *, void *), void *ud);
es_err es__sqlite_brand_find(es_store_t *s, const char *name, uint32_t *id);
es_err es__sqlite_query_add(es_store_t *s, uint32_t brand_id, const char *name, const char *text,
                            uint32_t *id);
es_err es__sqlite_query_list(es_store_t *s, void (*cb)(const es_query_row *, void *), void *ud);
es_err es__sqlite_stats(es_store_t *s, int64_t since, int64_t until, int week,
                        const es_stats_scope *scope, void (*cb)(const es_stats_row *, void *),
                        void *ud);
es_err es__sqlite_recent_fp(es_store_t *s, size_t limit, void (*cb)(uint64_t, const char *, void *),
                            void *ud);

/* API tokens (sqlite_token.c), as es__store_ops describes. */
es_err es__sqlite_token_add(es_store_t *s, const char *name, const uint8_t hash[32], int64_t *id);
es_err es__sqlite_token_verify(es_store_t *s, const uint8_t hash[32], int64_t now, int64_t *id);
es_err es__sqlite_audit_add(es_store_t *s, const es_audit_entry *e);
/* The statement es__sqlite_audit_add runs (?1 at, ?2 user, ?3 token, ?4
 * action, ?5 object, ?6 detail), for callers that keep it prepared. */
extern const char es__sqlite_audit_sql[];
es_err es__sqlite_audit_list(es_store_t *s, const char *object, size_t limit,
                             void (*cb)(const es_audit_entry *, void *), void *ud);
es_err es__sqlite_tx(es_store_t *s, int what);
/* Runs fn in the caller's open transaction, or else in one of its own that
 * commits when fn returns ES_OK and rolls back otherwise (sqlite_audit.c). */
es_err es__sqlite_in_tx(es_store_t *s, es_err (*fn)(es_store_t *s, void *ud), void *ud);
/* Prepares sql on the handle's connection into *st; a failure is recorded
 * on s naming `what`. */
es_err es__sqlite_prep(es_store_t *s, const char *sql, sqlite3_stmt **st, const char *what);
/* Finalizes st; src (the last step's result) SQLITE_DONE, SQLITE_ROW or
 * SQLITE_OK is success, anything else a failure recorded on s. */
es_err es__sqlite_finish(es_store_t *s, sqlite3_stmt *st, int src, const char *what);
es_err es__sqlite_token_list(es_store_t *s, void (*cb)(const es_token_row *, void *), void *ud);

/* Full-text search (sqlite_search.c); the backend's search operation. */
es_err es__sqlite_search(es_store_t *s, const es_search_opts *o,
                         void (*cb)(const es_mention_row *, void *), void *ud);

/* Builds an FTS5 query from plain user text into *out (es_free it): every
 * word quoted as a string, "..." kept as a phrase, a trailing * kept as a
 * prefix search; no other FTS5 syntax survives. *out is NULL when the text
 * holds nothing to search for. ES_ENOMEM, ES_ELIMIT. */
es_err es__sqlite_fts_query(const char *text, char **out) ES_WUR;

#endif
