/*
 * test_form.c - the application/x-www-form-urlencoded decoder of the
 * webhooks (src/http/form.c): decoding, order and repeats, limits, and the
 * refusal of bad escapes, encoded NULs and invalid UTF-8 with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/arena.h"
#include "earshot/webhook.h"

static es_err decode(es_arena_t *a, const char *s, es_http_form *f, const char **why)
{
    return es_http_form_decode(a, s, strlen(s), NULL, f, why);
}

static void decodes_escapes_and_plus(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    es_http_form f;
    const char *why = "unset";
    assert_int_equal(
        decode(a, "Body=Caf%C3%A9+au+lait%21&From=%2B14155550100&a%2Bb=x%3Dy", &f, &why), ES_OK);
    assert_null(why);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.fields[0].name, "Body");
    assert_string_equal(f.fields[0].value, "Caf\xC3\xA9 au lait!");
    assert_int_equal(f.fields[0].value_len, 14);
    assert_string_equal(f.fields[1].value, "+14155550100");
    assert_string_equal(f.fields[2].name, "a+b");
    assert_string_equal(f.fields[2].value, "x=y");
    assert_string_equal(es_http_form_get(&f, "From"), "+14155550100");
    assert_null(es_http_form_get(&f, "from"));
    /* Only the first '=' separates. */
    assert_int_equal(decode(a, "x=a=b", &f, NULL), ES_OK);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.fields[0].value, "a=b");
    es_arena_free(a);
}

static void keeps_repeats_in_order_and_skips_empty_pairs(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    es_http_form f;
    assert_int_equal(decode(a, "&Digits=5678&&Digits=1234&flag&empty=&=novalue&", &f, NULL), ES_OK);
    assert_int_equal(f.n, 5);
    assert_string_equal(f.fields[0].name, "Digits");
    assert_string_equal(f.fields[0].value, "5678");
    assert_string_equal(f.fields[1].name, "Digits");
    assert_string_equal(f.fields[1].value, "1234");
    assert_string_equal(f.fields[2].name, "flag");
    assert_string_equal(f.fields[2].value, "");
    assert_string_equal(f.fields[3].name, "empty");
    assert_int_equal(f.fields[3].value_len, 0);
    assert_string_equal(f.fields[4].name, "");
    assert_string_equal(f.fields[4].value, "novalue");
    /* The first of a repeated name is the one es_http_form_get returns. */
    assert_string_equal(es_http_form_get(&f, "Digits"), "5678");
    assert_int_equal(decode(a, "", &f, NULL), ES_OK);
    assert_int_equal(f.n, 0);
    assert_null(es_http_form_get(&f, "x"));
    es_arena_free(a);
}

static void refuses_bad_percent_escapes(void **state)
{
    (void)state;
    static const char *bad[] = {"a=%", "a=%4", "a=%G1", "a=%1g", "%zz=1", "a=1&b=%%41", "a=%-1"};
    es_arena_t *a = es_arena_new(0, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        es_http_form f = {(es_http_field *)1, 99};
        const char *why = NULL;
        assert_int_equal(decode(a, bad[i], &f, &why), ES_EPARSE);
        assert_non_null(why);
        assert_non_null(strstr(why, "percent escape"));
        assert_null(f.fields);
        assert_int_equal(f.n, 0);
    }
    es_arena_free(a);
}

static void refuses_nul_bytes(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    es_http_form f;
    const char *why = NULL;
    assert_int_equal(decode(a, "a=x%00y", &f, &why), ES_EPARSE);
    assert_non_null(strstr(why, "NUL"));
    assert_int_equal(es_http_form_decode(a, "a=x\0y", 5, NULL, &f, &why), ES_EPARSE);
    assert_non_null(strstr(why, "NUL"));
    es_arena_free(a);
}

static void refuses_invalid_utf8(void **state)
{
    (void)state;
    static const char *bad[] = {
        "a=%FF",          /* never valid */
        "a=%C3",          /* truncated two-byte sequence */
        "a=%C3%28",       /* bad continuation */
        "a=%C0%AF",       /* overlong '/' */
        "a=%E0%80%AF",    /* overlong, three bytes */
        "a=%ED%A0%80",    /* a UTF-16 surrogate */
        "a=%F4%90%80%80", /* past U+10FFFF */
        "caf%E9=1",       /* Latin-1 in a name */
        "a=\xC3",         /* raw invalid byte, not escaped */
    };
    static const char *good[] = {"a=%F0%9F%98%80", "a=%EF%BF%BD", "a=%F4%8F%BF%BF", "a=\xC3\xA9"};
    es_arena_t *a = es_arena_new(0, 0);
    es_http_form f;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        assert_int_equal(decode(a, bad[i], &f, &why), ES_EUTF8);
        assert_non_null(strstr(why, "UTF-8"));
    }
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(decode(a, good[i], &f, NULL), ES_OK);
    es_arena_free(a);
}

static void enforces_limits(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    es_http_form f;
    const char *why = NULL;
    es_http_form_limits lim = {3, 20};
    assert_int_equal(es_http_form_decode(a, "a=1&b=2&c=3", 11, &lim, &f, &why), ES_OK);
    assert_int_equal(f.n, 3);
    assert_int_equal(es_http_form_decode(a, "a=1&b=2&c=3&d=4", 15, &lim, &f, &why), ES_ELIMIT);
    assert_non_null(strstr(why, "fields"));
    assert_int_equal(es_http_form_decode(a, "a=123456789012345678", 20, &lim, &f, &why), ES_OK);
    assert_int_equal(es_http_form_decode(a, "a=1234567890123456789", 21, &lim, &f, &why),
                     ES_ELIMIT);
    assert_non_null(strstr(why, "size"));

    /* The defaults apply without limits. */
    size_t n = ES_HTTP_FORM_MAX_FIELDS + 1;
    char *many = es_arena_alloc(a, 2 * n);
    for (size_t i = 0; i < n; i++) {
        many[2 * i] = 'k';
        many[2 * i + 1] = '&';
    }
    assert_int_equal(es_http_form_decode(a, many, 2 * n - 2, NULL, &f, NULL), ES_OK);
    assert_int_equal(f.n, ES_HTTP_FORM_MAX_FIELDS);
    assert_int_equal(es_http_form_decode(a, many, 2 * n, NULL, &f, NULL), ES_ELIMIT);
    es_arena_free(a);
}

static void refuses_bad_arguments_and_full_arenas(void **state)
{
    (void)state;
    es_http_form f;
    const char *why = NULL;
    assert_int_equal(es_http_form_decode(NULL, "a=1", 3, NULL, &f, &why), ES_EINVAL);
    assert_non_null(why);
    es_arena_t *a = es_arena_new(0, 0);
    assert_int_equal(es_http_form_decode(a, NULL, 3, NULL, &f, NULL), ES_EINVAL);
    assert_int_equal(es_http_form_decode(a, "a=1", 3, NULL, NULL, NULL), ES_EINVAL);
    es_arena_free(a);

    /* An arena too small for the decoded form. */
    a = es_arena_new(64, 64);
    assert_int_equal(
        decode(a, "name=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &f,
               &why),
        ES_ENOMEM);
    assert_non_null(strstr(why, "memory"));
    assert_int_equal(f.n, 0);
    es_arena_free(a);

    /* Every allocation of the arena failing in turn. */
    for (long k = 0; k < 4; k++) {
        a = es_arena_new(64, 0);
        if (!a)
            continue;
        es_fail_alloc_after(k);
        es_err rc = decode(a,
                           "a=1&b=2&cccccccccccccccccccccccccccccccccccccccccccccccccccccccc="
                           "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
                           &f, &why);
        es_fail_alloc_after(-1);
        assert_true(rc == ES_OK || rc == ES_ENOMEM);
        if (rc == ES_OK)
            assert_int_equal(f.n, 3);
        es_arena_free(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_escapes_and_plus),
        cmocka_unit_test(keeps_repeats_in_order_and_skips_empty_pairs),
        cmocka_unit_test(refuses_bad_percent_escapes),
        cmocka_unit_test(refuses_nul_bytes),
        cmocka_unit_test(refuses_invalid_utf8),
        cmocka_unit_test(enforces_limits),
        cmocka_unit_test(refuses_bad_arguments_and_full_arenas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
