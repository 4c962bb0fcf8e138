/*
 * api_audits.c - brand audits and mystery shopping in the JSON API (V7),
 * as the route table es__http_routes_audits that router.c walks:
 * checklists (everyone reads, admins add), audits (listed within the
 * caller's scope; a manager records audits of its own locations only) and
 * the audit scores per location with their trend. The work is the store's
 * (audits.h); the bodies are read by src/voc/audit_json.c. docs/api.md,
 * section "Audits", is the reference.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "earshot/audits.h"
#include "earshot/location.h"
#include "http/http_int.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000
#define DAY 86400

/* ---- helpers ------------------------------------------------------------------- */

/* Sends j (taken) with status; 500 when it cannot be written. */
static void send_json(es__http_resp *rs, unsigned status, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(j);
    if (!text || es__buf_adds(&rs->body, text)) {
        es__buf_reset(&rs->body);
        es__http_error(rs, 500, "the answer is too large");
    } else {
        rs->status = status;
    }
    free(text);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* "YYYY-MM-DD" of Unix seconds t. */
static json_t *day_json(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[16];
    if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%d", &tm))
        return json_null();
    return json_string(buf);
}

static json_t *checklist_json(const es_checklist *c)
{
    json_t *items = json_array();
    for (size_t i = 0; i < c->n_items; i++) {
        const es_checklist_item *it = &c->items[i];
        json_t *o = json_pack("{s:s,s:f,s:s}", "text", it->text, "weight", it->weight, "answer",
                              it->yes_no ? "yes/no" : "points");
        if (!it->yes_no)
            json_object_set_new(o, "points", json_integer(it->max_points));
        json_array_append_new(items, o);
    }
    return json_pack("{s:I,s:s,s:s,s:o,s:I}", "id", (json_int_t)c->id, "name", c->name, "kind",
                     c->kind, "items", items, "created", (json_int_t)c->created);
}

static json_t *audit_json(const es_audit *a)
{
    json_t *ans = json_array();
    for (size_t i = 0; i < a->n_answers; i++)
        json_array_append_new(ans, a->answers[i] == ES_AUDIT_NA ? json_null()
                                                                : json_integer(a->answers[i]));
    return json_pack("{s:I,s:I,s:s,s:o,s:o,s:I,s:o,s:o,s:o,s:I}", "id", (json_int_t)a->id,
                     "checklist_id", (json_int_t)a->checklist_id, "location", a->location, "date",
                     day_json(a->date), "auditor", str_or_null(a->auditor), "user_id",
                     (json_int_t)a->user_id, "notes", str_or_null(a->notes), "answers", ans,
                     "score", a->has_score ? json_real(a->score) : json_null(), "created",
                     (json_int_t)a->created);
}

/* The caller's scope in an audit filter. */
static void scope(const es__http_req *rq, es_audit_filter *f)
{
    f->all_locations = rq->who.all_locations;
    f->locations = rq->who.locations;
    f->n_locations = rq->who.n_locations;
}

/* ---- checklists ------------------------------------------------------------------ */

static void checklist_cb(const es_checklist *c, void *ud)
{
    json_array_append_new(ud, checklist_json(c));
}

static void do_checklists(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    json_t *items = json_array();
    es_err rc = es_checklist_list(s, checklist_cb, items);
    if (rc) {
        json_decref(items);
        es__http_store_error(rs, s, rc, "no such checklist");
        return;
    }
    send_json(rs, 200, json_pack("{s:o,s:n}", "items", items, "next"));
}

static void do_checklist_add(es__http_req *rq, es__http_resp *rs)
{
    es_checklist_parsed p;
    char err[256];
    es_err rc = es_checklist_parse_json(rq->body, rq->body_len, &p, err, sizeof err);
    if (rc) {
        es_checklist_parsed_cleanup(&p);
        es__http_error(rs, rc == ES_ENOMEM ? 500 : 400, err);
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    int64_t id = 0;
    rc = s ? es_checklist_add(s, &p.c, rq->who.user_id, &id) : ES_OK;
    es_checklist_parsed_cleanup(&p);
    if (s && rc)
        es__http_store_error(rs, s, rc, "no such checklist");
    else if (s)
        send_json(rs, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/* ---- audits ---------------------------------------------------------------------- */

typedef struct page {
    json_t *items;
    int64_t last;
    size_t n;
} page;

static void audit_cb(const es_audit *a, void *ud)
{
    page *p = ud;
    json_array_append_new(p->items, audit_json(a));
    p->last = a->id;
    p->n++;
}

static void do_list(es__http_req *rq, es__http_resp *rs)
{
    size_t limit, cursor, checklist;
    if (!es__http_arg_size(rq, "limit", PAGE_DEFAULT, PAGE_MAX, &limit) || limit == 0 ||
        !es__http_arg_size(rq, "cursor", 0, (size_t)1 << 62, &cursor) ||
        !es__http_arg_size(rq, "checklist", 0, (size_t)1 << 62, &checklist)) {
        es__http_error(rs, 400, "limit is 1 to 1000; cursor is an audit id; checklist an id");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_audit_filter f = {.location = es__http_arg(rq, "location"),
                         .checklist_id = (int64_t)checklist, .before_id = (int64_t)cursor,
                         .limit = limit};
    scope(rq, &f);
    page p = {json_array(), 0, 0};
    es_err rc = es_audit_list(s, &f, audit_cb, &p);
    if (rc) {
        json_decref(p.items);
        es__http_store_error(rs, s, rc, "no such audit");
        return;
    }
    json_t *next = p.n == limit ? json_sprintf("%lld", (long long)p.last) : json_null();
    send_json(rs, 200, json_pack("{s:o,s:o}", "items", p.items, "next", next));
}

static void key_cb(const es_location *l, void *ud)
{
    snprintf(ud, ES_LOCATION_KEY_MAX + 1, "%s", l->key);
}

static void id_cb(const es_checklist *c, void *ud)
{
    *(int64_t *)ud = c->id;
}

static void one_cb(const es_audit *a, void *ud)
{
    *(json_t **)ud = audit_json(a);
}

/* Resolves the parsed audit's checklist and location (404 outside the
 * caller's scope, as for a missing one), then records it. */
static void do_add(es__http_req *rq, es__http_resp *rs)
{
    es_audit_parsed p;
    char err[256], key[ES_LOCATION_KEY_MAX + 1] = "";
    es_err rc = es_audit_parse_json(rq->body, rq->body_len, &p, err, sizeof err);
    if (rc) {
        es_audit_parsed_cleanup(&p);
        es__http_error(rs, rc == ES_ENOMEM ? 500 : 400, err);
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    int64_t id = 0;
    if (s)
        rc = es_location_find(s, p.location, key_cb, key);
    if (s && !rc && !es__http_may_see(&rq->who, key))
        rc = ES_ENOTFOUND;
    if (s && !rc && !p.a.checklist_id)
        rc = es_checklist_get(s, 0, p.checklist, id_cb, &p.a.checklist_id);
    if (s && !rc) {
        p.a.location = key;
        p.a.user_id = rq->who.user_id;
        if (!p.a.auditor)
            p.a.auditor = rq->who.name;
        rc = es_audit_add(s, &p.a, &id);
    }
    es_audit_parsed_cleanup(&p);
    if (!s)
        return;
    if (rc) {
        es__http_store_error(rs, s, rc, "no such location or checklist");
        return;
    }
    json_t *j = NULL;
    es_audit_filter f = {.all_locations = 1, .before_id = id + 1, .limit = 1};
    rc = es_audit_list(s, &f, one_cb, &j);
    if (rc || !j) {
        json_decref(j);
        es__http_store_error(rs, s, rc ? rc : ES_EDB, NULL);
        return;
    }
    send_json(rs, 201, j);
}

/* ---- scores ------------------------------------------------------------------------ */

/* A day "YYYY-MM-DD" (its start) or Unix seconds; def when absent. */
static int arg_time(es__http_req *rq, const char *name, int64_t def, int64_t *out)
{
    const char *v = es__http_arg(rq, name);
    *out = def;
    if (!v)
        return 1;
    if (es_audit_day_parse(v, out) == ES_OK)
        return 1;
    char *e = NULL;
    long long n = strtoll(v, &e, 10);
    if (*v < '0' || *v > '9' || *e || n < 0 || n > 253402300799LL)
        return 0;
    *out = n;
    return 1;
}

static void score_cb(const es_audit_scores *r, void *ud)
{
    json_array_append_new(
        ud, json_pack("{s:s,s:I,s:o,s:I,s:o,s:o}", "location", r->location, "n",
                      (json_int_t)r->n, "mean", r->n ? json_real(r->mean) : json_null(),
                      "previous_n", (json_int_t)r->prev_n, "previous_mean",
                      r->prev_n ? json_real(r->prev_mean) : json_null(), "change",
                      r->n && r->prev_n ? json_real(r->change) : json_null()));
}

static void do_scores(es__http_req *rq, es__http_resp *rs)
{
    int64_t today = (int64_t)time(NULL);
    today -= today % DAY;
    int64_t since, until;
    if (!arg_time(rq, "until", today + DAY, &until) ||
        !arg_time(rq, "since", until - 30 * DAY, &since) || until <= since) {
        es__http_error(rs, 400, "since and until are days (YYYY-MM-DD) or Unix seconds, "
                                "since before until");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_audit_filter f = {.location = es__http_arg(rq, "location")};
    scope(rq, &f);
    json_t *items = json_array();
    es_err rc = es_audit_scores_list(s, &f, since, until, score_cb, items);
    if (rc) {
        json_decref(items);
        es__http_store_error(rs, s, rc, NULL);
        return;
    }
    send_json(rs, 200, json_pack("{s:o,s:o,s:o,s:o}", "since", day_json(since), "until",
                                 day_json(until), "previous_since",
                                 day_json(since - (until - since)), "items", items));
}

/* See http_int.h. */
const es__http_route es__http_routes_audits[] = {
    {"GET", "/api/v1/audit-checklists", ES__AUTH_USER, ES__ROLE_VIEWER, do_checklists},
    {"POST", "/api/v1/audit-checklists", ES__AUTH_USER, ES__ROLE_ADMIN, do_checklist_add},
    {"GET", "/api/v1/audits", ES__AUTH_USER, ES__ROLE_VIEWER, do_list},
    {"POST", "/api/v1/audits", ES__AUTH_USER, ES__ROLE_MANAGER, do_add},
    {"GET", "/api/v1/audits/scores", ES__AUTH_USER, ES__ROLE_VIEWER, do_scores},
    {NULL, NULL, 0, 0, NULL}};
