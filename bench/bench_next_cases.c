/*
 * bench_next_cases.c - issue 3, benchmark 3: an agent's next 50 cases over a
 * store of N mentions threaded into cases. Target: p99 <= 10 ms at N = 1 M.
 *
 *   bench_next_cases [N [DIR]]      (defaults: 1000000 mentions, /tmp)
 *
 * Builds a fresh store in DIR: N generated mentions from N/3 customers over
 * 30 days, 50 locations, varied sentiment, intent and cues; a triage team of
 * 20 agents (round-robin, capacity 50) and a second team of 10 agents that a
 * keyword rule feeds; threads them all (es_case_thread_pending), resolves
 * 70 % of the cases as a live inbox would have, then times 2,000 calls of
 * es_case_next(agent, limit 50) for every agent in turn, unscoped and
 * scoped to 5 locations, and prints p50, p99 and max of the wall time and
 * of the thread's CPU time (steadier on a shared machine). Build time and
 * threading rate are printed too. Never run by the test suite; figures go
 * to docs/performance.md. Use a small N (e.g. 50000) for a quick run.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "earshot/cases.h"
#include "earshot/store.h"
#include "store/sqlite_int.h"

#define BATCH 5000
#define T_END 1790000000
#define SPAN (30 * 86400)
#define CALLS 2000

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now_s(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of this thread: what a call costs without the other processes
 * of a shared machine (blind to waiting for the disk). */
static double cpu_s(void)
{
    return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static const char *const words[] = {
    "flight",   "delayed",  "bag",    "lost",    "refund",  "staff",   "rude",  "great",
    "thanks",   "seat",     "lounge", "food",    "cold",    "waiting", "hours", "again",
    "help",     "please",   "cancel", "account", "booking", "gate",    "crew",  "lovely",
    "terrible", "sandwich", "coffee", "queue",   "app",     "card",
};
static const char *const sources[] = {"twitter", "facebook", "instagram", "sms",
                                      "email",   "review",   "web",       "phone"};

static void make_text(char *buf, size_t size)
{
    size_t o = 0, n = 6 + next() % 12;
    for (size_t i = 0; i < n && o + 16 < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? " " : "",
                              words[next() % (sizeof words / sizeof *words)]);
}

static int run_sql(es_store_t *s, const char *q)
{
    sqlite3 *db = ((es__sqlite *)s->impl)->db;
    char *err = NULL;
    if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", q, err);
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* Stores n mentions in batches. */
static int fill(es_store_t *s, long n)
{
    static char text[BATCH][200], ext[BATCH][24], author[BATCH][24], loc[BATCH][16];
    static es_mention_t m[BATCH];
    long customers = n / 3 > 0 ? n / 3 : 1;
    for (long done = 0; done < n;) {
        size_t k = 0;
        for (; k < BATCH && done < n; k++, done++) {
            es_mention_t *x = &m[k];
            es_mention_init(x);
            long c = (long)(next() % (uint64_t)customers);
            x->source = sources[c % 8];
            snprintf(ext[k], sizeof ext[k], "m%ld", done);
            snprintf(author[k], sizeof author[k], "@c%ld", c);
            snprintf(loc[k], sizeof loc[k], "store-%02ld", c % 50);
            make_text(text[k], sizeof text[k]);
            x->external_id = ext[k];
            x->author = author[k];
            x->location = loc[k];
            x->text = text[k];
            x->followers = (int64_t)(next() % 10000000);
            x->created_at = T_END - SPAN + (int64_t)(done * (int64_t)SPAN / n);
            x->received_at = x->created_at;
            x->sentiment.compound = ((double)(next() % 2001) - 1000.0) / 1000.0;
            x->sentiment.label = x->sentiment.compound <= -0.05  ? ES_NEGATIVE
                                 : x->sentiment.compound >= 0.05 ? ES_POSITIVE
                                                                 : ES_NEUTRAL;
            x->intent = (es_intent)(next() % ES_INTENT_COUNT);
            x->cues = (next() % 10 == 0) ? (uint32_t)(1u << (next() % 5)) : 0;
        }
        if (es_store_put(s, m, k, NULL)) {
            fprintf(stderr, "bench: put: %s\n", es_store_errmsg(s));
            return -1;
        }
    }
    return 0;
}

static int64_t add_user(es_store_t *s, int i)
{
    char q[160];
    snprintf(q, sizeof q, "INSERT INTO users(name, role, created) VALUES ('agent%d', 'agent', 1)",
             i);
    if (run_sql(s, q))
        return 0;
    return sqlite3_last_insert_rowid(((es__sqlite *)s->impl)->db);
}

static int setup_teams(es_store_t *s, int64_t *agents, int n)
{
    int64_t triage = 0, bags = 0;
    if (es_team_add(s, "Triage", "round_robin", 1, NULL, &triage) ||
        es_team_add(s, "Baggage", "least_loaded", 0, NULL, &bags))
        return -1;
    for (int i = 0; i < n; i++) {
        if (!(agents[i] = add_user(s, i)))
            return -1;
        if (es_team_member_add(s, i < 20 ? triage : bags, agents[i], 50, NULL))
            return -1;
    }
    es_route_rule r = {.name = "bags", .priority = 1, .keyword = "bag", .team_id = bags};
    return es_route_add(s, &r, NULL, NULL) ? -1 : 0;
}

static void count_cb(const es_case *c, void *ud)
{
    (void)c;
    (*(int *)ud)++;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int measure(es_store_t *s, const int64_t *agents, int n, const es_case_scope *scope,
                   const char *what)
{
    static double t[CALLS], c[CALLS];
    long rows = 0;
    for (int i = 0; i < CALLS; i++) {
        int got = 0;
        double t0 = now_s(), c0 = cpu_s();
        if (es_case_next(s, agents[i % n], scope, 50, T_END + 3600, count_cb, &got)) {
            fprintf(stderr, "bench: next: %s\n", es_store_errmsg(s));
            return -1;
        }
        t[i] = (now_s() - t0) * 1e3;
        c[i] = (cpu_s() - c0) * 1e3;
        rows += got;
    }
    qsort(t, CALLS, sizeof t[0], cmp);
    qsort(c, CALLS, sizeof c[0], cmp);
    printf("next 50 (%s): wall p50 %.3f ms  p99 %.3f ms  max %.3f ms;"
           " cpu p50 %.3f ms  p99 %.3f ms  (%.1f cases per call)\n",
           what, t[CALLS / 2], t[CALLS * 99 / 100], t[CALLS - 1], c[CALLS / 2], c[CALLS * 99 / 100],
           (double)rows / CALLS);
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char path[512];
    int64_t agents[30];
    if (n <= 0) {
        fprintf(stderr, "usage: bench_next_cases [N [DIR]]\n");
        return 1;
    }
    snprintf(path, sizeof path, "%s/bench_next_cases_%d.db", dir, (int)getpid());
    es_store_t *s = NULL;
    if (es_store_open(path, &s)) {
        fprintf(stderr, "bench: %s\n", s ? es_store_errmsg(s) : "out of memory");
        es_store_close(s);
        return 1;
    }
    int rc = run_sql(s, "PRAGMA synchronous = NORMAL");
    double t0 = now_s();
    if (rc == 0)
        rc = setup_teams(s, agents, 30);
    if (rc == 0)
        rc = fill(s, n);
    double t1 = now_s(), c1 = cpu_s();
    size_t threaded = 0;
    es_case_opts o = {.chunk = 5000};
    if (rc == 0 && es_case_thread_pending(s, &o, T_END, &threaded)) {
        fprintf(stderr, "bench: thread: %s\n", es_store_errmsg(s));
        rc = -1;
    }
    double t2 = now_s(), c2 = cpu_s();
    if (rc == 0)
        rc = run_sql(s, "UPDATE cases SET status = 'resolved' WHERE id % 10 < 7;"
                        "UPDATE cases SET status = 'open' WHERE id % 10 = 7;"
                        "ANALYZE;");
    if (rc == 0) {
        sqlite3_stmt *st;
        long cases = 0;
        if (sqlite3_prepare_v2(((es__sqlite *)s->impl)->db, "SELECT count(*) FROM cases", -1, &st,
                               NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            cases = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        printf("store: %ld mentions in %.1f s; threaded %zu into %ld cases in %.1f s "
               "(%.0f mentions/s; %.0f per CPU second)\n",
               n, t1 - t0, threaded, cases, t2 - t1, (double)threaded / (t2 - t1),
               (double)threaded / (c2 - c1));
        const char *five[] = {"store-01", "store-07", "store-13", "store-21", "store-42"};
        es_case_scope scoped = {0, five, 5};
        rc = measure(s, agents, 30, NULL, "all locations");
        if (rc == 0)
            rc = measure(s, agents, 30, &scoped, "5 locations");
    }
    es_store_close(s);
    char side[540];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return rc ? 1 : 0;
}
