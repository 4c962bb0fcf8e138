/*
 * test_parse.c - the listening query language (L2): every construct parses
 * to the expected canonical form, the canonical form parses back to itself,
 * and every refusal names the right column (in code points) and reason.
 * Also the limits, and allocation failure at every step of a parse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/listen.h"

/* Parses text and returns its canonical form in buf (fails the test on a
 * refusal). */
static const char *canon(const char *text, char *buf, size_t size)
{
    es_query_t *q = NULL;
    es_query_error err;
    es_err rc = es_query_parse(text, &q, &err);
    if (rc)
        print_error("refused %s: column %d: %s\n", text, err.column, err.reason);
    assert_int_equal(rc, ES_OK);
    size_t need = es_query_format(q, buf, size);
    assert_true(need < size);
    es_query_free(q);
    return buf;
}

static const struct {
    const char *in, *out;
} forms[] = {
    {"united", "united"},
    {"  United  ", "United"},
    {"a b c", "(a AND b AND c)"},
    {"a AND b", "(a AND b)"},
    {"a OR b OR c", "(a OR b OR c)"},
    {"a AND b OR c", "((a AND b) OR c)"},
    {"a OR b c", "(a OR (b AND c))"},
    {"a (b OR c)", "(a AND (b OR c))"},
    {"((a))", "a"},
    {"NOT a", "NOT a"},
    {"-a", "NOT a"},
    {"NOT NOT a", "a"},
    {"--a", "a"},
    {"NOT (NOT a)", "a"},
    {"a -b", "(a AND NOT b)"},
    {"a NOT b", "(a AND NOT b)"},
    {"NOT a b", "(NOT a AND b)"},
    {"NOT (a OR b)", "NOT (a OR b)"},
    {"t-mobile", "t-mobile"},
    {"\"on hold\"", "\"on hold\""},
    {"\"  lost   my\tbag \"", "\"lost my bag\""},
    {"\"united\"", "united"},
    {"\"AND\"", "\"AND\""},
    {"\"re:flight\"", "\"re:flight\""},
    {"\"-x\"", "\"-x\""},
    {"\"(x\"", "\"(x\""},
    {"deliver*", "deliver*"},
    {"\"deliver* late\"", "\"deliver* late\""},
    {"#late", "#late"},
    {"#del*", "#del*"},
    {"@united", "@united"},
    {"a NEAR/3 b", "(a NEAR/3 b)"},
    {"a NEAR/0 b NEAR/100 c", "(a NEAR/0 b NEAR/100 c)"},
    {"a NEAR/007 b", "(a NEAR/7 b)"},
    {"(a OR b) NEAR/2 \"lost bag\"", "((a OR b) NEAR/2 \"lost bag\")"},
    {"(a NEAR/1 b) NEAR/2 c", "((a NEAR/1 b) NEAR/2 c)"},
    {"NOT a NEAR/2 b", "NOT (a NEAR/2 b)"},
    {"author:United", "author:United"},
    {"author:@united", "author:@united"},
    {"Author:x", "author:x"},
    {"source:twitter lang:en", "(source:twitter AND lang:en)"},
    {"location:\"New York\"", "location:\"New York\""},
    {"author:\"x\"", "author:x"},
    {"10:30", "10:30"},
    {"and or not near", "(and AND or AND not AND near)"},
    {"NEARBY", "NEARBY"},
    {"a\"b c\"", "(a AND \"b c\")"},
    {"Caf\xc3\xa9 \xc3\x9c"
     "BER",
     "(Caf\xc3\xa9 AND \xc3\x9c"
     "BER)"},
    {"a\xc2\xa0"
     "b",
     "(a AND b)"}, /* a no-break space separates */
    {"\xe2\x9c\x88\xef\xb8\x8f", "\xe2\x9c\x88\xef\xb8\x8f"},
};

static void canonical_forms(void **state)
{
    (void)state;
    char a[512], b[512];
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        canon(forms[i].in, a, sizeof a);
        if (strcmp(a, forms[i].out) != 0)
            print_error("%s gave %s, expected %s\n", forms[i].in, a, forms[i].out);
        assert_string_equal(a, forms[i].out);
        /* The canonical form is a fixed point. */
        assert_string_equal(canon(a, b, sizeof b), a);
    }
}

static const struct {
    const char *in;
    int column;
    const char *reason;
} errors[] = {
    {"", 1, "empty query"},
    {"   ", 1, "empty query"},
    {"(a b", 1, "'(' is never closed"},
    {"x (a OR (b)", 3, "'(' is never closed"},
    {"a)", 2, "')' without '('"},
    {"(a) b)", 6, "')' without '('"},
    {"()", 1, "empty parentheses"},
    {"a AND", 3, "AND needs a term after it"},
    {"a OR", 3, "OR needs a term after it"},
    {"AND a", 1, "AND needs a term before it"},
    {"OR a", 1, "OR needs a term before it"},
    {"a OR OR b", 3, "OR needs a term after it"},
    {"a AND )", 3, "AND needs a term after it"},
    {"a NOT", 3, "NOT needs a term after it"},
    {"NEAR/2 a", 1, "NEAR/2 needs a term before it"},
    {"a NEAR/2", 3, "NEAR/2 needs a term after it"},
    {"a -", 3, "'-' must be followed"},
    {"a - b", 3, "'-' must be followed"},
    {"a -)", 3, "'-' must be followed"},
    {"a -AND b", 3, "'-' needs a term after it"},
    {"\"\"", 1, "empty phrase"},
    {"a \"  \"", 3, "empty phrase"},
    {"a \"abc", 3, "unterminated phrase"},
    {"a NEAR b", 3, "NEAR needs a distance"},
    {"a NEAR/ b", 3, "whole number"},
    {"a NEAR/x b", 3, "whole number"},
    {"a NEAR/-1 b", 3, "whole number"},
    {"a NEAR/101 b", 3, "over 100"},
    {"a NEAR/99999999999999999999 b", 3, "over 100"},
    {"(a b) NEAR/2 c", 7, "works on terms, phrases and OR groups"},
    {"a NEAR/2 -b", 3, "NEAR/2 needs a term after it"},
    {"a NEAR/2 author:x", 3, "works on terms"},
    {"de*", 1, "at least 3 characters"},
    {"x #de*", 3, "at least 3 characters"},
    {"*", 1, "at least 3 characters"},
    {"a*b", 2, "may only end a term"},
    {"\"x ab*c\"", 6, "may only end a term"},
    {"\"abc de*\"", 6, "at least 3 characters"},
    {"#", 1, "empty hashtag"},
    {"a @", 3, "empty handle"},
    {"foo:bar", 1, "unknown field 'foo:'"},
    {"x http://t.co", 3, "unknown field 'http:'"},
    {"author:", 1, "author: needs a value"},
    {"author:@", 1, "author: needs a value"},
    {"lang:\"\"", 1, "lang: needs a value"},
    {"source:\"twi", 8, "unterminated quoted value"},
    {"\xc3\xa9\xc3\xa9 AND", 4, "AND needs a term after it"},
    {"ab \xff", 4, "invalid UTF-8"},
    {"\xc3\xa9 \xc3", 3, "invalid UTF-8"},
    {"\xed\xa0\x80", 1, "invalid UTF-8"}, /* a surrogate */
};

static void refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        es_query_t *q = NULL;
        es_query_error err;
        es_err rc = es_query_parse(errors[i].in, &q, &err);
        if (rc != ES_EPARSE || err.column != errors[i].column ||
            !strstr(err.reason, errors[i].reason))
            print_error("%s: rc %d column %d: %s\n", errors[i].in, rc, err.column, err.reason);
        assert_int_equal(rc, ES_EPARSE);
        assert_null(q);
        assert_int_equal(err.column, errors[i].column);
        assert_non_null(strstr(err.reason, errors[i].reason));
    }
}

/* Builds "(((... x ...)))" with depth parentheses. */
static void nested(char *buf, int depth)
{
    size_t k = 0;
    for (int i = 0; i < depth; i++)
        buf[k++] = '(';
    buf[k++] = 'x';
    for (int i = 0; i < depth; i++)
        buf[k++] = ')';
    buf[k] = '\0';
}

static void limits(void **state)
{
    (void)state;
    static char buf[ES_MAX_QUERY + 64];
    es_query_t *q = NULL;
    es_query_error err;
    size_t k;
    /* Parentheses: 32 levels pass, the 33rd '(' is refused where it is. */
    nested(buf, 32);
    assert_int_equal(es_query_parse(buf, &q, &err), ES_OK);
    es_query_free(q);
    nested(buf, 33);
    assert_int_equal(es_query_parse(buf, &q, &err), ES_EPARSE);
    assert_int_equal(err.column, 33);
    assert_non_null(strstr(err.reason, "nested deeper than 32"));
    /* Operators without deep parentheses: each "a OR b NOT (" adds three
     * levels (OR, AND, NOT), so ten pass and eleven are refused. */
    for (int reps = 10; reps <= 11; reps++) {
        k = 0;
        for (int i = 0; i < reps; i++)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "a OR b NOT (");
        buf[k++] = 'c';
        for (int i = 0; i < reps; i++)
            buf[k++] = ')';
        buf[k] = '\0';
        es_err rc = es_query_parse(buf, &q, &err);
        if (reps == 10) {
            assert_int_equal(rc, ES_OK);
            es_query_free(q);
        } else {
            assert_int_equal(rc, ES_EPARSE);
            assert_int_equal(err.column, 1);
            assert_non_null(strstr(err.reason, "operators nested deeper than 32"));
        }
    }
    /* Terms: 256 pass; the 257th is refused at its column. */
    k = 0;
    for (int i = 0; i < 257; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%c", i ? " " : "", 'a' + i % 26);
    buf[k - 2] = '\0';
    assert_int_equal(es_query_parse(buf, &q, &err), ES_OK);
    es_query_free(q);
    buf[k - 2] = ' ';
    assert_int_equal(es_query_parse(buf, &q, &err), ES_EPARSE);
    assert_int_equal(err.column, 513);
    assert_non_null(strstr(err.reason, "too many terms"));
    /* A term that folds to more than 8192 bytes: U+FDFA folds to 33. */
    k = (size_t)snprintf(buf, sizeof buf, "ok ");
    for (int i = 0; i < 300; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "\xef\xb7\xba");
    assert_int_equal(es_query_parse(buf, &q, &err), ES_EPARSE);
    assert_int_equal(err.column, 4);
    assert_non_null(strstr(err.reason, "longer than 8192 bytes once normalised"));
    /* Length: ES_MAX_QUERY bytes pass, one more is refused. */
    memset(buf, 'x', ES_MAX_QUERY);
    buf[ES_MAX_QUERY] = '\0';
    assert_int_equal(es_query_parse(buf, &q, &err), ES_OK);
    es_query_free(q);
    buf[ES_MAX_QUERY] = 'x';
    buf[ES_MAX_QUERY + 1] = '\0';
    assert_int_equal(es_query_parse(buf, &q, &err), ES_EPARSE);
    assert_int_equal(err.column, ES_MAX_QUERY + 1);
    assert_non_null(strstr(err.reason, "longer than 4096"));
}

static void format_bounds_and_arguments(void **state)
{
    (void)state;
    es_query_t *q = NULL;
    es_query_error err;
    assert_int_equal(es_query_parse("a OR b", &q, &err), ES_OK);
    char small[4];
    assert_int_equal(es_query_format(q, small, sizeof small), strlen("(a OR b)"));
    assert_string_equal(small, "(a ");
    assert_int_equal(es_query_format(q, NULL, 0), 8);
    es_query_free(q);
    es_query_free(NULL);
    assert_int_equal(es_query_parse(NULL, &q, &err), ES_EINVAL);
    assert_int_equal(es_query_parse("a", NULL, &err), ES_EINVAL);
    /* err may be NULL. */
    assert_int_equal(es_query_parse("a AND", &q, NULL), ES_EPARSE);
}

static void allocation_failures(void **state)
{
    (void)state;
    const char *text = "(united OR \"united airlines\" OR @united) NEAR/5 (delay* OR late) "
                       "-#spam author:x lang:en";
    int ok = 0;
    for (long n = 0; n < 500 && !ok; n++) {
        es_query_t *q = NULL;
        es_query_error err;
        es_fail_alloc_after(n);
        es_err rc = es_query_parse(text, &q, &err);
        es_fail_alloc_after(-1);
        if (rc == ES_OK) {
            ok = 1;
            es_query_free(q);
        } else {
            assert_int_equal(rc, ES_ENOMEM);
            assert_null(q);
        }
    }
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canonical_forms),
        cmocka_unit_test(refusals),
        cmocka_unit_test(limits),
        cmocka_unit_test(format_bounds_and_arguments),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests_name("listen/parse", tests, NULL, NULL);
}
