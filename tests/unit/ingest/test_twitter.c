/*
 * test_twitter.c - Twitter/X API v2 (single, paged, replies, retweets, long
 * tweets, includes.users and places) and v1.1 statuses (extended_tweet,
 * full_text, retweets, entities), their rejections, auto-detection and
 * allocation failures.
 */
#include "ingest_test.h"

static void test_v2(void **state)
{
    run *r = run_file("twitter_v2.jsonl", ES_FORMAT_AUTO, NULL);
    assert_int_equal(r->n, 6);

    const es_mention_t *m = run_find(r, "1460323737035677698");
    assert_string_equal(m->source, "twitter");
    assert_string_equal(m->text, "@AcmeAir flight 212 delayed 3 hours & no updates <sigh>");
    assert_string_equal(m->author, "dana_o");
    assert_string_equal(m->author_name, "Dana Ortiz");
    assert_int_equal(m->followers, 318);
    assert_int_equal(m->created_at, 1715702531);
    assert_string_equal(m->lang, "en");
    assert_string_equal(m->conversation, "1460323737035677698");
    assert_string_equal(m->location, "Manhattan, NY");
    assert_string_equal(m->url, "https://twitter.com/dana_o/status/1460323737035677698");
    assert_null(m->reply_to);

    m = run_find(r, "1460324000000000001");
    assert_string_equal(m->reply_to, "1460323737035677698");
    assert_string_equal(m->author, "AcmeAir");
    assert_int_equal(m->followers, 1250400);
    run_free(r);
}

static void test_v2_paged(void **state)
{
    run *r = run_file("twitter_v2.jsonl", ES_FORMAT_TWITTER_V2, NULL);
    /* Line 3 is one page of four tweets. */
    size_t on_page = 0;
    for (size_t i = 0; i < r->n; i++)
        on_page += r->m_line[i] == 3;
    assert_int_equal(on_page, 4);

    const es_mention_t *m = run_find(r, "1500000000000000002"); /* note_tweet */
    assert_non_null(strstr(m->text, "thank you!"));
    assert_null(strstr(m->text, "https://t.co"));

    m = run_find(r, "1500000000000000003"); /* a retweet, original in includes */
    assert_string_equal(m->text, "RT @dana_o: Lost my bag in Denver. Again.");

    m = run_find(r, "1500000000000000004"); /* unknown author, v1-style date */
    assert_string_equal(m->author, "999");
    assert_null(m->author_name);
    assert_int_equal(m->followers, -1);
    assert_int_equal(m->created_at, 1715760420);
    assert_string_equal(m->url, "https://twitter.com/i/web/status/1500000000000000004");
    run_free(r);
}

static void test_v2_rejects(void **state)
{
    run *r = run_file("twitter_v2.jsonl", ES_FORMAT_AUTO, NULL);
    /* Line 4 (an empty page) gives no mention and no rejection. */
    assert_int_equal(r->n_rej, 2);
    assert_string_equal(r->reason[0], "line 5: missing text (data[1])");
    assert_string_equal(r->reason[1], "line 6: 'data' must be a tweet object or an array of them");
    run_free(r);
}

static void test_v1(void **state)
{
    run *r = run_file("twitter_v1.jsonl", ES_FORMAT_AUTO, NULL);
    assert_int_equal(r->n, 4);
    const es_mention_t *m = run_find(r, "1050118621198921728");
    assert_string_equal(m->text,
                        "@AcmeAir the app crashed at checkout and charged me twice & now support "
                        "won't answer. Ref 88341 is the booking, please refund the duplicate "
                        "charge >:(");
    assert_string_equal(m->author, "samaberg");
    assert_string_equal(m->author_name, "Sam \xc3\x85"
                                        "berg");
    assert_int_equal(m->followers, 87);
    assert_int_equal(m->created_at, 1539202764);
    assert_string_equal(m->lang, "en");
    assert_string_equal(m->location, "Oslo, Norway");
    assert_null(m->reply_to);

    m = run_find(r, "1050280000000000000"); /* full_text, a reply */
    assert_string_equal(
        m->text, "@samaberg We're on it, Sam. Refund of the duplicate charge is on its way.");
    assert_string_equal(m->reply_to, "1050118621198921728");

    m = run_find(r, "1050300000000000000"); /* a retweet: RT prefix + full original */
    assert_string_equal(m->text,
                        "RT @samaberg: @AcmeAir the app crashed at checkout and charged me twice & "
                        "now support won't answer. Ref 88341 is the booking, please refund the "
                        "duplicate charge >:(");
    assert_string_equal(m->author, "AcmeAir");

    m = run_find(r, "1050310000000000000"); /* entities: known, numeric, unknown, bare */
    assert_string_equal(m->text, "5 < 7 && \xf0\x9f\x98\x80 &unknown; &amp");
    run_free(r);
}

static void test_v1_rejects(void **state)
{
    run *r = run_file("twitter_v1.jsonl", ES_FORMAT_TWITTER_V1, NULL);
    assert_int_equal(r->n_rej, 3);
    assert_string_equal(r->reason[0], "line 5: missing text");
    assert_string_equal(r->reason[1],
                        "line 6: field 'created_at': unrecognised date \"last Tuesday\"");
    assert_string_equal(r->reason[2], "line 7: 'user' must be an object");
    run_free(r);
}

/* A v1.1 status given to the v2 decoder is refused, not misread. */
static void test_forced_format(void **state)
{
    static const char in[] =
        "{\"id_str\":\"1\",\"text\":\"hi\",\"user\":{\"screen_name\":\"a\"}}\n";
    run *r = run_str(in, sizeof in - 1, ES_FORMAT_TWITTER_V2, NULL);
    assert_int_equal(r->n, 0);
    assert_int_equal(r->n_rej, 1);
    run_free(r);
}

/* Failing each allocation in turn gives ES_ENOMEM, never a crash or leak. */
static void test_alloc_failures(void **state)
{
    alloc_failures(
        ES_FORMAT_AUTO,
        "{\"data\":[{\"id\":\"1\",\"text\":\"a &amp; b\",\"author_id\":\"7\","
        "\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"0\"}]},"
        "{\"id\":\"2\",\"text\":\"RT @x: c\",\"author_id\":\"7\",\"referenced_tweets\":"
        "[{\"type\":\"retweeted\",\"id\":\"9\"}]}],\"includes\":{\"users\":[{\"id\":\"7\","
        "\"username\":\"u\",\"name\":\"U\"}],\"tweets\":[{\"id\":\"9\",\"text\":\"orig\","
        "\"author_id\":\"7\"}]}}");
    alloc_failures(ES_FORMAT_AUTO,
                   "{\"id_str\":\"5\",\"text\":\"RT @u: x\",\"user\":{\"screen_name\":\"v\"},"
                   "\"retweeted_status\":{\"id_str\":\"4\",\"full_text\":\"the original &lt;3\","
                   "\"user\":{\"screen_name\":\"u\"}}}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v2),
        cmocka_unit_test(test_v2_paged),
        cmocka_unit_test(test_v2_rejects),
        cmocka_unit_test(test_v1),
        cmocka_unit_test(test_v1_rejects),
        cmocka_unit_test(test_forced_format),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
