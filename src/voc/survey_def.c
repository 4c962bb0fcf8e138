/*
 * survey_def.c - survey definitions as JSON (include/earshot/survey.h):
 * es_survey_parse_json reads the body of POST /api/v1/surveys and the file
 * of `earshot survey define`, naming the JSON path of whatever is wrong;
 * es_survey_json writes a survey for `earshot survey show` and GET
 * /api/v1/surveys. The definition's checks are es_survey_check's; a fault
 * it finds is placed at the first question whose prefix of the survey it
 * appears in.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "earshot/survey.h"

/* Sets err from a format and returns rc. */
#define FAIL(rc_, ...) (snprintf(err, size, __VA_ARGS__), (rc_))

/* Copies the string v (at path what) into dst of cap bytes (the text at
 * most cap - 1 bytes, not empty). */
static es_err str_member(json_t *v, const char *what, char *dst, size_t cap, char *err,
                         size_t size)
{
    if (!json_is_string(v))
        return FAIL(ES_EINVAL, "%s: a string", what);
    size_t n = json_string_length(v);
    if (n == 0)
        return FAIL(ES_EINVAL, "%s: empty", what);
    if (n >= cap)
        return FAIL(ES_ELIMIT, "%s: at most %zu bytes", what, cap - 1);
    if (memchr(json_string_value(v), '\0', n))
        return FAIL(ES_EINVAL, "%s: contains a NUL character", what);
    memcpy(dst, json_string_value(v), n + 1);
    return ES_OK;
}

/* Reads questions[i] (o) into out->sv.q[i]. */
static es_err question_read(json_t *o, size_t i, es_survey_parsed *out, char *err, size_t size)
{
    es_survey_question *q = &out->sv.q[i];
    char what[64];
    const char *key;
    json_t *v;
    if (!json_is_object(o))
        return FAIL(ES_EINVAL, "questions[%zu]: an object with key, kind, role, text, label", i);
    q->position = (int)i + 1;
    json_object_foreach(o, key, v) {
        es_err rc = ES_OK;
        snprintf(what, sizeof what, "questions[%zu].%.32s", i, key);
        if (strcmp(key, "key") == 0) {
            rc = str_member(v, what, out->key[i], sizeof out->key[i], err, size);
            q->key = out->key[i];
        } else if (strcmp(key, "text") == 0) {
            rc = str_member(v, what, out->text[i], sizeof out->text[i], err, size);
            q->text = out->text[i];
        } else if (strcmp(key, "label") == 0) {
            rc = str_member(v, what, out->label[i], sizeof out->label[i], err, size);
            q->label = out->label[i];
        } else if (strcmp(key, "kind") == 0) {
            if (!json_is_string(v) || es_question_kind_parse(json_string_value(v), &q->kind))
                rc = FAIL(ES_EINVAL, "%s: unknown kind (scale5, scale10, yesno, text)", what);
        } else if (strcmp(key, "role") == 0) {
            if (!json_is_string(v) || es_question_role_parse(json_string_value(v), &q->role))
                rc = FAIL(ES_EINVAL, "%s: unknown role (overall, recommend, driver, comment)",
                          what);
        } else {
            rc = FAIL(ES_EINVAL, "%s: unknown member (key, kind, role, text, label)", what);
        }
        if (rc)
            return rc;
    }
    static const char *const need[] = {"key", "kind", "role", "text"};
    const int have[] = {q->key != NULL, q->kind != 0, q->role != 0, q->text != NULL};
    for (size_t k = 0; k < 4; k++)
        if (!have[k])
            return FAIL(ES_EINVAL, "questions[%zu].%s: missing", i, need[k]);
    if (!q->label) { /* the key stands in for a label left out */
        memcpy(out->label[i], out->key[i], sizeof out->label[i] < sizeof out->key[i]
                                                ? sizeof out->label[i]
                                                : sizeof out->key[i]);
        q->label = out->label[i];
    }
    return ES_OK;
}

/* Reads the top-level members of j into out. */
static es_err top_read(json_t *j, es_survey_parsed *out, char *err, size_t size)
{
    const char *key;
    json_t *v;
    if (!json_is_object(j))
        return FAIL(ES_EINVAL, "(top): an object with name, hot_threshold, default, questions");
    json_object_foreach(j, key, v) {
        if (strcmp(key, "name") && strcmp(key, "hot_threshold") && strcmp(key, "default") &&
            strcmp(key, "questions"))
            return FAIL(ES_EINVAL, "%.32s: unknown member (name, hot_threshold, default,"
                                   " questions)",
                        key);
    }
    json_t *name = json_object_get(j, "name"), *hot = json_object_get(j, "hot_threshold");
    json_t *def = json_object_get(j, "default"), *qs = json_object_get(j, "questions");
    if (!name)
        return FAIL(ES_EINVAL, "name: missing");
    es_err rc = str_member(name, "name", out->name, sizeof out->name, err, size);
    if (rc)
        return rc;
    out->sv.name = out->name;
    out->sv.hot_threshold = 2;
    if (hot) {
        json_int_t h = json_integer_value(hot);
        if (!json_is_integer(hot) || h < 1 || h > 5)
            return FAIL(ES_EINVAL, "hot_threshold: an integer from 1 to 5 (an overall answer at"
                                   " or below it is a hot alert)");
        out->sv.hot_threshold = (int)h;
    }
    if (def && !json_is_boolean(def))
        return FAIL(ES_EINVAL, "default: true or false");
    out->sv.is_default = def && json_is_true(def);
    if (!qs || !json_is_array(qs) || json_array_size(qs) == 0)
        return FAIL(ES_EINVAL, "questions: an array of 1 to %d questions", ES_SURVEY_MAX_QUESTIONS);
    if (json_array_size(qs) > ES_SURVEY_MAX_QUESTIONS)
        return FAIL(ES_ELIMIT, "questions: %zu questions, at most %d", json_array_size(qs),
                    ES_SURVEY_MAX_QUESTIONS);
    out->sv.n_questions = json_array_size(qs);
    for (size_t i = 0; i < out->sv.n_questions; i++)
        if ((rc = question_read(json_array_get(qs, i), i, out, err, size)))
            return rc;
    return ES_OK;
}

/* es_survey_check over the whole survey; a fault is placed at the first
 * question i such that questions [0, i] have it. */
static es_err check(es_survey_parsed *out, char *err, size_t size)
{
    char why[160];
    es_err rc = es_survey_check(&out->sv, why, sizeof why);
    if (!rc)
        return ES_OK;
    es_survey part = out->sv;
    for (size_t i = 0; i < out->sv.n_questions; i++) {
        part.n_questions = i + 1;
        char w[160];
        if (es_survey_check(&part, w, sizeof w))
            return FAIL(rc, "questions[%zu]: %s", i, w);
    }
    return FAIL(rc, "%s", why);
}

/* See survey.h. */
es_err es_survey_parse_json(const char *json, size_t len, es_survey_parsed *out, char *err,
                            size_t size)
{
    memset(out, 0, sizeof *out);
    if (err && size)
        err[0] = '\0';
    char dummy[1];
    if (!err || !size)
        err = dummy, size = sizeof dummy;
    if (!json)
        return FAIL(ES_EINVAL, "no definition");
    if (len > ES_SURVEY_DEF_MAX_BYTES)
        return FAIL(ES_ELIMIT, "a survey definition is at most %u bytes", ES_SURVEY_DEF_MAX_BYTES);
    json_error_t je;
    json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return FAIL(ES_EINVAL, "line %d, column %d: %s", je.line, je.column, je.text);
    es_err rc = top_read(j, out, err, size);
    json_decref(j);
    if (!rc)
        rc = check(out, err, size);
    if (rc) /* nothing half-read is left to use */
        memset(&out->sv, 0, sizeof out->sv);
    return rc;
}

/* See survey.h. */
json_t *es_survey_json(const es_survey *sv)
{
    json_t *qs = json_array();
    for (size_t i = 0; qs && i < sv->n_questions; i++) {
        const es_survey_question *q = &sv->q[i];
        if (json_array_append_new(
                qs, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "position", q->position, "key",
                              q->key ? q->key : "", "kind", es_question_kind_name(q->kind),
                              "role", es_question_role_name(q->role), "text",
                              q->text ? q->text : "", "label", q->label ? q->label : ""))) {
            json_decref(qs);
            return NULL;
        }
    }
    if (!qs)
        return NULL;
    return json_pack("{s:I, s:s, s:b, s:i, s:o}", "id", (json_int_t)sv->id, "name",
                     sv->name ? sv->name : "", "default", sv->is_default, "hot_threshold",
                     sv->hot_threshold, "questions", qs);
}
