/*
 * invite_deliver.c - delivering invitations from their durable outbox (the
 * pending rows of the invitations table): each pass claims the rows due
 * under a lease (two processes never send one row at once; a process that
 * dies mid-send leaves the row due again when the lease ends), sends each
 * once with the alert module's client (es__alert_send: an SMS through the
 * provider's HTTP API, an email over SMTP, with the row's Idempotency-Key),
 * and records the outcome: delivered (the invitation's state moves on),
 * retried with exponential back-off and jitter, or failed for good after
 * max_attempts. No HTTP client of its own.
 *
 * The deliverer thread of `earshot serve` runs passes when woken (after
 * the API queued invitations), when a retry falls due, and at least every
 * second; it also brings the states up to date from the responses every
 * minute (es_invite_refresh). `earshot survey invitations --deliver` runs
 * one pass.
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "alert/engine.h"
#include "base/worker.h"
#include "earshot/arena.h"
#include "earshot/invitation.h"
#include "store/invitation_int.h"

#define CLAIM 16         /* rows per claim */
#define MAX_ROUNDS 64    /* claims per pass, so that a pass ends */
#define REFRESH_EVERY 60 /* seconds between two refreshes of the states */

/* The rows of one claim, copied out of the statement. */
typedef struct claimed {
    es_arena_t *a;
    es__alert_outrow rows[CLAIM];
    size_t n;
    int oom;
} claimed;

static void on_claim(const es__invite_job *j, void *ud)
{
    claimed *c = ud;
    if (c->n >= CLAIM)
        return;
    es__alert_outrow *r = &c->rows[c->n];
    memset(r, 0, sizeof *r);
    r->id = j->id;
    r->purpose = "invitation";
    r->kind = es_arena_strdup(c->a, j->channel);
    r->target = es_arena_strdup(c->a, j->contact);
    r->subject = es_arena_strdup(c->a, j->subject);
    r->body = es_arena_strdup(c->a, j->body ? j->body : "");
    r->idem_key = es_arena_strdup(c->a, j->idem_key);
    r->attempts = j->attempts;
    if (!r->kind || !r->target || !r->body || !r->idem_key || (j->subject && !r->subject)) {
        c->oom = 1;
        return;
    }
    c->n++;
}

static double jitter(void)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (uint32_t)time(NULL) * 2654435761u;
    return (double)r / 4294967296.0;
}

/* Sends row r once at now_ms and records the outcome. */
static es_err attempt(es_store_t *s, const es_alert_config *c, const es__alert_allow *allow,
                      const es__alert_outrow *r, int64_t now_ms, size_t *sent)
{
    es__alert_result res;
    unsigned max = c->max_attempts ? c->max_attempts : 8;
    es__alert_send(r, c, allow, now_ms, &res);
    int outcome = ES__INVITE_FAILED;
    int64_t next = 0;
    if (res.outcome == ES__OUT_DELIVERED) {
        outcome = ES__INVITE_SENT;
        (*sent)++;
    } else if (res.outcome == ES__OUT_RETRY && r->attempts + 1 < (int64_t)max) {
        outcome = ES__INVITE_RETRY;
        next = now_ms +
               es__alert_backoff((unsigned)r->attempts + 1, c->backoff_ms ? c->backoff_ms : 1000,
                                 c->backoff_max_ms ? c->backoff_max_ms : 3600000, jitter());
    }
    return es__invite_done(s, r->id, outcome, res.error, next, now_ms / 1000);
}

/* See invitation.h. */
es_err es_invite_deliver_due(es_store_t *s, const es_alert_config *c, int64_t now_ms, size_t *sent)
{
    size_t ok = 0;
    es__alert_allow allow;
    if (!c)
        return ES_EINVAL;
    if (es__alert_allow_parse(c->allow, &allow))
        memset(&allow, 0, sizeof allow); /* SMS and email do not use it */
    claimed cl = {.a = es_arena_new(16 * 1024, 64u << 20)};
    if (!cl.a)
        return ES_ENOMEM;
    unsigned timeout = c->timeout_ms ? c->timeout_ms : 10000;
    es_err rc = ES_OK;
    for (int round = 0; !rc && round < MAX_ROUNDS; round++) {
        es_arena_reset(cl.a);
        cl.n = 0;
        cl.oom = 0;
        /* Claimed for the longest the claim's sends can take, plus a margin. */
        int64_t lease = now_ms + (int64_t)CLAIM * (timeout + 1000) + 30000;
        rc = es__invite_claim(s, now_ms, lease, CLAIM, on_claim, &cl);
        if (!rc && cl.oom)
            rc = ES_ENOMEM;
        for (size_t i = 0; !rc && i < cl.n; i++)
            rc = attempt(s, c, &allow, &cl.rows[i], now_ms, &ok);
        if (cl.n < CLAIM)
            break;
    }
    es_arena_free(cl.a);
    if (sent)
        *sent = ok;
    return rc;
}

/* ---- the thread --------------------------------------------------------------- */

struct es_invite_deliverer_s {
    es__worker w;
    es_store_t *store;
    const es_alert_config *cfg;
    int64_t last_refresh; /* Unix seconds of the last state refresh */
};

/* One pass of the worker: what is due, the invitations' states every
 * REFRESH_EVERY seconds, then when the next delivery is due (a time already
 * past naps the full second: a row that failed waits for its back-off). */
static int64_t pass(void *ud)
{
    es_invite_deliverer_t *d = ud;
    int64_t now = es__worker_now_ms(), next = 0;
    es_err rc = es_invite_deliver_due(d->store, d->cfg, now, NULL);
    if (rc)
        fprintf(stderr, "earshot: invitation delivery: %s\n", es_store_errmsg(d->store));
    if (now / 1000 - d->last_refresh >= REFRESH_EVERY) {
        d->last_refresh = now / 1000;
        if (es_invite_refresh(d->store, 0, NULL))
            fprintf(stderr, "earshot: invitation states: %s\n", es_store_errmsg(d->store));
    }
    if (es__invite_next_due(d->store, &next))
        next = 0;
    return next > es__worker_now_ms() ? next : 0;
}

/* See invitation.h. */
es_err es_invite_deliverer_start(const char *db_path, const es_alert_config *c,
                                 es_invite_deliverer_t **out)
{
    *out = NULL;
    if (!db_path || !c)
        return ES_EINVAL;
    es_invite_deliverer_t *d = es_calloc(1, sizeof *d);
    if (!d)
        return ES_ENOMEM;
    d->cfg = c;
    es_err rc = es_store_open(db_path, &d->store);
    if (rc) {
        fprintf(stderr, "earshot: invitation deliverer: %s\n",
                d->store ? es_store_errmsg(d->store) : "out of memory");
        es_store_close(d->store);
        es_free(d);
        return rc;
    }
    if ((rc = es__worker_start(&d->w, pass, d, 1000))) {
        es_store_close(d->store);
        es_free(d);
        return rc;
    }
    *out = d;
    return ES_OK;
}

/* See invitation.h. */
void es_invite_deliverer_wake(es_invite_deliverer_t *d)
{
    if (d)
        es__worker_wake(&d->w);
}

/* See invitation.h. */
void es_invite_deliverer_stop(es_invite_deliverer_t *d)
{
    if (!d)
        return;
    es__worker_stop(&d->w);
    es_store_close(d->store);
    es_free(d);
}
