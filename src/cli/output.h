/*
 * output.h - the writers behind every printing command's `--output
 * table|csv|json`. A command describes its columns once, then gives the cells
 * of each row in column order; the writer takes care of CSV quoting (RFC
 * 4180), JSON escaping (jansson; one object per line) and table alignment.
 *
 * A writer is used by one thread. Table output is buffered in chunks of rows
 * so that column widths fit the data without holding a whole stream.
 */
#ifndef ES_CLI_OUTPUT_H
#define ES_CLI_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "cli/cli.h"

typedef struct cli_out cli_out;

/* Parses "table", "csv" or "json" (also "jsonl"). Returns -1 otherwise. */
int cli_output_parse(const char *name, cli_output *out);

/* Creates a writer of ncols columns named cols (the strings must outlive the
 * writer) onto fp. CSV writes the header row at once. NULL when out of
 * memory. Free with cli_out_free after cli_out_finish. */
cli_out *cli_out_new(FILE *fp, cli_output fmt, const char *const *cols, size_t ncols);

/* The cells of the current row, in column order. A NULL string is JSON null
 * and an empty cell elsewhere. cli_out_num rounds v to `decimals` places. */
void cli_out_str(cli_out *o, const char *v);
void cli_out_num(cli_out *o, double v, int decimals);
void cli_out_int(cli_out *o, long long v);
void cli_out_bool(cli_out *o, int v);
/* A list: a JSON array of strings, or the items joined by "," elsewhere. */
void cli_out_list(cli_out *o, const char *const *items, size_t n);
/* Any JSON value (the writer takes the reference; NULL counts as out of
 * memory): itself in JSON, its compact text elsewhere. */
struct json_t;
void cli_out_json(cli_out *o, struct json_t *j);
/* A list of numbers: a JSON array, or joined by "," elsewhere. */
void cli_out_ids(cli_out *o, const uint32_t *ids, size_t n);
/* A list given as one comma-separated string ("repeat,churn"; "" or NULL for
 * none), as es_cues_format writes it. */
void cli_out_csvlist(cli_out *o, const char *joined);

/* Ends the row and writes it (JSON, CSV) or buffers it (table). Returns 0, or
 * -1 when out of memory or writing failed. */
int cli_out_end_row(cli_out *o);

/* Writes what is buffered and flushes fp. Returns 0, or -1 when a write
 * failed (disk full, closed pipe) or memory ran out earlier. */
int cli_out_finish(cli_out *o);
void cli_out_free(cli_out *o);

/* Rounds v to `decimals` places, turning -0 into 0. */
double cli_round(double v, int decimals);

/* Formats Unix seconds as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21
 * bytes); 0 gives "". Returns buf. */
const char *cli_time_format(long long t, char *buf, size_t size);

/* Writes s[0..n) as one JSON string to fp (with the quotes), replacing any
 * invalid UTF-8 byte by U+FFFD. Returns 0 or -1 on a write error or when out
 * of memory. For the reject file, whose records may be anything. */
int cli_json_write_lossy(FILE *fp, const char *s, size_t n);

#endif
