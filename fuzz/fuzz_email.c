/*
 * fuzz_email.c - libFuzzer target for email ingest: the mbox cutter and
 * the GMime-based message decoder (headers, charsets, multipart bodies,
 * HTML stripping). The input is a whole mbox file; a file without "From "
 * lines is one message, as an .eml is. Corpus: fuzz/corpus/fuzz_email/.
 */
#include "fuzz_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_ingest(data, size, ES_FORMAT_MBOX, "fuzz.mbox");
}
