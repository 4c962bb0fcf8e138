/*
 * sqlite.c - the SQLite backend of the store: one connection per handle, in
 * WAL mode with synchronous=FULL (a batch is on disk when es_store_put
 * returns), foreign keys on and a busy timeout so that processes sharing a
 * file wait for each other. Every statement is parameterised and prepared
 * once per handle. Writes go in one IMMEDIATE transaction per batch.
 *
 * SQLite's own memory comes from es_malloc too (installed once per process
 * before SQLite initialises), so a test that fails the Nth allocation reaches
 * inside SQLite as well. Reached only through store.c's operation table;
 * full-text search is in sqlite_search.c, the schema in migrations.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "store/sqlite_case_int.h"
#include "store/sqlite_int.h"
#include "store/user_int.h"
#include "store/label_int.h"
#include "store/feed_int.h"
#include "store/alert_int.h"
#include "store/case_int.h"
#include "store/sla_int.h"
#include "store/audits_int.h"
#include "store/location_int.h"
#include "store/plan_int.h"
#include "store/score_int.h"
#include "store/survey_int.h"
#include "store/post_int.h"
#include "store/invitation_int.h"
#include "store/survey_flow_int.h"

/* How long a writer waits for another handle's transaction, in ms, and
 * how long it sleeps between two tries, in microseconds (busy_wait). */
#define BUSY_TIMEOUT_MS 10000
#define BUSY_STEP_US 200
/* The page cache of a connection, in KiB (negative: KiB for SQLite). */
#define CACHE_KIB 32768
/* WAL pages before a commit checkpoints them into the database (SQLite's
 * default is 1,000, ~4 MB: less than one ingest transaction, so every commit
 * checkpointed). A page rewritten by several transactions (FTS5 segments,
 * index leaves) is then copied into the file once instead of each time. */
#define CHECKPOINT_PAGES 16384
#define STR_(x) #x
#define STR(x) STR_(x)

/* ------------------------------------------------------------------------ */
/* SQLite's memory through es_malloc                                         */

/* Each block carries its size in front, as SQLite's xSize needs it. */
#define HDR 16

static void *mem_malloc(int n)
{
    char *p = es_malloc((size_t)n + HDR);
    if (!p)
        return NULL;
    memcpy(p, &(size_t){(size_t)n}, sizeof(size_t));
    return p + HDR;
}

static void mem_free(void *p)
{
    if (p)
        es_free((char *)p - HDR);
}

static void *mem_realloc(void *p, int n)
{
    if (!p)
        return mem_malloc(n);
    char *q = es_realloc((char *)p - HDR, (size_t)n + HDR);
    if (!q)
        return NULL;
    memcpy(q, &(size_t){(size_t)n}, sizeof(size_t));
    return q + HDR;
}

static int mem_size(void *p)
{
    size_t n;
    memcpy(&n, (char *)p - HDR, sizeof n);
    return (int)n;
}

static int mem_roundup(int n)
{
    return (n + 7) & ~7;
}

static int mem_init(void *ud)
{
    return SQLITE_OK;
}

static void mem_shutdown(void *ud)
{
}

static void install_allocator(void)
{
    static const sqlite3_mem_methods m = {mem_malloc,  mem_free, mem_realloc,  mem_size,
                                          mem_roundup, mem_init, mem_shutdown, NULL};
    /* SQLITE_MISUSE when another part of the process initialised SQLite
     * first: it then keeps its own allocator, which is only less testable. */
    (void)sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
}

/* ------------------------------------------------------------------------ */
/* Errors and statements                                                     */

es_err es__sqlite_fail(es_store_t *s, sqlite3 *db, int src, const char *what)
{
    es_err rc;
    switch (src & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: rc = ES_EBUSY; break;
    case SQLITE_NOMEM: rc = ES_ENOMEM; break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: rc = ES_ECORRUPT; break;
    default: rc = ES_EDB; break;
    }
    const char *msg = db && (sqlite3_errcode(db) & 0xff) == (src & 0xff) ? sqlite3_errmsg(db)
                                                                         : sqlite3_errstr(src);
    return es__store_fail(s, rc, "%s: %s", what, msg);
}

static const char *const fixed_sql[Q_COUNT_ALL] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SAVEPOINT] = "SAVEPOINT es_step",
    [Q_RELEASE] = "RELEASE es_step",
    [Q_ROLLBACK_TO] = "ROLLBACK TO es_step",
    [Q_INSERT_MENTION] =
        "INSERT INTO mentions(source, external_id, author, author_name, followers, text, lang,"
        " created_at, received_at, url, reply_to, location, brand_hint, conversation, compound,"
        " pos, neu, neg, polarity, intent, cues, flags, rules, fingerprint, duplicate_of,"
        " key_hash, department, department_conf)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(key_hash) DO NOTHING",
    [Q_KEY_SAME] = "SELECT source = ?2 AND external_id = ?3 FROM mentions WHERE key_hash = ?1",
    [Q_KEY_COLLIDED] = "SELECT 1 FROM mentions WHERE key_hash IS NULL AND source = ?"
                       " AND external_id = ?",
    [Q_INSERT_FTS] = "INSERT INTO mentions_fts(rowid, text) VALUES(?, ?)",
    [Q_INSERT_MBRAND] = "INSERT OR IGNORE INTO mention_brands(mention_id, brand_id) VALUES(?, ?)",
    [Q_INSERT_MQUERY] = "INSERT OR IGNORE INTO mention_queries(mention_id, query_id) VALUES(?, ?)",
    [Q_COUNT] = "SELECT count(*) FROM mentions",
    [Q_BRAND_ADD] = "INSERT INTO brands(name, ours) VALUES(?, ?)",
    [Q_BRAND_LIST] = "SELECT id, name, ours FROM brands ORDER BY name",
    [Q_BRAND_FIND] = "SELECT id FROM brands WHERE name = ?",
    [Q_QUERY_ADD] = "INSERT INTO queries(brand_id, name, text, created) VALUES(?, ?, ?, ?)",
    [Q_QUERY_LIST] = "SELECT q.id, q.brand_id, b.name, q.name, q.text FROM queries q"
                     " JOIN brands b ON b.id = q.brand_id ORDER BY q.id",
    /* Brand mentions per UTC day (created time, else received time), with
     * each brand's share of that day's brand mentions. */
    /* ?3: 1 groups by ISO week (the Monday on or before the day); ?4: 1
     * for every mention, else ?5 is a JSON array of the locations in scope
     * (a value ending in '/' is a region: the locations under it). */
    [Q_STATS] =
        "SELECT day, name, ours, n, p, z, g, CAST(n AS REAL) / sum(n) OVER (PARTITION BY day)"
        " FROM (SELECT CASE WHEN ?3 THEN date(t, 'unixepoch', '-6 days', 'weekday 1')"
        "  ELSE date(t, 'unixepoch') END AS day, b.name AS name, b.ours AS ours,"
        "  count(*) AS n, sum(m.polarity > 0) AS p, sum(m.polarity = 0) AS z,"
        "  sum(m.polarity < 0) AS g"
        "  FROM (SELECT id, polarity, location,"
        "        CASE WHEN created_at <> 0 THEN created_at ELSE received_at END AS t"
        "        FROM mentions) m"
        "  JOIN mention_brands mb ON mb.mention_id = m.id JOIN brands b ON b.id = mb.brand_id"
        "  WHERE (?1 = 0 OR m.t >= ?1) AND (?2 = 0 OR m.t < ?2)"
        "  AND (?4 OR EXISTS (SELECT 1 FROM json_each(?5) j WHERE m.location = j.value"
        "   OR (substr(j.value, -1) = '/' AND substr(m.location, 1, length(j.value)) = j.value)))"
        "  GROUP BY day, b.id)"
        " ORDER BY day, name COLLATE NOCASE",
    [Q_RECENT_FP] = "SELECT fp, key FROM (SELECT id, fingerprint AS fp,"
                    " source || '/' || external_id AS key FROM mentions"
                    " WHERE fingerprint IS NOT NULL AND fingerprint <> 0"
                    " ORDER BY id DESC LIMIT ?) ORDER BY id",
};

/* The statement cache (sqlite_int.h): prepared once, kept until close. */
es_err es__sqlite_stmt(es_store_t *s, int which, sqlite3_stmt **out)
{
    es__sqlite *q = s->impl;
    if (!q->stmt[which]) {
        int src = sqlite3_prepare_v3(q->db, fixed_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                     &q->stmt[which], NULL);
        if (src != SQLITE_OK) {
            char what[96];
            snprintf(what, sizeof what, "preparing \"%.60s...\"", fixed_sql[which]);
            return es__sqlite_fail(s, q->db, src, what);
        }
    }
    *out = q->stmt[which];
    return ES_OK;
}

/* Runs a cached statement that returns no rows. */
static es_err run(es_store_t *s, int which, const char *what)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_stmt(s, which, &st);
    if (rc)
        return rc;
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, what);
    return ES_OK;
}

void es__sqlite_bind_str(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* ------------------------------------------------------------------------ */
/* Storing batches                                                           */

static uint64_t key_hash(const char *source, const char *external_id)
{
    XXH64_hash_t seed = XXH64(source, strlen(source), 0);
    return XXH64(external_id, strlen(external_id), seed);
}

uint64_t (*es__sqlite_key_hash)(const char *, const char *) = key_hash;

/* Binds every column of one mention to the insert statement, the key hash
 * last (NULL when with_key is 0: a collided key). */
static void bind_mention(sqlite3_stmt *st, const es_mention_t *m, int with_key)
{
    int i = 1;
    es__sqlite_bind_str(st, i++, m->source);
    es__sqlite_bind_str(st, i++, m->external_id);
    es__sqlite_bind_str(st, i++, m->author);
    es__sqlite_bind_str(st, i++, m->author_name);
    if (m->followers >= 0)
        sqlite3_bind_int64(st, i++, m->followers);
    else
        sqlite3_bind_null(st, i++);
    es__sqlite_bind_str(st, i++, m->text);
    es__sqlite_bind_str(st, i++, m->lang);
    sqlite3_bind_int64(st, i++, m->created_at);
    sqlite3_bind_int64(st, i++, m->received_at);
    es__sqlite_bind_str(st, i++, m->url);
    es__sqlite_bind_str(st, i++, m->reply_to);
    es__sqlite_bind_str(st, i++, m->location);
    es__sqlite_bind_str(st, i++, m->brand_hint);
    es__sqlite_bind_str(st, i++, m->conversation);
    sqlite3_bind_double(st, i++, m->sentiment.compound);
    sqlite3_bind_double(st, i++, m->sentiment.pos);
    sqlite3_bind_double(st, i++, m->sentiment.neu);
    sqlite3_bind_double(st, i++, m->sentiment.neg);
    sqlite3_bind_int(st, i++, m->sentiment.label < 0 ? -1 : m->sentiment.label > 0 ? 1 : 0);
    es__sqlite_bind_str(st, i++, es_intent_name(m->intent));
    sqlite3_bind_int64(st, i++, m->cues);
    sqlite3_bind_int64(st, i++, m->flags);
    es__sqlite_bind_str(st, i++, m->rules);
    if (m->fingerprint)
        sqlite3_bind_int64(st, i++, (int64_t)m->fingerprint);
    else
        sqlite3_bind_null(st, i++);
    es__sqlite_bind_str(st, i++, m->duplicate_of);
    if (with_key)
        sqlite3_bind_int64(st, i, (int64_t)es__sqlite_key_hash(m->source, m->external_id));
    else
        sqlite3_bind_null(st, i);
}

/* Inserts (id, x) pairs into a match table for each of the n ids. */
static int put_pairs(sqlite3_stmt *st, int64_t id, const uint32_t *ids, uint32_t n)
{
    int src = SQLITE_DONE;
    for (uint32_t k = 0; k < n && src == SQLITE_DONE; k++) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, ids[k]);
        src = sqlite3_step(st);
        sqlite3_reset(st);
    }
    return src;
}

/* Runs a lookup that answers with one integer; *yes is that integer, or 0
 * when there is no row. Returns SQLITE_DONE on success. */
static int ask(sqlite3_stmt *st, const es_mention_t *m, int with_key, int *yes)
{
    int k = 1;
    if (with_key)
        sqlite3_bind_int64(st, k++, (int64_t)es__sqlite_key_hash(m->source, m->external_id));
    es__sqlite_bind_str(st, k++, m->source);
    es__sqlite_bind_str(st, k, m->external_id);
    int src = sqlite3_step(st);
    *yes = src == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return src == SQLITE_ROW ? SQLITE_DONE : src;
}

/* Inserts the mention row. When its key hash is taken, decides whether by
 * the same mention (a duplicate: *added stays 0) or, very rarely, by a
 * different one whose key collides (then stored with a NULL key, unless it
 * is there already). */
static int insert_row(es__sqlite *q, const es_mention_t *m, int *added)
{
    sqlite3_stmt *ins = q->stmt[Q_INSERT_MENTION];
    bind_mention(ins, m, 1);
    es__sqlite_bind_str(ins, 27, m->department); /* step 8 (sqlite_label.c) */
    if (m->department)
        sqlite3_bind_double(ins, 28, m->department_conf);
    else
        sqlite3_bind_null(ins, 28);
    int src = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (src != SQLITE_DONE || sqlite3_changes(q->db) == 1) {
        *added = src == SQLITE_DONE;
        return src;
    }
    int same = 0;
    src = ask(q->stmt[Q_KEY_SAME], m, 1, &same);
    if (src == SQLITE_DONE && !same)
        src = ask(q->stmt[Q_KEY_COLLIDED], m, 0, &same);
    if (src != SQLITE_DONE || same)
        return src;
    bind_mention(ins, m, 0);
    src = sqlite3_step(ins);
    sqlite3_reset(ins);
    *added = src == SQLITE_DONE;
    return src;
}

/* Stores one mention inside the open transaction; *added is 1 when it was
 * new. Returns a SQLite result code (SQLITE_DONE on success). */
static int put_one(es__sqlite *q, const es_mention_t *m, int *added)
{
    *added = 0;
    int src = insert_row(q, m, added);
    if (src != SQLITE_DONE || !*added)
        return src;
    int64_t id = sqlite3_last_insert_rowid(q->db);
    sqlite3_stmt *fts = q->stmt[Q_INSERT_FTS];
    sqlite3_bind_int64(fts, 1, id);
    sqlite3_bind_text(fts, 2, m->text, -1, SQLITE_STATIC);
    src = sqlite3_step(fts);
    sqlite3_reset(fts);
    if (src == SQLITE_DONE)
        src = put_pairs(q->stmt[Q_INSERT_MBRAND], id, m->brands, m->n_brands);
    if (src == SQLITE_DONE)
        src = put_pairs(q->stmt[Q_INSERT_MQUERY], id, m->matches, m->n_matches);
    return src;
}

/* Stores the batch in one transaction; *inserted receives how many were
 * new and, when each is not NULL, each[i] whether ms[i] was. */
static es_err put_batch(es_store_t *s, const es_mention_t *ms, size_t n, size_t *inserted,
                        uint8_t *each)
{
    es__sqlite *q = s->impl;
    es_err rc = ES_OK;
    /* Every statement is prepared before the transaction starts, so that
     * ending it (COMMIT, ROLLBACK) never needs memory that may have run out. */
    static const int which[] = {Q_INSERT_MENTION, Q_KEY_SAME,      Q_KEY_COLLIDED, Q_INSERT_FTS,
                                Q_INSERT_MBRAND,  Q_INSERT_MQUERY, Q_COMMIT,       Q_ROLLBACK};
    sqlite3_stmt *st = NULL;
    for (size_t k = 0; k < sizeof which / sizeof which[0] && !rc; k++)
        rc = es__sqlite_stmt(s, which[k], &st);
    if (rc)
        return rc;
    es__store_gate_enter(s);
    if ((rc = run(s, Q_BEGIN, "storing batch: starting the transaction"))) {
        es__store_gate_leave(s);
        return rc;
    }
    size_t added = 0;
    for (size_t i = 0; i < n; i++) {
        int one = 0;
        int src = put_one(q, &ms[i], &one);
        if (src != SQLITE_DONE) {
            char what[ES_MAX_FIELD / 2];
            snprintf(what, sizeof what, "storing batch of %zu: mention %zu (%.100s/%.200s)", n, i,
                     ms[i].source, ms[i].external_id);
            rc = es__sqlite_fail(s, q->db, src, what);
            goto out;
        }
        added += (size_t)one;
        if (each)
            each[i] = (uint8_t)one;
    }
    rc = run(s, Q_COMMIT, "storing batch: committing");
out:
    if (rc && !sqlite3_get_autocommit(q->db)) {
        /* Keep the first message: the rollback's own is less useful. */
        char keep[ES_STORE_ERRMAX];
        memcpy(keep, s->errmsg, sizeof keep);
        (void)run(s, Q_ROLLBACK, "storing batch: rolling back");
        memcpy(s->errmsg, keep, sizeof keep);
    }
    if (sqlite3_get_autocommit(q->db))
        es__store_gate_leave(s);
    if (!rc)
        *inserted = added;
    return rc;
}

static es_err sq_put(es_store_t *s, const es_mention_t *ms, size_t n, size_t *inserted)
{
    return put_batch(s, ms, n, inserted, NULL);
}

static es_err sq_put_each(es_store_t *s, const es_mention_t *ms, size_t n, size_t *inserted,
                          uint8_t *each)
{
    return put_batch(s, ms, n, inserted, each);
}

static es_err sq_count(es_store_t *s, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_stmt(s, Q_COUNT, &st);
    if (rc)
        return rc;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (src != SQLITE_ROW)
        return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "counting mentions");
    return ES_OK;
}

/* ------------------------------------------------------------------------ */
/* Opening and closing                                                       */

static es_err sq_set_durability(es_store_t *s, int full)
{
    es__sqlite *q = s->impl;
    int src = sqlite3_exec(q->db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                           NULL, NULL, NULL);
    if (src != SQLITE_OK)
        return es__sqlite_fail(s, q->db, src, "setting durability");
    return ES_OK;
}

static void free_impl(es__sqlite *q)
{
    if (!q)
        return;
    for (int i = 0; i < Q_COUNT_ALL; i++)
        sqlite3_finalize(q->stmt[i]);
    for (int i = 0; i < SF_COMBOS; i++)
        sqlite3_finalize(q->search[i]);
    es__sqlcase_cache_free(q->case_cache);
    sqlite3_close_v2(q->db);
    es_free(q->path);
    es_free(q);
}

static void sq_close(es_store_t *s)
{
    free_impl(s->impl);
    s->impl = NULL;
    s->ops = NULL;
}

static const es__store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .put = sq_put,
    .count = sq_count,
    .brand_add = es__sqlite_brand_add,
    .brand_list = es__sqlite_brand_list,
    .brand_find = es__sqlite_brand_find,
    .query_add = es__sqlite_query_add,
    .query_list = es__sqlite_query_list,
    .search = es__sqlite_search,
    .stats = es__sqlite_stats,
    .recent_fingerprints = es__sqlite_recent_fp,
    .set_durability = sq_set_durability,
    .put_each = sq_put_each,
    .token_add = es__sqlite_token_add,
    .token_verify = es__sqlite_token_verify,
    .token_list = es__sqlite_token_list,
    .audit_add = es__sqlite_audit_add,
    .audit_list = es__sqlite_audit_list,
    .tx = es__sqlite_tx,
    .cases = &es__sqlite_case_ops, /* sqlite_case.c */
    .alerts = &es__sqlite_alert_ops,
    .users = &es__sqlite_user_ops, /* sqlite_user.c */
    .feeds = &es__sqlite_feed_ops,
    .sla = &es__sqlite_sla_ops,
    .labels = &es__sqlite_label_ops, /* sqlite_label.c */
    .locations = &es__sqlite_location_ops, /* sqlite_location.c */
    .surveys = &es__sqlite_survey_ops,     /* sqlite_survey.c */
    .posts = &es__sqlite_post_ops,         /* sqlite_post.c */
    .plans = &es__sqlite_plan_ops,         /* sqlite_plan.c */
    .invitations = &es__sqlite_invite_ops, /* sqlite_invitation.c */
    .audits = &es__sqlite_audits_ops,      /* sqlite_audits.c */
    .survey_flow = &es__sqlite_survey_flow_ops, /* sqlite_survey_flow.c */
    .scores = &es__sqlite_score_ops,       /* sqlite_score.c */
};

/* The busy handler: tries again every BUSY_STEP_US until BUSY_TIMEOUT_MS.
 * SQLite's own (sqlite3_busy_timeout) sleeps 1, 2, 5 ... up to 100 ms
 * between tries, far longer than the transactions here hold the lock (a
 * few ms): the server's group commit, waiting behind a transaction of the
 * follow-up, then slept tens of ms after the lock was free again. */
static int busy_wait(void *ud, int tries)
{
    if ((long long)tries * BUSY_STEP_US >= (long long)BUSY_TIMEOUT_MS * 1000)
        return 0;
    struct timespec step = {0, BUSY_STEP_US * 1000L};
    nanosleep(&step, NULL);
    return 1;
}

/* Sets the connection up: WAL, durability, foreign keys, cache. An
 * in-memory database (":memory:", for tests of callers) keeps its "memory"
 * journal; a file that cannot use WAL is refused. */
static es_err configure(es_store_t *s, es__sqlite *q)
{
    char what[ES_MAX_FIELD];
    snprintf(what, sizeof what, "opening %.900s", q->path);
    sqlite3_stmt *st = NULL;
    int wal = 0;
    int src = sqlite3_prepare_v2(q->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        wal = mode && (strcmp(mode, "wal") == 0 || strcmp(mode, "memory") == 0);
        src = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (src != SQLITE_OK)
        return es__sqlite_fail(s, q->db, src, what);
    if (!wal)
        return es__store_fail(s, ES_EDB, "%s: cannot switch to WAL mode", what);
    src = sqlite3_exec(q->db,
                       "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                       "PRAGMA cache_size=-" STR(CACHE_KIB) ";"
                       "PRAGMA wal_autocheckpoint=" STR(CHECKPOINT_PAGES) ";",
                       NULL, NULL, NULL);
    if (src != SQLITE_OK)
        return es__sqlite_fail(s, q->db, src, what);
    return ES_OK;
}

es_err es__sqlite_open(es_store_t *s, const char *path)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_allocator);
    es_err rc = ES_ENOMEM;
    es__sqlite *q = es_calloc(1, sizeof *q);
    if (!q || !(q->path = es_strdup(path))) {
        es__store_fail(s, rc, "opening %.900s: out of memory", path);
        goto out;
    }
    s->impl = q;
    int src = sqlite3_open_v2(
        path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        char what[ES_MAX_FIELD];
        snprintf(what, sizeof what, "opening %.900s", path);
        rc = es__sqlite_fail(s, q->db, src, what);
        goto out;
    }
    sqlite3_extended_result_codes(q->db, 1);
    sqlite3_busy_handler(q->db, busy_wait, NULL);
    if ((rc = configure(s, q)))
        goto out;
    rc = es__sqlite_migrate(s, q->db, path, &s->version);
out:
    if (rc) {
        free_impl(q);
        s->impl = NULL;
        s->version = 0;
    } else {
        s->ops = &sqlite_ops;
    }
    return rc;
}
