/*
 * deliverer.c - the reply deliverer thread (C4): runs es_reply_deliver_due
 * (deliver.c) on a store handle of its own, then sleeps until the next retry
 * is due, a wake (the server calls es_reply_deliverer_wake after each
 * reply), or at most poll_ms (a reply recorded by another process, e.g.
 * `earshot reply`, is picked up then). Started and stopped by the server.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "earshot/reply.h"

struct es_reply_deliverer_s {
    es_store_t *store;
    es_reply_deliver_opts opts;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int woken, stopping;
};

/* Sleeps until woken, stopping, or `until` (CLOCK_REALTIME seconds; at most
 * poll_ms from now). Called with mu held. */
static void nap(es_reply_deliverer_t *d, int64_t until)
{
    struct timespec now, end;
    clock_gettime(CLOCK_REALTIME, &now);
    end = now;
    end.tv_sec += d->opts.poll_ms / 1000;
    end.tv_nsec += (d->opts.poll_ms % 1000) * 1000000L;
    if (end.tv_nsec >= 1000000000L) {
        end.tv_sec++;
        end.tv_nsec -= 1000000000L;
    }
    if (until > 0 && until < (int64_t)end.tv_sec) {
        end.tv_sec = until > (int64_t)now.tv_sec ? (time_t)until : now.tv_sec;
        end.tv_nsec = until > (int64_t)now.tv_sec ? 0 : now.tv_nsec;
    }
    while (!d->woken && !d->stopping) {
        int r = pthread_cond_timedwait(&d->cv, &d->mu, &end);
        if (r == ETIMEDOUT)
            break;
    }
    d->woken = 0;
}

/* Asked by es_reply_deliver_due between two posts: stop lets the post under
 * way finish and leaves the rest (claimed until their lease ends). */
static int cancelled(void *ud)
{
    es_reply_deliverer_t *d = ud;
    pthread_mutex_lock(&d->mu);
    int stop = d->stopping;
    pthread_mutex_unlock(&d->mu);
    return stop;
}

static void *run(void *arg)
{
    es_reply_deliverer_t *d = arg;
    pthread_mutex_lock(&d->mu);
    while (!d->stopping) {
        pthread_mutex_unlock(&d->mu);
        size_t ok = 0, bad = 0;
        int64_t next = 0;
        es_err rc = es_reply_deliver_due(d->store, (int64_t)time(NULL), &d->opts, &ok, &bad);
        if (rc)
            fprintf(stderr, "earshot: reply delivery: %s\n", es_store_errmsg(d->store));
        if (!rc && es_reply_outbox_next(d->store, &next))
            next = 0;
        pthread_mutex_lock(&d->mu);
        /* More rows than one batch may be due: go round again at once. A
         * pass that did nothing sleeps in full, so nothing can spin. */
        int64_t t = (int64_t)time(NULL);
        if (!d->stopping && !(ok + bad > 0 && next && next <= t))
            nap(d, next > t ? next : 0);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
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
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    if (pthread_create(&d->thread, NULL, run, d) != 0) {
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cv);
        es_store_close(d->store);
        es_free(d);
        return ES_EIO;
    }
    *out = d;
    return ES_OK;
}

/* See reply.h. */
void es_reply_deliverer_wake(es_reply_deliverer_t *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->mu);
    d->woken = 1;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

/* See reply.h. */
void es_reply_deliverer_stop(es_reply_deliverer_t *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->mu);
    d->stopping = 1;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->thread, NULL);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    es_store_close(d->store);
    es_free(d);
}
