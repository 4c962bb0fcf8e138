/*
 * drivers.h - key-driver analysis (V5): how much each part of the
 * experience (a survey's driver questions; for social data, the mentions'
 * topics) weighs on overall satisfaction, on being a promoter, or on the
 * sentiment of what people write.
 *
 * The method (docs/drivers.md has the formulas): an ordinary least-squares
 * regression of the target on the drivers over complete cases, with GSL
 * (gsl_multifit_linear). For each driver it gives the raw coefficient with
 * its standard error, t statistic and two-sided p-value (Student's t with
 * n - p - 1 degrees of freedom), the standardised coefficient (beta), and
 * Johnson's relative weight: the share of R^2 the driver accounts for,
 * computed from the eigen-decomposition of the drivers' correlation matrix
 * (gsl_eigen_symmv). Relative weights are never negative and sum to R^2, so
 * they rank drivers even when the drivers are correlated, which betas do
 * not do well.
 *
 * Targets of survey data: "overall" (the 1-5 overall answer) and
 * "promoter" (1 when the 0-10 recommend answer is 9 or 10, else 0; a linear
 * probability model: coefficients are changes in the probability of being
 * a promoter). A response enters a fit when it answers the target; it is
 * left out (listwise) when any driver answer is missing, and the report
 * counts those. Each region of the organisation (every level of the region
 * paths, "eu/" and "eu/fr/") gets a fit of its own besides the whole.
 *
 * Module: src/voc/drivers.c (the regression), src/voc/drivers_run.c (the
 * analysis over a store); the rows come from the store's "plans" part
 * (src/store/plans.c).
 */
#ifndef EARSHOT_DRIVERS_H
#define EARSHOT_DRIVERS_H

#include <stddef.h>
#include <stdint.h>

#include "earshot.h"
#include "location.h"
#include "store.h"
#include "survey.h"

#define ES_DRIVERS_MAX 24      /* predictors in one fit (survey drivers or topics) */
#define ES_DRIVERS_NAME_MAX 64 /* bytes of a driver's key or label */

/* One driver's figures in a fit. NaN where a figure cannot be estimated
 * (the JSON shows null). */
typedef struct es_driver_coef {
    char key[ES_DRIVERS_NAME_MAX + 1];   /* question key, or the topic */
    char label[ES_DRIVERS_NAME_MAX + 1]; /* "Speed of service", or the topic */
    int position;                        /* the question's position; 0 for a topic */
    double mean, sd;                     /* of the driver in the fitted rows */
    double b, se, t, p;                  /* raw coefficient, its s.e., t, two-sided p */
    double beta;                         /* standardised coefficient: b * sd / sd(y) */
    double rw;                           /* Johnson's relative weight (sum: r2) */
    double share;                        /* rw / r2: the share of explained variance */
    int rank;                            /* 1: the largest relative weight */
} es_driver_coef;

/* A fitted regression. */
typedef struct es_drivers_fit {
    size_t n; /* rows fitted */
    size_t p; /* drivers */
    double r2, adj_r2;
    double intercept;
    double y_mean, y_sd;
    int rank_deficient; /* 1: drivers are collinear; t and p are NaN */
    es_driver_coef c[ES_DRIVERS_MAX];
} es_drivers_fit;

/* Fits y (n values) on the p columns of x (row-major, n x p) with an
 * intercept, and fills *out (keys and labels are left empty for the caller
 * to fill). Needs n >= p + 2 and p in 1..ES_DRIVERS_MAX, and every value
 * finite within +-1e12; a constant y or a constant driver (a spread below
 * 1e-9 (1 + |mean|)) is ES_EINVAL (with a message in err, size bytes),
 * since no correlation is defined then. ES_ENOMEM when GSL cannot allocate.
 * Thread-safe (GSL's error handler must be off: es_drivers_gsl_quiet). */
es_err es_drivers_regress(const double *x, const double *y, size_t n, size_t p, es_drivers_fit *out,
                          char *err, size_t size) ES_WUR;

/* Turns GSL's default error handler (which aborts) off, once, so that
 * GSL's errors come back as codes. Called by es_drivers_regress. */
void es_drivers_gsl_quiet(void);

/* ---- survey data ------------------------------------------------------------------- */

typedef enum es_drivers_target {
    ES_DRIVERS_OVERALL = 1, /* the overall answer, 1-5 */
    ES_DRIVERS_PROMOTER     /* recommend 9-10: 1, else 0 */
} es_drivers_target;

/* "overall", "promoter"; NULL out of range. */
const char *es_drivers_target_name(es_drivers_target t);
es_err es_drivers_target_parse(const char *name, es_drivers_target *out) ES_WUR;

/* One survey response as the analysis reads it (store part "plans"). The
 * strings are valid during the callback only. */
typedef struct es_drivers_row {
    int64_t response_id;
    int64_t location_id;
    const char *location_key;  /* "eu/fr/lyon-14" */
    const char *location_code; /* "1234" */
    const char *location_name;
    const char *region; /* "eu/fr/" or "" */
    int64_t started;
    int overall;                            /* -1: not answered */
    int recommend;                          /* -1: not answered */
    int has[ES_SURVEY_MAX_QUESTIONS + 1];   /* by position: 1 when answered with a value */
    int value[ES_SURVEY_MAX_QUESTIONS + 1]; /* by position */
} es_drivers_row;

/* Calls cb for each response to survey survey_id (0: the default survey)
 * whose location's key starts with region (NULL or "": all), in response id
 * order; cb returns non-zero to stop (ES_OK still). ES_ENOTFOUND when there
 * is no such survey. */
es_err es_drivers_rows(es_store_t *s, int64_t survey_id, const char *region,
                       int (*cb)(const es_drivers_row *r, void *ud), void *ud) ES_WUR;

/* One fit of a report: the whole (region "") or one region. */
typedef struct es_drivers_group {
    char region[ES_LOCATION_KEY_MAX + 1]; /* "" for the whole scope */
    size_t n_target;                      /* responses that answer the target */
    size_t n_dropped;                     /* of those, left out for a missing driver answer */
    int fitted;                           /* 0: not fitted; why says so */
    char why[160];
    es_drivers_fit fit;
} es_drivers_group;

/* What to analyse. */
typedef struct es_drivers_opts {
    es_drivers_target target; /* 0: promoter */
    int64_t survey_id;        /* 0: the default survey */
    const char *region;       /* NULL or "": the whole organisation */
    int no_regions;           /* 1: the scope only, no fit per region */
} es_drivers_opts;

/* A report: groups[0] is the scope; then one group per region path under
 * it (every level), in path order. */
typedef struct es_drivers_report {
    es_drivers_target target;
    int64_t survey_id;
    char survey_name[ES_SURVEY_NAME_MAX + 1];
    size_t n_drivers; /* the survey's driver questions (those that can be numbers) */
    size_t n_groups;
    es_drivers_group *groups;
} es_drivers_report;

/* Runs the analysis; *out is the caller's, freed with
 * es_drivers_report_free. ES_ENOTFOUND: no such survey; ES_EINVAL: the
 * survey has no driver question or not the target's question (message on
 * the store handle). A group with too few rows is reported unfitted. */
es_err es_drivers_analyze(es_store_t *s, const es_drivers_opts *o, es_drivers_report **out) ES_WUR;
void es_drivers_report_free(es_drivers_report *r);

/* ---- social data ------------------------------------------------------------------- */

/* One mention for the topic analysis: its compound sentiment and its
 * topics, separated by ';' (each a department the model gave it, as
 * "department:billing", or a topic rule that fired, as "topic:delay").
 * Valid during the callback only. */
typedef struct es_topic_row {
    int64_t mention_id;
    const char *brand;
    double compound;
    const char *topics;
} es_topic_row;

/* Calls cb for each mention of brand (NULL: every brand of ours, once per
 * brand it names) that has a compound score, in brand then id order. */
es_err es_drivers_topic_rows(es_store_t *s, const char *brand,
                             int (*cb)(const es_topic_row *r, void *ud), void *ud) ES_WUR;

/* The topic analysis of one brand: the compound sentiment regressed on one
 * indicator per topic (the ES_DRIVERS_MAX most frequent topics with at
 * least min_mentions mentions). */
typedef struct es_topics_brand {
    char brand[ES_DRIVERS_NAME_MAX + 1];
    size_t n_mentions;
    int fitted;
    char why[160];
    es_drivers_fit fit;
} es_topics_brand;

typedef struct es_topics_report {
    size_t n_brands;
    es_topics_brand *brands;
} es_topics_report;

/* Runs the topic analysis for brand (NULL: each of ours); topics seen in
 * fewer than min_mentions mentions (0: 5) are left out. Freed with
 * es_topics_report_free. */
es_err es_drivers_topics(es_store_t *s, const char *brand, size_t min_mentions,
                         es_topics_report **out) ES_WUR;
void es_topics_report_free(es_topics_report *r);

/* ---- JSON (src/voc/voc_json.c; jansson) -------------------------------------------- */

/* The JSON form of a report (docs/drivers.md shows it): a new reference
 * for the caller, NULL when out of memory. NaN figures are null. */
struct json_t;
struct json_t *es_drivers_report_json(const es_drivers_report *r);
struct json_t *es_topics_report_json(const es_topics_report *r);

#endif
