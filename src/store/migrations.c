/*
 * migrations.c - the SQLite schema of an earshot database, as numbered steps.
 * The version reached is PRAGMA user_version; each step runs in its own
 * IMMEDIATE transaction together with the version bump, so a database is
 * always at exactly one version, whatever crashes when. Opening a database
 * that a newer earshot has migrated further than this build knows is refused
 * (ES_ECORRUPT), never guessed at. Called by es__sqlite_open (sqlite.c).
 *
 * To change the schema: append a step (the parts of the service keep theirs
 * in their own sqlite_<part>.c); never edit a released one. docs/storage.md describes it.
 */
#include <stdio.h>

#include "store/sqlite_int.h"
#include "store/user_int.h"
#include "store/label_int.h"
#include "store/feed_int.h"
#include "store/alert_int.h"
#include "store/case_int.h"
#include "store/sla_int.h"
#include "store/audits_int.h"
#include "store/location_int.h"
#include "store/survey_int.h"
#include "store/post_int.h"
#include "store/plan_int.h"
#include "store/invitation_int.h"
#include "store/survey_flow_int.h"
#include "store/score_int.h"

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

/* (A WITHOUT ROWID table lists its key's columns first, in the key's
 * order: SQLite 3.40's integrity_check wrongly reports NULLs in a NOT NULL
 * column declared before them.)
 *
 * Step 4: the tables the service's parts share (issue 3): people and their
 * scope, teams, customers and their handles, cases, agents' corrections
 * (labels) and the audit trail. Each part adds its own tables in a later
 * step (sqlite_<part>.c). Times are Unix seconds. A case's status is one of
 * new, open, pending, resolved; priority 1 (urgent) to 4 (low). A user's
 * locations scope a manager: no rows means every location. */
static const char step4[] =
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " email TEXT, phone TEXT,"
    " role TEXT NOT NULL CHECK (role IN ('admin','manager','agent','viewer')),"
    " password_hash TEXT,"
    " created INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE user_locations ("
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " location TEXT NOT NULL,"
    " PRIMARY KEY (user_id, location)) WITHOUT ROWID;"
    "CREATE INDEX user_locations_location ON user_locations(location);"
    "CREATE TABLE teams ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " assign TEXT NOT NULL DEFAULT 'round_robin'"
    "  CHECK (assign IN ('round_robin','least_loaded','none')),"
    " triage INTEGER NOT NULL DEFAULT 0,"
    " last_assigned INTEGER);"
    "CREATE TABLE team_members ("
    " team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " capacity INTEGER NOT NULL DEFAULT 20,"
    " PRIMARY KEY (team_id, user_id)) WITHOUT ROWID;"
    "CREATE TABLE customers ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT,"
    " created INTEGER NOT NULL,"
    " merged_into INTEGER REFERENCES customers(id));"
    "CREATE TABLE customer_handles ("
    " kind TEXT NOT NULL CHECK (kind IN ('handle','phone','email')),"
    " source TEXT NOT NULL DEFAULT '',"
    " value TEXT NOT NULL,"
    " customer_id INTEGER NOT NULL REFERENCES customers(id),"
    " PRIMARY KEY (kind, source, value)) WITHOUT ROWID;"
    "CREATE INDEX customer_handles_customer ON customer_handles(customer_id);"
    "CREATE TABLE cases ("
    " id INTEGER PRIMARY KEY,"
    " customer_id INTEGER REFERENCES customers(id),"
    " source TEXT NOT NULL,"
    " location TEXT,"
    " brand_id INTEGER REFERENCES brands(id),"
    " subject TEXT,"
    " status TEXT NOT NULL DEFAULT 'new'"
    "  CHECK (status IN ('new','open','pending','resolved')),"
    " priority INTEGER NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 4),"
    " severity REAL NOT NULL DEFAULT 0,"
    " rank REAL NOT NULL DEFAULT 0,"
    " team_id INTEGER REFERENCES teams(id),"
    " assignee_id INTEGER REFERENCES users(id),"
    " sentiment INTEGER NOT NULL DEFAULT 0,"
    " intent TEXT NOT NULL DEFAULT 'other',"
    " department TEXT,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " last_customer_at INTEGER NOT NULL,"
    " first_response_at INTEGER,"
    " last_response_at INTEGER,"
    " resolved_at INTEGER,"
    " merged_into INTEGER REFERENCES cases(id),"
    " followers INTEGER);"
    "CREATE INDEX cases_queue ON cases(status, rank DESC) WHERE merged_into IS NULL;"
    "CREATE INDEX cases_assignee ON cases(assignee_id, status);"
    "CREATE INDEX cases_customer ON cases(customer_id, source, last_customer_at);"
    "CREATE INDEX cases_location ON cases(location);"
    "ALTER TABLE mentions ADD COLUMN case_id INTEGER REFERENCES cases(id);"
    "CREATE INDEX mentions_case ON mentions(case_id, id);"
    "CREATE INDEX mentions_unthreaded ON mentions(id) WHERE case_id IS NULL;"
    "CREATE TABLE labels ("
    " id INTEGER PRIMARY KEY,"
    " mention_id INTEGER REFERENCES mentions(id),"
    " case_id INTEGER REFERENCES cases(id),"
    " task TEXT NOT NULL CHECK (task IN ('sentiment','intent','department')),"
    " label TEXT NOT NULL,"
    " user_id INTEGER REFERENCES users(id),"
    " created INTEGER NOT NULL);"
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " user_id INTEGER, token_id INTEGER,"
    " action TEXT NOT NULL,"
    " object TEXT NOT NULL,"
    " detail TEXT);"
    "CREATE INDEX audit_object ON audit(object, id);";

static const migration steps[] = {
    {1, "core tables", step1},
    {2, "full-text index and search indexes", step2},
    {3, "API tokens", step3},
    {4, "users, teams, customers, cases, labels, audit", step4},
    {5, "alerts: rules, destinations, outbox, state", es__sqlite_step5},
    {6, "sessions, login attempts, token roles", es__sqlite_step6},
    {7, "feeds", es__sqlite_step7},
    {8, "mention departments, label indexes", es__sqlite_step8},
    {9, "SLA calendars and policies, status log, replies, reply outbox", es__sqlite_step9},
    {10, "inbox: routing rules, notes, tags, queue key", es__sqlite_step10},
    {11, "organisation, regions, locations", es__sqlite_step11},
    {12, "surveys, questions, responses, answers, opt-outs", es__sqlite_step12},
    {13, "the brand's own posts and their metrics", es__sqlite_step_posts},
    {14, "action plans", es__sqlite_step_plans},
    {15, "survey and advocacy invitations", es__sqlite_step_invitations},
    {16, "audit checklists, audits, answers", es__sqlite_step_audits},
    {17, "SMS survey sessions, hot alerts and recovery of responses", es__sqlite_step_sms},
    {18, "score sums per location, question and day", es__sqlite_step_scores},
};

#define N_STEPS (sizeof steps / sizeof steps[0])

/* See sqlite_int.h: the newest step is the schema version. */
int es__sqlite_schema_version(void)
{
    return steps[N_STEPS - 1].version;
}

/* See sqlite_int.h. */
int es__sqlite_steps_contiguous(void)
{
    for (size_t i = 0; i < N_STEPS; i++)
        if (steps[i].version != (int)i + 1)
            return 0;
    return 1;
}

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
