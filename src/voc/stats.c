/*
 * stats.c - the statistics of survey scores (include/earshot/scores.h):
 * CSAT with the Wilson interval, NPS with the normal interval of the
 * multinomial promoter-minus-detractor difference, means with t intervals,
 * and the tests of a change between two periods (two-proportion z, the NPS
 * difference's z, Welch's t). Quantiles and p-values come from GSL. Pure
 * functions, thread-safe; docs/scores.md gives the formulas.
 */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <string.h>

#include "earshot/scores.h"

#define Z95 1.959963984540054 /* gsl_cdf_ugaussian_Pinv(0.975) */

/* See scores.h. */
void es_score_csat(int64_t k, int64_t n, es_score_ci *out)
{
    memset(out, 0, sizeof *out);
    if (n <= 0 || k < 0 || k > n)
        return;
    double p = (double)k / (double)n, nn = (double)n, z2 = Z95 * Z95;
    double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    double half = Z95 / (1 + z2 / nn) * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    out->ok = 1;
    out->n = n;
    out->value = 100 * p;
    out->lo = 100 * fmax(0, centre - half);
    out->hi = 100 * fmin(1, centre + half);
}

/* The variance of one answer's promoter-minus-detractor score. */
static double nps_var(double p, double d)
{
    double v = p + d - (p - d) * (p - d);
    return v > 0 ? v : 0;
}

/* See scores.h. */
void es_score_nps(int64_t promoters, int64_t detractors, int64_t n, es_score_ci *out)
{
    memset(out, 0, sizeof *out);
    if (n <= 0 || promoters < 0 || detractors < 0 || promoters + detractors > n)
        return;
    double p = (double)promoters / (double)n, d = (double)detractors / (double)n;
    double se = sqrt(nps_var(p, d) / (double)n);
    out->ok = 1;
    out->n = n;
    out->value = 100 * (p - d);
    out->lo = 100 * fmax(-1, p - d - Z95 * se);
    out->hi = 100 * fmin(1, p - d + Z95 * se);
}

/* The sample variance from sums (0 for n < 2; never negative). */
static double sample_var(int64_t n, double sum, double sumsq)
{
    if (n < 2)
        return 0;
    double v = (sumsq - sum * sum / (double)n) / (double)(n - 1);
    return v > 0 ? v : 0;
}

/* See scores.h. */
void es_score_mean(int64_t n, double sum, double sumsq, es_score_ci *out)
{
    memset(out, 0, sizeof *out);
    if (n <= 0)
        return;
    out->ok = 1;
    out->n = n;
    out->value = out->lo = out->hi = sum / (double)n;
    if (n < 2)
        return;
    double half =
        gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * sqrt(sample_var(n, sum, sumsq) / (double)n);
    out->lo = out->value - half;
    out->hi = out->value + half;
}

/* The two-sided p-value of a standard normal z. */
static double p_normal(double z)
{
    return 2 * gsl_cdf_ugaussian_Q(fabs(z));
}

/* Finishes a z test from diff and se (se 0: p 1 when diff is 0, else 0). */
static void z_test(double diff, double se, es_score_test *out)
{
    out->ok = 1;
    out->diff = diff;
    out->se = se;
    if (se > 0) {
        out->stat = diff / se;
        out->p = p_normal(out->stat);
    } else {
        out->stat = 0;
        out->p = diff == 0 ? 1 : 0;
    }
}

/* See scores.h. */
void es_score_test_csat(int64_t k1, int64_t n1, int64_t k2, int64_t n2, es_score_test *out)
{
    memset(out, 0, sizeof *out);
    if (n1 <= 0 || n2 <= 0 || k1 < 0 || k2 < 0 || k1 > n1 || k2 > n2)
        return;
    double p1 = (double)k1 / (double)n1, p2 = (double)k2 / (double)n2;
    double pool = (double)(k1 + k2) / (double)(n1 + n2);
    double se = sqrt(pool * (1 - pool) * (1.0 / (double)n1 + 1.0 / (double)n2));
    z_test(100 * (p1 - p2), 100 * se, out);
}

/* See scores.h. */
void es_score_test_nps(const es_score_sums *a, const es_score_sums *b, es_score_test *out)
{
    memset(out, 0, sizeof *out);
    if (a->n <= 0 || b->n <= 0)
        return;
    double pa = (double)a->hi / (double)a->n, da = (double)a->lo / (double)a->n;
    double pb = (double)b->hi / (double)b->n, db = (double)b->lo / (double)b->n;
    double se = sqrt(nps_var(pa, da) / (double)a->n + nps_var(pb, db) / (double)b->n);
    z_test(100 * ((pa - da) - (pb - db)), 100 * se, out);
}

/* See scores.h. */
void es_score_test_mean(const es_score_sums *a, const es_score_sums *b, es_score_test *out)
{
    memset(out, 0, sizeof *out);
    if (a->n < 2 || b->n < 2)
        return;
    double na = (double)a->n, nb = (double)b->n;
    double va = sample_var(a->n, a->sum, a->sumsq) / na;
    double vb = sample_var(b->n, b->sum, b->sumsq) / nb;
    out->ok = 1;
    out->diff = a->sum / na - b->sum / nb;
    out->se = sqrt(va + vb);
    if (out->se <= 0) {
        out->p = out->diff == 0 ? 1 : 0;
        out->df = na + nb - 2;
        return;
    }
    out->df = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1));
    out->stat = out->diff / out->se;
    out->p = 2 * gsl_cdf_tdist_Q(fabs(out->stat), out->df);
}
