/*
 * survey_flow.h - the live survey flow (V2, V4): SMS survey conversations
 * over the Twilio webhook, the QR web form, the hot alert with its case in
 * the inbox, and the recovery outcome a manager records.
 *
 * Store part (sqlite_survey_flow.c, schema step 13): one open SMS session
 * per phone (survey_sms_sessions), the replies already given per
 * MessageSid (survey_sms_messages, so that a re-delivered message gets the
 * same answer and changes nothing), answers added one by one to a stored
 * response, the hot claim (survey_responses.hot_at: each response raises
 * at most once), the case link, the recovery outcome and the follow-up.
 *
 * Logic (src/voc/): es_sms_survey_handle runs one inbound SMS through the
 * conversation (sms_survey.c); es_survey_hot_act raises the alert and
 * opens the case (hot.c); es_survey_qr_svg draws a QR code (qr.c);
 * es_survey_webtoken_* make and check the web form's one-time token
 * (webtoken.c). docs/surveys.md describes the behaviour.
 *
 * Store functions follow store.h: one thread per handle. Strings handed to
 * callbacks are valid during the call only.
 */
#ifndef EARSHOT_SURVEY_FLOW_H
#define EARSHOT_SURVEY_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "earshot.h"
#include "store.h"
#include "survey.h"

/* ---- SMS sessions (store) -------------------------------------------------- */

#define ES_SMS_PHONE_MAX 64   /* bytes of a phone number */
#define ES_SMS_REPLY_MAX 1000 /* bytes of a reply we send */

/* One open conversation: the response it fills and the question asked. */
typedef struct es_sms_session {
    const char *phone; /* input to put; output: valid during the call */
    int64_t response_id;
    int64_t survey_id;        /* output only (from the response) */
    int64_t location_id;      /* output only (from the response) */
    int position;             /* the question asked now (1..n) */
    int retries;              /* 1 once the question was re-asked */
    int64_t started, touched; /* Unix seconds: start, last message */
} es_sms_session;

/* Calls cb with phone's open session, if any; *found says whether. */
es_err es_sms_session_get(es_store_t *s, const char *phone,
                          void (*cb)(const es_sms_session *ss, void *ud), void *ud,
                          int *found) ES_WUR;
/* Adds or replaces phone's session (ss->phone, response_id, position,
 * retries, started, touched). */
es_err es_sms_session_put(es_store_t *s, const es_sms_session *ss) ES_WUR;
/* Ends phone's session (nothing when there is none). */
es_err es_sms_session_end(es_store_t *s, const char *phone) ES_WUR;

/* The reply recorded for MessageSid sid into reply (size bytes), *found 1;
 * or *found 0. */
es_err es_sms_message_get(es_store_t *s, const char *sid, char *reply, size_t size,
                          int *found) ES_WUR;
/* Records the reply given to sid (from phone) at now. */
es_err es_sms_message_put(es_store_t *s, const char *sid, const char *phone, const char *reply,
                          int64_t now) ES_WUR;

/* Makes handle s wait for a busy write lock by polling every millisecond
 * (within the same budget) rather than with SQLite's sleeps of up to
 * 100 ms, so that an SMS reply is not held back behind other commits.
 * es_sms_survey_handle calls it. */
es_err es_survey_flow_prompt(es_store_t *s) ES_WUR;

/* ---- responses filled one answer at a time (store) -------------------------- */

/* Sets answer a of response id (replacing an earlier answer to the same
 * question), keeps the response's overall and recommend in step, and
 * marks it completed at `completed` when that is not 0. The answer is
 * checked against the survey as es_survey_response_add does. */
es_err es_survey_response_answer(es_store_t *s, int64_t id, const es_survey_answer *a,
                                 int64_t completed) ES_WUR;

/* Marks response id completed at now (when it is not yet). */
es_err es_survey_response_complete(es_store_t *s, int64_t id, int64_t now) ES_WUR;

/* ---- reading responses (store) -------------------------------------------------- */

/* The locations a caller may see (as es_case_scope): all, or keys[0..n). */
typedef struct es_survey_scope {
    int all;
    const char *const *keys;
    size_t n;
} es_survey_scope;

/* A stored response with its answers and what became of it. */
typedef struct es_survey_response_row {
    int64_t id, survey_id, location_id;
    const char *location_key, *location_name, *location_code;
    const char *channel, *external_id, *contact;
    int64_t started, completed; /* completed 0: partial */
    int overall, recommend;     /* -1: not answered */
    int hot_threshold;          /* the survey's */
    int64_t hot_at;             /* 0: no hot alert raised */
    int64_t case_id;            /* 0: none */
    const char *recovery;       /* "recovered", "not_recovered", "no_contact" or NULL */
    const char *recovery_note;
    int64_t recovery_at, followup_at;
    size_t n_answers;
    const es_survey_answer *answers;
    const char *const *labels; /* labels[i]: the label of answers[i]'s question */
} es_survey_response_row;

typedef struct es_survey_response_filter {
    const char *location; /* a location key or code; NULL all */
    int64_t since;        /* started at or after; 0 any */
    int hot;              /* 1: only responses that raised a hot alert */
    size_t limit;         /* 0: 50; at most 500 */
    size_t offset;
} es_survey_response_filter;

/* Calls cb for the responses matching f within scope (NULL: all), newest
 * first. */
es_err es_survey_response_list(es_store_t *s, const es_survey_response_filter *f,
                               const es_survey_scope *scope,
                               void (*cb)(const es_survey_response_row *r, void *ud),
                               void *ud) ES_WUR;
/* Calls cb once with response id; ES_ENOTFOUND when there is none or it is
 * outside scope (the same answer, so that ids do not leak). */
es_err es_survey_response_read(es_store_t *s, int64_t id, const es_survey_scope *scope,
                               void (*cb)(const es_survey_response_row *r, void *ud),
                               void *ud) ES_WUR;

/* ---- the hot alert and the closed loop (store) ------------------------------------ */

/* Claims response id's hot alert at now: *claimed 1 for the first caller,
 * 0 afterwards (each response raises at most once). */
es_err es_survey_response_hot_claim(es_store_t *s, int64_t id, int64_t now, int *claimed) ES_WUR;
/* Links response id to case case_id. */
es_err es_survey_response_case_set(es_store_t *s, int64_t id, int64_t case_id) ES_WUR;
/* The case of the mention (source, external_id) into *case_id (0: none). */
es_err es_survey_mention_case(es_store_t *s, const char *source, const char *external_id,
                              int64_t *case_id) ES_WUR;

/* Records the recovery outcome ("recovered", "not_recovered",
 * "no_contact") and an optional note (at most 2,000 bytes) of response id,
 * within scope (else ES_ENOTFOUND), audited under actor_user. ES_EINVAL
 * for another outcome. */
es_err es_survey_response_recovery(es_store_t *s, int64_t id, const es_survey_scope *scope,
                                   const char *outcome, const char *note, int64_t actor_user,
                                   int64_t now) ES_WUR;
/* Records that a follow-up survey was sent for response id at now. */
es_err es_survey_response_followup(es_store_t *s, int64_t id, int64_t now) ES_WUR;

/* ---- the SMS conversation (src/voc/sms_survey.c) ------------------------------------ */

typedef struct es_sms_survey_opts {
    const char *keyword; /* NULL or "": "FEEDBACK" (compared without case) */
    int64_t expiry;      /* seconds of silence that end a session; 0: 1800 */
} es_sms_survey_opts;

/* One inbound SMS. */
typedef struct es_sms_in {
    const char *sid;  /* MessageSid (required) */
    const char *from; /* the customer's phone (required) */
    const char *body; /* the text (required) */
} es_sms_in;

/* What became of it. */
typedef struct es_sms_out {
    int handled;                      /* 0: not part of a survey (the mention path) */
    char reply[ES_SMS_REPLY_MAX + 1]; /* the answer to send ("" none) */
    int64_t response_id;              /* the response it touched, 0 none */
    int duplicate;                    /* 1: sid was seen before; reply is the same */
    int completed;                    /* 1: this message completed the response */
} es_sms_out;

/* Runs one SMS through the conversation in one transaction (s must not be
 * in one): a keyword with a location code starts the location's default
 * survey (restarting any open session of that phone), an answer is
 * checked and stored, an invalid one re-asked once with the hint and then
 * skipped, SKIP skips a text question, STOP / UNSTOP / HELP are honoured;
 * a re-delivered sid changes nothing and gets the same reply. A message of
 * no survey (no session, no keyword) is left alone (out->handled 0). The
 * caller then calls es_survey_hot_act for out->response_id. Errors: the
 * store's. */
es_err es_sms_survey_handle(es_store_t *s, const es_sms_survey_opts *o, const es_sms_in *in,
                            int64_t now, es_sms_out *out) ES_WUR;

/* The same step inside the caller's open transaction (es_store_begin), in
 * a savepoint of its own: on an error its changes are undone and the
 * transaction goes on, so that the server's survey committer runs a batch
 * of messages and commits them once (src/http/surveys.c). Nothing is
 * durable, and no reply may be sent, before the caller's commit. A sid
 * stepped earlier in the same transaction counts as seen. The caller has
 * called es_survey_flow_prompt on s. Errors: the store's; ES_EINVAL when
 * no transaction is open. */
es_err es_sms_survey_step(es_store_t *s, const es_sms_survey_opts *o, const es_sms_in *in,
                          int64_t now, es_sms_out *out) ES_WUR;

/* ---- the hot alert (src/voc/hot.c) --------------------------------------------------- */

/* The recommend answer at or below which a response is hot (0-3, NPS's
 * strongest detractors), whatever the overall answer. */
#define ES_SURVEY_HOT_RECOMMEND 3

typedef struct es_survey_hot {
    int raised;      /* 1 when this call raised (first time hot) */
    int64_t case_id; /* the case opened, 0 none */
    size_t alerts;   /* alerts created by es_alert_raise */
} es_survey_hot;

/* When response id is hot (overall <= its survey's hot_threshold, or
 * recommend <= ES_SURVEY_HOT_RECOMMEND) and has not raised yet: claims it,
 * opens a case in the inbox (a mention of source "sms", "email" or
 * "survey" by the customer's contact, with the answers as its text,
 * threaded at once) linked to the response, and raises an ES_ALERT_SURVEY
 * alert for the location (es_alert_raise). Call outside any transaction.
 * *out may be NULL. Errors: the store's. */
es_err es_survey_hot_act(es_store_t *s, int64_t id, int64_t now, es_survey_hot *out) ES_WUR;

/* After a response that raised its hot alert was completed (the SMS
 * conversation's last answer): adds a note to its case with every answer,
 * so that the case shows what the customer said after the hot answer.
 * Nothing when the response has no case. Errors: the store's. */
es_err es_survey_hot_complete(es_store_t *s, int64_t id, int64_t now) ES_WUR;

/* ---- the QR code and the web token (src/voc/qr.c, webtoken.c) ------------------------- */

/* Draws text as a QR code (medium error correction) in SVG into buf:
 * *len bytes, NUL-terminated, malloc'd (free with es_free). Errors:
 * ES_EINVAL, ES_ELIMIT (text too long for a QR code), ES_ENOMEM. */
es_err es_survey_qr_svg(const char *text, char **svg, size_t *len) ES_WUR;

#define ES_WEBTOKEN_MAX 160 /* bytes of a token */

/* Makes a one-time token for the form of location code at now, signed
 * with secret (HMAC-SHA256): "<issued>.<nonce>.<mac>" into tok. */
es_err es_survey_webtoken_make(const char *secret, const char *code, int64_t now,
                               char tok[ES_WEBTOKEN_MAX + 1]) ES_WUR;

/* Checks tok for location code at now: ES_OK with its nonce (32 hex
 * characters) in nonce; ES_EINVAL when the signature is wrong or it is
 * older than max_age seconds; ES_EBUSY when it is younger than min_age
 * seconds (a bot filled the form faster than a person can). */
es_err es_survey_webtoken_check(const char *secret, const char *code, const char *tok, int64_t now,
                                int64_t min_age, int64_t max_age, char nonce[33]) ES_WUR;

#endif
