/*
 * fuzz_csv.c - libFuzzer target for CSV ingest: the header row, the
 * mapping by header names, the row cutter (quoted line breaks) and the row
 * decoder with its dates, numbers and HTML entities. The input is a whole
 * CSV file. Corpus: fuzz/corpus/fuzz_csv/.
 */
#include <stdint.h>
#include <stdio.h>

#include "earshot/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_reader_opts o = {ES_FORMAT_CSV, NULL, NULL};
    es_reader_t *r = NULL;
    es_record rec;
    char err[256];
    es_err rc;
    if (size == 0)
        return 0;
    FILE *fp = fmemopen((void *)data, size, "r");
    es_arena_t *a = es_arena_new(0, 64u << 20);
    if (fp && a && es_reader_open(fp, "fuzz.csv", &o, &r, err, sizeof err) == ES_OK) {
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
