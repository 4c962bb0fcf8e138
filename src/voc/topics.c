/*
 * topics.c - key drivers of social data (drivers.h: es_drivers_topics):
 * for each brand, the mentions' compound sentiment regressed on one
 * indicator per topic, with the same figures as the survey drivers (betas,
 * relative weights, significance). A topic is a department the department
 * model gave the mention ("department:billing") or a topic rule that fired
 * on it ("topic:delay"; rules.md); the baseline is the mentions without the
 * topics kept. Called by `earshot drivers --social` and GET
 * /api/v1/drivers?social=1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "voc/voc_int.h"

/* At most this many mentions of one brand are analysed (the first ones by
 * id); the report says when a brand had more. */
#define MAX_MENTIONS 2000000
/* At most this many distinct topics are counted per brand. */
#define MAX_TOPICS 256

typedef struct topic {
    char name[ES_DRIVERS_NAME_MAX + 1];
    size_t count;
} topic;

/* One brand's mentions being gathered. */
typedef struct gather {
    es_topics_report *rep;
    size_t min;
    char brand[ES_DRIVERS_NAME_MAX + 1];
    size_t n, cap;
    double *y;
    char **tags; /* each mention's topics, ';'-separated */
    topic topics[MAX_TOPICS];
    size_t n_topics;
    int oom;
} gather;

/* 1 when the ';'-separated list has item name. */
static int has_item(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0)
            return 1;
        p = end ? end + 1 : p + n;
    }
    return 0;
}

/* Counts each topic of list. */
static void count_topics(gather *g, const char *list)
{
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        size_t i = 0;
        while (i < g->n_topics &&
               (strlen(g->topics[i].name) != n || strncmp(g->topics[i].name, p, n) != 0))
            i++;
        if (i == g->n_topics && i < MAX_TOPICS && n <= ES_DRIVERS_NAME_MAX) {
            memcpy(g->topics[i].name, p, n);
            g->topics[i].name[n] = '\0';
            g->topics[i].count = 0;
            g->n_topics++;
        }
        if (i < g->n_topics)
            g->topics[i].count++;
        p = end ? end + 1 : p + n;
    }
}

/* Orders topics by count, largest first (then by name). */
static int by_count(const void *a, const void *b)
{
    const topic *x = a, *y = b;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->name, y->name);
}

/* Fits the gathered brand into a new entry of the report. */
static int finish_brand(gather *g)
{
    es_topics_report *r = g->rep;
    es_topics_brand *nb = realloc(r->brands, (r->n_brands + 1) * sizeof *nb);
    if (!nb)
        return -1;
    r->brands = nb;
    es_topics_brand *b = &nb[r->n_brands++];
    memset(b, 0, sizeof *b);
    snprintf(b->brand, sizeof b->brand, "%s", g->brand);
    b->n_mentions = g->n;
    for (size_t i = 0; i < g->n; i++)
        count_topics(g, g->tags[i]);
    qsort(g->topics, g->n_topics, sizeof g->topics[0], by_count);
    size_t p = 0;
    while (p < g->n_topics && p < ES_DRIVERS_MAX && g->topics[p].count >= g->min &&
           g->topics[p].count < g->n)
        p++;
    if (p == 0) {
        snprintf(b->why, sizeof b->why, "no topic is in at least %zu (and not every) mention",
                 g->min);
        return 0;
    }
    double *x = malloc(g->n * p * sizeof *x);
    if (!x)
        return -1;
    for (size_t i = 0; i < g->n; i++)
        for (size_t j = 0; j < p; j++)
            x[i * p + j] = has_item(g->tags[i], g->topics[j].name);
    es_err rc = es_drivers_regress(x, g->y, g->n, p, &b->fit, b->why, sizeof b->why);
    free(x);
    if (rc == ES_ENOMEM)
        return -1;
    b->fitted = rc == ES_OK;
    for (size_t j = 0; b->fitted && j < p; j++) {
        snprintf(b->fit.c[j].key, sizeof b->fit.c[j].key, "%s", g->topics[j].name);
        snprintf(b->fit.c[j].label, sizeof b->fit.c[j].label, "%s", g->topics[j].name);
    }
    return 0;
}

/* Empties the gathered brand. */
static void reset(gather *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->tags[i]);
    g->n = 0;
    g->n_topics = 0;
}

/* Takes one mention; a new brand finishes the previous one. */
static int take(const es_topic_row *r, void *ud)
{
    gather *g = ud;
    if (strcmp(r->brand, g->brand) != 0) {
        if (g->brand[0] && finish_brand(g))
            return g->oom = 1;
        reset(g);
        snprintf(g->brand, sizeof g->brand, "%s", r->brand);
    }
    if (g->n == MAX_MENTIONS)
        return 0;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 1024;
        double *y = realloc(g->y, cap * sizeof *y);
        if (y)
            g->y = y;
        char **t = y ? realloc(g->tags, cap * sizeof *t) : NULL;
        if (!t)
            return g->oom = 1;
        g->tags = t;
        g->cap = cap;
    }
    g->tags[g->n] = strdup(r->topics);
    if (!g->tags[g->n])
        return g->oom = 1;
    g->y[g->n++] = r->compound;
    return 0;
}

/* See drivers.h. */
es_err es_drivers_topics(es_store_t *s, const char *brand, size_t min_mentions,
                         es_topics_report **out)
{
    gather *g = calloc(1, sizeof *g);
    es_topics_report *r = calloc(1, sizeof *r);
    if (!g || !r || !out) {
        free(g);
        free(r);
        return out ? es__store_fail(s, ES_ENOMEM, "topics: out of memory") : ES_EINVAL;
    }
    g->rep = r;
    g->min = min_mentions ? min_mentions : 5;
    es_err rc = es_drivers_topic_rows(s, brand, take, g);
    if (rc == ES_OK && !g->oom && g->brand[0] && finish_brand(g))
        g->oom = 1;
    if (rc == ES_OK && g->oom)
        rc = es__store_fail(s, ES_ENOMEM, "topics: out of memory");
    reset(g);
    free(g->y);
    free(g->tags);
    free(g);
    if (rc) {
        es_topics_report_free(r);
        return rc;
    }
    *out = r;
    return ES_OK;
}

/* See drivers.h. */
void es_topics_report_free(es_topics_report *r)
{
    if (!r)
        return;
    free(r->brands);
    free(r);
}
