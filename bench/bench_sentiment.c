/*
 * bench_sentiment.c - benchmark 1 of issue 2, earshot's side: how many texts
 * per second one thread scores in a given mode (default `vader`), through the
 * library as the pipeline calls it (one scorer, no explanation). The texts are
 * the `text` column of the given airline CSV files. bench/sentiment.sh runs it
 * beside NLTK and the npm vader-sentiment package on the same texts.
 *
 *   bench_sentiment [--mode vader|care] [--runs N] [--once] FILE.csv...
 *
 * Prints one line per run and a final "texts/s <median>" line; the rate is
 * per second of CPU time of the process (single-threaded, so the same as wall
 * time on an idle machine). With --once it scores every text exactly once
 * and prints only the count and a checksum: the form to run under
 *   valgrind --tool=callgrind --toggle-collect=es_scorer_score
 * whose instruction count, divided by the texts, does not depend on the load
 * of a shared machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "earshot/sentiment.h"
#include "sentiment_eval.h"

/* CPU time of this process: on a shared machine it depends much less on the
 * other processes than wall time does. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    es_sent_mode mode = ES_MODE_VADER;
    int runs = 5, a = 1, once = 0;
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        if (strcmp(argv[a], "--once") == 0) {
            once = 1;
            a--; /* no value */
            continue;
        }
        if (strcmp(argv[a], "--mode") == 0 && !es_sent_mode_parse(argv[a + 1], &mode))
            continue;
        if (strcmp(argv[a], "--runs") == 0 && (runs = (int)strtol(argv[a + 1], NULL, 10)) > 0 &&
            runs <= 99)
            continue;
        fprintf(stderr, "bad option %s\n", argv[a]);
        return 1;
    }
    if (a >= argc) {
        fprintf(stderr,
                "usage: bench_sentiment [--mode vader|care] [--runs N] [--once] FILE.csv...\n");
        return 1;
    }
    /* All texts of all files, with their lengths. */
    size_t n = 0, cap = 0, bytes = 0;
    char **texts = NULL;
    size_t *lens = NULL;
    se_data d[8];
    int nfiles = 0;
    for (; a < argc && nfiles < 8; a++, nfiles++) {
        if (se_load(argv[a], &d[nfiles])) {
            fprintf(stderr, "%s: cannot read the texts\n", argv[a]);
            return 2;
        }
        for (size_t i = 0; i < d[nfiles].n; i++) {
            if (n == cap) {
                cap = cap ? 2 * cap : 16384;
                texts = realloc(texts, cap * sizeof *texts);
                lens = realloc(lens, cap * sizeof *lens);
                if (!texts || !lens)
                    return 2;
            }
            texts[n] = d[nfiles].text[i];
            lens[n] = strlen(texts[n]);
            bytes += lens[n++];
        }
    }
    const es_lexicon_t *lex;
    es_scorer_t *sc;
    if (es_lexicon_builtin(&lex) || !(sc = es_scorer_new(lex, mode))) {
        fprintf(stderr, "cannot create a scorer\n");
        return 2;
    }
    double rates[99], checksum = 0;
    if (once)
        runs = 0;
    for (size_t i = 0; once && i < n; i++) {
        es_sentiment s;
        if (es_scorer_score(sc, texts[i], lens[i], &s, 0))
            return 2;
        checksum += s.compound;
    }
    for (int r = 0; r < runs; r++) {
        /* Repeat the corpus until a run lasts at least half a second. */
        size_t done = 0;
        double t0 = now(), t1;
        do {
            for (size_t i = 0; i < n; i++) {
                es_sentiment s;
                if (es_scorer_score(sc, texts[i], lens[i], &s, 0))
                    return 2;
                checksum += s.compound;
            }
            done += n;
        } while ((t1 = now()) - t0 < 0.5);
        rates[r] = (double)done / (t1 - t0);
        printf("run %d: %zu texts in %.3f CPU s: %.0f texts/s (%.1f MB/s)\n", r + 1, done, t1 - t0,
               rates[r], (double)bytes * ((double)done / (double)n) / (t1 - t0) / 1e6);
    }
    printf("mode %s, %zu texts, checksum %.4f\n", es_sent_mode_name(mode), n, checksum);
    if (runs) {
        qsort(rates, (size_t)runs, sizeof *rates, cmp_double);
        printf("texts/s %.0f\n", rates[runs / 2]);
    }
    es_scorer_free(sc);
    for (int f = 0; f < nfiles; f++)
        se_free(&d[f]);
    free(texts);
    free(lens);
    return 0;
}
