/*
 * test_posts.c - the brand's own posts (social.h): the calendar (ISO-8601
 * weeks from Monday in UTC, months, labels across year ends), the rate
 * arithmetic (zero impressions and followers left out, medians, NaN for
 * none), the CSV and JSON importers with their errors (row and column, JSON
 * path, all or nothing), the store's upsert (idempotent, a left-out metric
 * kept, one row per post, audited) and the weekly report against the week
 * before, with a since that reaches back for the previous figures.
 */
#include <math.h>
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

#include "earshot/social.h"
#include "earshot/store.h"

#define D(y, m, d) day_of(y, m, d)

/* Unix seconds of y-m-d 00:00 UTC (test-side, with timegm's rules). */
static int64_t day_of(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return (era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468) * 86400;
}

typedef struct fixture {
    char dir[64], path[128];
    es_store_t *s;
    es_arena_t *a;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_posts_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    if (es_store_open(f->path, &f->s))
        fail_msg("open: %s", es_store_errmsg(f->s));
    f->a = es_arena_new(4096, 1 << 24);
    assert_non_null(f->a);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char p[160];
    es_store_close(f->s);
    es_arena_free(f->a);
    static const char *const files[] = {"earshot.db", "earshot.db-wal", "earshot.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- the calendar ----------------------------------------------------------------- */

static void test_periods(void **state)
{
    (void)state;
    char b[32];
    int64_t mon = D(2026, 11, 16);
    /* The last second of Sunday is the week before; Monday 00:00 starts one. */
    assert_int_equal(es_period_start(ES_PERIOD_WEEK, mon - 1), D(2026, 11, 9));
    assert_int_equal(es_period_start(ES_PERIOD_WEEK, mon), mon);
    assert_int_equal(es_period_start(ES_PERIOD_WEEK, mon + 7 * 86400 - 1), mon);
    assert_int_equal(es_period_prev(ES_PERIOD_WEEK, mon), D(2026, 11, 9));
    assert_string_equal(es_period_label(ES_PERIOD_WEEK, mon, b, sizeof b), "2026-W47");
    /* ISO years: 1 Jan 2026 is a Thursday (week 1); 1 Jan 2027 a Friday (2026-W53);
     * Monday 30 Dec 2024 starts 2025-W01; 1 Jan 2021 (Friday) is 2020-W53. */
    assert_string_equal(es_period_label(ES_PERIOD_WEEK, D(2026, 1, 1), b, sizeof b), "2026-W01");
    assert_int_equal(es_period_start(ES_PERIOD_WEEK, D(2026, 1, 1)), D(2025, 12, 29));
    assert_string_equal(es_period_label(ES_PERIOD_WEEK, D(2027, 1, 1), b, sizeof b), "2026-W53");
    assert_string_equal(es_period_label(ES_PERIOD_WEEK, D(2024, 12, 30), b, sizeof b), "2025-W01");
    assert_string_equal(es_period_label(ES_PERIOD_WEEK, D(2021, 1, 1), b, sizeof b), "2020-W53");
    /* Months, and the one before January. */
    assert_int_equal(es_period_start(ES_PERIOD_MONTH, D(2026, 3, 31) + 86399), D(2026, 3, 1));
    assert_int_equal(es_period_prev(ES_PERIOD_MONTH, D(2026, 3, 1)), D(2026, 2, 1));
    assert_int_equal(es_period_prev(ES_PERIOD_MONTH, D(2026, 1, 1)), D(2025, 12, 1));
    assert_string_equal(es_period_label(ES_PERIOD_MONTH, D(2024, 2, 29), b, sizeof b), "2024-02");
    /* Days, also before 1970 (floor, not truncation). */
    assert_int_equal(es_period_start(ES_PERIOD_DAY, -1), -86400);
    assert_string_equal(es_period_label(ES_PERIOD_DAY, -1, b, sizeof b), "1969-12-31");
    assert_int_equal(es_period_start(ES_PERIOD_WEEK, 0), D(1969, 12, 29));
    es_period p;
    assert_int_equal(es_period_parse("Week", &p), ES_OK);
    assert_int_equal(p, ES_PERIOD_WEEK);
    assert_int_equal(es_period_parse("year", &p), ES_EINVAL);
    assert_int_equal(es_period_parse(NULL, &p), ES_EINVAL);
}

/* ---- the rates -------------------------------------------------------------------- */

static es_post post(const char *id, int64_t at, int64_t imp, int64_t rep, int64_t rp, int64_t lk,
                    int64_t cl, int64_t fol)
{
    es_post p = {.post_id = id,
                 .brand = "Acme",
                 .channel = "twitter",
                 .posted_at = at,
                 .metric = {imp, rep, rp, lk, cl, fol}};
    return p;
}

static void test_figures(void **state)
{
    (void)state;
    es_post_figures g;
    es_post ps[3] = {
        post("1", 1, 1000, 2, 1, 10, 7, 4000), /* 20 actions: 0.02, 5 per 1k */
        post("2", 2, 0, 1, 0, 3, 0, 0),        /* no impressions, no followers */
        post("3", 3, 500, 6, 0, 4, 0, 2000),   /* 10 actions: 0.02, 5 per 1k */
    };
    assert_int_equal(es_post_figures_of(ps, 3, &g), ES_OK);
    assert_int_equal(g.posts, 3);
    assert_int_equal(g.n[ES_RATE_REPLIES], 3);
    assert_true(fabs(g.mean[ES_RATE_REPLIES] - 3.0) < 1e-12);
    assert_true(fabs(g.median[ES_RATE_REPLIES] - 2.0) < 1e-12);
    assert_true(fabs(g.mean[ES_RATE_LIKES] - 17.0 / 3) < 1e-12);
    assert_int_equal(g.n[ES_RATE_ENGAGEMENT], 2); /* the zero is left out, not counted 0 */
    assert_true(fabs(g.mean[ES_RATE_ENGAGEMENT] - 0.02) < 1e-12);
    assert_int_equal(g.n[ES_RATE_PER_1K], 2);
    assert_true(fabs(g.mean[ES_RATE_PER_1K] - 5.0) < 1e-12);
    /* Two posts: the median is the mean of the middle two. */
    assert_int_equal(es_post_figures_of(ps, 2, &g), ES_OK);
    assert_true(fabs(g.median[ES_RATE_LIKES] - 6.5) < 1e-12);
    assert_int_equal(g.n[ES_RATE_ENGAGEMENT], 1);
    /* Only posts without impressions or followers: no rate at all (NaN). */
    assert_int_equal(es_post_figures_of(ps + 1, 1, &g), ES_OK);
    assert_int_equal(g.n[ES_RATE_ENGAGEMENT], 0);
    assert_true(isnan(g.mean[ES_RATE_ENGAGEMENT]) && isnan(g.median[ES_RATE_PER_1K]));
    assert_true(fabs(g.mean[ES_RATE_CLICKS]) < 1e-12);
    assert_int_equal(es_post_figures_of(NULL, 0, &g), ES_OK);
    assert_int_equal(g.posts, 0);
    assert_true(isnan(g.mean[ES_RATE_REPLIES]));
}

/* ---- the importers ------------------------------------------------------------------ */

/* Parses text as fmt; returns the code and leaves the message in err. */
static es_err parse(fixture *f, es_post_format fmt, const char *text, es_post **ps, size_t *n,
                    char *err)
{
    return es_post_parse(text, strlen(text), fmt, f->a, ps, n, err, 256);
}

/* The error message of a CSV or JSON import that must fail with rc. */
static const char *bad(fixture *f, es_post_format fmt, const char *text, es_err rc)
{
    static char err[256];
    es_post *ps = (es_post *)1;
    size_t n = 99;
    err[0] = '\0';
    assert_int_equal(parse(f, fmt, text, &ps, &n, err), rc);
    assert_null(ps);
    assert_int_equal(n, 0);
    return err;
}

static void test_csv(void **state)
{
    fixture *f = *state;
    es_post *ps;
    size_t n;
    char err[256];
    const char *ok = "Likes,post_id,brand,channel,posted_at,text\n"
                     "4,p1,Acme,Twitter,2026-11-16T10:00:00Z,\"two\nlines, \"\"quoted\"\"\"\n"
                     ",p2,Acme,facebook,1795262400,\n";
    assert_int_equal(parse(f, ES_POST_CSV, ok, &ps, &n, err), ES_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ps[0].channel, "twitter"); /* folded */
    assert_string_equal(ps[0].text, "two\nlines, \"quoted\"");
    assert_int_equal(ps[0].metric[ES_POST_LIKES], 4);
    assert_int_equal(ps[0].metric[ES_POST_REPLIES], -1); /* no column: absent */
    assert_int_equal(ps[0].posted_at, D(2026, 11, 16) + 36000);
    assert_int_equal(ps[1].metric[ES_POST_LIKES], -1); /* empty cell: absent */
    assert_null(ps[1].text);
    assert_int_equal(ps[1].posted_at, 1795262400);
    const char *bom = "\xEF\xBB\xBFpost_id,brand,channel,posted_at\np9,Acme,x,2026-11-16\n";
    assert_int_equal(parse(f, ES_POST_CSV, bom, &ps, &n, err), ES_OK);
    assert_int_equal(n, 1);
    assert_int_equal(parse(f, ES_POST_CSV, "post_id,brand,channel,posted_at\n", &ps, &n, err),
                     ES_OK);
    assert_int_equal(n, 0);
    const char *h = "post_id,brand,channel,posted_at,likes\n";
    char buf[512];
    assert_string_equal(bad(f, ES_POST_CSV, "", ES_EPARSE), "row 1: there is no header row");
    assert_string_equal(bad(f, ES_POST_CSV, "post_id,brand,channel,when\n", ES_EPARSE),
                        "row 1, column when: unknown column (see docs/social.md)");
    assert_string_equal(bad(f, ES_POST_CSV, "post_id,brand,channel,posted_at,brand\n", ES_EPARSE),
                        "row 1, column brand: the column is repeated");
    assert_string_equal(bad(f, ES_POST_CSV, "post_id,brand,posted_at\n", ES_EPARSE),
                        "row 1: the header has no column channel");
    snprintf(buf, sizeof buf, "%sp1,Acme,twitter,2026-11-16,3\np2,Acme,twitter,2026-11-16,-1\n", h);
    assert_string_equal(bad(f, ES_POST_CSV, buf, ES_EPARSE),
                        "row 3, column likes: not a whole number from 0 to 10^15");
    snprintf(buf, sizeof buf, "%sp1,Acme,twitter,2026-11-16,1.5\n", h);
    assert_non_null(strstr(bad(f, ES_POST_CSV, buf, ES_EPARSE), "row 2, column likes"));
    snprintf(buf, sizeof buf, "%sp1,Acme,twitter,2026-11-16,10000000000000000\n", h);
    assert_non_null(strstr(bad(f, ES_POST_CSV, buf, ES_EPARSE), "row 2, column likes"));
    snprintf(buf, sizeof buf, "%sp1,Acme,twitter,next tuesday,3\n", h);
    assert_non_null(strstr(bad(f, ES_POST_CSV, buf, ES_EPARSE), "row 2, column posted_at"));
    snprintf(buf, sizeof buf, "%sp1,Acme,twitter,2026-11-16,3,extra\n", h);
    assert_string_equal(bad(f, ES_POST_CSV, buf, ES_EPARSE),
                        "row 2: more fields than the header has columns");
    snprintf(buf, sizeof buf, "%sp1,Acme,twitter\n", h);
    assert_string_equal(bad(f, ES_POST_CSV, buf, ES_EPARSE),
                        "row 2: fewer fields than the header has columns");
    snprintf(buf, sizeof buf, "%s,Acme,twitter,2026-11-16,3\n", h);
    assert_string_equal(bad(f, ES_POST_CSV, buf, ES_EPARSE), "row 2: post_id is missing or empty");
    snprintf(buf, sizeof buf, "%sp1,Acme,Twit ter,2026-11-16,3\n", h);
    assert_non_null(strstr(bad(f, ES_POST_CSV, buf, ES_EPARSE), "row 2: channel 'twit ter'"));
    snprintf(buf, sizeof buf, "%sp1,Ac\xff,twitter,2026-11-16,3\n", h);
    assert_non_null(strstr(bad(f, ES_POST_CSV, buf, ES_EPARSE), "row 2: brand is not valid UTF-8"));
    snprintf(buf, sizeof buf, "%sp1,\"Acme,twitter,2026-11-16,3\n", h);
    assert_non_null(strstr(bad(f, ES_POST_CSV, buf, ES_EPARSE), "row 2:"));
    /* One post more than an import takes. */
    size_t cap = 64 + (size_t)(ES_POST_BATCH_MAX + 1) * 32, len = 0;
    char *many = malloc(cap);
    assert_non_null(many);
    len += (size_t)snprintf(many, cap, "post_id,brand,channel,posted_at\n");
    for (int i = 0; i <= ES_POST_BATCH_MAX; i++)
        len += (size_t)snprintf(many + len, cap - len, "p%d,Acme,twitter,1795262400\n", i);
    assert_string_equal(bad(f, ES_POST_CSV, many, ES_ELIMIT),
                        "row 100002: more posts than one import takes");
    free(many);
    char big[400];
    memset(big, 'x', 300);
    big[300] = '\0';
    snprintf(buf, sizeof buf, "%s%s,Acme,twitter,2026-11-16,3\n", h, big);
    assert_non_null(strstr(bad(f, ES_POST_CSV, buf, ES_EPARSE), "post_id is longer than 128"));
}

static void test_json(void **state)
{
    fixture *f = *state;
    es_post *ps;
    size_t n;
    char err[256];
    const char *ok = "[{\"post_id\":\"p1\",\"brand\":\"Acme\",\"channel\":\"twitter\","
                     "\"posted_at\":\"2026-11-16T10:00:00Z\",\"likes\":4,\"replies\":null},"
                     "{\"post_id\":\"p2\",\"brand\":\"Acme\",\"channel\":\"x\","
                     "\"posted_at\":1795262400,\"impressions\":\"12\",\"text\":\"hi\"}]";
    assert_int_equal(parse(f, ES_POST_JSON, ok, &ps, &n, err), ES_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ps[0].metric[ES_POST_LIKES], 4);
    assert_int_equal(ps[0].metric[ES_POST_REPLIES], -1);
    assert_int_equal(ps[1].metric[ES_POST_IMPRESSIONS], 12);
    assert_string_equal(ps[1].text, "hi");
    assert_int_equal(parse(f, ES_POST_JSON, "{\"posts\":[]}", &ps, &n, err), ES_OK);
    assert_int_equal(n, 0);
    const char *p1 = "{\"post_id\":\"p1\",\"brand\":\"Acme\",\"channel\":\"twitter\","
                     "\"posted_at\":\"2026-11-16\"";
    char buf[512];
    snprintf(buf, sizeof buf, "[%s},%s,\"likes\":-3}]", p1, p1);
    assert_string_equal(bad(f, ES_POST_JSON, buf, ES_EPARSE),
                        "$[1].likes: not a whole number from 0 to 10^15");
    snprintf(buf, sizeof buf, "{\"posts\":[%s,\"likes\":1.5}]}", p1);
    assert_string_equal(bad(f, ES_POST_JSON, buf, ES_EPARSE),
                        "$.posts[0].likes: must be a whole number");
    snprintf(buf, sizeof buf, "[%s,\"brand\":7}]", p1);
    assert_non_null(strstr(bad(f, ES_POST_JSON, buf, ES_EPARSE), "duplicate"));
    snprintf(buf, sizeof buf, "[%s,\"shares\":7}]", p1);
    assert_string_equal(bad(f, ES_POST_JSON, buf, ES_EPARSE),
                        "$[0].shares: unknown field (see docs/social.md)");
    snprintf(buf, sizeof buf, "[{%s,\"post_id\":null}]", p1 + 1 + strlen("\"post_id\":\"p1\","));
    assert_string_equal(bad(f, ES_POST_JSON, buf, ES_EPARSE), "$[0].post_id: must be a string");
    assert_string_equal(bad(f, ES_POST_JSON, "[{\"brand\":\"Acme\"}]", ES_EPARSE),
                        "$[0]: post_id is missing or empty");
    assert_string_equal(bad(f, ES_POST_JSON, "[1]", ES_EPARSE), "$[0]: a post must be an object");
    assert_string_equal(bad(f, ES_POST_JSON, "{\"posts\":{}}", ES_EPARSE),
                        "$.posts: must be an array of posts");
    assert_string_equal(bad(f, ES_POST_JSON, "{\"items\":[]}", ES_EPARSE),
                        "$: give an array of posts or {\"posts\": [...]}");
    assert_non_null(strstr(bad(f, ES_POST_JSON, "[{", ES_EPARSE), "JSON, line 1"));
    assert_non_null(strstr(bad(f, ES_POST_JSON, "[{\"post_id\":\"a\\u0000b\"}]", ES_EPARSE),
                           "JSON, line 1, column 22"));
    es_post_format fmt;
    assert_int_equal(es_post_format_parse("JSON", &fmt), ES_OK);
    assert_int_equal(fmt, ES_POST_JSON);
    assert_int_equal(es_post_format_parse("xml", &fmt), ES_EINVAL);
}

/* ---- failing allocations -------------------------------------------------------- */

static long alloc_left; /* allocations that succeed before they all fail; < 0: no limit */

static void *lim_malloc(size_t n, void *ud)
{
    (void)ud;
    if (alloc_left == 0)
        return NULL;
    if (alloc_left > 0)
        alloc_left--;
    return malloc(n);
}

static void *lim_realloc(void *p, size_t n, void *ud)
{
    (void)ud;
    if (alloc_left == 0)
        return NULL;
    if (alloc_left > 0)
        alloc_left--;
    return realloc(p, n);
}

static void lim_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

/* Each importer, with the Nth allocation failing for every N until it
 * succeeds: ES_ENOMEM with a message and nothing returned, never a crash or
 * a leak (ASan), and then the full result. */
static void test_alloc_failures(void **state)
{
    (void)state;
    static const es_allocator lim = {lim_malloc, lim_realloc, lim_free, NULL};
    const char *csv = "post_id,brand,channel,posted_at,likes,text\n"
                      "p1,Acme,twitter,2026-11-16,4,\"a, b\"\np2,Acme,x,2026-11-17,,\n";
    const char *json = "[{\"post_id\":\"p1\",\"brand\":\"Acme\",\"channel\":\"twitter\","
                       "\"posted_at\":\"2026-11-16\",\"likes\":4}]";
    for (int fmt = 0; fmt < 2; fmt++) {
        const char *text = fmt ? json : csv;
        int done = 0;
        for (long n = 0; n < 200 && !done; n++) {
            char err[256] = "";
            es_post *ps = NULL;
            size_t np = 0;
            es_set_allocator(&lim);
            alloc_left = n;
            es_arena_t *a = es_arena_new(256, 1 << 20);
            es_err rc = a ? es_post_parse(text, strlen(text), fmt ? ES_POST_JSON : ES_POST_CSV, a,
                                          &ps, &np, err, sizeof err)
                          : ES_ENOMEM;
            alloc_left = -1;
            if (rc == ES_OK) {
                assert_int_equal(np, fmt ? 1 : 2);
                assert_string_equal(ps[0].post_id, "p1");
                done = 1;
            } else {
                assert_int_equal(rc, ES_ENOMEM);
                assert_null(ps);
                assert_int_equal(np, 0);
                assert_true(!a || err[0]);
            }
            es_arena_free(a);
            es_set_allocator(NULL);
        }
        assert_true(done);
    }
}

/* ---- the store and the report -------------------------------------------------------- */

typedef struct listed {
    int n;
    int64_t likes[8], replies[8];
} listed;

static void on_post(const es_post *p, void *ud)
{
    listed *l = ud;
    if (l->n < 8) {
        l->likes[l->n] = p->metric[ES_POST_LIKES];
        l->replies[l->n] = p->metric[ES_POST_REPLIES];
    }
    l->n++;
}

static void on_audit(const es_audit_entry *e, void *ud)
{
    if (strcmp(e->action, "posts.import") == 0 && e->user_id == 7)
        (*(int *)ud)++;
}

static void test_store(void **state)
{
    fixture *f = *state;
    int64_t mon = D(2026, 11, 16);
    es_post ps[2] = {post("1", mon, 1000, 2, 1, 10, 7, 4000),
                     post("2", mon + 60, 0, 1, 0, 3, 0, 0)};
    size_t added = 9, updated = 9;
    assert_int_equal(es_post_put(f->s, ps, 2, 7, 0, &added, &updated), ES_OK);
    assert_int_equal(added, 2);
    assert_int_equal(updated, 0);
    /* Again, later, with more likes and the replies left out: one row each. */
    ps[0].metric[ES_POST_LIKES] = 25;
    ps[0].metric[ES_POST_REPLIES] = -1;
    assert_int_equal(es_post_put(f->s, ps, 2, 7, 0, &added, &updated), ES_OK);
    assert_int_equal(added, 0);
    assert_int_equal(updated, 2);
    listed l = {0};
    assert_int_equal(es_post_list(f->s, NULL, 0, 0, on_post, &l), ES_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.likes[0], 25);
    assert_int_equal(l.replies[0], 2);
    /* The same id on another channel is another post. */
    ps[0].channel = "facebook";
    assert_int_equal(es_post_put(f->s, ps, 1, 7, 0, &added, &updated), ES_OK);
    assert_int_equal(added, 1);
    /* A bad post anywhere in the batch: nothing is stored. */
    es_post two[2] = {post("3", mon, 1, 1, 1, 1, 1, 1), post("", mon, 1, 1, 1, 1, 1, 1)};
    assert_int_equal(es_post_put(f->s, two, 2, 7, 0, &added, &updated), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "post 2: post_id"));
    two[1] = post("4", 0, 1, 1, 1, 1, 1, 1);
    assert_int_equal(es_post_put(f->s, two, 2, 7, 0, NULL, NULL), ES_EINVAL);
    memset(&l, 0, sizeof l);
    assert_int_equal(es_post_list(f->s, "ACME", 0, 0, on_post, &l), ES_OK);
    assert_int_equal(l.n, 3);
    memset(&l, 0, sizeof l);
    assert_int_equal(es_post_list(f->s, NULL, mon + 1, 0, on_post, &l), ES_OK);
    assert_int_equal(l.n, 1);
    /* Every import that stored something is audited, as one entry. */
    int audits = 0;
    assert_int_equal(es_store_audit_list(f->s, "posts", 10, on_audit, &audits), ES_OK);
    assert_int_equal(audits, 3);
}

typedef struct rows {
    int n;
    es_post_report_row r[8];
    char period[8][16], channel[8][16];
} rows;

static void on_row(const es_post_report_row *r, void *ud)
{
    rows *k = ud;
    if (k->n < 8) {
        k->r[k->n] = *r;
        snprintf(k->period[k->n], 16, "%s", r->period);
        snprintf(k->channel[k->n], 16, "%s", r->channel);
    }
    k->n++;
}

static void test_report(void **state)
{
    fixture *f = *state;
    int64_t mon = D(2026, 11, 16);
    es_post ps[5] = {
        post("1", mon - 7 * 86400, 1000, 2, 0, 8, 0, 1000), /* W46: 10 actions */
        post("2", mon - 1, 500, 0, 0, 5, 0, 0),             /* W46, Sunday 23:59:59 */
        post("3", mon, 2000, 6, 4, 30, 0, 5000),            /* W47, Monday 00:00 */
        post("4", mon + 15 * 86400, 100, 1, 0, 0, 0, 100),  /* W49: W48 had none */
        post("5", mon + 86400, 100, 1, 0, 0, 0, 100),
    };
    ps[4].channel = "facebook";
    assert_int_equal(es_post_put(f->s, ps, 5, 0, 0, NULL, NULL), ES_OK);
    es_post_report_opts o = {.by = ES_PERIOD_WEEK};
    rows k = {0};
    assert_int_equal(es_post_report(f->s, &o, on_row, &k), ES_OK);
    assert_int_equal(k.n, 4); /* facebook W47; twitter W46, W47, W49 */
    assert_string_equal(k.channel[0], "facebook");
    assert_string_equal(k.period[1], "2026-W46");
    assert_int_equal(k.r[1].cur.posts, 2);
    assert_true(fabs(k.r[1].cur.mean[ES_RATE_ENGAGEMENT] - 0.01) < 1e-12);
    assert_int_equal(k.r[1].cur.n[ES_RATE_PER_1K], 1);
    assert_string_equal(k.period[2], "2026-W47");
    assert_int_equal(k.r[2].prev.posts, 2);
    assert_true(fabs(k.r[2].change[ES_RATE_REPLIES] - 5.0) < 1e-12);
    assert_true(fabs(k.r[2].change_pct[ES_RATE_REPLIES] - 500.0) < 1e-9);
    assert_true(fabs(k.r[2].change[ES_RATE_ENGAGEMENT] - 0.01) < 1e-12);
    assert_true(isnan(k.r[2].change_pct[ES_RATE_REPOSTS])); /* from a mean of 0 */
    assert_string_equal(k.period[3], "2026-W49");
    assert_int_equal(k.r[3].prev.posts, 0); /* W48 was empty: no comparison */
    assert_true(isnan(k.r[3].change[ES_RATE_REPLIES]));
    /* since inside W47: W47 only, still compared with W46. */
    o.since = mon + 3600;
    o.until = mon + 7 * 86400;
    memset(&k, 0, sizeof k);
    assert_int_equal(es_post_report(f->s, &o, on_row, &k), ES_OK);
    assert_int_equal(k.n, 2);
    assert_string_equal(k.period[1], "2026-W47");
    assert_int_equal(k.r[1].prev.posts, 2);
    /* Months: all of November's twitter posts in one row. */
    o = (es_post_report_opts){.by = ES_PERIOD_MONTH, .brand = "acme"};
    memset(&k, 0, sizeof k);
    assert_int_equal(es_post_report(f->s, &o, on_row, &k), ES_OK);
    assert_int_equal(k.n, 3);
    assert_string_equal(k.period[1], "2026-11");
    assert_string_equal(k.period[2], "2026-12");
    assert_int_equal(k.r[2].prev.posts, 3);
    o.brand = "Other";
    memset(&k, 0, sizeof k);
    assert_int_equal(es_post_report(f->s, &o, on_row, &k), ES_OK);
    assert_int_equal(k.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_figures),
        cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test_setup_teardown(test_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
