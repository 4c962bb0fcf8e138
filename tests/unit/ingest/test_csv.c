/*
 * test_csv.c - CSV with a header and a column mapping: quoted fields with
 * line breaks, CRLF, doubled quotes, HTML entities, the airline export's
 * dates, every rejection, mapping errors, the mapping by header names, the
 * whole airline train split (skipped without the shared data) and
 * allocation failures.
 */
#include "ingest_test.h"

#define AIRLINE_MAP "id=tweet_id,text=text,author=name,created_at=tweet_created,brand_hint=airline"

static void test_rows(void **state)
{
    run *r = run_file("airline_sample.csv", ES_FORMAT_AUTO, AIRLINE_MAP ",location=tweet_location");
    assert_int_equal(r->open_rc, ES_OK);
    assert_int_equal(r->n, 4);
    const es_mention_t *m = run_find(r, "570306133677760513");
    assert_string_equal(m->source, "web");
    assert_string_equal(m->text, "@VirginAmerica What @dhepburn said.");
    assert_string_equal(m->author, "cairdin");
    assert_string_equal(m->brand_hint, "Virgin America");
    assert_int_equal(m->created_at, 1424806552);
    assert_null(m->location);
    assert_int_equal(r->m_line[0], 2);

    m = run_find(r, "570301130888122368"); /* quoted line break, entity */
    assert_string_equal(m->text, "@united 3 hours on the tarmac & no water.\nNever again.");
    assert_string_equal(m->location, "Lets Play, NJ");
    assert_int_equal(r->m_line[1], 3);

    m = run_find(r, "570301083672813571"); /* doubled quotes, emoji; line 5 */
    assert_string_equal(m->text, "@JetBlue I \"love\" this crew \xf0\x9f\x98\x8d");
    assert_string_equal(m->location, "\xc3\x9c"
                                     "berlingen");
    assert_int_equal(r->m_line[2], 5);

    m = run_find(r, "570300000000000009"); /* CRLF inside quotes is kept */
    assert_string_equal(m->text, "still read after\r\nthe bad rows");
    assert_int_equal(r->m_line[3], 12);
    run_free(r);
}

static void test_rejects(void **state)
{
    run *r = run_file("airline_sample.csv", ES_FORMAT_CSV, AIRLINE_MAP);
    static const char *const want[] = {
        "line 7: row has 6 columns, the header has 8",
        "line 8: invalid UTF-8 at byte 48",
        "line 9: field 'created_at': unrecognised date \"24/02/2015\"",
        "line 10: missing text",
        "line 11: CSV: error parsing data while strict checking enabled",
        "line 14: quoted field not closed at end of input",
    };
    assert_int_equal(r->n_rej, sizeof want / sizeof *want);
    for (size_t i = 0; i < r->n_rej; i++)
        assert_string_equal(r->reason[i], want[i]);
    run_free(r);
}

static void open_fails(const char *csv, const char *map, const char *msg)
{
    run *r = run_str(csv, strlen(csv), ES_FORMAT_CSV, map);
    assert_int_not_equal(r->open_rc, ES_OK);
    if (!strstr(r->err, msg))
        fail_msg("got \"%s\", want \"%s\"", r->err, msg);
    run_free(r);
}

static void test_mapping_errors(void **state)
{
    const char *csv = "tweet_id,text,name\n1,hello,bob\n";
    open_fails(csv, "id=tweet_id,text=txt", "--map: no column 'txt' in the CSV header");
    open_fails(csv, "id=tweet_id,text=text,handle=name", "--map: unknown mention field 'handle'");
    open_fails(csv, "id=tweet_id,text", "--map: 'text' is not field=column");
    open_fails(csv, "text=text", "CSV: no column for 'id': give --map id=COLUMN");
    open_fails(csv, NULL, "CSV: no column for 'id'");
    open_fails("", NULL, "CSV input is empty");
    open_fails("a,\"b\n", NULL, "CSV header: line 1: quoted field not closed");
}

/* Without --map, columns named like fields are used; the source column and
 * followers are read; a UTF-8 byte order mark is skipped. */
static void test_header_names(void **state)
{
    static const char csv[] = "\xEF\xBB\xBF"
                              "id,text,source,followers,created_at,lang,extra\n"
                              "r1,Great &lt;3,review,12,2024-01-02T03:04:05Z,en,x\n"
                              "r2,Fine,,,,,\n"
                              "r3,Bad,sms,-4,,,\n";
    run *r = run_str(csv, sizeof csv - 1, ES_FORMAT_CSV, NULL);
    assert_int_equal(r->open_rc, ES_OK);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->m[0].text, "Great <3");
    assert_string_equal(r->m[0].source, "review");
    assert_int_equal(r->m[0].followers, 12);
    assert_int_equal(r->m[0].created_at, 1704164645);
    assert_string_equal(r->m[0].lang, "en");
    assert_string_equal(r->m[1].source, "web");
    assert_int_equal(r->m[1].followers, -1);
    assert_int_equal(r->n_rej, 1);
    assert_string_equal(r->reason[0], "line 4: field 'followers' is not a whole number");
    run_free(r);
}

/* The whole airline train split, through reader and decoder with one map. */
static void test_airline_train(void **state)
{
    const char *path = ES_SHARED_DATA "/airline/train.csv";
    FILE *fp = fopen(path, "rb");
    es_reader_opts o = {ES_FORMAT_AUTO, "twitter", AIRLINE_MAP};
    es_reader_t *rd;
    es_record rec;
    char err[256];
    long rows = 0, mentions = 0, amp = 0;
    es_err rc;
    if (!fp)
        skip();
    assert_int_equal(es_reader_open(fp, path, &o, &rd, err, sizeof err), ES_OK);
    es_arena_t *a = es_arena_new(0, 0);
    assert_non_null(a);
    while ((rc = es_reader_next(rd, &rec)) != ES_END) {
        es_mention_t *ms;
        size_t n;
        const char *why = NULL;
        assert_int_equal(rc, ES_OK);
        rows++;
        rc = es_decode(es_reader_decoder(rd), &rec, a, &ms, &n, &why);
        if (rc)
            fail_msg("%s", why ? why : es_strerror(rc));
        assert_int_equal(n, 1);
        assert_string_equal(ms[0].source, "twitter");
        assert_true(ms[0].created_at >= 1423000000 && ms[0].created_at < 1426000000);
        amp += strstr(ms[0].text, "&amp;") != NULL;
        mentions++;
        es_arena_reset(a);
    }
    assert_int_equal(rows, 10209);
    assert_int_equal(mentions, 10209);
    assert_int_equal(amp, 0);
    assert_int_equal(es_reader_offset(rd), es_reader_total(rd));
    es_arena_free(a);
    es_reader_free(rd);
    fclose(fp);
}

/* A quoted field over ES_MAX_RECORD, with line breaks: the row is
 * rejected and the next row is read where the quote closes. */
static void test_row_limit(void **state)
{
    size_t big = ES_MAX_RECORD + 100;
    char *in = malloc(big + 200);
    assert_non_null(in);
    int k = snprintf(in, 64, "id,text\n1,\"");
    for (size_t i = 0; i < big; i++)
        in[k + i] = i % 100 == 99 ? '\n' : 'z';
    snprintf(in + k + big, 100, "\"\n2,\"next, row\"\n");
    run *r = run_str(in, strlen(in), ES_FORMAT_CSV, NULL);
    assert_int_equal(r->n_rej, 1);
    assert_string_equal(r->reason[0], "line 2: record over 1048576 bytes");
    assert_int_equal(r->n, 1);
    assert_string_equal(r->m[0].text, "next, row");
    assert_int_equal(r->m_line[0], 2 + (long)(big / 100) + 1);
    run_free(r);
    free(in);
}

static void test_alloc_failures(void **state)
{
    static const char csv[] = "tweet_id,text,name,tweet_created\n"
                              "9,\"a &amp; b\nc\",bob,2015-02-24 11:35:52 -0800\n";
    FILE *fp = fmemopen((void *)csv, sizeof csv - 1, "r");
    es_reader_opts o = {ES_FORMAT_CSV, NULL,
                        "id=tweet_id,text=text,author=name,created_at=tweet_created"};
    es_reader_t *rd;
    es_record rec;
    char err[128];
    int ok = 0;
    assert_int_equal(es_reader_open(fp, NULL, &o, &rd, err, sizeof err), ES_OK);
    assert_int_equal(es_reader_next(rd, &rec), ES_OK);
    for (long k = 0; k < 100 && !ok; k++) {
        es_arena_t *a = es_arena_new(64, 0);
        es_mention_t *ms;
        size_t n;
        const char *why;
        assert_non_null(a);
        es_fail_alloc_after(k);
        es_err rc = es_decode(es_reader_decoder(rd), &rec, a, &ms, &n, &why);
        es_fail_alloc_after(-1);
        assert_true(rc == ES_OK || rc == ES_ENOMEM);
        ok = rc == ES_OK;
        es_arena_free(a);
    }
    assert_true(ok);
    es_reader_free(rd);
    fclose(fp);
    /* The header and the mapping, failing in turn. */
    for (long k = 0; k < 20; k++) {
        fp = fmemopen((void *)csv, sizeof csv - 1, "r");
        es_fail_alloc_after(k);
        es_err rc = es_reader_open(fp, NULL, &o, &rd, err, sizeof err);
        es_fail_alloc_after(-1);
        assert_true(rc == ES_OK || rc == ES_ENOMEM);
        if (rc == ES_OK)
            es_reader_free(rd);
        fclose(fp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),           cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_mapping_errors), cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_airline_train),  cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_row_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
