/*
 * test_time.c - es_time_parse: every date form the formats use, zones,
 * fractions, bounds, and malformed dates.
 */
#include "ingest_test.h"

static void ok(const char *s, int64_t want)
{
    int64_t t = -1;
    if (es_time_parse(s, &t) != ES_OK)
        fail_msg("\"%s\" was refused", s);
    if (t != want)
        fail_msg("\"%s\": got %lld, want %lld", s, (long long)t, (long long)want);
}

/* Each bad input is parsed from a heap copy of its exact size, so that
 * AddressSanitizer sees any read past its end. */
static void bad(const char *s)
{
    int64_t t;
    char *copy = strdup(s);
    assert_non_null(copy);
    es_err rc = es_time_parse(copy, &t);
    free(copy);
    if (rc != ES_EPARSE)
        fail_msg("\"%s\" was accepted", s);
}

static void test_unix(void **state)
{
    ok("1700000000", 1700000000);
    ok("0", 0);
    ok("-86400", -86400);
    ok("  1424806552", 1424806552);
}

static void test_rfc3339(void **state)
{
    ok("2018-10-10T20:19:24Z", 1539202764);
    ok("2018-10-10t20:19:24z", 1539202764);
    ok("2018-10-10T20:19:24.000Z", 1539202764);
    ok("2018-10-10T22:19:24.123456+02:00", 1539202764);
    ok("2018-10-10T15:19:24-05:00", 1539202764);
    ok("2016-11-11T20:05:08+0000", 1478894708);
    ok("2018-10-10T20:19:24", 1539202764); /* no zone: UTC */
    ok("2018-10-10T20:19Z", 1539202740);
    ok("2018-10-10 20:19:24+00", 1539202764);
    ok("2018-10-10", 1539129600);
    ok("2024-02-29T00:00:00Z", 1709164800);
    ok("1970-01-01T00:00:00Z", 0);
}

static void test_airline(void **state)
{
    ok("2015-02-24 11:35:52 -0800", 1424806552);
    ok("2015-02-24 11:35:52 +0000", 1424777752);
}

static void test_twitter(void **state)
{
    ok("Wed Oct 10 20:19:24 +0000 2018", 1539202764);
    ok("Wed Oct 10 21:19:24 +0100 2018", 1539202764);
    ok("Mon Jan  1 00:00:00 +0000 2024", 1704067200);
}

static void test_rfc5322(void **state)
{
    ok("Wed, 10 Oct 2018 20:19:24 +0000", 1539202764);
    ok("10 Oct 2018 20:19:24 +0000", 1539202764);
    ok("Wed, 10 Oct 2018 13:19:24 -0700 (PDT)", 1539202764);
    ok("Wed, 10 Oct 2018 13:19:24 PDT", 1539202764);
    ok("Wed, 10 Oct 2018 20:19:24 GMT", 1539202764);
    ok("Wed, 10 Oct 2018 20:19 UT", 1539202740);
    ok("Wed, 1 Oct 2018 20:19:24 EST", 1538443164);
    ok("13 May 2024 07:05 GMT", 1715583900);
}

static void test_malformed(void **state)
{
    bad("");
    bad("   ");
    bad("yesterday");
    bad("24/02/2015");
    bad("2015-02-30");
    bad("2015-13-01T00:00:00Z");
    bad("2015-02-24T25:00:00Z");
    bad("2015-02-24T11:35:52 +2500");
    bad("2015-02-24T11:35:52Z trailing");
    bad("Wed Foo 10 20:19:24 +0000 2018");
    bad("Wed, 10 Oct 18 20:19:24 +0000");
    bad("12345678901234567890");
    bad("1-2");
    /* a weekday's comma and nothing after it (found by fuzzing) */
    bad("Fast,");
    bad("Wed, ");
    bad("x,");
    bad("Wed Oct");
    int64_t t;
    assert_int_equal(es_time_parse(NULL, &t), ES_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unix),    cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_airline), cmocka_unit_test(test_twitter),
        cmocka_unit_test(test_rfc5322), cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
