/*
 * fuzz_json.c - libFuzzer target for the JSON Lines path of ingest: the
 * record cutter and every JSON decoder (canonical, Twitter v2 and v1.1,
 * Meta), chosen per line by auto-detection. The input is a whole file.
 * Corpus: fuzz/corpus/fuzz_json/.
 */
#include <stdint.h>
#include <stdio.h>

#include "earshot/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_reader_opts o = {ES_FORMAT_AUTO, NULL, NULL};
    es_reader_t *r = NULL;
    es_record rec;
    char err[256];
    es_err rc;
    if (size == 0)
        return 0;
    FILE *fp = fmemopen((void *)data, size, "r");
    es_arena_t *a = es_arena_new(0, 64u << 20);
    if (fp && a && es_reader_open(fp, "fuzz.jsonl", &o, &r, err, sizeof err) == ES_OK) {
        while ((rc = es_reader_next(r, &rec)) == ES_OK || rc == ES_REJECTED) {
            es_mention_t *ms;
            size_t n;
            const char *why;
            if (rc == ES_OK)
                (void)es_decode(es_reader_decoder(r), &rec, a, &ms, &n, &why);
            es_arena_reset(a);
        }
    }
    es_reader_free(r);
    es_arena_free(a);
    if (fp)
        fclose(fp);
    return 0;
}
