/*
 * hooks.c - the providers' webhooks of `earshot serve` (issue 3, L1), the
 * rows of es__http_routes_hooks that router.c walks:
 *
 *   GET  /hooks/meta    Meta's subscription handshake: hub.mode=subscribe
 *                       and hub.verify_token equal to the configured token
 *                       are answered with hub.challenge (text/plain).
 *   POST /hooks/meta    a Meta (Facebook, Instagram) delivery, verified by
 *                       X-Hub-Signature-256 over the raw body, decoded by
 *                       src/ingest/meta.c and stored like /hooks/ingest.
 *   POST /hooks/twilio  an SMS as Twilio posts it (form-encoded), verified
 *                       by X-Twilio-Signature over the configured URL and
 *                       the sorted parameters; one mention (source "sms",
 *                       external_id the MessageSid, so a re-delivery is
 *                       stored once); answered with TwiML. A message of
 *                       an SMS survey ("FEEDBACK 1234", the answers, STOP,
 *                       HELP: src/voc/sms_survey.c) is answered with the
 *                       conversation's next message instead, and is not
 *                       stored as a mention.
 *
 * These routes are public for the router: each checks its provider's
 * signature itself (webhook.h, constant-time) before anything is decoded,
 * and a request that fails is answered 403 and never reaches the store. An
 * endpoint whose secret is not configured answers 404. Secrets come from
 * es_server_opts (the config file or the environment, src/cli/config.c)
 * and are never logged. Mentions go through es__http_ingest_then: analysed,
 * group-committed, and only then acknowledged by the route's continuation
 * (503 with Retry-After when the queue is full). docs/api.md ("Webhooks")
 * documents the answers.
 *
 * The server's feed polling (es_server_poll_feeds, server.h) lives here
 * too: the items of RSS and Atom feeds enter the pipeline the same way.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "earshot/feed.h"
#include "earshot/ingest.h"
#include "earshot/survey_flow.h"
#include "earshot/webhook.h"
#include "http/http_int.h"

#define TWIML_EMPTY "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>"

static int set(const char *s)
{
    return s && *s;
}

/* Answers a failed ingest: 503 with Retry-After when the queue is full,
 * 400 with the reason for a mention analysis refused, else 500. */
static void ingest_failed(es__http_resp *rs, es_err rc, const char *why)
{
    if (rc == ES_EBUSY) {
        es__http_error(rs, 503, "the queue is full; retry later");
        es__http_header_add(rs, "Retry-After", "1");
    } else if (rc == ES_REJECTED) {
        es__http_error(rs, 400, why ? why : "the mention was refused");
    } else {
        es__http_error(rs, 500, rc == ES_ENOMEM ? "out of memory" : "the store failed");
    }
}

/* ---- Meta ------------------------------------------------------------------- */

/* GET /hooks/meta?hub.mode=subscribe&hub.verify_token=...&hub.challenge=... */
static void meta_handshake(es__http_req *rq, es__http_resp *rs)
{
    const es_server_opts *o = es__http_opts(rq);
    static const char *const names[] = {"hub.mode", "hub.verify_token", "hub.challenge"};
    es_http_field fields[3];
    es_http_form q = {fields, 0};
    const char *challenge = NULL, *why = NULL;
    if (!set(o->meta_verify_token)) {
        es__http_error(rs, 404, "the Meta webhook is not configured");
        return;
    }
    for (size_t i = 0; i < 3; i++) {
        const char *v = es__http_arg(rq, names[i]);
        if (v)
            fields[q.n++] = (es_http_field){names[i], strlen(names[i]), v, strlen(v)};
    }
    if (es_http_meta_handshake(&q, o->meta_verify_token, &challenge, &why) != ES_OK) {
        es__http_error(rs, 403, "the verification request was refused");
        return;
    }
    rs->type = "text/plain; charset=utf-8";
    if (es__buf_adds(&rs->body, challenge))
        es__http_error(rs, 500, "out of memory");
}

/* The continuation of meta_delivery: 200 once stored. */
static void meta_committed(es__http_req *rq, es__http_resp *rs)
{
    if (rq->job.rc) {
        ingest_failed(rs, rq->job.rc, NULL);
        return;
    }
    if (es__buf_printf(&rs->body, "{\"accepted\":%zu,\"new\":%zu}\n", rq->job.n, rq->job.inserted))
        es__buf_reset(&rs->body); /* stored: still 200 */
}

/* POST /hooks/meta: verify, decode, store; answer 200 once stored. */
static void meta_delivery(es__http_req *rq, es__http_resp *rs)
{
    const es_server_opts *o = es__http_opts(rq);
    es_reader_opts ro = {ES_FORMAT_META, NULL, NULL};
    es_decoder_t *dec = NULL;
    es_mention_t *ms = NULL;
    size_t n = 0;
    const char *why = NULL;
    if (!set(o->meta_app_secret)) {
        es__http_error(rs, 404, "the Meta webhook is not configured");
        return;
    }
    if (es_http_meta_verify(o->meta_app_secret, rq->body, rq->body_len,
                            es__http_header(rq, "X-Hub-Signature-256"), &why) != ES_OK) {
        es__http_error(rs, 403, "the X-Hub-Signature-256 signature is missing or wrong");
        return;
    }
    if (es_decoder_new(&ro, &dec)) {
        es__http_error(rs, 500, "out of memory");
        return;
    }
    es_record rec = {rq->body, rq->body_len, 1, 0};
    es_err rc = es_decode(dec, &rec, rq->arena, &ms, &n, &why);
    es_decoder_free(dec);
    if (rc == ES_REJECTED) {
        es__http_error(rs, 400, why ? why : "the delivery is malformed");
        return;
    }
    if (rc == ES_OK && n > 0) /* answered by meta_committed */
        rc = es__http_ingest_then(rq, ms, n, meta_committed, NULL, &why);
    else if (rc == ES_OK && es__buf_adds(&rs->body, "{\"accepted\":0,\"new\":0}\n"))
        es__buf_reset(&rs->body);
    if (rc)
        ingest_failed(rs, rc, why);
}

/* ---- Twilio ----------------------------------------------------------------- */

/* The location that "to" maps to in "num=loc,num=loc" (in the arena), or
 * NULL. */
static const char *location_of(es_arena_t *a, const char *map, const char *to)
{
    size_t tn = to ? strlen(to) : 0;
    for (const char *p = map; p && *p && tn;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        while (eq && len && (*p == ' '))
            p++, len--;
        if (eq && (size_t)(eq - p) == tn && memcmp(p, to, tn) == 0) {
            const char *v = eq + 1;
            size_t vn = len - (size_t)(v - p);
            while (vn && v[vn - 1] == ' ')
                vn--;
            return vn ? es_arena_strndup(a, v, vn) : NULL;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

/* Appends s to b with the five XML special characters escaped. */
static es_err xml_text(es__buf *b, const char *s)
{
    es_err rc = ES_OK;
    for (; rc == ES_OK && *s; s++) {
        switch (*s) {
        case '&': rc = es__buf_adds(b, "&amp;"); break;
        case '<': rc = es__buf_adds(b, "&lt;"); break;
        case '>': rc = es__buf_adds(b, "&gt;"); break;
        case '"': rc = es__buf_adds(b, "&quot;"); break;
        case '\'': rc = es__buf_adds(b, "&apos;"); break;
        default: rc = es__buf_addc(b, *s);
        }
    }
    return rc;
}

/* The TwiML answer: empty, or with the configured reply. */
static void twiml(es__http_resp *rs, const char *reply)
{
    es_err rc;
    rs->type = "text/xml; charset=utf-8";
    if (!set(reply)) {
        rc = es__buf_adds(&rs->body, TWIML_EMPTY);
    } else {
        rc = es__buf_adds(&rs->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                                     "<Response><Message>");
        if (rc == ES_OK)
            rc = xml_text(&rs->body, reply);
        if (rc == ES_OK)
            rc = es__buf_adds(&rs->body, "</Message></Response>");
    }
    if (rc) {
        es__buf_reset(&rs->body);
        if (es__buf_adds(&rs->body, TWIML_EMPTY))
            es__http_error(rs, 500, "out of memory");
    }
}

/* The URL Twilio signed: the configured one, else public_url +
 * "/hooks/twilio". NULL when neither is configured. */
static const char *signed_url(es__http_req *rq, const es_server_opts *o)
{
    if (set(o->twilio_url))
        return o->twilio_url;
    if (!set(o->public_url))
        return NULL;
    size_t n = strlen(o->public_url);
    while (n && o->public_url[n - 1] == '/')
        n--;
    return es_arena_printf(rq->arena, "%.*s/hooks/twilio", (int)n, o->public_url);
}

/* Makes the mention of one SMS. ES_END when the post holds no message
 * (a status callback, a voice call): nothing to store. */
static es_err sms_mention(es__http_req *rq, const es_http_form *f, const char *locations,
                          es_mention_t *m)
{
    const char *sid = es_http_form_get(f, "MessageSid");
    const char *body = es_http_form_get(f, "Body");
    if (!sid)
        sid = es_http_form_get(f, "SmsSid");
    if (!set(sid) || !set(body))
        return ES_END;
    if (strlen(sid) > ES_MAX_FIELD || strlen(body) > ES_MAX_TEXT)
        return ES_ELIMIT;
    const char *from = es_http_form_get(f, "From"), *to = es_http_form_get(f, "To");
    es_mention_init(m);
    m->source = "sms";
    m->external_id = sid;
    m->author = from && strlen(from) <= ES_MAX_FIELD ? from : NULL;
    m->text = body;
    m->received_at = (int64_t)time(NULL);
    m->created_at = m->received_at;
    m->location = set(locations) ? location_of(rq->arena, locations, to) : NULL;
    m->conversation = m->author;
    return ES_OK;
}

/* Answers a failed survey step as es__http_store_error does, with the
 * committer's message (why) rather than a handle's of this thread. */
static void survey_failed(es__http_resp *rs, es_err rc, const char *why)
{
    switch (rc) {
    case ES_ENOTFOUND: es__http_error(rs, 404, why); break;
    case ES_EEXIST: es__http_error(rs, 409, why); break;
    case ES_EINVAL:
    case ES_EUTF8:
    case ES_EPARSE: es__http_error(rs, 400, why); break;
    case ES_EBUSY:
        es__http_error(rs, 503, "the database is busy; try again");
        es__http_header_add(rs, "Retry-After", "1");
        break;
    default: es__http_error(rs, 500, "the store failed"); break;
    }
}

/* Runs the SMS through the survey conversation (src/voc/sms_survey.c):
 * 1 when it was a survey message and the TwiML reply is in rs; 0 when it
 * is not part of a survey (the mention path takes it). The step runs on
 * the survey committer (surveys.c), with the other phones' messages in one
 * transaction; this worker waits for its commit. A hot answer then raises
 * its alert and opens its case before the reply (es_survey_hot_act). */
static int sms_survey(es__http_req *rq, es__http_resp *rs, const es_http_form *f)
{
    const es_server_opts *o = es__http_opts(rq);
    const char *sid = es_http_form_get(f, "MessageSid");
    es_sms_in in = {sid ? sid : es_http_form_get(f, "SmsSid"), es_http_form_get(f, "From"),
                    es_http_form_get(f, "Body")};
    if (!set(in.sid) || !set(in.from) || !in.body)
        return 0;
    es__http_survey_job *job = es_arena_alloc(rq->arena, sizeof *job);
    es_sms_out *out = es_arena_alloc(rq->arena, sizeof *out);
    if (!job || !out) {
        es__http_error(rs, 500, "out of memory");
        return 1;
    }
    memset(job, 0, sizeof *job);
    job->in = in;
    job->opts = (es_sms_survey_opts){o->survey_keyword, o->survey_expiry};
    job->now = (int64_t)time(NULL);
    job->out = out;
    /* The survey committer runs the step with others' in one transaction
     * and returns once it is durably committed (surveys.c). */
    es_err rc = es__http_surveys_submit(rq->srv->surveys, job);
    if (rc == ES_EBUSY) {
        es__http_error(rs, 503, "the survey queue is full; retry later");
        es__http_header_add(rs, "Retry-After", "1");
        return 1;
    }
    if ((rc = job->rc) == ES_ELIMIT)
        return 0; /* not a conversation we can hold: keep it as a mention */
    if (rc) {
        survey_failed(rs, rc, job->why);
        return 1;
    }
    int64_t now = job->now;
    es_store_t *s = es__http_store(rq);
    if (!s) {
        es__http_error(rs, 500, "the store is not available");
        return 1;
    }
    if (!out->handled)
        return 0;
    /* The answers are committed: the reply goes even if the hot alert or
     * the case's note fails (that is logged, without the customer's data). */
    es_survey_hot hot = {0};
    if (out->response_id && (rc = es_survey_hot_act(s, out->response_id, now, &hot)))
        fprintf(stderr, "earshot serve: survey response %lld: the hot alert failed: %s\n",
                (long long)out->response_id, es_strerror(rc));
    if (hot.alerts)
        es__http_wake(rq, "alerts");
    if (out->completed && (rc = es_survey_hot_complete(s, out->response_id, now)))
        fprintf(stderr, "earshot serve: survey response %lld: the case's note failed: %s\n",
                (long long)out->response_id, es_strerror(rc));
    twiml(rs, out->reply);
    return 1;
}

/* The continuation of twilio_sms: TwiML once stored. A re-delivery is
 * stored once and answered once: no second reply. */
static void twilio_committed(es__http_req *rq, es__http_resp *rs)
{
    if (rq->job.rc)
        ingest_failed(rs, rq->job.rc, NULL);
    else
        twiml(rs, rq->job.inserted ? es__http_opts(rq)->twilio_reply : NULL);
}

/* POST /hooks/twilio: verify, store the SMS once, answer TwiML. */
static void twilio_sms(es__http_req *rq, es__http_resp *rs)
{
    const es_server_opts *o = es__http_opts(rq);
    es_http_form f;
    es_mention_t *m = es_arena_alloc(rq->arena, sizeof *m); /* lives until answered */
    const char *why = NULL, *url;
    if (!m) {
        es__http_error(rs, 500, "out of memory");
        return;
    }
    if (!set(o->twilio_auth_token)) {
        es__http_error(rs, 404, "the Twilio webhook is not configured");
        return;
    }
    if (!(url = signed_url(rq, o))) {
        es__http_error(rs, 500, "public_url is not configured: the signature cannot be checked");
        return;
    }
    if (es_http_form_decode(rq->arena, rq->body, rq->body_len, NULL, &f, &why) != ES_OK) {
        es__http_error(rs, 400, why ? why : "the form is malformed");
        return;
    }
    if (es_http_twilio_verify(o->twilio_auth_token, url, &f,
                              es__http_header(rq, "X-Twilio-Signature"), &why) != ES_OK) {
        es__http_error(rs, 403, "the X-Twilio-Signature signature is missing or wrong");
        return;
    }
    if (sms_survey(rq, rs, &f))
        return;
    es_err rc = sms_mention(rq, &f, o->twilio_locations, m);
    if (rc == ES_END) {
        twiml(rs, NULL);
        return;
    }
    if (rc == ES_ELIMIT) {
        es__http_error(rs, 413, "the message or its id is over the limit");
        return;
    }
    if ((rc = es__http_ingest_then(rq, m, 1, twilio_committed, NULL, &why)))
        ingest_failed(rs, rc, why);
}

/* ---- feeds --------------------------------------------------------------- */

/* The feed poller's sink: the items of one feed, as a webhook's mentions,
 * through es__http_ingest (analysed, queued, committed). */
static es_err feed_sink(void *ud, const es_feed_row *f, es_mention_t *ms, size_t n, es_arena_t *a,
                        size_t *inserted)
{
    es__http_req rq;
    const char *why = NULL;
    memset(&rq, 0, sizeof rq);
    rq.srv = ud;
    rq.arena = a;
    rq.method = "POLL";
    rq.path = f->url;
    return es__http_ingest(&rq, ms, n, inserted, &why);
}

/* See server.h. */
es_err es_server_poll_feeds(es_server_t *s, es_store_t *store, int64_t now, size_t *items)
{
    if (items)
        *items = 0;
    if (!s || !store)
        return ES_EINVAL;
    return es_feed_poll_due(store, now, feed_sink, s, items);
}

/* See http_int.h. */
const es__http_route es__http_routes_hooks[] = {
    {"GET", "/hooks/meta", ES__AUTH_PUBLIC, ES__ROLE_NONE, meta_handshake},
    {"POST", "/hooks/meta", ES__AUTH_PUBLIC, ES__ROLE_NONE, meta_delivery},
    {"POST", "/hooks/twilio", ES__AUTH_PUBLIC, ES__ROLE_NONE, twilio_sms},
    {NULL, NULL, 0, ES__ROLE_NONE, NULL},
};
