/*
 * deliver.c - delivering replies from the durable outbox (C4): each pending
 * reply is POSTed as JSON to its channel's configured endpoint (a bridge to
 * the platform, or the tests' local receiver) with an Idempotency-Key that
 * never changes, so a receiver that dedups on it gets each reply once even
 * when an answer is lost and the POST is repeated. A 2xx marks the row
 * delivered; anything else (an error, a timeout, a redirect, which is not
 * followed) schedules a retry with exponential back-off until max_attempts,
 * then the row is failed. The rows live in the store, so a restart resumes
 * where the last process stopped.
 *
 * es_reply_deliver_due makes one pass (the CLI's `earshot reply deliver`
 * and tests); es_reply_deliverer_* runs passes on a thread of its own that
 * the server wakes after each reply. libcurl and OpenSSL's HMAC do the work.
 */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "earshot/reply.h"

#define BATCH 16 /* rows claimed per pass: bounds a pass and its lease */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ok;

static void curl_start(void)
{
    curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

/* ---- one pass ---------------------------------------------------------------- */

typedef struct jobs {
    es_reply_job v[BATCH];
    size_t n;
    int oom;
} jobs;

static char *dup_or_null(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *d = es_strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

static void free_job(es_reply_job *j)
{
    es_free((char *)j->channel);
    es_free((char *)j->text);
    es_free((char *)j->key);
    es_free((char *)j->url);
    es_free((char *)j->secret);
    es_free((char *)j->in_reply_to);
}

/* Copies each due row: the statement is finished before any POST. */
static void collect(const es_reply_job *j, void *ud)
{
    jobs *js = ud;
    if (js->n == BATCH)
        return;
    es_reply_job *c = &js->v[js->n++];
    *c = *j;
    c->channel = dup_or_null(j->channel, &js->oom);
    c->text = dup_or_null(j->text, &js->oom);
    c->key = dup_or_null(j->key, &js->oom);
    c->url = dup_or_null(j->url, &js->oom);
    c->secret = dup_or_null(j->secret, &js->oom);
    c->in_reply_to = dup_or_null(j->in_reply_to, &js->oom);
}

static es_err json_str(es__buf *b, const char *s)
{
    es_err rc = es__buf_addc(b, '"');
    for (; !rc && s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            rc = es__buf_addc(b, '\\');
        if (!rc)
            rc = c < 0x20 ? es__buf_printf(b, "\\u%04x", c) : es__buf_addc(b, (char)c);
    }
    return rc ? rc : es__buf_addc(b, '"');
}

static es_err body_of(const es_reply_job *j, es__buf *b)
{
    es_err rc = es__buf_printf(b, "{\"reply_id\":%lld,\"case_id\":%lld,\"channel\":",
                               (long long)j->reply_id, (long long)j->case_id);
    if (!rc)
        rc = json_str(b, j->channel);
    if (!rc)
        rc = es__buf_adds(b, ",\"text\":");
    if (!rc)
        rc = json_str(b, j->text);
    if (!rc)
        rc = es__buf_printf(b, ",\"direct\":%s,\"in_reply_to\":", j->direct ? "true" : "false");
    if (!rc)
        rc = j->in_reply_to ? json_str(b, j->in_reply_to) : es__buf_adds(b, "null");
    if (!rc)
        rc = es__buf_adds(b, ",\"idempotency_key\":");
    if (!rc)
        rc = json_str(b, j->key);
    return rc ? rc : es__buf_addc(b, '}');
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* "sha256=" + hex HMAC-SHA256(secret, ts "." body) into out (72 bytes). */
static int sign(const char *secret, const char *ts, const es__buf *body, char out[80])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    es__buf msg;
    es__buf_init(&msg, body->len + 64);
    int ok = es__buf_adds(&msg, ts) == ES_OK && es__buf_addc(&msg, '.') == ES_OK &&
             es__buf_add(&msg, body->data, body->len) == ES_OK &&
             HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg.data,
                  msg.len, mac, &len) != NULL;
    es__buf_cleanup(&msg);
    if (!ok)
        return 0;
    memcpy(out, "sha256=", 7);
    for (unsigned i = 0; i < len && i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
    return 1;
}

/* POSTs one job; returns 1 on a 2xx, else 0 with *why set. */
static int post(const es_reply_job *j, const es__buf *body, int64_t now, long timeout_ms, char *why,
                size_t whylen)
{
    char ts[32], sig[80], h1[600], h2[64], h3[120];
    struct curl_slist *hs = NULL, *t;
    CURL *c = curl_easy_init();
    int ok = 0;
    if (!c) {
        snprintf(why, whylen, "libcurl could not start");
        return 0;
    }
    snprintf(ts, sizeof ts, "%lld", (long long)now);
    snprintf(h1, sizeof h1, "Idempotency-Key: %s", j->key);
    snprintf(h2, sizeof h2, "X-Earshot-Timestamp: %s", ts);
    t = curl_slist_append(hs, "Content-Type: application/json");
    if (t)
        hs = t;
    if (t && (t = curl_slist_append(hs, h1)))
        hs = t;
    if (t && (t = curl_slist_append(hs, h2)))
        hs = t;
    if (t && j->secret) {
        if (!sign(j->secret, ts, body, sig)) {
            snprintf(why, whylen, "signing failed");
            goto out;
        }
        snprintf(h3, sizeof h3, "X-Earshot-Signature: %s", sig);
        if ((t = curl_slist_append(hs, h3)))
            hs = t;
    }
    if (!t) {
        snprintf(why, whylen, "out of memory");
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_URL, j->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body->len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode cc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (cc != CURLE_OK)
        snprintf(why, whylen, "%s", curl_easy_strerror(cc));
    else if (code < 200 || code > 299)
        snprintf(why, whylen, "HTTP %ld", code);
    else
        ok = 1;
out:
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
    return ok;
}

static int64_t backoff(const es_reply_deliver_opts *o, int attempts)
{
    int64_t d = o->backoff_min;
    for (int i = 0; i < attempts && d < o->backoff_max; i++)
        d *= 2;
    return d > o->backoff_max ? o->backoff_max : d;
}

static void defaults(const es_reply_deliver_opts *in, es_reply_deliver_opts *o)
{
    if (in)
        *o = *in;
    else
        memset(o, 0, sizeof *o);
    if (o->timeout_ms <= 0)
        o->timeout_ms = 10000;
    if (o->max_attempts <= 0)
        o->max_attempts = 10;
    if (o->backoff_min <= 0)
        o->backoff_min = 2;
    if (o->backoff_max <= 0)
        o->backoff_max = 3600;
    if (o->poll_ms <= 0)
        o->poll_ms = 1000;
}

/* See reply.h. */
es_err es_reply_deliver_due(es_store_t *s, int64_t now, const es_reply_deliver_opts *in,
                            size_t *delivered, size_t *failed)
{
    es_reply_deliver_opts o;
    jobs *js = es_calloc(1, sizeof *js);
    size_t ok = 0, bad = 0;
    es_err rc = ES_OK;
    defaults(in, &o);
    if (!js)
        return ES_ENOMEM;
    pthread_once(&curl_once, curl_start);
    /* Claimed for the longest a batch can take, plus a margin. */
    int64_t lease = now + (int64_t)BATCH * (o.timeout_ms / 1000 + 1) + 30;
    rc = es_reply_outbox_due(s, now, BATCH, lease, collect, js);
    if (!rc && js->oom)
        rc = ES_ENOMEM;
    for (size_t i = 0; !rc && i < js->n && !(o.cancelled && o.cancelled(o.cancel_ud)); i++) {
        es_reply_job *j = &js->v[i];
        es__buf body;
        char why[256] = "";
        es__buf_init(&body, 1 << 20);
        int sent = 0;
        if (body_of(j, &body) != ES_OK)
            snprintf(why, sizeof why, "the reply could not be encoded");
        else if (!curl_ok)
            snprintf(why, sizeof why, "libcurl could not start");
        else
            sent = post(j, &body, now, o.timeout_ms, why, sizeof why);
        es__buf_cleanup(&body);
        int64_t next = j->attempts + 1 >= o.max_attempts ? 0 : now + backoff(&o, j->attempts);
        rc = es_reply_outbox_result(s, j->outbox_id, sent, why, now, sent ? 0 : next);
        if (sent)
            ok++;
        else
            bad++;
    }
    for (size_t i = 0; i < js->n; i++)
        free_job(&js->v[i]);
    es_free(js);
    if (delivered)
        *delivered = ok;
    if (failed)
        *failed = bad;
    return rc;
}
