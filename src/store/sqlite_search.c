/*
 * sqlite_search.c - full-text search with filters for the SQLite backend
 * (es_store_search through store.c). The user's text never reaches FTS5 as
 * syntax: es__sqlite_fts_query rebuilds it from words, each quoted as an
 * FTS5 string, so a stray quote, a parenthesis or a bare NOT searches for
 * itself instead of failing. The SQL is assembled from fixed fragments, one
 * statement per combination of filters, prepared once and cached on the
 * handle; every value is a bound parameter.
 */
#include <string.h>

#include "base/buf.h"
#include "store/sqlite_int.h"

/* ------------------------------------------------------------------------ */
/* From plain text to an FTS5 query                                          */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Appends one FTS5 string: the bytes in double quotes, a quote doubled. */
static es_err add_string(es__buf *b, const char *p, size_t n, int prefix)
{
    es_err rc = b->len ? es__buf_addc(b, ' ') : ES_OK;
    if (!rc)
        rc = es__buf_addc(b, '"');
    for (size_t i = 0; i < n && !rc; i++)
        rc = p[i] == '"' ? es__buf_add(b, "\"\"", 2) : es__buf_addc(b, p[i]);
    if (!rc)
        rc = es__buf_addc(b, '"');
    if (!rc && prefix)
        rc = es__buf_addc(b, '*');
    return rc;
}

es_err es__sqlite_fts_query(const char *text, char **out)
{
    *out = NULL;
    es__buf b;
    size_t len = strlen(text);
    es__buf_init(&b, 3 * len + 16);
    es_err rc = ES_OK;
    const char *p = text, *end = text + len;
    while (p < end && !rc) {
        if (is_space(*p)) {
            p++;
        } else if (*p == '"') { /* a phrase, to the next quote or the end */
            const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
            const char *stop = q ? q : end;
            size_t n = (size_t)(stop - p - 1);
            size_t k = 0;
            while (k < n && is_space(p[1 + k]))
                k++;
            if (k < n)
                rc = add_string(&b, p + 1, n, 0);
            p = q ? q + 1 : end;
        } else { /* a word, to the next space or quote */
            const char *q = p;
            while (q < end && !is_space(*q) && *q != '"')
                q++;
            size_t n = (size_t)(q - p);
            int prefix = n > 1 && p[n - 1] == '*';
            rc = add_string(&b, p, n - (size_t)prefix, prefix);
            p = q;
        }
    }
    if (rc)
        es__buf_cleanup(&b);
    else
        *out = b.data; /* NULL when nothing was added */
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The statement for a combination of filters                               */

static const char select_sql[] =
    "SELECT m.id, m.source, m.external_id, m.author, m.author_name, m.followers, m.text,"
    " m.lang, m.created_at, m.received_at, m.url, m.reply_to, m.location, m.brand_hint,"
    " m.conversation, m.compound, m.pos, m.neu, m.neg, m.polarity, m.intent, m.cues,"
    " m.flags, m.rules, m.fingerprint, m.duplicate_of,"
    " (SELECT group_concat(name, ',') FROM (SELECT b.name AS name FROM mention_brands mb"
    "   JOIN brands b ON b.id = mb.brand_id WHERE mb.mention_id = m.id"
    "   ORDER BY b.name COLLATE NOCASE))"
    " FROM mentions m WHERE 1";

static const struct {
    int bit;
    const char *sql;
} filters[] = {
    {SF_TEXT, " AND m.id IN (SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH :text)"},
    {SF_BRAND, " AND m.id IN (SELECT mb.mention_id FROM mention_brands mb"
               " JOIN brands b ON b.id = mb.brand_id WHERE b.name = :brand)"},
    {SF_SOURCE, " AND m.source = :source"},
    {SF_POLARITY, " AND m.polarity = :polarity"},
    {SF_INTENT, " AND m.intent = :intent"},
    {SF_SINCE, " AND m.created_at >= :since"},
    {SF_UNTIL, " AND m.created_at < :until"},
};

static const char order_sql[] =
    " ORDER BY m.created_at DESC, m.id DESC LIMIT :limit OFFSET :offset";

/* Returns the cached statement for the filters in mask, building it once. */
static es_err search_stmt(es_store_t *s, int mask, sqlite3_stmt **out)
{
    es__sqlite *q = s->impl;
    if (q->search[mask]) {
        *out = q->search[mask];
        return ES_OK;
    }
    es__buf b;
    es__buf_init(&b, 4096);
    es_err rc = es__buf_add(&b, select_sql, sizeof select_sql - 1);
    for (size_t i = 0; i < sizeof filters / sizeof filters[0] && !rc; i++)
        if (mask & filters[i].bit)
            rc = es__buf_adds(&b, filters[i].sql);
    if (!rc)
        rc = es__buf_add(&b, order_sql, sizeof order_sql - 1);
    if (rc) {
        es__buf_cleanup(&b);
        return es__store_fail(s, rc, "searching: building the statement: %s", es_strerror(rc));
    }
    int src = sqlite3_prepare_v3(q->db, b.data, (int)b.len, SQLITE_PREPARE_PERSISTENT,
                                 &q->search[mask], NULL);
    es__buf_cleanup(&b);
    if (src != SQLITE_OK)
        return es__sqlite_fail(s, q->db, src, "searching: preparing the statement");
    *out = q->search[mask];
    return ES_OK;
}

/* ------------------------------------------------------------------------ */
/* Running it                                                                */

static void bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_int64(st, i, v);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Turns the current result row into r; its strings belong to the statement. */
static void read_row(sqlite3_stmt *st, es_mention_row *r)
{
    es_mention_t *m = &r->m;
    es_mention_init(m);
    r->id = sqlite3_column_int64(st, 0);
    m->source = col_text(st, 1);
    m->external_id = col_text(st, 2);
    m->author = col_text(st, 3);
    m->author_name = col_text(st, 4);
    if (sqlite3_column_type(st, 5) != SQLITE_NULL)
        m->followers = sqlite3_column_int64(st, 5);
    m->text = col_text(st, 6);
    m->lang = col_text(st, 7);
    m->created_at = sqlite3_column_int64(st, 8);
    m->received_at = sqlite3_column_int64(st, 9);
    m->url = col_text(st, 10);
    m->reply_to = col_text(st, 11);
    m->location = col_text(st, 12);
    m->brand_hint = col_text(st, 13);
    m->conversation = col_text(st, 14);
    m->sentiment.compound = sqlite3_column_double(st, 15);
    m->sentiment.pos = sqlite3_column_double(st, 16);
    m->sentiment.neu = sqlite3_column_double(st, 17);
    m->sentiment.neg = sqlite3_column_double(st, 18);
    int pol = sqlite3_column_int(st, 19);
    m->sentiment.label = pol < 0 ? ES_NEGATIVE : pol > 0 ? ES_POSITIVE : ES_NEUTRAL;
    es_intent in = ES_INTENT_OTHER;
    if (es_intent_parse(col_text(st, 20), &in))
        in = ES_INTENT_OTHER;
    m->intent = in;
    m->cues = (uint32_t)sqlite3_column_int64(st, 21);
    m->flags = (uint32_t)sqlite3_column_int64(st, 22);
    m->rules = col_text(st, 23);
    m->fingerprint = (uint64_t)sqlite3_column_int64(st, 24);
    m->duplicate_of = col_text(st, 25);
    r->brands = col_text(st, 26);
    if (!r->brands)
        r->brands = "";
}

es_err es__sqlite_search(es_store_t *s, const es_search_opts *o,
                         void (*cb)(const es_mention_row *, void *), void *ud)
{
    es__sqlite *q = s->impl;
    char *fts = NULL;
    es_err rc = ES_OK;
    if (o->text && (rc = es__sqlite_fts_query(o->text, &fts)))
        return es__store_fail(s, rc, "searching: %s", es_strerror(rc));
    int mask = (fts ? SF_TEXT : 0) | (o->brand ? SF_BRAND : 0) | (o->source ? SF_SOURCE : 0) |
               (o->polarity ? SF_POLARITY : 0) | (o->intent ? SF_INTENT : 0) |
               (o->since ? SF_SINCE : 0) | (o->until ? SF_UNTIL : 0);
    sqlite3_stmt *st = NULL;
    if ((rc = search_stmt(s, mask, &st)))
        goto out;
    es_polarity pol = ES_NEUTRAL;
    if (o->polarity && es_polarity_parse(o->polarity, &pol))
        pol = ES_NEUTRAL; /* store.c has refused unknown names already */
    bind_named_text(st, ":text", fts);
    bind_named_text(st, ":brand", o->brand);
    bind_named_text(st, ":source", o->source);
    bind_named_int(st, ":polarity", pol);
    bind_named_text(st, ":intent", o->intent);
    bind_named_int(st, ":since", o->since);
    bind_named_int(st, ":until", o->until);
    size_t limit = o->limit ? o->limit : 50;
    bind_named_int(st, ":limit", limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    bind_named_int(st, ":offset", o->offset > INT64_MAX ? INT64_MAX : (int64_t)o->offset);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_mention_row r;
        read_row(st, &r);
        cb(&r, ud);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (src != SQLITE_DONE)
        rc = es__sqlite_fail(s, q->db, src, "searching");
out:
    es_free(fts);
    return rc;
}
