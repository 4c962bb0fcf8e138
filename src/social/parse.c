/*
 * parse.c - reads an import of the brand's own posts (social.h): CSV with a
 * header row, or JSON (an array of objects, or {"posts": [...]}). All or
 * nothing: the first bad field stops the import with a message naming its
 * row and column, or its JSON path, and nothing is returned. Called by
 * `earshot posts import` and POST /api/v1/posts, which then store the posts
 * with es_post_put. Every string goes into the caller's arena.
 */
#include <csv.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "earshot/ingest.h"
#include "earshot/social.h"

/* The fields of a post, as CSV columns and JSON members. */
enum { F_ID, F_BRAND, F_CHANNEL, F_POSTED, F_TEXT, F_METRIC0, F_N = F_METRIC0 + ES_POST_N_METRICS };
static const char *const field_names[F_N] = {"post_id", "brand",       "channel",  "posted_at",
                                             "text",    "impressions", "replies",  "reposts",
                                             "likes",   "clicks",      "followers"};

/* See social.h. */
es_err es_post_format_parse(const char *name, es_post_format *out)
{
    if (name && strcasecmp(name, "csv") == 0)
        *out = ES_POST_CSV;
    else if (name && strcasecmp(name, "json") == 0)
        *out = ES_POST_JSON;
    else
        return ES_EINVAL;
    return ES_OK;
}

/* The growing array of parsed posts (es_realloc'd; bounded by
 * ES_POST_BATCH_MAX). */
typedef struct vec {
    es_post *v;
    size_t n, cap;
} vec;

/* A new zeroed post at the end of the vector (every metric absent), or
 * NULL with *rc set. */
static es_post *vec_push(vec *p, es_err *rc)
{
    if (p->n == ES_POST_BATCH_MAX) {
        *rc = ES_ELIMIT;
        return NULL;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        es_post *v = es_realloc(p->v, cap * sizeof *v);
        if (!v) {
            *rc = ES_ENOMEM;
            return NULL;
        }
        p->v = v;
        p->cap = cap;
    }
    es_post *e = &p->v[p->n++];
    memset(e, 0, sizeof *e);
    for (int m = 0; m < ES_POST_N_METRICS; m++)
        e->metric[m] = -1;
    return e;
}

/* Reads a count: decimal digits only, at most ES_POST_METRIC_MAX. */
static int read_count(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > ES_POST_METRIC_MAX)
            return -1;
    }
    *out = v;
    return 0;
}

/* Sets field f of p from the text v (already in the arena). An empty
 * metric or text is absent. Returns 0, or -1 with the reason in why. */
static int set_field(es_post *p, int f, char *v, const char **why)
{
    switch (f) {
    case F_ID: p->post_id = v; return 0;
    case F_BRAND: p->brand = v; return 0;
    case F_CHANNEL:
        for (char *c = v; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        p->channel = v;
        return 0;
    case F_POSTED:
        if (es_time_parse(v, &p->posted_at) != ES_OK) {
            *why = "not a date and time (ISO 8601, RFC 3339 or Unix seconds)";
            return -1;
        }
        return 0;
    case F_TEXT: p->text = *v ? v : NULL; return 0;
    default:
        if (!*v)
            return 0;
        if (read_count(v, &p->metric[f - F_METRIC0])) {
            *why = "not a whole number from 0 to 10^15";
            return -1;
        }
        return 0;
    }
}

/* The field whose name is s (without regard to case), or -1. */
static int field_of(const char *s, size_t n)
{
    for (int f = 0; f < F_N; f++)
        if (strlen(field_names[f]) == n && strncasecmp(s, field_names[f], n) == 0)
            return f;
    return -1;
}

/* ---- CSV ------------------------------------------------------------------------ */

#define CSV_COLS_MAX 64

typedef struct csvctx {
    es_arena_t *a;
    vec posts;
    int col_field[CSV_COLS_MAX]; /* the field of each column, from the header */
    int ncols;
    int col;  /* the current column of the current row */
    long row; /* 1 for the header */
    es_post *cur;
    es_err rc;
    char *err;
    size_t errlen;
} csvctx;

/* Records the first error only, as "row N" and then fmt; later callbacks
 * are then ignored. */
static void csv_failf(csvctx *c, es_err rc, const char *fmt, ...) ES_PRINTF(3, 4);
static void csv_failf(csvctx *c, es_err rc, const char *fmt, ...)
{
    if (c->rc)
        return;
    c->rc = rc;
    int k = snprintf(c->err, c->errlen, "row %ld", c->row);
    if (k < 0 || (size_t)k >= c->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
    va_end(ap);
}

/* A header cell: maps the column to its field; unknown and repeated names
 * are refused so that a misspelt column is not silently dropped. */
static void header_cell(csvctx *c, const char *s, size_t n)
{
    char name[48];
    snprintf(name, sizeof name, "%.*s", (int)(n < 40 ? n : 40), s);
    if (c->ncols == CSV_COLS_MAX) {
        csv_failf(c, ES_ELIMIT, ": more than %d columns", CSV_COLS_MAX);
        return;
    }
    int f = field_of(s, n);
    if (f < 0) {
        csv_failf(c, ES_EPARSE, ", column %s: unknown column (see docs/social.md)", name);
        return;
    }
    for (int i = 0; i < c->ncols; i++)
        if (c->col_field[i] == f) {
            csv_failf(c, ES_EPARSE, ", column %s: the column is repeated", name);
            return;
        }
    c->col_field[c->ncols++] = f;
}

/* libcsv's field callback. */
static void on_field(void *s, size_t n, void *data)
{
    csvctx *c = data;
    const char *why = NULL;
    if (c->rc)
        return;
    if (!s) {
        s = "";
        n = 0;
    }
    if (c->row == 1) {
        header_cell(c, s, n);
        return;
    }
    es_err rc = ES_OK;
    if (c->col == 0 && !(c->cur = vec_push(&c->posts, &rc))) {
        csv_failf(c, rc, ": %s",
                  rc == ES_ELIMIT ? "more posts than one import takes" : "out of memory");
        return;
    }
    if (c->col >= c->ncols) {
        csv_failf(c, ES_EPARSE, ": more fields than the header has columns");
        return;
    }
    int f = c->col_field[c->col++];
    char *v = es_arena_strndup(c->a, s ? s : "", s ? n : 0);
    if (!v) {
        csv_failf(c, ES_ENOMEM, ": out of memory");
        return;
    }
    if (set_field(c->cur, f, v, &why))
        csv_failf(c, ES_EPARSE, ", column %s: %s", field_names[f], why);
}

/* libcsv's end-of-row callback: checks the header, or the row's post. */
static void on_row(int ch, void *data)
{
    csvctx *c = data;
    char why[256];
    if (c->rc)
        return;
    if (c->row == 1) {
        static const int required[] = {F_ID, F_BRAND, F_CHANNEL, F_POSTED};
        for (size_t r = 0; r < 4; r++) {
            int found = 0;
            for (int i = 0; i < c->ncols; i++)
                found |= c->col_field[i] == required[r];
            if (!found) {
                csv_failf(c, ES_EPARSE, ": the header has no column %s", field_names[required[r]]);
                return;
            }
        }
    } else if (c->col != c->ncols) {
        csv_failf(c, ES_EPARSE, ": fewer fields than the header has columns");
        return;
    } else {
        es_err rc = es_post_check(c->cur, why, sizeof why);
        if (rc) {
            csv_failf(c, ES_EPARSE, ": %s", why);
            return;
        }
    }
    c->row++;
    c->col = 0;
}

/* Parses a whole CSV import into c->posts. */
static es_err parse_csv(csvctx *c, const char *data, size_t len)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        snprintf(c->err, c->errlen, "out of memory");
        return ES_ENOMEM;
    }
    csv_set_realloc_func(&p, es_realloc);
    csv_set_free_func(&p, es_free);
    c->row = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 BOM, as spreadsheets write */
        data += 3;
        len -= 3;
    }
    if (csv_parse(&p, data, len, on_field, on_row, c) != len ||
        csv_fini(&p, on_field, on_row, c) != 0) {
        if (!c->rc) {
            int e = csv_error(&p);
            csv_failf(c, e == CSV_ENOMEM ? ES_ENOMEM : ES_EPARSE, ": %s", csv_strerror(e));
        }
    }
    csv_free(&p);
    if (!c->rc && c->row == 1)
        csv_failf(c, ES_EPARSE, ": there is no header row");
    return c->rc;
}

/* ---- JSON ----------------------------------------------------------------------- */

/* Reads one JSON post (path names it in messages) into p. */
static es_err json_post(es_arena_t *a, json_t *o, const char *path, es_post *p, char *err,
                        size_t errlen)
{
    const char *key, *why = NULL;
    json_t *v;
    char num[32];
    if (!json_is_object(o)) {
        snprintf(err, errlen, "%s: a post must be an object", path);
        return ES_EPARSE;
    }
    json_object_foreach(o, key, v)
    {
        int f = field_of(key, strlen(key));
        char *s = NULL;
        if (f < 0) {
            snprintf(err, errlen, "%s.%.40s: unknown field (see docs/social.md)", path, key);
            return ES_EPARSE;
        }
        if (json_is_null(v) && f >= F_TEXT)
            continue;            /* absent */
        if (json_is_string(v)) { /* never with a NUL: json_loadb refuses \u0000 */
            s = es_arena_strndup(a, json_string_value(v), json_string_length(v));
        } else if (json_is_integer(v) && (f == F_POSTED || f >= F_METRIC0)) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            s = es_arena_strdup(a, num);
        } else {
            snprintf(err, errlen, "%s.%s: must be %s", path, field_names[f],
                     f >= F_METRIC0  ? "a whole number"
                     : f == F_POSTED ? "a date string or Unix seconds"
                                     : "a string");
            return ES_EPARSE;
        }
        if (!s) {
            snprintf(err, errlen, "%s: out of memory", path);
            return ES_ENOMEM;
        }
        if (f >= F_METRIC0 && !*s) {
            snprintf(err, errlen, "%s.%s: %s", path, field_names[f],
                     "not a whole number from 0 to 10^15");
            return ES_EPARSE;
        }
        if (set_field(p, f, s, &why)) {
            snprintf(err, errlen, "%s.%s: %s", path, field_names[f], why);
            return ES_EPARSE;
        }
    }
    char why2[256];
    es_err rc = es_post_check(p, why2, sizeof why2);
    if (rc) {
        snprintf(err, errlen, "%s: %s", path, why2);
        return ES_EPARSE;
    }
    return ES_OK;
}

/* Parses a whole JSON import into *posts. */
static es_err parse_json(es_arena_t *a, const char *data, size_t len, vec *posts, char *err,
                         size_t errlen)
{
    json_error_t je;
    const char *base = "$";
    es_err rc = ES_OK;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "JSON, line %d, column %d: %s", je.line, je.column, je.text);
        return ES_EPARSE;
    }
    json_t *arr = root;
    if (json_is_object(root)) {
        arr = json_object_get(root, "posts");
        base = "$.posts";
        if (json_object_size(root) != 1 || !arr) {
            snprintf(err, errlen, "$: give an array of posts or {\"posts\": [...]}");
            rc = ES_EPARSE;
            goto out;
        }
    }
    if (!json_is_array(arr)) {
        snprintf(err, errlen, "%s: must be an array of posts", base);
        rc = ES_EPARSE;
        goto out;
    }
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        char path[48];
        snprintf(path, sizeof path, "%s[%zu]", base, i);
        es_post *p = vec_push(posts, &rc);
        if (!p) {
            snprintf(err, errlen, "%s: %s", path,
                     rc == ES_ELIMIT ? "more posts than one import takes" : "out of memory");
            goto out;
        }
        if ((rc = json_post(a, o, path, p, err, errlen)))
            goto out;
    }
out:
    json_decref(root);
    return rc;
}

/* See social.h. The posts' array is copied into the arena at the end, so
 * that the caller frees everything with the arena. */
es_err es_post_parse(const char *data, size_t len, es_post_format fmt, es_arena_t *a, es_post **out,
                     size_t *n, char *err, size_t errlen)
{
    es_err rc;
    vec posts = {0};
    *out = NULL;
    *n = 0;
    if (!a || (!data && len)) {
        snprintf(err, errlen, "no input");
        return ES_EINVAL;
    }
    if (fmt == ES_POST_CSV) {
        csvctx c = {.a = a, .err = err, .errlen = errlen};
        rc = parse_csv(&c, data ? data : "", len);
        posts = c.posts;
    } else {
        rc = parse_json(a, data ? data : "", len, &posts, err, errlen);
    }
    if (rc == ES_OK && posts.n) {
        *out = es_arena_alloc(a, posts.n * sizeof **out);
        if (!*out) {
            snprintf(err, errlen, "out of memory");
            rc = ES_ENOMEM;
        } else {
            memcpy(*out, posts.v, posts.n * sizeof **out);
            *n = posts.n;
        }
    }
    es_free(posts.v);
    return rc;
}
