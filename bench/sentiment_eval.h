/*
 * sentiment_eval.h - evaluation of a sentiment mode on a labelled CSV (the
 * airline data: columns `text` and `airline_sentiment`). Shared, as static
 * functions, by bench/bench_sentiment_eval.c (which prints the figures) and
 * tests/unit/analyze/test_sentiment_eval.c (which asserts the targets). Reads
 * the CSV with libcsv, so quoted line breaks and quotes are handled.
 */
#ifndef ES_BENCH_SENTIMENT_EVAL_H
#define ES_BENCH_SENTIMENT_EVAL_H

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/sentiment.h"

/* Labelled texts read from a CSV. Class index: 0 negative, 1 neutral, 2 positive. */
typedef struct se_data {
    char **text;
    int *label;
    size_t n, cap;
    /* parser state */
    int col_text, col_label, col, row;
    char *cur_text;
    int cur_label;
    int failed;
} se_data;

static inline int se_class_of(const char *s)
{
    if (strcmp(s, "negative") == 0)
        return 0;
    if (strcmp(s, "neutral") == 0)
        return 1;
    if (strcmp(s, "positive") == 0)
        return 2;
    return -1;
}

static inline void se_field(void *s, size_t len, void *ud)
{
    se_data *d = ud;
    const char *f = s;
    if (d->row == 0) {
        if (len == 4 && memcmp(f, "text", 4) == 0)
            d->col_text = d->col;
        if (len == 17 && memcmp(f, "airline_sentiment", 17) == 0)
            d->col_label = d->col;
    } else if (d->col == d->col_text) {
        free(d->cur_text);
        d->cur_text = malloc(len + 1);
        if (!d->cur_text) {
            d->failed = 1;
        } else {
            memcpy(d->cur_text, f, len);
            d->cur_text[len] = '\0';
        }
    } else if (d->col == d->col_label) {
        char tmp[16] = {0};
        memcpy(tmp, f, len < 15 ? len : 15);
        d->cur_label = se_class_of(tmp);
    }
    d->col++;
}

static inline void se_row(int c, void *ud)
{
    se_data *d = ud;
    (void)c;
    if (d->row > 0 && d->cur_text && d->cur_label >= 0) {
        if (d->n == d->cap) {
            d->cap = d->cap ? 2 * d->cap : 1024;
            char **t = realloc(d->text, d->cap * sizeof *t);
            int *l = t ? realloc(d->label, d->cap * sizeof *l) : NULL;
            if (t)
                d->text = t;
            if (!t || !l) {
                d->failed = 1;
                return;
            }
            d->label = l;
        }
        d->text[d->n] = d->cur_text;
        d->label[d->n++] = d->cur_label;
        d->cur_text = NULL;
    }
    d->cur_label = -1;
    d->col = 0;
    d->row++;
}

static inline void se_free(se_data *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->text[i]);
    free(d->text);
    free(d->label);
    free(d->cur_text);
    memset(d, 0, sizeof *d);
}

/* Reads path into d. Returns 0, or -1 (missing file, no text/label column). */
static inline int se_load(const char *path, se_data *d)
{
    memset(d, 0, sizeof *d);
    d->col_text = d->col_label = -1;
    d->cur_label = -1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    char buf[65536];
    size_t k;
    int rc = 0;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, k, se_field, se_row, d) != k)
            rc = -1;
    csv_fini(&p, se_field, se_row, d);
    csv_free(&p);
    fclose(f);
    if (rc || d->failed || d->col_text < 0 || d->col_label < 0 || !d->n) {
        se_free(d);
        return -1;
    }
    return 0;
}

/* The figures of one evaluation. */
typedef struct se_result {
    size_t n;
    size_t confusion[3][3]; /* [gold][predicted] */
    double accuracy, macro_f1;
    double precision[3], recall[3], f1[3];
} se_result;

/* Scores every text of d with a scorer of the given mode and compares the
 * labels. Returns 0, or -1 when scoring fails. */
static inline int se_evaluate(const se_data *d, const es_lexicon_t *lex, es_sent_mode mode,
                              se_result *r)
{
    memset(r, 0, sizeof *r);
    es_scorer_t *sc = es_scorer_new(lex, mode);
    if (!sc)
        return -1;
    for (size_t i = 0; i < d->n; i++) {
        es_sentiment s;
        if (es_scorer_score(sc, d->text[i], strlen(d->text[i]), &s, 0)) {
            es_scorer_free(sc);
            return -1;
        }
        int pred = s.label == ES_NEGATIVE ? 0 : s.label == ES_NEUTRAL ? 1 : 2;
        r->confusion[d->label[i]][pred]++;
    }
    es_scorer_free(sc);
    r->n = d->n;
    size_t right = 0;
    for (int c = 0; c < 3; c++) {
        size_t tp = r->confusion[c][c], predicted = 0, gold = 0;
        for (int o = 0; o < 3; o++) {
            predicted += r->confusion[o][c];
            gold += r->confusion[c][o];
        }
        right += tp;
        r->precision[c] = predicted ? (double)tp / (double)predicted : 0;
        r->recall[c] = gold ? (double)tp / (double)gold : 0;
        double pr = r->precision[c] + r->recall[c];
        r->f1[c] = pr > 0 ? 2 * r->precision[c] * r->recall[c] / pr : 0;
        r->macro_f1 += r->f1[c] / 3;
    }
    r->accuracy = (double)right / (double)r->n;
    return 0;
}

#endif
