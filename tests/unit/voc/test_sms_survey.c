/*
 * test_sms_survey.c - the SMS survey conversation (src/voc/sms_survey.c)
 * against a real SQLite file, branch by branch: start, valid / invalid /
 * skipped answers, the one re-ask, SKIP of a text question, STOP, UNSTOP
 * and HELP, expiry, a duplicate MessageSid, a second FEEDBACK, an unknown
 * code, a configured keyword, a message of no survey; then the hot alert
 * and its case (src/voc/hot.c), the reading of responses with scope and the
 * recovery outcome, the web form's token (webtoken.c) and the QR code
 * (qr.c).
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

#include "earshot/cases.h"
#include "earshot/location.h"
#include "earshot/store.h"
#include "earshot/survey.h"
#include "earshot/survey_flow.h"

#define T0 1700000000
#define PHONE "+15550001111"

typedef struct fixture {
    char dir[64];
    char path[128];
    es_store_t *s;
    es_sms_survey_opts o;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_sms_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    if (es_store_open(f->path, &f->s))
        fail_msg("open: %s", es_store_errmsg(f->s));
    es_location l = {.key = "eu/fr/lyon-14", .code = "1234", .name = "Lyon Part-Dieu"};
    int64_t id = 0;
    assert_int_equal(es_location_add(f->s, &l, 0, &id), ES_OK);
    es_location l2 = {.key = "eu/de/berlin-2", .code = "B2", .name = "Berlin", .disabled = 1};
    assert_int_equal(es_location_add(f->s, &l2, 0, &id), ES_OK);
    es_survey sv;
    es_survey_template(&sv, NULL, NULL);
    assert_int_equal(es_survey_add(f->s, &sv, 0, &id), ES_OK);
    f->o.keyword = NULL;
    f->o.expiry = 0;
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

/* Sends body as sid from PHONE at T0 + t. */
static es_sms_out send_from(fixture *f, const char *from, const char *sid, const char *body,
                            int64_t t)
{
    es_sms_out out;
    es_sms_in in = {sid, from, body};
    if (es_sms_survey_handle(f->s, &f->o, &in, T0 + t, &out))
        fail_msg("handle %s '%s': %s", sid, body, es_store_errmsg(f->s));
    return out;
}

static es_sms_out send(fixture *f, const char *sid, const char *body, int64_t t)
{
    return send_from(f, PHONE, sid, body, t);
}

/* What a response holds. */
typedef struct got {
    int n;
    int64_t completed, case_id, hot_at;
    int overall, recommend;
    size_t n_answers;
    int has[ES_SURVEY_MAX_QUESTIONS + 1];
    int value[ES_SURVEY_MAX_QUESTIONS + 1];
    char text[ES_SURVEY_MAX_QUESTIONS + 1][64];
    char channel[16], external_id[64], contact[64];
} got;

static void take(const es_survey_response_row *r, void *ud)
{
    got *g = ud;
    g->n++;
    g->completed = r->completed;
    g->case_id = r->case_id;
    g->hot_at = r->hot_at;
    g->overall = r->overall;
    g->recommend = r->recommend;
    g->n_answers = r->n_answers;
    snprintf(g->channel, sizeof g->channel, "%s", r->channel);
    snprintf(g->external_id, sizeof g->external_id, "%s", r->external_id ? r->external_id : "");
    snprintf(g->contact, sizeof g->contact, "%s", r->contact ? r->contact : "");
    for (size_t i = 0; i < r->n_answers; i++) {
        int p = r->answers[i].position;
        g->has[p] = 1;
        g->value[p] = r->answers[i].value;
        snprintf(g->text[p], sizeof g->text[p], "%s", r->answers[i].text ? r->answers[i].text : "");
    }
}

static got read_resp(fixture *f, int64_t id)
{
    got g;
    memset(&g, 0, sizeof g);
    if (es_survey_response_read(f->s, id, NULL, take, &g))
        fail_msg("read %lld: %s", (long long)id, es_store_errmsg(f->s));
    return g;
}

static void take_session(const es_sms_session *ss, void *ud)
{
    *(es_sms_session *)ud = *ss;
}

/* The open session of PHONE (position 0 when none). */
static es_sms_session session(fixture *f)
{
    es_sms_session ss = {0};
    int found = 0;
    assert_int_equal(es_sms_session_get(f->s, PHONE, take_session, &ss, &found), ES_OK);
    if (!found)
        ss.position = 0;
    return ss;
}

static void has(const char *reply, const char *part)
{
    if (!strstr(reply, part))
        fail_msg("'%s' is not in the reply '%s'", part, reply);
}

/* ---- the conversation ---------------------------------------------------------------- */

static void test_full_conversation(void **state)
{
    fixture *f = *state;
    es_sms_out o = send(f, "SM1", "  feedback 1234 ", 0);
    assert_int_equal(o.handled, 1);
    assert_true(o.response_id > 0);
    has(o.reply, "Lyon Part-Dieu");
    has(o.reply, "How satisfied were you");
    int64_t rid = o.response_id;
    got g = read_resp(f, rid);
    assert_string_equal(g.channel, "sms");
    assert_string_equal(g.external_id, "SM1");
    assert_string_equal(g.contact, PHONE);
    assert_int_equal(g.completed, 0);
    o = send(f, "SM2", "4", 10);
    has(o.reply, "recommend");
    assert_int_equal(read_resp(f, rid).overall, 4); /* kept in step as it comes */
    o = send(f, "SM3", "9", 20);
    has(o.reply, "speed of service");
    o = send(f, "SM4", " 3 ", 30);
    has(o.reply, "Anything you would like");
    o = send(f, "SM5", "  Great coffee  ", 40);
    has(o.reply, "Thank you");
    g = read_resp(f, rid);
    assert_int_equal(g.completed, T0 + 40);
    assert_int_equal(g.overall, 4);
    assert_int_equal(g.recommend, 9);
    assert_int_equal(g.n_answers, 4);
    assert_int_equal(g.value[3], 3);
    assert_string_equal(g.text[4], "Great coffee");
    assert_int_equal(session(f).position, 0);
    /* The conversation is over: the next message is not a survey's. */
    o = send(f, "SM6", "hello there", 50);
    assert_int_equal(o.handled, 0);
    assert_string_equal(o.reply, "");
}

static void test_invalid_reasked_once_then_skipped(void **state)
{
    fixture *f = *state;
    int64_t rid = send(f, "SM1", "FEEDBACK 1234", 0).response_id;
    es_sms_out o = send(f, "SM2", "7", 5);
    has(o.reply, "1 to 5");
    has(o.reply, "How satisfied were you");
    assert_int_equal(session(f).position, 1);
    assert_int_equal(session(f).retries, 1);
    o = send(f, "SM3", "great", 6);
    has(o.reply, "move on");
    has(o.reply, "recommend");
    assert_int_equal(session(f).position, 2);
    assert_int_equal(session(f).retries, 0);
    got g = read_resp(f, rid);
    assert_int_equal(g.n_answers, 0);
    assert_int_equal(g.overall, -1);
    /* A valid answer after a re-ask is stored. */
    o = send(f, "SM4", "eleven", 7);
    has(o.reply, "recommend");
    o = send(f, "SM5", "10", 8);
    has(o.reply, "speed of service");
    assert_int_equal(read_resp(f, rid).recommend, 10);
}

static void test_skip(void **state)
{
    fixture *f = *state;
    int64_t rid = send(f, "SM1", "FEEDBACK 1234", 0).response_id;
    /* SKIP is no answer to a scale question: re-asked. */
    es_sms_out o = send(f, "SM2", "skip", 1);
    has(o.reply, "How satisfied were you");
    assert_int_equal(session(f).retries, 1);
    send(f, "SM3", "5", 2);
    send(f, "SM4", "10", 3);
    send(f, "SM5", "5", 4);
    o = send(f, "SM6", "SKIP", 5);
    has(o.reply, "Thank you");
    got g = read_resp(f, rid);
    assert_int_equal(g.n_answers, 3);
    assert_int_equal(g.has[4], 0);
    assert_true(g.completed > 0);
}

static void test_stop_unstop_help(void **state)
{
    fixture *f = *state;
    int out = -1;
    es_sms_out o = send(f, "SM0", "help", 0);
    assert_int_equal(o.handled, 1);
    has(o.reply, "FEEDBACK");
    has(o.reply, "STOP");
    send(f, "SM1", "FEEDBACK 1234", 1);
    send(f, "SM2", "4", 2);
    o = send(f, "SM3", "HELP", 3);
    has(o.reply, "recommend"); /* the open question again */
    assert_int_equal(session(f).position, 2);
    o = send(f, "SM4", "Stop", 4);
    has(o.reply, "unsubscribed");
    assert_int_equal(es_survey_optout_get(f->s, PHONE, &out), ES_OK);
    assert_int_equal(out, 1);
    assert_int_equal(session(f).position, 0);
    o = send(f, "SM5", "UNSTOP", 5);
    has(o.reply, "subscribed again");
    assert_int_equal(es_survey_optout_get(f->s, PHONE, &out), ES_OK);
    assert_int_equal(out, 0);
}

static void test_expiry(void **state)
{
    fixture *f = *state;
    f->o.expiry = 600;
    int64_t rid = send(f, "SM1", "FEEDBACK 1234", 0).response_id;
    es_sms_out o = send(f, "SM2", "2", 600); /* just in time */
    has(o.reply, "recommend");
    o = send(f, "SM3", "8", 600 + 601); /* too late */
    assert_int_equal(o.handled, 0);
    assert_int_equal(session(f).position, 0);
    got g = read_resp(f, rid); /* partial answers are kept */
    assert_int_equal(g.n_answers, 1);
    assert_int_equal(g.overall, 2);
    assert_int_equal(g.completed, 0);
}

static void test_duplicate_sid(void **state)
{
    fixture *f = *state;
    int64_t rid = send(f, "SM1", "FEEDBACK 1234", 0).response_id;
    es_sms_out a = send(f, "SM2", "4", 1);
    es_sms_out b = send(f, "SM2", "4", 2);
    assert_int_equal(b.handled, 1);
    assert_int_equal(b.duplicate, 1);
    assert_string_equal(a.reply, b.reply);
    assert_int_equal(session(f).position, 2);
    assert_int_equal(read_resp(f, rid).n_answers, 1);
    /* The start itself re-delivered: the same question, no new response. */
    es_sms_out c = send(f, "SM1", "FEEDBACK 1234", 3);
    has(c.reply, "How satisfied were you");
    assert_int_equal(session(f).position, 2);
}

static void test_second_feedback_restarts(void **state)
{
    fixture *f = *state;
    int64_t first = send(f, "SM1", "FEEDBACK 1234", 0).response_id;
    send(f, "SM2", "3", 1);
    es_sms_out o = send(f, "SM3", "feedback 1234", 2);
    has(o.reply, "How satisfied were you");
    assert_true(o.response_id > first);
    es_sms_session ss = session(f);
    assert_int_equal(ss.response_id, o.response_id);
    assert_int_equal(ss.position, 1);
    got g = read_resp(f, first);
    assert_int_equal(g.n_answers, 1); /* the first one's answer is kept */
    assert_int_equal(g.completed, 0);
}

static void test_unknown_code(void **state)
{
    fixture *f = *state;
    es_sms_out o = send(f, "SM1", "FEEDBACK 9999", 0);
    assert_int_equal(o.handled, 1);
    assert_int_equal(o.response_id, 0);
    has(o.reply, "9999");
    has(o.reply, "do not know");
    o = send(f, "SM2", "FEEDBACK", 1);
    has(o.reply, "do not know");
    o = send(f, "SM3", "FEEDBACK B2", 2); /* a disabled location */
    has(o.reply, "do not know");
    o = send(f, "SM4", "FEEDBACK eu/fr/lyon-14", 3); /* a key is not a code */
    has(o.reply, "do not know");
    assert_int_equal(session(f).position, 0);
}

static void test_keyword_and_not_survey(void **state)
{
    fixture *f = *state;
    es_sms_out o = send(f, "SM1", "my order is late", 0);
    assert_int_equal(o.handled, 0);
    o = send(f, "SM1", "my order is late", 1); /* nothing was recorded for it */
    assert_int_equal(o.handled, 0);
    assert_int_equal(o.duplicate, 0);
    f->o.keyword = "Survey";
    o = send(f, "SM2", "FEEDBACK 1234", 2);
    assert_int_equal(o.handled, 0);
    o = send(f, "SM3", "SURVEY 1234", 3);
    assert_int_equal(o.handled, 1);
    has(o.reply, "How satisfied were you");
    /* Bad input is refused, not stored. */
    es_sms_in in = {"", PHONE, "x"};
    assert_int_equal(es_sms_survey_handle(f->s, &f->o, &in, T0, &o), ES_EINVAL);
    char longphone[100];
    memset(longphone, '1', sizeof longphone - 1);
    longphone[99] = '\0';
    es_sms_in in2 = {"SMx", longphone, "x"};
    assert_int_equal(es_sms_survey_handle(f->s, &f->o, &in2, T0, &o), ES_ELIMIT);
}

/* The server's batch: steps in one transaction, each in its savepoint. A
 * MessageSid stepped twice in it is a duplicate the second time; nothing
 * is stored before the commit. */
static void test_step_batch(void **state)
{
    fixture *f = *state;
    es_sms_out a, b, c;
    es_sms_in start = {"SM1", PHONE, "FEEDBACK 1234"}, ans = {"SM2", PHONE, "4"};
    assert_int_equal(es_survey_flow_prompt(f->s), ES_OK);
    assert_int_equal(es_sms_survey_step(f->s, &f->o, &start, T0, &a), ES_EINVAL);
    for (int keep = 0; keep < 2; keep++) {
        assert_int_equal(es_store_begin(f->s), ES_OK);
        assert_int_equal(es_sms_survey_step(f->s, &f->o, &start, T0, &a), ES_OK);
        assert_int_equal(es_sms_survey_step(f->s, &f->o, &start, T0, &b), ES_OK);
        assert_int_equal(es_sms_survey_step(f->s, &f->o, &ans, T0 + 1, &c), ES_OK);
        assert_int_equal(a.duplicate, 0);
        assert_int_equal(b.duplicate, 1);
        assert_string_equal(a.reply, b.reply);
        has(c.reply, "recommend");
        if (keep) {
            assert_int_equal(es_store_commit(f->s), ES_OK);
        } else {
            es_store_rollback(f->s);
            assert_int_equal(session(f).position, 0); /* nothing stayed */
        }
    }
    assert_int_equal(session(f).position, 2);
    assert_int_equal(read_resp(f, a.response_id).overall, 4);
    /* After the commit, a re-delivery gets the same reply. */
    es_sms_out again = send(f, "SM2", "4", 2);
    assert_int_equal(again.duplicate, 1);
    assert_string_equal(again.reply, c.reply);
}

/* ---- the hot alert ------------------------------------------------------------------ */

static void take_case(const es_case *c, void *ud)
{
    char *loc = ud;
    snprintf(loc, 64, "%s", c->location ? c->location : "");
}

static void take_note(const es_case_note *n, void *ud)
{
    snprintf(ud, 512, "%s", n->text);
}

static void test_hot(void **state)
{
    fixture *f = *state;
    es_survey_hot hot;
    int64_t rid = send(f, "SM1", "FEEDBACK 1234", 0).response_id;
    send(f, "SM2", "1", 1);
    assert_int_equal(es_survey_hot_act(f->s, rid, T0 + 2, &hot), ES_OK);
    assert_int_equal(hot.raised, 1);
    assert_true(hot.case_id > 0);
    assert_true(hot.alerts >= 1);
    got g = read_resp(f, rid);
    assert_int_equal(g.case_id, hot.case_id);
    assert_int_equal(g.hot_at, T0 + 2);
    char loc[64] = "";
    assert_int_equal(es_case_get(f->s, hot.case_id, NULL, T0 + 2, take_case, loc), ES_OK);
    assert_string_equal(loc, "eu/fr/lyon-14");
    /* At most once per response, whatever comes later. */
    send(f, "SM3", "0", 3);
    assert_int_equal(es_survey_hot_act(f->s, rid, T0 + 4, &hot), ES_OK);
    assert_int_equal(hot.raised, 0);
    /* Completed: the case gets a note with every answer. */
    send(f, "SM4", "2", 5);
    es_sms_out done = send(f, "SM5", "Cold food", 6);
    assert_int_equal(done.completed, 1);
    assert_int_equal(es_survey_hot_complete(f->s, rid, T0 + 6), ES_OK);
    char note[512] = "";
    assert_int_equal(es_case_notes(f->s, g.case_id, NULL, take_note, note), ES_OK);
    has(note, "Overall satisfaction 1; Likelihood to recommend 0");
    has(note, "Comment Cold food");
    /* Hot by recommend alone (0-3), and not hot at all. */
    int64_t r2 = send_from(f, "+15550002222", "SN1", "FEEDBACK 1234", 10).response_id;
    send_from(f, "+15550002222", "SN2", "4", 11);
    assert_int_equal(es_survey_hot_act(f->s, r2, T0 + 11, &hot), ES_OK);
    assert_int_equal(hot.raised, 0);
    send_from(f, "+15550002222", "SN3", "3", 12);
    assert_int_equal(es_survey_hot_act(f->s, r2, T0 + 12, &hot), ES_OK);
    assert_int_equal(hot.raised, 1);
    int64_t r3 = send_from(f, "+15550003333", "SO1", "FEEDBACK 1234", 20).response_id;
    send_from(f, "+15550003333", "SO2", "3", 21);
    send_from(f, "+15550003333", "SO3", "4", 22);
    assert_int_equal(es_survey_hot_act(f->s, r3, T0 + 22, &hot), ES_OK);
    assert_int_equal(hot.raised, 0); /* 3 > threshold 2, 4 > 3 */
}

typedef struct count {
    int n;
} count;

static void count_cb(const es_survey_response_row *r, void *ud)
{
    (void)r;
    ((count *)ud)->n++;
}

static void test_scope_and_recovery(void **state)
{
    fixture *f = *state;
    int64_t rid = send(f, "SM1", "FEEDBACK 1234", 0).response_id;
    send(f, "SM2", "1", 1);
    assert_int_equal(es_survey_hot_act(f->s, rid, T0 + 2, NULL), ES_OK);
    const char *de[] = {"eu/de/"}, *eu[] = {"eu/"};
    es_survey_scope other = {0, de, 1}, mine = {0, eu, 1};
    count c = {0};
    assert_int_equal(es_survey_response_list(f->s, NULL, &other, count_cb, &c), ES_OK);
    assert_int_equal(c.n, 0);
    assert_int_equal(es_survey_response_list(f->s, NULL, &mine, count_cb, &c), ES_OK);
    assert_int_equal(c.n, 1);
    es_survey_response_filter hotf = {.hot = 1, .location = "1234"};
    c.n = 0;
    assert_int_equal(es_survey_response_list(f->s, &hotf, NULL, count_cb, &c), ES_OK);
    assert_int_equal(c.n, 1);
    got g;
    assert_int_equal(es_survey_response_read(f->s, rid, &other, take, &g), ES_ENOTFOUND);
    assert_int_equal(es_survey_response_recovery(f->s, rid, &other, "recovered", NULL, 0, T0),
                     ES_ENOTFOUND);
    assert_int_equal(es_survey_response_recovery(f->s, rid, &mine, "fixed", NULL, 0, T0),
                     ES_EINVAL);
    assert_int_equal(
        es_survey_response_recovery(f->s, rid, &mine, "recovered", "called back", 0, T0 + 9),
        ES_OK);
}

/* ---- the web token and the QR code ------------------------------------------------------ */

static void test_webtoken(void **state)
{
    (void)state;
    char tok[ES_WEBTOKEN_MAX + 1], nonce[33], bad[ES_WEBTOKEN_MAX + 1];
    assert_int_equal(es_survey_webtoken_make("k3y", "1234", T0, tok), ES_OK);
    assert_int_equal(es_survey_webtoken_check("k3y", "1234", tok, T0 + 5, 3, 86400, nonce), ES_OK);
    assert_int_equal(strlen(nonce), 32);
    assert_int_equal(es_survey_webtoken_check("k3y", "1234", tok, T0 + 1, 3, 86400, nonce),
                     ES_EBUSY);
    assert_int_equal(es_survey_webtoken_check("k3y", "1234", tok, T0 + 90000, 3, 86400, nonce),
                     ES_EINVAL);
    assert_int_equal(es_survey_webtoken_check("other", "1234", tok, T0 + 5, 3, 86400, nonce),
                     ES_EINVAL);
    assert_int_equal(es_survey_webtoken_check("k3y", "9999", tok, T0 + 5, 3, 86400, nonce),
                     ES_EINVAL);
    snprintf(bad, sizeof bad, "%s", tok);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
    assert_int_equal(es_survey_webtoken_check("k3y", "1234", bad, T0 + 5, 3, 86400, nonce),
                     ES_EINVAL);
    static const char *const junk[] = {
        "",     "1.2.3", "x.0123456789abcdef0123456789abcdef.00", "99999999999999999999.a.b",
        "....", NULL};
    for (size_t i = 0; junk[i]; i++)
        assert_int_equal(es_survey_webtoken_check("k3y", "1234", junk[i], T0, 0, 86400, nonce),
                         ES_EINVAL);
}

static void test_qr(void **state)
{
    (void)state;
    char *svg = NULL;
    size_t len = 0;
    assert_int_equal(es_survey_qr_svg("https://example.com/s/1234", &svg, &len), ES_OK);
    assert_int_equal(strlen(svg), len);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "<path d=\"M4 4h7v1h-7z")); /* the top-left finder */
    es_free(svg);
    char big[4000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(es_survey_qr_svg(big, &svg, &len), ES_ELIMIT);
    assert_int_equal(es_survey_qr_svg("", &svg, &len), ES_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_conversation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_reasked_once_then_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_unstop_help, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_sid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_feedback_restarts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyword_and_not_survey, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope_and_recovery, setup, teardown),
        cmocka_unit_test(test_webtoken),
        cmocka_unit_test(test_qr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
