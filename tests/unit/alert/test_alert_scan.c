/*
 * test_alert_scan.c - the alert engine against a real SQLite file: rules
 * and their checks, the scanner (negative mentions of our brand only,
 * watched words, de-duplication by location, scope by location, the
 * location's managers as recipients, spikes against a baseline with a
 * cooldown, incidents that absorb later complaints, throttling), the
 * durable watermark (a second scan raises nothing; a scan that fails at
 * any allocation leaves nothing behind and the retry raises each alert
 * exactly once), es_alert_raise, acknowledgement, escalation, digests,
 * and the outbox's claim, lease and attempt records with real libcurl
 * (to a closed local port, refused unless allow-listed).
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

#include "alert/engine.h"
#include "earshot/alert.h"

#define NOW 1800000000LL

typedef struct fx {
    char dir[64], path[128];
    es_store_t *s;
    es_alert_engine_t *e;
    uint32_t ours, theirs;
} fx;

static void sql(fx *f, const char *q)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", q, err);
    sqlite3_close(db);
}

static long long one(fx *f, const char *q)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    struct stat sb;
    const char *base = stat("/dev/shm", &sb) == 0 ? "/dev/shm" : "/tmp";
    snprintf(f->dir, sizeof f->dir, "%s/es_alert_XXXXXX", base);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/a.db", f->dir);
    if (es_store_open(f->path, &f->s))
        fail_msg("open: %s", es_store_errmsg(f->s));
    assert_int_equal(es_store_brand_add(f->s, "Acme", 1, &f->ours), ES_OK);
    assert_int_equal(es_store_brand_add(f->s, "Rival", 0, &f->theirs), ES_OK);
    es_alert_dest d = {.name = "ops", .kind = "webhook", .target = "http://127.0.0.1:1/hook",
                       .secret = "0123456789abcdef"};
    assert_int_equal(es_alert_dest_add(f->s, &d, 0, NULL), ES_OK);
    es_alert_dest b = {.name = "boss", .kind = "email", .target = "boss@example.org"};
    assert_int_equal(es_alert_dest_add(f->s, &b, 0, NULL), ES_OK);
    sql(f, "INSERT INTO users(id, name, email, phone, role, created) VALUES"
           " (7, 'mia', 'mia@example.org', '+1555', 'manager', 0),"
           " (8, 'ann', 'ann@example.org', NULL, 'agent', 0);"
           "INSERT INTO user_locations VALUES (7, 'store-1'), (8, 'store-1');");
    assert_int_equal(es_alert_engine_new(&f->e), ES_OK);
    size_t n = 9;
    assert_int_equal(es_alert_scan(f->e, f->s, NOW, &n), ES_OK); /* starts the watermark */
    assert_int_equal(n, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    es_alert_engine_free(f->e);
    es_store_close(f->s);
    char p[256];
    const char *files[] = {"a.db", "a.db-wal", "a.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void put(fx *f, const char *id, const char *text, double compound, const char *loc,
                uint32_t brand, int64_t at)
{
    es_mention_t m;
    es_mention_init(&m);
    m.source = "twitter";
    m.external_id = id;
    m.author = "@someone";
    m.text = text;
    m.location = loc;
    m.received_at = at;
    m.created_at = at;
    m.sentiment.compound = compound;
    m.sentiment.label = compound <= -0.05 ? ES_NEGATIVE : ES_NEUTRAL;
    m.brands = &brand;
    m.n_brands = brand ? 1 : 0;
    assert_int_equal(es_store_put(f->s, &m, 1, NULL), ES_OK);
}

static void add_rule(fx *f, es_alert_rule r)
{
    if (es_alert_rule_add(f->s, &r, 0, NULL))
        fail_msg("rule %s: %s", r.name, es_store_errmsg(f->s));
}

static size_t scan(fx *f, int64_t now)
{
    size_t n = 0;
    if (es_alert_scan(f->e, f->s, now, &n))
        fail_msg("scan: %s", es_store_errmsg(f->s));
    return n;
}

static void test_rule_checks(void **state)
{
    fx *f = *state;
    es_alert_rule r = {.name = "w", .kind = ES_ALERT_WORDS};
    assert_int_equal(es_alert_rule_add(f->s, &r, 0, NULL), ES_EINVAL); /* no query */
    r.query = "\"food poisoning";
    assert_int_equal(es_alert_rule_add(f->s, &r, 0, NULL), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "column"));
    r.query = "\"food poisoning\"";
    r.dests = "ops, nobody";
    assert_int_equal(es_alert_rule_add(f->s, &r, 0, NULL), ES_EINVAL);
    r.dests = "ops";
    r.brand = "Nope";
    assert_int_equal(es_alert_rule_add(f->s, &r, 0, NULL), ES_EINVAL);
    r.brand = NULL;
    r.escalate_after = 60;
    assert_int_equal(es_alert_rule_add(f->s, &r, 0, NULL), ES_EINVAL); /* nowhere to escalate */
    r.escalate_after = 0;
    assert_int_equal(es_alert_rule_add(f->s, &r, 0, NULL), ES_OK);
    assert_int_equal(es_alert_rule_add(f->s, &r, 0, NULL), ES_EEXIST);
    es_alert_rule dg = {.name = "d", .kind = ES_ALERT_DIGEST, .period = 600, .dests = "ops"};
    assert_int_equal(es_alert_rule_add(f->s, &dg, 0, NULL), ES_EINVAL);
    es_alert_dest bad = {.name = "x", .kind = "webhook", .target = "ftp://x", .secret = "0123456789abcdef"};
    assert_int_equal(es_alert_dest_add(f->s, &bad, 0, NULL), ES_EINVAL);
    bad.target = "https://example.org/h";
    bad.secret = "short";
    assert_int_equal(es_alert_dest_add(f->s, &bad, 0, NULL), ES_EINVAL);
    assert_int_equal(es_alert_rule_remove(f->s, "w", 0), ES_OK);
    assert_int_equal(es_alert_rule_remove(f->s, "w", 0), ES_ENOTFOUND);
    assert_int_equal(one(f, "SELECT count(*) FROM audit WHERE action LIKE 'alert.rule.%'"), 2);
}

static void test_negative_and_words(void **state)
{
    fx *f = *state;
    add_rule(f, (es_alert_rule){.name = "neg", .kind = ES_ALERT_NEGATIVE, .dests = "ops"});
    add_rule(f, (es_alert_rule){.name = "food", .kind = ES_ALERT_WORDS,
                                .query = "\"food poisoning\"", .dests = "ops",
                                .location = "store-1"});
    put(f, "1", "acme is awful", -0.8, "store-1", f->ours, NOW);
    put(f, "2", "acme again awful", -0.7, "store-1", f->ours, NOW);       /* same location */
    put(f, "3", "rival is awful", -0.9, "store-1", f->theirs, NOW);       /* not ours */
    put(f, "4", "acme is a bit meh", -0.2, "store-2", f->ours, NOW);      /* not severe */
    put(f, "5", "got food poisoning there", 0.0, "store-1", 0, NOW);      /* watched words */
    put(f, "6", "food poisoning elsewhere", 0.0, "store-3", 0, NOW);      /* out of scope */
    assert_int_equal(scan(f, NOW + 1), 2);
    assert_int_equal(one(f, "SELECT count FROM alerts WHERE kind = 'negative'"), 2);
    assert_int_equal(one(f, "SELECT count(*) FROM alerts WHERE kind = 'words'"), 1);
    /* ops + mia's email and SMS per alert; ann (an agent) gets nothing. */
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox"), 6);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE user_id = 7"), 4);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE user_id = 8"), 0);
    assert_int_equal(scan(f, NOW + 2), 0); /* the watermark moved */
    assert_int_equal(one(f, "SELECT count(*) FROM alerts"), 2);
    /* After the period the same location alerts again. */
    put(f, "7", "acme awful once more", -0.9, "store-1", f->ours, NOW + 4000);
    assert_int_equal(scan(f, NOW + 4000), 1);
}

/* A failure at any allocation of a scan keeps nothing; the retry raises
 * every alert exactly once. */
static void test_exactly_once(void **state)
{
    fx *f = *state;
    add_rule(f, (es_alert_rule){.name = "neg", .kind = ES_ALERT_NEGATIVE, .dests = "ops"});
    put(f, "1", "acme is awful", -0.8, "store-1", f->ours, NOW);
    put(f, "2", "acme is awful too", -0.8, "store-2", f->ours, NOW);
    assert_int_equal(es_store_begin(f->s), ES_OK); /* prepares the ROLLBACK */
    es_store_rollback(f->s);
    int failed = 0;
    for (long n = 0; n < 100000; n++) {
        size_t raised = 0;
        es_fail_alloc_after(n);
        es_err rc = es_alert_scan(f->e, f->s, NOW + 1, &raised);
        es_fail_alloc_after(-1);
        if (rc == ES_OK)
            break;
        failed++;
        /* All of the batch or none of it (the timed work after its commit
         * may be what failed). */
        long long a = one(f, "SELECT count(*) FROM alerts");
        long long o = one(f, "SELECT count(*) FROM alert_outbox");
        assert_true((a == 0 && o == 0) || (a == 2 && o == 4));
    }
    assert_true(failed > 10);
    assert_int_equal(one(f, "SELECT count(*) FROM alerts"), 2);
    assert_int_equal(scan(f, NOW + 2), 0);
    assert_int_equal(one(f, "SELECT count(*) FROM alerts"), 2);
}

static void test_spike(void **state)
{
    fx *f = *state;
    add_rule(f, (es_alert_rule){.name = "spike", .kind = ES_ALERT_SPIKE, .brand = "Acme",
                                .dests = "ops", .min_count = 10});
    char id[32];
    int k = 0;
    for (int h = 12; h >= 1; h--) /* baseline: 2 or 3 an hour */
        for (int i = 0; i < 2 + h % 2; i++) {
            snprintf(id, sizeof id, "b%d", k++);
            put(f, id, "acme ok", 0.1, NULL, f->ours, NOW - h * 3600 + 60 * i);
        }
    assert_int_equal(scan(f, NOW), 0);
    for (int i = 0; i < 20; i++) {
        snprintf(id, sizeof id, "s%d", i);
        put(f, id, "acme down?", -0.3, NULL, f->ours, NOW - 600 + i);
    }
    assert_int_equal(scan(f, NOW), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM alerts WHERE kind = 'spike'"), 1);
    for (int i = 0; i < 20; i++) { /* still spiking: the cooldown holds */
        snprintf(id, sizeof id, "t%d", i);
        put(f, id, "acme down!", -0.3, NULL, f->ours, NOW + 60);
    }
    assert_int_equal(scan(f, NOW + 60), 0);
    assert_int_equal(one(f, "SELECT count(*) FROM alerts WHERE kind = 'spike'"), 1);
}

static void test_incident_and_throttle(void **state)
{
    fx *f = *state;
    add_rule(f, (es_alert_rule){.name = "inc", .kind = ES_ALERT_INCIDENT, .dests = "ops"});
    add_rule(f, (es_alert_rule){.name = "neg", .kind = ES_ALERT_NEGATIVE, .dests = "ops",
                                .max_per_hour = 1});
    put(f, "1", "acme broke", -0.8, "a", f->ours, NOW);
    put(f, "2", "acme broke too", -0.8, "b", f->ours, NOW);
    assert_int_equal(scan(f, NOW), 1); /* one negative; the second is throttled */
    assert_int_equal(one(f, "SELECT count(*) FROM alerts WHERE status = 'throttled'"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM alerts WHERE kind = 'incident'"), 0);
    put(f, "3", "acme broke for me", -0.8, "c", f->ours, NOW + 10);
    scan(f, NOW + 10);
    assert_int_equal(one(f, "SELECT count(*) FROM alerts WHERE kind = 'incident'"), 1);
    put(f, "4", "acme still broken", -0.8, "d", f->ours, NOW + 20);
    scan(f, NOW + 20);
    assert_int_equal(one(f, "SELECT count(*) FROM alerts WHERE kind = 'incident'"), 1);
    assert_int_equal(one(f, "SELECT count FROM alerts WHERE kind = 'incident'"), 2);
    /* Throttled alerts are kept, never sent. */
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox o JOIN alerts a ON a.id ="
                            " o.alert_id WHERE a.status = 'throttled'"),
                     0);
}

static void test_raise_ack_escalate_digest(void **state)
{
    fx *f = *state;
    size_t n = 0;
    es_alert_event ev = {.kind = ES_ALERT_SLA, .key = "sla:case:1", .location = "store-1",
                         .title = "first response overdue", .case_id = 1};
    assert_int_equal(es_alert_raise(f->s, &ev, NOW, &n), ES_OK); /* no rule: the managers */
    assert_int_equal(n, 1);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE user_id = 7"), 2);
    assert_int_equal(es_alert_raise(f->s, &ev, NOW + 5, &n), ES_OK);
    assert_int_equal(n, 0); /* folded */
    /* A region's manager ("eu/") hears of its locations, once each, and
     * not of others; a location merely sharing the prefix text is not in. */
    sql(f, "INSERT INTO users(id, name, email, phone, role, created) VALUES"
           " (9, 'rita', 'rita@example.org', NULL, 'manager', 0);"
           "INSERT INTO user_locations VALUES (9, 'eu/'), (9, 'eu/paris');");
    es_alert_event eu = {.kind = ES_ALERT_SLA, .key = "sla:case:2", .location = "eu/paris",
                         .title = "resolution overdue", .case_id = 2};
    assert_int_equal(es_alert_raise(f->s, &eu, NOW, &n), ES_OK);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE user_id = 9"), 1);
    eu.key = "sla:case:3";
    eu.location = "europe";
    assert_int_equal(es_alert_raise(f->s, &eu, NOW, &n), ES_OK);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE user_id = 9"), 1);
    add_rule(f, (es_alert_rule){.name = "hot", .kind = ES_ALERT_SURVEY, .threshold = 2,
                                .dests = "ops", .escalate_after = 600, .escalate_to = "boss"});
    add_rule(f, (es_alert_rule){.name = "daily", .kind = ES_ALERT_DIGEST, .period = 86400,
                                .dests = "boss"});
    es_alert_event sv = {.kind = ES_ALERT_SURVEY, .key = "survey:9", .location = "store-2",
                         .title = "score 1", .score = 1};
    assert_int_equal(es_alert_raise(f->s, &sv, NOW, &n), ES_OK);
    assert_int_equal(n, 1);
    sv.key = "survey:10";
    sv.score = 4;
    assert_int_equal(es_alert_raise(f->s, &sv, NOW, &n), ES_OK);
    assert_int_equal(n, 0);
    sv.key = "survey:11";
    sv.score = 1.5;
    assert_int_equal(es_alert_raise(f->s, &sv, NOW, &n), ES_OK);
    int64_t a1 = one(f, "SELECT id FROM alerts WHERE dedup_key = 'survey:9'");
    int64_t a2 = one(f, "SELECT id FROM alerts WHERE dedup_key = 'survey:11'");
    assert_int_equal(es_alert_ack(f->s, a2, 7, 0, NOW + 30), ES_OK);
    assert_int_equal(es_alert_ack(f->s, a2, 7, 0, NOW + 31), ES_OK); /* idempotent */
    assert_int_equal(es_alert_ack(f->s, 99999, 7, 0, NOW), ES_ENOTFOUND);
    scan(f, NOW + 100); /* starts the digest's period */
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE purpose = 'escalation'"), 0);
    scan(f, NOW + 700);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE purpose = 'escalation'"), 1);
    char q[160];
    snprintf(q, sizeof q, "SELECT alert_id FROM alert_outbox WHERE purpose = 'escalation'");
    assert_int_equal(one(f, q), a1);
    scan(f, NOW + 800);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE purpose = 'escalation'"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE purpose = 'digest'"), 0);
    sv.key = "survey:12";
    sv.score = 0;
    assert_int_equal(es_alert_raise(f->s, &sv, NOW + 900, &n), ES_OK);
    scan(f, NOW + 100 + 86400);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE purpose = 'digest'"), 1);
    /* survey:12 was not acknowledged either. */
    assert_int_equal(one(f, "SELECT count(*) FROM audit WHERE action = 'alert.escalate'"), 2);
}

/* es_alert_raise is all or nothing whichever allocation fails. */
static void test_raise_failures(void **state)
{
    fx *f = *state;
    add_rule(f, (es_alert_rule){.name = "hot", .kind = ES_ALERT_SURVEY, .threshold = 2,
                                .dests = "ops,boss"});
    es_alert_event ev = {.kind = ES_ALERT_SURVEY, .key = "s:1", .location = "store-1",
                         .title = "score 1", .score = 1, .detail = "{\"q\":1}"};
    int failed = 0;
    /* The handle prepares its ROLLBACK on first use; a rollback that
     * cannot even be prepared would leave the transaction open. */
    assert_int_equal(es_store_begin(f->s), ES_OK);
    es_store_rollback(f->s);
    for (long n = 0; n < 100000; n++) {
        size_t raised = 0;
        es_fail_alloc_after(n);
        es_err rc = es_alert_raise(f->s, &ev, NOW, &raised);
        es_fail_alloc_after(-1);
        if (rc == ES_OK) {
            assert_int_equal(raised, 1);
            break;
        }
        failed++;
        assert_int_equal(one(f, "SELECT count(*) FROM alerts"), 0);
        assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox"), 0);
    }
    assert_true(failed > 5);
    /* ops, boss, and mia by email and SMS */
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox"), 4);
}

typedef struct seen {
    int n;
    int64_t last;
} seen;

static void count_cb(const es_alert *a, void *ud)
{
    seen *s = ud;
    s->n++;
    s->last = a->id;
}

static void test_list_scope(void **state)
{
    fx *f = *state;
    size_t n;
    const char *locs[] = {"store-1", "store-2"};
    for (int i = 0; i < 3; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        es_alert_event ev = {.kind = ES_ALERT_SLA, .key = key, .location = locs[i % 2],
                             .title = "t"};
        assert_int_equal(es_alert_raise(f->s, &ev, NOW, &n), ES_OK);
    }
    es_alert_event none = {.kind = ES_ALERT_SLA, .key = "k9", .title = "no location"};
    assert_int_equal(es_alert_raise(f->s, &none, NOW, &n), ES_OK);
    seen s = {0};
    es_alert_filter all = {.all_locations = 1};
    assert_int_equal(es_alert_list(f->s, &all, count_cb, &s), ES_OK);
    assert_int_equal(s.n, 4);
    const char *mine[] = {"store-2"};
    es_alert_filter scoped = {.locations = mine, .n_locations = 1};
    s = (seen){0};
    assert_int_equal(es_alert_list(f->s, &scoped, count_cb, &s), ES_OK);
    assert_int_equal(s.n, 1);
    es_alert_filter page = {.all_locations = 1, .limit = 2};
    s = (seen){0};
    assert_int_equal(es_alert_list(f->s, &page, count_cb, &s), ES_OK);
    assert_int_equal(s.n, 2);
    page.before_id = s.last;
    s = (seen){0};
    assert_int_equal(es_alert_list(f->s, &page, count_cb, &s), ES_OK);
    assert_int_equal(s.n, 2);
}

static void test_outbox_attempts(void **state)
{
    fx *f = *state;
    size_t n = 0;
    es_alert_event ev = {.kind = ES_ALERT_SLA, .key = "x", .title = "to ops only"};
    add_rule(f, (es_alert_rule){.name = "sla", .kind = ES_ALERT_SLA, .dests = "ops"});
    assert_int_equal(es_alert_raise(f->s, &ev, NOW, &n), ES_OK);
    es_alert_config c = {.backoff_ms = 1, .max_attempts = 2, .timeout_ms = 2000};
    int64_t t = (NOW + 1) * 1000;
    /* 127.0.0.1 is refused without an allow-list: failed at once. */
    assert_int_equal(es_alert_deliver_due(f->s, &c, t, &n), ES_OK);
    assert_int_equal(n, 1);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_attempts WHERE outcome = 'refused'"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE status = 'failed'"), 1);
    /* Allow-listed, the closed port is retried, then given up. */
    ev.key = "y";
    assert_int_equal(es_alert_raise(f->s, &ev, NOW, &n), ES_OK);
    c.allow = "127.0.0.1";
    assert_int_equal(es_alert_deliver_due(f->s, &c, t, &n), ES_OK);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_attempts WHERE outcome = 'retry'"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE status = 'pending'"), 1);
    assert_int_equal(es_alert_deliver_due(f->s, &c, t + 3600 * 1000, &n), ES_OK);
    assert_int_equal(one(f, "SELECT count(*) FROM alert_outbox WHERE status = 'failed'"), 2);
    es_alert_counts k;
    es_alert_delivery_counts(&k);
    assert_true(k.refused >= 1 && k.failed >= 2 && k.retried >= 1);
    c.allow = "not-an-ip";
    assert_int_equal(es_alert_deliver_due(f->s, &c, t, &n), ES_EINVAL);
    /* The thread starts, wakes and stops cleanly. */
    es_alert_config ok = {.allow = "127.0.0.1"};
    es_alert_deliverer_t *d = NULL;
    assert_int_equal(es_alert_deliverer_start(f->path, &ok, &d), ES_OK);
    es_alert_deliverer_wake(d);
    es_alert_deliverer_stop(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rule_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_negative_and_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exactly_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spike, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incident_and_throttle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raise_ack_escalate_digest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raise_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_attempts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
