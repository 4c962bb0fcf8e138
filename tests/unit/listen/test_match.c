/*
 * test_match.c - matching mentions against listening queries (L2). The
 * cases of tests/data/listen/match_cases.txt (boolean logic, phrases, NEAR/n
 * in both orders, wildcards, hashtags and handles, fields, Unicode folding,
 * word boundaries) run once with a matcher per query and once with every
 * query of the file in one matcher. Then: ids and brands, the empty list,
 * explain's byte ranges, many queries, refusals and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "earshot/listen.h"

#define MAX_Q 256
#define MAX_T 1024

typedef struct tcase {
    int query;  /* index into queries */
    int expect; /* 1 must match, 0 must not */
    int line;
    char *text;
    char *field[4]; /* author, source, lang, location */
} tcase;

static char *queries[MAX_Q];
static int nq;
static tcase cases[MAX_T];
static int nc;

/* Reads "[k=v;k=v] " at the start of a text line into c. */
static char *read_fields(char *s, tcase *c)
{
    static const char *names[] = {"author", "source", "lang", "location"};
    if (*s != '[')
        return s;
    char *end = strchr(s, ']');
    assert_non_null(end);
    *end = '\0';
    for (char *kv = s + 1; kv && *kv;) {
        char *next = strchr(kv, ';');
        if (next)
            *next++ = '\0';
        char *eq = strchr(kv, '=');
        assert_non_null(eq);
        *eq = '\0';
        for (int i = 0; i < 4; i++)
            if (strcmp(kv, names[i]) == 0)
                c->field[i] = strdup(eq + 1);
        kv = next;
    }
    return end + (end[1] == ' ' ? 2 : 1);
}

static int load_cases(void **state)
{
    (void)state;
    FILE *f = fopen(ES_TEST_DATA "/listen/match_cases.txt", "r");
    if (!f)
        return -1;
    char line[1024];
    int ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "Q ", 2) == 0 && nq < MAX_Q) {
            queries[nq++] = strdup(line + 2);
        } else if ((line[0] == '+' || line[0] == '-') && nq > 0 && nc < MAX_T) {
            tcase *c = &cases[nc++];
            memset(c, 0, sizeof *c);
            c->query = nq - 1;
            c->expect = line[0] == '+';
            c->line = ln;
            c->text = strdup(read_fields(line + (line[1] == ' ' ? 2 : 1), c));
        }
    }
    fclose(f);
    return nq > 0 && nc > 0 ? 0 : -1;
}

static int free_cases(void **state)
{
    (void)state;
    for (int i = 0; i < nq; i++)
        free(queries[i]);
    for (int i = 0; i < nc; i++) {
        free(cases[i].text);
        for (int k = 0; k < 4; k++)
            free(cases[i].field[k]);
    }
    return 0;
}

static void mention_of(const tcase *c, es_mention_t *m)
{
    memset(m, 0, sizeof *m);
    m->text = c->text;
    m->author = c->field[0];
    m->source = c->field[1];
    m->lang = c->field[2];
    m->location = c->field[3];
}

/* 1 when id is among the n ids. */
static int has(const uint32_t *ids, size_t n, uint32_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

static void file_cases_one_by_one(void **state)
{
    (void)state;
    for (int i = 0; i < nc; i++) {
        const tcase *c = &cases[i];
        es_query_def d = {100, 1, queries[c->query]};
        es_matcher_t *m = NULL;
        es_match_scratch_t *s = NULL;
        size_t bad = 0, n = 0, nb = 0;
        es_query_error err;
        es_err rc = es_matcher_build(&d, 1, &m, &bad, &err);
        if (rc)
            print_error("line %d: %s: column %d: %s\n", c->line, d.text, err.column, err.reason);
        assert_int_equal(rc, ES_OK);
        assert_int_equal(es_match_scratch_new(m, &s), ES_OK);
        es_mention_t mt;
        mention_of(c, &mt);
        uint32_t ids[4], brands[4];
        assert_int_equal(es_matcher_match(m, s, &mt, ids, 4, &n, brands, 4, &nb), ES_OK);
        if ((int)n != c->expect)
            print_error("line %d: %s %s \"%s\"\n", c->line, d.text,
                        c->expect ? "should match" : "should not match", c->text);
        assert_int_equal((int)n, c->expect);
        assert_int_equal((int)nb, c->expect);
        if (n) {
            assert_int_equal(ids[0], 100);
            assert_int_equal(brands[0], 1);
        }
        es_match_scratch_free(s);
        es_matcher_free(m);
    }
}

static void file_cases_all_together(void **state)
{
    (void)state;
    es_query_def defs[MAX_Q];
    for (int i = 0; i < nq; i++)
        defs[i] = (es_query_def){(uint32_t)(1000 - i), (uint32_t)(i % 3), queries[i]};
    es_matcher_t *m = NULL;
    es_match_scratch_t *s = NULL;
    size_t bad = 0;
    es_query_error err;
    assert_int_equal(es_matcher_build(defs, (size_t)nq, &m, &bad, &err), ES_OK);
    assert_int_equal(es_match_scratch_new(m, &s), ES_OK);
    for (int i = 0; i < nc; i++) {
        const tcase *c = &cases[i];
        es_mention_t mt;
        mention_of(c, &mt);
        uint32_t ids[MAX_Q], brands[4];
        size_t n = 0, nb = 0;
        assert_int_equal(es_matcher_match(m, s, &mt, ids, MAX_Q, &n, brands, 4, &nb), ES_OK);
        for (size_t k = 1; k < n; k++)
            assert_true(ids[k - 1] < ids[k]);
        for (size_t k = 1; k < nb; k++)
            assert_true(brands[k - 1] < brands[k]);
        int got = has(ids, n, (uint32_t)(1000 - c->query));
        if (got != c->expect)
            print_error("line %d (together): %s on \"%s\"\n", c->line, queries[c->query], c->text);
        assert_int_equal(got, c->expect);
    }
    es_match_scratch_free(s);
    es_matcher_free(m);
}

/* ------------------------------------------------------------------ */

static void ids_and_brands(void **state)
{
    (void)state;
    es_query_def defs[] = {
        {30, 2, "delay"}, {10, 2, "flight"}, {20, 1, "#late"}, {40, 5, "nothing"}, {10, 2, "late"},
    };
    es_matcher_t *m = NULL;
    es_match_scratch_t *s = NULL;
    assert_int_equal(es_matcher_build(defs, 5, &m, NULL, NULL), ES_OK);
    assert_int_equal(es_match_scratch_new(m, &s), ES_OK);
    es_mention_t mt;
    memset(&mt, 0, sizeof mt);
    mt.text = "Flight delay, so #late";
    uint32_t ids[8], brands[8];
    size_t n = 0, nb = 0;
    assert_int_equal(es_matcher_match(m, s, &mt, ids, 8, &n, brands, 8, &nb), ES_OK);
    /* id 10 is given twice: reported once. */
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 10);
    assert_int_equal(ids[1], 20);
    assert_int_equal(ids[2], 30);
    assert_int_equal(nb, 2);
    assert_int_equal(brands[0], 1);
    assert_int_equal(brands[1], 2);
    /* Bounded outputs keep the lowest; NULL outputs are allowed. */
    assert_int_equal(es_matcher_match(m, s, &mt, ids, 2, &n, brands, 1, &nb), ES_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ids[1], 20);
    assert_int_equal(nb, 1);
    assert_int_equal(es_matcher_match(m, s, &mt, NULL, 0, &n, NULL, 0, &nb), ES_OK);
    assert_int_equal(n, 0);
    /* A text without a term, then NULL text: nothing. */
    mt.text = "all good";
    assert_int_equal(es_matcher_match(m, s, &mt, ids, 8, &n, brands, 8, &nb), ES_OK);
    assert_int_equal(n, 0);
    mt.text = NULL;
    assert_int_equal(es_matcher_match(m, s, &mt, ids, 8, &n, brands, 8, &nb), ES_OK);
    assert_int_equal(n, 0);
    es_match_scratch_free(s);
    es_matcher_free(m);
}

static void empty_list_and_field_only(void **state)
{
    (void)state;
    es_matcher_t *m = NULL;
    es_match_scratch_t *s = NULL;
    assert_int_equal(es_matcher_build(NULL, 0, &m, NULL, NULL), ES_OK);
    assert_int_equal(es_match_scratch_new(m, &s), ES_OK);
    es_mention_t mt;
    memset(&mt, 0, sizeof mt);
    mt.text = "anything";
    uint32_t ids[2];
    size_t n = 9, nb = 9;
    assert_int_equal(es_matcher_match(m, s, &mt, ids, 2, &n, NULL, 0, &nb), ES_OK);
    assert_int_equal(n, 0);
    assert_int_equal(es_matcher_explain(m, s, 0, &mt, NULL, NULL), ES_EINVAL);
    es_match_scratch_free(s);
    es_matcher_free(m);
    /* Queries without any term: no Hyperscan database, still evaluated. */
    es_query_def d = {7, 3, "source:sms OR NOT lang:en"};
    assert_int_equal(es_matcher_build(&d, 1, &m, NULL, NULL), ES_OK);
    assert_int_equal(es_match_scratch_new(m, &s), ES_OK);
    mt.lang = "en";
    assert_int_equal(es_matcher_match(m, s, &mt, ids, 2, &n, NULL, 0, &nb), ES_OK);
    assert_int_equal(n, 0);
    mt.source = "SMS";
    assert_int_equal(es_matcher_match(m, s, &mt, ids, 2, &n, NULL, 0, &nb), ES_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], 7);
    es_match_scratch_free(s);
    es_matcher_free(m);
}

typedef struct hits {
    int n;
    char term[8][64];
    long start[8], end[8];
} hits;

static void collect(const char *term, long start, long end, void *ud)
{
    hits *h = ud;
    if (h->n < 8) {
        snprintf(h->term[h->n], sizeof h->term[0], "%s", term);
        h->start[h->n] = start;
        h->end[h->n] = end;
    }
    h->n++;
}

static void explain_ranges(void **state)
{
    (void)state;
    es_query_def defs[] = {
        {1, 1, "nothing"},
        {2, 1, "(\"on hold\" NEAR/3 caf\xc3\xa9) deliver* -spam author:bob"},
    };
    es_matcher_t *m = NULL;
    es_match_scratch_t *s = NULL;
    assert_int_equal(es_matcher_build(defs, 2, &m, NULL, NULL), ES_OK);
    assert_int_equal(es_match_scratch_new(m, &s), ES_OK);
    es_mention_t mt;
    memset(&mt, 0, sizeof mt);
    /* Byte offsets count the original bytes: "É" is two, "ﬁ" three. */
    mt.text = "\xef\xac\x81ne: CAF\xc3\x89 ON HOLD, Delivery";
    mt.author = "@Bob";
    hits h = {0};
    assert_int_equal(es_matcher_explain(m, s, 1, &mt, collect, &h), ES_OK);
    assert_int_equal(h.n, 4);
    assert_string_equal(h.term[0], "\"on hold\"");
    assert_int_equal(h.start[0], 13);
    assert_int_equal(h.end[0], 20);
    assert_string_equal(h.term[1], "caf\xc3\xa9");
    assert_int_equal(h.start[1], 7);
    assert_int_equal(h.end[1], 12);
    assert_string_equal(h.term[2], "deliver*");
    assert_int_equal(h.start[2], 22);
    assert_int_equal(h.end[2], 30);
    assert_string_equal(h.term[3], "author:bob");
    assert_int_equal(h.start[3], -1);
    assert_int_equal(h.end[3], -1);
    assert_int_equal(es_matcher_explain(m, s, 2, &mt, collect, &h), ES_EINVAL);
    es_match_scratch_free(s);
    es_matcher_free(m);
}

static void many_queries(void **state)
{
    (void)state;
    enum { N = 3000 };
    es_query_def *defs = calloc(N, sizeof *defs);
    char(*texts)[48] = calloc(N, sizeof *texts);
    assert_non_null(defs);
    assert_non_null(texts);
    for (int i = 0; i < N; i++) {
        switch (i % 3) {
        case 0: snprintf(texts[i], sizeof texts[i], "brand%d", i); break;
        case 1: snprintf(texts[i], sizeof texts[i], "\"word%d late\"", i); break;
        default: snprintf(texts[i], sizeof texts[i], "item%d NEAR/2 broken -ok", i); break;
        }
        defs[i] = (es_query_def){(uint32_t)i, (uint32_t)(i / 100), texts[i]};
    }
    es_matcher_t *m = NULL;
    es_match_scratch_t *s = NULL;
    assert_int_equal(es_matcher_build(defs, N, &m, NULL, NULL), ES_OK);
    assert_int_equal(es_match_scratch_new(m, &s), ES_OK);
    es_mention_t mt;
    memset(&mt, 0, sizeof mt);
    mt.text = "Brand300 and word301 late, item302 is broken; brand3000 brand30 item5 broken ok";
    uint32_t ids[16], brands[16];
    size_t n = 0, nb = 0;
    assert_int_equal(es_matcher_match(m, s, &mt, ids, 16, &n, brands, 16, &nb), ES_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 30);
    assert_int_equal(ids[1], 300);
    assert_int_equal(ids[2], 301);
    /* 302 is broken, but "ok" is there too: NOT ok fails. */
    assert_int_equal(nb, 2);
    assert_int_equal(brands[0], 0);
    assert_int_equal(brands[1], 3);
    es_match_scratch_free(s);
    es_matcher_free(m);
    free(defs);
    free(texts);
}

static void refusals(void **state)
{
    (void)state;
    es_query_def defs[] = {{1, 1, "fine"}, {2, 1, "also fine"}, {3, 1, "broken AND"}};
    es_matcher_t *m = NULL;
    size_t bad = 99;
    es_query_error err;
    assert_int_equal(es_matcher_build(defs, 3, &m, &bad, &err), ES_EPARSE);
    assert_null(m);
    assert_int_equal(bad, 2);
    assert_int_equal(err.column, 8);
    defs[2].text = NULL;
    assert_int_equal(es_matcher_build(defs, 3, &m, &bad, &err), ES_EINVAL);
    assert_int_equal(bad, 2);
    assert_int_equal(es_matcher_build(defs, 2, NULL, &bad, &err), ES_EINVAL);
    /* A scratch belongs to its matcher; texts have a limit. */
    es_matcher_t *a = NULL, *b = NULL;
    es_match_scratch_t *s = NULL;
    assert_int_equal(es_matcher_build(defs, 1, &a, NULL, NULL), ES_OK);
    assert_int_equal(es_matcher_build(defs, 2, &b, NULL, NULL), ES_OK);
    assert_int_equal(es_match_scratch_new(a, &s), ES_OK);
    es_mention_t mt;
    memset(&mt, 0, sizeof mt);
    mt.text = "fine";
    size_t n = 0, nb = 0;
    assert_int_equal(es_matcher_match(b, s, &mt, NULL, 0, &n, NULL, 0, &nb), ES_EINVAL);
    char *big = malloc(ES_MAX_TEXT + 2);
    assert_non_null(big);
    memset(big, 'a', ES_MAX_TEXT + 1);
    big[ES_MAX_TEXT + 1] = '\0';
    mt.text = big;
    assert_int_equal(es_matcher_match(a, s, &mt, NULL, 0, &n, NULL, 0, &nb), ES_ELIMIT);
    free(big);
    es_match_scratch_free(s);
    es_matcher_free(a);
    es_matcher_free(b);
    es_matcher_free(NULL);
    es_match_scratch_free(NULL);
}

/* A dense text: NEAR over thousands of occurrences stays bounded. */
static void hostile_text(void **state)
{
    (void)state;
    es_query_def d = {1, 1, "(aaa OR \"a a\") NEAR/5 (aaa* OR a) NEAR/3 a"};
    es_matcher_t *m = NULL;
    es_match_scratch_t *s = NULL;
    assert_int_equal(es_matcher_build(&d, 1, &m, NULL, NULL), ES_OK);
    assert_int_equal(es_match_scratch_new(m, &s), ES_OK);
    char *big = malloc(ES_MAX_TEXT + 1);
    assert_non_null(big);
    for (size_t i = 0; i < ES_MAX_TEXT; i += 2) {
        big[i] = 'a';
        big[i + 1] = ' ';
    }
    big[ES_MAX_TEXT] = '\0';
    es_mention_t mt;
    memset(&mt, 0, sizeof mt);
    mt.text = big;
    uint32_t id;
    size_t n = 0, nb = 0;
    assert_int_equal(es_matcher_match(m, s, &mt, &id, 1, &n, NULL, 0, &nb), ES_OK);
    assert_int_equal(n, 1);
    free(big);
    es_match_scratch_free(s);
    es_matcher_free(m);
}

/* Two threads, one matcher, a scratch each: the same answers as one. */
typedef struct worker {
    const es_matcher_t *m;
    size_t found; /* matches over all the file's texts, many times */
    int rc;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    es_match_scratch_t *s = NULL;
    if ((w->rc = es_match_scratch_new(w->m, &s)))
        return NULL;
    for (int round = 0; round < 50 && !w->rc; round++) {
        for (int i = 0; i < nc && !w->rc; i++) {
            es_mention_t mt;
            mention_of(&cases[i], &mt);
            uint32_t ids[MAX_Q];
            size_t n = 0, nb = 0;
            w->rc = es_matcher_match(w->m, s, &mt, ids, MAX_Q, &n, NULL, 0, &nb);
            w->found += n;
        }
    }
    es_match_scratch_free(s);
    return NULL;
}

static void threads_share_a_matcher(void **state)
{
    (void)state;
    es_query_def defs[MAX_Q];
    for (int i = 0; i < nq; i++)
        defs[i] = (es_query_def){(uint32_t)i, 0, queries[i]};
    es_matcher_t *m = NULL;
    assert_int_equal(es_matcher_build(defs, (size_t)nq, &m, NULL, NULL), ES_OK);
    worker alone = {m, 0, 0}, w[2] = {{m, 0, 0}, {m, 0, 0}};
    work(&alone);
    assert_int_equal(alone.rc, ES_OK);
    assert_true(alone.found > 0);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].rc, ES_OK);
        assert_int_equal(w[i].found, alone.found);
    }
    es_matcher_free(m);
}

static void allocation_failures(void **state)
{
    (void)state;
    es_query_def defs[] = {
        {1, 1, "(united OR \"united airlines\") NEAR/4 (delay* OR late)"},
        {2, 2, "#fail -spam"},
        {3, 2, "author:x OR lang:fr"},
    };
    es_mention_t mt;
    memset(&mt, 0, sizeof mt);
    mt.text = "United Airlines: delayed and LATE again #fail \xc3\x89t\xc3\xa9";
    mt.author = "x";
    int ok = 0;
    for (long k = 0; k < 2000 && !ok; k++) {
        es_matcher_t *m = NULL;
        es_match_scratch_t *s = NULL;
        uint32_t ids[4];
        size_t n = 0, nb = 0;
        es_fail_alloc_after(k);
        es_err rc = es_matcher_build(defs, 3, &m, NULL, NULL);
        if (!rc)
            rc = es_match_scratch_new(m, &s);
        if (!rc)
            rc = es_matcher_match(m, s, &mt, ids, 4, &n, NULL, 0, &nb);
        es_fail_alloc_after(-1);
        if (rc == ES_OK) {
            ok = 1;
            assert_int_equal(n, 3);
        } else {
            assert_int_equal(rc, ES_ENOMEM);
        }
        es_match_scratch_free(s);
        es_matcher_free(m);
    }
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_cases_one_by_one),
        cmocka_unit_test(file_cases_all_together),
        cmocka_unit_test(ids_and_brands),
        cmocka_unit_test(empty_list_and_field_only),
        cmocka_unit_test(explain_ranges),
        cmocka_unit_test(many_queries),
        cmocka_unit_test(refusals),
        cmocka_unit_test(hostile_text),
        cmocka_unit_test(threads_share_a_matcher),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests_name("listen/match", tests, load_cases, free_cases);
}
