/*
 * alert.h - alerts (A1-A3, U6): rules that watch what is heard, the alerts
 * they raise, and their delivery to people and machines through a durable
 * outbox (outgoing webhooks signed with HMAC-SHA256, email over SMTP, SMS
 * through a provider's HTTP API, hourly and daily digests).
 *
 * The flow: after each group commit the server's follow-up thread calls
 * es_alert_scan, which evaluates every mention committed since the durable
 * watermark and, in ONE transaction, writes the alerts, one outbox row per
 * recipient and the new watermark, so that a crash raises each alert exactly
 * once. Other parts raise alerts directly with es_alert_raise (a low survey
 * score, an SLA breach). The deliverer thread (es_alert_deliverer_*) sends
 * due outbox rows, retries failures with exponential back-off and jitter,
 * and marks a row delivered only after the receiver's 2xx, so a restart
 * loses nothing and each row keeps one idempotency key for ever.
 *
 * Scope: an alert about a location also goes to the managers of that
 * location (users with role manager and a user_locations row for it: their
 * email and phone), besides the rule's own destinations. Acknowledgement
 * stops escalation; an alert not acknowledged within its rule's
 * escalate_after seconds is sent once more, to the rule's escalation
 * destinations. docs/alerts.md describes rules, payloads and headers.
 *
 * Strings handed to callbacks are valid during the call only. Store
 * functions follow store.h: one thread per handle.
 */
#ifndef EARSHOT_ALERT_H
#define EARSHOT_ALERT_H

#include <stdint.h>

#include "earshot.h"
#include "store.h"

/* ---- rules and destinations ------------------------------------------------ */

typedef enum es_alert_kind {
    ES_ALERT_NEGATIVE = 0, /* a mention of our brand with compound <= threshold */
    ES_ALERT_WORDS,        /* a mention matching the rule's listening query */
    ES_ALERT_SPIKE,        /* volume over the last period > mean + k sigma of the
                            * `baseline` periods before it (k = threshold) */
    ES_ALERT_INCIDENT,     /* min_count similar complaints (same brand and
                            * topic, compound <= threshold) within period */
    ES_ALERT_SURVEY,       /* a survey score <= threshold (es_alert_raise) */
    ES_ALERT_SLA,          /* an SLA breach (es_alert_raise) */
    ES_ALERT_DIGEST,       /* every period, one summary of the alerts in scope */
    ES_ALERT_KIND_COUNT
} es_alert_kind;

/* "negative", "words", "spike", "incident", "survey", "sla", "digest". */
const char *es_alert_kind_name(es_alert_kind k);
/* ES_EINVAL for an unknown name. */
es_err es_alert_kind_parse(const char *name, es_alert_kind *out) ES_WUR;

/* Where alerts go. kind is "webhook" (target an http(s) URL; secret, the
 * HMAC key, required), "email" (target an address) or "sms" (target a phone
 * number). Names are unique without regard to case. */
typedef struct es_alert_dest {
    int64_t id;
    const char *name;
    const char *kind;
    const char *target;
    const char *secret; /* webhooks only; never listed (NULL in list) */
    int64_t created;
} es_alert_dest;

/* Adds a destination; audited (actor_user_id may be 0). Errors: ES_EINVAL
 * (unknown kind, missing target or webhook secret, a webhook target that is
 * not an http(s) URL), ES_EEXIST (name taken), ES_EDB. */
es_err es_alert_dest_add(es_store_t *s, const es_alert_dest *d, int64_t actor_user_id,
                         int64_t *id) ES_WUR;
/* Calls cb for every destination, by name (secret NULL). */
es_err es_alert_dest_list(es_store_t *s, void (*cb)(const es_alert_dest *d, void *ud),
                          void *ud) ES_WUR;
/* Removes a destination by name; audited. ES_ENOTFOUND. Rows already in
 * the outbox keep their target (and are no longer signed: a webhook whose
 * destination is gone fails). */
es_err es_alert_dest_remove(es_store_t *s, const char *name, int64_t actor_user_id) ES_WUR;

/* A rule. Zero values take the documented defaults at es_alert_rule_add. */
typedef struct es_alert_rule {
    int64_t id;
    const char *name;
    es_alert_kind kind;
    const char *brand;     /* scope: a brand's name; NULL any (negative: any of ours) */
    const char *location;  /* scope: a location; NULL every location */
    const char *query;     /* words: the listening query (required); spike and
                            * incident: an optional filter */
    const char *topic;     /* the case's department; NULL any */
    double threshold;      /* negative/incident: compound <= threshold (default
                            * -0.5); survey: score <= threshold; spike: k (3) */
    int64_t min_count;     /* spike: least volume that can be a spike (10);
                            * incident: complaints that open one (3) */
    int64_t period;        /* seconds: de-duplication window (negative, words,
                            * survey, sla: 3600), spike and incident window
                            * (3600), digest period (3600 or 86400) */
    int64_t baseline;      /* spike: periods of baseline before the last (12) */
    int64_t cooldown;      /* spike, incident: seconds before the same key
                            * alerts again (period) */
    int64_t max_per_hour;  /* throttle: alerts per hour beyond which they are
                            * recorded (status "throttled") but not sent; 0 none */
    int64_t escalate_after; /* seconds; 0 never */
    const char *dests;      /* comma-separated destination names (may be NULL) */
    const char *escalate_to; /* comma-separated destination names */
    int enabled;            /* list: 1 or 0 (add: always enabled) */
    int64_t created;
} es_alert_rule;

/* Checks and adds a rule; audited. Errors: ES_EINVAL with the reason on s
 * (an unknown brand or destination, a malformed query: the position and
 * reason, a digest without destinations ...), ES_EEXIST (name), ES_EDB. */
es_err es_alert_rule_add(es_store_t *s, const es_alert_rule *r, int64_t actor_user_id,
                         int64_t *id) ES_WUR;
/* Calls cb for every rule, by id. */
es_err es_alert_rule_list(es_store_t *s, void (*cb)(const es_alert_rule *r, void *ud),
                          void *ud) ES_WUR;
/* Removes a rule by name (or by id when name is a number); its alerts stay.
 * Audited. ES_ENOTFOUND. */
es_err es_alert_rule_remove(es_store_t *s, const char *name, int64_t actor_user_id) ES_WUR;

/* ---- alerts ------------------------------------------------------------------ */

typedef struct es_alert {
    int64_t id;
    int64_t rule_id;   /* 0: raised without a rule */
    const char *rule;  /* the rule's name, or NULL */
    es_alert_kind kind;
    const char *status; /* "open", "acked", "throttled" */
    const char *location;
    const char *brand;
    int64_t case_id, mention_id; /* 0 none */
    const char *title;
    const char *detail; /* a JSON object, or NULL */
    int64_t count;      /* occurrences folded into it (de-duplication) */
    int64_t created, updated, acked_at, escalated_at; /* Unix seconds, 0 none */
    int64_t acked_by;   /* user id, 0 none */
} es_alert;

/* Filters of es_alert_list. The scope: all_locations, or the alerts of the
 * locations listed only (an alert without location is then hidden). */
typedef struct es_alert_filter {
    const char *status;    /* NULL any */
    const char *location;  /* NULL any */
    int all_locations;
    const char *const *locations;
    size_t n_locations;
    int64_t before_id;     /* cursor: ids below it only; 0 from the newest */
    size_t limit;          /* 0: 50; at most 500 */
} es_alert_filter;

/* Calls cb for the matching alerts, newest first. */
es_err es_alert_list(es_store_t *s, const es_alert_filter *f,
                     void (*cb)(const es_alert *a, void *ud), void *ud) ES_WUR;
/* Calls cb once with alert id. ES_ENOTFOUND. */
es_err es_alert_get(es_store_t *s, int64_t id, void (*cb)(const es_alert *a, void *ud),
                    void *ud) ES_WUR;
/* Acknowledges an open alert (stops its escalation); audited with the
 * actor. Acknowledging an acknowledged alert is ES_OK and changes nothing.
 * ES_ENOTFOUND. */
es_err es_alert_ack(es_store_t *s, int64_t id, int64_t user_id, int64_t token_id,
                    int64_t now) ES_WUR;

/* Raised by other parts: the voice of the customer (a survey score), the SLA
 * checker (a breach). */
typedef struct es_alert_event {
    es_alert_kind kind;   /* ES_ALERT_SURVEY, ES_ALERT_SLA (any kind is accepted) */
    const char *key;      /* de-duplication key, e.g. "sla:case:12:first" (required) */
    const char *location; /* NULL none */
    const char *brand;    /* a brand's name, NULL none */
    int64_t case_id, mention_id; /* 0 none */
    double score;         /* survey: compared with the rules' thresholds */
    const char *title;    /* one line for people (required) */
    const char *detail;   /* a JSON object, or NULL */
} es_alert_event;

/* Raises alerts for ev, in one transaction of its own (so do not call it
 * inside es_store_begin): one per enabled rule of ev->kind whose scope
 * matches (survey: and score <= threshold); when no rule of that kind
 * exists, one alert without rule that goes to the location's managers. An
 * alert with the same rule and key within the rule's period is folded into
 * the existing one (count + 1) and sent to nobody. *raised (may be NULL)
 * receives the number of new alerts. Wake the deliverer afterwards.
 * Errors: ES_EINVAL (no key or title), ES_EDB, ES_EBUSY, ES_ENOMEM. */
es_err es_alert_raise(es_store_t *s, const es_alert_event *ev, int64_t now,
                      size_t *raised) ES_WUR;

/* ---- the scanner ------------------------------------------------------------- */

typedef struct es_alert_engine_s es_alert_engine_t;

/* Creates the scanner's state (compiled watched-word queries, reloaded by
 * es_alert_scan whenever the rules change). Free with es_alert_engine_free.
 * Errors: ES_ENOMEM. */
es_err es_alert_engine_new(es_alert_engine_t **out) ES_WUR;
void es_alert_engine_free(es_alert_engine_t *e);

/* Evaluates the mentions committed since the durable watermark (id >
 * watermark) against the rules, and in ONE transaction per batch writes the
 * alerts, their outbox rows and the new watermark (exactly-once raise,
 * crash-safe). Then, at most every 5 seconds of now, runs the timed work:
 * escalations due and digests due at now (Unix seconds). With nothing new
 * and nothing due it only reads (no write lock). On its first call with a
 * handle it makes that handle wait for a busy write lock by polling every
 * millisecond (the same total budget) rather than SQLite's sleeps of up to
 * 100 ms, so that an alert is not held back behind the ingest commits. *raised (may be NULL) receives the alerts and
 * deliveries created. Call it from one thread at a time per engine; s is
 * that thread's handle, not inside a transaction. Errors: ES_EDB, ES_EBUSY,
 * ES_ENOMEM (nothing of the failed batch is kept; the next call retries). */
es_err es_alert_scan(es_alert_engine_t *e, es_store_t *s, int64_t now, size_t *raised) ES_WUR;

/* ---- delivery ---------------------------------------------------------------- */

typedef struct es_alert_config {
    /* Addresses that private, loopback and link-local checks let through:
     * comma-separated IPs or CIDRs ("127.0.0.1,10.0.0.0/8,::1"). NULL none. */
    const char *allow;
    const char *smtp_url;  /* "smtp://host:port" (smtps:// for TLS), NULL: no email */
    const char *smtp_from; /* envelope and From: address */
    const char *smtp_user, *smtp_pass; /* NULL: no login */
    const char *sms_url;   /* the provider's endpoint: a form POST of To, From,
                            * Body; NULL: no SMS */
    const char *sms_from;
    const char *sms_auth;  /* "user:password" for HTTP basic auth, or NULL */
    unsigned max_attempts; /* 0: 8; then the row is "failed" */
    unsigned backoff_ms;   /* first retry after about this (0: 1000), doubling,
                            * with jitter */
    unsigned backoff_max_ms; /* 0: 3600000 */
    unsigned timeout_ms;   /* per attempt; 0: 10000 */
} es_alert_config;

/* Fills c from the environment (EARSHOT_ALERT_ALLOW, EARSHOT_SMTP_URL,
 * EARSHOT_SMTP_FROM, EARSHOT_SMTP_USER, EARSHOT_SMTP_PASSWORD,
 * EARSHOT_SMS_URL, EARSHOT_SMS_FROM, EARSHOT_SMS_AUTH,
 * EARSHOT_ALERT_MAX_ATTEMPTS, EARSHOT_ALERT_BACKOFF_MS,
 * EARSHOT_ALERT_TIMEOUT_MS); unset fields
 * are zero. The strings point into the environment. */
void es_alert_config_env(es_alert_config *c);

/* Process-wide delivery counters for /metrics. Thread-safe. */
typedef struct es_alert_counts {
    uint64_t delivered; /* attempts answered 2xx (or accepted by SMTP) */
    uint64_t retried;   /* failed attempts that will be retried */
    uint64_t failed;    /* rows given up (max attempts, or a refused target) */
    uint64_t refused;   /* of the failed: targets refused (private address ...) */
} es_alert_counts;
void es_alert_delivery_counts(es_alert_counts *out);

/* Delivers, once, every outbox row due at now_ms (Unix milliseconds): each
 * attempt recorded, rows claimed with a lease so two processes never send
 * the same row at once. For `earshot alert deliver` and tests. *attempted
 * (may be NULL) receives the attempts made. Errors: ES_EDB, ES_ENOMEM,
 * ES_EIO (libcurl could not start). */
es_err es_alert_deliver_due(es_store_t *s, const es_alert_config *c, int64_t now_ms,
                            size_t *attempted) ES_WUR;

typedef struct es_alert_deliverer_s es_alert_deliverer_t;

/* Starts the delivery thread with a store handle of its own on db_path
 * (durability NORMAL: a "delivered" mark lost to a power cut only resends
 * under the same Idempotency-Key; lock waits polled as es_alert_scan's). c
 * and its strings must outlive the deliverer. It sleeps until woken or
 * until the next retry is due (at most 1 s). Errors: ES_ENOMEM, ES_EDB,
 * ES_EIO (no thread). */
es_err es_alert_deliverer_start(const char *db_path, const es_alert_config *c,
                                es_alert_deliverer_t **out) ES_WUR;
/* Makes the thread look at the outbox now. Thread-safe; cheap. NULL ok. */
void es_alert_deliverer_wake(es_alert_deliverer_t *d);
/* Lets the attempt in progress finish, joins the thread and frees it.
 * Undelivered rows stay in the outbox for the next start. NULL ok. */
void es_alert_deliverer_stop(es_alert_deliverer_t *d);

#endif
