/*
 * test_slot.c - what the learned models give a long-running process: the
 * explanation of a prediction (es_model_explain), the confidence test
 * (es_model_confident), and model slots (es_model_slot_*): a model swapped
 * in from a file, refused when corrupt or of another task while the one in
 * use stays, references that keep a replaced model alive, and readers on
 * several threads while the main thread reloads (run under ASan/TSan).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "earshot/learn.h"
#include "earshot/text.h"

#define BITS 16

static const char *const labels[3] = {"happy", "angry", "lost"};
static const char *const words[3][5] = {{"thanks", "great", "love", "wonderful", "best"},
                                        {"terrible", "awful", "rude", "worst", "hate"},
                                        {"baggage", "suitcase", "missing", "lost", "bag"}};
static const char *const noise[6] = {"the", "flight", "today", "my", "crew", "airport"};

/* Trains a model of task on 180 generated texts (deterministic). */
static es_learn_model_t *train(es_learn_task task)
{
    char text[256], err[256] = "";
    es_learn_data_t *d = es_learn_data_new(BITS);
    es_learn_feat_t *f = es_learn_feat_new(BITS);
    es_arena_t *a = es_arena_new(0, 0);
    assert_true(d && f && a);
    for (int i = 0; i < 180; i++) {
        int y = i % 3;
        unsigned s = (unsigned)i * 2654435761u;
        snprintf(text, sizeof text, "%s %s %s %s", noise[s % 6], words[y][(s >> 3) % 5],
                 noise[(s >> 7) % 6], words[y][(s >> 11) % 5]);
        es_mention_t m;
        es_mention_init(&m);
        m.text = text;
        assert_int_equal(es_learn_features(f, &m, a), ES_OK);
        assert_int_equal(es_learn_data_add(d, f, labels[y]), ES_OK);
    }
    es_learn_model_t *m = NULL;
    assert_int_equal(es_learn_train(d, task, 0, &m, err, sizeof err), ES_OK);
    es_arena_free(a);
    es_learn_feat_free(f);
    es_learn_data_free(d);
    return m;
}

static void test_explain(void **state)
{
    es_learn_model_t *m = train(ES_TASK_DEPARTMENT);
    es_arena_t *a = es_arena_new(0, 0);
    es_learn_explanation e;
    es_mention_t mm;
    es_mention_init(&mm);
    mm.text = "My SUITCASE is missing";
    mm.intent = ES_INTENT_COMPLAINT;
    assert_int_equal(es_model_explain(m, &mm, 5, a, &e), ES_OK);
    assert_string_equal(es_learn_model_label(m, (size_t)e.label), "lost");
    assert_true(e.confidence > 1.0 / 3);
    assert_int_equal(e.n, 5);
    /* Strongest first, and the strongest are the words the data taught. */
    for (size_t i = 1; i < e.n; i++)
        assert_true(e.f[i - 1].w >= e.f[i].w);
    int named = 0;
    for (size_t i = 0; i < e.n; i++)
        if ((e.f[i].f[0] == 'w' || e.f[i].f[0] == 'c') && e.f[i].f[1] == ':' &&
            strstr(" suitcase is missing", e.f[i].f + 2))
            named++;
    assert_int_equal(named, 5);
    assert_true(e.f[0].w > 0);
    /* The same prediction as es_learn_predict. */
    es_learn_feat_t *f = es_learn_feat_new(BITS);
    double conf;
    assert_int_equal(es_learn_features(f, &mm, a), ES_OK);
    assert_int_equal(es_learn_predict(m, f, &conf), e.label);
    assert_true(conf == e.confidence);
    /* Every feature, when asked for enough: rule features are named too. */
    assert_int_equal(es_model_explain(m, &mm, ES_LEARN_MAX_EXPLAIN, a, &e), ES_OK);
    int rule = 0, gram = 0;
    for (size_t i = 0; i < e.n; i++) {
        rule += strcmp(e.f[i].f, "rule:intent:complaint") == 0;
        gram += strncmp(e.f[i].f, "c:", 2) == 0 && strlen(e.f[i].f) == 6;
    }
    assert_int_equal(rule, 1);
    assert_true(gram > 0);
    assert_int_equal(es_model_explain(m, &mm, 0, a, &e), ES_EINVAL);
    assert_int_equal(es_model_explain(m, &mm, ES_LEARN_MAX_EXPLAIN + 1, a, &e), ES_EINVAL);
    /* A 4-gram that cuts a multi-byte character is named in \xHH: every
     * name is valid UTF-8. */
    mm.text = "lost \xf0\x9f\x98\xa1 bag";
    assert_int_equal(es_model_explain(m, &mm, ES_LEARN_MAX_EXPLAIN, a, &e), ES_OK);
    int escaped = 0;
    for (size_t i = 0; i < e.n; i++) {
        assert_int_equal(es_utf8_check(e.f[i].f, strlen(e.f[i].f), NULL), ES_OK);
        escaped += strstr(e.f[i].f, "\\x") != NULL;
    }
    assert_true(escaped > 0);
    mm.text = "\xc3\x28 bad";
    assert_int_equal(es_model_explain(m, &mm, 3, a, &e), ES_EUTF8);
    es_learn_feat_free(f);
    es_arena_free(a);
    es_learn_model_free(m);
}

static void test_confident(void **state)
{
    assert_true(es_model_confident(0.9, 0.8));
    assert_false(es_model_confident(0.7, 0.8));
    assert_true(es_model_confident(0.8, 0.8));
    /* No threshold, or a meaningless one: the default. */
    assert_true(es_model_confident(ES_LEARN_CONFIDENT, 0));
    assert_false(es_model_confident(ES_LEARN_CONFIDENT - 0.01, -1));
    assert_false(es_model_confident(ES_LEARN_CONFIDENT - 0.01, 1.5));
}

/* Paths of the test's model files. */
typedef struct files {
    char good[64], other[64], bad[64], task[64];
} files;

static void save(const es_learn_model_t *m, const char *path)
{
    char err[256];
    assert_int_equal(es_learn_save(m, path, err, sizeof err), ES_OK);
}

/* Writes the model files: two good department models (different cost,
 * so different weights), a corrupt copy and a sentiment model. */
static void make_files(files *fs)
{
    snprintf(fs->good, sizeof fs->good, "/tmp/es_slot_%d_a.model", (int)getpid());
    snprintf(fs->other, sizeof fs->other, "/tmp/es_slot_%d_b.model", (int)getpid());
    snprintf(fs->bad, sizeof fs->bad, "/tmp/es_slot_%d_c.model", (int)getpid());
    snprintf(fs->task, sizeof fs->task, "/tmp/es_slot_%d_d.model", (int)getpid());
    es_learn_model_t *m = train(ES_TASK_DEPARTMENT);
    save(m, fs->good);
    save(m, fs->other);
    save(m, fs->bad);
    es_learn_model_free(m);
    m = train(ES_TASK_SENTIMENT);
    save(m, fs->task);
    es_learn_model_free(m);
    FILE *fp = fopen(fs->bad, "r+b");
    assert_non_null(fp);
    fseek(fp, 200, SEEK_SET);
    fputc(0x5a, fp);
    fclose(fp);
}

static void remove_files(const files *fs)
{
    unlink(fs->good);
    unlink(fs->other);
    unlink(fs->bad);
    unlink(fs->task);
}

static void test_slot_swap(void **state)
{
    files fs;
    char err[512] = "";
    make_files(&fs);
    es_model_slot_t *slot = es_model_slot_new(ES_TASK_DEPARTMENT);
    assert_non_null(slot);
    assert_null(es_model_slot_acquire(slot));
    es_model_slot_release(slot, NULL);
    assert_int_equal(es_model_slot_load(slot, fs.good, err, sizeof err), ES_OK);
    assert_int_equal(es_model_slot_generation(slot), 1);
    const es_learn_model_t *m1 = es_model_slot_acquire(slot);
    assert_non_null(m1);
    assert_int_equal(es_learn_model_n_labels(m1), 3);

    /* A corrupt file, a model of another task, a missing file: refused
     * with the reason, and the model in use stays. */
    assert_int_equal(es_model_slot_load(slot, fs.bad, err, sizeof err), ES_ECORRUPT);
    assert_non_null(strstr(err, "checksum"));
    assert_int_equal(es_model_slot_load(slot, fs.task, err, sizeof err), ES_EINVAL);
    assert_non_null(strstr(err, "sentiment model"));
    assert_int_equal(es_model_slot_load(slot, "/nonexistent/x.model", err, sizeof err), ES_EIO);
    assert_int_equal(es_model_slot_generation(slot), 1);
    const es_learn_model_t *again = es_model_slot_acquire(slot);
    assert_ptr_equal(again, m1);
    es_model_slot_release(slot, again);

    /* A reload while m1 is held: new readers get the new model, m1 stays
     * usable until released (ASan would see a use after free). */
    assert_int_equal(es_model_slot_load(slot, fs.other, err, sizeof err), ES_OK);
    assert_int_equal(es_model_slot_generation(slot), 2);
    const es_learn_model_t *m2 = es_model_slot_acquire(slot);
    assert_ptr_not_equal(m2, m1);
    assert_string_equal(es_learn_model_label(m1, 0), es_learn_model_label(m2, 0));
    es_model_slot_release(slot, m1);
    /* A third model while m2 is held, then m2 released: freed then. */
    assert_int_equal(es_model_slot_load(slot, fs.good, err, sizeof err), ES_OK);
    es_model_slot_release(slot, m2);
    /* es_model_slot_set takes a model; one of another task is freed. */
    assert_int_equal(es_model_slot_set(slot, train(ES_TASK_SENTIMENT)), ES_EINVAL);
    assert_int_equal(es_model_slot_set(slot, train(ES_TASK_DEPARTMENT)), ES_OK);
    assert_int_equal(es_model_slot_generation(slot), 4);
    es_model_slot_free(slot);
    assert_null(es_model_slot_new((es_learn_task)7));
    remove_files(&fs);
}

/* A reader thread: acquire, predict, release, many times. */
typedef struct reader {
    es_model_slot_t *slot;
    int done;
    int predictions;
} reader;

static void *read_loop(void *ud)
{
    reader *r = ud;
    es_learn_feat_t *f = es_learn_feat_new(BITS);
    es_arena_t *a = es_arena_new(0, 0);
    es_mention_t m;
    es_mention_init(&m);
    m.text = "where is my suitcase";
    if (!f || !a || es_learn_features(f, &m, a) != ES_OK)
        return NULL;
    for (int i = 0; i < 3000; i++) {
        const es_learn_model_t *model = es_model_slot_acquire(r->slot);
        if (model && es_learn_predict(model, f, NULL) >= 0)
            r->predictions++;
        es_model_slot_release(r->slot, model);
    }
    es_learn_feat_free(f);
    es_arena_free(a);
    r->done = 1;
    return NULL;
}

static void test_slot_threads(void **state)
{
    files fs;
    char err[512];
    make_files(&fs);
    es_model_slot_t *slot = es_model_slot_new(ES_TASK_DEPARTMENT);
    assert_int_equal(es_model_slot_load(slot, fs.good, err, sizeof err), ES_OK);
    reader r[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        r[i] = (reader){slot, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, read_loop, &r[i]), 0);
    }
    for (int i = 0; i < 12; i++) {
        assert_int_equal(es_model_slot_load(slot, i % 2 ? fs.good : fs.other, err, sizeof err),
                         ES_OK);
        assert_int_equal(es_model_slot_load(slot, fs.bad, err, sizeof err), ES_ECORRUPT);
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_true(r[i].done);
        assert_int_equal(r[i].predictions, 3000);
    }
    assert_int_equal(es_model_slot_generation(slot), 13);
    es_model_slot_free(slot);
    remove_files(&fs);
}

/* Every allocation of a load failing in turn: refused, the model stays. */
static void test_slot_fail_alloc(void **state)
{
    files fs;
    char err[512];
    make_files(&fs);
    es_model_slot_t *slot = es_model_slot_new(ES_TASK_DEPARTMENT);
    assert_int_equal(es_model_slot_load(slot, fs.good, err, sizeof err), ES_OK);
    const es_learn_model_t *held = es_model_slot_acquire(slot);
    es_err rc = ES_ENOMEM;
    int n;
    for (n = 0; rc == ES_ENOMEM && n < 1000; n++) {
        es_fail_alloc_after(n);
        rc = es_model_slot_load(slot, fs.other, err, sizeof err);
        es_fail_alloc_after(-1);
        if (rc == ES_ENOMEM) {
            assert_int_equal(es_model_slot_generation(slot), 1);
            const es_learn_model_t *m = es_model_slot_acquire(slot);
            assert_ptr_equal(m, held);
            es_model_slot_release(slot, m);
        }
    }
    assert_int_equal(rc, ES_OK);
    assert_int_equal(es_model_slot_generation(slot), 2);
    es_model_slot_release(slot, held);
    es_model_slot_free(slot);
    remove_files(&fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explain),        cmocka_unit_test(test_confident),
        cmocka_unit_test(test_slot_swap),      cmocka_unit_test(test_slot_threads),
        cmocka_unit_test(test_slot_fail_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
