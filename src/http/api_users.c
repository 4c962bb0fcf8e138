/*
 * api_users.c - the users part of the JSON API (P2, P4), as the route
 * table es__http_routes_users that router.c walks: login and logout with a
 * session cookie, who am I, the users (admin), and the audit trail
 * (admin). Bodies are parsed by api_users_json.c; the work is done by the
 * store's users part (users.h); authentication and CSRF by auth.c before a
 * handler runs. docs/api.md, section "Authentication", is the reference.
 *
 * The session cookie is earshot_session: HttpOnly (scripts never see it),
 * SameSite=Strict (other sites never send it), Path=/, Max-Age the
 * session's life, and Secure when the server's public URL is https. The
 * login answer carries the CSRF token that every state change made with
 * the cookie must send back as X-CSRF-Token.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "earshot/users.h"
#include "http/api_users.h"
#include "http/http_int.h"

#define SESSION_COOKIE "earshot_session"
#define PAGE_DEFAULT 50
#define PAGE_MAX 500
#define AUDIT_REACH 10000 /* offset + limit of an audit page, at most */

/* ---- helpers ------------------------------------------------------------------- */

/* Answers a store error (router.c). */
static void store_error(es__http_resp *rs, es_store_t *s, es_err rc)
{
    es__http_store_error(rs, s, rc, NULL);
}


/* Bodies of state changes are JSON: a cross-site form cannot send that
 * Content-Type without a CORS preflight, which this server never grants. */
static int json_body(es__http_req *rq, es__http_resp *rs)
{
    const char *ct = rq->conn ? es__http_header(rq, "Content-Type") : "application/json";
    if (ct && strncasecmp(ct, "application/json", 16) == 0)
        return 1;
    es__http_error(rs, 415, "the body must be sent as application/json");
    return 0;
}

/* The client's address, for the login rate limit: the peer of the TCP
 * connection (X-Forwarded-For is not trusted: earshot does not know its
 * proxies). "" when unknown. */
static void client_addr(const es__http_req *rq, char *buf, size_t size)
{
    buf[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        rq->conn ? MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
                  (socklen_t)size);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
                  (socklen_t)size);
}

/* Appends a JSON array of strings. */
static es_err json_strs(es__buf *b, const char *const *v, size_t n)
{
    es_err rc = es__buf_addc(b, '[');
    for (size_t i = 0; rc == ES_OK && i < n; i++) {
        if (i)
            rc = es__buf_addc(b, ',');
        if (rc == ES_OK)
            rc = es__http_json_str(b, v[i]);
    }
    return rc ? rc : es__buf_addc(b, ']');
}

/* ---- users as JSON --------------------------------------------------------- */

typedef struct page {
    es__buf *b;
    size_t skip, limit, seen, written;
    es_err rc;
} page;

static es_err user_json(es__buf *b, const es_user_row *u)
{
    es_err rc = es__buf_printf(b, "{\"id\":%lld,\"name\":", (long long)u->id);
    if (rc == ES_OK)
        rc = es__http_json_str(b, u->name);
    if (rc == ES_OK)
        rc = es__buf_printf(b, ",\"role\":\"%s\",\"email\":",
                            es_role_name(u->role) ? es_role_name(u->role) : "none");
    if (rc == ES_OK)
        rc = es__http_json_str(b, u->email);
    if (rc == ES_OK)
        rc = es__buf_adds(b, ",\"phone\":");
    if (rc == ES_OK)
        rc = es__http_json_str(b, u->phone);
    if (rc == ES_OK)
        rc = es__buf_printf(b,
                            ",\"created\":%lld,\"disabled\":%s,\"has_password\":%s,"
                            "\"locations\":",
                            (long long)u->created, u->disabled ? "true" : "false",
                            u->has_password ? "true" : "false");
    if (rc == ES_OK)
        rc = json_strs(b, u->locations, u->n_locations);
    return rc ? rc : es__buf_addc(b, '}');
}

static void page_user_cb(const es_user_row *u, void *ud)
{
    page *p = ud;
    if (p->rc || p->seen++ < p->skip || p->written > p->limit)
        return;
    if (p->written++ == p->limit)
        return; /* one more than the page: there is a next one */
    if (p->written > 1)
        p->rc = es__buf_addc(p->b, ',');
    if (p->rc == ES_OK)
        p->rc = user_json(p->b, u);
}

/* Ends a page: {"items":[...], "next": the next offset or null}. */
static es_err page_end(page *p)
{
    if (p->rc)
        return p->rc;
    if (p->written > p->limit)
        return es__buf_printf(p->b, "],\"next\":\"%zu\"}\n", p->skip + p->limit);
    return es__buf_adds(p->b, "],\"next\":null}\n");
}

/* Answers one user (status 200 or 201) read back from the store. */
static void answer_user(es__http_resp *rs, es_store_t *s, int64_t id, unsigned status)
{
    page p = {&rs->body, 0, 1, 0, 0, ES_OK};
    es__buf_reset(&rs->body);
    es_err rc = es_user_get(s, id, NULL, page_user_cb, &p);
    if (rc) {
        store_error(rs, s, rc);
        return;
    }
    if (p.rc == ES_OK)
        p.rc = es__buf_addc(&rs->body, '\n');
    if (p.rc) {
        es__http_error(rs, 500, "out of memory");
        return;
    }
    rs->status = status;
}

/* ---- login, logout, me ------------------------------------------------------- */

/* Sets the session cookie (value "" and Max-Age 0 to delete it). */
static void set_cookie(es__http_req *rq, es__http_resp *rs, const char *value, long max_age)
{
    const char *url = es__http_opts(rq)->public_url;
    int secure = url && strncasecmp(url, "https://", 8) == 0;
    const char *c = es_arena_printf(rq->arena,
                                    SESSION_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/;"
                                                   " Max-Age=%ld%s",
                                    value, max_age, secure ? "; Secure" : "");
    if (c)
        es__http_header_add(rs, "Set-Cookie", c);
}

static void do_login(es__http_req *rq, es__http_resp *rs)
{
    es__login_body b;
    const char *why = NULL;
    if (!json_body(rq, rs))
        return;
    es_err rc = es__http_parse_login(rq->body, rq->body_len, rq->arena, &b, &why);
    if (rc) {
        es__http_error(rs, rc == ES_ENOMEM ? 500 : 400, why);
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    char addr[64];
    client_addr(rq, addr, sizeof addr);
    es_session ss;
    int64_t retry = 0, now = (int64_t)time(NULL);
    rc = es_user_login(s, b.name, b.password, addr[0] ? addr : NULL, now, &ss, &retry);
    if (rc == ES_ELIMIT) {
        es__http_error(rs, 429, "too many failed logins; try again later");
        const char *ra = es_arena_printf(rq->arena, "%lld", (long long)(retry > 0 ? retry : 1));
        if (ra)
            es__http_header_add(rs, "Retry-After", ra);
        return;
    }
    if (rc == ES_ENOTFOUND || rc == ES_EINVAL) {
        es__http_error(rs, 401, "wrong name or password");
        return;
    }
    if (rc) {
        store_error(rs, s, rc);
        return;
    }
    answer_user(rs, s, ss.user_id, 200);
    if (rs->status != 200)
        return;
    /* {"user": {...}, "csrf": "...", "expires": t} */
    es__buf *o = &rs->body;
    char *user = es_arena_strndup(rq->arena, o->data, o->len ? o->len - 1 : 0);
    es__buf_reset(o);
    rc = user ? es__buf_printf(o, "{\"user\":%s,\"csrf\":\"%s\",\"expires\":%lld}\n", user, ss.csrf,
                               (long long)ss.expires)
              : ES_ENOMEM;
    if (rc) {
        es__http_error(rs, 500, "out of memory");
        return;
    }
    set_cookie(rq, rs, ss.id, (long)(ss.expires - now));
}

static void do_logout(es__http_req *rq, es__http_resp *rs)
{
    if (!rq->who.by_session) {
        es__http_error(rs, 400, "only a login session can log out; API tokens stay valid");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_err rc = es_session_end(s, es__http_cookie(rq, SESSION_COOKIE));
    if (rc && rc != ES_ENOTFOUND) {
        store_error(rs, s, rc);
        return;
    }
    set_cookie(rq, rs, "", 0);
    if (es__buf_adds(&rs->body, "{\"status\":\"logged out\"}\n"))
        es__http_error(rs, 500, "out of memory");
}

static void do_me(es__http_req *rq, es__http_resp *rs)
{
    const es__http_who *w = &rq->who;
    es__buf *b = &rs->body;
    static const char *const roles[] = {"none", "viewer", "agent", "manager", "admin"};
    es_err rc =
        es__buf_printf(b, "{\"user_id\":%lld,\"token_id\":%lld,\"name\":", (long long)w->user_id,
                       (long long)w->token_id);
    if (rc == ES_OK)
        rc = es__http_json_str(b, w->name);
    if (rc == ES_OK)
        rc = es__buf_printf(b, ",\"role\":\"%s\",\"all_locations\":%s,\"locations\":",
                            roles[w->role <= ES__ROLE_ADMIN ? w->role : 0],
                            w->all_locations ? "true" : "false");
    if (rc == ES_OK)
        rc = json_strs(b, w->locations, w->n_locations);
    if (rc == ES_OK && w->by_session) {
        char csrf[ES_SESSION_CSRF_LEN + 1];
        es_session_csrf(es__http_cookie(rq, SESSION_COOKIE), csrf);
        rc = es__buf_printf(b, ",\"csrf\":\"%s\"", csrf);
    }
    if (rc == ES_OK)
        rc = es__buf_adds(b, "}\n");
    if (rc)
        es__http_error(rs, 500, "out of memory");
}

/* ---- users (admin) ----------------------------------------------------------- */

static void do_list(es__http_req *rq, es__http_resp *rs)
{
    size_t limit, offset;
    if (!es__http_arg_size(rq, "limit", PAGE_DEFAULT, PAGE_MAX, &limit) || limit == 0 ||
        !es__http_arg_size(rq, "offset", 0, SIZE_MAX / 4, &offset)) {
        es__http_error(rs, 400, "limit is 1 to 500 and offset a count");
        return;
    }
    const char *cursor = es__http_arg(rq, "cursor");
    if (cursor && !es__http_arg_size(rq, "cursor", 0, SIZE_MAX / 4, &offset)) {
        es__http_error(rs, 400, "the cursor is not one this server gave");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    page p = {&rs->body, offset, limit, 0, 0, es__buf_adds(&rs->body, "{\"items\":[")};
    es_err rc = p.rc ? p.rc : es_user_list(s, page_user_cb, &p);
    if (rc) {
        store_error(rs, s, rc);
        return;
    }
    if (page_end(&p))
        es__http_error(rs, 500, "out of memory");
}

static void do_get(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    if (!id)
        es__http_error(rs, 404, "no such user");
    else if (s)
        answer_user(rs, s, id, 200);
}

static void do_add(es__http_req *rq, es__http_resp *rs)
{
    es__user_body b;
    const char *why = NULL;
    if (!json_body(rq, rs))
        return;
    es_err rc = es__http_parse_user(rq->body, rq->body_len, 1, rq->arena, &b, &why);
    if (rc) {
        es__http_error(rs, rc == ES_ENOMEM ? 500 : 400, why);
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_user_spec u = {.name = b.name,
                      .role = b.role,
                      .password = b.password,
                      .email = b.email && *b.email ? b.email : NULL,
                      .phone = b.phone && *b.phone ? b.phone : NULL,
                      .locations = b.locations,
                      .n_locations = b.n_locations};
    es_user_actor by = {rq->who.user_id, rq->who.token_id};
    int64_t id = 0;
    rc = es_user_add(s, &u, &by, &id);
    if (rc)
        store_error(rs, s, rc);
    else
        answer_user(rs, s, id, 201);
}

static void do_patch(es__http_req *rq, es__http_resp *rs)
{
    es__user_body b;
    const char *why = NULL;
    int64_t id = es__http_param_id(rq, 0);
    if (!id) {
        es__http_error(rs, 404, "no such user");
        return;
    }
    if (!json_body(rq, rs))
        return;
    es_err rc = es__http_parse_user(rq->body, rq->body_len, 0, rq->arena, &b, &why);
    if (rc) {
        es__http_error(rs, rc == ES_ENOMEM ? 500 : 400, why);
        return;
    }
    /* An admin cannot lock themselves out by mistake. */
    if (id == rq->who.user_id &&
        ((b.has_disabled && b.disabled) || (b.has_role && b.role != ES_ROLE_ADMIN))) {
        es__http_error(rs, 400, "you cannot disable or demote yourself");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_user_change c = {.set_role = b.has_role,
                        .role = b.role,
                        .email = b.email,
                        .phone = b.phone,
                        .set_disabled = b.has_disabled,
                        .disabled = b.disabled,
                        .set_locations = b.has_locations,
                        .locations = b.locations,
                        .n_locations = b.n_locations,
                        .password = b.password};
    es_user_actor by = {rq->who.user_id, rq->who.token_id};
    rc = es_user_update(s, id, &c, &by);
    if (rc) {
        store_error(rs, s, rc);
        return;
    }
    /* A role, scope or disabled flag changed: the user's tokens are checked
     * afresh from now on in this process (authcache.c). */
    es__http_auth_cache_clear(rq->srv->auth_cache);
    answer_user(rs, s, id, 200);
}

/* ---- the audit trail (admin) ------------------------------------------------- */

static void audit_cb(const es_audit_entry *e, void *ud)
{
    page *p = ud;
    if (p->rc || p->seen++ < p->skip || p->written > p->limit)
        return;
    if (p->written++ == p->limit)
        return;
    es__buf *b = p->b;
    es_err rc = p->written > 1 ? es__buf_addc(b, ',') : ES_OK;
    if (rc == ES_OK)
        rc = es__buf_printf(b,
                            "{\"id\":%lld,\"at\":%lld,\"user_id\":%lld,\"token_id\":%lld,"
                            "\"action\":",
                            (long long)e->id, (long long)e->at, (long long)e->user_id,
                            (long long)e->token_id);
    if (rc == ES_OK)
        rc = es__http_json_str(b, e->action);
    if (rc == ES_OK)
        rc = es__buf_adds(b, ",\"object\":");
    if (rc == ES_OK)
        rc = es__http_json_str(b, e->object);
    /* detail is JSON text as the part that wrote it made it: given as a
     * string, so a malformed one can never break this answer. */
    if (rc == ES_OK)
        rc = es__buf_adds(b, ",\"detail\":");
    if (rc == ES_OK)
        rc = es__http_json_str(b, e->detail);
    p->rc = rc ? rc : es__buf_addc(b, '}');
}

static void do_audit(es__http_req *rq, es__http_resp *rs)
{
    size_t limit, offset;
    if (!es__http_arg_size(rq, "limit", PAGE_DEFAULT, PAGE_MAX, &limit) || limit == 0 ||
        !es__http_arg_size(rq, "offset", 0, AUDIT_REACH, &offset) ||
        (es__http_arg(rq, "cursor") && !es__http_arg_size(rq, "cursor", 0, AUDIT_REACH, &offset)) ||
        offset + limit > AUDIT_REACH) {
        es__http_error(rs, 400, "limit is 1 to 500; offset + limit at most 10000");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    page p = {&rs->body, offset, limit, 0, 0, es__buf_adds(&rs->body, "{\"items\":[")};
    es_err rc =
        p.rc ? p.rc
             : es_store_audit_list(s, es__http_arg(rq, "object"), offset + limit + 1, audit_cb, &p);
    if (rc) {
        store_error(rs, s, rc);
        return;
    }
    if (page_end(&p))
        es__http_error(rs, 500, "out of memory");
}

/* See http_int.h. Logout, me and the admin routes need a user (and, with a
 * session cookie, the CSRF token for POST and PATCH: auth.c). */
const es__http_route es__http_routes_users[] = {
    {"POST", "/api/v1/login", ES__AUTH_PUBLIC, ES__ROLE_NONE, do_login},
    {"POST", "/api/v1/logout", ES__AUTH_USER, ES__ROLE_VIEWER, do_logout},
    {"GET", "/api/v1/me", ES__AUTH_USER, ES__ROLE_VIEWER, do_me},
    {"GET", "/api/v1/users", ES__AUTH_USER, ES__ROLE_ADMIN, do_list},
    {"POST", "/api/v1/users", ES__AUTH_USER, ES__ROLE_ADMIN, do_add},
    {"GET", "/api/v1/users/{}", ES__AUTH_USER, ES__ROLE_ADMIN, do_get},
    {"PATCH", "/api/v1/users/{}", ES__AUTH_USER, ES__ROLE_ADMIN, do_patch},
    {"GET", "/api/v1/audit", ES__AUTH_USER, ES__ROLE_ADMIN, do_audit},
    {NULL, NULL, 0, 0, NULL},
};
