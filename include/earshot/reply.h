/*
 * reply.h - responding to customers (C4): each channel's length limits (X's
 * weighted 280 characters, SMS segments, Facebook, Instagram, email), the
 * warning on generic canned replies, replies recorded on their case with a
 * durable per-channel outbox, and the deliverer that posts them to each
 * channel's configured HTTP endpoint.
 *
 * Pure logic (limits, generic detection) is in src/sla/limits.c and
 * generic.c; the store part in src/store/sla.c; recording and delivery in
 * src/sla/reply.c and deliver.c.
 */
#ifndef EARSHOT_REPLY_H
#define EARSHOT_REPLY_H

#include "earshot.h"
#include "sla.h"
#include "store.h"

/* ---- channel limits (pure) ----------------------------------------------- */

#define ES_X_MAX_WEIGHT 280 /* X: weighted characters of a public post */
#define ES_X_DM_MAX 10000   /* X: characters of a direct message */
#define ES_X_URL_WEIGHT 23  /* X: every URL counts this much */
#define ES_SMS_MAX_SEGMENTS 10
#define ES_FACEBOOK_MAX 8000  /* characters of a comment */
#define ES_MESSENGER_MAX 2000 /* characters of a private message */
#define ES_INSTAGRAM_MAX 2200
#define ES_EMAIL_MAX 100000
#define ES_OTHER_MAX 5000

/* How long a reply is in its channel's unit. */
typedef struct es_reply_measure {
    const char *unit; /* "characters" (X: weighted), "segments", "bytes" */
    long used, max;   /* used > max: too long */
    /* SMS only: the encoding and its size. */
    int ucs2;       /* 0: GSM-7 */
    long sms_units; /* septets (GSM-7) or UTF-16 code units (UCS-2) */
} es_reply_measure;

/* Measures text[0..len) (valid UTF-8) for channel (a mention source:
 * twitter, facebook, instagram, sms, email ...); direct is 1 for a private
 * message. X counts as X does (NFC; each URL 23; code points outside the
 * Latin, punctuation and symbol ranges and each emoji 2). SMS: GSM-7 when
 * every character is in the GSM 03.38 alphabet (160 per message, 153 per
 * part; extension characters take two septets), else UCS-2 (70 / 67).
 * Returns ES_OK, ES_ELIMIT when over the limit (m filled either way),
 * ES_EUTF8, ES_EINVAL (empty text). Reentrant. */
es_err es_reply_measure_text(const char *channel, int direct, const char *text, size_t len,
                             es_reply_measure *m) ES_WUR;

/* The SMS segments of text alone (GSM-7 or UCS-2 as above). */
long es_reply_sms_segments(const char *text, size_t len, int *ucs2, long *units);

/* X's weighted length of text (valid UTF-8). */
long es_reply_x_length(const char *text, size_t len);

/* ---- generic replies (pure) ----------------------------------------------- */

#define ES_GENERIC_WINDOW 500 /* recent replies compared */
#define ES_GENERIC_MIN 3      /* near-copies among them that make a reply generic */
#define ES_GENERIC_DIST 3     /* simhash bits that may differ */

/* 1 when fp (es_dedup_fingerprint of the reply) is within ES_GENERIC_DIST
 * bits of at least min_similar of recent[0..n). Reentrant. */
int es_reply_is_generic(uint64_t fp, const uint64_t *recent, size_t n, size_t min_similar);

/* ---- replies in the store ------------------------------------------------- */

enum { ES_REPLY_GENERIC = 1u << 0 };

typedef struct es_reply {
    int64_t id, case_id;
    int64_t user_id, token_id; /* the author (0: none) */
    const char *channel;
    const char *text;
    int direct;
    unsigned flags; /* ES_REPLY_* */
    int64_t created;
    /* Its outbox row: */
    const char *status; /* pending, delivered, failed */
    int attempts;
    int64_t delivered_at;
    const char *idempotency_key;
    const char *last_error;
} es_reply;

/* Records a reply on case case_id: checks the channel's limit (ES_ELIMIT,
 * with "... is 301 characters; twitter allows 280" in es_store_errmsg and
 * the measure in *m when not NULL), flags it generic against the recent
 * replies, and in ONE transaction inserts it and its outbox row, sets the
 * case's first_response_at (when unset) and last_response_at to now and its
 * status from new to open, and writes the audit entry. The case must be in
 * scope (NULL: any) and not merged: else ES_ENOTFOUND. *out (may be NULL)
 * receives the id and flags (strings NULL). Errors also: ES_EINVAL,
 * ES_EUTF8, ES_EDB, ES_ENOMEM. */
es_err es_reply_add(es_store_t *s, int64_t case_id, const es_sla_scope *scope, int64_t user_id,
                    int64_t token_id, const char *text, int direct, int64_t now, es_reply *out,
                    es_reply_measure *m) ES_WUR;

/* Calls cb for each reply of case_id, oldest first, with its outbox state.
 * ES_ENOTFOUND when the case is not there or not in scope. */
es_err es_reply_list(es_store_t *s, int64_t case_id, const es_sla_scope *scope,
                     void (*cb)(const es_reply *r, void *ud), void *ud) ES_WUR;

/* Store primitives used by es_reply_add (exposed for the backends' tests):
 * the case's channel (its source; in scope, not merged: else ES_ENOTFOUND),
 * into buf; and the fingerprints of the newest n replies. */
es_err es_reply_case_channel(es_store_t *s, int64_t case_id, const es_sla_scope *scope, char *buf,
                             size_t size) ES_WUR;
es_err es_reply_recent_fingerprints(es_store_t *s, uint64_t *fps, size_t max, size_t *n) ES_WUR;
/* Inserts r (case_id, user_id, token_id, channel, text, direct, flags,
 * created) with its fingerprint, outbox row, the case update and the audit
 * entry in one transaction; sets r->id. */
es_err es_reply_insert(es_store_t *s, es_reply *r, uint64_t fingerprint) ES_WUR;

/* Where a channel's replies are posted (JSON over HTTP). secret, when set,
 * signs each request (X-Earshot-Signature). Adds or replaces, with audit. */
es_err es_reply_endpoint_set(es_store_t *s, const char *channel, const char *url,
                             const char *secret, int64_t user_id) ES_WUR;

/* ---- the outbox ------------------------------------------------------------- */

/* One outbox row due for delivery, with what to send. */
typedef struct es_reply_job {
    int64_t outbox_id, reply_id, case_id;
    const char *channel, *text, *key, *url, *secret;
    int direct;
    int attempts;
    const char *in_reply_to; /* the external id of the case's latest mention */
} es_reply_job;

/* Calls cb for up to max pending rows with next_try <= now whose channel has
 * an endpoint, oldest first. With lease_until > 0 the rows are also claimed
 * in the same transaction (next_try = lease_until), so that two deliverers
 * (the server's and `earshot reply deliver`) never post the same row at
 * once, and a deliverer that dies mid-post leaves the row due again when the
 * lease ends. */
es_err es_reply_outbox_due(es_store_t *s, int64_t now, size_t max, int64_t lease_until,
                           void (*cb)(const es_reply_job *j, void *ud), void *ud) ES_WUR;

/* Records the outcome of one attempt: delivered (status delivered), or a
 * failure with error and the next try (next_try 0: give up, status failed). */
es_err es_reply_outbox_result(es_store_t *s, int64_t outbox_id, int delivered, const char *error,
                              int64_t now, int64_t next_try) ES_WUR;

/* The earliest next_try of a pending row with an endpoint, 0 when none. */
es_err es_reply_outbox_next(es_store_t *s, int64_t *when) ES_WUR;

typedef struct es_reply_deliver_opts {
    long timeout_ms;     /* per request; 0: 10000 */
    int max_attempts;    /* then failed; 0: 10 */
    int64_t backoff_min; /* seconds before the 2nd attempt, doubling; 0: 2 */
    int64_t backoff_max; /* 0: 3600 */
    long poll_ms;        /* the thread's longest sleep; 0: 1000 */
    /* Asked between two posts (NULL: never); non-zero ends the pass. */
    int (*cancelled)(void *ud);
    void *cancel_ud;
} es_reply_deliver_opts;

/* Delivers the replies due now, up to one batch of 16 (call again while
 * es_reply_outbox_next says more are due), claiming them first: POSTs
 * {"reply_id","case_id","channel", "text","direct","in_reply_to","idempotency_key"} with headers
 * Idempotency-Key, X-Earshot-Timestamp and (with a secret)
 * X-Earshot-Signature: sha256=HMAC-SHA256(secret, timestamp "." body). A 2xx
 * answer marks the row delivered; anything else schedules a retry with
 * exponential back-off. Redirects are not followed. *delivered and *failed
 * (may be NULL) count this pass's outcomes. Errors: ES_EDB, ES_ENOMEM. */
es_err es_reply_deliver_due(es_store_t *s, int64_t now, const es_reply_deliver_opts *o,
                            size_t *delivered, size_t *failed) ES_WUR;

/* The deliverer thread: loops es_reply_deliver_due on a store handle of its
 * own (opened on db_path), sleeping until the next retry is due (at most
 * poll_ms) or until woken. Undelivered rows stay in the outbox across
 * restarts. */
typedef struct es_reply_deliverer_s es_reply_deliverer_t;

/* Starts the thread. o may be NULL (defaults). Errors: ES_ENOMEM, ES_EDB
 * (the store would not open), ES_EIO (no thread). */
es_err es_reply_deliverer_start(const char *db_path, const es_reply_deliver_opts *o,
                                es_reply_deliverer_t **out) ES_WUR;
/* Asks it to look at the outbox now (after a reply was added). Thread-safe;
 * NULL does nothing. */
void es_reply_deliverer_wake(es_reply_deliverer_t *d);
/* Lets the post under way finish (the rest of its batch stays claimed until
 * the lease ends, a few minutes at most), joins the thread and frees d.
 * NULL does nothing. */
void es_reply_deliverer_stop(es_reply_deliverer_t *d);

#endif
