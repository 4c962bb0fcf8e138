/*
 * test_patch.c - the PATCH /api/v1/cases/{id} body parser (src/inbox/patch.c):
 * every field, null ids, tags to add and remove, and the refusals (unknown
 * field, wrong types, NUL inside a string, out-of-range priority, too many
 * tags, not an object, duplicate keys), each with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "inbox/inbox.h"

static int parse(const char *body, es__case_patch *p, const char **why)
{
    return es__inbox_patch_parse(body, strlen(body), p, why);
}

static void test_fields(void **state)
{
    (void)state;
    es__case_patch p;
    const char *why;
    assert_int_equal(parse("{\"status\":\"open\",\"assignee_id\":7,\"team_id\":null,"
                           "\"priority\":2,\"sentiment\":\"neutral\",\"intent\":\"request\","
                           "\"department\":\"baggage\","
                           "\"tags\":{\"add\":[\"a\",\"b\"],\"remove\":[\"c\"]}}",
                           &p, &why),
                     0);
    assert_string_equal(p.c.status, "open");
    assert_int_equal(p.c.assignee_id, 7);
    assert_int_equal(p.c.team_id, 0);
    assert_int_equal(p.c.priority, 2);
    assert_string_equal(p.c.sentiment, "neutral");
    assert_string_equal(p.c.intent, "request");
    assert_string_equal(p.c.department, "baggage");
    assert_int_equal(p.c.n_tags_add, 2);
    assert_string_equal(p.c.tags_add[1], "b");
    assert_int_equal(p.c.n_tags_remove, 1);
    assert_string_equal(p.c.tags_remove[0], "c");
    es__inbox_patch_free(&p);
    /* nothing: a change that keeps everything */
    assert_int_equal(parse("{}", &p, &why), 0);
    assert_int_equal(p.c.assignee_id, ES_CASE_KEEP);
    assert_int_equal(p.c.team_id, ES_CASE_KEEP);
    assert_int_equal(p.c.priority, 0);
    assert_null(p.c.status);
    es__inbox_patch_free(&p);
}

static void test_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "[]",
        "{not json",
        "{\"colour\":\"red\"}",
        "{\"status\":1}",
        "{\"status\":\"op\\u0000en\"}",
        "{\"status\":\"a very long status name\"}",
        "{\"priority\":0}",
        "{\"priority\":5}",
        "{\"priority\":\"1\"}",
        "{\"priority\":1.5}",
        "{\"assignee_id\":-3}",
        "{\"assignee_id\":\"7\"}",
        "{\"team_id\":0}",
        "{\"tags\":[\"x\"]}",
        "{\"tags\":{\"add\":\"x\"}}",
        "{\"tags\":{\"add\":[1]}}",
        "{\"tags\":{\"replace\":[\"x\"]}}",
        "{\"tags\":{\"add\":[\"a\\u0000b\"]}}",
        "{\"status\":\"open\",\"status\":\"new\"}",
        NULL,
    };
    es__case_patch p;
    const char *why;
    for (size_t i = 0; bad[i]; i++) {
        why = NULL;
        if (parse(bad[i], &p, &why) == 0)
            fail_msg("accepted %s", bad[i]);
        assert_non_null(why);
    }
    assert_int_equal(es__inbox_patch_parse(NULL, 0, &p, &why), -1);
    /* 33 tags to add: over the limit */
    char body[1024];
    size_t o = (size_t)snprintf(body, sizeof body, "{\"tags\":{\"add\":[");
    for (int i = 0; i < 33; i++)
        o += (size_t)snprintf(body + o, sizeof body - o, "%s\"t%d\"", i ? "," : "", i);
    snprintf(body + o, sizeof body - o, "]}}");
    assert_int_equal(parse(body, &p, &why), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
