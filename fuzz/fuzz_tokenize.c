/*
 * fuzz_tokenize.c - libFuzzer target for the tokenizer and the UTF-8 checks
 * beside it. Any bytes must tokenize without reading past the end (the input
 * is copied to an exact-size heap buffer so ASan sees every overread), give
 * tokens in order inside the text, and fold when they are valid UTF-8. The
 * two analysers built on the tokens (intent rules and the near-duplicate
 * fingerprint) run on the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/analyze.h"
#include "earshot/arena.h"
#include "earshot/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    es_token toks[512];
    size_t n = es_tokenize(copy, size, toks, 512);
    size_t end = 0;
    for (size_t i = 0; i < n && i < 512; i++) {
        if (toks[i].len == 0 || toks[i].off < end || toks[i].off + toks[i].len > size)
            abort();
        end = toks[i].off + toks[i].len;
    }
    size_t bad;
    if (es_utf8_check(copy, size, &bad) == ES_OK) {
        es_arena_t *a = es_arena_new(0, 0);
        char *out;
        if (a && es_text_fold(a, copy, size, &out, NULL) != ES_OK)
            abort(); /* valid UTF-8 always folds when memory is there */
        es_arena_free(a);
    } else if (bad >= size) {
        abort();
    }
    if (es_dedup_fingerprint(copy, size) == 0)
        abort();
    char *z = malloc(size + 1); /* es_classify reads a NUL-terminated text */
    es_arena_t *a = es_arena_new(0, 0);
    if (z && a) {
        memcpy(z, data, size);
        z[size] = '\0';
        es_mention_t m;
        es_mention_init(&m);
        m.text = z;
        if (es_classify(&m, a) != ES_OK || !m.rules)
            abort();
    }
    es_arena_free(a);
    free(z);
    free(copy);
    return 0;
}
