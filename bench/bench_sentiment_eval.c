/*
 * bench_sentiment_eval.c - prints how well a sentiment mode labels a CSV of
 * human-labelled texts: accuracy, macro-F1, per-class precision and recall,
 * and the confusion matrix. Used to tune the care rules on the airline
 * train split and to report them on dev (docs/sentiment.md).
 *
 *   bench_sentiment_eval [--mode care|vader] FILE.csv
 */
#include <stdio.h>
#include <string.h>

#include "earshot/sentiment.h"
#include "sentiment_eval.h"

int main(int argc, char **argv)
{
    es_sent_mode mode = ES_MODE_CARE;
    int a = 1;
    if (argc > 2 && strcmp(argv[1], "--mode") == 0) {
        if (es_sent_mode_parse(argv[2], &mode)) {
            fprintf(stderr, "unknown mode %s (vader or care)\n", argv[2]);
            return 1;
        }
        a = 3;
    }
    if (a != argc - 1) {
        fprintf(stderr, "usage: bench_sentiment_eval [--mode care|vader] FILE.csv\n");
        return 1;
    }
    const es_lexicon_t *lex;
    se_data d;
    se_result r;
    if (es_lexicon_builtin(&lex)) {
        fprintf(stderr, "cannot load the built-in lexicon\n");
        return 2;
    }
    if (se_load(argv[a], &d)) {
        fprintf(stderr, "%s: cannot read texts and airline_sentiment labels\n", argv[a]);
        return 2;
    }
    if (se_evaluate(&d, lex, mode, &r)) {
        fprintf(stderr, "scoring failed\n");
        se_free(&d);
        return 2;
    }
    static const char *names[3] = {"negative", "neutral", "positive"};
    printf("mode %s on %s: %zu texts\n", es_sent_mode_name(mode), argv[a], r.n);
    printf("accuracy %.4f  macro-F1 %.4f\n", r.accuracy, r.macro_f1);
    printf("%-9s %9s %9s %9s\n", "class", "precision", "recall", "F1");
    for (int c = 0; c < 3; c++)
        printf("%-9s %9.4f %9.4f %9.4f\n", names[c], r.precision[c], r.recall[c], r.f1[c]);
    printf("confusion (rows gold, columns predicted):\n%-9s %9s %9s %9s\n", "", names[0], names[1],
           names[2]);
    for (int c = 0; c < 3; c++)
        printf("%-9s %9zu %9zu %9zu\n", names[c], r.confusion[c][0], r.confusion[c][1],
               r.confusion[c][2]);
    se_free(&d);
    return 0;
}
