/*
 * scores_out.c - scores and trends written out as JSON (jansson) and CSV,
 * the same for `earshot scores --output json|csv` and the API's
 * /api/v1/scores, /api/v1/scores.csv and /api/v1/scores/trend, so that the
 * two never disagree. docs/scores.md lists the fields.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "earshot/scores.h"

static const char *const LEVELS[] = {"location", "region", "org"};

/* v rounded to 3 decimals, as a JSON real (NaN: null). */
static json_t *num(double v)
{
    return isfinite(v) ? json_real(round(v * 1000) / 1000) : json_null();
}

/* A UTC day (days since 1970) or Unix time as "YYYY-MM-DD". */
static json_t *date_of(int64_t t)
{
    char buf[16];
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return json_null();
    strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return json_string(buf);
}

/* An interval object, or null without answers. */
static json_t *ci_json(const es_score_ci *c)
{
    if (!c->ok)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "n", json_integer(c->n));
    json_object_set_new(o, "value", num(c->value));
    json_object_set_new(o, "lo", num(c->lo));
    json_object_set_new(o, "hi", num(c->hi));
    return o;
}

static json_t *test_json(const es_score_test *t)
{
    if (!t->ok)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "diff", num(t->diff));
    json_object_set_new(o, "se", num(t->se));
    json_object_set_new(o, "stat", num(t->stat));
    json_object_set_new(o, "p", json_real(t->p));
    if (t->df > 0)
        json_object_set_new(o, "df", num(t->df));
    return o;
}

/* A question's figures: key, label, kind, role and its mean's interval. */
static json_t *question_json(const es_scores_question *q)
{
    json_t *o = json_object();
    json_object_set_new(o, "key", json_string(q->key));
    json_object_set_new(o, "label", json_string(q->label));
    json_object_set_new(o, "kind", json_string(es_question_kind_name(q->kind)));
    json_object_set_new(o, "role", json_string(es_question_role_name(q->role)));
    json_object_set_new(o, "n", json_integer(q->sums.n));
    json_object_set_new(o, "mean", q->mean.ok ? num(q->mean.value) : json_null());
    json_object_set_new(o, "lo", q->mean.ok ? num(q->mean.lo) : json_null());
    json_object_set_new(o, "hi", q->mean.ok ? num(q->mean.hi) : json_null());
    json_object_set_new(o, "top", json_integer(q->sums.hi));
    json_object_set_new(o, "bottom", json_integer(q->sums.lo));
    return o;
}

static json_t *group_json(const es_scores_group *g)
{
    json_t *o = json_object(), *qs = json_array();
    json_object_set_new(o, "level", json_string(LEVELS[g->level]));
    json_object_set_new(o, "key", json_string(g->key));
    json_object_set_new(o, "name", json_string(g->name));
    if (g->level == ES_SCORES_BY_LOCATION) {
        json_object_set_new(o, "location_id", json_integer(g->location_id));
        json_object_set_new(o, "code", json_string(g->code));
    }
    json_object_set_new(o, "n_locations", json_integer(g->n_locations));
    json_object_set_new(o, "period", *g->period ? json_string(g->period) : json_null());
    json_object_set_new(o, "period_start",
                        *g->period ? date_of(g->first_day * 86400) : json_null());
    json_object_set_new(o, "csat", ci_json(&g->csat));
    json_object_set_new(o, "nps", ci_json(&g->nps));
    for (size_t i = 0; i < g->n_questions; i++)
        json_array_append_new(qs, question_json(&g->q[i]));
    json_object_set_new(o, "questions", qs);
    return o;
}

/* Dumps j compactly and frees it. */
static char *dump(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(j);
    return s;
}

/* See scores.h. */
char *es_scores_json(const es_scores *sc)
{
    json_t *items = json_array();
    for (size_t i = 0; sc && i < sc->n; i++)
        json_array_append_new(items, group_json(&sc->g[i]));
    return dump(json_pack("{s:o}", "items", items));
}

/* ---- CSV ------------------------------------------------------------------------- */

/* Writes s as a CSV field (quoted when it holds a comma, quote or line
 * break; a leading = + - @ is prefixed with ' so spreadsheets do not run
 * it). */
static void csv_str(FILE *fp, const char *s)
{
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (*s && strchr("=+-@", *s) && !(*s == '-' && s[1] >= '0' && s[1] <= '9'))
        fputc('\'', fp);
    if (quote)
        fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    if (quote)
        fputc('"', fp);
}

/* An interval as n,value,lo,hi (empty cells without answers). */
static void csv_ci(FILE *fp, const es_score_ci *c)
{
    if (c->ok)
        fprintf(fp, ",%lld,%.3f,%.3f,%.3f", (long long)c->n, c->value, c->lo, c->hi);
    else
        fputs(",0,,,", fp);
}

/* See scores.h. */
char *es_scores_csv(const es_scores *sc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp)
        return NULL;
    fputs("level,key,code,name,period,csat_n,csat,csat_lo,csat_hi,nps_n,nps,nps_lo,nps_hi,"
          "question,kind,role,n,mean,mean_lo,mean_hi\r\n",
          fp);
    for (size_t i = 0; sc && i < sc->n; i++) {
        const es_scores_group *g = &sc->g[i];
        for (size_t k = 0; k < (g->n_questions ? g->n_questions : 1); k++) {
            fprintf(fp, "%s,", LEVELS[g->level]);
            csv_str(fp, g->key);
            fputc(',', fp);
            csv_str(fp, g->code);
            fputc(',', fp);
            csv_str(fp, g->name);
            fprintf(fp, ",%s", g->period);
            csv_ci(fp, &g->csat);
            csv_ci(fp, &g->nps);
            if (!g->n_questions) {
                fputs(",,,,0,,,\r\n", fp);
                continue;
            }
            const es_scores_question *q = &g->q[k];
            fprintf(fp, ",%s,%s,%s", q->key, es_question_kind_name(q->kind),
                    es_question_role_name(q->role));
            csv_ci(fp, &q->mean);
            fputs("\r\n", fp);
        }
    }
    if (fclose(fp) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- trends ----------------------------------------------------------------------- */

static json_t *gap_json(const es_scores_gap *g)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:f, s:b}", "key", g->key, "label",
                     g->label, "mean", num(g->mean), "org_mean", num(g->org_mean), "top_quarter",
                     num(g->top_quarter), "gap", num(g->gap), "n", (json_int_t)g->n, "p", g->p,
                     "low", g->low);
}

static json_t *trend_json(const es_scores_trend *t)
{
    json_t *qs = json_array(), *gaps = json_array();
    for (size_t i = 0; i < t->n_questions; i++) {
        json_t *q = question_json(&t->q[i]);
        json_object_set_new(q, "prev",
                            t->q_prev[i].sums.n ? question_json(&t->q_prev[i]) : json_null());
        json_object_set_new(q, "change", test_json(&t->q_test[i]));
        json_array_append_new(qs, q);
    }
    for (size_t i = 0; i < t->n_gaps; i++)
        json_array_append_new(gaps, gap_json(&t->gaps[i]));
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
                     " s:o}",
                     "location_id", (json_int_t)t->location_id, "key", t->key, "code", t->code,
                     "name", t->name, "status", t->status, "problem", t->problem, "why", t->why,
                     "csat", ci_json(&t->csat), "csat_prev", ci_json(&t->csat_prev), "csat_change",
                     test_json(&t->csat_test), "nps", ci_json(&t->nps), "nps_prev",
                     ci_json(&t->nps_prev), "nps_change", test_json(&t->nps_test), "questions", qs,
                     "gaps", gaps);
}

/* See scores.h. */
char *es_scores_trend_json(const es_scores_trends *t)
{
    json_t *items = json_array();
    for (size_t i = 0; i < t->n; i++)
        json_array_append_new(items, trend_json(&t->t[i]));
    return dump(json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "since", date_of(t->since),
                          "until", date_of(t->until), "previous_since", date_of(t->prev_since),
                          "org_csat", ci_json(&t->org_csat), "org_nps", ci_json(&t->org_nps),
                          "csat_decile", num(t->csat_decile), "items", items));
}

/* See scores.h. */
char *es_scores_trend_csv(const es_scores_trends *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp)
        return NULL;
    fputs("code,key,name,status,problem,csat_n,csat,csat_prev,csat_diff,csat_p,nps_n,nps,"
          "nps_prev,nps_diff,nps_p,low_drivers,why\r\n",
          fp);
    for (size_t i = 0; i < t->n; i++) {
        const es_scores_trend *r = &t->t[i];
        csv_str(fp, r->code);
        fputc(',', fp);
        csv_str(fp, r->key);
        fputc(',', fp);
        csv_str(fp, r->name);
        fprintf(fp, ",%s,%d,%lld,%.3f,%.3f,%.3f,%.6g,%lld,%.3f,%.3f,%.3f,%.6g,", r->status,
                r->problem, (long long)r->csat.n, r->csat.value, r->csat_prev.value,
                r->csat_test.diff, r->csat_test.ok ? r->csat_test.p : 1.0, (long long)r->nps.n,
                r->nps.value, r->nps_prev.value, r->nps_test.diff,
                r->nps_test.ok ? r->nps_test.p : 1.0);
        for (size_t k = 0, first = 1; k < r->n_gaps; k++)
            if (r->gaps[k].low) {
                fprintf(fp, "%s%s", first ? "" : ";", r->gaps[k].key);
                first = 0;
            }
        fputc(',', fp);
        csv_str(fp, r->why);
        fputs("\r\n", fp);
    }
    if (fclose(fp) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
