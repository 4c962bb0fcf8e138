/*
 * test_invitation.c - survey and advocacy invitations against a real
 * SQLite file: the de-duplication window, opt-outs recorded as skipped,
 * tokens and messages (links, the way out), states that never move back,
 * states brought up to date from responses (by invitation id, or by an SMS
 * from the same phone), the completion report and its scope, the advocacy
 * rule (promoters only, at locations with a review link), shares in and out
 * of scope, the reach arithmetic, unsubscribing by token, and delivery
 * failures retried then failed for good.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "earshot/invitation.h"
#include "earshot/location.h"
#include "earshot/store.h"
#include "earshot/survey.h"

#define NOW 1790000000
#define DAY 86400
#define URL "https://es.example"

typedef struct fixture {
    char dir[64];
    char path[128];
    es_store_t *s;
    int64_t loc1, loc2;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_inv_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    if (es_store_open(f->path, &f->s))
        fail_msg("open: %s", es_store_errmsg(f->s));
    es_location a = {.key = "eu/lyon-1",
                     .code = "LY1",
                     .name = "Lyon One",
                     .review_url = "https://reviews.example/lyon-1"};
    es_location b = {.key = "us/nyc-1", .code = "NY1", .name = "New York One"};
    assert_int_equal(es_location_add(f->s, &a, 0, &f->loc1), ES_OK);
    assert_int_equal(es_location_add(f->s, &b, 0, &f->loc2), ES_OK);
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

/* Invites the contacts of the CSV text at now. */
static es_err invite(fixture *f, const char *csv, int64_t now, es_invite_result *r)
{
    es_invite_list l;
    char err[256];
    es_err rc = es_invite_list_parse(csv, strlen(csv), &l, err, sizeof err);
    if (rc)
        fail_msg("parse: %s", err);
    es_invite_opts o = {.public_url = URL "/"};
    rc = es_invite_send(f->s, &l, &o, 0, now, r);
    es_invite_list_free(&l);
    return rc;
}

typedef struct got {
    int64_t id, followers, clicks, started_at, completed_at, delivered_at;
    char kind[16], state[16], reason[16], token[40], contact[64], location[16], url[128];
} got;

static void take(const es_invitation *inv, void *ud)
{
    got *g = ud;
    g->id = inv->id;
    g->followers = inv->followers;
    g->clicks = inv->clicks;
    g->started_at = inv->started_at;
    g->completed_at = inv->completed_at;
    g->delivered_at = inv->delivered_at;
    snprintf(g->kind, sizeof g->kind, "%s", inv->kind);
    snprintf(g->state, sizeof g->state, "%s", inv->state);
    snprintf(g->reason, sizeof g->reason, "%s", inv->reason ? inv->reason : "");
    snprintf(g->token, sizeof g->token, "%s", inv->token);
    snprintf(g->contact, sizeof g->contact, "%s", inv->contact);
    snprintf(g->location, sizeof g->location, "%s", inv->location);
    snprintf(g->url, sizeof g->url, "%s", inv->review_url ? inv->review_url : "");
}

/* The token of invitation id, read from the file as a receiver would see
 * it in the message. */
static void token_of(fixture *f, int64_t id, char *out, size_t size)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT token FROM invitations WHERE id = ?1", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(st, 1, id);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_window_and_optout(void **state)
{
    fixture *f = *state;
    es_invite_result r;
    const char *csv = "contact,location,name\n+15550001,LY1,Ann\n+bob@example.com,LY1,Bob\n"
                      "+15550003,LY1,\n";
    assert_int_equal(es_survey_optout_set(f->s, "+15550003", 1, "sms:STOP", NOW - 10), ES_OK);
    assert_int_equal(invite(f, csv, NOW, &r), ES_OK);
    assert_int_equal(r.invited, 2);
    assert_int_equal(r.skipped_optout, 1);
    assert_int_equal(r.skipped_recent, 0);
    /* within the window: skipped as recent (opt-out still wins) */
    assert_int_equal(invite(f, csv, NOW + 29 * DAY, &r), ES_OK);
    assert_int_equal(r.invited, 0);
    assert_int_equal(r.skipped_recent, 2);
    assert_int_equal(r.skipped_optout, 1);
    /* another location is another matter */
    assert_int_equal(invite(f, "contact,location\n+15550001,NY1\n", NOW + DAY, &r), ES_OK);
    assert_int_equal(r.invited, 1);
    /* after the window (counted from the last real invitation): invited again */
    assert_int_equal(invite(f, csv, NOW + 31 * DAY, &r), ES_OK);
    assert_int_equal(r.invited, 2);
    /* opted back in */
    assert_int_equal(es_survey_optout_set(f->s, "+15550003", 0, "sms:UNSTOP", NOW), ES_OK);
    assert_int_equal(invite(f, "contact,location\n+15550003,LY1\n", NOW + 32 * DAY, &r), ES_OK);
    assert_int_equal(r.invited, 1);
    /* an unknown location refuses the whole list, nothing written */
    assert_int_equal(invite(f, "contact,location\n+15550009,LY1\n+15550009,ZZ9\n", NOW, &r),
                     ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "contact 2: no location 'ZZ9'"));
}

typedef struct sums {
    int64_t invited, completed, started, skipped, rows;
    char last_loc[16];
} sums;

static void add_row(const es_invite_report_row *r, void *ud)
{
    sums *s = ud;
    s->invited += r->invited;
    s->completed += r->completed;
    s->started += r->started;
    s->skipped += r->skipped;
    s->rows++;
    snprintf(s->last_loc, sizeof s->last_loc, "%s", r->location);
}

static void test_states_and_report(void **state)
{
    fixture *f = *state;
    es_invite_result r;
    assert_int_equal(invite(f,
                            "contact,location\n+15550001,LY1\nann@example.com,LY1\n"
                            "+15550002,LY1\n+15550004,NY1\n",
                            NOW, &r),
                     ES_OK);
    int64_t sms1 = r.first_id, mail = r.first_id + 1, sms2 = r.first_id + 2;
    char tok[40];
    token_of(f, mail, tok, sizeof tok);
    got g = {0};
    assert_int_equal(es_invitation_lookup(f->s, tok, take, &g), ES_OK);
    assert_int_equal(g.id, mail);
    assert_string_equal(g.state, "invited");
    assert_string_equal(g.location, "LY1");
    assert_int_equal(es_invitation_lookup(f->s, "0123456789abcdef0123456789abcdef", take, &g),
                     ES_ENOTFOUND);
    assert_int_equal(es_invitation_lookup(f->s, "x' OR 1=1 --", take, &g), ES_ENOTFOUND);
    /* states move forward only */
    assert_int_equal(es_invitation_mark(f->s, mail, "completed", NOW + 60), ES_OK);
    assert_int_equal(es_invitation_mark(f->s, mail, "started", NOW + 90), ES_OK);
    assert_int_equal(es_invitation_mark(f->s, mail, "delivered", NOW + 95), ES_OK);
    assert_int_equal(es_invitation_lookup(f->s, tok, take, &g), ES_OK);
    assert_string_equal(g.state, "completed");
    assert_int_equal(g.started_at, NOW + 60);
    assert_int_equal(g.completed_at, NOW + 60);
    assert_int_equal(g.delivered_at, NOW + 95);
    assert_int_equal(es_invitation_mark(f->s, mail, "clicked", NOW), ES_EINVAL);
    assert_int_equal(es_invitation_mark(f->s, mail, "bogus", NOW), ES_EINVAL);
    assert_int_equal(es_invitation_mark(f->s, 999999, "started", NOW), ES_ENOTFOUND);
    /* responses: one by invitation id (partial), one SMS from the same phone */
    es_survey sv;
    int64_t sid = 0, rid = 0;
    es_survey_template(&sv, NULL, NULL);
    sv.is_default = 1;
    assert_int_equal(es_survey_add(f->s, &sv, 0, &sid), ES_OK);
    es_survey_answer a[2] = {{.position = 1, .has_value = 1, .value = 5},
                             {.position = 2, .has_value = 1, .value = 10}};
    es_survey_response p1 = {.survey_id = sid,
                             .location_id = f->loc1,
                             .channel = "web",
                             .invitation_id = sms1,
                             .started = NOW + 100,
                             .n_answers = 1,
                             .answers = a};
    es_survey_response p2 = {.survey_id = sid,
                             .location_id = f->loc1,
                             .channel = "sms",
                             .contact = "+15550002",
                             .started = NOW + 200,
                             .completed = NOW + 260,
                             .n_answers = 2,
                             .answers = a};
    assert_int_equal(es_survey_response_add(f->s, &p1, &rid, NULL), ES_OK);
    assert_int_equal(es_survey_response_add(f->s, &p2, &rid, NULL), ES_OK);
    size_t changed = 0;
    assert_int_equal(es_invite_refresh(f->s, 0, &changed), ES_OK);
    assert_int_equal(changed, 2);
    assert_int_equal(es_invite_refresh(f->s, 0, &changed), ES_OK);
    assert_int_equal(changed, 0);
    token_of(f, sms1, tok, sizeof tok);
    assert_int_equal(es_invitation_lookup(f->s, tok, take, &g), ES_OK);
    assert_string_equal(g.state, "started");
    token_of(f, sms2, tok, sizeof tok);
    assert_int_equal(es_invitation_lookup(f->s, tok, take, &g), ES_OK);
    assert_string_equal(g.state, "completed");
    assert_int_equal(g.completed_at, NOW + 260);
    /* the report: 4 invited, 2 completed, 3 started; scoped to eu/lyon-1 */
    sums all = {0}, mine = {0};
    es_invite_scope sc_all = {1, NULL, 0};
    const char *keys[] = {"eu/lyon-1"};
    es_invite_scope sc_mine = {0, keys, 1};
    assert_int_equal(es_invite_report(f->s, &sc_all, NOW - DAY, NOW + DAY, add_row, &all), ES_OK);
    assert_int_equal(all.invited, 4);
    assert_int_equal(all.completed, 2);
    assert_int_equal(all.started, 3);
    assert_int_equal(all.rows, 3); /* LY1 email, LY1 sms, NY1 sms */
    assert_int_equal(es_invite_report(f->s, &sc_mine, NOW - DAY, NOW + DAY, add_row, &mine), ES_OK);
    assert_int_equal(mine.invited, 3);
    assert_string_equal(mine.last_loc, "LY1");
    es_invite_scope none = {0, NULL, 0};
    sums zero = {0};
    assert_int_equal(es_invite_report(f->s, &none, NOW - DAY, NOW + DAY, add_row, &zero), ES_OK);
    assert_int_equal(zero.rows, 0);
}

static void test_unsubscribe(void **state)
{
    fixture *f = *state;
    es_invite_result r;
    assert_int_equal(invite(f, "contact,location\nAnn@Example.com,LY1\n", NOW, &r), ES_OK);
    char tok[40];
    token_of(f, r.first_id, tok, sizeof tok);
    assert_int_equal(es_invite_unsubscribe(f->s, tok, NOW), ES_OK);
    int out = 0;
    assert_int_equal(es_survey_optout_get(f->s, "ann@example.com", &out), ES_OK);
    assert_int_equal(out, 1);
    assert_int_equal(es_invite_unsubscribe(f->s, "ffffffffffffffffffffffffffffffff", NOW),
                     ES_ENOTFOUND);
    assert_int_equal(invite(f, "contact,location\nann@example.com,NY1\n", NOW, &r), ES_OK);
    assert_int_equal(r.skipped_optout, 1);
}

/* A completed response at loc with recommend rec from contact. */
static int64_t respond(fixture *f, int64_t sid, int64_t loc, int rec, const char *contact,
                       int64_t at)
{
    es_survey_answer a[2] = {{.position = 1, .has_value = 1, .value = 5},
                             {.position = 2, .has_value = 1, .value = rec}};
    es_survey_response p = {.survey_id = sid,
                            .location_id = loc,
                            .channel = "web",
                            .contact = contact,
                            .started = at,
                            .completed = at,
                            .n_answers = 2,
                            .answers = a};
    int64_t id = 0;
    assert_int_equal(es_survey_response_add(f->s, &p, &id, NULL), ES_OK);
    return id;
}

static void test_advocacy(void **state)
{
    fixture *f = *state;
    es_survey sv;
    int64_t sid = 0;
    es_survey_template(&sv, NULL, NULL);
    sv.is_default = 1;
    assert_int_equal(es_survey_add(f->s, &sv, 0, &sid), ES_OK);
    respond(f, sid, f->loc1, 10, "+15550001", NOW - 100);      /* promoter */
    respond(f, sid, f->loc1, 9, "cy@example.com", NOW - 90);   /* promoter */
    respond(f, sid, f->loc1, 8, "+15550003", NOW - 80);        /* passive */
    respond(f, sid, f->loc2, 10, "+15550004", NOW - 70);       /* no review link */
    respond(f, sid, f->loc1, 10, NULL, NOW - 60);              /* anonymous */
    respond(f, sid, f->loc1, 10, "+15550006", NOW - 30 * DAY); /* too old */
    assert_int_equal(es_survey_optout_set(f->s, "cy@example.com", 1, "x", NOW), ES_OK);
    es_advocacy_opts o = {.public_url = URL, .since = NOW - DAY};
    es_invite_result r;
    assert_int_equal(es_advocacy_run(f->s, &o, NOW, &r), ES_OK);
    assert_int_equal(r.invited, 1);
    assert_int_equal(r.skipped_optout, 1);
    /* the rule is idempotent: each promoter once */
    es_invite_result again;
    assert_int_equal(es_advocacy_run(f->s, &o, NOW + 10, &again), ES_OK);
    assert_int_equal(again.invited + again.skipped_optout + again.skipped_recent, 0);
    char tok[40];
    got g = {0};
    token_of(f, r.first_id, tok, sizeof tok);
    assert_int_equal(es_invitation_lookup(f->s, tok, take, &g), ES_OK);
    assert_string_equal(g.kind, "advocacy");
    assert_string_equal(g.contact, "+15550001");
    assert_string_equal(g.url, "https://reviews.example/lyon-1");
    int64_t adv = g.id;
    /* clicked twice: one state change, two clicks; a survey state is refused */
    assert_int_equal(es_invitation_mark(f->s, adv, "clicked", NOW + 5), ES_OK);
    assert_int_equal(es_invitation_mark(f->s, adv, "clicked", NOW + 6), ES_OK);
    assert_int_equal(es_invitation_mark(f->s, adv, "completed", NOW + 6), ES_EINVAL);
    assert_int_equal(es_invitation_lookup(f->s, tok, take, &g), ES_OK);
    assert_string_equal(g.state, "clicked");
    assert_int_equal(g.clicks, 2);
    /* a manager of another location cannot record the share */
    const char *ny[] = {"us/nyc-1"};
    es_invite_scope sc_ny = {0, ny, 1};
    assert_int_equal(es_advocacy_shared(f->s, adv, &sc_ny, "@ann", 500, 0, NOW + 7), ES_ENOTFOUND);
    assert_int_equal(es_advocacy_shared(f->s, adv, NULL, "@ann", 500, 0, NOW + 7), ES_OK);
    /* a second promoter shares without a known audience */
    int64_t rid = respond(f, sid, f->loc1, 10, "dee@example.com", NOW - 20);
    (void)rid;
    assert_int_equal(es_advocacy_run(f->s, &o, NOW + 20, &r), ES_OK);
    assert_int_equal(r.invited, 1);
    assert_int_equal(es_advocacy_shared(f->s, r.first_id, NULL, NULL, -1, 0, NOW + 30), ES_OK);
    es_advocacy_report rep;
    assert_int_equal(es_advocacy_report_get(f->s, NULL, NOW - DAY, NOW + DAY, 250, &rep), ES_OK);
    assert_int_equal(rep.invited, 2);
    assert_int_equal(rep.clicked, 2);
    assert_int_equal(rep.advocates, 2);
    assert_int_equal(rep.reach_known, 500);
    assert_int_equal(rep.shares_unknown, 1);
    assert_int_equal(rep.reach, 750);
    /* engaged: the contacts of completed responses in the period (5, of
     * which dee) plus advocates not among them (none) */
    assert_int_equal(rep.engaged, 5);
    assert_int_equal(es_advocacy_report_get(f->s, &sc_ny, NOW - DAY, NOW + DAY, 0, &rep), ES_OK);
    assert_int_equal(rep.advocates, 0);
    assert_int_equal(rep.engaged, 1);
    assert_int_equal(rep.per_share, ES_ADVOCACY_PER_SHARE);
}

/* Very positive mentions of our brand with a location: by SMS the author
 * is the contact; on a social network the customer's phone or email (from
 * their case) is, and the handle's followers count for the reach. */
static void test_advocacy_mentions(void **state)
{
    fixture *f = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char sql[2048];
    snprintf(sql, sizeof sql,
             "INSERT INTO brands(id, name, ours) VALUES (1, 'Acme', 1), (2, 'Rival', 0);"
             "INSERT INTO customers(id, name, created) VALUES (1, 'Hap', 0);"
             "INSERT INTO customer_handles(kind, source, value, customer_id) VALUES"
             " ('handle', 'twitter', '@hap', 1), ('email', '', 'hap@example.com', 1);"
             "INSERT INTO cases(id, customer_id, source, created, updated, last_customer_at)"
             " VALUES (1, 1, 'twitter', 0, 0, 0);"
             "INSERT INTO mentions(id, source, external_id, author, followers, text, location,"
             " compound, created_at, case_id) VALUES"
             " (1, 'sms', 's1', '+15550077', NULL, 'love it', 'LY1', 0.91, %d, NULL),"
             " (2, 'twitter', 't1', '@hap', 900, 'so good', 'eu/lyon-1', 0.95, %d, 1),"
             " (3, 'twitter', 't2', '@nocase', 50, 'great', 'LY1', 0.97, %d, NULL),"
             " (4, 'sms', 's2', '+15550078', NULL, 'fine', 'LY1', 0.5, %d, NULL),"
             " (5, 'sms', 's3', '+15550079', NULL, 'love rival', 'LY1', 0.95, %d, NULL),"
             " (6, 'sms', 's4', '+15550080', NULL, 'love it', 'NY1', 0.95, %d, NULL);"
             "INSERT INTO mention_brands VALUES (1, 1), (2, 1), (3, 1), (4, 1), (5, 2), (6, 1);",
             NOW - 50, NOW - 40, NOW - 30, NOW - 20, NOW - 10, NOW - 5);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("seed: %s", msg);
    sqlite3_close(db);
    es_advocacy_opts o = {.public_url = URL, .since = NOW - DAY};
    es_invite_result r;
    assert_int_equal(es_advocacy_run(f->s, &o, NOW, &r), ES_OK);
    assert_int_equal(r.invited, 2); /* mentions 1 and 2 */
    got g = {0};
    char tok[40];
    token_of(f, r.first_id, tok, sizeof tok);
    assert_int_equal(es_invitation_lookup(f->s, tok, take, &g), ES_OK);
    assert_string_equal(g.contact, "+15550077");
    assert_int_equal(g.followers, -1);
    token_of(f, r.last_id, tok, sizeof tok);
    assert_int_equal(es_invitation_lookup(f->s, tok, take, &g), ES_OK);
    assert_string_equal(g.contact, "hap@example.com");
    assert_int_equal(g.followers, 900);
    assert_int_equal(es_advocacy_shared(f->s, g.id, NULL, NULL, -1, 0, NOW), ES_OK);
    es_advocacy_report rep;
    assert_int_equal(es_advocacy_report_get(f->s, NULL, NOW - DAY, NOW + DAY, 0, &rep), ES_OK);
    assert_int_equal(rep.advocates, 1);
    assert_int_equal(rep.reach, 900);
    assert_int_equal(rep.engaged, 2);
}

static void test_reach(void **state)
{
    (void)state;
    assert_int_equal(es_advocacy_reach(16000, 3, 100), 16300);
    assert_int_equal(es_advocacy_reach(0, 0, 100), 0);
    assert_int_equal(es_advocacy_reach(-5, 2, 10), 20);
    assert_int_equal(es_advocacy_reach(7, 2, 0), 7);
    assert_int_equal(es_advocacy_reach(INT64_MAX - 5, 1, 10), INT64_MAX);
    assert_int_equal(es_advocacy_reach(1, INT64_MAX / 2, 4), INT64_MAX);
}

/* With no SMS provider configured, a delivery is retried with back-off,
 * then failed after max_attempts; the report counts it failed. */
static void test_delivery_failures(void **state)
{
    fixture *f = *state;
    es_invite_result r;
    assert_int_equal(invite(f, "contact,location\n+15550001,LY1\n", NOW, &r), ES_OK);
    es_alert_config c = {.max_attempts = 2, .backoff_ms = 1000, .backoff_max_ms = 1000};
    size_t sent = 9;
    int64_t t = (int64_t)NOW * 1000;
    assert_int_equal(es_invite_deliver_due(f->s, &c, t, &sent), ES_OK);
    assert_int_equal(sent, 0);
    /* not due again before the back-off */
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    const char *q = "SELECT out_status, attempts, last_error, next_at FROM invitations";
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "pending");
    assert_int_equal(sqlite3_column_int(st, 1), 1);
    assert_non_null(strstr((const char *)sqlite3_column_text(st, 2), "EARSHOT_SMS_URL"));
    int64_t next = sqlite3_column_int64(st, 3);
    assert_true(next >= t + 500 && next <= t + 1000);
    sqlite3_finalize(st);
    assert_int_equal(es_invite_deliver_due(f->s, &c, t + 100, &sent), ES_OK);
    assert_int_equal(es_invite_deliver_due(f->s, &c, t + 1000, &sent), ES_OK);
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "failed");
    assert_int_equal(sqlite3_column_int(st, 1), 2);
    sqlite3_finalize(st);
    sqlite3_close(db);
    sums s = {0};
    es_invite_scope all = {1, NULL, 0};
    assert_int_equal(es_invite_report(f->s, &all, NOW - 1, NOW + 1, add_row, &s), ES_OK);
    assert_int_equal(s.invited, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_window_and_optout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_states_and_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsubscribe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_advocacy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_advocacy_mentions, setup, teardown),
        cmocka_unit_test(test_reach),
        cmocka_unit_test_setup_teardown(test_delivery_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
