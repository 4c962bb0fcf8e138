/*
 * api_surveys.c - the survey responses in the JSON API (V2, V4), the rows
 * of es__http_routes_surveys:
 *
 *   GET  /api/v1/survey-responses              viewer+: newest first, paged
 *        (?limit=1..500, ?offset=), filtered by ?location= (key or code),
 *        ?since= (Unix seconds) and ?hot=1 (only hot alerts)
 *   GET  /api/v1/survey-responses/{id}         viewer+
 *   POST /api/v1/survey-responses/{id}/recovery  manager+: {"outcome":
 *        "recovered"|"not_recovered"|"no_contact", "note": "..."} (audited)
 *   POST /api/v1/survey-responses/{id}/follow-up manager+: sends a follow-up
 *        survey invitation by SMS as a reply on the response's case (the
 *        reply outbox of channel "sms"); {"text": "..."} optional
 *
 * Scope: a scoped manager, agent or viewer sees and changes only the
 * responses of its locations; any other id is answered 404, exactly as one
 * that does not exist. docs/api.md documents the answers.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "earshot/reply.h"
#include "earshot/survey_flow.h"
#include "http/api_inbox.h"
#include "http/http_int.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 500

/* The caller's scope as the store takes it. */
static es_survey_scope scope_of(const es__http_req *rq)
{
    return (es_survey_scope){rq->who.all_locations, rq->who.locations, rq->who.n_locations};
}

/* ---- JSON ----------------------------------------------------------------------- */

static es_err kv(es__buf *b, const char *k, const char *v)
{
    es_err rc = es__buf_printf(b, ",\"%s\":", k);
    return rc ? rc : es__http_json_str(b, v);
}

/* A number, or null when absent (absent: v == none). */
static es_err kn(es__buf *b, const char *k, long long v, long long none)
{
    return v == none ? es__buf_printf(b, ",\"%s\":null", k)
                     : es__buf_printf(b, ",\"%s\":%lld", k, v);
}

static es_err answers_json(es__buf *b, const es_survey_response_row *r)
{
    es_err rc = es__buf_adds(b, ",\"answers\":[");
    for (size_t i = 0; rc == ES_OK && i < r->n_answers; i++) {
        const es_survey_answer *a = &r->answers[i];
        rc = es__buf_printf(b, "%s{\"position\":%d", i ? "," : "", a->position);
        if (rc == ES_OK)
            rc = kv(b, "label", r->labels[i]);
        if (rc == ES_OK)
            rc = a->has_value ? es__buf_printf(b, ",\"value\":%d", a->value)
                              : es__buf_adds(b, ",\"value\":null");
        if (rc == ES_OK)
            rc = kv(b, "text", a->text);
        if (rc == ES_OK)
            rc = es__buf_addc(b, '}');
    }
    return rc ? rc : es__buf_addc(b, ']');
}

static es_err row_json(es__buf *b, const es_survey_response_row *r)
{
    es_err rc = es__buf_printf(b, "{\"id\":%lld,\"survey_id\":%lld", (long long)r->id,
                               (long long)r->survey_id);
    if (!rc)
        rc = kv(b, "location", r->location_key);
    if (!rc)
        rc = kv(b, "location_code", r->location_code);
    if (!rc)
        rc = kv(b, "location_name", r->location_name);
    if (!rc)
        rc = kv(b, "channel", r->channel);
    if (!rc)
        rc = kv(b, "contact", r->contact);
    if (!rc)
        rc = kn(b, "started", r->started, 0);
    if (!rc)
        rc = kn(b, "completed", r->completed, 0);
    if (!rc)
        rc = kn(b, "overall", r->overall, -1);
    if (!rc)
        rc = kn(b, "recommend", r->recommend, -1);
    if (!rc)
        rc = es__buf_printf(b, ",\"hot\":%s", r->hot_at ? "true" : "false");
    if (!rc)
        rc = kn(b, "hot_at", r->hot_at, 0);
    if (!rc)
        rc = kn(b, "case_id", r->case_id, 0);
    if (!rc)
        rc = kv(b, "recovery", r->recovery);
    if (!rc)
        rc = kv(b, "recovery_note", r->recovery_note);
    if (!rc)
        rc = kn(b, "recovery_at", r->recovery_at, 0);
    if (!rc)
        rc = kn(b, "followup_at", r->followup_at, 0);
    if (!rc)
        rc = answers_json(b, r);
    return rc ? rc : es__buf_addc(b, '}');
}

typedef struct page {
    es__buf *b;
    size_t n;
    es_err rc;
    int64_t case_id; /* for one response */
    char contact[260];
} page;

static void row_cb(const es_survey_response_row *r, void *ud)
{
    page *p = ud;
    if (p->rc == ES_OK && p->n && (p->rc = es__buf_addc(p->b, ',')))
        return;
    if (p->rc == ES_OK)
        p->rc = row_json(p->b, r);
    p->n++;
    p->case_id = r->case_id;
    snprintf(p->contact, sizeof p->contact, "%s", r->contact ? r->contact : "");
}

/* ---- handlers ----------------------------------------------------------------------- */

static void do_list(es__http_req *rq, es__http_resp *rs)
{
    size_t limit = 0, offset = 0, since = 0;
    const char *hot = es__http_arg(rq, "hot");
    if (!es__http_arg_size(rq, "limit", PAGE_DEFAULT, PAGE_MAX, &limit) || limit == 0 ||
        !es__http_arg_size(rq, "offset", 0, (size_t)1 << 40, &offset) ||
        !es__http_arg_size(rq, "since", 0, (size_t)1 << 40, &since) ||
        (hot && strcmp(hot, "0") && strcmp(hot, "1"))) {
        es__http_error(rs, 400,
                       "limit is 1 to 500; offset and since are whole numbers; hot is "
                       "0 or 1");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    es_survey_scope sc = scope_of(rq);
    es_survey_response_filter f = {es__http_arg(rq, "location"), (int64_t)since, hot && *hot == '1',
                                   limit, offset};
    page p = {.b = &rs->body};
    es_err rc = es__buf_adds(&rs->body, "{\"items\":[");
    if (!rc)
        rc = es_survey_response_list(s, &f, &sc, row_cb, &p);
    if (rc) {
        es__buf_reset(&rs->body);
        es__http_store_error(rs, s, rc, NULL);
        return;
    }
    rc = p.rc;
    if (!rc)
        rc = p.n == limit ? es__buf_printf(&rs->body, "],\"next_offset\":%zu}", offset + limit)
                          : es__buf_adds(&rs->body, "],\"next_offset\":null}");
    if (rc) {
        es__buf_reset(&rs->body);
        es__http_error(rs, 500, "the answer is too large");
    }
}

/* Answers response id (in scope) as JSON, or 404. */
static void answer(es__http_req *rq, es__http_resp *rs, es_store_t *s, int64_t id, page *p)
{
    es_survey_scope sc = scope_of(rq);
    es_err rc = es_survey_response_read(s, id, &sc, row_cb, p);
    if (rc == ES_OK && p->rc)
        rc = p->rc;
    if (rc) {
        es__buf_reset(&rs->body);
        es__http_store_error(rs, s, rc, "no such survey response");
    }
}

static void do_get(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    page p = {.b = &rs->body};
    if (!id)
        es__http_error(rs, 404, "no such survey response");
    if (s)
        answer(rq, rs, s, id, &p);
}

static void do_recovery(es__http_req *rq, es__http_resp *rs)
{
    static const char *const keys[] = {"outcome", "note", NULL};
    const char *bad = NULL;
    int64_t id = es__http_param_id(rq, 0);
    if (!id) {
        es__http_error(rs, 404, "no such survey response");
        return;
    }
    json_t *j = es__api_body_object(rq, rs);
    if (!j)
        return;
    const char *outcome = json_string_value(json_object_get(j, "outcome"));
    json_t *jn = json_object_get(j, "note");
    if (!es__api_only_keys(j, keys, &bad) || !outcome ||
        (jn && !json_is_string(jn) && !json_is_null(jn))) {
        json_decref(j);
        es__http_error(rs, 400,
                       "the body is {\"outcome\": \"recovered\" | \"not_recovered\" | "
                       "\"no_contact\", \"note\": \"...\"}");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    es_survey_scope sc = scope_of(rq);
    es_err rc = s ? es_survey_response_recovery(s, id, &sc, outcome, json_string_value(jn),
                                                rq->who.user_id, (int64_t)time(NULL))
                  : ES_OK;
    json_decref(j);
    if (!s)
        return;
    if (rc) {
        es__http_store_error(rs, s, rc, "no such survey response");
        return;
    }
    page p = {.b = &rs->body};
    answer(rq, rs, s, id, &p);
}

/* POST .../follow-up: a follow-up survey invitation by SMS on the case. */
static void do_followup(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    page p = {0};
    es__buf scratch;
    if (!id)
        es__http_error(rs, 404, "no such survey response");
    if (!s)
        return;
    es__buf_init(&scratch, 1 << 20);
    p.b = &scratch;
    es_survey_scope sc = scope_of(rq);
    es_err rc = es_survey_response_read(s, id, &sc, row_cb, &p);
    es__buf_cleanup(&scratch);
    if (rc) {
        es__http_store_error(rs, s, rc, "no such survey response");
        return;
    }
    if (!p.case_id || p.contact[0] != '+') {
        es__http_error(rs, 409, "a follow-up needs the response's case and a phone contact");
        return;
    }
    json_t *j = rq->body_len ? es__api_body_object(rq, rs) : NULL;
    if (rq->body_len && !j)
        return;
    const char *text = j ? json_string_value(json_object_get(j, "text")) : NULL;
    char def[200];
    const es_server_opts *o = es__http_opts(rq);
    snprintf(def, sizeof def,
             "Thank you for giving us another chance. How did we do this "
             "time? Reply %s with the code of your visit.",
             o->survey_keyword && *o->survey_keyword ? o->survey_keyword : "FEEDBACK");
    es_sla_scope ss = {sc.all, sc.keys, sc.n};
    int64_t now = (int64_t)time(NULL);
    rc = es_reply_add(s, p.case_id, &ss, rq->who.user_id, rq->who.token_id, text ? text : def, 1,
                      now, NULL, NULL);
    json_decref(j);
    if (rc == ES_OK)
        rc = es_survey_response_followup(s, id, now);
    if (rc) {
        es__http_store_error(rs, s, rc, "no such survey response");
        return;
    }
    es__http_wake(rq, "replies");
    page q = {.b = &rs->body};
    answer(rq, rs, s, id, &q);
}

/* See http_int.h. */
const es__http_route es__http_routes_surveys[] = {
    {"GET", "/api/v1/survey-responses", ES__AUTH_USER, ES__ROLE_VIEWER, do_list},
    {"GET", "/api/v1/survey-responses/{}", ES__AUTH_USER, ES__ROLE_VIEWER, do_get},
    {"POST", "/api/v1/survey-responses/{}/recovery", ES__AUTH_USER, ES__ROLE_MANAGER, do_recovery},
    {"POST", "/api/v1/survey-responses/{}/follow-up", ES__AUTH_USER, ES__ROLE_MANAGER, do_followup},
    {NULL, NULL, 0, ES__ROLE_NONE, NULL},
};
