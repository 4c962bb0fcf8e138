/*
 * output.c - the table, CSV and JSON Lines writers of the `earshot` command
 * (see output.h). Every printing command (analyze, score, brand, query,
 * search, stats) goes through here, so quoting and escaping live in one place:
 * CSV follows RFC 4180 (a cell holding a comma, a quote, a line break or
 * leading/trailing space is quoted, quotes doubled); JSON is built and escaped
 * by jansson; tables are aligned on code points and cut long cells.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/output.h"
#include "earshot/earshot.h"
#include "earshot/text.h"

#define TABLE_CHUNK 512   /* rows buffered before a table is written */
#define TABLE_MAX_CELL 60 /* code points shown of one table cell */

struct cli_out {
    FILE *fp;
    cli_output fmt;
    const char *const *cols;
    size_t ncols;
    size_t col; /* the next cell of the current row */
    int err;    /* a write or an allocation failed */
    int header_done;
    json_t *obj;  /* JSON: the row being built */
    char **cells; /* table: TABLE_CHUNK * ncols buffered cells */
    size_t nrows;
    size_t *width;
};

/* ---- helpers ------------------------------------------------------------ */

double cli_round(double v, int decimals)
{
    double f = pow(10.0, decimals);
    double r = round(v * f) / f;
    return r == 0.0 ? 0.0 : r;
}

const char *cli_time_format(long long t, char *buf, size_t size)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (size)
        buf[0] = '\0';
    if (t == 0 || !gmtime_r(&tt, &tm))
        return buf;
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/* A copy of s[0..n) in which every byte that is not part of well-formed
 * UTF-8 is replaced by U+FFFD. The caller frees it with es_free. */
static char *utf8_lossy(const char *s, size_t n, size_t *out_len)
{
    char *o = es_malloc(n * 3 + 1);
    size_t len = 0;
    if (!o)
        return NULL;
    while (n > 0) {
        size_t bad = 0;
        if (es_utf8_check(s, n, &bad) == ES_OK)
            bad = n;
        memcpy(o + len, s, bad);
        len += bad;
        if (bad == n)
            break;
        memcpy(o + len, "\xEF\xBF\xBD", 3);
        len += 3;
        s += bad + 1;
        n -= bad + 1;
    }
    o[len] = '\0';
    *out_len = len;
    return o;
}

/* A JSON string for s, repairing invalid UTF-8 rather than failing. */
static json_t *json_str(const char *s)
{
    json_t *j = json_string(s);
    if (!j) {
        size_t len = 0;
        char *fixed = utf8_lossy(s, strlen(s), &len);
        if (fixed)
            j = json_stringn(fixed, len);
        es_free(fixed);
    }
    return j;
}

int cli_json_write_lossy(FILE *fp, const char *s, size_t n)
{
    size_t len = 0;
    char *fixed = utf8_lossy(s, n, &len);
    json_t *j = fixed ? json_stringn(fixed, len) : NULL;
    int rc = -1;
    if (j && json_dumpf(j, fp, JSON_ENCODE_ANY) == 0)
        rc = 0;
    json_decref(j);
    es_free(fixed);
    return rc;
}

int cli_output_parse(const char *name, cli_output *out)
{
    if (strcmp(name, "table") == 0)
        *out = CLI_OUT_TABLE;
    else if (strcmp(name, "csv") == 0)
        *out = CLI_OUT_CSV;
    else if (strcmp(name, "json") == 0 || strcmp(name, "jsonl") == 0)
        *out = CLI_OUT_JSON;
    else
        return -1;
    return 0;
}

/* ---- CSV ---------------------------------------------------------------- */

static void csv_cell(cli_out *o, const char *v, size_t n)
{
    int quote = n > 0 && (v[0] == ' ' || v[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        quote = v[i] == ',' || v[i] == '"' || v[i] == '\n' || v[i] == '\r';
    if (o->col > 0)
        fputc(',', o->fp);
    if (!quote) {
        fwrite(v, 1, n, o->fp);
        return;
    }
    fputc('"', o->fp);
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '"')
            fputc('"', o->fp);
        fputc(v[i], o->fp);
    }
    fputc('"', o->fp);
}

static void csv_header(cli_out *o)
{
    for (o->col = 0; o->col < o->ncols; o->col++)
        csv_cell(o, o->cols[o->col], strlen(o->cols[o->col]));
    fputc('\n', o->fp);
    o->col = 0;
}

/* ---- table -------------------------------------------------------------- */

/* Display width of a UTF-8 string, in code points (good enough for the
 * terminal output of a command-line tool). */
static size_t u8_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* A table cell: line breaks and tabs become spaces, and cells longer than
 * TABLE_MAX_CELL code points are cut with "...". */
static char *table_cell(const char *v)
{
    size_t n = strlen(v), cps = 0, i = 0;
    int cut = u8_width(v) > TABLE_MAX_CELL;
    char *c = es_malloc(n + 4);
    if (!c)
        return NULL;
    for (; i < n; i++) {
        unsigned char b = (unsigned char)v[i];
        if (cut && (b & 0xC0) != 0x80 && ++cps > TABLE_MAX_CELL - 3)
            break;
        c[i] = (b == '\n' || b == '\r' || b == '\t') ? ' ' : (char)b;
    }
    if (cut) {
        memcpy(c + i, "...", 3);
        i += 3;
    }
    c[i] = '\0';
    return c;
}

static void table_flush(cli_out *o)
{
    if (!o->header_done) {
        for (size_t c = 0; c < o->ncols; c++) {
            size_t w = u8_width(o->cols[c]);
            if (w > o->width[c])
                o->width[c] = w;
        }
    }
    for (size_t r = 0; r < o->nrows; r++)
        for (size_t c = 0; c < o->ncols; c++) {
            const char *cell = o->cells[r * o->ncols + c];
            size_t w = cell ? u8_width(cell) : 0;
            if (w > o->width[c])
                o->width[c] = w;
        }
    if (!o->header_done) {
        for (size_t c = 0; c < o->ncols; c++)
            fprintf(o->fp, "%-*s%s", c + 1 < o->ncols ? (int)o->width[c] : 0, o->cols[c],
                    c + 1 < o->ncols ? "  " : "\n");
        o->header_done = 1;
    }
    for (size_t r = 0; r < o->nrows; r++) {
        char **row = o->cells + r * o->ncols;
        size_t last = 0; /* no padding after the last non-empty cell */
        for (size_t c = 0; c < o->ncols; c++)
            if (row[c] && row[c][0])
                last = c;
        for (size_t c = 0; c < o->ncols; c++) {
            if (c <= last) {
                const char *cell = row[c] ? row[c] : "";
                fputs(cell, o->fp);
                if (c < last)
                    for (size_t pad = u8_width(cell); pad < o->width[c] + 2; pad++)
                        fputc(' ', o->fp);
            }
            es_free(row[c]);
            row[c] = NULL;
        }
        fputc('\n', o->fp);
    }
    o->nrows = 0;
}

/* ---- the writer --------------------------------------------------------- */

cli_out *cli_out_new(FILE *fp, cli_output fmt, const char *const *cols, size_t ncols)
{
    cli_out *o = es_calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->fp = fp;
    o->fmt = fmt;
    o->cols = cols;
    o->ncols = ncols;
    if (fmt == CLI_OUT_TABLE) {
        o->cells = es_calloc(TABLE_CHUNK * ncols, sizeof *o->cells);
        o->width = es_calloc(ncols, sizeof *o->width);
        if (!o->cells || !o->width) {
            cli_out_free(o);
            return NULL;
        }
    } else if (fmt == CLI_OUT_CSV) {
        csv_header(o);
    }
    return o;
}

/* Stores one cell given as text (table, CSV) or as JSON value j (JSON; the
 * writer takes the reference). */
static void put_cell(cli_out *o, const char *text, json_t *j)
{
    if (o->col >= o->ncols) {
        json_decref(j);
        o->err = 1; /* a caller bug: more cells than columns */
        return;
    }
    if (o->fmt == CLI_OUT_JSON) {
        if (!o->obj)
            o->obj = json_object();
        if (!o->obj || !j || json_object_set_new(o->obj, o->cols[o->col], j) != 0)
            o->err = 1;
    } else {
        json_decref(j);
        if (o->fmt == CLI_OUT_CSV) {
            csv_cell(o, text ? text : "", text ? strlen(text) : 0);
        } else {
            char *c = table_cell(text ? text : "");
            if (!c)
                o->err = 1;
            o->cells[o->nrows * o->ncols + o->col] = c;
        }
    }
    o->col++;
}

void cli_out_str(cli_out *o, const char *v)
{
    put_cell(o, v, o->fmt == CLI_OUT_JSON ? (v ? json_str(v) : json_null()) : NULL);
}

void cli_out_num(cli_out *o, double v, int decimals)
{
    char buf[64];
    v = cli_round(v, decimals);
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    put_cell(o, buf, o->fmt == CLI_OUT_JSON ? json_real(v) : NULL);
}

void cli_out_int(cli_out *o, long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    put_cell(o, buf, o->fmt == CLI_OUT_JSON ? json_integer(v) : NULL);
}

void cli_out_bool(cli_out *o, int v)
{
    put_cell(o, v ? "yes" : "no", o->fmt == CLI_OUT_JSON ? json_boolean(v) : NULL);
}

void cli_out_list(cli_out *o, const char *const *items, size_t n)
{
    if (o->fmt == CLI_OUT_JSON) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
            if (json_array_append_new(a, json_str(items[i])) != 0)
                o->err = 1;
        put_cell(o, NULL, a);
        return;
    }
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(items[i]) + 1;
    char *s = es_malloc(len), *p = s;
    if (!s) {
        o->err = 1;
        put_cell(o, "", NULL);
        return;
    }
    *p = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(items[i]);
        if (i > 0)
            *p++ = ',';
        memcpy(p, items[i], l + 1);
        p += l;
    }
    put_cell(o, s, NULL);
    es_free(s);
}

void cli_out_json(cli_out *o, struct json_t *j)
{
    if (!j) {
        o->err = 1;
        put_cell(o, "", NULL);
        return;
    }
    if (o->fmt == CLI_OUT_JSON) {
        put_cell(o, NULL, j);
        return;
    }
    size_t need = json_dumpb(j, NULL, 0, JSON_COMPACT);
    char *text = need ? es_malloc(need + 1) : NULL;
    if (text)
        text[json_dumpb(j, text, need, JSON_COMPACT)] = '\0';
    else
        o->err = 1;
    put_cell(o, text ? text : "", NULL);
    es_free(text);
    json_decref(j);
}

void cli_out_ids(cli_out *o, const uint32_t *ids, size_t n)
{
    if (o->fmt == CLI_OUT_JSON) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
            if (json_array_append_new(a, json_integer(ids[i])) != 0)
                o->err = 1;
        put_cell(o, NULL, a);
        return;
    }
    char buf[1024];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len + 12 < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%u", i ? "," : "", ids[i]);
    put_cell(o, buf, NULL);
}

void cli_out_csvlist(cli_out *o, const char *joined)
{
    if (o->fmt != CLI_OUT_JSON) {
        put_cell(o, joined ? joined : "", NULL);
        return;
    }
    json_t *a = json_array();
    const char *p = joined ? joined : "";
    while (a && *p) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l > 0 && json_array_append_new(a, json_stringn(p, l)) != 0)
            o->err = 1;
        p += l + (e != NULL);
    }
    put_cell(o, NULL, a);
}

int cli_out_end_row(cli_out *o)
{
    while (o->col < o->ncols)
        cli_out_str(o, NULL); /* missing cells stay empty */
    if (o->fmt == CLI_OUT_JSON) {
        if (o->obj && json_dumpf(o->obj, o->fp,
                                 JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) != 0)
            o->err = 1;
        fputc('\n', o->fp);
        json_decref(o->obj);
        o->obj = NULL;
    } else if (o->fmt == CLI_OUT_CSV) {
        fputc('\n', o->fp);
    } else if (++o->nrows == TABLE_CHUNK) {
        table_flush(o);
    }
    o->col = 0;
    if (ferror(o->fp))
        o->err = 1;
    return o->err ? -1 : 0;
}

int cli_out_finish(cli_out *o)
{
    if (o->fmt == CLI_OUT_TABLE && (o->nrows > 0 || !o->header_done))
        table_flush(o);
    if (fflush(o->fp) != 0 || ferror(o->fp))
        o->err = 1;
    return o->err ? -1 : 0;
}

void cli_out_free(cli_out *o)
{
    if (!o)
        return;
    json_decref(o->obj);
    if (o->cells)
        for (size_t i = 0; i < TABLE_CHUNK * o->ncols; i++)
            es_free(o->cells[i]);
    es_free(o->cells);
    es_free(o->width);
    es_free(o);
}
