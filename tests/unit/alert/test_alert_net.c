/*
 * test_alert_net.c - the pure parts of alert delivery (src/alert/net.c,
 * stats.c, payload.c): which addresses a webhook may reach (loopback,
 * private, link-local, mapped IPv6 refused unless allow-listed), the
 * allow-list parser, the HMAC-SHA256 signature against a value computed
 * independently (Python's hmac), the back-off delays, the spike decision,
 * and payloads that stay valid JSON and one-line subjects whatever a
 * customer wrote, also when allocations fail.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "alert/engine.h"

static int ok4(const char *ip, const es__alert_allow *allow)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
    const char *why = NULL;
    int r = es__alert_addr_ok((struct sockaddr *)&sa, allow, &why);
    if (!r)
        assert_non_null(why);
    return r;
}

static int ok6(const char *ip, const es__alert_allow *allow)
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    assert_int_equal(inet_pton(AF_INET6, ip, &sa.sin6_addr), 1);
    return es__alert_addr_ok((struct sockaddr *)&sa, allow, NULL);
}

static void test_addresses(void **state)
{
    (void)state;
    es__alert_allow none;
    assert_int_equal(es__alert_allow_parse(NULL, &none), ES_OK);
    const char *refused4[] = {"127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.0.1",
                              "172.31.255.255", "192.168.1.1", "169.254.169.254", "0.0.0.0",
                              "100.64.0.1", "224.0.0.1", "255.255.255.255"};
    for (size_t i = 0; i < sizeof refused4 / sizeof *refused4; i++)
        assert_false(ok4(refused4[i], &none));
    assert_true(ok4("93.184.216.34", &none));
    assert_true(ok4("172.32.0.1", &none));
    assert_true(ok4("8.8.8.8", &none));
    assert_false(ok6("::1", &none));
    assert_false(ok6("::", &none));
    assert_false(ok6("fe80::1", &none));
    assert_false(ok6("fd00::1", &none));
    assert_false(ok6("::ffff:127.0.0.1", &none));
    assert_false(ok6("::ffff:169.254.169.254", &none));
    assert_false(ok6("2002:7f00:0001::1", &none)); /* 6to4 of 127.0.0.1 */
    assert_true(ok6("2606:4700::1111", &none));
    assert_true(ok6("::ffff:8.8.8.8", &none));
}

static void test_allow_list(void **state)
{
    (void)state;
    es__alert_allow a;
    assert_int_equal(es__alert_allow_parse("127.0.0.1, 10.0.0.0/8,::1", &a), ES_OK);
    assert_int_equal(a.n, 3);
    assert_true(ok4("127.0.0.1", &a));
    assert_false(ok4("127.0.0.2", &a));
    assert_true(ok4("10.200.3.4", &a));
    assert_false(ok4("192.168.0.1", &a));
    assert_true(ok6("::1", &a));
    assert_true(ok6("::ffff:127.0.0.1", &a)); /* the mapped form of an allowed address */
    assert_false(ok6("fe80::1", &a));
    const char *bad[] = {"localhost", "10.0.0.0/33", "1.2.3.4/", "::1/129", "1.2.3", "x/8"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(es__alert_allow_parse(bad[i], &a), ES_EINVAL);
    char many[1024] = "";
    for (int i = 0; i < ES__ALERT_MAX_ALLOW + 1; i++) {
        size_t l = strlen(many);
        snprintf(many + l, sizeof many - l, "10.0.0.%d,", i);
    }
    assert_int_equal(es__alert_allow_parse(many, &a), ES_ELIMIT);
}

static void test_signature(void **state)
{
    (void)state;
    char sig[80];
    const char *body = "{\"a\":1}";
    assert_int_equal(es__alert_sign("0123456789abcdef", "1700000000", body, strlen(body), sig,
                                    sizeof sig),
                     ES_OK);
    assert_string_equal(sig, "sha256=9eb18f493f8ec135d9eb2dad817c369bb4e9cbfa818657897a7437c1cd8c3a23");
    char other[80];
    assert_int_equal(es__alert_sign("0123456789abcdef", "1700000001", body, strlen(body), other,
                                    sizeof other),
                     ES_OK);
    assert_string_not_equal(sig, other);
    assert_int_equal(es__alert_sign(NULL, "1", body, 1, sig, sizeof sig), ES_EINVAL);
    assert_int_equal(es__alert_sign("k", "1", body, 1, sig, 10), ES_EINVAL);
    es_fail_alloc_after(0);
    assert_int_equal(es__alert_sign("k", "1", body, 1, sig, sizeof sig), ES_ENOMEM);
    es_fail_alloc_after(-1);
}

static void test_backoff(void **state)
{
    (void)state;
    assert_int_equal(es__alert_backoff(1, 1000, 3600000, 0), 500);
    assert_int_equal(es__alert_backoff(1, 1000, 3600000, 0.999999), 999);
    assert_int_equal(es__alert_backoff(2, 1000, 3600000, 0), 1000);
    assert_int_equal(es__alert_backoff(4, 1000, 3600000, 0), 4000);
    assert_int_equal(es__alert_backoff(40, 1000, 60000, 0), 30000); /* capped, no overflow */
    int64_t prev = 0;
    for (unsigned a = 1; a < 10; a++) {
        int64_t d = es__alert_backoff(a, 100, 3600000, 0.5);
        assert_true(d > prev);
        prev = d;
    }
}

static void test_spike(void **state)
{
    (void)state;
    /* 3 baseline periods of 2 buckets: 4, 6, 5 -> mean 5, sd 0.816. */
    int64_t c[8] = {2, 2, 3, 3, 2, 3, 0, 0};
    int64_t v;
    double mean, sd;
    c[6] = 4, c[7] = 3; /* 7 > 5 + 2 * 0.816 */
    assert_true(es__alert_spike(c, 2, 3, 2.0, 5, &v, &mean, &sd));
    assert_int_equal(v, 7);
    assert_true(mean > 4.99 && mean < 5.01);
    assert_true(sd > 0.81 && sd < 0.82);
    assert_false(es__alert_spike(c, 2, 3, 3.0, 5, &v, &mean, &sd)); /* 7 < 5 + 3 * 0.816 */
    assert_false(es__alert_spike(c, 2, 3, 2.0, 8, &v, &mean, &sd)); /* under min_count */
    int64_t flat[4] = {0, 0, 0, 1};
    assert_false(es__alert_spike(flat, 1, 3, 3.0, 10, &v, &mean, &sd));
    assert_true(es__alert_spike(flat, 1, 3, 3.0, 1, &v, &mean, &sd));
}

static void test_payload(void **state)
{
    (void)state;
    es_alert a = {.id = 7, .rule = "neg", .kind = ES_ALERT_NEGATIVE, .status = "open",
                  .location = "store\r\n1", .title = "Bcc: x@y\r\n\"quoted\" \\ caf\xc3\xa9",
                  .detail = "{\"mention_id\":3}", .count = 1, .created = 1700000000};
    es__alert_msg m;
    assert_int_equal(es__alert_msg_alert(&a, "alert", &m), ES_OK);
    json_error_t err;
    json_t *j = json_loads(m.json, 0, &err);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "alert"), "title")),
                        a.title);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(j, "alert"), "detail"), "mention_id")),
                     3);
    json_decref(j);
    assert_null(strpbrk(m.subject, "\r\n"));
    assert_non_null(strstr(m.subject, "caf\xc3\xa9"));
    es__alert_msg_cleanup(&m);
    a.detail = "not json";
    assert_int_equal(es__alert_msg_alert(&a, "escalation", &m), ES_OK);
    j = json_loads(m.json, 0, &err);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "event")), "escalation");
    json_decref(j);
    assert_non_null(strstr(m.subject, "ESCALATED"));
    es__alert_msg_cleanup(&m);
    a.title = "bad \xff\xc3 utf-8";
    assert_int_equal(es__alert_msg_alert(&a, "alert", &m), ES_OK);
    j = json_loads(m.json, 0, &err);
    assert_non_null(j); /* invalid bytes became U+FFFD */
    json_decref(j);
    es__alert_msg_cleanup(&m);
    es_alert two[2] = {a, a};
    assert_int_equal(es__alert_msg_digest("daily", 1, 2, two, 2, &m), ES_OK);
    j = json_loads(m.json, 0, &err);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(j, "alerts")), 2);
    json_decref(j);
    es__alert_msg_cleanup(&m);
    /* Every allocation failure is reported, never a crash or a leak. */
    for (long n = 0;; n++) {
        es_fail_alloc_after(n);
        es_err rc = es__alert_msg_digest("daily", 1, 2, two, 2, &m);
        es_fail_alloc_after(-1);
        if (rc == ES_OK) {
            es__alert_msg_cleanup(&m);
            break;
        }
        assert_int_equal(rc, ES_ENOMEM);
    }
}

static void test_line(void **state)
{
    (void)state;
    es__buf b;
    es__buf_init(&b, 0);
    assert_int_equal(es__alert_line(&b, "ab\xc3\xa9" "cd", 3), ES_OK);
    assert_string_equal(b.data, "ab...");
    es__buf_reset(&b);
    assert_int_equal(es__alert_line(&b, "a\nb\tc", 10), ES_OK);
    assert_string_equal(b.data, "a b c");
    es__buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses), cmocka_unit_test(test_allow_list),
        cmocka_unit_test(test_signature), cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_spike),     cmocka_unit_test(test_payload),
        cmocka_unit_test(test_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
