/*
 * api_survey_defs.c - survey definitions in the JSON API (V2), as the route
 * table es__http_routes_survey_defs that router.c walks:
 *   GET  /api/v1/surveys        viewer+: every survey, by id
 *   GET  /api/v1/surveys/{id}   viewer+: one survey
 *   POST /api/v1/surveys        admin: adds a survey from the JSON of
 *                               docs/surveys.md ("Survey definitions"); 400
 *                               names the JSON path of a fault; 409 when
 *                               the name is taken
 * Definitions are the organisation's, not a location's: every role that
 * reads sees them all. The body is read by src/voc/survey_def.c; the store
 * does the rest (include/earshot/survey.h). docs/api.md, "Survey
 * definitions", is the reference.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/survey.h"
#include "http/http_int.h"

/* Sends j (taken) with status; 500 when it cannot be written. */
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

/* Appends sv's JSON to the array ud (a failed append is seen at the end). */
static void append_cb(const es_survey *sv, void *ud)
{
    json_t *j = es_survey_json(sv);
    if (!j || json_array_append_new(ud, j))
        json_array_append_new(ud, json_null()); /* marks the failure */
}

/* 1 when the array holds a null that append_cb left for a failure. */
static int has_null(json_t *a)
{
    for (size_t i = 0; i < json_array_size(a); i++)
        if (json_is_null(json_array_get(a, i)))
            return 1;
    return 0;
}

static void do_list(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    json_t *items = json_array();
    es_err rc = items ? es_survey_list(s, append_cb, items) : ES_ENOMEM;
    if (rc || has_null(items)) {
        json_decref(items);
        if (rc)
            es__http_store_error(rs, s, rc, "no such survey");
        else
            es__http_error(rs, 500, "out of memory");
        return;
    }
    send_json(rs, 200, json_pack("{s:o}", "items", items));
}

/* Keeps sv's JSON in *ud. */
static void one_cb(const es_survey *sv, void *ud)
{
    *(json_t **)ud = es_survey_json(sv);
}

static void do_get(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    if (!id) {
        es__http_error(rs, 404, "no such survey");
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    json_t *j = NULL;
    es_err rc = es_survey_get(s, id, one_cb, &j);
    if (rc)
        es__http_store_error(rs, s, rc, "no such survey");
    else if (!j)
        es__http_error(rs, 500, "out of memory");
    else
        send_json(rs, 200, j);
}

static void do_add(es__http_req *rq, es__http_resp *rs)
{
    es_survey_parsed *p = malloc(sizeof *p);
    char err[256];
    es_err rc = p ? es_survey_parse_json(rq->body, rq->body_len, p, err, sizeof err) : ES_ENOMEM;
    if (rc) {
        es__http_error(rs, rc == ES_ENOMEM ? 500 : 400, rc == ES_ENOMEM ? "out of memory" : err);
        free(p);
        return;
    }
    es_store_t *s = es__http_store_or_500(rq, rs);
    int64_t id = 0;
    rc = s ? es_survey_add(s, &p->sv, rq->who.user_id, &id) : ES_OK;
    json_t *j = NULL;
    if (s && rc == ES_OK)
        rc = es_survey_get(s, id, one_cb, &j);
    if (s && rc)
        es__http_store_error(rs, s, rc, "no such survey");
    else if (s && !j)
        es__http_error(rs, 500, "out of memory");
    else if (s)
        send_json(rs, 201, j);
    free(p);
}

/* See http_int.h. */
const es__http_route es__http_routes_survey_defs[] = {
    {"GET", "/api/v1/surveys", ES__AUTH_USER, ES__ROLE_VIEWER, do_list},
    {"GET", "/api/v1/surveys/{}", ES__AUTH_USER, ES__ROLE_VIEWER, do_get},
    {"POST", "/api/v1/surveys", ES__AUTH_USER, ES__ROLE_ADMIN, do_add},
    {NULL, NULL, 0, 0, NULL}};
