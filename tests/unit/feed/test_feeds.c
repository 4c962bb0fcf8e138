/*
 * test_feeds.c - the feeds table (src/store/feeds.c, sqlite_feed.c) and the
 * poller's failure path (src/feed/poll.c) on a real SQLite file: add with
 * its audit entry, refusals (duplicate, bad URL, too short a period), the
 * due list, recording a poll (validators kept on 304, cleared on a 200
 * without them, back-off after failures), remove, and a poll of an
 * unreachable feed that records the error without calling the sink.
 * Fetching and storing real items is covered end to end by
 * tests/e2e/test_feeds.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "earshot/feed.h"

typedef struct fx {
    char path[64];
    es_store_t *s;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/es-test-feeds-%d.db", (int)getpid());
    unlink(f->path);
    assert_int_equal(es_store_open(f->path, &f->s), ES_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char p[80];
    es_store_close(f->s);
    unlink(f->path);
    snprintf(p, sizeof p, "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->path);
    unlink(p);
    free(f);
    return 0;
}

#define MAXROWS 8
typedef struct rows {
    es_feed_row r[MAXROWS];
    char etag[MAXROWS][64], lm[MAXROWS][64], err[MAXROWS][128], name[MAXROWS][64];
    char src[MAXROWS][64];
    size_t n;
} rows;

static void keep(const es_feed_row *f, void *ud)
{
    rows *r = ud;
    if (r->n >= MAXROWS)
        return;
    size_t i = r->n++;
    r->r[i] = *f;
    snprintf(r->name[i], 64, "%s", f->name);
    snprintf(r->src[i], 64, "%s", f->source ? f->source : "(null)");
    /* The strings live during the call only: keep the copies. */
    r->r[i].url = r->r[i].name = r->r[i].source = r->r[i].brand = r->r[i].location = NULL;
    r->r[i].etag = r->r[i].last_modified = r->r[i].last_error = NULL;
    snprintf(r->etag[i], 64, "%s", f->etag ? f->etag : "(null)");
    snprintf(r->lm[i], 64, "%s", f->last_modified ? f->last_modified : "(null)");
    snprintf(r->err[i], 128, "%s", f->last_error ? f->last_error : "(null)");
}

static void audit_cb(const es_audit_entry *e, void *ud)
{
    snprintf(ud, 64, "%s %s", e->action, e->object);
}

static void add_list_and_refusals(void **state)
{
    fx *f = *state;
    es_feed_row a = {.url = "https://reviews.example/feed",
                     .name = "reviews",
                     .source = "review",
                     .brand = "Nord",
                     .location = "store-1",
                     .every = 600};
    int64_t id = 0, id2 = 0;
    assert_int_equal(es_feed_add(f->s, &a, 0, &id), ES_OK);
    assert_true(id > 0);
    char last[64] = "";
    assert_int_equal(es_store_audit_list(f->s, NULL, 1, audit_cb, last), ES_OK);
    char want[64];
    snprintf(want, sizeof want, "feed.add feed:%lld", (long long)id);
    assert_string_equal(last, want);

    /* Same URL, same name (any case): refused; nothing else written. */
    es_feed_row dup = a;
    dup.name = "other";
    assert_int_equal(es_feed_add(f->s, &dup, 0, NULL), ES_EEXIST);
    dup = a;
    dup.url = "https://reviews.example/other";
    dup.name = "REVIEWS";
    assert_int_equal(es_feed_add(f->s, &dup, 0, NULL), ES_EEXIST);
    es_feed_row bad = {.url = "file:///etc/passwd", .name = "x"};
    assert_int_equal(es_feed_add(f->s, &bad, 0, NULL), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "http://"));
    bad.url = "http://x.example/";
    bad.every = 10;
    assert_int_equal(es_feed_add(f->s, &bad, 0, NULL), ES_EINVAL);
    bad.every = 0;
    bad.name = "";
    assert_int_equal(es_feed_add(f->s, &bad, 0, NULL), ES_EINVAL);

    es_feed_row b = {.url = "http://news.example/atom", .name = "news"};
    assert_int_equal(es_feed_add(f->s, &b, 0, &id2), ES_OK);
    rows r = {0};
    assert_int_equal(es_feed_list(f->s, 0, 0, 0, keep, &r), ES_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.name[0], "reviews");
    assert_string_equal(r.src[0], "review");
    assert_int_equal(r.r[0].every, 600);
    assert_int_equal(r.r[1].every, 900); /* the default */
    assert_string_equal(r.src[1], "(null)");
    assert_int_equal(r.r[1].next_poll, 0); /* due at once */
}

static void record_and_due(void **state)
{
    fx *f = *state;
    es_feed_row a = {.url = "https://a.example/rss", .name = "a", .every = 100};
    es_feed_row b = {.url = "https://b.example/rss", .name = "b", .every = 100};
    int64_t ia, ib;
    assert_int_equal(es_feed_add(f->s, &a, 0, &ia), ES_OK);
    assert_int_equal(es_feed_add(f->s, &b, 0, &ib), ES_OK);

    /* A 200 with validators: kept, and the feed is due again after every. */
    es_feed_row ok = {.etag = "\"v1\"",
                      .last_modified = "Mon, 23 Nov 2026 10:00:00 GMT",
                      .last_status = 200,
                      .last_poll = 1000,
                      .next_poll = 1100,
                      .items = 3};
    assert_int_equal(es_feed_record(f->s, ia, &ok), ES_OK);
    rows r = {0};
    assert_int_equal(es_feed_list(f->s, 1, 1099, 0, keep, &r), ES_OK);
    assert_int_equal(r.n, 1); /* only b */
    assert_string_equal(r.name[0], "b");
    memset(&r, 0, sizeof r);
    assert_int_equal(es_feed_list(f->s, 1, 1100, 0, keep, &r), ES_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.name[0], "b"); /* the oldest due first */

    /* A 304 without validators keeps them; counts add up. */
    es_feed_row nm = {.last_status = 304, .last_poll = 1100, .next_poll = 1200, .items = 0};
    assert_int_equal(es_feed_record(f->s, ia, &nm), ES_OK);
    memset(&r, 0, sizeof r);
    assert_int_equal(es_feed_list(f->s, 0, 0, 0, keep, &r), ES_OK);
    assert_string_equal(r.etag[0], "\"v1\"");
    assert_string_equal(r.lm[0], "Mon, 23 Nov 2026 10:00:00 GMT");
    assert_int_equal(r.r[0].items, 3);
    assert_int_equal(r.r[0].last_status, 304);
    assert_string_equal(r.err[0], "(null)");

    /* Failures: the error is kept, the validators too; the second failure
     * in a row waits one period more. */
    es_feed_row bad = {
        .last_status = 500, .last_error = "HTTP status 500", .last_poll = 1200, .next_poll = 1300};
    assert_int_equal(es_feed_record(f->s, ia, &bad), ES_OK);
    assert_int_equal(es_feed_record(f->s, ia, &bad), ES_OK);
    memset(&r, 0, sizeof r);
    assert_int_equal(es_feed_list(f->s, 0, 0, 0, keep, &r), ES_OK);
    assert_string_equal(r.err[0], "HTTP status 500");
    assert_string_equal(r.etag[0], "\"v1\"");
    assert_int_equal(r.r[0].next_poll, 1400);

    /* A 200 without validators (or whose items could not be stored)
     * clears them, so the next poll fetches everything again. */
    es_feed_row plain = {.last_status = 200, .last_poll = 1500, .next_poll = 1600};
    assert_int_equal(es_feed_record(f->s, ia, &plain), ES_OK);
    memset(&r, 0, sizeof r);
    assert_int_equal(es_feed_list(f->s, 0, 0, 0, keep, &r), ES_OK);
    assert_string_equal(r.etag[0], "(null)");
    assert_string_equal(r.err[0], "(null)");
    assert_int_equal(r.r[0].next_poll, 1600);

    assert_int_equal(es_feed_record(f->s, 999, &plain), ES_ENOTFOUND);
    assert_int_equal(es_feed_remove(f->s, ib, 7), ES_OK);
    assert_int_equal(es_feed_remove(f->s, ib, 7), ES_ENOTFOUND);
    memset(&r, 0, sizeof r);
    assert_int_equal(es_feed_list(f->s, 0, 0, 0, keep, &r), ES_OK);
    assert_int_equal(r.n, 1);
}

static int sink_calls;

static es_err sink(void *ud, const es_feed_row *f, es_mention_t *ms, size_t n, es_arena_t *a,
                   size_t *inserted)
{
    sink_calls++;
    return ES_OK;
}

static void unreachable_feed_is_recorded(void **state)
{
    fx *f = *state;
    /* Port 1 on loopback: refused at once, no network needed. */
    es_feed_row a = {.url = "http://127.0.0.1:1/feed.xml", .name = "down", .every = 60};
    int64_t id;
    size_t items = 99;
    assert_int_equal(es_feed_add(f->s, &a, 0, &id), ES_OK);
    a.id = id;
    assert_int_equal(es_feed_poll_due(f->s, 5000, sink, NULL, &items), ES_OK);
    assert_int_equal(items, 0);
    assert_int_equal(sink_calls, 0);
    rows r = {0};
    assert_int_equal(es_feed_list(f->s, 0, 0, 0, keep, &r), ES_OK);
    assert_int_equal(r.r[0].last_poll, 5000);
    assert_int_equal(r.r[0].next_poll, 5060);
    assert_int_equal(r.r[0].last_status, 0);
    assert_string_not_equal(r.err[0], "(null)");
    /* Not due any more: a second poll at the same time does nothing. */
    assert_int_equal(es_feed_poll_due(f->s, 5000, sink, NULL, &items), ES_OK);
    memset(&r, 0, sizeof r);
    assert_int_equal(es_feed_list(f->s, 1, 5000, 0, keep, &r), ES_OK);
    assert_int_equal(r.n, 0);
    /* poll_one says what went wrong. */
    assert_int_equal(es_feed_poll_one(f->s, &a, 6000, sink, NULL, &items), ES_EIO);
    es_feed_fetch_opts o = {"ftp://x.example/", NULL, NULL, 0, 0, 0};
    es_feed_response resp;
    char err[128];
    assert_int_equal(es_feed_fetch(&o, &resp, err, sizeof err), ES_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(add_list_and_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(record_and_due, setup, teardown),
        cmocka_unit_test_setup_teardown(unreachable_feed_is_recorded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
