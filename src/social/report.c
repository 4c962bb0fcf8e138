/*
 * report.c - the report of the brand's own posts (social.h, S2): per brand,
 * channel and week or month, the per-post rates (replies, reposts, likes
 * and clicks per post; engagement per impression; actions per 1,000
 * followers) as means and medians, against the period before. Reads the
 * posts with es_post_list; called by `earshot posts report` and GET
 * /api/v1/posts/report. docs/social.md defines each figure.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "earshot/social.h"

const char *const es_rate_names[ES_N_RATES] = {
    "replies", "reposts", "likes", "clicks", "engagement_rate", "actions_per_1k_followers"};

/* ---- the figures of a set of posts ------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean and median of v[0..n) (sorted in place); NaN for n == 0. */
static void summarise(double *v, long n, double *mean, double *median)
{
    if (n == 0) {
        *mean = *median = NAN;
        return;
    }
    double sum = 0;
    for (long i = 0; i < n; i++)
        sum += v[i];
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    *mean = sum / (double)n;
    *median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* See social.h. Actions are replies + reposts + likes + clicks; a post
 * without impressions (or followers) has no engagement rate (or rate per
 * follower) and is left out of that figure instead of counting as 0. */
es_err es_post_figures_of(const es_post *posts, size_t n, es_post_figures *out)
{
    memset(out, 0, sizeof *out);
    out->posts = (long)n;
    double *v = n ? es_malloc(n * sizeof *v) : NULL;
    if (n && !v)
        return ES_ENOMEM;
    for (int r = 0; r < ES_N_RATES; r++) {
        long k = 0;
        for (size_t i = 0; i < n; i++) {
            const int64_t *m = posts[i].metric;
            double actions = (double)m[ES_POST_REPLIES] + (double)m[ES_POST_REPOSTS] +
                             (double)m[ES_POST_LIKES] + (double)m[ES_POST_CLICKS];
            switch (r) {
            case ES_RATE_REPLIES: v[k++] = (double)m[ES_POST_REPLIES]; break;
            case ES_RATE_REPOSTS: v[k++] = (double)m[ES_POST_REPOSTS]; break;
            case ES_RATE_LIKES: v[k++] = (double)m[ES_POST_LIKES]; break;
            case ES_RATE_CLICKS: v[k++] = (double)m[ES_POST_CLICKS]; break;
            case ES_RATE_ENGAGEMENT:
                if (m[ES_POST_IMPRESSIONS] > 0)
                    v[k++] = actions / (double)m[ES_POST_IMPRESSIONS];
                break;
            default:
                if (m[ES_POST_FOLLOWERS] > 0)
                    v[k++] = actions * 1000.0 / (double)m[ES_POST_FOLLOWERS];
                break;
            }
        }
        out->n[r] = k;
        summarise(v, k, &out->mean[r], &out->median[r]);
    }
    es_free(v);
    return ES_OK;
}

/* ---- the report ----------------------------------------------------------------------- */

/* The posts read from the store, their strings in an arena. */
typedef struct loaded {
    es_arena_t *a;
    es_post *v;
    size_t n, cap;
    es_err rc;
} loaded;

/* es_post_list's callback: keeps a copy of p. */
static void keep(const es_post *p, void *ud)
{
    loaded *l = ud;
    if (l->rc)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        es_post *v = es_realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->rc = ES_ENOMEM;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    es_post c = *p;
    c.post_id = es_arena_strdup(l->a, p->post_id);
    c.brand = es_arena_strdup(l->a, p->brand);
    c.channel = es_arena_strdup(l->a, p->channel);
    c.text = NULL; /* the report does not need it */
    if (!c.post_id || !c.brand || !c.channel) {
        l->rc = ES_ENOMEM;
        return;
    }
    l->v[l->n++] = c;
}

/* Whether posts a and b are of the same brand and channel. */
static int same_stream(const es_post *a, const es_post *b)
{
    return strcasecmp(a->brand, b->brand) == 0 && strcmp(a->channel, b->channel) == 0;
}

/* Fills the change of r from its current and previous figures. */
static void changes(es_post_report_row *r, int has_prev)
{
    for (int k = 0; k < ES_N_RATES; k++) {
        double c = r->cur.mean[k], p = r->prev.mean[k];
        int ok = has_prev && r->cur.n[k] && r->prev.n[k];
        r->change[k] = ok ? c - p : NAN;
        r->change_pct[k] = ok && p != 0 ? (c - p) / p * 100.0 : NAN;
    }
}

/* Reports the posts v[0..n) of one brand and channel (sorted by time):
 * one row per period that has posts, each against the period before. */
static es_err report_stream(const es_post *v, size_t n, const es_post_report_opts *o, int64_t first,
                            void (*cb)(const es_post_report_row *, void *), void *ud)
{
    es_post_figures prev;
    int64_t prev_start = INT64_MIN;
    char label[32];
    size_t i = 0;
    while (i < n) {
        int64_t start = es_period_start(o->by, v[i].posted_at);
        size_t j = i;
        while (j < n && es_period_start(o->by, v[j].posted_at) == start)
            j++;
        es_post_report_row r = {.brand = v[i].brand, .channel = v[i].channel, .start = start};
        es_err rc = es_post_figures_of(v + i, j - i, &r.cur);
        if (rc)
            return rc;
        int has_prev = prev_start != INT64_MIN && prev_start == es_period_prev(o->by, start);
        if (has_prev)
            r.prev = prev;
        else if ((rc = es_post_figures_of(NULL, 0, &r.prev))) /* no posts: NaN means */
            return rc;
        changes(&r, has_prev);
        r.period = es_period_label(o->by, start, label, sizeof label);
        if (!first || start >= first)
            cb(&r, ud);
        prev = r.cur;
        prev_start = start;
        i = j;
    }
    return ES_OK;
}

/* See social.h. The posts of the period before `since` are read too, so
 * that the first period has its previous figures. */
es_err es_post_report(es_store_t *s, const es_post_report_opts *o,
                      void (*cb)(const es_post_report_row *r, void *ud), void *ud)
{
    if (!o || !cb)
        return ES_EINVAL;
    loaded l = {.a = es_arena_new(64 * 1024, (size_t)1 << 30)};
    if (!l.a)
        return ES_ENOMEM;
    int64_t first = o->since ? es_period_start(o->by, o->since) : 0;
    int64_t from = first ? es_period_prev(o->by, first) : 0;
    es_err rc = es_post_list(s, o->brand, from, o->until, keep, &l);
    if (!rc)
        rc = l.rc;
    for (size_t i = 0; !rc && i < l.n;) {
        size_t j = i + 1;
        while (j < l.n && same_stream(&l.v[i], &l.v[j]))
            j++;
        rc = report_stream(l.v + i, j - i, o, first, cb, ud);
        i = j;
    }
    es_free(l.v);
    es_arena_free(l.a);
    return rc;
}
