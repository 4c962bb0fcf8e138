/*
 * fetch.c - es_feed_fetch: one conditional GET of a feed with libcurl
 * (feed.h). Called by the poller (poll.c) for each feed that is due.
 *
 * The validators of the last good answer go out as If-None-Match (ETag)
 * and If-Modified-Since (Last-Modified), so an unchanged feed costs a 304
 * and no parsing. Limits: http and https only (redirects too), a bounded
 * number of redirects, a timeout for the connection and for the whole
 * transfer, and a maximum body size checked as the bytes arrive (after
 * decompression), so a hostile server cannot exhaust memory. The
 * validators kept are those of the final response of a redirect chain.
 * curl_global_init runs once (pthread_once); each call has its own easy
 * handle, so calls on several threads are independent.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "earshot/feed.h"

#define DEFAULT_TIMEOUT_MS 20000
#define CONNECT_TIMEOUT_MS 10000
#define DEFAULT_REDIRECTS 5
#define MAX_VALIDATOR 512

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode init_rc = CURLE_OK;

static void init_curl(void)
{
    init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The state of one transfer. */
typedef struct xfer {
    es__buf body;
    int too_big;
    char etag[MAX_VALIDATOR];
    char last_modified[MAX_VALIDATOR];
} xfer;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    es_err rc = es__buf_add(&x->body, p, len);
    if (rc == ES_ELIMIT)
        x->too_big = 1;
    return rc == ES_OK ? len : 0; /* 0 aborts the transfer */
}

/* Copies a header's value (trimmed) into dst, or leaves dst as it is when
 * the header is not name. */
static void header_value(const char *line, size_t len, const char *name, char *dst, size_t cap)
{
    size_t k = strlen(name);
    if (len <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return;
    const char *v = line + k + 1;
    size_t n = len - k - 1;
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= cap)
        return; /* an absurdly long validator is not kept */
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    /* A new status line: a redirect's headers are not the final ones. */
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        x->etag[0] = x->last_modified[0] = '\0';
        es__buf_reset(&x->body);
    }
    header_value(p, len, "ETag", x->etag, sizeof x->etag);
    header_value(p, len, "Last-Modified", x->last_modified, sizeof x->last_modified);
    return len;
}

/* Sets the options of one transfer; returns the first failing option. */
static CURLcode setup(CURL *c, const es_feed_fetch_opts *o, xfer *x, struct curl_slist *h,
                      char *errbuf)
{
    long redirects = o->max_redirects == 0 ? DEFAULT_REDIRECTS : o->max_redirects;
    CURLcode e = curl_easy_setopt(c, CURLOPT_URL, o->url);
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, redirects > 0 ? 1L : 0L);
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_MAXREDIRS, redirects > 0 ? redirects : 0L);
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                             o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS);
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS);
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_USERAGENT, "earshot/" ES_VERSION " (feed poller)");
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->body.max);
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (!e)
        e = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    return e;
}

/* Adds "name: value" to the header list (a value with a line break is not
 * sent: it could smuggle a header). Returns -1 when out of memory. */
static int add_header(struct curl_slist **h, const char *name, const char *value)
{
    char line[MAX_VALIDATOR + 32];
    if (!value || !*value || strpbrk(value, "\r\n") || strlen(value) >= MAX_VALIDATOR)
        return 0;
    snprintf(line, sizeof line, "%s: %s", name, value);
    struct curl_slist *n = curl_slist_append(*h, line);
    if (!n)
        return -1;
    *h = n;
    return 0;
}

/* Moves what the transfer got into r. */
static es_err take(xfer *x, es_feed_response *r)
{
    if (x->etag[0] && !(r->etag = es_strdup(x->etag)))
        return ES_ENOMEM;
    if (x->last_modified[0] && !(r->last_modified = es_strdup(x->last_modified)))
        return ES_ENOMEM;
    if (r->status == 200) {
        r->body = x->body.data ? x->body.data : es_strdup("");
        r->len = x->body.len;
        x->body.data = NULL;
        if (!r->body)
            return ES_ENOMEM;
    }
    return ES_OK;
}

/* See feed.h. */
es_err es_feed_fetch(const es_feed_fetch_opts *o, es_feed_response *r, char *err, size_t errlen)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *h = NULL;
    CURL *c = NULL;
    xfer x;
    es_err rc = ES_EINVAL;
    memset(&x, 0, sizeof x);
    if (r)
        memset(r, 0, sizeof *r);
    snprintf(err, errlen, "%s", "");
    if (!o || !r || !o->url ||
        (strncasecmp(o->url, "http://", 7) != 0 && strncasecmp(o->url, "https://", 8) != 0)) {
        snprintf(err, errlen, "%s", "only http:// and https:// feeds are fetched");
        return ES_EINVAL;
    }
    es__buf_init(&x.body, o->max_bytes ? o->max_bytes : ES_FEED_MAX_BYTES);
    pthread_once(&once, init_curl);
    rc = ES_ENOMEM;
    if (init_rc != CURLE_OK || !(c = curl_easy_init()))
        goto out;
    if (add_header(&h, "If-None-Match", o->etag) ||
        add_header(&h, "If-Modified-Since", o->last_modified) ||
        add_header(&h, "Accept",
                   "application/rss+xml, application/atom+xml, "
                   "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"))
        goto out;
    if (setup(c, o, &x, h, errbuf) != CURLE_OK)
        goto out;
    CURLcode e = curl_easy_perform(c);
    if (x.too_big || e == CURLE_FILESIZE_EXCEEDED) {
        rc = ES_ELIMIT;
        snprintf(err, errlen, "the feed is larger than %zu bytes", x.body.max);
        goto out;
    }
    if (e != CURLE_OK) {
        rc = e == CURLE_OUT_OF_MEMORY ? ES_ENOMEM : ES_EIO;
        snprintf(err, errlen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(e));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    rc = take(&x, r);
out:
    if (rc == ES_ENOMEM)
        snprintf(err, errlen, "%s", "out of memory");
    if (rc)
        es_feed_response_cleanup(r);
    curl_slist_free_all(h);
    if (c)
        curl_easy_cleanup(c);
    es__buf_cleanup(&x.body);
    return rc;
}

/* See feed.h. */
void es_feed_response_cleanup(es_feed_response *r)
{
    if (!r)
        return;
    es_free(r->body);
    es_free(r->etag);
    es_free(r->last_modified);
    memset(r, 0, sizeof *r);
}
