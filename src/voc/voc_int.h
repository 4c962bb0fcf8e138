/*
 * voc_int.h - inside the voice-of-the-customer module: the survey data that
 * key-driver analysis and action plans share, loaded once from the store
 * (voc_data.c) and fitted per scope (drivers_run.c, plans.c).
 */
#ifndef ES_VOC_VOC_INT_H
#define ES_VOC_VOC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/drivers.h"
#include "earshot/location.h"
#include "earshot/survey.h"

/* A location seen in the responses. */
typedef struct es__voc_loc {
    int64_t id;
    char key[ES_LOCATION_KEY_MAX + 1];
    char code[ES_LOCATION_CODE_MAX + 1];
    char name[ES_LOCATION_NAME_MAX + 1];
    char region[ES_LOCATION_KEY_MAX + 1];
} es__voc_loc;

/* A response: its location (an index into locs), its target answers
 * (-1: none) and its driver answers in x (NaN: none). */
typedef struct es__voc_obs {
    uint32_t loc;
    int overall, recommend;
} es__voc_obs;

/* A survey's responses, in the shape the fits read. */
typedef struct es__voc_data {
    int64_t survey_id;
    char survey_name[ES_SURVEY_NAME_MAX + 1];
    int has_overall, has_recommend; /* the survey asks them */
    size_t p;                       /* driver questions (numeric) */
    int pos[ES_SURVEY_MAX_QUESTIONS];
    es_question_kind kind[ES_SURVEY_MAX_QUESTIONS];
    char key[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_KEY_MAX + 1];
    char label[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_LABEL_MAX + 1];
    size_t n, cap; /* responses */
    es__voc_obs *obs;
    double *x; /* n x p, row-major; NaN for a missing answer */
    size_t n_locs, locs_cap;
    es__voc_loc *locs;
    uint32_t *hash; /* open addressing: location id -> index + 1 */
    size_t hash_cap;
    int oom; /* loading ran out of memory */
} es__voc_data;

/* Loads survey survey_id's (0: the default) responses under region (NULL:
 * all) into *out, freed with es__voc_free. Errors are the store's (the
 * message on s); ES_EINVAL when the survey has no numeric driver question. */
es_err es__voc_load(es_store_t *s, int64_t survey_id, const char *region,
                    es__voc_data **out) ES_WUR;
void es__voc_free(es__voc_data *d);

/* Fits target t over the responses whose location key starts with region
 * (""), filling g (region, counts, fitted or why; keys and labels). */
es_err es__voc_fit(const es__voc_data *d, es_drivers_target t, const char *region,
                   es_drivers_group *g) ES_WUR;

/* 1 when key lies under region (a path ending in '/', or ""). */
int es__voc_under(const char *key, const char *region);

#endif
