/*
 * survey_int.h - the store's "surveys" part (internal): survey definitions
 * and responses (include/earshot/survey.h). surveys.c checks arguments and
 * dispatches through struct es__survey_ops; the SQLite backend implements it
 * in sqlite_survey.c, which also holds schema step 12.
 */
#ifndef ES_STORE_SURVEY_INT_H
#define ES_STORE_SURVEY_INT_H

#include "earshot/survey.h"
#include "store/store_int.h"

/* What a backend does for surveys; arguments are checked already. */
struct es__survey_ops {
    es_err (*add)(es_store_t *s, const es_survey *sv, int64_t actor_user, int64_t *id);
    es_err (*get)(es_store_t *s, int64_t id, void (*cb)(const es_survey *sv, void *ud),
                  void *ud);
    /* Calls cb for each survey by id (at most ES_SURVEY_LIST_MAX). */
    es_err (*list)(es_store_t *s, void (*cb)(const es_survey *sv, void *ud), void *ud);
    /* Stores r, whose answers surveys.c has checked against its survey. */
    es_err (*response_add)(es_store_t *s, const es_survey_response *r, int64_t *id, int *fresh);
    es_err (*optout_set)(es_store_t *s, const char *contact, int out, const char *how, int64_t now);
    es_err (*optout_get)(es_store_t *s, const char *contact, int *out);
};

/* The SQLite implementation (sqlite_survey.c). */
extern const struct es__survey_ops es__sqlite_survey_ops;

/* The SQLite list op (sqlite_survey_read.c): every survey by id, each read
 * with the get op. */
es_err es__sqlite_survey_list_defs(es_store_t *s, void (*cb)(const es_survey *sv, void *ud),
                                   void *ud);

/* Copies response rid's overall and recommend answers into its row
 * (sqlite_survey.c): whoever writes answers calls it in the same
 * transaction. db is the handle's sqlite3 (sqlite_int.h). */
struct sqlite3;
es_err es__sqlite_survey_refresh(es_store_t *s, struct sqlite3 *db, int64_t rid);

/* Schema step 12 (sqlite_survey.c): surveys, questions, responses, answers,
 * the opt-out list. */
extern const char es__sqlite_step12[];

#endif
