/*
 * test_fold.c - es_text_fold: NFKC plus case folding into the arena, with
 * its failure paths (invalid UTF-8, a full arena, a failed heap buffer for
 * long texts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/arena.h"
#include "earshot/text.h"

static void expect_fold(const char *in, const char *want)
{
    es_arena_t *a = es_arena_new(0, 0);
    assert_non_null(a);
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(es_text_fold(a, in, strlen(in), &out, &len), ES_OK);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    es_arena_free(a);
}

static void folds_case_and_compatibility(void **state)
{
    (void)state;
    expect_fold("", "");
    expect_fold("United AIRLINES", "united airlines");
    expect_fold("\xEF\xBC\xB5\xEF\xBC\xAE\xEF\xBC\xA9", "uni"); /* fullwidth UNI */
    expect_fold("Stra\xC3\x9F"
                "e",
                "strasse"); /* sharp s */
    expect_fold("\xEF\xAC\x81"
                "ne",
                "fine");                                                 /* fi ligature */
    expect_fold("A\xCC\x8A", "\xC3\xA5");                                /* A + ring -> å */
    expect_fold("\xE2\x91\xA0", "1");                                    /* circled 1 */
    expect_fold("\xCE\xA3\xCE\x9F\xCE\xA3", "\xCF\x83\xCE\xBF\xCF\x83"); /* ΣΟΣ */
    expect_fold("I \xE2\x9D\xA4\xEF\xB8\x8F NY", "i \xE2\x9D\xA4\xEF\xB8\x8F ny");
}

static void embedded_nul_kept(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    char *out;
    size_t len;
    assert_int_equal(es_text_fold(a, "A\0B", 3, &out, &len), ES_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "a\0b", 3);
    es_arena_free(a);
}

static void invalid_utf8_refused(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    char *out = NULL;
    assert_int_equal(es_text_fold(a, "ab\xC0\x80", 4, &out, NULL), ES_EUTF8);
    assert_int_equal(es_text_fold(a, "\xED\xA0\x80", 3, &out, NULL), ES_EUTF8);
    assert_null(out);
    es_arena_free(a);
}

/* Longer than the stack buffer: the heap path gives the same result, and a
 * failed heap allocation is ES_ENOMEM. */
static void long_text_and_alloc_failure(void **state)
{
    (void)state;
    size_t n = 5000;
    char *in = test_malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        in[i] = (char)('A' + i % 26);
    in[n] = '\0';
    es_arena_t *a = es_arena_new(0, 0);
    char *out;
    size_t len;
    assert_int_equal(es_text_fold(a, in, n, &out, &len), ES_OK);
    assert_int_equal(len, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i], 'a' + i % 26);
    es_fail_alloc_after(0);
    es_err rc = es_text_fold(a, in, n, &out, &len);
    es_fail_alloc_after(-1);
    assert_int_equal(rc, ES_ENOMEM);
    test_free(in);
    es_arena_free(a);
}

static void full_arena_is_enomem(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(64, 64);
    assert_non_null(a);
    char big[200];
    memset(big, 'x', sizeof big);
    char *out;
    assert_int_equal(es_text_fold(a, big, sizeof big, &out, NULL), ES_ENOMEM);
    es_arena_free(a);
}

/* es_text_lower: ASCII, non-ASCII, the curly apostrophe, invalid bytes
 * copied, and the output bound respected. */
static void lower_token_for_lookups(void **state)
{
    (void)state;
    char out[64];
    size_t n = es_text_lower("DON\xe2\x80\x99T", 7, out, sizeof out);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "don't", 5);
    n = es_text_lower("\xc3\x89T\xc3\x89", 5, out, sizeof out);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "\xc3\xa9t\xc3\xa9", 5);
    n = es_text_lower("A\xff" "B", 3, out, sizeof out);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "a\xff" "b", 3);
    /* Room for at most cap bytes: stops before a character could overflow. */
    n = es_text_lower("ABCDEFGH", 8, out, 6);
    assert_true(n <= 6);
    assert_memory_equal(out, "ab", 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folds_case_and_compatibility),
        cmocka_unit_test(embedded_nul_kept),
        cmocka_unit_test(invalid_utf8_refused),
        cmocka_unit_test(long_text_and_alloc_failure),
        cmocka_unit_test(full_arena_is_enomem),
        cmocka_unit_test(lower_token_for_lookups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
