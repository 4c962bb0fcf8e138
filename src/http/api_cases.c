/*
 * api_cases.c - the inbox part of the JSON API (P2, C1-C3, C6), as the route
 * table es__http_routes_cases that router.c walks: cases (list with filters,
 * an agent's next cases, one case, its mentions, notes and audit trail,
 * changes, merges) and customers; teams and routing rules are in
 * api_teams.c, which shares this file's helpers (api_inbox.h). The work is
 * done by the store's inbox part (cases.h); authentication and the role
 * check by the router (auth.c) before a handler runs.
 *
 * Location scope: every read and change passes the caller's locations to
 * the store, which filters in SQL; a case or customer outside the scope is
 * answered 404 exactly like one that does not exist, so ids do not leak.
 * Viewers read; agents and up change cases; admins manage teams and rules.
 * docs/api.md, section "Cases", is the reference.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "earshot/cases.h"
#include "http/api_inbox.h"
#include "http/http_int.h"
#include "inbox/inbox.h"


/* ---- helpers --------------------------------------------------------------------- */

/* Answers a store error (router.c). */
void es__api_store_error(es__http_resp *rs, es_store_t *s, es_err rc)
{
    es__http_store_error(rs, s, rc, "not found");
}


/* The caller's location scope (NULL: every location). */
static const es_case_scope *scope_of(const es__http_req *rq, es_case_scope *sc)
{
    if (rq->who.all_locations)
        return NULL;
    sc->all = 0;
    sc->locations = rq->who.locations;
    sc->n = rq->who.n_locations;
    return sc;
}

/* See api_inbox.h. */
es_case_actor es__api_actor_of(const es__http_req *rq)
{
    es_case_actor a = {rq->who.user_id, rq->who.token_id};
    return a;
}

/* A decimal id in [1, 2^62), or 0. */
static int64_t parse_id(const char *v)
{
    if (!v || *v < '1' || *v > '9' || strlen(v) > 18)
        return 0;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    return *end ? 0 : (int64_t)n;
}

/* The body as a JSON object (sent as application/json), or NULL with the
 * error answered. Free with json_decref. */
json_t *es__api_body_object(es__http_req *rq, es__http_resp *rs)
{
    const char *ct = rq->conn ? es__http_header(rq, "Content-Type") : "application/json";
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        es__http_error(rs, 415, "the body must be sent as application/json");
        return NULL;
    }
    json_error_t e;
    json_t *j = rq->body ? json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &e) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        es__http_error(rs, 400, "the body must be a JSON object");
        return NULL;
    }
    return j;
}

/* 1 when every key of j is one of names (NULL-terminated). */
int es__api_only_keys(json_t *j, const char *const *names, const char **bad)
{
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        size_t i = 0;
        while (names[i] && strcmp(names[i], k) != 0)
            i++;
        if (!names[i]) {
            *bad = k;
            return 0;
        }
    }
    return 1;
}


/* ---- JSON writers ----------------------------------------------------------------- */


/* See api_inbox.h. */
es_err es__api_id_or_null(es__buf *b, const char *name, int64_t v)
{
    return v > 0 ? es__buf_printf(b, ",\"%s\":%lld", name, (long long)v)
                 : es__buf_printf(b, ",\"%s\":null", name);
}

/* See api_inbox.h. */
es_err es__api_str_field(es__buf *b, const char *name, const char *v)
{
    es_err rc = es__buf_printf(b, ",\"%s\":", name);
    return rc ? rc : es__http_json_str(b, v);
}

/* "a,b" -> ["a","b"]. */
static es_err tags_json(es__buf *b, const char *tags)
{
    es_err rc = es__buf_adds(b, ",\"tags\":[");
    for (const char *p = tags; rc == ES_OK && p && *p;) {
        size_t n = strcspn(p, ",");
        char t[80];
        if (n >= sizeof t)
            n = sizeof t - 1;
        memcpy(t, p, n);
        t[n] = '\0';
        if (p != tags)
            rc = es__buf_addc(b, ',');
        if (rc == ES_OK)
            rc = es__http_json_str(b, t);
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    return rc ? rc : es__buf_addc(b, ']');
}

static es_err case_json(es__buf *b, const es_case *c)
{
    es_err rc = es__buf_printf(b,
                               "{\"id\":%lld,\"status\":\"%s\",\"priority\":%d,"
                               "\"rank\":%.3f,\"severity\":%.3f",
                               (long long)c->id, es_case_status_name(c->status), c->priority,
                               c->rank, c->severity);
    if (rc == ES_OK)
        rc = es__api_str_field(b, "source", c->source);
    if (rc == ES_OK)
        rc = es__api_str_field(b, "location", c->location);
    if (rc == ES_OK)
        rc = es__api_id_or_null(b, "brand_id", c->brand_id);
    if (rc == ES_OK)
        rc = es__api_str_field(b, "brand", c->brand);
    if (rc == ES_OK)
        rc = es__api_str_field(b, "subject", c->subject);
    if (rc == ES_OK)
        rc = es__api_id_or_null(b, "team_id", c->team_id);
    if (rc == ES_OK)
        rc = es__api_str_field(b, "team", c->team);
    if (rc == ES_OK)
        rc = es__api_id_or_null(b, "assignee_id", c->assignee_id);
    if (rc == ES_OK)
        rc = es__api_str_field(b, "assignee", c->assignee);
    if (rc == ES_OK)
        rc = es__api_id_or_null(b, "customer_id", c->customer_id);
    if (rc == ES_OK)
        rc = es__api_str_field(b, "customer", c->customer_name);
    if (rc == ES_OK)
        rc = es__buf_printf(b, ",\"sentiment\":\"%s\",\"intent\":\"%s\"",
                            es_polarity_name(c->sentiment), es_intent_name(c->intent));
    if (rc == ES_OK)
        rc = es__api_str_field(b, "department", c->department);
    if (rc == ES_OK)
        rc = tags_json(b, c->tags);
    if (rc == ES_OK)
        rc = es__buf_printf(b, ",\"created\":%lld,\"updated\":%lld,\"last_customer_at\":%lld",
                            (long long)c->created, (long long)c->updated,
                            (long long)c->last_customer_at);
    if (rc == ES_OK)
        rc = es__api_id_or_null(b, "first_response_at", c->first_response_at);
    if (rc == ES_OK)
        rc = es__api_id_or_null(b, "resolved_at", c->resolved_at);
    if (rc == ES_OK)
        rc = es__api_id_or_null(b, "sla_due", c->sla_due);
    if (rc == ES_OK)
        rc = es__api_id_or_null(b, "merged_into", c->merged_into);
    if (rc == ES_OK)
        rc = es__buf_printf(b, ",\"mentions\":%lld", (long long)c->mentions);
    if (rc == ES_OK)
        rc = c->followers >= 0 ? es__buf_printf(b, ",\"followers\":%lld}", (long long)c->followers)
                               : es__buf_adds(b, ",\"followers\":null}");
    return rc;
}

static void page_case(const es_case *c, void *ud)
{
    es__api_page *p = ud;
    if (p->rc == ES_OK && p->written++)
        p->rc = es__buf_addc(p->b, ',');
    if (p->rc == ES_OK)
        p->rc = case_json(p->b, c);
}

static void page_mention(const es_mention_row *r, void *ud)
{
    es__api_page *p = ud;
    const es_mention_t *m = &r->m;
    es__buf *b = p->b;
    if (p->max && p->written == p->max) {
        p->more = 1;
        return;
    }
    if (p->rc == ES_OK && p->written++)
        p->rc = es__buf_addc(b, ',');
    if (p->rc == ES_OK)
        p->rc = es__buf_printf(b, "{\"id\":%lld", (long long)r->id);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(b, "source", m->source);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(b, "external_id", m->external_id);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(b, "author", m->author);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(b, "author_name", m->author_name);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(b, "text", m->text);
    if (p->rc == ES_OK)
        p->rc = es__buf_printf(b,
                               ",\"created_at\":%lld,\"compound\":%.4f,\"sentiment\":\"%s\","
                               "\"intent\":\"%s\"",
                               (long long)m->created_at, m->sentiment.compound,
                               es_polarity_name(m->sentiment.label), es_intent_name(m->intent));
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(b, "location", m->location);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(b, "reply_to", m->reply_to);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(b, "duplicate_of", m->duplicate_of);
    if (p->rc == ES_OK)
        p->rc = m->followers >= 0
                    ? es__buf_printf(b, ",\"followers\":%lld}", (long long)m->followers)
                    : es__buf_adds(b, ",\"followers\":null}");
}

static void page_note(const es_case_note *n, void *ud)
{
    es__api_page *p = ud;
    if (p->rc == ES_OK && p->written++)
        p->rc = es__buf_addc(p->b, ',');
    if (p->rc == ES_OK)
        p->rc =
            es__buf_printf(p->b, "{\"id\":%lld,\"at\":%lld", (long long)n->id, (long long)n->at);
    if (p->rc == ES_OK)
        p->rc = es__api_id_or_null(p->b, "user_id", n->user_id);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(p->b, "author", n->author);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(p->b, "text", n->text);
    if (p->rc == ES_OK)
        p->rc = es__buf_addc(p->b, '}');
}

static void page_audit(const es_audit_entry *e, void *ud)
{
    es__api_page *p = ud;
    if (p->rc == ES_OK && p->written++)
        p->rc = es__buf_addc(p->b, ',');
    if (p->rc == ES_OK)
        p->rc =
            es__buf_printf(p->b, "{\"id\":%lld,\"at\":%lld", (long long)e->id, (long long)e->at);
    if (p->rc == ES_OK)
        p->rc = es__api_id_or_null(p->b, "user_id", e->user_id);
    if (p->rc == ES_OK)
        p->rc = es__api_id_or_null(p->b, "token_id", e->token_id);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(p->b, "action", e->action);
    /* detail is JSON text as the part that wrote it made it: a string */
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(p->b, "detail", e->detail);
    if (p->rc == ES_OK)
        p->rc = es__buf_addc(p->b, '}');
}

/* Finishes {"items":[... with "next" (an offset as a string, or null). */
void es__api_page_end(es__http_resp *rs, es__api_page *p, int more, size_t next)
{
    if (p->rc == ES_OK)
        p->rc = more ? es__buf_printf(p->b, "],\"next\":\"%zu\"}\n", next)
                     : es__buf_adds(p->b, "],\"next\":null}\n");
    if (p->rc)
        es__http_error(rs, 500, "the answer is too large");
}

/* Answers one case read back (after a change), status 200. */
static void answer_case(es__http_req *rq, es__http_resp *rs, es_store_t *s, int64_t id)
{
    es_case_scope sc;
    es__api_page p = {.b = &rs->body, .rc = ES_OK};
    es__buf_reset(&rs->body);
    es_err rc = es_case_get(s, id, scope_of(rq, &sc), 0, page_case, &p);
    if (rc) {
        es__api_store_error(rs, s, rc);
        return;
    }
    if (p.rc == ES_OK)
        p.rc = es__buf_addc(&rs->body, '\n');
    if (p.rc)
        es__http_error(rs, 500, "out of memory");
}

/* ---- cases ------------------------------------------------------------------------ */

/* GET /api/v1/cases?status=&team=&assignee=&location=&brand=&q=&limit=&offset= */
static void do_list(es__http_req *rq, es__http_resp *rs)
{
    es_case_filter f = {0};
    es_case_scope sc;
    size_t limit, offset;
    const char *off = es__http_arg(rq, "offset") ? "offset" : "cursor";
    if (!es__http_arg_size(rq, "limit", ES__API_PAGE_DEFAULT, ES__API_PAGE_MAX, &limit) || limit == 0 ||
        !es__http_arg_size(rq, off, 0, 1u << 30, &offset)) {
        es__http_error(rs, 400, "limit is 1 to 500; offset a number");
        return;
    }
    const char *team = es__http_arg(rq, "team"), *who = es__http_arg(rq, "assignee");
    if ((team && !(f.team_id = parse_id(team))) ||
        (who && strcmp(who, "none") != 0 && !(f.assignee_id = parse_id(who)))) {
        es__http_error(rs, 400, "team and assignee are ids (assignee=none: unassigned)");
        return;
    }
    if (who && strcmp(who, "none") == 0)
        f.assignee_id = -1;
    const char *cust = es__http_arg(rq, "customer");
    if (cust && !(f.customer_id = parse_id(cust))) {
        es__http_error(rs, 400, "customer is an id");
        return;
    }
    f.status = es__http_arg(rq, "status");
    f.location = es__http_arg(rq, "location");
    f.brand = es__http_arg(rq, "brand");
    f.q = es__http_arg(rq, "q");
    f.limit = limit;
    f.offset = offset;
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es__api_page p = {.b = &rs->body, .rc = es__buf_adds(&rs->body, "{\"items\":[")};
    int more = 0;
    es_err rc = es_case_list(s, &f, scope_of(rq, &sc), 0, page_case, &p, &more);
    if (rc) {
        es__api_store_error(rs, s, rc);
        return;
    }
    es__api_page_end(rs, &p, more, offset + limit);
}

/* GET /api/v1/cases/next?limit=50: the caller's next cases. */
static void do_next(es__http_req *rq, es__http_resp *rs)
{
    size_t limit;
    es_case_scope sc;
    if (!es__http_arg_size(rq, "limit", ES__API_PAGE_DEFAULT, ES__API_PAGE_MAX, &limit) || limit == 0) {
        es__http_error(rs, 400, "limit is 1 to 500");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es__api_page p = {.b = &rs->body, .rc = es__buf_adds(&rs->body, "{\"items\":[")};
    /* a machine token has no queue of its own: an empty list */
    es_err rc = rq->who.user_id
                    ? es_case_next(s, rq->who.user_id, scope_of(rq, &sc), limit, 0, page_case, &p)
                    : ES_OK;
    if (rc) {
        es__api_store_error(rs, s, rc);
        return;
    }
    es__api_page_end(rs, &p, 0, 0);
}

/* GET /api/v1/cases/{} */
static void do_get(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    if (!id)
        es__http_error(rs, 404, "not found");
    if (s)
        answer_case(rq, rs, s, id);
}

/* GET /api/v1/cases/{}/mentions?limit=&offset= */
static void do_mentions(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    size_t limit, offset;
    es_case_scope sc;
    if (!es__http_arg_size(rq, "limit", 200, ES__API_PAGE_MAX, &limit) || limit == 0 ||
        !es__http_arg_size(rq, "offset", 0, 1u << 30, &offset)) {
        es__http_error(rs, 400, "limit is 1 to 500; offset a number");
        return;
    }
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    if (!id)
        es__http_error(rs, 404, "not found");
    if (!s)
        return;
    es__api_page p = {.b = &rs->body, .rc = es__buf_adds(&rs->body, "{\"items\":["), .max = limit};
    /* one more than asked, to know whether a next page exists */
    es_err rc = es_case_mentions(s, id, scope_of(rq, &sc), limit + 1, offset, page_mention, &p);
    if (rc) {
        es__api_store_error(rs, s, rc);
        return;
    }
    es__api_page_end(rs, &p, p.more, offset + limit);
}

/* PATCH /api/v1/cases/{}: status, assignee_id, team_id, priority, tags
 * ({"add": [...], "remove": [...]}), sentiment, intent, department (parsed
 * by src/inbox/patch.c). */
static void do_patch(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es__case_patch p;
    es_case_scope sc;
    const char *why = NULL;
    const char *ct = rq->conn ? es__http_header(rq, "Content-Type") : "application/json";
    if (!id) {
        es__http_error(rs, 404, "not found");
        return;
    }
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        es__http_error(rs, 415, "the body must be sent as application/json");
        return;
    }
    if (es__inbox_patch_parse(rq->body, rq->body_len, &p, &why)) {
        es__http_error(rs, 400, why);
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (s) {
        es_case_actor who = es__api_actor_of(rq);
        es_err rc = es_case_update(s, id, scope_of(rq, &sc), &p.c, &who, 0);
        if (rc)
            es__api_store_error(rs, s, rc);
        else
            answer_case(rq, rs, s, id);
    }
    es__inbox_patch_free(&p);
}

/* POST /api/v1/cases/{}/notes {"text": "..."} */
static void do_note(es__http_req *rq, es__http_resp *rs)
{
    static const char *const keys[] = {"text", NULL};
    int64_t id = es__http_param_id(rq, 0), nid = 0;
    const char *text = NULL, *bad = NULL;
    es_case_scope sc;
    if (!id) {
        es__http_error(rs, 404, "not found");
        return;
    }
    json_t *j = es__api_body_object(rq, rs);
    if (!j)
        return;
    if (!es__api_only_keys(j, keys, &bad) || !es__inbox_opt_str(j, "text", 8192, &text) || !text || !*text) {
        es__http_error(rs, 400, "the body is {\"text\": \"...\"} (1 to 8192 bytes)");
    } else {
        es_store_t *s = es__http_store_or_500(rq, rs);
        es_case_actor who = es__api_actor_of(rq);
        es_err rc = s ? es_case_note_add(s, id, scope_of(rq, &sc), &who, text, 0, &nid) : ES_OK;
        if (s && rc)
            es__api_store_error(rs, s, rc);
        else if (s) {
            rs->status = 201;
            if (es__buf_printf(&rs->body, "{\"id\":%lld,\"case_id\":%lld}\n", (long long)nid,
                               (long long)id))
                es__http_error(rs, 500, "out of memory");
        }
    }
    json_decref(j);
}

/* GET /api/v1/cases/{}/notes */
static void do_notes(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_case_scope sc;
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    if (!id)
        es__http_error(rs, 404, "not found");
    if (!s)
        return;
    es__api_page p = {.b = &rs->body, .rc = es__buf_adds(&rs->body, "{\"items\":[")};
    es_err rc = es_case_notes(s, id, scope_of(rq, &sc), page_note, &p);
    if (rc) {
        es__api_store_error(rs, s, rc);
        return;
    }
    es__api_page_end(rs, &p, 0, 0);
}

/* POST /api/v1/cases/{}/merge {"case_id": B} (B into this case), and
 * POST /api/v1/customers/{}/merge {"customer_id": B}. */
static void merge(es__http_req *rq, es__http_resp *rs, int customers)
{
    const char *key = customers ? "customer_id" : "case_id";
    const char *const keys[] = {key, NULL};
    const char *bad = NULL;
    int64_t into = es__http_param_id(rq, 0), from = 0;
    es_case_scope sc;
    if (!into) {
        es__http_error(rs, 404, "not found");
        return;
    }
    json_t *j = es__api_body_object(rq, rs);
    if (!j)
        return;
    if (!es__api_only_keys(j, keys, &bad) || !es__inbox_opt_id(j, key, &from) || from <= 0) {
        es__http_error(rs, 400,
                       customers ? "the body is {\"customer_id\": ID}"
                                 : "the body is {\"case_id\": ID}");
    } else {
        es_store_t *s = es__http_store_or_500(rq, rs);
        es_case_actor who = es__api_actor_of(rq);
        es_err rc = !s          ? ES_OK
                    : customers ? es_customer_merge(s, into, from, scope_of(rq, &sc), &who, 0)
                                : es_case_merge(s, into, from, scope_of(rq, &sc), &who, 0);
        if (s && rc)
            es__api_store_error(rs, s, rc);
        else if (s && es__buf_printf(&rs->body, "{\"into\":%lld,\"merged\":%lld}\n",
                                     (long long)into, (long long)from))
            es__http_error(rs, 500, "out of memory");
    }
    json_decref(j);
}

static void do_merge(es__http_req *rq, es__http_resp *rs)
{
    merge(rq, rs, 0);
}

static void do_customer_merge(es__http_req *rq, es__http_resp *rs)
{
    merge(rq, rs, 1);
}

/* GET /api/v1/cases/{}/audit?limit= */
static void do_audit(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    size_t limit;
    es_case_scope sc;
    if (!es__http_arg_size(rq, "limit", 100, ES__API_PAGE_MAX, &limit) || limit == 0) {
        es__http_error(rs, 400, "limit is 1 to 500");
        return;
    }
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    if (!id)
        es__http_error(rs, 404, "not found");
    if (!s)
        return;
    es__api_page p = {.b = &rs->body, .rc = es__buf_adds(&rs->body, "{\"items\":[")};
    es_err rc = es_case_audit(s, id, scope_of(rq, &sc), limit, page_audit, &p);
    if (rc) {
        es__api_store_error(rs, s, rc);
        return;
    }
    es__api_page_end(rs, &p, 0, 0);
}

/* ---- customers --------------------------------------------------------------------- */

static void customer_cb(const es_customer *c, void *ud)
{
    es__api_page *p = ud;
    es__buf *b = p->b;
    p->rc = es__buf_printf(b, "{\"id\":%lld", (long long)c->id);
    if (p->rc == ES_OK)
        p->rc = es__api_str_field(b, "name", c->name);
    if (p->rc == ES_OK)
        p->rc = es__buf_printf(b, ",\"created\":%lld,\"cases\":%lld", (long long)c->created,
                               (long long)c->cases);
    if (p->rc == ES_OK)
        p->rc = es__api_id_or_null(b, "merged_into", c->merged_into);
    if (p->rc == ES_OK)
        p->rc = es__buf_adds(b, ",\"handles\":[");
    for (const char *h = c->handles; p->rc == ES_OK && h && *h;) {
        size_t n = strcspn(h, ","); /* kind:source:value */
        const char *c1 = memchr(h, ':', n),
                   *c2 = c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - h)) : NULL;
        if (c1 && c2) {
            p->rc = es__buf_printf(b, "%s{\"kind\":\"%.*s\",\"source\":\"%.*s\",\"value\":",
                                   h == c->handles ? "" : ",", (int)(c1 - h), h, (int)(c2 - c1 - 1),
                                   c1 + 1);
            char v[1100];
            size_t vl = n - (size_t)(c2 + 1 - h);
            if (vl >= sizeof v)
                vl = sizeof v - 1;
            memcpy(v, c2 + 1, vl);
            v[vl] = '\0';
            if (p->rc == ES_OK)
                p->rc = es__http_json_str(b, v);
            if (p->rc == ES_OK)
                p->rc = es__buf_addc(b, '}');
        }
        h += n;
        if (*h == ',')
            h++;
    }
    if (p->rc == ES_OK)
        p->rc = es__buf_adds(b, "]}\n");
}

/* GET /api/v1/customers/{} */
static void do_customer(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_case_scope sc;
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    if (!id)
        es__http_error(rs, 404, "not found");
    if (!s)
        return;
    es__api_page p = {.b = &rs->body, .rc = ES_OK};
    es_err rc = es_customer_get(s, id, scope_of(rq, &sc), customer_cb, &p);
    if (rc)
        es__api_store_error(rs, s, rc);
    else if (p.rc)
        es__http_error(rs, 500, "out of memory");
}

/* ---- the route table ------------------------------------------------------------------- */

/* First match wins: /cases/next comes before /cases/{}. */
const es__http_route es__http_routes_cases[] = {
    {"GET", "/api/v1/cases", ES__AUTH_USER, ES__ROLE_VIEWER, do_list},
    {"GET", "/api/v1/cases/next", ES__AUTH_USER, ES__ROLE_VIEWER, do_next},
    {"GET", "/api/v1/cases/{}", ES__AUTH_USER, ES__ROLE_VIEWER, do_get},
    {"PATCH", "/api/v1/cases/{}", ES__AUTH_USER, ES__ROLE_AGENT, do_patch},
    {"GET", "/api/v1/cases/{}/mentions", ES__AUTH_USER, ES__ROLE_VIEWER, do_mentions},
    {"GET", "/api/v1/cases/{}/notes", ES__AUTH_USER, ES__ROLE_VIEWER, do_notes},
    {"POST", "/api/v1/cases/{}/notes", ES__AUTH_USER, ES__ROLE_AGENT, do_note},
    {"POST", "/api/v1/cases/{}/merge", ES__AUTH_USER, ES__ROLE_AGENT, do_merge},
    {"GET", "/api/v1/cases/{}/audit", ES__AUTH_USER, ES__ROLE_VIEWER, do_audit},
    {"GET", "/api/v1/customers/{}", ES__AUTH_USER, ES__ROLE_VIEWER, do_customer},
    {"POST", "/api/v1/customers/{}/merge", ES__AUTH_USER, ES__ROLE_AGENT, do_customer_merge},
    {NULL, NULL, 0, 0, NULL},
};
