/*
 * test_canonical.c - the canonical JSON Lines schema and the record cutter
 * under it: every rejection reason, CRLF, blank lines, a missing final
 * newline, NUL bytes, truncated UTF-8 at a record's end, records over
 * ES_MAX_RECORD, format names, and allocation failures.
 */
#include "ingest_test.h"

static void test_good_records(void **state)
{
    run *r = run_file("canonical.jsonl", ES_FORMAT_AUTO, NULL);
    assert_int_equal(r->open_rc, ES_OK);
    const es_mention_t *m = run_find(r, "c1");
    assert_string_equal(m->source, "web");
    assert_string_equal(m->author, "maria.k");
    assert_string_equal(m->author_name, "Maria K");
    assert_int_equal(m->followers, 12);
    assert_int_equal(m->created_at, 1709630100);
    assert_string_equal(m->lang, "en");
    assert_string_equal(m->url, "https://example.com/r/1");
    assert_string_equal(m->location, "store-17");
    assert_string_equal(m->brand_hint, "Acme");
    assert_string_equal(m->conversation, "t-88");
    assert_true(m->received_at > 1700000000);

    m = run_find(r, "c2");
    /* The canonical schema's text is literal: entities are not decoded. */
    assert_string_equal(m->text, "Caf\xc3\xa9 was great \xf0\x9f\x98\x80 &amp; staff kind");
    assert_string_equal(m->reply_to, "c1");
    assert_int_equal(m->followers, -1);
    assert_null(m->author);

    m = run_find(r, "c3"); /* CRLF line */
    assert_string_equal(m->text, "missing source falls back");
    assert_int_equal(m->created_at, m->received_at);

    m = run_find(r, "c14"); /* after a truncated sequence */
    assert_string_equal(m->text, "the record after a truncated one is intact \xe2\x82\xac");
    assert_int_equal(r->m_line[r->n - 2], 16);

    m = run_find(r, "16"); /* numeric id, last line without a newline */
    assert_string_equal(m->text, "numeric id, no final newline");
    assert_int_equal(r->m_line[r->n - 1], 18);
    assert_int_equal(r->n, 5);
    run_free(r);
}

static void test_reject_reasons(void **state)
{
    run *r = run_file("canonical.jsonl", ES_FORMAT_CANONICAL, NULL);
    static const char *const want[] = {
        "line 6: missing text",
        "line 7: missing id",
        "line 8: invalid UTF-8 at byte 23",
        "line 9: JSON error at column",
        "line 10: field 'followers' must be a whole number",
        "line 11: field 'created_at': unrecognised date \"yesterday\"",
        "line 12: field 'author' over 1024 bytes",
        "line 13: a record must be a JSON object",
        "line 14: field 'lang' must be a string",
        "line 15: invalid UTF-8 at byte 50",
        "line 17: NUL byte at byte 23",
    };
    assert_int_equal(r->n_rej, sizeof want / sizeof *want);
    for (size_t i = 0; i < r->n_rej; i++) {
        if (!strstr(r->reason[i], want[i]))
            fail_msg("reason %zu: got \"%s\", want \"%s\"", i, r->reason[i], want[i]);
    }
    run_free(r);
}

static void test_jansson_message(void **state)
{
    static const char in[] = "{\"id\":\"a\",\"text\":\"b\",}\n";
    run *r = run_str(in, sizeof in - 1, ES_FORMAT_AUTO, NULL);
    assert_int_equal(r->n_rej, 1);
    assert_non_null(strstr(r->reason[0], "line 1: JSON error at column"));
    assert_non_null(strstr(r->reason[0], "string or '}' expected"));
    run_free(r);
}

/* Unix seconds given as a real: in range they are truncated, far out of
 * range (where the cast to int64 would be undefined) they are rejected. */
static void test_real_seconds(void **state)
{
    static const char in[] = "{\"id\":\"a\",\"text\":\"t\",\"created_at\":1709630100.75}\n"
                             "{\"id\":\"b\",\"text\":\"t\",\"created_at\":1e300}\n"
                             "{\"id\":\"c\",\"text\":\"t\",\"created_at\":-9.3e18}\n";
    run *r = run_str(in, sizeof in - 1, ES_FORMAT_AUTO, NULL);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->m[0].created_at, 1709630100);
    assert_int_equal(r->n_rej, 2);
    assert_string_equal(r->reason[0], "line 2: field 'created_at': Unix seconds out of range");
    assert_string_equal(r->reason[1], "line 3: field 'created_at': Unix seconds out of range");
    run_free(r);
}

static void test_text_limit(void **state)
{
    size_t n = ES_MAX_TEXT + 100;
    char *in = malloc(n + 64);
    assert_non_null(in);
    int k = snprintf(in, 64, "{\"id\":\"long\",\"text\":\"");
    memset(in + k, 'a', ES_MAX_TEXT + 1);
    memcpy(in + k + ES_MAX_TEXT + 1, "\"}\n{\"id\":\"ok\",\"text\":\"fine\"}\n", 30);
    run *r = run_str(in, strlen(in), ES_FORMAT_AUTO, NULL);
    assert_int_equal(r->n_rej, 1);
    assert_string_equal(r->reason[0], "line 1: field 'text' over 65536 bytes");
    assert_int_equal(r->n, 1);
    assert_string_equal(r->m[0].text, "fine");
    run_free(r);
    free(in);
}

/* A record over ES_MAX_RECORD is rejected by the reader, which goes on. */
static void test_record_limit(void **state)
{
    size_t big = ES_MAX_RECORD + 10;
    char *in = malloc(big + 100);
    assert_non_null(in);
    memset(in, 'x', big);
    in[big] = '\n';
    const char tail[] = "{\"id\":\"after\",\"text\":\"next line is read\"}";
    memcpy(in + big + 1, tail, sizeof tail);
    run *r = run_str(in, big + 1 + sizeof tail - 1, ES_FORMAT_AUTO, NULL);
    assert_int_equal(r->n_rej, 1);
    assert_string_equal(r->reason[0], "line 1: record over 1048576 bytes");
    assert_int_equal(r->n, 1);
    assert_string_equal(r->m[0].external_id, "after");
    assert_int_equal(r->m_line[0], 2);
    run_free(r);
    free(in);
}

static void test_offset_total(void **state)
{
    char path[512];
    snprintf(path, sizeof path, "%s/ingest/canonical.jsonl", ES_TEST_DATA);
    FILE *fp = fopen(path, "rb");
    es_reader_t *rd;
    es_record rec;
    char err[128];
    es_err rc;
    assert_non_null(fp);
    assert_int_equal(es_reader_open(fp, path, NULL, &rd, err, sizeof err), ES_OK);
    while ((rc = es_reader_next(rd, &rec)) != ES_END)
        assert_true(rc == ES_OK || rc == ES_REJECTED);
    assert_true(es_reader_total(rd) > 0);
    assert_int_equal(es_reader_offset(rd), es_reader_total(rd));
    es_reader_free(rd);
    fclose(fp);
}

static void test_format_names(void **state)
{
    es_format f;
    static const char *const names[] = {"auto", "jsonl", "twitter-v2", "twitter-v1",
                                        "meta", "csv",   "email",      "mbox"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        assert_int_equal(es_format_parse(names[i], &f), ES_OK);
        assert_int_equal(f, (es_format)i);
        assert_string_equal(es_format_name(f), names[i]);
    }
    assert_int_equal(es_format_parse("xml", &f), ES_EINVAL);
    assert_int_equal(es_format_parse(NULL, &f), ES_EINVAL);
}

static void test_alloc_failures(void **state)
{
    alloc_failures(ES_FORMAT_AUTO,
                   "{\"id\":\"a1\",\"text\":\"broken again\",\"author\":\"bob\",\"lang\":\"en\","
                   "\"created_at\":\"2024-01-02T03:04:05+01:00\"}");
    /* Opening a reader fails cleanly too. */
    for (long k = 0; k < 3; k++) {
        FILE *fp = fmemopen((void *)"{}\n", 3, "r");
        es_reader_opts o = {ES_FORMAT_AUTO, "web", NULL};
        es_reader_t *rd = NULL;
        char err[64];
        es_fail_alloc_after(k);
        es_err rc = es_reader_open(fp, NULL, &o, &rd, err, sizeof err);
        es_fail_alloc_after(-1);
        assert_int_equal(rc, ES_ENOMEM);
        assert_null(rd);
        fclose(fp);
    }
}

/* Growing the record buffer can fail: the reader says so. */
static void test_reader_alloc_failure(void **state)
{
    static const char in[] = "{\"id\":\"1\",\"text\":\"x\"}\n";
    FILE *fp = fmemopen((void *)in, sizeof in - 1, "r");
    es_reader_t *rd;
    es_record rec;
    char err[64];
    assert_int_equal(es_reader_open(fp, NULL, NULL, &rd, err, sizeof err), ES_OK);
    es_fail_alloc_after(0);
    es_err rc = es_reader_next(rd, &rec);
    es_fail_alloc_after(-1);
    assert_int_equal(rc, ES_ENOMEM);
    assert_non_null(strstr(es_reader_errmsg(rd), "out of memory"));
    es_reader_free(rd);
    fclose(fp);
}

/* --source names the source when a record does not. */
static void test_source_option(void **state)
{
    static const char in[] = "{\"id\":\"s1\",\"text\":\"hi\"}\n{\"id\":\"s2\",\"text\":\"hi\","
                             "\"source\":\"sms\"}\n";
    FILE *fp = fmemopen((void *)in, sizeof in - 1, "r");
    run *r = run_fp(fp, "x.jsonl", ES_FORMAT_AUTO, NULL, "review");
    fclose(fp);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->m[0].source, "review");
    assert_string_equal(r->m[1].source, "sms");
    run_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_records),    cmocka_unit_test(test_reject_reasons),
        cmocka_unit_test(test_jansson_message), cmocka_unit_test(test_real_seconds),
        cmocka_unit_test(test_text_limit),
        cmocka_unit_test(test_record_limit),    cmocka_unit_test(test_offset_total),
        cmocka_unit_test(test_format_names),    cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_source_option),   cmocka_unit_test(test_reader_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
