/*
 * test_cases.c - the inbox in the store (cases.h) against a real SQLite
 * file: threading by customer, channel, window, reply and conversation;
 * one customer across channels; resolved cases never re-opened; copies
 * that do not inflate a case; THE FAIRNESS TEST (the same texts with
 * follower counts from 0 to 10 million, through different channels, get
 * identical queue positions); routing rules and assignment with capacity;
 * an agent's next cases; statuses, tags, notes, corrections (labels),
 * merges, the audit trail, location scope; idempotence and failed
 * allocations at every step of threading leaving nothing half-done.
 */
#include <dirent.h>
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

#include "earshot/cases.h"
#include "earshot/store.h"

#define T0 1790000000

/* The message tables below list only the fields each test needs. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

typedef struct fixture {
    char dir[64];
    char path[128];
    es_store_t *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    struct stat sb;
    const char *base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(f->dir, sizeof f->dir, "%s/es_cases_XXXXXX", base);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    es_err rc = es_store_open(f->path, &f->s);
    if (rc)
        fail_msg("open: %s", f->s ? es_store_errmsg(f->s) : "?");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    es_store_close(f->s);
    char p[256];
    const char *names[] = {"earshot.db", "earshot.db-wal", "earshot.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, names[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Runs SQL on the file through a second connection (users are helper C's). */
static int64_t sql(fixture *f, const char *q)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", q, sqlite3_errmsg(db));
    int64_t v = 0;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else if (src != SQLITE_DONE)
        fail_msg("%s: %s", q, sqlite3_errmsg(db));
    else
        v = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static int64_t user(fixture *f, const char *name)
{
    char q[256];
    snprintf(q, sizeof q, "INSERT INTO users(name, role, created) VALUES ('%s', 'agent', 1)", name);
    return sql(f, q);
}

typedef struct msg {
    const char *source, *ext, *author, *text;
    int64_t at, followers;
    double compound;
    es_intent intent;
    uint32_t cues, flags;
    const char *reply_to, *conversation, *location, *dup;
} msg;

static void put(fixture *f, const msg *ms, size_t n)
{
    es_mention_t m[64];
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++) {
        es_mention_init(&m[i]);
        m[i].source = ms[i].source;
        m[i].external_id = ms[i].ext;
        m[i].author = ms[i].author;
        m[i].text = ms[i].text;
        m[i].created_at = ms[i].at;
        m[i].received_at = ms[i].at;
        m[i].followers = ms[i].followers;
        m[i].sentiment.compound = ms[i].compound;
        m[i].sentiment.label = ms[i].compound <= -0.05  ? ES_NEGATIVE
                               : ms[i].compound >= 0.05 ? ES_POSITIVE
                                                        : ES_NEUTRAL;
        m[i].intent = ms[i].intent;
        m[i].cues = ms[i].cues;
        m[i].flags = ms[i].flags;
        m[i].reply_to = ms[i].reply_to;
        m[i].conversation = ms[i].conversation;
        m[i].location = ms[i].location;
        m[i].duplicate_of = ms[i].dup;
    }
    if (es_store_put(f->s, m, n, NULL))
        fail_msg("put: %s", es_store_errmsg(f->s));
}

static size_t thread(fixture *f, int64_t now)
{
    size_t n = 0;
    es_case_opts o = {.window = 0, .chunk = 3};
    if (es_case_thread_pending(f->s, &o, now, &n))
        fail_msg("thread: %s", es_store_errmsg(f->s));
    return n;
}

static int64_t case_of(fixture *f, const char *ext)
{
    char q[200];
    snprintf(q, sizeof q, "SELECT coalesce(case_id, 0) FROM mentions WHERE external_id = '%s'",
             ext);
    return sql(f, q);
}

/* A case as read, copied. */
typedef struct got {
    int64_t id, customer, team, assignee, merged, mentions;
    char status[16], subject[160], tags[128], department[32], location[32];
    double rank, severity;
    int priority, intent, sentiment;
} got;

typedef struct gots {
    got g[64];
    size_t n;
} gots;

static void keep(const es_case *c, void *ud)
{
    gots *gs = ud;
    assert_true(gs->n < 64);
    got *g = &gs->g[gs->n++];
    memset(g, 0, sizeof *g);
    g->id = c->id;
    g->customer = c->customer_id;
    g->team = c->team_id;
    g->assignee = c->assignee_id;
    g->merged = c->merged_into;
    g->mentions = c->mentions;
    snprintf(g->status, sizeof g->status, "%s", es_case_status_name(c->status));
    snprintf(g->subject, sizeof g->subject, "%s", c->subject ? c->subject : "");
    snprintf(g->tags, sizeof g->tags, "%s", c->tags ? c->tags : "");
    snprintf(g->department, sizeof g->department, "%s", c->department ? c->department : "");
    snprintf(g->location, sizeof g->location, "%s", c->location ? c->location : "");
    g->rank = c->rank;
    g->severity = c->severity;
    g->priority = c->priority;
    g->intent = c->intent;
    g->sentiment = c->sentiment;
}

static got get(fixture *f, int64_t id)
{
    gots gs = {0};
    if (es_case_get(f->s, id, NULL, T0 + 7200, keep, &gs))
        fail_msg("get %lld: %s", (long long)id, es_store_errmsg(f->s));
    assert_int_equal(gs.n, 1);
    return gs.g[0];
}

/* ---- threading ------------------------------------------------------------------ */

static void test_thread_windows(void **state)
{
    fixture *f = *state;
    msg ms[] = {
        {"twitter", "t1", "@Jane", "my bag is lost", T0, 10, -0.6, ES_INTENT_COMPLAINT},
        {"twitter", "t2", "jane", "still nothing", T0 + 600, 10, -0.3, ES_INTENT_COMPLAINT},
        {"twitter", "t3", "@jane", "hello again", T0 + 600 + 25 * 3600, 10, 0, ES_INTENT_OTHER},
        {"facebook", "f1", "jane", "from facebook", T0 + 700, 10, 0, ES_INTENT_QUESTION},
        {"twitter", "t4", "@bob", "replying to jane", T0 + 800, 5, 0, ES_INTENT_OTHER, 0, 0, "t1"},
        {"sms", "s1", "+44 7700 900123", "lost my bag", T0, -1, -0.5, ES_INTENT_COMPLAINT},
        {"phone", "p1", "+447700900123", "calling about my bag", T0 + 60, -1, -0.5,
         ES_INTENT_COMPLAINT},
        {"email", "e1", "Ann@Example.com", "hello", T0, -1, 0, ES_INTENT_QUESTION},
        {"web", "w1", "ann@example.com", "form", T0 + 5, -1, 0, ES_INTENT_QUESTION},
        {"web", "w2", NULL, "anonymous", T0 + 5, -1, 0, ES_INTENT_QUESTION},
        {"facebook", "f2", "zed", "in a thread", T0 + 9, -1, 0, ES_INTENT_OTHER, 0, 0, NULL,
         "conv-9"},
        {"facebook", "f3", "amy", "same thread", T0 + 19, -1, 0, ES_INTENT_OTHER, 0, 0, NULL,
         "conv-9"},
    };
    put(f, ms, sizeof ms / sizeof ms[0]);
    assert_int_equal(thread(f, T0 + 30 * 3600), 12);
    assert_int_equal(thread(f, T0 + 30 * 3600), 0); /* idempotent */
    assert_int_equal(case_of(f, "t1"), case_of(f, "t2"));
    assert_true(case_of(f, "t3") != case_of(f, "t1"));    /* outside the window */
    assert_true(case_of(f, "f1") != case_of(f, "t1"));    /* another channel */
    assert_int_equal(case_of(f, "t4"), case_of(f, "t1")); /* a reply joins its parent */
    assert_int_equal(case_of(f, "f3"), case_of(f, "f2")); /* the same conversation */
    assert_true(case_of(f, "w2") != 0);
    /* a phone number or an address is one customer on every channel */
    got s1 = get(f, case_of(f, "s1")), p1 = get(f, case_of(f, "p1"));
    assert_int_equal(s1.customer, p1.customer);
    assert_true(s1.id != p1.id);
    assert_int_equal(get(f, case_of(f, "e1")).customer, get(f, case_of(f, "w1")).customer);
    /* a handle is one per network */
    assert_true(get(f, case_of(f, "t1")).customer != get(f, case_of(f, "f1")).customer);
    assert_int_equal(get(f, case_of(f, "t1")).mentions, 3);
    assert_int_equal(get(f, case_of(f, "w2")).customer, 0);
    assert_int_equal(sql(f, "SELECT count(*) FROM mentions WHERE case_id IS NULL"), 0);
    /* every new case was audited */
    assert_int_equal(sql(f, "SELECT count(*) FROM audit WHERE action = 'case.create'"),
                     sql(f, "SELECT count(*) FROM cases"));
}

static void test_resolved_and_pending(void **state)
{
    fixture *f = *state;
    msg a[] = {{"twitter", "a1", "kim", "help", T0, 1, -0.4, ES_INTENT_COMPLAINT}};
    put(f, a, 1);
    thread(f, T0 + 10);
    int64_t id = case_of(f, "a1");
    es_case_change c;
    es_case_change_init(&c);
    c.status = "pending";
    assert_int_equal(es_case_update(f->s, id, NULL, &c, NULL, T0 + 20), ES_OK);
    msg b[] = {{"twitter", "a2", "kim", "any news?", T0 + 30, 1, 0, ES_INTENT_QUESTION}};
    put(f, b, 1);
    thread(f, T0 + 40);
    assert_int_equal(case_of(f, "a2"), id); /* pending: the customer wrote, open again */
    assert_string_equal(get(f, id).status, "open");
    c.status = "resolved";
    assert_int_equal(es_case_update(f->s, id, NULL, &c, NULL, T0 + 50), ES_OK);
    msg d[] = {{"twitter", "a3", "kim", "thanks", T0 + 60, 1, 0.5, ES_INTENT_PRAISE},
               {"twitter", "a4", "kim", "one more", T0 + 70, 1, 0, ES_INTENT_QUESTION, 0, 0, "a1"}};
    put(f, d, 2);
    thread(f, T0 + 80);
    assert_true(case_of(f, "a3") != id); /* resolved: a new case, never re-opened */
    assert_true(case_of(f, "a4") != id); /* even for a reply */
    assert_string_equal(get(f, id).status, "resolved");
    assert_int_equal(
        sql(f, "SELECT count(*) FROM audit WHERE action = 'case.status' AND object = 'case:1'"), 3);
}

/* A copy joins the case but does not raise its severity. */
static void test_duplicates_do_not_inflate(void **state)
{
    fixture *f = *state;
    msg ms[] = {
        {"twitter", "d1", "lee", "where is my order", T0, 1, 0, ES_INTENT_QUESTION},
        {"twitter", "d2", "lee", "LAWSUIT food poisoning!!!", T0 + 5, 1, -0.95, ES_INTENT_COMPLAINT,
         ES_CUE_LEGAL | ES_CUE_SAFETY, ES_FLAG_DUPLICATE, NULL, NULL, NULL, "twitter/x9"},
    };
    put(f, ms, 2);
    thread(f, T0 + 10);
    int64_t id = case_of(f, "d1");
    assert_int_equal(case_of(f, "d2"), id);
    got g = get(f, id);
    assert_int_equal(g.mentions, 2);
    assert_true(g.severity == es_case_severity(0, ES_INTENT_QUESTION, 0, 0));
    assert_int_equal(g.intent, ES_INTENT_QUESTION);
}

/* ---- THE FAIRNESS TEST --------------------------------------------------------------- */

static const char *const texts[] = {
    "my flight was cancelled and nobody helps",
    "what time does the lounge open?",
    "food poisoning after the meal on board",
    "thanks for the great service",
    "third time I ask: where is my refund",
    "I will cancel my account",
    "can you change my seat please",
    "my lawyer will hear about this",
    "ok",
    "delayed 3 hours, on hold for 2 more",
};
static const double compounds[] = {-0.7, 0.0, -0.8, 0.9, -0.4, -0.3, 0.1, -0.5, 0.2, -0.6};
static const es_intent intents[] = {ES_INTENT_COMPLAINT, ES_INTENT_QUESTION,  ES_INTENT_COMPLAINT,
                                    ES_INTENT_PRAISE,    ES_INTENT_COMPLAINT, ES_INTENT_REQUEST,
                                    ES_INTENT_REQUEST,   ES_INTENT_COMPLAINT, ES_INTENT_OTHER,
                                    ES_INTENT_COMPLAINT};
static const uint32_t cues[] = {
    0, 0, ES_CUE_SAFETY, 0, ES_CUE_REPEAT, ES_CUE_CHURN, 0, ES_CUE_LEGAL, 0, ES_CUE_WAITING};
#define N_TEXTS (sizeof texts / sizeof texts[0])

/* Stores the texts arriving through source from authors with followers,
 * threads them, and writes each text's queue position and rank. */
static void queue_of(fixture *f, const char *source, int64_t followers, const char *tag,
                     size_t pos[N_TEXTS], double rank[N_TEXTS])
{
    msg ms[N_TEXTS];
    char ext[N_TEXTS][32], au[N_TEXTS][32];
    for (size_t i = 0; i < N_TEXTS; i++) {
        snprintf(ext[i], sizeof ext[i], "%s-%zu", tag, i);
        snprintf(au[i], sizeof au[i], "%s-author-%zu", tag, i);
        ms[i] = (msg){source,    ext[i],       au[i],      texts[i], T0 + (int64_t)(i % 3) * 600,
                      followers, compounds[i], intents[i], cues[i]};
    }
    put(f, ms, N_TEXTS);
    thread(f, T0 + 3600);
    gots gs = {0};
    es_case_filter flt = {.limit = 64};
    assert_int_equal(es_case_list(f->s, &flt, NULL, T0 + 7200, keep, &gs, NULL), ES_OK);
    assert_int_equal(gs.n, N_TEXTS);
    for (size_t i = 0; i < N_TEXTS; i++)
        for (size_t k = 0; k < gs.n; k++)
            if (strcmp(gs.g[k].subject, texts[i]) == 0) {
                pos[i] = k;
                rank[i] = gs.g[k].rank;
            }
}

static void test_fairness(void **state)
{
    fixture *f = *state;
    static const int64_t followers[] = {0, 12, 5000, 250000, 10000000};
    static const char *const sources[] = {"twitter", "sms", "email", "facebook", "phone", "review"};
    size_t base_pos[N_TEXTS];
    double base_rank[N_TEXTS];
    int first = 1;
    for (size_t a = 0; a < sizeof followers / sizeof followers[0]; a++) {
        for (size_t b = 0; b < sizeof sources / sizeof sources[0]; b++) {
            /* a fresh store for each variant */
            teardown(state);
            setup(state);
            f = *state;
            size_t pos[N_TEXTS];
            double rank[N_TEXTS];
            queue_of(f, sources[b], followers[a], "v", pos, rank);
            if (first) {
                memcpy(base_pos, pos, sizeof pos);
                memcpy(base_rank, rank, sizeof rank);
                first = 0;
                continue;
            }
            for (size_t i = 0; i < N_TEXTS; i++) {
                if (pos[i] != base_pos[i] || rank[i] != base_rank[i])
                    fail_msg("'%s' via %s with %lld followers: position %zu rank %f, "
                             "expected %zu rank %f",
                             texts[i], sources[b], (long long)followers[a], pos[i], rank[i],
                             base_pos[i], base_rank[i]);
            }
        }
    }
    /* and in one store: a 10-million-follower account on twitter and a
     * customer without followers on sms saying the same things at the same
     * moments get the same rank, so they stand side by side */
    teardown(state);
    setup(state);
    f = *state;
    size_t pa[N_TEXTS], pb[N_TEXTS];
    double ra[N_TEXTS], rb[N_TEXTS];
    queue_of(f, "sms", 0, "quiet", pa, ra);
    msg ms[N_TEXTS];
    char ext[N_TEXTS][32], au[N_TEXTS][32];
    for (size_t i = 0; i < N_TEXTS; i++) {
        snprintf(ext[i], sizeof ext[i], "loud-%zu", i);
        snprintf(au[i], sizeof au[i], "celebrity-%zu", i);
        ms[i] = (msg){"twitter", ext[i],       au[i],      texts[i], T0 + (int64_t)(i % 3) * 600,
                      10000000,  compounds[i], intents[i], cues[i]};
    }
    put(f, ms, N_TEXTS);
    thread(f, T0 + 3600);
    gots gs = {0};
    es_case_filter flt = {.limit = 64};
    assert_int_equal(es_case_list(f->s, &flt, NULL, T0 + 7200, keep, &gs, NULL), ES_OK);
    assert_int_equal(gs.n, 2 * N_TEXTS);
    for (size_t k = 0; k + 1 < gs.n; k += 2) {
        assert_string_equal(gs.g[k].subject, gs.g[k + 1].subject);
        assert_true(gs.g[k].rank == gs.g[k + 1].rank);
    }
    (void)pb;
    (void)rb;
}

/* ---- routing, assignment, the next cases ------------------------------------------------- */

static void test_routing_and_next(void **state)
{
    fixture *f = *state;
    int64_t triage, bags, ann = user(f, "ann"), bob = user(f, "bob"), cat = user(f, "cat");
    assert_int_equal(es_team_add(f->s, "Triage", "round_robin", 1, NULL, &triage), ES_OK);
    assert_int_equal(es_team_add(f->s, "Baggage", "least_loaded", 0, NULL, &bags), ES_OK);
    assert_int_equal(es_team_add(f->s, "baggage", NULL, 0, NULL, NULL), ES_EEXIST);
    assert_int_equal(es_team_add(f->s, "X", "random", 0, NULL, NULL), ES_EINVAL);
    assert_int_equal(es_team_member_add(f->s, triage, ann, 50, NULL), ES_OK);
    assert_int_equal(es_team_member_add(f->s, triage, bob, 50, NULL), ES_OK);
    assert_int_equal(es_team_member_add(f->s, bags, cat, 1, NULL), ES_OK);
    assert_int_equal(es_team_member_add(f->s, bags, 999, 1, NULL), ES_EINVAL);
    es_route_rule r = {.name = "bags", .priority = 10, .keyword = "bag", .team_id = bags};
    assert_int_equal(es_route_add(f->s, &r, NULL, NULL), ES_OK);
    es_route_rule none = {.team_id = bags};
    assert_int_equal(es_route_add(f->s, &none, NULL, NULL), ES_EINVAL);
    es_route_rule badteam = {.intent = "complaint", .team_id = 77};
    assert_int_equal(es_route_add(f->s, &badteam, NULL, NULL), ES_EINVAL);
    msg ms[] = {
        {"twitter", "r1", "u1", "lost bag", T0, 0, -0.5, ES_INTENT_COMPLAINT},
        {"twitter", "r2", "u2", "my bag again", T0 + 1, 0, -0.5, ES_INTENT_COMPLAINT},
        {"twitter", "r3", "u3", "question one", T0 + 2, 0, 0, ES_INTENT_QUESTION},
        {"twitter", "r4", "u4", "question two", T0 + 3, 0, 0, ES_INTENT_QUESTION},
        {"twitter", "r5", "u5", "question three", T0 + 4, 0, 0, ES_INTENT_QUESTION},
    };
    put(f, ms, 5);
    thread(f, T0 + 60);
    got r1 = get(f, case_of(f, "r1")), r2 = get(f, case_of(f, "r2"));
    assert_int_equal(r1.team, bags);
    assert_int_equal(r1.assignee, cat);
    assert_int_equal(r2.team, bags);
    assert_int_equal(r2.assignee, 0); /* cat is at capacity */
    got r3 = get(f, case_of(f, "r3")), r4 = get(f, case_of(f, "r4")), r5 = get(f, case_of(f, "r5"));
    assert_int_equal(r3.team, triage);
    assert_int_equal(r3.assignee, ann); /* round robin */
    assert_int_equal(r4.assignee, bob);
    assert_int_equal(r5.assignee, ann);
    /* cat's next: her own case, then Baggage's unassigned one */
    gots gs = {0};
    assert_int_equal(es_case_next(f->s, cat, NULL, 50, T0 + 120, keep, &gs), ES_OK);
    assert_int_equal(gs.n, 2);
    assert_int_equal(gs.g[0].id + gs.g[1].id, r1.id + r2.id);
    /* ann's: her two, in queue order, nothing of bob's or of Baggage */
    memset(&gs, 0, sizeof gs);
    assert_int_equal(es_case_next(f->s, ann, NULL, 50, T0 + 120, keep, &gs), ES_OK);
    assert_int_equal(gs.n, 2);
    assert_true(gs.g[0].rank >= gs.g[1].rank);
    /* a limit */
    memset(&gs, 0, sizeof gs);
    assert_int_equal(es_case_next(f->s, ann, NULL, 1, T0 + 120, keep, &gs), ES_OK);
    assert_int_equal(gs.n, 1);
    /* resolved cases leave the queue; manual reassignment */
    es_case_change c;
    es_case_change_init(&c);
    c.assignee_id = bob;
    assert_int_equal(es_case_update(f->s, r3.id, NULL, &c, NULL, T0 + 130), ES_OK);
    es_case_change_init(&c);
    c.status = "resolved";
    assert_int_equal(es_case_update(f->s, r5.id, NULL, &c, NULL, T0 + 130), ES_OK);
    memset(&gs, 0, sizeof gs);
    assert_int_equal(es_case_next(f->s, ann, NULL, 50, T0 + 140, keep, &gs), ES_OK);
    assert_int_equal(gs.n, 0);
    /* moving a case to another team gives it to one of its members */
    es_case_change_init(&c);
    c.team_id = triage;
    assert_int_equal(es_case_update(f->s, r2.id, NULL, &c, NULL, T0 + 150), ES_OK);
    assert_int_equal(get(f, r2.id).team, triage);
    assert_true(get(f, r2.id).assignee == ann || get(f, r2.id).assignee == bob);
    c.team_id = 4242;
    assert_int_equal(es_case_update(f->s, r2.id, NULL, &c, NULL, T0 + 150), ES_EINVAL);
}

/* Routing by the department model (issue 5): a guess at or above the
 * confidence threshold routes by a department rule; a less sure guess is
 * ignored and the other rules (here none: the triage team) decide. */
static void test_department_routing(void **state)
{
    fixture *f = *state;
    int64_t triage, cabin;
    assert_int_equal(es_team_add(f->s, "Triage", "none", 1, NULL, &triage), ES_OK);
    assert_int_equal(es_team_add(f->s, "Cabin", "none", 0, NULL, &cabin), ES_OK);
    es_route_rule r = {.name = "cabin", .priority = 5, .department = "Flight Attendant Complaints",
                       .team_id = cabin};
    assert_int_equal(es_route_add(f->s, &r, NULL, NULL), ES_OK);
    es_mention_t m[3];
    const char *ids[] = {"d1", "d2", "d3"};
    const float conf[] = {0.91f, 0.31f, 0.5f};
    for (int i = 0; i < 3; i++) {
        es_mention_init(&m[i]);
        m[i].source = "twitter";
        m[i].external_id = ids[i];
        m[i].author = ids[i];
        m[i].text = "the crew was rude to my mother";
        m[i].created_at = m[i].received_at = T0 + i;
        m[i].sentiment.compound = -0.6;
        m[i].sentiment.label = ES_NEGATIVE;
        m[i].intent = ES_INTENT_COMPLAINT;
        m[i].department = "Flight Attendant Complaints";
        m[i].department_conf = conf[i];
    }
    assert_int_equal(es_store_put(f->s, m, 3, NULL), ES_OK);
    thread(f, T0 + 60);
    assert_int_equal(get(f, case_of(f, "d1")).team, cabin);
    assert_int_equal(get(f, case_of(f, "d2")).team, triage);
    assert_int_equal(get(f, case_of(f, "d3")).team, cabin); /* the threshold itself routes */
}

/* ---- changes, audit, scope, merges --------------------------------------------------------- */

static void test_changes_and_scope(void **state)
{
    fixture *f = *state;
    int64_t ann = user(f, "ann");
    msg ms[] = {
        {"twitter", "c1", "u1", "broken seat", T0, 0, -0.5, ES_INTENT_COMPLAINT, 0, 0, NULL, NULL,
         "LHR"},
        {"twitter", "c2", "u2", "lost bag", T0, 0, -0.5, ES_INTENT_COMPLAINT, 0, 0, NULL, NULL,
         "JFK"},
        {"twitter", "c3", "u3", "no place", T0, 0, -0.5, ES_INTENT_COMPLAINT},
    };
    put(f, ms, 3);
    thread(f, T0 + 10);
    int64_t c1 = case_of(f, "c1"), c2 = case_of(f, "c2"), c3 = case_of(f, "c3");
    const char *lhr[] = {"LHR"};
    es_case_scope scope = {.all = 0, .locations = lhr, .n = 1};
    gots gs = {0};
    assert_int_equal(es_case_get(f->s, c1, &scope, T0, keep, &gs), ES_OK);
    assert_int_equal(es_case_get(f->s, c2, &scope, T0, keep, &gs), ES_ENOTFOUND);
    assert_int_equal(es_case_get(f->s, c3, &scope, T0, keep, &gs), ES_ENOTFOUND);
    memset(&gs, 0, sizeof gs);
    assert_int_equal(es_case_list(f->s, NULL, &scope, T0, keep, &gs, NULL), ES_OK);
    assert_int_equal(gs.n, 1);
    es_case_change c;
    es_case_change_init(&c);
    c.status = "open";
    es_case_actor who = {.user_id = ann};
    assert_int_equal(es_case_update(f->s, c2, &scope, &c, &who, T0), ES_ENOTFOUND);
    assert_string_equal(get(f, c2).status, "new");
    assert_int_equal(es_case_note_add(f->s, c2, &scope, &who, "x", T0, NULL), ES_ENOTFOUND);
    assert_int_equal(es_case_merge(f->s, c1, c2, &scope, &who, T0), ES_ENOTFOUND);
    assert_int_equal(
        es_case_audit(f->s, c2, &scope, 10, (void (*)(const es_audit_entry *, void *))keep, NULL),
        ES_ENOTFOUND);
    /* a change of everything, audited with who, corrections kept as labels */
    const char *add[] = {"vip-not", "seat"}, *rm[] = {"vip-not"};
    c.status = "open";
    c.priority = 1;
    c.sentiment = "neutral";
    c.intent = "request";
    c.department = "cabin";
    c.tags_add = add;
    c.n_tags_add = 2;
    c.assignee_id = ann;
    assert_int_equal(es_case_update(f->s, c1, &scope, &c, &who, T0 + 20), ES_OK);
    es_case_change_init(&c);
    c.tags_remove = rm;
    c.n_tags_remove = 1;
    assert_int_equal(es_case_update(f->s, c1, &scope, &c, &who, T0 + 21), ES_OK);
    got g = get(f, c1);
    assert_string_equal(g.status, "open");
    assert_int_equal(g.priority, 1);
    assert_int_equal(g.intent, ES_INTENT_REQUEST);
    assert_int_equal(g.sentiment, ES_NEUTRAL);
    assert_string_equal(g.department, "cabin");
    assert_string_equal(g.tags, "seat");
    assert_int_equal(g.assignee, ann);
    assert_int_equal(sql(f, "SELECT count(*) FROM labels WHERE case_id = 1"), 3);
    assert_int_equal(sql(f, "SELECT count(*) FROM labels WHERE task = 'department'"
                            " AND mention_id IS NULL"),
                     1);
    char q[200];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM audit WHERE object = 'case:%lld' AND user_id = %lld",
             (long long)c1, (long long)ann);
    assert_int_equal(sql(f, q), 9); /* status assign priority 3 corrections 2 tags 1 untag */
    /* bad values change nothing */
    es_case_change_init(&c);
    c.status = "closed";
    assert_int_equal(es_case_update(f->s, c1, NULL, &c, &who, T0), ES_EINVAL);
    es_case_change_init(&c);
    c.priority = 9;
    assert_int_equal(es_case_update(f->s, c1, NULL, &c, &who, T0), ES_EINVAL);
    es_case_change_init(&c);
    c.intent = "rant";
    assert_int_equal(es_case_update(f->s, c1, NULL, &c, &who, T0), ES_EINVAL);
    es_case_change_init(&c);
    const char *bad[] = {"a,b"};
    c.tags_add = bad;
    c.n_tags_add = 1;
    assert_int_equal(es_case_update(f->s, c1, NULL, &c, &who, T0), ES_EINVAL);
    es_case_change_init(&c);
    c.status = "pending";
    c.assignee_id = 4242;
    assert_int_equal(es_case_update(f->s, c1, NULL, &c, &who, T0), ES_EINVAL);
    assert_string_equal(get(f, c1).status, "open"); /* rolled back whole */
    assert_int_equal(es_case_update(f->s, 999, NULL, &c, &who, T0), ES_ENOTFOUND);
    /* notes */
    int64_t nid = 0;
    assert_int_equal(es_case_note_add(f->s, c1, NULL, &who, "called the customer", T0, &nid),
                     ES_OK);
    assert_true(nid > 0);
    assert_int_equal(es_case_note_add(f->s, c1, NULL, &who, "", T0, NULL), ES_EINVAL);
    /* merge c2 into c1: mentions and notes move, c2 leaves the queue */
    assert_int_equal(es_case_note_add(f->s, c2, NULL, &who, "note on b", T0, NULL), ES_OK);
    assert_int_equal(es_case_merge(f->s, c1, c1, NULL, &who, T0), ES_EINVAL);
    assert_int_equal(es_case_merge(f->s, c1, c2, NULL, &who, T0 + 30), ES_OK);
    assert_int_equal(case_of(f, "c2"), c1);
    assert_int_equal(get(f, c2).merged, c1);
    assert_int_equal(get(f, c1).mentions, 2);
    assert_int_equal(sql(f, "SELECT count(*) FROM case_notes WHERE case_id = 1"), 2);
    assert_int_equal(es_case_merge(f->s, c1, c2, NULL, &who, T0 + 30), ES_EINVAL);
    es_case_change_init(&c);
    c.status = "open";
    assert_int_equal(es_case_update(f->s, c2, NULL, &c, &who, T0), ES_EINVAL);
    memset(&gs, 0, sizeof gs);
    assert_int_equal(es_case_list(f->s, NULL, NULL, T0, keep, &gs, NULL), ES_OK);
    assert_int_equal(gs.n, 2);
    /* customers: merge u3 into u1, scope hides u2's from LHR */
    int64_t u1 = get(f, c1).customer, u3 = get(f, c3).customer;
    assert_int_equal(es_customer_merge(f->s, u1, u3, &scope, &who, T0), ES_ENOTFOUND);
    assert_int_equal(es_customer_merge(f->s, u1, u3, NULL, &who, T0), ES_OK);
    assert_int_equal(get(f, c3).customer, u1);
    msg again[] = {{"twitter", "c4", "u3", "me again", T0 + 40, 0, 0, ES_INTENT_OTHER}};
    put(f, again, 1);
    thread(f, T0 + 50);
    assert_int_equal(get(f, case_of(f, "c4")).customer, u1); /* recognised as u1 now */
    assert_int_equal(es_customer_merge(f->s, u1, u3, NULL, &who, T0), ES_EINVAL);
}

static void count_team(const es_team *t, void *ud)
{
    (void)t;
    (*(int *)ud)++;
}

static void count_rule(const es_route_rule *r, void *ud)
{
    assert_string_equal(r->keyword, "refund");
    (*(int *)ud)++;
}

static void keep_load(const es_team_member *m, void *ud)
{
    *(int64_t *)ud = m->load;
}

static void keep_customer(const es_customer *c, void *ud)
{
    snprintf(ud, 128, "%s", c->handles);
}

/* Regions in a scope, customers in scope, SLA due times, lists of teams,
 * rules and members. */
static void test_regions_due_lists(void **state)
{
    fixture *f = *state;
    int64_t t = 0, a = user(f, "a");
    assert_int_equal(es_team_add(f->s, "T", "least_loaded", 1, NULL, &t), ES_OK);
    assert_int_equal(es_team_member_add(f->s, t, a, 3, NULL), ES_OK);
    /* b sees only the EU: never given a case elsewhere */
    int64_t b = user(f, "b");
    char q[128];
    snprintf(q, sizeof q, "INSERT INTO user_locations VALUES (%lld, 'eu/')", (long long)b);
    sql(f, q);
    assert_int_equal(es_team_member_add(f->s, t, b, 3, NULL), ES_OK);
    es_route_rule r = {.keyword = "refund", .team_id = t};
    assert_int_equal(es_route_add(f->s, &r, NULL, NULL), ES_OK);
    msg ms[] = {
        {"twitter", "g1", "u1", "refund please", T0, 0, -0.2, ES_INTENT_REQUEST, 0, 0, NULL, NULL,
         "eu/paris"},
        {"twitter", "g2", "u2", "refund now", T0, 0, -0.2, ES_INTENT_REQUEST, 0, 0, NULL, NULL,
         "us/nyc"},
    };
    put(f, ms, 2);
    thread(f, T0 + 10);
    int64_t g1 = case_of(f, "g1"), g2 = case_of(f, "g2");
    assert_int_equal(get(f, g1).assignee, a);
    assert_int_equal(get(f, g2).assignee, a); /* b has the lower load, but not the location */
    es_case_change ch;
    es_case_change_init(&ch);
    ch.assignee_id = b;
    assert_int_equal(es_case_update(f->s, g2, NULL, &ch, NULL, T0), ES_EINVAL);
    assert_int_equal(es_case_update(f->s, g1, NULL, &ch, NULL, T0), ES_OK);
    const char *eu[] = {"eu/"};
    es_case_scope scope = {0, eu, 1};
    gots gs = {0};
    assert_int_equal(es_case_get(f->s, g1, &scope, T0, keep, &gs), ES_OK);
    assert_int_equal(es_case_get(f->s, g2, &scope, T0, keep, &gs), ES_ENOTFOUND);
    const char *e[] = {"eu"}; /* not a region: no prefix match */
    es_case_scope exact = {0, e, 1};
    assert_int_equal(es_case_get(f->s, g1, &exact, T0, keep, &gs), ES_ENOTFOUND);
    char handles[128] = "";
    assert_int_equal(es_customer_get(f->s, get(f, g1).customer, &scope, keep_customer, handles),
                     ES_OK);
    assert_string_equal(handles, "handle:twitter:u1");
    assert_int_equal(es_customer_get(f->s, get(f, g2).customer, &scope, keep_customer, handles),
                     ES_ENOTFOUND);
    /* a near SLA due time moves a case up; a far one does not */
    double before = get(f, g2).rank;
    assert_int_equal(es_case_set_due(f->s, g2, T0 + 30 * 86400), ES_OK);
    assert_true(get(f, g2).rank == before);
    assert_int_equal(es_case_set_due(f->s, g2, T0 + 600), ES_OK);
    assert_true(get(f, g2).rank > before);
    assert_int_equal(es_case_set_due(f->s, 999, T0), ES_ENOTFOUND);
    int n = 0;
    assert_int_equal(es_team_list(f->s, count_team, &n), ES_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(es_route_list(f->s, count_rule, &n), ES_OK);
    assert_int_equal(n, 1);
    int64_t load = -1;
    assert_int_equal(es_team_members(f->s, t, keep_load, &load), ES_OK);
    assert_int_equal(load, 1); /* the last member listed, b, holds g1 */
    int64_t found = 0;
    assert_int_equal(es_team_find(f->s, "t", &found), ES_OK);
    assert_int_equal(found, t);
    assert_int_equal(es_team_find(f->s, "nope", &found), ES_ENOTFOUND);
}

/* The threader keeps its statements prepared on the handle from one call to
 * the next, and reads the routing rules and the triage team once per call:
 * what changed between two calls (a triage team, a member, a rule) decides
 * the second call's cases, and every new case is audited in both. */
static void test_thread_calls_see_changes(void **state)
{
    fixture *f = *state;
    msg first[] = {
        {"twitter", "k1", "v1", "lost bag", T0, 0, -0.5, ES_INTENT_COMPLAINT},
        {"twitter", "k2", "v2", "a question", T0 + 1, 0, 0, ES_INTENT_QUESTION},
    };
    put(f, first, 2);
    assert_int_equal(thread(f, T0 + 10), 2);
    assert_int_equal(get(f, case_of(f, "k1")).team, 0); /* no team yet */
    assert_int_equal(get(f, case_of(f, "k2")).team, 0);
    int64_t triage, bags, ann = user(f, "ann"), cat = user(f, "cat");
    assert_int_equal(es_team_add(f->s, "Triage", "round_robin", 1, NULL, &triage), ES_OK);
    assert_int_equal(es_team_member_add(f->s, triage, ann, 50, NULL), ES_OK);
    msg second[] = {
        {"twitter", "k3", "v3", "another bag", T0 + 20, 0, -0.5, ES_INTENT_COMPLAINT},
        {"twitter", "k4", "v2", "same customer", T0 + 21, 0, 0, ES_INTENT_QUESTION},
    };
    put(f, second, 2);
    assert_int_equal(thread(f, T0 + 30), 2);
    got k3 = get(f, case_of(f, "k3"));
    assert_int_equal(k3.team, triage);
    assert_int_equal(k3.assignee, ann);
    assert_int_equal(case_of(f, "k4"), case_of(f, "k2")); /* joined, not routed again */
    assert_int_equal(es_team_add(f->s, "Baggage", "least_loaded", 0, NULL, &bags), ES_OK);
    assert_int_equal(es_team_member_add(f->s, bags, cat, 5, NULL), ES_OK);
    es_route_rule r = {.name = "bags", .priority = 1, .keyword = "bag", .team_id = bags};
    assert_int_equal(es_route_add(f->s, &r, NULL, NULL), ES_OK);
    msg third[] = {
        {"twitter", "k5", "v5", "my bag is gone", T0 + 40, 0, -0.5, ES_INTENT_COMPLAINT},
        {"twitter", "k6", "v6", "hello", T0 + 41, 0, 0, ES_INTENT_QUESTION},
    };
    put(f, third, 2);
    assert_int_equal(thread(f, T0 + 50), 2);
    got k5 = get(f, case_of(f, "k5")), k6 = get(f, case_of(f, "k6"));
    assert_int_equal(k5.team, bags);
    assert_int_equal(k5.assignee, cat);
    assert_int_equal(k6.team, triage);
    assert_int_equal(k6.assignee, ann);
    assert_int_equal(sql(f, "SELECT count(*) FROM audit WHERE action = 'case.create'"), 5);
    assert_int_equal(sql(f, "SELECT count(*) FROM audit WHERE action = 'case.create' AND detail"
                            " LIKE '%\"rule_id\":0,%'"),
                     4);
}

/* Failing allocations anywhere in threading leave either a whole chunk
 * threaded or nothing of it; then threading completes. */
static void test_thread_alloc_failures(void **state)
{
    fixture *f = *state;
    int64_t t = 0, a = user(f, "a");
    assert_int_equal(es_team_add(f->s, "T", NULL, 1, NULL, &t), ES_OK);
    assert_int_equal(es_team_member_add(f->s, t, a, 5, NULL), ES_OK);
    msg ms[] = {
        {"twitter", "x1", "p", "one", T0, 0, -0.5, ES_INTENT_COMPLAINT},
        {"twitter", "x2", "p", "two", T0 + 1, 0, -0.5, ES_INTENT_COMPLAINT},
        {"sms", "x3", "+15551234567", "three", T0 + 2, 0, 0, ES_INTENT_QUESTION},
        {"twitter", "x4", "q", "four", T0 + 3, 0, 0, ES_INTENT_QUESTION, 0, 0, "x1"},
    };
    put(f, ms, 4);
    es_case_opts o = {.chunk = 10};
    int done = 0;
    long n;
    /* every allocation of the first mentions, then every 7th (the same
     * statements repeat for each mention) */
    for (n = 0; n < 20000 && !done; n += n < 600 ? 1 : 7) {
        size_t threaded = 99;
        es_fail_alloc_after(n);
        es_err rc = es_case_thread_pending(f->s, &o, T0 + 10, &threaded);
        es_fail_alloc_after(-1);
        int64_t left = sql(f, "SELECT count(*) FROM mentions WHERE case_id IS NULL");
        if (rc == ES_OK) {
            done = 1;
            assert_int_equal(left, 0);
        } else {
            assert_int_equal(threaded, 0);
            assert_int_equal(left, 4);
            assert_int_equal(sql(f, "SELECT count(*) FROM cases"), 0);
        }
    }
    assert_true(done);
    assert_true(n > 20); /* the failures did reach inside threading */
    assert_int_equal(case_of(f, "x1"), case_of(f, "x4"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_thread_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolved_and_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_do_not_inflate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fairness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routing_and_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_department_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_and_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_regions_due_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thread_calls_see_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thread_alloc_failures, setup, teardown),
    };
    if (getenv("ES_TEST_FILTER")) /* one test by name, for debugging */
        cmocka_set_test_filter(getenv("ES_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
