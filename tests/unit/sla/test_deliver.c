/*
 * test_deliver.c - delivering replies (src/sla/deliver.c, deliverer.c) to a
 * real HTTP receiver on 127.0.0.1 (libmicrohttpd, in this process) from a
 * real SQLite store: the JSON body and headers, the HMAC signature checked
 * the way a receiver would, a failure retried after the back-off with the
 * same idempotency key, redirects not followed, giving up after
 * max_attempts, an unreachable endpoint, and the deliverer thread picking
 * up a reply when woken and leaving nothing behind when stopped.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include "earshot/reply.h"

#define T0 1795392000LL

/* ---- the receiver ------------------------------------------------------------ */

typedef struct hit {
    char path[32], key[96], sig[96], ts[32];
    char body[2048];
} hit;

typedef struct receiver {
    struct MHD_Daemon *d;
    unsigned port;
    pthread_mutex_t mu;
    hit hits[32];
    int n;
    int flaky_left; /* /flaky answers 500 this many times */
} receiver;

typedef struct upload {
    char body[2048];
    size_t len;
} upload;

static const char *hdr(struct MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    return v ? v : "";
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **con_cls)
{
    (void)version;
    (void)method;
    receiver *rv = cls;
    upload *u = *con_cls;
    if (!u) {
        *con_cls = calloc(1, sizeof *u);
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*size) {
        size_t take = *size < sizeof u->body - 1 - u->len ? *size : sizeof u->body - 1 - u->len;
        memcpy(u->body + u->len, data, take);
        u->len += take;
        *size = 0;
        return MHD_YES;
    }
    unsigned status = 200;
    pthread_mutex_lock(&rv->mu);
    if (rv->n < 32) {
        hit *h = &rv->hits[rv->n];
        snprintf(h->path, sizeof h->path, "%s", url);
        snprintf(h->key, sizeof h->key, "%s", hdr(c, "Idempotency-Key"));
        snprintf(h->sig, sizeof h->sig, "%s", hdr(c, "X-Earshot-Signature"));
        snprintf(h->ts, sizeof h->ts, "%s", hdr(c, "X-Earshot-Timestamp"));
        memcpy(h->body, u->body, u->len + 1);
    }
    rv->n++;
    if (strcmp(url, "/flaky") == 0 && rv->flaky_left > 0) {
        rv->flaky_left--;
        status = 500;
    } else if (strcmp(url, "/redirect") == 0) {
        status = 302;
    } else if (strcmp(url, "/gone") == 0) {
        status = 410;
    }
    pthread_mutex_unlock(&rv->mu);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(2, (void *)"{}", MHD_RESPMEM_PERSISTENT);
    if (status == 302)
        MHD_add_response_header(r, "Location", "/ok");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
                 enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

typedef struct fx {
    char dir[64], path[128];
    es_store_t *s;
    sqlite3 *db;
    receiver rv;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_deliver_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    assert_int_equal(es_store_open(f->path, &f->s), ES_OK);
    assert_int_equal(sqlite3_open(f->path, &f->db), SQLITE_OK);
    sqlite3_busy_timeout(f->db, 5000);
    assert_int_equal(sqlite3_exec(f->db,
                                  "INSERT INTO cases(id, source, created, updated,"
                                  " last_customer_at) VALUES (1, 'twitter', 0, 0, 0),"
                                  " (2, 'sms', 0, 0, 0), (3, 'facebook', 0, 0, 0),"
                                  " (4, 'email', 0, 0, 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    pthread_mutex_init(&f->rv.mu, NULL);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->rv.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                               answer, &f->rv, MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
                               MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
    assert_non_null(f->rv.d);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(f->rv.d, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(di);
    f->rv.port = di->port;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char p[200];
    MHD_stop_daemon(f->rv.d);
    pthread_mutex_destroy(&f->rv.mu);
    sqlite3_close(f->db);
    es_store_close(f->s);
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void endpoint(fx *f, const char *channel, const char *path, const char *secret)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", f->rv.port, path);
    assert_int_equal(es_reply_endpoint_set(f->s, channel, url, secret, 0), ES_OK);
}

static int64_t one(fx *f, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL), SQLITE_OK);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -999;
    sqlite3_finalize(st);
    return v;
}

/* What a receiver computes to check a request. */
static void expected_sig(const char *secret, const hit *h, char out[80])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    char msg[2200];
    int n = snprintf(msg, sizeof msg, "%s.%s", h->ts, h->body);
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)msg, (size_t)n, mac, &len);
    memcpy(out, "sha256=", 8);
    for (unsigned i = 0; i < len; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
}

static void test_retry_then_deliver(void **state)
{
    fx *f = *state;
    endpoint(f, "twitter", "/flaky", "s3cret");
    f->rv.flaky_left = 1;
    es_reply r;
    assert_int_equal(
        es_reply_add(f->s, 1, NULL, 0, 0, "Hi \"Ana\", we're on it \xe2\x9c\x88", 0, T0, &r, NULL),
        ES_OK);
    es_reply_deliver_opts o = {.backoff_min = 30, .timeout_ms = 5000};
    size_t ok = 9, bad = 9;
    assert_int_equal(es_reply_deliver_due(f->s, T0, &o, &ok, &bad), ES_OK);
    assert_int_equal(ok, 0);
    assert_int_equal(bad, 1);
    assert_int_equal(one(f, "SELECT next_try FROM reply_outbox"), T0 + 30);
    assert_int_equal(one(f, "SELECT last_error = 'HTTP 500' FROM reply_outbox"), 1);
    assert_int_equal(es_reply_deliver_due(f->s, T0 + 29, &o, &ok, &bad), ES_OK);
    assert_int_equal(ok + bad, 0); /* not yet */
    assert_int_equal(es_reply_deliver_due(f->s, T0 + 30, &o, &ok, &bad), ES_OK);
    assert_int_equal(ok, 1);
    assert_int_equal(one(f, "SELECT status = 'delivered' AND attempts = 2 FROM reply_outbox"), 1);
    assert_int_equal(es_reply_deliver_due(f->s, T0 + 1000, &o, &ok, &bad), ES_OK);
    assert_int_equal(ok + bad, 0); /* delivered once */
    assert_int_equal(f->rv.n, 2);
    hit *a = &f->rv.hits[0], *b = &f->rv.hits[1];
    assert_string_equal(a->key, b->key);
    assert_true(strncmp(a->key, "reply-1-", 8) == 0);
    assert_string_equal(b->ts, "1795392030");
    char sig[80];
    expected_sig("s3cret", b, sig);
    assert_string_equal(b->sig, sig);
    expected_sig("wrong", b, sig);
    assert_string_not_equal(b->sig, sig);
    assert_non_null(strstr(b->body, "\"text\":\"Hi \\\"Ana\\\", we're on it \xe2\x9c\x88\""));
    assert_non_null(strstr(b->body, "\"channel\":\"twitter\""));
    assert_non_null(strstr(b->body, "\"case_id\":1"));
    assert_non_null(strstr(b->body, "\"in_reply_to\":null"));
}

static void test_refusals(void **state)
{
    fx *f = *state;
    endpoint(f, "sms", "/redirect", NULL);
    endpoint(f, "facebook", "/gone", NULL);
    assert_int_equal(es_reply_endpoint_set(f->s, "email", "http://127.0.0.1:1/closed", NULL, 0),
                     ES_OK);
    es_reply r;
    assert_int_equal(es_reply_add(f->s, 2, NULL, 0, 0, "sms reply", 0, T0, &r, NULL), ES_OK);
    assert_int_equal(es_reply_add(f->s, 3, NULL, 0, 0, "fb reply", 0, T0, &r, NULL), ES_OK);
    assert_int_equal(es_reply_add(f->s, 4, NULL, 0, 0, "mail reply", 0, T0, &r, NULL), ES_OK);
    es_reply_deliver_opts o = {.backoff_min = 10, .max_attempts = 2, .timeout_ms = 3000};
    size_t ok, bad;
    assert_int_equal(es_reply_deliver_due(f->s, T0, &o, &ok, &bad), ES_OK);
    assert_int_equal(bad, 3);
    assert_int_equal(es_reply_deliver_due(f->s, T0 + 10, &o, &ok, &bad), ES_OK);
    assert_int_equal(bad, 3);
    assert_int_equal(ok, 0);
    assert_int_equal(one(f, "SELECT count(*) FROM reply_outbox WHERE status = 'failed'"), 3);
    assert_int_equal(one(f, "SELECT count(*) FROM reply_outbox WHERE last_error = 'HTTP 302'"), 1);
    /* The redirect was not followed: the receiver saw only the 4 posts. */
    int redirected = 0;
    for (int i = 0; i < f->rv.n; i++)
        redirected += strcmp(f->rv.hits[i].path, "/ok") == 0;
    assert_int_equal(redirected, 0);
    assert_int_equal(f->rv.n, 4);
    assert_string_equal(f->rv.hits[0].sig, ""); /* no secret, no signature */
}

static void test_thread(void **state)
{
    fx *f = *state;
    endpoint(f, "twitter", "/ok", "k");
    es_reply_deliverer_t *d = NULL;
    es_reply_deliver_opts o = {.poll_ms = 50};
    assert_int_equal(es_reply_deliverer_start(f->path, &o, &d), ES_OK);
    es_reply r;
    assert_int_equal(
        es_reply_add(f->s, 1, NULL, 0, 0, "from the thread", 0, (int64_t)time(NULL), &r, NULL),
        ES_OK);
    es_reply_deliverer_wake(d);
    int delivered = 0;
    for (int i = 0; i < 400 && !delivered; i++) {
        delivered = one(f, "SELECT count(*) FROM reply_outbox WHERE status = 'delivered'") == 1;
        if (!delivered)
            usleep(25000);
    }
    es_reply_deliverer_stop(d);
    assert_true(delivered);
    assert_int_equal(f->rv.n, 1);
    es_reply_deliverer_stop(NULL);
    es_reply_deliverer_wake(NULL);
    assert_int_equal(es_reply_deliverer_start("/nonexistent/dir/x.db", &o, &d), ES_EDB);
    assert_null(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_retry_then_deliver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thread, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
