/*
 * demo_survey.h - the survey part of `earshot demo` (demo_survey.c):
 * locations, the demo survey and seeded responses with known truth.
 */
#ifndef ES_CLI_DEMO_SURVEY_H
#define ES_CLI_DEMO_SURVEY_H

#include <stdint.h>

/* Adds the demo's locations, survey and responses to the store at db
 * (idempotent: a second run adds nothing) and writes dir/survey_truth.json.
 * Prints a line unless quiet. Returns a CLI exit status. */
int demo_survey_run(const char *db, const char *dir, uint64_t seed, int quiet);

#endif
