/*
 * gate.c - the write gate (store.h): an in-process order between store
 * handles of one process that write to the same database. SQLite lets one
 * writer at a time in and makes the others poll (the busy handler); it has
 * no notion of who matters more. A handle given a gate takes it around
 * each write transaction of its own, and a handle that goes "first" (the
 * server's group commit, whose requests wait for it) is let in before any
 * other waiting handle of the gate, and woken the moment the lock is free
 * instead of at its next poll. The others (the follow-up's threading and
 * alert scan) start a transaction only while no first handle waits, so
 * under load they wait between their short transactions, never the
 * webhooks' commit. Handles without a gate (the API's) are not ordered.
 * Called by the SQLite backend around BEGIN and the end of a transaction.
 */
#include <pthread.h>

#include "store/store_int.h"

struct es_store_gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int held;        /* a handle of the gate is in a write transaction */
    unsigned firsts; /* first handles waiting */
};

/* See store.h. */
es_err es_store_gate_new(es_store_gate_t **out)
{
    es_store_gate_t *g = es_calloc(1, sizeof *g);
    *out = NULL;
    if (!g)
        return ES_ENOMEM;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    *out = g;
    return ES_OK;
}

/* See store.h. */
void es_store_gate_free(es_store_gate_t *g)
{
    if (!g)
        return;
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    es_free(g);
}

/* See store.h. */
void es_store_set_gate(es_store_t *s, es_store_gate_t *g, int first)
{
    if (!s)
        return;
    s->gate = g;
    s->gate_first = first != 0;
}

/* See store_int.h. */
void es__store_gate_enter(es_store_t *s)
{
    es_store_gate_t *g = s->gate;
    if (!g || s->gate_held)
        return;
    pthread_mutex_lock(&g->mu);
    if (s->gate_first) {
        g->firsts++;
        while (g->held)
            pthread_cond_wait(&g->cv, &g->mu);
        g->firsts--;
    } else {
        while (g->held || g->firsts > 0)
            pthread_cond_wait(&g->cv, &g->mu);
    }
    g->held = 1;
    pthread_mutex_unlock(&g->mu);
    s->gate_held = 1;
}

/* See store_int.h. */
void es__store_gate_leave(es_store_t *s)
{
    es_store_gate_t *g = s->gate;
    if (!g || !s->gate_held)
        return;
    s->gate_held = 0;
    pthread_mutex_lock(&g->mu);
    g->held = 0;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}
