/*
 * api_social.c - the social analytics part of the JSON API (issue 4, S2 and
 * S3), as the route table es__http_routes_social that router.c walks:
 *   POST /api/v1/posts                 import a batch of the brand's posts
 *                                      (JSON, or CSV as text/csv); admin,
 *                                      or a manager of every location
 *   GET  /api/v1/posts/report          per-post rates by brand, channel and
 *                                      week or month (viewer+)
 *   GET  /api/v1/share-of-voice        share of voice and net sentiment per
 *                                      brand per day or week (viewer+)
 * Scope: posts belong to the organisation, not to a location, so a user
 * scoped to some locations may read their report but not import them. Share
 * of voice counts only the mentions of the caller's locations (a mention's
 * location, as for cases and alerts); admins and unscoped users count all.
 * The work is social.h's; docs/api.md, "Social analytics", is the reference.
 */
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "earshot/social.h"
#include "http/http_int.h"

#define POSTS_ARENA_MAX ((size_t)1 << 30)

/* ---- helpers -------------------------------------------------------------------- */

/* Sends j (taking the reference) as the response body; 500 when it cannot. */
static void send_json(es__http_resp *rs, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text || es__buf_adds(&rs->body, text) || es__buf_addc(&rs->body, '\n')) {
        es__buf_reset(&rs->body);
        es__http_error(rs, 500, "out of memory");
    }
    free(text);
}

/* A number, or null when undefined (NaN). */
static json_t *num(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

/* Reads ?since= and ?until= (any date es_time_parse takes; a bare
 * YYYY-MM-DD until covers that day). 0 and a 400 answered on garbage. */
static int read_range(es__http_req *rq, es__http_resp *rs, int64_t *since, int64_t *until)
{
    const char *a = es__http_arg(rq, "since"), *b = es__http_arg(rq, "until");
    *since = *until = 0;
    if ((a && es_time_parse(a, since) != ES_OK) || (b && es_time_parse(b, until) != ES_OK)) {
        es__http_error(rs, 400, "since and until are dates (YYYY-MM-DD) or times (RFC 3339)");
        return 0;
    }
    if (b && strlen(b) == 10) /* a day: up to its end */
        *until += 86400;
    if (*since && *until && *since >= *until) {
        es__http_error(rs, 400, "since must come before until");
        return 0;
    }
    return 1;
}

/* ---- POST /api/v1/posts ------------------------------------------------------------ */

static void import_posts(es__http_req *rq, es__http_resp *rs)
{
    if (!rq->who.all_locations) {
        es__http_error(rs, 403,
                       "posts belong to the whole organisation: a user scoped to "
                       "some locations cannot import them");
        return;
    }
    const char *ct = rq->conn ? es__http_header(rq, "Content-Type") : "application/json";
    es_post_format fmt;
    if (ct && strncasecmp(ct, "application/json", 16) == 0)
        fmt = ES_POST_JSON;
    else if (ct && strncasecmp(ct, "text/csv", 8) == 0)
        fmt = ES_POST_CSV;
    else {
        es__http_error(rs, 415, "send the posts as application/json or text/csv");
        return;
    }
    es_arena_t *a = es_arena_new(64 * 1024, POSTS_ARENA_MAX);
    es_post *ps = NULL;
    size_t n = 0, added = 0, updated = 0;
    char err[512];
    if (!a) {
        es__http_error(rs, 500, "out of memory");
        return;
    }
    es_err rc = es_post_parse(rq->body, rq->body_len, fmt, a, &ps, &n, err, sizeof err);
    if (rc == ES_ENOMEM) {
        es__http_error(rs, 500, "out of memory");
    } else if (rc) {
        es__http_error(rs, rc == ES_ELIMIT ? 413 : 400, err);
    } else {
        es_store_t *s = es__http_store_or_500(rq, rs);
        if (s) {
            rc = es_post_put(s, ps, n, rq->who.user_id, rq->who.token_id, &added, &updated);
            if (rc)
                es__http_store_error(rs, s, rc, NULL);
            else
                send_json(rs, json_pack("{s:I,s:I,s:I}", "received", (json_int_t)n, "added",
                                        (json_int_t)added, "updated", (json_int_t)updated));
        }
    }
    es_arena_free(a);
}

/* ---- GET /api/v1/posts/report -------------------------------------------------------- */

/* One rate of a row: {"mean", "median", "n", "prev_mean", "change", "change_pct"}. */
static json_t *rate_json(const es_post_report_row *r, int k)
{
    return json_pack("{s:o,s:o,s:I,s:o,s:o,s:o}", "mean", num(r->cur.mean[k]), "median",
                     num(r->cur.median[k]), "n", (json_int_t)r->cur.n[k], "prev_mean",
                     num(r->prev.mean[k]), "change", num(r->change[k]), "change_pct",
                     num(r->change_pct[k]));
}

/* Rows gathered for a response; failed when memory ran out. */
typedef struct gather {
    json_t *arr;
    int failed;
} gather;

/* Appends o (taking the reference) to g, or marks g failed. */
static void gather_add(gather *g, json_t *o)
{
    if (!o || json_array_append_new(g->arr, o))
        g->failed = 1;
}

/* es_post_report's callback: appends the row. */
static void report_row(const es_post_report_row *r, void *ud)
{
    char day[16];
    json_t *rates = json_object();
    for (int k = 0; rates && k < ES_N_RATES; k++)
        if (json_object_set_new(rates, es_rate_names[k], rate_json(r, k))) {
            json_decref(rates);
            rates = NULL;
        }
    gather_add(ud, rates ? json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:o}", "brand", r->brand, "channel",
                                     r->channel, "period", r->period, "start",
                                     es_period_label(ES_PERIOD_DAY, r->start, day, sizeof day),
                                     "posts", (json_int_t)r->cur.posts, "prev_posts",
                                     (json_int_t)r->prev.posts, "rates", rates)
                         : NULL);
}

/* Answers the end of a report: its error, or {"by": by, key: rows}. */
static void finish(es__http_resp *rs, es_store_t *s, es_err rc, gather *g, const char *by,
                   const char *key)
{
    if (!rc && (g->failed || !g->arr))
        rc = ES_ENOMEM;
    if (rc) {
        json_decref(g->arr);
        if (rc == ES_ENOMEM)
            es__http_error(rs, 500, "out of memory");
        else
            es__http_store_error(rs, s, rc, NULL);
        return;
    }
    send_json(rs, json_pack("{s:s,s:o}", "by", by, key, g->arr));
}

static void posts_report(es__http_req *rq, es__http_resp *rs)
{
    es_post_report_opts o = {.brand = es__http_arg(rq, "brand"), .by = ES_PERIOD_WEEK};
    const char *by = es__http_arg(rq, "by");
    if (by && (es_period_parse(by, &o.by) || o.by == ES_PERIOD_DAY)) {
        es__http_error(rs, 400, "by is week or month");
        return;
    }
    if (!read_range(rq, rs, &o.since, &o.until))
        return;
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    gather g = {json_array(), 0};
    es_err rc = g.arr ? es_post_report(s, &o, report_row, &g) : ES_ENOMEM;
    finish(rs, s, rc, &g, o.by == ES_PERIOD_WEEK ? "week" : "month", "rows");
}

/* ---- GET /api/v1/share-of-voice ------------------------------------------------------ */

/* One brand's or group's figures; brand and kind are left to the caller. */
static json_t *sov_json(const es_sov_brand *b)
{
    json_t *prev = b->has_prev
                       ? json_pack("{s:I,s:o,s:f}", "mentions", (json_int_t)b->prev_mentions, "net",
                                   num(b->prev_net), "share", b->prev_share)
                       : json_null();
    return json_pack("{s:I,s:I,s:I,s:I,s:o,s:f,s:o,s:{s:o,s:o}}", "mentions",
                     (json_int_t)b->mentions, "positive", (json_int_t)b->positive, "neutral",
                     (json_int_t)b->neutral, "negative", (json_int_t)b->negative, "net",
                     num(b->net), "share", b->share, "prev", prev, "change", "net",
                     num(b->change_net), "share", num(b->change_share));
}

/* es_sov_report's callback: appends the period. */
static void sov_period(const es_sov_period *p, void *ud)
{
    gather *g = ud;
    char day[16];
    json_t *brands = json_array();
    for (size_t i = 0; brands && i < p->n_brands; i++) {
        json_t *b = sov_json(&p->brands[i]);
        if (!b || json_object_set_new(b, "brand", json_string(p->brands[i].brand)) ||
            json_object_set_new(b, "kind",
                                json_string(p->brands[i].ours ? "ours" : "competitor")) ||
            json_array_append_new(brands, b)) {
            json_decref(b);
            json_decref(brands);
            brands = NULL;
        }
    }
    gather_add(g, brands ? json_pack("{s:s,s:s,s:I,s:o,s:o,s:o}", "period", p->period, "start",
                                     es_period_label(ES_PERIOD_DAY, p->start, day, sizeof day),
                                     "mentions", (json_int_t)p->mentions, "brands", brands, "ours",
                                     sov_json(&p->ours), "competitors", sov_json(&p->competitors))
                         : NULL);
}

static void share_of_voice(es__http_req *rq, es__http_resp *rs)
{
    es_sov_opts o = {.by = ES_PERIOD_DAY};
    const char *by = es__http_arg(rq, "by");
    if (by && (es_period_parse(by, &o.by) || o.by == ES_PERIOD_MONTH)) {
        es__http_error(rs, 400, "by is day or week");
        return;
    }
    if (!read_range(rq, rs, &o.since, &o.until))
        return;
    o.scope.all = rq->who.all_locations;
    o.scope.locations = (const char *const *)rq->who.locations;
    o.scope.n_locations = rq->who.n_locations;
    es_store_t *s = es__http_store_or_500(rq, rs);
    if (!s)
        return;
    gather g = {json_array(), 0};
    es_err rc = g.arr ? es_sov_report(s, &o, sov_period, &g) : ES_ENOMEM;
    finish(rs, s, rc, &g, o.by == ES_PERIOD_WEEK ? "week" : "day", "periods");
}

/* ---- routes ------------------------------------------------------------------------ */

const es__http_route es__http_routes_social[] = {
    {"POST", "/api/v1/posts", ES__AUTH_USER, ES__ROLE_MANAGER, import_posts},
    {"GET", "/api/v1/posts/report", ES__AUTH_USER, ES__ROLE_VIEWER, posts_report},
    {"GET", "/api/v1/share-of-voice", ES__AUTH_USER, ES__ROLE_VIEWER, share_of_voice},
    {NULL, NULL, 0, 0, NULL},
};
