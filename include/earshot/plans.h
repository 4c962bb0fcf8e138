/*
 * plans.h - action plans (V6): for each location, the three actions with
 * the largest expected gain, in plain words, that a manager can accept and
 * track to done with the scores before and after.
 *
 * A proposal's expected gain is the driver's importance (its relative
 * weight's share of R^2 in the organisation-wide key-driver analysis,
 * drivers.h) times the location's gap to the best quarter of locations on
 * that driver (the 75th percentile of the location means, over locations
 * with at least min_n answers), the gap measured in standard deviations of
 * the driver's answers so that drivers on different scales compare
 * (docs/drivers.md). The text reads, for example: "Speed of service at Lyon
 * Part-Dieu is 0.8 points below the best quarter of locations and is the
 * second strongest driver of recommending us."
 *
 * A plan's state: proposed -> accepted -> done, or dismissed from proposed
 * or accepted. Proposals are recomputed (a location's proposed rows are
 * replaced) each time they are asked for; accepted plans keep their driver
 * out of new proposals until done or dismissed. Accepting records the
 * driver's mean and the CSAT (% of 4-5 overall answers) over the
 * location's responses before then; done records them over the responses
 * between acceptance and done; "now" is over the responses since
 * acceptance. Changes are audited.
 *
 * The store keeps plans in table plans (store part "plans",
 * src/store/sqlite_plan.c); src/voc/plans.c computes them.
 */
#ifndef EARSHOT_PLANS_H
#define EARSHOT_PLANS_H

#include <stddef.h>
#include <stdint.h>

#include "drivers.h"
#include "earshot.h"
#include "store.h"

#define ES_PLAN_TEXT_MAX 512 /* bytes of a plan's text */
#define ES_PLAN_ACTIONS 3    /* proposals per location */

typedef enum es_plan_state {
    ES_PLAN_PROPOSED = 1,
    ES_PLAN_ACCEPTED,
    ES_PLAN_DONE,
    ES_PLAN_DISMISSED
} es_plan_state;

/* "proposed", "accepted", "done", "dismissed"; NULL out of range. */
const char *es_plan_state_name(es_plan_state st);
es_err es_plan_state_parse(const char *name, es_plan_state *out) ES_WUR;

/* Scores of a location over a span of its responses; NaN mean or csat
 * when no response in the span answers. */
typedef struct es_plan_scores {
    double mean; /* the driver's mean answer */
    int64_t n_mean;
    double csat; /* % of overall answers that are 4 or 5 */
    int64_t n_csat;
} es_plan_scores;

/* A plan. On output strings belong to the store until the callback
 * returns. */
typedef struct es_plan {
    int64_t id;
    int64_t location_id;
    const char *location_key, *location_code, *location_name; /* output only */
    int64_t survey_id;
    int position;             /* the driver question */
    const char *driver_key;   /* output only */
    const char *driver_label; /* output only */
    es_drivers_target target; /* whose importance ranked it */
    int rank;                 /* 1..3 among the location's proposals */
    int driver_rank;          /* the driver's importance rank */
    double location_mean;     /* the location's mean on the driver */
    double top_quarter;       /* the 75th percentile of location means */
    double gap;               /* top_quarter - location_mean, points */
    double importance;        /* relative weight's share of R^2 */
    double gain;              /* importance * gap / sd of the driver */
    const char *text;
    es_plan_state state;
    int64_t created, accepted_at, accepted_by, done_at, done_by;
    es_plan_scores at_accept, at_done, now; /* now: filled by es_plan_for_location */
} es_plan;

/* ---- the store ---------------------------------------------------------------------- */

/* Replaces the proposed plans of location_id with the n given (n may be 0),
 * in one transaction; ids are set in the stored rows only. Audited under
 * actor (0: the command line) when anything changes. */
es_err es_plan_replace_proposed(es_store_t *s, int64_t location_id, const es_plan *plans, size_t n,
                                int64_t actor) ES_WUR;

/* Calls cb for each plan of location_id (0: all locations) whose state is
 * in the mask (bit 1 << state; 0: all), by location, state, rank. */
es_err es_plan_list(es_store_t *s, int64_t location_id, unsigned states,
                    void (*cb)(const es_plan *p, void *ud), void *ud) ES_WUR;

/* Calls cb once with plan id. ES_ENOTFOUND when there is none. */
es_err es_plan_get(es_store_t *s, int64_t id, void (*cb)(const es_plan *p, void *ud),
                   void *ud) ES_WUR;

/* Moves plan id to state to at time at by actor, recording sc as the
 * scores at acceptance (to accepted) or at done (to done). Allowed:
 * proposed -> accepted | dismissed, accepted -> done | dismissed; others
 * are ES_EINVAL ("plan 4 is done already"). Audited. */
es_err es_plan_set_state(es_store_t *s, int64_t id, es_plan_state to, int64_t at, int64_t actor,
                         const es_plan_scores *sc) ES_WUR;

/* The scores of location_id on driver question position of survey_id over
 * the responses started in [since, until) (0: unbounded). */
es_err es_plan_scores_get(es_store_t *s, int64_t location_id, int64_t survey_id, int position,
                          int64_t since, int64_t until, es_plan_scores *out) ES_WUR;

/* ---- proposals (src/voc/plans.c) ----------------------------------------------------- */

typedef struct es_plan_opts {
    es_drivers_target target; /* 0: promoter */
    int64_t survey_id;        /* 0: the default survey */
    size_t min_n;             /* answers a location needs on a driver (0: 10) */
    int64_t now;              /* Unix seconds (0: the clock) */
} es_plan_opts;

/* Computes the proposals of location_id (0: every location) from a fresh
 * key-driver analysis, stores them (es_plan_replace_proposed) and, when
 * location_id is not 0, calls cb with the location's plans (proposed,
 * accepted, done; with the "now" scores of accepted and done ones). A
 * location with too few answers gets no proposal. cb may be NULL. */
es_err es_plan_for_location(es_store_t *s, int64_t location_id, const es_plan_opts *o,
                            int64_t actor, void (*cb)(const es_plan *p, void *ud), void *ud) ES_WUR;

/* Accepts (or marks done) plan id now, recording the scores (see the
 * top). ES_EINVAL for a transition not allowed. */
es_err es_plan_accept(es_store_t *s, int64_t id, int64_t actor, int64_t now) ES_WUR;
es_err es_plan_done(es_store_t *s, int64_t id, int64_t actor, int64_t now) ES_WUR;

/* Writes the plain-words text of a proposal into buf (size bytes): the
 * driver's label, the location's name, the gap, the driver's rank and the
 * target; yesno: the driver is a yes/no question, its gap a proportion
 * (said in percentage points). Thread-safe. */
void es_plan_text(char *buf, size_t size, const char *driver_label, const char *location_name,
                  double gap, int driver_rank, es_drivers_target target, int yesno);

/* The JSON form of a plan (docs/api.md): a new reference for the caller,
 * NULL when out of memory. src/voc/voc_json.c. */
struct json_t;
struct json_t *es_plan_json(const es_plan *p);

#endif
