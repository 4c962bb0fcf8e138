/*
 * html.c - es_html_unescape: decoding HTML character references.
 *
 * Twitter escapes &, < and > in tweet texts, exports of tweets keep them
 * (&amp;), and HTML email bodies are full of them; the ingest decoders call
 * this before a text is stored. Numeric references (&#39; &#x1F600;) are
 * decoded to UTF-8 when they name a Unicode scalar value; named references
 * come from a compact table of those that occur in such texts (the full
 * HTML5 table has 2,231 names, nearly all mathematical or archaic). A
 * reference must end with ';'. Anything unknown or malformed is kept as it
 * is, so the output is valid UTF-8 whenever the input is. Pure, reentrant.
 */
#include <stdlib.h>
#include <string.h>

#include "earshot/text.h"

/* Sorted by name for bsearch. */
static const struct entity {
    const char *name;
    uint32_t cp;
} entities[] = {
    {"AElig", 0xC6},   {"Aacute", 0xC1},  {"Agrave", 0xC0},   {"Auml", 0xC4},     {"Ccedil", 0xC7},
    {"Eacute", 0xC9},  {"Egrave", 0xC8},  {"Ntilde", 0xD1},   {"Oacute", 0xD3},   {"Ouml", 0xD6},
    {"Uuml", 0xDC},    {"aacute", 0xE1},  {"acirc", 0xE2},    {"aelig", 0xE6},    {"agrave", 0xE0},
    {"amp", '&'},      {"apos", '\''},    {"auml", 0xE4},     {"bdquo", 0x201E},  {"bull", 0x2022},
    {"ccedil", 0xE7},  {"cent", 0xA2},    {"copy", 0xA9},     {"deg", 0xB0},      {"divide", 0xF7},
    {"eacute", 0xE9},  {"ecirc", 0xEA},   {"egrave", 0xE8},   {"euml", 0xEB},     {"euro", 0x20AC},
    {"frac12", 0xBD},  {"gt", '>'},       {"hearts", 0x2665}, {"hellip", 0x2026}, {"iacute", 0xED},
    {"icirc", 0xEE},   {"iexcl", 0xA1},   {"iquest", 0xBF},   {"iuml", 0xEF},     {"laquo", 0xAB},
    {"ldquo", 0x201C}, {"lsquo", 0x2018}, {"lt", '<'},        {"mdash", 0x2014},  {"middot", 0xB7},
    {"nbsp", 0xA0},    {"ndash", 0x2013}, {"ntilde", 0xF1},   {"oacute", 0xF3},   {"ocirc", 0xF4},
    {"ouml", 0xF6},    {"para", 0xB6},    {"plusmn", 0xB1},   {"pound", 0xA3},    {"quot", '"'},
    {"raquo", 0xBB},   {"rdquo", 0x201D}, {"reg", 0xAE},      {"rsquo", 0x2019},  {"sbquo", 0x201A},
    {"sect", 0xA7},    {"shy", 0xAD},     {"szlig", 0xDF},    {"times", 0xD7},    {"trade", 0x2122},
    {"uacute", 0xFA},  {"ucirc", 0xFB},   {"uuml", 0xFC},     {"yen", 0xA5},
};

#define MAX_NAME 8 /* the longest name above, plus one */

static int cmp_entity(const void *key, const void *el)
{
    return strcmp(key, ((const struct entity *)el)->name);
}

/* Writes cp as UTF-8; returns the number of bytes. */
static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A numeric reference after "&#": decimal or x-hex digits and ';'. Returns
 * its length after "&#", or 0 when malformed or not a scalar value. */
static size_t numeric(const char *s, size_t n, uint32_t *cp)
{
    size_t i = 0;
    int hex = 0;
    uint32_t v = 0;
    if (i < n && (s[i] == 'x' || s[i] == 'X')) {
        hex = 1;
        i++;
    }
    size_t first = i;
    for (; i < n && i - first < 8; i++) {
        char ch = s[i];
        int d;
        if (ch >= '0' && ch <= '9')
            d = ch - '0';
        else if (hex && ch >= 'a' && ch <= 'f')
            d = ch - 'a' + 10;
        else if (hex && ch >= 'A' && ch <= 'F')
            d = ch - 'A' + 10;
        else
            break;
        v = v * (hex ? 16u : 10u) + (uint32_t)d;
    }
    if (i == first || i >= n || s[i] != ';')
        return 0;
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return i + 1;
}

/* A named reference after "&". Returns its length after "&", or 0. */
static size_t named(const char *s, size_t n, uint32_t *cp)
{
    char name[MAX_NAME + 1];
    size_t i = 0;
    while (i < n && i < MAX_NAME &&
           ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
            (s[i] >= '0' && s[i] <= '9'))) {
        name[i] = s[i];
        i++;
    }
    if (i == 0 || i >= n || s[i] != ';')
        return 0;
    name[i] = '\0';
    const struct entity *e =
        bsearch(name, entities, sizeof entities / sizeof *entities, sizeof *entities, cmp_entity);
    if (!e)
        return 0;
    *cp = e->cp;
    return i + 1;
}

es_err es_html_unescape(es_arena_t *a, const char *s, size_t n, char **out, size_t *out_len)
{
    /* A reference is never shorter than its UTF-8 ("&lt;" 4 > 1, "&#xA0;"
     * 6 > 2, "&#128512;" 9 > 4), so the output fits in n bytes. */
    char *o = es_arena_alloc(a, n + 1);
    size_t k = 0;
    if (!o)
        return ES_ENOMEM;
    for (size_t i = 0; i < n;) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t run = amp ? (size_t)(amp - (s + i)) : n - i;
        memcpy(o + k, s + i, run);
        k += run;
        i += run;
        if (!amp)
            break;
        uint32_t cp = 0;
        size_t len = 0;
        if (i + 1 < n && s[i + 1] == '#') {
            len = numeric(s + i + 2, n - i - 2, &cp);
            len = len ? len + 1 : 0;
        } else
            len = named(s + i + 1, n - i - 1, &cp);
        if (len) {
            k += put_utf8(o + k, cp);
            i += len + 1;
        } else {
            o[k++] = '&';
            i++;
        }
    }
    o[k] = '\0';
    *out = o;
    if (out_len)
        *out_len = k;
    return ES_OK;
}
