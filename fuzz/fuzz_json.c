/*
 * fuzz_json.c - libFuzzer target for the JSON Lines path of ingest: the
 * record cutter and every JSON decoder (canonical, Twitter v2 and v1.1,
 * Meta), chosen per line by auto-detection. The input is a whole file.
 * Corpus: fuzz/corpus/fuzz_json/.
 */
#include "fuzz_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_ingest(data, size, ES_FORMAT_AUTO, "fuzz.jsonl");
}
