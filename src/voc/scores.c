/*
 * scores.c - survey scores per location, region and organisation
 * (include/earshot/scores.h): reads the per-day sums the store keeps
 * (es_scores_read), keeps the locations in the caller's scope, adds them up
 * per location, per region path level and for the organisation, per period
 * bucket, and turns the sums into CSAT, NPS and means with their intervals
 * (stats.c). Called by `earshot scores`, the scores API and the location
 * report; trend.c builds on it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "earshot/users.h"
#include "voc/scores_int.h"

/* ---- names ------------------------------------------------------------------- */

/* See scores.h. */
es_err es_scores_by_parse(const char *name, es_scores_by *out)
{
    static const char *const names[] = {"location", "region", "org"};
    for (int i = 0; name && i < 3; i++)
        if (strcmp(name, names[i]) == 0)
            return *out = (es_scores_by)i, ES_OK;
    return ES_EINVAL;
}

/* See scores.h. */
es_err es_scores_period_parse(const char *name, es_scores_period *out)
{
    static const char *const names[] = {"whole", "week", "month"};
    for (int i = 0; name && i < 3; i++)
        if (strcmp(name, names[i]) == 0)
            return *out = (es_scores_period)i, ES_OK;
    return ES_EINVAL;
}

/* The label of the bucket starting on UTC day `day`: ISO week ("2026-W07",
 * the year of the week's Thursday) or month ("2026-03"). */
static void period_label(es_scores_period p, int64_t day, char *buf, size_t size)
{
    struct tm tm;
    time_t t = (time_t)((p == ES_SCORES_WEEK ? day + 3 : day) * 86400);
    if (p == ES_SCORES_WHOLE || !gmtime_r(&t, &tm)) {
        buf[0] = '\0';
        return;
    }
    unsigned year = (unsigned)(tm.tm_year + 1900) % 10000u;
    if (p == ES_SCORES_WEEK)
        snprintf(buf, size, "%04u-W%02u", year, (unsigned)(tm.tm_yday / 7 + 1) % 100u);
    else
        snprintf(buf, size, "%04u-%02u", year, (unsigned)(tm.tm_mon + 1) % 100u);
}

/* ---- building groups ------------------------------------------------------------ */

/* The growing result and what the read callback needs. */
typedef struct build {
    const es_scores_query *q;
    unsigned levels; /* 1 << es_scores_by */
    es_scores_group *g;
    size_t n, cap;
    int64_t last_loc; /* the scope answer for it */
    int last_in;
    size_t last_group; /* the index of the last location group + 1; 0: none */
    int64_t *seen;     /* per group: the last location added into it */
    size_t *ht;        /* region and organisation groups by (key, bucket): index + 1 */
    size_t ht_cap;     /* a power of two, at least twice the groups */
    es_err rc;
} build;

/* The hash of a region or organisation group's (key, bucket). */
static size_t group_hash(const char *key, int64_t bucket)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)bucket;
    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 29));
}

/* Puts group index i into the hash table (which has room). */
static void ht_put(build *b, size_t i)
{
    size_t m = b->ht_cap - 1, h = group_hash(b->g[i].key, b->g[i].first_day) & m;
    while (b->ht[h])
        h = (h + 1) & m;
    b->ht[h] = i + 1;
}

/* Grows the group array and the hash table for one more group. */
static int grow(build *b)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        es_scores_group *ng = realloc(b->g, cap * sizeof *ng);
        if (!ng)
            return -1;
        b->g = ng;
        int64_t *ns = realloc(b->seen, cap * sizeof *ns);
        if (!ns)
            return -1;
        b->seen = ns, b->cap = cap;
    }
    if (2 * (b->n + 1) > b->ht_cap) {
        size_t cap = b->ht_cap ? 2 * b->ht_cap : 256;
        size_t *nh = calloc(cap, sizeof *nh);
        if (!nh)
            return -1;
        free(b->ht);
        b->ht = nh, b->ht_cap = cap;
        for (size_t i = 0; i < b->n; i++)
            if (b->g[i].level != ES_SCORES_BY_LOCATION)
                ht_put(b, i);
    }
    return 0;
}

/* The group of (level, key, bucket), made if missing; NULL on ENOMEM. Rows
 * come by location then bucket, so a location's group is the last made. */
static es_scores_group *group_for(build *b, es_scores_by level, const es_scores_row *r,
                                  const char *key)
{
    if (level == ES_SCORES_BY_LOCATION && b->last_group) {
        es_scores_group *g = &b->g[b->last_group - 1];
        if (g->location_id == r->location_id && g->first_day == r->bucket)
            return g;
    }
    if (level != ES_SCORES_BY_LOCATION && b->ht_cap) {
        size_t m = b->ht_cap - 1;
        for (size_t h = group_hash(key, r->bucket) & m; b->ht[h]; h = (h + 1) & m) {
            es_scores_group *g = &b->g[b->ht[h] - 1];
            if (g->level == level && g->first_day == r->bucket && strcmp(g->key, key) == 0)
                return g;
        }
    }
    if (grow(b))
        return NULL;
    b->seen[b->n] = 0;
    es_scores_group *g = memset(&b->g[b->n++], 0, sizeof *g);
    g->level = level;
    g->first_day = r->bucket;
    snprintf(g->key, sizeof g->key, "%s", key);
    if (level == ES_SCORES_BY_LOCATION) {
        b->last_group = b->n;
        g->location_id = r->location_id;
        snprintf(g->code, sizeof g->code, "%s", r->code ? r->code : "");
        snprintf(g->name, sizeof g->name, "%s", r->name ? r->name : "");
    } else {
        snprintf(g->name, sizeof g->name, "%s", *key ? key : "organisation");
    }
    period_label(b->q->period, r->bucket, g->period, sizeof g->period);
    if (level != ES_SCORES_BY_LOCATION)
        ht_put(b, b->n - 1);
    return g;
}

/* Adds row r's sums into group g (of b) under its question key, and counts
 * r's location in g once (rows come by location). */
static void add_sums(build *b, es_scores_group *g, const es_scores_row *r)
{
    size_t gi = (size_t)(g - b->g);
    if (b->seen[gi] != r->location_id) {
        b->seen[gi] = r->location_id;
        g->n_locations++;
    }
    es_scores_question *qq = NULL;
    for (size_t i = 0; i < g->n_questions && !qq; i++)
        if (strcmp(g->q[i].key, r->key) == 0 && g->q[i].role == r->role)
            qq = &g->q[i];
    if (!qq) {
        if (g->n_questions == ES_SCORES_MAX_QUESTIONS)
            return; /* more distinct questions than a report shows */
        qq = memset(&g->q[g->n_questions++], 0, sizeof *qq);
        snprintf(qq->key, sizeof qq->key, "%s", r->key);
        snprintf(qq->label, sizeof qq->label, "%s", r->label ? r->label : r->key);
        qq->kind = r->kind;
        qq->role = r->role;
    }
    qq->sums.n += r->sums.n;
    qq->sums.sum += r->sums.sum;
    qq->sums.sumsq += r->sums.sumsq;
    qq->sums.hi += r->sums.hi;
    qq->sums.lo += r->sums.lo;
}

/* Is location key in the query's scope? */
static int in_scope(const es_scores_query *q, const char *key)
{
    if (q->all_locations)
        return 1;
    for (size_t i = 0; i < q->n_locations; i++)
        if (es_user_scope_covers(q->locations[i], key))
            return 1;
    return 0;
}

/* es_scores_read's callback: adds a row to its location, its regions and
 * the organisation, as the levels asked. */
static void on_row(const es_scores_row *r, void *ud)
{
    build *b = ud;
    const char *key = r->loc_key ? r->loc_key : "";
    if (b->rc)
        return;
    if (r->location_id != b->last_loc) {
        b->last_loc = r->location_id;
        b->last_in = in_scope(b->q, key);
    }
    if (!b->last_in)
        return;
    es_scores_group *g;
    if (b->levels & (1u << ES_SCORES_BY_LOCATION)) {
        if (!(g = group_for(b, ES_SCORES_BY_LOCATION, r, key)))
            goto oom;
        add_sums(b, g, r);
    }
    if (b->levels & (1u << ES_SCORES_BY_REGION)) {
        char path[ES_LOCATION_KEY_MAX + 1];
        for (const char *sl = strchr(key, '/'); sl; sl = strchr(sl + 1, '/')) {
            size_t n = (size_t)(sl - key) + 1;
            if (n >= sizeof path)
                break;
            memcpy(path, key, n);
            path[n] = '\0';
            if (!(g = group_for(b, ES_SCORES_BY_REGION, r, path)))
                goto oom;
            add_sums(b, g, r);
        }
    }
    if (b->levels & (1u << ES_SCORES_BY_ORG)) {
        if (!(g = group_for(b, ES_SCORES_BY_ORG, r, "")))
            goto oom;
        add_sums(b, g, r);
    }
    return;
oom:
    b->rc = ES_ENOMEM;
}

/* ---- figures ----------------------------------------------------------------- */

/* See scores_int.h. */
void es__scores_finish(es_scores_group *g)
{
    es_score_sums overall = {0}, recommend = {0};
    for (size_t i = 0; i < g->n_questions; i++) {
        es_scores_question *qq = &g->q[i];
        es_score_mean(qq->sums.n, qq->sums.sum, qq->sums.sumsq, &qq->mean);
        es_score_sums *t = qq->role == ES_QR_OVERALL     ? &overall
                           : qq->role == ES_QR_RECOMMEND ? &recommend
                                                         : NULL;
        if (t) {
            t->n += qq->sums.n;
            t->hi += qq->sums.hi;
            t->lo += qq->sums.lo;
        }
    }
    es_score_csat(overall.hi, overall.n, &g->csat);
    es_score_nps(recommend.hi, recommend.lo, recommend.n, &g->nps);
}

/* Orders groups by level, key, then period. */
static int group_cmp(const void *a, const void *b)
{
    const es_scores_group *x = a, *y = b;
    if (x->level != y->level)
        return x->level < y->level ? -1 : 1;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->first_day < y->first_day ? -1 : x->first_day > y->first_day;
}

/* See scores_int.h. */
es_err es__scores_build(es_store_t *s, const es_scores_query *q, unsigned levels, es_scores **out)
{
    *out = NULL;
    if (q->since && q->until && q->until <= q->since)
        return ES_EINVAL;
    int64_t since_day = q->since > 0 ? q->since / 86400 : 0;
    int64_t until_day = q->until > 0 ? (q->until + 86399) / 86400 : 0;
    build b = {.q = q, .levels = levels, .last_loc = -1};
    es_err rc = es_scores_read(s, since_day, until_day, (int)q->period, q->location_id, on_row, &b);
    if (!rc)
        rc = b.rc;
    free(b.seen);
    free(b.ht);
    es_scores *sc = rc ? NULL : calloc(1, sizeof *sc);
    if (!rc && !sc)
        rc = ES_ENOMEM;
    if (rc) {
        free(b.g);
        return rc;
    }
    sc->g = b.g, sc->n = b.n;
    for (size_t i = 0; i < sc->n; i++)
        es__scores_finish(&sc->g[i]);
    if (sc->n > 1)
        qsort(sc->g, sc->n, sizeof *sc->g, group_cmp);
    *out = sc;
    return ES_OK;
}

/* See scores.h. */
es_err es_scores_compute(es_store_t *s, const es_scores_query *q, es_scores **out)
{
    if (!s || !q || !out || q->by < ES_SCORES_BY_LOCATION || q->by > ES_SCORES_BY_ORG)
        return ES_EINVAL;
    return es__scores_build(s, q, 1u << q->by, out);
}

/* See scores.h. */
void es_scores_free(es_scores *sc)
{
    if (sc)
        free(sc->g);
    free(sc);
}

/* See scores.h. */
const es_scores_question *es_scores_question_find(const es_scores_group *g, const char *key)
{
    for (size_t i = 0; g && key && i < g->n_questions; i++)
        if (strcmp(g->q[i].key, key) == 0)
            return &g->q[i];
    return NULL;
}
