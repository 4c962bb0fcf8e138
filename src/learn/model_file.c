/*
 * model_file.c - the model file: writing it (es_learn_save) and reading it
 * back with every check (es_learn_load). Used by `earshot train` (save) and
 * by `eval`, `analyze` and `ingest --model` (load).
 *
 * Layout, all integers little-endian (docs/learning.md):
 *   "ESMODEL\0"                      8 bytes of magic
 *   u32 format version (2), task, hash bits, dense features,
 *       word n-gram max (2), char n-gram min (4) and max (4),
 *       labels k, rows (dim + 1)
 *   k labels, each a u32 length (1..255) and its bytes
 *   rows * k float32 weights
 *   u64 XXH3-64 of every byte before it
 * A file is refused (ES_ECORRUPT, or ES_EUNSUPPORTED for another version or
 * feature set) with a message naming the first check that failed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "learn/learn.h"

#define MAGIC "ESMODEL"
#define FORMAT_VERSION 2u
#define N_HEAD 9 /* u32 fields after the magic */
#define MAX_FILE ((size_t)1 << 31)

/* The feature configuration this build computes (features.c). */
static const uint32_t feat_config[3] = {2, 4, 4};

/* Appends n bytes to the growing buffer; the caller checked room. */
static void put(unsigned char **p, const void *s, size_t n)
{
    memcpy(*p, s, n);
    *p += n;
}

static void put32(unsigned char **p, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(p, b, 4);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

es_err es_learn_save(const es_learn_model_t *m, const char *path, char *err, size_t errlen)
{
    size_t rows = (size_t)m->dim + 1, size = 8 + 4 * N_HEAD + rows * m->k * 4 + 8;
    for (size_t i = 0; i < m->k; i++)
        size += 4 + strlen(m->labels[i]);
    unsigned char *buf = es_malloc(size), *p = buf;
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return ES_ENOMEM;
    }
    put(&p, MAGIC, 8);
    const uint32_t head[N_HEAD] = {FORMAT_VERSION,   (uint32_t)m->task, m->bits,
                                   ES_LEARN_N_DENSE, feat_config[0],    feat_config[1],
                                   feat_config[2],   (uint32_t)m->k,    (uint32_t)rows};
    for (int i = 0; i < N_HEAD; i++)
        put32(&p, head[i]);
    for (size_t i = 0; i < m->k; i++) {
        size_t n = strlen(m->labels[i]);
        put32(&p, (uint32_t)n);
        put(&p, m->labels[i], n);
    }
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < m->k; c++) {
            uint32_t v;
            memcpy(&v, &m->w[r * m->kp + c], 4);
            put32(&p, v);
        }
    uint64_t h = XXH3_64bits(buf, (size_t)(p - buf));
    put32(&p, (uint32_t)h);
    put32(&p, (uint32_t)(h >> 32));
    es_err rc = ES_OK;
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(buf, 1, size, fp) != size) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = ES_EIO;
    }
    if (fp && fclose(fp) != 0 && rc == ES_OK) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = ES_EIO;
    }
    es_free(buf);
    return rc;
}

/* Reads the whole file into *buf (es_free it). */
static es_err slurp(const char *path, unsigned char **buf, size_t *size, char *err, size_t errlen)
{
    es_err rc = ES_EIO;
    long end;
    *buf = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp || fseek(fp, 0, SEEK_END) != 0 || (end = ftell(fp)) < 0 ||
        fseek(fp, 0, SEEK_SET) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    if ((size_t)end > MAX_FILE) {
        snprintf(err, errlen, "%s: not a model file (%ld bytes, over the limit)", path, end);
        rc = ES_ECORRUPT;
        goto out;
    }
    *size = (size_t)end;
    if (!(*buf = es_malloc(*size ? *size : 1))) {
        snprintf(err, errlen, "out of memory");
        rc = ES_ENOMEM;
        goto out;
    }
    if (fread(*buf, 1, *size, fp) != *size) {
        snprintf(err, errlen, "%s: read failed", path);
        goto out;
    }
    rc = ES_OK;
out:
    if (fp)
        fclose(fp);
    if (rc) {
        es_free(*buf);
        *buf = NULL;
    }
    return rc;
}

/* Checks the header fields h[0..N_HEAD). Returns ES_OK or the error with
 * its reason in err. */
static es_err check_head(const char *path, const uint32_t *h, char *err, size_t errlen)
{
    if (h[0] != FORMAT_VERSION) {
        snprintf(err, errlen, "%s: model format version %u; this earshot reads version %u", path,
                 h[0], FORMAT_VERSION);
        return ES_EUNSUPPORTED;
    }
    if (h[1] >= ES_TASK_COUNT) {
        snprintf(err, errlen, "%s: unknown task %u", path, h[1]);
        return ES_ECORRUPT;
    }
    if (h[2] < ES_LEARN_MIN_BITS || h[2] > ES_LEARN_MAX_BITS) {
        snprintf(err, errlen, "%s: hash bits %u out of range", path, h[2]);
        return ES_ECORRUPT;
    }
    if (h[3] != ES_LEARN_N_DENSE || h[4] != feat_config[0] || h[5] != feat_config[1] ||
        h[6] != feat_config[2]) {
        snprintf(err, errlen, "%s: the model's feature set differs from this earshot's", path);
        return ES_EUNSUPPORTED;
    }
    if (h[7] < 2 || h[7] > ES__LEARN_MAX_LABELS) {
        snprintf(err, errlen, "%s: %u labels (2 to %d allowed)", path, h[7], ES__LEARN_MAX_LABELS);
        return ES_ECORRUPT;
    }
    if (h[8] != es__learn_dim(h[2]) + 1) {
        snprintf(err, errlen, "%s: dimensions %u do not match %u hash bits (expected %u)", path,
                 h[8], h[2], es__learn_dim(h[2]) + 1);
        return ES_ECORRUPT;
    }
    return ES_OK;
}

/* Reads the labels at *p (within end) into m, checking them. */
static es_err read_labels(const char *path, es_learn_model_t *m, const unsigned char **p,
                          const unsigned char *end, char *err, size_t errlen)
{
    for (size_t i = 0; i < m->k; i++) {
        uint32_t n = (size_t)(end - *p) >= 4 ? get32(*p) : 0;
        if (n == 0 || n > 255 || (size_t)(end - *p) < 4 + (size_t)n) {
            snprintf(err, errlen, "%s: label %zu is malformed or the file is truncated", path, i);
            return ES_ECORRUPT;
        }
        if (!(m->labels[i] = es_strndup((const char *)*p + 4, n))) {
            snprintf(err, errlen, "out of memory");
            return ES_ENOMEM;
        }
        *p += 4 + n;
        if (strlen(m->labels[i]) != n) {
            snprintf(err, errlen, "%s: label %zu holds a NUL byte", path, i);
            return ES_ECORRUPT;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->labels[j], m->labels[i]) == 0) {
                snprintf(err, errlen, "%s: label '%s' appears twice", path, m->labels[i]);
                return ES_ECORRUPT;
            }
    }
    return ES_OK;
}

es_err es_learn_load(const char *path, es_learn_model_t **out, char *err, size_t errlen)
{
    unsigned char *buf = NULL;
    size_t size = 0;
    uint32_t h[N_HEAD];
    es_learn_model_t *m = NULL;
    *out = NULL;
    es_err rc = slurp(path, &buf, &size, err, errlen);
    if (rc)
        return rc;
    rc = ES_ECORRUPT;
    if (size < 8 + 4 * N_HEAD + 8 || memcmp(buf, MAGIC, 8) != 0) {
        snprintf(err, errlen, "%s: not an earshot model file", path);
        goto out;
    }
    for (int i = 0; i < N_HEAD; i++)
        h[i] = get32(buf + 8 + 4 * i);
    if ((rc = check_head(path, h, err, errlen)))
        goto out;
    const unsigned char *end = buf + size - 8, *p = buf + 8 + 4 * N_HEAD;
    uint64_t sum = (uint64_t)get32(end) | (uint64_t)get32(end + 4) << 32;
    if (XXH3_64bits(buf, size - 8) != sum) {
        snprintf(err, errlen, "%s: checksum mismatch (the file is corrupt or truncated)", path);
        rc = ES_ECORRUPT;
        goto out;
    }
    if (!(m = es__learn_model_new((es_learn_task)h[1], h[2], h[7]))) {
        snprintf(err, errlen, "out of memory");
        rc = ES_ENOMEM;
        goto out;
    }
    if ((rc = read_labels(path, m, &p, end, err, errlen)))
        goto out;
    size_t nw = (size_t)h[8] * m->k;
    if ((size_t)(end - p) != nw * 4) {
        snprintf(err, errlen, "%s: %zu bytes of weights, expected %zu", path, (size_t)(end - p),
                 nw * 4);
        rc = ES_ECORRUPT;
        goto out;
    }
    for (size_t i = 0; i < nw; i++, p += 4) {
        uint32_t v = get32(p);
        memcpy(&m->w[i / m->k * m->kp + i % m->k], &v, 4);
    }
    if (es__learn_model_quantize(m)) {
        snprintf(err, errlen, "out of memory");
        rc = ES_ENOMEM;
        goto out;
    }
    *out = m;
    m = NULL;
    rc = ES_OK;
out:
    es_learn_model_free(m);
    es_free(buf);
    return rc;
}
