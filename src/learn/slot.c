/*
 * slot.c - model slots (include/earshot/learn.h): the model of one task
 * that a long-running process (earshot serve) uses, swapped for a new one
 * without a restart when the operator retrains (SIGHUP, POST
 * /api/v1/models/reload).
 *
 * A slot keeps its current model and the models it replaced that readers
 * still hold, each with a count of references. Readers take a reference
 * once per batch (es_model_slot_acquire) and give it back after
 * (es_model_slot_release); both hold the slot's mutex for a few
 * instructions, so a batch of thousands of mentions pays one lock pair and
 * the per-mention path none. A swap installs the new model at once; the
 * old one is freed by whoever drops its last reference, so an analysis in
 * flight always finishes with the model it started with. A file is fully
 * loaded and checked (es_learn_load: format version, checksum, dimensions,
 * labels; then the slot's task) before anything changes: a bad file leaves
 * the model in use. Loads are serialised by a second mutex so that two
 * reloads cannot interleave. Called by the server and by tests.
 */
#include <pthread.h>
#include <stdio.h>

#include "learn/learn.h"

/* A model and the references readers hold on it. */
typedef struct held {
    es_learn_model_t *m;
    long refs;
    struct held *next; /* the retired list */
} held;

struct es_model_slot_s {
    pthread_mutex_t mu;      /* cur, retired, refs, generation */
    pthread_mutex_t load_mu; /* one load at a time */
    es_learn_task task;
    held *cur;
    held *retired; /* replaced models still referenced */
    uint64_t generation;
};

es_model_slot_t *es_model_slot_new(es_learn_task task)
{
    if ((unsigned)task >= ES_TASK_COUNT)
        return NULL;
    es_model_slot_t *s = es_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        es_free(s);
        return NULL;
    }
    if (pthread_mutex_init(&s->load_mu, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        es_free(s);
        return NULL;
    }
    s->task = task;
    return s;
}

static void held_free(held *h)
{
    if (h) {
        es_learn_model_free(h->m);
        es_free(h);
    }
}

void es_model_slot_free(es_model_slot_t *slot)
{
    if (!slot)
        return;
    held_free(slot->cur);
    for (held *h = slot->retired, *next; h; h = next) {
        next = h->next;
        held_free(h);
    }
    pthread_mutex_destroy(&slot->mu);
    pthread_mutex_destroy(&slot->load_mu);
    es_free(slot);
}

/* Installs h as the current model; the old one is freed now when nobody
 * holds it, else retired until its last release. */
static void swap_in(es_model_slot_t *slot, held *h)
{
    held *old;
    pthread_mutex_lock(&slot->mu);
    old = slot->cur;
    slot->cur = h;
    slot->generation++;
    if (old && old->refs > 0) {
        old->next = slot->retired;
        slot->retired = old;
        old = NULL;
    }
    pthread_mutex_unlock(&slot->mu);
    held_free(old);
}

es_err es_model_slot_set(es_model_slot_t *slot, es_learn_model_t *m)
{
    if (!slot || !m || m->task != slot->task) {
        es_learn_model_free(m);
        return ES_EINVAL;
    }
    held *h = es_calloc(1, sizeof *h);
    if (!h) {
        es_learn_model_free(m);
        return ES_ENOMEM;
    }
    h->m = m;
    swap_in(slot, h);
    return ES_OK;
}

es_err es_model_slot_load(es_model_slot_t *slot, const char *path, char *err, size_t errlen)
{
    es_learn_model_t *m = NULL;
    if (!slot || !path) {
        snprintf(err, errlen, "no slot or no path");
        return ES_EINVAL;
    }
    pthread_mutex_lock(&slot->load_mu);
    es_err rc = es_learn_load(path, &m, err, errlen);
    if (rc == ES_OK && m->task != slot->task) {
        snprintf(err, errlen, "%s: a %s model; this slot takes %s models (the model in use stays)",
                 path, es_learn_task_name(m->task), es_learn_task_name(slot->task));
        es_learn_model_free(m);
        rc = ES_EINVAL;
    } else if (rc == ES_OK && (rc = es_model_slot_set(slot, m)) != ES_OK) {
        snprintf(err, errlen, "out of memory");
    }
    pthread_mutex_unlock(&slot->load_mu);
    return rc;
}

const es_learn_model_t *es_model_slot_acquire(es_model_slot_t *slot)
{
    const es_learn_model_t *m = NULL;
    pthread_mutex_lock(&slot->mu);
    if (slot->cur) {
        slot->cur->refs++;
        m = slot->cur->m;
    }
    pthread_mutex_unlock(&slot->mu);
    return m;
}

void es_model_slot_release(es_model_slot_t *slot, const es_learn_model_t *m)
{
    held *dead = NULL;
    if (!m)
        return;
    pthread_mutex_lock(&slot->mu);
    if (slot->cur && slot->cur->m == m) {
        slot->cur->refs--;
    } else {
        for (held **p = &slot->retired; *p; p = &(*p)->next)
            if ((*p)->m == m) {
                if (--(*p)->refs == 0) {
                    dead = *p;
                    *p = dead->next;
                }
                break;
            }
    }
    pthread_mutex_unlock(&slot->mu);
    held_free(dead);
}

uint64_t es_model_slot_generation(es_model_slot_t *slot)
{
    pthread_mutex_lock(&slot->mu);
    uint64_t g = slot->generation;
    pthread_mutex_unlock(&slot->mu);
    return g;
}
