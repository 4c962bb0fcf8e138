/*
 * test_html.c - es_html_unescape: named and numeric references, references
 * that must be kept as they are, the sorted entity table, and allocation
 * failure through the arena.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/text.h"

static void check(const char *in, const char *want)
{
    es_arena_t *a = es_arena_new(0, 0);
    char *out;
    size_t n;
    assert_non_null(a);
    assert_int_equal(es_html_unescape(a, in, strlen(in), &out, &n), ES_OK);
    if (strcmp(out, want) != 0)
        fail_msg("\"%s\": got \"%s\", want \"%s\"", in, out, want);
    assert_int_equal(n, strlen(want));
    assert_int_equal(es_utf8_check(out, n, NULL), ES_OK);
    es_arena_free(a);
}

static void test_named(void **state)
{
    check("&amp; &lt; &gt; &quot; &apos;", "& < > \" '");
    check("fish &amp;&amp; chips", "fish && chips");
    check("caf&eacute; &euro;5 &hellip; &nbsp;", "caf\xc3\xa9 \xe2\x82\xac"
                                                 "5 \xe2\x80\xa6 \xc2\xa0");
    check("&AElig;&Uuml;&yen;&trade;&hearts;", "\xc3\x86\xc3\x9c\xc2\xa5\xe2\x84\xa2\xe2\x99\xa5");
    check("no references at all", "no references at all");
    check("", "");
}

static void test_numeric(void **state)
{
    check("&#39;&#x27;&#X27;", "'''");
    check("&#128512; &#x1F600;", "\xf0\x9f\x98\x80 \xf0\x9f\x98\x80");
    check("&#233;&#x20AC;", "\xc3\xa9\xe2\x82\xac");
    check("&#x10FFFF;", "\xf4\x8f\xbf\xbf");
}

static void test_kept(void **state)
{
    check("AT&T", "AT&T");
    check("&amp", "&amp");
    check("& amp;", "& amp;");
    check("&unknown;", "&unknown;");
    check("&#xD800;", "&#xD800;");     /* a surrogate */
    check("&#x110000;", "&#x110000;"); /* past Unicode */
    check("&#0;", "&#0;");
    check("&#;&#x;&#12a;", "&#;&#x;&#12a;");
    check("&#99999999999;", "&#99999999999;");
    check("trailing &", "trailing &");
    check("&&amp;;", "&&;");
}

static void test_arena_full(void **state)
{
    es_arena_t *a = es_arena_new(64, 64);
    char big[200];
    char *out;
    memset(big, 'x', sizeof big);
    assert_non_null(a);
    assert_int_equal(es_html_unescape(a, big, sizeof big, &out, NULL), ES_ENOMEM);
    es_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_named),
        cmocka_unit_test(test_numeric),
        cmocka_unit_test(test_kept),
        cmocka_unit_test(test_arena_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
