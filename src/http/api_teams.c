/*
 * api_teams.c - the inbox's teams and routing rules in the JSON API
 * (docs/api.md, "Cases"): list teams and their members with their load,
 * add teams and members (admin), list and add routing rules (admin). Every
 * change is audited with who made it. Called by router.c; the helpers it
 * shares with api_cases.c are in api_inbox.h.
 */
#include <stdio.h>
#include <string.h>

#include "http/api_inbox.h"
#include "inbox/inbox.h"

/* ---- teams and routing rules ---------------------------------------------------------- */

static void team_cb(const es_team *t, void *ud)
{
    es__api_page *p = ud;
    if (p->rc == ES_OK && p->written++)
        p->rc = es__buf_addc(p->b, ',');
    if (p->rc == ES_OK)
        p->rc = es__buf_printf(p->b, "{\"id\":%lld", (long long)t->id);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(p->b, "name", t->name);
    if (p->rc == ES_OK)
        p->rc = es__buf_printf(p->b, ",\"assign\":\"%s\",\"triage\":%s,\"members\":%lld}",
                               t->assign, t->triage ? "true" : "false", (long long)t->members);
}

/* GET /api/v1/teams */
static void do_teams(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es__api_page p = {.b = &rs->body, .rc = es__buf_adds(&rs->body, "{\"items\":[")};
    es_err rc = es_team_list(s, team_cb, &p);
    if (rc) {
        es__api_store_error(rs, s, rc);
        return;
    }
    es__api_page_end(rs, &p, 0, 0);
}

/* POST /api/v1/teams {"name", "assign", "triage"} (admin) */
static void do_team_add(es__http_req *rq, es__http_resp *rs)
{
    static const char *const keys[] = {"name", "assign", "triage", NULL};
    const char *name = NULL, *assign = NULL, *bad = NULL;
    json_t *j = es__api_body_object(rq, rs);
    if (!j)
        return;
    json_t *tr = json_object_get(j, "triage");
    if (!es__api_only_keys(j, keys, &bad) || !es__inbox_opt_str(j, "name", 100, &name) || !name ||
        !es__inbox_opt_str(j, "assign", 20, &assign) || (tr && !json_is_boolean(tr))) {
        es__http_error(rs, 400,
                       "the body is {\"name\": \"...\", \"assign\": \"round_robin\"|"
                       "\"least_loaded\"|\"none\", \"triage\": false}");
    } else {
        es_store_t *s = es__http_store_or_500(rq, rs);
        es_case_actor who = es__api_actor_of(rq);
        int64_t id = 0;
        es_err rc = s ? es_team_add(s, name, assign, json_is_true(tr), &who, &id) : ES_OK;
        if (s && rc) {
            es__api_store_error(rs, s, rc);
        } else if (s) {
            rs->status = 201;
            if (es__buf_printf(&rs->body, "{\"id\":%lld}\n", (long long)id))
                es__http_error(rs, 500, "out of memory");
        }
    }
    json_decref(j);
}

static void member_cb(const es_team_member *m, void *ud)
{
    es__api_page *p = ud;
    if (p->rc == ES_OK && p->written++)
        p->rc = es__buf_addc(p->b, ',');
    if (p->rc == ES_OK)
        p->rc = es__buf_printf(p->b, "{\"user_id\":%lld", (long long)m->user_id);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(p->b, "name", m->name);
    if (p->rc == ES_OK)
        p->rc = es__buf_printf(p->b, ",\"capacity\":%d,\"load\":%lld}", m->capacity,
                               (long long)m->load);
}

/* GET /api/v1/teams/{}/members */
static void do_members(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    if (!id)
        es__http_error(rs, 404, "not found");
    if (!s)
        return;
    es__api_page p = {.b = &rs->body, .rc = es__buf_adds(&rs->body, "{\"items\":[")};
    es_err rc = es_team_members(s, id, member_cb, &p);
    if (rc) {
        es__api_store_error(rs, s, rc);
        return;
    }
    es__api_page_end(rs, &p, 0, 0);
}

/* POST /api/v1/teams/{}/members {"user_id", "capacity"} (admin) */
static void do_member_add(es__http_req *rq, es__http_resp *rs)
{
    static const char *const keys[] = {"user_id", "capacity", NULL};
    const char *bad = NULL;
    int64_t team = es__http_param_id(rq, 0), user = 0;
    if (!team) {
        es__http_error(rs, 404, "not found");
        return;
    }
    json_t *j = es__api_body_object(rq, rs);
    if (!j)
        return;
    json_t *cap = json_object_get(j, "capacity");
    if (!es__api_only_keys(j, keys, &bad) || !es__inbox_opt_id(j, "user_id", &user) || user <= 0 ||
        (cap && (!json_is_integer(cap) || json_integer_value(cap) < 1 ||
                 json_integer_value(cap) > 10000))) {
        es__http_error(rs, 400, "the body is {\"user_id\": ID, \"capacity\": 1..10000}");
    } else {
        es_store_t *s = es__http_store_or_500(rq, rs);
        es_case_actor who = es__api_actor_of(rq);
        es_err rc =
            s ? es_team_member_add(s, team, user, cap ? (int)json_integer_value(cap) : 0, &who)
              : ES_OK;
        if (s && rc)
            es__api_store_error(rs, s, rc);
        else if (s && es__buf_adds(&rs->body, "{\"ok\":true}\n"))
            es__http_error(rs, 500, "out of memory");
    }
    json_decref(j);
}

static void route_cb(const es_route_rule *r, void *ud)
{
    es__api_page *p = ud;
    es__buf *b = p->b;
    if (p->rc == ES_OK && p->written++)
        p->rc = es__buf_addc(b, ',');
    if (p->rc == ES_OK)
        p->rc = es__buf_printf(b, "{\"id\":%lld,\"priority\":%d,\"team_id\":%lld", (long long)r->id,
                               r->priority, (long long)r->team_id);
    const char *names[] = {"name", "intent", "topic", "keyword", "location", "lang", "department"};
    const char *vals[] = {r->name,     r->intent, r->topic,     r->keyword,
                          r->location, r->lang,   r->department};
    for (size_t i = 0; p->rc == ES_OK && i < 7; i++)
        p->rc = es__api_str_field(b, names[i], vals[i]);
    if (p->rc == ES_OK)
        p->rc = es__api_id_or_null(b, "query_id", r->query_id);
    if (p->rc == ES_OK)
        p->rc = es__api_id_or_null(b, "brand_id", r->brand_id);
    if (p->rc == ES_OK)
        p->rc = es__buf_addc(b, '}');
}

/* GET /api/v1/routes (admin) */
static void do_routes(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es__api_page p = {.b = &rs->body, .rc = es__buf_adds(&rs->body, "{\"items\":[")};
    es_err rc = es_route_list(s, route_cb, &p);
    if (rc) {
        es__api_store_error(rs, s, rc);
        return;
    }
    es__api_page_end(rs, &p, 0, 0);
}

/* POST /api/v1/routes {"team_id", "priority", "name", conditions...} (admin) */
static void do_route_add(es__http_req *rq, es__http_resp *rs)
{
    static const char *const keys[] = {"team_id",  "priority", "name",       "intent",
                                       "topic",    "keyword",  "query_id",   "brand_id",
                                       "location", "lang",     "department", NULL};
    const char *bad = NULL;
    es_route_rule r = {.priority = 100};
    json_t *j = es__api_body_object(rq, rs);
    if (!j)
        return;
    json_t *pr = json_object_get(j, "priority");
    int ok = es__api_only_keys(j, keys, &bad) && es__inbox_opt_id(j, "team_id", &r.team_id) && r.team_id > 0 &&
             es__inbox_opt_id(j, "query_id", &r.query_id) && es__inbox_opt_id(j, "brand_id", &r.brand_id) &&
             es__inbox_opt_str(j, "name", 100, &r.name) && es__inbox_opt_str(j, "intent", 16, &r.intent) &&
             es__inbox_opt_str(j, "topic", 64, &r.topic) && es__inbox_opt_str(j, "keyword", 200, &r.keyword) &&
             es__inbox_opt_str(j, "location", 256, &r.location) && es__inbox_opt_str(j, "lang", 35, &r.lang) &&
             es__inbox_opt_str(j, "department", 64, &r.department) &&
             (!pr || (json_is_integer(pr) && json_integer_value(pr) >= 0 &&
                      json_integer_value(pr) <= 1000000));
    if (!ok) {
        es__http_error(rs, 400,
                       "the body is {\"team_id\": ID, \"priority\": N, and conditions: "
                       "intent, topic, keyword, query_id, brand_id, location, lang, "
                       "department}");
    } else {
        if (pr)
            r.priority = (int)json_integer_value(pr);
        es_store_t *s = es__http_store_or_500(rq, rs);
        es_case_actor who = es__api_actor_of(rq);
        int64_t id = 0;
        es_err rc = s ? es_route_add(s, &r, &who, &id) : ES_OK;
        if (s && rc) {
            es__api_store_error(rs, s, rc);
        } else if (s) {
            rs->status = 201;
            if (es__buf_printf(&rs->body, "{\"id\":%lld}\n", (long long)id))
                es__http_error(rs, 500, "out of memory");
        }
    }
    json_decref(j);
}

/* ---- the route table ------------------------------------------------------------------- */

const es__http_route es__http_routes_teams[] = {
    {"GET", "/api/v1/teams", ES__AUTH_USER, ES__ROLE_VIEWER, do_teams},
    {"POST", "/api/v1/teams", ES__AUTH_USER, ES__ROLE_ADMIN, do_team_add},
    {"GET", "/api/v1/teams/{}/members", ES__AUTH_USER, ES__ROLE_VIEWER, do_members},
    {"POST", "/api/v1/teams/{}/members", ES__AUTH_USER, ES__ROLE_ADMIN, do_member_add},
    {"GET", "/api/v1/routes", ES__AUTH_USER, ES__ROLE_ADMIN, do_routes},
    {"POST", "/api/v1/routes", ES__AUTH_USER, ES__ROLE_ADMIN, do_route_add},
    {NULL, NULL, 0, 0, NULL},
};
