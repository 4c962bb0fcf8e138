/*
 * api_sla.c - the replies, SLA and reports part of the JSON API (C4, C5,
 * S4), as the route table es__http_routes_sla that router.c walks:
 *   POST /api/v1/cases/{id}/replies       answer a case (agent+)
 *   GET  /api/v1/cases/{id}/replies       its replies and their delivery
 *   GET  /api/v1/cases/{id}/sla           its due times
 *   GET|POST /api/v1/sla-policies         targets by priority (admin)
 *   GET|POST /api/v1/sla-calendars        business-hours calendars (admin)
 *   PUT  /api/v1/channel-endpoints/{ch}   where a channel's replies go (admin)
 *   GET  /api/v1/reports/sla?by=...       response times (manager+)
 * The router has authenticated the caller and checked the role; here every
 * case and report is limited to the caller's locations (a case outside them
 * is answered 404, as if it did not exist). The work is done by sla.h and
 * reply.h; docs/api.md, "Replies, SLAs and reports", is the reference.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "earshot/reply.h"
#include "earshot/sla.h"
#include "http/http_int.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 500

/* ---- helpers ----------------------------------------------------------------------- */

/* Answers a store error (router.c). */
static void store_error(es__http_resp *rs, es_store_t *s, es_err rc)
{
    es__http_store_error(rs, s, rc, NULL);
}


static void scope_of(const es__http_req *rq, es_sla_scope *sc)
{
    sc->all = rq->who.all_locations;
    sc->locations = (const char *const *)rq->who.locations;
    sc->n_locations = rq->who.n_locations;
}

/* A JSON object body (Content-Type application/json), or NULL with the
 * error answered. The caller json_decrefs it. */
static json_t *json_object_body(es__http_req *rq, es__http_resp *rs)
{
    const char *ct = rq->conn ? es__http_header(rq, "Content-Type") : "application/json";
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        es__http_error(rs, 415, "the body must be sent as application/json");
        return NULL;
    }
    json_error_t e;
    json_t *j = rq->body ? json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &e) : NULL;
    if (!j || !json_is_object(j)) {
        json_decref(j);
        es__http_error(rs, 400, "the body must be a JSON object");
        return NULL;
    }
    return j;
}

static void oom(es__http_resp *rs)
{
    es__buf_reset(&rs->body);
    es__http_error(rs, 500, "out of memory");
}

/* ---- replies -------------------------------------------------------------------------- */

static void add_reply(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_sla_scope sc;
    es_reply r;
    es_reply_measure m;
    if (!id) {
        es__http_error(rs, 404, "no such case");
        return;
    }
    json_t *j = json_object_body(rq, rs);
    if (!j)
        return;
    json_t *text = json_object_get(j, "text"), *direct = json_object_get(j, "direct");
    if (!json_is_string(text) || (direct && !json_is_boolean(direct))) {
        json_decref(j);
        es__http_error(rs, 400, "text (a string) is required; direct is true or false");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s) {
        json_decref(j);
        return;
    }
    scope_of(rq, &sc);
    es_err rc = es_reply_add(s, id, &sc, rq->who.user_id, rq->who.token_id, json_string_value(text),
                             direct && json_is_true(direct), (int64_t)time(NULL), &r, &m);
    json_decref(j);
    if (rc == ES_ELIMIT && m.max > 0) {
        rs->status = 422;
        es__buf_reset(&rs->body);
        if (es__buf_adds(&rs->body, "{\"error\":") ||
            es__http_json_str(&rs->body, es_store_errmsg(s)) ||
            es__buf_printf(&rs->body, ",\"limit\":%ld,\"used\":%ld,\"unit\":\"%s\"}\n", m.max,
                           m.used, m.unit))
            oom(rs);
        return;
    }
    if (rc == ES_ELIMIT)
        rc = ES_EINVAL;
    if (rc) {
        store_error(rs, s, rc);
        return;
    }
    rs->status = 201;
    if (es__buf_printf(&rs->body,
                       "{\"id\":%lld,\"case_id\":%lld,\"generic\":%s,\"direct\":%s,"
                       "\"status\":\"pending\",\"created\":%lld,\"used\":%ld,\"limit\":%ld,"
                       "\"unit\":\"%s\"}\n",
                       (long long)r.id, (long long)id,
                       (r.flags & ES_REPLY_GENERIC) ? "true" : "false", r.direct ? "true" : "false",
                       (long long)r.created, m.used, m.max, m.unit))
        oom(rs);
}

typedef struct page {
    es__buf *b;
    size_t skip, limit, seen, written;
    es_err rc;
} page;

/* Whether this row is written (after skip, within limit + 1 to know if a
 * next page exists), with the comma. */
static int page_take(page *p)
{
    if (p->rc || p->seen++ < p->skip || p->written > p->limit)
        return 0;
    if (p->written++ == p->limit)
        return 0;
    if (p->written > 1)
        p->rc = es__buf_addc(p->b, ',');
    return !p->rc;
}

static es_err page_end(page *p)
{
    if (p->rc)
        return p->rc;
    if (p->written > p->limit)
        return es__buf_printf(p->b, "],\"next\":\"%zu\"}\n", p->skip + p->limit);
    return es__buf_adds(p->b, "],\"next\":null}\n");
}

static void reply_item(const es_reply *r, void *ud)
{
    page *p = ud;
    if (!page_take(p))
        return;
    es__buf *b = p->b;
    es_err rc = es__buf_printf(b, "{\"id\":%lld,\"case_id\":%lld,\"user_id\":", (long long)r->id,
                               (long long)r->case_id);
    if (!rc)
        rc =
            r->user_id ? es__buf_printf(b, "%lld", (long long)r->user_id) : es__buf_adds(b, "null");
    if (!rc)
        rc = es__buf_adds(b, ",\"channel\":");
    if (!rc)
        rc = es__http_json_str(b, r->channel);
    if (!rc)
        rc = es__buf_adds(b, ",\"text\":");
    if (!rc)
        rc = es__http_json_str(b, r->text);
    if (!rc)
        rc =
            es__buf_printf(b, ",\"direct\":%s,\"generic\":%s,\"created\":%lld,\"status\":",
                           r->direct ? "true" : "false",
                           (r->flags & ES_REPLY_GENERIC) ? "true" : "false", (long long)r->created);
    if (!rc)
        rc = es__http_json_str(b, r->status);
    if (!rc)
        rc = es__buf_printf(b, ",\"attempts\":%d,\"delivered_at\":", r->attempts);
    if (!rc)
        rc = r->delivered_at ? es__buf_printf(b, "%lld", (long long)r->delivered_at)
                             : es__buf_adds(b, "null");
    if (!rc)
        rc = es__buf_adds(b, ",\"idempotency_key\":");
    if (!rc)
        rc = es__http_json_str(b, r->idempotency_key);
    if (!rc)
        rc = es__buf_adds(b, ",\"last_error\":");
    if (!rc)
        rc = es__http_json_str(b, r->last_error);
    p->rc = rc ? rc : es__buf_addc(b, '}');
}

static void list_replies(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    size_t limit, offset;
    es_sla_scope sc;
    if (!id) {
        es__http_error(rs, 404, "no such case");
        return;
    }
    if (!es__http_arg_size(rq, "limit", PAGE_DEFAULT, PAGE_MAX, &limit) || limit == 0 ||
        !es__http_arg_size(rq, "offset", 0, 1000000, &offset) ||
        (es__http_arg(rq, "cursor") && !es__http_arg_size(rq, "cursor", 0, 1000000, &offset))) {
        es__http_error(rs, 400, "limit is 1 to 500 and offset (or cursor) a count");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    scope_of(rq, &sc);
    page p = {&rs->body, offset, limit, 0, 0, es__buf_adds(&rs->body, "{\"items\":[")};
    es_err rc = es_reply_list(s, id, &sc, reply_item, &p);
    if (rc) {
        es__buf_reset(&rs->body);
        store_error(rs, s, rc);
    } else if (page_end(&p)) {
        oom(rs);
    }
}

/* ---- a case's due times ------------------------------------------------------------------- */

typedef struct dues_ctx {
    es_sla_dues d;
    es_err rc;
    int found;
} dues_ctx;

static void dues_cb(const es_sla_case *c, void *ud)
{
    dues_ctx *x = ud;
    x->found = 1;
    x->rc = es_sla_case_dues(c, &x->d);
}

static es_err time_or_null(es__buf *b, const char *name, int64_t t)
{
    return t ? es__buf_printf(b, "\"%s\":%lld", name, (long long)t)
             : es__buf_printf(b, "\"%s\":null", name);
}

static void case_sla(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_sla_scope sc;
    dues_ctx x = {{0}, ES_OK, 0};
    if (!id) {
        es__http_error(rs, 404, "no such case");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    scope_of(rq, &sc);
    es_err rc = es_sla_clocks(s, id, &sc, dues_cb, &x);
    if (rc) {
        store_error(rs, s, rc);
        return;
    }
    if (x.rc) {
        es__http_error(rs, 500, "the case's SLA calendar no longer parses");
        return;
    }
    es__buf *b = &rs->body;
    if (es__buf_printf(b, "{\"case_id\":%lld,", (long long)id) ||
        time_or_null(b, "first_response_due", x.d.first_response) || es__buf_addc(b, ',') ||
        time_or_null(b, "next_response_due", x.d.next_response) || es__buf_addc(b, ',') ||
        time_or_null(b, "resolution_due", x.d.resolution) || es__buf_addc(b, ',') ||
        time_or_null(b, "next_due", x.d.next) || es__buf_adds(b, "}\n"))
        oom(rs);
}

/* ---- policies and calendars (admin) --------------------------------------------------- */

static void policy_item(const es_sla_policy *p, void *ud)
{
    page *pg = ud;
    if (!page_take(pg))
        return;
    es_err rc = es__buf_printf(pg->b,
                               "{\"priority\":%d,\"first_response\":%lld,\"next_response\":%lld,"
                               "\"resolution\":%lld,\"calendar\":",
                               p->priority, (long long)p->first_response,
                               (long long)p->next_response, (long long)p->resolution);
    if (!rc)
        rc = es__http_json_str(pg->b, p->calendar);
    pg->rc = rc ? rc : es__buf_addc(pg->b, '}');
}

static void policies_get(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    page p = {&rs->body, 0, PAGE_MAX, 0, 0, es__buf_adds(&rs->body, "{\"items\":[")};
    es_err rc = es_sla_policy_list(s, policy_item, &p);
    if (rc) {
        es__buf_reset(&rs->body);
        store_error(rs, s, rc);
    } else if (page_end(&p)) {
        oom(rs);
    }
}

/* A target in seconds: absent 0, else a non-negative integer. */
static int target(json_t *j, const char *name, int64_t *out)
{
    json_t *v = json_object_get(j, name);
    *out = 0;
    if (!v)
        return 1;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > 100LL * 365 * 86400)
        return 0;
    *out = (int64_t)json_integer_value(v);
    return 1;
}

static void policies_post(es__http_req *rq, es__http_resp *rs)
{
    json_t *j = json_object_body(rq, rs);
    if (!j)
        return;
    es_sla_policy p = {0};
    json_t *pr = json_object_get(j, "priority"), *cal = json_object_get(j, "calendar");
    if (!json_is_integer(pr) || json_integer_value(pr) < 1 || json_integer_value(pr) > 4 ||
        !target(j, "first_response", &p.first_response) ||
        !target(j, "next_response", &p.next_response) || !target(j, "resolution", &p.resolution) ||
        (cal && !json_is_string(cal) && !json_is_null(cal))) {
        json_decref(j);
        es__http_error(rs, 400,
                       "priority is 1 to 4; first_response, next_response and "
                       "resolution are seconds (0 or more); calendar a name or null");
        return;
    }
    p.priority = (int)json_integer_value(pr);
    p.calendar = json_is_string(cal) ? json_string_value(cal) : NULL;
    es_store_t *s = es__http_store_or_500(rq, rs);
    int64_t id = 0;
    es_err rc = s ? es_sla_policy_set(s, &p, rq->who.user_id, &id) : ES_OK;
    if (s && rc)
        store_error(rs, s, rc);
    else if (s && es__buf_printf(&rs->body, "{\"id\":%lld,\"priority\":%d}\n", (long long)id,
                                 p.priority))
        oom(rs);
    json_decref(j);
}

static void calendar_item(const es_sla_calendar_row *c, void *ud)
{
    page *pg = ud;
    if (!page_take(pg))
        return;
    es_err rc = es__buf_printf(pg->b, "{\"id\":%lld,\"name\":", (long long)c->id);
    if (!rc)
        rc = es__http_json_str(pg->b, c->name);
    if (!rc)
        rc = es__buf_adds(pg->b, ",\"spec\":");
    if (!rc)
        rc = es__http_json_str(pg->b, c->spec);
    pg->rc = rc ? rc : es__buf_addc(pg->b, '}');
}

static void calendars_get(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    page p = {&rs->body, 0, PAGE_MAX, 0, 0, es__buf_adds(&rs->body, "{\"items\":[")};
    es_err rc = es_sla_calendar_list(s, calendar_item, &p);
    if (rc) {
        es__buf_reset(&rs->body);
        store_error(rs, s, rc);
    } else if (page_end(&p)) {
        oom(rs);
    }
}

static void calendars_post(es__http_req *rq, es__http_resp *rs)
{
    json_t *j = json_object_body(rq, rs);
    if (!j)
        return;
    json_t *name = json_object_get(j, "name"), *spec = json_object_get(j, "spec");
    if (!json_is_string(name) || !json_is_string(spec)) {
        json_decref(j);
        es__http_error(rs, 400, "name and spec (strings) are required");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    int64_t id = 0;
    es_err rc = s ? es_sla_calendar_put(s, json_string_value(name), json_string_value(spec),
                                        rq->who.user_id, &id)
                  : ES_OK;
    if (s && rc)
        store_error(rs, s, rc);
    else if (s && es__buf_printf(&rs->body, "{\"id\":%lld}\n", (long long)id))
        oom(rs);
    json_decref(j);
}

/* PUT /api/v1/channel-endpoints/{channel}: where a channel's replies go. */
static void endpoint_put(es__http_req *rq, es__http_resp *rs)
{
    const char *channel = rq->n_params ? rq->param[0] : NULL;
    json_t *j = json_object_body(rq, rs);
    if (!j)
        return;
    json_t *url = json_object_get(j, "url"), *secret = json_object_get(j, "secret");
    if (!channel || !*channel || strlen(channel) > 32 || !json_is_string(url) ||
        (secret && !json_is_string(secret) && !json_is_null(secret))) {
        json_decref(j);
        es__http_error(rs, 400, "url (a string) is required; secret is a string or null");
        return;
    }
    const char *sec = json_is_string(secret) ? json_string_value(secret) : NULL;
    es_store_t *s = es__http_store_or_500(rq, rs);
    es_err rc =
        s ? es_reply_endpoint_set(s, channel, json_string_value(url), sec, rq->who.user_id) : ES_OK;
    if (s && rc) {
        store_error(rs, s, rc);
    } else if (s) {
        es_err w = es__buf_adds(&rs->body, "{\"channel\":");
        if (!w)
            w = es__http_json_str(&rs->body, channel);
        if (!w)
            w = es__buf_printf(&rs->body, ",\"signed\":%s}\n", sec && *sec ? "true" : "false");
        if (w)
            oom(rs);
    }
    json_decref(j);
}

/* ---- reports (manager+) ------------------------------------------------------------------ */

static void report_item(const es_sla_report_row *r, void *ud)
{
    page *pg = ud;
    if (!page_take(pg))
        return;
    es_err rc = es__buf_adds(pg->b, "{\"group\":");
    if (!rc)
        rc = es__http_json_str(pg->b, r->group);
    if (!rc)
        rc = es__buf_printf(pg->b,
                            ",\"cases\":%ld,\"responded\":%ld,\"resolved\":%ld,"
                            "\"first_response\":{\"median\":%.1f,\"p90\":%.1f},"
                            "\"resolution\":{\"median\":%.1f,\"p90\":%.1f},"
                            "\"followers_min\":%lld,\"followers_max\":%lld}",
                            r->cases, r->responded, r->resolved, r->first_median, r->first_p90,
                            r->resolution_median, r->resolution_p90, (long long)r->followers_min,
                            (long long)r->followers_max);
    pg->rc = rc;
}

/* A Unix-seconds query argument; 0 when absent. */
static int arg_time(es__http_req *rq, const char *name, int64_t *out)
{
    size_t v;
    if (!es__http_arg_size(rq, name, 0, (size_t)1 << 40, &v))
        return 0;
    *out = (int64_t)v;
    return 1;
}

static void report(es__http_req *rq, es__http_resp *rs)
{
    es_sla_by by = ES_SLA_BY_CHANNEL;
    const char *b = es__http_arg(rq, "by");
    int64_t since, until;
    es_sla_scope sc;
    if ((b && es_sla_by_parse(b, &by) != ES_OK) || !arg_time(rq, "since", &since) ||
        !arg_time(rq, "until", &until)) {
        es__http_error(rs, 400,
                       "by is channel, team, location or followers; since and until "
                       "are Unix seconds");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    scope_of(rq, &sc);
    page p = {
        &rs->body, 0, PAGE_MAX,
        0,         0, es__buf_printf(&rs->body, "{\"by\":\"%s\",\"items\":[", es_sla_by_name(by))};
    es_err rc = es_sla_report(s, by, &sc, since, until, report_item, &p);
    if (rc) {
        es__buf_reset(&rs->body);
        store_error(rs, s, rc);
    } else if (page_end(&p)) {
        oom(rs);
    }
}

/* ---- the route table ------------------------------------------------------------------------ */

const es__http_route es__http_routes_sla[] = {
    {"POST", "/api/v1/cases/{}/replies", ES__AUTH_USER, ES__ROLE_AGENT, add_reply},
    {"GET", "/api/v1/cases/{}/replies", ES__AUTH_USER, ES__ROLE_VIEWER, list_replies},
    {"GET", "/api/v1/cases/{}/sla", ES__AUTH_USER, ES__ROLE_VIEWER, case_sla},
    {"GET", "/api/v1/sla-policies", ES__AUTH_USER, ES__ROLE_ADMIN, policies_get},
    {"POST", "/api/v1/sla-policies", ES__AUTH_USER, ES__ROLE_ADMIN, policies_post},
    {"GET", "/api/v1/sla-calendars", ES__AUTH_USER, ES__ROLE_ADMIN, calendars_get},
    {"POST", "/api/v1/sla-calendars", ES__AUTH_USER, ES__ROLE_ADMIN, calendars_post},
    {"PUT", "/api/v1/channel-endpoints/{}", ES__AUTH_USER, ES__ROLE_ADMIN, endpoint_put},
    {"GET", "/api/v1/reports/sla", ES__AUTH_USER, ES__ROLE_MANAGER, report},
    {NULL, NULL, 0, 0, NULL},
};
