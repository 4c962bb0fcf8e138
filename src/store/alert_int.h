/*
 * alert_int.h - the store's side of alerts (internal to src/store/ and to
 * src/alert/): the operation table a backend implements for alert rules,
 * destinations, alerts, the outbox and the scanner's durable state, the
 * es__alert_store_* calls through which src/alert/ reaches it (dispatched
 * by src/store/alerts.c), and the SQLite schema step 5 (sqlite_alert.c).
 *
 * The scanner (src/alert/scan.c) runs its work inside one es_store_begin /
 * es_store_commit, calling several of these operations in between; each
 * operation therefore never opens a transaction of its own unless said.
 */
#ifndef ES_STORE_ALERT_INT_H
#define ES_STORE_ALERT_INT_H

#include "earshot/alert.h"
#include "earshot/mention.h"
#include "store/store_int.h"

/* Schema step 5 (sqlite_alert.c): alert_dests, alert_rules, alerts,
 * alert_outbox, alert_attempts, alert_state, alert_counts. */
extern const char es__sqlite_step5[];

/* A mention as the scanner reads it: its id, the canonical fields the rules
 * look at, the case's department (the topic) and location, its brands. */
#define ES__ALERT_MAX_BRANDS 16
typedef struct es__alert_mention {
    int64_t id;
    es_mention_t m;         /* source, external_id, author, text, lang,
                             * location, received_at, sentiment.compound, intent */
    int64_t case_id;        /* 0 none */
    const char *topic;      /* the case's department, or NULL */
    const char *location;   /* the mention's location, else the case's */
    uint32_t brands[ES__ALERT_MAX_BRANDS];
    size_t n_brands;
} es__alert_mention;

/* A new alert for es__alert_store_put. */
typedef struct es__alert_new {
    int64_t rule_id;      /* 0: no rule */
    es_alert_kind kind;
    const char *key;      /* de-duplication key within the rule */
    int64_t since;        /* an alert of the same rule and key newer than this
                           * (created, or updated when sliding) absorbs it */
    int sliding;
    int64_t max_per_hour; /* throttle; 0 none */
    const char *location;
    uint32_t brand_id;    /* 0 none */
    int64_t case_id, mention_id;
    const char *title;
    const char *detail;   /* JSON object or NULL */
    int64_t escalate_after; /* 0 never */
} es__alert_new;

/* What put did. */
enum { ES__ALERT_NEW = 0, ES__ALERT_FOLDED, ES__ALERT_THROTTLED };

/* One recipient of an outbox row, for es__alert_store_fanout. */
typedef struct es__alert_target {
    const char *kind;   /* webhook, email, sms */
    const char *target;
    int64_t dest_id, user_id; /* 0 none */
} es__alert_target;

/* An outbox row claimed for delivery. */
typedef struct es__alert_outrow {
    int64_t id;
    int64_t alert_id;   /* 0: a digest */
    const char *purpose; /* alert, escalation, digest */
    const char *kind;
    const char *target;
    const char *secret; /* the destination's HMAC key (webhooks), or NULL */
    const char *subject;
    const char *body;   /* JSON (webhook) or text */
    const char *idem_key;
    int64_t attempts;   /* before this one */
} es__alert_outrow;

/* An attempt's outcome for es__alert_store_done. */
typedef enum es__alert_outcome {
    ES__OUT_DELIVERED = 0,
    ES__OUT_RETRY,   /* failed; pending again at next_at */
    ES__OUT_FAILED,  /* failed for good (max attempts) */
    ES__OUT_REFUSED  /* target refused; failed for good */
} es__alert_outcome;

/* An alert due for escalation. */
typedef struct es__alert_due {
    int64_t id;
    const char *escalate_to; /* destination names */
    es_alert a;
} es__alert_due;

typedef struct es__alert_ops {
    es_err (*dest_add)(es_store_t *s, const es_alert_dest *d, int64_t actor, int64_t *id);
    es_err (*dest_list)(es_store_t *s, void (*cb)(const es_alert_dest *, void *), void *ud);
    es_err (*dest_remove)(es_store_t *s, const char *name, int64_t actor);
    es_err (*rule_add)(es_store_t *s, const es_alert_rule *r, int64_t actor, int64_t *id);
    es_err (*rule_list)(es_store_t *s, void (*cb)(const es_alert_rule *, void *), void *ud);
    es_err (*rule_remove)(es_store_t *s, const char *name, int64_t actor);
    es_err (*list)(es_store_t *s, const es_alert_filter *f, void (*cb)(const es_alert *, void *),
                   void *ud);
    es_err (*get)(es_store_t *s, int64_t id, void (*cb)(const es_alert *, void *), void *ud);
    es_err (*ack)(es_store_t *s, int64_t id, int64_t user_id, int64_t token_id, int64_t now);
    /* The scanner's state: a named integer (0 when absent). */
    es_err (*state_get)(es_store_t *s, const char *key, int64_t *v);
    es_err (*state_set)(es_store_t *s, const char *key, int64_t v);
    /* Mentions with id in (after, after + ...], at most max, by id. */
    es_err (*mentions)(es_store_t *s, int64_t after, size_t max,
                       void (*cb)(const es__alert_mention *, void *), void *ud);
    es_err (*max_mention)(es_store_t *s, int64_t *id);
    es_err (*put)(es_store_t *s, const es__alert_new *a, int64_t now, int64_t *id, int *what);
    /* Outbox rows for alert_id (0: a digest) to the destinations named in
     * dests (comma-separated; unknown names skipped) and, when location is
     * not NULL, to its managers' email and phone; each (kind, target) once.
     * Webhook rows carry json, email and SMS rows text (subject: the email's
     * subject). *n receives the rows. */
    es_err (*fanout)(es_store_t *s, int64_t alert_id, const char *purpose, const char *dests,
                     const char *location, const char *subject, const char *text,
                     const char *json, int64_t now_ms, size_t *n);
    es_err (*count_add)(es_store_t *s, int64_t rule_id, const char *key, int64_t bucket,
                        int64_t n);
    /* out[i] = the count of bucket from + i, for i < to - from. */
    es_err (*count_range)(es_store_t *s, int64_t rule_id, const char *key, int64_t from,
                          int64_t to, int64_t *out);
    es_err (*count_prune)(es_store_t *s, int64_t before_bucket);
    es_err (*escalations)(es_store_t *s, int64_t now, void (*cb)(const es__alert_due *, void *),
                          void *ud);
    es_err (*escalated)(es_store_t *s, int64_t id, int64_t now);
    /* Alerts created in [from, to) in a scope (location NULL: any; brand 0:
     * any), oldest first, at most max. */
    es_err (*in_range)(es_store_t *s, const char *location, uint32_t brand_id, int64_t from,
                       int64_t to, size_t max, void (*cb)(const es_alert *, void *), void *ud);
    /* Claims up to max rows due at now_ms (pending, next_at <= now_ms, no
     * live lease) for lease_ms, in a transaction of its own, then calls cb
     * for each claimed row. */
    es_err (*claim)(es_store_t *s, int64_t now_ms, int64_t lease_ms, size_t max,
                    void (*cb)(const es__alert_outrow *, void *), void *ud);
    /* Records one attempt and moves the row on (its own transaction). */
    es_err (*done)(es_store_t *s, int64_t id, int64_t now_ms, es__alert_outcome o,
                   int http_status, const char *error, int64_t next_at_ms);
    /* The earliest next_at of a pending row (0: none). */
    es_err (*next_due)(es_store_t *s, int64_t *ms);
    /* Makes the handle wait for a busy write lock by polling every
     * millisecond (the same total budget) instead of SQLite's growing
     * sleeps of up to 100 ms: alert latency, not throughput. */
    es_err (*prompt)(es_store_t *s);
} es__alert_ops;

/* The SQLite backend's table (sqlite_alert.c, sqlite_alert_out.c). */
extern const es__alert_ops es__sqlite_alert_ops;

/* src/alert/ reaches the backend through these (alerts.c): each checks that
 * the store has the part (ES_EUNSUPPORTED otherwise) and dispatches. */
/* Stores a rule already checked (es_alert_rule_add, src/alert/rules.c). */
es_err es__alert_rule_put(es_store_t *s, const es_alert_rule *r, int64_t actor,
                          int64_t *id) ES_WUR;
es_err es__alert_state_get(es_store_t *s, const char *key, int64_t *v) ES_WUR;
es_err es__alert_state_set(es_store_t *s, const char *key, int64_t v) ES_WUR;
es_err es__alert_mentions(es_store_t *s, int64_t after, size_t max,
                          void (*cb)(const es__alert_mention *, void *), void *ud) ES_WUR;
es_err es__alert_max_mention(es_store_t *s, int64_t *id) ES_WUR;
es_err es__alert_put(es_store_t *s, const es__alert_new *a, int64_t now, int64_t *id,
                     int *what) ES_WUR;
es_err es__alert_fanout(es_store_t *s, int64_t alert_id, const char *purpose, const char *dests,
                        const char *location, const char *subject, const char *text,
                        const char *json, int64_t now_ms, size_t *n) ES_WUR;
es_err es__alert_count_add(es_store_t *s, int64_t rule_id, const char *key, int64_t bucket,
                           int64_t n) ES_WUR;
es_err es__alert_count_range(es_store_t *s, int64_t rule_id, const char *key, int64_t from,
                             int64_t to, int64_t *out) ES_WUR;
es_err es__alert_count_prune(es_store_t *s, int64_t before_bucket) ES_WUR;
es_err es__alert_escalations(es_store_t *s, int64_t now,
                             void (*cb)(const es__alert_due *, void *), void *ud) ES_WUR;
es_err es__alert_escalated(es_store_t *s, int64_t id, int64_t now) ES_WUR;
es_err es__alert_in_range(es_store_t *s, const char *location, uint32_t brand_id, int64_t from,
                          int64_t to, size_t max, void (*cb)(const es_alert *, void *),
                          void *ud) ES_WUR;
es_err es__alert_claim(es_store_t *s, int64_t now_ms, int64_t lease_ms, size_t max,
                       void (*cb)(const es__alert_outrow *, void *), void *ud) ES_WUR;
es_err es__alert_done(es_store_t *s, int64_t id, int64_t now_ms, es__alert_outcome o,
                      int http_status, const char *error, int64_t next_at_ms) ES_WUR;
es_err es__alert_next_due(es_store_t *s, int64_t *ms) ES_WUR;
es_err es__alert_prompt(es_store_t *s) ES_WUR;

#endif
