/*
 * sig.c - webhook signature checks: Meta's X-Hub-Signature-256 and its GET
 * subscription handshake, and Twilio's X-Twilio-Signature.
 *
 * The HTTP server calls these with the raw request (body bytes, header
 * values, the decoded form of form.c) before anything is stored. The MACs
 * come from OpenSSL (EVP_MAC), base64 from EVP_DecodeBlock, and every
 * comparison of a secret-derived value uses CRYPTO_memcmp, so the time taken
 * does not tell an attacker how many bytes were right. The header syntax is
 * checked strictly first, so a malformed header is told apart from a
 * signature that does not match (docs/webhooks.md).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/hex.h"
#include "earshot/webhook.h"

#define META_PREFIX "sha256="
#define META_PREFIX_LEN 7
#define SHA256_LEN 32
#define SHA1_LEN 20
#define SHA1_B64_LEN 28 /* base64 of 20 bytes: 27 symbols and one '=' */
#define CHALLENGE_MAX 256

/* ---- HMAC through EVP_MAC ------------------------------------------------ */

/* A running HMAC with the given digest ("SHA256", "SHA1") and key. */
typedef struct hmac {
    EVP_MAC *mac;
    EVP_MAC_CTX *ctx;
} hmac;

/* Starts an HMAC keyed with the NUL-terminated key. The EVP objects are
 * OpenSSL's own allocations (not es_malloc); a failure to get them is
 * reported as ES_ENOMEM, the only way OpenSSL fails here. hmac_cleanup
 * must follow, whatever the result. */
static es_err hmac_begin(hmac *h, const char *digest, const char *key)
{
    OSSL_PARAM params[2];
    h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    h->ctx = h->mac ? EVP_MAC_CTX_new(h->mac) : NULL;
    if (!h->ctx)
        return ES_ENOMEM;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(h->ctx, (const unsigned char *)key, strlen(key), params))
        return ES_ENOMEM;
    return ES_OK;
}

/* Feeds n bytes; an empty chunk is skipped (p may then be NULL). */
static es_err hmac_add(hmac *h, const void *p, size_t n)
{
    if (n && !EVP_MAC_update(h->ctx, p, n))
        return ES_ENOMEM;
    return ES_OK;
}

/* Writes the MAC, which must be exactly want bytes long. */
static es_err hmac_end(hmac *h, unsigned char *out, size_t want)
{
    size_t got = 0;
    if (!EVP_MAC_final(h->ctx, out, &got, want) || got != want)
        return ES_ENOMEM;
    return ES_OK;
}

/* Frees the context; safe on a zeroed or half-built hmac. */
static void hmac_cleanup(hmac *h)
{
    EVP_MAC_CTX_free(h->ctx);
    EVP_MAC_free(h->mac);
    h->ctx = NULL;
    h->mac = NULL;
}

/* ---- Meta ---------------------------------------------------------------- */

/* Parses "sha256=<64 hex>" into 32 bytes. The syntax is checked before
 * any MAC is computed, so a malformed header costs nothing and is told
 * apart (ES_EPARSE) from a wrong signature (ES_REJECTED). Nothing is
 * trimmed: HTTP servers hand over header values without their surrounding
 * whitespace already. */
static es_err meta_parse(const char *header, unsigned char *sig, const char **why)
{
    const char *hex;
    if (!header || !*header) {
        *why = "the X-Hub-Signature-256 header is missing";
        return ES_EPARSE;
    }
    if (strncmp(header, META_PREFIX, META_PREFIX_LEN) != 0) {
        *why = "the X-Hub-Signature-256 header does not start with \"sha256=\"";
        return ES_EPARSE;
    }
    hex = header + META_PREFIX_LEN;
    if (strlen(hex) != 2 * SHA256_LEN) {
        *why = "the X-Hub-Signature-256 digest is not 64 hex digits long";
        return ES_EPARSE;
    }
    for (size_t i = 0; i < SHA256_LEN; i++) {
        int h1 = es__hexval((unsigned char)hex[2 * i]);
        int h2 = es__hexval((unsigned char)hex[2 * i + 1]);
        if (h1 < 0 || h2 < 0) {
            *why = "the X-Hub-Signature-256 digest has a character that is not hex";
            return ES_EPARSE;
        }
        sig[i] = (unsigned char)(h1 * 16 + h2);
    }
    return ES_OK;
}

es_err es_http_meta_verify(const char *secret, const void *body, size_t body_len,
                           const char *header, const char **reason)
{
    unsigned char want[SHA256_LEN], got[SHA256_LEN];
    hmac h = {0};
    const char *why = NULL;
    es_err rc;

    if (!secret || !*secret || (!body && body_len)) {
        why = "no Meta app secret is configured";
        rc = ES_EINVAL;
        goto out;
    }
    rc = meta_parse(header, got, &why);
    if (rc)
        goto out;
    rc = hmac_begin(&h, "SHA256", secret);
    if (!rc)
        rc = hmac_add(&h, body, body_len);
    if (!rc)
        rc = hmac_end(&h, want, sizeof want);
    if (rc) {
        why = "the HMAC could not be computed";
        goto out;
    }
    if (CRYPTO_memcmp(want, got, sizeof want) != 0) {
        why = "the X-Hub-Signature-256 signature does not match the body";
        rc = ES_REJECTED;
    }
out:
    hmac_cleanup(&h);
    OPENSSL_cleanse(want, sizeof want);
    if (reason)
        *reason = rc ? why : NULL;
    return rc;
}

/* Compares two NUL-terminated strings in time that depends only on the
 * length of the expected one, b: every byte of b is visited whatever a
 * holds, and the differences are OR-ed together rather than returned early,
 * so the response time does not reveal how long a correct prefix was. */
static int ct_streq(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned diff = na != nb;
    for (size_t i = 0; i < nb; i++)
        diff |= (unsigned)(unsigned char)b[i] ^ (unsigned)(unsigned char)(i < na ? a[i] : 0);
    return diff == 0;
}

/* Whether the challenge can be echoed as a response body as is: short,
 * and only unreserved URL characters, so never markup nor a header break.
 * Meta's challenges are decimal numbers. */
static int challenge_safe(const char *c)
{
    size_t n = strlen(c);
    if (n == 0 || n > CHALLENGE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)c[i];
        int ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 ch == '.' || ch == '_' || ch == '~' || ch == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

es_err es_http_meta_handshake(const es_http_form *query, const char *verify_token,
                              const char **challenge, const char **reason)
{
    const char *mode, *token, *chal, *why = NULL;
    es_err rc = ES_OK;

    if (challenge)
        *challenge = NULL;
    if (!verify_token || !*verify_token) {
        why = "no Meta verify token is configured";
        rc = ES_EINVAL;
        goto out;
    }
    if (!query || !challenge) {
        why = "no query or no place for the challenge";
        rc = ES_EINVAL;
        goto out;
    }
    mode = es_http_form_get(query, "hub.mode");
    token = es_http_form_get(query, "hub.verify_token");
    chal = es_http_form_get(query, "hub.challenge");
    if (!mode || !token || !chal) {
        why = "hub.mode, hub.verify_token or hub.challenge is missing";
        rc = ES_EPARSE;
    } else if (strcmp(mode, "subscribe") != 0) {
        why = "hub.mode is not \"subscribe\"";
        rc = ES_REJECTED;
    } else if (!ct_streq(token, verify_token)) {
        why = "hub.verify_token does not match the configured token";
        rc = ES_REJECTED;
    } else if (!challenge_safe(chal)) {
        why = "hub.challenge is empty, too long or has unexpected characters";
        rc = ES_EPARSE;
    } else {
        *challenge = chal;
    }
out:
    if (reason)
        *reason = rc ? why : NULL;
    return rc;
}

/* ---- Twilio -------------------------------------------------------------- */

/* The value of a base64 symbol (standard alphabet), or -1. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Parses the base64 of exactly 20 bytes, in its canonical form. */
static es_err twilio_parse(const char *header, unsigned char *sig, const char **why)
{
    unsigned char tmp[SHA1_B64_LEN / 4 * 3];
    size_t n;
    if (!header || !*header) {
        *why = "the X-Twilio-Signature header is missing";
        return ES_EPARSE;
    }
    n = strlen(header);
    if (n != SHA1_B64_LEN || header[n - 1] != '=') {
        *why = "the X-Twilio-Signature header is not the base64 of a 20-byte HMAC-SHA1";
        return ES_EPARSE;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        if (b64_value((unsigned char)header[i]) < 0) {
            *why = "the X-Twilio-Signature header has a character that is not base64";
            return ES_EPARSE;
        }
    }
    /* 27 symbols carry 162 bits for 160: the last 2 are zero in the
     * canonical form, the only one Twilio sends. */
    if (b64_value((unsigned char)header[n - 2]) & 3) {
        *why = "the X-Twilio-Signature header is not canonical base64";
        return ES_EPARSE;
    }
    if (EVP_DecodeBlock(tmp, (const unsigned char *)header, (int)n) != (int)sizeof tmp) {
        *why = "the X-Twilio-Signature header is not valid base64";
        return ES_EPARSE;
    }
    memcpy(sig, tmp, SHA1_LEN);
    return ES_OK;
}

/* Orders fields by name, then by value (byte order, which for UTF-8 is
 * code point order, as Twilio's libraries sort). */
static int field_cmp(const void *pa, const void *pb)
{
    const es_http_field *a = *(const es_http_field *const *)pa;
    const es_http_field *b = *(const es_http_field *const *)pb;
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->value, b->value);
}

/* HMAC-SHA1(token, url + sorted name/value pairs) into out. */
static es_err twilio_mac(const char *token, const char *url, size_t url_len,
                         const es_http_field *const *sorted, size_t n, unsigned char *out)
{
    hmac h = {0};
    es_err rc = hmac_begin(&h, "SHA1", token);
    if (!rc)
        rc = hmac_add(&h, url, url_len);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = hmac_add(&h, sorted[i]->name, sorted[i]->name_len);
        if (!rc)
            rc = hmac_add(&h, sorted[i]->value, sorted[i]->value_len);
    }
    if (!rc)
        rc = hmac_end(&h, out, SHA1_LEN);
    hmac_cleanup(&h);
    return rc;
}

/* Writes into alt (room for strlen(url) + 7) the URL with its port removed,
 * or with the scheme's default port added when it has none. Returns 0 when
 * the URL is neither http:// nor https:// (no variant to try). */
static int url_port_variant(const char *url, char *alt)
{
    const char *auth, *end, *host, *colon = NULL;
    size_t n = strlen(url);
    const char *defport;
    if (strncmp(url, "https://", 8) == 0) {
        auth = url + 8;
        defport = ":443";
    } else if (strncmp(url, "http://", 7) == 0) {
        auth = url + 7;
        defport = ":80";
    } else {
        return 0;
    }
    end = auth + strcspn(auth, "/?#");
    host = auth;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            host = p + 1;
    if (*host == '[') { /* an IPv6 literal: the port follows ']' */
        const char *rb = memchr(host, ']', (size_t)(end - host));
        if (!rb)
            return 0;
        if (rb + 1 < end && rb[1] == ':')
            colon = rb + 1;
    } else {
        colon = memchr(host, ':', (size_t)(end - host));
    }
    if (colon) { /* drop ":port", keep the path, query and NUL */
        size_t head = (size_t)(colon - url);
        memcpy(alt, url, head);
        memcpy(alt + head, end, n - (size_t)(end - url) + 1);
    } else {
        size_t head = (size_t)(end - url), dl = strlen(defport);
        memcpy(alt, url, head);
        memcpy(alt + head, defport, dl);
        memcpy(alt + head + dl, end, n - head + 1);
    }
    return 1;
}

es_err es_http_twilio_verify(const char *auth_token, const char *url, const es_http_form *params,
                             const char *header, const char **reason)
{
    unsigned char got[SHA1_LEN], want[SHA1_LEN];
    const es_http_field **sorted = NULL;
    char *alt = NULL;
    size_t n = params ? params->n : 0;
    const char *why = NULL;
    int match;
    es_err rc;

    if (!auth_token || !*auth_token || !url || !*url) {
        why = "no Twilio auth token or public URL is configured";
        rc = ES_EINVAL;
        goto out;
    }
    rc = twilio_parse(header, got, &why);
    if (rc)
        goto out;
    if (n) {
        sorted = es_malloc(n * sizeof *sorted);
        if (!sorted) {
            rc = ES_ENOMEM;
            goto oom;
        }
        for (size_t i = 0; i < n; i++)
            sorted[i] = &params->fields[i];
        qsort(sorted, n, sizeof *sorted, field_cmp);
    }
    rc = twilio_mac(auth_token, url, strlen(url), sorted, n, want);
    if (rc)
        goto oom;
    match = CRYPTO_memcmp(want, got, SHA1_LEN) == 0;
    if (!match) {
        alt = es_malloc(strlen(url) + 8);
        if (!alt) {
            rc = ES_ENOMEM;
            goto oom;
        }
        if (url_port_variant(url, alt)) {
            rc = twilio_mac(auth_token, alt, strlen(alt), sorted, n, want);
            if (rc)
                goto oom;
            match = CRYPTO_memcmp(want, got, SHA1_LEN) == 0;
        }
    }
    if (!match) {
        why = "the X-Twilio-Signature signature does not match the URL and parameters";
        rc = ES_REJECTED;
    }
    goto out;
oom:
    why = "out of memory computing the Twilio signature";
out:
    es_free(sorted);
    es_free(alt);
    OPENSSL_cleanse(want, sizeof want);
    if (reason)
        *reason = rc ? why : NULL;
    return rc;
}
