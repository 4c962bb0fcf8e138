/*
 * deliver.c - the delivery side of the durable outbox: es_alert_deliver_due
 * claims the rows due (under a lease, so that two processes never send one
 * row at once), makes one attempt each (send.c), and records every
 * attempt's outcome: delivered after a 2xx (never sent again), retried with
 * exponential back-off and jitter, or failed for good after max_attempts or
 * a refused target. The deliverer thread of `earshot serve` runs it
 * whenever it is woken (after the scanner raised something) or a retry
 * falls due; `earshot alert deliver` runs it once. A crash between the
 * receiver's 2xx and the record resends the row with the same
 * Idempotency-Key, which is what the key is for.
 *
 * Also the process-wide delivery counters for /metrics, and the
 * configuration read from the environment.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/engine.h"
#include "base/worker.h"
#include "earshot/arena.h"

#define CLAIM 16      /* rows per claim */
#define MAX_ROUNDS 64 /* claims per call, so a call ends */

static uint64_t n_delivered, n_retried, n_failed, n_refused;

/* See alert.h. */
void es_alert_delivery_counts(es_alert_counts *out)
{
    out->delivered = __atomic_load_n(&n_delivered, __ATOMIC_RELAXED);
    out->retried = __atomic_load_n(&n_retried, __ATOMIC_RELAXED);
    out->failed = __atomic_load_n(&n_failed, __ATOMIC_RELAXED);
    out->refused = __atomic_load_n(&n_refused, __ATOMIC_RELAXED);
}

static unsigned env_uint(const char *name)
{
    const char *v = getenv(name);
    char *end = NULL;
    unsigned long n = v ? strtoul(v, &end, 10) : 0;
    return v && *v && !*end && n < 0x7fffffff ? (unsigned)n : 0;
}

/* See alert.h. */
void es_alert_config_env(es_alert_config *c)
{
    memset(c, 0, sizeof *c);
    c->allow = getenv("EARSHOT_ALERT_ALLOW");
    c->smtp_url = getenv("EARSHOT_SMTP_URL");
    c->smtp_from = getenv("EARSHOT_SMTP_FROM");
    c->smtp_user = getenv("EARSHOT_SMTP_USER");
    c->smtp_pass = getenv("EARSHOT_SMTP_PASSWORD");
    c->sms_url = getenv("EARSHOT_SMS_URL");
    c->sms_from = getenv("EARSHOT_SMS_FROM");
    c->sms_auth = getenv("EARSHOT_SMS_AUTH");
    c->max_attempts = env_uint("EARSHOT_ALERT_MAX_ATTEMPTS");
    c->backoff_ms = env_uint("EARSHOT_ALERT_BACKOFF_MS");
    c->timeout_ms = env_uint("EARSHOT_ALERT_TIMEOUT_MS");
}

/* The rows of one claim, copied out of the statement. */
typedef struct claimed {
    es_arena_t *a;
    es__alert_outrow rows[CLAIM];
    size_t n;
    int oom;
} claimed;

static void on_claim(const es__alert_outrow *r, void *ud)
{
    claimed *c = ud;
    if (c->n >= CLAIM)
        return;
    es__alert_outrow *d = &c->rows[c->n];
    *d = *r;
    d->purpose = es_arena_strdup(c->a, r->purpose);
    d->kind = es_arena_strdup(c->a, r->kind);
    d->target = es_arena_strdup(c->a, r->target);
    d->secret = es_arena_strdup(c->a, r->secret);
    d->subject = es_arena_strdup(c->a, r->subject);
    d->body = es_arena_strdup(c->a, r->body ? r->body : "");
    d->idem_key = es_arena_strdup(c->a, r->idem_key);
    if (!d->purpose || !d->kind || !d->target || !d->body || !d->idem_key ||
        (r->secret && !d->secret) || (r->subject && !d->subject)) {
        c->oom = 1;
        return;
    }
    c->n++;
}

static double jitter(void)
{
    uint32_t r = 0;
    if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
        r = (uint32_t)time(NULL) * 2654435761u;
    return (double)r / 4294967296.0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One attempt of row r and its record. */
static es_err attempt(es_store_t *s, const es_alert_config *c, const es__alert_allow *allow,
                      const es__alert_outrow *r, int64_t at)
{
    es__alert_result res;
    unsigned max = c->max_attempts ? c->max_attempts : 8;
    es__alert_send(r, c, allow, at, &res);
    int64_t next = 0;
    if (res.outcome == ES__OUT_RETRY && r->attempts + 1 >= (int64_t)max) {
        res.outcome = ES__OUT_FAILED;
        size_t l = strlen(res.error);
        snprintf(res.error + l, sizeof res.error - l, " (gave up after %u attempts)", max);
    }
    if (res.outcome == ES__OUT_RETRY)
        next = now_ms() +
               es__alert_backoff((unsigned)r->attempts + 1, c->backoff_ms ? c->backoff_ms : 1000,
                                 c->backoff_max_ms ? c->backoff_max_ms : 3600000, jitter());
    switch (res.outcome) {
    case ES__OUT_DELIVERED: __atomic_add_fetch(&n_delivered, 1, __ATOMIC_RELAXED); break;
    case ES__OUT_RETRY: __atomic_add_fetch(&n_retried, 1, __ATOMIC_RELAXED); break;
    case ES__OUT_REFUSED: __atomic_add_fetch(&n_refused, 1, __ATOMIC_RELAXED); /* fall through */
    case ES__OUT_FAILED: __atomic_add_fetch(&n_failed, 1, __ATOMIC_RELAXED); break;
    }
    return es__alert_done(s, r->id, now_ms(), res.outcome, res.http_status,
                          res.error[0] ? res.error : NULL, next);
}

/* See alert.h. */
es_err es_alert_deliver_due(es_store_t *s, const es_alert_config *c, int64_t at_ms,
                            size_t *attempted)
{
    es__alert_allow allow;
    size_t done = 0;
    if (!s || !c)
        return ES_EINVAL;
    es_err rc = es__alert_allow_parse(c->allow, &allow);
    if (rc)
        return es__store_fail(s, rc,
                              "the alert allow-list '%.200s' is not a list of IP "
                              "addresses or networks",
                              c->allow);
    rc = es__alert_curl_init();
    if (rc)
        return es__store_fail(s, rc, "libcurl could not start");
    /* A read first, so that an idle outbox never takes the write lock. */
    int64_t due = 0;
    rc = es__alert_next_due(s, &due);
    if (rc || due == 0 || due > at_ms) {
        if (attempted)
            *attempted = 0;
        return rc;
    }
    claimed cl = {.a = es_arena_new(0, 0)};
    if (!cl.a)
        return ES_ENOMEM;
    unsigned timeout = c->timeout_ms ? c->timeout_ms : 10000;
    for (int round = 0; !rc && round < MAX_ROUNDS; round++) {
        es_arena_reset(cl.a);
        cl.n = 0;
        cl.oom = 0;
        rc = es__alert_claim(s, at_ms, 2 * (int64_t)timeout + 1000, CLAIM, on_claim, &cl);
        if (!rc && cl.oom)
            rc = ES_ENOMEM; /* the claimed rows come back when their lease ends */
        for (size_t i = 0; !rc && i < cl.n; i++, done++)
            rc = attempt(s, c, &allow, &cl.rows[i], at_ms);
        if (!rc && cl.n < CLAIM)
            break;
        at_ms = at_ms > now_ms() ? at_ms : now_ms();
    }
    es_arena_free(cl.a);
    if (attempted)
        *attempted = done;
    return rc;
}

/* ---- the thread -------------------------------------------------------------------- */

struct es_alert_deliverer_s {
    es__worker w;
    es_store_t *s;
    const es_alert_config *c;
};

/* One pass of the worker: every due attempt, then when the next is due. A
 * failure (a busy database) is retried on the next pass. */
static int64_t pass(void *ud)
{
    es_alert_deliverer_t *d = ud;
    int64_t next = 0;
    es_err rc = es_alert_deliver_due(d->s, d->c, now_ms(), NULL);
    (void)rc;
    if (es__alert_next_due(d->s, &next))
        next = 0;
    return next;
}

/* See alert.h. */
es_err es_alert_deliverer_start(const char *db_path, const es_alert_config *c,
                                es_alert_deliverer_t **out)
{
    *out = NULL;
    es__alert_allow allow;
    if (!db_path || !c || es__alert_allow_parse(c->allow, &allow))
        return ES_EINVAL;
    es_err rc = es__alert_curl_init();
    if (rc)
        return rc;
    es_alert_deliverer_t *d = es_calloc(1, sizeof *d);
    if (!d)
        return ES_ENOMEM;
    d->c = c;
    rc = es_store_open(db_path, &d->s);
    /* The thread's own commits (leases, attempt records) need not reach
     * the disk before the next send: a power loss that forgets a
     * "delivered" mark only resends the row under the same
     * Idempotency-Key. Sparing the fsyncs keeps them off the alert's
     * latency. The scanner's writes stay fully durable. */
    if (!rc)
        rc = es__store_set_durability(d->s, 0);
    if (!rc)
        rc = es__alert_prompt(d->s);
    if (rc) {
        es_store_close(d->s);
        es_free(d);
        return rc;
    }
    if ((rc = es__worker_start(&d->w, pass, d, 1000))) {
        es_store_close(d->s);
        es_free(d);
        return rc;
    }
    *out = d;
    return ES_OK;
}

/* See alert.h. */
void es_alert_deliverer_wake(es_alert_deliverer_t *d)
{
    if (d)
        es__worker_wake(&d->w);
}

/* See alert.h. */
void es_alert_deliverer_stop(es_alert_deliverer_t *d)
{
    if (!d)
        return;
    es__worker_stop(&d->w);
    es_store_close(d->s);
    es_free(d);
}
