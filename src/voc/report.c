/*
 * report.c - the printable HTML report of one location
 * (es_scores_report_html in include/earshot/scores.h), served at
 * GET /api/v1/locations/{id}/report.html and written by `earshot report
 * location CODE`: the location's scores with their intervals beside the
 * organisation's, the trend of the last four weeks, a weekly chart of CSAT
 * and NPS drawn as inline SVG (no script), and the action plan
 * (report_plan_section: the location's top actions from
 * es_plan_for_location, which also stores its fresh proposals, with the
 * driver gaps under them). Every string from the store is escaped.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "earshot/plans.h"
#include "earshot/users.h"
#include "voc/scores_int.h"

#define WEEKS 12
#define CHART_W 640
#define CHART_H 200
#define PAD_L 44
#define PAD_B 28
#define PAD_T 12

/* Writes s HTML-escaped. */
static void esc(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '&': fputs("&amp;", fp); break;
        case '"': fputs("&quot;", fp); break;
        case '\'': fputs("&#39;", fp); break;
        default: fputc(*s, fp);
        }
    }
}

/* An interval as "value (lo-hi, n)" or an em dash without answers. */
static void ci_cell(FILE *fp, const es_score_ci *c, int decimals, const char *unit)
{
    if (!c->ok) {
        fputs("<td>&#8212;</td>", fp);
        return;
    }
    fprintf(fp, "<td>%.*f%s <small>(%.*f to %.*f, n=%lld)</small></td>", decimals, c->value, unit,
            decimals, c->lo, decimals, c->hi, (long long)c->n);
}

/* ---- the chart -------------------------------------------------------------------- */

typedef struct series {
    size_t n;
    double x[WEEKS + 2], v[WEEKS + 2], lo[WEEKS + 2], hi[WEEKS + 2];
    char label[WEEKS + 2][16];
} series;

/* The y pixel of value v on a [ymin, ymax] axis. */
static double ypix(double v, double ymin, double ymax)
{
    return PAD_T + (CHART_H - PAD_T - PAD_B) * (1 - (v - ymin) / (ymax - ymin));
}

/* The x pixel of week i of n. */
static double xpix(size_t i, size_t n)
{
    double w = CHART_W - PAD_L - 12;
    return PAD_L + (n > 1 ? w * (double)i / (double)(n - 1) : w / 2);
}

/* One SVG chart: the location's values with their interval band, and the
 * organisation's values dashed. */
static void chart(FILE *fp, const char *title, const series *loc, const series *org, double ymin,
                  double ymax)
{
    fprintf(fp,
            "<figure><figcaption>%s</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\""
            " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>%s</title>",
            title, CHART_W, CHART_H, CHART_W, CHART_H, title);
    for (int k = 0; k <= 4; k++) { /* grid and y labels */
        double v = ymin + (ymax - ymin) * k / 4, y = ypix(v, ymin, ymax);
        fprintf(fp,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.0f</text>",
                PAD_L, y, CHART_W - 12, y, PAD_L - 4, y + 3, v);
    }
    if (loc->n) {
        fputs("<polygon fill=\"#9ecae1\" fill-opacity=\"0.5\" points=\"", fp);
        for (size_t i = 0; i < loc->n; i++)
            fprintf(fp, "%.1f,%.1f ", loc->x[i], ypix(loc->hi[i], ymin, ymax));
        for (size_t i = loc->n; i-- > 0;)
            fprintf(fp, "%.1f,%.1f ", loc->x[i], ypix(loc->lo[i], ymin, ymax));
        fputs("\"/><polyline fill=\"none\" stroke=\"#08519c\" stroke-width=\"2\" points=\"", fp);
        for (size_t i = 0; i < loc->n; i++)
            fprintf(fp, "%.1f,%.1f ", loc->x[i], ypix(loc->v[i], ymin, ymax));
        fputs("\"/>", fp);
        for (size_t i = 0; i < loc->n; i++)
            fprintf(fp,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#08519c\"/>"
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" text-anchor=\"middle\">%s</text>",
                    loc->x[i], ypix(loc->v[i], ymin, ymax), loc->x[i], CHART_H - 8,
                    loc->label[i] + 5);
    }
    if (org->n) {
        fputs("<polyline fill=\"none\" stroke=\"#636363\" stroke-dasharray=\"4 3\" points=\"", fp);
        for (size_t i = 0; i < org->n; i++)
            fprintf(fp, "%.1f,%.1f ", org->x[i], ypix(org->v[i], ymin, ymax));
        fputs("\"/>", fp);
    }
    fputs("</svg></figure>\n", fp);
}

/* Fills the CSAT (nps 0) or NPS (nps 1) series of the groups of sc at
 * level, placing week starting on day d at x of (d - first) / 7. */
static void fill_series(const es_scores *sc, es_scores_by level, int nps, int64_t first,
                        series *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sc->n && out->n < WEEKS + 2; i++) {
        const es_scores_group *g = &sc->g[i];
        const es_score_ci *c = nps ? &g->nps : &g->csat;
        int64_t wk = (g->first_day - first) / 7;
        if (g->level != level || !c->ok || wk < 0 || wk >= WEEKS + 1)
            continue;
        out->x[out->n] = xpix((size_t)wk, WEEKS + 1);
        out->v[out->n] = c->value, out->lo[out->n] = c->lo, out->hi[out->n] = c->hi;
        snprintf(out->label[out->n], sizeof out->label[0], "%s", g->period);
        out->n++;
    }
}

/* ---- the sections ------------------------------------------------------------------- */

/* The location's action plan as the report prints it: the plans
 * es_plan_for_location gave (copied, since its strings last only for the
 * callback), or why there is none. */
#define REPORT_PLANS 16
typedef struct plan_row {
    char text[ES_PLAN_TEXT_MAX + 1];
    es_plan_state state;
    double gain;
} plan_row;
typedef struct plan_rows {
    size_t n;
    plan_row p[REPORT_PLANS];
    int none;      /* no plan could be computed */
    char why[256]; /* then the store's reason */
} plan_rows;

/* Copies plan p into the rows (ud). */
static void take_plan_row(const es_plan *p, void *ud)
{
    plan_rows *r = ud;
    if (r->n >= REPORT_PLANS)
        return;
    snprintf(r->p[r->n].text, sizeof r->p[r->n].text, "%s", p->text ? p->text : "");
    r->p[r->n].state = p->state;
    r->p[r->n].gain = p->gain;
    r->n++;
}

/* Orders plans by expected gain, the largest first. */
static int by_gain(const void *a, const void *b)
{
    double ga = ((const plan_row *)a)->gain, gb = ((const plan_row *)b)->gain;
    return ga < gb ? 1 : ga > gb ? -1 : 0;
}

/* Computes location_id's plan (es_plan_for_location: stores fresh
 * proposals, as `earshot plan` does) into *r. Too few responses (EINVAL) or
 * no survey (ENOTFOUND) is not an error of the report: r->none says so;
 * other errors are returned. */
static es_err plan_gather(es_store_t *s, int64_t location_id, plan_rows *r)
{
    memset(r, 0, sizeof *r);
    es_err rc = es_plan_for_location(s, location_id, NULL, 0, take_plan_row, r);
    if (rc == ES_EINVAL || rc == ES_ENOTFOUND) {
        r->none = 1;
        r->n = 0;
        snprintf(r->why, sizeof r->why, "%s", es_store_errmsg(s));
        return ES_OK;
    }
    if (rc == ES_OK && r->n > 1)
        qsort(r->p, r->n, sizeof r->p[0], by_gain);
    return rc;
}

/* The driver gaps under the plan: the location's driver means against the
 * best quarter of locations (es_scores_driver_gaps), the largest gap first. */
static void gaps_table(FILE *fp, const es_scores_trend *t)
{
    fputs("<h3>Driver gaps (last four weeks)</h3>\n", fp);
    if (!t || !t->n_gaps) {
        fputs("<p>Not enough driver answers in the last four weeks to compare this location"
              " with the others.</p>\n",
              fp);
        return;
    }
    fputs("<table><tr><th>Driver</th><th>This location</th><th>Organisation</th>"
          "<th>Best quarter</th><th>Gap</th><th>n</th></tr>\n",
          fp);
    for (size_t i = 0; i < t->n_gaps; i++) {
        const es_scores_gap *g = &t->gaps[i];
        fputs(g->low ? "<tr class=\"low\"><td>" : "<tr><td>", fp);
        esc(fp, g->label);
        fprintf(fp,
                "%s</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%+.2f</td><td>%lld</td></tr>\n",
                g->low ? " <strong>(low)</strong>" : "", g->mean, g->org_mean, g->top_quarter,
                -g->gap, (long long)g->n);
    }
    fputs("</table>\n", fp);
}

/* The action plan's section: the location's top actions (at most
 * ES_PLAN_ACTIONS, the largest expected gain first) in plain words with
 * their state and gain, or why there is no plan; the driver gaps under it. */
static void report_plan_section(FILE *fp, const plan_rows *pr, const es_scores_trend *t)
{
    fputs("<section id=\"plan\"><h2>Action plan</h2>\n", fp);
    if (pr->none || !pr->n) {
        fputs("<p class=\"noplan\">No action plan could be computed for this location", fp);
        if (pr->none && pr->why[0]) {
            fputs(": ", fp);
            esc(fp, pr->why);
        } else {
            fputs(": it is at or above the best quarter of locations on every driver, or has too"
                  " few answers",
                  fp);
        }
        fputs(".</p>\n", fp);
    } else {
        fputs("<ol class=\"plan\">\n", fp);
        for (size_t i = 0; i < pr->n && i < ES_PLAN_ACTIONS; i++) {
            fputs("<li>", fp);
            esc(fp, pr->p[i].text);
            fprintf(fp, " <small>(%s; expected gain %.3f)</small></li>\n",
                    es_plan_state_name(pr->p[i].state), pr->p[i].gain);
        }
        fputs("</ol>\n", fp);
    }
    gaps_table(fp, t);
    fputs("</section>\n", fp);
}

/* The scores table: the location beside the organisation. */
static void scores_section(FILE *fp, const es_scores_group *loc, const es_scores_group *org)
{
    fputs("<section id=\"scores\"><h2>Scores</h2><table><tr><th></th><th>This location</th>"
          "<th>Organisation</th></tr>\n<tr><th>CSAT</th>",
          fp);
    static const es_score_ci none = {0};
    ci_cell(fp, loc ? &loc->csat : &none, 1, "%");
    ci_cell(fp, org ? &org->csat : &none, 1, "%");
    fputs("</tr>\n<tr><th>NPS</th>", fp);
    ci_cell(fp, loc ? &loc->nps : &none, 1, "");
    ci_cell(fp, org ? &org->nps : &none, 1, "");
    fputs("</tr>\n", fp);
    for (size_t i = 0; loc && i < loc->n_questions; i++) {
        const es_scores_question *q = &loc->q[i];
        const es_scores_question *oq = es_scores_question_find(org, q->key);
        fputs("<tr><th>", fp);
        esc(fp, q->label);
        fputs(q->kind == ES_Q_YESNO ? " (share yes)" : " (mean)", fp);
        fputs("</th>", fp);
        ci_cell(fp, &q->mean, 2, "");
        ci_cell(fp, oq ? &oq->mean : &none, 2, "");
        fputs("</tr>\n", fp);
    }
    fputs("</table></section>\n", fp);
}

/* The trend line of the last four weeks. */
static void trend_section(FILE *fp, const es_scores_trend *t)
{
    fputs("<section id=\"trend\"><h2>Last four weeks against the four before</h2>", fp);
    if (!t) {
        fputs("<p>No answers in the last four weeks.</p></section>\n", fp);
        return;
    }
    fprintf(fp, "<p>Status: <strong class=\"%s\">%s</strong>.", t->status, t->status);
    if (t->csat_test.ok)
        fprintf(fp, " CSAT %.1f%% against %.1f%% (change %+.1f points, p = %.3g).", t->csat.value,
                t->csat_prev.value, t->csat_test.diff, t->csat_test.p);
    if (t->nps_test.ok)
        fprintf(fp, " NPS %.1f against %.1f (change %+.1f, p = %.3g).", t->nps.value,
                t->nps_prev.value, t->nps_test.diff, t->nps_test.p);
    if (t->problem) {
        fputs(" <strong>Problem location:</strong> ", fp);
        esc(fp, t->why);
        fputc('.', fp);
    }
    fputs("</p></section>\n", fp);
}

/* ---- the page --------------------------------------------------------------------------- */

typedef struct loc_info {
    char key[ES_LOCATION_KEY_MAX + 1], code[ES_LOCATION_CODE_MAX + 1];
    char name[ES_LOCATION_NAME_MAX + 1], tz[ES_LOCATION_TZ_MAX + 1];
} loc_info;

static void take_loc(const es_location *l, void *ud)
{
    loc_info *i = ud;
    snprintf(i->key, sizeof i->key, "%s", l->key ? l->key : "");
    snprintf(i->code, sizeof i->code, "%s", l->code ? l->code : "");
    snprintf(i->name, sizeof i->name, "%s", l->name ? l->name : "");
    snprintf(i->tz, sizeof i->tz, "%s", l->tz ? l->tz : "UTC");
}

/* The data of a report, read before anything is written. */
typedef struct report {
    loc_info li;
    es_scores_query q;
    es_scores *whole, *org, *weeks, *org_weeks;
    es_scores_trends *trends;
    plan_rows plan;
} report;

/* Reads everything the page shows. */
static es_err gather(es_store_t *s, report *r, int64_t id)
{
    unsigned L = 1u << ES_SCORES_BY_LOCATION, O = 1u << ES_SCORES_BY_ORG;
    es_scores_query lq = r->q, wq = r->q, tq = r->q;
    lq.location_id = id;
    es_err rc = es__scores_build(s, &lq, L, &r->whole);
    if (!rc)
        rc = es__scores_build(s, &r->q, O, &r->org);
    wq.period = ES_SCORES_WEEK;
    wq.since = r->q.until - (WEEKS + 1) * 7 * 86400;
    if (!rc)
        rc = es__scores_build(s, &wq, O, &r->org_weeks);
    wq.location_id = id;
    if (!rc)
        rc = es__scores_build(s, &wq, L, &r->weeks);
    tq.since = r->q.until - 28 * 86400;
    if (!rc)
        rc = es_scores_trend_compute(s, &tq, &r->trends);
    if (!rc)
        rc = plan_gather(s, id, &r->plan);
    return rc;
}

static void report_free(report *r)
{
    es_scores_free(r->whole);
    es_scores_free(r->org);
    es_scores_free(r->weeks);
    es_scores_free(r->org_weeks);
    es_scores_trends_free(r->trends);
}

/* The page's head, title and period line. */
static void head(FILE *fp, const report *r)
{
    char a[16], b[16];
    time_t t0 = (time_t)r->q.since, t1 = (time_t)(r->q.until - 86400);
    struct tm tm;
    strftime(a, sizeof a, "%Y-%m-%d", gmtime_r(&t0, &tm));
    strftime(b, sizeof b, "%Y-%m-%d", gmtime_r(&t1, &tm));
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>", fp);
    esc(fp, r->li.name);
    fputs(" - customer scores</title><style>body{font:14px/1.4 sans-serif;max-width:760px;"
          "margin:1em auto}table{border-collapse:collapse}td,th{padding:2px 8px;"
          "border-bottom:1px solid #ddd;text-align:left}tr.low td{color:#a50f15}"
          ".declining{color:#a50f15}.improving{color:#006d2c}@media print{body{margin:0}}"
          "</style></head><body>\n<h1>",
          fp);
    esc(fp, r->li.name);
    fputs(" <small>(", fp);
    esc(fp, r->li.code);
    fputs(")</small></h1>\n<p>", fp);
    esc(fp, r->li.key);
    fprintf(fp, " &#183; %s to %s (UTC days) &#183; 95%% intervals in brackets</p>\n", a, b);
}

/* See scores.h. */
es_err es_scores_report_html(es_store_t *s, const es_scores_query *q, int64_t location_id,
                             char **out)
{
    report r = {0};
    *out = NULL;
    es_err rc = es_scores_location_get(s, location_id, take_loc, &r.li);
    if (rc)
        return rc;
    r.q = *q;
    r.q.location_id = 0;
    r.q.by = ES_SCORES_BY_LOCATION;
    r.q.period = ES_SCORES_WHOLE;
    int covered = q->all_locations;
    for (size_t i = 0; !covered && i < q->n_locations; i++)
        covered = es_user_scope_covers(q->locations[i], r.li.key);
    if (!covered)
        return ES_ENOTFOUND;
    r.q.until = q->until ? (q->until + 86399) / 86400 * 86400 : (time(NULL) / 86400 + 1) * 86400;
    r.q.since = q->since ? q->since / 86400 * 86400 : r.q.until - WEEKS * 7 * 86400;
    if (r.q.since >= r.q.until)
        return ES_EINVAL;
    rc = gather(s, &r, location_id);
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = rc ? NULL : open_memstream(&buf, &len);
    if (!rc && !fp)
        rc = ES_ENOMEM;
    if (!rc) {
        const es_scores_trend *t = NULL;
        for (size_t i = 0; i < r.trends->n && !t; i++)
            if (r.trends->t[i].location_id == location_id)
                t = &r.trends->t[i];
        head(fp, &r);
        scores_section(fp, r.whole->n ? &r.whole->g[0] : NULL, r.org->n ? &r.org->g[0] : NULL);
        trend_section(fp, t);
        fputs("<section id=\"chart\"><h2>Weekly trend</h2>\n", fp);
        int64_t first = (r.q.until - (WEEKS + 1) * 7 * 86400) / 86400;
        first -= (first + 3) % 7; /* the Monday of that week */
        series ls, os;
        fill_series(r.weeks, ES_SCORES_BY_LOCATION, 0, first, &ls);
        fill_series(r.org_weeks, ES_SCORES_BY_ORG, 0, first, &os);
        chart(fp, "CSAT per week (%), with its 95% interval; dashed: organisation", &ls, &os, 0,
              100);
        fill_series(r.weeks, ES_SCORES_BY_LOCATION, 1, first, &ls);
        fill_series(r.org_weeks, ES_SCORES_BY_ORG, 1, first, &os);
        chart(fp, "NPS per week, with its 95% interval; dashed: organisation", &ls, &os, -100, 100);
        fputs("</section>\n", fp);
        report_plan_section(fp, &r.plan, t);
        fputs("</body></html>\n", fp);
        if (fclose(fp) != 0) {
            free(buf);
            buf = NULL;
            rc = ES_ENOMEM;
        }
    }
    report_free(&r);
    *out = rc ? NULL : buf;
    return rc;
}
