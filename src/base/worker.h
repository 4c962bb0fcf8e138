/*
 * worker.h - a background thread that does one pass of work, then naps
 * until it is woken, stopped, or the next work its pass reported is due,
 * and at most a set time (internal). The alert, reply and invitation
 * deliverers each run their outbox on one; the struct is embedded in the
 * owner so that the pass can ask es__worker_stopping from its first call.
 */
#ifndef ES_BASE_WORKER_H
#define ES_BASE_WORKER_H

#include <pthread.h>
#include <stdint.h>

#include "earshot/earshot.h"

/* One pass of work on ud. Returns when the next work is due, in Unix
 * milliseconds (CLOCK_REALTIME): a time at or before now runs the next pass
 * at once; 0 (nothing known) naps the full max_nap_ms. */
typedef int64_t (*es__worker_pass)(void *ud);

typedef struct es__worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int woken, stopping;
    es__worker_pass pass;
    void *ud;
    int64_t max_nap_ms;
} es__worker;

/* Starts the thread on w (the caller's memory, until es__worker_stop):
 * pass(ud) at once, then as described above. ES_EIO when no thread can be
 * made (w is then not started and needs no stop). */
es_err es__worker_start(es__worker *w, es__worker_pass pass, void *ud, int64_t max_nap_ms) ES_WUR;
/* Ends the current nap at once, or runs one more pass after the current
 * one. Thread-safe. */
void es__worker_wake(es__worker *w);
/* 1 once es__worker_stop has been asked: a long pass may check it between
 * two pieces of work and leave the rest. Thread-safe. */
int es__worker_stopping(es__worker *w);
/* Lets the current pass finish, joins the thread and frees its resources. */
void es__worker_stop(es__worker *w);
/* The current time in Unix milliseconds (CLOCK_REALTIME). */
int64_t es__worker_now_ms(void);

#endif
