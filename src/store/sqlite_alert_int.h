/*
 * sqlite_alert_int.h - what the three files of the SQLite alert backend share
 * (internal to src/store/): sqlite_alert.c (schema, rules, destinations,
 * alerts), sqlite_alert_scan.c (the scanner's reads and writes) and
 * sqlite_alert_out.c (outbox, counters, escalations, digests).
 */
#ifndef ES_STORE_SQLITE_ALERT_INT_H
#define ES_STORE_SQLITE_ALERT_INT_H

#include "store/alert_int.h"
#include "store/sqlite_int.h"

/* The columns es__sqlite_alert_row reads, with the FROM clause that makes
 * them: "SELECT " ALERT_COLS " WHERE ...". */
#define ALERT_COLS                                                                          \
    "a.id, coalesce(a.rule_id, 0), r.name, a.kind, a.status, a.location, b.name,"           \
    " coalesce(a.case_id, 0), coalesce(a.mention_id, 0), a.title, a.detail, a.count,"       \
    " a.created, a.updated, coalesce(a.acked_at, 0), coalesce(a.escalated_at, 0),"          \
    " coalesce(a.acked_by, 0)"                                                              \
    " FROM alerts a LEFT JOIN alert_rules r ON r.id = a.rule_id"                             \
    " LEFT JOIN brands b ON b.id = a.brand_id"

/* Prepares sql into *st (finalize it, or pass it to ..._finish); on failure
 * records "what: SQLite's message" on s. */
es_err es__sqlite_alert_prep(es_store_t *s, const char *sql, sqlite3_stmt **st,
                             const char *what) ES_WUR;
/* Finalizes st and maps the last step's result src: ES_OK for DONE/ROW/OK,
 * ES_EEXIST for a constraint, else ES_EDB/ES_EBUSY with the message on s. */
es_err es__sqlite_alert_finish(es_store_t *s, sqlite3_stmt *st, int src, const char *what);
/* Writes an audit entry "<object_kind>:<id>" by actor (0: the system). */
es_err es__sqlite_alert_audit(es_store_t *s, int64_t actor, const char *action,
                              const char *object_kind, int64_t id, const char *detail);
/* Reads an alert from the columns of ALERT_COLS starting at column i;
 * strings live until the statement steps again. */
void es__sqlite_alert_row(sqlite3_stmt *st, int i, es_alert *a);

/* sqlite_alert_scan.c: the operations es__alert_ops describes. */
es_err es__sqlite_alert_state_get(es_store_t *s, const char *key, int64_t *v);
es_err es__sqlite_alert_state_set(es_store_t *s, const char *key, int64_t v);
es_err es__sqlite_alert_max_mention(es_store_t *s, int64_t *id);
es_err es__sqlite_alert_mentions(es_store_t *s, int64_t after, size_t max,
                                 void (*cb)(const es__alert_mention *, void *), void *ud);
es_err es__sqlite_alert_put(es_store_t *s, const es__alert_new *a, int64_t now, int64_t *id,
                            int *what);

/* sqlite_alert_out.c: the operations es__alert_ops describes. */
es_err es__sqlite_alert_fanout(es_store_t *s, int64_t alert_id, const char *purpose,
                               const char *dests, const char *location, const char *subject,
                               const char *text, const char *json, int64_t now_ms, size_t *n);
es_err es__sqlite_alert_count_add(es_store_t *s, int64_t rule_id, const char *key,
                                  int64_t bucket, int64_t n);
es_err es__sqlite_alert_count_range(es_store_t *s, int64_t rule_id, const char *key,
                                    int64_t from, int64_t to, int64_t *out);
es_err es__sqlite_alert_count_prune(es_store_t *s, int64_t before_bucket);
es_err es__sqlite_alert_escalations(es_store_t *s, int64_t now,
                                    void (*cb)(const es__alert_due *, void *), void *ud);
es_err es__sqlite_alert_escalated(es_store_t *s, int64_t id, int64_t now);
es_err es__sqlite_alert_in_range(es_store_t *s, const char *location, uint32_t brand_id,
                                 int64_t from, int64_t to, size_t max,
                                 void (*cb)(const es_alert *, void *), void *ud);
es_err es__sqlite_alert_claim(es_store_t *s, int64_t now_ms, int64_t lease_ms, size_t max,
                              void (*cb)(const es__alert_outrow *, void *), void *ud);
es_err es__sqlite_alert_done(es_store_t *s, int64_t id, int64_t now_ms, es__alert_outcome o,
                             int http_status, const char *error, int64_t next_at_ms);
es_err es__sqlite_alert_next_due(es_store_t *s, int64_t *ms);
es_err es__sqlite_alert_prompt(es_store_t *s);

#endif
