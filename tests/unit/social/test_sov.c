/*
 * test_sov.c - share of voice and net sentiment (social.h, S3) over a real
 * SQLite file: es_store_stats_by by day and by ISO week (Sunday 23:59:59
 * and Monday 00:00 UTC fall in different weeks), within a location scope
 * (a location, a region prefix, nothing), and es_sov_report's shares, net
 * sentiment, totals of our brands and the competitors, a mention naming two
 * brands, and the change against the period before (also when `since`
 * cuts the period before off, and across an empty period).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "earshot/mention.h"
#include "earshot/social.h"
#include "earshot/store.h"

#define MON 1794787200 /* Monday 2026-11-16 00:00 UTC */
#define DAY 86400

typedef struct fixture {
    char dir[64], path[128];
    es_store_t *s;
    uint32_t acme, rival, other;
} fixture;

static es_mention_t mk(const char *id, int64_t at, es_polarity pol, const char *loc)
{
    es_mention_t m;
    es_mention_init(&m);
    m.source = "web";
    m.external_id = id;
    m.text = id;
    m.created_at = at;
    m.received_at = at + 5;
    m.sentiment.label = pol;
    m.location = loc;
    return m;
}

/* Week 46: Acme +, Rival -. Week 47: Acme +, - (Sunday's last second), a
 * mention naming Acme and Rival (neutral, at eu/paris), Rival + (eu/lyon),
 * Other (ours) -. Week 48 (Monday 00:00): Rival +. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_sov_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    if (es_store_open(f->path, &f->s))
        fail_msg("open: %s", es_store_errmsg(f->s));
    assert_int_equal(es_store_brand_add(f->s, "Acme", 1, &f->acme), ES_OK);
    assert_int_equal(es_store_brand_add(f->s, "Rival", 0, &f->rival), ES_OK);
    assert_int_equal(es_store_brand_add(f->s, "Other", 1, &f->other), ES_OK);
    static uint32_t acme[1], rival[1], both[2], other[1];
    acme[0] = both[0] = f->acme;
    rival[0] = both[1] = f->rival;
    other[0] = f->other;
    es_mention_t m[8] = {
        mk("a1", MON - 6 * DAY, ES_POSITIVE, NULL),
        mk("r1", MON - 6 * DAY, ES_NEGATIVE, NULL),
        mk("a2", MON + 3600, ES_POSITIVE, NULL),
        mk("a3", MON + 7 * DAY - 1, ES_NEGATIVE, NULL),
        mk("ar", MON + DAY, ES_NEUTRAL, "eu/paris"),
        mk("r2", MON + DAY, ES_POSITIVE, "eu/lyon"),
        mk("o1", MON + 2 * DAY, ES_NEGATIVE, "store-b"),
        mk("r3", MON + 7 * DAY, ES_POSITIVE, NULL),
    };
    const uint32_t *b[8] = {acme, rival, acme, acme, both, rival, other, rival};
    for (int i = 0; i < 8; i++) {
        m[i].brands = b[i];
        m[i].n_brands = b[i] == both ? 2 : 1;
    }
    size_t added = 0;
    assert_int_equal(es_store_put(f->s, m, 8, &added), ES_OK);
    assert_int_equal(added, 8);
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

typedef struct srows {
    int n;
    char day[16][16], brand[16][16];
    long mentions[16];
    double share[16], net[16];
} srows;

static void on_stats(const es_stats_row *r, void *ud)
{
    srows *k = ud;
    if (k->n < 16) {
        snprintf(k->day[k->n], 16, "%s", r->day);
        snprintf(k->brand[k->n], 16, "%s", r->brand);
        k->mentions[k->n] = r->mentions;
        k->share[k->n] = r->share;
        k->net[k->n] = r->net;
    }
    k->n++;
}

static void test_stats_by_week(void **state)
{
    fixture *f = *state;
    srows k = {0};
    assert_int_equal(es_store_stats_by(f->s, 0, 0, 1, NULL, on_stats, &k), ES_OK);
    /* W46: Acme, Rival; W47: Acme, Other, Rival; W48: Rival. */
    assert_int_equal(k.n, 6);
    assert_string_equal(k.day[0], "2026-11-09");
    assert_string_equal(k.day[2], "2026-11-16");
    assert_string_equal(k.brand[2], "Acme");
    assert_int_equal(k.mentions[2], 3); /* a2, Sunday's a3, the shared one */
    assert_true(fabs(k.share[2] - 3.0 / 6) < 1e-12);
    assert_true(fabs(k.net[2]) < 1e-12);
    assert_string_equal(k.brand[4], "Rival");
    assert_int_equal(k.mentions[4], 2);
    assert_string_equal(k.day[5], "2026-11-23");
    /* The daily grouping is unchanged (es_store_stats is the same query). */
    memset(&k, 0, sizeof k);
    assert_int_equal(es_store_stats(f->s, 0, 0, on_stats, &k), ES_OK);
    assert_string_equal(k.day[k.n - 1], "2026-11-23");
    assert_string_equal(k.day[k.n - 2], "2026-11-22");
    /* Scopes: one location, a region, a location with nothing, none. */
    const char *paris[] = {"eu/paris"}, *eu[] = {"eu/"}, *nowhere[] = {"store-x"};
    es_stats_scope sc = {0, paris, 1};
    memset(&k, 0, sizeof k);
    assert_int_equal(es_store_stats_by(f->s, 0, 0, 1, &sc, on_stats, &k), ES_OK);
    assert_int_equal(k.n, 2); /* the shared mention, for each brand */
    assert_true(fabs(k.share[0] - 0.5) < 1e-12);
    sc.locations = eu;
    memset(&k, 0, sizeof k);
    assert_int_equal(es_store_stats_by(f->s, 0, 0, 1, &sc, on_stats, &k), ES_OK);
    assert_int_equal(k.n, 2);
    assert_int_equal(k.mentions[1], 2); /* Rival: the shared one and r2 at eu/lyon */
    sc.locations = nowhere;
    memset(&k, 0, sizeof k);
    assert_int_equal(es_store_stats_by(f->s, 0, 0, 1, &sc, on_stats, &k), ES_OK);
    assert_int_equal(k.n, 0);
    sc.n_locations = 0;
    memset(&k, 0, sizeof k);
    assert_int_equal(es_store_stats_by(f->s, 0, 0, 1, &sc, on_stats, &k), ES_OK);
    assert_int_equal(k.n, 0);
    sc = (es_stats_scope){0, NULL, 2};
    assert_int_equal(es_store_stats_by(f->s, 0, 0, 1, &sc, on_stats, &k), ES_EINVAL);
}

typedef struct periods {
    int n;
    char label[8][16];
    es_sov_period p[8];
    es_sov_brand b[8][4];
} periods;

static void on_period(const es_sov_period *p, void *ud)
{
    periods *k = ud;
    if (k->n < 8) {
        snprintf(k->label[k->n], 16, "%s", p->period);
        k->p[k->n] = *p;
        for (size_t i = 0; i < p->n_brands && i < 4; i++)
            k->b[k->n][i] = p->brands[i];
    }
    k->n++;
}

static void test_sov_weeks(void **state)
{
    fixture *f = *state;
    periods k = {0};
    es_sov_opts o = {.by = ES_PERIOD_WEEK, .scope = {.all = 1}};
    assert_int_equal(es_sov_report(f->s, &o, on_period, &k), ES_OK);
    assert_int_equal(k.n, 3);
    assert_string_equal(k.label[1], "2026-W47");
    es_sov_period *w = &k.p[1];
    assert_int_equal(w->mentions, 6);
    assert_int_equal(w->n_brands, 3);
    /* Acme: +, -, neutral; Other: -; Rival: neutral, +. */
    es_sov_brand *acme = &k.b[1][0], *rival = &k.b[1][2];
    assert_true(fabs(acme->share - 0.5) < 1e-12 && fabs(acme->net) < 1e-12);
    assert_true(acme->has_prev && acme->prev_mentions == 1);
    assert_true(fabs(acme->change_share - (0.5 - 0.5)) < 1e-12);
    assert_true(fabs(acme->change_net - (0 - 1)) < 1e-12);
    assert_true(fabs(rival->net - 0.5) < 1e-12);
    assert_true(fabs(rival->change_net - 1.5) < 1e-12);
    /* Ours = Acme + Other: 4 of 6, net (1 - 2) / 4. */
    assert_int_equal(w->ours.mentions, 4);
    assert_true(fabs(w->ours.share - 4.0 / 6) < 1e-12);
    assert_true(fabs(w->ours.net + 0.25) < 1e-12);
    assert_true(fabs(w->ours.change_share - (4.0 / 6 - 0.5)) < 1e-12);
    assert_int_equal(w->competitors.mentions, 2);
    /* W48: only Rival; ours had nothing: net undefined, share 0. */
    w = &k.p[2];
    assert_int_equal(w->ours.mentions, 0);
    assert_true(isnan(w->ours.net) && isnan(w->ours.change_net));
    assert_true(fabs(w->ours.change_share + 4.0 / 6) < 1e-12);
    assert_true(fabs(w->competitors.share - 1.0) < 1e-12);
    /* The first week has nothing to compare with. */
    assert_false(k.b[0][0].has_prev);
    assert_true(isnan(k.b[0][0].change_share));
    /* since in the middle of W47: rounded down, compared with W46 still. */
    o.since = MON + 3 * DAY;
    memset(&k, 0, sizeof k);
    assert_int_equal(es_sov_report(f->s, &o, on_period, &k), ES_OK);
    assert_int_equal(k.n, 2);
    assert_string_equal(k.label[0], "2026-W47");
    assert_true(k.b[0][0].has_prev);
    o.by = ES_PERIOD_MONTH;
    assert_int_equal(es_sov_report(f->s, &o, on_period, &k), ES_EINVAL);
}

static void test_sov_days(void **state)
{
    fixture *f = *state;
    periods k = {0};
    es_sov_opts o = {
        .by = ES_PERIOD_DAY, .since = MON + DAY, .until = MON + 2 * DAY, .scope = {.all = 1}};
    assert_int_equal(es_sov_report(f->s, &o, on_period, &k), ES_OK);
    assert_int_equal(k.n, 1);
    assert_string_equal(k.label[0], "2026-11-17");
    /* 17 Nov: the shared mention (Acme, Rival) and r2 (Rival); 16 Nov: a2 (Acme). */
    assert_int_equal(k.p[0].mentions, 3);
    assert_true(fabs(k.b[0][0].share - 1.0 / 3) < 1e-12);
    assert_true(fabs(k.b[0][0].change_share - (1.0 / 3 - 1.0)) < 1e-12);
    assert_false(k.b[0][1].has_prev); /* Rival: nothing on 16 Nov */
    /* A day after an empty day has no comparison. */
    o = (es_sov_opts){
        .by = ES_PERIOD_DAY, .since = MON - 5 * DAY, .until = MON + DAY, .scope = {.all = 1}};
    memset(&k, 0, sizeof k);
    assert_int_equal(es_sov_report(f->s, &o, on_period, &k), ES_OK);
    assert_int_equal(k.n, 1);
    assert_false(k.p[0].ours.has_prev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stats_by_week, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sov_weeks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sov_days, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
