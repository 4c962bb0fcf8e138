/*
 * test_survey_def.c - survey definitions as JSON (src/voc/survey_def.c):
 * a full definition and its defaults, refusals that name the JSON path
 * (syntax, unknown members, wrong types, kinds and roles, lengths, too many
 * questions, the checks of es_survey_check placed at their question), the
 * JSON written back, and es_survey_list over a real SQLite file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "earshot/store.h"
#include "earshot/survey.h"

#define Q_OVERALL "{\"key\":\"overall\",\"kind\":\"scale5\",\"role\":\"overall\",\"text\":\"How?\"}"
#define Q_REC                                                                                      \
    "{\"key\":\"rec\",\"kind\":\"scale10\",\"role\":\"recommend\",\"text\":\"Recommend?\","      \
    "\"label\":\"Recommend\"}"
#define Q_PARK "{\"key\":\"park\",\"kind\":\"yesno\",\"role\":\"driver\",\"text\":\"Parking?\"}"

static es_survey_parsed P;

/* Parses text; returns the error (empty when accepted). */
static const char *parse(const char *text, es_err *rc)
{
    static char err[256];
    *rc = es_survey_parse_json(text, strlen(text), &P, err, sizeof err);
    return err;
}

/* Expects text refused with rc and an error that contains needle. */
static void refused(const char *text, es_err want, const char *needle)
{
    es_err rc;
    const char *err = parse(text, &rc);
    if (rc != want || !strstr(err, needle))
        fail_msg("%s: rc %d, error '%s', expected %d and '%s'", text, rc, err, want, needle);
    assert_int_equal(P.sv.n_questions, 0);
}

static void test_accepts(void **state)
{
    (void)state;
    es_err rc;
    const char *err = parse("{\"name\":\"Quick\",\"hot_threshold\":3,\"default\":true,"
                            "\"questions\":[" Q_OVERALL "," Q_REC "," Q_PARK "]}",
                            &rc);
    assert_int_equal(rc, ES_OK);
    assert_string_equal(err, "");
    assert_string_equal(P.sv.name, "Quick");
    assert_int_equal(P.sv.hot_threshold, 3);
    assert_int_equal(P.sv.is_default, 1);
    assert_int_equal(P.sv.n_questions, 3);
    assert_int_equal(P.sv.q[2].position, 3);
    assert_int_equal(P.sv.q[2].kind, ES_Q_YESNO);
    assert_int_equal(P.sv.q[2].role, ES_QR_DRIVER);
    assert_string_equal(P.sv.q[2].label, "park"); /* the key stands in */
    assert_string_equal(P.sv.q[1].label, "Recommend");
    /* Defaults: threshold 2, not the default survey. */
    static const char dflt[] = "{\"name\":\"d\",\"questions\":[" Q_OVERALL "]}";
    assert_int_equal(es_survey_parse_json(dflt, strlen(dflt), &P, NULL, 0), ES_OK);
    assert_int_equal(P.sv.hot_threshold, 2);
    assert_int_equal(P.sv.is_default, 0);
    /* Written back and read again, it is the same survey. */
    parse("{\"name\":\"Quick\",\"questions\":[" Q_OVERALL "," Q_REC "," Q_PARK "]}", &rc);
    assert_int_equal(rc, ES_OK);
    json_t *j = es_survey_json(&P.sv);
    assert_non_null(j);
    json_object_del(j, "id");
    json_t *qs = json_object_get(j, "questions");
    for (size_t i = 0; i < json_array_size(qs); i++)
        json_object_del(json_array_get(qs, i), "position");
    char *txt = json_dumps(j, 0);
    json_decref(j);
    es_survey_parsed first = P;
    assert_int_equal(es_survey_parse_json(txt, strlen(txt), &P, NULL, 0), ES_OK);
    free(txt);
    assert_int_equal(P.sv.n_questions, first.sv.n_questions);
    for (size_t i = 0; i < P.sv.n_questions; i++) {
        assert_string_equal(P.sv.q[i].key, first.key[i]);
        assert_string_equal(P.sv.q[i].label, first.label[i]);
        assert_int_equal(P.sv.q[i].kind, first.sv.q[i].kind);
    }
}

static void test_refuses(void **state)
{
    (void)state;
    refused("", ES_EINVAL, "line 1");
    refused("{\"name\": \"x\", ", ES_EINVAL, "line 1");
    refused("[1]", ES_EINVAL, "(top): an object");
    refused("{\"name\":\"x\",\"name\":\"y\",\"questions\":[" Q_OVERALL "]}", ES_EINVAL, "line 1");
    refused("{\"questions\":[" Q_OVERALL "]}", ES_EINVAL, "name: missing");
    refused("{\"name\":\"\",\"questions\":[" Q_OVERALL "]}", ES_EINVAL, "name: empty");
    refused("{\"name\":7,\"questions\":[" Q_OVERALL "]}", ES_EINVAL, "name: a string");
    refused("{\"name\":\"x\",\"extra\":1,\"questions\":[" Q_OVERALL "]}", ES_EINVAL,
            "extra: unknown member");
    refused("{\"name\":\"x\",\"hot_threshold\":0,\"questions\":[" Q_OVERALL "]}", ES_EINVAL,
            "hot_threshold: an integer from 1 to 5");
    refused("{\"name\":\"x\",\"hot_threshold\":2.5,\"questions\":[" Q_OVERALL "]}", ES_EINVAL,
            "hot_threshold");
    refused("{\"name\":\"x\",\"default\":1,\"questions\":[" Q_OVERALL "]}", ES_EINVAL,
            "default: true or false");
    refused("{\"name\":\"x\",\"questions\":[]}", ES_EINVAL, "questions: an array of 1 to 10");
    refused("{\"name\":\"x\",\"questions\":{}}", ES_EINVAL, "questions: an array");
    refused("{\"name\":\"x\",\"questions\":[7]}", ES_EINVAL, "questions[0]: an object");
    refused("{\"name\":\"x\",\"questions\":[" Q_OVERALL ",{\"key\":\"a\",\"kind\":\"stars\","
            "\"role\":\"driver\",\"text\":\"t\"}]}",
            ES_EINVAL, "questions[1].kind: unknown kind");
    refused("{\"name\":\"x\",\"questions\":[{\"key\":\"a\",\"kind\":\"scale5\",\"role\":\"boss\","
            "\"text\":\"t\"}]}",
            ES_EINVAL, "questions[0].role: unknown role");
    refused("{\"name\":\"x\",\"questions\":[{\"key\":\"a\",\"kind\":\"scale5\",\"role\":\"driver\","
            "\"text\":\"t\",\"size\":3}]}",
            ES_EINVAL, "questions[0].size: unknown member");
    refused("{\"name\":\"x\",\"questions\":[{\"kind\":\"scale5\",\"role\":\"driver\",\"text\":"
            "\"t\"}]}",
            ES_EINVAL, "questions[0].key: missing");
    refused("{\"name\":\"x\",\"questions\":[{\"key\":\"a\",\"role\":\"driver\",\"text\":\"t\"}]}",
            ES_EINVAL, "questions[0].kind: missing");
    refused("{\"name\":\"x\",\"questions\":[" Q_OVERALL ",{\"key\":\"Bad Key\",\"kind\":"
            "\"scale5\",\"role\":\"driver\",\"text\":\"t\"}]}",
            ES_EINVAL, "questions[1]: a question key must be");
    refused("{\"name\":\"x\",\"questions\":[" Q_OVERALL "," Q_OVERALL "]}", ES_EINVAL,
            "questions[1]: two questions have the same key");
    refused("{\"name\":\"x\",\"questions\":[{\"key\":\"o\",\"kind\":\"scale10\",\"role\":"
            "\"overall\",\"text\":\"t\"}]}",
            ES_EINVAL, "questions[0]: the overall question must be scale5");
    refused("{\"name\":\"x\",\"questions\":[{\"key\":\"o\",\"kind\":\"text\",\"role\":"
            "\"driver\",\"text\":\"t\"}]}",
            ES_EINVAL, "questions[0]: a driver question must be");
    refused("{\"name\":\"x\",\"questions\":[{\"key\":\"o\",\"kind\":\"text\",\"role\":"
            "\"comment\",\"text\":\"a\\u0000b\"}]}",
            ES_EINVAL, "is not allowed");
    refused("{\"name\":\"\xff\xfe\",\"questions\":[" Q_OVERALL "]}", ES_EINVAL,
            "unable to decode byte 0xff");
    /* Lengths: a 65-byte name, an 11th question, a definition over the limit. */
    char buf[4096];
    snprintf(buf, sizeof buf, "{\"name\":\"%065d\",\"questions\":[" Q_OVERALL "]}", 0);
    refused(buf, ES_ELIMIT, "name: at most 64 bytes");
    int n = snprintf(buf, sizeof buf, "{\"name\":\"x\",\"questions\":[");
    for (int i = 0; i < 11; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      "%s{\"key\":\"d%d\",\"kind\":\"scale5\",\"role\":\"driver\",\"text\":\"t\"}",
                      i ? "," : "", i);
    snprintf(buf + n, sizeof buf - (size_t)n, "]}");
    refused(buf, ES_ELIMIT, "questions: 11 questions, at most 10");
    char *big = malloc(ES_SURVEY_DEF_MAX_BYTES + 2);
    assert_non_null(big);
    memset(big, ' ', ES_SURVEY_DEF_MAX_BYTES + 1);
    big[ES_SURVEY_DEF_MAX_BYTES + 1] = '\0';
    char err[128];
    assert_int_equal(es_survey_parse_json(big, ES_SURVEY_DEF_MAX_BYTES + 1, &P, err, sizeof err),
                     ES_ELIMIT);
    free(big);
}

/* Keeps the names of listed surveys. */
static void name_cb(const es_survey *sv, void *ud)
{
    char *names = ud;
    strncat(names, sv->name, 63);
    strncat(names, sv->is_default ? "*;" : ";", 3);
}

static void test_list(void **state)
{
    (void)state;
    char dir[] = "/tmp/es_sdef_XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/e.db", dir);
    es_store_t *s = NULL;
    assert_int_equal(es_store_open(path, &s), ES_OK);
    char names[256] = "";
    assert_int_equal(es_survey_list(s, name_cb, names), ES_OK);
    assert_string_equal(names, "");
    es_survey sv;
    es_survey_template(&sv, "first", "Cleanliness");
    int64_t id = 0;
    assert_int_equal(es_survey_add(s, &sv, 0, &id), ES_OK);
    es_err rc;
    parse("{\"name\":\"second\",\"default\":true,\"questions\":[" Q_OVERALL "]}", &rc);
    assert_int_equal(rc, ES_OK);
    assert_int_equal(es_survey_add(s, &P.sv, 0, &id), ES_OK);
    assert_int_equal(es_survey_list(s, name_cb, names), ES_OK);
    assert_string_equal(names, "first;second*;");
    assert_int_equal(es_survey_list(s, NULL, NULL), ES_EINVAL);
    es_store_close(s);
    static const char *const files[] = {"e.db", "e.db-wal", "e.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_refuses),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
