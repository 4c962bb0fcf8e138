/*
 * test_audits.c - brand audits and mystery shopping (audits.h): the score
 * (weights, points, N/A left out of the denominator), checklists refused
 * when malformed, audits checked against their checklist and location,
 * listed within a scope, the scores per location with the period before
 * and the change, and the JSON forms with their error messages.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "earshot/audits.h"
#include "earshot/location.h"
#include "earshot/store.h"

#define DAY 86400
#define T0 1763596800 /* 2025-11-20 00:00 UTC */

typedef struct fixture {
    char dir[64];
    char path[128];
    es_store_t *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_aud_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    if (es_store_open(f->path, &f->s))
        fail_msg("open: %s", es_store_errmsg(f->s));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char p[160];
    es_store_close(f->s);
    static const char *const files[] = {"earshot.db", "earshot.db-wal", "earshot.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Weights 2 (yes/no), 1 (0-5 points), 1 (yes/no). */
static const es_checklist_item items[] = {
    {"Entrance clean", 2, 1, 1}, {"Greeting", 1, 5, 0}, {"Receipt offered", 1, 1, 1}};

static void test_score(void **state)
{
    (void)state;
    double sc = -1;
    int all[] = {1, 5, 1}, none[] = {0, 0, 0}, na[] = {1, 3, ES_AUDIT_NA};
    int allna[] = {ES_AUDIT_NA, ES_AUDIT_NA, ES_AUDIT_NA}, half[] = {0, 5, 1};
    assert_int_equal(es_audit_score(items, all, 3, &sc), 1);
    assert_true(fabs(sc - 100.0) < 1e-9);
    assert_int_equal(es_audit_score(items, none, 3, &sc), 1);
    assert_true(fabs(sc) < 1e-9);
    /* (2*1 + 1*3/5) / (2 + 1): the N/A item's weight is not counted. */
    assert_int_equal(es_audit_score(items, na, 3, &sc), 1);
    assert_true(fabs(sc - 100.0 * 2.6 / 3.0) < 1e-9);
    /* (0 + 1 + 1) / 4: the heavy item missed. */
    assert_int_equal(es_audit_score(items, half, 3, &sc), 1);
    assert_true(fabs(sc - 50.0) < 1e-9);
    sc = -1;
    assert_int_equal(es_audit_score(items, allna, 3, &sc), 0);
    assert_true(sc == -1);
}

static void test_checklist_check(void **state)
{
    fixture *f = *state;
    es_checklist c = {.name = "Brand", .kind = "audit", .items = items, .n_items = 3};
    int64_t id = 0;
    assert_int_equal(es_checklist_add(f->s, &c, 0, &id), ES_OK);
    assert_int_equal(es_checklist_add(f->s, &c, 0, &id), ES_EEXIST);
    char err[200];
    es_checklist_item bad[] = {{"ok", 1, 1, 1}, {"zero", 0, 1, 1}};
    es_checklist b = {.name = "B", .kind = "audit", .items = bad, .n_items = 2};
    assert_int_equal(es_checklist_check(&b, err, sizeof err), ES_EINVAL);
    assert_string_equal(err, "item 2: the weight must be a number > 0 (at most 1e6)");
    b.kind = "survey";
    assert_int_equal(es_checklist_check(&b, err, sizeof err), ES_EINVAL);
    assert_string_equal(err, "the kind is \"audit\" or \"mystery\"");
    b.kind = "mystery";
    b.n_items = 0;
    assert_int_equal(es_checklist_check(&b, err, sizeof err), ES_EINVAL);
    assert_int_equal(es_checklist_add(f->s, &b, 0, NULL), ES_EINVAL);
}

static void add_location(es_store_t *s, const char *key, const char *code)
{
    es_location l = {.key = key, .code = code, .name = key};
    if (es_location_add(s, &l, 0, NULL))
        fail_msg("location %s: %s", key, es_store_errmsg(s));
}

static int64_t add_audit(es_store_t *s, int64_t cl, const char *loc, int64_t date, int a0, int a1,
                         int a2)
{
    int ans[] = {a0, a1, a2};
    es_audit a = {.checklist_id = cl, .location = loc, .date = date, .auditor = "J. Smith",
                  .answers = ans, .n_answers = 3};
    int64_t id = 0;
    if (es_audit_add(s, &a, &id))
        fail_msg("audit: %s", es_store_errmsg(s));
    return id;
}

typedef struct scores {
    char buf[512];
} scores;

static void scores_cb(const es_audit_scores *r, void *ud)
{
    scores *g = ud;
    size_t n = strlen(g->buf);
    snprintf(g->buf + n, sizeof g->buf - n, "%s n=%zu mean=%.1f prev_n=%zu prev=%.1f "
             "change=%.1f;", r->location, r->n, r->mean, r->prev_n, r->prev_mean, r->change);
}

static void list_cb(const es_audit *a, void *ud)
{
    size_t n = strlen(ud);
    snprintf((char *)ud + n, 256 - n, "%s:%s ", a->location,
             a->has_score ? (a->score > 99.9 ? "100" : a->score < 0.1 ? "0" : "mid") : "none");
}

static void test_audits(void **state)
{
    fixture *f = *state;
    es_checklist c = {.name = "Brand", .kind = "audit", .items = items, .n_items = 3};
    int64_t cl = 0;
    assert_int_equal(es_checklist_add(f->s, &c, 0, &cl), ES_OK);
    add_location(f->s, "eu/lyon", "L1");
    add_location(f->s, "eu/paris", "P1");
    add_location(f->s, "us/ny", "N1");
    /* Refusals: the answers' count and range, the location, the checklist. */
    int few[] = {1, 1}, over[] = {1, 6, 1}, yn[] = {2, 1, 1};
    es_audit a = {.checklist_id = cl, .location = "eu/lyon", .date = T0, .answers = few,
                  .n_answers = 2};
    assert_int_equal(es_audit_add(f->s, &a, NULL), ES_EINVAL);
    a.answers = over, a.n_answers = 3;
    assert_int_equal(es_audit_add(f->s, &a, NULL), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "answer 2 is 0 to 5 points"));
    a.answers = yn;
    assert_int_equal(es_audit_add(f->s, &a, NULL), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "answer 1 is yes, no or n/a"));
    a.location = "eu/nowhere";
    a.answers = (int[]){1, 1, 1};
    assert_int_equal(es_audit_add(f->s, &a, NULL), ES_ENOTFOUND);
    a.location = "eu/lyon";
    a.checklist_id = cl + 10;
    assert_int_equal(es_audit_add(f->s, &a, NULL), ES_ENOTFOUND);
    /* This period [T0, T0+10d) and the one before [T0-10d, T0). */
    add_audit(f->s, cl, "eu/lyon", T0 + DAY, 1, 5, 1);          /* 100 */
    add_audit(f->s, cl, "eu/lyon", T0 + 2 * DAY, 0, 5, 1);      /* 50 */
    add_audit(f->s, cl, "eu/lyon", T0 - 3 * DAY, 0, 0, 0);      /* 0, before */
    add_audit(f->s, cl, "eu/paris", T0 - DAY, 1, 5, 1);         /* 100, before */
    add_audit(f->s, cl, "us/ny", T0 + DAY + 3600, 1, 3, ES_AUDIT_NA); /* 86.7 */
    add_audit(f->s, cl, "us/ny", T0 + DAY, ES_AUDIT_NA, ES_AUDIT_NA, ES_AUDIT_NA); /* none */
    add_audit(f->s, cl, "us/ny", T0 - 30 * DAY, 0, 0, 0); /* outside both */
    scores g = {""};
    es_audit_filter all = {.all_locations = 1};
    assert_int_equal(es_audit_scores_list(f->s, &all, T0, T0 + 10 * DAY, scores_cb, &g), ES_OK);
    assert_string_equal(g.buf,
                        "eu/lyon n=2 mean=75.0 prev_n=1 prev=0.0 change=75.0;"
                        "eu/paris n=0 mean=0.0 prev_n=1 prev=100.0 change=0.0;"
                        "us/ny n=1 mean=86.7 prev_n=0 prev=0.0 change=0.0;");
    const char *eu[] = {"eu/"};
    es_audit_filter sc = {.locations = eu, .n_locations = 1};
    memset(&g, 0, sizeof g);
    assert_int_equal(es_audit_scores_list(f->s, &sc, T0, T0 + 10 * DAY, scores_cb, &g), ES_OK);
    assert_null(strstr(g.buf, "us/ny"));
    assert_non_null(strstr(g.buf, "eu/lyon n=2"));
    assert_int_equal(es_audit_scores_list(f->s, &all, T0, T0, scores_cb, &g), ES_EINVAL);
    /* Lists: newest first, within the scope, a page at a time. */
    char l[256] = "";
    assert_int_equal(es_audit_list(f->s, &sc, list_cb, l), ES_OK);
    assert_string_equal(l, "eu/paris:100 eu/lyon:0 eu/lyon:mid eu/lyon:100 ");
    es_audit_filter pg = {.all_locations = 1, .location = "us/ny", .limit = 2};
    l[0] = '\0';
    assert_int_equal(es_audit_list(f->s, &pg, list_cb, l), ES_OK);
    assert_string_equal(l, "us/ny:0 us/ny:none ");
}

static void test_json(void **state)
{
    (void)state;
    es_checklist_parsed p;
    char err[256];
    const char *ok = "{\"name\":\"Mystery visit\",\"kind\":\"mystery\",\"items\":["
                     "{\"text\":\"Greeted within 30 s\",\"weight\":2},"
                     "{\"text\":\"Coffee temperature\",\"weight\":1.5,\"points\":5}]}";
    assert_int_equal(es_checklist_parse_json(ok, strlen(ok), &p, err, sizeof err), ES_OK);
    assert_string_equal(p.c.name, "Mystery visit");
    assert_int_equal(p.c.n_items, 2);
    assert_int_equal(p.c.items[0].yes_no, 1);
    assert_int_equal(p.c.items[1].max_points, 5);
    assert_true(p.c.items[1].weight == 1.5);
    es_checklist_parsed_cleanup(&p);
    static const struct {
        const char *json, *err;
        es_err rc;
    } bad[] = {
        {"{", "not JSON: line 1: string or '}' expected near end of file", ES_EPARSE},
        {"[]", "the JSON must be an object", ES_EPARSE},
        {"{\"name\":\"x\",\"kind\":\"audit\",\"items\":[]}", "items: an array of 1 to 200 items",
         ES_EINVAL},
        {"{\"name\":\"x\",\"kind\":\"audit\",\"items\":[{\"text\":\"a\"},{\"text\":\"b\","
         "\"weight\":0}]}", "items[1].weight: a number > 0 (at most 1e6)", ES_EINVAL},
        {"{\"name\":\"x\",\"kind\":\"audit\",\"items\":[{\"text\":\"a\",\"points\":0}]}",
         "items[0].points: an integer from 1 to 100", ES_EINVAL},
        {"{\"name\":\"x\",\"kind\":\"audit\",\"items\":[{\"weight\":1}]}",
         "items[0].text: missing", ES_EINVAL},
        {"{\"name\":\"x\",\"kind\":\"audit\",\"colour\":1,\"items\":[{\"text\":\"a\"}]}",
         "colour: unknown member (name, kind, items)", ES_EINVAL},
        {"{\"name\":\"x\",\"kind\":\"poll\",\"items\":[{\"text\":\"a\"}]}",
         "the kind is \"audit\" or \"mystery\"", ES_EINVAL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        es_err rc = es_checklist_parse_json(bad[i].json, strlen(bad[i].json), &p, err, sizeof err);
        es_checklist_parsed_cleanup(&p);
        if (rc != bad[i].rc || strcmp(err, bad[i].err) != 0)
            fail_msg("case %zu: %d '%s'", i, rc, err);
    }
    es_audit_parsed a;
    const char *aj = "{\"checklist\":\"Mystery visit\",\"location\":\"L1\",\"date\":\"2026-11-20\","
                     "\"auditor\":\"Ann\",\"notes\":\"busy\",\"answers\":[true,\"no\",4,null,"
                     "\"n/a\"]}";
    assert_int_equal(es_audit_parse_json(aj, strlen(aj), &a, err, sizeof err), ES_OK);
    assert_string_equal(a.checklist, "Mystery visit");
    assert_int_equal(a.a.n_answers, 5);
    int want[] = {1, 0, 4, ES_AUDIT_NA, ES_AUDIT_NA};
    assert_memory_equal(a.a.answers, want, sizeof want);
    assert_int_equal(a.a.date, 1795132800); /* 2026-11-20 */
    es_audit_parsed_cleanup(&a);
    const char *bads[] = {"{\"checklist\":1,\"location\":\"L1\",\"answers\":[true,-1]}",
                          ("{\"checklist\":1,\"location\":\"L1\",\"date\":\"2026-02-31\","
                           "\"answers\":[1]}"),
                          "{\"location\":\"L1\",\"answers\":[1]}",
                          "{\"checklist\":1,\"location\":\"L1\",\"answers\":[]}"};
    const char *why[] = {("answers[1]: true/false, \"yes\"/\"no\", 0 to 100 points, or "
                          "null/\"n/a\""),
                         "date: a day such as \"2026-11-20\"",
                         "checklist: missing (a name or an id)",
                         "answers: an array of 1 to 200 answers"};
    for (size_t i = 0; i < 4; i++) {
        es_err rc = es_audit_parse_json(bads[i], strlen(bads[i]), &a, err, sizeof err);
        es_audit_parsed_cleanup(&a);
        if (rc != ES_EINVAL)
            fail_msg("audit case %zu: %d", i, rc);
        if (strcmp(err, why[i]) != 0)
            fail_msg("audit case %zu: '%s'", i, err);
    }
    int v;
    assert_int_equal(es_audit_answer_word("Yes", &v), ES_OK);
    assert_int_equal(v, 1);
    assert_int_equal(es_audit_answer_word("n/a", &v), ES_OK);
    assert_int_equal(v, ES_AUDIT_NA);
    assert_int_equal(es_audit_answer_word("101", &v), ES_EINVAL);
    assert_int_equal(es_audit_answer_word("-1", &v), ES_EINVAL);
}

/* An allocator that fails the Nth allocation and every one after it. */
static long fail_at, allocs;

static void *fail_malloc(size_t n, void *ud)
{
    (void)ud;
    return allocs++ >= fail_at ? NULL : malloc(n);
}

static void *fail_realloc(void *p, size_t n, void *ud)
{
    (void)ud;
    return allocs++ >= fail_at ? NULL : realloc(p, n);
}

static void plain_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

/* Out of memory at every step of both parsers: ES_ENOMEM with a message,
 * nothing leaked (ASan), until enough allocations succeed. */
static void test_json_oom(void **state)
{
    (void)state;
    const char *cl = "{\"name\":\"B\",\"kind\":\"audit\",\"items\":[{\"text\":\"a\"},"
                     "{\"text\":\"b\",\"points\":3}]}";
    const char *au = "{\"checklist\":\"B\",\"location\":\"L\",\"auditor\":\"x\","
                     "\"notes\":\"y\",\"answers\":[1,null]}";
    es_allocator a = {fail_malloc, fail_realloc, plain_free, NULL};
    int done_cl = 0, done_au = 0;
    for (fail_at = 0; fail_at < 64 && !(done_cl && done_au); fail_at++) {
        char err[256] = "";
        es_checklist_parsed p;
        es_audit_parsed q;
        allocs = 0;
        es_set_allocator(&a);
        es_err r1 = es_checklist_parse_json(cl, strlen(cl), &p, err, sizeof err);
        es_checklist_parsed_cleanup(&p);
        allocs = 0;
        es_err r2 = es_audit_parse_json(au, strlen(au), &q, err, sizeof err);
        es_audit_parsed_cleanup(&q);
        es_set_allocator(NULL);
        assert_true(r1 == ES_OK || r1 == ES_ENOMEM);
        assert_true(r2 == ES_OK || r2 == ES_ENOMEM);
        done_cl |= r1 == ES_OK;
        done_au |= r2 == ES_OK;
    }
    assert_true(done_cl && done_au);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score),
        cmocka_unit_test_setup_teardown(test_checklist_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audits, setup, teardown),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
