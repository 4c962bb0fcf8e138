/*
 * csv.c - CSV exports with a header row and a column mapping.
 *
 * es_reader_open (reader.c) reads the header and calls
 * es__ingest_csv_setup, which matches the mapping ("id=tweet_id,
 * text=text,author=name,created_at=tweet_created,brand_hint=airline") to the
 * header's columns; an unknown field or column fails the open with its name.
 * Without a mapping, columns named like the schema's fields are used.
 * es_decode calls es__ingest_csv for each row the reader cut (quoted fields
 * may span lines). Rows are parsed with libcsv in strict mode; the parser's
 * field buffer is taken from the batch's arena and sized for the whole row,
 * so a row costs no heap allocation. Texts have their HTML entities decoded
 * (exports of tweets carry &amp;); dates take any es_time_parse form.
 */
#include <csv.h>
#include <stddef.h>
#include <string.h>

#include "ingest/ingest.h"

/* ------------------------------------------------------------------------ */
/* Header and mapping                                                       */
/* ------------------------------------------------------------------------ */

typedef struct header {
    char **names;
    int n, cap;
    int oom;
} header;

static void header_field(void *s, size_t len, void *data)
{
    header *h = data;
    if (h->oom)
        return;
    if (h->n == h->cap) {
        int cap = h->cap ? h->cap * 2 : 16;
        char **nn = es_realloc(h->names, (size_t)cap * sizeof *nn);
        if (!nn) {
            h->oom = 1;
            return;
        }
        h->names = nn;
        h->cap = cap;
    }
    h->names[h->n] = es_strndup(s ? s : "", s ? len : 0);
    if (!h->names[h->n]) {
        h->oom = 1;
        return;
    }
    h->n++;
}

static int field_index(const char *s, size_t n)
{
    for (int f = 0; f < ES__F_COUNT; f++)
        if (strlen(es__ingest_field_names[f]) == n && memcmp(es__ingest_field_names[f], s, n) == 0)
            return f;
    return -1;
}

static int column_index(const header *h, const char *s, size_t n)
{
    for (int i = 0; i < h->n; i++)
        if (strlen(h->names[i]) == n && memcmp(h->names[i], s, n) == 0)
            return i;
    return -1;
}

/* Applies "field=column,..." to d. */
static es_err apply_map(es_decoder_t *d, const header *h, const char *map, char *err, size_t errlen)
{
    const char *p = map;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq) {
            snprintf(err, errlen, "--map: '%.*s' is not field=column", (int)n, p);
            return ES_EINVAL;
        }
        int f = field_index(p, (size_t)(eq - p));
        if (f < 0) {
            snprintf(err, errlen, "--map: unknown mention field '%.*s'", (int)(eq - p), p);
            return ES_EINVAL;
        }
        int col = column_index(h, eq + 1, n - (size_t)(eq - p) - 1);
        if (col < 0) {
            snprintf(err, errlen, "--map: no column '%.*s' in the CSV header",
                     (int)(n - (size_t)(eq - p) - 1), eq + 1);
            return ES_EINVAL;
        }
        d->csv_col[f] = col;
        p += n + (end ? 1 : 0);
    }
    return ES_OK;
}

es_err es__ingest_csv_setup(es_decoder_t *d, const char *line, size_t len, const char *map,
                            char *err, size_t errlen)
{
    struct csv_parser p;
    header h = {0};
    es_err rc = ES_OK;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return ES_ENOMEM;
    csv_set_realloc_func(&p, es_realloc);
    csv_set_free_func(&p, es_free);
    if (csv_parse(&p, line, len, header_field, NULL, &h) != len ||
        csv_fini(&p, header_field, NULL, &h) != 0) {
        snprintf(err, errlen, "CSV header: %s", csv_strerror(csv_error(&p)));
        rc = csv_error(&p) == CSV_ENOMEM ? ES_ENOMEM : ES_EPARSE;
        goto out;
    }
    if (h.oom) {
        rc = ES_ENOMEM;
        goto out;
    }
    d->csv_ncols = h.n;
    if (map && *map) {
        rc = apply_map(d, &h, map, err, errlen);
    } else {
        for (int i = 0; i < h.n; i++) {
            int f = field_index(h.names[i], strlen(h.names[i]));
            if (f >= 0 && d->csv_col[f] < 0)
                d->csv_col[f] = i;
        }
    }
    for (int f = ES__F_ID; !rc && f <= ES__F_TEXT; f++) {
        if (d->csv_col[f] < 0) {
            snprintf(err, errlen, "CSV: no column for '%s': give --map %s=COLUMN",
                     es__ingest_field_names[f], es__ingest_field_names[f]);
            rc = ES_EINVAL;
        }
    }
out:
    if (rc == ES_ENOMEM)
        snprintf(err, errlen, "%s", "out of memory");
    csv_free(&p);
    for (int i = 0; i < h.n; i++)
        es_free(h.names[i]);
    es_free(h.names);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Rows                                                                     */
/* ------------------------------------------------------------------------ */

typedef struct row {
    es__dctx *c;
    es_mention_t *m;
    int col;   /* the column being read */
    int rows;  /* rows ended (one expected) */
    es_err rc; /* the first failure */
} row;

/* The field buffer is preallocated for the whole row: it never grows. */
static void *no_realloc(void *p, size_t n)
{
    return NULL;
}

static void no_free(void *p)
{
}

/* A number or a date needs a NUL-terminated copy. */
static es_err small(row *r, int f, const char *s, size_t n, char *buf, size_t size)
{
    if (n >= size)
        return es__ingest_reject(r->c, "field '%s' is not a valid value",
                                 es__ingest_field_names[f]);
    memcpy(buf, s, n);
    buf[n] = '\0';
    return ES_OK;
}

static es_err set_field(row *r, int f, const char *s, size_t n)
{
    es_mention_t *m = r->m;
    char buf[64];
    es_err rc;
    const char *name = es__ingest_field_names[f];
    static const size_t str_off[ES__F_COUNT] = {
        [ES__F_ID] = offsetof(es_mention_t, external_id),
        [ES__F_AUTHOR] = offsetof(es_mention_t, author),
        [ES__F_AUTHOR_NAME] = offsetof(es_mention_t, author_name),
        [ES__F_LANG] = offsetof(es_mention_t, lang),
        [ES__F_URL] = offsetof(es_mention_t, url),
        [ES__F_REPLY_TO] = offsetof(es_mention_t, reply_to),
        [ES__F_LOCATION] = offsetof(es_mention_t, location),
        [ES__F_BRAND_HINT] = offsetof(es_mention_t, brand_hint),
        [ES__F_SOURCE] = offsetof(es_mention_t, source),
        [ES__F_CONVERSATION] = offsetof(es_mention_t, conversation)};
    switch (f) {
    case ES__F_TEXT: return es__ingest_text_html(r->c, s, n, &m->text);
    case ES__F_FOLLOWERS:
        if (n == 0)
            return ES_OK;
        if ((rc = small(r, f, s, n, buf, 20)))
            return rc;
        m->followers = 0;
        for (size_t i = 0; i < n; i++) {
            if (buf[i] < '0' || buf[i] > '9')
                return es__ingest_reject(r->c, "field 'followers' is not a whole number");
            m->followers = m->followers * 10 + (buf[i] - '0');
        }
        return ES_OK;
    case ES__F_CREATED_AT:
        if (n == 0)
            return ES_OK;
        if ((rc = small(r, f, s, n, buf, sizeof buf)))
            return rc;
        if (es_time_parse(buf, &m->created_at) != ES_OK)
            return es__ingest_reject(r->c, "field 'created_at': unrecognised date \"%s\"", buf);
        return ES_OK;
    default: {
        const char **slot = (const char **)((char *)m + str_off[f]);
        const char *v;
        if ((rc = es__ingest_str(r->c, name, s, n, ES_MAX_FIELD, &v)))
            return rc;
        if (v)
            *slot = v;
        return ES_OK;
    }
    }
}

static void row_field(void *s, size_t len, void *data)
{
    row *r = data;
    const es_decoder_t *d = r->c->d;
    for (int f = 0; f < ES__F_COUNT && !r->rc; f++)
        if (d->csv_col[f] == r->col)
            r->rc = set_field(r, f, s ? s : "", s ? len : 0);
    r->col++;
}

static void row_end(int ch, void *data)
{
    row *r = data;
    r->rows++;
}

es_err es__ingest_csv(es__dctx *c, es_mention_t **ms, size_t *n)
{
    struct csv_parser p;
    const char *src = es__ingest_source(c, "web");
    es_mention_t *m = es__ingest_mentions(c, 1, src);
    row r = {c, m, 0, 0, ES_OK};
    es_err rc = ES_ENOMEM;
    if (!m || !src || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return ES_ENOMEM;
    csv_set_realloc_func(&p, no_realloc);
    csv_set_free_func(&p, no_free);
    p.entry_size = c->rec->len + 2;
    if (!(p.entry_buf = es_arena_alloc(c->a, p.entry_size)))
        goto out;
    if (csv_parse(&p, c->rec->raw, c->rec->len, row_field, row_end, &r) != c->rec->len ||
        csv_fini(&p, row_field, row_end, &r) != 0) {
        rc = r.rc ? r.rc : es__ingest_reject(c, "CSV: %s", csv_strerror(csv_error(&p)));
        goto out;
    }
    if ((rc = r.rc))
        goto out;
    if (r.rows != 1 || r.col != c->d->csv_ncols) {
        rc = es__ingest_reject(c, "row has %d columns, the header has %d", r.col, c->d->csv_ncols);
        goto out;
    }
    if ((rc = es__ingest_require(c, m)))
        goto out;
    *ms = m;
    *n = 1;
out:
    csv_free(&p);
    return rc;
}
