/*
 * test_analyzer.c - es_analyzer_run: one mention's whole understanding as
 * the ingest pipeline and the server apply it, with a real lexicon and a
 * real compiled matcher.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/analyze.h"

static const es_brand_ref brands[] = {{3, "Acme Air"}, {7, "Bluejay"}};

static es_analyzer_t *make(es_matcher_t **mt)
{
    const es_lexicon_t *lex = NULL;
    assert_int_equal(es_lexicon_builtin(&lex), ES_OK);
    es_query_def q[] = {{11, 7, "bluejay OR #bluejay"}, {12, 3, "\"lost my bag\""}};
    size_t bad = 0;
    es_query_error qe;
    assert_int_equal(es_matcher_build(q, 2, mt, &bad, &qe), ES_OK);
    es_analyzer_t *an = es_analyzer_new(lex, ES_MODE_CARE, *mt, brands, 2);
    assert_non_null(an);
    return an;
}

static void understands_and_merges_brand_hint(void **state)
{
    (void)state;
    es_matcher_t *mt = NULL;
    es_analyzer_t *an = make(&mt);
    es_arena_t *a = es_arena_new(0, 0);
    es_mention_t m;
    es_mention_init(&m);
    m.text = "You lost my bag again, worse than Bluejay. Third time I call!";
    m.brand_hint = "acme AIR"; /* names a brand, in another case */
    const char *why = NULL;
    assert_int_equal(es_analyzer_run(an, &m, a, &why), ES_OK);
    assert_int_equal(m.sentiment.label, ES_NEGATIVE);
    assert_int_equal(m.intent, ES_INTENT_COMPLAINT);
    assert_true(m.cues & ES_CUE_REPEAT);
    assert_int_not_equal(m.fingerprint, 0);
    assert_non_null(m.rules);
    assert_int_equal(m.n_matches, 2);
    assert_int_equal(m.matches[0], 11);
    assert_int_equal(m.matches[1], 12);
    assert_int_equal(m.n_brands, 2); /* 3 from query 12 and the hint, once; 7 */
    assert_int_equal(m.brands[0], 3);
    assert_int_equal(m.brands[1], 7);

    es_mention_init(&m);
    m.text = "a quiet day";
    m.brand_hint = "Nobody Airlines"; /* not a known brand: ignored */
    assert_int_equal(es_analyzer_run(an, &m, a, &why), ES_OK);
    assert_int_equal(m.n_matches, 0);
    assert_int_equal(m.n_brands, 0);
    assert_null(m.brands);
    es_arena_free(a);
    es_analyzer_free(an);
    es_matcher_free(mt);
}

static void text_over_limit_rejected(void **state)
{
    (void)state;
    es_matcher_t *mt = NULL;
    es_analyzer_t *an = make(&mt);
    es_arena_t *a = es_arena_new(0, 0);
    char *big = es_malloc(ES_MAX_TEXT + 2);
    assert_non_null(big);
    memset(big, 'a', ES_MAX_TEXT + 1);
    big[ES_MAX_TEXT + 1] = '\0';
    es_mention_t m;
    es_mention_init(&m);
    m.text = big;
    const char *why = NULL;
    assert_int_equal(es_analyzer_run(an, &m, a, &why), ES_REJECTED);
    assert_non_null(why);
    es_free(big);
    es_arena_free(a);
    es_analyzer_free(an);
    es_matcher_free(mt);
}

static void allocation_failures(void **state)
{
    (void)state;
    const es_lexicon_t *lex = NULL;
    assert_int_equal(es_lexicon_builtin(&lex), ES_OK);
    for (long n = 0; n < 4; n++) {
        es_fail_alloc_after(n);
        es_analyzer_t *an = es_analyzer_new(lex, ES_MODE_VADER, NULL, NULL, 0);
        es_fail_alloc_after(-1);
        es_analyzer_free(an); /* NULL or whole: either frees cleanly */
    }
    /* A full arena: the rules or the match arrays cannot be kept. */
    es_matcher_t *mt = NULL;
    es_analyzer_t *an = make(&mt);
    es_arena_t *a = es_arena_new(64, 16);
    es_mention_t m;
    es_mention_init(&m);
    m.text = "bluejay lost my bag, third time";
    const char *why = NULL;
    assert_int_equal(es_analyzer_run(an, &m, a, &why), ES_ENOMEM);
    es_arena_free(a);
    es_analyzer_free(an);
    es_matcher_free(mt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(understands_and_merges_brand_hint),
        cmocka_unit_test(text_over_limit_rejected),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
