/*
 * test_dedup.c - near-duplicate detection: retweets and copy-paste with a
 * different link are caught, different texts and short look-alikes are not,
 * the band index finds everything within 3 bits and nothing at 4, a
 * campaign points at its first copy, a precomputed fingerprint is reused, the ring
 * forgets the oldest at capacity, and allocation failures are reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/analyze.h"
#include "earshot/arena.h"
#include "earshot/mention.h"

typedef struct fixture {
    es_dedup_t *d;
    es_arena_t *a;
} fixture;

static int setup(void **state)
{
    static fixture f;
    f.d = es_dedup_new(1000);
    f.a = es_arena_new(0, 0);
    *state = &f;
    return f.d && f.a ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    es_dedup_free(f->d);
    es_arena_free(f->a);
    return 0;
}

/* Checks text as mention twitter/<id>; returns duplicate_of (or NULL). */
static const char *see(fixture *f, const char *id, const char *text)
{
    es_mention_t m;
    es_mention_init(&m);
    m.source = "twitter";
    m.external_id = id;
    m.text = text;
    assert_int_equal(es_dedup_check(f->d, &m, f->a), ES_OK);
    assert_true(m.fingerprint != 0);
    assert_int_equal(!!(m.flags & ES_FLAG_DUPLICATE), m.duplicate_of != NULL);
    return m.duplicate_of;
}

static void retweet_matches_original(void **state)
{
    fixture *f = *state;
    assert_null(see(f, "1", "@united my bag was lost at O'Hare and nobody answers the phone"));
    assert_string_equal(see(f, "2",
                            "RT @angry_flyer: @united my bag was lost at O'Hare and nobody "
                            "answers the phone"),
                        "twitter/1");
    assert_string_equal(see(f, "3",
                            "RT @x: RT @angry_flyer: @united my bag was lost at O'Hare "
                            "and nobody answers the phone"),
                        "twitter/1");
}

static void copy_paste_with_other_url_and_case(void **state)
{
    fixture *f = *state;
    assert_null(see(f, "10", "Boycott @acme now, they poison rivers! http://t.co/aaaa #acmelies"));
    assert_string_equal(see(f, "11",
                            "boycott @ACME now they poison rivers!!! https://bit.ly/zz "
                            "#AcmeLies"),
                        "twitter/10");
    assert_string_equal(see(f, "12",
                            "Boycott @acme now, they poison rivers http://t.co/bbbb "
                            "#acmelies"),
                        "twitter/10");
}

static void different_texts_not_matched(void **state)
{
    fixture *f = *state;
    assert_null(see(f, "20", "@united my flight was delayed three hours and nobody told us"));
    assert_null(see(f, "21", "@delta my flight was delayed three hours and nobody told us"));
    assert_null(see(f, "22", "@united the crew on UA 1234 was lovely, thank you so much"));
    assert_null(see(f, "23", "@united my flight was delayed four hours and nobody told us"));
}

static void short_texts_match_only_exactly(void **state)
{
    fixture *f = *state;
    assert_null(see(f, "30", "@united thanks!"));
    assert_null(see(f, "31", "@delta thanks!"));
    assert_null(see(f, "32", "@united thank you"));
    assert_string_equal(see(f, "33", "@United THANKS"), "twitter/30");
    assert_string_equal(see(f, "39", "RT @fan: @united thanks!"), "twitter/30"); /* retweet */
    /* Texts with nothing to normalise match only byte for byte. */
    assert_null(see(f, "34", "http://t.co/one"));
    assert_null(see(f, "35", "http://t.co/two"));
    assert_string_equal(see(f, "36", "http://t.co/one"), "twitter/34");
    assert_null(see(f, "37", ""));
    assert_string_equal(see(f, "38", ""), "twitter/37");
}

/* The index against planted fingerprints: within 3 bits found, even when
 * the bits fall in three different bands; 4 bits spread over all four bands
 * not found. */
static void hamming_three_found_four_not(void **state)
{
    fixture *f = *state;
    const char *text = "a completely ordinary sentence about luggage and gates";
    uint64_t fp = es_dedup_fingerprint(text, strlen(text));
    assert_int_equal(
        es_dedup_remember(f->d, fp ^ ((1ull << 0) | (1ull << 16) | (1ull << 32) | (1ull << 48)),
                          "store/far"),
        ES_OK);
    assert_null(see(f, "40", text));
    /* A fresh detector, so that the text itself is not remembered. */
    es_dedup_t *d2 = es_dedup_new(10);
    assert_non_null(d2);
    assert_int_equal(
        es_dedup_remember(d2, fp ^ ((1ull << 5) | (1ull << 21) | (1ull << 63)), "store/near"),
        ES_OK);
    es_mention_t m;
    es_mention_init(&m);
    m.source = "twitter";
    m.external_id = "41";
    m.text = text;
    assert_int_equal(es_dedup_check(d2, &m, f->a), ES_OK);
    assert_string_equal(m.duplicate_of, "store/near");
    assert_int_equal(m.fingerprint, fp);
    es_dedup_free(d2);
}

static void earliest_is_reported(void **state)
{
    fixture *f = *state;
    const char *t = "the same complaint text posted by many accounts at once today";
    uint64_t fp = es_dedup_fingerprint(t, strlen(t));
    assert_int_equal(es_dedup_remember(f->d, fp ^ 1, "store/old"), ES_OK);
    assert_int_equal(es_dedup_remember(f->d, fp ^ 2, "store/newer"), ES_OK);
    assert_string_equal(see(f, "50", t), "store/old");
    assert_string_equal(see(f, "51", t), "store/old");
}

/* Checks a mention whose fingerprint was computed beforehand (as the
 * pipeline's workers do); returns duplicate_of. */
static const char *see_fp(fixture *f, const char *id, uint64_t fp)
{
    es_mention_t m;
    es_mention_init(&m);
    m.source = "twitter";
    m.external_id = id;
    m.text = "the text is not looked at when the fingerprint is set";
    m.fingerprint = fp;
    assert_int_equal(es_dedup_check(f->d, &m, f->a), ES_OK);
    assert_int_equal(m.fingerprint, fp);
    return m.duplicate_of;
}

/* A campaign drifting a bit at a time points at its first copy while that
 * is within 3 bits, then at a later copy that is. */
static void campaign_points_at_first_copy(void **state)
{
    fixture *f = *state;
    uint64_t a = 0x0123456789ABCDEFull;
    assert_null(see_fp(f, "60", a));
    assert_string_equal(see_fp(f, "61", a ^ 0x3), "twitter/60");
    assert_string_equal(see_fp(f, "62", a ^ 0x3 ^ (1ull << 20)), "twitter/60");
    const char *d = see_fp(f, "63", a ^ 0x3 ^ (1ull << 20) ^ (1ull << 40)); /* 4 bits from a */
    assert_non_null(d);
    assert_true(strcmp(d, "twitter/61") == 0 || strcmp(d, "twitter/62") == 0);
    assert_string_equal(see_fp(f, "64", a), "twitter/60"); /* the exact twin */
    assert_null(see_fp(f, "65", ~a));
}

static void fingerprint_properties(void **state)
{
    (void)state;
    const char *a = "Hello World, this is a Test of things";
    const char *b = "hello world this is a test of things!!";
    assert_int_equal(es_dedup_fingerprint(a, strlen(a)), es_dedup_fingerprint(b, strlen(b)));
    assert_true(es_dedup_fingerprint("", 0) != 0);
    assert_true(es_dedup_fingerprint(NULL, 5) != 0);
    const char *bad = "\xFF\xFE invalid \xC3 bytes here ok";
    assert_true(es_dedup_fingerprint(bad, strlen(bad)) != 0);
    /* A long text spanning several tokenizer windows. */
    char big[8000];
    size_t n = 0;
    while (n + 8 < sizeof big) {
        memcpy(big + n, "word42 ", 7);
        n += 7;
    }
    assert_true(es_dedup_fingerprint(big, n) != 0);
}

/* Capacity 3: the fourth distinct text evicts the first. */
static void eviction_at_capacity(void **state)
{
    (void)state;
    fixture f = {es_dedup_new(3), es_arena_new(0, 0)};
    assert_non_null(f.d);
    const char *texts[] = {"first text about a delayed flight to denver",
                           "second text about a lost bag in chicago today",
                           "third text praising the crew on the morning flight",
                           "fourth text asking about seat upgrades for members"};
    assert_null(see(&f, "1", texts[0]));
    assert_null(see(&f, "2", texts[1]));
    assert_null(see(&f, "3", texts[2]));
    assert_string_equal(see(&f, "4", texts[0]), "twitter/1"); /* exact: not stored again */
    assert_null(see(&f, "5", texts[3]));                      /* evicts 1 */
    assert_null(see(&f, "6", texts[0]));                      /* forgotten: new again */
    assert_string_equal(see(&f, "7", texts[3]), "twitter/5");
    assert_null(see(&f, "8", texts[1])); /* 2 was evicted too */
    es_dedup_free(f.d);
    es_arena_free(f.a);
}

/* Many distinct texts through a small ring: the last `capacity` are all
 * remembered, earlier ones are not, and long keys are freed on eviction. */
static void capacity_ring_many(void **state)
{
    (void)state;
    fixture f = {es_dedup_new(100), es_arena_new(0, 0)};
    char text[128], id[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(text, sizeof text, "unique message number %d about flight %d to gate %d", i, i * 7,
                 i % 13);
        snprintf(id, sizeof id, "a-rather-long-external-identifier-%06d", i);
        es_mention_t m;
        es_mention_init(&m);
        m.source = "email";
        m.external_id = id;
        m.text = text;
        assert_int_equal(es_dedup_check(f.d, &m, f.a), ES_OK);
    }
    for (int i = 0; i < 1000; i += 37) {
        snprintf(text, sizeof text, "unique message number %d about flight %d to gate %d", i, i * 7,
                 i % 13);
        uint64_t fp = es_dedup_fingerprint(text, strlen(text));
        es_dedup_t *probe = f.d;
        es_mention_t m;
        es_mention_init(&m);
        m.source = "probe";
        m.external_id = "x";
        m.text = text;
        assert_int_equal(es_dedup_check(probe, &m, f.a), ES_OK);
        assert_int_equal(m.fingerprint, fp);
        if (i >= 900) {
            snprintf(id, sizeof id, "email/a-rather-long-external-identifier-%06d", i);
            assert_non_null(m.duplicate_of);
            assert_string_equal(m.duplicate_of, id);
        }
    }
    es_dedup_free(f.d);
    es_arena_free(f.a);
}

static void allocation_failures(void **state)
{
    (void)state;
    for (long n = 0; n < 3; n++) {
        es_fail_alloc_after(n);
        es_dedup_t *d = es_dedup_new(10);
        es_fail_alloc_after(-1);
        assert_null(d);
    }
    es_dedup_t *d = es_dedup_new(10);
    es_arena_t *a = es_arena_new(0, 0);
    assert_non_null(d);
    es_mention_t m;
    es_mention_init(&m);
    m.source = "twitter";
    m.external_id = "an-external-id-long-enough-for-the-heap";
    m.text = "some text that is long enough to be a simhash";
    es_fail_alloc_after(0);
    assert_int_equal(es_dedup_check(d, &m, a), ES_ENOMEM);
    assert_int_equal(es_dedup_remember(d, 42, "a/key-long-enough-to-need-the-heap-xx"), ES_ENOMEM);
    es_fail_alloc_after(-1);
    /* Nothing was remembered by the failed calls. */
    es_mention_t m2 = m;
    m2.external_id = "2";
    assert_int_equal(es_dedup_check(d, &m2, a), ES_OK);
    assert_null(m2.duplicate_of);
    /* A full arena fails the duplicate_of copy. */
    es_arena_t *tiny = es_arena_new(16, 16);
    assert_non_null(tiny);
    assert_non_null(es_arena_alloc(tiny, 16));
    es_mention_t m3 = m;
    m3.external_id = "3";
    assert_int_equal(es_dedup_check(d, &m3, tiny), ES_ENOMEM);
    assert_int_equal(es_dedup_remember(NULL, 1, "x"), ES_EINVAL);
    assert_int_equal(es_dedup_remember(d, 1, NULL), ES_EINVAL);
    es_arena_free(tiny);
    es_arena_free(a);
    es_dedup_free(d);
    es_dedup_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(retweet_matches_original, setup, teardown),
        cmocka_unit_test_setup_teardown(copy_paste_with_other_url_and_case, setup, teardown),
        cmocka_unit_test_setup_teardown(different_texts_not_matched, setup, teardown),
        cmocka_unit_test_setup_teardown(short_texts_match_only_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(hamming_three_found_four_not, setup, teardown),
        cmocka_unit_test_setup_teardown(earliest_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(campaign_points_at_first_copy, setup, teardown),
        cmocka_unit_test(fingerprint_properties),
        cmocka_unit_test(eviction_at_capacity),
        cmocka_unit_test(capacity_ring_many),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
