/*
 * store.c - the backend-neutral store interface (P5, L4). It checks the
 * arguments of every public es_store_* call, keeps the handle's last error
 * message, and dispatches to the backend that opened the store through its
 * operation table (store_int.h). No SQL lives here: a PostgreSQL backend is
 * added by writing postgres.c and choosing it in es_store_open.
 *
 * Called by the CLI (ingest, search, stats, brand, query) and by the pipeline
 * that commits analysed batches.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

/* Formats the handle's message (cut at ES_STORE_ERRMAX) and returns rc. */
es_err es__store_fail(es_store_t *s, es_err rc, const char *fmt, ...)
{
    if (s) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Returns ES_EINVAL with a message when the store is not open. */
static es_err check_open(es_store_t *s, const char *op)
{
    if (!s)
        return ES_EINVAL;
    if (!s->ops)
        return es__store_fail(s, ES_EINVAL, "%s: the store is not open", op);
    return ES_OK;
}

/* Allocates the handle first, so that every failure after that can leave
 * its message on it; picks the backend from the path. */
es_err es_store_open(const char *path, es_store_t **out)
{
    if (!out)
        return ES_EINVAL;
    *out = NULL;
    es_store_t *s = es_calloc(1, sizeof *s);
    if (!s)
        return ES_ENOMEM;
    *out = s;
    if (!path || !*path)
        return es__store_fail(s, ES_EINVAL, "opening the store: no database path given");
    if (strncmp(path, "postgres://", 11) == 0 || strncmp(path, "postgresql://", 13) == 0)
        return es__store_fail(s, ES_EUNSUPPORTED,
                              "%s: this build has no PostgreSQL backend; use a SQLite file", path);
    return es__sqlite_open(s, path);
}

/* Closes the backend (finalising its statements) and frees the handle. */
void es_store_close(es_store_t *s)
{
    if (!s)
        return;
    es__store_gate_leave(s); /* closed inside a transaction: it ends here */
    if (s->ops)
        s->ops->close(s);
    es_free(s);
}

/* The last message; a NULL handle means the handle itself could not be
 * allocated. */
const char *es_store_errmsg(const es_store_t *s)
{
    if (!s)
        return "no store (out of memory while opening it)";
    return s->errmsg[0] ? s->errmsg : "no error";
}

/* 0 for a handle whose open failed. */
int es_store_schema_version(const es_store_t *s)
{
    return s ? s->version : 0;
}

/* Dispatches to the backend's durability switch (store_int.h). */
es_err es__store_set_durability(es_store_t *s, int full)
{
    es_err rc = check_open(s, "setting durability");
    if (rc)
        return rc;
    if (!s->ops->set_durability)
        return es__store_fail(s, ES_EUNSUPPORTED, "%s backend: no durability switch", s->ops->name);
    return s->ops->set_durability(s, full);
}

/* A mention must name its source and id and have text; everything else is
 * optional. Checked before the transaction starts so that a bad record is
 * reported by its position and nothing is written. */
static es_err check_mention(es_store_t *s, const es_mention_t *m, size_t i)
{
    if (!m->source || !*m->source || !m->external_id || !*m->external_id)
        return es__store_fail(s, ES_EINVAL, "storing batch: mention %zu has no source or id", i);
    if (!m->text)
        return es__store_fail(s, ES_EINVAL, "storing batch: mention %zu (%s/%s) has no text", i,
                              m->source, m->external_id);
    if ((m->n_brands && !m->brands) || (m->n_matches && !m->matches))
        return es__store_fail(s, ES_EINVAL,
                              "storing batch: mention %zu (%s/%s) has a count "
                              "of brands or queries but no array",
                              i, m->source, m->external_id);
    return ES_OK;
}

/* Checks every mention before the backend opens a transaction, so that a
 * malformed batch is refused whole, by position, without touching the file. */
es_err es_store_put(es_store_t *s, const es_mention_t *ms, size_t n, size_t *inserted)
{
    if (inserted)
        *inserted = 0;
    es_err rc = check_open(s, "storing batch");
    if (rc)
        return rc;
    if (n == 0)
        return ES_OK;
    if (!ms)
        return es__store_fail(s, ES_EINVAL, "storing batch: no mentions given");
    for (size_t i = 0; i < n; i++)
        if ((rc = check_mention(s, &ms[i], i)))
            return rc;
    size_t added = 0;
    rc = s->ops->put(s, ms, n, &added);
    if (rc == ES_OK && inserted)
        *inserted = added;
    return rc;
}

/* Like es_store_put, with each[i] set to 1 when ms[i] was new (see store.h). */
es_err es_store_put_each(es_store_t *s, const es_mention_t *ms, size_t n, uint8_t *each,
                         size_t *inserted)
{
    if (inserted)
        *inserted = 0;
    es_err rc = check_open(s, "storing batch");
    if (rc)
        return rc;
    if (n == 0)
        return ES_OK;
    if (!ms || !each)
        return es__store_fail(s, ES_EINVAL, "storing batch: no mentions given");
    if (!s->ops->put_each)
        return es__store_fail(s, ES_EUNSUPPORTED, "storing batch: %s cannot say which are new",
                              s->ops->name);
    for (size_t i = 0; i < n; i++)
        if ((rc = check_mention(s, &ms[i], i)))
            return rc;
    size_t added = 0;
    rc = s->ops->put_each(s, ms, n, &added, each);
    if (rc == ES_OK && inserted)
        *inserted = added;
    return rc;
}

/* See store.h. */
es_err es_store_token_add(es_store_t *s, const char *name, const uint8_t hash[32], int64_t *id)
{
    es_err rc = check_open(s, "adding a token");
    if (rc)
        return rc;
    if (!name || !*name || !hash)
        return es__store_fail(s, ES_EINVAL, "adding a token: a name and a hash are needed");
    return s->ops->token_add(s, name, hash, id);
}

/* See store.h. */
es_err es_store_token_verify(es_store_t *s, const uint8_t hash[32], int64_t now, int64_t *id)
{
    es_err rc = check_open(s, "checking a token");
    if (rc)
        return rc;
    if (!hash || !id)
        return es__store_fail(s, ES_EINVAL, "checking a token: no hash");
    return s->ops->token_verify(s, hash, now, id);
}

/* See store.h. */
es_err es_store_token_list(es_store_t *s, void (*cb)(const es_token_row *, void *), void *ud)
{
    es_err rc = check_open(s, "listing tokens");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing tokens: no callback");
    return s->ops->token_list(s, cb, ud);
}

/* Dispatches; the backend counts exactly. */
es_err es_store_count(es_store_t *s, int64_t *out)
{
    es_err rc = check_open(s, "counting mentions");
    if (rc)
        return rc;
    if (!out)
        return es__store_fail(s, ES_EINVAL, "counting mentions: no result pointer");
    return s->ops->count(s, out);
}

/* Names are 1 to ES_MAX_FIELD bytes; ours is normalised to 0 or 1. */
es_err es_store_brand_add(es_store_t *s, const char *name, int ours, uint32_t *id)
{
    es_err rc = check_open(s, "adding a brand");
    if (rc)
        return rc;
    if (!name || !*name || strlen(name) > ES_MAX_FIELD)
        return es__store_fail(s, ES_EINVAL, "adding a brand: the name must be 1 to %d bytes",
                              ES_MAX_FIELD);
    return s->ops->brand_add(s, name, ours ? 1 : 0, id);
}

/* Dispatches to the backend, which lists brands by name. */
es_err es_store_brand_list(es_store_t *s, void (*cb)(const es_brand *b, void *ud), void *ud)
{
    es_err rc = check_open(s, "listing brands");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing brands: no callback");
    return s->ops->brand_list(s, cb, ud);
}

/* Dispatches; ES_ENOTFOUND names the missing brand. */
es_err es_store_brand_find(es_store_t *s, const char *name, uint32_t *id)
{
    es_err rc = check_open(s, "finding a brand");
    if (rc)
        return rc;
    if (!name || !id)
        return es__store_fail(s, ES_EINVAL, "finding a brand: no name or result pointer");
    return s->ops->brand_find(s, name, id);
}

/* Checks the sizes; the text itself was parsed by the caller. */
es_err es_store_query_add(es_store_t *s, uint32_t brand_id, const char *name, const char *text,
                          uint32_t *id)
{
    es_err rc = check_open(s, "adding a query");
    if (rc)
        return rc;
    if (!text || !*text || strlen(text) > ES_MAX_TEXT)
        return es__store_fail(s, ES_EINVAL, "adding a query: the text must be 1 to %d bytes",
                              ES_MAX_TEXT);
    if (name && strlen(name) > ES_MAX_FIELD)
        return es__store_fail(s, ES_EINVAL, "adding a query: the name is over %d bytes",
                              ES_MAX_FIELD);
    return s->ops->query_add(s, brand_id, name, text, id);
}

/* Dispatches to the backend, which lists queries by id. */
es_err es_store_query_list(es_store_t *s, void (*cb)(const es_query_row *q, void *ud), void *ud)
{
    es_err rc = check_open(s, "listing queries");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing queries: no callback");
    return s->ops->query_list(s, cb, ud);
}

/* Refuses unknown sentiment and intent names and over-long text before
 * the backend builds its query. */
es_err es_store_search(es_store_t *s, const es_search_opts *o,
                       void (*cb)(const es_mention_row *r, void *ud), void *ud)
{
    es_err rc = check_open(s, "searching");
    if (rc)
        return rc;
    if (!o || !cb)
        return es__store_fail(s, ES_EINVAL, "searching: no options or no callback");
    es_polarity p;
    es_intent in;
    if (o->polarity && es_polarity_parse(o->polarity, &p))
        return es__store_fail(s, ES_EINVAL,
                              "searching: unknown sentiment '%s' (negative, "
                              "neutral or positive)",
                              o->polarity);
    if (o->intent && es_intent_parse(o->intent, &in))
        return es__store_fail(s, ES_EINVAL, "searching: unknown intent '%s'", o->intent);
    if (o->text && strlen(o->text) > ES_MAX_FIELD)
        return es__store_fail(s, ES_ELIMIT, "searching: the search text is over %d bytes",
                              ES_MAX_FIELD);
    return s->ops->search(s, o, cb, ud);
}

/* Dispatches; rows come ordered by day, then brand name. */
es_err es_store_stats(es_store_t *s, int64_t since, int64_t until,
                      void (*cb)(const es_stats_row *r, void *ud), void *ud)
{
    es_err rc = check_open(s, "computing stats");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "computing stats: no callback");
    return s->ops->stats(s, since, until, 0, NULL, cb, ud);
}

/* See store.h: the same figures by day or week, within a scope. */
es_err es_store_stats_by(es_store_t *s, int64_t since, int64_t until, int week,
                         const es_stats_scope *scope,
                         void (*cb)(const es_stats_row *r, void *ud), void *ud)
{
    es_err rc = check_open(s, "computing stats");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "computing stats: no callback");
    if (scope && !scope->all && scope->n_locations && !scope->locations)
        return es__store_fail(s, ES_EINVAL, "computing stats: a scope without its locations");
    return s->ops->stats(s, since, until, week ? 1 : 0, scope, cb, ud);
}

/* A limit of 0 asks for nothing and gets nothing. */
es_err es_store_recent_fingerprints(es_store_t *s, size_t limit,
                                    void (*cb)(uint64_t fp, const char *key, void *ud), void *ud)
{
    es_err rc = check_open(s, "reading recent fingerprints");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "reading recent fingerprints: no callback");
    if (limit == 0)
        return ES_OK;
    return s->ops->recent_fingerprints(s, limit, cb, ud);
}
