/*
 * deliverer.c - the reply deliverer thread (C4): runs es_reply_deliver_due
 * (deliver.c) on a store handle of its own, then sleeps until the next retry
 * is due, a wake (the server calls es_reply_deliverer_wake after each
 * reply), or at most poll_ms (a reply recorded by another process, e.g.
 * `earshot reply`, is picked up then). Started and stopped by the server.
 */
#include <stdio.h>
#include <time.h>

#include "base/worker.h"
#include "earshot/reply.h"

struct es_reply_deliverer_s {
    es__worker w;
    es_store_t *store;
    es_reply_deliver_opts opts;
};

/* Asked by es_reply_deliver_due between two posts: stop lets the post under
 * way finish and leaves the rest (claimed until their lease ends). */
static int cancelled(void *ud)
{
    es_reply_deliverer_t *d = ud;
    return es__worker_stopping(&d->w);
}

/* One pass of the worker. More rows than one batch may be due: then the
 * next pass runs at once; a pass that did nothing naps in full (poll_ms) or
 * until the next retry, so nothing can spin. */
static int64_t pass(void *ud)
{
    es_reply_deliverer_t *d = ud;
    size_t ok = 0, bad = 0;
    int64_t next = 0;
    es_err rc = es_reply_deliver_due(d->store, (int64_t)time(NULL), &d->opts, &ok, &bad);
    if (rc)
        fprintf(stderr, "earshot: reply delivery: %s\n", es_store_errmsg(d->store));
    if (rc || es_reply_outbox_next(d->store, &next))
        next = 0;
    int64_t t = (int64_t)time(NULL);
    if (ok + bad > 0 && next && next <= t)
        return es__worker_now_ms(); /* at once */
    return next > t ? next * 1000 : 0;
}

/* See reply.h. */
es_err es_reply_deliverer_start(const char *db_path, const es_reply_deliver_opts *o,
                                es_reply_deliverer_t **out)
{
    *out = NULL;
    es_reply_deliverer_t *d = es_calloc(1, sizeof *d);
    if (!d)
        return ES_ENOMEM;
    if (o)
        d->opts = *o;
    if (d->opts.poll_ms <= 0)
        d->opts.poll_ms = 1000;
    d->opts.cancelled = cancelled;
    d->opts.cancel_ud = d;
    es_err rc = es_store_open(db_path, &d->store);
    if (rc) {
        fprintf(stderr, "earshot: reply deliverer: %s\n",
                d->store ? es_store_errmsg(d->store) : "out of memory");
        es_store_close(d->store);
        es_free(d);
        return rc;
    }
    if ((rc = es__worker_start(&d->w, pass, d, d->opts.poll_ms))) {
        es_store_close(d->store);
        es_free(d);
        return rc;
    }
    *out = d;
    return ES_OK;
}

/* See reply.h. */
void es_reply_deliverer_wake(es_reply_deliverer_t *d)
{
    if (d)
        es__worker_wake(&d->w);
}

/* See reply.h. */
void es_reply_deliverer_stop(es_reply_deliverer_t *d)
{
    if (!d)
        return;
    es__worker_stop(&d->w);
    es_store_close(d->store);
    es_free(d);
}
