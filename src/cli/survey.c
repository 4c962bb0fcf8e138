/*
 * survey.c - `earshot survey import FILE.csv`: loads survey responses from
 * a CSV file (columns in docs/scores.md, "Importing responses") into the
 * store, all or nothing: every row is checked first (es_survey_import_parse,
 * then each location looked up), errors are listed with their row and
 * column, and only a clean file is added, in one transaction, through
 * es_survey_response_add (channel "import", the id column as the external
 * id, so importing the same file twice adds nothing the second time).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/util.h"
#include "earshot/location.h"
#include "earshot/survey.h"

static const char *const import_help[] = {
    "usage: earshot [--db FILE] survey import FILE.csv [--survey ID]",
    "",
    "Imports survey responses from CSV into the default survey (or survey ID). The",
    "header names the columns: id, location (code or key), started (ISO 8601 or Unix",
    "seconds) are required; completed, contact and the survey's question keys",
    "(overall, recommend, ...) are optional; an empty cell is no answer. The whole",
    "file is checked first: on any error nothing is stored and every error is",
    "listed with its row and column (exit status 2). Importing a file again adds",
    "only the rows whose id is new. See docs/scores.md.",
    NULL};

/* Reads the whole file (at most ES_SURVEY_IMPORT_MAX_BYTES + 1 bytes). */
static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0 || n > ES_SURVEY_IMPORT_MAX_BYTES)
            break;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb, cap *= 2;
        }
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

typedef struct ctx_survey {
    es_survey_import *im;
    const char *data;
    size_t len;
    int64_t *loc_ids;
    int rc;
    size_t fresh;
} ctx_survey;

static void take_id(const es_location *l, void *ud)
{
    *(int64_t *)ud = l->id;
}

/* Parses the file against sv and looks up every row's location. */
static void check(const es_survey *sv, void *ud)
{
    ctx_survey *c = ud;
    es_err rc = es_survey_import_parse(c->data, c->len, sv, &c->im);
    if (rc) {
        fprintf(stderr, "earshot survey: %s\n",
                rc == ES_ELIMIT ? "the file is too large (64 MiB or 500,000 rows at most)"
                                : "out of memory");
        c->rc = CLI_FAIL;
    }
}

/* Prints the import's errors; returns the count. */
static size_t print_errors(const es_survey_import *im)
{
    size_t n = es_survey_import_errors(im);
    for (size_t i = 0; i < n && i < ES_SURVEY_IMPORT_MAX_ERRORS; i++)
        fprintf(stderr, "earshot survey: %s\n", es_survey_import_error_at(im, i));
    if (n > ES_SURVEY_IMPORT_MAX_ERRORS)
        fprintf(stderr, "earshot survey: ... and %zu more errors\n",
                n - ES_SURVEY_IMPORT_MAX_ERRORS);
    if (n)
        fprintf(stderr, "earshot survey: nothing was imported\n");
    return n;
}

/* Looks up the rows' locations (errors go into the import). */
static es_err resolve(es_store_t *s, ctx_survey *c)
{
    size_t n = es_survey_import_rows(c->im);
    c->loc_ids = calloc(n ? n : 1, sizeof *c->loc_ids);
    if (!c->loc_ids)
        return ES_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const es_survey_import_row *r = es_survey_import_row_at(c->im, i);
        const es_survey_import_row *p = i ? es_survey_import_row_at(c->im, i - 1) : NULL;
        if (!r->location)
            continue;
        if (p && p->location && strcmp(r->location, p->location) == 0) {
            c->loc_ids[i] = c->loc_ids[i - 1];
            continue;
        }
        es_err rc = es_location_find(s, r->location, take_id, &c->loc_ids[i]);
        if (rc == ES_ENOTFOUND) {
            char msg[ES_LOCATION_KEY_MAX + 64];
            snprintf(msg, sizeof msg, "no location '%s' (a code or a key)", r->location);
            es_survey_import_error_add(c->im, r->row, "location", msg);
        } else if (rc) {
            return rc;
        }
    }
    return ES_OK;
}

/* Adds every row in one transaction. */
static es_err add_all(es_store_t *s, int64_t survey_id, ctx_survey *c)
{
    es_err rc = es_store_begin(s);
    for (size_t i = 0; !rc && i < es_survey_import_rows(c->im); i++) {
        const es_survey_import_row *r = es_survey_import_row_at(c->im, i);
        es_survey_response resp = {
            0, survey_id, c->loc_ids[i], "import",     r->id,        r->contact,
            0, 0,         r->started,    r->completed, r->n_answers, r->answers};
        int fresh = 0;
        rc = es_survey_response_add(s, &resp, NULL, &fresh);
        c->fresh += (size_t)fresh;
    }
    if (rc) {
        es_store_rollback(s);
        return rc;
    }
    return es_store_commit(s);
}

static void take_survey_id(const es_survey *sv, void *ud)
{
    *(int64_t *)ud = sv->id;
}

/* `earshot survey import FILE [--survey ID]`. */
static int do_import(cli_ctx *ctx, const char *path, long survey)
{
    ctx_survey c = {0};
    if (!(c.data = slurp(path, &c.len))) {
        fprintf(stderr, "earshot survey: %s: %s\n", path, strerror(errno ? errno : EIO));
        return CLI_FAIL;
    }
    es_store_t *s = cli_store_open(ctx);
    int64_t sid = 0;
    int rc = s ? CLI_OK : CLI_FAIL;
    es_err e = s ? es_survey_get(s, survey, check, &c) : ES_OK;
    if (!e && s)
        e = es_survey_get(s, survey, take_survey_id, &sid);
    if (!e && !c.rc && c.im)
        e = resolve(s, &c);
    if (e) {
        fprintf(stderr, "earshot survey: %s\n", es_store_errmsg(s));
        rc = CLI_FAIL;
    } else if (c.rc || !c.im) {
        rc = CLI_FAIL;
    } else if (print_errors(c.im)) {
        rc = CLI_FAIL;
    } else if ((e = add_all(s, sid, &c)) != ES_OK) {
        fprintf(stderr, "earshot survey: %s; nothing was imported\n", es_store_errmsg(s));
        rc = CLI_FAIL;
    } else if (!ctx->quiet) {
        size_t n = es_survey_import_rows(c.im);
        printf("%zu rows: %zu new, %zu imported before\n", n, c.fresh, n - c.fresh);
    }
    es_survey_import_free(c.im);
    free(c.loc_ids);
    free((char *)c.data);
    es_store_close(s);
    return rc;
}

/* See cli.h. argv: import FILE.csv [--survey ID]. */
int cli_survey_import(cli_ctx *ctx, int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return cli_help(import_help);
    if (argc < 2)
        return cli_usage("survey", "expected: survey import FILE.csv [--survey ID]");
    long survey = 0;
    if (argc == 4 && strcmp(argv[2], "--survey") == 0) {
        if (cli_parse_long(argv[3], 1, 1L << 40, &survey))
            return cli_usage("survey", "--survey takes a survey id");
    } else if (argc != 2) {
        return cli_usage("survey", "unexpected argument '%s'", argv[2]);
    }
    return do_import(ctx, argv[1], survey);
}
