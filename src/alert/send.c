/*
 * send.c - one delivery attempt of one outbox row with libcurl: an outgoing
 * webhook (a JSON POST signed with HMAC-SHA256 over "<timestamp>.<body>",
 * with an Idempotency-Key that never changes for the row), an email over
 * SMTP, or an SMS through a provider's HTTP API (a form POST of To, From and
 * Body). It decides the outcome (delivered, retry, failed, refused) and
 * leaves recording it to deliver.c, its only caller.
 *
 * Webhook targets are untrusted: every address libcurl is about to connect
 * to passes through an open-socket callback that refuses loopback, private
 * and link-local addresses unless the operator allow-listed them, so a
 * hostname resolving (or re-resolving) to such an address gets nowhere.
 * Redirects are never followed, proxies from the environment never used,
 * and only http and https are spoken.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "alert/engine.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void init_curl(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* See engine.h. */
es_err es__alert_curl_init(void)
{
    pthread_once(&curl_once, init_curl);
    return curl_init_rc == CURLE_OK ? ES_OK : ES_EIO;
}

typedef struct sockctx {
    const es__alert_allow *allow;
    int check;   /* webhooks: check every address */
    int refused;
    char why[200];
} sockctx;

static curl_socket_t open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    sockctx *c = ud;
    const char *why = NULL;
    if (c->check && (purpose != CURLSOCKTYPE_IPCXN || !es__alert_addr_ok(&a->addr, c->allow, &why))) {
        char ip[INET6_ADDRSTRLEN] = "?";
        if (a->family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)&a->addr)->sin_addr, ip, sizeof ip);
        else if (a->family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)&a->addr)->sin6_addr, ip,
                      sizeof ip);
        c->refused = 1;
        snprintf(c->why, sizeof c->why, "target refused: %s is %s (not allow-listed)", ip,
                 why ? why : "not an internet connection");
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* Options every transfer gets. */
static void common(CURL *h, const es_alert_config *cfg, sockctx *sc, char *errbuf)
{
    unsigned timeout = cfg->timeout_ms ? cfg->timeout_ms : 10000;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, sc);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "earshot/" ES_VERSION);
}

/* Maps a finished HTTP transfer to an outcome. */
static void http_outcome(CURL *h, CURLcode cc, const sockctx *sc, const char *errbuf,
                         es__alert_result *res)
{
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    res->http_status = (int)status;
    if (sc->refused) {
        res->outcome = ES__OUT_REFUSED;
        snprintf(res->error, sizeof res->error, "%s", sc->why);
    } else if (cc != CURLE_OK) {
        res->outcome = cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT
                           ? ES__OUT_FAILED
                           : ES__OUT_RETRY;
        snprintf(res->error, sizeof res->error, "%s", *errbuf ? errbuf : curl_easy_strerror(cc));
    } else if (status >= 200 && status < 300) {
        res->outcome = ES__OUT_DELIVERED;
    } else if (status == 408 || status == 429 || status >= 500) {
        res->outcome = ES__OUT_RETRY;
        snprintf(res->error, sizeof res->error, "HTTP %ld", status);
    } else {
        res->outcome = ES__OUT_FAILED;
        snprintf(res->error, sizeof res->error, "HTTP %ld%s", status,
                 status >= 300 && status < 400 ? " (redirects are not followed)" : "");
    }
}

static void webhook(CURL *h, const es__alert_outrow *row, int64_t now_ms, sockctx *sc,
                    char *errbuf, es__alert_result *res)
{
    char ts[32], sig[80], hts[64], hsig[120], hkey[160], hid[64];
    struct curl_slist *hd = NULL, *t;
    if (!row->secret) {
        res->outcome = ES__OUT_FAILED;
        snprintf(res->error, sizeof res->error, "the destination (and its secret) was removed");
        return;
    }
    snprintf(ts, sizeof ts, "%lld", (long long)(now_ms / 1000));
    size_t len = strlen(row->body);
    es_err rc = es__alert_sign(row->secret, ts, row->body, len, sig, sizeof sig);
    if (rc) {
        res->outcome = ES__OUT_RETRY;
        snprintf(res->error, sizeof res->error, "signing failed: %s", es_strerror(rc));
        return;
    }
    snprintf(hts, sizeof hts, "X-Earshot-Timestamp: %s", ts);
    snprintf(hsig, sizeof hsig, "X-Earshot-Signature: %s", sig);
    snprintf(hkey, sizeof hkey, "Idempotency-Key: %s", row->idem_key);
    snprintf(hid, sizeof hid, "X-Earshot-Delivery: %lld", (long long)row->id);
    const char *lines[] = {"Content-Type: application/json", hts, hsig, hkey, hid, "Expect:"};
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        t = curl_slist_append(hd, lines[i]);
        if (!t) {
            curl_slist_free_all(hd);
            res->outcome = ES__OUT_RETRY;
            snprintf(res->error, sizeof res->error, "out of memory");
            return;
        }
        hd = t;
    }
    sc->check = 1;
    curl_easy_setopt(h, CURLOPT_URL, row->target);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, row->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    CURLcode cc = curl_easy_perform(h);
    http_outcome(h, cc, sc, errbuf, res);
    curl_slist_free_all(hd);
}

static void sms(CURL *h, const es__alert_outrow *row, const es_alert_config *cfg, sockctx *sc,
                char *errbuf, es__alert_result *res)
{
    char hkey[160];
    struct curl_slist *hd = NULL;
    es__buf form;
    es__buf_init(&form, 64 * 1024);
    if (!cfg->sms_url) {
        res->outcome = ES__OUT_RETRY;
        snprintf(res->error, sizeof res->error, "no SMS provider configured (EARSHOT_SMS_URL)");
        return;
    }
    const char *names[] = {"To", "From", "Body"};
    const char *vals[] = {row->target, cfg->sms_from ? cfg->sms_from : "", row->body};
    es_err rc = ES_OK;
    for (int i = 0; !rc && i < 3; i++) {
        char *e = curl_easy_escape(h, vals[i], 0);
        rc = e ? es__buf_printf(&form, "%s%s=%s", i ? "&" : "", names[i], e) : ES_ENOMEM;
        curl_free(e);
    }
    snprintf(hkey, sizeof hkey, "Idempotency-Key: %s", row->idem_key);
    if (!rc && !(hd = curl_slist_append(NULL, hkey)))
        rc = ES_ENOMEM;
    if (rc) {
        res->outcome = ES__OUT_RETRY;
        snprintf(res->error, sizeof res->error, "building the SMS: %s", es_strerror(rc));
    } else {
        sc->check = 0; /* the operator's own provider, from the configuration */
        curl_easy_setopt(h, CURLOPT_URL, cfg->sms_url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, form.data);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len);
        if (cfg->sms_auth) {
            curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
            curl_easy_setopt(h, CURLOPT_USERPWD, cfg->sms_auth);
        }
        http_outcome(h, curl_easy_perform(h), sc, errbuf, res);
    }
    curl_slist_free_all(hd);
    es__buf_cleanup(&form);
}

/* ---- email ------------------------------------------------------------------------ */

typedef struct reader {
    const char *p;
    size_t left;
} reader;

static size_t read_msg(char *buf, size_t size, size_t n, void *ud)
{
    reader *r = ud;
    size_t k = size * n < r->left ? size * n : r->left;
    memcpy(buf, r->p, k);
    r->p += k;
    r->left -= k;
    return k;
}

/* A header value: ASCII as it is, else an RFC 2047 encoded word. */
static es_err header_value(es__buf *b, const char *v)
{
    int ascii = 1;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p >= 0x80 || *p < 0x20)
            ascii = 0;
    if (ascii)
        return es__buf_adds(b, v);
    size_t n = strlen(v);
    unsigned char *enc = es_malloc(4 * ((n + 2) / 3) + 1);
    if (!enc)
        return ES_ENOMEM;
    EVP_EncodeBlock(enc, (const unsigned char *)v, (int)n);
    es_err rc = es__buf_printf(b, "=?UTF-8?B?%s?=", (const char *)enc);
    es_free(enc);
    return rc;
}

/* The RFC 5322 message: headers, then the text with CRLF line ends. */
static es_err build_mail(es__buf *m, const es__alert_outrow *row, const es_alert_config *cfg,
                         int64_t now_ms)
{
    char date[64];
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm))
        snprintf(date, sizeof date, "%s", "Thu, 01 Jan 1970 00:00:00 +0000");
    es_err rc = es__buf_printf(m, "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: ", date,
                               cfg->smtp_from, row->target);
    if (!rc)
        rc = header_value(m, row->subject ? row->subject : "[earshot] alert");
    if (!rc)
        rc = es__buf_printf(m, "\r\nMessage-ID: <%s@earshot>\r\nMIME-Version: 1.0\r\n"
                               "Content-Type: text/plain; charset=utf-8\r\n"
                               "Content-Transfer-Encoding: 8bit\r\n\r\n",
                            row->idem_key);
    for (const char *p = row->body; !rc && *p; p++)
        rc = *p == '\n' ? es__buf_adds(m, "\r\n") : (*p == '\r' ? ES_OK : es__buf_addc(m, *p));
    return rc ? rc : es__buf_adds(m, "\r\n");
}

static void email(CURL *h, const es__alert_outrow *row, const es_alert_config *cfg,
                  int64_t now_ms, sockctx *sc, char *errbuf, es__alert_result *res)
{
    char from[600], rcpt[600];
    struct curl_slist *to = NULL;
    es__buf m;
    es__buf_init(&m, 1 << 20);
    if (!cfg->smtp_url || !cfg->smtp_from) {
        res->outcome = ES__OUT_RETRY;
        snprintf(res->error, sizeof res->error,
                 "no SMTP server configured (EARSHOT_SMTP_URL, EARSHOT_SMTP_FROM)");
        return;
    }
    if (strpbrk(row->target, "\r\n<>, ") || !strchr(row->target, '@') ||
        strpbrk(cfg->smtp_from, "\r\n<>, ")) {
        res->outcome = ES__OUT_FAILED;
        snprintf(res->error, sizeof res->error, "not a valid email address");
        return;
    }
    snprintf(from, sizeof from, "<%s>", cfg->smtp_from);
    snprintf(rcpt, sizeof rcpt, "<%s>", row->target);
    es_err rc = build_mail(&m, row, cfg, now_ms);
    if (!rc && !(to = curl_slist_append(NULL, rcpt)))
        rc = ES_ENOMEM;
    if (rc) {
        res->outcome = ES__OUT_RETRY;
        snprintf(res->error, sizeof res->error, "building the email: %s", es_strerror(rc));
    } else {
        reader r = {m.data, m.len};
        sc->check = 0; /* the operator's own mail server */
        curl_easy_setopt(h, CURLOPT_URL, cfg->smtp_url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read_msg);
        curl_easy_setopt(h, CURLOPT_READDATA, &r);
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        if (cfg->smtp_user) {
            curl_easy_setopt(h, CURLOPT_USERNAME, cfg->smtp_user);
            curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->smtp_pass ? cfg->smtp_pass : "");
        }
        CURLcode cc = curl_easy_perform(h);
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        res->http_status = (int)code;
        if (cc == CURLE_OK) {
            res->outcome = ES__OUT_DELIVERED;
        } else {
            res->outcome = cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT
                               ? ES__OUT_FAILED
                               : ES__OUT_RETRY;
            snprintf(res->error, sizeof res->error, "%s",
                     *errbuf ? errbuf : curl_easy_strerror(cc));
        }
    }
    curl_slist_free_all(to);
    es__buf_cleanup(&m);
}

/* See engine.h. */
void es__alert_send(const es__alert_outrow *row, const es_alert_config *cfg,
                    const es__alert_allow *allow, int64_t now_ms, es__alert_result *res)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    sockctx sc = {.allow = allow};
    memset(res, 0, sizeof *res);
    res->outcome = ES__OUT_RETRY;
    CURL *h = es__alert_curl_init() ? NULL : curl_easy_init();
    if (!h) {
        snprintf(res->error, sizeof res->error, "libcurl could not start");
        return;
    }
    common(h, cfg, &sc, errbuf);
    if (strcmp(row->kind, "webhook") == 0)
        webhook(h, row, now_ms, &sc, errbuf, res);
    else if (strcmp(row->kind, "sms") == 0)
        sms(h, row, cfg, &sc, errbuf, res);
    else if (strcmp(row->kind, "email") == 0)
        email(h, row, cfg, now_ms, &sc, errbuf, res);
    else {
        res->outcome = ES__OUT_FAILED;
        snprintf(res->error, sizeof res->error, "unknown delivery kind '%.40s'", row->kind);
    }
    curl_easy_cleanup(h);
}
