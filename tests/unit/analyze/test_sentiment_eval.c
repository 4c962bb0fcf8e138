/*
 * test_sentiment_eval.c - the care mode's targets on the airline dev split
 * (issue 2, U1): accuracy >= 0.72 and macro-F1 >= 0.65, where VADER scores
 * about 0.54 / 0.51. The rules were tuned on the train split only; this test
 * reads ../shared/data/airline/dev.csv and skips when it is absent. The
 * evaluation code is bench/sentiment_eval.h, which bench_sentiment_eval uses
 * to print the same figures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "../bench/sentiment_eval.h"
#include "earshot/sentiment.h"

static const char *dev_csv = ES_SHARED_DATA "/airline/dev.csv";

static void evaluate(es_sent_mode mode, se_result *r)
{
    const es_lexicon_t *lex;
    se_data d;
    assert_int_equal(es_lexicon_builtin(&lex), ES_OK);
    assert_int_equal(se_load(dev_csv, &d), 0);
    assert_int_equal(se_evaluate(&d, lex, mode, r), 0);
    se_free(&d);
    print_message("%s on dev: %zu texts, accuracy %.4f, macro-F1 %.4f\n", es_sent_mode_name(mode),
                  r->n, r->accuracy, r->macro_f1);
}

static void care_meets_dev_targets(void **state)
{
    (void)state;
    if (access(dev_csv, R_OK) != 0)
        skip();
    se_result r;
    evaluate(ES_MODE_CARE, &r);
    assert_true(r.n > 2000);
    assert_true(r.accuracy >= 0.72);
    assert_true(r.macro_f1 >= 0.65);
}

/* The baseline the care rules improve on: VADER alone stays far below. */
static void vader_is_below_targets(void **state)
{
    (void)state;
    if (access(dev_csv, R_OK) != 0)
        skip();
    se_result r;
    evaluate(ES_MODE_VADER, &r);
    assert_true(r.accuracy < 0.65);
    assert_true(r.macro_f1 < 0.60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(care_meets_dev_targets),
        cmocka_unit_test(vader_is_below_targets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
