/*
 * score_gaps.c - each location's gaps on the driver questions
 * (include/earshot/scores.h): the mean of the best quarter of locations on a
 * question, and a location's distance to it, with a Welch test of the
 * location against the rest of the organisation. A driver is "low" at a
 * location whose mean is below the rest of the organisation's with p <
 * 0.001 and at least an eighth of the scale below the organisation's mean
 * (0.5 points on 1-5). The location report and
 * the trend's "low driver" flags use it; action plans (key drivers) read
 * the same figures.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "voc/scores_int.h"

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The p-th quantile (0..1) of sorted v[n], interpolated (R type 7). */
static double quantile(const double *v, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

/* See scores.h. */
es_err es_scores_top_quarter(const es_scores *sc, const char *key, int64_t min_n, double *out)
{
    double *m = malloc((sc->n ? sc->n : 1) * sizeof *m);
    size_t n = 0;
    if (!m)
        return ES_ENOMEM;
    for (size_t i = 0; i < sc->n; i++) {
        const es_scores_question *qq = es_scores_question_find(&sc->g[i], key);
        if (sc->g[i].level == ES_SCORES_BY_LOCATION && qq && qq->sums.n >= min_n && qq->sums.n)
            m[n++] = qq->sums.sum / (double)qq->sums.n;
    }
    if (n == 0) {
        free(m);
        return ES_ENOTFOUND;
    }
    qsort(m, n, sizeof *m, dbl_cmp);
    double cut = quantile(m, n, 0.75), sum = 0;
    int64_t cnt = 0;
    for (size_t i = 0; i < sc->n; i++) {
        const es_scores_question *qq = es_scores_question_find(&sc->g[i], key);
        if (sc->g[i].level == ES_SCORES_BY_LOCATION && qq && qq->sums.n >= min_n && qq->sums.n &&
            qq->sums.sum / (double)qq->sums.n >= cut - 1e-12) {
            sum += qq->sums.sum;
            cnt += qq->sums.n;
        }
    }
    free(m);
    *out = sum / (double)cnt;
    return ES_OK;
}

/* Orders gaps largest first. */
static int gap_cmp(const void *a, const void *b)
{
    const es_scores_gap *x = a, *y = b;
    return x->gap > y->gap ? -1 : x->gap < y->gap;
}

/* See scores.h. The rest of the organisation is org's sums minus the
 * location's. Locations need 10 answers to a question to count towards its
 * best quarter. */
es_err es_scores_driver_gaps(const es_scores *sc, const es_scores_group *org, int64_t location_id,
                             es_scores_gap *gaps, size_t max, size_t *n)
{
    const es_scores_group *loc = NULL;
    *n = 0;
    for (size_t i = 0; i < sc->n && !loc; i++)
        if (sc->g[i].level == ES_SCORES_BY_LOCATION && sc->g[i].location_id == location_id)
            loc = &sc->g[i];
    if (!loc || !org)
        return ES_ENOTFOUND;
    for (size_t i = 0; i < loc->n_questions && *n < max; i++) {
        const es_scores_question *qq = &loc->q[i];
        const es_scores_question *oq = es_scores_question_find(org, qq->key);
        double top;
        if (qq->role != ES_QR_DRIVER || !qq->sums.n || !oq)
            continue;
        es_err rc = es_scores_top_quarter(sc, qq->key, 10, &top);
        if (rc == ES_ENOMEM)
            return rc;
        if (rc)
            continue;
        es_scores_gap *gp = memset(&gaps[(*n)++], 0, sizeof *gaps);
        snprintf(gp->key, sizeof gp->key, "%s", qq->key);
        snprintf(gp->label, sizeof gp->label, "%s", qq->label);
        gp->n = qq->sums.n;
        gp->mean = qq->sums.sum / (double)qq->sums.n;
        gp->org_mean = oq->sums.sum / (double)oq->sums.n;
        gp->top_quarter = top;
        gp->gap = top - gp->mean;
        es_score_sums rest = {oq->sums.n - qq->sums.n, oq->sums.sum - qq->sums.sum,
                              oq->sums.sumsq - qq->sums.sumsq, 0, 0};
        es_score_test t;
        es_score_test_mean(&qq->sums, &rest, &t);
        gp->p = t.ok ? t.p : 1;
        double range = qq->kind == ES_Q_YESNO ? 1 : qq->kind == ES_Q_SCALE10 ? 10 : 4;
        gp->low = t.ok && t.diff < 0 && t.p < 0.001 && gp->org_mean - gp->mean >= range / 8;
    }
    qsort(gaps, *n, sizeof *gaps, gap_cmp);
    return ES_OK;
}
