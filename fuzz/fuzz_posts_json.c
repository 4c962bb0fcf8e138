/*
 * fuzz_posts_json.c - libFuzzer target for the JSON importer of the brand's
 * own posts (src/social/parse.c), the very function `earshot posts import`
 * and POST /api/v1/posts call. An acceptance must give posts that pass
 * es_post_check (ids, lengths, channel, metrics of -1 or more); a refusal
 * must say why and return nothing; either way nothing leaks (ASan).
 * Corpus: fuzz/corpus/fuzz_posts_json/.
 */
#include <stdint.h>
#include <stdlib.h>

#include "earshot/social.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_arena_t *a = es_arena_new(4096, 64u << 20);
    es_post *ps = NULL;
    size_t n = 0;
    char err[512], why[256];
    if (!a)
        return 0;
    err[0] = '\0';
    es_err rc = es_post_parse((const char *)data, size, ES_POST_JSON, a, &ps, &n, err, sizeof err);
    if (rc) {
        if (!err[0] || ps || n)
            abort();
    } else {
        if (n && !ps)
            abort();
        for (size_t i = 0; i < n; i++)
            if (es_post_check(&ps[i], why, sizeof why) != ES_OK)
                abort();
    }
    es_arena_free(a);
    return 0;
}
