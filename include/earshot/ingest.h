/*
 * ingest.h - reading mentions from files and streams (L1).
 *
 * Reading is split in two so that decoding can run on several threads:
 *  - a reader cuts the input into records (a line of JSON Lines, a row of
 *    CSV with its quoted line breaks, one email message or one mbox message);
 *  - a decoder turns one record into zero or more mentions (a paged Twitter
 *    response holds many). A decoder is immutable and thread-safe.
 *
 * Formats: earshot's canonical JSON (docs/mention-schema.md), Twitter/X API
 * v2 and v1.1, Meta webhook payloads, CSV with a column mapping, RFC 5322
 * email and mbox. JSON Lines formats are recognised record by record.
 */
#ifndef EARSHOT_INGEST_H
#define EARSHOT_INGEST_H

#include <stdio.h>

#include "arena.h"
#include "earshot.h"
#include "mention.h"

typedef enum es_format {
    ES_FORMAT_AUTO = 0, /* JSON Lines of any JSON format, or by file name */
    ES_FORMAT_CANONICAL,
    ES_FORMAT_TWITTER_V2,
    ES_FORMAT_TWITTER_V1,
    ES_FORMAT_META,
    ES_FORMAT_CSV,
    ES_FORMAT_EMAIL,
    ES_FORMAT_MBOX
} es_format;

/* "auto", "jsonl" (= canonical), "twitter-v2", "twitter-v1", "meta", "csv",
 * "email", "mbox". ES_EINVAL for another name. */
es_err es_format_parse(const char *name, es_format *out) ES_WUR;
const char *es_format_name(es_format f);

typedef struct es_reader_opts {
    es_format format;   /* ES_FORMAT_AUTO guesses from the name (.csv, .eml,
                           .mbox) and otherwise reads JSON Lines */
    const char *source; /* the source of mentions whose format does not say
                           it (CSV, email), or NULL for the format's default */
    const char *map;    /* CSV column mapping "id=tweet_id,text=text,..." */
} es_reader_opts;

/* One record cut from the input. raw is valid until the next call on the
 * reader. line is the 1-based line where the record starts. */
typedef struct es_record {
    const char *raw;
    size_t len;
    long line;
    int format; /* es_format the reader decided for this record */
} es_record;

typedef struct es_reader_s es_reader_t;
typedef struct es_decoder_s es_decoder_t;

/* Opens a reader over fp (not closed by the reader); name is used for format
 * guessing and messages. For CSV the header row is read here and checked
 * against the mapping. On failure err receives the reason. Free with
 * es_reader_free. */
es_err es_reader_open(FILE *fp, const char *name, const es_reader_opts *opts, es_reader_t **out,
                      char *err, size_t errlen) ES_WUR;
void es_reader_free(es_reader_t *r);

/* Cuts the next record. Returns ES_OK, ES_END at the end of input, or
 * ES_REJECTED when the record cannot even be cut (over ES_MAX_RECORD, an
 * unterminated quoted CSV field at end of file): then *rec holds what was
 * read and es_reader_errmsg the reason, and the next call goes on after it.
 * ES_EIO on a read error. */
es_err es_reader_next(es_reader_t *r, es_record *rec) ES_WUR;
const char *es_reader_errmsg(const es_reader_t *r);

/* Bytes consumed so far, and the total when the input is a regular file (0
 * otherwise): for progress. */
uint64_t es_reader_offset(const es_reader_t *r);
uint64_t es_reader_total(const es_reader_t *r);

/* 1 when the input is a pipe or terminal with nothing buffered and no byte
 * arrived within timeout_ms (the next es_reader_next would wait); 0 when a
 * record can be cut at once, at the end, or for a regular file. Lets a
 * caller commit what it holds while a slow stream is silent. */
int es_reader_idle(es_reader_t *r, int timeout_ms);

/* The reader's decoder, valid as long as the reader. Thread-safe. */
const es_decoder_t *es_reader_decoder(const es_reader_t *r);

/* Decodes one record into mentions allocated in a: *ms receives an array of
 * *n mentions (n may be 0 for a record with nothing to keep, such as a Meta
 * delivery with no message). received_at is set to now; created_at defaults
 * to it. ES_REJECTED when the record is malformed (bad JSON, invalid UTF-8,
 * missing text or id, a field over its limit): *reason says what and where,
 * "invalid UTF-8 at byte 43", allocated in a. ES_ENOMEM. */
es_err es_decode(const es_decoder_t *d, const es_record *rec, es_arena_t *a, es_mention_t **ms,
                 size_t *n, const char **reason) ES_WUR;

/* A decoder of its own, for records that do not come from a reader (a
 * webhook's body): opts->format ES_FORMAT_AUTO recognises each JSON record's
 * format by its keys; opts->source as for a reader; opts->map is ignored.
 * ES_EUNSUPPORTED for CSV (its decoder needs a header row), ES_EINVAL for an
 * unknown format, ES_ENOMEM. Records given to es_decode must have format 0
 * (or their own). The decoder is immutable and thread-safe; free it with
 * es_decoder_free. */
es_err es_decoder_new(const es_reader_opts *opts, es_decoder_t **out) ES_WUR;
void es_decoder_free(es_decoder_t *d);

/* Parses a date in any form the formats use (ISO 8601 / RFC 3339, Twitter's
 * "Wed Oct 10 20:19:24 +0000 2018", "2015-02-24 11:35:52 -0800", RFC 5322,
 * Unix seconds) into Unix seconds UTC. ES_EPARSE otherwise. */
es_err es_time_parse(const char *s, int64_t *out) ES_WUR;

#endif
