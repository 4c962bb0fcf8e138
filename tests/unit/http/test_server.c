/*
 * test_server.c - the HTTP server (src/http/server.c) in process, on
 * 127.0.0.1 with a port the system picks and a real store, spoken to over a
 * plain socket so that the requests can be exactly what a test needs: a
 * chunked body past the limit, a bad Content-Length, a CRLF JSON Lines
 * body, HEAD, tokens. The e2e test (tests/e2e/test_serve.py) covers the
 * command around it.
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
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "earshot/ingest.h"
#include "earshot/server.h"
#include "earshot/store.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    es_store_t *store, *auth;
    es_server_t *srv;
    char token[ES_SERVER_TOKEN_LEN + 1];
    char resp[65536];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    uint8_t hash[32];
    char err[256];
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_server_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    assert_int_equal(es_store_open(f->path, &f->store), ES_OK);
    assert_int_equal(es_store_open(f->path, &f->auth), ES_OK);
    assert_int_equal(es_server_token_new(f->token, hash), ES_OK);
    assert_int_equal(es_store_token_add(f->auth, "t", hash, NULL), ES_OK);
    es_server_opts o;
    memset(&o, 0, sizeof o);
    o.store = f->store;
    o.db_path = f->path;
    o.max_body = 1000;
    assert_int_equal(es_server_start(&o, &f->srv, err, sizeof err), ES_OK);
    assert_true(es_server_port(f->srv) > 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char p[200];
    assert_int_equal(es_server_stop(f->srv), ES_OK);
    es_store_close(f->store);
    es_store_close(f->auth);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Sends raw (the whole request) on a new connection and reads the answer
 * into f->resp until the server closes. Returns the status code. */
static int exchange(fixture *f, const char *raw)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(es_server_port(f->srv));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    size_t len = strlen(raw), off = 0;
    while (off < len) {
        ssize_t n = send(fd, raw + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may answer and close early (413) */
        off += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    size_t got = 0;
    ssize_t n;
    while (got < sizeof f->resp - 1 && (n = recv(fd, f->resp + got, sizeof f->resp - 1 - got, 0)) > 0)
        got += (size_t)n;
    f->resp[got] = '\0';
    close(fd);
    int code = 0;
    assert_int_equal(sscanf(f->resp, "HTTP/1.%*d %d", &code), 1);
    return code;
}

/* A POST to /hooks/ingest with the token, Connection: close, and body. */
static int post(fixture *f, const char *extra, const char *body)
{
    char req[8192];
    snprintf(req, sizeof req,
             "POST /hooks/ingest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Authorization: Bearer %s\r\n%sContent-Length: %zu\r\n\r\n%s",
             f->token, extra, strlen(body), body);
    return exchange(f, req);
}

static void test_ingest_crlf_lines(void **state)
{
    fixture *f = *state;
    int code = post(f, "", "{\"source\":\"sms\",\"id\":\"1\",\"text\":\"late again\"}\r\n\r\n"
                           "{\"source\":\"sms\",\"id\":\"2\",\"text\":\"thanks!\"}\r\n");
    assert_int_equal(code, 202);
    assert_non_null(strstr(f->resp, "\"accepted\":2,\"new\":2,\"rejected\":0"));
    assert_non_null(strstr(f->resp, "X-Content-Type-Options: nosniff"));
    /* Control characters in a reason are escaped in the JSON answer. */
    code = post(f, "", "{\"source\":\"sms\",\"id\":\"3\"}\n\"\x01\"\n");
    assert_int_equal(code, 400);
    assert_non_null(strstr(f->resp, "\"rejected\":2"));
    assert_null(strchr(f->resp, '\x01'));
    int64_t n = 0;
    assert_int_equal(es_store_count(f->store, &n), ES_OK);
    assert_int_equal(n, 2);
}

static void test_limits(void **state)
{
    fixture *f = *state;
    char big[1200], req[2048];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(post(f, "", big), 413);
    /* Chunked, no Content-Length: read past the limit, then refused. */
    snprintf(req, sizeof req,
             "POST /hooks/ingest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n"
             "258\r\n%.600s\r\n258\r\n%.600s\r\n0\r\n\r\n",
             f->token, big, big);
    assert_int_equal(exchange(f, req), 413);
    assert_int_equal(post(f, "", ""), 400);
    assert_int_equal(post(f, "", "\n  \n"), 400);
    assert_non_null(strstr(f->resp, "no record"));
}

static void test_auth_and_routes(void **state)
{
    fixture *f = *state;
    const char *body = "{\"source\":\"sms\",\"id\":\"9\",\"text\":\"hi\"}";
    char req[1024];
    snprintf(req, sizeof req,
             "POST /hooks/ingest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Authorization: Basic dTpw\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    assert_int_equal(exchange(f, req), 401);
    assert_non_null(strstr(f->resp, "WWW-Authenticate: Bearer realm=\"earshot\""));
    snprintf(req, sizeof req,
             "POST /hooks/ingest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Authorization: Bearer %s x\r\nContent-Length: %zu\r\n\r\n%s",
             f->token, strlen(body), body);
    assert_int_equal(exchange(f, req), 401);
    assert_non_null(strstr(f->resp, "invalid_token"));
    assert_int_equal(exchange(f, "HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                     200);
    assert_null(strstr(f->resp, "status"));
    assert_int_equal(exchange(f, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                     200);
    assert_non_null(strstr(f->resp, "earshot_http_responses_total{code=\"401\"} 2"));
    assert_int_equal(exchange(f, "PUT /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                 "Content-Length: 0\r\n\r\n"),
                     405);
    assert_non_null(strstr(f->resp, "Allow: GET, HEAD"));
    assert_int_equal(exchange(f, "GET /hooks/ingest/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                     404);
    assert_non_null(strstr(f->resp, "Content-Security-Policy: default-src 'none'"));
}

/* The follow-up: called with a store handle of its own after commits that
 * stored something, and once more after the stop. */
typedef struct follow {
    pthread_mutex_t mu;
    int calls, bad;
    int64_t seen; /* mentions its handle saw, last call */
} follow;

static void follow_cb(es_store_t *s, int64_t now_ms, void *ud)
{
    follow *fl = ud;
    int64_t n = 0;
    int bad = now_ms < 1700000000000LL || es_store_count(s, &n) != ES_OK;
    pthread_mutex_lock(&fl->mu); /* no cmocka assertion off the test's thread */
    fl->bad += bad;
    fl->calls++;
    fl->seen = n;
    pthread_mutex_unlock(&fl->mu);
}

static void test_follow_up(void **state)
{
    fixture *f = *state;
    follow fl = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
    char err[256];
    assert_int_equal(es_server_stop(f->srv), ES_OK);
    es_server_opts o;
    memset(&o, 0, sizeof o);
    o.store = f->store;
    o.db_path = f->path;
    o.follow_up = follow_cb;
    o.follow_up_ud = &fl;
    o.tick_ms = 60000; /* only commits (and the stop) wake it in this test */
    assert_int_equal(es_server_start(&o, &f->srv, err, sizeof err), ES_OK);
    assert_int_equal(post(f, "", "{\"source\":\"sms\",\"id\":\"f1\",\"text\":\"late\"}\n"), 202);
    int seen = 0;
    for (int i = 0; i < 500 && !seen; i++) { /* up to 5 s on a loaded machine */
        pthread_mutex_lock(&fl.mu);
        seen = fl.seen == 1;
        pthread_mutex_unlock(&fl.mu);
        if (!seen)
            usleep(10000);
    }
    assert_true(seen);
    es_server_t *srv = f->srv;
    f->srv = NULL;
    assert_int_equal(es_server_stop(srv), ES_OK);
    assert_true(fl.calls >= 2); /* at start, after the commit (and at the stop) */
    assert_int_equal(fl.bad, 0);
}

static void test_start_errors(void **state)
{
    fixture *f = *state;
    es_server_t *s = NULL;
    char err[256];
    es_server_opts o;
    memset(&o, 0, sizeof o);
    assert_int_equal(es_server_start(&o, &s, err, sizeof err), ES_EINVAL);
    o.store = f->store;
    o.db_path = f->path;
    o.host = "not-an-address";
    assert_int_equal(es_server_start(&o, &s, err, sizeof err), ES_EINVAL);
    assert_non_null(strstr(err, "IPv4"));
    assert_null(s);
}

/* The decoder the server uses (es_decoder_new, src/ingest/reader.c). */
static void test_decoder_new(void **state)
{
    es_decoder_t *d = NULL;
    es_reader_opts csv = {ES_FORMAT_CSV, NULL, NULL}, any = {ES_FORMAT_AUTO, "web", NULL};
    assert_int_equal(es_decoder_new(&csv, &d), ES_EUNSUPPORTED);
    assert_null(d);
    es_fail_alloc_after(0);
    assert_int_equal(es_decoder_new(&any, &d), ES_ENOMEM);
    es_fail_alloc_after(1);
    assert_int_equal(es_decoder_new(&any, &d), ES_ENOMEM); /* the source's copy */
    es_fail_alloc_after(-1);
    assert_int_equal(es_decoder_new(&any, &d), ES_OK);
    const char *v1 = "{\"id_str\":\"7\",\"text\":\"hello\",\"user\":{\"screen_name\":\"a\"}}";
    es_record rec = {v1, strlen(v1), 1, 0};
    es_arena_t *a = es_arena_new(0, 0);
    es_mention_t *ms = NULL;
    size_t n = 0;
    const char *reason = NULL;
    assert_int_equal(es_decode(d, &rec, a, &ms, &n, &reason), ES_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ms[0].external_id, "7");
    assert_string_equal(ms[0].source, "twitter");
    es_arena_free(a);
    es_decoder_free(d);
    es_decoder_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ingest_crlf_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_and_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_up, setup, teardown),
        cmocka_unit_test(test_decoder_new),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
