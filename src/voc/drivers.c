/*
 * drivers.c - the regression at the heart of key-driver analysis
 * (include/earshot/drivers.h): ordinary least squares with GSL, the
 * significance of each coefficient, standardised coefficients and Johnson's
 * relative weights. Called by drivers_run.c (survey drivers), topics.c
 * (mention topics) and the unit tests; it knows nothing of the store.
 *
 * Relative weights (Johnson 2000). With R the drivers' correlation matrix,
 * R = V L V' its eigen-decomposition and r the drivers' correlations with
 * the target: Lambda = V L^1/2 V' holds the correlations between the
 * drivers and their closest orthogonal counterparts Z; the target's
 * standardised coefficients on Z are beta* = V L^-1/2 V' r; and driver j's
 * weight is sum_k Lambda[j][k]^2 beta*[k]^2. The weights sum to
 * r' R^-1 r = R^2. Eigenvalues at (or below) a tiny tolerance are treated
 * as zero (a pseudo-inverse), so collinear drivers share their weight
 * instead of failing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>

#include "earshot/drivers.h"

/* Below this (relative to the largest) an eigenvalue or singular value is
 * zero: the drivers are then treated as collinear. */
#define TOL 1e-9
/* A spread below FLAT * (1 + |mean|) is rounding, not variation: the
 * column counts as constant. Values beyond +-BIG are refused: answers,
 * indicators and sentiment scores are small numbers, and the bounds keep
 * every square and product far from overflow and from subnormals. */
#define FLAT 1e-9
#define BIG 1e12

/* See drivers.h. GSL's default handler aborts the process; ours return codes. */
void es_drivers_gsl_quiet(void)
{
    static int done;
    if (!done) {
        gsl_set_error_handler_off();
        done = 1;
    }
}

static es_err fail(char *err, size_t size, es_err rc, const char *why)
{
    if (err && size)
        snprintf(err, size, "%s", why);
    return rc;
}

/* Column j's mean and sample standard deviation (n - 1), the squares
 * taken of deviations scaled by the largest, so that tiny or huge values
 * keep their precision. */
static void col_stats(const double *x, size_t n, size_t stride, size_t j, double *mean, double *sd)
{
    double m = 0, ss = 0, top = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i * stride + j] / (double)n;
    for (size_t i = 0; i < n; i++)
        top = fmax(top, fabs(x[i * stride + j] - m));
    for (size_t i = 0; top > 0 && i < n; i++) {
        double d = (x[i * stride + j] - m) / top;
        ss += d * d;
    }
    *mean = m;
    *sd = top * sqrt(ss / (double)(n - 1));
}

/* The OLS fit with an intercept on standardised x and y (z-scores, so
 * that the scale of the answers costs no precision): coefficients,
 * standard errors, t, p, R^2. */
static es_err ols(const double *x, const double *y, size_t n, size_t p, es_drivers_fit *out)
{
    gsl_matrix *X = gsl_matrix_alloc(n, p + 1), *cov = gsl_matrix_alloc(p + 1, p + 1);
    gsl_vector *Y = gsl_vector_alloc(n), *c = gsl_vector_alloc(p + 1);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, p + 1);
    es_err rc = ES_ENOMEM;
    if (!X || !cov || !Y || !c || !w)
        goto out;
    for (size_t i = 0; i < n; i++) {
        gsl_matrix_set(X, i, 0, 1.0);
        for (size_t j = 0; j < p; j++)
            gsl_matrix_set(X, i, j + 1, x[i * p + j]);
        gsl_vector_set(Y, i, y[i]);
    }
    double chisq = 0;
    size_t rank = 0;
    rc = ES_EINVAL;
    if (gsl_multifit_linear_tsvd(X, Y, TOL, c, cov, &chisq, &rank, w) != GSL_SUCCESS)
        goto out;
    rc = ES_OK;
    /* The residual sum of squares from the coefficients themselves (when
     * columns are truncated, chisq is not always the residual of c). */
    chisq = 0;
    for (size_t i = 0; i < n; i++) {
        double fit = gsl_vector_get(c, 0);
        for (size_t j = 0; j < p; j++)
            fit += gsl_vector_get(c, j + 1) * x[i * p + j];
        chisq += (y[i] - fit) * (y[i] - fit);
    }
    double tss = 0; /* y is standardised: its sum of squares is about n - 1 */
    for (size_t i = 0; i < n; i++)
        tss += y[i] * y[i];
    double df = (double)n - (double)p - 1;
    out->rank_deficient = rank < p + 1;
    out->r2 = tss > 0 ? 1.0 - chisq / tss : 0;
    out->adj_r2 = 1.0 - (1.0 - out->r2) * (double)(n - 1) / df;
    /* Back from standard units: b = beta sd(y) / sd(x), and so for se. */
    out->intercept = out->y_mean;
    for (size_t j = 0; j < p; j++) {
        es_driver_coef *k = &out->c[j];
        double scale = out->y_sd / k->sd, var = gsl_matrix_get(cov, j + 1, j + 1);
        k->beta = gsl_vector_get(c, j + 1);
        k->b = k->beta * scale;
        out->intercept -= k->b * k->mean;
        if (out->rank_deficient || !(var > 0)) {
            k->se = k->t = k->p = NAN;
            continue;
        }
        k->se = sqrt(var) * scale;
        k->t = k->beta / sqrt(var);
        k->p = 2.0 * gsl_cdf_tdist_Q(fabs(k->t), df);
    }
out:
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(Y);
    gsl_vector_free(c);
    gsl_multifit_linear_free(w);
    return rc;
}

/* The correlation matrix of the drivers (R, p x p) and their correlations
 * with y (r), from the standardised columns. */
static void correlations(const double *x, const double *y, size_t n, size_t p, gsl_matrix *R,
                         gsl_vector *r)
{
    for (size_t a = 0; a < p; a++) {
        for (size_t b = a; b < p; b++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += x[i * p + a] * x[i * p + b];
            s /= (double)(n - 1);
            gsl_matrix_set(R, a, b, s);
            gsl_matrix_set(R, b, a, s);
        }
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += x[i * p + a] * y[i];
        gsl_vector_set(r, a, s / (double)(n - 1));
    }
}

/* Marks f's drivers as collinear: no t statistics or p-values. */
static void collinear(es_drivers_fit *f)
{
    f->rank_deficient = 1;
    for (size_t j = 0; j < f->p; j++)
        f->c[j].se = f->c[j].t = f->c[j].p = NAN;
}

/* Johnson's relative weights into f->c[].rw (see the top of the file). */
static es_err relative_weights(const double *x, const double *y, size_t n, size_t p,
                               es_drivers_fit *f)
{
    gsl_matrix *R = gsl_matrix_alloc(p, p), *V = gsl_matrix_alloc(p, p);
    gsl_matrix *half = gsl_matrix_calloc(p, p);
    gsl_vector *r = gsl_vector_alloc(p), *L = gsl_vector_alloc(p), *bz = gsl_vector_calloc(p);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(p);
    es_err rc = ES_ENOMEM;
    if (!R || !V || !half || !r || !L || !bz || !w)
        goto out;
    correlations(x, y, n, p, R, r);
    rc = ES_EINVAL;
    if (gsl_eigen_symmv(R, L, V, w) != GSL_SUCCESS) /* destroys R's lower half; not read again */
        goto out;
    rc = ES_OK;
    double top = gsl_vector_max(L);
    /* A (nearly) zero eigenvalue: the drivers are collinear, so their
     * separate coefficients mean nothing; their weights stay defined. */
    if (gsl_vector_min(L) <= TOL * top)
        collinear(f);
    for (size_t a = 0; a < p; a++) {
        for (size_t b = 0; b < p; b++) {
            double h = 0, inv = 0;
            for (size_t k = 0; k < p; k++) {
                double l = gsl_vector_get(L, k),
                       vv = gsl_matrix_get(V, a, k) * gsl_matrix_get(V, b, k);
                if (l > TOL * top) {
                    h += vv * sqrt(l);
                    inv += vv / sqrt(l);
                }
            }
            gsl_matrix_set(half, a, b, h);
            bz->data[a * bz->stride] += inv * gsl_vector_get(r, b);
        }
    }
    for (size_t j = 0; j < p; j++) {
        double s = 0;
        for (size_t k = 0; k < p; k++) {
            double lam = gsl_matrix_get(half, j, k), b = gsl_vector_get(bz, k);
            s += lam * lam * b * b;
        }
        f->c[j].rw = s;
    }
out:
    gsl_matrix_free(R);
    gsl_matrix_free(V);
    gsl_matrix_free(half);
    gsl_vector_free(r);
    gsl_vector_free(L);
    gsl_vector_free(bz);
    gsl_eigen_symmv_free(w);
    return rc;
}

/* Ranks the drivers by relative weight (1: the largest; ties by order) and
 * fills their shares of R^2. */
static void rank_weights(es_drivers_fit *f)
{
    double total = 0;
    for (size_t j = 0; j < f->p; j++)
        total += f->c[j].rw;
    for (size_t j = 0; j < f->p; j++) {
        int rank = 1;
        for (size_t k = 0; k < f->p; k++)
            if (f->c[k].rw > f->c[j].rw || (f->c[k].rw == f->c[j].rw && k < j))
                rank++;
        f->c[j].rank = rank;
        f->c[j].share = total > 0 ? f->c[j].rw / total : 0;
    }
}

/* See drivers.h. */
es_err es_drivers_regress(const double *x, const double *y, size_t n, size_t p, es_drivers_fit *out,
                          char *err, size_t size)
{
    es_drivers_gsl_quiet();
    if (!x || !y || !out || p < 1 || p > ES_DRIVERS_MAX)
        return fail(err, size, ES_EINVAL, "between 1 and 24 drivers are needed");
    if (n < p + 2)
        return fail(err, size, ES_EINVAL, "too few responses for the number of drivers");
    memset(out, 0, sizeof *out);
    out->n = n;
    out->p = p;
    for (size_t i = 0; i < n * p; i++)
        if (!(fabs(x[i]) <= BIG) || (i < n && !(fabs(y[i]) <= BIG)))
            return fail(err, size, ES_EINVAL, "a value is not a finite number within +-1e12");
    col_stats(y, n, 1, 0, &out->y_mean, &out->y_sd);
    if (!(out->y_sd > FLAT * (1 + fabs(out->y_mean))))
        return fail(err, size, ES_EINVAL, "every response gives the same target value");
    for (size_t j = 0; j < p; j++) {
        col_stats(x, n, p, j, &out->c[j].mean, &out->c[j].sd);
        if (!(out->c[j].sd > FLAT * (1 + fabs(out->c[j].mean))))
            return fail(err, size, ES_EINVAL, "a driver has the same answer in every response");
    }
    double *zx = malloc(n * p * sizeof *zx), *zy = malloc(n * sizeof *zy);
    es_err rc = zx && zy ? ES_OK : ES_ENOMEM;
    for (size_t i = 0; rc == ES_OK && i < n; i++) {
        zy[i] = (y[i] - out->y_mean) / out->y_sd;
        for (size_t j = 0; j < p; j++)
            zx[i * p + j] = (x[i * p + j] - out->c[j].mean) / out->c[j].sd;
    }
    if (rc == ES_OK)
        rc = ols(zx, zy, n, p, out);
    if (rc == ES_OK)
        rc = relative_weights(zx, zy, n, p, out);
    free(zx);
    free(zy);
    if (rc == ES_ENOMEM)
        return fail(err, size, rc, "out of memory");
    if (rc)
        return fail(err, size, rc, "the regression failed (GSL)");
    rank_weights(out);
    return ES_OK;
}
