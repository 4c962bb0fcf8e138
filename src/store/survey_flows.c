/*
 * survey_flows.c - the store's public functions of the survey flow
 * (include/earshot/survey_flow.h): SMS sessions and replies, answers added
 * one at a time, the hot claim, the case link, the recovery outcome and
 * the reading of responses. Checks the arguments, then dispatches to the
 * backend (survey_flow_int.h). No SQL.
 */
#include <string.h>

#include "store/survey_flow_int.h"
#include "store/survey_int.h"

/* The part's operations, or an error recorded on s. */
static es_err part(es_store_t *s, const char *what)
{
    return es__store_part(s, s && s->ops ? s->ops->survey_flow : NULL, what);
}

static int str_ok(const char *v, size_t max)
{
    return v && *v && strlen(v) <= max;
}

/* See survey_flow.h. */
es_err es_sms_session_get(es_store_t *s, const char *phone,
                          void (*cb)(const es_sms_session *ss, void *ud), void *ud, int *found)
{
    es_err rc = part(s, "reading an SMS session");
    if (rc)
        return rc;
    if (!str_ok(phone, ES_SMS_PHONE_MAX) || !found)
        return es__store_fail(s, ES_EINVAL, "reading an SMS session: a phone of 1 to 64 bytes");
    return s->ops->survey_flow->session_get(s, phone, cb, ud, found);
}

/* See survey_flow.h. */
es_err es_sms_session_put(es_store_t *s, const es_sms_session *ss)
{
    es_err rc = part(s, "keeping an SMS session");
    if (rc)
        return rc;
    if (!ss || !str_ok(ss->phone, ES_SMS_PHONE_MAX) || ss->response_id <= 0 || ss->position < 1 ||
        ss->position > ES_SURVEY_MAX_QUESTIONS)
        return es__store_fail(s, ES_EINVAL,
                              "keeping an SMS session: it needs a phone, a response and a "
                              "question position of 1 to 10");
    return s->ops->survey_flow->session_put(s, ss);
}

/* See survey_flow.h. */
es_err es_sms_session_end(es_store_t *s, const char *phone)
{
    es_err rc = part(s, "ending an SMS session");
    if (rc)
        return rc;
    if (!str_ok(phone, ES_SMS_PHONE_MAX))
        return es__store_fail(s, ES_EINVAL, "ending an SMS session: a phone of 1 to 64 bytes");
    return s->ops->survey_flow->session_end(s, phone);
}

/* See survey_flow.h. */
es_err es_sms_message_get(es_store_t *s, const char *sid, char *reply, size_t size, int *found)
{
    es_err rc = part(s, "reading an SMS reply");
    if (rc)
        return rc;
    if (!str_ok(sid, ES_SURVEY_EXTID_MAX) || !reply || !size || !found)
        return es__store_fail(s, ES_EINVAL, "reading an SMS reply: a MessageSid of 1 to 128 bytes");
    return s->ops->survey_flow->message_get(s, sid, reply, size, found);
}

/* See survey_flow.h. */
es_err es_sms_message_put(es_store_t *s, const char *sid, const char *phone, const char *reply,
                          int64_t now)
{
    es_err rc = part(s, "recording an SMS reply");
    if (rc)
        return rc;
    if (!str_ok(sid, ES_SURVEY_EXTID_MAX) || !reply || strlen(reply) > ES_SMS_REPLY_MAX)
        return es__store_fail(s, ES_EINVAL,
                              "recording an SMS reply: a MessageSid of 1 to 128 "
                              "bytes and a reply of at most 1000");
    return s->ops->survey_flow->message_put(s, sid, phone, reply, now);
}

/* The kind of question position of survey sv (0: none), for the check. */
typedef struct kind_at {
    int position;
    es_question_kind kind;
} kind_at;

static void take_kind(const es_survey *sv, void *ud)
{
    kind_at *k = ud;
    for (size_t i = 0; i < sv->n_questions; i++)
        if (sv->q[i].position == k->position)
            k->kind = sv->q[i].kind;
}

/* Why a cannot answer a question of kind k, or NULL. */
static const char *answer_fault(es_question_kind k, const es_survey_answer *a)
{
    if (!k)
        return "the survey has no such question";
    if (k == ES_Q_TEXT)
        return a->has_value || !a->text                 ? "a free-text question takes a text answer"
               : strlen(a->text) > ES_SURVEY_ANSWER_MAX ? "a text answer is at most 2000 bytes"
                                                        : NULL;
    int lo = k == ES_Q_SCALE5 ? 1 : 0, hi = k == ES_Q_SCALE5 ? 5 : k == ES_Q_SCALE10 ? 10 : 1;
    return !a->has_value || a->value < lo || a->value > hi ? "an answer is out of its range" : NULL;
}

/* See survey_flow.h. */
es_err es_survey_response_answer(es_store_t *s, int64_t id, const es_survey_answer *a,
                                 int64_t completed)
{
    es_err rc = part(s, "adding an answer");
    if (rc)
        return rc;
    if (id <= 0 || !a || completed < 0)
        return es__store_fail(s, ES_EINVAL, "adding an answer: no response or answer");
    int64_t survey_id = 0;
    if ((rc = s->ops->survey_flow->survey_of(s, id, &survey_id)))
        return rc;
    kind_at k = {a->position, 0};
    if ((rc = es_survey_get(s, survey_id, take_kind, &k)))
        return rc;
    const char *why = answer_fault(k.kind, a);
    if (why)
        return es__store_fail(s, ES_EINVAL, "adding an answer: %s", why);
    return s->ops->survey_flow->answer(s, id, a, completed);
}

/* See survey_flow.h. */
es_err es_survey_response_complete(es_store_t *s, int64_t id, int64_t now)
{
    es_err rc = part(s, "completing a response");
    if (rc)
        return rc;
    if (id <= 0 || now <= 0)
        return es__store_fail(s, ES_EINVAL, "completing a response: bad id or time");
    return s->ops->survey_flow->complete(s, id, now);
}

/* See survey_flow.h. */
es_err es_survey_response_list(es_store_t *s, const es_survey_response_filter *f,
                               const es_survey_scope *scope,
                               void (*cb)(const es_survey_response_row *r, void *ud), void *ud)
{
    size_t n = 0;
    es_err rc = part(s, "reading responses");
    if (rc)
        return rc;
    if (!cb || (f && f->location && strlen(f->location) > 256))
        return es__store_fail(s, ES_EINVAL, "reading responses: no callback or a bad filter");
    return s->ops->survey_flow->list(s, f, scope, 0, cb, ud, &n);
}

/* See survey_flow.h. */
es_err es_survey_response_read(es_store_t *s, int64_t id, const es_survey_scope *scope,
                               void (*cb)(const es_survey_response_row *r, void *ud), void *ud)
{
    size_t n = 0;
    es_err rc = part(s, "reading a response");
    if (rc)
        return rc;
    if (id <= 0 || !cb)
        return es__store_fail(s, ES_EINVAL, "reading a response: bad id or no callback");
    es_survey_response_filter f = {.limit = 1};
    rc = s->ops->survey_flow->list(s, &f, scope, id, cb, ud, &n);
    if (rc == ES_OK && n == 0)
        return es__store_fail(s, ES_ENOTFOUND, "no response %lld", (long long)id);
    return rc;
}

/* See survey_flow.h. */
es_err es_survey_response_hot_claim(es_store_t *s, int64_t id, int64_t now, int *claimed)
{
    es_err rc = part(s, "claiming a hot alert");
    if (rc)
        return rc;
    if (id <= 0 || !claimed)
        return es__store_fail(s, ES_EINVAL, "claiming a hot alert: bad id");
    return s->ops->survey_flow->hot_claim(s, id, now, claimed);
}

/* See survey_flow.h. */
es_err es_survey_response_case_set(es_store_t *s, int64_t id, int64_t case_id)
{
    es_err rc = part(s, "linking a response to its case");
    if (rc)
        return rc;
    if (id <= 0 || case_id < 0)
        return es__store_fail(s, ES_EINVAL, "linking a response to its case: bad id");
    return s->ops->survey_flow->case_set(s, id, case_id);
}

/* See survey_flow.h. */
es_err es_survey_mention_case(es_store_t *s, const char *source, const char *external_id,
                              int64_t *case_id)
{
    es_err rc = part(s, "finding a mention's case");
    if (rc)
        return rc;
    if (!str_ok(source, 64) || !str_ok(external_id, 1024) || !case_id)
        return es__store_fail(s, ES_EINVAL, "finding a mention's case: bad source or id");
    return s->ops->survey_flow->mention_case(s, source, external_id, case_id);
}

/* See survey_flow.h. */
es_err es_survey_response_recovery(es_store_t *s, int64_t id, const es_survey_scope *scope,
                                   const char *outcome, const char *note, int64_t actor_user,
                                   int64_t now)
{
    es_err rc = part(s, "recording a recovery");
    if (rc)
        return rc;
    if (!outcome || (strcmp(outcome, "recovered") && strcmp(outcome, "not_recovered") &&
                     strcmp(outcome, "no_contact")))
        return es__store_fail(s, ES_EINVAL,
                              "recording a recovery: the outcome is recovered, "
                              "not_recovered or no_contact");
    if (note && strlen(note) > ES_SURVEY_ANSWER_MAX)
        return es__store_fail(s, ES_ELIMIT, "recording a recovery: the note is over 2000 bytes");
    size_t n = 0;
    es_survey_response_filter f = {.limit = 1};
    if (id <= 0)
        return es__store_fail(s, ES_ENOTFOUND, "no response %lld", (long long)id);
    /* The visibility check: a response outside scope is "not found". */
    if ((rc = s->ops->survey_flow->list(s, &f, scope, id, NULL, NULL, &n)))
        return rc;
    if (n == 0)
        return es__store_fail(s, ES_ENOTFOUND, "no response %lld", (long long)id);
    return s->ops->survey_flow->recovery(s, id, outcome, note, actor_user, now);
}

/* See survey_flow.h. */
es_err es_survey_response_followup(es_store_t *s, int64_t id, int64_t now)
{
    es_err rc = part(s, "recording a follow-up");
    if (rc)
        return rc;
    if (id <= 0)
        return es__store_fail(s, ES_EINVAL, "recording a follow-up: bad id");
    return s->ops->survey_flow->followup(s, id, now);
}

/* See survey_flow.h. */
es_err es_survey_flow_prompt(es_store_t *s)
{
    es_err rc = part(s, "tuning lock waits");
    return rc ? rc : s->ops->survey_flow->prompt(s);
}
