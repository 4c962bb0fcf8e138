/*
 * test_store_sla.c - SLAs and replies against a real SQLite store in a
 * temporary directory (src/store/sla.c, sqlite_sla*.c and src/sla/check.c,
 * reply.c, report.c): calendars and policies (refusals, replacement, the
 * audit), replies (the case's response times and status in the same
 * transaction as the outbox row and audit; over-limit and out-of-scope
 * refusals that store nothing; the generic flag), the status log and the
 * paused clock, the SLA checker (warnings, breaches, once each; a failing
 * raise retried), the outbox (endpoints, back-off, give-up), the reports on
 * a small store with known times, and allocation failures.
 *
 * Cases are written with plain SQL, as the inbox would write them: this
 * part only reads cases and updates their response times and status.
 */
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
#include <sqlite3.h>

#include "earshot/reply.h"
#include "earshot/sla.h"

#define T0 1795392000LL /* Monday 2026-11-23 00:00 UTC */
#define H 3600LL

typedef struct fx {
    char dir[64], path[128];
    es_store_t *s;
    sqlite3 *db;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    struct stat sb;
    const char *base = stat("/dev/shm", &sb) == 0 ? "/dev/shm" : "/tmp";
    snprintf(f->dir, sizeof f->dir, "%s/es_sla_XXXXXX", base);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    assert_int_equal(es_store_open(f->path, &f->s), ES_OK);
    assert_int_equal(sqlite3_open(f->path, &f->db), SQLITE_OK);
    sqlite3_busy_timeout(f->db, 5000);
    assert_int_equal(sqlite3_exec(f->db,
                                  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                                  " WHERE i < 9) INSERT INTO users(id, name, role, created)"
                                  " SELECT i, 'user' || i, 'agent', 0 FROM n",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char p[200];
    sqlite3_close(f->db);
    es_store_close(f->s);
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void exec(fx *f, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(f->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, err);
        sqlite3_free(err);
        fail();
    }
}

static int64_t one(fx *f, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL), SQLITE_OK);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -999;
    sqlite3_finalize(st);
    return v;
}

/* A case as the inbox writes it. */
static void add_case(fx *f, int id, const char *source, const char *location, int priority,
                     int64_t created, long followers)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO cases(id, source, location, priority, created, updated,"
             " last_customer_at, followers) VALUES (%d, '%s', %s%s%s, %d, %lld, %lld, %lld, %ld)",
             id, source, location ? "'" : "", location ? location : "NULL", location ? "'" : "",
             priority, (long long)created, (long long)created, (long long)created, followers);
    exec(f, sql);
}

/* ---- calendars and policies ---------------------------------------------------- */

typedef struct seen {
    int n;
    char text[8][128];
} seen;

static void policy_cb(const es_sla_policy *p, void *ud)
{
    seen *s = ud;
    snprintf(s->text[s->n++ % 8], 128, "%d %lld %lld %lld %s", p->priority,
             (long long)p->first_response, (long long)p->next_response, (long long)p->resolution,
             p->calendar ? p->calendar : "-");
}

static void cal_cb(const es_sla_calendar_row *c, void *ud)
{
    seen *s = ud;
    snprintf(s->text[s->n++ % 8], 128, "%s=%s", c->name, c->spec);
}

static void test_policies(void **state)
{
    fx *f = *state;
    int64_t id = 0;
    assert_int_equal(es_sla_calendar_put(f->s, "office", "mon-fri 25:00-26:00", 0, &id), ES_EPARSE);
    assert_non_null(strstr(es_store_errmsg(f->s), "25:00"));
    assert_int_equal(es_sla_calendar_put(f->s, "", "24x7", 0, &id), ES_EINVAL);
    assert_int_equal(es_sla_calendar_put(f->s, "office", "mon-fri 09:00-17:00", 7, &id), ES_OK);
    int64_t cal = id;
    assert_int_equal(es_sla_calendar_put(f->s, "Office", "mon-sat 09:00-17:00", 7, &id), ES_OK);
    assert_int_equal(id, cal); /* the same calendar, replaced */
    seen s = {0};
    assert_int_equal(es_sla_calendar_list(f->s, cal_cb, &s), ES_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.text[0], "office=mon-sat 09:00-17:00");

    es_sla_policy p = {.priority = 2,
                       .first_response = H,
                       .next_response = 2 * H,
                       .resolution = 8 * H,
                       .calendar = "nowhere"};
    assert_int_equal(es_sla_policy_set(f->s, &p, 7, &id), ES_ENOTFOUND);
    p.calendar = "office";
    assert_int_equal(es_sla_policy_set(f->s, &p, 7, &id), ES_OK);
    p.priority = 1;
    p.calendar = NULL;
    p.first_response = 900;
    assert_int_equal(es_sla_policy_set(f->s, &p, 7, &id), ES_OK);
    p.first_response = 600; /* replaces priority 1 */
    assert_int_equal(es_sla_policy_set(f->s, &p, 7, &id), ES_OK);
    p.priority = 5;
    assert_int_equal(es_sla_policy_set(f->s, &p, 7, &id), ES_EINVAL);
    p.priority = 3;
    p.resolution = -1;
    assert_int_equal(es_sla_policy_set(f->s, &p, 7, &id), ES_EINVAL);
    memset(&s, 0, sizeof s);
    assert_int_equal(es_sla_policy_list(f->s, policy_cb, &s), ES_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.text[0], "1 600 7200 28800 -");
    assert_string_equal(s.text[1], "2 3600 7200 28800 office");
    assert_int_equal(one(f, "SELECT count(*) FROM audit WHERE action = 'sla.policy'"
                            " AND user_id = 7"),
                     3);
    assert_int_equal(one(f, "SELECT count(*) FROM audit WHERE action = 'sla.calendar'"), 2);
}

/* ---- replies ----------------------------------------------------------------------- */

static void list_cb_none(const es_reply *r, void *ud)
{
    (void)r;
    (void)ud;
}

static void test_reply_records(void **state)
{
    fx *f = *state;
    add_case(f, 1, "twitter", "Denver", 3, T0, 10);
    es_reply r;
    es_reply_measure m;
    assert_int_equal(es_reply_add(f->s, 1, NULL, 0, 0, "Hi Ana, on it.", 0, T0 + 600, &r, &m),
                     ES_OK);
    assert_true(r.id > 0);
    assert_int_equal(r.flags, 0);
    assert_int_equal(m.used, 14);
    assert_int_equal(one(f, "SELECT first_response_at FROM cases WHERE id = 1"), T0 + 600);
    assert_int_equal(one(f, "SELECT last_response_at FROM cases WHERE id = 1"), T0 + 600);
    assert_int_equal(one(f, "SELECT status = 'open' FROM cases WHERE id = 1"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM reply_outbox WHERE status = 'pending'"
                            " AND idempotency_key LIKE 'reply-%'"),
                     1);
    assert_int_equal(one(f, "SELECT count(*) FROM audit WHERE action = 'case.reply'"
                            " AND object = 'case:1'"),
                     1);
    assert_int_equal(one(f, "SELECT count(*) FROM case_status_log WHERE case_id = 1"
                            " AND old = 'new' AND new = 'open'"),
                     1);
    /* A second reply keeps the first response time. */
    assert_int_equal(es_reply_add(f->s, 1, NULL, 3, 0, "Your bag is found.", 1, T0 + 900, &r, NULL),
                     ES_OK);
    assert_int_equal(one(f, "SELECT first_response_at FROM cases WHERE id = 1"), T0 + 600);
    assert_int_equal(one(f, "SELECT last_response_at FROM cases WHERE id = 1"), T0 + 900);

    /* Too long for X: refused with the limit, nothing stored. */
    char longtext[400];
    memset(longtext, 'x', 281);
    longtext[281] = 0;
    assert_int_equal(es_reply_add(f->s, 1, NULL, 0, 0, longtext, 0, T0 + 1000, &r, &m), ES_ELIMIT);
    assert_int_equal(m.used, 281);
    assert_int_equal(m.max, 280);
    assert_non_null(strstr(es_store_errmsg(f->s), "280"));
    assert_int_equal(one(f, "SELECT count(*) FROM replies"), 2);
    /* As a direct message it fits. */
    assert_int_equal(es_reply_add(f->s, 1, NULL, 0, 0, longtext, 1, T0 + 1000, &r, &m), ES_OK);

    /* Scope, missing and merged cases, bad text. */
    const char *boston[] = {"Boston"};
    es_sla_scope sc = {0, boston, 1};
    assert_int_equal(es_reply_add(f->s, 1, &sc, 0, 0, "hello", 0, T0, &r, NULL), ES_ENOTFOUND);
    const char *denver[] = {"Boston", "Denver"};
    es_sla_scope sd = {0, denver, 2};
    assert_int_equal(es_reply_add(f->s, 1, &sd, 0, 0, "hello there", 0, T0 + 1100, &r, NULL),
                     ES_OK);
    assert_int_equal(es_reply_add(f->s, 99, NULL, 0, 0, "hello", 0, T0, &r, NULL), ES_ENOTFOUND);
    /* A region (an entry ending in '/') covers the locations under it. */
    add_case(f, 3, "twitter", "us/denver", 3, T0, 0);
    const char *us[] = {"us/"}, *usd[] = {"us/d"};
    es_sla_scope su = {0, us, 1}, sud = {0, usd, 1};
    assert_int_equal(es_reply_list(f->s, 3, &su, list_cb_none, NULL), ES_OK);
    assert_int_equal(es_reply_list(f->s, 3, &sud, list_cb_none, NULL), ES_ENOTFOUND);
    add_case(f, 2, "sms", NULL, 3, T0, 0);
    exec(f, "UPDATE cases SET merged_into = 1 WHERE id = 2");
    assert_int_equal(es_reply_add(f->s, 2, NULL, 0, 0, "hello", 0, T0, &r, NULL), ES_ENOTFOUND);
    assert_int_equal(es_reply_add(f->s, 1, NULL, 0, 0, "", 0, T0, &r, NULL), ES_EINVAL);
    assert_int_equal(es_reply_add(f->s, 1, NULL, 0, 0, "bad \xc3(", 0, T0, &r, NULL), ES_EUTF8);
    assert_int_equal(one(f, "SELECT count(*) FROM replies"), 4);
}

static void list_cb(const es_reply *r, void *ud)
{
    seen *s = ud;
    snprintf(s->text[s->n++ % 8], 128, "%lld %s %s %u %s", (long long)r->user_id, r->channel,
             r->status ? r->status : "-", r->flags, r->text);
}

static void test_reply_generic_and_list(void **state)
{
    fx *f = *state;
    add_case(f, 1, "facebook", "Denver", 3, T0, 0);
    const char *canned = "We are sorry for the trouble. Please send us a DM with your details.";
    es_reply r;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(es_reply_add(f->s, 1, NULL, 5, 0, canned, 0, T0 + i, &r, NULL), ES_OK);
        assert_int_equal(r.flags, 0); /* fewer than ES_GENERIC_MIN before it */
    }
    assert_int_equal(es_reply_add(f->s, 1, NULL, 5, 0,
                                  "we are SORRY for the trouble please send us a dm with your "
                                  "details",
                                  0, T0 + 9, &r, NULL),
                     ES_OK);
    assert_int_equal(r.flags, ES_REPLY_GENERIC);
    assert_int_equal(es_reply_add(f->s, 1, NULL, 5, 0,
                                  "Ana from the Denver desk: your refund "
                                  "went out this morning.",
                                  0, T0 + 10, &r, NULL),
                     ES_OK);
    assert_int_equal(r.flags, 0);
    seen s = {0};
    assert_int_equal(es_reply_list(f->s, 1, NULL, list_cb, &s), ES_OK);
    assert_int_equal(s.n, 5);
    assert_non_null(strstr(s.text[3], "5 facebook pending 1 we are SORRY"));
    const char *boston[] = {"Boston"};
    es_sla_scope sc = {0, boston, 1};
    assert_int_equal(es_reply_list(f->s, 1, &sc, list_cb, &s), ES_ENOTFOUND);
}

/* ---- the clock and the checker ------------------------------------------------------ */

static void test_status_log_and_due(void **state)
{
    fx *f = *state;
    es_sla_policy p = {.priority = 3, .first_response = H, .resolution = 8 * H};
    assert_int_equal(es_sla_policy_set(f->s, &p, 0, NULL), ES_OK);
    add_case(f, 1, "twitter", "Denver", 3, T0, 0);
    es_sla_dues d;
    assert_int_equal(es_sla_due(f->s, 1, &d), ES_OK);
    assert_int_equal(d.first_response, T0 + H);
    assert_int_equal(d.resolution, T0 + 8 * H);
    assert_int_equal(d.next, T0 + H);
    /* Pending from 00:10 to 00:30: the clock stops for 20 minutes. */
    exec(f, "UPDATE cases SET status = 'pending', updated = 1795392600 WHERE id = 1");
    assert_int_equal(es_sla_due(f->s, 1, &d), ES_OK);
    assert_int_equal(d.next, 0);
    exec(f, "UPDATE cases SET status = 'open', updated = 1795393800 WHERE id = 1");
    assert_int_equal(es_sla_due(f->s, 1, &d), ES_OK);
    assert_int_equal(d.first_response, T0 + H + 1200);
    assert_int_equal(d.resolution, T0 + 8 * H + 1200);
    assert_int_equal(es_sla_due(f->s, 2, &d), ES_ENOTFOUND);
    assert_int_equal(es_sla_due(f->s, 0, &d), ES_EINVAL);
}

typedef struct raised {
    int n, fail_next;
    char what[16][64];
} raised;

static es_err raise_cb(es_store_t *s, const es_sla_event *ev, void *ud)
{
    (void)s;
    raised *r = ud;
    if (r->fail_next) {
        r->fail_next--;
        return ES_EIO;
    }
    snprintf(r->what[r->n++ % 16], 64, "%lld %s %s %s", (long long)ev->case_id, ev->clock,
             ev->level, ev->location ? ev->location : "-");
    return ES_OK;
}

static void test_check(void **state)
{
    fx *f = *state;
    es_sla_policy p = {.priority = 2, .first_response = H, .resolution = 10 * H};
    assert_int_equal(es_sla_policy_set(f->s, &p, 0, NULL), ES_OK);
    add_case(f, 1, "twitter", "Denver", 2, T0, 0);     /* first response due 01:00 */
    add_case(f, 2, "sms", "Boston", 2, T0 + 3 * H, 0); /* due 04:00 */
    add_case(f, 3, "email", NULL, 4, T0, 0);           /* priority 4: no policy */
    size_t n = 0;
    raised r = {0};
    /* 00:30 with a 15-minute window: nothing. */
    assert_int_equal(es_sla_check(f->s, T0 + 1800, 900, raise_cb, &r, &n), ES_OK);
    assert_int_equal(n, 0);
    /* 00:50: case 1 is due within 15 minutes. */
    assert_int_equal(es_sla_check(f->s, T0 + 3000, 900, raise_cb, &r, &n), ES_OK);
    assert_int_equal(n, 1);
    assert_string_equal(r.what[0], "1 first_response warning Denver");
    assert_int_equal(es_sla_check(f->s, T0 + 3100, 900, raise_cb, &r, &n), ES_OK);
    assert_int_equal(n, 0); /* once */
    /* 01:05: breached. A failing raise is retried by the next check. */
    r.fail_next = 1;
    assert_int_equal(es_sla_check(f->s, T0 + 3900, 900, raise_cb, &r, &n), ES_EIO);
    assert_int_equal(n, 0);
    assert_int_equal(es_sla_check(f->s, T0 + 3900, 900, raise_cb, &r, &n), ES_OK);
    assert_int_equal(n, 1);
    assert_string_equal(r.what[1], "1 first_response breach Denver");
    /* A reply meets the first response; resolution is still owed. */
    es_reply rep;
    assert_int_equal(es_reply_add(f->s, 2, NULL, 0, 0, "on it", 0, T0 + 3 * H + 60, &rep, NULL),
                     ES_OK);
    assert_int_equal(es_sla_check(f->s, T0 + 9 * H + 50 * 60, 900, raise_cb, &r, &n), ES_OK);
    assert_int_equal(n, 1);
    assert_string_equal(r.what[2], "1 resolution warning Denver");
    /* Resolved cases are left alone. */
    exec(f, "UPDATE cases SET status = 'resolved', resolved_at = 1795428000, updated = 1795428000"
            " WHERE id = 1");
    assert_int_equal(es_sla_check(f->s, T0 + 20 * H, 900, raise_cb, &r, &n), ES_OK);
    assert_int_equal(n, 1);
    assert_string_equal(r.what[3], "2 resolution breach Boston");
    assert_int_equal(one(f, "SELECT count(*) FROM sla_marks"), 4);
}

/* ---- the outbox ------------------------------------------------------------------------ */

typedef struct jobs_seen {
    int n;
    int64_t id;
    char key[64], url[64], in_reply_to[32];
} jobs_seen;

static void job_cb(const es_reply_job *j, void *ud)
{
    jobs_seen *s = ud;
    s->n++;
    s->id = j->outbox_id;
    snprintf(s->key, sizeof s->key, "%s", j->key);
    snprintf(s->url, sizeof s->url, "%s", j->url);
    snprintf(s->in_reply_to, sizeof s->in_reply_to, "%s", j->in_reply_to ? j->in_reply_to : "-");
}

static void test_outbox(void **state)
{
    fx *f = *state;
    add_case(f, 1, "twitter", "Denver", 3, T0, 0);
    exec(f, "INSERT INTO mentions(source, external_id, text, case_id) VALUES"
            " ('twitter', '1001', 'lost bag', 1), ('twitter', '1002', 'still lost', 1)");
    es_reply r;
    assert_int_equal(es_reply_add(f->s, 1, NULL, 0, 0, "Found it!", 0, T0, &r, NULL), ES_OK);
    jobs_seen s = {0};
    assert_int_equal(es_reply_outbox_due(f->s, T0 + 5, 10, 0, job_cb, &s), ES_OK);
    assert_int_equal(s.n, 0); /* no endpoint for twitter yet */
    assert_int_equal(es_reply_endpoint_set(f->s, "twitter", "ftp://x", NULL, 1), ES_EINVAL);
    assert_int_equal(es_reply_endpoint_set(f->s, "twitter", "http://127.0.0.1:9/x", "k", 1), ES_OK);
    assert_int_equal(es_reply_outbox_due(f->s, T0 + 5, 10, 0, job_cb, &s), ES_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.in_reply_to, "1002");
    assert_string_equal(s.url, "http://127.0.0.1:9/x");
    char key[64];
    snprintf(key, sizeof key, "%s", s.key);
    int64_t next = 0;
    assert_int_equal(es_reply_outbox_next(f->s, &next), ES_OK);
    assert_int_equal(next, T0);
    /* A failed attempt, retried at T0 + 60. */
    assert_int_equal(es_reply_outbox_result(f->s, s.id, 0, "HTTP 500", T0 + 5, T0 + 60), ES_OK);
    s.n = 0;
    assert_int_equal(es_reply_outbox_due(f->s, T0 + 59, 10, 0, job_cb, &s), ES_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(es_reply_outbox_due(f->s, T0 + 60, 10, 0, job_cb, &s), ES_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.key, key); /* the key never changes */
    assert_int_equal(es_reply_outbox_result(f->s, s.id, 1, NULL, T0 + 61, 0), ES_OK);
    assert_int_equal(one(f, "SELECT attempts FROM reply_outbox"), 2);
    assert_int_equal(one(f, "SELECT delivered_at FROM reply_outbox WHERE status = 'delivered'"),
                     T0 + 61);
    /* A delivered row is not changed again. */
    assert_int_equal(es_reply_outbox_result(f->s, s.id, 0, "late", T0 + 62, T0 + 70), ES_ENOTFOUND);
    /* A claim hides the row from a second deliverer until the lease ends. */
    assert_int_equal(es_reply_add(f->s, 1, NULL, 0, 0, "Claimed", 0, T0 + 80, &r, NULL), ES_OK);
    s.n = 0;
    assert_int_equal(es_reply_outbox_due(f->s, T0 + 80, 10, T0 + 200, job_cb, &s), ES_OK);
    assert_int_equal(s.n, 1);
    s.n = 0;
    assert_int_equal(es_reply_outbox_due(f->s, T0 + 81, 10, T0 + 200, job_cb, &s), ES_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(es_reply_outbox_due(f->s, T0 + 200, 10, 0, job_cb, &s), ES_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(es_reply_outbox_result(f->s, s.id, 1, NULL, T0 + 200, 0), ES_OK);
    /* Giving up. */
    assert_int_equal(es_reply_add(f->s, 1, NULL, 0, 0, "Second", 0, T0 + 100, &r, NULL), ES_OK);
    s.n = 0;
    assert_int_equal(es_reply_outbox_due(f->s, T0 + 100, 10, 0, job_cb, &s), ES_OK);
    assert_int_equal(es_reply_outbox_result(f->s, s.id, 0, "HTTP 410", T0 + 100, 0), ES_OK);
    assert_int_equal(one(f, "SELECT count(*) FROM reply_outbox WHERE status = 'failed'"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM audit WHERE action IN ('reply.delivered',"
                            " 'reply.failed')"),
                     3);
    assert_int_equal(one(f, "SELECT count(*) FROM audit WHERE action = 'channel.endpoint'"
                            " AND detail NOT LIKE '%127.0.0.1%'"),
                     1);
}

/* ---- reports ----------------------------------------------------------------------------- */

typedef struct rows {
    int n;
    es_sla_report_row r[12];
    char g[12][32];
} rows;

static void row_cb(const es_sla_report_row *r, void *ud)
{
    rows *x = ud;
    if (x->n < 12) {
        x->r[x->n] = *r;
        snprintf(x->g[x->n], 32, "%s", r->group);
        x->r[x->n].group = x->g[x->n];
    }
    x->n++;
}

/* Twenty cases: ids 1..20, followers 100 * id (id 20: 10 million), first
 * response after id minutes, resolved after id hours for even ids; odd ids
 * on twitter in Denver, even ids by SMS in Boston; ids 1-10 in team
 * "social", 11-20 in "stores". */
static void build_report_store(fx *f)
{
    exec(f, "INSERT INTO teams(id, name) VALUES (1, 'social'), (2, 'stores')");
    for (int id = 1; id <= 20; id++) {
        add_case(f, id, id % 2 ? "twitter" : "sms", id % 2 ? "Denver" : "Boston", 3, T0 + id * 1000,
                 id == 20 ? 10000000L : 100L * id);
        char sql[300];
        snprintf(sql, sizeof sql,
                 "UPDATE cases SET team_id = %d, first_response_at = created + %d * 60,"
                 " resolved_at = CASE WHEN %d %% 2 = 0 THEN created + %d * 3600 END WHERE id = %d",
                 id <= 10 ? 1 : 2, id, id, id, id);
        exec(f, sql);
    }
    add_case(f, 21, "twitter", "Denver", 3, T0, 5); /* unanswered */
    add_case(f, 22, "twitter", "Denver", 3, T0, 5);
    exec(f, "UPDATE cases SET merged_into = 21, first_response_at = created WHERE id = 22");
}

static void test_report(void **state)
{
    fx *f = *state;
    build_report_store(f);
    rows x = {0};
    assert_int_equal(es_sla_report(f->s, ES_SLA_BY_CHANNEL, NULL, 0, 0, row_cb, &x), ES_OK);
    assert_int_equal(x.n, 2);
    /* sms: ids 2,4..20: first response 2..20 min, median 11 min, p90 at
     * position 8.1 = 18 + 0.1 * 2 = 18.2 min; all resolved, median 11 h. */
    assert_string_equal(x.r[0].group, "sms");
    assert_int_equal(x.r[0].cases, 10);
    assert_int_equal(x.r[0].responded, 10);
    assert_true(x.r[0].first_median == 660);
    assert_true(x.r[0].first_p90 == 1092);
    assert_int_equal(x.r[0].resolved, 10);
    assert_true(x.r[0].resolution_median == 11 * 3600);
    /* twitter: ids 1,3..19 and the unanswered 21 (the merged 22 is out). */
    assert_string_equal(x.r[1].group, "twitter");
    assert_int_equal(x.r[1].cases, 11);
    assert_int_equal(x.r[1].responded, 10);
    assert_true(x.r[1].first_median == 600);
    assert_int_equal(x.r[1].resolved, 0);
    assert_true(x.r[1].resolution_median == 0);

    memset(&x, 0, sizeof x);
    assert_int_equal(es_sla_report(f->s, ES_SLA_BY_TEAM, NULL, 0, 0, row_cb, &x), ES_OK);
    assert_int_equal(x.n, 3);
    assert_string_equal(x.r[0].group, ""); /* case 21 has no team */
    assert_string_equal(x.r[1].group, "social");
    assert_true(x.r[1].first_median == 330); /* 1..10 min */
    assert_true(x.r[2].first_median == 930); /* 11..20 min */

    /* Deciles of 21 cases (followers 5, 100 .. 1900, 10 M): ntile gives the
     * first decile 3 cases and the others 2. */
    memset(&x, 0, sizeof x);
    assert_int_equal(es_sla_report(f->s, ES_SLA_BY_FOLLOWERS, NULL, 0, 0, row_cb, &x), ES_OK);
    assert_int_equal(x.n, 10);
    assert_string_equal(x.r[0].group, "1");
    assert_int_equal(x.r[0].cases, 3);
    assert_int_equal(x.r[0].followers_min, 5);
    assert_int_equal(x.r[0].followers_max, 200);
    assert_string_equal(x.r[9].group, "10");
    assert_int_equal(x.r[9].followers_max, 10000000);
    assert_true(x.r[9].first_median == 19.5 * 60); /* ids 19 and 20 */

    /* A manager of Boston sees Boston only; a time window. */
    const char *boston[] = {"Boston"};
    es_sla_scope sc = {0, boston, 1};
    memset(&x, 0, sizeof x);
    assert_int_equal(es_sla_report(f->s, ES_SLA_BY_LOCATION, &sc, 0, 0, row_cb, &x), ES_OK);
    assert_int_equal(x.n, 1);
    assert_string_equal(x.r[0].group, "Boston");
    memset(&x, 0, sizeof x);
    assert_int_equal(
        es_sla_report(f->s, ES_SLA_BY_LOCATION, NULL, T0 + 5000, T0 + 10001, row_cb, &x), ES_OK);
    assert_int_equal(x.n, 2);
    assert_int_equal(x.r[0].cases + x.r[1].cases, 6); /* ids 5..10 */
    es_sla_by by;
    assert_int_equal(es_sla_by_parse("followers", &by), ES_OK);
    assert_int_equal(by, ES_SLA_BY_FOLLOWERS);
    assert_int_equal(es_sla_by_parse("klout", &by), ES_EINVAL);
    assert_int_equal(es_sla_report(f->s, (es_sla_by)9, NULL, 0, 0, row_cb, &x), ES_EINVAL);
}

/* ---- allocation failures ------------------------------------------------------------------- */

static void test_alloc_failures(void **state)
{
    fx *f = *state;
    build_report_store(f);
    es_sla_policy p = {.priority = 3, .first_response = H};
    assert_int_equal(es_sla_policy_set(f->s, &p, 0, NULL), ES_OK);
    int ok = 0;
    for (long n = 0; n < 20000 && !ok; n++) {
        rows x = {0};
        es_fail_alloc_after(n);
        es_err rc = es_sla_report(f->s, ES_SLA_BY_FOLLOWERS, NULL, 0, 0, row_cb, &x);
        es_fail_alloc_after(-1);
        assert_true(rc == ES_OK || rc == ES_ENOMEM || rc == ES_EDB);
        ok = rc == ES_OK && x.n == 10;
    }
    assert_true(ok);
    ok = 0;
    for (long n = 0; n < 20000 && !ok; n++) {
        size_t raised_n = 0;
        raised r = {0};
        es_fail_alloc_after(n);
        es_err rc = es_sla_check(f->s, T0 + 100 * H, 60, raise_cb, &r, &raised_n);
        es_fail_alloc_after(-1);
        assert_true(rc == ES_OK || rc == ES_ENOMEM || rc == ES_EDB);
        ok = rc == ES_OK;
    }
    assert_true(ok);
    ok = 0;
    for (long n = 0; n < 20000 && !ok; n++) {
        es_reply r;
        es_fail_alloc_after(n);
        es_err rc = es_reply_add(f->s, 21, NULL, 0, 0, "at last", 0, T0 + 5, &r, NULL);
        es_fail_alloc_after(-1);
        assert_true(rc == ES_OK || rc == ES_ENOMEM || rc == ES_EDB);
        ok = rc == ES_OK;
    }
    assert_true(ok);
    assert_int_equal(one(f, "SELECT count(*) FROM replies WHERE case_id = 21"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_policies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_generic_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_log_and_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
