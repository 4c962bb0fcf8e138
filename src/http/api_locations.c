/*
 * api_locations.c - the organisation's places in the JSON API (V1), as the
 * route table es__http_routes_locations that router.c walks: locations
 * listed a page at a time and read within the caller's scope, added and
 * changed by admins, exported and imported as CSV; regions and the
 * organisation. The work is the store's (location.h); authentication,
 * roles and CSRF are checked by the router. docs/api.md, section
 * "Locations", is the reference.
 *
 * Scope: a manager, agent or viewer scoped to locations lists only those
 * (filtered in SQL) and gets 404 for any other location, whatever id is
 * sent, the same answer as for a missing one.
 */
#include <jansson.h>
#include <string.h>

#include "earshot/location.h"
#include "http/http_int.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000
#define NOT_FOUND "no such location"

/* ---- helpers ------------------------------------------------------------------ */

/* Sends j (taken) as the body with status; 500 when it cannot be written. */
static void send_json(es__http_resp *rs, unsigned status, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text || es__buf_adds(&rs->body, text)) {
        es__buf_reset(&rs->body);
        es__http_error(rs, 500, "the answer is too large");
    } else {
        rs->status = status;
    }
    free(text);
}

/* A string or JSON null. */
static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* A location as JSON. */
static json_t *location_json(const es_location *l)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:b,s:I}", "id", (json_int_t)l->id, "key",
                     l->key, "code", l->code, "name", l->name, "region", l->region ? l->region : "",
                     "tz", l->tz, "review_url", str_or_null(l->review_url), "disabled",
                     l->disabled, "created", (json_int_t)l->created);
}

/* The caller's scope as a location filter. */
static void scope(const es__http_req *rq, es_location_filter *f)
{
    f->all_locations = rq->who.all_locations;
    f->locations = rq->who.locations;
    f->n_locations = rq->who.n_locations;
}

/* Parses the body as a JSON object; answers 400 and returns NULL if not. */
static json_t *body_object(es__http_req *rq, es__http_resp *rs)
{
    json_error_t err;
    json_t *j = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        es__http_error(rs, 400, "the body must be a JSON object");
        return NULL;
    }
    return j;
}

/* ---- locations ------------------------------------------------------------------ */

typedef struct page {
    json_t *items;
    int64_t last;
    size_t n;
} page;

static void page_cb(const es_location *l, void *ud)
{
    page *p = ud;
    json_array_append_new(p->items, location_json(l));
    p->last = l->id;
    p->n++;
}

static void do_list(es__http_req *rq, es__http_resp *rs)
{
    size_t limit, cursor;
    const char *dis = es__http_arg(rq, "disabled");
    if (!es__http_arg_size(rq, "limit", PAGE_DEFAULT, PAGE_MAX, &limit) || limit == 0 ||
        !es__http_arg_size(rq, "cursor", 0, (size_t)1 << 62, &cursor) ||
        (dis && strcmp(dis, "include") != 0)) {
        es__http_error(rs, 400, "limit is 1 to 1000; cursor is a location id; disabled=include");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_location_filter f = {.region = es__http_arg(rq, "region"), .after_id = (int64_t)cursor,
                            .limit = limit, .include_disabled = dis != NULL};
    scope(rq, &f);
    page p = {json_array(), 0, 0};
    es_err rc = es_location_list(s, &f, page_cb, &p);
    if (rc) {
        json_decref(p.items);
        es__http_store_error(rs, s, rc, NOT_FOUND);
        return;
    }
    json_t *next = p.n == limit ? json_sprintf("%lld", (long long)p.last) : json_null();
    send_json(rs, 200, json_pack("{s:o,s:o}", "items", p.items, "next", next));
}

typedef struct one {
    const es__http_req *rq;
    json_t *j;
    char key[ES_LOCATION_KEY_MAX + 1];
} one;

static void one_cb(const es_location *l, void *ud)
{
    one *o = ud;
    if (!es__http_may_see(&o->rq->who, l->key))
        return;
    o->j = location_json(l);
    snprintf(o->key, sizeof o->key, "%s", l->key);
}

static void manager_cb(const es_location_manager *m, void *ud)
{
    json_array_append_new(ud, json_pack("{s:I,s:s,s:o,s:o}", "id", (json_int_t)m->user_id,
                                        "name", m->name, "email", str_or_null(m->email), "phone",
                                        str_or_null(m->phone)));
}

/* Answers location id with its managers, or 404 outside the scope. */
static void answer(es__http_req *rq, es__http_resp *rs, es_store_t *s, int64_t id)
{
    one o = {rq, NULL, ""};
    es_err rc = es_location_get(s, id, one_cb, &o);
    if (!rc && !o.j)
        rc = ES_ENOTFOUND;
    json_t *mgrs = json_array();
    if (!rc)
        rc = es_location_managers(s, o.key, manager_cb, mgrs);
    if (rc) {
        json_decref(o.j);
        json_decref(mgrs);
        es__http_store_error(rs, s, rc, NOT_FOUND);
        return;
    }
    json_object_set_new(o.j, "managers", mgrs);
    send_json(rs, 200, o.j);
}

static void do_get(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    if (!id)
        es__http_error(rs, 404, NOT_FOUND);
    if (s)
        answer(rq, rs, s, id);
}

/* Reads the members of a location's body; 0 with *why on error. */
static int fields(json_t *j, es_location *l, es_location_change *c, const char **why)
{
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        const char *sv = json_string_value(v);
        if (strcmp(key, "disabled") == 0) {
            if (!json_is_boolean(v))
                return *why = "disabled is true or false", 0;
            l->disabled = c->disabled = json_is_true(v);
            c->set_disabled = 1;
            continue;
        }
        if (!sv && !(json_is_null(v) && strcmp(key, "review_url") == 0))
            return *why = "key, code, name, tz and review_url are strings", 0;
        if (strcmp(key, "key") == 0 && l)
            l->key = sv;
        else if (strcmp(key, "code") == 0)
            l->code = c->code = sv;
        else if (strcmp(key, "name") == 0)
            l->name = c->name = sv;
        else if (strcmp(key, "tz") == 0)
            l->tz = c->tz = sv;
        else if (strcmp(key, "review_url") == 0)
            l->review_url = c->review_url = sv ? sv : "";
        else
            return *why = "unknown member (key on creation; code, name, tz, review_url, "
                          "disabled)", 0;
    }
    return 1;
}

static void do_add(es__http_req *rq, es__http_resp *rs)
{
    json_t *j = body_object(rq, rs);
    if (!j)
        return;
    es_location l = {0};
    es_location_change c = {0};
    const char *why = NULL;
    if (!fields(j, &l, &c, &why)) {
        es__http_error(rs, 400, why);
        json_decref(j);
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    int64_t id = 0;
    es_err rc = s ? es_location_add(s, &l, rq->who.user_id, &id) : ES_OK;
    json_decref(j);
    if (s && rc)
        es__http_store_error(rs, s, rc, NOT_FOUND);
    else if (s) {
        answer(rq, rs, s, id);
        if (rs->status == 200)
            rs->status = 201;
    }
}

static void do_patch(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    if (!id) {
        es__http_error(rs, 404, NOT_FOUND);
        return;
    }
    json_t *j = body_object(rq, rs);
    if (!j)
        return;
    es_location l = {0};
    es_location_change c = {0};
    const char *why = NULL;
    int ok = fields(j, &l, &c, &why);
    if (ok && l.key)
        ok = 0, why = "the key of a location never changes";
    es_store_t *s = ok ? es__http_store_or_500(rq, rs) : NULL;
    es_err rc = s ? es_location_update(s, id, &c, rq->who.user_id) : ES_OK;
    json_decref(j);
    if (!ok)
        es__http_error(rs, 400, why);
    else if (s && rc)
        es__http_store_error(rs, s, rc, NOT_FOUND);
    else if (s)
        answer(rq, rs, s, id);
}

/* ---- CSV --------------------------------------------------------------------------- */

static int csv_out(void *ud, const char *bytes, size_t n)
{
    return es__buf_add(ud, bytes, n) != ES_OK;
}

static void do_export(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_location_filter f = {.region = es__http_arg(rq, "region"), .include_disabled = 1};
    scope(rq, &f);
    es_err rc = es_location_export_csv(s, &f, csv_out, &rs->body);
    if (rc) {
        es__buf_reset(&rs->body);
        es__http_store_error(rs, s, rc == ES_EIO ? ES_EDB : rc, NOT_FOUND);
        return;
    }
    rs->type = "text/csv; charset=utf-8";
    es__http_header_add(rs, "Content-Disposition", "attachment; filename=\"locations.csv\"");
}

static void do_import(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    char err[300];
    es_location_import_result r = {0};
    es_err rc = es_location_import_csv(s, rq->body, rq->body_len, rq->who.user_id, &r, err,
                                       sizeof err);
    if (rc == ES_EBUSY || rc == ES_EDB || rc == ES_ENOMEM) {
        es__http_store_error(rs, s, rc, NOT_FOUND);
        return;
    }
    if (rc) {
        es__http_error(rs, rc == ES_EEXIST ? 409 : 400, err);
        return;
    }
    send_json(rs, 200, json_pack("{s:I,s:I,s:I}", "added", (json_int_t)r.added, "updated",
                                 (json_int_t)r.updated, "unchanged", (json_int_t)r.unchanged));
}

/* ---- regions and the organisation -------------------------------------------------- */

typedef struct regions {
    const es__http_req *rq;
    json_t *items;
} regions;

/* A scoped caller sees the regions above and below its scope entries. */
static void region_cb(const es_region *g, void *ud)
{
    regions *r = ud;
    const es__http_who *w = &r->rq->who;
    int see = w->all_locations;
    for (size_t i = 0; !see && i < w->n_locations; i++)
        see = es_user_scope_covers(w->locations[i], g->path) ||
              strncmp(w->locations[i], g->path, strlen(g->path)) == 0;
    if (see)
        json_array_append_new(r->items, json_pack("{s:s,s:s,s:I}", "path", g->path, "name",
                                                  g->name, "locations",
                                                  (json_int_t)g->n_locations));
}

static void do_regions(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    regions r = {rq, json_array()};
    es_err rc = es_region_list(s, region_cb, &r);
    if (rc) {
        json_decref(r.items);
        es__http_store_error(rs, s, rc, "no such region");
        return;
    }
    send_json(rs, 200, json_pack("{s:o,s:n}", "items", r.items, "next"));
}

static void do_org(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    char name[ES_LOCATION_NAME_MAX + 1];
    es_err rc = s ? es_org_name(s, name, sizeof name) : ES_OK;
    if (s && rc)
        es__http_store_error(rs, s, rc, NULL);
    else if (s)
        send_json(rs, 200, json_pack("{s:s}", "name", name));
}

/* See http_int.h. */
const es__http_route es__http_routes_locations[] = {
    {"GET", "/api/v1/locations", ES__AUTH_USER, ES__ROLE_VIEWER, do_list},
    {"GET", "/api/v1/locations.csv", ES__AUTH_USER, ES__ROLE_VIEWER, do_export},
    {"POST", "/api/v1/locations", ES__AUTH_USER, ES__ROLE_ADMIN, do_add},
    {"POST", "/api/v1/locations/import", ES__AUTH_USER, ES__ROLE_ADMIN, do_import},
    {"GET", "/api/v1/locations/{}", ES__AUTH_USER, ES__ROLE_VIEWER, do_get},
    {"PATCH", "/api/v1/locations/{}", ES__AUTH_USER, ES__ROLE_ADMIN, do_patch},
    {"GET", "/api/v1/regions", ES__AUTH_USER, ES__ROLE_VIEWER, do_regions},
    {"GET", "/api/v1/organisation", ES__AUTH_USER, ES__ROLE_VIEWER, do_org},
    {NULL, NULL, 0, 0, NULL}};
