/*
 * test_gate.c - the store's write gate (store.h, src/store/gate.c) with two
 * handles on one SQLite file: the gate is taken for each write transaction
 * and given back however the transaction ends (commit, rollback, a failed
 * batch, closing the handle inside one), and a handle that goes first gets
 * the gate before a waiting background handle.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "earshot/store.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    es_store_t *first, *later;
    es_store_gate_t *gate;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    struct stat sb;
    const char *base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(f->dir, sizeof f->dir, "%s/es_gate_XXXXXX", base);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    assert_int_equal(es_store_open(f->path, &f->first), ES_OK);
    assert_int_equal(es_store_open(f->path, &f->later), ES_OK);
    assert_int_equal(es_store_gate_new(&f->gate), ES_OK);
    es_store_set_gate(f->first, f->gate, 1);
    es_store_set_gate(f->later, f->gate, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    es_store_close(f->first);
    es_store_close(f->later);
    es_store_gate_free(f->gate);
    char p[160];
    static const char *const ext[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, ext[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static es_mention_t mention(const char *id)
{
    es_mention_t m;
    memset(&m, 0, sizeof m);
    m.source = "twitter";
    m.external_id = id;
    m.author = "someone";
    m.text = "the gate lets one writer in";
    m.created_at = 1800000000;
    return m;
}

/* Every way a transaction ends gives the gate back: were it kept, the
 * other handle's next begin would wait for ever. */
static void test_released(void **state)
{
    fixture *f = *state;
    size_t n = 0;
    assert_int_equal(es_store_begin(f->later), ES_OK);
    assert_int_equal(es_store_commit(f->later), ES_OK);
    assert_int_equal(es_store_begin(f->first), ES_OK);
    es_store_rollback(f->first);
    es_mention_t m = mention("1");
    assert_int_equal(es_store_put(f->later, &m, 1, &n), ES_OK);
    assert_int_equal(n, 1);
    assert_int_equal(es_store_put(f->first, &m, 1, &n), ES_OK);
    assert_int_equal(n, 0);
    es_mention_t bad = mention("2");
    bad.text = NULL; /* refused before the transaction */
    assert_int_not_equal(es_store_put(f->first, &bad, 1, &n), ES_OK);
    assert_int_equal(es_store_begin(f->later), ES_OK);
    es_store_close(f->later); /* inside the transaction */
    assert_int_equal(es_store_open(f->path, &f->later), ES_OK);
    assert_int_equal(es_store_begin(f->first), ES_OK);
    assert_int_equal(es_store_commit(f->first), ES_OK);
    int64_t count = 0;
    assert_int_equal(es_store_count(f->first, &count), ES_OK);
    assert_int_equal(count, 1);
}

typedef struct racer {
    es_store_t *s;
    int *order, *next;
    pthread_mutex_t *mu;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    if (es_store_begin(r->s) != ES_OK)
        return NULL;
    pthread_mutex_lock(r->mu);
    *r->order = ++*r->next;
    pthread_mutex_unlock(r->mu);
    if (es_store_commit(r->s) != ES_OK)
        *r->order = -1;
    return NULL;
}

static void pause_ms(long ms)
{
    struct timespec t = {0, ms * 1000000L};
    nanosleep(&t, NULL);
}

/* While a third handle holds the gate, the background handle starts
 * waiting, then the first one: the first one gets in before it. */
static void test_first_goes_first(void **state)
{
    fixture *f = *state;
    es_store_t *holder = NULL;
    assert_int_equal(es_store_open(f->path, &holder), ES_OK);
    es_store_set_gate(holder, f->gate, 0);
    assert_int_equal(es_store_begin(holder), ES_OK);
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    int next = 0, later_at = 0, first_at = 0;
    racer rl = {f->later, &later_at, &next, &mu}, rf = {f->first, &first_at, &next, &mu};
    pthread_t tl, tf;
    assert_int_equal(pthread_create(&tl, NULL, race, &rl), 0);
    pause_ms(200);
    assert_int_equal(pthread_create(&tf, NULL, race, &rf), 0);
    pause_ms(200);
    assert_int_equal(es_store_commit(holder), ES_OK);
    pthread_join(tf, NULL);
    pthread_join(tl, NULL);
    assert_int_equal(first_at, 1);
    assert_int_equal(later_at, 2);
    es_store_close(holder);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_released, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_goes_first, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
