/*
 * fuzz_ingest.h - the body the ingest fuzz targets share: open a reader of
 * one format over the fuzzer's bytes as a whole file, cut every record and
 * decode each one, as `earshot ingest` would.
 */
#ifndef ES_FUZZ_INGEST_H
#define ES_FUZZ_INGEST_H

#include <stdint.h>
#include <stdio.h>

#include "earshot/ingest.h"

/* Reads data[0..size) as a file called name in the given format. */
static int fuzz_ingest(const uint8_t *data, size_t size, es_format format, const char *name)
{
    es_reader_opts o = {format, NULL, NULL};
    es_reader_t *r = NULL;
    es_record rec;
    char err[256];
    es_err rc;
    if (size == 0)
        return 0;
    FILE *fp = fmemopen((void *)data, size, "r");
    es_arena_t *a = es_arena_new(0, 64u << 20);
    if (fp && a && es_reader_open(fp, name, &o, &r, err, sizeof err) == ES_OK) {
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

#endif
