/*
 * model.c - training, prediction and evaluation of the learned models
 * (include/earshot/learn.h).
 *
 * Training hands a data set to liblinear (L2-regularised logistic
 * regression, dual solver, one-vs-rest) and copies its weights into a table
 * of (dim + 1) rows of K floats: row i holds feature i+1's weight for each
 * class, the last row the bias. Prediction is a sparse dot product over that
 * table, then the logistic of each class's score, normalised, as liblinear
 * does. A binary model keeps two columns (w and -w) so that every model
 * predicts alike. Saving and loading are in model_io.c... no: below, in the
 * same file, under "model files".
 *
 * Called by the `earshot train`/`eval` commands and by the ingest pipeline.
 */
#include <linear.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "learn/learn.h"

static const char *const task_names[ES_TASK_COUNT] = {"sentiment", "intent", "department"};

es_err es_learn_task_parse(const char *name, es_learn_task *out)
{
    for (int i = 0; i < ES_TASK_COUNT; i++)
        if (name && strcmp(name, task_names[i]) == 0) {
            *out = (es_learn_task)i;
            return ES_OK;
        }
    return ES_EINVAL;
}

const char *es_learn_task_name(es_learn_task t)
{
    return (unsigned)t < ES_TASK_COUNT ? task_names[t] : "unknown";
}

void es_learn_model_free(es_learn_model_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->k; i++)
        es_free(m->labels[i]);
    es_free(m->w_mem);
    es_free(m->q);
    es_free(m);
}

es_learn_task es_learn_model_task(const es_learn_model_t *m)
{
    return m->task;
}

unsigned es_learn_model_bits(const es_learn_model_t *m)
{
    return m->bits;
}

size_t es_learn_model_n_labels(const es_learn_model_t *m)
{
    return m->k;
}

const char *es_learn_model_label(const es_learn_model_t *m, size_t i)
{
    return i < m->k ? m->labels[i] : NULL;
}

es_learn_model_t *es__learn_model_new(es_learn_task task, unsigned bits, size_t k)
{
    es_learn_model_t *m = es_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->task = task;
    m->bits = bits;
    m->dim = es__learn_dim(bits);
    m->kp = k <= 4 ? 4 : k <= 8 ? 8 : (k + 15) / 16 * 16;
    m->w_mem = es_calloc(((size_t)m->dim + 1) * m->kp * sizeof *m->w + 64, 1);
    if (!m->w_mem) {
        es_free(m);
        return NULL;
    }
    m->w = (float *)(((uintptr_t)m->w_mem + 63) & ~(uintptr_t)63);
    m->k = k;
    return m;
}

/* ---- prediction ------------------------------------------------------------ */

/* Adds the int8 rows of the n hashed features h (KQ bytes a row) to acc,
 * as KQ int32 sums. The rows are scattered over the table, so each is
 * asked for a few features ahead. With SSE2 a row is one 4-, 8- or
 * 16-byte load whose bytes are widened and added to 16-bit lanes (256
 * rows of at most 127 cannot overflow them), flushed to 32 bits every 256
 * features; elsewhere a plain loop. KQ is a constant in each instance, so
 * the row address is a shift and the loop has no branch but its own. */
#if defined(__SSE2__)
#include <emmintrin.h>

/* Adds the 16-bit lanes lo (bytes 0..7) and hi (8..15) to acc[0..kq). */
static inline void flush(__m128i lo, __m128i hi, int32_t *acc, size_t kq)
{
    int16_t l[8], u[8];
    _mm_storeu_si128((__m128i *)(void *)l, lo);
    _mm_storeu_si128((__m128i *)(void *)u, hi);
    for (size_t c = 0; c < kq && c < 8; c++)
        acc[c] += l[c];
    for (size_t c = 8; c < kq; c++)
        acc[c] += u[c - 8];
}

#define ES_WIDEN(v) _mm_srai_epi16(_mm_unpacklo_epi8((v), (v)), 8)
#define ES_WIDEN_HI(v) _mm_srai_epi16(_mm_unpackhi_epi8((v), (v)), 8)

#define ADD_ROWS(KQ, LOAD, HI)                                                                \
    static void add_rows_##KQ(const int8_t *restrict q, const uint32_t *h, size_t n,          \
                              unsigned shift, int32_t *restrict acc)                          \
    {                                                                                         \
        memset(acc, 0, KQ * sizeof *acc);                                                     \
        for (size_t i = 0; i < n;) {                                                          \
            __m128i lo = _mm_setzero_si128(), hi = _mm_setzero_si128();                       \
            const size_t end = n - i > 256 ? i + 256 : n;                                     \
            for (; i < end; i++) {                                                            \
                __builtin_prefetch(q + (size_t)(h[i + ES__LEARN_PAD] >> shift) * KQ);                 \
                const int8_t *row = q + (size_t)(h[i] >> shift) * KQ;                         \
                __m128i v = LOAD;                                                             \
                lo = _mm_add_epi16(lo, ES_WIDEN(v));                                          \
                HI;                                                                           \
            }                                                                                 \
            flush(lo, hi, acc, KQ);                                                           \
        }                                                                                     \
    }

static inline __m128i load4(const int8_t *row)
{
    int32_t v;
    memcpy(&v, row, 4);
    return _mm_cvtsi32_si128(v);
}

ADD_ROWS(4, load4(row), (void)hi)
ADD_ROWS(8, _mm_loadl_epi64((const __m128i *)(const void *)row), (void)hi)
ADD_ROWS(16, _mm_loadu_si128((const __m128i *)(const void *)row),
         hi = _mm_add_epi16(hi, ES_WIDEN_HI(v)))
#endif

/* Any row size (and every size without SSE2). */
static void add_rows_any(const int8_t *restrict q, size_t kq, const uint32_t *h, size_t n,
                         unsigned shift, int32_t *restrict acc)
{
    memset(acc, 0, kq * sizeof *acc);
    for (size_t i = 0; i < n; i++) {
        const int8_t *row = q + (size_t)(h[i] >> shift) * kq;
        for (size_t c = 0; c < kq; c++)
            acc[c] += row[c];
    }
}

/* Every class's score of f under m into s (m->kp floats, the first m->k
 * set). Row b of the table is bucket b (feature b + 1); every hashed
 * feature has the value f->w, so the rows are summed exactly in integers
 * first and scaled once per class. */
static void scores(const es_learn_model_t *m, const es_learn_feat_t *f, float *s)
{
    int32_t acc[ES__LEARN_MAX_LABELS];
    const size_t kp = m->kp;
    const unsigned shift = 32 - m->bits;
    switch (m->kq) {
#if defined(__SSE2__)
    case 4: add_rows_4(m->q, f->h, f->n, shift, acc); break;
    case 8: add_rows_8(m->q, f->h, f->n, shift, acc); break;
    case 16: add_rows_16(m->q, f->h, f->n, shift, acc); break;
#endif
    default: add_rows_any(m->q, m->kq, f->h, f->n, shift, acc); break;
    }
    const float *bias = m->w + (size_t)m->dim * kp;
    for (size_t c = 0; c < m->k; c++)
        s[c] = bias[c] + f->w * m->qscale[c] * (float)acc[c];
    for (uint32_t i = 0; i < f->nd; i++) {
        const float *row = m->w + ((size_t)(1u << m->bits) + f->didx[i]) * kp;
        const float v = f->dval[i];
        for (size_t c = 0; c < m->k; c++)
            s[c] += v * row[c];
    }
}

/* The best class of scores s[0..k) and, when conf is not NULL, its
 * probability: each class's logistic, normalised, as liblinear does. */
static int best_of(const float *s, size_t k, double *conf)
{
    size_t best = 0;
    for (size_t c = 1; c < k; c++)
        if (s[c] > s[best])
            best = c;
    if (conf) {
        double sum = 0, pb = 0;
        for (size_t c = 0; c < k; c++) {
            double p = 1.0 / (1.0 + exp(-(double)s[c]));
            sum += p;
            if (c == best)
                pb = p;
        }
        *conf = sum > 0 ? pb / sum : 0;
    }
    return (int)best;
}

int es_learn_predict(const es_learn_model_t *m, const es_learn_feat_t *f, double *confidence)
{
    float s[ES__LEARN_MAX_LABELS];
    scores(m, f, s);
    return best_of(s, m->k, confidence);
}

/* See learn.h (internal). */
void es__learn_scores(const es_learn_model_t *m, const es_learn_feat_t *f, float *s)
{
    scores(m, f, s);
}

/* The class of n features (indices 1-based, up to m->dim), read as
 * prediction reads them: hashed ones from the int8 table. For evaluating
 * a model on a data set. */
static int predict_raw(const es_learn_model_t *m, const uint32_t *idx, const float *val, size_t n,
                       double *confidence)
{
    float s[ES__LEARN_MAX_LABELS];
    const size_t k = m->k, kp = m->kp, kq = m->kq;
    const uint32_t nb = 1u << m->bits;
    memcpy(s, m->w + (size_t)m->dim * kp, kp * sizeof *s);
    for (size_t i = 0; i < n; i++) {
        if (idx[i] == 0 || idx[i] > m->dim)
            continue;
        const float v = val[i];
        if (idx[i] <= nb) {
            const int8_t *row = m->q + (size_t)(idx[i] - 1) * kq;
            for (size_t c = 0; c < k; c++)
                s[c] += v * m->qscale[c] * (float)row[c];
        } else {
            const float *row = m->w + (size_t)(idx[i] - 1) * kp;
            for (size_t c = 0; c < k; c++)
                s[c] += v * row[c];
        }
    }
    return best_of(s, k, confidence);
}

/* See learn.h (internal). */
es_err es__learn_model_quantize(es_learn_model_t *m)
{
    const size_t nb = (size_t)1 << m->bits, kp = m->kp;
    size_t kq = m->k <= 4 ? 4 : m->k <= 8 ? 8 : (m->k + 15) / 16 * 16;
    int8_t *q = es_calloc(nb, kq);
    if (!q)
        return ES_ENOMEM;
    for (size_t c = 0; c < m->k; c++) {
        float mx = 0;
        for (size_t r = 0; r < nb; r++) {
            float a = m->w[r * kp + c] < 0 ? -m->w[r * kp + c] : m->w[r * kp + c];
            if (a > mx)
                mx = a;
        }
        m->qscale[c] = mx > 0 ? mx / 127.0f : 1.0f;
        for (size_t r = 0; r < nb; r++)
            q[r * kq + c] = (int8_t)lrintf(m->w[r * kp + c] / m->qscale[c]);
    }
    es_free(m->q);
    m->q = q;
    m->kq = kq;
    return ES_OK;
}

/* ---- training ---------------------------------------------------------------- */

static void quiet_print(const char *s)
{
    (void)s;
}

/* Trains on the examples rows[0..nr) of d. */
static es_err train_rows(const es_learn_data_t *d, const size_t *rows, size_t nr,
                         es_learn_task task, double c, es_learn_model_t **out, char *err,
                         size_t errlen)
{
    es_err rc = ES_ENOMEM;
    struct feature_node *nodes = NULL;
    struct feature_node **x = NULL;
    double *y = NULL;
    struct model *lm = NULL;
    es_learn_model_t *m = NULL;
    size_t total = 0;
    const uint32_t dim = es__learn_dim(d->bits);
    for (size_t i = 0; i < nr; i++)
        total += d->off[rows[i] + 1] - d->off[rows[i]] + 2;
    if (!(nodes = es_malloc(total * sizeof *nodes)) || !(x = es_malloc(nr * sizeof *x)) ||
        !(y = es_malloc(nr * sizeof *y)))
        goto out;
    struct feature_node *p = nodes;
    for (size_t i = 0; i < nr; i++) {
        size_t r = rows[i];
        x[i] = p;
        y[i] = d->y[r];
        for (size_t j = d->off[r]; j < d->off[r + 1]; j++, p++) {
            p->index = (int)d->idx[j];
            p->value = d->val[j];
        }
        p->index = (int)dim + 1; /* the bias */
        (p++)->value = 1.0;
        (p++)->index = -1;
    }
    struct problem prob = {(int)nr, (int)dim + 1, y, x, 1.0};
    struct parameter param;
    memset(&param, 0, sizeof param);
    param.solver_type = L2R_LR_DUAL;
    param.eps = 0.1;
    param.C = c > 0 ? c : 4.0;
    const char *bad = check_parameter(&prob, &param);
    if (bad) {
        snprintf(err, errlen, "liblinear: %s", bad);
        rc = ES_EINVAL;
        goto out;
    }
    set_print_string_function(quiet_print);
    if (!(lm = train(&prob, &param)))
        goto out;
    int nc = get_nr_class(lm);
    if (nc < 2) {
        snprintf(err, errlen, "the data have only one label; a model needs two or more");
        rc = ES_EINVAL;
        goto out;
    }
    if (!(m = es__learn_model_new(task, d->bits, (size_t)nc)))
        goto out;
    for (int k = 0; k < nc; k++)
        if (!(m->labels[k] = es_strdup(d->labels[lm->label[k]])))
            goto out;
    size_t cols = nc == 2 ? 1 : (size_t)nc;
    for (size_t f = 0; f <= dim; f++)
        for (size_t k = 0; k < (size_t)nc; k++) {
            double v = nc == 2 ? (k == 0 ? lm->w[f] : -lm->w[f]) : lm->w[f * cols + k];
            m->w[f * m->kp + k] = (float)v;
        }
    if (es__learn_model_quantize(m))
        goto out;
    *out = m;
    m = NULL;
    rc = ES_OK;
out:
    if (rc == ES_ENOMEM)
        snprintf(err, errlen, "out of memory");
    if (lm)
        free_and_destroy_model(&lm);
    es_learn_model_free(m);
    es_free(nodes);
    es_free(x);
    es_free(y);
    return rc;
}

es_err es_learn_train(const es_learn_data_t *d, es_learn_task task, double c,
                      es_learn_model_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (d->n_labels < 2) {
        snprintf(err, errlen, "the data have %zu label(s); a model needs two or more", d->n_labels);
        return ES_EINVAL;
    }
    size_t *rows = es_malloc(d->n * sizeof *rows);
    if (!rows) {
        snprintf(err, errlen, "out of memory");
        return ES_ENOMEM;
    }
    for (size_t i = 0; i < d->n; i++)
        rows[i] = i;
    es_err rc = train_rows(d, rows, d->n, task, c, out, err, errlen);
    es_free(rows);
    return rc;
}

/* ---- evaluation -------------------------------------------------------------- */

void es_learn_eval_free(es_learn_eval *e)
{
    if (!e)
        return;
    if (e->labels)
        for (size_t i = 0; i < e->n_labels; i++)
            es_free(e->labels[i]);
    es_free(e->labels);
    es_free(e->confusion);
    es_free(e->precision);
    es_free(e->recall);
    es_free(e->f1);
    memset(e, 0, sizeof *e);
}

/* Sets up e for the labels names[0..k). ES_ENOMEM (e is freed then). */
static es_err eval_init(es_learn_eval *e, char *const *names, size_t k)
{
    memset(e, 0, sizeof *e);
    e->labels = es_calloc(k, sizeof *e->labels);
    e->confusion = es_calloc(k * k, sizeof *e->confusion);
    e->precision = es_calloc(k, sizeof *e->precision);
    e->recall = es_calloc(k, sizeof *e->recall);
    e->f1 = es_calloc(k, sizeof *e->f1);
    if (!e->labels || !e->confusion || !e->precision || !e->recall || !e->f1) {
        es_learn_eval_free(e);
        return ES_ENOMEM;
    }
    e->n_labels = k;
    for (size_t i = 0; i < k; i++)
        if (!(e->labels[i] = es_strdup(names[i]))) {
            es_learn_eval_free(e);
            return ES_ENOMEM;
        }
    return ES_OK;
}

/* Computes accuracy and the per-class figures from the confusion matrix. */
static void eval_finish(es_learn_eval *e)
{
    const size_t k = e->n_labels;
    double sum_f1 = 0;
    e->correct = 0;
    for (size_t c = 0; c < k; c++) {
        size_t tp = e->confusion[c * k + c], row = 0, col = 0;
        for (size_t j = 0; j < k; j++) {
            row += e->confusion[c * k + j];
            col += e->confusion[j * k + c];
        }
        e->correct += tp;
        e->precision[c] = col ? (double)tp / (double)col : 0;
        e->recall[c] = row ? (double)tp / (double)row : 0;
        double pr = e->precision[c] + e->recall[c];
        e->f1[c] = pr > 0 ? 2 * e->precision[c] * e->recall[c] / pr : 0;
        sum_f1 += e->f1[c];
    }
    e->accuracy = e->n ? (double)e->correct / (double)e->n : 0;
    e->macro_f1 = k ? sum_f1 / (double)k : 0;
}

/* The index of name in names[0..k), or -1. */
static int find_label(char *const *names, size_t k, const char *name)
{
    for (size_t i = 0; i < k; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

es_err es_learn_evaluate(const es_learn_model_t *m, const es_learn_data_t *d, es_learn_eval *out)
{
    int map[ES__LEARN_MAX_LABELS];
    es_err rc = eval_init(out, m->labels, m->k);
    if (rc)
        return rc;
    for (size_t i = 0; i < d->n_labels; i++)
        map[i] = find_label(m->labels, m->k, d->labels[i]);
    for (size_t i = 0; i < d->n; i++) {
        size_t o = d->off[i];
        int p = predict_raw(m, d->idx + o, d->val + o, d->off[i + 1] - o, NULL);
        int t = map[d->y[i]];
        out->n++;
        if (t < 0)
            out->unknown++;
        else
            out->confusion[(size_t)t * m->k + (size_t)p]++;
    }
    eval_finish(out);
    return ES_OK;
}

/* A small deterministic generator for the fold shuffle (xorshift64*). */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

/* Trains on every fold but f and adds the predictions on fold f to e. */
static es_err cv_fold(const es_learn_data_t *d, const size_t *perm, size_t *rows, int folds, int f,
                      es_learn_task task, double c, es_learn_eval *e, char *err, size_t errlen)
{
    size_t nr = 0;
    es_learn_model_t *m = NULL;
    int map[ES__LEARN_MAX_LABELS];
    for (size_t i = 0; i < d->n; i++)
        if ((int)(i % (size_t)folds) != f)
            rows[nr++] = perm[i];
    es_err rc = train_rows(d, rows, nr, task, c, &m, err, errlen);
    if (rc)
        return rc;
    for (size_t k = 0; k < m->k; k++)
        map[k] = find_label(e->labels, e->n_labels, m->labels[k]);
    for (size_t i = (size_t)f; i < d->n; i += (size_t)folds) {
        size_t r = perm[i], o = d->off[r];
        int p = predict_raw(m, d->idx + o, d->val + o, d->off[r + 1] - o, NULL);
        e->n++;
        e->confusion[(size_t)d->y[r] * e->n_labels + (size_t)map[p]]++;
    }
    es_learn_model_free(m);
    return ES_OK;
}

es_err es_learn_cv(const es_learn_data_t *d, es_learn_task task, double c, int folds, unsigned seed,
                   es_learn_eval *out, char *err, size_t errlen)
{
    es_err rc;
    size_t *perm = NULL, *rows = NULL;
    memset(out, 0, sizeof *out);
    if (folds < 2 || folds > 20 || d->n < (size_t)folds || d->n_labels < 2) {
        snprintf(err, errlen,
                 "cross-validation needs 2 to 20 folds, at least as many examples "
                 "and two labels");
        return ES_EINVAL;
    }
    if ((rc = eval_init(out, (char *const *)d->labels, d->n_labels)))
        goto out;
    rc = ES_ENOMEM;
    if (!(perm = es_malloc(d->n * sizeof *perm)) || !(rows = es_malloc(d->n * sizeof *rows)))
        goto out;
    uint64_t s = 0x9e3779b97f4a7c15ull ^ seed;
    for (size_t i = 0; i < d->n; i++)
        perm[i] = i;
    for (size_t i = d->n - 1; i > 0; i--) {
        size_t j = (size_t)(next_rand(&s) % (i + 1)), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int f = 0; f < folds; f++)
        if ((rc = cv_fold(d, perm, rows, folds, f, task, c, out, err, errlen)))
            goto out;
    eval_finish(out);
    rc = ES_OK;
out:
    if (rc == ES_ENOMEM)
        snprintf(err, errlen, "out of memory");
    if (rc)
        es_learn_eval_free(out);
    es_free(perm);
    es_free(rows);
    return rc;
}
