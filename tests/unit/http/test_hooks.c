/*
 * test_hooks.c - the server's feed polling (es_server_poll_feeds,
 * src/http/hooks.c) in process: a real store, the real server, and a feed
 * served over real HTTP on 127.0.0.1 by a small libmicrohttpd daemon of
 * the test's own, which records the conditional headers and answers 304
 * when the ETag matches. The items go through the server's pipeline and are
 * stored once across polls. Then the webhook routes in process, over a
 * plain socket, with the secrets in es_server_opts: the Meta handshake,
 * the providers' published example signatures (GitHub's for
 * X-Hub-Signature-256, Twilio's request-validation example), refusals of
 * altered requests, idempotent deliveries, TwiML answers, and 404 for an
 * endpoint without a secret. tests/e2e/test_hooks.py covers the command.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
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

#include "earshot/feed.h"
#include "earshot/server.h"
#include "earshot/store.h"

static const char FEED[] =
    "<rss version=\"2.0\"><channel><title>t</title>"
    "<item><guid>a-1</guid><title>Rude staff</title><description>The staff was rude and the "
    "room was dirty.</description></item>"
    "<item><guid>a-2</guid><title>Great stay</title><description>Lovely hotel, great breakfast!"
    "</description></item></channel></rss>";

/* The feed server: counts requests and remembers the last If-None-Match. */
typedef struct feed_srv {
    struct MHD_Daemon *d;
    int requests;
    char inm[64];
} feed_srv;

static enum MHD_Result serve_feed(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    feed_srv *fs = cls;
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    fs->requests++;
    snprintf(fs->inm, sizeof fs->inm, "%s", inm ? inm : "");
    int same = inm && strcmp(inm, "\"e1\"") == 0;
    struct MHD_Response *r = MHD_create_response_from_buffer(same ? 0 : strlen(FEED), (void *)FEED,
                                                             MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "ETag", "\"e1\"");
    enum MHD_Result ret = MHD_queue_response(c, same ? 304 : 200, r);
    MHD_destroy_response(r);
    return ret;
}

typedef struct fixture {
    char dir[64], path[128];
    es_store_t *store, *poller;
    es_server_t *srv;
    feed_srv fs;
    char resp[65536];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[256];
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_hooks_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    assert_int_equal(es_store_open(f->path, &f->store), ES_OK);
    assert_int_equal(es_store_open(f->path, &f->poller), ES_OK);
    es_server_opts o;
    memset(&o, 0, sizeof o);
    o.store = f->store;
    o.db_path = f->path;
    o.meta_app_secret = "It's a Secret to Everybody";
    o.meta_verify_token = "vt-9";
    o.twilio_auth_token = "12345";
    o.twilio_url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    o.twilio_reply = "Thanks <3";
    o.twilio_locations = "+18005551212=store-9";
    assert_int_equal(es_server_start(&o, &f->srv, err, sizeof err), ES_OK);
    f->fs.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
                               serve_feed, &f->fs, MHD_OPTION_END);
    assert_non_null(f->fs.d);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char p[200];
    MHD_stop_daemon(f->fs.d);
    assert_int_equal(es_server_stop(f->srv), ES_OK);
    es_store_close(f->store);
    es_store_close(f->poller);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void feed_items_enter_the_pipeline_once(void **state)
{
    fixture *f = *state;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->fs.d, MHD_DAEMON_INFO_BIND_PORT);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hotel.rss", (unsigned)info->port);
    es_feed_row row = {.url = url, .name = "hotel", .source = "review", .every = 60};
    int64_t count = 0;
    size_t items = 99;
    assert_int_equal(es_feed_add(f->poller, &row, 0, NULL), ES_OK);

    assert_int_equal(es_server_poll_feeds(f->srv, f->poller, 1000, &items), ES_OK);
    assert_int_equal(items, 2);
    assert_int_equal(f->fs.requests, 1);
    assert_string_equal(f->fs.inm, "");
    assert_int_equal(es_store_count(f->poller, &count), ES_OK);
    assert_int_equal(count, 2);

    /* Not due at 1059; due at 1060: conditional, 304, nothing new. */
    assert_int_equal(es_server_poll_feeds(f->srv, f->poller, 1059, &items), ES_OK);
    assert_int_equal(f->fs.requests, 1);
    assert_int_equal(es_server_poll_feeds(f->srv, f->poller, 1060, &items), ES_OK);
    assert_int_equal(f->fs.requests, 2);
    assert_string_equal(f->fs.inm, "\"e1\"");
    assert_int_equal(items, 0);

    assert_int_equal(es_server_poll_feeds(NULL, f->poller, 1, &items), ES_EINVAL);
    assert_int_equal(es_server_poll_feeds(f->srv, NULL, 1, &items), ES_EINVAL);
    assert_int_equal(es_store_count(f->poller, &count), ES_OK);
    assert_int_equal(count, 2);
}

/* ---- the webhook routes ------------------------------------------------------ */

/* Sends raw on a new connection; the answer goes into f->resp. Returns the
 * status code. */
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
            break;
        off += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    size_t got = 0;
    ssize_t n;
    while (got < sizeof f->resp - 1 &&
           (n = recv(fd, f->resp + got, sizeof f->resp - 1 - got, 0)) > 0)
        got += (size_t)n;
    f->resp[got] = '\0';
    close(fd);
    int code = 0;
    assert_int_equal(sscanf(f->resp, "HTTP/1.%*d %d", &code), 1);
    return code;
}

static int post(fixture *f, const char *path, const char *header, const char *body)
{
    char req[8192];
    snprintf(req, sizeof req,
             "POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s%s"
             "Content-Type: application/x-www-form-urlencoded\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             path, header ? header : "", header ? "\r\n" : "", strlen(body), body);
    return exchange(f, req);
}

static const char *body_of(const fixture *f)
{
    const char *b = strstr(f->resp, "\r\n\r\n");
    return b ? b + 4 : "";
}

static void meta_routes(void **state)
{
    fixture *f = *state;
    assert_int_equal(exchange(f, "GET /hooks/meta?hub.mode=subscribe&hub.verify_token=vt-9"
                                 "&hub.challenge=42abc HTTP/1.1\r\nHost: x\r\n"
                                 "Connection: close\r\n\r\n"),
                     200);
    assert_string_equal(body_of(f), "42abc");
    assert_non_null(strstr(f->resp, "text/plain"));
    assert_int_equal(exchange(f, "GET /hooks/meta?hub.mode=subscribe&hub.verify_token=vt-8"
                                 "&hub.challenge=42abc HTTP/1.1\r\nHost: x\r\n"
                                 "Connection: close\r\n\r\n"),
                     403);
    /* GitHub's published example: past the signature (then 400: not a
     * Meta delivery); one byte changed, or no header: 403. */
    const char *sig = "X-Hub-Signature-256: sha256="
                      "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    assert_int_equal(post(f, "/hooks/meta", sig, "Hello, World!"), 400);
    assert_int_equal(post(f, "/hooks/meta", sig, "Hello, World?"), 403);
    assert_int_equal(post(f, "/hooks/meta", NULL, "Hello, World!"), 403);

    const char *delivery =
        "{\"object\":\"instagram\",\"entry\":[{\"id\":\"IG\",\"time\":1763900000,"
        "\"changes\":[{\"field\":\"comments\",\"value\":{\"id\":\"C1\","
        "\"text\":\"where is my refund?\",\"from\":{\"id\":\"9\",\"username\":\"ann\"},"
        "\"media\":{\"id\":\"M1\"}}}]}]}";
    unsigned char mac[32];
    unsigned int maclen = 0;
    const char *secret = "It's a Secret to Everybody";
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)delivery,
         strlen(delivery), mac, &maclen);
    char header[128] = "X-Hub-Signature-256: sha256=";
    for (unsigned i = 0; i < maclen; i++)
        snprintf(header + 28 + 2 * i, 3, "%02x", mac[i]);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(post(f, "/hooks/meta", header, delivery), 200);
        assert_string_equal(body_of(f), i == 0 ? "{\"accepted\":1,\"new\":1}\n"
                                               : "{\"accepted\":1,\"new\":0}\n");
    }
}

static void twilio_routes(void **state)
{
    fixture *f = *state;
    const char *example = "To=%2B18005551212&From=%2B14158675309&Digits=1234"
                          "&CallSid=CA1234567890ABCDE&Caller=%2B14158675309";
    const char *sig = "X-Twilio-Signature: RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    assert_int_equal(post(f, "/hooks/twilio", sig, example), 200);
    assert_string_equal(body_of(f),
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>");
    assert_non_null(strstr(f->resp, "text/xml"));
    assert_int_equal(post(f, "/hooks/twilio", sig, "Digits=1235&To=%2B18005551212"), 403);
    assert_int_equal(post(f, "/hooks/twilio", NULL, example), 403);

    /* An SMS signed over the configured URL and the sorted parameters. */
    const char *sms = "MessageSid=SM1&From=%2B1415&To=%2B18005551212&Body=late+again";
    const char *data = "https://mycompany.com/myapp.php?foo=1&bar=2"
                       "Bodylate againFrom+1415MessageSidSM1To+18005551212";
    unsigned char mac[20];
    unsigned int maclen = 0;
    HMAC(EVP_sha1(), "12345", 5, (const unsigned char *)data, strlen(data), mac, &maclen);
    char header[96] = "X-Twilio-Signature: ";
    EVP_EncodeBlock((unsigned char *)header + 20, mac, (int)maclen);
    assert_int_equal(post(f, "/hooks/twilio", header, sms), 200);
    assert_non_null(strstr(body_of(f), "<Message>Thanks &lt;3</Message>"));
    assert_int_equal(post(f, "/hooks/twilio", header, sms), 200);
    assert_null(strstr(body_of(f), "<Message>"));
    int64_t count = 0;
    assert_int_equal(es_store_count(f->poller, &count), ES_OK);
    assert_int_equal(count, 1);
}

static void unconfigured_routes_are_off(void **state)
{
    fixture *f = *state;
    char err[256];
    assert_int_equal(es_server_stop(f->srv), ES_OK);
    es_server_opts o;
    memset(&o, 0, sizeof o);
    o.store = f->store;
    o.db_path = f->path;
    assert_int_equal(es_server_start(&o, &f->srv, err, sizeof err), ES_OK);
    assert_int_equal(post(f, "/hooks/meta", NULL, "{}"), 404);
    assert_int_equal(post(f, "/hooks/twilio", NULL, "a=1"), 404);
    assert_int_equal(exchange(f, "GET /hooks/meta HTTP/1.1\r\nHost: x\r\n"
                                 "Connection: close\r\n\r\n"),
                     404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(feed_items_enter_the_pipeline_once, setup, teardown),
        cmocka_unit_test_setup_teardown(meta_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(twilio_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(unconfigured_routes_are_off, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
