/*
 * migrations.c - the SQLite schema of an earshot database, as numbered steps.
 * The version reached is PRAGMA user_version; each step runs in its own
 * IMMEDIATE transaction together with the version bump, so a database is
 * always at exactly one version, whatever crashes when. Opening a database
 * that a newer earshot has migrated further than this build knows is refused
 * (ES_ECORRUPT), never guessed at. Called by es__sqlite_open (sqlite.c).
 *
 * To change the schema: append a step, never edit a released one, and raise
 * ES_SQLITE_SCHEMA_VERSION (sqlite_int.h). docs/storage.md describes it.
 */
#include <stdio.h>

#include "store/sqlite_int.h"

typedef struct migration {
    int version;
    const char *what;
    const char *sql;
} migration;

/* Step 1: the core tables. Mention ids increase with every insert (plain
 * INTEGER PRIMARY KEY, appended to the table's right edge). Idempotency is a
 * unique index on key_hash, a 64-bit hash of (source, external_id): its
 * entries are a third of the size of a (source, external_id) index, so a
 * batch of keys in random order dirties far fewer pages (docs/storage.md has
 * the figures). A real collision of two different keys is stored with a NULL
 * key_hash; the same index finds those few rows (NULLs never conflict).
 * Polarity is stored as -1/0/1 and intent by name, so that neither depends
 * on a C enum's order. */
static const char step1[] =
    "CREATE TABLE brands ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " ours INTEGER NOT NULL DEFAULT 1);"
    "CREATE TABLE queries ("
    " id INTEGER PRIMARY KEY,"
    " brand_id INTEGER NOT NULL REFERENCES brands(id),"
    " name TEXT,"
    " text TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE mentions ("
    " id INTEGER PRIMARY KEY,"
    " source TEXT NOT NULL,"
    " external_id TEXT NOT NULL,"
    " author TEXT, author_name TEXT, followers INTEGER,"
    " text TEXT NOT NULL, lang TEXT,"
    " created_at INTEGER NOT NULL DEFAULT 0, received_at INTEGER NOT NULL DEFAULT 0,"
    " url TEXT, reply_to TEXT, location TEXT, brand_hint TEXT, conversation TEXT,"
    " compound REAL, pos REAL, neu REAL, neg REAL,"
    " polarity INTEGER NOT NULL DEFAULT 0, intent TEXT NOT NULL DEFAULT 'other',"
    " cues INTEGER NOT NULL DEFAULT 0, flags INTEGER NOT NULL DEFAULT 0,"
    " rules TEXT, fingerprint INTEGER, duplicate_of TEXT, key_hash INTEGER);"
    "CREATE UNIQUE INDEX mentions_key ON mentions(key_hash);"
    "CREATE TABLE mention_brands ("
    " mention_id INTEGER NOT NULL REFERENCES mentions(id),"
    " brand_id INTEGER NOT NULL REFERENCES brands(id),"
    " PRIMARY KEY (mention_id, brand_id)) WITHOUT ROWID;"
    "CREATE TABLE mention_queries ("
    " mention_id INTEGER NOT NULL REFERENCES mentions(id),"
    " query_id INTEGER NOT NULL REFERENCES queries(id),"
    " PRIMARY KEY (mention_id, query_id)) WITHOUT ROWID;";

/* Step 2: full text and the indexes that search and stats filter on. The
 * FTS5 index is contentless (the text lives once, in mentions) and keyed by
 * the mention id; unicode61 with remove_diacritics 2 makes "cafe" find
 * "Café". detail=full is kept because phrase search needs positions.
 * automerge 8 / crisismerge 32 let more segments wait before FTS5 merges
 * them: less merging per committed batch, at the price of a few more
 * segments for a search to read (docs/storage.md). */
static const char step2[] =
    "CREATE VIRTUAL TABLE mentions_fts USING fts5(text, content='',"
    " tokenize='unicode61 remove_diacritics 2');"
    "INSERT INTO mentions_fts(mentions_fts, rank) VALUES('automerge', 8);"
    "INSERT INTO mentions_fts(mentions_fts, rank) VALUES('crisismerge', 32);"
    "INSERT INTO mentions_fts(rowid, text) SELECT id, text FROM mentions;"
    "CREATE INDEX mentions_created ON mentions(created_at);"
    "CREATE INDEX mention_brands_brand ON mention_brands(brand_id, mention_id);"
    "CREATE INDEX queries_brand ON queries(brand_id);";

/* Step 3: API tokens for machines (POST /hooks/ingest). Only the SHA-256
 * of a token is kept, never the token itself; the name is for people. */
static const char step3[] =
    "CREATE TABLE api_tokens ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " hash BLOB NOT NULL UNIQUE,"
    " created INTEGER NOT NULL,"
    " last_used INTEGER);";

static const migration steps[] = {
    {1, "core tables", step1},
    {2, "full-text index and search indexes", step2},
    {3, "API tokens", step3},
};

_Static_assert(sizeof steps / sizeof steps[0] == ES_SQLITE_SCHEMA_VERSION,
               "one migration step per schema version");

/* Reads one integer PRAGMA (or any one-value query) into *out. */
static int read_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            *out = sqlite3_column_int(st, 0);
            src = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return src;
}

/* Refuses a database that is not ours or is newer than this build. */
static es_err check_identity(es_store_t *s, sqlite3 *db, const char *path, int *version)
{
    int app = 0, objects = 0;
    int src = read_int(db, "PRAGMA application_id", &app);
    if (src == SQLITE_OK)
        src = read_int(db, "PRAGMA user_version", version);
    if (src == SQLITE_OK)
        src = read_int(db, "SELECT count(*) FROM sqlite_schema", &objects);
    if (src != SQLITE_OK)
        return es__sqlite_fail(s, db, src, "reading the schema version");
    if (app != 0 && app != ES_SQLITE_APP_ID)
        return es__store_fail(s, ES_ECORRUPT, "%s: not an earshot database (application_id %d)",
                              path, app);
    if (app == 0 && *version == 0 && objects > 0)
        return es__store_fail(s, ES_ECORRUPT,
                              "%s: holds %d tables or indexes of another program; "
                              "not an earshot database",
                              path, objects);
    if (*version > ES_SQLITE_SCHEMA_VERSION)
        return es__store_fail(s, ES_ECORRUPT,
                              "%s: schema version %d is newer than this earshot knows "
                              "(up to %d); use a newer earshot",
                              path, *version, ES_SQLITE_SCHEMA_VERSION);
    return ES_OK;
}

/* Applies one step inside its own transaction, unless another process has
 * applied it meanwhile (the version is read again under the write lock). */
static es_err apply(es_store_t *s, sqlite3 *db, const migration *m, int *version)
{
    char what[160];
    snprintf(what, sizeof what, "migrating to schema version %d (%s)", m->version, m->what);
    int src = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (src != SQLITE_OK)
        return es__sqlite_fail(s, db, src, what);
    src = read_int(db, "PRAGMA user_version", version);
    if (src == SQLITE_OK && *version < m->version) {
        src = sqlite3_exec(db, m->sql, NULL, NULL, NULL);
        if (src == SQLITE_OK && m->version == 1) {
            char app[64];
            snprintf(app, sizeof app, "PRAGMA application_id = %d", ES_SQLITE_APP_ID);
            src = sqlite3_exec(db, app, NULL, NULL, NULL);
        }
        if (src == SQLITE_OK) {
            char bump[64];
            snprintf(bump, sizeof bump, "PRAGMA user_version = %d", m->version);
            src = sqlite3_exec(db, bump, NULL, NULL, NULL);
        }
    }
    if (src == SQLITE_OK)
        src = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (src != SQLITE_OK) {
        es_err rc = es__sqlite_fail(s, db, src, what);
        if (!sqlite3_get_autocommit(db))
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    *version = m->version > *version ? m->version : *version;
    return ES_OK;
}

es_err es__sqlite_migrate(es_store_t *s, sqlite3 *db, const char *path, int *version)
{
    es_err rc = check_identity(s, db, path, version);
    for (size_t i = 0; rc == ES_OK && i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i].version > *version)
            rc = apply(s, db, &steps[i], version);
    return rc;
}
