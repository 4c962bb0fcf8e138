/*
 * learn.h (internal) - what features.c and model.c share: the layout of a
 * feature buffer and of a data set. Nothing outside src/learn/ sees these.
 */
#ifndef ES_LEARN_LEARN_H
#define ES_LEARN_LEARN_H

#include <stdint.h>

#include "earshot/learn.h"

#define ES__LEARN_MAX_LABELS 64

/* The features of one mention, independent of any table size: n 32-bit
 * hashes of the hashed features (word unigrams and bigrams, character
 * n-grams; a table of 2^bits buckets takes the top bits, so one feature
 * computation serves models of any size), all of value w, then nd dense
 * rule features (index d in 0..ES_LEARN_N_DENSE, value dval). Repeated
 * hashes add up. scratch holds the folded text (padded with 8 zero bytes
 * for the n-gram loads). */
/* Zero hashes kept after the last one: prediction reads ahead. */
#define ES__LEARN_PAD 16

struct es_learn_feat_s {
    unsigned bits; /* the data sets this buffer feeds (es_learn_data_add) */
    uint32_t n, cap;
    uint32_t *h;
    float w;
    uint32_t nd;
    uint8_t didx[ES_LEARN_N_DENSE];
    float dval[ES_LEARN_N_DENSE];
    char *scratch;
    size_t scap;
};

/* The 1-based feature index of hash h in a table of 2^bits buckets, and
 * of dense feature d. */
static inline uint32_t es__learn_bucket(uint32_t h, unsigned bits)
{
    return (h >> (32 - bits)) + 1;
}
static inline uint32_t es__learn_dense_index(unsigned bits, uint32_t d)
{
    return (1u << bits) + 1 + d;
}

/* Called by es__learn_hashed for each hashed feature when naming them
 * (explanations): kind 'w' word, 'b' bigram, 'c' character n-gram; s[0..n)
 * its text (a bigram: both words, a space between). Returns 0, or an
 * error to stop. */
typedef es_err (*es__learn_namer)(void *ud, uint32_t h, char kind, const char *s, size_t n);

/* Computes the hashed features of the folded text s[0..n) (s padded with 8
 * readable bytes after n) into f, calling namer (when not NULL) for each.
 * ES_ENOMEM, ES_ELIMIT, or namer's error. */
es_err es__learn_hashed(es_learn_feat_t *f, const char *s, size_t n, es__learn_namer namer,
                        void *ud);

/* Folds m's text into f->scratch (ASCII directly, else es_text_fold in a),
 * padded; *s and *n receive it. ES_ENOMEM, ES_EUTF8, ES_ELIMIT. */
es_err es__learn_fold(es_learn_feat_t *f, const es_mention_t *m, es_arena_t *a, const char **s,
                      size_t *n);

/* Sets f's dense rule features from m. */
void es__learn_dense(es_learn_feat_t *f, const es_mention_t *m);

/* The names of the dense features, in order ("rule:compound", ...). */
extern const char *const es__learn_dense_names[ES_LEARN_N_DENSE];

/* Examples stored back to back: example i has features off[i]..off[i+1]
 * (sorted, unique indices) and label y[i], an index into labels. */
struct es_learn_data_s {
    unsigned bits;
    size_t n, cap;
    size_t *off;
    int *y;
    size_t nf, capf;
    uint32_t *idx;
    float *val;
    char *labels[ES__LEARN_MAX_LABELS];
    size_t n_labels;
};

/* A model: (dim + 1) rows of weights, row i for feature i+1, the last row
 * the bias. A row holds the k classes' weights padded with zeros to kp (4,
 * 8, 16, then a multiple of 16) floats, and w is aligned to 64 bytes, so a
 * row never straddles a cache line and its loop vectorises. */
struct es_learn_model_s {
    es_learn_task task;
    unsigned bits;
    uint32_t dim; /* features, without the bias */
    size_t k;     /* classes */
    size_t kp;    /* floats per row */
    char *labels[ES__LEARN_MAX_LABELS];
    float *w;
    void *w_mem; /* the allocation w points into */
    /* What prediction reads for the hashed features: the bucket rows
     * quantised to int8, kq bytes each (k padded to 4, 8, then a multiple
     * of 16), class c's weight being q * qscale[c]. A 2^18 table
     * of 3 classes is then 1 MB instead of 4, of 9 classes 4 MB instead
     * of 16: the dot products are bound by cache misses, so this is most
     * of their speed (docs/learning.md). The dense rows and the bias stay
     * float in w. Set by es__learn_model_quantize. */
    int8_t *q;
    size_t kq;
    float qscale[ES__LEARN_MAX_LABELS];
};

/* Fills m->q from m->w (after training or loading). ES_ENOMEM. */
es_err es__learn_model_quantize(es_learn_model_t *m);

/* Every class's score of f under m into s (m->kp floats; the first
 * m->k count). Never allocates; thread-safe (model.c). */
void es__learn_scores(const es_learn_model_t *m, const es_learn_feat_t *f, float *s);

/* An empty model of k classes with zeroed weights and no labels (model.c).
 * NULL when out of memory. Free with es_learn_model_free. */
es_learn_model_t *es__learn_model_new(es_learn_task task, unsigned bits, size_t k);

/* The number of features of a table of 2^bits buckets, without the bias. */
static inline uint32_t es__learn_dim(unsigned bits)
{
    return (1u << bits) + ES_LEARN_N_DENSE;
}

#endif
