/*
 * api_scores.c - the scores part of the JSON API (V3), as the route table
 * es__http_routes_scores that router.c walks: GET /api/v1/scores (JSON),
 * /api/v1/scores.csv, /api/v1/scores/trend and the printable report
 * /api/v1/locations/{id}/report.html. The figures are the voc module's
 * (scores.h); the JSON and CSV are the same as `earshot scores` prints.
 * docs/api.md, section "Scores", is the reference.
 *
 * Scope: a user scoped to locations (a manager, agent or viewer with
 * location rows) gets only their locations, and the region and
 * organisation figures are computed over those locations only, so nothing
 * of another location leaks through an aggregate; a location outside the
 * scope, asked by ?location= or by id, is a 404 whatever exists.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "earshot/location.h"
#include "earshot/scores.h"
#include "http/http_int.h"

#define NOT_FOUND "no such location"

/* Parses a since/until argument: Unix seconds, or YYYY-MM-DD (UTC; for
 * until, the end of that day so the day is included). 1 when absent (0 is
 * left) or valid, 0 when malformed. */
static int arg_day(es__http_req *rq, const char *name, int end_of_day, int64_t *out)
{
    const char *v = es__http_arg(rq, name);
    *out = 0;
    if (!v)
        return 1;
    size_t n = strlen(v), digits = strspn(v, "0123456789");
    if (n && digits == n && n <= 12) {
        *out = strtoll(v, NULL, 10);
        return 1;
    }
    int y, m, d;
    char tail;
    if (n != 10 || sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
        d > 31 || y < 1970 || y > 9999)
        return 0;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || tm.tm_mday != d) /* timegm normalises the 31st of June */
        return 0;
    *out = (int64_t)t + (end_of_day ? 86400 : 0);
    return 1;
}

typedef struct loc_hit {
    int64_t id;
    char key[ES_LOCATION_KEY_MAX + 1];
} loc_hit;

static void take_loc(const es_location *l, void *ud)
{
    loc_hit *h = ud;
    h->id = l->id;
    snprintf(h->key, sizeof h->key, "%s", l->key ? l->key : "");
}

/* Reads the query's filters into q (scope from the caller). Answers 400 or
 * 404 itself and returns 0 when the request cannot go on. */
static int read_query(es__http_req *rq, es__http_resp *rs, es_store_t *s, es_scores_query *q)
{
    const char *by = es__http_arg(rq, "by"), *period = es__http_arg(rq, "period");
    const char *loc = es__http_arg(rq, "location");
    memset(q, 0, sizeof *q);
    if ((by && es_scores_by_parse(by, &q->by)) ||
        (period && es_scores_period_parse(period, &q->period)) ||
        !arg_day(rq, "since", 0, &q->since) || !arg_day(rq, "until", 1, &q->until) ||
        (q->since && q->until && q->until <= q->since)) {
        es__http_error(rs, 400,
                       "by is location, region or org; period is whole, week or month; since "
                       "and until are YYYY-MM-DD or Unix seconds, since before until");
        return 0;
    }
    q->all_locations = rq->who.all_locations;
    q->locations = (const char *const *)rq->who.locations;
    q->n_locations = rq->who.n_locations;
    if (loc) {
        loc_hit h = {0};
        if (es_location_find(s, loc, take_loc, &h) || !es__http_may_see(&rq->who, h.key)) {
            es__http_error(rs, 404, NOT_FOUND);
            return 0;
        }
        q->location_id = h.id;
    }
    return 1;
}

/* Sets the body to text (malloc'd; freed here) with content type type. */
static void answer_text(es__http_resp *rs, char *text, const char *type)
{
    if (!text || es__buf_adds(&rs->body, text)) {
        es__buf_reset(&rs->body);
        es__http_error(rs, 500, "out of memory");
    } else {
        rs->type = type;
    }
    free(text);
}

/* GET /api/v1/scores and /api/v1/scores.csv. */
static void scores(es__http_req *rq, es__http_resp *rs, int csv)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    es_scores_query q;
    if (!s || !read_query(rq, rs, s, &q))
        return;
    es_scores *sc = NULL;
    es_err rc = es_scores_compute(s, &q, &sc);
    if (rc) {
        es__http_store_error(rs, s, rc, NOT_FOUND);
        return;
    }
    if (csv) {
        answer_text(rs, es_scores_csv(sc), "text/csv; charset=utf-8");
        es__http_header_add(rs, "Content-Disposition", "attachment; filename=\"scores.csv\"");
    } else {
        answer_text(rs, es_scores_json(sc), "application/json");
    }
    es_scores_free(sc);
}

static void scores_json(es__http_req *rq, es__http_resp *rs)
{
    scores(rq, rs, 0);
}

static void scores_csv(es__http_req *rq, es__http_resp *rs)
{
    scores(rq, rs, 1);
}

/* GET /api/v1/scores/trend (?format=csv for CSV). */
static void trend(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    es_scores_query q;
    const char *format = es__http_arg(rq, "format");
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
        es__http_error(rs, 400, "format is json or csv");
        return;
    }
    if (!s || !read_query(rq, rs, s, &q))
        return;
    es_scores_trends *t = NULL;
    es_err rc = es_scores_trend_compute(s, &q, &t);
    if (rc) {
        es__http_store_error(rs, s, rc, NOT_FOUND);
        return;
    }
    if (format && strcmp(format, "csv") == 0)
        answer_text(rs, es_scores_trend_csv(t), "text/csv; charset=utf-8");
    else
        answer_text(rs, es_scores_trend_json(t), "application/json");
    es_scores_trends_free(t);
}

/* GET /api/v1/locations/{id}/report.html: 404 outside the caller's scope. */
static void report(es__http_req *rq, es__http_resp *rs)
{
    int64_t id = es__http_param_id(rq, 0);
    es_store_t *s = id ? es__http_store_or_500(rq, rs) : NULL;
    es_scores_query q;
    if (!id)
        es__http_error(rs, 404, NOT_FOUND);
    if (!s || !read_query(rq, rs, s, &q))
        return;
    char *html = NULL;
    es_err rc = es_scores_report_html(s, &q, id, &html);
    if (rc == ES_ENOTFOUND)
        es__http_error(rs, 404, NOT_FOUND);
    else if (rc)
        es__http_store_error(rs, s, rc, NOT_FOUND);
    else
        answer_text(rs, html, "text/html; charset=utf-8");
}

/* ---- the route table ------------------------------------------------------------------ */

const es__http_route es__http_routes_scores[] = {
    {"GET", "/api/v1/scores", ES__AUTH_USER, ES__ROLE_VIEWER, scores_json},
    {"GET", "/api/v1/scores.csv", ES__AUTH_USER, ES__ROLE_VIEWER, scores_csv},
    {"GET", "/api/v1/scores/trend", ES__AUTH_USER, ES__ROLE_VIEWER, trend},
    {"GET", "/api/v1/locations/{}/report.html", ES__AUTH_USER, ES__ROLE_VIEWER, report},
    {NULL, NULL, 0, 0, NULL},
};
