/*
 * audits_int.h - the store's "audits" part (internal): checklists, audits
 * and audit scores (include/earshot/audits.h). audits.c checks arguments
 * and dispatches through struct es__audits_ops; the SQLite backend
 * implements it in sqlite_audits.c, which also holds its schema step.
 */
#ifndef ES_STORE_AUDITS_INT_H
#define ES_STORE_AUDITS_INT_H

#include "earshot/audits.h"
#include "store/store_int.h"

/* What a backend does for audits; arguments are checked already (an
 * audit's answers are checked against its checklist by the backend, which
 * reads the checklist in the same transaction). */
struct es__audits_ops {
    es_err (*checklist_add)(es_store_t *s, const es_checklist *c, int64_t actor_user,
                            int64_t *id);
    es_err (*checklist_list)(es_store_t *s, int64_t id, const char *name,
                             void (*cb)(const es_checklist *c, void *ud), void *ud);
    es_err (*audit_add)(es_store_t *s, const es_audit *a, int64_t *id);
    es_err (*audit_list)(es_store_t *s, const es_audit_filter *f,
                         void (*cb)(const es_audit *a, void *ud), void *ud);
    es_err (*scores)(es_store_t *s, const es_audit_filter *f, int64_t since, int64_t until,
                     void (*cb)(const es_audit_scores *r, void *ud), void *ud);
};

/* The SQLite implementation (sqlite_audits.c). */
extern const struct es__audits_ops es__sqlite_audits_ops;

/* The audits' own operations (sqlite_audits_rec.c): adding, listing,
 * scoring; and the reading of a checklist's items they share with
 * sqlite_audits.c (a new array of copies; free with _items_free). */
es_err es__sqlite_audit_rec_add(es_store_t *s, const es_audit *a, int64_t *id);
es_err es__sqlite_audit_rec_list(es_store_t *s, const es_audit_filter *f,
                                 void (*cb)(const es_audit *a, void *ud), void *ud);
es_err es__sqlite_audit_rec_scores(es_store_t *s, const es_audit_filter *f, int64_t since,
                                   int64_t until, void (*cb)(const es_audit_scores *r, void *ud),
                                   void *ud);
es_err es__sqlite_audit_items(es_store_t *s, int64_t id, es_checklist_item **out, size_t *n);
void es__sqlite_audit_items_free(es_checklist_item *it, size_t n);

/* The "audits" schema step (sqlite_audits.c): checklists, checklist_items,
 * audits, audit_answers. */
extern const char es__sqlite_step_audits[];

#endif
