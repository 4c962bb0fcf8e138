/*
 * webtoken.c - the QR web form's one-time token (V2): "<issued>.<nonce>.<mac>"
 * where issued is the Unix second the form was served, nonce 16 random
 * bytes in hex, and mac the HMAC-SHA256 (hex) of "<code>.<issued>.<nonce>"
 * under the server's survey secret. The form carries it in a hidden field;
 * the POST checks the signature (constant time), the age (a person takes
 * at least a few seconds to fill the form: younger is a bot; older than a
 * day is stale), and the nonce becomes the response's external id, so the
 * store keeps one response per token (a second post changes nothing).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/survey_flow.h"

static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* The MAC of code, issued and nonce in hex (65 bytes). */
static es_err mac_of(const char *secret, const char *code, long long issued, const char *nonce,
                     char out[65])
{
    char msg[128];
    unsigned char md[32];
    unsigned int mdlen = 0;
    int n = snprintf(msg, sizeof msg, "%s.%lld.%s", code, issued, nonce);
    if (n < 0 || (size_t)n >= sizeof msg)
        return ES_ELIMIT;
    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, (size_t)n, md,
              &mdlen) ||
        mdlen != sizeof md)
        return ES_EIO;
    hex(md, sizeof md, out);
    return ES_OK;
}

/* See survey_flow.h. */
es_err es_survey_webtoken_make(const char *secret, const char *code, int64_t now,
                               char tok[ES_WEBTOKEN_MAX + 1])
{
    unsigned char raw[16];
    char nonce[33], mac[65];
    if (!secret || !*secret || !code || !*code || strlen(code) > 64 || !tok)
        return ES_EINVAL;
    if (RAND_bytes(raw, sizeof raw) != 1)
        return ES_EIO;
    hex(raw, sizeof raw, nonce);
    es_err rc = mac_of(secret, code, (long long)now, nonce, mac);
    if (rc)
        return rc;
    snprintf(tok, ES_WEBTOKEN_MAX + 1, "%lld.%s.%s", (long long)now, nonce, mac);
    return ES_OK;
}

/* See survey_flow.h. */
es_err es_survey_webtoken_check(const char *secret, const char *code, const char *tok, int64_t now,
                                int64_t min_age, int64_t max_age, char nonce[33])
{
    char mac[65];
    if (!secret || !*secret || !code || !*code || strlen(code) > 64 || !tok || !nonce)
        return ES_EINVAL;
    /* issued: 1 to 19 digits; nonce: 32 hex; mac: 64 hex. */
    const char *d1 = strchr(tok, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || d1 == tok || d1 - tok > 19 || d2 - d1 - 1 != 32 || strlen(d2 + 1) != 64)
        return ES_EINVAL;
    long long issued = 0;
    for (const char *p = tok; p < d1; p++) {
        if (*p < '0' || *p > '9')
            return ES_EINVAL;
        issued = issued * 10 + (*p - '0');
        if (issued > 1000000000000LL)
            return ES_EINVAL;
    }
    memcpy(nonce, d1 + 1, 32);
    nonce[32] = '\0';
    for (size_t i = 0; i < 32; i++)
        if (!strchr("0123456789abcdef", nonce[i]))
            return ES_EINVAL;
    es_err rc = mac_of(secret, code, issued, nonce, mac);
    if (rc)
        return rc;
    if (CRYPTO_memcmp(mac, d2 + 1, 64) != 0)
        return ES_EINVAL;
    if (now - issued > max_age || issued - now > 60)
        return ES_EINVAL;
    if (now - issued < min_age)
        return ES_EBUSY;
    return ES_OK;
}
