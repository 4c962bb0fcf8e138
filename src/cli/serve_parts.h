/*
 * serve_parts.h - what `earshot serve` runs beside the HTTP server: the
 * follow-up after commits (threading, alerts, SLAs, feeds) and the alert
 * and reply delivery threads. serve_parts.c explains the order.
 */
#ifndef ES_CLI_SERVE_PARTS_H
#define ES_CLI_SERVE_PARTS_H

#include "earshot/alert.h"
#include "earshot/analyze.h"
#include "earshot/cases.h"
#include "earshot/invitation.h"
#include "earshot/reply.h"

typedef struct serve_parts_opts {
    const char *db_path;
    es_alert_config alert; /* copied; its strings must outlive the parts */
    long feed_poll;        /* seconds between looks for due feeds; 0: none */
    const char *public_url; /* links in invitations; NULL: no advocacy rule */
    /* For analysing feed items as the server analyses webhooks. */
    const es_lexicon_t *lex;
    es_sent_mode mode;
    const es_matcher_t *matcher;
    const es_brand_ref *brands;
    size_t n_brands;
} serve_parts_opts;

typedef struct serve_parts {
    es_alert_engine_t *engine;
    es_alert_config alert_cfg;
    es_alert_deliverer_t *alerts;
    es_reply_deliverer_t *replies;
    es_invite_deliverer_t *invites; /* survey and advocacy invitations */
    es_analyzer_t *feed_an;
    es_store_t *feed_store; /* the follow-up's handle, during a feed poll */
    es_case_opts thread_opts; /* how the follow-up threads (serve_parts.c) */
    long feed_poll;
    const char *public_url;
    long advocacy_every;   /* seconds between runs of the advocacy rule; 0 none */
    int64_t last_sla, last_feed, last_advocacy;
    int failing; /* a bit per step that failed last time */
} serve_parts;

/* Starts the delivery threads and makes the scanner's state. Returns 0, or
 * -1 with err (everything started is stopped again). */
int serve_parts_start(serve_parts *p, const serve_parts_opts *o, char *err, size_t errlen);

/* The server's follow-up (es_server_opts.follow_up; ud is the parts). */
void serve_parts_follow_up(es_store_t *s, int64_t now_ms, void *ud);

/* Wakes a delivery thread: what is "replies", "alerts" or "invitations";
 * ud is the parts
 * (es_server_opts.wake). Thread-safe. */
void serve_parts_wake_cb(const char *what, void *ud);

/* Stops the delivery threads (undelivered rows stay for the next start)
 * and frees the parts. Call after the server has stopped. */
void serve_parts_stop(serve_parts *p);

#endif
