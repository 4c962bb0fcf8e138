/*
 * explain.c - why a learned model predicted what it did
 * (es_model_explain, include/earshot/learn.h), and the confidence test
 * routing uses (es_model_confident).
 *
 * An explanation recomputes the mention's features with their names (the
 * word, the two words of a bigram, the characters of an n-gram: hashing
 * cannot be undone, so the names come from a second pass over the text),
 * weighs each by the predicted class's weight times its value, adds up the
 * occurrences of a bucket, and keeps the k largest. It costs a few times a
 * prediction, so it runs only when asked for (`analyze --explain`,
 * `score --model`, the API's explanation of one mention), never on the
 * ingest path. Called by src/cli/ and the server.
 */
#include <stdlib.h>
#include <string.h>

#include "earshot/text.h"
#include "learn/learn.h"

/* One named feature occurrence. */
typedef struct named {
    uint32_t bucket; /* 0-based row */
    float w;         /* its contribution */
    const char *name;
} named;

typedef struct namer_ctx {
    const es_learn_model_t *m;
    es_learn_feat_t *f;
    es_arena_t *a;
    named *v;
    size_t n, cap;
    int cls;
} namer_ctx;

/* es__learn_namer: records one hashed feature with its name ("w:late"). */
static es_err add_named(void *ud, uint32_t h, char kind, const char *s, size_t n)
{
    namer_ctx *c = ud;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 512;
        named *v = es_arena_alloc(c->a, cap * sizeof *v);
        if (!v)
            return ES_ENOMEM;
        if (c->n)
            memcpy(v, c->v, c->n * sizeof *v);
        c->v = v;
        c->cap = cap;
    }
    /* A character n-gram may cut a multi-byte character: its bytes are
     * then written as \xHH, so that every name is valid UTF-8 (JSON). */
    int valid = es_utf8_check(s, n, NULL) == ES_OK;
    char *name = es_arena_alloc(c->a, valid ? n + 3 : 4 * n + 3), *p = name;
    if (!name)
        return ES_ENOMEM;
    *p++ = kind;
    *p++ = ':';
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (valid || b < 0x80) {
            *p++ = (char)b;
        } else {
            static const char hex[] = "0123456789abcdef";
            *p++ = '\\';
            *p++ = 'x';
            *p++ = hex[b >> 4];
            *p++ = hex[b & 15];
        }
    }
    *p = '\0';
    named *e = &c->v[c->n++];
    e->bucket = h >> (32 - c->m->bits);
    e->w = 0;
    e->name = name;
    return ES_OK;
}

static int by_bucket(const void *a, const void *b)
{
    uint32_t x = ((const named *)a)->bucket, y = ((const named *)b)->bucket;
    return (x > y) - (x < y);
}

static int by_weight_desc(const void *a, const void *b)
{
    float x = ((const named *)a)->w, y = ((const named *)b)->w;
    return (x < y) - (x > y);
}

/* Weighs the named features for class cls, merges repeated buckets and
 * appends the dense rule features; returns how many remain in c->v. */
static size_t weigh(namer_ctx *c, const es_learn_feat_t *f)
{
    const es_learn_model_t *m = c->m;
    qsort(c->v, c->n, sizeof *c->v, by_bucket);
    size_t out = 0;
    for (size_t i = 0; i < c->n; i++) {
        float w = f->w * m->qscale[c->cls] * (float)m->q[(size_t)c->v[i].bucket * m->kq + (size_t)c->cls];
        if (out > 0 && c->v[out - 1].bucket == c->v[i].bucket) {
            c->v[out - 1].w += w;
            continue;
        }
        c->v[out] = c->v[i];
        c->v[out++].w = w;
    }
    c->n = out;
    return out;
}

es_err es_model_explain(const es_learn_model_t *model, const es_mention_t *m, size_t k,
                        es_arena_t *a, es_learn_explanation *out)
{
    const char *s;
    size_t n;
    memset(out, 0, sizeof *out);
    if (!model || !m || !a || k < 1 || k > ES_LEARN_MAX_EXPLAIN)
        return ES_EINVAL;
    es_learn_feat_t *f = es_learn_feat_new(model->bits);
    if (!f)
        return ES_ENOMEM;
    namer_ctx c = {model, f, a, NULL, 0, 0, 0};
    es_err rc = es__learn_fold(f, m, a, &s, &n);
    if (rc == ES_OK)
        rc = es__learn_hashed(f, s, n, add_named, &c);
    if (rc)
        goto out;
    es__learn_dense(f, m);
    out->label = es_learn_predict(model, f, &out->confidence);
    c.cls = out->label;
    weigh(&c, f);
    /* The dense rule features join the list with their names. */
    named dense[ES_LEARN_N_DENSE];
    for (uint32_t i = 0; i < f->nd; i++) {
        size_t row = ((size_t)1 << model->bits) + f->didx[i];
        dense[i].bucket = (uint32_t)row;
        dense[i].w = f->dval[i] * model->w[row * model->kp + (size_t)c.cls];
        dense[i].name = es__learn_dense_names[f->didx[i]];
    }
    for (uint32_t i = 0; i < f->nd; i++)
        if ((rc = add_named(&c, 0, 'x', "", 0)) == ES_OK)
            c.v[c.n - 1] = dense[i];
    if (rc)
        goto out;
    qsort(c.v, c.n, sizeof *c.v, by_weight_desc);
    for (size_t i = 0; i < c.n && out->n < k; i++) {
        out->f[out->n].f = c.v[i].name;
        out->f[out->n++].w = c.v[i].w;
    }
out:
    es_learn_feat_free(f);
    return rc;
}

int es_model_confident(double confidence, double threshold)
{
    if (!(threshold > 0 && threshold <= 1))
        threshold = ES_LEARN_CONFIDENT;
    return confidence >= threshold;
}
