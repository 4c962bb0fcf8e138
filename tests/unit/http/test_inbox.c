/*
 * test_inbox.c - the server's group-commit inbox (src/http/inbox.c), its
 * metrics (metrics.c) and API tokens (token.c), on a real SQLite store in a
 * temporary directory: jobs from several threads are committed with their
 * own counts, re-delivery stores nothing twice, a full or closing queue
 * refuses at once, and the Prometheus text holds what was counted.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "earshot/server.h"
#include "earshot/store.h"
#include "http/http_int.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    es_store_t *store;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_inbox_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    assert_int_equal(es_store_open(f->path, &f->store), ES_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char p[200];
    es_store_close(f->store);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A job of n mentions with ids prefix-0 .. prefix-(n-1). */
static void make_job(es__http_job *j, const char *prefix, size_t n)
{
    memset(j, 0, sizeof *j);
    j->arena = es_arena_new(0, 0);
    assert_non_null(j->arena);
    j->ms = es_arena_alloc(j->arena, n * sizeof *j->ms);
    assert_non_null(j->ms);
    for (size_t i = 0; i < n; i++) {
        es_mention_init(&j->ms[i]);
        j->ms[i].source = "sms";
        j->ms[i].external_id = es_arena_printf(j->arena, "%s-%zu", prefix, i);
        j->ms[i].text = es_arena_printf(j->arena, "message %s number %zu", prefix, i);
    }
    j->n = n;
}

typedef struct submitter {
    es__http_inbox *in;
    es__http_job job;
    char prefix[16];
    es_err rc;
} submitter;

static void *submit_main(void *arg)
{
    submitter *s = arg;
    s->rc = es__http_inbox_submit(s->in, &s->job);
    return NULL;
}

static void test_group_commit(void **state)
{
    fixture *f = *state;
    es__http_metrics m;
    es__http_inbox *in = NULL;
    submitter sub[6];
    pthread_t tid[6];
    memset(&m, 0, sizeof m);
    assert_int_equal(es__http_inbox_start(f->store, 16, &m, NULL, NULL, &in), ES_OK);
    for (int i = 0; i < 6; i++) {
        sub[i].in = in;
        snprintf(sub[i].prefix, sizeof sub[i].prefix, "t%d", i);
        /* Threads 0..2 and 3..5 send the same ids: only one of each pair is new. */
        make_job(&sub[i].job, i < 3 ? sub[i].prefix : sub[i - 3].prefix, 5);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&tid[i], NULL, submit_main, &sub[i]), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(tid[i], NULL);
    for (int i = 3; i < 6; i++)
        assert_int_equal(pthread_create(&tid[i], NULL, submit_main, &sub[i]), 0);
    for (int i = 3; i < 6; i++)
        pthread_join(tid[i], NULL);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(sub[i].rc, ES_OK);
        assert_int_equal(sub[i].job.done, 1);
        assert_int_equal(sub[i].job.inserted, i < 3 ? 5 : 0);
    }
    assert_int_equal(es__http_inbox_depth(in), 0);
    assert_true(es__http_inbox_ok(in));
    assert_int_equal(es__http_inbox_close(in), ES_OK);
    int64_t n = 0;
    assert_int_equal(es_store_count(f->store, &n), ES_OK);
    assert_int_equal(n, 15);
    assert_int_equal(m.accepted, 30);
    assert_int_equal(m.stored, 15);
    assert_true(m.commits >= 2);
    for (int i = 0; i < 6; i++)
        es_arena_free(sub[i].job.arena);
}

/* A queue with no room refuses at once and stores nothing. */
static void test_full_queue_refuses(void **state)
{
    fixture *f = *state;
    es__http_metrics m;
    es__http_inbox *in = NULL;
    es__http_job j;
    memset(&m, 0, sizeof m);
    assert_int_equal(es__http_inbox_start(f->store, 0, &m, NULL, NULL, &in), ES_OK);
    make_job(&j, "full", 2);
    assert_int_equal(es__http_inbox_submit(in, &j), ES_EBUSY);
    assert_int_equal(es__http_inbox_close(in), ES_OK);
    int64_t n = -1;
    assert_int_equal(es_store_count(f->store, &n), ES_OK);
    assert_int_equal(n, 0);
    es_arena_free(j.arena);
}

static void test_start_alloc_failures(void **state)
{
    fixture *f = *state;
    es__http_metrics m;
    memset(&m, 0, sizeof m);
    for (long k = 0; k < 1000; k++) {
        es__http_inbox *in = NULL;
        es_fail_alloc_after(k);
        es_err rc = es__http_inbox_start(f->store, 4, &m, NULL, NULL, &in);
        es_fail_alloc_after(-1);
        if (rc == ES_OK) {
            assert_int_equal(es__http_inbox_close(in), ES_OK);
            return;
        }
        assert_null(in);
    }
    fail_msg("the inbox never started");
}

static void test_metrics_text(void **state)
{
    es__http_metrics m;
    es__buf b;
    memset(&m, 0, sizeof m);
    es__http_metrics_status(&m, 202);
    es__http_metrics_status(&m, 202);
    es__http_metrics_status(&m, 413);
    es__http_metrics_status(&m, 99);  /* ignored */
    es__http_metrics_status(&m, 600); /* ignored */
    es__http_metrics_commit(&m, 0.003); /* bucket le=0.005 */
    es__http_metrics_commit(&m, 9.0);   /* only +Inf */
    m.accepted = 7;
    es__buf_init(&b, 0);
    assert_int_equal(es__http_metrics_render(&m, 3, &b), ES_OK);
    assert_non_null(strstr(b.data, "\nearshot_ingest_accepted_total 7\n"));
    assert_non_null(strstr(b.data, "\nearshot_queue_depth 3\n"));
    assert_non_null(strstr(b.data, "earshot_commit_seconds_bucket{le=\"0.0025\"} 0\n"));
    assert_non_null(strstr(b.data, "earshot_commit_seconds_bucket{le=\"0.005\"} 1\n"));
    assert_non_null(strstr(b.data, "earshot_commit_seconds_bucket{le=\"2.5\"} 1\n"));
    assert_non_null(strstr(b.data, "earshot_commit_seconds_bucket{le=\"+Inf\"} 2\n"));
    assert_non_null(strstr(b.data, "earshot_commit_seconds_count 2\n"));
    assert_non_null(strstr(b.data, "earshot_http_responses_total{code=\"202\"} 2\n"));
    assert_non_null(strstr(b.data, "earshot_http_responses_total{code=\"413\"} 1\n"));
    assert_null(strstr(b.data, "code=\"600\""));
    es__buf_cleanup(&b);
    es__buf_init(&b, 100); /* too small: refused, not cut */
    assert_int_equal(es__http_metrics_render(&m, 0, &b), ES_ELIMIT);
    es__buf_cleanup(&b);
}

static void test_tokens(void **state)
{
    fixture *f = *state;
    char tok[ES_SERVER_TOKEN_LEN + 1], tok2[ES_SERVER_TOKEN_LEN + 1];
    uint8_t h[32], h2[32], again[32];
    /* SHA-256("abc"), FIPS 180-2. */
    static const uint8_t abc[4] = {0xba, 0x78, 0x16, 0xbf};
    es_server_token_hash("abc", 3, h);
    assert_memory_equal(h, abc, 4);
    assert_int_equal(es_server_token_new(tok, h), ES_OK);
    assert_int_equal(es_server_token_new(tok2, h2), ES_OK);
    assert_int_equal(strlen(tok), ES_SERVER_TOKEN_LEN);
    assert_string_not_equal(tok, tok2);
    assert_int_equal(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     ES_SERVER_TOKEN_LEN);
    es_server_token_hash(tok, strlen(tok), again);
    assert_memory_equal(h, again, 32);

    int64_t id = 0, got = 0;
    assert_int_equal(es_store_token_add(f->store, "ci", h, &id), ES_OK);
    assert_int_equal(es_store_token_add(f->store, "ci", h2, NULL), ES_EEXIST);
    assert_int_equal(es_store_token_add(f->store, "", h2, NULL), ES_EINVAL);
    assert_int_equal(es_store_token_verify(f->store, h, 1000, &got), ES_OK);
    assert_int_equal(got, id);
    assert_int_equal(es_store_token_verify(f->store, h2, 1000, &got), ES_ENOTFOUND);
    again[31] ^= 1;
    assert_int_equal(es_store_token_verify(f->store, again, 1000, &got), ES_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_queue_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_alloc_failures, setup, teardown),
        cmocka_unit_test(test_metrics_text),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
