/*
 * learn.h (internal) - what features.c and model.c share: the layout of a
 * feature buffer and of a data set. Nothing outside src/learn/ sees these.
 */
#ifndef ES_LEARN_LEARN_H
#define ES_LEARN_LEARN_H

#include "earshot/learn.h"

#define ES__LEARN_MAX_LABELS 64

/* The features of one mention: n (index, value) pairs, indices 1-based;
 * hashed ones in [1, 2^bits], dense ones after them. */
struct es_learn_feat_s {
    unsigned bits;
    uint32_t n, cap;
    uint32_t *idx;
    float *val;
};

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
};

/* An empty model of k classes with zeroed weights and no labels (model.c).
 * NULL when out of memory. Free with es_learn_model_free. */
es_learn_model_t *es__learn_model_new(es_learn_task task, unsigned bits, size_t k);

/* The number of features of a table of 2^bits buckets, without the bias. */
static inline uint32_t es__learn_dim(unsigned bits)
{
    return (1u << bits) + ES_LEARN_N_DENSE;
}

#endif
