/*
 * worker.c - the background worker of worker.h: a thread alternating one
 * pass of work and a nap on a condition variable. A wake that comes during
 * a pass is kept, so the pass runs again at once; nothing is ever lost
 * between the pass and the nap.
 */
#include <time.h>

#include "base/worker.h"

/* See worker.h. */
int64_t es__worker_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Naps (mu held) until woken, stopping, or until_ms. */
static void nap(es__worker *w, int64_t until_ms)
{
    struct timespec ts = {(time_t)(until_ms / 1000), (long)(until_ms % 1000) * 1000000L};
    while (!w->stopping && !w->woken && es__worker_now_ms() < until_ms)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != 0)
            break;
}

static void *run(void *arg)
{
    es__worker *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stopping) {
        w->woken = 0;
        pthread_mutex_unlock(&w->mu);
        int64_t next = w->pass(w->ud);
        int64_t until = es__worker_now_ms() + w->max_nap_ms;
        if (next > 0 && next < until)
            until = next;
        pthread_mutex_lock(&w->mu);
        nap(w, until);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* See worker.h. */
es_err es__worker_start(es__worker *w, es__worker_pass pass, void *ud, int64_t max_nap_ms)
{
    w->woken = w->stopping = 0;
    w->pass = pass;
    w->ud = ud;
    w->max_nap_ms = max_nap_ms > 0 ? max_nap_ms : 1000;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        return ES_EIO;
    }
    return ES_OK;
}

/* See worker.h. */
void es__worker_wake(es__worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->woken = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* See worker.h. */
int es__worker_stopping(es__worker *w)
{
    pthread_mutex_lock(&w->mu);
    int stop = w->stopping;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

/* See worker.h. */
void es__worker_stop(es__worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
}
