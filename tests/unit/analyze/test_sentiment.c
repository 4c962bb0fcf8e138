/*
 * test_sentiment.c - the sentiment scorer (src/analyze/lexicon.c, vader.c,
 * care.c): VADER cases whose expected scores NLTK 3.8 printed
 * (tests/data/analyze/sentiment_vader_cases.tsv, several also worked out by
 * hand below), the care-mode rules, explanations, lexicon loading and its
 * errors, allocation failures, and the label thresholds.
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
#include <pthread.h>
#include <xxhash.h>

#include "earshot/sentiment.h"

#define DATA ES_TEST_DATA "/analyze/"

static const es_lexicon_t *builtin(void)
{
    const es_lexicon_t *lex = NULL;
    assert_int_equal(es_lexicon_builtin(&lex), ES_OK);
    assert_non_null(lex);
    return lex;
}

static es_sentiment score(es_sent_mode mode, const char *text)
{
    es_scorer_t *sc = es_scorer_new(builtin(), mode);
    assert_non_null(sc);
    es_sentiment s;
    assert_int_equal(es_scorer_score(sc, text, strlen(text), &s, 0), ES_OK);
    es_scorer_free(sc);
    return s;
}

static double dabs(double x)
{
    return x < 0 ? -x : x;
}
#define assert_close(a, b) assert_true(dabs((a) - (b)) < 1e-9)

/* ----- VADER ------------------------------------------------------------------ */

/* Worked by hand: compound = x / sqrt(x^2 + 15) over the summed valences. */
static void vader_hand_checked(void **state)
{
    (void)state;
    /* "good" is 1.9: 1.9 / sqrt(3.61 + 15) = 0.44038 */
    assert_close(score(ES_MODE_VADER, "good").compound, 0.4404);
    /* negation: 1.9 * -0.74 = -1.406 -> -0.34120 */
    assert_close(score(ES_MODE_VADER, "not good").compound, -0.3412);
    /* booster: 1.9 + 0.293 = 2.193 -> 0.49272 */
    assert_close(score(ES_MODE_VADER, "very good").compound, 0.4927);
    /* ALL CAPS with other words in lower case: 1.9 + 0.733 = 2.633 -> 0.56221 */
    assert_close(score(ES_MODE_VADER, "GOOD day").compound, 0.5622);
    /* but: 1.9 * 0.5 + -2.5 * 1.5 = -2.8 -> -0.58588 */
    assert_close(score(ES_MODE_VADER, "good but bad").compound, -0.5859);
    /* three '!': 1.9 + 3 * 0.292 = 2.776 -> 0.58257 */
    assert_close(score(ES_MODE_VADER, "good!!!").compound, 0.5826);
    es_sentiment s = score(ES_MODE_VADER, "good");
    assert_close(s.pos, 1.0);
    assert_close(s.neu, 0.0);
    assert_int_equal(s.label, ES_POSITIVE);
}

/* Decodes the \xHH, \uHHHH and \UHHHHHHHH escapes of the cases file. */
static void unescape(const char *in, char *out, size_t size)
{
    size_t k = 0;
    while (*in && k + 5 < size) {
        int digits = in[0] == '\\' ? (in[1] == 'x'   ? 2
                                      : in[1] == 'u' ? 4
                                      : in[1] == 'U' ? 8
                                                     : 0)
                                   : 0;
        if (!digits) {
            out[k++] = *in++;
            continue;
        }
        char hex[9] = {0};
        memcpy(hex, in + 2, (size_t)digits);
        unsigned long cp = strtoul(hex, NULL, 16);
        in += 2 + digits;
        if (cp < 0x80) {
            out[k++] = (char)cp;
        } else if (cp < 0x800) {
            out[k++] = (char)(0xC0 | (cp >> 6));
            out[k++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[k++] = (char)(0xE0 | (cp >> 12));
            out[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[k++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[k++] = (char)(0xF0 | (cp >> 18));
            out[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            out[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[k++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    out[k] = '\0';
}

/* Every case of the file: compound, pos, neu and neg as NLTK gives them. */
static void vader_cases_file(void **state)
{
    (void)state;
    FILE *f = fopen(DATA "sentiment_vader_cases.tsv", "r");
    assert_non_null(f);
    es_scorer_t *sc = es_scorer_new(builtin(), ES_MODE_VADER);
    assert_non_null(sc);
    char line[1024], text[1024];
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *name = line, *esc = strchr(name, '\t');
        assert_non_null(esc);
        *esc++ = '\0';
        char *nums = strchr(esc, '\t');
        assert_non_null(nums);
        *nums++ = '\0';
        double c, p, u, n;
        assert_int_equal(sscanf(nums, "%lf %lf %lf %lf", &c, &p, &u, &n), 4);
        unescape(esc, text, sizeof text);
        es_sentiment s;
        assert_int_equal(es_scorer_score(sc, text, strlen(text), &s, 0), ES_OK);
        if (dabs(s.compound - c) > 1e-9 || dabs(s.pos - p) > 1e-9 || dabs(s.neu - u) > 1e-9 ||
            dabs(s.neg - n) > 1e-9)
            fail_msg("case '%s': got %.4f %.3f %.3f %.3f, NLTK %.4f %.3f %.3f %.3f", name,
                     s.compound, s.pos, s.neu, s.neg, c, p, u, n);
        cases++;
    }
    fclose(f);
    es_scorer_free(sc);
    assert_true(cases >= 30);
}

/* ----- care mode -------------------------------------------------------------- */

static void care_rules(void **state)
{
    (void)state;
    /* VADER sees nothing or praise in these; care mode reads them right. */
    assert_int_equal(score(ES_MODE_VADER, "on hold for 2 hours").label, ES_NEUTRAL);
    assert_int_equal(score(ES_MODE_CARE, "on hold for 2 hours").label, ES_NEGATIVE);
    assert_int_equal(score(ES_MODE_CARE, "still waiting for my refund").label, ES_NEGATIVE);
    assert_int_equal(score(ES_MODE_CARE, "my flight was delayed again").label, ES_NEGATIVE);
    assert_int_equal(score(ES_MODE_CARE, "they lost my bag").label, ES_NEGATIVE);
    assert_int_equal(score(ES_MODE_CARE, "I never received a confirmation").label, ES_NEGATIVE);
    assert_int_equal(score(ES_MODE_VADER, "thanks for nothing").label, ES_POSITIVE);
    assert_int_equal(score(ES_MODE_CARE, "thanks for nothing").label, ES_NEGATIVE);
    assert_int_equal(score(ES_MODE_VADER, "great, another delay").label, ES_POSITIVE);
    assert_int_equal(score(ES_MODE_CARE, "great, another delay").label, ES_NEGATIVE);
    assert_int_equal(score(ES_MODE_CARE, "delayed 3 hours, thanks").label, ES_NEGATIVE);
    /* Requests are not praise. */
    assert_int_equal(score(ES_MODE_VADER, "can you help me please").label, ES_POSITIVE);
    assert_int_equal(score(ES_MODE_CARE, "can you help me please").label, ES_NEUTRAL);
    assert_int_equal(score(ES_MODE_CARE, "what time is boarding? thanks").label, ES_NEUTRAL);
    /* Praise inside a question is an information request... */
    assert_int_equal(score(ES_MODE_VADER, "is the wifi good on that route?").label, ES_POSITIVE);
    assert_int_equal(score(ES_MODE_CARE, "is the wifi good on that route?").label, ES_NEUTRAL);
    assert_int_equal(score(ES_MODE_CARE, "any good news about my lost bag?").label, ES_NEGATIVE);
    /* ...but praise in a sentence of its own stays praise. */
    assert_int_equal(score(ES_MODE_CARE, "the crew was great! what time do we board?").label,
                     ES_POSITIVE);
    assert_int_equal(score(ES_MODE_CARE, "wow, what a great crew!").label, ES_POSITIVE);
    /* Praise and reassurance stay positive. */
    assert_int_equal(score(ES_MODE_CARE, "thank you so much, great crew!").label, ES_POSITIVE);
    assert_int_equal(score(ES_MODE_CARE, "no worries").label, ES_POSITIVE);
    assert_int_equal(score(ES_MODE_CARE, "the flight leaves at noon").label, ES_NEUTRAL);
}

static void care_explanations(void **state)
{
    (void)state;
    es_scorer_t *sc = es_scorer_new(builtin(), ES_MODE_CARE);
    assert_non_null(sc);
    es_sentiment s;
    const char *text = "great, another delay. thanks for nothing";
    assert_int_equal(es_scorer_score(sc, text, strlen(text), &s, 1), ES_OK);
    size_t n = 0;
    const char *summary = NULL;
    const es_explain_item *it = es_scorer_explain(sc, &n, &summary);
    assert_int_equal(n, 6);
    assert_string_equal(it[0].token, "great");
    assert_non_null(strstr(it[0].why, "lexicon 3.10"));
    assert_non_null(strstr(it[0].why, "sarcasm"));
    assert_true(it[0].valence < 0);
    assert_string_equal(it[2].token, "delay");
    assert_non_null(strstr(it[2].why, "care lexicon"));
    assert_string_equal(it[3].token, "thanks");
    assert_non_null(strstr(it[3].why, "thanks for nothing"));
    assert_non_null(strstr(summary, "normalised"));
    assert_non_null(strstr(summary, "negative"));
    es_scorer_free(sc);
}

static void care_question_explained(void **state)
{
    (void)state;
    es_scorer_t *sc = es_scorer_new(builtin(), ES_MODE_CARE);
    assert_non_null(sc);
    es_sentiment s;
    const char *text = "Lovely crew. Is the lounge good?";
    assert_int_equal(es_scorer_score(sc, text, strlen(text), &s, 1), ES_OK);
    size_t n = 0;
    const es_explain_item *it = es_scorer_explain(sc, &n, NULL);
    assert_int_equal(n, 6);
    assert_string_equal(it[0].token, "Lovely");
    assert_true(it[0].valence > 0); /* its sentence ends with '.' */
    assert_string_equal(it[5].token, "good");
    assert_non_null(strstr(it[5].why, "praise in a question -> 0"));
    assert_true(it[5].valence == 0);
    assert_int_equal(s.label, ES_POSITIVE);
    es_scorer_free(sc);
}

/* The scorer splits and classifies words from bitmaps of 64-byte words
 * built 16 bytes at a time: wherever a word falls, and whatever white space
 * separates the words, the scores must not change. */
static void split_is_position_independent(void **state)
{
    (void)state;
    static const char *base = "Not GOOD at all,  but the crew was great!! :) won't fly "
                              "again, it's the WORST... kind of ok";
    static const char *const spaces[] = {" ", "\t", "\n", "\xc2\xa0", "\xe3\x80\x80",
                                         "\xe2\x80\x83", "\x1c"};
    char buf[512];
    for (int mode = 0; mode < 2; mode++) {
        es_sentiment ref = score((es_sent_mode)mode, base);
        assert_true(ref.compound != 0);
        for (size_t pad = 0; pad < 80; pad++) { /* shift every word across the blocks */
            memset(buf, ' ', pad);
            memcpy(buf + pad, base, strlen(base) + 1);
            es_sentiment s = score((es_sent_mode)mode, buf);
            assert_true(s.compound == ref.compound && s.pos == ref.pos && s.neu == ref.neu &&
                        s.neg == ref.neg);
        }
        for (size_t k = 0; k < sizeof spaces / sizeof spaces[0]; k++) {
            size_t o = 0; /* every ASCII space replaced by another white space */
            for (const char *c = base; *c; c++) {
                if (*c == ' ') {
                    memcpy(buf + o, spaces[k], strlen(spaces[k]));
                    o += strlen(spaces[k]);
                } else {
                    buf[o++] = *c;
                }
            }
            buf[o] = '\0';
            es_sentiment s = score((es_sent_mode)mode, buf);
            assert_true(s.compound == ref.compound && s.neu == ref.neu);
        }
    }
    /* U+200B is not white space: "good\u200bday" is one word, not "good". */
    assert_true(score(ES_MODE_VADER, "good\xe2\x80\x8b" "day").compound == 0);
    assert_true(score(ES_MODE_VADER, "good\xe2\x80\x8a").compound > 0); /* U+200A is */
    /* Words over 64 bytes take the byte-by-byte paths. */
    char longw[200];
    memset(longw, 'x', 100);
    memcpy(longw + 100, ", good", 7);
    assert_true(score(ES_MODE_VADER, longw).compound == score(ES_MODE_VADER, "xx good").compound);
    memset(longw, 'X', 100);
    memcpy(longw + 100, " good!", 7);
    assert_true(score(ES_MODE_VADER, longw).compound == score(ES_MODE_VADER, "XX good!").compound);
}

static void vader_explanations(void **state)
{
    (void)state;
    es_scorer_t *sc = es_scorer_new(builtin(), ES_MODE_VADER);
    assert_non_null(sc);
    es_sentiment s;
    const char *text = "The food was not very good!!";
    assert_int_equal(es_scorer_score(sc, text, strlen(text), &s, 1), ES_OK);
    size_t n = 0;
    const char *summary;
    const es_explain_item *it = es_scorer_explain(sc, &n, &summary);
    assert_int_equal(n, 6);
    assert_string_equal(it[5].token, "good"); /* "!!" is stripped */
    assert_non_null(strstr(it[5].why, "lexicon 1.90"));
    assert_non_null(strstr(it[5].why, "booster 'very' +0.293"));
    assert_non_null(strstr(it[5].why, "negated by 'not' x-0.74"));
    assert_non_null(strstr(summary, "punctuation emphasis -0.584"));
    /* Without explain, no explanation is kept. */
    assert_int_equal(es_scorer_score(sc, text, strlen(text), &s, 0), ES_OK);
    es_scorer_explain(sc, &n, &summary);
    assert_int_equal(n, 0);
    assert_string_equal(summary, "");
    es_scorer_free(sc);
}

/* ----- lexicons ----------------------------------------------------------------- */

static void lexicon_builtin_checked(void **state)
{
    (void)state;
    const es_lexicon_t *a = builtin(), *b = builtin();
    assert_ptr_equal(a, b); /* built once, shared */
    assert_true(es_lexicon_size(a) > 7400);
}

static void lexicon_plain_file(void **state)
{
    (void)state;
    es_lexicon_t *lex = NULL;
    char err[256] = "";
    assert_int_equal(es_lexicon_load(DATA "sentiment_lexicon_small.txt", &lex, err, sizeof err),
                     ES_OK);
    assert_int_equal(es_lexicon_size(lex), 3); /* "good" twice: the later line wins */
    es_scorer_t *sc = es_scorer_new(lex, ES_MODE_VADER);
    es_sentiment s;
    assert_int_equal(es_scorer_score(sc, "good", 4, &s, 0), ES_OK);
    assert_close(s.compound, 0.6124); /* 3.0 / sqrt(24) */
    assert_int_equal(es_scorer_score(sc, "happy", 5, &s, 0), ES_OK);
    assert_close(s.compound, 0.0); /* not in this lexicon */
    es_scorer_free(sc);
    es_lexicon_free(lex);
}

static void expect_load_error(const char *file, es_err want, const char *msg)
{
    es_lexicon_t *lex = (es_lexicon_t *)1;
    char err[512] = "";
    char path[512];
    snprintf(path, sizeof path, "%s%s", DATA, file);
    assert_int_equal(es_lexicon_load(path, &lex, err, sizeof err), want);
    assert_null(lex);
    if (!strstr(err, msg))
        fail_msg("%s: message '%s' lacks '%s'", file, err, msg);
}

static void lexicon_errors(void **state)
{
    (void)state;
    expect_load_error("sentiment_lexicon_badvalence.txt", ES_EPARSE,
                      "sentiment_lexicon_badvalence.txt:2: the valence is not a number");
    expect_load_error("sentiment_lexicon_notab.txt", ES_EPARSE,
                      "sentiment_lexicon_notab.txt:2: expected word<TAB>valence");
    expect_load_error("sentiment_lexicon_blankline.txt", ES_EPARSE,
                      "sentiment_lexicon_blankline.txt:2: empty line");
    expect_load_error("sentiment_lexicon_range.txt", ES_EPARSE, ":1: the valence");
    expect_load_error("sentiment_lexicon_badsum.txt", ES_ECORRUPT, ":1: checksum mismatch");
    expect_load_error("no_such_lexicon.txt", ES_EIO, "no_such_lexicon.txt: No such file");
}

/* Writes a converted lexicon whose header says `entries` with a correct checksum. */
static void write_converted(const char *path, const char *body, int entries)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "#earshot-lexicon v1 entries=%d xxh64=%016llx\n%s", entries,
            (unsigned long long)XXH64(body, strlen(body), 0), body);
    fclose(f);
}

static void lexicon_converted_format(void **state)
{
    (void)state;
    char path[] = "/tmp/es_sentiment_lexXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    es_lexicon_t *lex = NULL;
    char err[256];
    write_converted(path, "good\t1.9\nbad\t-2.5", 2);
    assert_int_equal(es_lexicon_load(path, &lex, err, sizeof err), ES_OK);
    assert_int_equal(es_lexicon_size(lex), 2);
    es_lexicon_free(lex);
    write_converted(path, "good\t1.9\nbad\t-2.5", 3); /* count differs */
    assert_int_equal(es_lexicon_load(path, &lex, err, sizeof err), ES_ECORRUPT);
    assert_non_null(strstr(err, "entry count"));
    unlink(path);
}

/* ----- failure paths, limits, labels ---------------------------------------------- */

static void allocation_failures(void **state)
{
    (void)state;
    const char *text = "The food was NOT very good but the crew, wow!! :) on hold 2 hours";
    int ok = 0;
    for (long n = 0; n < 200 && !ok; n++) {
        es_lexicon_t *lex = NULL;
        es_scorer_t *sc = NULL;
        es_fail_alloc_after(n);
        es_err rc = es_lexicon_load(DATA "sentiment_lexicon_small.txt", &lex, NULL, 0);
        if (rc == ES_OK) {
            sc = es_scorer_new(lex, ES_MODE_CARE);
            if (sc) {
                es_sentiment s;
                rc = es_scorer_score(sc, text, strlen(text), &s, 1);
                assert_true(rc == ES_OK || rc == ES_ENOMEM);
                ok = rc == ES_OK;
            }
        } else {
            assert_int_equal(rc, ES_ENOMEM);
        }
        es_fail_alloc_after(-1);
        es_scorer_free(sc);
        es_lexicon_free(lex);
    }
    assert_true(ok);
}

static void text_limit(void **state)
{
    (void)state;
    es_scorer_t *sc = es_scorer_new(builtin(), ES_MODE_VADER);
    char *big = calloc(ES_MAX_TEXT + 2, 1);
    assert_non_null(big);
    memset(big, 'a', ES_MAX_TEXT + 1);
    es_sentiment s;
    assert_int_equal(es_scorer_score(sc, big, ES_MAX_TEXT + 1, &s, 0), ES_ELIMIT);
    /* The largest text is fine: two-letter words separated by spaces. */
    for (size_t i = 0; i < ES_MAX_TEXT; i++)
        big[i] = i % 3 == 2 ? ' ' : 'o';
    assert_int_equal(es_scorer_score(sc, big, ES_MAX_TEXT, &s, 1), ES_OK);
    free(big);
    es_scorer_free(sc);
}

static void labels_and_modes(void **state)
{
    (void)state;
    assert_int_equal(es_polarity_of(0.05), ES_POSITIVE);
    assert_int_equal(es_polarity_of(0.0499), ES_NEUTRAL);
    assert_int_equal(es_polarity_of(0.0), ES_NEUTRAL);
    assert_int_equal(es_polarity_of(-0.0499), ES_NEUTRAL);
    assert_int_equal(es_polarity_of(-0.05), ES_NEGATIVE);
    es_sent_mode m;
    assert_int_equal(es_sent_mode_parse("vader", &m), ES_OK);
    assert_int_equal(m, ES_MODE_VADER);
    assert_int_equal(es_sent_mode_parse("care", &m), ES_OK);
    assert_int_equal(m, ES_MODE_CARE);
    assert_int_equal(es_sent_mode_parse("Care", &m), ES_EINVAL);
    assert_int_equal(es_sent_mode_parse(NULL, &m), ES_EINVAL);
    assert_string_equal(es_sent_mode_name(ES_MODE_VADER), "vader");
    assert_string_equal(es_sent_mode_name(ES_MODE_CARE), "care");
    assert_null(es_scorer_new(NULL, ES_MODE_CARE));
}

/* Threads share the built-in lexicon (built by whichever comes first) and
 * score with a scorer each; arg is the mode. */
static void *thread_main(void *arg)
{
    const es_lexicon_t *lex = NULL;
    long bad = 0;
    if (es_lexicon_builtin(&lex))
        return (void *)1;
    es_scorer_t *sc = es_scorer_new(lex, (es_sent_mode)(long)(intptr_t)arg);
    for (int i = 0; sc && i < 2000; i++) {
        es_sentiment s;
        if (es_scorer_score(sc, "not very good but bad!!", 23, &s, i % 2) ||
            dabs(s.compound - -0.8196) > 1e-9)
            bad++;
    }
    es_scorer_free(sc);
    return (void *)(intptr_t)(bad || !sc);
}

static void threads_share_the_lexicon(void **state)
{
    (void)state;
    pthread_t t[4];
    for (intptr_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_main, (void *)(i % 2)), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        assert_int_equal(pthread_join(t[i], &r), 0);
        assert_null(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(threads_share_the_lexicon), /* first: they build the lexicon */
        cmocka_unit_test(vader_hand_checked),
        cmocka_unit_test(vader_cases_file),
        cmocka_unit_test(care_rules),
        cmocka_unit_test(care_explanations),
        cmocka_unit_test(care_question_explained),
        cmocka_unit_test(split_is_position_independent),
        cmocka_unit_test(vader_explanations),
        cmocka_unit_test(lexicon_builtin_checked),
        cmocka_unit_test(lexicon_plain_file),
        cmocka_unit_test(lexicon_errors),
        cmocka_unit_test(lexicon_converted_format),
        cmocka_unit_test(allocation_failures),
        cmocka_unit_test(text_limit),
        cmocka_unit_test(labels_and_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
