/*
 * test_scores.c - the statistics of survey scores against values computed
 * by hand (the Wilson interval of 8/10, the NPS interval of 50 promoters and
 * 20 detractors of 100, the t interval of 1..5, the two-proportion z-test of
 * 60/100 against 45/100, the NPS difference's z, Welch's t-test with its
 * fractional degrees of freedom; the references were computed with the
 * formulas of docs/scores.md and, for the t-distribution, by numerical
 * integration of its density, independently of GSL), the classification
 * rules, and scores over a real SQLite file: the per-day sums kept by the
 * triggers, CSAT/NPS/means per location, region and organisation, week
 * buckets, scoping (a scoped caller's region and organisation figures are
 * over its locations only), and driver gaps.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "earshot/location.h"
#include "earshot/scores.h"
#include "earshot/store.h"
#include "earshot/survey.h"

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) < (eps))

/* ---- statistics --------------------------------------------------------------------- */

static void test_wilson(void **state)
{
    (void)state;
    es_score_ci c;
    es_score_csat(8, 10, &c);
    assert_true(c.ok);
    NEAR(c.value, 80.0, 1e-9);
    NEAR(c.lo, 49.01624715, 1e-6);
    NEAR(c.hi, 94.33178485, 1e-6);
    es_score_csat(0, 0, &c);
    assert_false(c.ok);
    es_score_csat(10, 10, &c); /* all top answers: the interval stays below 100 */
    NEAR(c.hi, 100.0, 1e-9);
    assert_true(c.lo > 69 && c.lo < 73);
    es_score_csat(11, 10, &c);
    assert_false(c.ok);
}

static void test_nps(void **state)
{
    (void)state;
    es_score_ci c;
    es_score_nps(50, 20, 100, &c);
    NEAR(c.value, 30.0, 1e-9);
    NEAR(c.lo, 14.69219192, 1e-6);
    NEAR(c.hi, 45.30780808, 1e-6);
    es_score_nps(0, 10, 10, &c); /* every answer a detractor: no spread, clipped */
    NEAR(c.value, -100.0, 1e-9);
    NEAR(c.lo, -100.0, 1e-9);
    es_score_nps(6, 6, 10, &c);
    assert_false(c.ok);
}

static void test_mean(void **state)
{
    (void)state;
    es_score_ci c;
    es_score_mean(5, 15, 55, &c); /* 1, 2, 3, 4, 5 */
    NEAR(c.value, 3.0, 1e-12);
    NEAR(c.lo, 1.03675684, 1e-6);
    NEAR(c.hi, 4.96324316, 1e-6);
    es_score_mean(1, 4, 16, &c);
    assert_true(c.ok);
    NEAR(c.lo, 4.0, 1e-12);
    es_score_mean(0, 0, 0, &c);
    assert_false(c.ok);
}

static void test_tests(void **state)
{
    (void)state;
    es_score_test t;
    es_score_test_csat(60, 100, 45, 100, &t);
    NEAR(t.diff, 15.0, 1e-9);
    NEAR(t.stat, 2.12397698, 1e-6);
    NEAR(t.p, 0.03367207, 1e-6);
    es_score_sums a = {100, 0, 0, 50, 20}, b = {100, 0, 0, 30, 30};
    es_score_test_nps(&a, &b, &t);
    NEAR(t.diff, 30.0, 1e-9);
    NEAR(t.se, 11.0, 1e-9);
    NEAR(t.p, 0.00638602, 1e-6);
    /* Welch: n 10, mean 5, var 4 against n 20, mean 4, var 1. */
    es_score_sums x = {10, 50, 286, 0, 0}, y = {20, 80, 339, 0, 0};
    es_score_test_mean(&x, &y, &t);
    NEAR(t.diff, 1.0, 1e-12);
    NEAR(t.stat, 1.49071198, 1e-6);
    NEAR(t.df, 11.30693878, 1e-6);
    NEAR(t.p, 0.16339749, 1e-5);
    es_score_sums one = {1, 5, 25, 0, 0};
    es_score_test_mean(&x, &one, &t);
    assert_false(t.ok);
}

static void test_classify(void **state)
{
    (void)state;
    es_score_test up = {1, 8, 3, 2.6, 0.009, 0}, down = {1, -8, 3, -2.6, 0.009, 0};
    es_score_test flat_down = {1, -3, 3, -1, 0.32, 0}, none = {0};
    assert_string_equal(es_scores_classify(&up, &none), "improving");
    assert_string_equal(es_scores_classify(&down, &none), "declining");
    assert_string_equal(es_scores_classify(&up, &down), "declining"); /* a fall wins */
    assert_string_equal(es_scores_classify(&flat_down, &flat_down), "steady");
    assert_string_equal(es_scores_classify(&none, &none), "steady");
    es_score_ci org = {1, 1000, 70, 67, 73};
    es_score_ci low = {1, 100, 55, 45, 64}, small = {1, 20, 30, 14, 52}, ok = {1, 100, 66, 56, 75};
    char why[160];
    assert_true(es_scores_is_problem(&low, &org, NAN, why, sizeof why));
    assert_non_null(strstr(why, "below the organisation"));
    assert_false(es_scores_is_problem(&small, &org, NAN, why, sizeof why)); /* n < 30 */
    assert_false(es_scores_is_problem(&ok, &org, NAN, why, sizeof why));
    assert_true(es_scores_is_problem(&ok, &org, 66.5, why, sizeof why)); /* bottom decile */
    assert_non_null(strstr(why, "bottom decile"));
}

/* ---- scores over a store ----------------------------------------------------------- */

typedef struct fixture {
    char dir[64], path[128];
    es_store_t *s;
    int64_t survey, loc[4];
} fixture;

#define DAY0 INT64_C(1795392000) /* 2026-11-23, a Monday */

/* Adds a response at location li on day d: overall o, recommend r, driver v. */
static void respond(fixture *f, int li, int d, int o, int r, int v)
{
    es_survey_answer a[3] = {{1, 1, o, NULL}, {2, 1, r, NULL}, {3, 1, v, NULL}};
    es_survey_response resp = {
        0, f->survey, f->loc[li], "import", NULL, NULL, 0, 0, DAY0 + d * 86400 + 3600, 0, 3, a};
    if (es_survey_response_add(f->s, &resp, NULL, NULL))
        fail_msg("response: %s", es_store_errmsg(f->s));
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_scores_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    if (es_store_open(f->path, &f->s))
        fail_msg("open: %s", es_store_errmsg(f->s));
    es_survey sv;
    es_survey_template(&sv, NULL, NULL);
    sv.is_default = 1;
    assert_int_equal(es_survey_add(f->s, &sv, 0, &f->survey), ES_OK);
    static const char *const keys[] = {"eu/fr/a", "eu/de/b", "us/c", "us/d"};
    static const char *const codes[] = {"A1", "B1", "C1", "D1"};
    for (int i = 0; i < 4; i++) {
        es_location l = {0, keys[i], codes[i], codes[i], NULL, "UTC", NULL, 0, 0};
        assert_int_equal(es_location_add(f->s, &l, 0, &f->loc[i]), ES_OK);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char p[160];
    es_store_close(f->s);
    static const char *const files[] = {"earshot.db", "earshot.db-wal", "earshot.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* The group of sc with this key, or a failure. */
static const es_scores_group *group(const es_scores *sc, const char *key)
{
    for (size_t i = 0; i < sc->n; i++)
        if (strcmp(sc->g[i].key, key) == 0)
            return &sc->g[i];
    fail_msg("no group %s", key);
    return NULL;
}

static void test_store_scores(void **state)
{
    fixture *f = *state;
    /* A: 5, 4, 2 (CSAT 2/3); recommend 10, 9, 3 (NPS 2/3 - 1/3). B: 1, 5. C: 3. */
    respond(f, 0, 0, 5, 10, 5);
    respond(f, 0, 1, 4, 9, 4);
    respond(f, 0, 8, 2, 3, 1);
    respond(f, 1, 0, 1, 0, 2);
    respond(f, 1, 2, 5, 8, 5);
    respond(f, 2, 3, 3, 7, 3);
    es_scores *sc = NULL;
    es_scores_query q = {.by = ES_SCORES_BY_LOCATION, .all_locations = 1};
    assert_int_equal(es_scores_compute(f->s, &q, &sc), ES_OK);
    assert_int_equal(sc->n, 3); /* D has no answers */
    const es_scores_group *a = group(sc, "eu/fr/a");
    assert_int_equal(a->csat.n, 3);
    NEAR(a->csat.value, 200.0 / 3, 1e-9);
    NEAR(a->nps.value, 100.0 / 3, 1e-9);
    const es_scores_question *drv = es_scores_question_find(a, "driver");
    assert_non_null(drv);
    NEAR(drv->mean.value, 10.0 / 3, 1e-9);
    assert_string_equal(a->code, "A1");
    es_scores_free(sc);

    q.by = ES_SCORES_BY_REGION;
    assert_int_equal(es_scores_compute(f->s, &q, &sc), ES_OK);
    assert_int_equal(sc->n, 4); /* eu/, eu/de/, eu/fr/, us/ */
    const es_scores_group *eu = group(sc, "eu/");
    assert_int_equal(eu->csat.n, 5);
    assert_int_equal(eu->n_locations, 2);
    NEAR(eu->csat.value, 60.0, 1e-9);
    es_scores_free(sc);

    /* Scoped to eu/fr/: the organisation is A alone. */
    const char *const scope[] = {"eu/fr/"};
    es_scores_query sq = {.by = ES_SCORES_BY_ORG, .locations = scope, .n_locations = 1};
    assert_int_equal(es_scores_compute(f->s, &sq, &sc), ES_OK);
    assert_int_equal(sc->n, 1);
    assert_int_equal(sc->g[0].csat.n, 3);
    assert_int_equal(sc->g[0].n_locations, 1);
    es_scores_free(sc);
    sq.by = ES_SCORES_BY_REGION;
    assert_int_equal(es_scores_compute(f->s, &sq, &sc), ES_OK);
    assert_int_equal(sc->n, 2); /* eu/ and eu/fr/ only, over A only */
    assert_int_equal(group(sc, "eu/")->csat.n, 3);
    es_scores_free(sc);

    /* Weeks: days 0-3 and day 8 are two ISO weeks; a range cuts day 8 off. */
    es_scores_query wq = {.by = ES_SCORES_BY_ORG, .period = ES_SCORES_WEEK, .all_locations = 1};
    assert_int_equal(es_scores_compute(f->s, &wq, &sc), ES_OK);
    assert_int_equal(sc->n, 2);
    assert_string_equal(sc->g[0].period, "2026-W48");
    assert_int_equal(sc->g[0].csat.n, 5);
    assert_string_equal(sc->g[1].period, "2026-W49");
    es_scores_free(sc);
    wq.period = ES_SCORES_WHOLE;
    wq.since = DAY0, wq.until = DAY0 + 7 * 86400;
    assert_int_equal(es_scores_compute(f->s, &wq, &sc), ES_OK);
    assert_int_equal(sc->g[0].csat.n, 5);
    es_scores_free(sc);
    wq.until = DAY0 - 86400;
    assert_int_equal(es_scores_compute(f->s, &wq, &sc), ES_EINVAL);
}

static void test_triggers(void **state)
{
    fixture *f = *state;
    respond(f, 0, 0, 5, 10, 5);
    respond(f, 0, 0, 1, 0, 1);
    es_scores *sc = NULL;
    es_scores_query q = {.by = ES_SCORES_BY_ORG, .all_locations = 1};
    /* Deleting a response (its answers go first, by trigger) takes it out. */
    es_store_close(f->s);
    f->s = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DELETE FROM survey_responses WHERE overall = 1;"
                                  " UPDATE survey_answers SET value = 2 WHERE position = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(es_store_open(f->path, &f->s), ES_OK);
    assert_int_equal(es_scores_compute(f->s, &q, &sc), ES_OK);
    assert_int_equal(sc->g[0].csat.n, 1);
    NEAR(sc->g[0].csat.value, 0.0, 1e-9); /* the 5 became a 2 */
    NEAR(es_scores_question_find(&sc->g[0], "overall")->mean.value, 2.0, 1e-9);
    es_scores_free(sc);
}

static void test_gaps(void **state)
{
    fixture *f = *state;
    /* Driver at A, B, C near 4.5 with spread; at D 2: D is low, by 2+ points. */
    for (int i = 0; i < 40; i++)
        for (int l = 0; l < 4; l++)
            respond(f, l, i % 7, 4, 8, l == 3 ? 2 + (i % 2) : 4 + (i % 2));
    es_scores *sc = NULL, *org = NULL;
    es_scores_query q = {.by = ES_SCORES_BY_LOCATION, .all_locations = 1};
    assert_int_equal(es_scores_compute(f->s, &q, &sc), ES_OK);
    q.by = ES_SCORES_BY_ORG;
    assert_int_equal(es_scores_compute(f->s, &q, &org), ES_OK);
    double top = 0;
    assert_int_equal(es_scores_top_quarter(sc, "driver", 10, &top), ES_OK);
    NEAR(top, 4.5, 1e-9);
    es_scores_gap gaps[4];
    size_t n = 0;
    assert_int_equal(es_scores_driver_gaps(sc, &org->g[0], f->loc[3], gaps, 4, &n), ES_OK);
    assert_int_equal(n, 1);
    assert_string_equal(gaps[0].key, "driver");
    NEAR(gaps[0].gap, 2.0, 1e-9);
    assert_true(gaps[0].low);
    assert_int_equal(es_scores_driver_gaps(sc, &org->g[0], f->loc[0], gaps, 4, &n), ES_OK);
    assert_false(gaps[0].low);
    es_scores_free(sc);
    es_scores_free(org);
}

static void test_trend(void **state)
{
    fixture *f = *state;
    /* A: all 5s the week before, mostly 2s this week: declining and a problem.
     * B: the same both weeks: steady. */
    for (int i = 0; i < 40; i++) {
        respond(f, 0, -7 + i % 7, 5, 10, 5);
        respond(f, 0, i % 7, i % 4 ? 2 : 4, i % 4 ? 3 : 9, 2);
        respond(f, 1, -7 + i % 7, 4 + i % 2, 9, 4);
        respond(f, 1, i % 7, 4 + i % 2, 9, 4);
    }
    es_scores_trends *t = NULL;
    es_scores_query q = {.since = DAY0, .until = DAY0 + 7 * 86400, .all_locations = 1};
    assert_int_equal(es_scores_trend_compute(f->s, &q, &t), ES_OK);
    assert_int_equal(t->n, 2);
    assert_int_equal(t->prev_since, DAY0 - 7 * 86400);
    const es_scores_trend *a = &t->t[1], *b = &t->t[0]; /* by key: eu/de/b first */
    assert_string_equal(a->key, "eu/fr/a");
    assert_string_equal(a->status, "declining");
    NEAR(a->csat_test.diff, 25.0 - 100.0, 1e-9);
    assert_true(a->csat_test.p < 1e-6);
    assert_true(a->problem);
    assert_string_equal(b->status, "steady");
    NEAR(b->csat_test.diff, 0.0, 1e-9);
    assert_false(b->problem);
    es_scores_trends_free(t);
    q.location_id = f->loc[1]; /* one location, still against the whole scope */
    assert_int_equal(es_scores_trend_compute(f->s, &q, &t), ES_OK);
    assert_int_equal(t->n, 1);
    assert_string_equal(t->t[0].key, "eu/de/b");
    assert_int_equal(t->org_csat.n, 80);
    es_scores_trends_free(t);
}

/* ---- the CSV import's parser ------------------------------------------------------------ */

/* Parses text against the template survey; returns the import. */
static es_survey_import *parse(const char *text)
{
    es_survey sv;
    es_survey_template(&sv, NULL, NULL);
    es_survey_import *im = NULL;
    assert_int_equal(es_survey_import_parse(text, strlen(text), &sv, &im), ES_OK);
    return im;
}

/* Does some error of im contain want? */
static int has_error(const es_survey_import *im, const char *want)
{
    for (size_t i = 0; i < es_survey_import_errors(im); i++)
        if (strstr(es_survey_import_error_at(im, i), want))
            return 1;
    return 0;
}

static void test_import(void **state)
{
    (void)state;
    es_survey_import *im = parse("id,location,started,overall,recommend,driver,comment\r\n"
                                 "r1,JFK,2026-11-20T10:00:00Z,5,10,4,\"Fast, \"\"friendly\"\"\"\r\n"
                                 "r2,eu/fr/a,1795132800,1,,,\n");
    assert_int_equal(es_survey_import_errors(im), 0);
    assert_int_equal(es_survey_import_rows(im), 2);
    const es_survey_import_row *r = es_survey_import_row_at(im, 0);
    assert_string_equal(r->id, "r1");
    assert_int_equal(r->started, 1795168800);
    assert_int_equal(r->n_answers, 4);
    assert_string_equal(r->answers[3].text, "Fast, \"friendly\"");
    r = es_survey_import_row_at(im, 1);
    assert_int_equal(r->row, 3);
    assert_int_equal(r->n_answers, 1);
    assert_int_equal(r->answers[0].value, 1);
    es_survey_import_free(im);

    struct {
        const char *text, *want;
    } bad[] = {
        {"", "empty"},
        {"id,location\n", "needs the columns id, location and started"},
        {"id,location,started,colour\n", "unknown column 'colour'"},
        {"id,location,started,overall,overall\n", "appears twice"},
        {"id,location,started,overall\nr1,A,2026-11-20,7\n", "row 2, column overall"},
        {"id,location,started,recommend\nr1,A,2026-11-20,11\n", "row 2, column recommend"},
        {"id,location,started\nr1,A,yesterday\n", "row 2, column started"},
        {"id,location,started\n,A,2026-11-20\n", "row 2, column id"},
        {"id,location,started\nr1,A\n", "row 2: 2 cells, the header has 3"},
        {"id,location,started\nr1,A,\"2026-11-20\n", "malformed CSV"},
        {"id,location,started,completed\nr1,A,1795132800,1795132000\n", "before started"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        im = parse(bad[i].text);
        if (!has_error(im, bad[i].want))
            fail_msg("case %zu: no error with '%s' (first: %s)", i, bad[i].want,
                     es_survey_import_error_at(im, 0) ? es_survey_import_error_at(im, 0) : "none");
        es_survey_import_free(im);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_nps),
        cmocka_unit_test(test_mean),
        cmocka_unit_test(test_tests),
        cmocka_unit_test(test_classify),
        cmocka_unit_test_setup_teardown(test_store_scores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_triggers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trend, setup, teardown),
        cmocka_unit_test(test_import),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
