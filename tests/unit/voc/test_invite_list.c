/*
 * test_invite_list.c - reading invitation lists (invite_list.c): CSV with
 * its header's column names, JSON arrays and {"contacts": [...]}, channels
 * told by the contact's form, visit times, and the refusals of bad input
 * with messages that say where (bad contacts, a channel that does not fit,
 * missing columns, malformed CSV and JSON, too many rows).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/invitation.h"

static es_err parse(const char *text, es_invite_list *l, char *err, size_t size)
{
    return es_invite_list_parse(text, strlen(text), l, err, size);
}

static void test_csv(void **state)
{
    (void)state;
    es_invite_list l;
    char err[256];
    const char *csv = "Phone,Location,Name,visit,extra\r\n"
                      "+15550001,ABC,Ann,2026-11-20T18:30:00Z,x\r\n"
                      "\"bob@example.com\",abc,\"Bob, Jr.\",1700000000,y\r\n"
                      "+15550002,ABC,,,\r\n"
                      "+ann@example.com,ABC,,,\r\n";
    assert_int_equal(parse(csv, &l, err, sizeof err), ES_OK);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.v[3].channel, "email"); /* '+' may start an email */
    assert_string_equal(l.v[0].contact, "+15550001");
    assert_string_equal(l.v[0].channel, "sms");
    assert_string_equal(l.v[0].location, "ABC");
    assert_string_equal(l.v[0].name, "Ann");
    assert_int_equal(l.v[0].visit_at, 1795199400);
    assert_string_equal(l.v[1].channel, "email");
    assert_string_equal(l.v[1].name, "Bob, Jr.");
    assert_int_equal(l.v[1].visit_at, 1700000000);
    assert_null(l.v[2].name);
    assert_int_equal(l.v[2].visit_at, 0);
    es_invite_list_free(&l);
}

static void test_json(void **state)
{
    (void)state;
    es_invite_list l;
    char err[256];
    const char *js = "  [{\"phone\":\"+15550001\",\"location\":\"ABC\",\"visit\":1700000000},"
                     "{\"contact\":\"c@example.org\",\"location\":\"ABC\",\"name\":\"Cy\","
                     "\"channel\":\"email\",\"visit\":\"2026-11-20T18:30:00Z\"}]";
    assert_int_equal(parse(js, &l, err, sizeof err), ES_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].channel, "sms");
    assert_int_equal(l.v[0].visit_at, 1700000000);
    assert_string_equal(l.v[1].name, "Cy");
    assert_int_equal(l.v[1].visit_at, 1795199400);
    es_invite_list_free(&l);
    assert_int_equal(
        parse("{\"contacts\":[{\"email\":\"d@e.fr\",\"location\":\"X1\"}]}", &l, err, sizeof err),
        ES_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].contact, "d@e.fr");
    es_invite_list_free(&l);
    /* an empty list is no error */
    assert_int_equal(parse("[]", &l, err, sizeof err), ES_OK);
    assert_int_equal(l.n, 0);
    es_invite_list_free(&l);
}

/* Each bad input fails with ES_EPARSE and a message holding `where`. */
static void test_bad(void **state)
{
    (void)state;
    static const struct {
        const char *in, *where;
    } cases[] = {
        {"contact,location\n+15550001,ABC\nabc,ABC\n", "line 3: 'abc' is neither"},
        {"contact,location\n+1555,ABC\n", "line 2"},
        {"contact,location\nann@@x.com,ABC\n", "line 2"},
        {"contact,location\nann @x.com,ABC\n", "line 2"},
        {"contact,location,channel\n+15550001,ABC,email\n", "a phone cannot be reached by email"},
        {"contact,location,channel\n+15550001,ABC,fax\n", "sms or email"},
        {"contact,name\n+15550001,Ann\n", "line 1: the header needs"},
        {"phone,email,location\n", "two columns"},
        {"contact,location\n+15550001,\n", "no location"},
        {"contact,location\n\"+15550001,ABC\n", "line 2"},
        {"", "empty"},
        {"[{\"phone\":\"+15550001\"}]", "contact 1: no location"},
        {"[{\"phone\":5550001,\"location\":\"A\"}]", "contact 1"},
        {"[1]", "contact 1: not an object"},
        {"[{\"phone\":\"+15550001\",\"location\":\"A\",\"visit\":true}]", "visit"},
        {"[{\"phone\":\"+15550001\",\"location\":\"A\",\"visit\":\"soon\"}]", "visit time"},
        {"[{\"phone\":\"+15550001\",\"location\":\"A\"}", "line 1"},
        {"{\"people\":[]}", "JSON array"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        es_invite_list l;
        char err[256];
        es_err rc = parse(cases[i].in, &l, err, sizeof err);
        if (rc != ES_EPARSE || !strstr(err, cases[i].where))
            fail_msg("case %zu: rc %d, err '%s' (wanted '%s')", i, rc, err, cases[i].where);
        assert_null(l.v);
    }
}

static void test_limits(void **state)
{
    (void)state;
    size_t n = ES_INVITE_MAX_ROWS + 1, len = 0;
    char *buf = malloc(32 + n * 24);
    assert_non_null(buf);
    len += (size_t)snprintf(buf, 32, "contact,location\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, 24, "+1555%07zu,A\n", i);
    es_invite_list l;
    char err[256];
    assert_int_equal(es_invite_list_parse(buf, len, &l, err, sizeof err), ES_ELIMIT);
    assert_non_null(strstr(err, "more than 10000"));
    /* exactly the limit is fine */
    char *last = buf + len - 1;
    while (last > buf && last[-1] != '\n')
        last--;
    assert_int_equal(es_invite_list_parse(buf, (size_t)(last - buf), &l, err, sizeof err), ES_OK);
    assert_int_equal(l.n, ES_INVITE_MAX_ROWS);
    es_invite_list_free(&l);
    assert_int_equal(
        es_invite_list_parse(buf, (size_t)ES_INVITE_MAX_INPUT + 1, &l, err, sizeof err), ES_ELIMIT);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
