/*
 * survey_import.c - reading survey responses from a CSV file
 * (es_survey_import_parse in include/earshot/survey.h) for `earshot survey
 * import FILE.csv`. libcsv cuts the fields (quotes, doubled quotes, line
 * breaks in quotes); this file maps the header to the survey's questions,
 * checks every cell (es_survey_answer_parse for answers) and keeps the rows
 * only when no row has an error, so that an import is all or nothing. The
 * store is not touched here: the command resolves locations and adds the
 * responses in one transaction. Input is untrusted: fuzz/fuzz_survey_import.c.
 */
#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/ingest.h"
#include "earshot/location.h"
#include "earshot/survey.h"

#define MAX_COLS 32
#define MAX_ROWS 500000 /* rows of one import (about 300 MB kept at most) */

/* What a column holds: one of these, or a question index (>= 0). */
enum { COL_ID = -1, COL_LOCATION = -2, COL_STARTED = -3, COL_COMPLETED = -4, COL_CONTACT = -5 };

/* One row kept: the public row and the cells it points into. */
typedef struct kept {
    es_survey_import_row r;
    char *cell[MAX_COLS];
} kept;

struct es_survey_import {
    const es_survey *sv;
    int col[MAX_COLS];
    size_t ncols;
    int header_done;
    int header_bad;       /* rows are not read after a bad header */
    char *cell[MAX_COLS]; /* the row being read */
    size_t ncell, extra;  /* cells kept, cells beyond MAX_COLS */
    size_t row;           /* rows read, the header included */
    kept *rows;
    size_t n, cap;
    char *err[ES_SURVEY_IMPORT_MAX_ERRORS];
    size_t nerr;
    es_err rc; /* ES_ENOMEM when an allocation failed */
};

/* See survey.h. */
void es_survey_import_error_add(es_survey_import *im, size_t row, const char *column,
                                const char *msg)
{
    if (im->nerr < ES_SURVEY_IMPORT_MAX_ERRORS) {
        char buf[512];
        if (column)
            snprintf(buf, sizeof buf, "row %zu, column %s: %s", row, column, msg);
        else
            snprintf(buf, sizeof buf, "row %zu: %s", row, msg);
        im->err[im->nerr] = strdup(buf);
        if (!im->err[im->nerr])
            im->rc = ES_ENOMEM;
    }
    im->nerr++;
}

/* Like es_survey_import_error_add with a printf message. */
static void fail(es_survey_import *im, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(es_survey_import *im, const char *column, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    es_survey_import_error_add(im, im->row, column, msg);
}

/* The name of column c, for messages. */
static const char *col_name(const es_survey_import *im, size_t c)
{
    static const char *const fixed[] = {"id", "location", "started", "completed", "contact"};
    int k = im->col[c];
    return k >= 0 ? im->sv->q[k].key : fixed[-k - 1];
}

static void drop_cells(es_survey_import *im)
{
    for (size_t i = 0; i < im->ncell; i++)
        free(im->cell[i]);
    im->ncell = im->extra = 0;
}

/* libcsv's field callback: keeps a copy of the cell. */
static void on_field(void *s, size_t len, void *ud)
{
    es_survey_import *im = ud;
    if (im->ncell == MAX_COLS) {
        im->extra++;
        return;
    }
    char *c = malloc(len + 1);
    if (!c) {
        im->rc = ES_ENOMEM;
        return;
    }
    if (len)
        memcpy(c, s, len);
    c[len] = '\0';
    if (memchr(c, '\0', len)) /* a NUL byte inside: refused below as a bad cell */
        c[0] = '\x01';
    im->cell[im->ncell++] = c;
}

/* Maps the header's names to columns. */
static void read_header(es_survey_import *im)
{
    static const char *const fixed[] = {"id", "location", "started", "completed", "contact"};
    int seen_id = 0, seen_loc = 0, seen_started = 0;
    if (im->extra)
        fail(im, NULL, "more than %d columns", MAX_COLS);
    for (size_t c = 0; c < im->ncell; c++) {
        const char *name = im->cell[c];
        int k = 0, found = 0;
        for (int f = 0; f < 5 && !found; f++)
            if (strcmp(name, fixed[f]) == 0)
                k = -f - 1, found = 1;
        for (size_t q = 0; q < im->sv->n_questions && !found; q++)
            if (strcmp(name, im->sv->q[q].key) == 0)
                k = (int)q, found = 1;
        if (!found) {
            fail(im, NULL,
                 "unknown column '%.64s' (id, location, started, completed, contact"
                 " or a question key of the survey)",
                 name);
            continue;
        }
        for (size_t p = 0; p < c; p++)
            if (im->col[p] == k)
                fail(im, NULL, "column %.64s appears twice", name);
        im->col[c] = k;
        seen_id |= k == COL_ID, seen_loc |= k == COL_LOCATION, seen_started |= k == COL_STARTED;
    }
    im->ncols = im->ncell;
    if (!seen_id || !seen_loc || !seen_started)
        fail(im, NULL, "the header needs the columns id, location and started");
    im->header_bad = im->nerr > 0;
}

/* Parses a time cell: Unix seconds or what es_time_parse reads. */
static int parse_time(const char *v, int64_t *out)
{
    size_t n = strlen(v);
    if (n && n <= 12 && strspn(v, "0123456789") == n) {
        *out = strtoll(v, NULL, 10);
        return 0;
    }
    return es_time_parse(v, out) == ES_OK && *out > 0 ? 0 : -1;
}

/* Checks cell v of column c into row r. */
static void read_cell(es_survey_import *im, kept *k, size_t c)
{
    const char *v = k->cell[c], *name = col_name(im, c);
    int kind = im->col[c];
    if (v[0] == '\x01')
        return fail(im, name, "a NUL byte in the cell");
    if (kind == COL_ID || kind == COL_LOCATION || kind == COL_CONTACT) {
        size_t max = kind == COL_ID         ? ES_SURVEY_EXTID_MAX
                     : kind == COL_LOCATION ? ES_LOCATION_KEY_MAX
                                            : 254;
        if ((kind != COL_CONTACT && !*v) || strlen(v) > max)
            return fail(im, name, "empty or longer than %zu bytes", max);
        *(kind == COL_ID         ? &k->r.id
          : kind == COL_LOCATION ? &k->r.location
                                 : &k->r.contact) = *v ? v : NULL;
        return;
    }
    if (kind == COL_STARTED || kind == COL_COMPLETED) {
        if ((*v || kind == COL_STARTED) &&
            parse_time(v, kind == COL_STARTED ? &k->r.started : &k->r.completed))
            fail(im, name, "'%.40s' is not a time (ISO 8601 or Unix seconds)", v);
        return;
    }
    if (!*v || kind < 0)
        return;
    const es_survey_question *q = &im->sv->q[kind];
    es_survey_answer *a = &k->r.answers[k->r.n_answers];
    char hint[160];
    if (es_survey_answer_parse(q, v, &a->value, &a->has_value, hint, sizeof hint))
        return fail(im, name, "%s", hint);
    a->position = q->position;
    a->text = q->kind == ES_Q_TEXT ? v : NULL;
    k->r.n_answers++;
}

/* libcsv's end-of-row callback: the header, or a row checked and kept. */
static void on_row(int ch, void *ud)
{
    es_survey_import *im = ud;
    (void)ch;
    im->row++;
    if (im->rc || im->header_bad)
        return drop_cells(im);
    if (!im->header_done) {
        im->header_done = 1;
        read_header(im);
        return drop_cells(im);
    }
    if (im->ncell != im->ncols || im->extra) {
        fail(im, NULL, "%zu cells, the header has %zu", im->ncell + im->extra, im->ncols);
        return drop_cells(im);
    }
    if (im->n == im->cap) {
        size_t cap = im->cap ? im->cap * 2 : 64;
        kept *nr = cap <= MAX_ROWS ? realloc(im->rows, cap * sizeof *nr) : NULL;
        if (!nr) {
            im->rc = cap > MAX_ROWS ? ES_ELIMIT : ES_ENOMEM;
            return drop_cells(im);
        }
        im->rows = nr, im->cap = cap;
    }
    kept *k = memset(&im->rows[im->n++], 0, sizeof *k);
    k->r.row = im->row;
    memcpy(k->cell, im->cell, im->ncell * sizeof *im->cell);
    im->ncell = 0;
    size_t before = im->nerr;
    for (size_t c = 0; c < im->ncols; c++)
        read_cell(im, k, c);
    if (before == im->nerr && k->r.completed && k->r.completed < k->r.started)
        fail(im, "completed", "before started");
}

/* Frees the kept rows (after errors, or at the end). */
static void drop_rows(es_survey_import *im)
{
    for (size_t i = 0; i < im->n; i++)
        for (size_t c = 0; c < MAX_COLS; c++)
            free(im->rows[i].cell[c]);
    free(im->rows);
    im->rows = NULL;
    im->n = im->cap = 0;
}

/* See survey.h. */
es_err es_survey_import_parse(const char *data, size_t len, const es_survey *sv,
                              es_survey_import **out)
{
    *out = NULL;
    if (len > ES_SURVEY_IMPORT_MAX_BYTES)
        return ES_ELIMIT;
    es_survey_import *im = calloc(1, sizeof *im);
    if (!im)
        return ES_ENOMEM;
    im->sv = sv;
    *out = im;
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return ES_ENOMEM;
    if (csv_parse(&p, data, len, on_field, on_row, im) != len ||
        csv_fini(&p, on_field, on_row, im) != 0) {
        im->row++;
        fail(im, NULL, "malformed CSV (%s)", csv_strerror(csv_error(&p)));
    }
    csv_free(&p);
    drop_cells(im);
    if (!im->header_done && !im->rc)
        fail(im, NULL, "the file is empty: it needs a header");
    if (im->rc)
        drop_rows(im);
    return im->rc;
}

/* See survey.h. */
size_t es_survey_import_rows(const es_survey_import *im)
{
    return im->n;
}

/* See survey.h. */
const es_survey_import_row *es_survey_import_row_at(const es_survey_import *im, size_t i)
{
    return i < es_survey_import_rows(im) ? &im->rows[i].r : NULL;
}

/* See survey.h. */
size_t es_survey_import_errors(const es_survey_import *im)
{
    return im->nerr;
}

/* See survey.h. */
const char *es_survey_import_error_at(const es_survey_import *im, size_t i)
{
    return i < im->nerr && i < ES_SURVEY_IMPORT_MAX_ERRORS ? im->err[i] : NULL;
}

/* See survey.h. */
void es_survey_import_free(es_survey_import *im)
{
    if (!im)
        return;
    drop_cells(im);
    drop_rows(im);
    for (size_t i = 0; i < im->nerr && i < ES_SURVEY_IMPORT_MAX_ERRORS; i++)
        free(im->err[i]);
    free(im);
}
