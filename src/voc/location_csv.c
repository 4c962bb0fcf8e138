/*
 * location_csv.c - the organisation's locations as CSV (location.h): the
 * import (`earshot location import`, POST /api/v1/locations/import) and
 * the export (`earshot location export`, GET /api/v1/locations.csv).
 *
 * The import reads the whole file with libcsv (strict mode) into rows,
 * checks every row and column first (so that an error names its row and
 * column and nothing is written), then adds or updates each location in
 * one transaction: a row whose key exists updates that location (the
 * columns the file has; an absent column leaves its field), so that
 * importing the same file twice changes nothing the second time.
 */
#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "earshot/location.h"
#include "earshot/text.h"

enum { C_KEY, C_CODE, C_NAME, C_REGION_NAME, C_TZ, C_REVIEW_URL, C_DISABLED, N_COLS };
static const char *const col_names[N_COLS] = {"key", "code", "name", "region_name",
                                              "tz", "review_url", "disabled"};

#define CELL_MAX 2048 /* bytes of one cell */

/* ---- reading the file ------------------------------------------------------------ */

typedef struct row {
    char *cell[N_COLS]; /* NULL: the column is absent */
    size_t line;        /* the record's number, the header being 1 */
} row;

typedef struct reader {
    int col_of[64];  /* the column of each field of the header (-1: none) */
    size_t n_fields; /* fields in the header */
    size_t field;    /* the field being read in the current record */
    size_t record;   /* records read (the header is 1) */
    row *rows;
    size_t n_rows, cap;
    row cur;
    es_err rc;
    char *err;
    size_t size;
} reader;

/* Records the first error: its code and message. */
static void fail(reader *r, es_err rc, const char *fmt, ...) ES_PRINTF(3, 4);
static void fail(reader *r, es_err rc, const char *fmt, ...)
{
    va_list ap;
    if (r->rc)
        return;
    r->rc = rc;
    va_start(ap, fmt);
    vsnprintf(r->err, r->size, fmt, ap);
    va_end(ap);
}

/* A header field: one of col_names, each at most once. */
static void header_field(reader *r, const char *s, size_t len)
{
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)(len < 31 ? len : 31), s ? s : "");
    if (r->n_fields >= 64) {
        fail(r, ES_EPARSE, "row 1: more than 64 columns");
        return;
    }
    int c = -1;
    for (int i = 0; i < N_COLS; i++)
        if (strlen(col_names[i]) == len && strncasecmp(col_names[i], name, len) == 0)
            c = i;
    if (c < 0) {
        fail(r, ES_EPARSE, "row 1, column %s: unknown column (key, code, name, "
                    "region_name, tz, review_url, disabled)", name);
        return;
    }
    for (size_t i = 0; i < r->n_fields; i++)
        if (r->col_of[i] == c) {
            fail(r, ES_EPARSE, "row 1, column %s: given twice", name);
            return;
        }
    r->col_of[r->n_fields++] = c;
}

static void on_field(void *s, size_t len, void *ud)
{
    reader *r = ud;
    if (r->rc)
        return;
    if (r->record == 0) {
        header_field(r, s, len);
        return;
    }
    char rown[32];
    snprintf(rown, sizeof rown, "%zu", r->record + 1);
    if (r->field >= r->n_fields) {
        fail(r, ES_EPARSE, "row %s: more fields than the header has", rown);
        return;
    }
    if (len > CELL_MAX) {
        fail(r, ES_ELIMIT, "row %s, column %s: longer than 2048 bytes", rown,
                    col_names[r->col_of[r->field]]);
        return;
    }
    size_t bad = 0;
    if (s && es_utf8_check(s, len, &bad) != ES_OK) {
        fail(r, ES_EINVAL, "row %s, column %s: invalid UTF-8 at byte %zu", rown,
             col_names[r->col_of[r->field]], bad);
        return;
    }
    if (s && memchr(s, '\0', len)) {
        fail(r, ES_EINVAL, "row %s, column %s: a NUL byte", rown,
                    col_names[r->col_of[r->field]]);
        return;
    }
    char *v = es_malloc(len + 1);
    if (!v) {
        fail(r, ES_ENOMEM, "out of memory");
        return;
    }
    memcpy(v, s ? s : "", len);
    v[len] = '\0';
    r->cur.cell[r->col_of[r->field++]] = v;
}

static void row_free(row *w)
{
    for (int i = 0; i < N_COLS; i++)
        es_free(w->cell[i]);
    memset(w, 0, sizeof *w);
}

static void on_record(int c, void *ud)
{
    reader *r = ud;
    (void)c;
    r->record++;
    if (r->rc || r->record == 1) {
        row_free(&r->cur);
        if (!r->rc && (r->col_of[0] < 0 || r->n_fields == 0))
            fail(r, ES_EPARSE, "row 1: no header");
        return;
    }
    r->cur.line = r->record;
    r->field = 0;
    if (r->n_rows == ES_LOCATION_CSV_MAX_ROWS) {
        row_free(&r->cur);
        fail(r, ES_ELIMIT, "more than 100000 rows");
        return;
    }
    if (r->n_rows == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        row *nr = es_realloc(r->rows, cap * sizeof *nr);
        if (!nr) {
            row_free(&r->cur);
            fail(r, ES_ENOMEM, "out of memory");
            return;
        }
        r->rows = nr;
        r->cap = cap;
    }
    r->rows[r->n_rows++] = r->cur;
    memset(&r->cur, 0, sizeof r->cur);
}

/* Reads csv into r's rows; r->rc and r->err on error. */
static void read_all(reader *r, const char *csv, size_t len)
{
    struct csv_parser p;
    for (size_t i = 0; i < 64; i++)
        r->col_of[i] = -1;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        fail(r, ES_ENOMEM, "out of memory");
        return;
    }
    csv_set_realloc_func(&p, es_realloc);
    csv_set_free_func(&p, es_free);
    if (csv_parse(&p, csv, len, on_field, on_record, r) != len ||
        csv_fini(&p, on_field, on_record, r) != 0) {
        char rown[32];
        snprintf(rown, sizeof rown, "%zu", r->record + 1);
        fail(r, csv_error(&p) == CSV_ENOMEM ? ES_ENOMEM : ES_EPARSE, "row %s: %s", rown,
             csv_strerror(csv_error(&p)));
    }
    csv_free(&p);
    if (!r->rc && r->record == 0)
        fail(r, ES_EPARSE, "row 1: no header");
    if (!r->rc) {
        int have[N_COLS] = {0};
        for (size_t i = 0; i < r->n_fields; i++)
            have[r->col_of[i]] = 1;
        for (int c = C_KEY; c <= C_NAME; c++)
            if (!have[c])
                fail(r, ES_EPARSE, "row 1, column %s: missing (key, code and name are "
                     "required)", col_names[c]);
    }
}

/* ---- checking ---------------------------------------------------------------------- */

/* "0"/"1"/"false"/"true"/"" into *out (1: ok). */
static int bool_read(const char *v, int *out)
{
    if (!v || !*v || strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0)
        return *out = 0, 1;
    if (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0)
        return *out = 1, 1;
    return 0;
}

/* Checks one row's cells; 0 with err naming the row and column. */
static es_err row_check(const row *w, char *err, size_t size)
{
    char why[200];
    const char *col = NULL;
    es_location l = {.key = w->cell[C_KEY], .code = "C", .name = "n"};
    int d;
    if (!w->cell[C_KEY] || !*w->cell[C_KEY])
        col = "key", snprintf(why, sizeof why, "empty");
    else if (es_location_check(&l, why, sizeof why))
        col = "key";
    else if (l.key = "k", l.code = w->cell[C_CODE] ? w->cell[C_CODE] : "",
             es_location_check(&l, why, sizeof why))
        col = "code";
    else if (l.code = "C", l.name = w->cell[C_NAME] ? w->cell[C_NAME] : "",
             es_location_check(&l, why, sizeof why))
        col = "name";
    else if (w->cell[C_TZ] && *w->cell[C_TZ] && !es_location_tz_ok(w->cell[C_TZ]))
        col = "tz", snprintf(why, sizeof why, "unknown time zone '%.64s'", w->cell[C_TZ]);
    else if (l.name = "n", l.review_url = w->cell[C_REVIEW_URL],
             es_location_check(&l, why, sizeof why))
        col = "review_url";
    else if (!bool_read(w->cell[C_DISABLED], &d))
        col = "disabled", snprintf(why, sizeof why, "0, 1, false or true");
    else if (w->cell[C_REGION_NAME] && strlen(w->cell[C_REGION_NAME]) > ES_LOCATION_NAME_MAX)
        col = "region_name", snprintf(why, sizeof why, "longer than 128 bytes");
    else if (w->cell[C_REGION_NAME] && *w->cell[C_REGION_NAME] && !strchr(w->cell[C_KEY], '/'))
        col = "region_name", snprintf(why, sizeof why, "the key has no region (no '/')");
    if (!col)
        return ES_OK;
    snprintf(err, size, "row %zu, column %s: %s", w->line, col, why);
    return ES_EINVAL;
}

/* Orders rows by key, then by code without regard to case (qsort). */
static int by_key(const void *a, const void *b)
{
    const row *x = *(const row *const *)a, *y = *(const row *const *)b;
    int c = strcmp(x->cell[C_KEY], y->cell[C_KEY]);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int by_code(const void *a, const void *b)
{
    const row *x = *(const row *const *)a, *y = *(const row *const *)b;
    int c = strcasecmp(x->cell[C_CODE], y->cell[C_CODE]);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* No key twice, no code twice (without regard to case): sorted, then
 * neighbours compared; the later row is named. */
static es_err dup_check(const row *rows, size_t n, char *err, size_t size)
{
    if (n < 2)
        return ES_OK;
    const row **ix = es_malloc(n * sizeof *ix);
    if (!ix) {
        snprintf(err, size, "out of memory");
        return ES_ENOMEM;
    }
    es_err rc = ES_OK;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        int col = pass ? C_CODE : C_KEY;
        for (size_t i = 0; i < n; i++)
            ix[i] = &rows[i];
        qsort(ix, n, sizeof *ix, pass ? by_code : by_key);
        for (size_t i = 1; i < n && !rc; i++)
            if ((pass ? strcasecmp : strcmp)(ix[i]->cell[col], ix[i - 1]->cell[col]) == 0) {
                snprintf(err, size, "row %zu, column %s: '%s' is also on row %zu", ix[i]->line,
                         col_names[col], ix[i]->cell[col], ix[i - 1]->line);
                rc = ES_EINVAL;
            }
    }
    es_free(ix);
    return rc;
}

/* ---- applying ---------------------------------------------------------------------- */

typedef struct region_names {
    char path[64][ES_LOCATION_KEY_MAX + 1];
    char name[64][ES_LOCATION_NAME_MAX + 1];
    size_t n;
    int more; /* more regions than kept: compare by renaming */
} region_names;

static void region_cb(const es_region *g, void *ud)
{
    region_names *r = ud;
    if (r->n == 64) {
        r->more = 1;
        return;
    }
    snprintf(r->path[r->n], sizeof r->path[0], "%s", g->path);
    snprintf(r->name[r->n], sizeof r->name[0], "%s", g->name);
    r->n++;
}

/* The current name of region path, or NULL when unknown. */
static const char *region_name(const region_names *r, const char *path)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->path[i], path) == 0)
            return r->name[i];
    return NULL;
}

typedef struct found {
    int64_t id;
    int same; /* every field equals the row's */
    const row *w;
} found;

static int str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static void found_cb(const es_location *l, void *ud)
{
    found *f = ud;
    const row *w = f->w;
    int d = 0;
    bool_read(w->cell[C_DISABLED], &d);
    const char *tz = w->cell[C_TZ] && *w->cell[C_TZ] ? w->cell[C_TZ] : "UTC";
    f->id = l->id;
    /* An absent column (NULL) leaves its field as it is. */
    f->same = strcmp(l->code, w->cell[C_CODE]) == 0 && strcmp(l->name, w->cell[C_NAME]) == 0 &&
              (!w->cell[C_TZ] || strcmp(l->tz, tz) == 0) &&
              (!w->cell[C_REVIEW_URL] || str_eq(l->review_url, w->cell[C_REVIEW_URL])) &&
              (!w->cell[C_DISABLED] || l->disabled == d);
}

/* Adds or updates the location of one row; gives its region its name. */
static es_err apply_row(es_store_t *s, const row *w, const region_names *regions, int64_t actor,
                        es_location_import_result *res)
{
    es_location_filter f = {.key = w->cell[C_KEY], .all_locations = 1, .include_disabled = 1};
    found fd = {0, 0, w};
    es_err rc = es_location_list(s, &f, found_cb, &fd);
    int d = 0;
    bool_read(w->cell[C_DISABLED], &d);
    if (!rc && !fd.id) {
        es_location l = {.key = w->cell[C_KEY], .code = w->cell[C_CODE], .name = w->cell[C_NAME],
                         .tz = w->cell[C_TZ], .review_url = w->cell[C_REVIEW_URL], .disabled = d};
        rc = es_location_add(s, &l, actor, NULL);
        res->added += rc == ES_OK;
    } else if (!rc && !fd.same) {
        es_location_change c = {.code = w->cell[C_CODE], .name = w->cell[C_NAME],
                                .tz = w->cell[C_TZ], .review_url = w->cell[C_REVIEW_URL],
                                .set_disabled = w->cell[C_DISABLED] != NULL, .disabled = d};
        rc = es_location_update(s, fd.id, &c, actor);
        res->updated += rc == ES_OK;
    } else if (!rc) {
        res->unchanged++;
    }
    const char *rn = w->cell[C_REGION_NAME];
    if (!rc && rn && *rn) {
        char path[ES_LOCATION_KEY_MAX + 1];
        const char *slash = strrchr(w->cell[C_KEY], '/');
        snprintf(path, sizeof path, "%.*s", (int)(slash - w->cell[C_KEY]) + 1, w->cell[C_KEY]);
        const char *now = region_name(regions, path);
        if (regions->more || !now || strcmp(now, rn) != 0)
            rc = es_region_rename(s, path, rn, actor);
    }
    return rc;
}

/* Applies every row in one transaction; on error nothing stays. */
static es_err apply_all(es_store_t *s, const row *rows, size_t n, int64_t actor,
                        es_location_import_result *res, char *err, size_t size)
{
    region_names *regions = es_malloc(sizeof *regions);
    if (!regions) {
        snprintf(err, size, "out of memory");
        return ES_ENOMEM;
    }
    regions->n = 0;
    regions->more = 0;
    es_err rc = es_region_list(s, region_cb, regions);
    if (!rc)
        rc = es_store_begin(s);
    if (rc) {
        snprintf(err, size, "%s", es_store_errmsg(s));
        es_free(regions);
        return rc;
    }
    size_t i;
    for (i = 0; !rc && i < n; i++)
        rc = apply_row(s, &rows[i], regions, actor, res);
    if (!rc)
        rc = es_store_commit(s);
    if (rc) {
        es_store_rollback(s);
        memset(res, 0, sizeof *res);
        if (rc == ES_EEXIST)
            snprintf(err, size, "row %zu, column code: '%s' is another location's code",
                     rows[i - 1].line, rows[i - 1].cell[C_CODE]);
        else
            snprintf(err, size, "row %zu: %s", rows[i ? i - 1 : 0].line, es_store_errmsg(s));
    }
    es_free(regions);
    return rc;
}

/* See location.h. */
es_err es_location_import_csv(es_store_t *s, const char *csv, size_t len, int64_t actor_user,
                              es_location_import_result *res, char *err, size_t size)
{
    char dummy[8];
    if (!err || !size)
        err = dummy, size = sizeof dummy;
    err[0] = '\0';
    es_location_import_result none = {0};
    if (!res)
        res = &none;
    memset(res, 0, sizeof *res);
    if (!s || (!csv && len)) {
        snprintf(err, size, "no store or no CSV");
        return ES_EINVAL;
    }
    reader r = {.err = err, .size = size};
    read_all(&r, csv ? csv : "", len);
    es_err rc = r.rc;
    for (size_t i = 0; !rc && i < r.n_rows; i++)
        rc = row_check(&r.rows[i], err, size);
    if (!rc)
        rc = dup_check(r.rows, r.n_rows, err, size);
    if (!rc && r.n_rows)
        rc = apply_all(s, r.rows, r.n_rows, actor_user, res, err, size);
    for (size_t i = 0; i < r.n_rows; i++)
        row_free(&r.rows[i]);
    row_free(&r.cur);
    es_free(r.rows);
    return rc;
}

/* ---- export ----------------------------------------------------------------------- */

typedef struct exporter {
    int (*out)(void *ud, const char *bytes, size_t n);
    void *ud;
    region_names *regions;
    es_err rc;
} exporter;

/* Writes one cell, quoted when it holds a comma, a quote or a line break. */
static void cell(exporter *e, const char *v, int last)
{
    if (e->rc)
        return;
    v = v ? v : "";
    int q = strpbrk(v, ",\"\r\n") != NULL;
    int bad = q && e->out(e->ud, "\"", 1);
    for (const char *p = v; !bad && *p;) {
        size_t n = q ? strcspn(p, "\"") : strlen(p);
        bad = n && e->out(e->ud, p, n);
        p += n;
        if (!bad && *p == '"') {
            bad = e->out(e->ud, "\"\"", 2);
            p++;
        }
    }
    if (!bad && q)
        bad = e->out(e->ud, "\"", 1);
    if (!bad)
        bad = e->out(e->ud, last ? "\n" : ",", 1);
    if (bad)
        e->rc = ES_EIO;
}

static void export_cb(const es_location *l, void *ud)
{
    exporter *e = ud;
    const char *rn = l->region && *l->region ? region_name(e->regions, l->region) : NULL;
    cell(e, l->key, 0);
    cell(e, l->code, 0);
    cell(e, l->name, 0);
    cell(e, rn && strcmp(rn, l->region) != 0 ? rn : "", 0);
    cell(e, l->tz, 0);
    cell(e, l->review_url, 0);
    cell(e, l->disabled ? "1" : "0", 1);
}

/* See location.h. */
es_err es_location_export_csv(es_store_t *s, const es_location_filter *f,
                              int (*out)(void *ud, const char *bytes, size_t n), void *ud)
{
    if (!s || !f || !out)
        return ES_EINVAL;
    region_names *regions = es_malloc(sizeof *regions);
    if (!regions)
        return ES_ENOMEM;
    regions->n = 0;
    regions->more = 0;
    exporter e = {out, ud, regions, ES_OK};
    es_location_filter all = *f;
    all.after_id = 0;
    all.limit = 0;
    es_err rc = es_region_list(s, region_cb, regions);
    static const char header[] = "key,code,name,region_name,tz,review_url,disabled\n";
    if (!rc && out(ud, header, sizeof header - 1))
        rc = ES_EIO;
    if (!rc)
        rc = es_location_list(s, &all, export_cb, &e);
    es_free(regions);
    return rc ? rc : e.rc;
}
