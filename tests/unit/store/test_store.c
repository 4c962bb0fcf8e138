/*
 * test_store.c - the store (src/store/) against a real SQLite file in a
 * temporary directory: opening and migrating, idempotent batches, search
 * with every filter and hostile text, stats with share of voice, brands and
 * queries, refusal of newer schemas and of files that are not earshot
 * databases, allocation failures at every step of open and put, and a batch
 * that fails half-way leaving nothing behind.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "earshot/store.h"
#include "store/sqlite_int.h"

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static void remove_all(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (unlink(p) != 0) {
            chmod(p, 0700);
            remove_all(p);
            rmdir(p);
        }
    }
    closedir(d);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    /* tmpfs when there is one: the allocation-failure loops open and
     * commit thousands of times, and fsync on a disk makes that slow. */
    struct stat sb;
    const char *base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(f->dir, sizeof f->dir, "%s/es_store_XXXXXX", base);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove_all(f->dir);
    rmdir(f->dir);
    free(f);
    return 0;
}

static es_store_t *open_ok(const char *path)
{
    es_store_t *s = NULL;
    es_err rc = es_store_open(path, &s);
    if (rc)
        fail_msg("open %s: %s", path, es_store_errmsg(s));
    return s;
}

/* A mention with the given identity, text, time and understanding. */
static es_mention_t mk(const char *source, const char *id, const char *text, int64_t at,
                       es_polarity pol, es_intent in)
{
    es_mention_t m;
    es_mention_init(&m);
    m.source = source;
    m.external_id = id;
    m.text = text;
    m.created_at = at;
    m.received_at = at + 5;
    m.sentiment.label = pol;
    m.sentiment.compound = pol * 0.5;
    m.intent = in;
    return m;
}

static int64_t count(es_store_t *s)
{
    int64_t n = -1;
    assert_int_equal(es_store_count(s, &n), ES_OK);
    return n;
}

static void cb_count(const es_mention_row *r, void *ud)
{
    (*(int *)ud)++;
}

/* ------------------------------------------------------------------------ */

static void test_open_migrate_reopen(void **state)
{
    fixture *f = *state;
    assert_true(es__sqlite_steps_contiguous());
    es_store_t *s = open_ok(f->path);
    assert_int_equal(es_store_schema_version(s), ES_SQLITE_SCHEMA_VERSION);
    assert_int_equal(count(s), 0);
    assert_string_equal(es_store_errmsg(s), "no error");
    es_store_close(s);
    s = open_ok(f->path);
    assert_int_equal(es_store_schema_version(s), ES_SQLITE_SCHEMA_VERSION);
    es_store_close(s);

    /* The file is in WAL mode with an earshot application id. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* An in-memory store works too (for callers' tests). */
    s = open_ok(":memory:");
    es_mention_t m = mk("web", "1", "in memory", 1, ES_NEUTRAL, ES_INTENT_OTHER);
    assert_int_equal(es_store_put(s, &m, 1, NULL), ES_OK);
    assert_int_equal(count(s), 1);
    es_store_close(s);
}

static void test_put_idempotent(void **state)
{
    fixture *f = *state;
    es_store_t *s = open_ok(f->path);
    es_mention_t b[4] = {
        mk("twitter", "1", "first", 100, ES_NEUTRAL, ES_INTENT_OTHER),
        mk("twitter", "2", "second", 200, ES_NEUTRAL, ES_INTENT_OTHER),
        mk("twitter", "1", "first again, same id", 300, ES_NEUTRAL, ES_INTENT_OTHER),
        mk("sms", "1", "same id, another source", 400, ES_NEUTRAL, ES_INTENT_OTHER),
    };
    size_t added = 99;
    assert_int_equal(es_store_put(s, b, 4, &added), ES_OK);
    assert_int_equal(added, 3);
    assert_int_equal(es_store_put(s, b, 4, &added), ES_OK);
    assert_int_equal(added, 0);
    assert_int_equal(count(s), 3);
    /* The first delivery wins: the duplicate's text was not stored. */
    es_search_opts o = {.text = "again"};
    int hits = 0;
    assert_int_equal(es_store_search(s, &o, cb_count, &hits), ES_OK);
    assert_int_equal(hits, 0);
    /* An empty batch and a NULL count are fine. */
    assert_int_equal(es_store_put(s, NULL, 0, &added), ES_OK);
    assert_int_equal(es_store_put(s, b, 1, NULL), ES_OK);
    /* A mention without an id is refused, and nothing of its batch stored. */
    es_mention_t bad[2] = {mk("web", "x", "fine", 1, ES_NEUTRAL, ES_INTENT_OTHER),
                           mk("web", NULL, "no id", 1, ES_NEUTRAL, ES_INTENT_OTHER)};
    assert_int_equal(es_store_put(s, bad, 2, &added), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(s), "mention 1"));
    assert_int_equal(count(s), 3);
    es_store_close(s);
}

static uint64_t same_hash(const char *source, const char *external_id)
{
    return 7; /* every key collides with every other */
}

/* Idempotency stays exact when different keys share a hash. */
static void test_key_collisions(void **state)
{
    fixture *f = *state;
    uint64_t (*saved)(const char *, const char *) = es__sqlite_key_hash;
    es__sqlite_key_hash = same_hash;
    es_store_t *s = open_ok(f->path);
    es_mention_t b[5] = {
        mk("twitter", "1", "one", 1, ES_NEUTRAL, ES_INTENT_OTHER),
        mk("twitter", "2", "two", 2, ES_NEUTRAL, ES_INTENT_OTHER),
        mk("twitter", "1", "one again", 3, ES_NEUTRAL, ES_INTENT_OTHER),
        mk("sms", "1", "three", 4, ES_NEUTRAL, ES_INTENT_OTHER),
        mk("sms", "1", "three again", 5, ES_NEUTRAL, ES_INTENT_OTHER),
    };
    size_t added = 0;
    assert_int_equal(es_store_put(s, b, 5, &added), ES_OK);
    assert_int_equal(added, 3);
    assert_int_equal(es_store_put(s, b, 5, &added), ES_OK);
    assert_int_equal(added, 0);
    assert_int_equal(count(s), 3);
    es_store_close(s);
    es__sqlite_key_hash = saved;
}

/* ------------------------------------------------------------------------ */
/* Search                                                                    */

typedef struct hits {
    int n;
    char ids[16][32];
    char brands[16][64];
} hits;

static void cb_collect(const es_mention_row *r, void *ud)
{
    hits *h = ud;
    if (h->n < 16) {
        snprintf(h->ids[h->n], sizeof h->ids[0], "%s", r->m.external_id);
        snprintf(h->brands[h->n], sizeof h->brands[0], "%s", r->brands);
    }
    h->n++;
}

static hits search(es_store_t *s, es_search_opts o)
{
    hits h = {0};
    es_err rc = es_store_search(s, &o, cb_collect, &h);
    if (rc)
        fail_msg("search: %s", es_store_errmsg(s));
    return h;
}

/* Stores the corpus the search and stats tests share. Days: 2026-01-01 is
 * 1767225600. */
static void load_corpus(es_store_t *s, uint32_t *acme, uint32_t *rival)
{
    assert_int_equal(es_store_brand_add(s, "Acme", 1, acme), ES_OK);
    assert_int_equal(es_store_brand_add(s, "Rival", 0, rival), ES_OK);
    const int64_t d1 = 1767225600, d2 = d1 + 86400;
    es_mention_t m[6] = {
        mk("twitter", "t1", "My Acme flight is delayed again", d1 + 10, ES_NEGATIVE,
           ES_INTENT_COMPLAINT),
        mk("twitter", "t2", "Love the Café at Acme lounge", d1 + 20, ES_POSITIVE, ES_INTENT_PRAISE),
        mk("sms", "s1", "when does the flight board?", d1 + 30, ES_NEUTRAL, ES_INTENT_QUESTION),
        mk("email", "e1", "Rival lost my bag, Acme did not", d2 + 10, ES_NEGATIVE,
           ES_INTENT_COMPLAINT),
        mk("twitter", "t3", "Rival delays all day", d2 + 20, ES_NEGATIVE, ES_INTENT_COMPLAINT),
        mk("web", "w1", "a \"quoted\" word and (parens) and NOT", d2 + 30, ES_NEUTRAL,
           ES_INTENT_OTHER),
    };
    static uint32_t b_acme[1], b_rival[1], b_both[2];
    b_acme[0] = *acme;
    b_rival[0] = *rival;
    b_both[0] = *rival;
    b_both[1] = *acme;
    m[0].brands = b_acme, m[0].n_brands = 1;
    m[1].brands = b_acme, m[1].n_brands = 1;
    m[3].brands = b_both, m[3].n_brands = 2;
    m[4].brands = b_rival, m[4].n_brands = 1;
    m[0].fingerprint = 0xfedcba9876543210ULL;
    m[4].fingerprint = 42;
    size_t added = 0;
    assert_int_equal(es_store_put(s, m, 6, &added), ES_OK);
    assert_int_equal(added, 6);
}

static void test_search_filters(void **state)
{
    fixture *f = *state;
    es_store_t *s = open_ok(f->path);
    uint32_t acme, rival;
    load_corpus(s, &acme, &rival);
    const int64_t d2 = 1767225600 + 86400;

    hits h = search(s, (es_search_opts){0});
    assert_int_equal(h.n, 6);
    assert_string_equal(h.ids[0], "w1"); /* newest first */
    assert_string_equal(h.ids[5], "t1");
    assert_string_equal(h.brands[2], "Acme,Rival");

    h = search(s, (es_search_opts){.text = "flight"});
    assert_int_equal(h.n, 2);
    h = search(s, (es_search_opts){.text = "FLIGHT delayed"});
    assert_int_equal(h.n, 1);
    assert_string_equal(h.ids[0], "t1");
    h = search(s, (es_search_opts){.text = "cafe"}); /* diacritics removed */
    assert_int_equal(h.n, 1);
    h = search(s, (es_search_opts){.text = "delay*"});
    assert_int_equal(h.n, 2);
    h = search(s, (es_search_opts){.text = "\"flight is delayed\""});
    assert_int_equal(h.n, 1);
    h = search(s, (es_search_opts){.text = "\"delayed flight\""});
    assert_int_equal(h.n, 0);

    h = search(s, (es_search_opts){.brand = "acme"});
    assert_int_equal(h.n, 3);
    h = search(s, (es_search_opts){.brand = "Nobody"});
    assert_int_equal(h.n, 0);
    h = search(s, (es_search_opts){.source = "twitter"});
    assert_int_equal(h.n, 3);
    h = search(s, (es_search_opts){.polarity = "negative"});
    assert_int_equal(h.n, 3);
    h = search(s, (es_search_opts){.intent = "question"});
    assert_int_equal(h.n, 1);
    assert_string_equal(h.ids[0], "s1");
    h = search(s, (es_search_opts){.since = d2});
    assert_int_equal(h.n, 3);
    h = search(s, (es_search_opts){.until = d2});
    assert_int_equal(h.n, 3);
    h = search(s, (es_search_opts){.since = d2, .until = d2 + 20});
    assert_int_equal(h.n, 1);
    assert_string_equal(h.ids[0], "e1");
    h = search(s, (es_search_opts){.text = "rival",
                                   .brand = "Rival",
                                   .source = "twitter",
                                   .polarity = "negative",
                                   .intent = "complaint"});
    assert_int_equal(h.n, 1);
    assert_string_equal(h.ids[0], "t3");
    h = search(s, (es_search_opts){.limit = 2, .offset = 1});
    assert_int_equal(h.n, 2);
    assert_string_equal(h.ids[0], "t3");

    /* Unknown filter values are refused with a message. */
    int n = 0;
    assert_int_equal(es_store_search(s, &(es_search_opts){.polarity = "angry"}, cb_count, &n),
                     ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(s), "angry"));
    es_store_close(s);
}

static void test_search_hostile(void **state)
{
    fixture *f = *state;
    es_store_t *s = open_ok(f->path);
    uint32_t acme, rival;
    load_corpus(s, &acme, &rival);
    static const char *const hostile[] = {
        "\"",          "\"\"\"",
        "quoted\"",    "(parens",
        "NOT",         "AND OR NOT",
        "*",           "**",
        "text:flight", "NEAR(flight delayed)",
        "flight OR",   "'; DROP TABLE mentions; --",
        "^flight",     "-",
        "{text}: x",   "\xc3\xa9\"\xc3",
        "   ",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        int n = 0;
        es_err rc = es_store_search(s, &(es_search_opts){.text = hostile[i]}, cb_count, &n);
        if (rc)
            fail_msg("'%s': %s", hostile[i], es_store_errmsg(s));
    }
    /* Syntax words are searched for as words. */
    assert_int_equal(search(s, (es_search_opts){.text = "NOT"}).n, 2); /* w1, e1 */
    assert_int_equal(search(s, (es_search_opts){.text = "and OR"}).n, 0);
    assert_int_equal(search(s, (es_search_opts){.text = "(parens)"}).n, 1);
    assert_int_equal(search(s, (es_search_opts){.text = "\"quoted\" word"}).n, 1);
    assert_int_equal(search(s, (es_search_opts){.text = "text:flight"}).n, 0);
    assert_int_equal(count(s), 6);
    /* Over-long search text is refused, not truncated. */
    char *big = malloc(ES_MAX_FIELD + 2);
    assert_non_null(big);
    memset(big, 'a', ES_MAX_FIELD + 1);
    big[ES_MAX_FIELD + 1] = '\0';
    int n = 0;
    assert_int_equal(es_store_search(s, &(es_search_opts){.text = big}, cb_count, &n), ES_ELIMIT);
    free(big);
    es_store_close(s);
}

static void test_fts_query_text(void **state)
{
    char *q = NULL;
    assert_int_equal(es__sqlite_fts_query("a \"b c\" d* \"e", &q), ES_OK);
    assert_string_equal(q, "\"a\" \"b c\" \"d\"* \"e\"");
    es_free(q);
    assert_int_equal(es__sqlite_fts_query("x\"\"y", &q), ES_OK);
    assert_string_equal(q, "\"x\" \"y\"");
    es_free(q);
    assert_int_equal(es__sqlite_fts_query(" \t ", &q), ES_OK);
    assert_null(q);
}

/* ------------------------------------------------------------------------ */
/* Stats, fingerprints, brands and queries                                    */

typedef struct stats {
    int n;
    es_stats_row r[8];
    char day[8][11], brand[8][16];
} stats;

static void cb_stats(const es_stats_row *r, void *ud)
{
    stats *st = ud;
    if (st->n < 8) {
        st->r[st->n] = *r;
        snprintf(st->day[st->n], 11, "%s", r->day);
        snprintf(st->brand[st->n], 16, "%s", r->brand);
    }
    st->n++;
}

static void test_stats(void **state)
{
    fixture *f = *state;
    es_store_t *s = open_ok(f->path);
    uint32_t acme, rival;
    load_corpus(s, &acme, &rival);
    stats st = {0};
    assert_int_equal(es_store_stats(s, 0, 0, cb_stats, &st), ES_OK);
    assert_int_equal(st.n, 3);
    /* Day 1: Acme alone, 2 mentions, one positive one negative. */
    assert_string_equal(st.day[0], "2026-01-01");
    assert_string_equal(st.brand[0], "Acme");
    assert_int_equal(st.r[0].ours, 1);
    assert_int_equal(st.r[0].mentions, 2);
    assert_int_equal(st.r[0].positive, 1);
    assert_int_equal(st.r[0].negative, 1);
    assert_float_equal(st.r[0].net, 0.0, 1e-9);
    assert_float_equal(st.r[0].share, 1.0, 1e-9);
    /* Day 2: Acme 1 (negative), Rival 2 (negative): share 1/3 and 2/3. */
    assert_string_equal(st.brand[1], "Acme");
    assert_int_equal(st.r[1].mentions, 1);
    assert_float_equal(st.r[1].net, -1.0, 1e-9);
    assert_float_equal(st.r[1].share, 1.0 / 3, 1e-9);
    assert_string_equal(st.brand[2], "Rival");
    assert_int_equal(st.r[2].ours, 0);
    assert_int_equal(st.r[2].mentions, 2);
    assert_float_equal(st.r[2].share, 2.0 / 3, 1e-9);
    /* A range keeps day 2 only. */
    memset(&st, 0, sizeof st);
    assert_int_equal(es_store_stats(s, 1767225600 + 86400, 0, cb_stats, &st), ES_OK);
    assert_int_equal(st.n, 2);
    es_store_close(s);
}

typedef struct fps {
    int n;
    uint64_t fp[4];
    char key[4][32];
} fps;

static void cb_fp(uint64_t fp, const char *key, void *ud)
{
    fps *x = ud;
    if (x->n < 4) {
        x->fp[x->n] = fp;
        snprintf(x->key[x->n], 32, "%s", key);
    }
    x->n++;
}

static void test_fingerprints(void **state)
{
    fixture *f = *state;
    es_store_t *s = open_ok(f->path);
    uint32_t acme, rival;
    load_corpus(s, &acme, &rival);
    fps x = {0};
    assert_int_equal(es_store_recent_fingerprints(s, 10, cb_fp, &x), ES_OK);
    assert_int_equal(x.n, 2);
    assert_true(x.fp[0] == 0xfedcba9876543210ULL); /* oldest first, all 64 bits */
    assert_string_equal(x.key[0], "twitter/t1");
    assert_string_equal(x.key[1], "twitter/t3");
    memset(&x, 0, sizeof x);
    assert_int_equal(es_store_recent_fingerprints(s, 1, cb_fp, &x), ES_OK);
    assert_int_equal(x.n, 1);
    assert_string_equal(x.key[0], "twitter/t3");
    es_store_close(s);
}

static void cb_brand(const es_brand *b, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 128 - n, "%s%s:%d", n ? "," : "", b->name, b->ours);
}

static void cb_query(const es_query_row *q, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%u/%s/%s/%s", n ? "|" : "", q->id, q->brand,
             q->name ? q->name : "-", q->text);
}

static void test_brands_queries(void **state)
{
    fixture *f = *state;
    es_store_t *s = open_ok(f->path);
    uint32_t a = 0, b = 0, id = 0;
    assert_int_equal(es_store_brand_add(s, "Zeta Air", 0, &a), ES_OK);
    assert_int_equal(es_store_brand_add(s, "acme", 1, &b), ES_OK);
    assert_int_equal(es_store_brand_add(s, "ACME", 0, &id), ES_EEXIST);
    assert_non_null(strstr(es_store_errmsg(s), "ACME"));
    assert_int_equal(es_store_brand_add(s, "", 1, &id), ES_EINVAL);
    assert_int_equal(es_store_brand_find(s, "ZETA AIR", &id), ES_OK);
    assert_int_equal(id, a);
    assert_int_equal(es_store_brand_find(s, "nobody", &id), ES_ENOTFOUND);
    char list[128] = "";
    assert_int_equal(es_store_brand_list(s, cb_brand, list), ES_OK);
    assert_string_equal(list, "acme:1,Zeta Air:0");

    uint32_t q1 = 0, q2 = 0;
    assert_int_equal(es_store_query_add(s, b, "main", "acme OR \"acme air\"", &q1), ES_OK);
    assert_int_equal(es_store_query_add(s, a, NULL, "#zeta", &q2), ES_OK);
    assert_int_equal(es_store_query_add(s, 999, "x", "y", &id), ES_ENOTFOUND);
    char ql[256] = "";
    assert_int_equal(es_store_query_list(s, cb_query, ql), ES_OK);
    char want[256];
    snprintf(want, sizeof want, "%u/acme/main/acme OR \"acme air\"|%u/Zeta Air/-/#zeta", q1, q2);
    assert_string_equal(ql, want);

    /* A mention records the queries it matched. */
    es_mention_t m = mk("web", "q", "acme air rocks", 5, ES_POSITIVE, ES_INTENT_PRAISE);
    uint32_t qs[2] = {q1, q1}; /* repeated ids are stored once */
    m.matches = qs, m.n_matches = 2;
    m.brands = &b, m.n_brands = 1;
    size_t added = 0;
    assert_int_equal(es_store_put(s, &m, 1, &added), ES_OK);
    assert_int_equal(added, 1);
    es_store_close(s);
}

/* ------------------------------------------------------------------------ */
/* Refusals and failures                                                     */

static void set_user_version(const char *path, int v)
{
    sqlite3 *db;
    char sql[64];
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    es_store_close(open_ok(f->path));
    set_user_version(f->path, 99);
    es_store_t *s = NULL;
    assert_int_equal(es_store_open(f->path, &s), ES_ECORRUPT);
    assert_non_null(strstr(es_store_errmsg(s), "99"));
    assert_non_null(strstr(es_store_errmsg(s), f->path));
    int64_t n;
    assert_int_equal(es_store_count(s, &n), ES_EINVAL); /* not open: refused, no crash */
    es_store_close(s);
}

static void test_not_a_database(void **state)
{
    fixture *f = *state;
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is a text file, not a database\n", fp);
    fclose(fp);
    es_store_t *s = NULL;
    assert_int_equal(es_store_open(f->path, &s), ES_ECORRUPT);
    assert_non_null(strstr(es_store_errmsg(s), "not a database"));
    es_store_close(s);

    /* Another program's SQLite file is not touched. */
    char other[160];
    snprintf(other, sizeof other, "%s/other.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(es_store_open(other, &s), ES_ECORRUPT);
    assert_non_null(strstr(es_store_errmsg(s), "not an earshot database"));
    es_store_close(s);
}

/* A database whose pages (all but the header page) are overwritten with
 * garbage: every call returns an error or an answer, never crashes. */
static void test_corrupt_pages(void **state)
{
    fixture *f = *state;
    es_store_t *s = open_ok(f->path);
    uint32_t acme, rival;
    load_corpus(s, &acme, &rival);
    es_store_close(s); /* checkpoints the WAL into the file */
    FILE *fp = fopen(f->path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long size = ftell(fp);
    assert_true(size > 8192);
    assert_int_equal(fseek(fp, 4096, SEEK_SET), 0);
    for (long i = 4096; i < size; i++)
        fputc((int)((i * 2654435761u) >> 13) & 0xff, fp);
    fclose(fp);

    es_err rc = es_store_open(f->path, &s);
    if (rc == ES_OK) {
        int64_t n;
        int hits = 0;
        es_err c1 = es_store_count(s, &n);
        es_err c2 = es_store_search(s, &(es_search_opts){.text = "flight"}, cb_count, &hits);
        es_mention_t m = mk("web", "new", "after the damage", 9, ES_NEUTRAL, ES_INTENT_OTHER);
        es_err c3 = es_store_put(s, &m, 1, NULL);
        /* At least one of them meets the damage and says so. */
        assert_true(c1 == ES_ECORRUPT || c2 == ES_ECORRUPT || c3 == ES_ECORRUPT);
    } else {
        assert_int_equal(rc, ES_ECORRUPT);
    }
    print_message("damaged file: %s\n", es_store_errmsg(s));
    es_store_close(s);
}

static void test_unwritable_places(void **state)
{
    fixture *f = *state;
    es_store_t *s = NULL;
    char p[200];
    snprintf(p, sizeof p, "%s/missing/dir/x.db", f->dir);
    assert_int_equal(es_store_open(p, &s), ES_EDB);
    assert_non_null(strstr(es_store_errmsg(s), p));
    es_store_close(s);
    /* A regular file where a directory should be. */
    snprintf(p, sizeof p, "%s/file", f->dir);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(p, sizeof p, "%s/file/x.db", f->dir);
    assert_int_equal(es_store_open(p, &s), ES_EDB);
    es_store_close(s);
    assert_int_equal(es_store_open("", &s), ES_EINVAL);
    es_store_close(s);
    /* A read-only directory (root ignores permissions, so only as a user). */
    if (geteuid() != 0) {
        snprintf(p, sizeof p, "%s/ro", f->dir);
        assert_int_equal(mkdir(p, 0500), 0);
        snprintf(p, sizeof p, "%s/ro/x.db", f->dir);
        assert_int_not_equal(es_store_open(p, &s), ES_OK);
        assert_non_null(strstr(es_store_errmsg(s), p));
        es_store_close(s);
    }
}

static void unlink_db(const char *path)
{
    char p[200];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static void test_alloc_failures_open(void **state)
{
    fixture *f = *state;
    long n;
    /* Every allocation of the first 400 (the connection and the first
     * steps), then every 13th: each try creates the whole schema with its
     * fsyncs, and the steps make thousands of allocations. */
    for (n = 0; n < 100000; n += n < 400 ? 1 : 13) {
        unlink_db(f->path);
        es_store_t *s = NULL;
        es_fail_alloc_after(n);
        es_err rc = es_store_open(f->path, &s);
        es_fail_alloc_after(-1);
        if (rc == ES_OK) {
            assert_int_equal(es_store_schema_version(s), ES_SQLITE_SCHEMA_VERSION);
            es_store_close(s);
            break;
        }
        assert_non_null(es_store_errmsg(s));
        es_store_close(s);
        /* Whatever failed, the file opens cleanly afterwards (checked on
         * every 7th try to keep the test quick). */
        if (n % 7 == 0) {
            s = open_ok(f->path);
            assert_int_equal(es_store_schema_version(s), ES_SQLITE_SCHEMA_VERSION);
            es_store_close(s);
        }
    }
    print_message("open succeeded after %ld failed allocations\n", n);
    assert_true(n > 0 && n < 100000);
}

static void test_alloc_failures_put(void **state)
{
    fixture *f = *state;
    es_store_t *s = open_ok(f->path);
    uint32_t acme;
    assert_int_equal(es_store_brand_add(s, "Acme", 1, &acme), ES_OK);
    es_mention_t m[8];
    char ids[8][8];
    for (int i = 0; i < 8; i++) {
        snprintf(ids[i], sizeof ids[i], "%d", i);
        m[i] = mk("twitter", ids[i], "some words about acme and its flights", 1000 + i, ES_NEUTRAL,
                  ES_INTENT_OTHER);
        m[i].brands = &acme, m[i].n_brands = 1;
    }
    long n;
    for (n = 0; n < 100000; n++) {
        size_t added = 0;
        es_fail_alloc_after(n);
        es_err rc = es_store_put(s, m, 8, &added);
        es_fail_alloc_after(-1);
        if (rc == ES_OK) {
            assert_int_equal(added, 8);
            break;
        }
        assert_int_equal(count(s), 0); /* all or nothing */
    }
    print_message("put succeeded after %ld failed allocations\n", n);
    assert_true(n > 0 && n < 100000);
    assert_int_equal(count(s), 8);
    assert_int_equal(search(s, (es_search_opts){.text = "flights", .brand = "acme"}).n, 8);
    es_store_close(s);
}

static void test_failed_batch_leaves_nothing(void **state)
{
    fixture *f = *state;
    es_store_t *s = open_ok(f->path);
    uint32_t acme;
    assert_int_equal(es_store_brand_add(s, "Acme", 1, &acme), ES_OK);
    uint32_t missing = acme + 100;
    es_mention_t m[3] = {
        mk("web", "a", "unique marker one", 1, ES_NEUTRAL, ES_INTENT_OTHER),
        mk("web", "b", "unique marker two", 2, ES_NEUTRAL, ES_INTENT_OTHER),
        mk("web", "c", "unique marker three", 3, ES_NEUTRAL, ES_INTENT_OTHER),
    };
    m[0].brands = &acme, m[0].n_brands = 1;
    m[2].brands = &missing, m[2].n_brands = 1; /* a brand that does not exist */
    size_t added = 7;
    assert_int_equal(es_store_put(s, m, 3, &added), ES_EDB);
    assert_int_equal(added, 0);
    assert_non_null(strstr(es_store_errmsg(s), "mention 2 (web/c)"));
    assert_non_null(strstr(es_store_errmsg(s), "FOREIGN KEY"));
    assert_int_equal(count(s), 0);
    assert_int_equal(search(s, (es_search_opts){.text = "marker"}).n, 0);
    /* The handle works afterwards and the good part can be stored. */
    assert_int_equal(es_store_put(s, m, 2, &added), ES_OK);
    assert_int_equal(added, 2);
    assert_int_equal(search(s, (es_search_opts){.text = "marker"}).n, 2);
    es_store_close(s);
}

/* Savepoints inside one transaction: a step undone alone, the others
 * committed together; refused outside a transaction. */
static void test_savepoints(void **state)
{
    fixture *f = *state;
    es_store_t *s = open_ok(f->path);
    uint32_t id = 0;
    assert_int_equal(es_store_savepoint(s), ES_EINVAL);
    assert_int_equal(es_store_begin(s), ES_OK);
    assert_int_equal(es_store_savepoint(s), ES_OK);
    assert_int_equal(es_store_brand_add(s, "Kept", 1, &id), ES_OK);
    assert_int_equal(es_store_savepoint_end(s, 1), ES_OK);
    assert_int_equal(es_store_savepoint(s), ES_OK);
    assert_int_equal(es_store_brand_add(s, "Undone", 0, &id), ES_OK);
    assert_int_equal(es_store_savepoint_end(s, 0), ES_OK);
    assert_int_equal(es_store_savepoint(s), ES_OK);
    assert_int_equal(es_store_brand_add(s, "Also", 0, &id), ES_OK);
    assert_int_equal(es_store_savepoint_end(s, 1), ES_OK);
    assert_int_equal(es_store_commit(s), ES_OK);
    assert_int_equal(es_store_brand_find(s, "Kept", &id), ES_OK);
    assert_int_equal(es_store_brand_find(s, "Also", &id), ES_OK);
    assert_int_equal(es_store_brand_find(s, "Undone", &id), ES_ENOTFOUND);
    assert_int_equal(es_store_savepoint_end(s, 1), ES_EINVAL);
    es_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_savepoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_migrate_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_collisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_hostile, setup, teardown),
        cmocka_unit_test(test_fts_query_text),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fingerprints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_brands_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_places, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failures_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failures_put, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_batch_leaves_nothing, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
