/*
 * api_invite.c - survey invitations (V2) and advocacy (S1) over HTTP, as
 * the route table es__http_routes_invite that router.c walks:
 *   POST /api/v1/survey-invitations          a CSV or JSON list (manager+)
 *   GET  /api/v1/survey-invitations/report   completion per channel, location
 *   POST /api/v1/advocates/run               the advocacy rule, once (admin)
 *   POST /api/v1/advocates/{id}/shared       a share confirmed (manager+)
 *   GET  /api/v1/advocates/report            advocates and reach (manager+)
 *   GET  /u/{token}                          unsubscribe (public, no login)
 *   GET  /r/{token}                          count a click, 302 to the review
 * The work is invitation.h's. Scope: a manager's list may name only the
 * manager's locations (any other is answered as unknown, so codes do not
 * leak), reports count only the caller's locations, and a share outside
 * them is 404. docs/api.md ("Invitations and advocacy") is the reference.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "earshot/ingest.h"
#include "earshot/invitation.h"
#include "earshot/location.h"
#include "http/http_int.h"

#define REPORT_ROWS_MAX 20000 /* (location, channel) rows in one report */

/* ---- helpers -------------------------------------------------------------------- */

/* The caller's scope for the reports. */
static es_invite_scope scope_of(const es__http_req *rq)
{
    es_invite_scope sc = {rq->who.all_locations, rq->who.locations, rq->who.n_locations};
    return sc;
}

/* The period of ?since= ("90d", "12h", Unix seconds or a date; default
 * def_days days) and ?until= (default now + 1). 0 when malformed. */
static int period(es__http_req *rq, int64_t def_days, int64_t *since, int64_t *until)
{
    int64_t now = (int64_t)time(NULL);
    const char *v = es__http_arg(rq, "since"), *u = es__http_arg(rq, "until");
    *since = now - def_days * 86400;
    *until = now + 1;
    if (v && *v) {
        char *end = NULL;
        long long n = strtoll(v, &end, 10);
        if (end != v && n >= 0 && n <= 36500 && (*end == 'd' || *end == 'h') && !end[1])
            *since = now - n * (*end == 'd' ? 86400 : 3600);
        else if (es_time_parse(v, since) != ES_OK)
            return 0;
    }
    if (u && *u && es_time_parse(u, until) != ES_OK)
        return 0;
    return *until > *since;
}

/* Sets rs to 201/200 with the counts of an es_invite_result. */
static void result_json(es__http_resp *rs, unsigned status, const es_invite_result *r)
{
    rs->status = status;
    if (es__buf_printf(&rs->body,
                       "{\"invited\":%zu,\"skipped_optout\":%zu,\"skipped_recent\":%zu,"
                       "\"first_id\":%lld,\"last_id\":%lld}",
                       r->invited, r->skipped_optout, r->skipped_recent, (long long)r->first_id,
                       (long long)r->last_id))
        es__http_error(rs, 500, "out of memory");
}

/* The public URL the links start with, or NULL after answering 503. */
static const char *public_url(es__http_req *rq, es__http_resp *rs)
{
    const char *u = es__http_opts(rq)->public_url;
    if (!u || !*u)
        es__http_error(rs, 503, "the server has no public URL (server.public_url) for links");
    return u && *u ? u : NULL;
}

/* ---- POST /api/v1/survey-invitations ------------------------------------------------ */

typedef struct loc_key {
    char key[ES_LOCATION_KEY_MAX + 1];
} loc_key;

static void take_key(const es_location *l, void *ud)
{
    snprintf(((loc_key *)ud)->key, sizeof((loc_key *)ud)->key, "%s", l->key);
}

/* 0 when every row's location is one the caller may act for; else answers
 * 404 as for an unknown location and returns -1. */
static int check_scope(es__http_req *rq, es__http_resp *rs, es_store_t *s, const es_invite_list *l)
{
    if (rq->who.all_locations)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        loc_key k = {""};
        es_err rc = es_location_find(s, l->v[i].location, take_key, &k);
        if (rc && rc != ES_ENOTFOUND) {
            es__http_store_error(rs, s, rc, NULL);
            return -1;
        }
        if (rc || !es__http_may_see(&rq->who, k.key)) {
            char *msg = es_arena_printf(rq->arena, "contact %zu: no location '%.64s'", i + 1,
                                        l->v[i].location);
            es__http_error(rs, 404, msg ? msg : "no such location");
            return -1;
        }
    }
    return 0;
}

static void do_invite(es__http_req *rq, es__http_resp *rs)
{
    const char *url = public_url(rq, rs);
    if (!url)
        return;
    const char *channel = es__http_arg(rq, "channel");
    if (channel && strcmp(channel, "sms") && strcmp(channel, "email")) {
        es__http_error(rs, 400, "channel is sms or email");
        return;
    }
    es_invite_list l;
    char err[256];
    es_err rc = es_invite_list_parse(rq->body, rq->body_len, &l, err, sizeof err);
    if (rc) {
        es__http_error(rs, rc == ES_ENOMEM ? 500 : 400, rc == ES_ENOMEM ? "out of memory" : err);
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (s && check_scope(rq, rs, s, &l) == 0) {
        es_invite_opts o = {.public_url = url, .channel = channel};
        const char *w = es__http_arg(rq, "window_days");
        if (w) {
            char *end = NULL;
            long d = strtol(w, &end, 10);
            if (end == w || *end || d < 1 || d > 3650) {
                es__http_error(rs, 400, "window_days is 1 to 3650");
                es_invite_list_free(&l);
                return;
            }
            o.window = (int64_t)d * 86400;
        }
        es_invite_result r;
        rc = es_invite_send(s, &l, &o, rq->who.user_id, (int64_t)time(NULL), &r);
        if (rc)
            es__http_store_error(rs, s, rc, NULL);
        else {
            result_json(rs, 201, &r);
            es__http_wake(rq, "invitations");
        }
    }
    es_invite_list_free(&l);
}

/* ---- GET /api/v1/survey-invitations/report --------------------------------------------- */

/* Totals per channel or location, folded from the report's rows. */
#define MAX_GROUPS 4096
typedef struct group {
    const char *name; /* in the request's arena */
    int64_t invited, delivered, started, completed, failed, skipped;
} group;

typedef struct report {
    es__http_req *rq;
    es__buf *rows;
    size_t n;
    group ch[2], loc[MAX_GROUPS];
    size_t n_loc;
    es_err rc;
} report;

static void add_to(group *g, const es_invite_report_row *r)
{
    g->invited += r->invited;
    g->delivered += r->delivered;
    g->started += r->started;
    g->completed += r->completed;
    g->failed += r->failed;
    g->skipped += r->skipped;
}

/* Appends {"<key>": name, ["channel": channel,] counts, completion_rate}. */
static es_err group_json(es__buf *b, const char *key, const group *g, const char *channel,
                         int comma)
{
    double rate = g->invited ? (double)g->completed / (double)g->invited : 0.0;
    es_err rc = es__buf_printf(b, "%s{\"%s\":", comma ? "," : "", key);
    if (!rc)
        rc = es__http_json_str(b, g->name);
    if (!rc && channel)
        rc = es__buf_printf(b, ",\"channel\":\"%s\"", channel);
    if (!rc)
        rc = es__buf_printf(b,
                            ",\"invited\":%lld,\"delivered\":%lld,\"started\":%lld,"
                            "\"completed\":%lld,\"failed\":%lld,\"skipped\":%lld,"
                            "\"completion_rate\":%.4f}",
                            (long long)g->invited, (long long)g->delivered, (long long)g->started,
                            (long long)g->completed, (long long)g->failed, (long long)g->skipped,
                            rate);
    return rc;
}

static void report_cb(const es_invite_report_row *r, void *ud)
{
    report *p = ud;
    if (p->rc || p->n >= REPORT_ROWS_MAX)
        return;
    group g = {.name = r->location};
    add_to(&g, r);
    p->rc = group_json(p->rows, "location", &g, strcmp(r->channel, "sms") == 0 ? "sms" : "email",
                       p->n++ > 0);
    add_to(&p->ch[strcmp(r->channel, "sms") == 0 ? 0 : 1], r);
    if (p->n_loc == 0 || strcmp(p->loc[p->n_loc - 1].name, r->location) != 0) {
        if (p->n_loc == MAX_GROUPS)
            return;
        memset(&p->loc[p->n_loc], 0, sizeof p->loc[0]);
        p->loc[p->n_loc].name = es_arena_strdup(p->rq->arena, r->location);
        if (!p->loc[p->n_loc].name) {
            p->rc = ES_ENOMEM;
            return;
        }
        p->n_loc++;
    }
    add_to(&p->loc[p->n_loc - 1], r);
}

static void do_report(es__http_req *rq, es__http_resp *rs)
{
    int64_t since, until;
    if (!period(rq, 30, &since, &until)) {
        es__http_error(rs, 400, "since is like 30d, 12h, Unix seconds or a date; until after it");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es__buf rows;
    es__buf_init(&rows, 16u << 20);
    report *p = es_calloc(1, sizeof *p); /* too big for the request's arena */
    if (!p) {
        es__http_error(rs, 500, "out of memory");
        return;
    }
    p->rq = rq;
    p->rows = &rows;
    p->ch[0].name = "sms";
    p->ch[1].name = "email";
    es_invite_scope sc = scope_of(rq);
    es_err rc = es_invite_report(s, &sc, since, until, report_cb, p);
    if (rc) {
        es__http_store_error(rs, s, rc, NULL);
    } else {
        rc = p->rc ? p->rc
                   : es__buf_printf(&rs->body, "{\"since\":%lld,\"until\":%lld,\"by_channel\":[",
                                    (long long)since, (long long)until);
        for (int i = 0; !rc && i < 2; i++)
            rc = group_json(&rs->body, "channel", &p->ch[i], NULL, i);
        if (!rc)
            rc = es__buf_adds(&rs->body, "],\"by_location\":[");
        for (size_t i = 0; !rc && i < p->n_loc; i++)
            rc = group_json(&rs->body, "location", &p->loc[i], NULL, i > 0);
        if (!rc)
            rc = es__buf_printf(&rs->body, "],\"rows\":[%s]}", rows.data ? rows.data : "");
        if (rc)
            es__http_error(rs, 500, "out of memory");
    }
    es__buf_cleanup(&rows);
    es_free(p);
}

/* ---- GET /u/{token} -------------------------------------------------------------- */

/* A small page for a person (public: no login, the token is the key). */
static void page(es__http_resp *rs, unsigned status, const char *title, const char *text)
{
    rs->status = status;
    rs->type = "text/html; charset=utf-8";
    es__buf_reset(&rs->body);
    if (es__buf_printf(&rs->body,
                       "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<meta name=\"viewport\" content=\"width=device-width\">"
                       "<title>%s</title></head><body><h1>%s</h1><p>%s</p></body></html>\n",
                       title, title, text))
        es__http_error(rs, 500, "out of memory");
}

static void do_unsubscribe(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_err rc = es_invite_unsubscribe(s, rq->param[0], (int64_t)time(NULL));
    if (rc == ES_ENOTFOUND)
        page(rs, 404, "Link not found", "This link is not valid.");
    else if (rc)
        es__http_store_error(rs, s, rc, NULL);
    else
        page(rs, 200, "You are unsubscribed",
             "You will receive no more invitations from us. Thank you.");
}

/* ---- GET /r/{token} ------------------------------------------------------------------ */

typedef struct redirect {
    int64_t id;
    int advocacy;
    char url[ES_LOCATION_URL_MAX + 1];
} redirect;

static void take_redirect(const es_invitation *inv, void *ud)
{
    redirect *r = ud;
    r->id = inv->id;
    r->advocacy = strcmp(inv->kind, "advocacy") == 0 && strcmp(inv->state, "skipped") != 0;
    snprintf(r->url, sizeof r->url, "%s", inv->review_url ? inv->review_url : "");
}

/* 1 when url may go in a Location header: http(s), no spaces or controls. */
static int url_safe(const char *url)
{
    if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))
        return 0;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return 0;
    return 1;
}

/* Redirects only to the review link stored for the invitation's location:
 * nothing of the request is used but the token. */
static void do_redirect(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    redirect r = {0, 0, ""};
    es_err rc = es_invitation_lookup(s, rq->param[0], take_redirect, &r);
    if (rc == ES_ENOTFOUND || (!rc && (!r.advocacy || !url_safe(r.url)))) {
        page(rs, 404, "Link not found", "This link is not valid.");
        return;
    }
    if (!rc)
        rc = es_invitation_mark(s, r.id, "clicked", (int64_t)time(NULL));
    if (rc) {
        es__http_store_error(rs, s, rc, NULL);
        return;
    }
    char *loc = es_arena_strdup(rq->arena, r.url);
    if (!loc) {
        es__http_error(rs, 500, "out of memory");
        return;
    }
    rs->status = 302;
    rs->type = "text/plain; charset=utf-8";
    es__http_header_add(rs, "Location", loc);
    if (es__buf_adds(&rs->body, "Redirecting to the review page.\n"))
        es__http_error(rs, 500, "out of memory");
}

/* ---- advocacy ---------------------------------------------------------------------- */

/* POST /api/v1/advocates/run: {"since": "7d" | Unix seconds, "min_recommend": 9,
 * "min_compound": 0.8, "window_days": 30} (every member optional). */
static void do_adv_run(es__http_req *rq, es__http_resp *rs)
{
    const char *url = public_url(rq, rs);
    if (!url)
        return;
    es_advocacy_opts o = {.public_url = url, .since = (int64_t)time(NULL) - 7 * 86400};
    json_t *j = rq->body_len ? json_loadb(rq->body, rq->body_len, 0, NULL) : json_object();
    if (!json_is_object(j)) {
        json_decref(j);
        es__http_error(rs, 400, "the body is a JSON object");
        return;
    }
    json_t *since = json_object_get(j, "since"), *mr = json_object_get(j, "min_recommend"),
           *mc = json_object_get(j, "min_compound"), *wd = json_object_get(j, "window_days");
    int bad = 0;
    if (since && json_is_integer(since) && json_integer_value(since) >= 0)
        o.since = (int64_t)json_integer_value(since);
    else if (since)
        bad = 1;
    if (mr && json_is_integer(mr) && json_integer_value(mr) >= 0 && json_integer_value(mr) <= 10)
        o.min_recommend = (int)json_integer_value(mr);
    else if (mr)
        bad = 1;
    if (mc && json_is_number(mc) && json_number_value(mc) > 0 && json_number_value(mc) <= 1)
        o.min_compound = json_number_value(mc);
    else if (mc)
        bad = 1;
    if (wd && json_is_integer(wd) && json_integer_value(wd) >= 1 && json_integer_value(wd) <= 3650)
        o.window = (int64_t)json_integer_value(wd) * 86400;
    else if (wd)
        bad = 1;
    json_decref(j);
    if (bad) {
        es__http_error(rs, 400,
                       "since is Unix seconds, min_recommend 0-10, min_compound "
                       "(0, 1], window_days 1-3650");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_invite_result r;
    es_err rc = es_advocacy_run(s, &o, (int64_t)time(NULL), &r);
    if (rc) {
        es__http_store_error(rs, s, rc, NULL);
        return;
    }
    result_json(rs, 200, &r);
    if (r.invited)
        es__http_wake(rq, "invitations");
}

/* POST /api/v1/advocates/{id}/shared: {"handle": "@ann", "followers": 320}
 * (both optional). */
static void do_shared(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    if (!id) {
        es__http_error(rs, 404, "no such advocate");
        return;
    }
    json_t *j = rq->body_len ? json_loadb(rq->body, rq->body_len, 0, NULL) : json_object();
    json_t *h = json_object_get(j, "handle"), *f = json_object_get(j, "followers");
    if (!json_is_object(j) || (h && !json_is_string(h) && !json_is_null(h)) ||
        (f && !json_is_null(f) && (!json_is_integer(f) || json_integer_value(f) < 0))) {
        json_decref(j);
        es__http_error(rs, 400, "the body is {\"handle\": string, \"followers\": count}");
        return;
    }
    char *handle = json_is_string(h) ? es_arena_strdup(rq->arena, json_string_value(h)) : NULL;
    int64_t followers = json_is_integer(f) ? (int64_t)json_integer_value(f) : -1;
    json_decref(j);
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_invite_scope sc = scope_of(rq);
    es_err rc =
        es_advocacy_shared(s, id, &sc, handle, followers, rq->who.user_id, (int64_t)time(NULL));
    if (rc)
        es__http_store_error(rs, s, rc, "no such advocate");
    else if (es__buf_printf(&rs->body, "{\"id\":%lld,\"state\":\"shared\"}", (long long)id))
        es__http_error(rs, 500, "out of memory");
}

/* GET /api/v1/advocates/report?since=90d&per_share=N */
static void do_adv_report(es__http_req *rq, es__http_resp *rs)
{
    int64_t since, until;
    size_t per_share;
    if (!period(rq, 90, &since, &until) ||
        !es__http_arg_size(rq, "per_share", 0, 1000000000, &per_share)) {
        es__http_error(rs, 400, "since is like 90d, Unix seconds or a date; per_share a count");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_invite_scope sc = scope_of(rq);
    es_advocacy_report r;
    es_err rc = es_advocacy_report_get(s, &sc, since, until, (int64_t)per_share, &r);
    if (rc) {
        es__http_store_error(rs, s, rc, NULL);
        return;
    }
    if (es__buf_printf(&rs->body,
                       "{\"since\":%lld,\"until\":%lld,\"days\":%lld,\"engaged\":%lld,"
                       "\"invited\":%lld,\"clicked\":%lld,\"advocates\":%lld,\"reach\":%lld,"
                       "\"reach_known\":%lld,\"shares_unknown\":%lld,\"per_share\":%lld}",
                       (long long)since, (long long)until,
                       (long long)((until - since + 43200) / 86400), (long long)r.engaged,
                       (long long)r.invited, (long long)r.clicked, (long long)r.advocates,
                       (long long)r.reach, (long long)r.reach_known, (long long)r.shares_unknown,
                       (long long)r.per_share))
        es__http_error(rs, 500, "out of memory");
}

/* See http_int.h. */
const es__http_route es__http_routes_invite[] = {
    {"POST", "/api/v1/survey-invitations", ES__AUTH_USER, ES__ROLE_MANAGER, do_invite},
    {"GET", "/api/v1/survey-invitations/report", ES__AUTH_USER, ES__ROLE_MANAGER, do_report},
    {"POST", "/api/v1/advocates/run", ES__AUTH_USER, ES__ROLE_ADMIN, do_adv_run},
    {"POST", "/api/v1/advocates/{}/shared", ES__AUTH_USER, ES__ROLE_MANAGER, do_shared},
    {"GET", "/api/v1/advocates/report", ES__AUTH_USER, ES__ROLE_MANAGER, do_adv_report},
    {"GET", "/u/{}", ES__AUTH_PUBLIC, ES__ROLE_NONE, do_unsubscribe},
    {"GET", "/r/{}", ES__AUTH_PUBLIC, ES__ROLE_NONE, do_redirect},
    {NULL, NULL, 0, 0, NULL}};
