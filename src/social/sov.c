/*
 * sov.c - share of voice and net sentiment per brand per day or ISO week
 * (social.h, S3), from the mentions listening stored. The counting is the
 * store's (es_store_stats_by, the query behind `earshot stats`); this file
 * groups its rows into periods, adds the totals of our brands and of the
 * competitors (brands.ours) and the change against the period before.
 * Called by `earshot sov` and GET /api/v1/share-of-voice.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "earshot/ingest.h"
#include "earshot/social.h"

/* One row of es_store_stats_by, copied. */
typedef struct srow {
    int64_t start;
    const char *brand;
    int ours;
    long n, pos, neu, neg;
} srow;

typedef struct rows {
    es_arena_t *a;
    srow *v;
    size_t n, cap;
    es_err rc;
} rows;

/* es_store_stats_by's callback: keeps the row with its period's start. */
static void keep(const es_stats_row *r, void *ud)
{
    rows *k = ud;
    int64_t start;
    if (k->rc || es_time_parse(r->day, &start) != ES_OK)
        return; /* "unknown": a time outside the calendar */
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 128;
        srow *v = es_realloc(k->v, cap * sizeof *v);
        if (!v) {
            k->rc = ES_ENOMEM;
            return;
        }
        k->v = v;
        k->cap = cap;
    }
    srow *o = &k->v[k->n];
    *o = (srow){
        start,      es_arena_strdup(k->a, r->brand), r->ours, r->mentions, r->positive, r->neutral,
        r->negative};
    if (!o->brand) {
        k->rc = ES_ENOMEM;
        return;
    }
    k->n++;
}

/* Fills b's counts from those given, with net and share against total. */
static void figures(es_sov_brand *b, long n, long pos, long neu, long neg, long total)
{
    b->mentions = n;
    b->positive = pos;
    b->neutral = neu;
    b->negative = neg;
    b->net = n ? (double)(pos - neg) / (double)n : NAN; /* no mentions: undefined */
    b->share = total ? (double)n / (double)total : 0.0;
}

/* Sets b's previous figures from p (NULL: none) and the changes. */
static void against(es_sov_brand *b, const es_sov_brand *p)
{
    b->has_prev = p != NULL && p->mentions > 0;
    b->prev_mentions = b->has_prev ? p->mentions : 0;
    b->prev_net = b->has_prev ? p->net : 0.0;
    b->prev_share = b->has_prev ? p->share : 0.0;
    b->change_net = b->has_prev && !isnan(b->net) ? b->net - p->net : NAN;
    b->change_share = b->has_prev ? b->share - p->share : NAN;
}

/* Builds the period of rows v[0..n) (one start) into p, its brands into
 * out[0..n). */
static void build(const srow *v, size_t n, es_sov_brand *out, es_sov_period *p)
{
    long total = 0, g[2][4] = {{0}};
    for (size_t i = 0; i < n; i++)
        total += v[i].n;
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].brand = v[i].brand;
        out[i].ours = v[i].ours;
        figures(&out[i], v[i].n, v[i].pos, v[i].neu, v[i].neg, total);
        long *t = g[v[i].ours ? 1 : 0];
        t[0] += v[i].n;
        t[1] += v[i].pos;
        t[2] += v[i].neu;
        t[3] += v[i].neg;
    }
    memset(p, 0, sizeof *p);
    p->start = v[0].start;
    p->mentions = total;
    p->brands = out;
    p->n_brands = n;
    p->ours.ours = 1;
    figures(&p->ours, g[1][0], g[1][1], g[1][2], g[1][3], total);
    figures(&p->competitors, g[0][0], g[0][1], g[0][2], g[0][3], total);
}

/* Compares period cur with the one before it (prev NULL: none was). */
static void compare(es_sov_period *cur, const es_sov_period *prev)
{
    for (size_t i = 0; i < cur->n_brands; i++) {
        es_sov_brand *b = (es_sov_brand *)&cur->brands[i];
        const es_sov_brand *pb = NULL;
        for (size_t j = 0; prev && j < prev->n_brands && !pb; j++)
            if (strcasecmp(prev->brands[j].brand, b->brand) == 0)
                pb = &prev->brands[j];
        against(b, pb);
    }
    against(&cur->ours, prev ? &prev->ours : NULL);
    against(&cur->competitors, prev ? &prev->competitors : NULL);
}

/* See social.h. The period before the first one asked for is read too,
 * so that the first period has its change. */
es_err es_sov_report(es_store_t *s, const es_sov_opts *o,
                     void (*cb)(const es_sov_period *p, void *ud), void *ud)
{
    if (!o || !cb || (o->by != ES_PERIOD_DAY && o->by != ES_PERIOD_WEEK))
        return ES_EINVAL;
    rows k = {.a = es_arena_new(16 * 1024, (size_t)1 << 28)};
    es_sov_brand *cur = NULL, *prev = NULL;
    es_sov_period pcur, pprev;
    int have_prev = 0;
    char label[32];
    if (!k.a)
        return ES_ENOMEM;
    int64_t first = o->since ? es_period_start(o->by, o->since) : 0;
    int64_t from = first ? es_period_prev(o->by, first) : 0;
    es_err rc = es_store_stats_by(s, from, o->until, o->by == ES_PERIOD_WEEK, &o->scope, keep, &k);
    if (!rc)
        rc = k.rc;
    if (!rc && k.n) {
        cur = es_malloc(k.n * sizeof *cur);
        prev = es_malloc(k.n * sizeof *prev);
        if (!cur || !prev)
            rc = ES_ENOMEM;
    }
    for (size_t i = 0; !rc && i < k.n;) {
        size_t j = i + 1;
        while (j < k.n && k.v[j].start == k.v[i].start)
            j++;
        build(k.v + i, j - i, cur, &pcur);
        int adjacent = have_prev && pprev.start == es_period_prev(o->by, pcur.start);
        compare(&pcur, adjacent ? &pprev : NULL);
        pcur.period = es_period_label(o->by, pcur.start, label, sizeof label);
        if (!first || pcur.start >= first)
            cb(&pcur, ud);
        es_sov_brand *t = prev; /* this period becomes the one before */
        prev = cur;
        cur = t;
        pprev = pcur;
        pprev.brands = prev;
        have_prev = 1;
        i = j;
    }
    es_free(cur);
    es_free(prev);
    es_free(k.v);
    es_arena_free(k.a);
    return rc;
}
