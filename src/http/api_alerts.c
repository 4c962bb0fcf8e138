/*
 * api_alerts.c - the alerts part of the JSON API (A1-A3), as the route
 * table es__http_routes_alerts that router.c walks: alerts listed, read
 * and acknowledged within the caller's scope, alert rules (managers read,
 * admins change) and destinations (admins). The work is the alert module's
 * (alert.h); authentication, roles and CSRF are checked by the router
 * before a handler runs. docs/api.md, section "Alerts", is the reference.
 *
 * Scope: a manager, agent or viewer scoped to locations sees only the
 * alerts of those locations, filtered in SQL for lists, and gets 404 for
 * any other alert whatever id is sent, so ids do not leak.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "earshot/alert.h"
#include "http/http_int.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 500

/* ---- helpers ------------------------------------------------------------------- */

/* Answers a store error (router.c). */
static void store_error(es__http_resp *rs, es_store_t *s, es_err rc)
{
    es__http_store_error(rs, s, rc, "no such alert, rule or destination");
}


/* A query argument as a count in [lo, max]; def when absent; 0 on garbage. */
static int arg_num(es__http_req *rq, const char *name, long long def, long long lo,
                   long long max, long long *out)
{
    const char *v = es__http_arg(rq, name);
    *out = def;
    if (!v)
        return 1;
    char *end = NULL;
    if (*v < '0' || *v > '9' || strlen(v) > 18)
        return 0;
    long long n = strtoll(v, &end, 10);
    if (*end || n < lo || n > max)
        return 0;
    *out = n;
    return 1;
}

static es_err json_int(es__buf *b, const char *key, long long v, int comma)
{
    return es__buf_printf(b, "%s\"%s\":%lld", comma ? "," : "", key, v);
}

static es_err json_kv(es__buf *b, const char *key, const char *v)
{
    es_err rc = es__buf_printf(b, ",\"%s\":", key);
    return rc ? rc : es__http_json_str(b, v);
}

static es_err alert_json(es__buf *b, const es_alert *a)
{
    es_err rc = es__buf_addc(b, '{');
    if (!rc)
        rc = json_int(b, "id", a->id, 0);
    if (!rc)
        rc = json_kv(b, "kind", es_alert_kind_name(a->kind));
    if (!rc)
        rc = json_kv(b, "status", a->status);
    if (!rc)
        rc = a->rule_id ? json_int(b, "rule_id", a->rule_id, 1) : es__buf_adds(b, ",\"rule_id\":null");
    if (!rc)
        rc = json_kv(b, "rule", a->rule);
    if (!rc)
        rc = json_kv(b, "location", a->location);
    if (!rc)
        rc = json_kv(b, "brand", a->brand);
    if (!rc)
        rc = json_kv(b, "title", a->title);
    if (!rc)
        rc = json_kv(b, "detail", a->detail);
    if (!rc)
        rc = es__buf_printf(b, ",\"case_id\":%lld,\"mention_id\":%lld,\"count\":%lld,"
                               "\"created\":%lld,\"updated\":%lld,\"acked_at\":%lld,"
                               "\"acked_by\":%lld,\"escalated_at\":%lld}",
                            (long long)a->case_id, (long long)a->mention_id, (long long)a->count,
                            (long long)a->created, (long long)a->updated,
                            (long long)a->acked_at, (long long)a->acked_by,
                            (long long)a->escalated_at);
    return rc;
}

/* ---- alerts -------------------------------------------------------------------- */

typedef struct page {
    es__buf *b;
    size_t n;
    int64_t last;
    es_err rc;
} page;

static void page_cb(const es_alert *a, void *ud)
{
    page *p = ud;
    if (p->rc)
        return;
    if (p->n++)
        p->rc = es__buf_addc(p->b, ',');
    if (!p->rc)
        p->rc = alert_json(p->b, a);
    p->last = a->id;
}

static void do_list(es__http_req *rq, es__http_resp *rs)
{
    long long limit, cursor;
    if (!arg_num(rq, "limit", PAGE_DEFAULT, 1, PAGE_MAX, &limit) ||
        !arg_num(rq, "cursor", 0, 0, 1LL << 62, &cursor)) {
        es__http_error(rs, 400, "limit is 1 to 500; cursor is an alert id");
        return;
    }
    const char *status = es__http_arg(rq, "status");
    if (status && strcmp(status, "open") != 0 && strcmp(status, "acked") != 0 &&
        strcmp(status, "throttled") != 0) {
        es__http_error(rs, 400, "status is open, acked or throttled");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_alert_filter f = {.status = status,
                         .location = es__http_arg(rq, "location"),
                         .all_locations = rq->who.all_locations,
                         .locations = rq->who.locations,
                         .n_locations = rq->who.n_locations,
                         .before_id = cursor,
                         .limit = (size_t)limit};
    page p = {.b = &rs->body};
    es_err rc = es__buf_adds(&rs->body, "{\"items\":[");
    if (!rc)
        rc = es_alert_list(s, &f, page_cb, &p);
    if (rc == ES_EDB || rc == ES_EBUSY || rc == ES_EINVAL) {
        es__buf_reset(&rs->body);
        store_error(rs, s, rc);
        return;
    }
    if (!rc)
        rc = p.rc;
    if (!rc)
        rc = (size_t)limit == p.n ? es__buf_printf(&rs->body, "],\"next\":\"%lld\"}",
                                                   (long long)p.last)
                                  : es__buf_adds(&rs->body, "],\"next\":null}");
    if (rc) {
        es__buf_reset(&rs->body);
        es__http_error(rs, 500, "the answer is too large");
    }
}

typedef struct one {
    es__http_req *rq;
    es__buf *b;
    int visible;
    es_err rc;
} one;

static void one_cb(const es_alert *a, void *ud)
{
    one *o = ud;
    o->visible = es__http_may_see(&o->rq->who, a->location);
    if (o->visible && o->b)
        o->rc = alert_json(o->b, a);
}

/* Reads alert id and answers it, or 404 when it is not there or not in
 * the caller's scope. */
static void answer(es__http_req *rq, es__http_resp *rs, es_store_t *s, int64_t id)
{
    one o = {rq, &rs->body, 0, ES_OK};
    es_err rc = es_alert_get(s, id, one_cb, &o);
    if (rc || !o.visible || o.rc) {
        es__buf_reset(&rs->body);
        if (rc)
            store_error(rs, s, rc);
        else if (!o.visible)
            es__http_error(rs, 404, "no such alert, rule or destination");
        else
            es__http_error(rs, 500, "the answer is too large");
    }
}

static void do_get(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    if (!id)
        es__http_error(rs, 404, "no such alert, rule or destination");
    if (s)
        answer(rq, rs, s, id);
}

static void do_ack(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    if (!id)
        es__http_error(rs, 404, "no such alert, rule or destination");
    if (!s)
        return;
    one o = {rq, NULL, 0, ES_OK};
    es_err rc = es_alert_get(s, id, one_cb, &o); /* the scope first: 404 outside it */
    if (!rc && !o.visible)
        rc = ES_ENOTFOUND;
    if (!rc)
        rc = es_alert_ack(s, id, rq->who.user_id, rq->who.token_id, (int64_t)time(NULL));
    if (rc) {
        store_error(rs, s, rc);
        return;
    }
    answer(rq, rs, s, id);
}

/* ---- rules --------------------------------------------------------------------- */

static es_err rule_json(es__buf *b, const es_alert_rule *r)
{
    es_err rc = es__buf_addc(b, '{');
    if (!rc)
        rc = json_int(b, "id", r->id, 0);
    if (!rc)
        rc = json_kv(b, "name", r->name);
    if (!rc)
        rc = json_kv(b, "kind", es_alert_kind_name(r->kind));
    if (!rc)
        rc = json_kv(b, "brand", r->brand);
    if (!rc)
        rc = json_kv(b, "location", r->location);
    if (!rc)
        rc = json_kv(b, "query", r->query);
    if (!rc)
        rc = json_kv(b, "topic", r->topic);
    if (!rc)
        rc = json_kv(b, "dests", r->dests);
    if (!rc)
        rc = json_kv(b, "escalate_to", r->escalate_to);
    if (!rc)
        rc = es__buf_printf(b, ",\"threshold\":%.6g,\"min_count\":%lld,\"period\":%lld,"
                               "\"baseline\":%lld,\"cooldown\":%lld,\"max_per_hour\":%lld,"
                               "\"escalate_after\":%lld,\"enabled\":%s,\"created\":%lld}",
                            r->threshold, (long long)r->min_count, (long long)r->period,
                            (long long)r->baseline, (long long)r->cooldown,
                            (long long)r->max_per_hour, (long long)r->escalate_after,
                            r->enabled ? "true" : "false", (long long)r->created);
    return rc;
}

typedef struct rules_page {
    es__http_req *rq;
    es__buf *b;
    size_t n;
    es_err rc;
} rules_page;

/* A scoped user sees the rules of every location it has and the rules of
 * all locations; not another location's. */
static void rule_cb(const es_alert_rule *r, void *ud)
{
    rules_page *p = ud;
    if (p->rc || (r->location && !es__http_may_see(&p->rq->who, r->location)))
        return;
    if (p->n++)
        p->rc = es__buf_addc(p->b, ',');
    if (!p->rc)
        p->rc = rule_json(p->b, r);
}

static void do_rules(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    rules_page p = {rq, &rs->body, 0, ES_OK};
    es_err rc = es__buf_adds(&rs->body, "{\"items\":[");
    if (!rc)
        rc = es_alert_rule_list(s, rule_cb, &p);
    if (!rc)
        rc = p.rc ? p.rc : es__buf_adds(&rs->body, "],\"next\":null}");
    if (rc) {
        es__buf_reset(&rs->body);
        store_error(rs, s, rc == ES_ELIMIT ? ES_EDB : rc);
    }
}

/* Reads the optional members of a rule's JSON body; 0 with *why on error. */
static int rule_from_json(json_t *j, es_alert_rule *r, const char **why)
{
    static const char *const strs[] = {"name", "kind", "brand", "location", "query", "topic",
                                       "dests", "escalate_to"};
    static const char *const nums[] = {"min_count", "period", "baseline", "cooldown",
                                       "max_per_hour", "escalate_after"};
    const char **sdst[] = {&r->name, NULL, &r->brand, &r->location, &r->query, &r->topic,
                           &r->dests, &r->escalate_to};
    int64_t *ndst[] = {&r->min_count, &r->period, &r->baseline, &r->cooldown, &r->max_per_hour,
                       &r->escalate_after};
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        size_t i;
        for (i = 0; i < 8 && strcmp(key, strs[i]) != 0; i++)
            ;
        if (i < 8) {
            if (!json_is_string(v) && !json_is_null(v))
                return *why = "a rule's names, query and lists are strings", 0;
            const char *sv = json_string_value(v);
            if (i == 1 && (!sv || es_alert_kind_parse(sv, &r->kind)))
                return *why = "kind is negative, words, spike, incident, survey, sla or "
                              "digest", 0;
            if (i != 1)
                *sdst[i] = sv && *sv ? sv : NULL;
            continue;
        }
        for (i = 0; i < 6 && strcmp(key, nums[i]) != 0; i++)
            ;
        if (i < 6) {
            if (!json_is_integer(v) || json_integer_value(v) < 0)
                return *why = "counts and durations are non-negative integers", 0;
            *ndst[i] = json_integer_value(v);
        } else if (strcmp(key, "threshold") == 0) {
            if (!json_is_number(v))
                return *why = "threshold is a number", 0;
            r->threshold = json_number_value(v);
        } else {
            return *why = "unknown member in the rule", 0;
        }
    }
    return 1;
}

static void do_rule_add(es__http_req *rq, es__http_resp *rs)
{
    json_error_t err;
    const char *why = NULL;
    es_alert_rule r = {.kind = ES_ALERT_KIND_COUNT};
    json_t *j = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!j || !json_is_object(j)) {
        es__http_error(rs, 400, "the body must be a JSON object");
        json_decref(j);
        return;
    }
    if (!rule_from_json(j, &r, &why) || r.kind == ES_ALERT_KIND_COUNT || !r.name) {
        es__http_error(rs, 400, why ? why : "a rule needs a name and a kind");
        json_decref(j);
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    int64_t id = 0;
    es_err rc = s ? es_alert_rule_add(s, &r, rq->who.user_id, &id) : ES_OK;
    json_decref(j);
    if (!s)
        return;
    if (rc) {
        store_error(rs, s, rc);
        return;
    }
    rs->status = 201;
    if (es__buf_printf(&rs->body, "{\"id\":%lld}", (long long)id))
        es__http_error(rs, 500, "the answer is too large");
}

static void do_rule_rm(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    if (!rq->n_params || !es__http_param_id(rq, 0)) {
        es__http_error(rs, 404, "no such alert, rule or destination");
        return;
    }
    es_err rc = es_alert_rule_remove(s, rq->param[0], rq->who.user_id);
    if (rc)
        store_error(rs, s, rc);
    else
        rs->status = 204;
}

/* ---- destinations ------------------------------------------------------------------ */

/* One destination; its secret is never shown. */
static void dest_cb(const es_alert_dest *d, void *ud)
{
    rules_page *p = ud;
    if (p->rc)
        return;
    if (p->n++)
        p->rc = es__buf_addc(p->b, ',');
    if (!p->rc)
        p->rc = es__buf_addc(p->b, '{');
    if (!p->rc)
        p->rc = json_int(p->b, "id", d->id, 0);
    if (!p->rc)
        p->rc = json_kv(p->b, "name", d->name);
    if (!p->rc)
        p->rc = json_kv(p->b, "kind", d->kind);
    if (!p->rc)
        p->rc = json_kv(p->b, "target", d->target);
    if (!p->rc)
        p->rc = es__buf_addc(p->b, '}');
}

static void do_dests(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    rules_page p = {rq, &rs->body, 0, ES_OK};
    es_err rc = es__buf_adds(&rs->body, "{\"items\":[");
    if (!rc)
        rc = es_alert_dest_list(s, dest_cb, &p);
    if (!rc)
        rc = p.rc ? p.rc : es__buf_adds(&rs->body, "],\"next\":null}");
    if (rc) {
        es__buf_reset(&rs->body);
        store_error(rs, s, rc == ES_ELIMIT ? ES_EDB : rc);
    }
}

static void do_dest_add(es__http_req *rq, es__http_resp *rs)
{
    json_error_t err;
    json_t *j = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &err);
    es_alert_dest d = {0};
    const char *key;
    json_t *v;
    int bad = !j || !json_is_object(j);
    if (!bad)
        json_object_foreach(j, key, v) {
            const char *sv = json_string_value(v);
            if (!sv)
                bad = 1;
            else if (strcmp(key, "name") == 0)
                d.name = sv;
            else if (strcmp(key, "kind") == 0)
                d.kind = sv;
            else if (strcmp(key, "target") == 0)
                d.target = sv;
            else if (strcmp(key, "secret") == 0)
                d.secret = sv;
            else
                bad = 1;
        }
    es_store_t *s = bad ? NULL : es__http_store_or_500(rq, rs);
    int64_t id = 0;
    es_err rc = s ? es_alert_dest_add(s, &d, rq->who.user_id, &id) : ES_OK;
    json_decref(j);
    if (bad)
        es__http_error(rs, 400, "the body is a JSON object of strings: name, kind, target, "
                                "secret");
    else if (s && rc)
        store_error(rs, s, rc);
    else if (s) {
        rs->status = 201;
        if (es__buf_printf(&rs->body, "{\"id\":%lld}", (long long)id))
            es__http_error(rs, 500, "the answer is too large");
    }
}

/* See http_int.h. */
const es__http_route es__http_routes_alerts[] = {
    {"GET", "/api/v1/alerts", ES__AUTH_USER, ES__ROLE_VIEWER, do_list},
    {"GET", "/api/v1/alerts/{}", ES__AUTH_USER, ES__ROLE_VIEWER, do_get},
    {"POST", "/api/v1/alerts/{}/ack", ES__AUTH_USER, ES__ROLE_AGENT, do_ack},
    {"GET", "/api/v1/alert-rules", ES__AUTH_USER, ES__ROLE_MANAGER, do_rules},
    {"POST", "/api/v1/alert-rules", ES__AUTH_USER, ES__ROLE_ADMIN, do_rule_add},
    {"DELETE", "/api/v1/alert-rules/{}", ES__AUTH_USER, ES__ROLE_ADMIN, do_rule_rm},
    {"GET", "/api/v1/alert-destinations", ES__AUTH_USER, ES__ROLE_ADMIN, do_dests},
    {"POST", "/api/v1/alert-destinations", ES__AUTH_USER, ES__ROLE_ADMIN, do_dest_add},
    {NULL, NULL, 0, 0, NULL}};
