/*
 * bench_learn.c - the speed figures of issue 5: what the learned models add
 * to the analysis of a mention, beside the rules-only analysis, and how long
 * training takes.
 *
 *   bench_learn [--runs N] [--bits B] [TRAIN.csv [TEST.csv]]
 *
 * TRAIN.csv and TEST.csv are labelled CSVs with the airline data's columns
 * `text`, `airline_sentiment` and `negativereason` (by default
 * ../shared/data/airline/train.csv and dev.csv when present); without them
 * it generates 10,000 labelled texts (and 2,000 to test). It trains a
 * sentiment model and a department model (the negative reasons, without
 * "Can't Tell") on the training texts, timing the feature pass and
 * liblinear apart, then measures on the test texts, single-threaded, the
 * median and the best of N runs (default 5) in CPU time of the process:
 *   rules       es_scorer_score + es_classify (what every mention costs now)
 *   features    es_learn_features (shared by every model of a mention)
 *   sentiment   features + the sentiment model's prediction
 *   department  features + the department model's prediction
 *   both        features + both predictions: what --model adds per mention
 *   pred-sent, pred-dept, pred-both   the predictions alone, features ready
 *   explain     es_model_explain of the department model (asked for, off
 *               the hot path), for scale
 * and prints texts/s and microseconds per mention for each.
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "earshot/analyze.h"
#include "earshot/learn.h"
#include "earshot/sentiment.h"

/* Labelled texts: text, sentiment, reason ("" when none). */
typedef struct texts {
    char **text, **sent, **reason;
    size_t n, cap;
    /* parser state */
    int col, row, c_text, c_sent, c_reason;
    char *cur[3];
} texts;

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void on_field(void *s, size_t len, void *ud)
{
    texts *t = ud;
    if (t->row == 0) {
        if (len == 4 && memcmp(s, "text", 4) == 0)
            t->c_text = t->col;
        if (len == 17 && memcmp(s, "airline_sentiment", 17) == 0)
            t->c_sent = t->col;
        if (len == 14 && memcmp(s, "negativereason", 14) == 0)
            t->c_reason = t->col;
    } else {
        int which = t->col == t->c_text ? 0 : t->col == t->c_sent ? 1 : t->col == t->c_reason ? 2 : -1;
        if (which >= 0) {
            free(t->cur[which]);
            t->cur[which] = dup_n(s, len);
        }
    }
    t->col++;
}

static void on_row(int c, void *ud)
{
    texts *t = ud;
    (void)c;
    if (t->row++ > 0 && t->cur[0] && t->cur[1]) {
        if (t->n == t->cap) {
            t->cap = t->cap ? 2 * t->cap : 4096;
            t->text = realloc(t->text, t->cap * sizeof *t->text);
            t->sent = realloc(t->sent, t->cap * sizeof *t->sent);
            t->reason = realloc(t->reason, t->cap * sizeof *t->reason);
            if (!t->text || !t->sent || !t->reason)
                exit(2);
        }
        t->text[t->n] = t->cur[0];
        t->sent[t->n] = t->cur[1];
        t->reason[t->n++] = t->cur[2] ? t->cur[2] : dup_n("", 0);
        t->cur[0] = t->cur[1] = t->cur[2] = NULL;
    }
    for (int i = 0; i < 3; i++) {
        free(t->cur[i]);
        t->cur[i] = NULL;
    }
    t->col = 0;
}

/* Reads a labelled CSV. Returns 0, or -1 when unreadable or without the
 * text and airline_sentiment columns. */
static int load_csv(const char *path, texts *t)
{
    struct csv_parser p;
    char buf[65536];
    size_t n;
    memset(t, 0, sizeof *t);
    t->c_text = t->c_sent = t->c_reason = -1;
    FILE *fp = fopen(path, "rb");
    if (!fp || csv_init(&p, 0) != 0) {
        if (fp)
            fclose(fp);
        return -1;
    }
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        csv_parse(&p, buf, n, on_field, on_row, t);
    csv_fini(&p, on_field, on_row, t);
    csv_free(&p);
    fclose(fp);
    return t->n > 0 ? 0 : -1;
}

/* n generated texts of three moods and four reasons (deterministic). */
static void generate(texts *t, size_t n, unsigned seed)
{
    static const char *const mood[3] = {"negative", "neutral", "positive"};
    static const char *const reasons[4] = {"Late Flight", "Lost Luggage", "Customer Service Issue",
                                           "Cancelled Flight"};
    static const char *const rw[4][4] = {{"delayed", "late", "waiting", "hours"},
                                         {"bag", "luggage", "lost", "suitcase"},
                                         {"rude", "agent", "phone", "hold"},
                                         {"cancelled", "rebooked", "canceled", "stranded"}};
    static const char *const mw[3][4] = {{"terrible", "awful", "worst", "angry"},
                                         {"when", "does", "which", "gate"},
                                         {"thanks", "great", "love", "best"}};
    static const char *const filler[8] = {"my", "the", "flight", "today",
                                          "@airline", "again", "to", "from"};
    memset(t, 0, sizeof *t);
    t->cap = n;
    t->text = malloc(n * sizeof *t->text);
    t->sent = malloc(n * sizeof *t->sent);
    t->reason = malloc(n * sizeof *t->reason);
    uint64_t s = 0x9e3779b97f4a7c15ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        char buf[256];
        size_t len = 0;
        int m = (int)(i % 3), r = (int)((i / 3) % 4);
        for (int w = 0; w < 12; w++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            const char *word = w % 4 == 0 ? mw[m][s % 4] : w % 4 == 1 && m == 0 ? rw[r][s % 4]
                                                                                : filler[s % 8];
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", w ? " " : "", word);
        }
        t->text[i] = dup_n(buf, len);
        t->sent[i] = dup_n(mood[m], strlen(mood[m]));
        t->reason[i] = dup_n(m == 0 ? reasons[r] : "", m == 0 ? strlen(reasons[r]) : 0);
    }
    t->n = n;
}

static double cpu_now(void)
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

/* What one measured pass does to every test mention. */
enum { W_RULES, W_FEATURES, W_SENT, W_DEPT, W_BOTH, W_PSENT, W_PDEPT, W_PBOTH, W_EXPLAIN, W_COUNT };
static const char *const what_name[W_COUNT] = {
    "rules",      "features",   "sentiment", "department", "both",
    "pred-sent",  "pred-dept",  "pred-both", "explain"};

typedef struct bench {
    es_mention_t *ms; /* analysed by the rules once */
    size_t n;
    es_scorer_t *sc;
    es_learn_feat_t *f;
    es_learn_feat_t **fs; /* every test mention's features, computed once */
    es_arena_t *a;
    const es_learn_model_t *sm, *dm;
    double sink;
} bench;

/* One pass of `what` over the test mentions. Returns 0 or -1. */
static int pass(bench *b, int what)
{
    for (size_t i = 0; i < b->n; i++) {
        es_mention_t *m = &b->ms[i];
        double c = 0;
        if (what == W_RULES) {
            es_mention_t x = *m;
            es_arena_reset(b->a);
            if (es_scorer_score(b->sc, x.text, strlen(x.text), &x.sentiment, 0) ||
                es_classify(&x, b->a))
                return -1;
            b->sink += x.sentiment.compound;
            continue;
        }
        if (what == W_EXPLAIN) {
            es_learn_explanation e;
            es_arena_reset(b->a);
            if (es_model_explain(b->dm, m, 5, b->a, &e))
                return -1;
            b->sink += e.n;
            continue;
        }
        if (what >= W_PSENT) { /* the predictions alone, features ready */
            if (what != W_PDEPT)
                b->sink += es_learn_predict(b->sm, b->fs[i], &c) + c;
            if (what != W_PSENT)
                b->sink += es_learn_predict(b->dm, b->fs[i], &c) + c;
            continue;
        }
        if (es_learn_features(b->f, m, b->a))
            return -1;
        if (what == W_SENT || what == W_BOTH)
            b->sink += es_learn_predict(b->sm, b->f, &c) + c;
        if (what == W_DEPT || what == W_BOTH)
            b->sink += es_learn_predict(b->dm, b->f, &c) + c;
    }
    return 0;
}

/* Measures `what`: the median and the best over runs of passes lasting
 * >= 0.3 s (on a shared machine the best is the closest to the cost on an
 * idle one). Returns the median, or -1. */
static double measure(bench *b, int what, int runs, double *best)
{
    double rates[99];
    for (int r = 0; r < runs; r++) {
        size_t done = 0;
        double t0 = cpu_now(), t1;
        do {
            if (pass(b, what))
                return -1;
            done += b->n;
        } while ((t1 = cpu_now()) - t0 < 0.3);
        rates[r] = (double)done / (t1 - t0);
    }
    qsort(rates, (size_t)runs, sizeof *rates, cmp_double);
    *best = rates[runs - 1];
    return rates[runs / 2];
}

/* Features of every training text (sentiment, and department for the
 * negatives with a reason other than "Can't Tell") into two data sets. */
static int featurize(bench *b, const texts *t, es_learn_data_t *ds, es_learn_data_t *dd)
{
    for (size_t i = 0; i < t->n; i++) {
        es_mention_t m;
        es_mention_init(&m);
        m.text = t->text[i];
        es_arena_reset(b->a);
        if (es_scorer_score(b->sc, m.text, strlen(m.text), &m.sentiment, 0) ||
            es_classify(&m, b->a) || es_learn_features(b->f, &m, b->a) ||
            es_learn_data_add(ds, b->f, t->sent[i]))
            return -1;
        if (*t->reason[i] && strcmp(t->reason[i], "Can't Tell") != 0 &&
            es_learn_data_add(dd, b->f, t->reason[i]))
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 5, bits = ES_LEARN_DEFAULT_BITS, a = 1;
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        if (strcmp(argv[a], "--runs") == 0 && (runs = (int)strtol(argv[a + 1], NULL, 10)) > 0 &&
            runs <= 99)
            continue;
        if (strcmp(argv[a], "--bits") == 0 && (bits = (int)strtol(argv[a + 1], NULL, 10)) >=
                                                   ES_LEARN_MIN_BITS && bits <= ES_LEARN_MAX_BITS)
            continue;
        fprintf(stderr, "usage: bench_learn [--runs N] [--bits B] [TRAIN.csv [TEST.csv]]\n");
        return 1;
    }
    const char *trp = a < argc ? argv[a] : "../shared/data/airline/train.csv";
    const char *tep = a + 1 < argc ? argv[a + 1] : a < argc ? trp : "../shared/data/airline/dev.csv";
    texts tr, te;
    if (load_csv(trp, &tr) != 0 || load_csv(tep, &te) != 0) {
        printf("no labelled CSV at %s / %s: generated texts\n", trp, tep);
        generate(&tr, 10000, 1);
        generate(&te, 2000, 2);
    } else {
        printf("training on %s (%zu texts), measuring on %s (%zu texts)\n", trp, tr.n, tep, te.n);
    }
    const es_lexicon_t *lex;
    bench b = {0};
    char err[256] = "";
    es_learn_model_t *sm = NULL, *dm = NULL;
    es_learn_data_t *ds = es_learn_data_new((unsigned)bits), *dd = es_learn_data_new((unsigned)bits);
    if (es_lexicon_builtin(&lex) || !(b.sc = es_scorer_new(lex, ES_MODE_CARE)) ||
        !(b.f = es_learn_feat_new((unsigned)bits)) || !(b.a = es_arena_new(0, 0)) || !ds || !dd) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    double t0 = cpu_now();
    if (featurize(&b, &tr, ds, dd)) {
        fprintf(stderr, "feature pass failed\n");
        return 2;
    }
    double t1 = cpu_now();
    if (es_learn_train(ds, ES_TASK_SENTIMENT, 0, &sm, err, sizeof err)) {
        fprintf(stderr, "training: %s\n", err);
        return 2;
    }
    double t2 = cpu_now();
    if (es_learn_train(dd, ES_TASK_DEPARTMENT, 0, &dm, err, sizeof err)) {
        fprintf(stderr, "training: %s\n", err);
        return 2;
    }
    double t3 = cpu_now();
    printf("training, 2^%d buckets: rules + features of %zu texts %.2f s; sentiment (%zu texts, "
           "%zu labels) %.2f s; department (%zu texts, %zu labels) %.2f s\n",
           bits, tr.n, t1 - t0, es_learn_data_size(ds), es_learn_model_n_labels(sm), t2 - t1,
           es_learn_data_size(dd), es_learn_model_n_labels(dm), t3 - t2);
    /* Accuracy on the test texts, for the record (the e2e test asserts it). */
    es_learn_data_t *ts = es_learn_data_new((unsigned)bits), *td = es_learn_data_new((unsigned)bits);
    es_learn_eval es, ed;
    if (!ts || !td || featurize(&b, &te, ts, td) || es_learn_evaluate(sm, ts, &es) ||
        es_learn_evaluate(dm, td, &ed)) {
        fprintf(stderr, "evaluation failed\n");
        return 2;
    }
    printf("on the test texts: sentiment accuracy %.4f macro-F1 %.4f; department accuracy %.4f "
           "macro-F1 %.4f\n", es.accuracy, es.macro_f1, ed.accuracy, ed.macro_f1);
    es_learn_eval_free(&es);
    es_learn_eval_free(&ed);
    es_learn_data_free(ts);
    es_learn_data_free(td);
    /* The test mentions, analysed by the rules once. */
    b.ms = calloc(te.n, sizeof *b.ms);
    es_arena_t *keep = es_arena_new(0, 0);
    if (!b.ms || !keep)
        return 2;
    for (size_t i = 0; i < te.n; i++) {
        es_mention_init(&b.ms[i]);
        b.ms[i].text = te.text[i];
        if (es_scorer_score(b.sc, te.text[i], strlen(te.text[i]), &b.ms[i].sentiment, 0) ||
            es_classify(&b.ms[i], keep))
            return 2;
    }
    b.n = te.n;
    b.fs = calloc(te.n, sizeof *b.fs);
    for (size_t i = 0; i < te.n; i++)
        if (!b.fs || !(b.fs[i] = es_learn_feat_new((unsigned)bits)) ||
            es_learn_features(b.fs[i], &b.ms[i], keep))
            return 2;
    b.sm = sm;
    b.dm = dm;
    double base = 0, base_best = 0;
    printf("%-11s %12s %12s %12s %12s\n", "per mention", "texts/s", "us/mention", "best/s",
           "best us");
    for (int w = 0; w < W_COUNT; w++) {
        double best = 0, rate = measure(&b, w, runs, &best);
        if (rate <= 0) {
            fprintf(stderr, "%s failed\n", what_name[w]);
            return 2;
        }
        if (w == W_RULES) {
            base = 1e6 / rate;
            base_best = 1e6 / best;
        }
        printf("%-11s %12.0f %12.3f %12.0f %12.3f\n", what_name[w], rate, 1e6 / rate, best,
               1e6 / best);
        if (w == W_BOTH)
            printf("rules + both models: %.0f mentions/s (%.3f us), best %.0f (%.3f us)\n",
                   1e6 / (base + 1e6 / rate), base + 1e6 / rate,
                   1e6 / (base_best + 1e6 / best), base_best + 1e6 / best);
    }
    printf("checksum %.3f\n", b.sink);
    es_learn_model_free(sm);
    es_learn_model_free(dm);
    es_learn_data_free(ds);
    es_learn_data_free(dd);
    es_learn_feat_free(b.f);
    es_arena_free(b.a);
    es_arena_free(keep);
    es_scorer_free(b.sc);
    for (size_t i = 0; i < b.n; i++)
        es_learn_feat_free(b.fs[i]);
    free(b.fs);
    free(b.ms);
    return 0;
}
