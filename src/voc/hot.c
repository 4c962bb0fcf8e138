/*
 * hot.c - the hot alert and the start of the closed loop (V4): when a
 * response is at or below its survey's hot threshold (or a recommend of
 * 0-3), within the request that stored the answer, the response is
 * claimed (once), a case is opened in the inbox with the customer's
 * contact and the answers, linked to the response, and an ES_ALERT_SURVEY
 * alert is raised for the location (which the alert engine sends to the
 * location's managers and the rules' destinations). Called by the SMS
 * webhook and the QR form (src/http/) after their answers are committed.
 *
 * The case comes from the inbox's own threading: one mention (source
 * "sms" for a phone, "email" for an address, else "survey"; external id
 * "survey-response-<id>"; author the contact, so the inbox recognises the
 * customer by phone or email across channels) is stored and threaded at
 * once, and its case is linked to the response.
 */
#include <stdio.h>
#include <string.h>

#include "earshot/alert.h"
#include "earshot/cases.h"
#include "earshot/location.h"
#include "earshot/survey_flow.h"

#define CASE_TEXT_MAX 2600

/* What the hot check reads of a response. */
typedef struct hot_view {
    int found;
    int overall, recommend, threshold;
    int64_t hot_at, case_id;
    char key[ES_LOCATION_KEY_MAX + 1];
    char name[160];
    char channel[16];
    char contact[260];
    char text[CASE_TEXT_MAX];
} hot_view;

/* Appends s to the case text (cut at its size). */
static void add(hot_view *v, const char *s)
{
    size_t n = strlen(v->text);
    if (n < sizeof v->text - 1)
        snprintf(v->text + n, sizeof v->text - n, "%s", s);
}

/* Writes the answers as one text: "Survey at <name> (sms): Overall
 * satisfaction 1; Likelihood to recommend 2; Comment: cold food". */
static void take_view(const es_survey_response_row *r, void *ud)
{
    hot_view *v = ud;
    char num[32];
    v->found = 1;
    v->overall = r->overall;
    v->recommend = r->recommend;
    v->threshold = r->hot_threshold;
    v->hot_at = r->hot_at;
    v->case_id = r->case_id;
    snprintf(v->key, sizeof v->key, "%s", r->location_key ? r->location_key : "");
    snprintf(v->name, sizeof v->name, "%s", r->location_name ? r->location_name : "");
    snprintf(v->channel, sizeof v->channel, "%s", r->channel ? r->channel : "");
    snprintf(v->contact, sizeof v->contact, "%s", r->contact ? r->contact : "");
    v->text[0] = '\0';
    add(v, "Survey at ");
    add(v, v->name);
    add(v, " (");
    add(v, v->channel);
    add(v, "):");
    for (size_t i = 0; i < r->n_answers; i++) {
        add(v, i ? "; " : " ");
        add(v, r->labels[i] && *r->labels[i] ? r->labels[i] : "Answer");
        add(v, " ");
        if (r->answers[i].has_value) {
            snprintf(num, sizeof num, "%d", r->answers[i].value);
            add(v, num);
        } else {
            add(v, r->answers[i].text ? r->answers[i].text : "");
        }
    }
}

/* 1 when the response is hot (docs/surveys.md, "The hot alert"). */
static int is_hot(const hot_view *v)
{
    return (v->overall >= 1 && v->overall <= v->threshold) ||
           (v->recommend >= 0 && v->recommend <= ES_SURVEY_HOT_RECOMMEND);
}

/* The mention's source for a contact. */
static const char *source_of(const char *contact)
{
    if (contact[0] == '+')
        return "sms";
    return strchr(contact, '@') ? "email" : "survey";
}

/* Stores the case's mention, threads it and links its case to response id. */
static es_err open_case(es_store_t *s, int64_t id, const hot_view *v, int64_t now, int64_t *case_id)
{
    char ext[64];
    es_mention_t m;
    size_t inserted = 0;
    snprintf(ext, sizeof ext, "survey-response-%lld", (long long)id);
    es_mention_init(&m);
    m.source = source_of(v->contact);
    m.external_id = ext;
    m.author = v->contact[0] ? v->contact : NULL;
    m.text = v->text;
    m.location = v->key;
    m.received_at = m.created_at = now;
    /* A hot response is an unhappy customer: the inbox ranks it so. */
    m.sentiment.compound = -0.8;
    m.sentiment.neg = 0.8;
    m.sentiment.neu = 0.2;
    m.sentiment.label = ES_NEGATIVE;
    m.intent = ES_INTENT_COMPLAINT;
    es_err rc = es_store_put(s, &m, 1, &inserted);
    if (rc == ES_OK)
        rc = es_case_thread_pending(s, NULL, now, NULL);
    if (rc == ES_OK)
        rc = es_survey_mention_case(s, m.source, ext, case_id);
    if (rc == ES_OK && *case_id)
        rc = es_survey_response_case_set(s, id, *case_id);
    return rc;
}

/* Raises the survey alert for response id. */
static es_err raise_alert(es_store_t *s, int64_t id, const hot_view *v, int64_t case_id,
                          int64_t now, size_t *alerts)
{
    char key[64], title[320], detail[512];
    /* The rules compare a score on the overall scale (1-5); a response hot
     * by its recommend answer alone maps 0..10 onto 1..5. */
    double score = v->overall >= 1 ? v->overall : 5;
    if (v->recommend >= 0 && 1.0 + v->recommend * 0.4 < score)
        score = 1.0 + v->recommend * 0.4;
    snprintf(key, sizeof key, "survey:response:%lld", (long long)id);
    snprintf(title, sizeof title, "Unhappy customer at %s: overall %d/5, recommend %d/10", v->name,
             v->overall, v->recommend);
    snprintf(detail, sizeof detail,
             "{\"response_id\":%lld,\"case_id\":%lld,\"overall\":%d,\"recommend\":%d}",
             (long long)id, (long long)case_id, v->overall, v->recommend);
    es_alert_event ev = {.kind = ES_ALERT_SURVEY,
                         .key = key,
                         .location = v->key,
                         .case_id = case_id,
                         .score = score,
                         .title = title,
                         .detail = detail};
    return es_alert_raise(s, &ev, now, alerts);
}

/* See survey_flow.h. */
es_err es_survey_hot_act(es_store_t *s, int64_t id, int64_t now, es_survey_hot *out)
{
    es_survey_hot none;
    if (!out)
        out = &none;
    memset(out, 0, sizeof *out);
    hot_view *v = es_malloc(sizeof *v);
    if (!v)
        return ES_ENOMEM;
    memset(v, 0, sizeof *v);
    int claimed = 0;
    es_err rc = es_survey_response_read(s, id, NULL, take_view, v);
    if (rc == ES_OK && v->found && v->hot_at == 0 && is_hot(v))
        rc = es_survey_response_hot_claim(s, id, now, &claimed);
    if (rc == ES_OK && claimed) {
        out->raised = 1;
        rc = open_case(s, id, v, now, &out->case_id);
        if (rc == ES_OK)
            rc = raise_alert(s, id, v, out->case_id, now, &out->alerts);
    }
    es_free(v);
    return rc;
}

/* See survey_flow.h. */
es_err es_survey_hot_complete(es_store_t *s, int64_t id, int64_t now)
{
    hot_view *v = es_malloc(sizeof *v);
    if (!v)
        return ES_ENOMEM;
    memset(v, 0, sizeof *v);
    es_err rc = es_survey_response_read(s, id, NULL, take_view, v);
    if (rc == ES_OK && v->case_id) {
        es_case_actor system = {0, 0};
        char *note = es_malloc(sizeof v->text + 64);
        if (!note) {
            es_free(v);
            return ES_ENOMEM;
        }
        snprintf(note, sizeof v->text + 64, "The customer finished the survey. %s", v->text);
        rc = es_case_note_add(s, v->case_id, NULL, &system, note, now, NULL);
        es_free(note);
    }
    es_free(v);
    return rc;
}
