/*
 * inbox.c - the bounded queue between the HTTP threads and the one pipeline
 * thread that stores what they accepted (group commit, DESIGN.md).
 *
 * A worker thread queues a job (one request's analysed mentions) with a
 * callback and goes on serving other connections (es__http_inbox_queue);
 * the feed poller queues one and waits (es__http_inbox_submit). The
 * pipeline thread takes every job waiting (up to MAX_GROUP mentions),
 * marks near-duplicates in arrival order, commits all of them in one
 * transaction, then hands each job its own result: it calls the job's
 * callback (which resumes the suspended connection, server.c) or wakes its
 * waiting thread. So a request is answered only once its mentions are
 * durably stored, under load one fsync covers many requests, and one
 * commit costs the worker threads one wake-up rather than a thread switch
 * per request. The queue holds at most `cap` jobs:
 * past that, submit refuses at once (the server answers 503), so memory
 * stays bounded and nothing accepted is ever dropped. Called by server.c.
 */
#include <string.h>
#include <time.h>

#include "earshot/analyze.h"
#include "http/http_int.h"

#define DEDUP_WINDOW 50000 /* mentions remembered for near-duplicates */
#define MAX_GROUP 8192     /* mentions per transaction, about */

struct es__http_inbox {
    pthread_mutex_t mu;
    pthread_cond_t cv_work; /* a job arrived, or closing */
    es__http_job *head, *tail;
    size_t depth, cap;
    int closing, ok;
    es_err first_err;
    pthread_t tid;
    es_store_t *store;
    es_dedup_t *dedup;
    es__http_metrics *m;
    void (*on_commit)(void *ud); /* after a commit that stored new mentions */
    void *on_commit_ud;
    es_mention_t *joined; /* the group's mentions, copied side by side */
    uint8_t *each;        /* whether each was new */
    size_t joined_cap;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Makes room for n mentions in the joined arrays. */
static es_err reserve(es__http_inbox *in, size_t n)
{
    if (n <= in->joined_cap)
        return ES_OK;
    es_mention_t *j = es_realloc(in->joined, n * sizeof *j);
    if (!j)
        return ES_ENOMEM;
    in->joined = j;
    uint8_t *e = es_realloc(in->each, n);
    if (!e)
        return ES_ENOMEM;
    in->each = e;
    in->joined_cap = n;
    return ES_OK;
}

/* Marks near-duplicates and commits the jobs of the list in one
 * transaction; sets every job's rc and inserted (not done). */
static void commit_group(es__http_inbox *in, es__http_job *list)
{
    size_t n = 0, k = 0;
    es_err rc = ES_OK;
    for (es__http_job *j = list; j; j = j->next)
        n += j->n;
    if (n > 0)
        rc = reserve(in, n);
    for (es__http_job *j = list; rc == ES_OK && j; j = j->next)
        for (size_t i = 0; rc == ES_OK && i < j->n; i++) {
            rc = es_dedup_check(in->dedup, &j->ms[i], j->arena);
            in->joined[k++] = j->ms[i];
        }
    if (rc == ES_OK && n > 0) {
        double t0 = now_seconds();
        rc = es_store_put_each(in->store, in->joined, n, in->each, NULL);
        es__http_metrics_commit(in->m, now_seconds() - t0);
    }
    k = 0;
    for (es__http_job *j = list; j; j = j->next) {
        j->rc = rc;
        j->inserted = 0;
        for (size_t i = 0; rc == ES_OK && i < j->n; i++)
            j->inserted += in->each[k++];
        if (rc == ES_OK) {
            __atomic_fetch_add(&in->m->accepted, (uint64_t)j->n, __ATOMIC_RELAXED);
            __atomic_fetch_add(&in->m->stored, (uint64_t)j->inserted, __ATOMIC_RELAXED);
        }
    }
    __atomic_store_n(&in->ok, rc == ES_OK, __ATOMIC_RELAXED);
    if (rc && !in->first_err)
        in->first_err = rc;
    size_t fresh = 0;
    for (size_t i = 0; rc == ES_OK && i < n; i++)
        fresh += in->each[i];
    if (fresh && in->on_commit)
        in->on_commit(in->on_commit_ud);
}

/* Takes jobs off the queue, whole, until about MAX_GROUP mentions. */
static es__http_job *take_group(es__http_inbox *in)
{
    es__http_job *first = in->head, *last = NULL;
    size_t n = 0;
    for (es__http_job *j = in->head; j && (n == 0 || n + j->n <= MAX_GROUP); j = j->next) {
        n += j->n;
        last = j;
        in->depth--;
    }
    in->head = last->next;
    if (!in->head)
        in->tail = NULL;
    last->next = NULL;
    return first;
}

/* Hands each committed job its result. A job is its submitter's again once
 * answered (it may be freed at once), so next is read before. */
static void answer_group(es__http_inbox *in, es__http_job *list)
{
    for (es__http_job *j = list, *next; j; j = next) {
        next = j->next;
        if (j->on_done) {
            j->on_done(j, j->on_done_ud);
            continue;
        }
        /* A waiting submitter sleeps on its own job's condition: only the
         * threads whose requests were committed wake up. */
        pthread_mutex_lock(&in->mu);
        j->done = 1;
        pthread_cond_signal(&j->cv);
        pthread_mutex_unlock(&in->mu);
    }
}

static void *pipeline_main(void *arg)
{
    es__http_inbox *in = arg;
    pthread_mutex_lock(&in->mu);
    for (;;) {
        while (!in->head && !in->closing)
            pthread_cond_wait(&in->cv_work, &in->mu);
        if (!in->head)
            break; /* closing, and everything queued is committed */
        es__http_job *group = take_group(in);
        pthread_mutex_unlock(&in->mu);
        commit_group(in, group);
        answer_group(in, group);
        pthread_mutex_lock(&in->mu);
    }
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

static void warm_cb(uint64_t fp, const char *key, void *ud)
{
    es_err rc = es_dedup_remember(ud, fp, key);
    (void)rc; /* a fingerprint not remembered only weakens detection */
}

/* See http_int.h. */
es_err es__http_inbox_start(es_store_t *store, size_t cap, es__http_metrics *m,
                            void (*on_commit)(void *ud), void *ud, es__http_inbox **out)
{
    es_err rc = ES_ENOMEM;
    es__http_inbox *in = es_calloc(1, sizeof *in);
    *out = NULL;
    if (!in)
        return ES_ENOMEM;
    pthread_mutex_init(&in->mu, NULL);
    pthread_cond_init(&in->cv_work, NULL);
    in->cap = cap;
    in->store = store;
    in->m = m;
    in->on_commit = on_commit;
    in->on_commit_ud = ud;
    in->ok = 1;
    if (!(in->dedup = es_dedup_new(DEDUP_WINDOW)))
        goto out;
    rc = es_store_recent_fingerprints(store, DEDUP_WINDOW, warm_cb, in->dedup);
    if (rc)
        goto out;
    rc = ES_EIO;
    if (pthread_create(&in->tid, NULL, pipeline_main, in) != 0)
        goto out;
    rc = ES_OK;
out:
    if (rc) {
        es_dedup_free(in->dedup);
        pthread_mutex_destroy(&in->mu);
        pthread_cond_destroy(&in->cv_work);
        es_free(in);
        return rc;
    }
    *out = in;
    return ES_OK;
}

/* Appends job to the queue; with in->mu held. ES_EBUSY when full or
 * refusing. */
static es_err append(es__http_inbox *in, es__http_job *job)
{
    job->next = NULL;
    job->done = 0;
    job->rc = ES_OK;
    job->inserted = 0;
    if (in->closing || in->depth >= in->cap)
        return ES_EBUSY;
    if (in->tail)
        in->tail->next = job;
    else
        in->head = job;
    in->tail = job;
    in->depth++;
    pthread_cond_signal(&in->cv_work);
    return ES_OK;
}

/* See http_int.h. */
es_err es__http_inbox_submit(es__http_inbox *in, es__http_job *job)
{
    job->on_done = NULL;
    pthread_cond_init(&job->cv, NULL);
    pthread_mutex_lock(&in->mu);
    es_err rc = append(in, job);
    while (rc == ES_OK && !job->done)
        pthread_cond_wait(&job->cv, &in->mu);
    pthread_mutex_unlock(&in->mu);
    pthread_cond_destroy(&job->cv);
    return rc ? rc : job->rc;
}

/* See http_int.h. */
es_err es__http_inbox_queue(es__http_inbox *in, es__http_job *job)
{
    pthread_mutex_lock(&in->mu);
    es_err rc = append(in, job);
    pthread_mutex_unlock(&in->mu);
    return rc;
}

/* See http_int.h: the pipeline thread ends once the queue is empty. */
void es__http_inbox_refuse(es__http_inbox *in)
{
    pthread_mutex_lock(&in->mu);
    in->closing = 1;
    pthread_cond_signal(&in->cv_work);
    pthread_mutex_unlock(&in->mu);
}

size_t es__http_inbox_depth(es__http_inbox *in)
{
    pthread_mutex_lock(&in->mu);
    size_t d = in->depth;
    pthread_mutex_unlock(&in->mu);
    return d;
}

int es__http_inbox_ok(es__http_inbox *in)
{
    return __atomic_load_n(&in->ok, __ATOMIC_RELAXED);
}

/* See http_int.h. */
es_err es__http_inbox_close(es__http_inbox *in)
{
    if (!in)
        return ES_OK;
    es__http_inbox_refuse(in);
    pthread_join(in->tid, NULL);
    es_err rc = in->first_err;
    es_dedup_free(in->dedup);
    es_free(in->joined);
    es_free(in->each);
    pthread_mutex_destroy(&in->mu);
    pthread_cond_destroy(&in->cv_work);
    es_free(in);
    return rc;
}
