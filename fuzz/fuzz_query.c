/*
 * fuzz_query.c - libFuzzer target for the listening query parser (L2). Any
 * bytes are parsed; a refusal must carry a column inside the query and a
 * reason. When the bytes parse, the canonical form is parsed again and must
 * give the same canonical form (it is a fixed point), unless it is longer
 * than ES_MAX_QUERY: canonical forms add operators and parentheses, so a
 * query near the limit may have a canonical form over it. Each accepted
 * query is also compiled into a matcher and matched against its own text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/listen.h"

static void check_error(const char *text, size_t n, const es_query_error *err)
{
    /* The column counts code points, so it is at most one past the bytes. */
    if (err->column < 1 || (size_t)err->column > n + 1 || err->reason[0] == '\0')
        abort();
    (void)text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > ES_MAX_QUERY + 16)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t n = strlen(text);
    es_query_t *q = NULL;
    es_query_error err;
    es_err rc = es_query_parse(text, &q, &err);
    if (rc == ES_EPARSE)
        check_error(text, n, &err);
    else if (rc != ES_OK)
        abort();
    if (rc == ES_OK) {
        size_t need = es_query_format(q, NULL, 0);
        char *a = malloc(need + 1), *b = malloc(need + 1);
        if (!a || !b)
            abort();
        if (es_query_format(q, a, need + 1) != need)
            abort();
        if (need <= ES_MAX_QUERY) {
            es_query_t *q2 = NULL;
            if (es_query_parse(a, &q2, &err) != ES_OK)
                abort();
            if (es_query_format(q2, b, need + 1) != need || memcmp(a, b, need) != 0)
                abort();
            es_query_free(q2);
        }
        es_query_def d = {1, 1, text};
        es_matcher_t *m = NULL;
        es_match_scratch_t *s = NULL;
        if (es_matcher_build(&d, 1, &m, NULL, &err) == ES_OK &&
            es_match_scratch_new(m, &s) == ES_OK) {
            es_mention_t mt;
            memset(&mt, 0, sizeof mt);
            mt.text = text;
            uint32_t id;
            size_t ni, nb;
            (void)es_matcher_match(m, s, &mt, &id, 1, &ni, NULL, 0, &nb);
        }
        es_match_scratch_free(s);
        es_matcher_free(m);
        free(a);
        free(b);
        es_query_free(q);
    }
    free(text);
    return 0;
}
