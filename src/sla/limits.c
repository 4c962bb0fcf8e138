/*
 * limits.c - how long a reply may be on each channel (C4), counted the way
 * the channel counts: X's weighted characters (NFC code points; a URL counts
 * 23; code points outside the Latin, general punctuation and symbol ranges,
 * and each emoji, count 2, against 280), SMS segments (GSM-7: 160 septets in
 * one message, 153 per part of a long one, extension characters taking two;
 * anything outside GSM-7 switches the whole message to UCS-2: 70, then 67
 * UTF-16 units per part), and plain character limits for Facebook,
 * Instagram, email and the rest. Pure logic; es_reply_add (reply.c) and the
 * API call es_reply_measure_text before anything is stored.
 */
#include <string.h>
#include <utf8proc.h>

#include "earshot/reply.h"

#define MAX_TEXT_BYTES (1 << 20) /* longer texts are refused without counting */
#define STACK_CPS 1024

/* ---- X ------------------------------------------------------------------- */

/* twitter-text's weights: these ranges count 1 (100 in its units), the
 * rest 2. */
static int x_weight(utf8proc_int32_t c)
{
    if ((c >= 0 && c <= 4351) || (c >= 8192 && c <= 8205) || (c >= 8208 && c <= 8223) ||
        (c >= 8242 && c <= 8247))
        return 1;
    return 2;
}

static int is_space(utf8proc_int32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0 || c == 0x3000 ||
           (c >= 0x2000 && c <= 0x200A);
}

static int lower_ascii(utf8proc_int32_t c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Length of a URL starting at cps[i] ("http://x" or "https://x" after a
 * non-word character), or 0. */
static size_t url_at(const utf8proc_int32_t *cps, size_t n, size_t i)
{
    static const char *const schemes[] = {"https://", "http://"};
    if (i > 0) {
        utf8proc_int32_t p = cps[i - 1];
        if ((p >= '0' && p <= '9') || (lower_ascii(p) >= 'a' && lower_ascii(p) <= 'z'))
            return 0;
    }
    for (size_t k = 0; k < 2; k++) {
        size_t l = strlen(schemes[k]), j;
        for (j = 0; j < l && i + j < n && lower_ascii(cps[i + j]) == schemes[k][j]; j++)
            ;
        if (j < l || i + l >= n || is_space(cps[i + l]))
            continue;
        while (i + j < n && !is_space(cps[i + j]))
            j++;
        return j;
    }
    return 0;
}

/* Whether the grapheme cluster cps[0..n) is an emoji: it holds a pictograph
 * outside the one-weight ranges, a pictograph made emoji by U+FE0F, a
 * regional-indicator flag or a keycap. */
static int is_emoji(const utf8proc_int32_t *cps, size_t n)
{
    int picto = 0, vs16 = 0;
    for (size_t i = 0; i < n; i++) {
        const utf8proc_property_t *p = utf8proc_get_property(cps[i]);
        if (p->boundclass == UTF8PROC_BOUNDCLASS_REGIONAL_INDICATOR || cps[i] == 0x20E3)
            return 1;
        if (p->boundclass == UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC) {
            if (x_weight(cps[i]) == 2)
                return 1;
            picto = 1;
        }
        if (cps[i] == 0xFE0F)
            vs16 = 1;
    }
    return picto && vs16;
}

/* The weighted length of NFC code points cps[0..n). */
static long x_weigh(const utf8proc_int32_t *cps, size_t n)
{
    long w = 0;
    size_t i = 0;
    while (i < n) {
        size_t u = url_at(cps, n, i);
        if (u) {
            w += ES_X_URL_WEIGHT;
            i += u;
            continue;
        }
        utf8proc_int32_t state = 0;
        size_t j = i + 1;
        while (j < n && !utf8proc_grapheme_break_stateful(cps[j - 1], cps[j], &state))
            j++;
        if (is_emoji(cps + i, j - i)) {
            w += 2;
        } else {
            for (size_t k = i; k < j; k++)
                w += x_weight(cps[k]);
        }
        i = j;
    }
    return w;
}

long es_reply_x_length(const char *text, size_t len)
{
    utf8proc_int32_t stack[STACK_CPS], *buf = stack, *heap = NULL;
    const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    utf8proc_ssize_t cap = STACK_CPS, got;
    long w = -1;
    if (len > MAX_TEXT_BYTES)
        return (long)len;
    for (;;) {
        got = utf8proc_decompose((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, buf, cap,
                                 opt);
        if (got < 0)
            goto out;
        if (got <= cap)
            break;
        es_free(heap);
        heap = es_malloc((size_t)got * sizeof *heap);
        if (!heap)
            goto out;
        buf = heap;
        cap = got;
    }
    got = utf8proc_normalize_utf32(buf, got, opt);
    if (got >= 0)
        w = x_weigh(buf, (size_t)got);
out:
    es_free(heap);
    return w;
}

/* ---- SMS ----------------------------------------------------------------- */

/* Septets of c in GSM 03.38 (1 basic, 2 extension table), 0 when absent. */
static int gsm_septets(utf8proc_int32_t c)
{
    static const utf8proc_int32_t basic[] = {
        0xA3,  0xA5,  0xE8,  0xE9,  0xF9,  0xEC,  0xF2,  0xC7,  0xD8,  0xF8, 0xC5, 0xE5, 0x394,
        0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E, 0xC6, 0xE6, 0xDF, 0xC9,
        0xA4,  0xA1,  0xC4,  0xD6,  0xD1,  0xDC,  0xA7,  0xBF,  0xE4,  0xF6, 0xF1, 0xFC, 0xE0};
    if (c == '\n' || c == '\r')
        return 1;
    if (c == '\f' || c == 0x20AC)
        return 2;
    if (c >= 0x20 && c <= 0x7E) {
        if (c == '`')
            return 0;
        return strchr("^{}\\[~]|", (int)c) ? 2 : 1;
    }
    for (size_t i = 0; i < sizeof basic / sizeof *basic; i++)
        if (basic[i] == c)
            return 1;
    return 0;
}

/* Parts of a long message: units of size `each` are filled one character at
 * a time (a character of w units never straddles two parts). */
typedef struct parts {
    long parts, in_part, total;
} parts;

static void add_unit(parts *p, int w, long each)
{
    if (p->parts == 0 || p->in_part + w > each) {
        p->parts++;
        p->in_part = 0;
    }
    p->in_part += w;
    p->total += w;
}

long es_reply_sms_segments(const char *text, size_t len, int *ucs2, long *units)
{
    parts g = {0, 0, 0}, u = {0, 0, 0};
    int gsm = 1;
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t l =
            utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &c);
        if (l <= 0) {
            c = 0xFFFD;
            l = 1;
        }
        i += (size_t)l;
        int s = gsm ? gsm_septets(c) : 0;
        if (!s)
            gsm = 0;
        else
            add_unit(&g, s, 153);
        add_unit(&u, c > 0xFFFF ? 2 : 1, 67);
    }
    long segments;
    if (gsm) {
        segments = g.total <= 160 ? (g.total > 0) : g.parts;
        *units = g.total;
    } else {
        segments = u.total <= 70 ? 1 : u.parts;
        *units = u.total;
    }
    *ucs2 = !gsm;
    return segments;
}

/* ---- every channel -------------------------------------------------------- */

static long code_points(const char *text, size_t len)
{
    long n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)text[i] & 0xC0) != 0x80;
    return n;
}

static int is(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

es_err es_reply_measure_text(const char *channel, int direct, const char *text, size_t len,
                             es_reply_measure *m)
{
    memset(m, 0, sizeof *m);
    m->unit = "characters";
    if (!channel || !text || len == 0)
        return ES_EINVAL;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t l =
            utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &c);
        if (l <= 0)
            return ES_EUTF8;
        i += (size_t)l;
    }
    if (is(channel, "twitter") || is(channel, "x")) {
        if (direct) {
            m->used = code_points(text, len);
            m->max = ES_X_DM_MAX;
        } else {
            m->used = es_reply_x_length(text, len);
            if (m->used < 0)
                return ES_ENOMEM;
            m->max = ES_X_MAX_WEIGHT;
        }
    } else if (is(channel, "sms")) {
        m->unit = "segments";
        m->used = es_reply_sms_segments(text, len, &m->ucs2, &m->sms_units);
        m->max = ES_SMS_MAX_SEGMENTS;
    } else if (is(channel, "facebook")) {
        m->used = code_points(text, len);
        m->max = direct ? ES_MESSENGER_MAX : ES_FACEBOOK_MAX;
    } else if (is(channel, "instagram")) {
        m->used = code_points(text, len);
        m->max = ES_INSTAGRAM_MAX;
    } else if (is(channel, "email")) {
        m->unit = "bytes";
        m->used = (long)len;
        m->max = ES_EMAIL_MAX;
    } else {
        m->used = code_points(text, len);
        m->max = ES_OTHER_MAX;
    }
    return m->used > m->max ? ES_ELIMIT : ES_OK;
}
