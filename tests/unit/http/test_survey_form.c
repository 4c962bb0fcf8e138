/*
 * test_survey_form.c - the reading of a posted QR survey form
 * (es__http_survey_read, src/http/survey_web.c) against the default
 * template: valid answers, and bad input refused with a message beside
 * its question (unanswered, out of range, not a number, a text too long,
 * a contact that is neither a phone nor an email).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/survey_web.h"

/* Decodes body and reads it; returns the number of errors. */
static int read_form(const char *body, es__survey_post *out, es_arena_t *a)
{
    es_http_form f;
    const char *why = NULL;
    es_survey sv;
    es_survey_template(&sv, NULL, NULL);
    assert_int_equal(es_http_form_decode(a, body, strlen(body), NULL, &f, &why), ES_OK);
    return es__http_survey_read(a, &f, &sv, out);
}

static void valid_answers(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(4096, 1 << 20);
    es__survey_post p;
    assert_int_equal(read_form("q1=5&q2=10&q3=1&q4=Fast+and+kind&contact=%2B447700900123", &p, a),
                     0);
    assert_int_equal(p.n, 4);
    assert_int_equal(p.a[0].value, 5);
    assert_int_equal(p.a[1].value, 10);
    assert_string_equal(p.a[3].text, "Fast and kind");
    assert_string_equal(p.contact, "+447700900123");
    /* The comment is optional; an email is a contact too. */
    assert_int_equal(read_form("q1=3&q2=0&q3=2&q4=&contact=ann%40example.com", &p, a), 0);
    assert_int_equal(p.n, 3);
    es_arena_free(a);
}

static void bad_input_has_messages(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(4096, 1 << 20);
    es__survey_post p;
    assert_int_equal(read_form("q2=11&q3=x&q4=ok", &p, a), 3);
    assert_string_equal(p.error[0], "Please answer this question.");
    assert_non_null(strstr(p.error[1], "0 to 10"));
    assert_non_null(strstr(p.error[2], "1 to 5"));
    assert_null(p.error[3]);
    assert_string_equal(p.value[1], "11"); /* kept, to be shown again */
    static const char *const bad_contacts[] = {"contact=12345", "contact=%2B12", "contact=a%40b",
                                               "contact=ann%40example.com.", NULL};
    for (size_t i = 0; bad_contacts[i]; i++) {
        char body[128];
        snprintf(body, sizeof body, "q1=4&q2=9&q3=4&%s", bad_contacts[i]);
        assert_int_equal(read_form(body, &p, a), 1);
        assert_non_null(p.contact_error);
    }
    /* A comment over 2,000 bytes is refused with its hint. */
    size_t n = 2100;
    char *body = malloc(n + 32);
    assert_non_null(body);
    int k = snprintf(body, 32, "q1=4&q2=9&q3=4&q4=");
    memset(body + k, 'a', n);
    body[k + (int)n] = '\0';
    assert_int_equal(read_form(body, &p, a), 1);
    assert_non_null(p.error[3]);
    free(body);
    es_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_answers),
        cmocka_unit_test(bad_input_has_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
