/*
 * features.c - the features of a mention for the learned models, and the
 * labelled data sets they are trained on (include/earshot/learn.h).
 *
 * The text is NFKC-normalised and case-folded (ASCII text, most of it, by a
 * table, which gives the same bytes as es_text_fold; other text through
 * es_text_fold), tokenised (es_tokenize), and hashed to 32 bits: every word
 * unigram (handles, URLs and numbers stand for their kind) and bigram
 * (ASCII text is split by a tokenizer of its own, below, with es_tokenize's
 * token kinds at a fraction of its cost), and
 * every byte 4-gram of the folded text. A word of up to 8 bytes and a
 * 4-gram are hashed by one multiplication of their bytes loaded as an
 * integer, longer words by XXH3, a bigram by mixing its words' hashes: a
 * few instructions a feature, since features and the dot products over
 * them are what the speed budget of issue 5 is spent on. (3- and 5-grams
 * as well cost twice the time for no accuracy on the airline data:
 * docs/learning.md.) A model of 2^bits buckets takes a
 * hash's top bits. Each occurrence weighs 1/sqrt(occurrences), so a text's
 * hashed part has about unit length whatever its size, and repeated hashes
 * simply add up: prediction never sorts. After the buckets come the dense
 * rule features: compound, pos, neu, neg, one-hot intent, the cue bits and
 * the flag bits.
 *
 * Called by the `earshot train`/`eval` commands, the ingest pipeline and
 * the server (one feature buffer per thread), and by explain.c, which names
 * the features. Computing features never allocates once the buffer has
 * grown to the texts' size.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "earshot/text.h"
#include "learn/learn.h"

#define MAX_TOKENS 512
/* Seeds keep the kinds of features apart in the hash space. */
#define SEED_WORD 0x9e3779b97f4a7c15ull
#define SEED_BIGRAM 0xc2b2ae3d27d4eb4full
/* Odd multipliers of the short words and of the character 4-grams. */
#define MUL_WORD 0x165667b19e3779f9ull
#define MUL_GRAM 0x9e3779b97f4a7c15ull
#define GRAM 4 /* bytes of a character n-gram */

const char *const es__learn_dense_names[ES_LEARN_N_DENSE] = {
    "rule:compound",        "rule:pos",           "rule:neu",
    "rule:neg",             "rule:intent:other",  "rule:intent:complaint",
    "rule:intent:question", "rule:intent:request", "rule:intent:praise",
    "rule:intent:spam",     "rule:cue:repeat",    "rule:cue:waiting",
    "rule:cue:safety",      "rule:cue:legal",     "rule:cue:churn",
    "rule:flag:spam",       "rule:flag:freebie",  "rule:flag:coordinated",
    "rule:flag:duplicate"};

es_learn_feat_t *es_learn_feat_new(unsigned hash_bits)
{
    if (hash_bits < ES_LEARN_MIN_BITS || hash_bits > ES_LEARN_MAX_BITS)
        return NULL;
    es_learn_feat_t *f = es_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->bits = hash_bits;
    f->cap = 1024;
    f->scap = 512;
    f->h = es_malloc(f->cap * sizeof *f->h);
    f->scratch = es_malloc(f->scap);
    if (!f->h || !f->scratch) {
        es_learn_feat_free(f);
        return NULL;
    }
    return f;
}

void es_learn_feat_free(es_learn_feat_t *f)
{
    if (!f)
        return;
    es_free(f->h);
    es_free(f->scratch);
    es_free(f);
}

unsigned es_learn_feat_bits(const es_learn_feat_t *f)
{
    return f->bits;
}

/* Makes room for `more` hashed features. ES_ENOMEM, ES_ELIMIT. */
static es_err reserve(es_learn_feat_t *f, size_t more)
{
    if (f->n + more <= f->cap)
        return ES_OK;
    size_t cap = f->cap;
    while (cap < f->n + more)
        cap *= 2;
    if (cap > UINT32_MAX / 8)
        return ES_ELIMIT;
    uint32_t *h = es_realloc(f->h, cap * sizeof *h);
    if (!h)
        return ES_ENOMEM;
    f->h = h;
    f->cap = (uint32_t)cap;
    return ES_OK;
}

/* Makes f->scratch hold n bytes plus the padding. */
static es_err scratch(es_learn_feat_t *f, size_t n)
{
    if (n + 9 <= f->scap)
        return ES_OK;
    if (n > ES_MAX_TEXT * 4)
        return ES_ELIMIT;
    char *p = es_realloc(f->scratch, n + 9);
    if (!p)
        return ES_ENOMEM;
    f->scratch = p;
    f->scap = n + 9;
    return ES_OK;
}

es_err es__learn_fold(es_learn_feat_t *f, const es_mention_t *m, es_arena_t *a, const char **s,
                      size_t *n)
{
    const char *text = m->text ? m->text : "";
    size_t len = strlen(text), i = 0;
    const char *src = text;
    unsigned char any = 0;
    for (; i < len; i++)
        any |= (unsigned char)text[i];
    if (any & 0x80) { /* not ASCII: the full fold */
        char *folded = NULL;
        es_err rc = es_text_fold(a, text, len, &folded, &len);
        if (rc)
            return rc;
        src = folded;
    }
    es_err rc = scratch(f, len);
    if (rc)
        return rc;
    char *d = f->scratch;
    if (src == text)
        for (i = 0; i < len; i++) {
            unsigned char c = (unsigned char)src[i];
            d[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
    else
        memcpy(d, src, len);
    memset(d + len, 0, 9);
    *s = d;
    *n = len;
    return ES_OK;
}

/* The hash of a string of up to 8 bytes at p (8 readable) by one
 * multiplication of its bytes as an integer, in the top 32 bits. */
static inline uint64_t short_hash(const char *p, size_t len, uint64_t mul)
{
    uint64_t x;
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x); /* the same hashes on every machine */
#endif
    if (len < 8)
        x &= (1ull << (8 * len)) - 1;
    return (x ^ len) * mul;
}

/* The 64-bit hash of one token: its text, or its kind for handles, URLs
 * and numbers (which rarely repeat but say something as a kind). The
 * tokens of the text s are followed by 8 readable bytes. */
static uint64_t token_hash(const char *s, const es_token *t)
{
    switch (t->kind) {
    case ES_TOK_HANDLE: return short_hash("<@>\0\0\0\0\0", 3, MUL_WORD);
    case ES_TOK_URL: return short_hash("<url>\0\0\0", 5, MUL_WORD);
    case ES_TOK_NUMBER: return short_hash("<num>\0\0\0", 5, MUL_WORD);
    default:
        return t->len <= 8 ? short_hash(s + t->off, t->len, MUL_WORD)
                           : XXH3_64bits_withSeed(s + t->off, t->len, SEED_WORD);
    }
}

/* The hash of the bigram of two words' hashes a and b. */
static inline uint32_t bigram_hash(uint64_t a, uint64_t b)
{
    uint64_t x = (a ^ SEED_BIGRAM) * MUL_GRAM + (b >> 29 | b << 35);
    x ^= x >> 31;
    return (uint32_t)((x * MUL_WORD) >> 32);
}

/* ---- the ASCII tokenizer -------------------------------------------------- */

/* Word bytes of folded ASCII text: letters, digits, apostrophe, underscore. */
static const uint8_t word_byte[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['\''] = 1, ['_'] = 1, ['a'] = 2, ['b'] = 2, ['c'] = 2, ['d'] = 2,
    ['e'] = 2, ['f'] = 2, ['g'] = 2, ['h'] = 2, ['i'] = 2, ['j'] = 2, ['k'] = 2, ['l'] = 2,
    ['m'] = 2, ['n'] = 2, ['o'] = 2, ['p'] = 2, ['q'] = 2, ['r'] = 2, ['s'] = 2, ['t'] = 2,
    ['u'] = 2, ['v'] = 2, ['w'] = 2, ['x'] = 2, ['y'] = 2, ['z'] = 2};

static int starts(const char *s, size_t n, const char *p)
{
    size_t l = strlen(p);
    return n >= l && memcmp(s, p, l) == 0;
}

/* Splits folded ASCII s[0..n) into at most max tokens, as es_tokenize does
 * for what the features need (words, numbers, @handles, #hashtags, URLs,
 * runs of punctuation), in a single pass of table look-ups: es_tokenize's
 * Unicode classes and emoticon and emoji rules are most of a feature
 * pass's time, and ASCII text, most of it, needs none of them. Other text
 * goes through es_tokenize. Returns the tokens written. */
static size_t ascii_tokens(const char *s, size_t n, es_token *t, size_t max)
{
    size_t i = 0, nt = 0;
    while (i < n && nt < max) {
        unsigned char c = (unsigned char)s[i];
        size_t st = i;
        uint8_t kind;
        if (c <= ' ') {
            i++;
            continue;
        }
        if ((c == 'h' && (starts(s + i, n - i, "http://") || starts(s + i, n - i, "https://"))) ||
            (c == 'w' && starts(s + i, n - i, "www."))) {
            while (i < n && (unsigned char)s[i] > ' ')
                i++;
            kind = ES_TOK_URL;
        } else if ((c == '@' || c == '#') && i + 1 < n && word_byte[(unsigned char)s[i + 1]]) {
            for (i++; i < n && word_byte[(unsigned char)s[i]]; i++)
                ;
            kind = c == '@' ? ES_TOK_HANDLE : ES_TOK_HASHTAG;
        } else if (word_byte[c]) {
            unsigned letters = 0;
            for (; i < n; i++) {
                unsigned char b = (unsigned char)s[i];
                if (word_byte[b]) {
                    letters |= word_byte[b] & 2;
                    continue;
                }
                /* 2.5, 10:30, 1,000 stay one number */
                if ((b == '.' || b == ',' || b == ':') && !letters && i + 1 < n &&
                    word_byte[(unsigned char)s[i + 1]] == 1 && s[i + 1] != '\'' &&
                    s[i + 1] != '_')
                    continue;
                break;
            }
            kind = letters ? ES_TOK_WORD : ES_TOK_NUMBER;
        } else {
            while (i < n && (unsigned char)s[i] > ' ' && !word_byte[(unsigned char)s[i]] &&
                   s[i] != '@' && s[i] != '#')
                i++;
            if (i == st)
                i++;
            kind = ES_TOK_PUNCT;
        }
        t[nt].off = (uint32_t)st;
        t[nt].len = (uint32_t)(i - st);
        t[nt].kind = kind;
        t[nt++].flags = 0;
    }
    return nt;
}

/* Names the word features of toks[0..nt) for an explanation. */
static es_err name_words(const char *s, const es_token *toks, size_t nt, const uint32_t *h,
                         es__learn_namer namer, void *ud)
{
    static const char *const kinds[] = {[ES_TOK_HANDLE] = "<@>", [ES_TOK_URL] = "<url>",
                                        [ES_TOK_NUMBER] = "<num>"};
    char both[512];
    es_err rc = ES_OK;
    for (size_t i = 0, j = 0; i < nt && !rc; i++) {
        const es_token *t = &toks[i];
        int kind = t->kind == ES_TOK_HANDLE || t->kind == ES_TOK_URL || t->kind == ES_TOK_NUMBER;
        const char *w = kind ? kinds[t->kind] : s + t->off;
        size_t wl = kind ? strlen(w) : t->len;
        rc = namer(ud, h[j++], 'w', w, wl);
        if (i == 0 || rc)
            continue;
        const es_token *p = &toks[i - 1];
        int pk = p->kind == ES_TOK_HANDLE || p->kind == ES_TOK_URL || p->kind == ES_TOK_NUMBER;
        const char *pw = pk ? kinds[p->kind] : s + p->off;
        size_t pl = pk ? strlen(pw) : p->len;
        if (pl > 250)
            pl = 250;
        if (wl > 250)
            wl = 250;
        memcpy(both, pw, pl);
        both[pl] = ' ';
        memcpy(both + pl + 1, w, wl);
        rc = namer(ud, h[j++], 'b', both, pl + 1 + wl);
    }
    return rc;
}

es_err es__learn_hashed(es_learn_feat_t *f, const char *s, size_t n, es__learn_namer namer,
                        void *ud)
{
    es_token toks[MAX_TOKENS];
    int ascii = 1;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = (unsigned char)s[i] < 0x80;
    size_t nt = ascii ? ascii_tokens(s, n, toks, MAX_TOKENS) : es_tokenize(s, n, toks, MAX_TOKENS);
    if (nt > MAX_TOKENS)
        nt = MAX_TOKENS;
    size_t grams = n >= GRAM ? n - GRAM + 1 : 0;
    es_err rc = reserve(f, 2 * nt + grams + ES__LEARN_PAD);
    if (rc)
        return rc;
    uint32_t *h = f->h + f->n, *h0 = h;
    uint64_t prev = 0;
    for (size_t i = 0; i < nt; i++) {
        uint64_t t = token_hash(s, &toks[i]);
        *h++ = (uint32_t)(t >> 32);
        if (i > 0)
            *h++ = bigram_hash(prev, t);
        prev = t;
    }
    if (namer && (rc = name_words(s, toks, nt, h0, namer, ud)))
        return rc;
    for (size_t i = 0; i + GRAM <= n; i++) {
        *h = (uint32_t)(short_hash(s + i, GRAM, MUL_GRAM) >> 32);
        if (namer && (rc = namer(ud, *h, 'c', s + i, GRAM)))
            return rc;
        h++;
    }
    memset(h, 0, ES__LEARN_PAD * sizeof *h); /* read ahead by prediction */
    uint32_t count = (uint32_t)(h - h0);
    f->n += count;
    f->w = count ? (float)(1.0 / sqrt((double)count)) : 0.0f;
    return ES_OK;
}

void es__learn_dense(es_learn_feat_t *f, const es_mention_t *m)
{
    const float v[4] = {(float)m->sentiment.compound, (float)m->sentiment.pos,
                        (float)m->sentiment.neu, (float)m->sentiment.neg};
    f->nd = 0;
    for (uint8_t i = 0; i < 4; i++) {
        f->didx[f->nd] = i;
        f->dval[f->nd++] = v[i];
    }
    if ((unsigned)m->intent < ES_INTENT_COUNT) {
        f->didx[f->nd] = (uint8_t)(4 + m->intent);
        f->dval[f->nd++] = 1.0f;
    }
    for (uint8_t b = 0; b < 5; b++)
        if (m->cues & (1u << b)) {
            f->didx[f->nd] = (uint8_t)(4 + ES_INTENT_COUNT + b);
            f->dval[f->nd++] = 1.0f;
        }
    for (uint8_t b = 0; b < 4; b++)
        if (m->flags & (1u << b)) {
            f->didx[f->nd] = (uint8_t)(4 + ES_INTENT_COUNT + 5 + b);
            f->dval[f->nd++] = 1.0f;
        }
}

es_err es_learn_features(es_learn_feat_t *f, const es_mention_t *m, es_arena_t *a)
{
    const char *s;
    size_t n;
    f->n = 0;
    f->nd = 0;
    es_err rc = es__learn_fold(f, m, a, &s, &n);
    if (rc == ES_OK)
        rc = es__learn_hashed(f, s, n, NULL, NULL);
    if (rc == ES_OK)
        es__learn_dense(f, m);
    return rc;
}

/* ---- data sets ---------------------------------------------------------- */

es_learn_data_t *es_learn_data_new(unsigned hash_bits)
{
    if (hash_bits < ES_LEARN_MIN_BITS || hash_bits > ES_LEARN_MAX_BITS)
        return NULL;
    es_learn_data_t *d = es_calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->bits = hash_bits;
    d->off = es_calloc(1, sizeof *d->off);
    if (!d->off) {
        es_free(d);
        return NULL;
    }
    d->cap = 0;
    return d;
}

void es_learn_data_free(es_learn_data_t *d)
{
    if (!d)
        return;
    es_free(d->off);
    es_free(d->y);
    es_free(d->idx);
    es_free(d->val);
    for (size_t i = 0; i < d->n_labels; i++)
        es_free(d->labels[i]);
    es_free(d);
}

size_t es_learn_data_size(const es_learn_data_t *d)
{
    return d->n;
}

/* The index of label in d's table, adding it when new. -1 when full or out
 * of memory (*rc says which). */
static int label_index(es_learn_data_t *d, const char *label, es_err *rc)
{
    for (size_t i = 0; i < d->n_labels; i++)
        if (strcmp(d->labels[i], label) == 0)
            return (int)i;
    if (d->n_labels == ES__LEARN_MAX_LABELS) {
        *rc = ES_ELIMIT;
        return -1;
    }
    if (!(d->labels[d->n_labels] = es_strdup(label))) {
        *rc = ES_ENOMEM;
        return -1;
    }
    return (int)d->n_labels++;
}

/* Grows the example and feature arrays for one example of nf features. */
static es_err data_reserve(es_learn_data_t *d, size_t nf)
{
    if (d->n + 1 > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        size_t *off = es_realloc(d->off, (cap + 1) * sizeof *off);
        if (!off)
            return ES_ENOMEM;
        d->off = off;
        int *y = es_realloc(d->y, cap * sizeof *y);
        if (!y)
            return ES_ENOMEM;
        d->y = y;
        d->cap = cap;
    }
    if (d->nf + nf > d->capf) {
        size_t cap = d->capf ? d->capf : 4096;
        while (cap < d->nf + nf)
            cap *= 2;
        uint32_t *idx = es_realloc(d->idx, cap * sizeof *idx);
        if (!idx)
            return ES_ENOMEM;
        d->idx = idx;
        float *val = es_realloc(d->val, cap * sizeof *val);
        if (!val)
            return ES_ENOMEM;
        d->val = val;
        d->capf = cap;
    }
    return ES_OK;
}

/* Orders (index, value) pairs by index, for qsort. */
typedef struct pair {
    uint32_t idx;
    float val;
} pair;

static int pair_cmp(const void *a, const void *b)
{
    uint32_t x = ((const pair *)a)->idx, y = ((const pair *)b)->idx;
    return (x > y) - (x < y);
}

es_err es_learn_data_add(es_learn_data_t *d, const es_learn_feat_t *f, const char *label)
{
    es_err rc = ES_OK;
    pair *p = NULL;
    if (f->bits != d->bits || !label)
        return ES_EINVAL;
    int y = label_index(d, label, &rc);
    if (y < 0)
        return rc;
    size_t total = (size_t)f->n + f->nd;
    if ((rc = data_reserve(d, total)))
        return rc;
    if (total > 0 && !(p = es_malloc(total * sizeof *p)))
        return ES_ENOMEM;
    for (uint32_t i = 0; i < f->n; i++) {
        p[i].idx = es__learn_bucket(f->h[i], d->bits);
        p[i].val = f->w;
    }
    for (uint32_t i = 0; i < f->nd; i++) {
        p[f->n + i].idx = es__learn_dense_index(d->bits, f->didx[i]);
        p[f->n + i].val = f->dval[i];
    }
    if (total > 0)
        qsort(p, total, sizeof *p, pair_cmp);
    size_t at = d->nf;
    for (size_t i = 0; i < total; i++) {
        if (at > d->nf && d->idx[at - 1] == p[i].idx) {
            d->val[at - 1] += p[i].val;
        } else {
            d->idx[at] = p[i].idx;
            d->val[at++] = p[i].val;
        }
    }
    es_free(p);
    d->nf = at;
    d->y[d->n] = y;
    d->off[++d->n] = at;
    return ES_OK;
}
