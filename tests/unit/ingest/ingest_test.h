/*
 * ingest_test.h - what the ingest unit tests share: run a whole input
 * through a reader and its decoder, as the CLI does, and keep every mention
 * and every rejection reason for the test to check.
 */
#ifndef ES_TEST_INGEST_TEST_H
#define ES_TEST_INGEST_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/ingest.h"

#define RUN_MAX 64

typedef struct run {
    es_arena_t *arena;       /* holds every mention and reason */
    es_mention_t m[RUN_MAX]; /* mentions in order */
    long m_line[RUN_MAX];    /* the line of the record of each */
    size_t n;
    const char *reason[RUN_MAX]; /* rejections, decoder or reader */
    size_t n_rej;
    es_err open_rc;
    char err[256]; /* es_reader_open's message */
} run;

/* Reads fp to the end. Returns the run (free with run_free). */
static inline run *run_fp(FILE *fp, const char *name, es_format f, const char *map,
                          const char *source)
{
    run *r = calloc(1, sizeof *r);
    es_reader_opts o = {f, source, map};
    es_reader_t *rd = NULL;
    es_record rec;
    es_err rc;
    assert_non_null(r);
    r->arena = es_arena_new(0, 0);
    assert_non_null(r->arena);
    r->open_rc = es_reader_open(fp, name, &o, &rd, r->err, sizeof r->err);
    if (r->open_rc)
        return r;
    while ((rc = es_reader_next(rd, &rec)) != ES_END) {
        es_mention_t *ms;
        size_t n;
        const char *why;
        if (rc == ES_REJECTED) {
            assert_true(r->n_rej < RUN_MAX);
            r->reason[r->n_rej++] = es_arena_strdup(r->arena, es_reader_errmsg(rd));
            continue;
        }
        assert_int_equal(rc, ES_OK);
        rc = es_decode(es_reader_decoder(rd), &rec, r->arena, &ms, &n, &why);
        if (rc == ES_REJECTED) {
            assert_non_null(why);
            assert_true(r->n_rej < RUN_MAX);
            r->reason[r->n_rej++] = why;
            continue;
        }
        assert_int_equal(rc, ES_OK);
        for (size_t i = 0; i < n; i++) {
            assert_true(r->n < RUN_MAX);
            r->m_line[r->n] = rec.line;
            r->m[r->n++] = ms[i];
        }
    }
    es_reader_free(rd);
    return r;
}

/* Runs over an input given as a string. */
static inline run *run_str(const char *s, size_t n, es_format f, const char *map)
{
    FILE *fp = fmemopen((void *)s, n, "r");
    assert_non_null(fp);
    run *r = run_fp(fp, NULL, f, map, NULL);
    fclose(fp);
    return r;
}

/* Runs over a file of tests/data/ingest/. */
static inline run *run_file(const char *file, es_format f, const char *map)
{
    char path[512];
    snprintf(path, sizeof path, "%s/ingest/%s", ES_TEST_DATA, file);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    run *r = run_fp(fp, path, f, map, NULL);
    fclose(fp);
    return r;
}

static inline void run_free(run *r)
{
    if (!r)
        return;
    es_arena_free(r->arena);
    free(r);
}

/* The mention whose external id is id, or a test failure. */
static inline const es_mention_t *run_find(const run *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->m[i].external_id && strcmp(r->m[i].external_id, id) == 0)
            return &r->m[i];
    fail_msg("no mention with id %s", id);
    return NULL;
}

/* 1 when some rejection reason contains needle. */
static inline int run_rejected(const run *r, const char *needle)
{
    for (size_t i = 0; i < r->n_rej; i++)
        if (strstr(r->reason[i], needle))
            return 1;
    return 0;
}

/* Decodes one record given as a string, with a fresh arena each time;
 * used by the allocation-failure loops. Returns es_decode's code. */
static inline es_err decode_one(const es_decoder_t *d, const char *s, int format, es_arena_t *a,
                                size_t *n)
{
    es_record rec = {s, strlen(s), 1, format};
    es_mention_t *ms;
    const char *why;
    return es_decode(d, &rec, a, &ms, n, &why);
}

/* Opens a reader over an empty input for its decoder. */
static inline es_reader_t *reader_for(es_format f, FILE **fp)
{
    static const char empty[] = "\n";
    es_reader_opts o = {f, NULL, NULL};
    es_reader_t *rd = NULL;
    char err[128];
    *fp = fmemopen((void *)empty, 1, "r");
    assert_non_null(*fp);
    assert_int_equal(es_reader_open(*fp, NULL, &o, &rd, err, sizeof err), ES_OK);
    return rd;
}

/* Fails the Nth allocation for N = 0, 1, ... until decoding succeeds: every
 * failure must be ES_ENOMEM, never a crash, a leak or a false rejection. */
static inline void alloc_failures(es_format f, const char *record)
{
    FILE *fp;
    es_reader_t *rd = reader_for(f, &fp);
    int ok = 0;
    for (long k = 0; k < 200 && !ok; k++) {
        es_arena_t *a = es_arena_new(256, 0);
        size_t n;
        if (!a)
            continue;
        es_fail_alloc_after(k);
        es_err rc = decode_one(es_reader_decoder(rd), record, (int)f, a, &n);
        es_fail_alloc_after(-1);
        assert_true(rc == ES_OK || rc == ES_ENOMEM);
        ok = rc == ES_OK;
        es_arena_free(a);
    }
    assert_true(ok);
    es_reader_free(rd);
    fclose(fp);
}

#endif
