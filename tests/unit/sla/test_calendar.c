/*
 * test_calendar.c - business-hours calendars and the SLA clock (src/sla/
 * calendar.c, clock.c): parsing (and refusing) specs, business seconds
 * across nights, weekends, holidays and UTC offsets, due times that jump
 * over closed time, the clock stopped while pending, a case's three due
 * times, and the quantiles of the reports. Every expected figure is worked
 * out by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/sla.h"

/* Monday 2026-11-23 00:00:00 UTC. */
#define MON 1795392000LL
#define H 3600LL
#define D 86400LL

static void test_parse(void **state)
{
    (void)state;
    es_calendar c;
    char err[128];
    assert_int_equal(es_calendar_parse("mon-fri 09:00-17:00 sat 10:00-14:00 utc+01:00 "
                                       "holidays=2026-12-25,2026-12-24,2026-12-25",
                                       &c, err, sizeof err),
                     ES_OK);
    assert_int_equal(c.open[1], 9 * 3600);
    assert_int_equal(c.close[5], 17 * 3600);
    assert_int_equal(c.open[6], 10 * 3600);
    assert_int_equal(c.close[0], 0); /* Sunday closed */
    assert_int_equal(c.utc_offset, 3600);
    assert_int_equal(c.n_holidays, 2); /* sorted, the repeat dropped */
    assert_true(c.holidays[0] < c.holidays[1]);
    assert_int_equal(es_calendar_parse("24x7", &c, err, sizeof err), ES_OK);
    assert_int_equal(c.close[3], 86400);
    assert_int_equal(es_calendar_parse("fri-mon 00:00-24:00 utc-05:30", &c, err, sizeof err),
                     ES_OK);
    assert_int_equal(c.close[0], 86400); /* the range wraps through Sunday */
    assert_int_equal(c.close[2], 0);
    assert_int_equal(c.utc_offset, -(5 * 3600 + 1800));

    static const char *const bad[] = {"",
                                      "mon-fri",
                                      "mon-fri 17:00-09:00",
                                      "mon 09:00-25:00",
                                      "moon 09:00-10:00",
                                      "mon 9:00-17:00",
                                      "utc+15:00 24x7",
                                      "holidays=2026-13-01 24x7",
                                      "24x7 holidays=2026-1-1",
                                      "mon 09:00-17:00 bogus"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        assert_int_equal(es_calendar_parse(bad[i], &c, err, sizeof err), ES_EPARSE);
        assert_true(strlen(err) > 0);
    }
    assert_int_equal(es_calendar_parse(NULL, &c, err, sizeof err), ES_EINVAL);
}

static void test_between(void **state)
{
    (void)state;
    es_calendar c;
    assert_int_equal(es_calendar_parse("mon-fri 09:00-17:00", &c, NULL, 0), ES_OK);
    /* Monday 08:00 to 10:00: one business hour. */
    assert_int_equal(es_calendar_between(&c, MON + 8 * H, MON + 10 * H), H);
    /* Monday 16:00 to Tuesday 10:00: 1 h + 1 h. */
    assert_int_equal(es_calendar_between(&c, MON + 16 * H, MON + D + 10 * H), 2 * H);
    /* Friday 16:00 to Monday 10:00: 1 h + 1 h; the weekend is closed. */
    assert_int_equal(es_calendar_between(&c, MON + 4 * D + 16 * H, MON + 7 * D + 10 * H), 2 * H);
    /* Five whole weeks: 5 * 40 h (the week skip). */
    assert_int_equal(es_calendar_between(&c, MON, MON + 35 * D), 200 * H);
    assert_int_equal(es_calendar_between(&c, MON + 10 * H, MON + 10 * H), 0);
    assert_int_equal(es_calendar_between(&c, MON + 10 * H, MON), 0);
    /* A holiday on Tuesday 2026-11-24. */
    assert_int_equal(es_calendar_parse("mon-fri 09:00-17:00 holidays=2026-11-24", &c, NULL, 0),
                     ES_OK);
    assert_int_equal(es_calendar_between(&c, MON, MON + 7 * D), 32 * H);
    /* UTC+02:00: the office opens at 07:00 UTC. Monday 06:00-08:00 UTC is
     * 08:00-10:00 local: one hour. */
    assert_int_equal(es_calendar_parse("mon-fri 09:00-17:00 utc+02:00", &c, NULL, 0), ES_OK);
    assert_int_equal(es_calendar_between(&c, MON + 6 * H, MON + 8 * H), H);
    /* Before 1970 works too (floor division). */
    es_calendar_always(&c);
    assert_int_equal(es_calendar_between(&c, -D - 5, -D + 5), 10);
}

static void test_due(void **state)
{
    (void)state;
    es_calendar c;
    int64_t due = 0;
    assert_int_equal(es_calendar_parse("mon-fri 09:00-17:00", &c, NULL, 0), ES_OK);
    /* 2 business hours from Monday 16:00: Tuesday 10:00. */
    assert_int_equal(es_calendar_due(&c, MON + 16 * H, 2 * H, &due), ES_OK);
    assert_int_equal(due, MON + D + 10 * H);
    /* From Saturday: Monday 09:00 + 1 h. */
    assert_int_equal(es_calendar_due(&c, MON + 5 * D + 12 * H, H, &due), ES_OK);
    assert_int_equal(due, MON + 7 * D + 10 * H);
    /* Exactly a day's hours from opening: the close of that day. */
    assert_int_equal(es_calendar_due(&c, MON + 9 * H, 8 * H, &due), ES_OK);
    assert_int_equal(due, MON + 17 * H);
    /* 100 business hours from Monday 09:00: 2 weeks (80 h) + 20 h = the
     * third Wednesday 13:00 (Mon 8, Tue 8, Wed 4). */
    assert_int_equal(es_calendar_due(&c, MON + 9 * H, 100 * H, &due), ES_OK);
    assert_int_equal(due, MON + 16 * D + 13 * H);
    /* due and between agree. */
    for (int64_t start = MON - 3 * D; start < MON + 9 * D; start += 7919) {
        for (int64_t secs = 1; secs < 90 * H; secs = secs * 3 + 17) {
            assert_int_equal(es_calendar_due(&c, start, secs, &due), ES_OK);
            assert_int_equal(es_calendar_between(&c, start, due), secs);
        }
    }
    assert_int_equal(es_calendar_due(&c, MON, 0, &due), ES_OK);
    assert_int_equal(due, MON);
    /* A calendar that is never open. */
    memset(&c, 0, sizeof c);
    assert_int_equal(es_calendar_due(&c, MON, 10, &due), ES_EINVAL);
}

static void test_clock_pauses(void **state)
{
    (void)state;
    es_calendar c;
    int64_t due = -1;
    es_calendar_always(&c);
    /* 4 h target from Monday 00:00, pending 01:00-03:00: due 06:00. */
    es_sla_pause p1[] = {{MON + H, MON + 3 * H}};
    assert_int_equal(es_sla_clock_due(&c, MON, 4 * H, p1, 1, &due), ES_OK);
    assert_int_equal(due, MON + 6 * H);
    /* Still pending since 01:00: no due time. */
    es_sla_pause p2[] = {{MON + H, 0}};
    assert_int_equal(es_sla_clock_due(&c, MON, 4 * H, p2, 1, &due), ES_OK);
    assert_int_equal(due, 0);
    /* A pause after the target was reached does not move it. */
    es_sla_pause p3[] = {{MON + 5 * H, MON + 9 * H}};
    assert_int_equal(es_sla_clock_due(&c, MON, 4 * H, p3, 1, &due), ES_OK);
    assert_int_equal(due, MON + 4 * H);
    /* A pause over before the start is ignored; one spanning the start
     * delays it to the pause's end. */
    es_sla_pause p4[] = {{MON - 5 * H, MON - 4 * H}, {MON - H, MON + H}};
    assert_int_equal(es_sla_clock_due(&c, MON, 4 * H, p4, 2, &due), ES_OK);
    assert_int_equal(due, MON + 5 * H);
    /* With business hours: Monday 16:00 + 2 h, pending Monday 16:30 to
     * Tuesday 09:30: 30 min before, then 1.5 h from 09:30 = Tuesday 11:00. */
    assert_int_equal(es_calendar_parse("mon-fri 09:00-17:00", &c, NULL, 0), ES_OK);
    es_sla_pause p5[] = {{MON + 16 * H + 1800, MON + D + 9 * H + 1800}};
    assert_int_equal(es_sla_clock_due(&c, MON + 16 * H, 2 * H, p5, 1, &due), ES_OK);
    assert_int_equal(due, MON + D + 11 * H);
}

static void test_case_dues(void **state)
{
    (void)state;
    es_sla_dues d;
    es_sla_case c = {.case_id = 1,
                     .status = "open",
                     .created = MON,
                     .last_customer_at = MON,
                     .first_response = H,
                     .next_response = 2 * H,
                     .resolution = 24 * H};
    assert_int_equal(es_sla_case_dues(&c, &d), ES_OK);
    assert_int_equal(d.first_response, MON + H);
    assert_int_equal(d.next_response, 0); /* nothing answered yet */
    assert_int_equal(d.resolution, MON + D);
    assert_int_equal(d.next, MON + H);
    /* Answered at 00:30, the customer wrote again at 05:00. */
    c.first_response_at = c.last_response_at = MON + 1800;
    c.last_customer_at = MON + 5 * H;
    assert_int_equal(es_sla_case_dues(&c, &d), ES_OK);
    assert_int_equal(d.first_response, 0);
    assert_int_equal(d.next_response, MON + 7 * H);
    assert_int_equal(d.next, MON + 7 * H);
    /* On a business calendar. */
    c.calendar_spec = "mon-fri 09:00-17:00";
    assert_int_equal(es_sla_case_dues(&c, &d), ES_OK);
    assert_int_equal(d.next_response, MON + 11 * H);
    assert_int_equal(d.resolution, MON + 2 * D + 17 * H); /* 24 business hours: Wed 17:00 */
    /* Pending and resolved cases owe nothing. */
    c.status = "pending";
    assert_int_equal(es_sla_case_dues(&c, &d), ES_OK);
    assert_int_equal(d.next, 0);
    c.status = "resolved";
    assert_int_equal(es_sla_case_dues(&c, &d), ES_OK);
    assert_int_equal(d.next, 0);
    /* No policy: no due times. */
    es_sla_case none = {.case_id = 2, .status = "new", .created = MON};
    assert_int_equal(es_sla_case_dues(&none, &d), ES_OK);
    assert_int_equal(d.next, 0);
    /* A stored calendar that no longer parses. */
    c.status = "open";
    c.calendar_spec = "whenever";
    assert_int_equal(es_sla_case_dues(&c, &d), ES_EPARSE);
    assert_int_equal(es_sla_case_dues(NULL, &d), ES_EINVAL);
}

static void test_quantile(void **state)
{
    (void)state;
    int64_t v[] = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
    assert_true(es_sla_quantile(v, 0, 0.5) == 0);
    assert_true(es_sla_quantile(v, 1, 0.9) == 10);
    assert_true(es_sla_quantile(v, 2, 0.5) == 15);
    assert_true(es_sla_quantile(v, 10, 0.5) == 55);
    assert_true(es_sla_quantile(v, 10, 0.9) == 91); /* pos 8.1: 90 + 0.1 * 10 */
    assert_true(es_sla_quantile(v, 10, 0) == 10);
    assert_true(es_sla_quantile(v, 10, 1) == 100);
    assert_true(es_sla_quantile(v, 5, 0.5) == 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),     cmocka_unit_test(test_between),
        cmocka_unit_test(test_due),       cmocka_unit_test(test_clock_pauses),
        cmocka_unit_test(test_case_dues), cmocka_unit_test(test_quantile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
