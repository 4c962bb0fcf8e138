/*
 * survey_web.c - the QR web survey (V2), public pages of `earshot serve`:
 *
 *   GET  /s/{code}         a mobile-first HTML form of the location's
 *                          default survey (no login, no script), with a
 *                          one-time signed token and a honeypot field;
 *   POST /s/{code}         stores the response (channel "web"), re-shows
 *                          the form with messages on errors, answers a
 *                          thank-you page; a hot answer raises its alert
 *                          and opens its case (es_survey_hot_act);
 *   GET  /s/{code}/qr.svg  the printable QR code of the form's URL.
 *
 * Anti-abuse: the token (src/voc/webtoken.c) is signed with the survey
 * secret and carries the time the form was served; a post younger than
 * MIN_FILL seconds or with the honeypot filled is refused with a page that
 * says so; the token's nonce is the response's external id, so a second
 * post of the same form changes nothing and shows the thank-you page.
 * Every value written into the HTML is escaped. The pages replace the
 * router's Content-Security-Policy with one that allows inline styles only.
 */
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "earshot/location.h"
#include "earshot/survey_flow.h"
#include "earshot/webhook.h"
#include "http/http_int.h"
#include "http/survey_web.h"

#define MIN_FILL 3          /* seconds: a person takes at least this long */
#define MAX_AGE (24 * 3600) /* seconds a served form stays valid */
#define PAGE_CSP                                                                                   \
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "          \
    "frame-ancestors 'none'; base-uri 'none'"

/* ---- the secret ------------------------------------------------------------------ */

static pthread_once_t secret_once = PTHREAD_ONCE_INIT;
static char random_secret[65];

static void make_secret(void)
{
    unsigned char raw[32];
    static const char digits[] = "0123456789abcdef";
    if (RAND_bytes(raw, sizeof raw) != 1)
        return; /* stays "": tokens are refused (500) */
    for (size_t i = 0; i < sizeof raw; i++) {
        random_secret[2 * i] = digits[raw[i] >> 4];
        random_secret[2 * i + 1] = digits[raw[i] & 15];
    }
}

/* The key that signs tokens: the configured one, else one per process. */
static const char *secret(es__http_req *rq)
{
    const es_server_opts *o = es__http_opts(rq);
    if (o->survey_secret && *o->survey_secret)
        return o->survey_secret;
    pthread_once(&secret_once, make_secret);
    return random_secret;
}

/* ---- what a page shows ------------------------------------------------------------- */

/* The location and survey of a page, copied out of the store's callbacks. */
typedef struct page {
    int64_t location_id;
    int disabled;
    char code[ES_LOCATION_CODE_MAX + 1];
    char name[ES_LOCATION_NAME_MAX + 1];
    es_survey sv;
    char text[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_TEXT_MAX + 1];
    char label[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_LABEL_MAX + 1];
    /* The form as posted (re-shown on errors) and its errors. */
    es__survey_post post;
    char token[ES_WEBTOKEN_MAX + 1];
} page;

static void take_loc(const es_location *l, void *ud)
{
    page *p = ud;
    p->location_id = l->id;
    p->disabled = l->disabled;
    snprintf(p->code, sizeof p->code, "%s", l->code ? l->code : "");
    snprintf(p->name, sizeof p->name, "%s", l->name ? l->name : "");
}

static void take_survey(const es_survey *sv, void *ud)
{
    page *p = ud;
    p->sv = *sv;
    p->sv.name = NULL;
    for (size_t i = 0; i < sv->n_questions; i++) {
        snprintf(p->text[i], sizeof p->text[i], "%s", sv->q[i].text);
        snprintf(p->label[i], sizeof p->label[i], "%s", sv->q[i].label);
        p->sv.q[i].text = p->text[i];
        p->sv.q[i].label = p->label[i];
        p->sv.q[i].key = NULL;
    }
}

/* Loads the location of code (by code only) and the default survey.
 * Answers 404 / 500 itself and returns NULL when it cannot. */
static page *load(es__http_req *rq, es__http_resp *rs, es_store_t **sp)
{
    es_store_t *s = es__http_store_or_500(rq, rs);
    page *p = es_arena_alloc(rq->arena, sizeof *p);
    const char *code = rq->param[0];
    if (!s)
        return NULL;
    if (!p) {
        es__http_error(rs, 500, "out of memory");
        return NULL;
    }
    memset(p, 0, sizeof *p);
    es_err rc = strlen(code) <= ES_LOCATION_CODE_MAX ? es_location_find(s, code, take_loc, p)
                                                     : ES_ENOTFOUND;
    if (rc == ES_OK && (p->disabled || strcasecmp(p->code, code) != 0))
        rc = ES_ENOTFOUND;
    if (rc == ES_OK)
        rc = es_survey_get(s, 0, take_survey, p);
    if (rc == ES_ENOTFOUND) {
        es__http_survey_message(rs, 404, "Survey not found",
                                "There is no survey at this address. Please check the code on "
                                "the poster.");
        return NULL;
    }
    if (rc) {
        es__http_store_error(rs, s, rc, NULL);
        return NULL;
    }
    *sp = s;
    return p;
}

/* ---- GET /s/{code} ----------------------------------------------------------------- */

static void form_get(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = NULL;
    page *p = load(rq, rs, &s);
    if (!p)
        return;
    if (es_survey_webtoken_make(secret(rq), p->code, (int64_t)time(NULL), p->token)) {
        es__http_error(rs, 500, "the form's token cannot be made");
        return;
    }
    es__http_survey_form(rs, p->code, p->name, &p->sv, p->token, p->post.value, p->post.error, NULL,
                         NULL, NULL);
}

/* ---- POST /s/{code} ---------------------------------------------------------------- */

/* 1 when v looks like a phone in E.164 or an email address. */
static int contact_ok(const char *v)
{
    size_t n = strlen(v);
    if (n > 254)
        return 0;
    if (v[0] == '+') {
        if (n < 8 || n > 16)
            return 0;
        for (size_t i = 1; i < n; i++)
            if (v[i] < '0' || v[i] > '9')
                return 0;
        return 1;
    }
    const char *at = strchr(v, '@');
    return at && at != v && strchr(at, '.') && !strchr(v, ' ') && !strchr(at + 1, '@') &&
           v[n - 1] != '.';
}

/* See survey_web.h. */
int es__http_survey_read(es_arena_t *arena, const es_http_form *f, const es_survey *sv,
                         es__survey_post *out)
{
    int errors = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sv->n_questions && i < ES_SURVEY_MAX_QUESTIONS; i++) {
        const es_survey_question *q = &sv->q[i];
        char name[16], hint[160];
        snprintf(name, sizeof name, "q%d", q->position);
        const char *v = es_http_form_get(f, name);
        int value = 0, has_value = 0;
        out->value[i] = v;
        if (!v || strspn(v, " \t\r\n") == strlen(v)) {
            if (q->kind != ES_Q_TEXT) {
                out->error[i] = "Please answer this question.";
                errors++;
            }
            continue;
        }
        if (es_survey_answer_parse(q, v, &value, &has_value, hint, sizeof hint) != ES_OK) {
            out->error[i] = es_arena_strndup(arena, hint, strlen(hint));
            if (!out->error[i])
                out->error[i] = "Please check this answer.";
            errors++;
            continue;
        }
        out->a[out->n++] = (es_survey_answer){q->position, has_value, value, has_value ? NULL : v};
    }
    const char *c = es_http_form_get(f, "contact");
    out->contact = c;
    if (c && *c && !contact_ok(c)) {
        out->contact_error = "Please give a phone number starting with + and the country code, "
                             "or an email address, or leave it empty.";
        errors++;
    }
    return errors;
}

/* Stores the response and acts on a hot one; answers the thank-you page. */
static void store(es__http_req *rq, es__http_resp *rs, es_store_t *s, page *p, const char *nonce,
                  int64_t issued)
{
    const es_survey_answer *a = p->post.a;
    size_t n = p->post.n;
    int64_t now = (int64_t)time(NULL), id = 0;
    int fresh = 0;
    es_survey_response r = {.survey_id = p->sv.id,
                            .location_id = p->location_id,
                            .channel = "web",
                            .external_id = nonce,
                            .contact = p->post.contact && *p->post.contact ? p->post.contact : NULL,
                            .started = issued > 0 ? issued : now,
                            .completed = now,
                            .n_answers = n,
                            .answers = a};
    es_err rc = es_survey_response_add(s, &r, &id, &fresh);
    if (rc) {
        es__http_store_error(rs, s, rc, NULL);
        return;
    }
    es_survey_hot hot = {0};
    if (fresh && (rc = es_survey_hot_act(s, id, now, &hot)))
        fprintf(stderr, "earshot serve: survey response %lld: the hot alert failed: %s\n",
                (long long)id, es_strerror(rc));
    if (hot.alerts)
        es__http_wake(rq, "alerts");
    es__http_survey_message(rs, 200, "Thank you",
                            "Thank you for your feedback! You may close this page.");
}

static void form_post(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = NULL;
    es_http_form f;
    const char *why = NULL;
    char nonce[33];
    page *p = load(rq, rs, &s);
    if (!p)
        return;
    if (es_http_form_decode(rq->arena, rq->body ? rq->body : "", rq->body_len, NULL, &f, &why)) {
        es__http_survey_message(rs, 400, "Not accepted", "The form could not be read.");
        return;
    }
    const char *hp = es_http_form_get(&f, "website");
    const char *tok = es_http_form_get(&f, "token");
    if (hp && *hp) {
        es__http_survey_message(rs, 400, "Not accepted",
                                "Your answers were not accepted: the form was filled in "
                                "automatically.");
        return;
    }
    int64_t now = (int64_t)time(NULL);
    es_err rc =
        tok ? es_survey_webtoken_check(secret(rq), p->code, tok, now, MIN_FILL, MAX_AGE, nonce)
            : ES_EINVAL;
    if (rc == ES_EBUSY) {
        es__http_survey_message(rs, 400, "Not accepted",
                                "Your answers were not accepted: the form was sent faster than "
                                "a person can fill it in. Please open the survey again.");
        return;
    }
    if (rc) {
        es__http_survey_message(rs, 400, "Form expired",
                                "This form has expired or is not valid. Please open the survey "
                                "again.");
        return;
    }
    snprintf(p->token, sizeof p->token, "%s", tok);
    if (es__http_survey_read(rq->arena, &f, &p->sv, &p->post)) {
        rs->status = 400;
        es__http_survey_form(rs, p->code, p->name, &p->sv, p->token, p->post.value, p->post.error,
                             p->post.contact, p->post.contact_error,
                             "Please check the answers below.");
        return;
    }
    store(rq, rs, s, p, nonce, (int64_t)strtoll(tok, NULL, 10));
}

/* ---- GET /s/{code}/qr.svg ------------------------------------------------------------ */

static void qr_get(es__http_req *rq, es__http_resp *rs)
{
    es_store_t *s = NULL;
    page *p = load(rq, rs, &s);
    if (!p)
        return;
    const es_server_opts *o = es__http_opts(rq);
    const char *base = o->public_url;
    const char *host = es__http_header(rq, "Host");
    char url[1200];
    if (base && *base) {
        size_t bn = strlen(base);
        while (bn && base[bn - 1] == '/')
            bn--;
        snprintf(url, sizeof url, "%.*s/s/%s", (int)bn, base, p->code);
    } else {
        snprintf(url, sizeof url, "http://%.200s/s/%s", host ? host : "localhost", p->code);
    }
    char *svg = NULL;
    size_t len = 0;
    if (es_survey_qr_svg(url, &svg, &len)) {
        es__http_error(rs, 500, "the QR code cannot be drawn");
        return;
    }
    rs->type = "image/svg+xml";
    es_err rc = es__buf_add(&rs->body, svg, len);
    es_free(svg);
    if (rc)
        es__http_error(rs, 500, "out of memory");
}

/* See http_int.h. */
const es__http_route es__http_routes_survey_web[] = {
    {"GET", "/s/{}", ES__AUTH_PUBLIC, ES__ROLE_NONE, form_get},
    {"POST", "/s/{}", ES__AUTH_PUBLIC, ES__ROLE_NONE, form_post},
    {"GET", "/s/{}/qr.svg", ES__AUTH_PUBLIC, ES__ROLE_NONE, qr_get},
    {NULL, NULL, 0, ES__ROLE_NONE, NULL},
};

/* See survey_web.h. */
const char *es__http_survey_csp(void)
{
    return PAGE_CSP;
}
