/*
 * test_drivers_store.c - the store's "plans" part and the social side of
 * key drivers against a real SQLite file: mentions' topics (departments
 * and topic rules) regressed on their compound sentiment per brand, with a
 * known effect per topic; the rows key-driver analysis reads (partial
 * answers, a region filter); refusals of bad input with clear messages;
 * the analysis of a survey without driver questions or without responses.
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

#include "earshot/drivers.h"
#include "earshot/plans.h"
#include "unit/voc/kda_gen.h"

typedef struct fixture {
    char dir[64], path[128];
    es_store_t *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_kds_XXXXXX");
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

/* Stores n mentions of brand in one batch: each has billing (compound
 * -0.5), a delay rule (-0.3), both, or neither, around a baseline of 0.2
 * with noise; without topics, only the noise. */
static void put_mentions(es_store_t *s, uint32_t brand, const char *prefix, int n, int topics)
{
    kda_rng r = {99};
    es_mention_t *ms = calloc((size_t)n, sizeof *ms);
    char(*ids)[32] = calloc((size_t)n, sizeof *ids);
    uint32_t *brands = calloc((size_t)n, sizeof *brands);
    assert_true(ms && ids && brands);
    for (int i = 0; i < n; i++) {
        snprintf(ids[i], sizeof ids[i], "%s-%d", prefix, i);
        int billing = topics && (i % 4 == 1 || i % 4 == 3), delay = topics && i % 4 >= 2;
        es_mention_t *m = &ms[i];
        es_mention_init(m);
        m->source = "twitter";
        m->external_id = ids[i];
        m->text = "a mention";
        m->sentiment.compound = 0.2 - 0.5 * billing - 0.3 * delay + 0.1 * kda_norm(&r);
        m->department = billing ? "billing" : NULL;
        m->rules = delay ? "intent:question-mark;topic:delay" : "intent:question-mark";
        brands[i] = brand;
        m->n_brands = 1;
        m->brands = &brands[i];
    }
    if (es_store_put(s, ms, (size_t)n, NULL))
        fail_msg("put: %s", es_store_errmsg(s));
    free(ms);
    free(ids);
    free(brands);
}

static void test_topics(void **state)
{
    fixture *f = *state;
    uint32_t acme, rival;
    assert_int_equal(es_store_brand_add(f->s, "Acme", 1, &acme), ES_OK);
    assert_int_equal(es_store_brand_add(f->s, "Rival", 0, &rival), ES_OK);
    put_mentions(f->s, acme, "a", 400, 1);
    put_mentions(f->s, rival, "r", 30, 0);
    es_topics_report *r = NULL;
    assert_int_equal(es_drivers_topics(f->s, NULL, 0, &r), ES_OK);
    assert_int_equal(r->n_brands, 1); /* ours only */
    es_topics_brand *b = &r->brands[0];
    assert_string_equal(b->brand, "Acme");
    assert_int_equal(b->n_mentions, 400);
    assert_true(b->fitted);
    assert_int_equal(b->fit.p, 2);
    for (size_t j = 0; j < 2; j++) {
        const es_driver_coef *c = &b->fit.c[j];
        double want = strcmp(c->key, "department:billing") == 0 ? -0.5
                      : strcmp(c->key, "topic:delay") == 0      ? -0.3
                                                                : NAN;
        if (!(fabs(c->b - want) < 0.05))
            fail_msg("%s: %f, truly %f", c->key, c->b, want);
        assert_true(c->p < 0.001);
        assert_int_equal(c->rank, want == -0.5 ? 1 : 2);
    }
    es_topics_report_free(r);
    /* A competitor by name: no topics, said so. */
    assert_int_equal(es_drivers_topics(f->s, "rival", 0, &r), ES_OK);
    assert_int_equal(r->n_brands, 1);
    assert_false(r->brands[0].fitted);
    assert_non_null(strstr(r->brands[0].why, "no topic"));
    es_topics_report_free(r);
    assert_int_equal(es_drivers_topics(f->s, "nobody", 0, &r), ES_OK);
    assert_int_equal(r->n_brands, 0);
    es_topics_report_free(r);
}

static int count_row(const es_drivers_row *r, void *ud)
{
    int *n = ud;
    (*n)++;
    assert_true(r->overall >= 1 && r->overall <= 5);
    return 0;
}

/* Bad arguments are refused with messages; a survey without drivers or
 * without responses is reported, not crashed on. */
static void test_refusals(void **state)
{
    fixture *f = *state;
    es_drivers_report *r = NULL;
    assert_int_equal(es_drivers_analyze(f->s, NULL, &r), ES_ENOTFOUND);
    assert_non_null(strstr(es_store_errmsg(f->s), "no default survey"));
    es_survey sv;
    es_survey_template(&sv, "plain", NULL);
    sv.is_default = 1;
    sv.n_questions = 2; /* overall and recommend only */
    int64_t sid;
    assert_int_equal(es_survey_add(f->s, &sv, 0, &sid), ES_OK);
    assert_int_equal(es_drivers_analyze(f->s, NULL, &r), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "no driver question"));
    int64_t locs[KDA_LOCS];
    assert_int_equal(kda_setup(f->s, &sid, locs), 0);
    es_drivers_opts o = {.target = ES_DRIVERS_OVERALL};
    assert_int_equal(es_drivers_analyze(f->s, &o, &r), ES_OK);
    assert_false(r->groups[0].fitted);
    assert_non_null(strstr(r->groups[0].why, "too few"));
    es_drivers_report_free(r);
    es_plan_opts po = {0};
    assert_int_equal(es_plan_for_location(f->s, locs[0], &po, 0, NULL, NULL), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "no key-driver analysis"));
    /* A partial response is a row with what it answered. */
    kda_resp one = {.loc = 0, .d = {4, 0, 0, 0, 0}, .overall = 3, .recommend = 7};
    assert_int_equal(kda_store(f->s, sid, locs[0], &one, 1700000000), 0);
    int n = 0;
    assert_int_equal(es_drivers_rows(f->s, 0, "eu/fr/", count_row, &n), ES_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(es_drivers_rows(f->s, 0, "us/", count_row, &n), ES_OK);
    assert_int_equal(n, 0);
    assert_int_equal(es_drivers_rows(f->s, 999, NULL, count_row, &n), ES_ENOTFOUND);
    assert_int_equal(es_drivers_rows(f->s, 0, NULL, NULL, NULL), ES_EINVAL);
    /* Plans: incomplete proposals, unknown ids and states. */
    es_plan p = {.survey_id = sid, .position = 3, .target = ES_DRIVERS_OVERALL, .text = ""};
    assert_int_equal(es_plan_replace_proposed(f->s, locs[0], &p, 1, 0), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "incomplete"));
    p.text = "Speed of service at Store 0 is 0.5 points below the best quarter.";
    p.gap = NAN;
    assert_int_equal(es_plan_replace_proposed(f->s, locs[0], &p, 1, 0), ES_EINVAL);
    p.gap = 0.5;
    assert_int_equal(es_plan_replace_proposed(f->s, 0, &p, 1, 0), ES_EINVAL);
    assert_int_equal(es_plan_replace_proposed(f->s, 123456, &p, 1, 0), ES_EINVAL);
    assert_int_equal(es_plan_replace_proposed(f->s, locs[0], &p, 1, 0), ES_OK);
    assert_int_equal(es_plan_set_state(f->s, 1, ES_PLAN_PROPOSED, 1, 0, NULL), ES_EINVAL);
    assert_int_equal(es_plan_set_state(f->s, 1, ES_PLAN_DISMISSED, 0, 0, NULL), ES_EINVAL);
    assert_int_equal(es_plan_set_state(f->s, 77, ES_PLAN_DISMISSED, 5, 0, NULL), ES_ENOTFOUND);
    assert_int_equal(es_plan_set_state(f->s, 1, ES_PLAN_DISMISSED, 5, 0, NULL), ES_OK);
    assert_int_equal(es_plan_accept(f->s, 1, 0, 6), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "dismissed"));
    es_plan_scores sc;
    assert_int_equal(es_plan_scores_get(f->s, locs[0], 0, 0, 0, 0, &sc), ES_EINVAL);
    assert_int_equal(es_plan_scores_get(f->s, locs[0], 0, 3, 0, 0, &sc), ES_OK);
    assert_int_equal(sc.n_mean, 1);
    assert_true(fabs(sc.mean - 4.0) < 1e-9 && fabs(sc.csat) < 1e-9);
    assert_int_equal(es_plan_scores_get(f->s, locs[1], 0, 3, 0, 0, &sc), ES_OK);
    assert_true(isnan(sc.mean) && isnan(sc.csat) && sc.n_mean == 0);
    es_drivers_target t;
    es_plan_state st;
    assert_int_equal(es_drivers_target_parse("nps", &t), ES_EINVAL);
    assert_int_equal(es_drivers_target_parse(NULL, &t), ES_EINVAL);
    assert_int_equal(es_plan_state_parse("open", &st), ES_EINVAL);
    assert_null(es_plan_state_name(0));
}

/* The wording of plans. */
static void test_text(void **state)
{
    (void)state;
    char buf[ES_PLAN_TEXT_MAX + 1];
    es_plan_text(buf, sizeof buf, "Speed of service", "Store 14", 0.8, 2, ES_DRIVERS_PROMOTER, 0);
    assert_string_equal(buf, "Speed of service at Store 14 is 0.8 points below the best quarter"
                             " of locations and is the second strongest driver of recommending"
                             " us.");
    es_plan_text(buf, sizeof buf, "Cleanliness", "Lyon", 1.0, 1, ES_DRIVERS_OVERALL, 0);
    assert_string_equal(buf, "Cleanliness at Lyon is 1.0 point below the best quarter of"
                             " locations and is the strongest driver of overall satisfaction.");
    es_plan_text(buf, sizeof buf, "Parking", "Lyon", 0.25, 12, ES_DRIVERS_OVERALL, 1);
    assert_string_equal(buf, "Parking at Lyon is 25 percentage points below the best quarter of"
                             " locations and is the 12th strongest driver of overall"
                             " satisfaction.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_topics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
