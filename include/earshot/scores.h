/*
 * scores.h - survey scores (V3): CSAT, NPS and the mean of every numeric
 * question, per location, per region (every level of a region path) and for
 * the organisation, over a range of days and optionally per week or month,
 * each with n and a 95% confidence interval; the trend of each location
 * (this period against the previous one of the same length) with its
 * significance, the improving / declining / problem classification, and
 * each location's gaps to the best quarter of locations on every driver.
 * docs/scores.md defines every figure and rule.
 *
 * The store keeps per-day sums of every numeric answer per location and
 * question (schema step 13, sqlite_score.c), kept by triggers on the
 * answers, so that scores read a few rows per location-day whatever the
 * number of responses. Days are UTC days.
 *
 * The statistics (es_score_csat ... es_score_test_mean) are pure functions,
 * thread-safe; the rest take a store handle (one thread at a time).
 */
#ifndef EARSHOT_SCORES_H
#define EARSHOT_SCORES_H

#include <stddef.h>
#include <stdint.h>

#include "earshot.h"
#include "location.h"
#include "store.h"
#include "survey.h"

/* ---- statistics ---------------------------------------------------------- */

/* The additive sums of one question's numeric answers in a group: count,
 * sum, sum of squares, and the counts of "top" answers (4-5 on a 1-5
 * scale, 9-10 on 0-10, yes on yes/no) and "bottom" answers (0-6 on 0-10,
 * 1-2 on 1-5, no on yes/no). */
typedef struct es_score_sums {
    int64_t n;
    double sum, sumsq;
    int64_t hi, lo;
} es_score_sums;

/* A figure with its 95% interval. ok is 0 (and the rest 0) when there is
 * no answer (or, for a mean's interval, fewer than two). */
typedef struct es_score_ci {
    int ok;
    int64_t n;
    double value, lo, hi;
} es_score_ci;

/* CSAT in percent, k top answers of n, with the Wilson score interval. */
void es_score_csat(int64_t k, int64_t n, es_score_ci *out);
/* NPS (-100..100) from promoters and detractors of n answers, with the
 * normal interval of the multinomial promoter-minus-detractor difference:
 * var = (p + d - (p - d)^2) / n. */
void es_score_nps(int64_t promoters, int64_t detractors, int64_t n, es_score_ci *out);
/* A mean with its t interval (gsl_cdf_tdist_Pinv(0.975, n - 1)); n >= 2
 * for an interval, n == 1 gives value = lo = hi. */
void es_score_mean(int64_t n, double sum, double sumsq, es_score_ci *out);

/* A test of a change, current (1) against previous (2): diff = 1 - 2 (in
 * percentage points for CSAT, NPS points, or scale points for a mean), its
 * standard error, the test statistic and the two-sided p-value. ok is 0
 * when either side lacks the answers for a test. */
typedef struct es_score_test {
    int ok;
    double diff, se, stat, p, df;
} es_score_test;

/* Two-proportion z-test with the pooled proportion. */
void es_score_test_csat(int64_t k1, int64_t n1, int64_t k2, int64_t n2, es_score_test *out);
/* The NPS difference over the sum of the two multinomial variances (z). */
void es_score_test_nps(const es_score_sums *a, const es_score_sums *b, es_score_test *out);
/* Welch's t-test with the Welch-Satterthwaite degrees of freedom. */
void es_score_test_mean(const es_score_sums *a, const es_score_sums *b, es_score_test *out);

/* ---- the store's part --------------------------------------------------- */

/* One row of es_scores_read: the sums of one question of one survey at
 * one location in one period bucket. Strings live during the callback. */
typedef struct es_scores_row {
    int64_t location_id;
    const char *loc_key, *code, *name;
    int64_t bucket; /* the bucket's first UTC day; 0 for ES_SCORES_WHOLE */
    const char *key, *label;
    es_question_kind kind;
    es_question_role role;
    es_score_sums sums;
} es_scores_row;

/* Reads the summed answers of UTC days [since_day, until_day) (until_day 0:
 * open), bucketed by period (an es_scores_period), of location_id (0:
 * every location), calling cb per row. Errors: ES_EDB, ES_EBUSY. */
es_err es_scores_read(es_store_t *s, int64_t since_day, int64_t until_day, int period,
                      int64_t location_id, void (*cb)(const es_scores_row *r, void *ud),
                      void *ud) ES_WUR;

/* Calls cb once with location id (read from the locations table).
 * ES_ENOTFOUND when there is none. */
es_err es_scores_location_get(es_store_t *s, int64_t id, void (*cb)(const es_location *l, void *ud),
                              void *ud) ES_WUR;

/* ---- scores ---------------------------------------------------------------- */

typedef enum es_scores_by {
    ES_SCORES_BY_LOCATION = 0,
    ES_SCORES_BY_REGION,
    ES_SCORES_BY_ORG
} es_scores_by;

typedef enum es_scores_period {
    ES_SCORES_WHOLE = 0, /* one figure for the whole range */
    ES_SCORES_WEEK,      /* ISO weeks, Monday to Sunday (UTC): "2026-W07" */
    ES_SCORES_MONTH      /* calendar months (UTC): "2026-03" */
} es_scores_period;

/* "location", "region", "org"; "whole", "week", "month". */
es_err es_scores_by_parse(const char *name, es_scores_by *out) ES_WUR;
es_err es_scores_period_parse(const char *name, es_scores_period *out) ES_WUR;

/* What to score. since/until: Unix seconds, the range [since, until) taken
 * as whole UTC days (since rounded down, until up); 0 for open. Scope: with
 * all_locations 0 only the locations some entry of locations[] covers
 * (es_user_scope_covers) are read, and the region and organisation figures
 * are over those locations only. location_id > 0: that location only. */
typedef struct es_scores_query {
    es_scores_by by;
    es_scores_period period;
    int64_t since, until;
    int all_locations;
    const char *const *locations;
    size_t n_locations;
    int64_t location_id;
} es_scores_query;

#define ES_SCORES_MAX_QUESTIONS 16

/* One question's figures in a group. */
typedef struct es_scores_question {
    char key[ES_SURVEY_KEY_MAX + 1];
    char label[ES_SURVEY_LABEL_MAX + 1];
    es_question_kind kind;
    es_question_role role;
    es_score_sums sums;
    es_score_ci mean;
} es_scores_question;

/* One group (a location, a region, the organisation) in one period. */
typedef struct es_scores_group {
    es_scores_by level;
    int64_t location_id;               /* 0 for a region or the organisation */
    char key[ES_LOCATION_KEY_MAX + 1]; /* location key, region path, "" */
    char code[ES_LOCATION_CODE_MAX + 1];
    char name[ES_LOCATION_NAME_MAX + 1];
    char period[16];     /* "", "2026-W07", "2026-03" */
    int64_t first_day;   /* the period's first UTC day (days since 1970) */
    int64_t n_locations; /* locations with answers in the group */
    es_score_ci csat, nps;
    size_t n_questions;
    es_scores_question q[ES_SCORES_MAX_QUESTIONS];
} es_scores_group;

/* The groups, by level then key then period. Free with es_scores_free. */
typedef struct es_scores {
    size_t n;
    es_scores_group *g;
} es_scores;

/* Computes the scores q asks for into *out (the caller frees it with
 * es_scores_free). Locations without answers in the range are left out.
 * Errors: ES_ENOMEM, ES_EDB, ES_EINVAL (until before since). */
es_err es_scores_compute(es_store_t *s, const es_scores_query *q, es_scores **out) ES_WUR;
void es_scores_free(es_scores *sc);

/* The question of group g with this key, or NULL. */
const es_scores_question *es_scores_question_find(const es_scores_group *g, const char *key);

/* ---- drivers ----------------------------------------------------------------- */

/* The mean of the "top quarter" of locations on question key: the mean
 * (pooled over their answers) of the locations whose mean is at or above
 * the 75th percentile of the location means, among the location groups of
 * sc (period ES_SCORES_WHOLE) with at least min_n answers. ES_ENOTFOUND
 * when no location qualifies. */
es_err es_scores_top_quarter(const es_scores *sc, const char *key, int64_t min_n,
                             double *out) ES_WUR;

/* A location's gap on one driver question. */
typedef struct es_scores_gap {
    char key[ES_SURVEY_KEY_MAX + 1];
    char label[ES_SURVEY_LABEL_MAX + 1];
    double mean;        /* the location's */
    double org_mean;    /* the organisation's (over the scope) */
    double top_quarter; /* es_scores_top_quarter */
    double gap;         /* top_quarter - mean (>= 0 is behind) */
    int64_t n;
    double p; /* Welch test of the location against the rest of the organisation */
    int low;  /* p < 0.001, below the rest, and by 1/8 of the scale: docs/scores.md */
} es_scores_gap;

/* The driver gaps of location location_id, computed from sc (by location,
 * whole period) and org (the organisation group over the same range and
 * scope), largest gap first, into gaps[max] (*n set). */
es_err es_scores_driver_gaps(const es_scores *sc, const es_scores_group *org, int64_t location_id,
                             es_scores_gap *gaps, size_t max, size_t *n) ES_WUR;

/* ---- trend ------------------------------------------------------------------- */

/* One location's trend: this period against the previous one of the same
 * length. status: "improving", "declining" or "steady"; problem: 1 by the
 * rule in docs/scores.md, why says which part applied. */
typedef struct es_scores_trend {
    int64_t location_id;
    char key[ES_LOCATION_KEY_MAX + 1];
    char code[ES_LOCATION_CODE_MAX + 1];
    char name[ES_LOCATION_NAME_MAX + 1];
    es_score_ci csat, csat_prev, nps, nps_prev;
    es_score_test csat_test, nps_test;
    size_t n_questions;
    es_scores_question q[ES_SCORES_MAX_QUESTIONS];
    es_scores_question q_prev[ES_SCORES_MAX_QUESTIONS]; /* same order; n 0 if none */
    es_score_test q_test[ES_SCORES_MAX_QUESTIONS];
    const char *status;
    int problem;
    char why[160];
    size_t n_gaps;
    es_scores_gap gaps[ES_SCORES_MAX_QUESTIONS];
} es_scores_trend;

typedef struct es_scores_trends {
    int64_t since, until, prev_since; /* Unix seconds of the day boundaries */
    es_score_ci org_csat, org_nps;
    double csat_decile; /* the 10th percentile of location CSAT (n >= 30) */
    size_t n;
    es_scores_trend *t;
} es_scores_trends;

/* The trends of every location in q's scope with answers in q's range
 * (until 0: today; since 0: 28 days before until), by key; with
 * q->location_id, of that location only (still compared with the whole
 * scope). by and period are ignored.
 * Free with es_scores_trends_free. */
es_err es_scores_trend_compute(es_store_t *s, const es_scores_query *q,
                               es_scores_trends **out) ES_WUR;
void es_scores_trends_free(es_scores_trends *t);

/* The classification rules (docs/scores.md), exposed for tests. */
const char *es_scores_classify(const es_score_test *csat, const es_score_test *nps);
int es_scores_is_problem(const es_score_ci *csat, const es_score_ci *org_csat, double decile,
                         char *why, size_t size);

/* ---- output -------------------------------------------------------------- */

/* The scores as JSON ({"items":[group...]}, docs/scores.md) or CSV (one row
 * per group and question, header first), NUL-terminated in a buffer the
 * caller frees with free(). NULL on ENOMEM. */
char *es_scores_json(const es_scores *sc);
char *es_scores_csv(const es_scores *sc);
/* The trends as JSON ({"since":..., "items":[...]}) or CSV (one row per
 * location). NULL on ENOMEM. */
char *es_scores_trend_json(const es_scores_trends *t);
char *es_scores_trend_csv(const es_scores_trends *t);

/* ---- the location report ------------------------------------------------------ */

/* The printable HTML report of location location_id (docs/scores.md): its
 * scores with intervals over q's range (until 0: now; since 0: 12 weeks
 * before until), the organisation's alongside (over q's scope), the trend
 * of the last 4 weeks against the 4 before, a weekly trend chart as inline
 * SVG, and the location's action plan (es_plan_for_location, plans.h: it
 * stores the location's fresh proposals, audited under the command line;
 * "no plan could be computed" with the reason when the key-driver analysis
 * has too few responses) over its driver gaps. No script. *out
 * gets a NUL-terminated page the caller frees with free(). ES_ENOTFOUND
 * when the location does not exist or is outside q's scope. */
es_err es_scores_report_html(es_store_t *s, const es_scores_query *q, int64_t location_id,
                             char **out) ES_WUR;

#endif
