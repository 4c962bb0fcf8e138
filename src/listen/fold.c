/*
 * fold.c - how the listening module sees text (L2). Query terms and mention
 * texts go through the same folding, so that matching is a plain byte
 * comparison: Unicode case folding plus compatibility decomposition (utf8proc,
 * one code point at a time, so that the offset of every folded byte in the
 * original text is known), curly apostrophes become '\'' and variation
 * selectors are dropped. ASCII, most of
 * what customers write, takes a table-driven fast path.
 *
 * The same pass classifies every byte as part of a word character or not and
 * numbers the words, which gives the matcher its word boundaries (Hyperscan
 * refuses \b in UCP mode) and the word positions NEAR/n and phrases need.
 *
 * Called by lexer.c/parse.c (terms, field values) and match.c (texts). Pure
 * and reentrant.
 */
#include <string.h>
#include <utf8proc.h>

#include "listen/query.h"

#define FOLD_MAX ((size_t)ES_MAX_TEXT * 8) /* folded bytes of one text */
#define FOLD_CP_MAX 32                     /* code points one may fold to */

/* ------------------------------------------------------------------ */
/* Character classes                                                   */
/* ------------------------------------------------------------------ */

int es__listen_is_word_cp(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
               cp == '_';
    /* Variation selectors only choose how the character before them looks
     * (an emoji's colour form): they do not make it a word. */
    if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF))
        return 0;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return 1;
    default: return 0;
    }
}

int es__listen_is_space_cp(int32_t cp)
{
    if (cp < 0x80)
        return cp == ' ' || (cp >= '\t' && cp <= '\r');
    if (cp == 0x85)
        return 1;
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

size_t es__listen_utf8_next(const char *s, size_t n, int32_t *cp)
{
    utf8proc_int32_t c = -1;
    utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &c);
    if (l <= 0) {
        *cp = -1;
        return 1;
    }
    *cp = c;
    return (size_t)l;
}

/* ------------------------------------------------------------------ */
/* The output buffers                                                  */
/* ------------------------------------------------------------------ */

/* Makes room for need bytes (and positions when want_pos). The buffers
 * live in the caller's scratch and only grow, so after the first few
 * mentions folding allocates nothing. */
static es_err fold_reserve(es__fold_out *o, size_t need, int want_pos)
{
    if (need <= o->cap && (!want_pos || o->map))
        return ES_OK;
    if (need > FOLD_MAX + 1)
        return ES_ELIMIT;
    size_t cap = o->cap ? o->cap : 256;
    while (cap < need)
        cap *= 2;
    char *t = es_realloc(o->text, cap);
    if (!t)
        return ES_ENOMEM;
    o->text = t;
    if (want_pos) {
        uint32_t *m = es_realloc(o->map, cap * sizeof *m);
        if (!m)
            return ES_ENOMEM;
        o->map = m;
        uint8_t *c = es_realloc(o->cls, cap);
        if (!c)
            return ES_ENOMEM;
        o->cls = c;
        uint32_t *w = es_realloc(o->widx, cap * sizeof *w);
        if (!w)
            return ES_ENOMEM;
        o->widx = w;
    }
    /* Only now, when every array holds cap bytes, is cap true for all. */
    o->cap = cap;
    return ES_OK;
}

void es__listen_fold_cleanup(es__fold_out *o)
{
    es_free(o->text);
    es_free(o->map);
    es_free(o->cls);
    es_free(o->widx);
    memset(o, 0, sizeof *o);
}

/* State of one folding pass: the word counter runs across code points. */
typedef struct fold_state {
    es__fold_out *o;
    int want_pos;
    uint32_t word;
    int prev_word;
} fold_state;

/* Appends bytes b[0..n) that came from input offset at, of class w; a
 * word starts where a word byte follows a non-word one. */
static void fold_put(fold_state *st, const char *b, size_t n, size_t at, int w)
{
    es__fold_out *o = st->o;
    if (st->want_pos) {
        if (w && !st->prev_word)
            st->word++;
        for (size_t k = 0; k < n; k++) {
            o->map[o->len + k] = (uint32_t)at;
            o->cls[o->len + k] = (uint8_t)w;
            o->widx[o->len + k] = st->word;
        }
    }
    st->prev_word = w;
    memcpy(o->text + o->len, b, n);
    o->len += n;
}

/* Folds the non-ASCII code point cp found at input offset at. Folding one
 * code point at a time (no recomposition) keeps every folded byte tied to
 * the input character it came from; terms are folded the same way, so "é"
 * written precomposed or decomposed folds to the same bytes on both sides. */
static void fold_cp(fold_state *st, int32_t cp, size_t at)
{
    utf8proc_int32_t out[FOLD_CP_MAX];
    utf8proc_ssize_t k;
    if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF))
        return; /* variation selectors: "✈️" and "✈" are the same plane */
    if (cp == 0x2018 || cp == 0x2019 || cp == 0x02BC) {
        out[0] = '\'';
        k = 1;
    } else {
        int bound = 0;
        k = utf8proc_decompose_char(
            cp, out, FOLD_CP_MAX, UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE, &bound);
        if (k <= 0 || k > FOLD_CP_MAX) {
            out[0] = cp;
            k = 1;
        }
    }
    for (utf8proc_ssize_t i = 0; i < k; i++) {
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t l = utf8proc_encode_char(out[i], enc);
        fold_put(st, (const char *)enc, (size_t)l, at, es__listen_is_word_cp(out[i]));
    }
}

/* Folds the run of ASCII bytes at s[i..n) that fits the buffer; returns
 * where it stopped. The hot loop of matching: locals only, no branches on
 * the character class. */
static size_t fold_ascii(fold_state *st, const char *s, size_t i, size_t n)
{
    es__fold_out *o = st->o;
    size_t len = o->len, end = n - i < o->cap - len - 1 ? n : i + (o->cap - len - 1);
    char *t = o->text;
    if (!st->want_pos) {
        for (; i < end && (unsigned char)s[i] < 0x80; i++) {
            unsigned c = (unsigned char)s[i];
            t[len++] = (char)(c | ((c - 'A' < 26u) << 5));
        }
        o->len = len;
        st->prev_word = 0;
        return i;
    }
    uint32_t *map = o->map, *widx = o->widx, word = st->word;
    uint8_t *cls = o->cls;
    unsigned prev = (unsigned)st->prev_word;
    for (; i < end && (unsigned char)s[i] < 0x80; i++) {
        unsigned c = (unsigned char)s[i];
        unsigned low = c | ((c - 'A' < 26u) << 5);
        unsigned w = (low - 'a' < 26u) | (c - '0' < 10u) | (c == '_');
        word += w & !prev;
        t[len] = (char)low;
        map[len] = (uint32_t)i;
        cls[len] = (uint8_t)w;
        widx[len] = word;
        len++;
        prev = w;
    }
    o->len = len;
    st->word = word;
    st->prev_word = (int)prev;
    return i;
}

/* ------------------------------------------------------------------ */
/* The pass                                                            */
/* ------------------------------------------------------------------ */

es_err es__listen_fold(es__fold_out *o, const char *s, size_t n, int want_pos)
{
    fold_state st = {o, want_pos, 0, 0};
    o->len = 0;
    es_err rc = fold_reserve(o, n + 1, want_pos);
    if (rc)
        return rc;
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            if (o->len + 2 > o->cap && (rc = fold_reserve(o, o->len + 2, want_pos)))
                return rc;
            i = fold_ascii(&st, s, i, n);
            continue;
        }
        /* The worst case: FOLD_CP_MAX code points of 4 bytes, and a NUL. */
        if ((rc = fold_reserve(o, o->len + FOLD_CP_MAX * 4 + 1, want_pos)))
            return rc;
        int32_t cp;
        size_t l = es__listen_utf8_next(s + i, n - i, &cp);
        if (cp < 0)
            fold_put(&st, s + i, 1, i, 0); /* invalid byte: kept, not a word */
        else
            fold_cp(&st, cp, i);
        i += l;
    }
    o->text[o->len] = '\0';
    if (want_pos) {
        o->map[o->len] = (uint32_t)n;
        o->cls[o->len] = 0;
        o->widx[o->len] = st.word;
    }
    return ES_OK;
}
