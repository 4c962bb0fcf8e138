/*
 * bench_store.c - how many mentions per second the store commits (es_store_put),
 * FTS5 included, for a few batch sizes, both durability settings and two key
 * orders. The mentions are generated: tweet-like texts of 8 to 30 words drawn
 * from a skewed vocabulary, an author, one or two brands, scores.
 *
 *   bench_store [ROWS [DIR]]     (defaults: 200000 rows, /tmp)
 *
 * Each run stores ROWS mentions into a fresh database file in DIR, then
 * stores them all again (the idempotent re-delivery path), and prints rows/s
 * for both, plus the file size. Only es_store_put is timed. Never run by the
 * test suite; figures are recorded in docs/storage.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "earshot/store.h"
#include "store/store_int.h"

#define NWORDS 4000

typedef struct corpus {
    size_t n;
    es_mention_t *m;
    char *text; /* every text, NUL-separated */
    char *ids;  /* every external id, 24 bytes each */
    char *authors;
    uint32_t brands[3];
} corpus;

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of this process: steadier than wall time on a shared machine,
 * but blind to the time spent waiting for fsync. */
static double cpu(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* A made-up word for rank r: short syllables, so texts tokenise like prose. */
static void word(int r, char *out, size_t size)
{
    static const char *const syl[] = {"ka", "lo", "mi", "ne", "ru", "ta", "vo", "si",
                                      "de", "pa", "gu", "fe", "ho", "ji", "bo", "za"};
    size_t at = 0;
    int x = r + 1;
    while (x > 0 && at + 3 < size) {
        memcpy(out + at, syl[x % 16], 2);
        at += 2;
        x /= 16;
    }
    out[at] = '\0';
}

/* Builds n mentions. Ids are shuffled when random_keys, else increasing. */
static void build(corpus *c, size_t n, int random_keys)
{
    static char vocab[NWORDS][12];
    for (int i = 0; i < NWORDS; i++)
        word(i, vocab[i], sizeof vocab[i]);
    static const char *const brand_words[] = {"acme", "rival", "zeta"};
    c->n = n;
    c->m = calloc(n, sizeof *c->m);
    c->text = malloc(n * 260);
    c->ids = malloc(n * 24);
    c->authors = malloc(n * 16);
    if (!c->m || !c->text || !c->ids || !c->authors) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    size_t *order = malloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n; random_keys && i > 1; i--) {
        size_t j = next() % i, t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        es_mention_t *m = &c->m[i];
        es_mention_init(m);
        char *t = c->text + i * 260, *id = c->ids + i * 24, *au = c->authors + i * 16;
        snprintf(id, 24, "%llu", 1500000000000000000ULL + (unsigned long long)order[i] * 7919);
        snprintf(au, 16, "user%llu", (unsigned long long)(next() % 50000));
        size_t at = 0, words = 8 + next() % 23;
        int b = (int)(next() % 3);
        at += (size_t)snprintf(t, 260, "@%s ", brand_words[b]);
        for (size_t w = 0; w < words && at < 230; w++) {
            /* Skewed: the square of a uniform draw favours low ranks. */
            double u = (double)(next() % 1000000) / 1e6;
            at += (size_t)snprintf(t + at, 260 - at, "%s ", vocab[(int)(u * u * NWORDS)]);
        }
        t[at ? at - 1 : 0] = '\0';
        m->source = "twitter";
        m->external_id = id;
        m->author = au;
        m->text = t;
        m->lang = "en";
        m->created_at = 1767225600 + (int64_t)(i / 20);
        m->received_at = m->created_at + 2;
        m->sentiment.compound = (double)(int)(next() % 2001 - 1000) / 1000.0;
        m->sentiment.label = m->sentiment.compound >= 0.05    ? ES_POSITIVE
                             : m->sentiment.compound <= -0.05 ? ES_NEGATIVE
                                                              : ES_NEUTRAL;
        m->intent = (es_intent)(next() % ES_INTENT_COUNT);
        m->fingerprint = next();
        m->rules = "intent:question-mark";
        m->brands = &c->brands[b];
        m->n_brands = 1;
    }
    free(order);
}

static void count_hit(const es_mention_row *r, void *ud)
{
    (*(long *)ud)++;
}

/* Stores the corpus in batches into a fresh file; prints one line. */
static int run(corpus *c, const char *dir, size_t batch, int full, const char *label)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bench_store_%d.db", dir, (int)getpid());
    char p2[600];
    unlink(path);
    snprintf(p2, sizeof p2, "%s-wal", path);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", path);
    unlink(p2);
    es_store_t *s = NULL;
    es_err rc = es_store_open(path, &s);
    if (!rc)
        rc = es__store_set_durability(s, full);
    static const char *const names[3] = {"Acme", "Rival", "Zeta"};
    for (int i = 0; i < 3 && !rc; i++)
        rc = es_store_brand_add(s, names[i], i == 0, &c->brands[i]);
    double t0 = now(), c0 = cpu(), t1 = 0, c1 = 0, t2 = 0;
    size_t total = 0, again = 0;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        for (size_t i = 0; i < c->n && !rc; i += batch) {
            size_t k = c->n - i < batch ? c->n - i : batch, added = 0;
            rc = es_store_put(s, c->m + i, k, &added);
            *(pass ? &again : &total) += added;
        }
        *(pass ? &t2 : &t1) = now();
        if (!pass)
            c1 = cpu();
    }
    /* Search still works, and how fast: a two-word search over everything
     * (the words are the commonest of the generated vocabulary), newest 50. */
    char w1[12], w2[12];
    word(0, w1, sizeof w1);
    word(1, w2, sizeof w2);
    char text[32];
    snprintf(text, sizeof text, "%s %s", w1, w2);
    long hits = 0;
    double t3 = now();
    if (!rc)
        rc = es_store_search(s, &(es_search_opts){.text = text, .brand = "acme"}, count_hit, &hits);
    double t4 = now();
    if (rc) {
        fprintf(stderr, "bench_store: %s\n", es_store_errmsg(s));
        es_store_close(s);
        return 2;
    }
    es_store_close(s);
    struct stat st;
    long long size = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    printf("%-8s batch %6zu  sync %-6s  %7.0f rows/s  (%zu rows, %.2f s; %7.0f rows per CPU s)"
           "  again: %7.0f rows/s (%zu new)  file %.1f MB  search %ld hits %.0f ms\n",
           label, batch, full ? "FULL" : "NORMAL", (double)total / (t1 - t0), total, t1 - t0,
           (double)total / (c1 - c0), (double)c->n / (t2 - t1), again, (double)size / 1e6, hits,
           (t4 - t3) * 1e3);
    fflush(stdout);
    unlink(path);
    snprintf(p2, sizeof p2, "%s-wal", path);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", path);
    unlink(p2);
    return 0;
}

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    if (rows == 0) {
        fprintf(stderr, "usage: bench_store [ROWS [DIR]]\n");
        return 1;
    }
    static const size_t batches[] = {1000, 5000, 20000};
    int rc = 0;
    /* The machine may be shared: say how busy it was. */
    char load[64] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(load, sizeof load, f))
            snprintf(load, sizeof load, "?\n");
        fclose(f);
    }
    printf("bench_store: %zu rows into %s; load average %s", rows, dir, load);
    for (int random_keys = 0; random_keys < 2 && !rc; random_keys++) {
        corpus c = {0};
        build(&c, rows, random_keys);
        const char *label = random_keys ? "shuffled" : "in-order";
        for (size_t b = 0; b < sizeof batches / sizeof batches[0] && !rc; b++)
            rc = run(&c, dir, batches[b], 1, label);
        if (!rc)
            rc = run(&c, dir, 5000, 0, label);
        free(c.m);
        free(c.text);
        free(c.ids);
        free(c.authors);
    }
    return rc;
}
