/*
 * fuzz_csv.c - libFuzzer target for CSV ingest: the header row, the
 * mapping by header names, the row cutter (quoted line breaks) and the row
 * decoder with its dates, numbers and HTML entities. The input is a whole
 * CSV file. Corpus: fuzz/corpus/fuzz_csv/.
 */
#include "fuzz_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_ingest(data, size, ES_FORMAT_CSV, "fuzz.csv");
}
