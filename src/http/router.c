/*
 * router.c - routes every request of `earshot serve` (http_int.h): finds the
 * row of the route tables that matches the method and path ("{}" matches one
 * path segment), answers 404, 405 and 413 itself, authenticates the caller
 * as the row asks (auth.c), calls the handler with the whole body, and sends
 * the handler's response with the security headers every response carries.
 * Also the small helpers every handler uses. Called by server.c on a
 * worker thread once the request's body is in.
 *
 * A request lives in an exchange (its req, its resp) inside its own arena,
 * so that a handler that suspended the connection for a commit
 * (es__http_ingest_then) can be finished later: server.c hands the held
 * exchange back once the connection is resumed (es__http_dispatch_resumed).
 *
 * Security headers, on every response: X-Content-Type-Options: nosniff,
 * Cache-Control: no-store, Content-Security-Policy: default-src 'none';
 * frame-ancestors 'none' (unless the handler set its own policy, as the
 * survey form does), X-Frame-Options: DENY, Referrer-Policy: no-referrer;
 * and Strict-Transport-Security when the public URL is https.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "earshot/text.h"
#include "http/http_int.h"

#define RESP_LIMIT (64u << 20) /* bytes of one response body */
#define ARENA_FIRST (16 * 1024)

/* The core routes: health, metrics and the generic ingest webhook. */
const es__http_route es__http_routes_core[] = {
    {"GET", "/healthz", ES__AUTH_PUBLIC, ES__ROLE_NONE, es__http_do_health},
    {"GET", "/metrics", ES__AUTH_PUBLIC, ES__ROLE_NONE, es__http_do_metrics},
    {"POST", "/hooks/ingest", ES__AUTH_USER, ES__ROLE_AGENT, es__http_do_ingest},
    {"POST", "/api/v1/models/reload", ES__AUTH_USER, ES__ROLE_ADMIN, es__http_do_models_reload},
    {NULL, NULL, 0, 0, NULL},
};

static const es__http_route *const tables[] = {
    es__http_routes_core,  es__http_routes_hooks,  es__http_routes_users,
    es__http_routes_cases, es__http_routes_teams,  es__http_routes_alerts,
    es__http_routes_sla,   es__http_routes_social, es__http_routes_drivers,
    es__http_routes_invite, es__http_routes_locations, es__http_routes_audits,
    es__http_routes_survey_web, es__http_routes_surveys,
    es__http_routes_scores, es__http_routes_survey_defs,
};

/* 1 when the handler set a header named name itself. */
static int handler_set(const es__http_resp *rs, const char *name)
{
    for (size_t i = 0; i < rs->n_headers; i++)
        if (strcasecmp(rs->hname[i], name) == 0)
            return 1;
    return 0;
}

/* Matches path against pattern; the "{}" segments go to rq->param. */
static int match(const char *pattern, const char *path, es__http_req *rq)
{
    size_t n = 0;
    const char *p = pattern, *u = path;
    while (*p && *u) {
        if (p[0] == '{' && p[1] == '}') {
            size_t len = strcspn(u, "/");
            if (len == 0 || n == ES__HTTP_MAX_PARAMS)
                return 0;
            if (rq) {
                char *seg = es_arena_strndup(rq->arena, u, len);
                if (!seg)
                    return 0;
                rq->param[n] = seg;
            }
            n++;
            u += len;
            p += 2;
        } else if (*p++ != *u++) {
            return 0;
        }
    }
    if (*p || *u)
        return 0;
    if (rq)
        rq->n_params = n;
    return 1;
}

/* The row for method + path, or NULL with *allow listing the methods the
 * path takes (empty when the path is unknown). */
static const es__http_route *find(const char *method, const char *path, char *allow,
                                  size_t size)
{
    size_t used = 0;
    allow[0] = '\0';
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const es__http_route *r = tables[t]; r->method; r++) {
            if (!match(r->pattern, path, NULL))
                continue;
            if (strcmp(r->method, method) == 0)
                return r;
            int get = strcmp(r->method, "GET") == 0;
            if (!strstr(allow, r->method) && used + strlen(r->method) + 9 < size)
                used += (size_t)snprintf(allow + used, size - used, "%s%s%s", used ? ", " : "",
                                         r->method, get ? ", HEAD" : "");
        }
    return NULL;
}

/* ---- sending ------------------------------------------------------------------- */

/* Sends rs with the security headers; libmicrohttpd leaves the body out of
 * the answer to a HEAD request by itself. */
static int send_resp(es_server_t *s, struct MHD_Connection *c, es__http_resp *rs)
{
    const char *body = rs->body.data ? rs->body.data : "";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(rs->body.len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", rs->type ? rs->type : "application/json");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    /* A page that needs more (the survey form's inline styles) sets its
     * own policy, which then replaces this one. */
    if (!handler_set(rs, "Content-Security-Policy"))
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    /* Behind https only: a browser must not fall back to plain http. */
    const char *pub = s->o.public_url;
    if (pub && strncmp(pub, "https://", 8) == 0)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
    for (size_t i = 0; i < rs->n_headers; i++)
        MHD_add_response_header(r, rs->hname[i], rs->hval[i]);
    /* Stopping: the client goes elsewhere instead of sending more here. */
    if (__atomic_load_n(&s->draining, __ATOMIC_RELAXED))
        MHD_add_response_header(r, "Connection", "close");
    unsigned code = rs->status ? rs->status : 200;
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    es__http_metrics_status(&s->metrics, code);
    return ret;
}

struct es__http_exchange {
    es__http_req rq;
    es__http_resp rs;
};

/* Authenticates and runs the handler of row r. */
static void run(es__http_exchange *x, const es__http_route *r, const char *url, const char *body,
                size_t len)
{
    es__http_req *rq = &x->rq;
    es__http_resp *rs = &x->rs;
    char *copy = es_arena_alloc(rq->arena, len + 1);
    const char *why = "out of memory";
    unsigned denied = 500;
    /* The path matched when the row was found: a second match fails
     * only when the arena cannot hold its segments. */
    if (copy && match(r->pattern, url, rq)) {
        if (len)
            memcpy(copy, body, len);
        copy[len] = '\0';
        rq->body = copy;
        rq->body_len = len;
        denied = r->auth == ES__AUTH_USER ? es__http_authenticate(rq, r, &why) : 0;
    }
    if (!denied) {
        r->fn(rq, rs);
        return;
    }
    es__http_error(rs, denied, why);
    /* RFC 6750: a token was sent and refused, or none was sent. */
    if (denied == 401)
        es__http_header_add(rs, "WWW-Authenticate",
                            es__http_header(rq, "Authorization")
                                ? "Bearer realm=\"earshot\", error=\"invalid_token\""
                                : "Bearer realm=\"earshot\"");
}

/* Frees what the exchange holds (x itself lives in its arena). */
static void release(es_server_t *s, es__http_exchange *x)
{
    es__http_store_return(s, x->rq.lent_store);
    es__buf_cleanup(&x->rs.body);
    es_arena_free(x->rq.arena);
}

/* Sends the answer of x and frees it. */
static int finish(es_server_t *s, es__http_exchange *x)
{
    int ret = send_resp(s, x->rq.conn, &x->rs);
    release(s, x);
    return ret;
}

/* See http_int.h. */
int es__http_dispatch(es_server_t *s, struct MHD_Connection *c, const char *url, const char *method,
                      const char *body, size_t len, int too_large, es__http_exchange **held)
{
    es__http_exchange local, *x = &local;
    char allow[64];
    *held = NULL;
    memset(&local, 0, sizeof local);
    es__buf_init(&local.rs.body, RESP_LIMIT);
    int head = strcmp(method, "HEAD") == 0;
    local.rq.srv = s;
    local.rq.conn = c;
    local.rq.method = head ? "GET" : method;
    local.rq.path = url;
    local.rq.arena = es_arena_new(ARENA_FIRST, s->o.max_body * 20 + (4u << 20));
    es__http_exchange *in_arena = local.rq.arena ? es_arena_alloc(local.rq.arena, sizeof *x) : NULL;
    if (in_arena) {
        *in_arena = local;
        x = in_arena;
    }
    const es__http_route *r = in_arena ? find(x->rq.method, url, allow, sizeof allow) : NULL;
    if (!in_arena) {
        es__http_error(&x->rs, 500, "out of memory");
    } else if (!r && !allow[0]) {
        es__http_error(&x->rs, 404, "no such endpoint");
    } else if (!r) {
        es__http_error(&x->rs, 405, "method not allowed");
        es__http_header_add(&x->rs, "Allow", allow);
    } else if (too_large) {
        es__http_error(&x->rs, 413, "the body is over the limit");
    } else {
        run(x, r, url, body, len);
        if (x->rq.then) { /* suspended until its commit: answered later */
            *held = x;
            return MHD_YES;
        }
    }
    return finish(s, x);
}

/* See http_int.h. */
int es__http_dispatch_resumed(es_server_t *s, es__http_exchange *x)
{
    es__http_fn then = x->rq.then;
    x->rq.then = NULL;
    then(&x->rq, &x->rs);
    __atomic_fetch_sub(&s->suspended, 1, __ATOMIC_RELEASE);
    return finish(s, x);
}

/* See http_int.h. */
void es__http_exchange_drop(es_server_t *s, es__http_exchange *x)
{
    __atomic_fetch_sub(&s->suspended, 1, __ATOMIC_RELEASE);
    release(s, x);
}

/* ---- helpers for handlers ---------------------------------------------------- */

/* See http_int.h. */
const char *es__http_header(const es__http_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

/* See http_int.h. */
const char *es__http_arg(const es__http_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* See http_int.h. */
const char *es__http_cookie(const es__http_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, name);
}

/* See http_int.h. */
void es__http_header_add(es__http_resp *rs, const char *name, const char *value)
{
    if (rs->n_headers == ES__HTTP_MAX_HEADERS) {
        fprintf(stderr, "earshot serve: too many response headers, dropped %s\n", name);
        return;
    }
    rs->hname[rs->n_headers] = name;
    rs->hval[rs->n_headers++] = value;
}

/* See http_int.h. */
void es__http_error(es__http_resp *rs, unsigned status, const char *msg)
{
    rs->status = status;
    rs->type = "application/json";
    es__buf_reset(&rs->body);
    es_err rc = es__buf_adds(&rs->body, "{\"error\":");
    if (rc == ES_OK)
        rc = es__http_json_str(&rs->body, msg);
    if (rc == ES_OK)
        rc = es__buf_adds(&rs->body, "}\n");
    if (rc)
        es__buf_reset(&rs->body);
}

/* See http_int.h: invalid UTF-8 bytes become '?'. */
es_err es__http_json_str(es__buf *b, const char *s)
{
    if (!s)
        return es__buf_adds(b, "null");
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

/* See http_int.h. */
es_store_t *es__http_store(es__http_req *rq)
{
    if (!rq->lent_store)
        rq->lent_store = es__http_store_borrow(rq->srv);
    es__http_pooled *p = rq->lent_store;
    return p ? p->store : NULL;
}

/* See http_int.h. */
int64_t es__http_param_id(const es__http_req *rq, size_t i)
{
    const char *v = i < rq->n_params ? rq->param[i] : NULL;
    if (!v || *v < '1' || *v > '9' || strlen(v) > 18)
        return 0;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    return *end ? 0 : (int64_t)n;
}

/* See http_int.h. */
int es__http_arg_size(const es__http_req *rq, const char *name, size_t def, size_t max,
                      size_t *out)
{
    const char *v = es__http_arg(rq, name);
    *out = def;
    if (!v)
        return 1;
    if (*v < '0' || *v > '9' || strlen(v) > 18)
        return 0;
    char *end = NULL;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end || n > max)
        return 0;
    *out = (size_t)n;
    return 1;
}

/* See http_int.h. */
void es__http_store_error(es__http_resp *rs, es_store_t *s, es_err rc, const char *not_found)
{
    switch (rc) {
    case ES_ENOTFOUND: es__http_error(rs, 404, not_found ? not_found : es_store_errmsg(s)); break;
    case ES_EEXIST: es__http_error(rs, 409, es_store_errmsg(s)); break;
    case ES_EINVAL:
    case ES_ELIMIT:
    case ES_EUTF8:
    case ES_EPARSE: es__http_error(rs, 400, es_store_errmsg(s)); break;
    case ES_EBUSY:
        es__http_error(rs, 503, "the database is busy; try again");
        es__http_header_add(rs, "Retry-After", "1");
        break;
    default: es__http_error(rs, 500, "the store failed"); break;
    }
}

/* See http_int.h. */
es_store_t *es__http_store_or_500(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store(rq);
    if (!s)
        es__http_error(rs, 500, "the store is not available");
    return s;
}

/* See http_int.h. */
void es__http_wake(es__http_req *rq, const char *what)
{
    const es_server_opts *o = &rq->srv->o;
    if (o->wake)
        o->wake(what, o->wake_ud);
}

/* See http_int.h. */
const struct es_server_opts *es__http_opts(const es__http_req *rq)
{
    return &rq->srv->o;
}

