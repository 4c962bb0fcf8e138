/*
 * plans.c - action plans (include/earshot/plans.h): the proposals of each
 * location from a fresh key-driver analysis and the locations' gaps to the
 * best quarter, their wording, and acceptance and completion with the
 * scores at each step. Called by `earshot plan`, the plans API and the
 * per-location report; the rows live in the store's "plans" part.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "earshot/plans.h"
#include "store/store_int.h"
#include "voc/voc_int.h"

#define MIN_N_DEFAULT 10
#define SIGNIFICANCE 0.05 /* a driver's coefficient must have p below it */
#define MIN_GAP 0.05      /* smaller gaps (points, or a proportion) are no action */

static const char *const ordinals[] = {"",        "",       "second ", "third ",
                                       "fourth ", "fifth ", "sixth ",  "seventh ",
                                       "eighth ", "ninth ", "tenth "};

/* See plans.h. */
void es_plan_text(char *buf, size_t size, const char *driver_label, const char *location_name,
                  double gap, int driver_rank, es_drivers_target target, int yesno)
{
    char amount[48], nth[24];
    if (yesno)
        snprintf(amount, sizeof amount, "%.0f percentage points", gap * 100.0);
    else
        snprintf(amount, sizeof amount, "%.1f point%s", gap, fabs(gap - 1.0) < 0.05 ? "" : "s");
    if (driver_rank >= 1 && driver_rank <= 10)
        snprintf(nth, sizeof nth, "%s", ordinals[driver_rank]);
    else
        snprintf(nth, sizeof nth, "%dth ", driver_rank);
    snprintf(buf, size,
             "%s at %s is %s below the best quarter of locations and is the %sstrongest"
             " driver of %s.",
             driver_label, location_name, amount, nth,
             target == ES_DRIVERS_OVERALL ? "overall satisfaction" : "recommending us");
}

/* Per driver: the 75th percentile of the means of locations with at least
 * min_n answers (NaN when none has), and each location's mean and count. */
typedef struct loc_means {
    double *sum;   /* n_locs x p */
    size_t *count; /* n_locs x p */
    double q75[ES_SURVEY_MAX_QUESTIONS];
} loc_means;

/* Fills m from d. 0, or -1 when out of memory. */
static int compute_means(const es__voc_data *d, size_t min_n, loc_means *m)
{
    size_t cells = d->n_locs * d->p + 1;
    m->sum = calloc(cells, sizeof *m->sum);
    m->count = calloc(cells, sizeof *m->count);
    double *tmp = malloc((d->n_locs + 1) * sizeof *tmp);
    if (!m->sum || !m->count || !tmp) {
        free(tmp);
        return -1;
    }
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; j < d->p; j++) {
            double v = d->x[i * d->p + j];
            if (!isnan(v)) {
                m->sum[d->obs[i].loc * d->p + j] += v;
                m->count[d->obs[i].loc * d->p + j]++;
            }
        }
    for (size_t j = 0; j < d->p; j++) {
        size_t k = 0;
        for (size_t l = 0; l < d->n_locs; l++)
            if (m->count[l * d->p + j] >= min_n)
                tmp[k++] = m->sum[l * d->p + j] / (double)m->count[l * d->p + j];
        gsl_sort(tmp, 1, k);
        m->q75[j] = k ? gsl_stats_quantile_from_sorted_data(tmp, 1, k, 0.75) : NAN;
    }
    free(tmp);
    return 0;
}

/* The (location, position) pairs with an accepted plan, which new
 * proposals leave out. */
typedef struct accepted {
    int64_t loc[256];
    int pos[256];
    size_t n;
} accepted;

/* Keeps an accepted plan's location and driver. */
static void take_accepted(const es_plan *p, void *ud)
{
    accepted *a = ud;
    if (a->n < 256) {
        a->loc[a->n] = p->location_id;
        a->pos[a->n++] = p->position;
    }
}

/* 1 when loc has an accepted plan on driver question pos. */
static int is_accepted(const accepted *a, int64_t loc, int pos)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->loc[i] == loc && a->pos[i] == pos)
            return 1;
    return 0;
}

/* Orders proposals by expected gain, largest first (then by question). */
static int by_gain(const void *a, const void *b)
{
    const es_plan *x = a, *y = b;
    return x->gain < y->gain ? 1 : x->gain > y->gain ? -1 : x->position - y->position;
}

/* Proposes and stores the plans of location index l. */
static es_err propose_one(es_store_t *s, const es__voc_data *d, const es_drivers_fit *f,
                          const loc_means *m, size_t l, const accepted *acc, const es_plan_opts *o,
                          int64_t actor)
{
    es_plan cand[ES_SURVEY_MAX_QUESTIONS];
    char text[ES_SURVEY_MAX_QUESTIONS][ES_PLAN_TEXT_MAX + 1];
    size_t n = 0;
    const es__voc_loc *loc = &d->locs[l];
    for (size_t j = 0; j < d->p; j++) {
        size_t cnt = m->count[l * d->p + j];
        /* A driver that does not (significantly) raise the target is no action. */
        if (cnt < o->min_n || isnan(m->q75[j]) || is_accepted(acc, loc->id, d->pos[j]) ||
            !(f->c[j].p < SIGNIFICANCE) || !(f->c[j].b > 0))
            continue;
        double mean = m->sum[l * d->p + j] / (double)cnt, gap = m->q75[j] - mean;
        if (!(gap >= MIN_GAP) || !(f->c[j].sd > 0))
            continue;
        es_plan *p = &cand[n];
        memset(p, 0, sizeof *p);
        p->survey_id = d->survey_id;
        p->position = d->pos[j];
        p->target = o->target;
        p->driver_rank = f->c[j].rank;
        p->location_mean = mean;
        p->top_quarter = m->q75[j];
        p->gap = gap;
        p->importance = f->c[j].share;
        p->gain = p->importance * gap / f->c[j].sd;
        p->created = o->now;
        p->text = text[n];
        es_plan_text(text[n], sizeof text[n], d->label[j], loc->name, gap, p->driver_rank,
                     o->target, d->kind[j] == ES_Q_YESNO);
        n++;
    }
    qsort(cand, n, sizeof cand[0], by_gain);
    if (n > ES_PLAN_ACTIONS)
        n = ES_PLAN_ACTIONS;
    for (size_t i = 0; i < n; i++)
        cand[i].rank = (int)i + 1;
    return es_plan_replace_proposed(s, loc->id, cand, n, actor);
}

/* A callback wrapper that adds the "now" scores of accepted and done
 * plans before calling the caller's. */
typedef struct now_ctx {
    es_store_t *s;
    void (*cb)(const es_plan *p, void *ud);
    void *ud;
} now_ctx;

static void with_now(const es_plan *p, void *ud)
{
    now_ctx *c = ud;
    es_plan q = *p;
    if (p->accepted_at && es_plan_scores_get(c->s, p->location_id, p->survey_id, p->position,
                                             p->accepted_at, 0, &q.now) != ES_OK)
        q.now.mean = q.now.csat = NAN;
    c->cb(&q, c->ud);
}

/* See plans.h. */
es_err es_plan_for_location(es_store_t *s, int64_t location_id, const es_plan_opts *o,
                            int64_t actor, void (*cb)(const es_plan *p, void *ud), void *ud)
{
    es_plan_opts opts = o ? *o : (es_plan_opts){0};
    opts.target = opts.target ? opts.target : ES_DRIVERS_PROMOTER;
    opts.min_n = opts.min_n ? opts.min_n : MIN_N_DEFAULT;
    opts.now = opts.now ? opts.now : (int64_t)time(NULL);
    if (location_id < 0 || !es_drivers_target_name(opts.target))
        return ES_EINVAL;
    es__voc_data *d = NULL;
    es_err rc = es__voc_load(s, opts.survey_id, NULL, &d);
    if (rc)
        return rc;
    opts.survey_id = d->survey_id;
    es_drivers_group g;
    loc_means m = {0};
    accepted *acc = calloc(1, sizeof *acc);
    rc = acc ? es__voc_fit(d, opts.target, "", &g) : ES_ENOMEM;
    if (rc == ES_OK && !g.fitted)
        rc = es__store_fail(s, ES_EINVAL,
                            "no key-driver analysis to plan from: %s (%zu responses"
                            " usable)",
                            g.why, g.fit.n);
    if (rc == ES_OK && compute_means(d, opts.min_n, &m))
        rc = ES_ENOMEM;
    if (rc == ES_OK)
        rc = es_plan_list(s, location_id, 1u << ES_PLAN_ACCEPTED, take_accepted, acc);
    int seen = 0, tx = 0;
    /* Every location's proposals in one transaction: one commit, not one each. */
    if (rc == ES_OK && !location_id)
        tx = (rc = es_store_begin(s)) == ES_OK;
    for (size_t l = 0; rc == ES_OK && l < d->n_locs; l++)
        if (!location_id || d->locs[l].id == location_id) {
            rc = propose_one(s, d, &g.fit, &m, l, acc, &opts, actor);
            seen = 1;
        }
    /* A location without responses has nothing to propose (any more). */
    if (rc == ES_OK && location_id && !seen)
        rc = es_plan_replace_proposed(s, location_id, NULL, 0, actor);
    if (tx && rc == ES_OK)
        rc = es_store_commit(s);
    else if (tx)
        es_store_rollback(s);
    if (rc == ES_ENOMEM)
        rc = es__store_fail(s, rc, "planning: out of memory");
    free(m.sum);
    free(m.count);
    free(acc);
    es__voc_free(d);
    if (rc || !location_id || !cb)
        return rc;
    now_ctx c = {s, cb, ud};
    return es_plan_list(s, location_id,
                        1u << ES_PLAN_PROPOSED | 1u << ES_PLAN_ACCEPTED | 1u << ES_PLAN_DONE,
                        with_now, &c);
}

/* A plan's location, survey, driver and acceptance time. */
static void take_plan(const es_plan *p, void *ud)
{
    *(es_plan *)ud = *p;
}

/* Moves plan id to state to, with the scores of its location over
 * [since, now] (since 0: from the start; ACCEPTED: since is 0; DONE: the
 * acceptance). */
static es_err move(es_store_t *s, int64_t id, es_plan_state to, int64_t actor, int64_t now)
{
    es_plan p;
    now = now ? now : (int64_t)time(NULL);
    es_err rc = es_plan_get(s, id, take_plan, &p);
    if (rc)
        return rc;
    es_plan_scores sc;
    int64_t since = to == ES_PLAN_DONE ? p.accepted_at : 0;
    rc = es_plan_scores_get(s, p.location_id, p.survey_id, p.position, since, now + 1, &sc);
    return rc ? rc : es_plan_set_state(s, id, to, now, actor, &sc);
}

/* See plans.h. */
es_err es_plan_accept(es_store_t *s, int64_t id, int64_t actor, int64_t now)
{
    return move(s, id, ES_PLAN_ACCEPTED, actor, now);
}

/* See plans.h. */
es_err es_plan_done(es_store_t *s, int64_t id, int64_t actor, int64_t now)
{
    return move(s, id, ES_PLAN_DONE, actor, now);
}
