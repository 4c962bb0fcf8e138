/*
 * voc_data.c - loads a survey's responses from the store into the arrays
 * the key-driver fits read (voc_int.h), and fits one scope of them. Used by
 * drivers_run.c (the drivers report) and plans.c (action plans).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "voc/voc_int.h"

/* Keeps the survey's driver questions (numeric kinds) and whether it asks
 * the targets. */
static void take_survey(const es_survey *sv, void *ud)
{
    es__voc_data *d = ud;
    d->survey_id = sv->id;
    snprintf(d->survey_name, sizeof d->survey_name, "%s", sv->name);
    for (size_t i = 0; i < sv->n_questions; i++) {
        const es_survey_question *q = &sv->q[i];
        if (q->role == ES_QR_OVERALL)
            d->has_overall = 1;
        else if (q->role == ES_QR_RECOMMEND)
            d->has_recommend = 1;
        else if (q->role == ES_QR_DRIVER && q->kind != ES_Q_TEXT &&
                 d->p < ES_SURVEY_MAX_QUESTIONS) {
            d->pos[d->p] = q->position;
            d->kind[d->p] = q->kind;
            snprintf(d->key[d->p], sizeof d->key[0], "%s", q->key);
            snprintf(d->label[d->p], sizeof d->label[0], "%s", q->label);
            d->p++;
        }
    }
}

/* The index of location id in d->locs, adding it from r when new; -1 when
 * out of memory. The hash is open addressing, kept under half full. */
static long loc_index(es__voc_data *d, const es_drivers_row *r)
{
    if (2 * (d->n_locs + 1) > d->hash_cap) {
        size_t cap = d->hash_cap ? d->hash_cap * 2 : 64;
        uint32_t *h = calloc(cap, sizeof *h);
        if (!h)
            return -1;
        for (size_t i = 0; i < d->n_locs; i++) {
            size_t k = (size_t)d->locs[i].id * 2654435761u % cap;
            while (h[k])
                k = (k + 1) % cap;
            h[k] = (uint32_t)i + 1;
        }
        free(d->hash);
        d->hash = h;
        d->hash_cap = cap;
    }
    size_t k = (size_t)r->location_id * 2654435761u % d->hash_cap;
    for (; d->hash[k]; k = (k + 1) % d->hash_cap)
        if (d->locs[d->hash[k] - 1].id == r->location_id)
            return (long)d->hash[k] - 1;
    if (d->n_locs == d->locs_cap) {
        size_t cap = d->locs_cap ? d->locs_cap * 2 : 32;
        es__voc_loc *l = realloc(d->locs, cap * sizeof *l);
        if (!l)
            return -1;
        d->locs = l;
        d->locs_cap = cap;
    }
    es__voc_loc *l = &d->locs[d->n_locs];
    l->id = r->location_id;
    snprintf(l->key, sizeof l->key, "%s", r->location_key);
    snprintf(l->code, sizeof l->code, "%s", r->location_code);
    snprintf(l->name, sizeof l->name, "%s", r->location_name);
    snprintf(l->region, sizeof l->region, "%s", r->region);
    d->hash[k] = (uint32_t)d->n_locs + 1;
    return (long)d->n_locs++;
}

/* Appends one response; returns 1 (stop) when out of memory, leaving
 * d->oom set. */
static int take_row(const es_drivers_row *r, void *ud)
{
    es__voc_data *d = ud;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1024;
        es__voc_obs *o = realloc(d->obs, cap * sizeof *o);
        if (o)
            d->obs = o;
        double *x = o ? realloc(d->x, cap * d->p * sizeof *x) : NULL;
        if (!x)
            return d->oom = 1;
        d->x = x;
        d->cap = cap;
    }
    long li = loc_index(d, r);
    if (li < 0)
        return d->oom = 1;
    es__voc_obs *o = &d->obs[d->n];
    o->loc = (uint32_t)li;
    o->overall = r->overall;
    o->recommend = r->recommend;
    for (size_t j = 0; j < d->p; j++)
        d->x[d->n * d->p + j] = r->has[d->pos[j]] ? (double)r->value[d->pos[j]] : NAN;
    d->n++;
    return 0;
}

/* See voc_int.h. */
es_err es__voc_load(es_store_t *s, int64_t survey_id, const char *region, es__voc_data **out)
{
    es__voc_data *d = calloc(1, sizeof *d);
    if (!d)
        return ES_ENOMEM;
    es_err rc = es_survey_get(s, survey_id, take_survey, d);
    if (rc == ES_OK && d->p == 0)
        rc = es__store_fail(s, ES_EINVAL,
                            "survey '%s' has no driver question with numeric "
                            "answers",
                            d->survey_name);
    if (rc == ES_OK)
        rc = es_drivers_rows(s, d->survey_id, region, take_row, d);
    if (rc == ES_OK && d->oom)
        rc = es__store_fail(s, ES_ENOMEM, "reading responses: out of memory");
    if (rc) {
        es__voc_free(d);
        return rc;
    }
    *out = d;
    return ES_OK;
}

/* See voc_int.h. */
void es__voc_free(es__voc_data *d)
{
    if (!d)
        return;
    free(d->obs);
    free(d->x);
    free(d->locs);
    free(d->hash);
    free(d);
}

/* See voc_int.h. */
int es__voc_under(const char *key, const char *region)
{
    return strncmp(key, region, strlen(region)) == 0;
}

/* The target's value of response o, or NaN when it does not answer. */
static double target_of(const es__voc_obs *o, es_drivers_target t)
{
    if (t == ES_DRIVERS_OVERALL)
        return o->overall >= 0 ? o->overall : NAN;
    return o->recommend >= 0 ? (o->recommend >= 9 ? 1.0 : 0.0) : NAN;
}

/* See voc_int.h. */
es_err es__voc_fit(const es__voc_data *d, es_drivers_target t, const char *region,
                   es_drivers_group *g)
{
    memset(g, 0, sizeof *g);
    snprintf(g->region, sizeof g->region, "%s", region);
    double *x = malloc((d->n ? d->n : 1) * d->p * sizeof *x);
    double *y = malloc((d->n ? d->n : 1) * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return ES_ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) {
        double v = target_of(&d->obs[i], t);
        if (isnan(v) || !es__voc_under(d->locs[d->obs[i].loc].key, region))
            continue;
        g->n_target++;
        const double *row = &d->x[i * d->p];
        size_t j = 0;
        while (j < d->p && !isnan(row[j]))
            j++;
        if (j < d->p) {
            g->n_dropped++;
            continue;
        }
        memcpy(&x[n * d->p], row, d->p * sizeof *x);
        y[n++] = v;
    }
    es_err rc = es_drivers_regress(x, y, n, d->p, &g->fit, g->why, sizeof g->why);
    free(x);
    free(y);
    if (rc == ES_ENOMEM)
        return rc;
    g->fitted = rc == ES_OK;
    if (!g->fitted) {
        memset(&g->fit, 0, sizeof g->fit);
        g->fit.n = n;
        g->fit.p = d->p;
    }
    for (size_t j = 0; j < d->p; j++) {
        snprintf(g->fit.c[j].key, sizeof g->fit.c[j].key, "%s", d->key[j]);
        snprintf(g->fit.c[j].label, sizeof g->fit.c[j].label, "%s", d->label[j]);
        g->fit.c[j].position = d->pos[j];
    }
    return ES_OK;
}
