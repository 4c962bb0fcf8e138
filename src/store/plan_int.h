/*
 * plan_int.h - the store's "plans" part (internal): the rows key-driver
 * analysis reads (survey responses with their driver answers; mentions
 * with their topics and sentiment) and action plans
 * (include/earshot/drivers.h, include/earshot/plans.h). plans.c checks
 * arguments and dispatches through struct es__plan_ops; the SQLite backend
 * implements it in sqlite_plan.c (plans, schema step 14) and
 * sqlite_plan_rows.c (the reading of responses, mentions and scores).
 */
#ifndef ES_STORE_PLAN_INT_H
#define ES_STORE_PLAN_INT_H

#include "earshot/drivers.h"
#include "earshot/plans.h"
#include "store/store_int.h"

/* What a backend does for the plans part; arguments are checked already. */
struct es__plan_ops {
    es_err (*rows)(es_store_t *s, int64_t survey_id, const char *region,
                   int (*cb)(const es_drivers_row *r, void *ud), void *ud);
    es_err (*topic_rows)(es_store_t *s, const char *brand,
                         int (*cb)(const es_topic_row *r, void *ud), void *ud);
    es_err (*scores)(es_store_t *s, int64_t location_id, int64_t survey_id, int position,
                     int64_t since, int64_t until, es_plan_scores *out);
    es_err (*replace_proposed)(es_store_t *s, int64_t location_id, const es_plan *plans, size_t n,
                               int64_t actor);
    es_err (*list)(es_store_t *s, int64_t location_id, int64_t id, unsigned states,
                   void (*cb)(const es_plan *p, void *ud), void *ud, size_t *found);
    es_err (*set_state)(es_store_t *s, int64_t id, es_plan_state to, int64_t at, int64_t actor,
                        const es_plan_scores *sc);
};

/* The SQLite implementation (sqlite_plan.c). */
extern const struct es__plan_ops es__sqlite_plan_ops;

/* The reading operations (sqlite_plan_rows.c), as es__plan_ops describes. */
es_err es__sqlite_plan_rows(es_store_t *s, int64_t survey_id, const char *region,
                            int (*cb)(const es_drivers_row *r, void *ud), void *ud);
es_err es__sqlite_plan_topic_rows(es_store_t *s, const char *brand,
                                  int (*cb)(const es_topic_row *r, void *ud), void *ud);
es_err es__sqlite_plan_scores(es_store_t *s, int64_t location_id, int64_t survey_id, int position,
                              int64_t since, int64_t until, es_plan_scores *out);

/* Schema step 14 (sqlite_plan.c): action plans. */
extern const char es__sqlite_step_plans[];

#endif
