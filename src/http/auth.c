/*
 * auth.c - who is asking, and may they (P4). The router (router.c) calls
 * es__http_authenticate for every route that is not public: it accepts an
 * API token ("Authorization: Bearer <token>", of a machine, with the role
 * the token was given) or a login session (the HttpOnly cookie
 * earshot_session set by POST /api/v1/login, api_users.c), fills rq->who,
 * and checks the route's minimum role. A session must also send its CSRF
 * token in X-CSRF-Token on every method that changes state; a Bearer token
 * needs none, since a browser never sends one by itself. Handlers call
 * es__http_may_see for object-level checks (a manager's locations).
 *
 * Status codes: 401 when there are no credentials or they are not valid
 * (the router adds WWW-Authenticate), 403 when the role is too weak or the
 * CSRF token is missing or wrong, 500 when the store fails.
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "earshot/users.h"
#include "http/http_int.h"

#define SESSION_COOKIE "earshot_session"
#define MAX_TOKEN 256 /* bytes of a Bearer token; longer ones are refused unread */

/* Where the principal's callback writes. */
typedef struct fill {
    es__http_req *rq;
    int failed; /* the arena was full */
} fill;

/* Copies the principal into rq->who, strings into the request's arena. */
static void principal_cb(const es_principal *p, void *ud)
{
    fill *f = ud;
    es__http_who *w = &f->rq->who;
    es_arena_t *a = f->rq->arena;
    w->user_id = p->user_id;
    w->token_id = p->token_id;
    w->role = (es__role)p->role;
    w->name = es_arena_strdup(a, p->name ? p->name : "");
    w->all_locations = p->role == ES_ROLE_ADMIN || p->n_locations == 0;
    w->n_locations = 0;
    w->locations = NULL;
    if (!w->name)
        f->failed = 1;
    if (w->all_locations || f->failed)
        return;
    const char **v = es_arena_alloc(a, p->n_locations * sizeof *v);
    if (!v) {
        f->failed = 1;
        return;
    }
    for (size_t i = 0; i < p->n_locations; i++)
        if (!(v[i] = es_arena_strdup(a, p->locations[i]))) {
            f->failed = 1;
            return;
        }
    w->locations = v;
    w->n_locations = p->n_locations;
}

/* The token of an "Authorization: Bearer <token>" header, or NULL. *had
 * says whether there was an Authorization header at all. */
static const char *bearer(const es__http_req *rq, int *had)
{
    const char *h = es__http_header(rq, "Authorization");
    *had = h != NULL;
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h && strlen(h) <= MAX_TOKEN ? h : NULL;
}

/* Methods that change nothing need no CSRF token. */
static int safe_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

/* Maps the store's answer to a status: a missing or expired credential is
 * 401, anything else (the database) 500. */
static unsigned store_status(es_err rc, const char **why, const char *unknown)
{
    if (rc == ES_ENOTFOUND || rc == ES_EINVAL) {
        *why = unknown;
        return 401;
    }
    *why = "the credentials could not be checked";
    return 500;
}

/* See http_int.h. */
unsigned es__http_authenticate(es__http_req *rq, const es__http_route *r, const char **why)
{
    static const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    memset(&rq->who, 0, sizeof rq->who);
    if (r->auth == ES__AUTH_PUBLIC)
        return 0;
    if (es__http_opts(rq)->no_auth) { /* earshot serve --no-auth: loopback demos */
        rq->who.role = ES__ROLE_ADMIN;
        rq->who.all_locations = 1;
        rq->who.name = "no-auth";
        return 0;
    }
    int had_auth = 0;
    const char *tok = bearer(rq, &had_auth);
    const char *sid = had_auth ? NULL : es__http_cookie(rq, SESSION_COOKIE);
    if (!tok && !sid) {
        *why =
            had_auth ? "the Authorization header is not a Bearer token" : "authentication required";
        return 401;
    }
    fill f = {rq, 0};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec, now_ms = now * 1000 + ts.tv_nsec / 1000000;
    uint8_t hash[32];
    es__http_auth_cache *cache = rq->srv->auth_cache;
    if (tok) {
        es_server_token_hash(tok, strlen(tok), hash);
        if (es__http_auth_cache_get(cache, hash, now_ms, &rq->who, rq->arena))
            goto known; /* authcache.c: believed for a moment */
    }
    es_store_t *s = es__http_store(rq);
    if (!s) {
        *why = "the store is not available";
        return 500;
    }
    es_err rc;
    if (tok) {
        rc = es_user_token_check(s, hash, now, principal_cb, &f);
        if (rc)
            return store_status(rc, why, "invalid token");
        if (!f.failed)
            es__http_auth_cache_put(cache, hash, now_ms, &rq->who);
    } else {
        rc = es_session_check(s, sid, now, principal_cb, &f);
        if (rc)
            return store_status(rc, why, "no valid session: log in again");
        rq->who.by_session = 1;
    }
    if (f.failed) {
        *why = "out of memory";
        return 500;
    }
known:
    if (rq->who.role < r->min_role) {
        *why = "your role may not do this";
        return 403;
    }
    if (rq->who.by_session && !safe_method(rq->method) &&
        !es_session_csrf_ok(sid, es__http_header(rq, "X-CSRF-Token"))) {
        *why = "the X-CSRF-Token header is missing or wrong";
        return 403;
    }
    return 0;
}

/* See http_int.h. */
int es__http_may_see(const es__http_who *who, const char *loc)
{
    if (!who || who->role == ES__ROLE_NONE)
        return 0;
    if (who->all_locations)
        return 1;
    for (size_t i = 0; i < who->n_locations; i++)
        if (es_user_scope_covers(who->locations[i], loc))
            return 1;
    return 0;
}
