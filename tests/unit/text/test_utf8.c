/*
 * test_utf8.c - es_utf8_check: every class of malformed UTF-8 that RFC 3629
 * forbids is refused, with the offset of the sequence that is bad, and every
 * well-formed text passes, including the boundaries of each length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/text.h"

/* Checks s (of n bytes) and returns the bad offset, or (size_t)-1 when valid. */
static size_t check(const char *s, size_t n)
{
    size_t off = 12345;
    es_err rc = es_utf8_check(s, n, &off);
    if (rc == ES_OK) {
        assert_int_equal(off, 12345); /* untouched */
        return (size_t)-1;
    }
    assert_int_equal(rc, ES_EUTF8);
    return off;
}

#define CHECK(lit) check(lit, sizeof(lit) - 1)

static void valid_texts(void **state)
{
    (void)state;
    assert_int_equal(CHECK(""), (size_t)-1);
    assert_int_equal(CHECK("plain ascii, long enough for the 8-byte path"), (size_t)-1);
    assert_int_equal(CHECK("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), (size_t)-1);
    /* Boundaries of each length. */
    assert_int_equal(CHECK("\x7F"), (size_t)-1);
    assert_int_equal(CHECK("\xC2\x80"), (size_t)-1);         /* U+0080 */
    assert_int_equal(CHECK("\xDF\xBF"), (size_t)-1);         /* U+07FF */
    assert_int_equal(CHECK("\xE0\xA0\x80"), (size_t)-1);     /* U+0800 */
    assert_int_equal(CHECK("\xED\x9F\xBF"), (size_t)-1);     /* U+D7FF */
    assert_int_equal(CHECK("\xEE\x80\x80"), (size_t)-1);     /* U+E000 */
    assert_int_equal(CHECK("\xEF\xBF\xBF"), (size_t)-1);     /* U+FFFF */
    assert_int_equal(CHECK("\xF0\x90\x80\x80"), (size_t)-1); /* U+10000 */
    assert_int_equal(CHECK("\xF4\x8F\xBF\xBF"), (size_t)-1); /* U+10FFFF */
    /* An embedded NUL is valid UTF-8. */
    assert_int_equal(check("a\0b", 3), (size_t)-1);
    /* NULL offset pointer is allowed. */
    assert_int_equal(es_utf8_check("\xFF", 1, NULL), ES_EUTF8);
}

static void overlongs_refused(void **state)
{
    (void)state;
    assert_int_equal(CHECK("ab\xC0\x80"), 2);
    assert_int_equal(CHECK("\xC1\xBF"), 0);
    assert_int_equal(CHECK("x\xE0\x80\x80"), 1);
    assert_int_equal(CHECK("\xE0\x9F\xBF"), 0);
    assert_int_equal(CHECK("\xF0\x80\x80\x80"), 0);
    assert_int_equal(CHECK("\xF0\x8F\xBF\xBF"), 0);
}

static void surrogates_and_range_refused(void **state)
{
    (void)state;
    assert_int_equal(CHECK("ok \xED\xA0\x80"), 3);  /* U+D800 */
    assert_int_equal(CHECK("\xED\xBF\xBF"), 0);     /* U+DFFF */
    assert_int_equal(CHECK("\xF4\x90\x80\x80"), 0); /* U+110000 */
    assert_int_equal(CHECK("\xF5\x80\x80\x80"), 0);
    assert_int_equal(CHECK("\xFF"), 0);
    assert_int_equal(CHECK("\xFE"), 0);
}

static void truncated_and_stray(void **state)
{
    (void)state;
    assert_int_equal(CHECK("abc\xE2\x82"), 3); /* truncated at the end */
    assert_int_equal(CHECK("abc\xF0\x9F\x98"), 3);
    assert_int_equal(CHECK("\xC3"), 0);
    assert_int_equal(CHECK("\xE2\x82x more text"), 0); /* interrupted */
    assert_int_equal(CHECK("12345678\x80"), 8);        /* stray continuation */
    assert_int_equal(CHECK("\xC3\xA9\xA9"), 2);
    /* A length that cuts a valid text inside a sequence. */
    const char *s = "caf\xC3\xA9";
    assert_int_equal(check(s, 4), 3);
    assert_int_equal(check(s, 5), (size_t)-1);
}

/* Every two-byte string: the checker agrees with a slow reference that
 * decodes by hand. */
static int slow_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i], len, cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC0 && c < 0xE0) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c < 0xF0) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c < 0xF8) {
            len = 4;
            cp = c & 0x07;
        } else
            return 0;
        if (i + len > n)
            return 0;
        for (unsigned k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

static void agrees_with_reference(void **state)
{
    (void)state;
    unsigned char buf[3];
    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++) {
            buf[0] = (unsigned char)a;
            buf[1] = (unsigned char)b;
            buf[2] = 0xA9;
            for (size_t n = 1; n <= 3; n++) {
                int ok = es_utf8_check((const char *)buf, n, NULL) == ES_OK;
                if (ok != slow_valid(buf, n))
                    fail_msg("disagree on %02X %02X (n=%zu)", a, b, n);
            }
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_texts),
        cmocka_unit_test(overlongs_refused),
        cmocka_unit_test(surrogates_and_range_refused),
        cmocka_unit_test(truncated_and_stray),
        cmocka_unit_test(agrees_with_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
