/*
 * score_int.h - the store's "scores" part (internal): the per-day sums of
 * survey answers that scores read (include/earshot/scores.h). scores.c
 * checks arguments and dispatches through struct es__score_ops; the SQLite
 * backend implements it in sqlite_score.c, which also holds schema step 18
 * (the table score_days and the triggers that keep it).
 */
#ifndef ES_STORE_SCORE_INT_H
#define ES_STORE_SCORE_INT_H

#include "earshot/scores.h"
#include "store/store_int.h"

/* What a backend does for scores; arguments are checked already. */
struct es__score_ops {
    es_err (*read)(es_store_t *s, int64_t since_day, int64_t until_day, int period,
                   int64_t location_id, void (*cb)(const es_scores_row *r, void *ud), void *ud);
    es_err (*location)(es_store_t *s, int64_t id, void (*cb)(const es_location *l, void *ud),
                       void *ud);
};

/* The SQLite implementation (sqlite_score.c). */
extern const struct es__score_ops es__sqlite_score_ops;

/* Schema step 18 (sqlite_score.c): score_days and its triggers. */
extern const char es__sqlite_step_scores[];

#endif
