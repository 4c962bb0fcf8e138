/*
 * report.c - the response-time reports (C5) and the fairness report (S4):
 * first-response and resolution times, median and 90th percentile, per
 * channel, team, location or follower-count decile. The store streams one
 * sample per case ordered by group (es_sla_samples); this file gathers each
 * group's times, sorts them and computes the quantiles. Called by the CLI
 * (`earshot report sla`) and the API (GET /api/v1/reports/sla).
 */
#include <stdlib.h>
#include <string.h>

#include "earshot/sla.h"

static const char *const by_names[] = {"channel", "team", "location", "followers"};

/* See sla.h. */
es_err es_sla_by_parse(const char *name, es_sla_by *by)
{
    for (int i = 0; name && i < 4; i++)
        if (strcmp(name, by_names[i]) == 0) {
            *by = (es_sla_by)i;
            return ES_OK;
        }
    return ES_EINVAL;
}

/* See sla.h. */
const char *es_sla_by_name(es_sla_by by)
{
    return by >= ES_SLA_BY_CHANNEL && by <= ES_SLA_BY_FOLLOWERS ? by_names[by] : "?";
}

typedef struct vec {
    int64_t *v;
    size_t n, cap;
} vec;

static int push(vec *x, int64_t t)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        int64_t *v = es_realloc(x->v, cap * sizeof *v);
        if (!v)
            return 0;
        x->v = v;
        x->cap = cap;
    }
    x->v[x->n++] = t;
    return 1;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef struct acc {
    char *group;
    long cases;
    vec first, res;
    int64_t fmin, fmax;
    void (*cb)(const es_sla_report_row *, void *);
    void *ud;
    es_err rc;
} acc;

/* Emits the group gathered so far and empties the accumulator. */
static void flush(acc *a)
{
    if (a->group && !a->rc) {
        if (a->first.n > 1)
            qsort(a->first.v, a->first.n, sizeof(int64_t), cmp);
        if (a->res.n > 1)
            qsort(a->res.v, a->res.n, sizeof(int64_t), cmp);
        es_sla_report_row r = {
            .group = a->group,
            .cases = a->cases,
            .responded = (long)a->first.n,
            .resolved = (long)a->res.n,
            .first_median = es_sla_quantile(a->first.v, a->first.n, 0.5),
            .first_p90 = es_sla_quantile(a->first.v, a->first.n, 0.9),
            .resolution_median = es_sla_quantile(a->res.v, a->res.n, 0.5),
            .resolution_p90 = es_sla_quantile(a->res.v, a->res.n, 0.9),
            .followers_min = a->fmin,
            .followers_max = a->fmax,
        };
        a->cb(&r, a->ud);
    }
    es_free(a->group);
    a->group = NULL;
    a->cases = 0;
    a->first.n = a->res.n = 0;
}

static void sample_cb(const es_sla_sample *r, void *ud)
{
    acc *a = ud;
    if (a->rc)
        return;
    if (!a->group || strcmp(a->group, r->group) != 0) {
        flush(a);
        if (!(a->group = es_strdup(r->group))) {
            a->rc = ES_ENOMEM;
            return;
        }
        a->fmin = a->fmax = r->followers;
    }
    a->cases++;
    if (r->followers < a->fmin)
        a->fmin = r->followers;
    if (r->followers > a->fmax)
        a->fmax = r->followers;
    if ((r->first_response >= 0 && !push(&a->first, r->first_response)) ||
        (r->resolution >= 0 && !push(&a->res, r->resolution)))
        a->rc = ES_ENOMEM;
}

/* See sla.h. */
es_err es_sla_report(es_store_t *s, es_sla_by by, const es_sla_scope *scope, int64_t since,
                     int64_t until, void (*cb)(const es_sla_report_row *r, void *ud), void *ud)
{
    if (!s || !cb)
        return ES_EINVAL;
    acc a = {.cb = cb, .ud = ud};
    es_err rc = es_sla_samples(s, by, scope, since, until, sample_cb, &a);
    if (!rc && !a.rc)
        flush(&a);
    es_free(a.group);
    es_free(a.first.v);
    es_free(a.res.v);
    return rc ? rc : a.rc;
}
