/*
 * surveys.c - the store's public functions for surveys and their responses
 * (include/earshot/survey.h): the names of question kinds and roles, the
 * check of a definition, and the checks of a response against its survey
 * before the backend's survey operations (survey_int.h) store it. No SQL.
 */
#include <stdio.h>
#include <string.h>

#include "store/survey_int.h"

static const char *const kinds[] = {NULL, "scale5", "scale10", "yesno", "text"};
static const char *const roles[] = {NULL, "overall", "recommend", "driver", "comment"};

/* See survey.h. */
const char *es_question_kind_name(es_question_kind k)
{
    return k >= ES_Q_SCALE5 && k <= ES_Q_TEXT ? kinds[k] : NULL;
}

/* See survey.h. */
const char *es_question_role_name(es_question_role r)
{
    return r >= ES_QR_OVERALL && r <= ES_QR_COMMENT ? roles[r] : NULL;
}

static int find_name(const char *const *names, int n, const char *name)
{
    for (int i = 1; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return 0;
}

/* See survey.h. */
es_err es_question_kind_parse(const char *name, es_question_kind *out)
{
    int i = find_name(kinds, 5, name);
    if (!i || !out)
        return ES_EINVAL;
    *out = (es_question_kind)i;
    return ES_OK;
}

/* See survey.h. */
es_err es_question_role_parse(const char *name, es_question_role *out)
{
    int i = find_name(roles, 5, name);
    if (!i || !out)
        return ES_EINVAL;
    *out = (es_question_role)i;
    return ES_OK;
}

static int key_ok(const char *k)
{
    if (!k || !*k || strlen(k) > ES_SURVEY_KEY_MAX)
        return 0;
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
            return 0;
    return 1;
}

/* Why question q (the i-th) cannot be, or NULL. */
static const char *question_fault(const es_survey *sv, size_t i)
{
    const es_survey_question *q = &sv->q[i];
    if (q->position != (int)i + 1)
        return "positions must run 1, 2, 3 ... in order";
    if (!key_ok(q->key))
        return "a question key must be 1 to 32 of a-z, 0-9 and _";
    if (!es_question_kind_name(q->kind) || !es_question_role_name(q->role))
        return "unknown question kind or role";
    if (!q->text || !*q->text || strlen(q->text) > ES_SURVEY_TEXT_MAX)
        return "a question's text must be 1 to 320 bytes";
    if (!q->label || !*q->label || strlen(q->label) > ES_SURVEY_LABEL_MAX)
        return "a question's label must be 1 to 64 bytes";
    if (q->role == ES_QR_OVERALL && q->kind != ES_Q_SCALE5)
        return "the overall question must be scale5 (1-5)";
    if (q->role == ES_QR_RECOMMEND && q->kind != ES_Q_SCALE10)
        return "the recommend question must be scale10 (0-10)";
    if (q->role == ES_QR_COMMENT && q->kind != ES_Q_TEXT)
        return "a comment question must be text";
    if (q->role == ES_QR_DRIVER && q->kind == ES_Q_TEXT)
        return "a driver question must be scale5, scale10 or yesno";
    for (size_t j = 0; j < i; j++) {
        if (strcmp(sv->q[j].key, q->key) == 0)
            return "two questions have the same key";
        if (sv->q[j].role == q->role && (q->role == ES_QR_OVERALL || q->role == ES_QR_RECOMMEND))
            return "a survey has at most one overall and one recommend question";
    }
    return NULL;
}

/* See survey.h. */
es_err es_survey_check(const es_survey *sv, char *err, size_t size)
{
    const char *why = NULL;
    es_err rc = ES_EINVAL;
    if (!sv || !sv->name || !*sv->name)
        why = "a survey needs a name";
    else if (strlen(sv->name) > ES_SURVEY_NAME_MAX) {
        why = "a survey's name is at most 64 bytes";
        rc = ES_ELIMIT;
    } else if (sv->n_questions < 1 || sv->n_questions > ES_SURVEY_MAX_QUESTIONS) {
        why = "a survey has 1 to 10 questions";
        rc = ES_ELIMIT;
    } else if (sv->hot_threshold < 1 || sv->hot_threshold > 5)
        why = "the hot-alert threshold is an overall score from 1 to 5";
    for (size_t i = 0; !why && i < sv->n_questions; i++)
        why = question_fault(sv, i);
    if (!why)
        return ES_OK;
    if (err && size)
        snprintf(err, size, "%s", why);
    return rc;
}

/* See survey.h. */
es_err es_survey_add(es_store_t *s, const es_survey *sv, int64_t actor_user, int64_t *id)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->surveys : NULL, "adding a survey");
    if (rc)
        return rc;
    char err[160];
    rc = es_survey_check(sv, err, sizeof err);
    if (rc)
        return es__store_fail(s, rc, "adding a survey: %s", err);
    return s->ops->surveys->add(s, sv, actor_user, id);
}

/* See survey.h. */
es_err es_survey_get(es_store_t *s, int64_t id, void (*cb)(const es_survey *sv, void *ud),
                     void *ud)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->surveys : NULL, "reading a survey");
    if (rc)
        return rc;
    if (!cb || id < 0)
        return es__store_fail(s, ES_EINVAL, "reading a survey: bad id or no callback");
    return s->ops->surveys->get(s, id, cb, ud);
}

/* See survey.h. */
es_err es_survey_list(es_store_t *s, void (*cb)(const es_survey *sv, void *ud), void *ud)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->surveys : NULL, "listing surveys");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing surveys: no callback");
    return s->ops->surveys->list(s, cb, ud);
}

/* The kinds of a survey's questions by position (0: no such question). */
typedef struct kinds_by_pos {
    es_question_kind kind[ES_SURVEY_MAX_QUESTIONS + 1];
} kinds_by_pos;

static void take_kinds(const es_survey *sv, void *ud)
{
    kinds_by_pos *k = ud;
    for (size_t i = 0; i < sv->n_questions; i++)
        if (sv->q[i].position >= 1 && sv->q[i].position <= ES_SURVEY_MAX_QUESTIONS)
            k->kind[sv->q[i].position] = sv->q[i].kind;
}

/* Why answer a cannot belong to a survey whose kinds are k, or NULL. */
static const char *answer_fault(const kinds_by_pos *k, const es_survey_answer *a)
{
    if (a->position < 1 || a->position > ES_SURVEY_MAX_QUESTIONS || !k->kind[a->position])
        return "an answer names a question the survey does not have";
    es_question_kind kind = k->kind[a->position];
    if (kind == ES_Q_TEXT) {
        if (a->has_value || !a->text)
            return "a free-text question takes a text answer";
        if (strlen(a->text) > ES_SURVEY_ANSWER_MAX)
            return "a text answer is at most 2000 bytes";
        return NULL;
    }
    if (!a->has_value)
        return "a scale or yes/no question takes a number";
    int lo = kind == ES_Q_SCALE5 ? 1 : 0, hi = kind == ES_Q_SCALE5 ? 5 : kind == ES_Q_SCALE10 ? 10 : 1;
    if (a->value < lo || a->value > hi)
        return "an answer is out of its question's range";
    return NULL;
}

static int channel_ok(const char *c)
{
    return c && (!strcmp(c, "sms") || !strcmp(c, "web") || !strcmp(c, "email") ||
                 !strcmp(c, "import"));
}

/* See survey.h. */
es_err es_survey_response_add(es_store_t *s, const es_survey_response *r, int64_t *id,
                              int *fresh)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->surveys : NULL, "adding a response");
    if (rc)
        return rc;
    if (!r || r->survey_id <= 0 || r->location_id <= 0 || !channel_ok(r->channel) ||
        r->started <= 0 || r->completed < 0 || (r->n_answers && !r->answers))
        return es__store_fail(s, ES_EINVAL, "adding a response: it needs a survey, a location, a "
                                            "channel (sms, web, email, import) and a start time");
    if (r->n_answers > ES_SURVEY_MAX_QUESTIONS ||
        (r->external_id && strlen(r->external_id) > ES_SURVEY_EXTID_MAX) ||
        (r->contact && strlen(r->contact) > 256))
        return es__store_fail(s, ES_ELIMIT, "adding a response: too many answers, or an "
                                            "external id or contact too long");
    kinds_by_pos k = {{0}};
    rc = es_survey_get(s, r->survey_id, take_kinds, &k);
    if (rc)
        return rc;
    for (size_t i = 0; i < r->n_answers; i++) {
        const char *why = answer_fault(&k, &r->answers[i]);
        for (size_t j = 0; !why && j < i; j++)
            if (r->answers[j].position == r->answers[i].position)
                why = "two answers to the same question";
        if (why)
            return es__store_fail(s, ES_EINVAL, "adding a response: %s", why);
    }
    return s->ops->surveys->response_add(s, r, id, fresh);
}

/* Checks a contact for the opt-out list. */
static es_err contact_ok(es_store_t *s, const char *contact, const char *what)
{
    if (!contact || !*contact || strlen(contact) > 256)
        return es__store_fail(s, ES_EINVAL, "%s: the contact is empty or longer than 256 bytes",
                              what);
    return ES_OK;
}

/* See survey.h. */
es_err es_survey_optout_set(es_store_t *s, const char *contact, int out, const char *how,
                            int64_t now)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->surveys : NULL, "changing an opt-out");
    if (rc || (rc = contact_ok(s, contact, "changing an opt-out")))
        return rc;
    if (how && strlen(how) > 64)
        return es__store_fail(s, ES_ELIMIT, "changing an opt-out: 'how' is over 64 bytes");
    return s->ops->surveys->optout_set(s, contact, out ? 1 : 0, how, now);
}

/* See survey.h. */
es_err es_survey_optout_get(es_store_t *s, const char *contact, int *out)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->surveys : NULL, "reading an opt-out");
    if (rc || (rc = contact_ok(s, contact, "reading an opt-out")))
        return rc;
    if (!out)
        return es__store_fail(s, ES_EINVAL, "reading an opt-out: no output");
    return s->ops->surveys->optout_get(s, contact, out);
}
