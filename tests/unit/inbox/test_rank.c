/*
 * test_rank.c - the inbox's pure decisions (src/inbox/): severity and
 * priority, the rank and its ageing (unbounded, the same for every case, so
 * the stored key orders the queue at any moment), the SLA pull, customer
 * handle normalisation across channels, routing rule matching and
 * assignment (round-robin and least-loaded, with capacity).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/cases.h"
#include "inbox/inbox.h"

#define T0 1790000000 /* a Unix time in 2026 */

static void test_severity(void **state)
{
    (void)state;
    /* neutral chat scores little; an angry complaint with a safety cue a lot */
    double calm = es_case_severity(0.0, ES_INTENT_OTHER, 0, 0);
    double angry = es_case_severity(-0.9, ES_INTENT_COMPLAINT, 0, 0);
    double unsafe = es_case_severity(-0.9, ES_INTENT_COMPLAINT, ES_CUE_SAFETY, 0);
    assert_true(calm < angry);
    assert_true(angry < unsafe);
    assert_true(unsafe <= 1.0);
    /* positive sentiment never adds */
    assert_true(es_case_severity(0.9, ES_INTENT_QUESTION, 0, 0) ==
                es_case_severity(0.0, ES_INTENT_QUESTION, 0, 0));
    /* copies and spam score 0 */
    assert_true(es_case_severity(-0.9, ES_INTENT_COMPLAINT, ES_CUE_LEGAL, ES_FLAG_DUPLICATE) == 0);
    assert_true(es_case_severity(-0.9, ES_INTENT_SPAM, ES_CUE_LEGAL, 0) == 0);
    /* everything at once is capped */
    assert_true(es_case_severity(-1, ES_INTENT_COMPLAINT, 0x1f, 0) == 1.0);
    assert_int_equal(es_case_priority_for(1.0), 1);
    assert_int_equal(es_case_priority_for(0.6), 2);
    assert_int_equal(es_case_priority_for(0.3), 3);
    assert_int_equal(es_case_priority_for(0.0), 4);
}

static void test_status_names(void **state)
{
    (void)state;
    es_case_status st;
    for (int i = 0; i < ES_CASE_STATUS_COUNT; i++) {
        assert_int_equal(es_case_status_parse(es_case_status_name((es_case_status)i), &st), ES_OK);
        assert_int_equal(st, i);
    }
    assert_int_equal(es_case_status_parse("closed", &st), ES_EINVAL);
    assert_int_equal(es_case_status_parse(NULL, &st), ES_EINVAL);
}

/* Waiting raises the rank without bound; a low case eventually outranks a
 * fresh severe one (nothing starves). */
static void test_ageing(void **state)
{
    (void)state;
    es_case_signals low = {0.0, 4, T0, 0};
    es_case_signals severe = {1.0, 1, T0, 0};
    assert_true(es_case_rank(&severe, T0) > es_case_rank(&low, T0));
    double prev = es_case_rank(&low, T0);
    for (int h = 1; h <= 1000; h *= 10) {
        double r = es_case_rank(&low, T0 + (int64_t)h * 3600);
        assert_true(r > prev);
        prev = r;
    }
    /* a day later the low case beats a severe one that just arrived */
    es_case_signals fresh = {1.0, 1, T0 + 86400, 0};
    assert_true(es_case_rank(&low, T0 + 86400) > es_case_rank(&fresh, T0 + 86400));
}

/* Ordering by the stored key is ordering by rank, whenever it is read. */
static void test_key_orders_like_rank(void **state)
{
    (void)state;
    es_case_signals sigs[] = {
        {0.1, 4, T0 - 7200, 0}, {0.9, 1, T0 - 60, 0},    {0.5, 2, T0 - 3600, 0},
        {0.3, 3, T0, T0 + 600}, {0.0, 4, T0 - 90000, 0}, {0.7, 2, T0 - 10, T0 - 5},
    };
    size_t n = sizeof sigs / sizeof sigs[0];
    for (int64_t now = T0; now < T0 + 5 * 86400; now += 7777) {
        for (size_t i = 0; i < n; i++) {
            double ki = es_case_key(&sigs[i]);
            assert_true(fabs(es_case_rank_at(ki, now) - es_case_rank(&sigs[i], now)) < 1e-6);
            for (size_t j = 0; j < n; j++) {
                double ri = es_case_rank(&sigs[i], now), rj = es_case_rank(&sigs[j], now);
                double kj = es_case_key(&sigs[j]);
                if (ri - rj > 1e-6)
                    assert_true(ki > kj);
            }
        }
    }
}

/* An SLA due time counts only when it is near, and pulls the case up. */
static void test_sla(void **state)
{
    (void)state;
    es_case_signals none = {0.2, 3, T0, 0};
    es_case_signals far = {0.2, 3, T0, T0 + 86400};
    es_case_signals near = {0.2, 3, T0, T0 + 600};
    es_case_signals late = {0.2, 3, T0, T0 - 3600};
    assert_true(es_case_rank(&far, T0) == es_case_rank(&none, T0));
    assert_true(es_case_rank(&near, T0) > es_case_rank(&none, T0));
    assert_true(es_case_rank(&late, T0) > es_case_rank(&near, T0));
}

static void test_handles(void **state)
{
    (void)state;
    char v[64];
    es__handle_kind k;
    const char *src;
    assert_int_equal(es__inbox_handle("twitter", "@Jane_Doe", &k, &src, v, sizeof v), 0);
    assert_int_equal(k, ES__HANDLE);
    assert_string_equal(v, "jane_doe");
    assert_string_equal(src, "twitter");
    /* the same phone on SMS and on the phone line: one key */
    char w[64];
    assert_int_equal(es__inbox_handle("sms", "+44 7700 900123", &k, &src, v, sizeof v), 0);
    assert_int_equal(k, ES__PHONE);
    assert_string_equal(src, "");
    assert_int_equal(es__inbox_handle("phone", "+447700900123", &k, &src, w, sizeof w), 0);
    assert_string_equal(v, w);
    /* an email address is the same on every channel, whatever the case */
    assert_int_equal(es__inbox_handle("email", "Jane@Example.COM", &k, &src, v, sizeof v), 0);
    assert_int_equal(k, ES__EMAIL);
    assert_int_equal(es__inbox_handle("web", "jane@example.com", &k, &src, w, sizeof w), 0);
    assert_string_equal(v, w);
    assert_string_equal(src, "");
    /* a handle on another network is another key */
    assert_int_equal(es__inbox_handle("instagram", "jane_doe", &k, &src, v, sizeof v), 0);
    assert_string_equal(src, "instagram");
    /* nothing usable */
    assert_int_equal(es__inbox_handle("twitter", NULL, &k, &src, v, sizeof v), -1);
    assert_int_equal(es__inbox_handle("twitter", "  ", &k, &src, v, sizeof v), -1);
    assert_int_equal(es__inbox_handle("twitter", "@", &k, &src, v, sizeof v), -1);
    /* too long for the buffer */
    assert_int_equal(es__inbox_handle("twitter", "abcdefghijklmnop", &k, &src, v, 8), -1);
    /* a numeric handle on a social network is not a phone number */
    assert_int_equal(es__inbox_handle("twitter", "15551234567", &k, &src, v, sizeof v), 0);
    assert_int_equal(k, ES__HANDLE);
    assert_string_equal(src, "twitter");
    /* "12 angry men" on SMS is not a phone number: kept as a handle */
    assert_int_equal(es__inbox_handle("sms", "12 angry men", &k, &src, v, sizeof v), 0);
    assert_int_equal(k, ES__HANDLE);
}

static void test_route_match(void **state)
{
    (void)state;
    int64_t queries[] = {7, 9}, brands[] = {2};
    es__route_input in = {
        .intent = "complaint",
        .department = "Baggage",
        .rules = "intent:complaint;topic:delays:late;cue:repeat",
        .text = "My bag was lost AGAIN at Heathrow, food poisoning too",
        .queries = queries,
        .n_queries = 2,
        .brands = brands,
        .n_brands = 1,
        .location = "LHR",
        .lang = "en-GB",
    };
    es_route_rule r = {0};
    assert_false(es__inbox_route_match(&r, &in)); /* no condition: never */
    r.intent = "complaint";
    assert_true(es__inbox_route_match(&r, &in));
    r.intent = "question";
    assert_false(es__inbox_route_match(&r, &in));
    r.intent = NULL;
    r.keyword = "food poisoning";
    assert_true(es__inbox_route_match(&r, &in));
    r.keyword = "poison"; /* whole words only */
    assert_false(es__inbox_route_match(&r, &in));
    r.keyword = NULL;
    r.topic = "delays";
    assert_true(es__inbox_route_match(&r, &in));
    r.topic = "baggage"; /* the department, any case */
    assert_true(es__inbox_route_match(&r, &in));
    r.topic = "delay";
    assert_false(es__inbox_route_match(&r, &in));
    r.topic = NULL;
    r.query_id = 9;
    r.lang = "en";
    r.location = "lhr";
    r.brand_id = 2;
    assert_true(es__inbox_route_match(&r, &in));
    r.lang = "e";
    assert_false(es__inbox_route_match(&r, &in));
    r.lang = "en";
    r.query_id = 8;
    assert_false(es__inbox_route_match(&r, &in));
    r.query_id = 0;
    r.department = "billing";
    assert_false(es__inbox_route_match(&r, &in));
    /* first match wins */
    es_route_rule rules[3] = {{.intent = "praise", .team_id = 1},
                              {.keyword = "bag", .team_id = 2},
                              {.intent = "complaint", .team_id = 3}};
    assert_int_equal(es__inbox_route_pick(rules, 3, &in), 1);
    rules[1].keyword = "suitcase";
    assert_int_equal(es__inbox_route_pick(rules, 3, &in), 2);
    rules[2].intent = "spam";
    assert_int_equal(es__inbox_route_pick(rules, 3, &in), -1);
}

static void test_assign(void **state)
{
    (void)state;
    es__member m[3] = {{10, 2, 0}, {20, 2, 0}, {30, 2, 0}};
    /* round robin walks by user id, wrapping, skipping the full */
    assert_int_equal(es__inbox_assign_pick(ES__ASSIGN_ROUND_ROBIN, m, 3, 0), 0);
    assert_int_equal(es__inbox_assign_pick(ES__ASSIGN_ROUND_ROBIN, m, 3, 10), 1);
    assert_int_equal(es__inbox_assign_pick(ES__ASSIGN_ROUND_ROBIN, m, 3, 30), 0);
    m[0].load = 2;
    assert_int_equal(es__inbox_assign_pick(ES__ASSIGN_ROUND_ROBIN, m, 3, 30), 1);
    /* least loaded relative to capacity */
    es__member l[3] = {{1, 10, 5}, {2, 4, 1}, {3, 20, 12}};
    assert_int_equal(es__inbox_assign_pick(ES__ASSIGN_LEAST_LOADED, l, 3, 0), 1);
    l[1].load = 4; /* full */
    assert_int_equal(es__inbox_assign_pick(ES__ASSIGN_LEAST_LOADED, l, 3, 0), 0);
    /* everybody full, nobody, none mode */
    es__member f[2] = {{1, 1, 1}, {2, 3, 3}};
    assert_int_equal(es__inbox_assign_pick(ES__ASSIGN_LEAST_LOADED, f, 2, 0), -1);
    assert_int_equal(es__inbox_assign_pick(ES__ASSIGN_ROUND_ROBIN, f, 2, 0), -1);
    assert_int_equal(es__inbox_assign_pick(ES__ASSIGN_ROUND_ROBIN, NULL, 0, 0), -1);
    assert_int_equal(es__inbox_assign_pick(ES__ASSIGN_NONE, m, 3, 0), -1);
    assert_int_equal(es__inbox_assign_mode("least_loaded"), ES__ASSIGN_LEAST_LOADED);
    assert_int_equal(es__inbox_assign_mode("random"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_severity),    cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_ageing),      cmocka_unit_test(test_key_orders_like_rank),
        cmocka_unit_test(test_sla),         cmocka_unit_test(test_handles),
        cmocka_unit_test(test_route_match), cmocka_unit_test(test_assign),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
