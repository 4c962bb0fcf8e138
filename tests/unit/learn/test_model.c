/*
 * test_model.c - the learned models (src/learn/) on a small generated data
 * set: features, training, prediction, cross-validation, evaluation, the
 * model file (saved, loaded, and refused when corrupt or mismatched), and
 * every allocation failing in turn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include <cmocka.h>

#include "earshot/learn.h"
#include "learn/learn.h"

#define BITS 16
#define N_EX 240

static const char *const labels[3] = {"happy", "angry", "lost"};
static const char *const words[3][5] = {{"thanks", "great", "love", "wonderful", "best"},
                                        {"terrible", "awful", "rude", "worst", "hate"},
                                        {"baggage", "suitcase", "missing", "lost", "bag"}};
static const char *const noise[6] = {"the", "flight", "today", "my", "crew", "airport"};

/* The i-th generated text (deterministic) and its label index. */
static int gen_text(int i, char *buf, size_t cap)
{
    int y = i % 3;
    unsigned s = (unsigned)i * 2654435761u;
    snprintf(buf, cap, "@air %s %s %s %s %s", noise[s % 6], words[y][(s >> 3) % 5],
             noise[(s >> 7) % 6], words[y][(s >> 11) % 5], noise[(s >> 15) % 6]);
    return y;
}

/* Builds a data set of n generated texts. Returns ES_OK or the error. */
static es_err make_data(int n, es_learn_data_t **out)
{
    char text[256];
    es_err rc = ES_ENOMEM;
    es_learn_data_t *d = es_learn_data_new(BITS);
    es_learn_feat_t *f = es_learn_feat_new(BITS);
    es_arena_t *a = es_arena_new(0, 0);
    if (!d || !f || !a)
        goto out;
    for (int i = 0; i < n; i++) {
        es_mention_t m;
        es_mention_init(&m);
        int y = gen_text(i, text, sizeof text);
        m.text = text;
        m.sentiment.compound = y == 0 ? 0.5 : -0.5;
        es_arena_reset(a);
        if ((rc = es_learn_features(f, &m, a)) || (rc = es_learn_data_add(d, f, labels[y])))
            goto out;
    }
    rc = ES_OK;
out:
    es_arena_free(a);
    es_learn_feat_free(f);
    if (rc)
        es_learn_data_free(d);
    *out = rc ? NULL : d;
    return rc;
}

static es_learn_model_t *train_ok(es_learn_data_t *d)
{
    char err[256] = "";
    es_learn_model_t *m = NULL;
    assert_int_equal(es_learn_train(d, ES_TASK_DEPARTMENT, 0, &m, err, sizeof err), ES_OK);
    assert_non_null(m);
    return m;
}

static void test_task_names(void **state)
{
    es_learn_task t;
    assert_int_equal(es_learn_task_parse("department", &t), ES_OK);
    assert_int_equal(t, ES_TASK_DEPARTMENT);
    assert_string_equal(es_learn_task_name(ES_TASK_INTENT), "intent");
    assert_int_equal(es_learn_task_parse("mood", &t), ES_EINVAL);
    assert_null(es_learn_feat_new(ES_LEARN_MAX_BITS + 1));
}

/* The features of a mention: hashed ones in range, the rule scores after
 * them, and a data set's copy sorted, unique and merged. */
static void test_features(void **state)
{
    es_learn_feat_t *f = es_learn_feat_new(BITS);
    es_learn_data_t *d = es_learn_data_new(BITS);
    es_arena_t *a = es_arena_new(0, 0);
    es_mention_t m;
    es_mention_init(&m);
    m.text = "Lost my bag lost my bag";
    m.sentiment.compound = -0.25;
    m.sentiment.neg = 0.4;
    m.intent = ES_INTENT_QUESTION;
    m.cues = ES_CUE_WAITING;
    assert_int_equal(es_learn_features(f, &m, a), ES_OK);
    /* compound, pos, neu, neg, one intent, one cue */
    assert_int_equal(f->nd, 6);
    assert_true(f->didx[0] == 0 && f->dval[0] == -0.25f);
    int seen_intent = 0;
    for (uint32_t i = 0; i < f->nd; i++)
        if (f->didx[i] == 4 + ES_INTENT_QUESTION && f->dval[i] == 1.0f)
            seen_intent = 1;
    assert_true(seen_intent);
    /* 6 words, 5 bigrams, 20 character 4-grams, each of value 1/sqrt(31) */
    assert_int_equal(f->n, 6 + 5 + 20);
    double sq = (double)f->n * f->w * f->w;
    assert_true(sq > 0.999 && sq < 1.001);
    /* The hashes after the last are zero (prediction reads ahead). */
    for (uint32_t i = 0; i < ES__LEARN_PAD; i++)
        assert_int_equal(f->h[f->n + i], 0);
    /* The repeated words hash alike. */
    /* (order: lost, my, "lost my", bag, "my bag", lost, "bag lost", my, "lost my") */
    assert_int_equal(f->h[0], f->h[5]);
    assert_int_equal(f->h[2], f->h[8]);
    assert_int_not_equal(f->h[0], f->h[1]);
    /* Case folding: the same text in capitals has the same features. */
    es_learn_feat_t *g = es_learn_feat_new(BITS);
    m.text = "LOST MY BAG LOST MY BAG";
    assert_int_equal(es_learn_features(g, &m, a), ES_OK);
    assert_int_equal(g->n, f->n);
    assert_memory_equal(g->h, f->h, f->n * sizeof *f->h);
    /* Non-ASCII text goes through the full NFKC fold: the fullwidth
     * letters fold to the ASCII ones. */
    m.text = "\xef\xbc\xac\xef\xbc\xaf\xef\xbc\xb3\xef\xbc\xb4 my bag lost my bag";
    assert_int_equal(es_learn_features(g, &m, a), ES_OK);
    assert_int_equal(g->n, f->n);
    assert_memory_equal(g->h, f->h, f->n * sizeof *f->h);
    m.text = "\xff broken";
    assert_int_equal(es_learn_features(g, &m, a), ES_EUTF8);
    m.text = "Lost my bag lost my bag";
    assert_int_equal(es_learn_features(f, &m, a), ES_OK);
    assert_int_equal(es_learn_data_add(d, f, "lost"), ES_OK);
    assert_true(d->off[1] < f->n + f->nd); /* the repeated words merged */
    for (size_t i = 1; i < d->off[1]; i++)
        assert_true(d->idx[i - 1] < d->idx[i]);
    /* The ASCII tokenizer: a handle, a number, a URL stand for their kind;
     * "!!!" and "#fail" are tokens: 8 words, 7 bigrams, the 4-grams. */
    const char *t1 = "@united flight 2.5 hours late!!! http://t.co/x #fail";
    const char *t2 = "@delta flight 10:30 hours late!!! https://x.example/y #fail";
    m.text = t1;
    assert_int_equal(es_learn_features(f, &m, a), ES_OK);
    assert_int_equal(f->n, 8 + 7 + strlen(t1) - 3);
    m.text = t2;
    assert_int_equal(es_learn_features(g, &m, a), ES_OK);
    assert_memory_equal(g->h, f->h, 15 * sizeof *f->h); /* the same words and bigrams */
    /* An empty text still has its rule features. */
    m.text = "";
    assert_int_equal(es_learn_features(f, &m, a), ES_OK);
    assert_int_equal(f->n, 0);
    assert_int_equal(f->nd, 6);
    es_learn_feat_free(g);
    es_learn_feat_free(f);
    es_learn_data_free(d);
    es_arena_free(a);
}

static void test_train_predict(void **state)
{
    es_learn_data_t *d = NULL;
    es_learn_eval ev;
    assert_int_equal(make_data(N_EX, &d), ES_OK);
    assert_int_equal(es_learn_data_size(d), N_EX);
    es_learn_model_t *m = train_ok(d);
    assert_int_equal(es_learn_model_n_labels(m), 3);
    assert_int_equal(es_learn_evaluate(m, d, &ev), ES_OK);
    assert_int_equal(ev.n, N_EX);
    assert_true(ev.accuracy > 0.95);
    assert_true(ev.macro_f1 > 0.95);
    es_learn_eval_free(&ev);

    /* An unseen text of the "lost" kind. */
    es_learn_feat_t *f = es_learn_feat_new(BITS);
    es_arena_t *a = es_arena_new(0, 0);
    es_mention_t mm;
    es_mention_init(&mm);
    mm.text = "my suitcase is missing, where is my bag";
    assert_int_equal(es_learn_features(f, &mm, a), ES_OK);
    double conf = 0;
    int k = es_learn_predict(m, f, &conf);
    assert_true(k >= 0);
    assert_string_equal(es_learn_model_label(m, (size_t)k), "lost");
    assert_true(conf > 1.0 / 3 && conf <= 1.0);
    /* Features do not depend on the table size: a buffer made for another
     * size predicts alike, but a data set refuses it. */
    es_learn_feat_t *g = es_learn_feat_new(BITS + 1);
    assert_int_equal(es_learn_features(g, &mm, a), ES_OK);
    assert_int_equal(es_learn_predict(m, g, NULL), k);
    assert_int_equal(es_learn_data_add(d, g, "lost"), ES_EINVAL);
    es_learn_feat_free(g);
    es_learn_feat_free(f);
    es_arena_free(a);
    es_learn_model_free(m);
    es_learn_data_free(d);
}

static void test_cv_and_one_label(void **state)
{
    es_learn_data_t *d = NULL;
    es_learn_eval ev;
    char err[256] = "";
    assert_int_equal(make_data(N_EX, &d), ES_OK);
    assert_int_equal(es_learn_cv(d, ES_TASK_SENTIMENT, 0, 4, 7, &ev, err, sizeof err), ES_OK);
    assert_int_equal(ev.n, N_EX);
    assert_int_equal(ev.n_labels, 3);
    assert_true(ev.accuracy > 0.9);
    size_t sum = 0;
    for (size_t i = 0; i < 9; i++)
        sum += ev.confusion[i];
    assert_int_equal(sum, N_EX);
    es_learn_eval_free(&ev);
    assert_int_equal(es_learn_cv(d, ES_TASK_SENTIMENT, 0, 1, 7, &ev, err, sizeof err), ES_EINVAL);
    es_learn_data_free(d);

    /* Every generated text with i % 3 == 0 is "happy": one label only. */
    es_learn_data_t *one = es_learn_data_new(BITS);
    es_learn_feat_t *f = es_learn_feat_new(BITS);
    es_arena_t *a = es_arena_new(0, 0);
    es_mention_t m;
    es_mention_init(&m);
    m.text = "thanks";
    assert_int_equal(es_learn_features(f, &m, a), ES_OK);
    assert_int_equal(es_learn_data_add(one, f, "happy"), ES_OK);
    es_learn_model_t *model = NULL;
    assert_int_equal(es_learn_train(one, ES_TASK_SENTIMENT, 0, &model, err, sizeof err), ES_EINVAL);
    assert_null(model);
    assert_non_null(strstr(err, "two"));
    es_arena_free(a);
    es_learn_feat_free(f);
    es_learn_data_free(one);
}

/* Reads a whole file into a malloc'd buffer. */
static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *n = (size_t)ftell(fp);
    rewind(fp);
    unsigned char *b = malloc(*n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, *n, fp), *n);
    fclose(fp);
    return b;
}

static void write_all(const char *path, const unsigned char *b, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b, 1, n, fp), n);
    fclose(fp);
}

/* Writes b with one little-endian u32 changed at off and, when rehash, a
 * checksum recomputed, then expects load to fail with want and a message
 * holding needle. */
static void expect_refused(const char *path, unsigned char *b, size_t n, es_err want,
                           const char *needle)
{
    char err[512] = "";
    es_learn_model_t *m = NULL;
    write_all(path, b, n);
    assert_int_equal(es_learn_load(path, &m, err, sizeof err), want);
    assert_null(m);
    assert_non_null(strstr(err, needle));
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void rehash(unsigned char *b, size_t n)
{
    uint64_t h = XXH3_64bits(b, n - 8);
    put32(b + n - 8, (uint32_t)h);
    put32(b + n - 4, (uint32_t)(h >> 32));
}

static void test_save_load_refuse(void **state)
{
    char path[] = "/tmp/es_test_model_XXXXXX", err[512] = "";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    es_learn_data_t *d = NULL;
    es_learn_eval e1, e2;
    assert_int_equal(make_data(N_EX, &d), ES_OK);
    es_learn_model_t *m = train_ok(d), *back = NULL;
    assert_int_equal(es_learn_save(m, path, err, sizeof err), ES_OK);
    assert_int_equal(es_learn_load(path, &back, err, sizeof err), ES_OK);
    assert_int_equal(es_learn_model_task(back), ES_TASK_DEPARTMENT);
    assert_int_equal(es_learn_model_bits(back), BITS);
    assert_int_equal(es_learn_model_n_labels(back), 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(es_learn_model_label(back, i), es_learn_model_label(m, i));
    assert_int_equal(es_learn_evaluate(m, d, &e1), ES_OK);
    assert_int_equal(es_learn_evaluate(back, d, &e2), ES_OK);
    assert_memory_equal(e1.confusion, e2.confusion, 9 * sizeof *e1.confusion);
    es_learn_eval_free(&e1);
    es_learn_eval_free(&e2);
    es_learn_model_free(back);

    size_t n;
    unsigned char *good = read_all(path, &n), *b = malloc(n);
    assert_non_null(b);
    memcpy(b, good, n);
    b[n / 2] ^= 0x40; /* a flipped bit among the weights */
    expect_refused(path, b, n, ES_ECORRUPT, "checksum");
    expect_refused(path, good, n - 100, ES_ECORRUPT, "checksum"); /* truncated */
    expect_refused(path, good, 20, ES_ECORRUPT, "not an earshot model");
    memcpy(b, good, n);
    put32(b + 8, 1); /* the format of 3- to 5-grams, before 4-grams only */
    expect_refused(path, b, n, ES_EUNSUPPORTED, "version 1");
    memcpy(b, good, n);
    put32(b + 8 + 4 * 8, 12345); /* rows that do not match the hash bits */
    rehash(b, n);
    expect_refused(path, b, n, ES_ECORRUPT, "dimensions");
    memcpy(b, good, n);
    put32(b + 8 + 4 * 2, BITS + 1); /* bits, and so dimensions, of another size */
    rehash(b, n);
    expect_refused(path, b, n, ES_ECORRUPT, "dimensions");
    memcpy(b, good, n);
    put32(b + 8 + 4 * 1, 9); /* no such task */
    rehash(b, n);
    expect_refused(path, b, n, ES_ECORRUPT, "task");
    memcpy(b, good, n);
    b[0] = 'X';
    expect_refused(path, b, n, ES_ECORRUPT, "not an earshot model");
    free(b);
    free(good);
    unlink(path);
    assert_int_equal(es_learn_load(path, &back, err, sizeof err), ES_EIO);
    assert_int_equal(es_learn_save(m, "/nonexistent/dir/m", err, sizeof err), ES_EIO);
    es_learn_model_free(m);
    es_learn_data_free(d);
}

/* Builds, trains, cross-validates, saves and loads with the n-th allocation
 * failing; every step must fail cleanly with ES_ENOMEM or succeed. */
static void test_fail_alloc(void **state)
{
    char path[] = "/tmp/es_test_model_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int done = 0;
    for (long n = 0; !done && n < 5000; n++) {
        char err[512] = "";
        es_learn_data_t *d = NULL;
        es_learn_model_t *m = NULL, *back = NULL;
        es_learn_eval ev;
        es_fail_alloc_after(n);
        es_err rc = make_data(30, &d);
        if (rc == ES_OK)
            rc = es_learn_train(d, ES_TASK_INTENT, 0, &m, err, sizeof err);
        if (rc == ES_OK &&
            (rc = es_learn_cv(d, ES_TASK_INTENT, 0, 3, 1, &ev, err, sizeof err)) == ES_OK)
            es_learn_eval_free(&ev);
        if (rc == ES_OK && (rc = es_learn_evaluate(m, d, &ev)) == ES_OK)
            es_learn_eval_free(&ev);
        if (rc == ES_OK)
            rc = es_learn_save(m, path, err, sizeof err);
        if (rc == ES_OK)
            rc = es_learn_load(path, &back, err, sizeof err);
        es_fail_alloc_after(-1);
        if (rc == ES_OK)
            done = 1;
        else
            assert_int_equal(rc, ES_ENOMEM);
        es_learn_model_free(back);
        es_learn_model_free(m);
        es_learn_data_free(d);
    }
    assert_true(done);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_task_names),       cmocka_unit_test(test_features),
        cmocka_unit_test(test_train_predict),    cmocka_unit_test(test_cv_and_one_label),
        cmocka_unit_test(test_save_load_refuse), cmocka_unit_test(test_fail_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
