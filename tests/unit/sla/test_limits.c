/*
 * test_limits.c - channel limits and generic replies (src/sla/limits.c,
 * generic.c): X's weighted length (URLs, CJK, emoji sequences, flags,
 * combining marks composed by NFC) at and over 280; SMS segments in GSM-7
 * (extension characters take two septets and never straddle a part) and
 * UCS-2 (surrogate pairs); the other channels' limits; refusals (empty,
 * invalid UTF-8); allocation failure on a long X text; and the generic
 * flag, which needs ES_GENERIC_MIN near-copies among the recent replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/analyze.h"
#include "earshot/reply.h"

/* s repeated n times, in a static buffer. */
static const char *rep(const char *s, size_t n)
{
    static char buf[65536];
    size_t l = strlen(s), o = 0;
    for (size_t i = 0; i < n && o + l < sizeof buf; i++, o += l)
        memcpy(buf + o, s, l);
    buf[o] = 0;
    return buf;
}

static long xlen(const char *s)
{
    return es_reply_x_length(s, strlen(s));
}

static void test_x_weights(void **state)
{
    (void)state;
    assert_int_equal(xlen("hello"), 5);
    assert_int_equal(xlen("Check https://example.com/a/very/long/path?x=1&y=2 now"), 6 + 23 + 4);
    assert_int_equal(xlen("see http://t.co/x"), 4 + 23);
    assert_int_equal(xlen("nothttp://x"), 11);             /* not after a word boundary */
    assert_int_equal(xlen("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* two CJK: 2 each */
    assert_int_equal(xlen("\xf0\x9f\x91\x8d"), 2);         /* thumbs up */
    /* man ZWJ woman ZWJ girl: one emoji. */
    assert_int_equal(
        xlen("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"), 2);
    assert_int_equal(xlen("\xf0\x9f\x87\xab\xf0\x9f\x87\xb7"), 2); /* flag FR */
    assert_int_equal(xlen("\xe2\x9d\xa4\xef\xb8\x8f"), 2);         /* heart + VS16 */
    assert_int_equal(xlen("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"), 2); /* thumbs up, skin tone */
    assert_int_equal(xlen("e\xcc\x81"), 1);                        /* e + acute: NFC one */
    assert_int_equal(xlen("caf\xc3\xa9 \xe2\x80\x94 ok"), 9);      /* é and an em dash: 1 each */
}

static void test_x_limit(void **state)
{
    (void)state;
    es_reply_measure m;
    const char *t = rep("a", 280);
    assert_int_equal(es_reply_measure_text("twitter", 0, t, strlen(t), &m), ES_OK);
    assert_int_equal(m.used, 280);
    assert_int_equal(m.max, 280);
    t = rep("a", 281);
    assert_int_equal(es_reply_measure_text("twitter", 0, t, strlen(t), &m), ES_ELIMIT);
    assert_int_equal(m.used, 281);
    assert_string_equal(m.unit, "characters");
    t = rep("\xe6\x97\xa5", 140);
    assert_int_equal(es_reply_measure_text("twitter", 0, t, strlen(t), &m), ES_OK);
    assert_int_equal(m.used, 280);
    t = rep("\xe6\x97\xa5", 141);
    assert_int_equal(es_reply_measure_text("twitter", 0, t, strlen(t), &m), ES_ELIMIT);
    /* 12 URLs of any length: 12 * 23 + 11 spaces = 287. */
    t = rep("https://example.com/a-long-path-that-is-not-counted-as-it-is ", 12);
    assert_int_equal(es_reply_measure_text("twitter", 0, t, strlen(t) - 1, &m), ES_ELIMIT);
    assert_int_equal(m.used, 287);
    /* A direct message may be long. */
    t = rep("a", 5000);
    assert_int_equal(es_reply_measure_text("twitter", 1, t, strlen(t), &m), ES_OK);
    assert_int_equal(m.max, ES_X_DM_MAX);
    /* A long text on the heap, and that allocation failing. */
    t = rep("a", 3000);
    assert_int_equal(xlen(t), 3000);
    es_fail_alloc_after(0);
    assert_int_equal(es_reply_measure_text("twitter", 0, t, strlen(t), &m), ES_ENOMEM);
    es_fail_alloc_after(-1);
}

static long segs(const char *s, int *ucs2, long *units)
{
    return es_reply_sms_segments(s, strlen(s), ucs2, units);
}

static void test_sms(void **state)
{
    (void)state;
    int u;
    long n;
    assert_int_equal(segs(rep("a", 160), &u, &n), 1);
    assert_int_equal(u, 0);
    assert_int_equal(n, 160);
    assert_int_equal(segs(rep("a", 161), &u, &n), 2);
    assert_int_equal(segs(rep("a", 306), &u, &n), 2);
    assert_int_equal(segs(rep("a", 307), &u, &n), 3);
    /* GSM-7 accents (é, ü, Ä, ß) stay in one septet. */
    assert_int_equal(segs("\xc3\xa9\xc3\xbc\xc3\x84\xc3\x9f", &u, &n), 1);
    assert_int_equal(u, 0);
    assert_int_equal(n, 4);
    /* Euro: two septets. 80 fit in one message, 81 need two parts of which
     * the first holds 76 (152 septets: the 77th would straddle). */
    assert_int_equal(segs(rep("\xe2\x82\xac", 80), &u, &n), 1);
    assert_int_equal(n, 160);
    assert_int_equal(segs(rep("\xe2\x82\xac", 81), &u, &n), 2);
    assert_int_equal(segs(rep("{", 153), &u, &n), 3); /* 306 septets, 76 per part */
    /* ê is not GSM-7: UCS-2, 70 then 67. */
    assert_int_equal(segs(rep("\xc3\xaa", 70), &u, &n), 1);
    assert_int_equal(u, 1);
    assert_int_equal(segs(rep("\xc3\xaa", 71), &u, &n), 2);
    assert_int_equal(segs(rep("\xc3\xaa", 134), &u, &n), 2);
    assert_int_equal(segs(rep("\xc3\xaa", 135), &u, &n), 3);
    /* An emoji is a surrogate pair: 35 fit in one, 36 (72 units) need two. */
    assert_int_equal(segs(rep("\xf0\x9f\x98\x80", 35), &u, &n), 1);
    assert_int_equal(n, 70);
    assert_int_equal(segs(rep("\xf0\x9f\x98\x80", 36), &u, &n), 2);
    /* A backtick is not in GSM-7. */
    assert_int_equal(segs("`", &u, &n), 1);
    assert_int_equal(u, 1);
    es_reply_measure m;
    const char *t = rep("a", 1530);
    assert_int_equal(es_reply_measure_text("sms", 0, t, strlen(t), &m), ES_OK);
    assert_int_equal(m.used, 10);
    assert_string_equal(m.unit, "segments");
    t = rep("a", 1531);
    assert_int_equal(es_reply_measure_text("sms", 0, t, strlen(t), &m), ES_ELIMIT);
    assert_int_equal(m.used, 11);
    assert_int_equal(m.max, ES_SMS_MAX_SEGMENTS);
}

static void test_other_channels(void **state)
{
    (void)state;
    es_reply_measure m;
    const char *t = rep("\xc3\xa9", ES_FACEBOOK_MAX);
    assert_int_equal(es_reply_measure_text("facebook", 0, t, strlen(t), &m), ES_OK);
    assert_int_equal(es_reply_measure_text("facebook", 1, t, strlen(t), &m), ES_ELIMIT);
    assert_int_equal(m.max, ES_MESSENGER_MAX);
    t = rep("a", ES_INSTAGRAM_MAX + 1);
    assert_int_equal(es_reply_measure_text("instagram", 0, t, strlen(t), &m), ES_ELIMIT);
    t = rep("a", ES_OTHER_MAX);
    assert_int_equal(es_reply_measure_text("review", 0, t, strlen(t), &m), ES_OK);
    char *big = malloc(ES_EMAIL_MAX + 2);
    assert_non_null(big);
    memset(big, 'a', ES_EMAIL_MAX + 1);
    big[ES_EMAIL_MAX + 1] = 0;
    assert_int_equal(es_reply_measure_text("email", 0, big, ES_EMAIL_MAX, &m), ES_OK);
    assert_string_equal(m.unit, "bytes");
    assert_int_equal(es_reply_measure_text("email", 0, big, ES_EMAIL_MAX + 1, &m), ES_ELIMIT);
    free(big);
    assert_int_equal(es_reply_measure_text("twitter", 0, "", 0, &m), ES_EINVAL);
    assert_int_equal(es_reply_measure_text("twitter", 0, "ok \xff", 4, &m), ES_EUTF8);
    assert_int_equal(es_reply_measure_text("sms", 0, "\xc3", 1, &m), ES_EUTF8);
}

static void test_generic(void **state)
{
    (void)state;
    const char *canned = "We are sorry to hear that. Please DM us your booking reference.";
    const char *same =
        "we are SORRY to hear that please dm us your booking reference https://x.co/1";
    const char *own = "Anna here: I found your bag in Denver, it is on the 6pm flight to you.";
    uint64_t c = es_dedup_fingerprint(canned, strlen(canned));
    uint64_t s = es_dedup_fingerprint(same, strlen(same));
    uint64_t o = es_dedup_fingerprint(own, strlen(own));
    assert_true(c == s); /* case, punctuation and URLs do not count */
    uint64_t recent[6] = {o, c, 0, c, o, 0};
    assert_int_equal(es_reply_is_generic(c, recent, 6, ES_GENERIC_MIN), 0); /* 2 copies */
    recent[2] = s;
    assert_int_equal(es_reply_is_generic(c, recent, 6, ES_GENERIC_MIN), 1); /* 3 copies */
    assert_int_equal(es_reply_is_generic(o, recent, 6, ES_GENERIC_MIN), 0);
    /* Within 3 bits counts; 4 bits does not. */
    uint64_t near3[3] = {c ^ 7, c ^ 0x700, c ^ 1};
    assert_int_equal(es_reply_is_generic(c, near3, 3, 3), 1);
    uint64_t far4[3] = {c ^ 15, c ^ 15, c ^ 15};
    assert_int_equal(es_reply_is_generic(c, far4, 3, 1), 0);
    assert_int_equal(es_reply_is_generic(c, NULL, 0, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x_weights), cmocka_unit_test(test_x_limit),
        cmocka_unit_test(test_sms),       cmocka_unit_test(test_other_channels),
        cmocka_unit_test(test_generic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
