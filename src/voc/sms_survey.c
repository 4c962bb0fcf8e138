/*
 * sms_survey.c - the SMS survey as a conversation (V2), one inbound
 * message at a time, for the Twilio webhook (src/http/hooks.c) and its
 * tests (include/earshot/survey_flow.h, es_sms_survey_handle).
 *
 * The states of a phone: no session, or a session asking question p with
 * 0 or 1 retries. A message is, in this order:
 *   a MessageSid seen before   -> the reply given then, nothing changes;
 *   STOP (STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT) -> opted out, session ended;
 *   UNSTOP (START)             -> opted back in;
 *   HELP (INFO)                -> a short help text (+ the open question);
 *   KEYWORD CODE               -> the location's default survey starts (an
 *                                 open session is ended, its answers kept:
 *                                 a clean restart); unknown code: refused;
 *   an answer in a session     -> stored and the next question asked; an
 *                                 invalid one re-asked once with the hint,
 *                                 then skipped; SKIP skips a text question;
 *   anything else              -> not ours (out->handled 0).
 * A session silent for longer than the expiry is ended first (its response
 * stays, partial). Everything of one message happens in one transaction
 * (es_sms_survey_handle) or in one savepoint of the server's batch
 * transaction (es_sms_survey_step), with the reply recorded under its
 * MessageSid.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "earshot/location.h"
#include "earshot/survey_flow.h"

#define DEFAULT_KEYWORD "FEEDBACK"
#define DEFAULT_EXPIRY 1800

/* What the conversation knows while it handles one message. */
typedef struct convo {
    es_store_t *s;
    const es_sms_in *in;
    int64_t now;
    es_sms_out *out;
    es_sms_session ss; /* the open session (when has_session) */
    int has_session;
    es_survey sv; /* the session's or the started survey */
    int has_survey;
} convo;

/* ---- copying what callbacks hand over --------------------------------------------- */

/* A survey with its strings copied (the store's live only in the callback). */
typedef struct survey_copy {
    es_survey sv;
    char text[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_TEXT_MAX + 1];
    char key[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_KEY_MAX + 1];
    char label[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_LABEL_MAX + 1];
} survey_copy;

static void take_survey(const es_survey *sv, void *ud)
{
    survey_copy *c = ud;
    c->sv = *sv;
    c->sv.name = NULL;
    for (size_t i = 0; i < sv->n_questions; i++) {
        snprintf(c->text[i], sizeof c->text[i], "%s", sv->q[i].text);
        snprintf(c->key[i], sizeof c->key[i], "%s", sv->q[i].key);
        snprintf(c->label[i], sizeof c->label[i], "%s", sv->q[i].label);
        c->sv.q[i].text = c->text[i];
        c->sv.q[i].key = c->key[i];
        c->sv.q[i].label = c->label[i];
    }
}

static void take_session(const es_sms_session *ss, void *ud)
{
    es_sms_session *d = ud;
    *d = *ss;
    d->phone = NULL;
}

typedef struct loc_copy {
    int64_t id;
    int disabled;
    char code[ES_LOCATION_CODE_MAX + 1];
    char name[ES_LOCATION_NAME_MAX + 1];
} loc_copy;

static void take_loc(const es_location *l, void *ud)
{
    loc_copy *c = ud;
    c->id = l->id;
    c->disabled = l->disabled;
    snprintf(c->code, sizeof c->code, "%s", l->code ? l->code : "");
    snprintf(c->name, sizeof c->name, "%s", l->name ? l->name : "");
}

/* ---- words ------------------------------------------------------------------------ */

/* The message's first word, upper-cased, into w; *rest after it (trimmed). */
static void first_word(const char *body, char *w, size_t size, const char **rest)
{
    while (*body && isspace((unsigned char)*body))
        body++;
    size_t n = 0;
    while (*body && !isspace((unsigned char)*body)) {
        if (n + 1 < size)
            w[n++] = (char)toupper((unsigned char)*body);
        body++;
    }
    w[n] = '\0';
    while (*body && isspace((unsigned char)*body))
        body++;
    *rest = body;
}

/* 1 when body is exactly one of words (without regard to case or spaces). */
static int only_word(const char *body, const char *const *words)
{
    char w[32];
    const char *rest;
    first_word(body, w, sizeof w, &rest);
    if (*rest)
        return 0;
    for (; *words; words++)
        if (strcmp(w, *words) == 0)
            return 1;
    return 0;
}

static const char *const stop_words[] = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL",
                                         "END",  "QUIT",    NULL};
static const char *const unstop_words[] = {"UNSTOP", "START", NULL};
static const char *const help_words[] = {"HELP", "INFO", NULL};
static const char *const skip_words[] = {"SKIP", NULL};

/* Appends a, b and c (NULL: nothing) to the reply, cut at its size. */
static void say(es_sms_out *out, const char *a, const char *b, const char *c)
{
    const char *parts[3] = {a, b, c};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(out->reply);
        if (parts[i] && n < sizeof out->reply - 1)
            snprintf(out->reply + n, sizeof out->reply - n, "%s", parts[i]);
    }
}

/* ---- the steps -------------------------------------------------------------------------- */

/* Asks question position p of the session's survey, or thanks and ends. */
static es_err ask_or_finish(convo *c, int p)
{
    if (p > (int)c->sv.n_questions) {
        es_err rc = es_survey_response_complete(c->s, c->ss.response_id, c->now);
        if (rc == ES_OK)
            rc = es_sms_session_end(c->s, c->in->from);
        say(c->out, "Thank you for your feedback!", NULL, NULL);
        c->has_session = 0;
        c->out->completed = 1;
        return rc;
    }
    c->ss.position = p;
    c->ss.retries = 0;
    c->ss.touched = c->now;
    c->ss.phone = c->in->from;
    say(c->out, c->sv.q[p - 1].text, NULL, NULL);
    return es_sms_session_put(c->s, &c->ss);
}

/* KEYWORD CODE: starts the location's default survey. */
static es_err start(convo *c, const char *text)
{
    loc_copy lc = {0};
    char code[ES_LOCATION_CODE_MAX + 2];
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1]))
        n--;
    snprintf(code, sizeof code, "%.*s", (int)(n < sizeof code - 1 ? n : sizeof code - 1), text);
    es_err rc = *code ? es_location_find(c->s, code, take_loc, &lc) : ES_ENOTFOUND;
    /* By code only (es_location_find also knows keys). */
    if (rc == ES_ENOTFOUND || (rc == ES_OK && (lc.disabled || strcasecmp(lc.code, code) != 0 ||
                                               n > ES_LOCATION_CODE_MAX))) {
        code[ES_LOCATION_CODE_MAX] = '\0'; /* shown at most this long */
        say(c->out, "Sorry, we do not know the location code \"", code,
            "\". Please send the keyword followed by the code on the poster.");
        return ES_OK;
    }
    if (rc)
        return rc;
    /* A clean restart: the session now points at the new response; the
     * old response stays, partial. */
    c->has_session = 0;
    es_survey_response r = {.survey_id = c->sv.id,
                            .location_id = lc.id,
                            .channel = "sms",
                            .external_id = c->in->sid,
                            .contact = c->in->from,
                            .started = c->now};
    int64_t id = 0;
    if ((rc = es_survey_response_add(c->s, &r, &id, NULL)))
        return rc;
    c->ss = (es_sms_session){.response_id = id, .started = c->now};
    c->out->response_id = id;
    say(c->out, "Thanks for your feedback on ", lc.name, "! ");
    return ask_or_finish(c, 1);
}

/* An answer to the session's current question. */
static es_err answer(convo *c)
{
    const es_survey_question *q = &c->sv.q[c->ss.position - 1];
    char hint[200] = "";
    int value = 0, has_value = 0;
    c->out->response_id = c->ss.response_id;
    if (q->kind == ES_Q_TEXT && only_word(c->in->body, skip_words))
        return ask_or_finish(c, c->ss.position + 1);
    if (es_survey_answer_parse(q, c->in->body, &value, &has_value, hint, sizeof hint) != ES_OK) {
        if (c->ss.retries == 0) {
            c->ss.retries = 1;
            c->ss.touched = c->now;
            c->ss.phone = c->in->from;
            say(c->out, hint, " ", q->text);
            return es_sms_session_put(c->s, &c->ss);
        }
        say(c->out, "Let's move on. ", NULL, NULL);
        return ask_or_finish(c, c->ss.position + 1);
    }
    char text[ES_SURVEY_ANSWER_MAX + 1];
    const char *t = NULL;
    if (!has_value) { /* a text answer, trimmed */
        const char *b = c->in->body;
        while (*b && isspace((unsigned char)*b))
            b++;
        size_t n = strlen(b);
        while (n && isspace((unsigned char)b[n - 1]))
            n--;
        snprintf(text, sizeof text, "%.*s", (int)n, b);
        t = text;
    }
    es_survey_answer a = {q->position, has_value, value, t};
    es_err rc = es_survey_response_answer(c->s, c->ss.response_id, &a, 0);
    return rc ? rc : ask_or_finish(c, c->ss.position + 1);
}

/* The open session of the phone (ended first when it expired) and its
 * survey. */
static es_err load_session(convo *c, int64_t expiry, survey_copy *sc)
{
    int found = 0;
    es_err rc = es_sms_session_get(c->s, c->in->from, take_session, &c->ss, &found);
    if (rc || !found)
        return rc;
    if (c->now - c->ss.touched > expiry)
        return es_sms_session_end(c->s, c->in->from);
    if ((rc = es_survey_get(c->s, c->ss.survey_id, take_survey, sc)))
        return rc;
    c->sv = sc->sv;
    c->has_survey = 1;
    if (c->ss.position < 1 || c->ss.position > (int)c->sv.n_questions)
        return es_sms_session_end(c->s, c->in->from);
    c->has_session = 1;
    return ES_OK;
}

/* The message's step, inside the transaction. */
static es_err step(convo *c, const es_sms_survey_opts *o, survey_copy *sc)
{
    const char *kw = o && o->keyword && *o->keyword ? o->keyword : DEFAULT_KEYWORD;
    int64_t expiry = o && o->expiry > 0 ? o->expiry : DEFAULT_EXPIRY;
    char w[32];
    const char *rest;
    es_err rc = load_session(c, expiry, sc);
    if (rc)
        return rc;
    c->out->handled = 1;
    if (only_word(c->in->body, stop_words)) {
        if (c->has_session && (rc = es_sms_session_end(c->s, c->in->from)))
            return rc;
        say(c->out,
            "You are unsubscribed and will get no more survey messages from us. Reply "
            "UNSTOP to opt back in.",
            NULL, NULL);
        return es_survey_optout_set(c->s, c->in->from, 1, "sms:STOP", c->now);
    }
    if (only_word(c->in->body, unstop_words)) {
        say(c->out, "You are subscribed again. Reply STOP to opt out.", NULL, NULL);
        return es_survey_optout_set(c->s, c->in->from, 0, "sms:UNSTOP", c->now);
    }
    if (only_word(c->in->body, help_words)) {
        say(c->out, "Customer survey: send ", kw,
            " and the code on the poster to start. Reply SKIP to skip a comment, STOP to opt "
            "out.");
        if (c->has_session)
            say(c->out, " ", c->sv.q[c->ss.position - 1].text, NULL);
        return ES_OK;
    }
    first_word(c->in->body, w, sizeof w, &rest);
    if (strcasecmp(w, kw) == 0) {
        if (!c->has_survey || c->has_session) {
            if ((rc = es_survey_get(c->s, 0, take_survey, sc)) == ES_ENOTFOUND) {
                say(c->out, "Sorry, no survey is set up yet.", NULL, NULL);
                return ES_OK;
            }
            if (rc)
                return rc;
            c->sv = sc->sv;
            c->has_survey = 1;
        }
        return start(c, rest);
    }
    if (c->has_session)
        return answer(c);
    c->out->handled = 0; /* not a survey message: the mention path */
    return ES_OK;
}

/* The message inside the open transaction: its earlier reply when its
 * MessageSid was seen, else its step and the reply recorded under it. */
static es_err run(es_store_t *s, const es_sms_survey_opts *o, const es_sms_in *in, int64_t now,
                  es_sms_out *out)
{
    survey_copy *sc = es_malloc(sizeof *sc);
    if (!sc)
        return ES_ENOMEM;
    convo c;
    memset(&c, 0, sizeof c);
    c.s = s, c.in = in, c.now = now, c.out = out;
    int found = 0;
    es_err rc = es_sms_message_get(s, in->sid, out->reply, sizeof out->reply, &found);
    if (rc == ES_OK && found) {
        out->handled = out->duplicate = 1;
    } else if (rc == ES_OK) {
        rc = step(&c, o, sc);
        if (rc == ES_OK && out->handled)
            rc = es_sms_message_put(s, in->sid, in->from, out->reply, now);
    }
    es_free(sc);
    return rc;
}

/* Checks the message before anything is read: ES_EINVAL, ES_ELIMIT. */
static es_err check(es_store_t *s, const es_sms_in *in, es_sms_out *out)
{
    if (!s || !in || !in->sid || !*in->sid || !in->from || !*in->from || !in->body || !out)
        return ES_EINVAL;
    memset(out, 0, sizeof *out);
    if (strlen(in->from) > ES_SMS_PHONE_MAX || strlen(in->sid) > ES_SURVEY_EXTID_MAX)
        return ES_ELIMIT;
    return ES_OK;
}

/* See survey_flow.h. */
es_err es_sms_survey_handle(es_store_t *s, const es_sms_survey_opts *o, const es_sms_in *in,
                            int64_t now, es_sms_out *out)
{
    es_err rc = check(s, in, out);
    if (rc)
        return rc;
    rc = es_survey_flow_prompt(s);
    if (rc == ES_OK)
        rc = es_store_begin(s);
    if (rc == ES_OK)
        rc = run(s, o, in, now, out);
    if (rc == ES_OK)
        rc = es_store_commit(s);
    else
        es_store_rollback(s);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

/* See survey_flow.h. */
es_err es_sms_survey_step(es_store_t *s, const es_sms_survey_opts *o, const es_sms_in *in,
                          int64_t now, es_sms_out *out)
{
    es_err rc = check(s, in, out);
    if (rc)
        return rc;
    if ((rc = es_store_savepoint(s)))
        return rc;
    rc = run(s, o, in, now, out);
    es_err end = es_store_savepoint_end(s, rc == ES_OK);
    if (rc == ES_OK)
        rc = end;
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}
