/*
 * test_survey_store.c - the foundations of the voice of the customer
 * against a real SQLite file: locations (checks, add, find by code or key,
 * taken codes), survey definitions (the default template, refusals of bad
 * definitions, the single default), responses (answers checked against the
 * survey, idempotent on channel and external id, the overall and recommend
 * copies), the opt-out list and the reading of typed answers with their hints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "earshot/location.h"
#include "earshot/store.h"
#include "earshot/survey.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    es_store_t *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_voc_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    if (es_store_open(f->path, &f->s))
        fail_msg("open: %s", es_store_errmsg(f->s));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char p[160];
    es_store_close(f->s);
    static const char *const files[] = {"earshot.db", "earshot.db-wal", "earshot.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

typedef struct got_loc {
    int64_t id;
    char key[ES_LOCATION_KEY_MAX + 1];
    char region[ES_LOCATION_KEY_MAX + 1];
    char tz[ES_LOCATION_TZ_MAX + 1];
} got_loc;

static void take_loc(const es_location *l, void *ud)
{
    got_loc *g = ud;
    g->id = l->id;
    snprintf(g->key, sizeof g->key, "%s", l->key);
    snprintf(g->region, sizeof g->region, "%s", l->region);
    snprintf(g->tz, sizeof g->tz, "%s", l->tz);
}

static void test_locations(void **state)
{
    fixture *f = *state;
    es_location l = {.key = "eu/fr/lyon-14", .code = "1234", .name = "Lyon Part-Dieu",
                     .tz = "Europe/Paris"};
    int64_t id = 0;
    assert_int_equal(es_location_add(f->s, &l, 0, &id), ES_OK);
    assert_true(id > 0);
    got_loc g = {0};
    /* by code, without regard to case, and by key */
    es_location coded = {.key = "us/nyc-1", .code = "NYC1", .name = "New York 1"};
    int64_t id2 = 0;
    assert_int_equal(es_location_add(f->s, &coded, 0, &id2), ES_OK);
    assert_int_equal(es_location_find(f->s, "nyc1", take_loc, &g), ES_OK);
    assert_int_equal(g.id, id2);
    assert_string_equal(g.tz, "UTC");
    assert_int_equal(es_location_find(f->s, "eu/fr/lyon-14", take_loc, &g), ES_OK);
    assert_int_equal(g.id, id);
    assert_string_equal(g.region, "eu/fr/");
    assert_string_equal(g.tz, "Europe/Paris");
    assert_int_equal(es_location_find(f->s, "9999", take_loc, &g), ES_ENOTFOUND);
    /* taken code (another case) and taken key */
    es_location dup = {.key = "eu/fr/lyon-15", .code = "nyc1", .name = "x"};
    assert_int_equal(es_location_add(f->s, &dup, 0, NULL), ES_EEXIST);
    dup.code = "5555";
    dup.key = "eu/fr/lyon-14";
    assert_int_equal(es_location_add(f->s, &dup, 0, NULL), ES_EEXIST);
    /* bad fields */
    static const char *const bad_keys[] = {"", "/lyon", "eu/", "eu//lyon", "eu/ly on", "a\"b"};
    for (size_t i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++) {
        es_location b = {.key = bad_keys[i], .code = "77", .name = "x"};
        assert_int_equal(es_location_add(f->s, &b, 0, NULL), ES_EINVAL);
        assert_non_null(strstr(es_store_errmsg(f->s), "key"));
    }
    es_location b = {.key = "eu/x", .code = "12-34", .name = "x"};
    assert_int_equal(es_location_add(f->s, &b, 0, NULL), ES_EINVAL);
    b.code = "12345678901234567";
    assert_int_equal(es_location_add(f->s, &b, 0, NULL), ES_ELIMIT);
    b.code = "77";
    b.review_url = "javascript:alert(1)";
    assert_int_equal(es_location_add(f->s, &b, 0, NULL), ES_EINVAL);
    /* regions were made for every prefix of the key */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT group_concat(path, ',') FROM"
                                            " (SELECT path FROM regions ORDER BY path)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "eu/,eu/fr/,us/");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

typedef struct got_survey {
    int64_t id;
    size_t n;
    char label3[ES_SURVEY_LABEL_MAX + 1];
    es_question_role role2;
    int hot;
} got_survey;

static void take_survey(const es_survey *sv, void *ud)
{
    got_survey *g = ud;
    g->id = sv->id;
    g->n = sv->n_questions;
    snprintf(g->label3, sizeof g->label3, "%s", sv->q[2].label);
    g->role2 = sv->q[1].role;
    g->hot = sv->hot_threshold;
}

static void test_surveys(void **state)
{
    fixture *f = *state;
    got_survey g = {0};
    assert_int_equal(es_survey_get(f->s, 0, take_survey, &g), ES_ENOTFOUND);
    es_survey sv;
    es_survey_template(&sv, NULL, "Cleanliness");
    assert_string_equal(sv.q[2].text, "How would you rate the cleanliness? (1-5)");
    int64_t a = 0, b = 0;
    assert_int_equal(es_survey_add(f->s, &sv, 0, &a), ES_OK);
    assert_int_equal(es_survey_get(f->s, 0, take_survey, &g), ES_OK);
    assert_int_equal(g.id, a);
    assert_int_equal(g.n, 4);
    assert_string_equal(g.label3, "Cleanliness");
    assert_int_equal(g.role2, ES_QR_RECOMMEND);
    assert_int_equal(g.hot, 2);
    assert_int_equal(es_survey_add(f->s, &sv, 0, NULL), ES_EEXIST);
    /* a second default replaces the first */
    es_survey_template(&sv, "lunch", NULL);
    assert_int_equal(es_survey_add(f->s, &sv, 0, &b), ES_OK);
    assert_int_equal(es_survey_get(f->s, 0, take_survey, &g), ES_OK);
    assert_int_equal(g.id, b);
    assert_string_equal(g.label3, "Speed of service");
    assert_int_equal(es_survey_get(f->s, a, take_survey, &g), ES_OK);
    assert_int_equal(g.id, a);
    /* refusals */
    es_survey bad;
    es_survey_template(&bad, "bad", NULL);
    bad.q[0].kind = ES_Q_SCALE10;
    assert_int_equal(es_survey_add(f->s, &bad, 0, NULL), ES_EINVAL);
    es_survey_template(&bad, "bad", NULL);
    bad.q[2].role = ES_QR_OVERALL;
    bad.q[2].kind = ES_Q_SCALE5;
    assert_int_equal(es_survey_add(f->s, &bad, 0, NULL), ES_EINVAL);
    es_survey_template(&bad, "bad", NULL);
    bad.q[3].key = "overall";
    assert_int_equal(es_survey_add(f->s, &bad, 0, NULL), ES_EINVAL);
    es_survey_template(&bad, "bad", NULL);
    bad.n_questions = 11;
    assert_int_equal(es_survey_add(f->s, &bad, 0, NULL), ES_ELIMIT);
    es_survey_template(&bad, "bad", NULL);
    bad.hot_threshold = 0;
    assert_int_equal(es_survey_add(f->s, &bad, 0, NULL), ES_EINVAL);
}

static int64_t one_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void test_responses(void **state)
{
    fixture *f = *state;
    es_location l = {.key = "store-1", .code = "1", .name = "Store 1"};
    int64_t loc = 0, sid = 0, rid = 0, rid2 = 0;
    assert_int_equal(es_location_add(f->s, &l, 0, &loc), ES_OK);
    es_survey sv;
    es_survey_template(&sv, NULL, NULL);
    assert_int_equal(es_survey_add(f->s, &sv, 0, &sid), ES_OK);
    es_survey_answer ans[] = {{1, 1, 2, NULL}, {2, 1, 9, NULL}, {4, 0, 0, "cold fries"}};
    es_survey_response r = {.survey_id = sid, .location_id = loc, .channel = "sms",
                            .external_id = "SM1", .contact = "+15550001", .started = 1800000000,
                            .n_answers = 3, .answers = ans};
    int fresh = -1;
    assert_int_equal(es_survey_response_add(f->s, &r, &rid, &fresh), ES_OK);
    assert_int_equal(fresh, 1);
    assert_int_equal(es_survey_response_add(f->s, &r, &rid2, &fresh), ES_OK);
    assert_int_equal(fresh, 0);
    assert_int_equal(rid2, rid);
    assert_int_equal(one_int(f->path, "SELECT count(*) FROM survey_responses"), 1);
    assert_int_equal(one_int(f->path, "SELECT overall FROM survey_responses"), 2);
    assert_int_equal(one_int(f->path, "SELECT recommend FROM survey_responses"), 9);
    assert_int_equal(one_int(f->path, "SELECT completed FROM survey_responses"), -2);
    /* the same external id on another channel is another response */
    r.channel = "web";
    assert_int_equal(es_survey_response_add(f->s, &r, &rid2, &fresh), ES_OK);
    assert_int_equal(fresh, 1);
    assert_true(rid2 != rid);
    /* answers that do not fit their questions */
    es_survey_answer bad[][1] = {{{1, 1, 6, NULL}}, {{2, 1, 11, NULL}}, {{4, 1, 3, NULL}},
                                 {{1, 0, 0, "great"}}, {{7, 1, 1, NULL}}};
    r.external_id = NULL;
    r.n_answers = 1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r.answers = bad[i];
        assert_int_equal(es_survey_response_add(f->s, &r, NULL, NULL), ES_EINVAL);
    }
    es_survey_answer twice[] = {{1, 1, 3, NULL}, {1, 1, 4, NULL}};
    r.answers = twice;
    r.n_answers = 2;
    assert_int_equal(es_survey_response_add(f->s, &r, NULL, NULL), ES_EINVAL);
    r.n_answers = 0;
    r.location_id = loc + 100;
    assert_int_equal(es_survey_response_add(f->s, &r, NULL, NULL), ES_EINVAL);
    r.location_id = loc;
    r.channel = "pigeon";
    assert_int_equal(es_survey_response_add(f->s, &r, NULL, NULL), ES_EINVAL);
    assert_int_equal(one_int(f->path, "SELECT count(*) FROM survey_responses"), 2);
}

static void test_optouts(void **state)
{
    fixture *f = *state;
    int out = -1;
    assert_int_equal(es_survey_optout_get(f->s, "+15550001", &out), ES_OK);
    assert_int_equal(out, 0);
    assert_int_equal(es_survey_optout_set(f->s, "+15550001", 1, "sms:STOP", 1800000000), ES_OK);
    assert_int_equal(es_survey_optout_get(f->s, "+15550001", &out), ES_OK);
    assert_int_equal(out, 1);
    assert_int_equal(es_survey_optout_set(f->s, "A@Example.com", 1, "email", 1800000000), ES_OK);
    assert_int_equal(es_survey_optout_get(f->s, "a@example.COM", &out), ES_OK);
    assert_int_equal(out, 1);
    assert_int_equal(es_survey_optout_set(f->s, "+15550001", 0, "sms:UNSTOP", 1800000100), ES_OK);
    assert_int_equal(es_survey_optout_get(f->s, "+15550001", &out), ES_OK);
    assert_int_equal(out, 0);
    assert_int_equal(es_survey_optout_set(f->s, "", 1, NULL, 1), ES_EINVAL);
}

static void test_answer_parse(void **state)
{
    (void)state;
    es_survey sv;
    es_survey_template(&sv, NULL, NULL);
    int v = -1, has = -1;
    char err[80];
    assert_int_equal(es_survey_answer_parse(&sv.q[0], " 4 ", &v, &has, err, sizeof err), ES_OK);
    assert_int_equal(v, 4);
    assert_int_equal(has, 1);
    assert_int_equal(es_survey_answer_parse(&sv.q[0], "7", &v, &has, err, sizeof err), ES_EINVAL);
    assert_string_equal(err, "Please reply with a number from 1 to 5.");
    static const char *const bad[] = {"", "4.5", "four", "-1", "0", "10000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(es_survey_answer_parse(&sv.q[0], bad[i], &v, &has, err, sizeof err),
                         ES_EINVAL);
    assert_int_equal(es_survey_answer_parse(&sv.q[1], "0", &v, &has, err, sizeof err), ES_OK);
    assert_int_equal(v, 0);
    assert_int_equal(es_survey_answer_parse(&sv.q[1], "10", &v, &has, err, sizeof err), ES_OK);
    assert_int_equal(v, 10);
    assert_int_equal(es_survey_answer_parse(&sv.q[1], "11", &v, &has, err, sizeof err), ES_EINVAL);
    es_survey_question yn = {3, "clean", ES_Q_YESNO, ES_QR_DRIVER, "Was it clean?", "Clean"};
    assert_int_equal(es_survey_answer_parse(&yn, "Yes", &v, &has, err, sizeof err), ES_OK);
    assert_int_equal(v, 1);
    assert_int_equal(es_survey_answer_parse(&yn, " n", &v, &has, err, sizeof err), ES_OK);
    assert_int_equal(v, 0);
    assert_int_equal(es_survey_answer_parse(&yn, "maybe", &v, &has, err, sizeof err), ES_EINVAL);
    assert_string_equal(err, "Please reply YES or NO.");
    assert_int_equal(es_survey_answer_parse(&sv.q[3], "cold fries", &v, &has, err, sizeof err),
                     ES_OK);
    assert_int_equal(has, 0);
    assert_int_equal(es_survey_answer_parse(&sv.q[3], "  ", &v, &has, err, sizeof err), ES_EINVAL);
    assert_int_equal(es_survey_answer_parse(&sv.q[3], "\xff\xfe", &v, &has, err, sizeof err),
                     ES_EINVAL);
    char big[ES_SURVEY_ANSWER_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(es_survey_answer_parse(&sv.q[3], big, &v, &has, err, sizeof err), ES_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_locations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_surveys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_responses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_optouts, setup, teardown),
        cmocka_unit_test(test_answer_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
