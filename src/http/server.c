/*
 * server.c - the HTTP side of `earshot serve` (server.h): libmicrohttpd with
 * one thread per connection, the routes, and the ingest endpoint's request
 * handling. Called by src/cli/serve.c.
 *
 * Threading: libmicrohttpd runs a listening thread and one thread per
 * connection (MHD_USE_THREAD_PER_CONNECTION, at most ES_SERVER_MAX_CONN).
 * A connection thread may therefore block: for POST /hooks/ingest it
 * decodes and analyses the body itself (so parsing runs on every core),
 * then queues the mentions to the pipeline thread (inbox.c) and waits for
 * their commit before answering. Each thread borrows an analyser (a
 * sentiment scorer and a listening scratch) from a small pool, so nothing
 * is shared while analysing.
 *
 * Every response carries X-Content-Type-Options: nosniff, Cache-Control:
 * no-store and, for JSON and text, Content-Security-Policy: default-src
 * 'none'. Status codes and limits are documented in docs/api.md.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "earshot/analyze.h"
#include "earshot/ingest.h"
#include "earshot/server.h"
#include "earshot/text.h"
#include "http/http_int.h"

#define MAX_REASONS 20   /* rejection reasons listed in one answer */
#define CONN_TIMEOUT 30  /* seconds a connection may stay idle */
#define ARENA_FACTOR 16  /* a request's arena holds this many times its body */

/* One analysing thread's es_analyzer_t, borrowed from the pool. */
typedef struct analyser {
    struct analyser *next;
    es_analyzer_t *an;
} analyser;

struct es_server_s {
    es_server_opts o;
    struct MHD_Daemon *d;
    uint16_t port;
    es__http_inbox *inbox;
    es__http_metrics metrics;
    es_decoder_t *dec_lines; /* JSON Lines, each record's format recognised */
    const es_lexicon_t *lex;
    pthread_mutex_t mu; /* guards pool */
    analyser *pool;
    pthread_mutex_t auth_mu; /* guards o.auth_store */
};

/* The state of one request, kept by libmicrohttpd between calls. */
typedef struct request {
    es__buf body;
    int too_large;
} request;

/* ---- responses ------------------------------------------------------------ */

static enum MHD_Result respond(es_server_t *s, struct MHD_Connection *c, unsigned code,
                               const char *type, const char *body, size_t len,
                               const char *h1, const char *v1)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'");
    if (h1)
        MHD_add_response_header(r, h1, v1);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    if (ret == MHD_YES)
        es__http_metrics_status(&s->metrics, code);
    return ret;
}

/* Answers {"error":"<msg>"} (msg is a fixed ASCII sentence). */
static enum MHD_Result respond_error(es_server_t *s, struct MHD_Connection *c, unsigned code,
                                     const char *msg, const char *h1, const char *v1)
{
    char body[256];
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}\n", msg);
    return respond(s, c, code, "application/json", body, (size_t)n, h1, v1);
}

/* Appends s as a JSON string; invalid UTF-8 bytes become '?'. */
static es_err json_str(es__buf *b, const char *s)
{
    size_t len = strlen(s), bad = 0;
    int utf8 = es_utf8_check(s, len, &bad) == ES_OK;
    es_err rc = es__buf_addc(b, '"');
    for (size_t i = 0; rc == ES_OK && i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            rc = es__buf_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            rc = es__buf_printf(b, "\\u%04x", ch);
        else
            rc = es__buf_addc(b, ch >= 0x80 && !utf8 ? '?' : (char)ch);
    }
    return rc ? rc : es__buf_addc(b, '"');
}

/* ---- analysis -------------------------------------------------------------- */

static analyser *borrow(es_server_t *s)
{
    pthread_mutex_lock(&s->mu);
    analyser *a = s->pool;
    if (a)
        s->pool = a->next;
    pthread_mutex_unlock(&s->mu);
    if (a)
        return a;
    if (!(a = es_calloc(1, sizeof *a)))
        return NULL;
    a->an = es_analyzer_new(s->lex, s->o.mode, s->o.matcher, s->o.brands, s->o.n_brands);
    if (!a->an) {
        es_free(a);
        return NULL;
    }
    return a;
}

static void give_back(es_server_t *s, analyser *a)
{
    pthread_mutex_lock(&s->mu);
    a->next = s->pool;
    s->pool = a;
    pthread_mutex_unlock(&s->mu);
}

/* ---- POST /hooks/ingest ------------------------------------------------------ */

/* What one ingest body gave. */
typedef struct ingest {
    es_mention_t *ms; /* es_realloc'd; strings in the arena */
    size_t n, cap;
    size_t records, rejected;
    es__buf errors; /* the JSON objects of the first MAX_REASONS rejections */
} ingest;

static es_err keep_mentions(ingest *g, const es_mention_t *ms, size_t n)
{
    if (g->n + n > g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        while (cap < g->n + n)
            cap *= 2;
        es_mention_t *p = es_realloc(g->ms, cap * sizeof *p);
        if (!p)
            return ES_ENOMEM;
        g->ms = p;
        g->cap = cap;
    }
    memcpy(g->ms + g->n, ms, n * sizeof *ms);
    g->n += n;
    return ES_OK;
}

static es_err note_reject(ingest *g, long line, const char *reason)
{
    g->rejected++;
    if (g->rejected > MAX_REASONS)
        return ES_OK;
    es_err rc = es__buf_printf(&g->errors, "%s{\"line\":%ld,\"reason\":",
                               g->rejected > 1 ? "," : "", line);
    if (rc == ES_OK)
        rc = json_str(&g->errors, reason ? reason : "malformed record");
    return rc ? rc : es__buf_addc(&g->errors, '}');
}

/* Decodes and analyses one record. Returns ES_OK (rejections are noted)
 * or ES_ENOMEM. */
static es_err one_record(es_server_t *s, analyser *an, es_arena_t *a, ingest *g,
                         const es_record *rec)
{
    es_mention_t *ms = NULL;
    size_t n = 0;
    const char *reason = NULL;
    g->records++;
    es_err rc = es_decode(s->dec_lines, rec, a, &ms, &n, &reason);
    for (size_t k = 0; rc == ES_OK && k < n; k++)
        rc = es_analyzer_run(an->an, &ms[k], a, &reason);
    if (rc == ES_REJECTED)
        return note_reject(g, rec->line, reason);
    return rc ? rc : keep_mentions(g, ms, n);
}

/* Cuts the body into records: the whole body when whole is set, else one
 * per non-blank line (JSON Lines; CR before LF is dropped). */
static es_err cut_records(es_server_t *s, analyser *an, es_arena_t *a, ingest *g,
                          const char *body, size_t len, int whole)
{
    es_err rc = ES_OK;
    long line = 1;
    for (size_t i = 0; rc == ES_OK && i < len; line++) {
        const char *nl = whole ? NULL : memchr(body + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - body) : len, next = nl ? end + 1 : len;
        size_t e = end;
        if (!whole && e > i && body[e - 1] == '\r')
            e--;
        size_t k = i;
        while (k < e && (body[k] == ' ' || body[k] == '\t' || body[k] == '\r' || body[k] == '\n'))
            k++;
        if (k < e) {
            es_record rec = {body + i, e - i, line, 0};
            rc = one_record(s, an, a, g, &rec);
        }
        if (whole)
            break;
        i = next;
    }
    return rc;
}

static int is_json_type(struct MHD_Connection *c)
{
    const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!t)
        return 0;
    size_t n = strcspn(t, "; \t");
    return n == 16 && strncasecmp(t, "application/json", 16) == 0;
}

/* Writes the answer of an ingest: counts and the first reasons. */
static es_err summary(es__buf *b, const ingest *g, size_t accepted, size_t inserted)
{
    es_err rc = es__buf_printf(b, "{\"records\":%zu,\"accepted\":%zu,\"new\":%zu,\"rejected\":%zu,"
                                  "\"errors\":[",
                               g->records, accepted, inserted, g->rejected);
    if (rc == ES_OK && g->errors.len)
        rc = es__buf_add(b, g->errors.data, g->errors.len);
    return rc ? rc : es__buf_adds(b, "]}\n");
}

/* Decodes, analyses and commits the body, then answers: 202 once stored,
 * 400 when every record is malformed, 503 when the queue is full. */
static enum MHD_Result do_ingest(es_server_t *s, struct MHD_Connection *c, request *rq)
{
    ingest g;
    es__buf out;
    memset(&g, 0, sizeof g);
    es__buf_init(&g.errors, 64 * 1024);
    es__buf_init(&out, 128 * 1024);
    es_arena_t *a = es_arena_new(64 * 1024, s->o.max_body * ARENA_FACTOR + (1u << 20));
    analyser *an = a ? borrow(s) : NULL;
    es__http_job job;
    unsigned code = 500;
    const char *msg = "out of memory";
    es_err rc = ES_ENOMEM;
    memset(&job, 0, sizeof job);
    if (!an)
        goto out;
    rc = cut_records(s, an, a, &g, rq->body.data ? rq->body.data : "", rq->body.len,
                     is_json_type(c));
    give_back(s, an);
    if (rc)
        goto out;
    code = 400;
    msg = "the body holds no record";
    rc = ES_EPARSE;
    if (g.records == 0)
        goto out;
    if (g.rejected == g.records) {
        msg = "every record is malformed";
        rc = summary(&out, &g, 0, 0);
        goto out;
    }
    if (g.n > 0) {
        job.arena = a;
        job.ms = g.ms;
        job.n = g.n;
        rc = es__http_inbox_submit(s->inbox, &job);
        code = rc == ES_EBUSY ? 503 : 500;
        msg = rc == ES_EBUSY ? "the queue is full; retry later" : "the store failed";
        if (rc == ES_EBUSY)
            __atomic_fetch_add(&s->metrics.requests_refused, 1, __ATOMIC_RELAXED);
        if (rc)
            goto out;
    }
    code = 202; /* stored: acknowledged even if the summary cannot be written */
    msg = "accepted";
    rc = summary(&out, &g, g.n, job.inserted);
out:
    if (g.rejected)
        __atomic_fetch_add(&s->metrics.rejected, (uint64_t)g.rejected, __ATOMIC_RELAXED);
    enum MHD_Result ret;
    if (rc == ES_OK)
        ret = respond(s, c, code, "application/json", out.data, out.len, NULL, NULL);
    else
        ret = respond_error(s, c, code, msg, code == 503 ? "Retry-After" : NULL, "1");
    es__buf_cleanup(&out);
    es__buf_cleanup(&g.errors);
    es_free(g.ms);
    es_arena_free(a);
    return ret;
}

/* ---- the other routes -------------------------------------------------------- */

static enum MHD_Result do_health(es_server_t *s, struct MHD_Connection *c)
{
    int ok = es__http_inbox_ok(s->inbox);
    char body[128];
    int n = snprintf(body, sizeof body, "{\"status\":\"%s\",\"store\":\"%s\"}\n",
                     ok ? "ok" : "degraded", ok ? "ok" : "failing");
    return respond(s, c, ok ? 200 : 503, "application/json", body, (size_t)n, NULL, NULL);
}

static enum MHD_Result do_metrics(es_server_t *s, struct MHD_Connection *c)
{
    es__buf b;
    es__buf_init(&b, 1024 * 1024);
    es_err rc = es__http_metrics_render(&s->metrics, es__http_inbox_depth(s->inbox), &b);
    enum MHD_Result ret =
        rc ? respond_error(s, c, 500, "out of memory", NULL, NULL)
           : respond(s, c, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len,
                     NULL, NULL);
    es__buf_cleanup(&b);
    return ret;
}

/* Checks "Authorization: Bearer <token>" against the token store. Returns
 * 0 when the request may go on, else the status to answer (401, or 500 when
 * the store fails) with *why. */
static unsigned check_token(es_server_t *s, struct MHD_Connection *c, const char **why)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    uint8_t hash[32];
    int64_t id = 0;
    if (!s->o.auth_store)
        return 0;
    *why = "Bearer realm=\"earshot\"";
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return 401;
    h += 7;
    while (*h == ' ')
        h++;
    size_t len = strcspn(h, " \t");
    *why = "Bearer realm=\"earshot\", error=\"invalid_token\"";
    if (len == 0 || len > 256 || h[len] != '\0')
        return 401;
    es_server_token_hash(h, len, hash);
    pthread_mutex_lock(&s->auth_mu);
    es_err rc = es_store_token_verify(s->o.auth_store, hash, (int64_t)time(NULL), &id);
    pthread_mutex_unlock(&s->auth_mu);
    if (rc == ES_OK)
        return 0;
    return rc == ES_ENOTFOUND ? 401 : 500;
}

/* The routes: path, the one method it takes, and what answers it. */
enum { R_HEALTH, R_METRICS, R_INGEST, R_NONE };
static const struct {
    const char *path, *method;
} routes[] = {{"/healthz", "GET"}, {"/metrics", "GET"}, {"/hooks/ingest", "POST"}};

static int route_of(const char *url)
{
    for (int i = 0; i < R_NONE; i++)
        if (strcmp(url, routes[i].path) == 0)
            return i;
    return R_NONE;
}

/* First call of a request: routes it, refuses what can be refused before the
 * body arrives, or sets up the body's buffer. */
static enum MHD_Result begin(es_server_t *s, struct MHD_Connection *c, int route,
                             const char *method, void **con_cls)
{
    if (route == R_NONE)
        return respond_error(s, c, 404, "no such endpoint", NULL, NULL);
    int head = route != R_INGEST && strcmp(method, "HEAD") == 0;
    if (strcmp(method, routes[route].method) != 0 && !head)
        return respond_error(s, c, 405, "method not allowed", "Allow",
                             route == R_INGEST ? "POST" : "GET, HEAD");
    if (route == R_HEALTH)
        return do_health(s, c);
    if (route == R_METRICS)
        return do_metrics(s, c);
    const char *why = NULL;
    unsigned denied = check_token(s, c, &why);
    if (denied == 401)
        return respond_error(s, c, 401, "a valid API token is needed", "WWW-Authenticate", why);
    if (denied)
        return respond_error(s, c, 500, "the token store failed", NULL, NULL);
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        char *end = NULL;
        unsigned long long n = strtoull(cl, &end, 10);
        if (end == cl || *end || n > s->o.max_body)
            return respond_error(s, c, 413, "the body is over the limit", NULL, NULL);
    }
    request *rq = es_calloc(1, sizeof *rq);
    if (!rq)
        return respond_error(s, c, 500, "out of memory", NULL, NULL);
    es__buf_init(&rq->body, s->o.max_body);
    *con_cls = rq;
    return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    es_server_t *s = cls;
    request *rq = *con_cls;
    if (!rq)
        return begin(s, c, route_of(url), method, con_cls);
    if (*upload_data_size > 0) {
        if (!rq->too_large) {
            es_err rc = es__buf_add(&rq->body, upload_data, *upload_data_size);
            if (rc == ES_ELIMIT)
                rq->too_large = 1;
            else if (rc)
                return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rq->too_large)
        return respond_error(s, c, 413, "the body is over the limit", NULL, NULL);
    return do_ingest(s, c, rq);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    request *rq = *con_cls;
    if (!rq)
        return;
    es__buf_cleanup(&rq->body);
    es_free(rq);
    *con_cls = NULL;
}

/* ---- start and stop ------------------------------------------------------------ */

static void free_server(es_server_t *s)
{
    for (analyser *a = s->pool, *next; a; a = next) {
        next = a->next;
        es_analyzer_free(a->an);
        es_free(a);
    }
    es_decoder_free(s->dec_lines);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->auth_mu);
    es_free(s);
}

/* Fills sa with host:port; ES_EINVAL when host is not an IPv4 address. */
static es_err address(const char *host, uint16_t port, struct sockaddr_in *sa, char *err,
                      size_t errlen)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    if (inet_pton(AF_INET, host, &sa->sin_addr) == 1)
        return ES_OK;
    snprintf(err, errlen, "not an IPv4 address: %.100s", host);
    return ES_EINVAL;
}

static es_err listen_on(es_server_t *s, const struct sockaddr_in *sa, char *err, size_t errlen)
{
    s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                MHD_USE_POLL | MHD_USE_ITC,
                            0, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR,
                            (const struct sockaddr *)sa, MHD_OPTION_NOTIFY_COMPLETED, completed,
                            s, MHD_OPTION_CONNECTION_LIMIT, (unsigned)ES_SERVER_MAX_CONN,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT,
                            MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s:%u (in use, or not allowed)", s->o.host,
                 (unsigned)s->o.port);
        return ES_EIO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : s->o.port;
    return ES_OK;
}

es_err es_server_start(const es_server_opts *o, es_server_t **out, char *err, size_t errlen)
{
    es_err rc = ES_EINVAL;
    es_server_t *s = NULL;
    es_reader_opts ro = {ES_FORMAT_AUTO, NULL, NULL};
    struct sockaddr_in sa;
    *out = NULL;
    snprintf(err, errlen, "%s", "invalid options");
    if (!o || !o->store)
        return ES_EINVAL;
    if ((rc = address(o->host ? o->host : "127.0.0.1", o->port, &sa, err, errlen)))
        return rc;
    if (!(s = es_calloc(1, sizeof *s)))
        goto nomem;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->auth_mu, NULL);
    s->o = *o;
    s->o.host = o->host ? o->host : "127.0.0.1";
    s->o.max_body = o->max_body ? o->max_body : ES_SERVER_MAX_BODY;
    s->o.queue = o->queue ? o->queue : ES_SERVER_QUEUE;
    if ((rc = es_lexicon_builtin(&s->lex))) {
        snprintf(err, errlen, "the sentiment lexicon: %s", es_strerror(rc));
        goto out;
    }
    if ((rc = es_decoder_new(&ro, &s->dec_lines)))
        goto nomem;
    if ((rc = es__http_inbox_start(o->store, s->o.queue, &s->metrics, &s->inbox))) {
        snprintf(err, errlen, "starting the pipeline: %s", es_store_errmsg(o->store));
        goto out;
    }
    rc = listen_on(s, &sa, err, errlen);
    goto out;
nomem:
    rc = ES_ENOMEM;
    snprintf(err, errlen, "%s", "out of memory");
out:
    if (rc && s) {
        es_err crc = es__http_inbox_close(s->inbox);
        (void)crc; /* nothing was queued */
        free_server(s);
        return rc;
    }
    *out = s;
    return rc;
}

uint16_t es_server_port(const es_server_t *s)
{
    return s->port;
}

/* The order matters: stop listening, let the connection threads finish
 * (they wait for their commits, which the pipeline still makes), then
 * drain and stop the pipeline. */
es_err es_server_stop(es_server_t *s)
{
    if (!s)
        return ES_OK;
    if (s->d) {
        MHD_socket fd = MHD_quiesce_daemon(s->d);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
        MHD_stop_daemon(s->d);
    }
    es_err rc = es__http_inbox_close(s->inbox);
    free_server(s);
    return rc;
}
