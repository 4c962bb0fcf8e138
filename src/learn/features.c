/*
 * features.c - the features of a mention for the learned models, and the
 * labelled data sets they are trained on (include/earshot/learn.h).
 *
 * The text is NFKC-normalised and case-folded (es_text_fold), tokenised
 * (es_tokenize), and hashed with xxhash (XXH3) into 2^bits buckets: every
 * word unigram and bigram (handles, URLs and numbers stand for their kind)
 * and every byte 3-, 4- and 5-gram of the folded text. Each occurrence
 * weighs 1/sqrt(occurrences), so a text's hashed part has about unit length
 * whatever its size, and repeated indices simply add up: prediction never
 * needs to sort. After the buckets come the dense rule features: compound,
 * pos, neu, neg, one-hot intent, the cue bits and the flag bits.
 *
 * Called by the `earshot train`/`eval` commands and the ingest pipeline
 * (src/cli/), one feature buffer per thread.
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
#define SEED_CHAR 0x165667b19e3779f9ull

es_learn_feat_t *es_learn_feat_new(unsigned hash_bits)
{
    if (hash_bits < ES_LEARN_MIN_BITS || hash_bits > ES_LEARN_MAX_BITS)
        return NULL;
    es_learn_feat_t *f = es_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->bits = hash_bits;
    f->cap = 1024;
    f->idx = es_malloc(f->cap * sizeof *f->idx);
    f->val = es_malloc(f->cap * sizeof *f->val);
    if (!f->idx || !f->val) {
        es_learn_feat_free(f);
        return NULL;
    }
    return f;
}

void es_learn_feat_free(es_learn_feat_t *f)
{
    if (!f)
        return;
    es_free(f->idx);
    es_free(f->val);
    es_free(f);
}

unsigned es_learn_feat_bits(const es_learn_feat_t *f)
{
    return f->bits;
}

/* Makes room for `more` features. ES_ENOMEM. */
static es_err reserve(es_learn_feat_t *f, size_t more)
{
    if (f->n + more <= f->cap)
        return ES_OK;
    size_t cap = f->cap;
    while (cap < f->n + more)
        cap *= 2;
    if (cap > UINT32_MAX / 2)
        return ES_ELIMIT;
    uint32_t *idx = es_realloc(f->idx, cap * sizeof *idx);
    if (!idx)
        return ES_ENOMEM;
    f->idx = idx;
    float *val = es_realloc(f->val, cap * sizeof *val);
    if (!val)
        return ES_ENOMEM;
    f->val = val;
    f->cap = (uint32_t)cap;
    return ES_OK;
}

/* The 1-based bucket of a 64-bit hash (its top bits). */
static inline uint32_t bucket(uint64_t h, unsigned bits)
{
    return (uint32_t)(h >> (64 - bits)) + 1;
}

/* The hash of one token: its text, or its kind for handles, URLs and
 * numbers (which rarely repeat but say something as a kind). */
static uint64_t token_hash(const char *s, const es_token *t)
{
    switch (t->kind) {
    case ES_TOK_HANDLE: return XXH3_64bits_withSeed("<@>", 3, SEED_WORD);
    case ES_TOK_URL: return XXH3_64bits_withSeed("<url>", 5, SEED_WORD);
    case ES_TOK_NUMBER: return XXH3_64bits_withSeed("<num>", 5, SEED_WORD);
    default: return XXH3_64bits_withSeed(s + t->off, t->len, SEED_WORD);
    }
}

/* Appends the hashed word and character features of the folded text s. */
static es_err hashed(es_learn_feat_t *f, const char *s, size_t n)
{
    es_token toks[MAX_TOKENS];
    size_t nt = es_tokenize(s, n, toks, MAX_TOKENS);
    if (nt > MAX_TOKENS)
        nt = MAX_TOKENS;
    size_t grams = n >= 3 ? 3 * (n - 2) : 0;
    es_err rc = reserve(f, 2 * nt + grams);
    if (rc)
        return rc;
    uint32_t start = f->n;
    uint64_t prev = 0;
    for (size_t i = 0; i < nt; i++) {
        uint64_t h = token_hash(s, &toks[i]);
        f->idx[f->n++] = bucket(h, f->bits);
        if (i > 0)
            f->idx[f->n++] =
                bucket(XXH3_64bits_withSeed(&prev, sizeof prev, SEED_BIGRAM ^ h), f->bits);
        prev = h;
    }
    for (size_t len = 3; len <= 5; len++)
        for (size_t i = 0; i + len <= n; i++)
            f->idx[f->n++] = bucket(XXH3_64bits_withSeed(s + i, len, SEED_CHAR), f->bits);
    uint32_t count = f->n - start;
    float w = count ? (float)(1.0 / sqrt((double)count)) : 0.0f;
    for (uint32_t i = start; i < f->n; i++)
        f->val[i] = w;
    return ES_OK;
}

/* Appends the dense rule features after the buckets. */
static void dense(es_learn_feat_t *f, const es_mention_t *m)
{
    uint32_t base = (1u << f->bits) + 1;
    const float v[4] = {(float)m->sentiment.compound, (float)m->sentiment.pos,
                        (float)m->sentiment.neu, (float)m->sentiment.neg};
    for (uint32_t i = 0; i < 4; i++) {
        f->idx[f->n] = base + i;
        f->val[f->n++] = v[i];
    }
    base += 4;
    if ((unsigned)m->intent < ES_INTENT_COUNT) {
        f->idx[f->n] = base + (uint32_t)m->intent;
        f->val[f->n++] = 1.0f;
    }
    base += ES_INTENT_COUNT;
    for (uint32_t b = 0; b < 5; b++)
        if (m->cues & (1u << b)) {
            f->idx[f->n] = base + b;
            f->val[f->n++] = 1.0f;
        }
    base += 5;
    for (uint32_t b = 0; b < 4; b++)
        if (m->flags & (1u << b)) {
            f->idx[f->n] = base + b;
            f->val[f->n++] = 1.0f;
        }
}

es_err es_learn_features(es_learn_feat_t *f, const es_mention_t *m, es_arena_t *a)
{
    char *folded = NULL;
    size_t flen = 0;
    f->n = 0;
    const char *text = m->text ? m->text : "";
    es_err rc = es_text_fold(a, text, strlen(text), &folded, &flen);
    if (rc == ES_OK)
        rc = hashed(f, folded, flen);
    if (rc == ES_OK)
        rc = reserve(f, ES_LEARN_N_DENSE);
    if (rc == ES_OK)
        dense(f, m);
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
    if ((rc = data_reserve(d, f->n)))
        return rc;
    if (f->n > 0 && !(p = es_malloc(f->n * sizeof *p)))
        return ES_ENOMEM;
    for (uint32_t i = 0; i < f->n; i++) {
        p[i].idx = f->idx[i];
        p[i].val = f->val[i];
    }
    if (f->n > 0)
        qsort(p, f->n, sizeof *p, pair_cmp);
    size_t at = d->nf;
    for (uint32_t i = 0; i < f->n; i++) {
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
