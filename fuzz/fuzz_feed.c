/*
 * fuzz_feed.c - libFuzzer target for the feed parser (src/feed/parse.c)
 * and the conversion of its items to mentions (src/feed/item.c): any
 * bytes, as a feed server could send them. A parse must either succeed
 * with items whose strings are valid UTF-8 and whose mentions have an id
 * and a text within the limits, or fail with a reason; nothing may read
 * or write out of bounds, expand an entity, or touch the network.
 * Corpus: fuzz/corpus/fuzz_feed/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/feed.h"
#include "earshot/text.h"

static void check_utf8(const char *s)
{
    if (s && es_utf8_check(s, strlen(s), NULL) != ES_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_arena_t *a = es_arena_new(0, 256u << 20);
    es_feed_doc d;
    const char *why = NULL;
    if (!a)
        return 0;
    es_err rc = es_feed_parse(a, (const char *)data, size, &d, &why);
    if (rc != ES_OK) {
        if (!why || rc == ES_ENOMEM)
            abort();
        es_arena_free(a);
        return 0;
    }
    if (d.n > ES_FEED_MAX_ITEMS)
        abort();
    for (size_t i = 0; i < d.n; i++) {
        const es_feed_item *it = &d.items[i];
        es_mention_t m;
        check_utf8(it->id);
        check_utf8(it->title);
        check_utf8(it->link);
        check_utf8(it->text);
        check_utf8(it->author);
        rc = es_feed_item_mention(a, it, "feed:fuzz", NULL, NULL, &m, &why);
        if (rc == ES_REJECTED)
            continue;
        if (rc != ES_OK || !m.external_id || !*m.external_id || !m.text ||
            strlen(m.text) > ES_MAX_TEXT || strlen(m.external_id) > ES_MAX_FIELD)
            abort();
        check_utf8(m.text);
    }
    es_arena_free(a);
    return 0;
}
