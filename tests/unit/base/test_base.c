/*
 * test_base.c - the leaf utilities: the allocation hook and its failure
 * injection, arenas, bounded buffers, error names and mention enum names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "earshot/arena.h"
#include "earshot/earshot.h"
#include "earshot/mention.h"

static void alloc_failure_injection(void **state)
{
    (void)state;
    es_fail_alloc_after(2);
    void *a = es_malloc(8);
    void *b = es_malloc(8);
    void *c = es_malloc(8);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    assert_null(es_strdup("x"));
    es_fail_alloc_after(-1);
    char *d = es_strdup("hello");
    assert_string_equal(d, "hello");
    es_free(a);
    es_free(b);
    es_free(d);
    es_free(NULL);
}

static void calloc_overflow_refused(void **state)
{
    (void)state;
    assert_null(es_calloc((size_t)-1 / 2, 4));
}

static void arena_alloc_align_reset(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(128, 0);
    assert_non_null(a);
    char *p = es_arena_alloc(a, 3);
    char *q = es_arena_alloc(a, 5);
    assert_non_null(p);
    assert_non_null(q);
    assert_int_equal((uintptr_t)q % 16, 0);
    /* Larger than a block: gets a block of its own. */
    char *big = es_arena_alloc(a, 1000);
    assert_non_null(big);
    memset(big, 'x', 1000);
    assert_string_equal(es_arena_strndup(a, "abcdef", 3), "abc");
    assert_string_equal(es_arena_printf(a, "%d-%s", 42, "x"), "42-x");
    assert_null(es_arena_strdup(a, NULL));
    assert_true(es_arena_used(a) >= 1000);
    es_arena_reset(a);
    assert_int_equal(es_arena_used(a), 0);
    assert_non_null(es_arena_alloc(a, 64));
    es_arena_free(a);
    es_arena_free(NULL);
}

static void arena_limit_and_oom(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(64, 256);
    assert_non_null(a);
    assert_non_null(es_arena_alloc(a, 200));
    assert_null(es_arena_alloc(a, 100)); /* over the limit */
    es_fail_alloc_after(0);
    assert_null(es_arena_alloc(a, 40)); /* needs a new block: allocation fails */
    es_fail_alloc_after(-1);
    es_arena_free(a);

    es_fail_alloc_after(1); /* the handle succeeds, its first block fails */
    assert_null(es_arena_new(64, 0));
    es_fail_alloc_after(-1);
}

static void buf_bounded(void **state)
{
    (void)state;
    es__buf b;
    es__buf_init(&b, 10);
    assert_int_equal(es__buf_adds(&b, "hello"), ES_OK);
    assert_int_equal(es__buf_printf(&b, "%d", 1234), ES_OK);
    assert_string_equal(b.data, "hello1234");
    assert_int_equal(es__buf_add(&b, "ab", 2), ES_ELIMIT);
    assert_string_equal(b.data, "hello1234"); /* unchanged after a refusal */
    assert_int_equal(es__buf_addc(&b, '!'), ES_OK);
    assert_int_equal(b.len, 10);
    es__buf_reset(&b);
    assert_int_equal(b.len, 0);
    es__buf_cleanup(&b);

    es__buf_init(&b, 0);
    es_fail_alloc_after(0);
    assert_int_equal(es__buf_adds(&b, "x"), ES_ENOMEM);
    es_fail_alloc_after(-1);
    es__buf_cleanup(&b);
}

static void error_names(void **state)
{
    (void)state;
    assert_string_equal(es_strerror(ES_OK), "success");
    assert_string_equal(es_strerror(ES_ENOMEM), "out of memory");
    assert_string_equal(es_strerror(-999), "unknown error");
}

static void mention_names(void **state)
{
    (void)state;
    es_mention_t m;
    es_mention_init(&m);
    assert_int_equal(m.followers, -1);
    assert_null(m.text);
    es_intent in;
    for (int i = 0; i < ES_INTENT_COUNT; i++) {
        assert_int_equal(es_intent_parse(es_intent_name((es_intent)i), &in), ES_OK);
        assert_int_equal(in, i);
    }
    assert_int_equal(es_intent_parse("nonsense", &in), ES_EINVAL);
    es_polarity p;
    assert_int_equal(es_polarity_parse("negative", &p), ES_OK);
    assert_int_equal(p, ES_NEGATIVE);
    assert_int_equal(es_polarity_parse("bad", &p), ES_EINVAL);
    char buf[64];
    assert_string_equal(es_cues_format(ES_CUE_REPEAT | ES_CUE_CHURN, buf, sizeof buf),
                        "repeat,churn");
    assert_string_equal(es_flags_format(0, buf, sizeof buf), "");
    assert_string_equal(es_flags_format(ES_FLAG_SPAM | ES_FLAG_DUPLICATE, buf, 8), "spam");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alloc_failure_injection), cmocka_unit_test(calloc_overflow_refused),
        cmocka_unit_test(arena_alloc_align_reset), cmocka_unit_test(arena_limit_and_oom),
        cmocka_unit_test(buf_bounded),             cmocka_unit_test(error_names),
        cmocka_unit_test(mention_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
