/*
 * case_int.h - the inbox part of the store (internal to src/store/): the
 * operation table that cases.c dispatches the public es_case_* / es_customer_*
 * / es_team_* / es_route_* functions through, and the SQLite backend's
 * schema step 10 and table (sqlite_case.c), which migrations.c and sqlite.c
 * name. What the SQLite files share is in sqlite_case_int.h.
 */
#ifndef ES_STORE_CASE_INT_H
#define ES_STORE_CASE_INT_H

#include "earshot/cases.h"
#include "store/store_int.h"

/* What a backend does for the inbox; arguments are checked by cases.c. */
struct es__case_ops {
    es_err (*thread_pending)(es_store_t *s, const es_case_opts *o, int64_t now, size_t *threaded);
    es_err (*get)(es_store_t *s, int64_t id, const es_case_scope *scope, int64_t now, es_case_cb cb,
                  void *ud);
    es_err (*list)(es_store_t *s, const es_case_filter *f, const es_case_scope *scope, int64_t now,
                   es_case_cb cb, void *ud, int *more);
    es_err (*next)(es_store_t *s, int64_t user_id, const es_case_scope *scope, size_t limit,
                   int64_t now, es_case_cb cb, void *ud);
    es_err (*mentions)(es_store_t *s, int64_t id, const es_case_scope *scope, size_t limit,
                       size_t offset, void (*cb)(const es_mention_row *, void *), void *ud);
    es_err (*update)(es_store_t *s, int64_t id, const es_case_scope *scope, const es_case_change *c,
                     const es_case_actor *who, int64_t now);
    es_err (*note_add)(es_store_t *s, int64_t id, const es_case_scope *scope,
                       const es_case_actor *who, const char *text, int64_t now, int64_t *nid);
    es_err (*notes)(es_store_t *s, int64_t id, const es_case_scope *scope,
                    void (*cb)(const es_case_note *, void *), void *ud);
    es_err (*merge)(es_store_t *s, int64_t into, int64_t from, const es_case_scope *scope,
                    const es_case_actor *who, int64_t now);
    es_err (*visible)(es_store_t *s, int64_t id, const es_case_scope *scope);
    es_err (*set_due)(es_store_t *s, int64_t id, int64_t due);
    es_err (*customer_get)(es_store_t *s, int64_t id, const es_case_scope *scope,
                           void (*cb)(const es_customer *, void *), void *ud);
    es_err (*customer_merge)(es_store_t *s, int64_t into, int64_t from, const es_case_scope *scope,
                             const es_case_actor *who, int64_t now);
    es_err (*team_add)(es_store_t *s, const char *name, const char *assign, int triage,
                       const es_case_actor *who, int64_t *id);
    es_err (*team_list)(es_store_t *s, void (*cb)(const es_team *, void *), void *ud);
    es_err (*team_find)(es_store_t *s, const char *name, int64_t *id);
    es_err (*member_add)(es_store_t *s, int64_t team_id, int64_t user_id, int capacity,
                         const es_case_actor *who);
    es_err (*members)(es_store_t *s, int64_t team_id, void (*cb)(const es_team_member *, void *),
                      void *ud);
    es_err (*route_add)(es_store_t *s, const es_route_rule *r, const es_case_actor *who,
                        int64_t *id);
    es_err (*route_list)(es_store_t *s, void (*cb)(const es_route_rule *, void *), void *ud);
};

/* ---- the SQLite implementation (sqlite_case*.c; sqlite_case_int.h) ---- */

/* Schema step 10 (sqlite_case.c), registered in migrations.c. */
extern const char es__sqlite_step10[];
extern const struct es__case_ops es__sqlite_case_ops;

#endif
