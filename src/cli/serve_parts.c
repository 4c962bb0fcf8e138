/*
 * serve_parts.c - the service's parts that `earshot serve` runs beside the
 * HTTP server (serve.c): the work after each group commit and on a
 * schedule (the follow-up of server.h), and the two delivery threads.
 *
 * The follow-up runs on the server's follow-up thread with a store handle
 * of its own, in this order, each step on what the one before committed:
 *   1. the inbox threader: every new mention into a case, ranked, routed
 *      and assigned (es_case_thread_pending);
 *   2. the alert scanner: rules over the new mentions, alerts and their
 *      outbox rows (es_alert_scan); then the alert deliverer is woken;
 *   3. every SLA_EVERY seconds, the SLA checker (es_sla_check), which
 *      raises warnings and breaches as alerts;
 *   4. every feed_poll seconds, the RSS/Atom feeds that are due
 *      (es_feed_poll_due); their items are analysed and stored here, and
 *      threaded at the next pass;
 *   5. every EARSHOT_ADVOCACY_EVERY seconds (unset: never), the advocacy
 *      rule over the last week (es_advocacy_run, docs/advocacy.md); then
 *      the invitation deliverer is woken.
 * Threading commits with synchronous=NORMAL (redone from the mentions
 * after a power loss), in small chunks with a pause between them, so that
 * under a burst it makes way for the webhooks' group commits (the server's
 * write gate lets those go first) and catches up after; the alert and SLA
 * steps with FULL (what they raise
 * is sent out, so it must not be raised twice), and so do the feeds (what
 * customers wrote).
 * A step that fails is reported on stderr (once per kind of failure in a
 * row) and retried at the next pass: nothing is lost, the store's
 * watermarks and unthreaded mentions say what is left to do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/serve_parts.h"
#include "earshot/alert.h"
#include "earshot/cases.h"
#include "earshot/feed.h"
#include "earshot/reply.h"
#include "earshot/sla.h"

#define SLA_EVERY 5   /* seconds between SLA checks */
#define SLA_WARN 900  /* seconds before a due time that a warning is raised */
#define ADVOCACY_SINCE (7 * 86400) /* promoters of the last week */
/* Threading takes the write lock a chunk at a time and pauses between
 * chunks: a webhook's group commit waits at most one small chunk for the
 * lock, never a run of them. */
#define THREAD_CHUNK 16
#define THREAD_PAUSE_US 500

/* Prints a step's failure once until the step succeeds again. */
static void report(serve_parts *p, int step, es_err rc, es_store_t *s, const char *what)
{
    int bit = 1 << step;
    if (rc == ES_OK) {
        p->failing &= ~bit;
        return;
    }
    if (p->failing & bit)
        return;
    p->failing |= bit;
    fprintf(stderr, "earshot serve: %s failed (%s): %s; retrying\n", what, es_strerror(rc),
            es_store_errmsg(s));
}

/* The feed sink: analyse and store the items of one poll. */
static es_err feed_sink(void *ud, const es_feed_row *f, es_mention_t *ms, size_t n,
                        es_arena_t *a, size_t *inserted)
{
    serve_parts *p = ud;
    const char *why = NULL;
    es_err rc = ES_OK;
    (void)f;
    for (size_t i = 0; rc == ES_OK && i < n; i++) {
        rc = es_analyzer_run(p->feed_an, &ms[i], a, &why);
        if (rc == ES_REJECTED) { /* an item analysis refuses is kept as it is */
            rc = ES_OK;
        }
    }
    return rc ? rc : es_store_put(p->feed_store, ms, n, inserted);
}

/* See serve_parts.h. */
void serve_parts_follow_up(es_store_t *s, int64_t now_ms, void *ud)
{
    serve_parts *p = ud;
    int64_t now = now_ms / 1000;
    size_t n = 0;
    es_err rc = es_store_set_durable(s, 0);
    if (rc == ES_OK)
        rc = es_case_thread_pending(s, &p->thread_opts, now, &n);
    report(p, 0, rc, s, "threading mentions into cases");
    /* Alerts raised (and their watermark) must survive a power loss: were
     * they redone, a receiver could hear of one twice under new keys. */
    n = 0;
    rc = es_store_set_durable(s, 1);
    if (rc == ES_OK)
        rc = es_alert_scan(p->engine, s, now, &n);
    report(p, 1, rc, s, "the alert scan");
    if (n)
        es_alert_deliverer_wake(p->alerts);
    if (now - p->last_sla >= SLA_EVERY) {
        p->last_sla = now;
        n = 0;
        rc = es_sla_check(s, now, SLA_WARN, NULL, NULL, &n);
        report(p, 2, rc, s, "the SLA check");
        if (n)
            es_alert_deliverer_wake(p->alerts);
    }

    if (p->feed_poll > 0 && p->feed_an && now - p->last_feed >= p->feed_poll) {
        p->last_feed = now;
        p->feed_store = s;
        rc = es_feed_poll_due(s, now, feed_sink, p, NULL);
        report(p, 3, rc, s, "polling feeds");
    }
    if (p->advocacy_every > 0 && p->public_url && now - p->last_advocacy >= p->advocacy_every) {
        p->last_advocacy = now;
        es_advocacy_opts ao = {.public_url = p->public_url, .since = now - ADVOCACY_SINCE};
        es_invite_result r = {0};
        rc = es_advocacy_run(s, &ao, now, &r);
        report(p, 4, rc, s, "the advocacy rule");
        if (r.invited)
            es_invite_deliverer_wake(p->invites);
    }
}

/* See serve_parts.h. */
int serve_parts_start(serve_parts *p, const serve_parts_opts *o, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->feed_poll = o->feed_poll;
    p->public_url = o->public_url && *o->public_url ? o->public_url : NULL;
    const char *every = getenv("EARSHOT_ADVOCACY_EVERY");
    p->advocacy_every = every ? strtol(every, NULL, 10) : 0;
    if (p->advocacy_every < 0 || p->advocacy_every > 86400 * 365)
        p->advocacy_every = 0;
    p->thread_opts.chunk = THREAD_CHUNK;
    p->thread_opts.pause_us = THREAD_PAUSE_US;
    p->alert_cfg = o->alert;
    es_err rc = es_alert_engine_new(&p->engine);
    if (rc) {
        snprintf(err, errlen, "the alert engine: %s", es_strerror(rc));
        return -1;
    }
    if (o->feed_poll > 0) {
        p->feed_an = es_analyzer_new(o->lex, o->mode, o->matcher, o->brands, o->n_brands);
        if (!p->feed_an) {
            snprintf(err, errlen, "%s", "the feed analyser: out of memory");
            goto fail;
        }
    }
    if ((rc = es_alert_deliverer_start(o->db_path, &p->alert_cfg, &p->alerts))) {
        snprintf(err, errlen, "the alert deliverer: %s", es_strerror(rc));
        goto fail;
    }
    if ((rc = es_reply_deliverer_start(o->db_path, NULL, &p->replies))) {
        snprintf(err, errlen, "the reply deliverer: %s", es_strerror(rc));
        goto fail;
    }
    /* Invitations go out through the alerts' SMS provider and SMTP server. */
    if ((rc = es_invite_deliverer_start(o->db_path, &p->alert_cfg, &p->invites))) {
        snprintf(err, errlen, "the invitation deliverer: %s", es_strerror(rc));
        goto fail;
    }
    return 0;
fail:
    serve_parts_stop(p);
    return -1;
}

/* See serve_parts.h. */
void serve_parts_wake_cb(const char *what, void *ud)
{
    serve_parts *p = ud;
    if (strcmp(what, "replies") == 0)
        es_reply_deliverer_wake(p->replies);
    else if (strcmp(what, "alerts") == 0)
        es_alert_deliverer_wake(p->alerts);
    else if (strcmp(what, "invitations") == 0)
        es_invite_deliverer_wake(p->invites);
}

/* See serve_parts.h. */
void serve_parts_stop(serve_parts *p)
{
    es_invite_deliverer_stop(p->invites);
    es_reply_deliverer_stop(p->replies);
    es_alert_deliverer_stop(p->alerts);
    es_alert_engine_free(p->engine);
    es_analyzer_free(p->feed_an);
    memset(p, 0, sizeof *p);
}
