/*
 * fuzz_survey_def.c - libFuzzer target for survey definitions as JSON
 * (src/voc/survey_def.c), the body of POST /api/v1/surveys and the file of
 * `earshot survey define`. An accepted definition must pass
 * es_survey_check and survive being written back (es_survey_json) and read
 * again unchanged; a refusal must say why. Nothing may leak (ASan).
 * Corpus: fuzz/corpus/fuzz_survey_def/.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/survey.h"

static es_survey_parsed A, B;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    if (es_survey_parse_json((const char *)data, size, &A, err, sizeof err)) {
        if (!err[0] || A.sv.n_questions != 0)
            abort();
        return 0;
    }
    if (es_survey_check(&A.sv, err, sizeof err) || A.sv.n_questions < 1 ||
        A.sv.n_questions > ES_SURVEY_MAX_QUESTIONS)
        abort();
    json_t *j = es_survey_json(&A.sv);
    if (!j)
        return 0; /* out of memory */
    json_object_del(j, "id");
    char *txt = json_dumps(j, 0);
    json_decref(j);
    if (!txt)
        return 0;
    /* The written form has "position" members the reader does not take. */
    json_t *again = json_loads(txt, 0, NULL);
    free(txt);
    json_t *qs = json_object_get(again, "questions");
    for (size_t i = 0; i < json_array_size(qs); i++)
        json_object_del(json_array_get(qs, i), "position");
    txt = again ? json_dumps(again, 0) : NULL;
    json_decref(again);
    if (!txt)
        return 0;
    if (es_survey_parse_json(txt, strlen(txt), &B, err, sizeof err))
        abort();
    free(txt);
    if (strcmp(A.sv.name, B.sv.name) || A.sv.n_questions != B.sv.n_questions ||
        A.sv.hot_threshold != B.sv.hot_threshold || A.sv.is_default != B.sv.is_default)
        abort();
    for (size_t i = 0; i < A.sv.n_questions; i++)
        if (strcmp(A.sv.q[i].key, B.sv.q[i].key) || strcmp(A.sv.q[i].text, B.sv.q[i].text) ||
            strcmp(A.sv.q[i].label, B.sv.q[i].label) || A.sv.q[i].kind != B.sv.q[i].kind ||
            A.sv.q[i].role != B.sv.q[i].role)
            abort();
    return 0;
}
