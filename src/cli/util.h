/*
 * util.h - small helpers shared by the commands of `earshot`: opening the
 * store named by --db, reading numbers and dates from arguments, and usage
 * errors. Used from the main thread only.
 */
#ifndef ES_CLI_UTIL_H
#define ES_CLI_UTIL_H

#include <stdint.h>

#include "cli/cli.h"
#include "earshot/store.h"

/* Opens (creating when needed) the store at ctx->db_path. On failure says
 * why on stderr and returns NULL. Close it with es_store_close. */
es_store_t *cli_store_open(const cli_ctx *ctx);

/* Parses a decimal integer in [min, max]. Returns 0, or -1. */
int cli_parse_long(const char *s, long min, long max, long *out);

/* Parses a date for --since/--until: YYYY-MM-DD (midnight UTC; with
 * end_of_day, midnight at the end of that day, so the day is included) or
 * any form es_time_parse knows. Returns 0, or -1. */
int cli_parse_date(const char *s, int end_of_day, int64_t *out);

/* Prints "earshot CMD: MESSAGE" and a hint to --help on stderr; returns
 * CLI_USAGE so that a command can `return cli_usage(...)`. */
int cli_usage(const char *cmd, const char *fmt, ...) ES_PRINTF(2, 3);

/* Prints the help text of a command (a NULL-terminated list of lines) on
 * stdout and returns CLI_OK. */
int cli_help(const char *const *lines);

#endif
