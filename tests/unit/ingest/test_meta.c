/*
 * test_meta.c - Meta webhook deliveries: page feed comments and posts,
 * Messenger and Instagram messages, Instagram comments; deliveries with
 * nothing to keep (removals, reactions, read receipts, echoes) give no
 * mention and no rejection; malformed deliveries are rejected.
 */
#include "ingest_test.h"

static void test_feed(void **state)
{
    run *r = run_file("meta.jsonl", ES_FORMAT_AUTO, NULL);
    const es_mention_t *m = run_find(r, "822510379927413_1129384756");
    assert_string_equal(m->source, "facebook");
    assert_string_equal(m->text, "Waited 40 minutes for a table at the Leeds store and nobody "
                                 "came. Really disappointed.");
    assert_string_equal(m->author, "6523841094370123");
    assert_string_equal(m->author_name, "Priya Natarajan");
    assert_string_equal(m->reply_to, "104729855219042_822510379927413");
    assert_string_equal(m->conversation, "104729855219042_822510379927413");
    assert_int_equal(m->created_at, 1718012340);

    m = run_find(r, "104729855219042_822510379999999"); /* a post, string date */
    assert_string_equal(m->author_name, "Tom Baker");
    assert_int_equal(m->created_at, 1718013600);
    assert_string_equal(m->url, "https://www.facebook.com/104729855219042/posts/822510379999999");
    assert_null(m->reply_to);
    run_free(r);
}

static void test_messaging(void **state)
{
    run *r = run_file("meta.jsonl", ES_FORMAT_META, NULL);
    const es_mention_t *m = run_find(
        r,
        "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P");
    assert_string_equal(m->source, "facebook");
    assert_string_equal(m->author, "7015487318517263");
    assert_string_equal(m->conversation, "7015487318517263");
    assert_int_equal(m->created_at, 1718015000); /* milliseconds to seconds */
    m = run_find(r, "m_reply2");
    assert_string_equal(m->text, "Thanks \xe2\x80\x94 it's been 3 weeks.");
    assert_string_equal(m->reply_to, "m_echo1");

    m = run_find(r, "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0");
    assert_string_equal(m->source, "instagram");
    assert_string_equal(m->text, "Can I change my booking to Friday?");
    run_free(r);
}

static void test_instagram_comment(void **state)
{
    run *r = run_file("meta.jsonl", ES_FORMAT_AUTO, NULL);
    const es_mention_t *m = run_find(r, "17865799348089039");
    assert_string_equal(m->source, "instagram");
    assert_string_equal(m->author, "lena.travels");
    assert_string_equal(m->conversation, "18012345678901234");
    assert_int_equal(m->created_at, 1718017000);
    run_free(r);
}

/* The echo of our own reply, a removal, a reaction and a read receipt are
 * skipped; the whole file gives six mentions and three rejections. */
static void test_nothing_to_keep(void **state)
{
    run *r = run_file("meta.jsonl", ES_FORMAT_AUTO, NULL);
    assert_int_equal(r->n, 6);
    for (size_t i = 0; i < r->n; i++) {
        assert_true(r->m_line[i] != 3 && r->m_line[i] != 5);
        assert_string_not_equal(r->m[i].external_id, "m_echo1");
    }
    assert_int_equal(r->n_rej, 3);
    assert_string_equal(r->reason[0], "line 8: 'object' must be \"page\" or \"instagram\"");
    assert_string_equal(r->reason[1], "line 9: 'entry' must be an array");
    assert_string_equal(r->reason[2], "line 10: missing id");
    run_free(r);
}

static void test_alloc_failures(void **state)
{
    alloc_failures(
        ES_FORMAT_META,
        "{\"object\":\"page\",\"entry\":[{\"id\":\"1\",\"time\":5,\"changes\":[{\"field\":"
        "\"feed\",\"value\":{\"item\":\"comment\",\"verb\":\"add\",\"comment_id\":\"c\","
        "\"post_id\":\"p\",\"message\":\"m\",\"from\":{\"id\":\"2\",\"name\":\"n\"}}}],"
        "\"messaging\":[{\"sender\":{\"id\":\"3\"},\"timestamp\":7000,\"message\":"
        "{\"mid\":\"x\",\"text\":\"hello\"}}]}]}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feed),
        cmocka_unit_test(test_messaging),
        cmocka_unit_test(test_instagram_comment),
        cmocka_unit_test(test_nothing_to_keep),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
