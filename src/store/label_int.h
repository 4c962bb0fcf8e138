/*
 * label_int.h - the store's "labels" part (internal): agents' corrections
 * kept as training labels, and the mentions' department columns (issue 5).
 * labels.c checks arguments and dispatches through struct es__label_ops; the
 * SQLite backend implements it in sqlite_label.c and adds schema step 8
 * there. The public functions are in include/earshot/learn.h.
 */
#ifndef ES_STORE_LABEL_INT_H
#define ES_STORE_LABEL_INT_H

#include "earshot/learn.h"
#include "store/store_int.h"

/* What a backend does for the labels part; store.c-style checks are done. */
struct es__label_ops {
    es_err (*add)(es_store_t *s, const es_label_row *l, int64_t *id);
    es_err (*each)(es_store_t *s, const char *task,
                   int (*cb)(const es_label_example *e, void *ud), void *ud);
};

/* The SQLite implementation (sqlite_label.c). */
extern const struct es__label_ops es__sqlite_label_ops;

/* Schema step 8 (sqlite_label.c): mentions.department and
 * mentions.department_conf, and the indexes the feedback loop reads by. */
extern const char es__sqlite_step8[];

#endif
