/*
 * bench_scores.c - issue 4: scores for all locations over N survey
 * responses. Target: <= 200 ms for all locations at N = 1 M.
 *
 *   bench_scores [N [DIR [RUNS]]]   (defaults: 1000000 responses, /tmp, 15 runs)
 *
 * Builds a fresh store in DIR: 200 locations in 4 regions, the default
 * survey template (overall 1-5, recommend 0-10, one driver 1-5, a comment),
 * and N responses spread over 365 days, inserted with plain SQL in large
 * transactions so that the build is quick; the triggers of schema step 13
 * keep score_days as they do for every other writer. Then it times, RUNS
 * times each: es_scores_compute by location over the whole year (every
 * location's CSAT, NPS and means with intervals), by region, by organisation
 * per week, and es_scores_trend_compute (28 days against the 28 before),
 * and prints the median and p99 (the slowest run when RUNS < 100) of the
 * wall time and of the thread's CPU time (steadier on a shared machine). Never run by the test
 * suite; figures go to docs/performance.md.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "earshot/location.h"
#include "earshot/scores.h"
#include "earshot/store.h"
#include "earshot/survey.h"

#define N_LOCS 200
#define T_END 1795392000 /* 2026-11-23 */
#define SPAN (365 * 86400)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU time of this thread: what a call costs without the other processes
 * of a shared machine (blind to waiting for the disk). */
static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Locations and the survey through the public API. */
static int setup(es_store_t *s)
{
    static const char *const regions[] = {"na", "eu", "apac", "latam"};
    es_survey sv;
    es_survey_template(&sv, NULL, NULL);
    sv.is_default = 1;
    if (es_survey_add(s, &sv, 0, NULL))
        return -1;
    for (int i = 0; i < N_LOCS; i++) {
        char key[64], code[16], name[32];
        snprintf(key, sizeof key, "%s/c%d/store-%d", regions[i % 4], i % 10, i);
        snprintf(code, sizeof code, "S%d", i);
        snprintf(name, sizeof name, "Store %d", i);
        es_location l = {0, key, code, name, NULL, "UTC", NULL, 0, 0};
        if (es_location_add(s, &l, 0, NULL))
            return -1;
    }
    return 0;
}

/* N responses with their answers, in transactions of 50,000. */
static int fill(const char *path, long n)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *r = NULL, *a = NULL;
    int rc = sqlite3_open(path, &db);
    rc = rc ? rc : sqlite3_exec(db, "PRAGMA synchronous=OFF; BEGIN", NULL, NULL, NULL);
    rc = rc ? rc
            : sqlite3_prepare_v2(db,
                                 "INSERT INTO survey_responses(survey_id, location_id, channel,"
                                 " started, completed, overall, recommend) VALUES (1, ?1,"
                                 " 'import', ?2, ?2 + 60, ?3, ?4)",
                                 -1, &r, NULL);
    rc = rc ? rc
            : sqlite3_prepare_v2(db,
                                 "INSERT INTO survey_answers(response_id, position, value)"
                                 " VALUES (?1, ?2, ?3)",
                                 -1, &a, NULL);
    for (long i = 0; !rc && i < n; i++) {
        int loc = 1 + (int)(next() % N_LOCS);
        int64_t t = T_END - SPAN + (int64_t)(next() % SPAN);
        int drv = 1 + (int)(next() % 5), overall = drv + (int)(next() % 3) - 1;
        overall = overall < 1 ? 1 : overall > 5 ? 5 : overall;
        int rec = 2 * overall - 1 + (int)(next() % 3);
        int vals[3] = {overall, rec > 10 ? 10 : rec, drv};
        sqlite3_bind_int(r, 1, loc);
        sqlite3_bind_int64(r, 2, t);
        sqlite3_bind_int(r, 3, vals[0]);
        sqlite3_bind_int(r, 4, vals[1]);
        rc = sqlite3_step(r) == SQLITE_DONE ? sqlite3_reset(r) : SQLITE_ERROR;
        int64_t id = sqlite3_last_insert_rowid(db);
        for (int q = 0; !rc && q < 3; q++) {
            sqlite3_bind_int64(a, 1, id);
            sqlite3_bind_int(a, 2, q + 1);
            sqlite3_bind_int(a, 3, vals[q]);
            rc = sqlite3_step(a) == SQLITE_DONE ? sqlite3_reset(a) : SQLITE_ERROR;
        }
        if (!rc && i % 50000 == 49999)
            rc = sqlite3_exec(db, "COMMIT; BEGIN", NULL, NULL, NULL);
    }
    rc = rc ? rc : sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc)
        fprintf(stderr, "bench_scores: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(r);
    sqlite3_finalize(a);
    sqlite3_close(db);
    return rc ? -1 : 0;
}

/* Times one kind of call RUNS times and prints its figures. */
static int time_it(es_store_t *s, const char *what, const es_scores_query *q, int trend, int runs)
{
    double *t = calloc((size_t)runs, sizeof *t), *c = calloc((size_t)runs, sizeof *c);
    size_t groups = 0;
    for (int i = 0; t && c && i < runs; i++) {
        double t0 = now_s(), c0 = cpu_s();
        es_err rc;
        if (trend) {
            es_scores_trends *tr = NULL;
            rc = es_scores_trend_compute(s, q, &tr);
            groups = tr ? tr->n : 0;
            es_scores_trends_free(tr);
        } else {
            es_scores *sc = NULL;
            rc = es_scores_compute(s, q, &sc);
            groups = sc ? sc->n : 0;
            es_scores_free(sc);
        }
        t[i] = (now_s() - t0) * 1000;
        c[i] = (cpu_s() - c0) * 1000;
        if (rc) {
            fprintf(stderr, "bench_scores: %s: %s\n", what, es_store_errmsg(s));
            break;
        }
    }
    int ok = t && c && groups;
    if (ok) {
        qsort(t, (size_t)runs, sizeof *t, dcmp);
        qsort(c, (size_t)runs, sizeof *c, dcmp);
        int p99 = (int)((runs - 1) * 0.99 + 0.5);
        printf("%-40s groups %4zu  wall median %6.1f p99 %6.1f ms  cpu median %6.1f p99 %6.1f"
               " ms\n",
               what, groups, t[runs / 2], t[p99], c[runs / 2], c[p99]);
    }
    free(t);
    free(c);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    int runs = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 15;
    char path[4096];
    snprintf(path, sizeof path, "%s/bench_scores_%d.db", dir, (int)getpid());
    if (n <= 0 || runs <= 0)
        return fprintf(stderr, "usage: bench_scores [N [DIR [RUNS]]]\n"), 2;
    es_store_t *s = NULL;
    int bad = es_store_open(path, &s) || setup(s);
    es_store_close(s);
    s = NULL;
    double t0 = now_s();
    bad = bad || fill(path, n);
    double build = now_s() - t0;
    bad = bad || es_store_open(path, &s);
    if (!bad) {
        printf("bench_scores: %ld responses, %d locations, 365 days; built in %.1f s (%.0f"
               " responses/s with the score triggers)\n",
               n, N_LOCS, build, (double)n / build);
        es_scores_query all = {.by = ES_SCORES_BY_LOCATION, .all_locations = 1};
        es_scores_query region = all, weeks = all, trend = all;
        region.by = ES_SCORES_BY_REGION;
        weeks.by = ES_SCORES_BY_ORG, weeks.period = ES_SCORES_WEEK;
        trend.since = T_END - 28 * 86400, trend.until = T_END;
        bad = time_it(s, "all locations, whole year (target <= 200 ms)", &all, 0, runs) ||
              time_it(s, "all regions, whole year", &region, 0, runs) ||
              time_it(s, "organisation per week, whole year", &weeks, 0, runs) ||
              time_it(s, "trend of all locations, 28 d vs 28 d", &trend, 1, runs);
    } else {
        fprintf(stderr, "bench_scores: %s\n", s ? es_store_errmsg(s) : "cannot set up");
    }
    es_store_close(s);
    char side[4200];
    if (!getenv("BENCH_KEEP"))
        unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return bad ? 1 : 0;
}
