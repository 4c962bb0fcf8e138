/*
 * ingest.h - what the files of src/ingest/ share (internal).
 *
 * reader.c cuts records and owns the decoder; es_decode (reader.c) checks a
 * record and hands it to the decoder of its format: canonical.c, twitter.c,
 * meta.c (JSON, parsed once by reader.c), csv.c and email.c. Every decoder
 * writes mentions and their strings into the caller's arena and reports a
 * malformed record through es__ingest_reject, which formats the reason
 * ("line 17: missing text") in the same arena.
 */
#ifndef ES_INGEST_INGEST_H
#define ES_INGEST_INGEST_H

#include <jansson.h>

#include "earshot/ingest.h"

/* The CSV mapping: for each mention field, the header column it comes from. */
enum {
    ES__F_ID = 0,
    ES__F_TEXT,
    ES__F_AUTHOR,
    ES__F_AUTHOR_NAME,
    ES__F_FOLLOWERS,
    ES__F_CREATED_AT,
    ES__F_LANG,
    ES__F_URL,
    ES__F_REPLY_TO,
    ES__F_LOCATION,
    ES__F_BRAND_HINT,
    ES__F_SOURCE,
    ES__F_CONVERSATION,
    ES__F_COUNT
};

/* The decoder: immutable once the reader is open, so any number of threads
 * may decode with it at once. */
struct es_decoder_s {
    es_format format;         /* what the reader was opened with */
    const char *source;       /* --source, or NULL for each format's default */
    int csv_col[ES__F_COUNT]; /* column index per field, -1 when unmapped */
    int csv_ncols;            /* columns in the header */
};

/* The state of decoding one record. */
typedef struct es__dctx {
    const es_decoder_t *d;
    const es_record *rec;
    es_arena_t *a;
    const char **reason;
    int64_t now;
} es__dctx;

/* Field names as the schema and the CSV mapping spell them ("author_name"). */
extern const char *const es__ingest_field_names[ES__F_COUNT];

/* Formats "line N: <fmt>" into the arena as the reason of the rejection and
 * returns ES_REJECTED, or ES_ENOMEM when the arena is full. */
es_err es__ingest_reject(es__dctx *c, const char *fmt, ...) ES_PRINTF(2, 3) ES_WUR;
/* The same, for a problem found at a given line of a multi-line record. */
es_err es__ingest_reject_at(es__dctx *c, long line, const char *fmt, ...) ES_PRINTF(3, 4) ES_WUR;

/* Checks s[0..n) (valid UTF-8, no NUL, at most max bytes) and copies it
 * into the arena as field `name`. An empty s gives NULL. ES_REJECTED with
 * the reason, ES_ENOMEM. */
es_err es__ingest_str(es__dctx *c, const char *name, const char *s, size_t n, size_t max,
                      const char **out) ES_WUR;

/* Like es__ingest_str, decoding HTML character references first (texts of
 * Twitter and of CSV exports carry &amp;). */
es_err es__ingest_text_html(es__dctx *c, const char *s, size_t n, const char **out) ES_WUR;

/* Sets a mention field from a JSON value that must be a string (or absent /
 * null). Numbers are accepted for ids (they become decimal text). */
es_err es__ingest_json_str(es__dctx *c, const char *name, const json_t *v, size_t max,
                           const char **out) ES_WUR;

/* Sets created_at from a JSON string (any es_time_parse form) or a number of
 * Unix seconds; absent leaves *out unchanged. */
es_err es__ingest_json_time(es__dctx *c, const char *name, const json_t *v, int64_t *out) ES_WUR;

/* Allocates n initialised mentions (source, received_at and created_at set
 * from the context) in the arena. NULL when out of memory. */
es_mention_t *es__ingest_mentions(es__dctx *c, size_t n, const char *source);

/* The source for formats that do not say it: a copy of --source in the
 * arena, or dflt (static). NULL when out of memory. */
const char *es__ingest_source(es__dctx *c, const char *dflt);

/* Checks that the required fields of m are there (id, text) and returns
 * ES_REJECTED with "missing text" otherwise. */
es_err es__ingest_require(es__dctx *c, const es_mention_t *m) ES_WUR;

/* The decoders of each format: fill *ms / *n or reject. */
es_err es__ingest_canonical(es__dctx *c, json_t *root, es_mention_t **ms, size_t *n) ES_WUR;
/* jansson's memory during a decode (jsonmem.c). install sets the hooks once
 * per process (call it before threads decode); begin makes jansson allocate
 * from this thread's scratch block until end, when the parsed tree has been
 * freed. begin returns NULL when there is no block (jansson then uses
 * malloc); end takes what begin returned. Thread-safe, per thread. */
void es__ingest_jmem_install(void);
void *es__ingest_jmem_begin(void);
void es__ingest_jmem_end(void *mem);

es_err es__ingest_twitter_v2(es__dctx *c, json_t *root, es_mention_t **ms, size_t *n) ES_WUR;
es_err es__ingest_twitter_v1(es__dctx *c, json_t *root, es_mention_t **ms, size_t *n) ES_WUR;
es_err es__ingest_meta(es__dctx *c, json_t *root, es_mention_t **ms, size_t *n) ES_WUR;
es_err es__ingest_csv(es__dctx *c, es_mention_t **ms, size_t *n) ES_WUR;
es_err es__ingest_email(es__dctx *c, es_mention_t **ms, size_t *n) ES_WUR;

/* CSV header and mapping (csv.c): parses the header row and the mapping
 * spec (NULL: columns named like fields map to them) into d. On failure
 * writes the reason into err. */
es_err es__ingest_csv_setup(es_decoder_t *d, const char *header, size_t len, const char *map,
                            char *err, size_t errlen) ES_WUR;

#endif
