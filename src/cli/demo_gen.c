/*
 * demo_gen.c - `earshot demo`'s calendar: each day a weekday-shaped volume of
 * ordinary mentions at plausible hours, plus the incidents planted on their
 * days (the tarmac burst, the food poisoning, the copy-paste campaign, the
 * competitor's outage), in time order, each written to its channel's file.
 * Also the benchmark stream (--stream twitter-v2). Called by demo.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "earshot/earshot.h"

const char *const demo_files[CH_COUNT] = {"twitter-v2.jsonl", "twitter-v1.jsonl", "meta.jsonl",
                                       "reviews.csv",      "support.mbox",     "canonical.jsonl"};

/* ------------------------------------------------------------------------ */
/* Days                                                                     */
/* ------------------------------------------------------------------------ */
static void emit(gen *g, spec *s)
{
    demo_compose(g, s);
    obuf *o = &g->out[s->chan];
    switch (s->chan) {
    case CH_TW2: demo_write_tw2(g, o, s); break;
    case CH_TW1: demo_write_tw1(g, o, s); break;
    case CH_META: demo_write_meta(g, o, s); break;
    case CH_REVIEW: demo_write_review(g, o, s); break;
    case CH_EMAIL: demo_write_email(g, o, s); break;
    default: demo_write_canon(g, o, s); break;
    }
    g->mentions[s->chan]++;
    g->by_kind[s->kind]++;
}

/* qsort order of the day's slots: by second, then by kind. */
static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The second of the day of a mention: busy mornings and evenings (local). */
static uint32_t second_of_day(rng *r)
{
    static const int hour_w[24] = {2, 1, 1, 1, 2, 4, 8, 10, 10, 9, 8, 8,
                                   8, 8, 8, 8, 9, 10, 10, 9, 8, 6, 4, 3};
    int h = rweighted(r, hour_w, 24) + 7; /* mostly US time zones */
    return (uint32_t)((h % 24) * 3600 + (int)rbelow(r, 3600));
}

/* The incidents: how many mentions, over how many seconds from what hour. */
static const struct {
    int count, spread, hour;
} EVENT[K_COUNT] = {{0, 0, 0}, {70, 4 * 3600, 19}, {12, 30 * 3600, 13}, {36, 2 * 3600, 15},
                    {45, 5 * 3600, 14}};

/* Generates one day: ordinary mentions plus the incidents planted on it, in
 * time order. Returns -1 when out of memory. */
static int gen_day(gen *g, int day)
{
    static const int weekday[7] = {100, 90, 90, 100, 115, 85, 110}; /* Mon.. */
    rng *r = &g->r;
    int n = 430 * weekday[day % 7] / 100;
    n += (int)rbelow(r, (uint32_t)(n / 4)) - n / 8;
    int extra = 0;
    for (int k = 1; k < K_COUNT; k++)
        if (g->event_day[k] == day)
            extra += EVENT[k].count;
    uint32_t *slots = es_malloc((size_t)(n + extra) * sizeof *slots);
    if (!slots)
        return -1;
    int m = 0;
    for (int i = 0; i < n; i++)
        slots[m++] = second_of_day(r) << 3 | K_NORMAL;
    for (int k = 1; k < K_COUNT; k++) {
        if (g->event_day[k] != day)
            continue;
        for (int i = 0; i < EVENT[k].count; i++) {
            /* Most of a burst comes early, then it tails off. */
            double x = (double)rbelow(r, 1000) / 1000.0;
            uint32_t sec = (uint32_t)(EVENT[k].hour * 3600 + (int)(x * x * EVENT[k].spread));
            slots[m++] = (sec % 86400) << 3 | (uint32_t)k;
        }
    }
    qsort(slots, (size_t)m, sizeof *slots, cmp_u32);
    for (int i = 0; i < m; i++) {
        int kind = (int)(slots[i] & 7);
        int64_t t = START_TIME + (int64_t)day * 86400 + (slots[i] >> 3);
        static const int event_chan[K_COUNT][CH_COUNT] = {
            {0}, {50, 15, 15, 0, 5, 15}, {35, 10, 20, 5, 15, 15}, {100, 0, 0, 0, 0, 0},
            {70, 30, 0, 0, 0, 0}};
        spec s;
        int chan = kind ? rweighted(r, event_chan[kind], CH_COUNT) : -1;
        demo_new_spec(g, &s, kind, t, chan);
        if (kind)
            demo_plant(g, &s, kind);
        emit(g, &s);
    }
    es_free(slots);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Writing the files                                                        */
/* ------------------------------------------------------------------------ */

/* See demo.h. The incidents are placed at the same fractions of any
 * number of days (day 9 of 21 for the tarmac, ...). */
void demo_gen_init(gen *g, uint64_t seed, int days)
{
    memset(g, 0, sizeof *g);
    g->seed = seed;
    g->r.s = mix64(seed ^ UINT64_C(0x65617273686f7421)); /* "earshot!" */
    g->days = days;
    g->pool = 6000;
    g->seq = 1;
    static const int at[K_COUNT] = {0, 9, 14, 5, 17}; /* of 21 days */
    g->event_day[K_NORMAL] = -1;
    for (int k = 1; k < K_COUNT; k++)
        g->event_day[k] = at[k] * days / 21;
}

/* Writes every file into dir. On failure err says why. */
int demo_write_files(gen *g, const char *dir, char *err, size_t errlen)
{
    FILE *fp[CH_COUNT] = {0};
    char path[4096];
    int rc = -1;
    if (demo_ob_init(&g->page, NULL, 512 * 1024) || demo_ob_init(&g->page_users, NULL, 128 * 1024)) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (int c = 0; c < CH_COUNT; c++) {
        snprintf(path, sizeof path, "%s/%s", dir, demo_files[c]);
        if (!(fp[c] = fopen(path, "wb"))) {
            snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
            goto out;
        }
        if (demo_ob_init(&g->out[c], fp[c], 256 * 1024)) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    OB_LIT(&g->out[CH_REVIEW], REVIEW_HEADER);
    for (int d = 0; d < g->days; d++) {
        if (gen_day(g, d)) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    demo_tw2_flush_page(g);
    rc = 0;
out:
    for (int c = 0; c < CH_COUNT; c++) {
        if (g->out[c].p) {
            demo_ob_flush(&g->out[c]);
            if (g->out[c].err && rc == 0) {
                snprintf(err, errlen, "%.400s/%s: write failed", dir, demo_files[c]);
                rc = -1;
            }
            demo_ob_cleanup(&g->out[c]);
        }
        if (fp[c] && fclose(fp[c]) != 0 && rc == 0) {
            snprintf(err, errlen, "%.400s/%s: %s", dir, demo_files[c], strerror(errno));
            rc = -1;
        }
    }
    demo_ob_cleanup(&g->page);
    demo_ob_cleanup(&g->page_users);
    return rc;
}

/* `--stream twitter-v2 --count N`: N single-object v2 lines on stdout,
 * ordinary mentions only, a second or so apart. Constant memory. */
int demo_run_stream(uint64_t seed, uint64_t count)
{
    gen *g = es_calloc(1, sizeof *g);
    int rc = CLI_FAIL;
    if (!g)
        goto out;
    demo_gen_init(g, seed, 1);
    g->stream = 1;
    g->pool = 200000;
    if (demo_ob_init(&g->out[CH_TW2], stdout, 1024 * 1024))
        goto out;
    int64_t t = START_TIME;
    for (uint64_t i = 0; i < count && !g->out[CH_TW2].err; i++) {
        spec s;
        t += rbelow(&g->r, 3);
        demo_new_spec(g, &s, K_NORMAL, t, CH_TW2);
        demo_compose(g, &s);
        demo_write_tw2(g, &g->out[CH_TW2], &s);
    }
    demo_ob_flush(&g->out[CH_TW2]);
    if (!g->out[CH_TW2].err && fflush(stdout) == 0)
        rc = CLI_OK;
    else
        fprintf(stderr, "earshot demo: writing to stdout failed\n");
out:
    if (g)
        demo_ob_cleanup(&g->out[CH_TW2]);
    es_free(g);
    return rc;
}
