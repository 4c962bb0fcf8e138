/*
 * trend.c - each location's trend (include/earshot/scores.h): its scores in
 * a period against the previous period of the same length, with the tests
 * of the change (stats.c), the improving / declining / steady status, the
 * problem flag and its driver gaps (score_gaps.c). The rules are in
 * docs/scores.md; `earshot scores trend`, GET /api/v1/scores/trend and the
 * location report call it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "voc/scores_int.h"

#define ALPHA 0.05         /* a change is significant below this p */
#define PROBLEM_MIN_N 30   /* answers a location needs to be called a problem */
#define DECILE_MIN_LOCS 10 /* locations (n >= 30) the bottom-decile rule needs */

/* See scores.h. */
const char *es_scores_classify(const es_score_test *csat, const es_score_test *nps)
{
    int down = (csat->ok && csat->diff < 0 && csat->p < ALPHA) ||
               (nps->ok && nps->diff < 0 && nps->p < ALPHA);
    int up = (csat->ok && csat->diff > 0 && csat->p < ALPHA) ||
             (nps->ok && nps->diff > 0 && nps->p < ALPHA);
    return down ? "declining" : up ? "improving" : "steady";
}

/* See scores.h. decile is NAN when the rule does not apply. */
int es_scores_is_problem(const es_score_ci *csat, const es_score_ci *org_csat, double decile,
                         char *why, size_t size)
{
    if (size)
        why[0] = '\0';
    if (!csat->ok || csat->n < PROBLEM_MIN_N)
        return 0;
    if (org_csat->ok && csat->hi < org_csat->value) {
        snprintf(why, size, "CSAT %.1f%% (up to %.1f%%) is below the organisation's %.1f%%",
                 csat->value, csat->hi, org_csat->value);
        return 1;
    }
    if (!isnan(decile) && csat->value <= decile) {
        snprintf(why, size, "CSAT %.1f%% is in the bottom decile of locations (<= %.1f%%)",
                 csat->value, decile);
        return 1;
    }
    return 0;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The 10th percentile of the CSAT of locations with n >= 30, or NAN when
 * fewer than DECILE_MIN_LOCS have that many answers. */
static double csat_decile(const es_scores *sc)
{
    double *v = malloc((sc->n ? sc->n : 1) * sizeof *v), out = NAN;
    size_t n = 0;
    for (size_t i = 0; v && i < sc->n; i++)
        if (sc->g[i].level == ES_SCORES_BY_LOCATION && sc->g[i].csat.n >= PROBLEM_MIN_N)
            v[n++] = sc->g[i].csat.value;
    if (v && n >= DECILE_MIN_LOCS) {
        qsort(v, n, sizeof *v, dbl_cmp);
        double h = (double)(n - 1) * 0.1;
        size_t lo = (size_t)floor(h);
        out = v[lo] + (h - (double)lo) * (v[lo + 1 < n ? lo + 1 : lo] - v[lo]);
    }
    free(v);
    return out;
}

/* The group of location id at level location in sc, or NULL. */
static const es_scores_group *find_loc(const es_scores *sc, int64_t id)
{
    for (size_t i = 0; i < sc->n; i++)
        if (sc->g[i].level == ES_SCORES_BY_LOCATION && sc->g[i].location_id == id)
            return &sc->g[i];
    return NULL;
}

/* The organisation group of sc, or NULL. */
static const es_scores_group *find_org(const es_scores *sc)
{
    for (size_t i = 0; i < sc->n; i++)
        if (sc->g[i].level == ES_SCORES_BY_ORG)
            return &sc->g[i];
    return NULL;
}

/* The sums of the role's questions in g (overall: CSAT; recommend: NPS). */
static es_score_sums role_sums(const es_scores_group *g, es_question_role role)
{
    es_score_sums t = {0};
    for (size_t i = 0; g && i < g->n_questions; i++)
        if (g->q[i].role == role) {
            t.n += g->q[i].sums.n, t.hi += g->q[i].sums.hi, t.lo += g->q[i].sums.lo;
            t.sum += g->q[i].sums.sum, t.sumsq += g->q[i].sums.sumsq;
        }
    return t;
}

/* Fills trend t of location group cur against prev (may be NULL). */
static es_err fill(es_scores_trend *t, const es_scores *now, const es_scores_group *cur,
                   const es_scores_group *prev, const es_scores_trends *all)
{
    memset(t, 0, sizeof *t);
    t->location_id = cur->location_id;
    memcpy(t->key, cur->key, sizeof t->key);
    memcpy(t->code, cur->code, sizeof t->code);
    memcpy(t->name, cur->name, sizeof t->name);
    t->csat = cur->csat, t->nps = cur->nps;
    es_score_sums o1 = role_sums(cur, ES_QR_OVERALL), o2 = role_sums(prev, ES_QR_OVERALL);
    es_score_sums r1 = role_sums(cur, ES_QR_RECOMMEND), r2 = role_sums(prev, ES_QR_RECOMMEND);
    if (prev)
        t->csat_prev = prev->csat, t->nps_prev = prev->nps;
    es_score_test_csat(o1.hi, o1.n, o2.hi, o2.n, &t->csat_test);
    es_score_test_nps(&r1, &r2, &t->nps_test);
    t->n_questions = cur->n_questions;
    for (size_t i = 0; i < cur->n_questions; i++) {
        t->q[i] = cur->q[i];
        const es_scores_question *pq = es_scores_question_find(prev, cur->q[i].key);
        if (pq)
            t->q_prev[i] = *pq;
        else
            memset(&t->q_prev[i], 0, sizeof t->q_prev[i]);
        es_score_test_mean(&t->q[i].sums, &t->q_prev[i].sums, &t->q_test[i]);
    }
    t->status = es_scores_classify(&t->csat_test, &t->nps_test);
    t->problem =
        es_scores_is_problem(&t->csat, &all->org_csat, all->csat_decile, t->why, sizeof t->why);
    return es_scores_driver_gaps(now, find_org(now), cur->location_id, t->gaps,
                                 ES_SCORES_MAX_QUESTIONS, &t->n_gaps);
}

/* See scores.h. */
es_err es_scores_trend_compute(es_store_t *s, const es_scores_query *q, es_scores_trends **out)
{
    if (!s || !q || !out)
        return ES_EINVAL;
    *out = NULL;
    es_scores_query cq = *q;
    cq.period = ES_SCORES_WHOLE;
    cq.location_id = 0; /* the organisation and the best quarter need every location */
    cq.until = q->until ? (q->until + 86399) / 86400 * 86400 : (time(NULL) / 86400 + 1) * 86400;
    cq.since = q->since ? q->since / 86400 * 86400 : cq.until - 28 * 86400;
    if (cq.since >= cq.until)
        return ES_EINVAL;
    es_scores_query pq = cq;
    pq.until = cq.since;
    pq.since = cq.since - (cq.until - cq.since);
    unsigned levels = (1u << ES_SCORES_BY_LOCATION) | (1u << ES_SCORES_BY_ORG);
    es_scores *now = NULL, *before = NULL;
    es_scores_trends *tr = calloc(1, sizeof *tr);
    es_err rc = tr ? es__scores_build(s, &cq, levels, &now) : ES_ENOMEM;
    if (!rc)
        rc = es__scores_build(s, &pq, levels, &before);
    size_t nloc = 0;
    for (size_t i = 0; !rc && i < now->n; i++)
        nloc += now->g[i].level == ES_SCORES_BY_LOCATION &&
                (!q->location_id || now->g[i].location_id == q->location_id);
    if (!rc && !(tr->t = calloc(nloc ? nloc : 1, sizeof *tr->t)))
        rc = ES_ENOMEM;
    if (!rc) {
        tr->since = cq.since, tr->until = cq.until, tr->prev_since = pq.since;
        const es_scores_group *org = find_org(now);
        if (org)
            tr->org_csat = org->csat, tr->org_nps = org->nps;
        tr->csat_decile = csat_decile(now);
    }
    for (size_t i = 0; !rc && i < now->n; i++)
        if (now->g[i].level == ES_SCORES_BY_LOCATION &&
            (!q->location_id || now->g[i].location_id == q->location_id))
            rc =
                fill(&tr->t[tr->n++], now, &now->g[i], find_loc(before, now->g[i].location_id), tr);
    es_scores_free(now);
    es_scores_free(before);
    if (rc) {
        es_scores_trends_free(tr);
        return rc;
    }
    *out = tr;
    return ES_OK;
}

/* See scores.h. */
void es_scores_trends_free(es_scores_trends *t)
{
    if (t)
        free(t->t);
    free(t);
}
