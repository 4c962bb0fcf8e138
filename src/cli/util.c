/*
 * util.c - helpers shared by the `earshot` commands (see util.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/util.h"
#include "earshot/ingest.h"

es_store_t *cli_store_open(const cli_ctx *ctx)
{
    es_store_t *s = NULL;
    es_err rc = es_store_open(ctx->db_path, &s);
    if (rc) {
        fprintf(stderr, "earshot: cannot open the store %s: %s\n", ctx->db_path,
                s ? es_store_errmsg(s) : es_strerror(rc));
        es_store_close(s);
        return NULL;
    }
    return s;
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* True when s is exactly "YYYY-MM-DD" with digits in the right places. */
static int is_plain_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

int cli_parse_date(const char *s, int end_of_day, int64_t *out)
{
    if (is_plain_date(s)) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        tm.tm_year = (int)strtol(s, NULL, 10) - 1900;
        tm.tm_mon = (int)strtol(s + 5, NULL, 10) - 1;
        tm.tm_mday = (int)strtol(s + 8, NULL, 10);
        if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
            return -1;
        *out = (int64_t)timegm(&tm) + (end_of_day ? 86400 : 0);
        return 0;
    }
    return es_time_parse(s, out) == ES_OK ? 0 : -1;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "earshot %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'earshot %s --help'.\n", cmd);
    return CLI_USAGE;
}

int cli_help(const char *const *lines)
{
    for (; *lines; lines++)
        puts(*lines);
    return CLI_OK;
}
