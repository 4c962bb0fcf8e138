/*
 * bench_listen.c - benchmark 2 of issue 2: listening queries (L2) at stream
 * speed. It generates 1,000 and 10,000 realistic queries deterministically
 * (a seeded PRNG): five per brand (the airlines of the data first, then
 * made-up brands), about the brand, its handle and hashtags, product words,
 * complaint phrases, NEAR/n, wildcards, NOT and field filters, and one in
 * ten a topic query about no brand. Each set is compiled into one matcher
 * and matched over the texts of the given airline CSV files (the `text`
 * column, read with libcsv) on one thread, as the pipeline does: one
 * es_matcher_match per mention. Without files it matches a generated corpus.
 *
 *   bench_listen [--runs N] [--sizes 1000,10000] [FILE.csv...]
 *
 * Prints, per size: compile time, Hyperscan database and scratch sizes, the
 * growth of the resident set, how many terms and queries a mention touches,
 * then per run and as the median of the runs mentions/s and query matches/s
 * per core (over the thread's CPU time, so that other work on a shared
 * machine does not count; wall time is shown too). Target: >= 500,000
 * mentions/s with 1,000 queries. bench/listen.sh runs it on the airline data.
 */
#include <csv.h>
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "earshot/listen.h"
#include "listen/match.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: on a shared machine, what one core did. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size in KiB, from /proc (0 when unknown). */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    return rss * 4;
}

/* splitmix64: small, seeded, the same sequence everywhere. */
static uint64_t rng_state = 20260223;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
#define PICK(a) (a[rnd() % (sizeof a / sizeof a[0])])

/* ------------------------------------------------------------------ */
/* The texts                                                           */
/* ------------------------------------------------------------------ */

typedef struct corpus {
    char **text;
    size_t n, cap;
    size_t col, text_col; /* the current column, the `text` column */
    long row;
    char *field; /* the current row's text field */
} corpus;

static void add_text(corpus *c, char *t)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->text = realloc(c->text, c->cap * sizeof *c->text);
        if (!c->text)
            exit(2);
    }
    c->text[c->n++] = t;
}

static void on_field(void *s, size_t len, void *ud)
{
    corpus *c = ud;
    if (c->row == 0 && len == 4 && memcmp(s, "text", 4) == 0)
        c->text_col = c->col;
    else if (c->row > 0 && c->col == c->text_col) {
        c->field = malloc(len + 1);
        if (!c->field)
            exit(2);
        memcpy(c->field, s, len);
        c->field[len] = '\0';
    }
    c->col++;
}

static void on_row(int ch, void *ud)
{
    (void)ch;
    corpus *c = ud;
    if (c->field)
        add_text(c, c->field);
    c->field = NULL;
    c->col = 0;
    c->row++;
}

/* Reads the `text` column of a CSV file; returns 0 when it cannot. */
static int read_csv(corpus *c, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    c->row = 0;
    c->col = 0;
    c->text_col = (size_t)-1;
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, got, on_field, on_row, c) != got)
            break;
    csv_fini(&p, on_field, on_row, c);
    csv_free(&p);
    fclose(f);
    return 1;
}

static const char *brands[] = {"united",         "jetblue",   "southwestair",  "delta",
                               "americanair",    "usairways", "virginamerica", "alaskaair",
                               "spiritairlines", "frontier",  "lufthansa",     "ryanair",
                               "easyjet",        "klm"};
static const char *syll[] = {"sky", "vo",  "ra", "jet", "lin", "aer",  "zen", "tra", "nova",
                             "fly", "mar", "ex", "ko",  "lux", "port", "ia",  "on",  "quest"};
static const char *products[] = {"flight",  "bag",      "luggage", "seat",    "crew",
                                 "gate",    "pilot",    "ticket",  "booking", "wifi",
                                 "app",     "website",  "lounge",  "upgrade", "miles",
                                 "checkin", "boarding", "baggage", "meal"};
static const char *problems[] = {"delay*",  "cancel*", "refund*",   "lost",   "broke*",
                                 "rude",    "wait*",   "hold",      "stuck",  "missed",
                                 "damage*", "dirty",   "overbook*", "strand*"};
static const char *phrases[] = {
    "\"on hold\"",     "\"lost my bag\"",      "\"customer service\"", "\"missed my connection\"",
    "\"no response\"", "\"flight attendant\"", "\"worst airline\"",    "\"thank you\"",
    "\"late flight\"", "\"never again\"",      "\"gate agent\""};
static const char *tags[] = {"#fail",   "#delayed", "#customerservice", "#travel", "#neveragain",
                             "#avgeek", "#help"};

/* Generates a corpus of n tweets like the airline ones, for a data-less run. */
static void generate_texts(corpus *c, size_t n)
{
    static const char *fill[] = {"my",      "the", "is",    "again",  "today",  "why",  "so", "and",
                                 "waiting", "for", "hours", "thanks", "please", "help", "now"};
    for (size_t i = 0; i < n; i++) {
        char buf[512];
        int k = snprintf(buf, sizeof buf, "@%s", PICK(brands));
        int words = 6 + (int)(rnd() % 14);
        for (int w = 0; w < words && k < 400; w++) {
            uint64_t r = rnd() % 10;
            const char *x = r < 5 ? PICK(fill) : r < 8 ? PICK(products) : PICK(tags);
            k += snprintf(buf + k, sizeof buf - (size_t)k, " %s", x);
        }
        add_text(c, strdup(buf));
    }
}

/* ------------------------------------------------------------------ */
/* The queries                                                         */
/* ------------------------------------------------------------------ */

/* The name of brand j: the airlines of the data first (each brand has five
 * queries, so the first 70 queries are about them), then names made of
 * syllables, as the other brands of a listening deployment. */
static void brand_name(size_t j, char *b, size_t size)
{
    if (j < sizeof brands / sizeof brands[0]) {
        snprintf(b, size, "%s", brands[j]);
        return;
    }
    uint64_t saved = rng_state;
    rng_state = 0x5EED0000u + j;
    int n = 2 + (int)(rnd() % 2);
    size_t k = 0;
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(b + k, size - k, "%s", PICK(syll));
    rng_state = saved;
}

/* A topic query, about no brand: words customers use. */
static void make_topic(char *q, size_t size)
{
    switch (rnd() % 4) {
    case 0: snprintf(q, size, "%s NEAR/3 %s", PICK(problems), PICK(products)); break;
    case 1: snprintf(q, size, "%s %s -%s", PICK(phrases), PICK(products), PICK(tags)); break;
    case 2:
        snprintf(q, size, "(%s OR %s) %s", PICK(problems), PICK(problems), PICK(products));
        break;
    default:
        snprintf(q, size, "%s OR (%s NEAR/1 %s)", PICK(tags), PICK(products), PICK(problems));
        break;
    }
}

/* One query about brand j (or, one time in ten, a topic query), in q. */
static void make_query(size_t j, char *q, size_t size)
{
    char b[64];
    if (rnd() % 10 == 0) {
        make_topic(q, size);
        return;
    }
    brand_name(j, b, sizeof b);
    switch (rnd() % 8) {
    case 0: snprintf(q, size, "%s OR @%s OR #%s", b, b, b); break;
    case 1:
        snprintf(q, size, "(%s OR @%s) (%s OR %s)", b, b, PICK(problems), PICK(problems));
        break;
    case 2: snprintf(q, size, "@%s NEAR/3 %s", b, PICK(phrases)); break;
    case 3:
        snprintf(q, size, "%s NEAR/5 (%s OR %s) -spam -#ad", b, PICK(problems), PICK(products));
        break;
    case 4: snprintf(q, size, "#%sfail OR \"%s sucks\" OR (@%s %s)", b, b, b, PICK(tags)); break;
    case 5:
        snprintf(q, size, "(%s OR \"%s airlines\") AND (%s OR %s) NOT (thank* OR great)", b, b,
                 PICK(products), PICK(products));
        break;
    case 6: snprintf(q, size, "%s %s lang:en", b, PICK(phrases)); break;
    default:
        snprintf(q, size, "@%s (%s NEAR/2 %s) -source:email", b, PICK(problems), PICK(products));
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Running                                                             */
/* ------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Compiles nq queries and matches them over the corpus runs times. */
static int bench_size(const corpus *c, size_t nq, int runs)
{
    es_query_def *defs = calloc(nq, sizeof *defs);
    char(*texts)[256] = calloc(nq, sizeof *texts);
    es_mention_t *mt = calloc(c->n, sizeof *mt);
    if (!defs || !texts || !mt)
        return 2;
    rng_state = 20260223 + nq;
    for (size_t i = 0; i < nq; i++) {
        make_query(i / 5, texts[i], sizeof texts[i]);
        defs[i] = (es_query_def){(uint32_t)i + 1, (uint32_t)(i / 5) + 1, texts[i]};
    }
    for (size_t i = 0; i < c->n; i++) {
        es_mention_init(&mt[i]);
        mt[i].text = c->text[i];
        mt[i].source = "twitter";
        mt[i].lang = "en";
    }
    es_matcher_t *m = NULL;
    es_match_scratch_t *s = NULL;
    size_t bad = 0;
    es_query_error err;
    long rss0 = rss_kib();
    double t0 = now();
    es_err rc = es_matcher_build(defs, nq, &m, &bad, &err);
    double t1 = now();
    if (rc) {
        fprintf(stderr, "query %zu (%s) refused: column %d: %s\n", bad, defs[bad].text, err.column,
                err.reason);
        return 2;
    }
    if (es_match_scratch_new(m, &s))
        return 2;
    size_t scratch = 0;
    if (s->hs)
        hs_scratch_size(s->hs, &scratch);
    printf("== %zu queries: %u distinct terms, compile %.3f s, Hyperscan database %.1f KiB, "
           "scratch %.1f KiB, resident set +%.1f MiB\n",
           nq, m->nterms, t1 - t0, m->db_bytes / 1024.0, scratch / 1024.0,
           (rss_kib() - rss0) / 1024.0);
    double *rate = calloc((size_t)runs, sizeof *rate), *mrate = calloc((size_t)runs, sizeof *mrate);
    uint32_t ids[ES_MAX_MATCHES], brands[ES_MAX_MATCHES];
    size_t matched_mentions = 0, cands = 0, hits = 0;
    for (int r = 0; r < runs; r++) {
        size_t done = 0, matches = 0;
        double a = now(), b, ca = cpu_now();
        do {
            for (size_t i = 0; i < c->n; i++) {
                size_t n = 0, nb = 0;
                if (es_matcher_match(m, s, &mt[i], ids, ES_MAX_MATCHES, &n, brands, ES_MAX_MATCHES,
                                     &nb))
                    return 2;
                matches += n;
                if (r == 0 && done == 0) {
                    matched_mentions += n > 0;
                    cands += s->ncand;
                    hits += s->nhit;
                }
            }
            done += c->n;
            b = now();
        } while (b - a < 0.5);
        double cpu = cpu_now() - ca;
        rate[r] = (double)done / cpu;
        mrate[r] = (double)matches / cpu;
        printf("run %d: %zu mentions in %.3f s CPU (%.3f s wall): %.0f mentions/s, %.0f "
               "matches/s\n",
               r + 1, done, cpu, b - a, rate[r], mrate[r]);
    }
    qsort(rate, (size_t)runs, sizeof *rate, cmp_double);
    qsort(mrate, (size_t)runs, sizeof *mrate, cmp_double);
    double per = (double)(c->n ? c->n : 1);
    printf("per mention: %.1f terms found, %.1f queries evaluated; mentions with a match "
           "%.1f%%\n",
           (double)hits / per, (double)cands / per, 100.0 * (double)matched_mentions / per);
    printf("queries %zu: mentions/s %.0f (one core), matches/s %.0f\n", nq, rate[runs / 2],
           mrate[runs / 2]);
    es_match_scratch_free(s);
    es_matcher_free(m);
    free(rate);
    free(mrate);
    free(defs);
    free(texts);
    free(mt);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 5, a = 1;
    char sizes[64] = "1000,10000";
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        if (strcmp(argv[a], "--runs") == 0 && (runs = (int)strtol(argv[a + 1], NULL, 10)) > 0 &&
            runs <= 99)
            continue;
        if (strcmp(argv[a], "--sizes") == 0) {
            snprintf(sizes, sizeof sizes, "%s", argv[a + 1]);
            continue;
        }
        fprintf(stderr, "usage: bench_listen [--runs N] [--sizes 1000,10000] [FILE.csv...]\n");
        return 1;
    }
    corpus c = {0};
    for (; a < argc; a++)
        if (!read_csv(&c, argv[a]))
            fprintf(stderr, "bench_listen: cannot read %s\n", argv[a]);
    if (c.n == 0) {
        rng_state = 7;
        generate_texts(&c, 12000);
        printf("texts: %zu generated (no airline data given)\n", c.n);
    } else {
        printf("texts: %zu from the airline CSV files\n", c.n);
    }
    size_t bytes = 0;
    for (size_t i = 0; i < c.n; i++)
        bytes += strlen(c.text[i]);
    printf("average text: %.1f bytes\n", (double)bytes / (double)(c.n ? c.n : 1));
    int rc = 0;
    for (char *p = sizes; *p && !rc;) {
        size_t nq = (size_t)strtoul(p, &p, 10);
        if (nq)
            rc = bench_size(&c, nq, runs);
        while (*p == ',')
            p++;
        if (!nq)
            break;
    }
    for (size_t i = 0; i < c.n; i++)
        free(c.text[i]);
    free(c.text);
    return rc;
}
