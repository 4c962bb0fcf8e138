/*
 * sla_int.h - the store part of SLAs and replies (internal to src/store/ and
 * src/sla/): the operation table a backend implements (sqlite_sla.c,
 * sqlite_sla_reply.c), the schema step that creates its tables, and the one
 * call src/sla/ makes past the public API (saving a calendar it has already
 * checked, since the store cannot parse calendars itself).
 */
#ifndef ES_STORE_SLA_INT_H
#define ES_STORE_SLA_INT_H

#include "earshot/reply.h"
#include "earshot/sla.h"
#include "store/store_int.h"

/* Schema step 9 (sqlite_sla.c): calendars, policies, the case status log
 * (a trigger on cases), SLA marks, replies, the reply outbox and the
 * channel endpoints. */
extern const char es__sqlite_step9[];

/* What a backend does for SLAs and replies; see sla.h and reply.h for each
 * operation's meaning. Arguments are checked by src/store/sla.c. */
struct es__sla_ops {
    es_err (*policy_set)(es_store_t *s, const es_sla_policy *p, int64_t user_id, int64_t *id);
    es_err (*policy_list)(es_store_t *s, void (*cb)(const es_sla_policy *, void *), void *ud);
    es_err (*calendar_put)(es_store_t *s, const char *name, const char *spec, int64_t user_id,
                           int64_t *id);
    es_err (*calendar_list)(es_store_t *s, void (*cb)(const es_sla_calendar_row *, void *),
                            void *ud);
    es_err (*clocks)(es_store_t *s, int64_t case_id, const es_sla_scope *scope,
                     void (*cb)(const es_sla_case *, void *), void *ud);
    es_err (*mark)(es_store_t *s, const es_sla_event *ev, int64_t now, int *fresh);
    es_err (*marked)(es_store_t *s, const es_sla_event *ev, int *marked);
    es_err (*samples)(es_store_t *s, es_sla_by by, const es_sla_scope *scope, int64_t since,
                      int64_t until, void (*cb)(const es_sla_sample *, void *), void *ud);
    es_err (*case_channel)(es_store_t *s, int64_t case_id, const es_sla_scope *scope, char *buf,
                           size_t size);
    es_err (*recent_fp)(es_store_t *s, uint64_t *fps, size_t max, size_t *n);
    es_err (*reply_insert)(es_store_t *s, es_reply *r, uint64_t fingerprint);
    es_err (*reply_list)(es_store_t *s, int64_t case_id, const es_sla_scope *scope,
                         void (*cb)(const es_reply *, void *), void *ud);
    es_err (*endpoint_set)(es_store_t *s, const char *channel, const char *url, const char *secret,
                           int64_t user_id);
    es_err (*outbox_due)(es_store_t *s, int64_t now, size_t max, int64_t lease_until,
                         void (*cb)(const es_reply_job *, void *), void *ud);
    es_err (*outbox_result)(es_store_t *s, int64_t id, int delivered, const char *error,
                            int64_t now, int64_t next_try);
    es_err (*outbox_next)(es_store_t *s, int64_t *when);
};

/* The SQLite implementation (sqlite_sla.c). */
extern const struct es__sla_ops es__sqlite_sla_ops;

/* Saves calendar name with spec (already checked by es_calendar_parse) and
 * its audit entry; es_sla_calendar_put (src/sla/policy.c) calls it. */
es_err es__sla_calendar_save(es_store_t *s, const char *name, const char *spec, int64_t user_id,
                             int64_t *id) ES_WUR;

/* Helpers the SQLite files of this part share (sqlite_sla.c). */
struct sqlite3_stmt;
/* Binds scope as parameters i (all: 1/0) and i + 1 (a JSON array of the
 * locations, built in *json which the caller es_frees after the statement). */
es_err es__sqlite_sla_bind_scope(es_store_t *s, struct sqlite3_stmt *st, int i,
                                 const es_sla_scope *scope, char **json) ES_WUR;
/* Prepares sql on s's connection (per call; these run rarely). */
es_err es__sqlite_sla_prepare(es_store_t *s, const char *sql, struct sqlite3_stmt **st,
                              const char *what) ES_WUR;

/* BEGIN IMMEDIATE, having made sure that COMMIT and ROLLBACK are prepared
 * (so that running out of memory later can still roll back); and the end of
 * such a transaction: COMMIT when rc is ES_OK, else ROLLBACK. Returns rc or
 * the commit's error. */
es_err es__sqlite_sla_begin(es_store_t *s) ES_WUR;
es_err es__sqlite_sla_end(es_store_t *s, es_err rc) ES_WUR;

/* Replies, outbox, endpoints and report samples (sqlite_sla_reply.c). */
es_err es__sqlite_sla_samples(es_store_t *s, es_sla_by by, const es_sla_scope *scope, int64_t since,
                              int64_t until, void (*cb)(const es_sla_sample *, void *), void *ud);
es_err es__sqlite_reply_case_channel(es_store_t *s, int64_t case_id, const es_sla_scope *scope,
                                     char *buf, size_t size);
es_err es__sqlite_reply_recent_fp(es_store_t *s, uint64_t *fps, size_t max, size_t *n);
es_err es__sqlite_reply_insert(es_store_t *s, es_reply *r, uint64_t fingerprint);
es_err es__sqlite_reply_list(es_store_t *s, int64_t case_id, const es_sla_scope *scope,
                             void (*cb)(const es_reply *, void *), void *ud);
es_err es__sqlite_reply_endpoint_set(es_store_t *s, const char *channel, const char *url,
                                     const char *secret, int64_t user_id);
es_err es__sqlite_outbox_due(es_store_t *s, int64_t now, size_t max, int64_t lease_until,
                             void (*cb)(const es_reply_job *, void *), void *ud);
es_err es__sqlite_outbox_result(es_store_t *s, int64_t id, int delivered, const char *error,
                                int64_t now, int64_t next_try);
es_err es__sqlite_outbox_next(es_store_t *s, int64_t *when);

#endif
