/*
 * test_tokenize.c - the social-media tokenizer. The cases live in
 * tests/data/text/tokenize.txt (input -> expected tokens); this file also
 * checks the contract around them: the max limit, token order and bounds on
 * arbitrary bytes, and the kind names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/text.h"

/* Decodes the escapes \xNN \n \t \\ of s[0..n) into out; returns the length. */
static size_t unescape(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 >= n) {
            out[o++] = s[i];
            continue;
        }
        char e = s[++i];
        if (e == 'n') {
            out[o++] = '\n';
        } else if (e == 't') {
            out[o++] = '\t';
        } else if (e == 'x' && i + 2 < n) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[o++] = e;
        }
    }
    return o;
}

/* Renders tokens as the "out:" lines of the data file do. */
static void render(const char *text, const es_token *t, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + o, cap - o, "%s%s%s%s:%.*s", i ? " " : "",
                         es_token_kind_name((es_token_kind)t[i].kind),
                         t[i].flags & ES_TOKF_ALLCAPS ? "+caps" : "",
                         t[i].flags & ES_TOKF_ELONGATED ? "+elong" : "", (int)t[i].len,
                         text + t[i].off);
        assert_true(w > 0 && (size_t)w < cap - o);
        o += (size_t)w;
    }
}

static const char *after_prefix(const char *line, const char *prefix)
{
    size_t k = strlen(prefix);
    if (strncmp(line, prefix, k) != 0)
        return NULL;
    line += k;
    return *line == ' ' ? line + 1 : line;
}

static void data_file_cases(void **state)
{
    (void)state;
    FILE *f = fopen(ES_TEST_DATA "/text/tokenize.txt", "r");
    assert_non_null(f);
    char line[2048], in[2048], want[4096], got[4096];
    size_t in_len = 0, cases = 0, lineno = 0;
    int have_in = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        const char *v;
        if ((v = after_prefix(line, "in:"))) {
            in_len = unescape(v, strlen(v), in);
            in[in_len] = '\0';
            have_in = 1;
        } else if ((v = after_prefix(line, "out:"))) {
            assert_true(have_in);
            size_t wl = unescape(v, strlen(v), want);
            want[wl] = '\0';
            es_token toks[128];
            size_t n = es_tokenize(in, in_len, toks, 128);
            assert_true(n <= 128);
            render(in, toks, n, got, sizeof got);
            if (strcmp(got, want) != 0)
                fail_msg("tokenize.txt:%zu\n  want: %s\n  got:  %s", lineno, want, got);
            cases++;
            have_in = 0;
        }
    }
    fclose(f);
    assert_true(cases >= 25);
}

/* More tokens than room: the count is exact, only max are written. */
static void max_limits_writes(void **state)
{
    (void)state;
    const char *s = "one two three four five";
    es_token toks[4];
    memset(toks, 0xAB, sizeof toks);
    assert_int_equal(es_tokenize(s, strlen(s), toks, 2), 5);
    assert_int_equal(toks[1].off, 4);
    assert_int_equal(toks[1].len, 3);
    assert_int_equal(toks[2].off, 0xABABABABu); /* untouched */
    assert_int_equal(es_tokenize(s, strlen(s), NULL, 0), 5);
    assert_int_equal(es_tokenize("", 0, NULL, 0), 0);
}

/* The length is honoured: nothing at or past n is read or returned. */
static void length_is_honoured(void **state)
{
    (void)state;
    const char *s = "http://example.com/path";
    es_token t[4];
    assert_int_equal(es_tokenize(s, 10, t, 4), 1);
    assert_int_equal(t[0].kind, ES_TOK_URL);
    assert_int_equal(t[0].len, 10);
    /* A sequence cut by n is invalid there, not read past. */
    char *heap = test_malloc(3);
    memcpy(heap, "a\xF0\x9F", 3);
    size_t n = es_tokenize(heap, 3, t, 4);
    assert_int_equal(n, 3);
    assert_int_equal(t[2].off + t[2].len, 3);
    test_free(heap);
}

/* Random bytes (a fixed seed) and random mixes of social-media fragments:
 * tokens are in order, do not overlap, stay inside the text, and are never
 * empty; only white space is left out. */
static void arbitrary_bytes_are_safe(void **state)
{
    (void)state;
    static const char *const bits[] = {"@a",
                                       "#b",
                                       ":)",
                                       "http://x.y/",
                                       "www.",
                                       "3",
                                       ".",
                                       "\xF0\x9F\x91\x8D",
                                       "\xF0\x9F\x8F\xBB",
                                       "\xE2\x80\x8D",
                                       "\xEF\xB8\x8F",
                                       "\xE2\x83\xA3",
                                       "'",
                                       "\xE2\x80\x99",
                                       "$",
                                       " ",
                                       "A",
                                       "\xFF",
                                       "\xC3",
                                       "<",
                                       "D",
                                       "1,",
                                       "x@"};
    unsigned seed = 12345;
    char buf[256];
    es_token toks[256];
    for (int round = 0; round < 20000; round++) {
        size_t n = 0;
        if (round % 2) {
            while (n < 200) {
                seed = seed * 1103515245u + 12345u;
                const char *b = bits[(seed >> 16) % (sizeof bits / sizeof bits[0])];
                size_t k = strlen(b);
                memcpy(buf + n, b, k);
                n += k;
            }
        } else {
            seed = seed * 1103515245u + 12345u;
            n = (seed >> 16) % sizeof buf;
            for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                buf[i] = (char)(seed >> 16);
            }
        }
        char *copy = test_malloc(n ? n : 1);
        memcpy(copy, buf, n);
        size_t cnt = es_tokenize(copy, n, toks, 256);
        assert_true(cnt <= 256);
        size_t end = 0;
        for (size_t i = 0; i < cnt; i++) {
            assert_true(toks[i].len > 0);
            assert_true(toks[i].off >= end);
            assert_true(toks[i].kind <= ES_TOK_PUNCT);
            end = toks[i].off + toks[i].len;
            assert_true(end <= n);
        }
        test_free(copy);
    }
}

static void kind_names(void **state)
{
    (void)state;
    assert_string_equal(es_token_kind_name(ES_TOK_WORD), "word");
    assert_string_equal(es_token_kind_name(ES_TOK_NUMBER), "number");
    assert_string_equal(es_token_kind_name(ES_TOK_HANDLE), "handle");
    assert_string_equal(es_token_kind_name(ES_TOK_HASHTAG), "hashtag");
    assert_string_equal(es_token_kind_name(ES_TOK_URL), "url");
    assert_string_equal(es_token_kind_name(ES_TOK_EMOJI), "emoji");
    assert_string_equal(es_token_kind_name(ES_TOK_EMOTICON), "emoticon");
    assert_string_equal(es_token_kind_name(ES_TOK_PUNCT), "punct");
    assert_string_equal(es_token_kind_name((es_token_kind)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_file_cases),    cmocka_unit_test(max_limits_writes),
        cmocka_unit_test(length_is_honoured), cmocka_unit_test(arbitrary_bytes_are_safe),
        cmocka_unit_test(kind_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
