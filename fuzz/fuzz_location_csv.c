/*
 * fuzz_location_csv.c - libFuzzer target for the CSV import of locations
 * (src/voc/location_csv.c): POST /api/v1/locations/import and `earshot
 * location import`. Each input is imported into one store kept for the
 * run (in a temporary directory). A refusal must name its row ("row N")
 * and change nothing; an acceptance must be idempotent: the same input
 * again adds nothing and updates nothing. Nothing may leak (ASan).
 * Corpus: fuzz/corpus/fuzz_location_csv/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "earshot/location.h"

static es_store_t *store;

static void count_cb(const es_location *l, void *ud)
{
    (void)l;
    (*(size_t *)ud)++;
}

static size_t count(void)
{
    size_t n = 0;
    es_location_filter f = {.all_locations = 1, .include_disabled = 1};
    if (es_location_list(store, &f, count_cb, &n))
        abort();
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store) {
        char dir[] = "/tmp/es_fuzz_loc_XXXXXX", path[64];
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof path, "%s/f.db", dir);
        if (es_store_open(path, &store))
            abort();
        (void)es_store_set_durable(store, 0);
    }
    char err[300] = "";
    es_location_import_result r;
    size_t before = count();
    es_err rc = es_location_import_csv(store, (const char *)data, size, 0, &r, err, sizeof err);
    if (rc) {
        if ((rc != ES_ENOMEM && strncmp(err, "row ", 4) != 0 && strncmp(err, "more than", 9) != 0) ||
            count() != before)
            abort();
        return 0;
    }
    if (count() != before + r.added)
        abort();
    if (es_location_import_csv(store, (const char *)data, size, 0, &r, err, sizeof err) ||
        r.added || r.updated)
        abort();
    return 0;
}
