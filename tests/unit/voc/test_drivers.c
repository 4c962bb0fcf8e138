/*
 * test_drivers.c - the key-driver regression (src/voc/drivers.c) on cases
 * checked by hand: a textbook simple regression (coefficients, standard
 * error, t and p worked out on paper), orthogonal drivers (relative
 * weights equal squared betas and sum to R^2), correlated and duplicated
 * drivers (weights still sum to R^2, are never negative, and a duplicate
 * shares its twin's weight), and the refusals of unusable input.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/drivers.h"

/* x = 1..5, y = 2 4 5 4 5: b = 0.6, a = 2.2, SSE = 2.4, s^2 = 0.8,
 * Sxx = 10, se = sqrt(0.08), t = 2.1213, two-sided p (3 df) = 0.12403,
 * R^2 = 1 - 2.4 / 6 = 0.6. */
static void test_simple_by_hand(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4, 5}, y[] = {2, 4, 5, 4, 5};
    es_drivers_fit f;
    char err[128];
    assert_int_equal(es_drivers_regress(x, y, 5, 1, &f, err, sizeof err), ES_OK);
    assert_int_equal(f.n, 5);
    assert_true(fabs(f.intercept - 2.2) < 1e-9);
    assert_true(fabs(f.c[0].b - 0.6) < 1e-9);
    assert_true(fabs(f.c[0].se - sqrt(0.08)) < 1e-9);
    assert_true(fabs(f.c[0].t - 0.6 / sqrt(0.08)) < 1e-9);
    assert_true(fabs(f.c[0].p - 0.124027) < 1e-5);
    assert_true(fabs(f.r2 - 0.6) < 1e-9);
    /* One driver: beta is the correlation, its weight r^2 = R^2. */
    assert_true(fabs(f.c[0].beta - sqrt(0.6)) < 1e-9);
    assert_true(fabs(f.c[0].rw - 0.6) < 1e-9);
    assert_true(fabs(f.c[0].share - 1.0) < 1e-9);
    assert_int_equal(f.c[0].rank, 1);
    assert_false(f.rank_deficient);
}

/* Three orthogonal, centred drivers (a 2^3 design repeated twice) and a
 * residual orthogonal to all of them: each relative weight is the squared
 * beta, and they sum to R^2. */
static void test_orthogonal(void **state)
{
    (void)state;
    double x[16 * 3], y[16];
    const double e[16] = {1, -1, -1, 1, -1, 1, 1, -1, -1, 1, 1, -1, 1, -1, -1, 1};
    for (int i = 0; i < 16; i++) {
        double a = (i & 1) ? 1 : -1, b = (i & 2) ? 1 : -1, c = (i & 4) ? 1 : -1;
        x[i * 3] = a, x[i * 3 + 1] = b, x[i * 3 + 2] = c;
        y[i] = 3 + 2 * a + 1 * b + 0.5 * c + 0.7 * e[i] * ((i & 8) ? 1 : -1);
    }
    es_drivers_fit f;
    assert_int_equal(es_drivers_regress(x, y, 16, 3, &f, NULL, 0), ES_OK);
    assert_true(fabs(f.c[0].b - 2) < 1e-9 && fabs(f.c[1].b - 1) < 1e-9 &&
                fabs(f.c[2].b - 0.5) < 1e-9);
    double sum = 0;
    for (int j = 0; j < 3; j++) {
        assert_true(fabs(f.c[j].rw - f.c[j].beta * f.c[j].beta) < 1e-9);
        sum += f.c[j].rw;
    }
    assert_true(fabs(sum - f.r2) < 1e-9);
    /* R^2 by hand: explained 4 + 1 + 0.25 = 5.25 per row, residual 0.49. */
    assert_true(fabs(f.r2 - 5.25 / 5.74) < 1e-9);
    assert_int_equal(f.c[0].rank, 1);
    assert_int_equal(f.c[1].rank, 2);
    assert_int_equal(f.c[2].rank, 3);
}

/* A small deterministic generator for the correlated case. */
static double unif(uint64_t *st)
{
    *st = *st * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*st >> 11) / 9007199254740992.0;
}

/* Correlated drivers: weights are non-negative and sum to R^2; a driver
 * that is a copy of another shares its weight equally and makes the fit
 * rank-deficient (no t or p). */
static void test_correlated_and_duplicate(void **state)
{
    (void)state;
    enum { N = 200 };
    static double x[N * 3], x2[N * 3], y[N];
    uint64_t st = 42;
    for (int i = 0; i < N; i++) {
        double a = unif(&st), b = 0.6 * a + 0.4 * unif(&st), c = unif(&st);
        x[i * 3] = a, x[i * 3 + 1] = b, x[i * 3 + 2] = c;
        x2[i * 3] = a, x2[i * 3 + 1] = a, x2[i * 3 + 2] = c;
        y[i] = a + 0.5 * b + 0.2 * c + 0.3 * unif(&st);
    }
    es_drivers_fit f;
    assert_int_equal(es_drivers_regress(x, y, N, 3, &f, NULL, 0), ES_OK);
    double sum = 0;
    for (int j = 0; j < 3; j++) {
        assert_true(f.c[j].rw >= 0);
        assert_true(f.c[j].p >= 0 && f.c[j].p <= 1);
        sum += f.c[j].rw;
    }
    assert_true(fabs(sum - f.r2) < 1e-9);
    assert_false(f.rank_deficient);
    assert_int_equal(es_drivers_regress(x2, y, N, 3, &f, NULL, 0), ES_OK);
    assert_true(f.rank_deficient);
    assert_true(isnan(f.c[0].t) && isnan(f.c[0].p));
    assert_true(fabs(f.c[0].rw - f.c[1].rw) < 1e-9);
    assert_true(fabs(f.c[0].rw + f.c[1].rw + f.c[2].rw - f.r2) < 1e-9);
}

/* Input no regression can use is refused with a message. */
static void test_refusals(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4, 5}, same[] = {3, 3, 3, 3, 3}, y[] = {2, 4, 5, 4, 5};
    es_drivers_fit f;
    char err[128] = "";
    assert_int_equal(es_drivers_regress(same, y, 5, 1, &f, err, sizeof err), ES_EINVAL);
    assert_non_null(strstr(err, "same answer"));
    assert_int_equal(es_drivers_regress(x, same, 5, 1, &f, err, sizeof err), ES_EINVAL);
    assert_non_null(strstr(err, "same target"));
    const double inf[] = {1, 2, INFINITY, 4, 5};
    assert_int_equal(es_drivers_regress(inf, y, 5, 1, &f, err, sizeof err), ES_EINVAL);
    assert_non_null(strstr(err, "finite"));
    assert_int_equal(es_drivers_regress(x, y, 2, 1, &f, err, sizeof err), ES_EINVAL);
    assert_non_null(strstr(err, "too few"));
    assert_int_equal(es_drivers_regress(x, y, 5, 0, &f, err, sizeof err), ES_EINVAL);
    assert_int_equal(es_drivers_regress(x, y, 5, ES_DRIVERS_MAX + 1, &f, err, sizeof err),
                     ES_EINVAL);
    assert_int_equal(es_drivers_regress(NULL, y, 5, 1, &f, err, sizeof err), ES_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_by_hand),
        cmocka_unit_test(test_orthogonal),
        cmocka_unit_test(test_correlated_and_duplicate),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
