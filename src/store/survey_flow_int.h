/*
 * survey_flow_int.h - the store's "survey flow" part (internal): SMS survey
 * sessions, replies per MessageSid, answers added one at a time, the hot
 * claim, the case link, the recovery outcome and the reading of responses
 * (include/earshot/survey_flow.h). survey_flows.c checks arguments and
 * dispatches through struct es__survey_flow_ops; the SQLite backend
 * implements it in sqlite_survey_flow.c and sqlite_survey_read.c, which
 * also hold schema step 17.
 */
#ifndef ES_STORE_SURVEY_FLOW_INT_H
#define ES_STORE_SURVEY_FLOW_INT_H

#include "earshot/survey_flow.h"
#include "store/store_int.h"

/* What a backend does for the survey flow; arguments are checked already. */
struct es__survey_flow_ops {
    es_err (*session_get)(es_store_t *s, const char *phone,
                          void (*cb)(const es_sms_session *ss, void *ud), void *ud, int *found);
    es_err (*session_put)(es_store_t *s, const es_sms_session *ss);
    es_err (*session_end)(es_store_t *s, const char *phone);
    es_err (*message_get)(es_store_t *s, const char *sid, char *reply, size_t size, int *found);
    es_err (*message_put)(es_store_t *s, const char *sid, const char *phone, const char *reply,
                          int64_t now);
    /* a has been checked against the response's survey. */
    es_err (*answer)(es_store_t *s, int64_t id, const es_survey_answer *a, int64_t completed);
    es_err (*complete)(es_store_t *s, int64_t id, int64_t now);
    es_err (*list)(es_store_t *s, const es_survey_response_filter *f, const es_survey_scope *scope,
                   int64_t only_id, void (*cb)(const es_survey_response_row *r, void *ud), void *ud,
                   size_t *n);
    es_err (*hot_claim)(es_store_t *s, int64_t id, int64_t now, int *claimed);
    es_err (*case_set)(es_store_t *s, int64_t id, int64_t case_id);
    es_err (*mention_case)(es_store_t *s, const char *source, const char *external_id,
                           int64_t *case_id);
    es_err (*recovery)(es_store_t *s, int64_t id, const char *outcome, const char *note,
                       int64_t actor_user, int64_t now);
    es_err (*followup)(es_store_t *s, int64_t id, int64_t now);
    /* Makes the handle wait for a busy write lock by polling every
     * millisecond rather than SQLite's sleeps of up to 100 ms. */
    es_err (*prompt)(es_store_t *s);
    /* The survey id of response id (ES_ENOTFOUND when none). */
    es_err (*survey_of)(es_store_t *s, int64_t id, int64_t *survey_id);
};

/* The SQLite implementation (sqlite_survey_flow.c). */
extern const struct es__survey_flow_ops es__sqlite_survey_flow_ops;

/* Schema step 17 (sqlite_survey_flow.c): SMS sessions and messages, the
 * hot, case and recovery columns of survey_responses. */
extern const char es__sqlite_step_sms[];

/* The reading of responses (sqlite_survey_read.c). */
es_err es__sqlite_survey_list(es_store_t *s, const es_survey_response_filter *f,
                              const es_survey_scope *scope, int64_t only_id,
                              void (*cb)(const es_survey_response_row *r, void *ud), void *ud,
                              size_t *n);

#endif
