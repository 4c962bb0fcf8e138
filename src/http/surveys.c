/*
 * surveys.c - the survey committer of `earshot serve`: the bounded queue
 * between the Twilio webhook's handlers (hooks.c) and the one thread that
 * runs their SMS survey steps and commits them together (group commit,
 * like inbox.c does for mentions).
 *
 * A handler queues its message and sleeps on its own job's condition
 * (es__http_surveys_submit). The thread, on a store handle of its own,
 * takes every job waiting (up to MAX_BATCH), opens one transaction, runs
 * each job's conversation step in a savepoint of its own in arrival order
 * (es_sms_survey_step: a step that fails is undone alone and gets its
 * error; a MessageSid delivered twice in one batch is a duplicate the
 * second time, as if the two had come one after the other), commits once
 * (one fsync for the batch), then wakes each handler with its result. So a
 * reply is sent only once the answer it confirms is durable, and under
 * load the phones share their fsyncs instead of queueing on SQLite's write
 * lock. The queue holds at most `cap` jobs: past that, or once closing,
 * submit refuses at once (the server answers 503). Called by server.c
 * (start, refuse, close) and hooks.c (submit).
 */
#include <stdio.h>
#include <string.h>

#include "earshot/survey_flow.h"
#include "http/http_int.h"

#define MAX_BATCH 64 /* survey messages per transaction, at most */

struct es__http_surveys {
    pthread_mutex_t mu;
    pthread_cond_t cv_work; /* a job arrived, or closing */
    es__http_survey_job *head, *tail;
    size_t depth, cap;
    int closing;
    pthread_t tid;
    es_store_t *store; /* the thread's own */
};

/* Takes up to MAX_BATCH jobs off the queue; with sv->mu held. */
static es__http_survey_job *take_batch(es__http_surveys *sv)
{
    es__http_survey_job *first = sv->head, *last = NULL;
    size_t n = 0;
    for (es__http_survey_job *j = sv->head; j && n < MAX_BATCH; j = j->next, n++) {
        last = j;
        sv->depth--;
    }
    sv->head = last->next;
    if (!sv->head)
        sv->tail = NULL;
    last->next = NULL;
    return first;
}

/* Runs the steps of the batch in one transaction and commits it; sets each
 * job's rc and out. A job whose step failed keeps its own error; when the
 * transaction cannot begin or commit, every job gets that error (and its
 * out is cleared: nothing of it is stored). */
static void commit_batch(es__http_surveys *sv, es__http_survey_job *list)
{
    es_err rc = es_store_begin(sv->store);
    for (es__http_survey_job *j = list; j; j = j->next) {
        j->rc = rc ? rc : es_sms_survey_step(sv->store, &j->opts, &j->in, j->now, j->out);
        if (j->rc)
            snprintf(j->why, sizeof j->why, "%s", es_store_errmsg(sv->store));
    }
    if (rc)
        return;
    if ((rc = es_store_commit(sv->store)) != ES_OK)
        es_store_rollback(sv->store);
    for (es__http_survey_job *j = list; rc && j; j = j->next)
        if (j->rc == ES_OK) {
            j->rc = rc;
            snprintf(j->why, sizeof j->why, "%s", es_store_errmsg(sv->store));
            memset(j->out, 0, sizeof *j->out);
        }
}

static void *committer_main(void *arg)
{
    es__http_surveys *sv = arg;
    pthread_mutex_lock(&sv->mu);
    for (;;) {
        while (!sv->head && !sv->closing)
            pthread_cond_wait(&sv->cv_work, &sv->mu);
        if (!sv->head)
            break; /* closing, and every job queued is answered */
        es__http_survey_job *batch = take_batch(sv);
        pthread_mutex_unlock(&sv->mu);
        commit_batch(sv, batch);
        pthread_mutex_lock(&sv->mu);
        /* A job is its handler's again once done (it may go at once), so
         * next is read before. */
        for (es__http_survey_job *j = batch, *next; j; j = next) {
            next = j->next;
            j->done = 1;
            pthread_cond_signal(&j->cv);
        }
    }
    pthread_mutex_unlock(&sv->mu);
    return NULL;
}

/* See http_int.h. */
es_err es__http_surveys_start(const char *db_path, es_store_gate_t *gate, size_t cap,
                              es__http_surveys **out)
{
    es_err rc = ES_ENOMEM;
    es__http_surveys *sv = es_calloc(1, sizeof *sv);
    *out = NULL;
    if (!sv)
        return ES_ENOMEM;
    pthread_mutex_init(&sv->mu, NULL);
    pthread_cond_init(&sv->cv_work, NULL);
    sv->cap = cap;
    if ((rc = es_store_open(db_path, &sv->store)))
        goto out;
    /* Its replies wait for its commits, as the mentions' do for theirs. */
    es_store_set_gate(sv->store, gate, 1);
    if ((rc = es_survey_flow_prompt(sv->store)))
        goto out;
    rc = ES_EIO;
    if (pthread_create(&sv->tid, NULL, committer_main, sv) != 0)
        goto out;
    rc = ES_OK;
out:
    if (rc) {
        if (sv->store)
            es_store_set_gate(sv->store, NULL, 0);
        es_store_close(sv->store);
        pthread_mutex_destroy(&sv->mu);
        pthread_cond_destroy(&sv->cv_work);
        es_free(sv);
        return rc;
    }
    *out = sv;
    return ES_OK;
}

/* See http_int.h. */
es_err es__http_surveys_submit(es__http_surveys *sv, es__http_survey_job *job)
{
    es_err rc = ES_OK;
    job->next = NULL;
    job->done = 0;
    job->rc = ES_OK;
    pthread_cond_init(&job->cv, NULL);
    pthread_mutex_lock(&sv->mu);
    if (sv->closing || sv->depth >= sv->cap) {
        rc = ES_EBUSY;
    } else {
        if (sv->tail)
            sv->tail->next = job;
        else
            sv->head = job;
        sv->tail = job;
        sv->depth++;
        pthread_cond_signal(&sv->cv_work);
        while (!job->done)
            pthread_cond_wait(&job->cv, &sv->mu);
    }
    pthread_mutex_unlock(&sv->mu);
    pthread_cond_destroy(&job->cv);
    return rc;
}

/* See http_int.h. */
void es__http_surveys_refuse(es__http_surveys *sv)
{
    if (!sv)
        return;
    pthread_mutex_lock(&sv->mu);
    sv->closing = 1;
    pthread_cond_signal(&sv->cv_work);
    pthread_mutex_unlock(&sv->mu);
}

/* See http_int.h. */
void es__http_surveys_close(es__http_surveys *sv)
{
    if (!sv)
        return;
    es__http_surveys_refuse(sv);
    pthread_join(sv->tid, NULL);
    es_store_set_gate(sv->store, NULL, 0);
    es_store_close(sv->store);
    pthread_mutex_destroy(&sv->mu);
    pthread_cond_destroy(&sv->cv_work);
    es_free(sv);
}
