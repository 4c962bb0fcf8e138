/*
 * engine.h - what the files of src/alert/ share (internal): the payloads
 * (payload.c), the volume statistics of spike rules and the back-off
 * (stats.c), the address checks and signatures of webhook delivery (net.c),
 * one delivery attempt (send.c), and the timed work the scanner runs
 * (timed.c). The public API is include/earshot/alert.h.
 */
#ifndef ES_ALERT_ENGINE_H
#define ES_ALERT_ENGINE_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/buf.h"
#include "earshot/alert.h"
#include "earshot/arena.h"
#include "store/alert_int.h"

/* ---- payloads (payload.c) --------------------------------------------------- */

/* What an outbox row says: a JSON document for webhooks, one line of text
 * for SMS and email subjects, a few lines for email bodies. */
typedef struct es__alert_msg {
    char *json;    /* es_free */
    char *subject; /* es_free; one line, no CR or LF */
    char *text;    /* es_free */
} es__alert_msg;

/* Builds the message of alert a for purpose ("alert", "escalation"): the
 * webhook JSON {"event": purpose, "alert": {...}}, a subject
 * "[earshot] <kind> alert: <title>" and a text body. Errors: ES_ENOMEM. */
es_err es__alert_msg_alert(const es_alert *a, const char *purpose, es__alert_msg *out) ES_WUR;
/* Builds a digest of n alerts over [from, to) for the rule named rule. */
es_err es__alert_msg_digest(const char *rule, int64_t from, int64_t to, const es_alert *as,
                            size_t n, es__alert_msg *out) ES_WUR;
void es__alert_msg_cleanup(es__alert_msg *m);

/* Appends s as a JSON string (NULL: null). A byte that does not start a
 * valid UTF-8 sequence becomes U+FFFD, so the document always parses.
 * Errors: ES_ENOMEM, ES_ELIMIT (b's limit). */
es_err es__alert_json_str(es__buf *b, const char *s) ES_WUR;

/* Copies s into b as one line: CR, LF and other control characters become
 * spaces, and at most max bytes are kept (cut on a UTF-8 boundary, "..."
 * added). For titles built from what customers wrote. */
es_err es__alert_line(es__buf *b, const char *s, size_t max) ES_WUR;

/* ---- statistics and back-off (stats.c) -------------------------------------- */

#define ES__ALERT_BUCKET 300 /* seconds per volume counter bucket */

/* Decides whether the last period is a spike. counts holds (baseline + 1) *
 * per buckets, oldest first: baseline periods, then the last one. The last
 * period's volume is a spike when it is at least min_count and greater than
 * the baseline periods' mean + k standard deviations (population). Writes
 * the volume, mean and deviation. Returns 1 for a spike. */
int es__alert_spike(const int64_t *counts, int64_t per, int64_t baseline, double k,
                    int64_t min_count, int64_t *volume, double *mean, double *sd);

/* The delay before retry number attempt (1 = the first retry), in ms:
 * base * 2^(attempt-1), capped at max, then jittered to between half and
 * all of it by r in [0, 1). */
int64_t es__alert_backoff(unsigned attempt, unsigned base_ms, unsigned max_ms, double r);

/* ---- webhook safety (net.c) --------------------------------------------------- */

/* An allow-list of addresses and networks parsed from "ip,ip/len,...". */
#define ES__ALERT_MAX_ALLOW 32
typedef struct es__alert_allow {
    struct {
        int family; /* AF_INET or AF_INET6 */
        uint8_t addr[16];
        unsigned bits;
    } net[ES__ALERT_MAX_ALLOW];
    size_t n;
} es__alert_allow;

/* Parses list (NULL or "" is empty). ES_EINVAL for an entry that is not
 * an IP address or network, ES_ELIMIT past ES__ALERT_MAX_ALLOW. */
es_err es__alert_allow_parse(const char *list, es__alert_allow *out) ES_WUR;

/* Whether a webhook may connect to sa: a public address, or one the
 * allow-list names. Refused unless allow-listed: loopback, private
 * (RFC 1918, fc00::/7), link-local, carrier-grade NAT, "this network",
 * multicast, broadcast, the unspecified address, IPv4-mapped forms of all
 * these. why receives the reason of a refusal. */
int es__alert_addr_ok(const struct sockaddr *sa, const es__alert_allow *allow, const char **why);

/* Writes "sha256=" and the hex HMAC-SHA256 of "<ts>.<body>" under secret
 * into out (at least 72 bytes). Errors: ES_EINVAL (OpenSSL failed). */
es_err es__alert_sign(const char *secret, const char *ts, const char *body, size_t body_len,
                      char *out, size_t size) ES_WUR;

/* ---- one attempt (send.c) ------------------------------------------------------ */

typedef struct es__alert_result {
    es__alert_outcome outcome; /* DELIVERED, RETRY (transient), FAILED (permanent), REFUSED */
    int http_status;           /* 0: none */
    char error[256];
} es__alert_result;

/* Delivers row once with libcurl per cfg (webhook, email or SMS) at now_ms;
 * decides the outcome but does not record it. allow is cfg->allow parsed. */
void es__alert_send(const es__alert_outrow *row, const es_alert_config *cfg,
                    const es__alert_allow *allow, int64_t now_ms, es__alert_result *res);

/* Initialises libcurl once per process. ES_EIO when it cannot. */
es_err es__alert_curl_init(void) ES_WUR;

/* ---- raising (raise.c) and the timed work (timed.c) ------------------------------- */

/* A rule as the scanner holds it: the row, its brand's id (0: any) and the
 * index of its query in the scanner's matcher (-1: none). */
typedef struct es__alert_crule {
    es_alert_rule r;
    uint32_t brand_id;
    int qi;
} es__alert_crule;

/* Stores alert a (es__alert_put: de-duplicated, throttled) and, when it is
 * new, writes its outbox rows: r's destinations (r may be NULL) and the
 * managers of a->location. brand is the brand's name for the payload.
 * *what receives ES__ALERT_NEW, _FOLDED or _THROTTLED. Call inside a
 * transaction. Errors: those of the store, ES_ENOMEM. */
es_err es__alert_emit(es_store_t *s, const es_alert_rule *r, const es__alert_new *a,
                      const char *brand, int64_t now, int *what) ES_WUR;

/* Checks the volume of spike or incident rule c for key (brand id and
 * topic) at now, after the batch's counts were written, and raises the
 * alert when it is due (spike: de-duplicated by cooldown; incident: open
 * while complaints keep arriving within the cooldown). Inside the scan's
 * transaction; *raised is incremented. (volume.c) */
es_err es__alert_volume(es_store_t *s, const es__alert_crule *c, const char *key,
                        uint32_t brand_id, const char *brand, const char *topic, int64_t now,
                        size_t *raised) ES_WUR;

/* Sends the escalations due at now and the digests of rules[0..n) due, in
 * one transaction of its own. *made receives the outbox rows written. */
es_err es__alert_timed(es_store_t *s, const es__alert_crule *rules, size_t n, int64_t now,
                       size_t *made) ES_WUR;

#endif
