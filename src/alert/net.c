/*
 * net.c - what keeps an outgoing webhook from being turned against the
 * network it runs in (server-side request forgery): the check of every
 * address a webhook connects to, made on the resolved address at connect
 * time (send.c's libcurl open-socket callback), so that neither a hostname
 * that resolves to a private address nor DNS rebinding gets through; the
 * operator's allow-list of addresses and networks; and the HMAC-SHA256
 * signature every webhook carries. Called by send.c.
 */
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "alert/engine.h"

/* Parses one "ip" or "ip/bits" entry of len bytes. */
static es_err parse_one(const char *p, size_t len, es__alert_allow *out)
{
    char tmp[64];
    if (len == 0 || len >= sizeof tmp)
        return ES_EINVAL;
    memcpy(tmp, p, len);
    tmp[len] = '\0';
    char *slash = strchr(tmp, '/');
    long bits = -1;
    if (slash) {
        *slash = '\0';
        char *end = NULL;
        bits = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || bits < 0)
            return ES_EINVAL;
    }
    if (out->n >= ES__ALERT_MAX_ALLOW)
        return ES_ELIMIT;
    memset(&out->net[out->n], 0, sizeof out->net[out->n]);
    if (inet_pton(AF_INET, tmp, out->net[out->n].addr) == 1) {
        out->net[out->n].family = AF_INET;
        if (bits > 32)
            return ES_EINVAL;
        out->net[out->n].bits = bits < 0 ? 32 : (unsigned)bits;
    } else if (inet_pton(AF_INET6, tmp, out->net[out->n].addr) == 1) {
        out->net[out->n].family = AF_INET6;
        if (bits > 128)
            return ES_EINVAL;
        out->net[out->n].bits = bits < 0 ? 128 : (unsigned)bits;
    } else {
        return ES_EINVAL;
    }
    out->n++;
    return ES_OK;
}

/* See engine.h. */
es_err es__alert_allow_parse(const char *list, es__alert_allow *out)
{
    memset(out, 0, sizeof *out);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, ", ");
        es_err rc = parse_one(p, len, out);
        if (rc)
            return rc;
        p += len;
    }
    return ES_OK;
}

/* Whether the first bits of a and b agree. */
static int prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, full) != 0)
        return 0;
    if (!rest)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

static int allowed(int family, const uint8_t *addr, const es__alert_allow *allow)
{
    for (size_t i = 0; allow && i < allow->n; i++)
        if (allow->net[i].family == family && prefix_eq(addr, allow->net[i].addr, allow->net[i].bits))
            return 1;
    return 0;
}

/* Why an IPv4 address is not public, or NULL when it is. */
static const char *v4_why(const uint8_t a[4])
{
    if (a[0] == 127)
        return "a loopback address";
    if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168))
        return "a private address";
    if (a[0] == 169 && a[1] == 254)
        return "a link-local address";
    if (a[0] == 100 && (a[1] & 0xc0) == 64)
        return "a carrier-grade NAT address";
    if (a[0] == 0)
        return "a 'this network' address";
    if (a[0] >= 224)
        return "a multicast or reserved address";
    if (a[0] == 192 && a[1] == 0 && a[2] == 0)
        return "an IETF protocol address";
    if (a[0] == 198 && (a[1] & 0xfe) == 18)
        return "a benchmarking address";
    return NULL;
}

/* Why an IPv6 address is not public, or NULL when it is. */
static const char *v6_why(const uint8_t a[16])
{
    static const uint8_t zero[16];
    if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
        return a[15] ? "a loopback address" : "the unspecified address";
    if ((a[0] & 0xfe) == 0xfc)
        return "a private address";
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return "a link-local address";
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
        return "a site-local address";
    if (a[0] == 0xff)
        return "a multicast address";
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, mapped, 12) == 0) /* ::ffff:a.b.c.d */
        return v4_why(a + 12);
    if (memcmp(a, zero, 12) == 0) /* ::a.b.c.d, deprecated */
        return "an IPv4-compatible address";
    if (a[0] == 0x20 && a[1] == 0x02) /* 6to4 carries an IPv4 address */
        return v4_why(a + 2);
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) /* NAT64 */
        return v4_why(a + 12);
    return NULL;
}

/* See engine.h. */
int es__alert_addr_ok(const struct sockaddr *sa, const es__alert_allow *allow, const char **why)
{
    const char *w = "an address of an unknown family";
    if (sa && sa->sa_family == AF_INET) {
        const uint8_t *a = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        if (allowed(AF_INET, a, allow))
            return 1;
        w = v4_why(a);
    } else if (sa && sa->sa_family == AF_INET6) {
        const uint8_t *a =
            (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (allowed(AF_INET6, a, allow))
            return 1;
        /* An allow-listed IPv4 address also allows its mapped form. */
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a, mapped, 12) == 0 && allowed(AF_INET, a + 12, allow))
            return 1;
        w = v6_why(a);
    }
    if (why)
        *why = w;
    return w == NULL;
}

/* See engine.h. One-shot HMAC() over a copy of "<ts>.<body>" (OpenSSL 3
 * deprecates the HMAC_CTX calls). */
es_err es__alert_sign(const char *secret, const char *ts, const char *body, size_t body_len,
                      char *out, size_t size)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!secret || !ts || size < 7 + 64 + 1)
        return ES_EINVAL;
    size_t tl = strlen(ts), n = tl + 1 + body_len;
    unsigned char *msg = es_malloc(n ? n : 1);
    if (!msg)
        return ES_ENOMEM;
    memcpy(msg, ts, tl);
    msg[tl] = '.';
    if (body_len)
        memcpy(msg + tl + 1, body, body_len);
    int ok = HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, n, mac, &mac_len) != NULL &&
             mac_len == 32;
    es_free(msg);
    if (!ok)
        return ES_EINVAL;
    memcpy(out, "sha256=", 7);
    for (unsigned i = 0; i < mac_len; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
    return ES_OK;
}
