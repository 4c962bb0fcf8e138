/*
 * vader.c - the sentiment scorer: VADER exactly as NLTK 3.8 computes it
 * (nltk/sentiment/vader.py), and the frame that the customer-care rules of
 * care.c run in. Called by the analyze pipeline, the CLI's `score` and
 * `analyze` commands, and the benchmarks.
 *
 * Fidelity to NLTK is the point of ES_MODE_VADER, so its quirks are kept:
 *  - words are Python's str.split() of the text (Unicode white space), and
 *    words of one code point are dropped;
 *  - a word loses its leading or trailing punctuation only when that
 *    punctuation is one of PUNC_LIST's strings and the rest of the word has no
 *    ASCII punctuation and at least two code points ("cat!!" -> "cat", but
 *    "cat?!" and "(cat)" stay);
 *  - a repeated word is scored in the context of its FIRST occurrence
 *    (words_and_emoticons.index(item));
 *  - lexicon, booster and negation look-ups use str.lower(); the idiom and
 *    "never so/this" checks compare the words as written;
 *  - a lexicon word with valence 0 in ALL CAPS gets -0.733, as in NLTK;
 *  - floating-point operations happen in NLTK's order (no FMA), and the
 *    results are rounded as Python's round() rounds them.
 *
 * The hot path (benchmark 1 of issue 2) runs in four steps: one pass over
 * the bytes, 16 at a time, lower-cases the text and marks white space, case,
 * apostrophes, punctuation and non-ASCII bytes in bitmaps (scan_bytes); the
 * words are cut from those bits and their look-ups prepared and prefetched
 * (split_words); the look-ups then run together (classify); VADER's rules run
 * over the words (token_valences, score_valence). docs/sentiment.md says
 * what each step saves.
 *
 * A scorer owns reusable scratch space; once it has seen a text of a given
 * size, scoring allocates nothing. One scorer per thread.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "analyze/vader.h"

#define B_INCR 0.293
#define B_DECR (-0.293)
#define C_INCR 0.733
#define N_SCALAR (-0.74)

/* The words VADER knows besides its lexicon (NLTK's VaderConstants). */
/* clang-format off */
const es__lexword es__vader_words[] = {
    {"aint", ES__W_NEG, 0, 0}, {"arent", ES__W_NEG, 0, 0}, {"cannot", ES__W_NEG, 0, 0},
    {"cant", ES__W_NEG, 0, 0}, {"couldnt", ES__W_NEG, 0, 0}, {"darent", ES__W_NEG, 0, 0},
    {"didnt", ES__W_NEG, 0, 0}, {"doesnt", ES__W_NEG, 0, 0}, {"ain't", ES__W_NEG, 0, 0},
    {"aren't", ES__W_NEG, 0, 0}, {"can't", ES__W_NEG, 0, 0}, {"couldn't", ES__W_NEG, 0, 0},
    {"daren't", ES__W_NEG, 0, 0}, {"didn't", ES__W_NEG, 0, 0}, {"doesn't", ES__W_NEG, 0, 0},
    {"dont", ES__W_NEG, 0, 0}, {"hadnt", ES__W_NEG, 0, 0}, {"hasnt", ES__W_NEG, 0, 0},
    {"havent", ES__W_NEG, 0, 0}, {"isnt", ES__W_NEG, 0, 0}, {"mightnt", ES__W_NEG, 0, 0},
    {"mustnt", ES__W_NEG, 0, 0}, {"neither", ES__W_NEG, 0, 0}, {"don't", ES__W_NEG, 0, 0},
    {"hadn't", ES__W_NEG, 0, 0}, {"hasn't", ES__W_NEG, 0, 0}, {"haven't", ES__W_NEG, 0, 0},
    {"isn't", ES__W_NEG, 0, 0}, {"mightn't", ES__W_NEG, 0, 0}, {"mustn't", ES__W_NEG, 0, 0},
    {"neednt", ES__W_NEG, 0, 0}, {"needn't", ES__W_NEG, 0, 0}, {"never", ES__W_NEG, 0, 0},
    {"none", ES__W_NEG, 0, 0}, {"nope", ES__W_NEG, 0, 0}, {"nor", ES__W_NEG, 0, 0},
    {"not", ES__W_NEG, 0, 0}, {"nothing", ES__W_NEG, 0, 0}, {"nowhere", ES__W_NEG, 0, 0},
    {"oughtnt", ES__W_NEG, 0, 0}, {"shant", ES__W_NEG, 0, 0}, {"shouldnt", ES__W_NEG, 0, 0},
    {"uhuh", ES__W_NEG, 0, 0}, {"wasnt", ES__W_NEG, 0, 0}, {"werent", ES__W_NEG, 0, 0},
    {"oughtn't", ES__W_NEG, 0, 0}, {"shan't", ES__W_NEG, 0, 0}, {"shouldn't", ES__W_NEG, 0, 0},
    {"uh-uh", ES__W_NEG, 0, 0}, {"wasn't", ES__W_NEG, 0, 0}, {"weren't", ES__W_NEG, 0, 0},
    {"without", ES__W_NEG, 0, 0}, {"wont", ES__W_NEG, 0, 0}, {"wouldnt", ES__W_NEG, 0, 0},
    {"won't", ES__W_NEG, 0, 0}, {"wouldn't", ES__W_NEG, 0, 0}, {"rarely", ES__W_NEG, 0, 0},
    {"seldom", ES__W_NEG, 0, 0}, {"despite", ES__W_NEG, 0, 0},
    {"absolutely", ES__W_BOOST, B_INCR, 0}, {"amazingly", ES__W_BOOST, B_INCR, 0},
    {"awfully", ES__W_BOOST, B_INCR, 0}, {"completely", ES__W_BOOST, B_INCR, 0},
    {"considerably", ES__W_BOOST, B_INCR, 0}, {"decidedly", ES__W_BOOST, B_INCR, 0},
    {"deeply", ES__W_BOOST, B_INCR, 0}, {"effing", ES__W_BOOST, B_INCR, 0},
    {"enormously", ES__W_BOOST, B_INCR, 0}, {"entirely", ES__W_BOOST, B_INCR, 0},
    {"especially", ES__W_BOOST, B_INCR, 0}, {"exceptionally", ES__W_BOOST, B_INCR, 0},
    {"extremely", ES__W_BOOST, B_INCR, 0}, {"fabulously", ES__W_BOOST, B_INCR, 0},
    {"flipping", ES__W_BOOST, B_INCR, 0}, {"flippin", ES__W_BOOST, B_INCR, 0},
    {"fricking", ES__W_BOOST, B_INCR, 0}, {"frickin", ES__W_BOOST, B_INCR, 0},
    {"frigging", ES__W_BOOST, B_INCR, 0}, {"friggin", ES__W_BOOST, B_INCR, 0},
    {"fully", ES__W_BOOST, B_INCR, 0}, {"fucking", ES__W_BOOST, B_INCR, 0},
    {"greatly", ES__W_BOOST, B_INCR, 0}, {"hella", ES__W_BOOST, B_INCR, 0},
    {"highly", ES__W_BOOST, B_INCR, 0}, {"hugely", ES__W_BOOST, B_INCR, 0},
    {"incredibly", ES__W_BOOST, B_INCR, 0}, {"intensely", ES__W_BOOST, B_INCR, 0},
    {"majorly", ES__W_BOOST, B_INCR, 0}, {"more", ES__W_BOOST, B_INCR, 0},
    {"most", ES__W_BOOST, B_INCR, 0}, {"particularly", ES__W_BOOST, B_INCR, 0},
    {"purely", ES__W_BOOST, B_INCR, 0}, {"quite", ES__W_BOOST, B_INCR, 0},
    {"really", ES__W_BOOST, B_INCR, 0}, {"remarkably", ES__W_BOOST, B_INCR, 0},
    {"so", ES__W_BOOST, B_INCR, 0}, {"substantially", ES__W_BOOST, B_INCR, 0},
    {"thoroughly", ES__W_BOOST, B_INCR, 0}, {"totally", ES__W_BOOST, B_INCR, 0},
    {"tremendously", ES__W_BOOST, B_INCR, 0}, {"uber", ES__W_BOOST, B_INCR, 0},
    {"unbelievably", ES__W_BOOST, B_INCR, 0}, {"unusually", ES__W_BOOST, B_INCR, 0},
    {"utterly", ES__W_BOOST, B_INCR, 0}, {"very", ES__W_BOOST | ES__W_VERY, B_INCR, 0},
    {"almost", ES__W_BOOST, B_DECR, 0}, {"barely", ES__W_BOOST, B_DECR, 0},
    {"hardly", ES__W_BOOST, B_DECR, 0}, {"kinda", ES__W_BOOST, B_DECR, 0},
    {"kindof", ES__W_BOOST, B_DECR, 0}, {"kind-of", ES__W_BOOST, B_DECR, 0},
    {"less", ES__W_BOOST, B_DECR, 0}, {"little", ES__W_BOOST, B_DECR, 0},
    {"marginally", ES__W_BOOST, B_DECR, 0}, {"occasionally", ES__W_BOOST, B_DECR, 0},
    {"partly", ES__W_BOOST, B_DECR, 0}, {"scarcely", ES__W_BOOST, B_DECR, 0},
    {"slightly", ES__W_BOOST, B_DECR, 0}, {"somewhat", ES__W_BOOST, B_DECR, 0},
    {"sorta", ES__W_BOOST, B_DECR, 0}, {"sortof", ES__W_BOOST, B_DECR, 0},
    {"sort-of", ES__W_BOOST, B_DECR, 0}, {"kind", ES__W_KIND, 0, 0}, {"of", ES__W_OF, 0, 0},
    {"least", ES__W_LEAST, 0, 0}, {"at", ES__W_AT, 0, 0}, {"but", ES__W_BUT, 0, 0},
    /* The words of the idioms and booster bigrams below. */
    {"the", ES__W_IDIOM, 0, 0}, {"shit", ES__W_IDIOM, 0, 0}, {"bomb", ES__W_IDIOM, 0, 0},
    {"bad", ES__W_IDIOM, 0, 0}, {"ass", ES__W_IDIOM, 0, 0}, {"yeah", ES__W_IDIOM, 0, 0},
    {"right", ES__W_IDIOM, 0, 0}, {"cut", ES__W_IDIOM, 0, 0}, {"mustard", ES__W_IDIOM, 0, 0},
    {"kiss", ES__W_IDIOM, 0, 0}, {"of", ES__W_IDIOM, 0, 0}, {"death", ES__W_IDIOM, 0, 0},
    {"hand", ES__W_IDIOM, 0, 0}, {"to", ES__W_IDIOM, 0, 0}, {"mouth", ES__W_IDIOM, 0, 0},
    {"just", ES__W_IDIOM, 0, 0}, {"enough", ES__W_IDIOM, 0, 0}, {"kind", ES__W_IDIOM, 0, 0},
    {"sort", ES__W_IDIOM, 0, 0},
    /* The words that the "never so/this" check compares as written. */
    {"so", ES__W_EXACT, 0, 0}, {"this", ES__W_EXACT, 0, 0}, {"never", ES__W_EXACT, 0, 0},
};
/* clang-format on */
const size_t es__vader_nwords = sizeof es__vader_words / sizeof es__vader_words[0];

/* NLTK's SPECIAL_CASE_IDIOMS, matched word by word as written. */
static const struct {
    const char *w[3];
    double valence;
} idioms[] = {
    {{"the", "shit", NULL}, 3},    {{"the", "bomb", NULL}, 3},     {{"bad", "ass", NULL}, 1.5},
    {{"yeah", "right", NULL}, -2}, {{"cut", "the", "mustard"}, 2}, {{"kiss", "of", "death"}, -1.5},
    {{"hand", "to", "mouth"}, -2},
};

/* The booster bigrams ("kind of" ...), which only the idiom check sees. */
static const char *const booster_bigrams[][2] = {
    {"just", "enough"}, {"kind", "of"}, {"sort", "of"}};

/* ----- modes, labels ------------------------------------------------------ */

es_err es_sent_mode_parse(const char *name, es_sent_mode *out)
{
    if (name && strcmp(name, "vader") == 0)
        *out = ES_MODE_VADER;
    else if (name && strcmp(name, "care") == 0)
        *out = ES_MODE_CARE;
    else
        return ES_EINVAL;
    return ES_OK;
}

const char *es_sent_mode_name(es_sent_mode m)
{
    return m == ES_MODE_VADER ? "vader" : "care";
}

es_polarity es_polarity_of(double compound)
{
    if (compound >= 0.05)
        return ES_POSITIVE;
    if (compound <= -0.05)
        return ES_NEGATIVE;
    return ES_NEUTRAL;
}

/* ----- scorer lifecycle --------------------------------------------------- */

es_scorer_t *es_scorer_new(const es_lexicon_t *lex, es_sent_mode mode)
{
    if (!lex)
        return NULL;
    es_scorer_t *sc = es_calloc(1, sizeof *sc);
    if (!sc)
        return NULL;
    sc->lex = lex;
    sc->mode = mode;
    es__buf_init(&sc->strings, 0);
    return sc;
}

void es_scorer_free(es_scorer_t *sc)
{
    if (!sc)
        return;
    es_free(sc->toks);
    es_free(sc->low);
    es_free(sc->keys);
    es_free(sc->bits);
    es_free(sc->seen);
    es_free(sc->notes);
    es_free(sc->items);
    es__buf_cleanup(&sc->strings);
    es_free(sc);
}

/* Grows *p to hold at least n elements of size sz (never shrinks). */
static es_err reserve(void **p, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return ES_OK;
    size_t c = *cap ? *cap : 32;
    while (c < n)
        c *= 2;
    void *q = es_realloc(*p, c * sz);
    if (!q)
        return ES_ENOMEM;
    *p = q;
    *cap = c;
    return ES_OK;
}

/* The bitmaps of the byte scan (scan_bytes): one bit per byte of the text. */
enum { BM_SPACE, BM_UPPER, BM_LOWER, BM_APOS, BM_WIDE, BM_PUNCT, BM_N };

/* 64-bit words in one bitmap of a text of len bytes (with a spare word). */
static size_t bm_words(size_t len)
{
    return len / 64 + 2;
}

/* Makes the scratch space big enough for a text of len bytes: a word has at
 * least two bytes and a separator; lower-casing at most grows a word by half,
 * and care mode may lower-case a word a second time; look-ups read 16 bytes
 * from the start of a lower-cased word. */
static es_err prepare(es_scorer_t *sc, size_t len, int explain)
{
    size_t maxtok = (len + 1) / 3 + 1;
    size_t seen = 16;
    while (seen < 2 * maxtok)
        seen *= 2;
    es_err rc = reserve((void **)&sc->toks, &sc->tcap, maxtok, sizeof *sc->toks);
    if (!rc)
        rc = reserve((void **)&sc->low, &sc->lowcap, 4 * len + 48, 1);
    if (!rc)
        rc = reserve((void **)&sc->bits, &sc->bitscap, BM_N * bm_words(len), sizeof *sc->bits);
    if (!rc)
        rc = reserve((void **)&sc->keys, &sc->keycap, maxtok, sizeof *sc->keys);
    if (!rc)
        rc = reserve((void **)&sc->seen, &sc->seencap, seen, sizeof *sc->seen);
    if (!rc && explain)
        rc = reserve((void **)&sc->notes, &sc->notecap, maxtok, sizeof *sc->notes);
    return rc;
}

/* ----- splitting into VADER's words --------------------------------------- */

/* Decodes the code point at s[*i] (advancing *i); an invalid byte counts as
 * one code point of its own. */
static int32_t next_cp(const unsigned char *s, size_t n, size_t *i)
{
    unsigned char c = s[*i];
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate(s + *i, (utf8proc_ssize_t)(n - *i), &cp);
    if (k <= 0) {
        (*i)++;
        return 0xFFFD;
    }
    *i += (size_t)k;
    return cp;
}

/* Classes of ASCII bytes, for the byte-at-a-time fast paths. */
enum { BC_SPACE = 1, BC_PUNCT = 2, BC_UPPER = 4, BC_LOWER = 8, BC_EMPH = 16, BC_APOS = 32 };
#define BC(c)                                                                                      \
    ((c) == ' ' || ((c) >= '\t' && (c) <= '\r') || ((c) >= 0x1c && (c) <= 0x1f) ? BC_SPACE         \
     : ((c) >= '!' && (c) <= '/') || ((c) >= ':' && (c) <= '@') || ((c) >= '[' && (c) <= '`') ||   \
             ((c) >= '{' && (c) <= '~')                                                            \
         ? BC_PUNCT | ((c) == '!' || (c) == '?' ? BC_EMPH : 0) | ((c) == '\'' ? BC_APOS : 0)       \
     : (c) >= 'A' && (c) <= 'Z' ? BC_UPPER                                                         \
     : (c) >= 'a' && (c) <= 'z' ? BC_LOWER                                                         \
                                : 0)
#define BC4(c) BC(c), BC(c + 1), BC(c + 2), BC(c + 3)
#define BC16(c) BC4(c), BC4(c + 4), BC4(c + 8), BC4(c + 12)
#define BC64(c) BC16(c), BC16(c + 16), BC16(c + 32), BC16(c + 48)
static const uint8_t bclass[128] = {BC64(0), BC64(64)};

/* Python's str.isspace(). */
static int py_space(int32_t c)
{
    if (c < 0x80)
        return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
    return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
           c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Python's string.punctuation: the 32 ASCII punctuation characters. */
static int ascii_punct(unsigned char c)
{
    return c < 0x80 && (bclass[c] & BC_PUNCT);
}

/* True when s[0..n) (all punctuation) is one of NLTK's PUNC_LIST strings:
 * . ! ? , ; : - ' " !! !!! ?? ??? ?!? !?! ?!?! !?!? */
static int in_punc_list(const char *s, size_t n)
{
    switch (n) {
    case 1:
        switch (s[0]) {
        case '.': case '!': case '?': case ',': case ';': case ':': case '-': case '\'': case '"':
            return 1;
        default: return 0;
        }
    case 2: return (s[0] == '!' || s[0] == '?') && s[1] == s[0];
    case 3:
        return (s[0] == s[1] && s[1] == s[2] && (s[0] == '!' || s[0] == '?')) ||
               (s[0] == '?' && s[1] == '!' && s[2] == '?') ||
               (s[0] == '!' && s[1] == '?' && s[2] == '!');
    case 4: return memcmp(s, "?!?!", 4) == 0 || memcmp(s, "!?!?", 4) == 0;
    default: return 0;
    }
}

/* Code points in s[0..n) (n is small: the part of a word). */
static size_t cp_count(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

static int has_punct(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_punct((unsigned char)s[i]))
            return 1;
    return 0;
}

/* Strips the word [*off, *off + *len) of leading or trailing punctuation the
 * way NLTK's words_plus_punc dictionary does. */
static void strip_punct(const char *text, uint32_t *off, uint32_t *len)
{
    const char *s = text + *off;
    size_t n = *len, lead = 0, trail = 0;
    while (lead < n && ascii_punct((unsigned char)s[lead]))
        lead++;
    if (lead == n)
        return;
    while (trail < n && ascii_punct((unsigned char)s[n - 1 - trail]))
        trail++;
    if (lead && !trail) {
        if (in_punc_list(s, lead) && !has_punct(s + lead, n - lead) &&
            cp_count(s + lead, n - lead) > 1) {
            *off += (uint32_t)lead;
            *len -= (uint32_t)lead;
        }
    } else if (trail && !lead) {
        if (in_punc_list(s + n - trail, trail) && !has_punct(s, n - trail) &&
            cp_count(s, n - trail) > 1)
            *len -= (uint32_t)trail;
    }
}

/* strip_punct for a word of len <= 64 bytes whose ASCII punctuation bytes
 * are the bits of pw (bit i: byte i of the word): the same decisions, taken
 * on the bits instead of the bytes. */
static void strip_punct_bits(const char *text, uint32_t *off, uint32_t *len, uint64_t pw,
                             int ascii)
{
    size_t n = *len;
    uint64_t all = ~(uint64_t)0 >> (64 - n), inv = ~pw & all;
    if (!inv)
        return; /* all punctuation */
    size_t lead = (size_t)__builtin_ctzll(inv);
    size_t trail = n - 1 - (size_t)(63 - __builtin_clzll(inv));
    const char *s = text + *off;
    if (lead && !trail) {
        size_t rest = n - lead;
        if (in_punc_list(s, lead) && !(pw >> lead) &&
            (ascii ? rest : cp_count(s + lead, rest)) > 1) {
            *off += (uint32_t)lead;
            *len -= (uint32_t)lead;
        }
    } else if (trail && !lead) {
        size_t rest = n - trail;
        if (in_punc_list(s + rest, trail) && !(pw & (~(uint64_t)0 >> (64 - rest))) &&
            (ascii ? rest : cp_count(s, rest)) > 1)
            *len -= (uint32_t)trail;
    }
}

/* Care mode only: strips every leading and trailing ASCII punctuation
 * character ("#fail" -> "fail", "(late)" -> "late") while two code points
 * remain. Words that are lexicon entries as written (emoticons) are not
 * passed here. Returns 1 when the word changed. */
static int care_strip(const char *text, uint32_t *off, uint32_t *len)
{
    uint32_t o = *off, n = *len;
    while (n > 2 && ascii_punct((unsigned char)text[o]) && text[o] != '@') {
        o++;
        n--;
    }
    while (n > 2 && ascii_punct((unsigned char)text[o + n - 1]))
        n--;
    if (o == *off && n == *len)
        return 0;
    *off = o;
    *len = n;
    return 1;
}

/* ----- the byte scan ------------------------------------------------------ */

/* Sets bit i of a bitmap. */
static inline void bm_set(uint64_t *bm, size_t i)
{
    bm[i >> 6] |= (uint64_t)1 << (i & 63);
}

/* True when a bit of [a, b) (a < b) is set. */
static inline int bm_any(const uint64_t *bm, size_t a, size_t b)
{
    size_t wa = a >> 6, wb = (b - 1) >> 6;
    uint64_t ma = ~(uint64_t)0 << (a & 63), mb = ~(uint64_t)0 >> (63 - ((b - 1) & 63));
    if (wa == wb)
        return (bm[wa] & ma & mb) != 0;
    if (bm[wa] & ma)
        return 1;
    for (size_t w = wa + 1; w < wb; w++)
        if (bm[w])
            return 1;
    return (bm[wb] & mb) != 0;
}

/* The bits [a, a + n) of a bitmap (0 < n <= 64), as the low bits of a word.
 * A bitmap has a spare word at its end, so bm[w + 1] can always be read. */
static inline uint64_t bm_get(const uint64_t *bm, size_t a, size_t n)
{
    size_t w = a >> 6, sh = a & 63;
    uint64_t v = (bm[w] >> sh) | ((bm[w + 1] << 1) << (63 - sh)); /* no branch */
    return v & (~(uint64_t)0 >> (64 - n));
}

/* The first index >= i (and < n) whose bit is set (want 1) or clear (want
 * 0), or n. Bits past n are clear. */
static inline size_t bm_next(const uint64_t *bm, size_t i, size_t n, int want)
{
    while (i < n) {
        uint64_t w = want ? bm[i >> 6] : ~bm[i >> 6];
        w >>= i & 63;
        if (w) {
            i += (size_t)__builtin_ctzll(w);
            return i < n ? i : n;
        }
        i = (i | 63) + 1;
    }
    return n;
}

/* The classes of 16 bytes of text, a bit per byte: white space ' ', ASCII
 * bytes <= 0x20 (other white space candidates), upper- and lower-case ASCII
 * letters, apostrophes, non-ASCII bytes, ASCII punctuation, '!' and '?'. */
typedef struct blk {
    unsigned sp, ctl, up, lo, ap, wide, pu, ex, qu;
} blk;

#if defined(__SSE2__) && !defined(ES_SENTIMENT_SCALAR)
#include <emmintrin.h>
/* Classifies p[0..16) and writes its ASCII lower case to out[0..16), with
 * SSE2 (every x86-64 has it): a dozen instructions for 16 bytes. Signed
 * compares leave the non-ASCII bytes (negative) out of every class. */
static inline void block_masks(const unsigned char *p, unsigned char *out, blk *m)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i up = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('A' - 1)),
                               _mm_cmplt_epi8(x, _mm_set1_epi8('Z' + 1)));
    __m128i lo = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('a' - 1)),
                               _mm_cmplt_epi8(x, _mm_set1_epi8('z' + 1)));
    _mm_storeu_si128((__m128i *)(void *)out,
                     _mm_add_epi8(x, _mm_and_si128(up, _mm_set1_epi8(0x20))));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
    __m128i print = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x20)),
                                  _mm_cmplt_epi8(x, _mm_set1_epi8(0x7F)));
    m->pu = (unsigned)_mm_movemask_epi8(
        _mm_andnot_si128(_mm_or_si128(_mm_or_si128(up, lo), digit), print));
    m->up = (unsigned)_mm_movemask_epi8(up);
    m->lo = (unsigned)_mm_movemask_epi8(lo);
    m->wide = (unsigned)_mm_movemask_epi8(x);
    m->ctl = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(x, _mm_set1_epi8(0x21))) & ~m->wide;
    m->sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
    m->ap = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('\'')));
    m->ex = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('!')));
    m->qu = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('?')));
}
#else
/* The same, a byte at a time (targets without SSE2). */
static inline void block_masks(const unsigned char *p, unsigned char *out, blk *m)
{
    memset(m, 0, sizeof *m);
    for (unsigned i = 0; i < 16; i++) {
        unsigned char c = p[i];
        unsigned bit = 1u << i, b = c < 0x80 ? bclass[c] : 0;
        out[i] = (unsigned char)(c + ((b & BC_UPPER) << 3));
        m->wide |= c >= 0x80 ? bit : 0;
        m->ctl |= c < 0x21 ? bit : 0;
        m->sp |= c == ' ' ? bit : 0;
        m->up |= b & BC_UPPER ? bit : 0;
        m->lo |= b & BC_LOWER ? bit : 0;
        m->ap |= c == '\'' ? bit : 0;
        m->pu |= b & BC_PUNCT ? bit : 0;
        m->ex |= c == '!' ? bit : 0;
        m->qu |= c == '?' ? bit : 0;
    }
}
#endif

/* One pass over the text, 16 bytes at a time: writes its ASCII lower case
 * to sc->low (same offsets), fills the bitmaps (nb words each) and counts
 * '!' and '?'. White space is Python's: the rare control bytes and the
 * non-ASCII characters that may be spaces (their lead byte is C2, E1, E2 or
 * E3) are decoded one by one. */
static void scan_bytes(es_scorer_t *sc, size_t nb)
{
    const unsigned char *s = (const unsigned char *)sc->text;
    unsigned char *low = (unsigned char *)sc->low;
    size_t n = sc->text_len, excl = 0, quest = 0, w = 0;
    uint64_t *bm = sc->bits, *sp = bm + BM_SPACE * nb, any_up = 0, any_ap = 0, any_wide = 0;
    for (size_t b = 0; b < n; w++) { /* 64 bytes: a word of each bitmap */
        uint64_t v[BM_N] = {0};
        for (unsigned sh = 0; sh < 64 && b < n; sh += 16, b += 16) {
            blk m;
            if (n - b >= 16) {
                block_masks(s + b, low + b, &m);
            } else { /* the tail, padded with NULs (no class but ctl) */
                unsigned char tmp[16] = {0};
                memcpy(tmp, s + b, n - b);
                block_masks(tmp, low + b, &m);
                m.ctl &= (1u << (n - b)) - 1;
            }
            if (m.ex | m.qu) { /* rare: no popcount needed */
                for (unsigned c = m.ex; c; c &= c - 1)
                    excl++;
                for (unsigned c = m.qu; c; c &= c - 1)
                    quest++;
            }
            for (unsigned c = m.ctl & ~m.sp; c; c &= c - 1) { /* '\n' and the like */
                unsigned k = (unsigned)__builtin_ctz(c);
                if (bclass[s[b + k]] & BC_SPACE)
                    m.sp |= 1u << k;
            }
            v[BM_SPACE] |= (uint64_t)m.sp << sh;
            v[BM_UPPER] |= (uint64_t)m.up << sh;
            v[BM_LOWER] |= (uint64_t)m.lo << sh;
            v[BM_APOS] |= (uint64_t)m.ap << sh;
            v[BM_WIDE] |= (uint64_t)m.wide << sh;
            v[BM_PUNCT] |= (uint64_t)m.pu << sh;
        }
        for (int k = 0; k < BM_N; k++)
            bm[k * nb + w] = v[k];
        any_up |= v[BM_UPPER];
        any_ap |= v[BM_APOS];
        any_wide |= v[BM_WIDE];
    }
    for (; w < nb; w++) /* the words past the text read as empty */
        for (int k = 0; k < BM_N; k++)
            bm[k * nb + w] = 0;
    /* Past the text, every byte is white space: a word ends at n at the
     * latest, and the spare word stops any search. */
    sp[n >> 6] |= ~(uint64_t)0 << (n & 63);
    for (w = (n >> 6) + 1; w < nb; w++)
        sp[w] = ~(uint64_t)0;
    for (size_t j = 0; any_wide && (j = bm_next(bm + BM_WIDE * nb, j, n, 1)) < n;) {
        size_t k = j; /* a lead byte C2, E1, E2 or E3 may start a Unicode space */
        if ((s[j] == 0xC2 || (s[j] >= 0xE1 && s[j] <= 0xE3)) && py_space(next_cp(s, n, &k)))
            for (; j < k; j++)
                bm_set(sp, j);
        else
            j++;
    }
    sc->n_excl = excl;
    sc->n_quest = quest;
    sc->any_upper = any_up != 0;
    sc->any_apos = any_ap != 0;
    sc->any_wide = any_wide != 0;
}

/* Lower-cases token t into sc->low at *lowlen (as str.lower() does, with the
 * simple mappings of utf8proc plus U+0130's full one) and sets its flags
 * (str.isupper(), apostrophe, non-ASCII). Used for words with non-ASCII
 * bytes; scan_bytes lower-cases the others in place. */
static void lower_token(es_scorer_t *sc, es__tok *t, size_t *lowlen)
{
    const unsigned char *restrict s = (const unsigned char *)sc->text + t->off;
    unsigned char *restrict o = (unsigned char *)sc->low + *lowlen;
    size_t k = 0, n = t->len;
    unsigned seen = 0; /* the BC_ classes of the ASCII letters met */
    int cased = 0, lower = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            seen |= bclass[c];
            o[k++] = (unsigned char)(c + ((bclass[c] & BC_UPPER) << 3)); /* 'A' + 32 = 'a' */
            continue;
        }
        int32_t cp = next_cp(s, n, &i);
        const utf8proc_property_t *p = utf8proc_get_property(cp);
        if (p->category == UTF8PROC_CATEGORY_LL || p->category == UTF8PROC_CATEGORY_LT ||
            utf8proc_islower(cp))
            lower = 1;
        else if (p->category == UTF8PROC_CATEGORY_LU || utf8proc_isupper(cp))
            cased = 1;
        unsigned char enc[8];
        utf8proc_ssize_t m;
        if (cp == 0x130) { /* İ lowers to i + combining dot above */
            m = utf8proc_encode_char('i', enc);
            m += utf8proc_encode_char(0x307, enc + m);
        } else {
            m = utf8proc_encode_char(utf8proc_tolower(cp), enc);
        }
        for (utf8proc_ssize_t j = 0; j < m; j++)
            o[k++] = enc[j];
    }
    t->loff = (uint32_t)*lowlen;
    t->llen = (uint32_t)k;
    *lowlen += k;
    cased |= (seen & BC_UPPER) != 0;
    lower |= (seen & BC_LOWER) != 0;
    if (cased && !lower)
        t->tflags |= ES__T_UPPER;
    if (seen & BC_APOS)
        t->tflags |= ES__T_APOS;
    t->tflags |= ES__T_WIDE;
}

static int tok_eq(const es_scorer_t *sc, const es__tok *t, const char *s, size_t n)
{
    return t->len == n && memcmp(sc->text + t->off, s, n) == 0;
}

/* True when bitmap k has a bit in the bytes of token t. */
static inline int tok_has(const es_scorer_t *sc, const es__tok *t, int k)
{
    const uint64_t *bm = sc->bits + (size_t)k * sc->nb;
    if (t->len <= 64) /* always but in pathological texts */
        return bm_get(bm, t->off, t->len) != 0;
    return bm_any(bm, t->off, (size_t)t->off + t->len);
}

/* str.isupper() of an ASCII token, from the bitmaps. */
static inline int ascii_isupper(const es_scorer_t *sc, const es__tok *t)
{
    return sc->any_upper && tok_has(sc, t, BM_UPPER) && !tok_has(sc, t, BM_LOWER);
}

/* The lower case of an ASCII token is the scan's copy of the text at the
 * same offsets: point t at it and read its apostrophes from the bitmaps. Its
 * case is read later, and only when it matters (classify). */
static inline void use_lowered(const es_scorer_t *sc, es__tok *t)
{
    t->loff = t->off;
    t->llen = t->len;
    if (sc->any_apos && tok_has(sc, t, BM_APOS))
        t->tflags |= ES__T_APOS;
}

/* Lower-cases token idx (the scan's copy when the word is ASCII,
 * lower_token otherwise), sets its case flags and prepares its look-up,
 * asking for the table slot in advance: classify reads it a few words
 * later, once the whole text is split, so the look-ups of a text overlap
 * instead of each waiting for memory in turn. */
static void lower_and_key(es_scorer_t *sc, size_t idx, size_t *lowlen, int ascii)
{
    es__tok *t = &sc->toks[idx];
    t->tflags = 0;
    if (ascii)
        use_lowered(sc, t);
    else
        lower_token(sc, t, lowlen);
    es__lexicon_key(sc->lex, sc->low + t->loff, t->llen, &sc->keys[idx]);
    es__lexicon_prefetch(sc->lex, &sc->keys[idx]);
}

/* Care mode only: a word that is not a lexicon entry as written loses its
 * outer punctuation (care_strip) and is looked up again. An ASCII word's
 * lower case is part of the one already written; another is lower-cased
 * again at the end of sc->low (lowlen). */
static void care_restrip(es_scorer_t *sc, es__tok *t, size_t *lowlen)
{
    uint32_t off0 = t->off;
    if (!care_strip(sc->text, &t->off, &t->len))
        return;
    if (t->tflags & ES__T_WIDE) {
        t->tflags = 0;
        lower_token(sc, t, lowlen);
    } else { /* the flags of the whole word stand, as for the word */
        t->loff += t->off - off0;
        t->llen = t->len;
    }
    t->e = es__lexicon_find(sc->lex, sc->low + t->loff, t->llen);
}

/* Classifies token idx once the text is split: its entry, its flags and its
 * first occurrence. */
static void classify(es_scorer_t *sc, size_t idx, size_t *lowlen, size_t seenmask)
{
    es__tok *t = &sc->toks[idx];
    t->e = es__lexicon_get(sc->lex, &sc->keys[idx]);
    if (sc->mode == ES_MODE_CARE && !(t->e && (t->e->flags & ES__W_LEX)))
        care_restrip(sc, t, lowlen);
    const char *low = sc->low + t->loff;
    if (t->llen >= 3 && (t->tflags & ES__T_APOS)) {
        for (size_t i = 0; i + 3 <= t->llen; i++)
            if (low[i] == 'n' && low[i + 1] == '\'' && low[i + 2] == 't')
                t->tflags |= ES__T_NT;
    }
    /* ALL CAPS matters only for a word the table knows (a lexicon word or a
     * booster) and, when one is in capitals, for the count of capitalised
     * words (count_upper); the case of other ASCII words is not read. */
    if (t->e && !(t->tflags & ES__T_WIDE) && ascii_isupper(sc, t))
        t->tflags |= ES__T_UPPER;
    if (t->e && (t->tflags & ES__T_UPPER))
        sc->upper_entry = 1;
    /* The first identical token: equal words have the same entry.
     * Only a word that the table knows can score differently in another
     * place; any other word scores 0 wherever it is, so it is its own first. */
    t->first = (uint32_t)idx;
    if (!t->e)
        return;
    if (t->e->flags & ES__W_EXACT) { /* its lower case is so, this or never */
        const char *w = sc->text + t->off; /* case-sensitive, as NLTK compares */
        if (t->len == 2 && w[0] == 's' && w[1] == 'o')
            t->tflags |= ES__T_SO;
        else if (t->len == 4 && memcmp(w, "this", 4) == 0)
            t->tflags |= ES__T_THIS;
        else if (t->len == 5 && memcmp(w, "never", 5) == 0)
            t->tflags |= ES__T_NEVER;
    }
    if (sc->first_but == SIZE_MAX && (t->e->flags & ES__W_BUT))
        sc->first_but = idx;
    if (t->e->flags & ES__W_IDIOM)
        t->tflags |= ES__T_IDIOM;
    uint64_t h = (uint64_t)(uintptr_t)t->e * 0x9E3779B97F4A7C15ULL; /* equal words, equal entry */
    size_t j = (size_t)(h >> 40) & seenmask;
    for (;; j = (j + 1) & seenmask) {
        uint32_t s = sc->seen[j];
        if (!s) {
            sc->seen[j] = (uint32_t)idx + 1;
            t->first = (uint32_t)idx;
            return;
        }
        const es__tok *u = &sc->toks[s - 1];
        if (u->len == t->len && memcmp(sc->text + u->off, sc->text + t->off, t->len) == 0) {
            t->first = s - 1;
            return;
        }
    }
}

/* Walks the words of a text over its white space bitmap, whose bits past
 * the text are set (scan_bytes). */
typedef struct word_iter {
    const uint64_t *sp;
    size_t nw;     /* 64-bit words that hold the text */
    size_t wi;     /* the word being read */
    uint64_t rest; /* its bytes not yet read that are not white space */
} word_iter;

/* The next word [*start, *end); 0 at the end of the text. */
static inline int next_word(word_iter *it, size_t *start, size_t *end)
{
    while (!it->rest) {
        if (++it->wi >= it->nw)
            return 0;
        it->rest = ~it->sp[it->wi];
    }
    *start = (it->wi << 6) + (size_t)__builtin_ctzll(it->rest);
    uint64_t after = it->sp[it->wi] & (~(uint64_t)0 << (*start & 63)); /* spaces after it */
    while (!after) /* the word goes on into the next 64 bytes */
        after = it->sp[++it->wi];
    *end = (it->wi << 6) + (size_t)__builtin_ctzll(after);
    it->rest = ~it->sp[it->wi] & (~(uint64_t)0 << (*end & 63));
    return 1;
}

/* Splits the text into VADER's words_and_emoticons (Python's str.split(),
 * words of one code point dropped, punctuation stripped as NLTK strips it)
 * from the bitmaps of scan_bytes, then classifies the words. */
static void split_words(es_scorer_t *sc)
{
    size_t n = sc->text_len, nb = bm_words(n), lowlen = n + 16, start, end;
    size_t maxtok = (n + 1) / 3 + 1, seen = 16;
    while (seen < 2 * maxtok)
        seen *= 2;
    memset(sc->seen, 0, seen * sizeof *sc->seen);
    sc->ntok = 0;
    sc->upper_entry = 0;
    sc->nb = nb;
    sc->first_but = SIZE_MAX;
    scan_bytes(sc, nb);
    const uint64_t *sp = sc->bits + BM_SPACE * nb, *wide = sc->bits + BM_WIDE * nb;
    const uint64_t *punct = sc->bits + BM_PUNCT * nb;
    word_iter it = {sp, (n + 63) / 64, 0, ~sp[0]};
    while (next_word(&it, &start, &end)) {
        size_t len = end - start;
        int ascii = !sc->any_wide ||
                    (len <= 64 ? !bm_get(wide, start, len) : !bm_any(wide, start, end));
        if ((ascii ? len : cp_count(sc->text + start, len)) < 2)
            continue;
        es__tok *t = &sc->toks[sc->ntok];
        t->off = (uint32_t)start;
        t->len = (uint32_t)len;
        if (len > 64) {
            strip_punct(sc->text, &t->off, &t->len);
        } else {
            uint64_t pw = bm_get(punct, start, len);
            if (pw & ((uint64_t)1 | (uint64_t)1 << (len - 1))) /* punctuation at an end */
                strip_punct_bits(sc->text, &t->off, &t->len, pw, ascii);
        }
        lower_and_key(sc, sc->ntok, &lowlen, ascii);
        sc->ntok++;
    }
    for (size_t k = 0; k < sc->ntok; k++)
        classify(sc, k, &lowlen, seen - 1);
}

/* ----- the VADER rules ------------------------------------------------------ */

int es__tok_is(const es_scorer_t *sc, size_t i, const char *s)
{
    const es__tok *t = &sc->toks[i];
    size_t n = strlen(s);
    return t->llen == n && memcmp(sc->low + t->loff, s, n) == 0;
}

void es__note_add(es_scorer_t *sc, size_t i, const char *fmt, ...)
{
    if (!sc->explain)
        return;
    es__note *nt = &sc->notes[i];
    size_t room = sizeof nt->why - nt->len;
    if (room < 8)
        return;
    int k = 0;
    if (nt->len) {
        memcpy(nt->why + nt->len, "; ", 3);
        nt->len += 2;
        room -= 2;
    }
    va_list ap;
    va_start(ap, fmt);
    k = vsnprintf(nt->why + nt->len, room, fmt, ap);
    va_end(ap);
    if (k > 0)
        nt->len += (size_t)k < room ? (size_t)k : room - 1;
}

/* True when the token counts as "in the lexicon": VADER's lexicon, or in care
 * mode also the care words that carry a valence. */
static int in_lex(const es_scorer_t *sc, const es__tok *t)
{
    if (!t->e)
        return 0;
    if (sc->mode == ES_MODE_CARE && (t->e->flags & ES__W_CARE)) {
        if (t->e->cclass & ES__CC_ZERO)
            return 0;
        if (t->e->care != 0)
            return 1;
    }
    return (t->e->flags & ES__W_LEX) != 0;
}

static int negated(const es__tok *t)
{
    return (t->tflags & ES__T_NT) || (t->e && (t->e->flags & ES__W_NEG));
}

static int has_flag(const es__tok *t, uint32_t f)
{
    return t->e && (t->e->flags & f);
}

/* NLTK's scalar_inc_dec: what preceding word w adds to valence v. */
static double scalar_inc_dec(const es__tok *w, double v, int cap_diff)
{
    double s = 0.0;
    if (has_flag(w, ES__W_BOOST)) {
        s = w->e->booster;
        if (v < 0)
            s *= -1;
        if ((w->tflags & ES__T_UPPER) && cap_diff) {
            if (v > 0)
                s += C_INCR;
            else
                s -= C_INCR;
        }
    }
    return s;
}

static double never_check(es_scorer_t *sc, double v, size_t start, size_t i)
{
    const es__tok *w = sc->toks;
    const uint32_t so_this = ES__T_SO | ES__T_THIS;
    if (start == 0) {
        if (negated(&w[i - 1])) {
            v = v * N_SCALAR;
            ES__NOTE(sc, i, "negated by '%.*s' x-0.74", (int)w[i - 1].len,
                         sc->text + w[i - 1].off);
        }
    } else if (start == 1) {
        if ((w[i - 2].tflags & ES__T_NEVER) && (w[i - 1].tflags & so_this)) {
            v = v * 1.5;
            ES__NOTE(sc, i, "'never so/this' x1.5");
        } else if (negated(&w[i - 2])) {
            v = v * N_SCALAR;
            ES__NOTE(sc, i, "negated by '%.*s' x-0.74", (int)w[i - 2].len,
                         sc->text + w[i - 2].off);
        }
    } else {
        if (((w[i - 3].tflags & ES__T_NEVER) && (w[i - 2].tflags & so_this)) ||
            (w[i - 1].tflags & so_this)) {
            v = v * 1.25;
            ES__NOTE(sc, i, "'never so/this' x1.25");
        } else if (negated(&w[i - 3])) {
            v = v * N_SCALAR;
            ES__NOTE(sc, i, "negated by '%.*s' x-0.74", (int)w[i - 3].len,
                         sc->text + w[i - 3].off);
        }
    }
    return v;
}

/* True when tokens from..from+k-1 are exactly the words w[0..k). */
static int words_are(const es_scorer_t *sc, size_t from, size_t k, const char *const *w)
{
    for (size_t j = 0; j < k; j++)
        if (!tok_eq(sc, &sc->toks[from + j], w[j], strlen(w[j])))
            return 0;
    return 1;
}

/* The idiom whose words are tokens from..from+k-1, or -1. */
static int idiom_at(const es_scorer_t *sc, size_t from, size_t k)
{
    for (size_t j = 0; j < k; j++) /* a cheap refusal first */
        if (!sc->toks[from + j].e || !(sc->toks[from + j].e->flags & ES__W_IDIOM))
            return -1;
    for (size_t d = 0; d < sizeof idioms / sizeof idioms[0]; d++) {
        size_t len = idioms[d].w[2] ? 3 : 2;
        if (len == k && words_are(sc, from, k, idioms[d].w))
            return (int)d;
    }
    return -1;
}

static int booster_bigram_at(const es_scorer_t *sc, size_t from)
{
    for (size_t j = 0; j < 2; j++)
        if (!sc->toks[from + j].e || !(sc->toks[from + j].e->flags & ES__W_IDIOM))
            return 0;
    for (size_t d = 0; d < sizeof booster_bigrams / sizeof booster_bigrams[0]; d++)
        if (words_are(sc, from, 2, booster_bigrams[d]))
            return 1;
    return 0;
}

/* NLTK's _idioms_check for the word at i (i >= 3). */
static double idioms_check(es_scorer_t *sc, double v, size_t i)
{
    static const size_t seq[5][2] = {{1, 2}, {2, 3}, {2, 2}, {3, 3}, {3, 2}}; /* back, len */
    size_t n = sc->ntok;
    /* Every idiom and bigram below is a run of two or more idiom words
     * within tokens i-3..i+2: without two adjacent ones nothing matches. */
    unsigned m = 0;
    for (size_t k = 0; k < 6 && i - 3 + k < n; k++)
        m |= (sc->toks[i - 3 + k].tflags & ES__T_IDIOM) ? 1u << k : 0;
    if (!(m & (m >> 1)))
        return v;
    for (size_t q = 0; q < 5; q++) {
        int d = idiom_at(sc, i - seq[q][0], seq[q][1]);
        if (d >= 0) {
            v = idioms[d].valence;
            ES__NOTE(sc, i, "idiom -> %.1f", v);
            break;
        }
    }
    int d;
    if (n - 1 > i && (d = idiom_at(sc, i, 2)) >= 0) {
        v = idioms[d].valence;
        ES__NOTE(sc, i, "idiom -> %.1f", v);
    }
    if (n - 1 > i + 1 && (d = idiom_at(sc, i, 3)) >= 0) {
        v = idioms[d].valence;
        ES__NOTE(sc, i, "idiom -> %.1f", v);
    }
    if (booster_bigram_at(sc, i - 3) || booster_bigram_at(sc, i - 2)) {
        v = v + B_DECR;
        ES__NOTE(sc, i, "dampener bigram -0.293");
    }
    return v;
}

static double least_check(es_scorer_t *sc, double v, size_t i)
{
    const es__tok *w = sc->toks;
    if (i > 1 && !in_lex(sc, &w[i - 1]) && has_flag(&w[i - 1], ES__W_LEAST)) {
        if (!has_flag(&w[i - 2], ES__W_AT) && !has_flag(&w[i - 2], ES__W_VERY)) {
            v = v * N_SCALAR;
            ES__NOTE(sc, i, "negated by 'least' x-0.74");
        }
    } else if (i > 0 && !in_lex(sc, &w[i - 1]) && has_flag(&w[i - 1], ES__W_LEAST)) {
        v = v * N_SCALAR;
        ES__NOTE(sc, i, "negated by 'least' x-0.74");
    }
    return v;
}

/* NLTK's sentiment_valence for the word at i. */
static double word_valence(es_scorer_t *sc, size_t i, int cap_diff)
{
    const es__tok *t = &sc->toks[i];
    if (!in_lex(sc, t))
        return 0;
    double v;
    if (sc->mode == ES_MODE_CARE && (t->e->flags & ES__W_CARE) && t->e->care != 0) {
        v = t->e->care;
        ES__NOTE(sc, i, "care lexicon %.2f", v);
    } else {
        v = t->e->valence;
        ES__NOTE(sc, i, "lexicon %.2f", v);
    }
    if ((t->tflags & ES__T_UPPER) && cap_diff) {
        ES__NOTE(sc, i, "ALL CAPS %+.3f", v > 0 ? C_INCR : -C_INCR);
        v = v > 0 ? v + C_INCR : v - C_INCR;
    }
    for (size_t start = 0; start < 3; start++) {
        if (i <= start || in_lex(sc, &sc->toks[i - (start + 1)]))
            continue;
        const es__tok *w = &sc->toks[i - (start + 1)];
        double s = scalar_inc_dec(w, v, cap_diff);
        if (start == 1 && s != 0)
            s = s * 0.95;
        if (start == 2 && s != 0)
            s = s * 0.9;
        v = v + s;
        if (s != 0)
            ES__NOTE(sc, i, "booster '%.*s' %+.3f", (int)w->len, sc->text + w->off, s);
        v = never_check(sc, v, start, i);
        if (start == 2)
            v = idioms_check(sc, v, i);
    }
    return least_check(sc, v, i);
}

/* The tokens in ALL CAPS (str.isupper()), for NLTK's allcap_differential. */
static size_t count_upper(const es_scorer_t *sc)
{
    size_t upper = 0;
    for (size_t i = 0; i < sc->ntok; i++) {
        const es__tok *t = &sc->toks[i];
        if (t->e || (t->tflags & ES__T_WIDE)) /* their flag is set */
            upper += (t->tflags & ES__T_UPPER) != 0;
        else
            upper += ascii_isupper(sc, t);
    }
    return upper;
}

/* Computes every token's valence: NLTK's polarity_scores loop and but-check. */
static void token_valences(es_scorer_t *sc)
{
    size_t n = sc->ntok;
    es__tok *w = sc->toks;
    int cap_diff = 0; /* read only with a capitalised word that the table knows */
    if (sc->upper_entry) {
        size_t upper = count_upper(sc);
        cap_diff = n - upper > 0 && n - upper < n;
    }
    for (size_t i = 0; i < n; i++) {
        if (sc->explain)
            sc->notes[i].len = 0;
        if (!w[i].e) { /* a word the table does not know (its own first) scores 0 */
            w[i].sent = 0;
            continue;
        }
        if (w[i].first != i) { /* NLTK scores a repeat at its first index */
            w[i].sent = w[w[i].first].sent;
            if (sc->explain)
                sc->notes[i] = sc->notes[w[i].first];
            continue;
        }
        if (has_flag(&w[i], ES__W_BOOST) ||
            (i < n - 1 && has_flag(&w[i], ES__W_KIND) && has_flag(&w[i + 1], ES__W_OF))) {
            w[i].sent = 0;
            continue;
        }
        w[i].sent = word_valence(sc, i, cap_diff);
    }
    size_t b = sc->first_but; /* NLTK's _but_check: the first "but" only */
    for (size_t j = 0; b != SIZE_MAX && j < n; j++) {
        if (j == b || w[j].sent == 0)
            continue;
        w[j].sent = w[j].sent * (j < b ? 0.5 : 1.5);
        ES__NOTE(sc, j, "%s 'but' x%s", j < b ? "before" : "after", j < b ? "0.5" : "1.5");
    }
}

/* ----- from valences to scores -------------------------------------------- */

/* Python's round(x, digits): the double nearest to x correctly rounded to
 * that many decimals (ties to even on the exact binary value). The fast path
 * is exact unless x * 10^digits lies within rounding noise of a half, where
 * the decimal conversion of the C library decides, as Python's dtoa does. */
static double py_round(double x, int digits)
{
    double scale = digits == 4 ? 1e4 : 1e3;
    double y = x * scale; /* |y| <= 10^4: integer conversions are exact */
    double frac = fabs(y - (double)(long long)y);
    if (fabs(frac - 0.5) > 1e-6) /* not near a tie: round half away is right */
        return (double)(long long)(y + (y < 0 ? -0.5 : 0.5)) / scale;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", digits, x);
    return strtod(buf, NULL);
}

/* NLTK's _punctuation_emphasis: '!' (up to 4) and '?' (2 or more). */
static double punct_emphasis(const es_scorer_t *sc)
{
    size_t e = sc->n_excl, q = sc->n_quest;
    if (e > 4)
        e = 4;
    double amp = (double)e * 0.292, qa = 0.0;
    if (q > 1)
        qa = q <= 3 ? (double)q * 0.18 : 0.96;
    return amp + qa;
}

/* NLTK's score_valence over the token valences. */
static void score_valence(es_scorer_t *sc, es_sentiment *out, double *sum_out, double *amp_out)
{
    size_t n = sc->ntok;
    memset(out, 0, sizeof *out);
    *sum_out = *amp_out = 0;
    if (!n)
        return;
    /* One pass, without branches on the valences (they are unpredictable);
     * each sum adds in NLTK's order, adding +0.0 where NLTK adds nothing. */
    double sum = 0.0, pos = 0.0, neg = 0.0;
    size_t neu = 0;
    for (size_t i = 0; i < n; i++) {
        double s = sc->toks[i].sent;
        sum += s;
        pos += s > 0 ? s + 1 : 0.0;
        neg += s < 0 ? s - 1 : 0.0;
        neu += s == 0;
    }
    double amp = punct_emphasis(sc);
    if (sum > 0)
        sum += amp;
    else if (sum < 0)
        sum -= amp;
    double compound = sum / sqrt((sum * sum) + 15);
    if (pos > fabs(neg))
        pos += amp;
    else if (pos < fabs(neg))
        neg -= amp;
    double total = pos + fabs(neg) + (double)neu;
    out->compound = py_round(compound, 4);
    out->pos = py_round(fabs(pos / total), 3);
    out->neg = py_round(fabs(neg / total), 3);
    out->neu = py_round(fabs((double)neu / total), 3);
    out->label = es_polarity_of(out->compound);
    *sum_out = sum;
    *amp_out = amp;
}

/* Builds the explanation items and the summary line from the notes. */
static es_err build_explanation(es_scorer_t *sc, double sum, double amp, const es_sentiment *r)
{
    es__buf *b = &sc->strings;
    es_err rc = reserve((void **)&sc->items, &sc->itemcap, sc->ntok + 1, sizeof *sc->items);
    es__buf_reset(b);
    if (rc)
        return rc;
    /* Offsets first: the buffer may move while it grows. */
    for (size_t i = 0; i < sc->ntok && !rc; i++) {
        const es__tok *t = &sc->toks[i];
        sc->items[i].valence = t->sent;
        sc->items[i].token = (const char *)(uintptr_t)b->len;
        rc = es__buf_add(b, sc->text + t->off, t->len);
        if (!rc)
            rc = es__buf_addc(b, '\0');
        sc->items[i].why = (const char *)(uintptr_t)b->len;
        if (!rc)
            rc = es__buf_add(b, sc->notes[i].why, sc->notes[i].len);
        if (!rc)
            rc = es__buf_addc(b, '\0');
    }
    size_t summary = b->len;
    if (!rc)
        rc = es__buf_printf(b, "mode %s, sum %.4f", es_sent_mode_name(sc->mode), sum);
    if (!rc && amp != 0 && sum != 0)
        rc = es__buf_printf(b, ", punctuation emphasis %+.3f", sum > 0 ? amp : -amp);
    if (!rc)
        rc = es__buf_printf(b, ", normalised %.4f (pos %.3f neu %.3f neg %.3f) -> %s", r->compound,
                            r->pos, r->neu, r->neg, es_polarity_name(r->label));
    if (rc)
        return rc;
    for (size_t i = 0; i < sc->ntok; i++) {
        sc->items[i].token = b->data + (uintptr_t)sc->items[i].token;
        sc->items[i].why = b->data + (uintptr_t)sc->items[i].why;
    }
    sc->nitems = sc->ntok;
    sc->summary = b->data + summary;
    return ES_OK;
}

es_err es_scorer_score(es_scorer_t *sc, const char *text, size_t len, es_sentiment *out,
                       int explain)
{
    sc->nitems = 0;
    sc->summary = NULL;
    memset(out, 0, sizeof *out);
    if (len > ES_MAX_TEXT)
        return ES_ELIMIT;
    es_err rc = prepare(sc, len, explain);
    if (rc)
        return rc;
    sc->text = text ? text : "";
    sc->text_len = len;
    sc->explain = explain;
    split_words(sc);
    token_valences(sc);
    if (sc->mode == ES_MODE_CARE)
        es__care_apply(sc);
    double sum, amp;
    score_valence(sc, out, &sum, &amp);
    if (explain)
        rc = build_explanation(sc, sum, amp, out);
    sc->text = NULL;
    return rc;
}

const es_explain_item *es_scorer_explain(const es_scorer_t *sc, size_t *n, const char **summary)
{
    if (n)
        *n = sc->nitems;
    if (summary)
        *summary = sc->summary ? sc->summary : "";
    return sc->items;
}
