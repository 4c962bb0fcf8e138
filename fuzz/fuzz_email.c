/*
 * fuzz_email.c - libFuzzer target for email ingest: the mbox cutter and
 * the GMime-based message decoder (headers, charsets, multipart bodies,
 * HTML stripping). The input is a whole mbox file; a file without "From "
 * lines is one message, as an .eml is. Corpus: fuzz/corpus/fuzz_email/.
 */
#include <stdint.h>
#include <stdio.h>

#include "earshot/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_reader_opts o = {ES_FORMAT_MBOX, NULL, NULL};
    es_reader_t *r = NULL;
    es_record rec;
    char err[256];
    es_err rc;
    if (size == 0)
        return 0;
    FILE *fp = fmemopen((void *)data, size, "r");
    es_arena_t *a = es_arena_new(0, 64u << 20);
    if (fp && a && es_reader_open(fp, "fuzz.mbox", &o, &r, err, sizeof err) == ES_OK) {
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
