/*
 * fuzz_survey_import.c - libFuzzer target for `earshot survey import`: the
 * CSV of survey responses (es_survey_import_parse) against a survey with a
 * question of every kind: the header mapping, libcsv's cutting of quoted
 * fields, every cell's checks (times, lengths, answers by kind, UTF-8 of
 * text) and the error list. The input is a whole file. Corpus:
 * fuzz/corpus/fuzz_survey_import/.
 */
#include <stddef.h>
#include <stdint.h>

#include "earshot/survey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_survey sv;
    es_survey_template(&sv, NULL, NULL);
    sv.q[sv.n_questions] = (es_survey_question){
        5, "correct", ES_Q_YESNO, ES_QR_DRIVER, "Was your order right?", "Order accuracy"};
    sv.n_questions++;
    es_survey_import *im = NULL;
    if (es_survey_import_parse((const char *)data, size, &sv, &im) == ES_OK) {
        for (size_t i = 0; i < es_survey_import_rows(im); i++)
            (void)es_survey_import_row_at(im, i)->n_answers;
        for (size_t i = 0; i < es_survey_import_errors(im); i++)
            (void)es_survey_import_error_at(im, i);
    }
    es_survey_import_free(im);
    return 0;
}
