/*
 * api_drivers.c - key drivers and action plans in the JSON API (V5, V6),
 * as the route table es__http_routes_drivers that router.c walks:
 *   GET  /api/v1/drivers?target=&region=&survey=     (managers and admins)
 *   GET  /api/v1/drivers?social=1&brand=&min=
 *   GET  /api/v1/plans?location=CODE&state=           (managers and admins)
 *   POST /api/v1/plans/{id}/accept | /done | /dismiss
 * The work is the voc module's (drivers.h, plans.h); the JSON is
 * voc_json.c's, the same as the command line's. docs/api.md, section "Key
 * drivers and action plans", is the reference.
 *
 * Scope: a manager scoped to locations sees the whole organisation's fit
 * (what the plans' wording already says) and the fits of the regions its
 * scope covers, never another region's; it sees and changes only the plans
 * of its own locations: any other plan is 404 whatever id is sent, and a
 * list shows only its locations' plans.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "earshot/drivers.h"
#include "earshot/location.h"
#include "earshot/plans.h"
#include "http/http_int.h"

/* Appends j (taken) to the body as compact JSON; 500 when out of memory. */
static void send_json(es__http_resp *rs, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(j);
    if (!text || es__buf_adds(&rs->body, text)) {
        es__http_error(rs, 500, "out of memory");
        free(text);
        return;
    }
    free(text);
}

/* Does a scope entry of who cover the whole of region (a path ending in
 * '/')? A scope entry that is a region and a prefix of it does. */
static int covers_region(const es__http_who *who, const char *region)
{
    if (who->all_locations)
        return 1;
    for (size_t i = 0; i < who->n_locations; i++) {
        const char *e = who->locations[i];
        size_t n = strlen(e);
        if (n && e[n - 1] == '/' && strncmp(region, e, n) == 0)
            return 1;
    }
    return 0;
}

/* Drops from the report's JSON the region groups who may not see. */
static void scope_groups(const es__http_who *who, json_t *rep)
{
    json_t *groups = json_object_get(rep, "groups");
    for (size_t i = json_array_size(groups); i-- > 0;) {
        const char *region =
            json_string_value(json_object_get(json_array_get(groups, i), "region"));
        if (region && *region && !covers_region(who, region))
            json_array_remove(groups, i);
    }
}

/* GET /api/v1/drivers. */
static void do_drivers(es__http_req *rq, es__http_resp *rs)
{
    es_drivers_opts o = {.target = ES_DRIVERS_PROMOTER, .region = es__http_arg(rq, "region")};
    const char *target = es__http_arg(rq, "target"), *social = es__http_arg(rq, "social");
    size_t survey = 0, min = 0;
    if ((target && es_drivers_target_parse(target, &o.target)) ||
        !es__http_arg_size(rq, "survey", 0, INT32_MAX, &survey) ||
        !es__http_arg_size(rq, "min", 0, 1000000, &min)) {
        es__http_error(rs, 400, "target is overall or promoter; survey and min are numbers");
        return;
    }
    o.survey_id = (int64_t)survey;
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    if (social && strcmp(social, "1") == 0) {
        es_topics_report *t = NULL;
        es_err rc = es_drivers_topics(s, es__http_arg(rq, "brand"), min, &t);
        if (rc) {
            es__http_store_error(rs, s, rc, NULL);
            return;
        }
        send_json(rs, es_topics_report_json(t));
        es_topics_report_free(t);
        return;
    }
    if (o.region && *o.region && !covers_region(&rq->who, o.region)) {
        es__http_error(rs, 404, "no such region in your scope");
        return;
    }
    es_drivers_report *r = NULL;
    es_err rc = es_drivers_analyze(s, &o, &r);
    if (rc) {
        es__http_store_error(rs, s, rc, NULL);
        return;
    }
    json_t *j = es_drivers_report_json(r);
    es_drivers_report_free(r);
    if (j)
        scope_groups(&rq->who, j);
    send_json(rs, j);
}

/* Collects plans into a JSON array, those who may see only. */
typedef struct collect {
    const es__http_who *who;
    json_t *a;
    int oom;
} collect;

/* Adds plan p to the list when who may see its location. */
static void collect_cb(const es_plan *p, void *ud)
{
    collect *c = ud;
    if (!es__http_may_see(c->who, p->location_key))
        return;
    json_t *j = es_plan_json(p);
    if (!j || json_array_append_new(c->a, j))
        c->oom = 1;
}

/* A location's id and key, copied out of the store's callback. */
typedef struct found_loc {
    int64_t id;
    char key[ES_LOCATION_KEY_MAX + 1];
} found_loc;

static void take_loc(const es_location *l, void *ud)
{
    found_loc *out = ud;
    out->id = l->id;
    snprintf(out->key, sizeof out->key, "%s", l->key);
}

/* GET /api/v1/plans?location=CODE&state=: with a location, its proposals
 * (recomputed) and its plans; without, the plans of the caller's scope. */
static void do_plans(es__http_req *rq, es__http_resp *rs)
{
    const char *code = es__http_arg(rq, "location"), *state = es__http_arg(rq, "state");
    const char *target = es__http_arg(rq, "target");
    es_plan_state st = ES_PLAN_PROPOSED;
    es_plan_opts o = {.target = ES_DRIVERS_PROMOTER};
    if ((state && es_plan_state_parse(state, &st)) ||
        (target && es_drivers_target_parse(target, &o.target))) {
        es__http_error(rs, 400,
                       "state is proposed, accepted, done or dismissed; target is"
                       " overall or promoter");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    found_loc loc = {0};
    if (code &&
        (es_location_find(s, code, take_loc, &loc) || !es__http_may_see(&rq->who, loc.key))) {
        es__http_error(rs, 404, "no such location");
        return;
    }
    collect c = {&rq->who, json_array(), 0};
    es_err rc = c.a ? ES_OK : ES_ENOMEM;
    unsigned mask = state ? 1u << st : 0;
    if (rc == ES_OK && code && !state)
        rc = es_plan_for_location(s, loc.id, &o, rq->who.user_id, collect_cb, &c);
    else if (rc == ES_OK)
        rc = es_plan_list(s, code ? loc.id : 0, mask, collect_cb, &c);
    if (rc || c.oom) {
        json_decref(c.a);
        es__http_store_error(rs, s, rc ? rc : ES_ENOMEM, NULL);
        return;
    }
    send_json(rs, json_pack("{s:o}", "plans", c.a));
}

/* What do_move needs of the plan asked for before moving it. */
typedef struct one_plan {
    int found;
    char key[ES_LOCATION_KEY_MAX + 1];
} one_plan;

/* Keeps the location key of the plan asked for. */
static void one_cb(const es_plan *p, void *ud)
{
    one_plan *o = ud;
    o->found = 1;
    snprintf(o->key, sizeof o->key, "%s", p->location_key ? p->location_key : "");
}

/* Answers with plan p. */
static void send_plan(const es_plan *p, void *ud)
{
    send_json(ud, es_plan_json(p));
}

/* POST /api/v1/plans/{id}/accept, /done, /dismiss. */
static void do_move(es__http_req *rq, es__http_resp *rs, es_plan_state to)
{
    int64_t id = es__http_param_id(rq, 0);
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    if (!id) {
        es__http_error(rs, 404, "no such plan");
        return;
    }
    if (!s)
        return;
    one_plan o = {0};
    es_err rc = es_plan_get(s, id, one_cb, &o);
    if (rc == ES_ENOTFOUND || (rc == ES_OK && !es__http_may_see(&rq->who, o.key))) {
        es__http_error(rs, 404, "no such plan");
        return;
    }
    int64_t now = (int64_t)time(NULL);
    if (rc == ES_OK)
        rc = to == ES_PLAN_ACCEPTED ? es_plan_accept(s, id, rq->who.user_id, now)
             : to == ES_PLAN_DONE   ? es_plan_done(s, id, rq->who.user_id, now)
                                    : es_plan_set_state(s, id, to, now, rq->who.user_id, NULL);
    if (rc == ES_EINVAL) {
        es__http_error(rs, 409, es_store_errmsg(s));
        return;
    }
    if (rc == ES_OK)
        rc = es_plan_get(s, id, send_plan, rs);
    if (rc)
        es__http_store_error(rs, s, rc, "no such plan");
}

/* The three moves, each a route's handler. */
static void do_accept(es__http_req *rq, es__http_resp *rs)
{
    do_move(rq, rs, ES_PLAN_ACCEPTED);
}

static void do_done(es__http_req *rq, es__http_resp *rs)
{
    do_move(rq, rs, ES_PLAN_DONE);
}

static void do_dismiss(es__http_req *rq, es__http_resp *rs)
{
    do_move(rq, rs, ES_PLAN_DISMISSED);
}

/* See http_int.h. */
const es__http_route es__http_routes_drivers[] = {
    {"GET", "/api/v1/drivers", ES__AUTH_USER, ES__ROLE_MANAGER, do_drivers},
    {"GET", "/api/v1/plans", ES__AUTH_USER, ES__ROLE_MANAGER, do_plans},
    {"POST", "/api/v1/plans/{}/accept", ES__AUTH_USER, ES__ROLE_MANAGER, do_accept},
    {"POST", "/api/v1/plans/{}/done", ES__AUTH_USER, ES__ROLE_MANAGER, do_done},
    {"POST", "/api/v1/plans/{}/dismiss", ES__AUTH_USER, ES__ROLE_MANAGER, do_dismiss},
    {NULL, NULL, 0, 0, NULL}};
