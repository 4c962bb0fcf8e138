/*
 * canonical.c - earshot's own mention schema as JSON (docs/mention-schema.md),
 * and the field checks every decoder of src/ingest/ shares.
 *
 * es_decode (reader.c) calls es__ingest_canonical for a JSON line that is no
 * platform's native shape. The helpers below are what every decoder uses to
 * put a string into a mention: each checks the documented limit, NUL bytes
 * and UTF-8, copies into the batch's arena, and turns a violation into a
 * reason that says which field and which line.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "earshot/text.h"
#include "ingest/ingest.h"

const char *const es__ingest_field_names[ES__F_COUNT] = {
    "id",  "text",     "author",   "author_name", "followers", "created_at",  "lang",
    "url", "reply_to", "location", "brand_hint",  "source",    "conversation"};

/* ------------------------------------------------------------------------ */
/* Rejections and checked strings                                           */
/* ------------------------------------------------------------------------ */

static es_err vreject(es__dctx *c, long line, const char *fmt, va_list ap) ES_PRINTF(3, 0);

static es_err vreject(es__dctx *c, long line, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    *c->reason = es_arena_printf(c->a, "line %ld: %s", line, msg);
    return *c->reason ? ES_REJECTED : ES_ENOMEM;
}

es_err es__ingest_reject(es__dctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    es_err rc = vreject(c, c->rec->line, fmt, ap);
    va_end(ap);
    return rc;
}

es_err es__ingest_reject_at(es__dctx *c, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    es_err rc = vreject(c, line, fmt, ap);
    va_end(ap);
    return rc;
}

/* Checks a string already in its final place (NUL-terminated, n bytes). */
static es_err check(es__dctx *c, const char *name, const char *s, size_t n, size_t max)
{
    size_t bad;
    if (n > max)
        return es__ingest_reject(c, "field '%s' over %zu bytes", name, max);
    if (memchr(s, '\0', n))
        return es__ingest_reject(c, "field '%s' holds a NUL byte", name);
    if (es_utf8_check(s, n, &bad) != ES_OK)
        return es__ingest_reject(c, "field '%s': invalid UTF-8 at byte %zu", name, bad);
    return ES_OK;
}

es_err es__ingest_str(es__dctx *c, const char *name, const char *s, size_t n, size_t max,
                      const char **out)
{
    es_err rc;
    *out = NULL;
    if (n == 0)
        return ES_OK;
    if ((rc = check(c, name, s, n, max)))
        return rc;
    *out = es_arena_strndup(c->a, s, n);
    return *out ? ES_OK : ES_ENOMEM;
}

es_err es__ingest_text_html(es__dctx *c, const char *s, size_t n, const char **out)
{
    char *t;
    size_t tn;
    es_err rc;
    *out = NULL;
    if (n == 0)
        return ES_OK;
    /* Decoding only shrinks a text: a text far over the limit is refused
     * before it is copied. */
    if (n > (size_t)ES_MAX_TEXT * 8)
        return es__ingest_reject(c, "field 'text' over %d bytes", ES_MAX_TEXT);
    if ((rc = es_html_unescape(c->a, s, n, &t, &tn)))
        return rc;
    if ((rc = check(c, "text", t, tn, ES_MAX_TEXT)))
        return rc;
    *out = tn ? t : NULL;
    return ES_OK;
}

es_err es__ingest_json_str(es__dctx *c, const char *name, const json_t *v, size_t max,
                           const char **out)
{
    *out = NULL;
    if (!v || json_is_null(v))
        return ES_OK;
    if (json_is_string(v))
        return es__ingest_str(c, name, json_string_value(v), json_string_length(v), max, out);
    /* Ids, which some exports write as numbers, may be integers. */
    if (json_is_integer(v) && (strcmp(name, "id") == 0 || strcmp(name, "reply_to") == 0 ||
                               strcmp(name, "conversation") == 0)) {
        *out = es_arena_printf(c->a, "%" PRId64, (int64_t)json_integer_value(v));
        return *out ? ES_OK : ES_ENOMEM;
    }
    return es__ingest_reject(c, "field '%s' must be a string", name);
}

es_err es__ingest_json_time(es__dctx *c, const char *name, const json_t *v, int64_t *out)
{
    if (!v || json_is_null(v))
        return ES_OK;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return ES_OK;
    }
    if (json_is_real(v)) {
        /* Seconds far outside any plausible date (or NaN) would overflow the cast. */
        double d = json_real_value(v);
        if (!(d > -1e15 && d < 1e15))
            return es__ingest_reject(c, "field '%s': Unix seconds out of range", name);
        *out = (int64_t)d;
        return ES_OK;
    }
    if (!json_is_string(v))
        return es__ingest_reject(c, "field '%s' must be a date string or Unix seconds", name);
    if (json_string_length(v) == 0)
        return ES_OK;
    if (es_time_parse(json_string_value(v), out) != ES_OK)
        return es__ingest_reject(c, "field '%s': unrecognised date \"%.64s\"", name,
                                 json_string_value(v));
    return ES_OK;
}

const char *es__ingest_source(es__dctx *c, const char *dflt)
{
    if (!c->d->source)
        return dflt;
    return es_arena_strdup(c->a, c->d->source);
}

es_mention_t *es__ingest_mentions(es__dctx *c, size_t n, const char *source)
{
    es_mention_t *ms = es_arena_alloc(c->a, (n ? n : 1) * sizeof *ms);
    if (!ms)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        es_mention_init(&ms[i]);
        ms[i].source = source;
        ms[i].received_at = c->now;
        ms[i].created_at = c->now;
    }
    return ms;
}

es_err es__ingest_require(es__dctx *c, const es_mention_t *m)
{
    if (!m->external_id)
        return es__ingest_reject(c, "%s", "missing id");
    if (!m->text)
        return es__ingest_reject(c, "%s", "missing text");
    if (!m->source)
        return es__ingest_reject(c, "%s", "missing source");
    return ES_OK;
}

/* ------------------------------------------------------------------------ */
/* The canonical schema                                                     */
/* ------------------------------------------------------------------------ */

/* The string fields of the schema and where they go. */
static const struct {
    const char *key;
    size_t off;
    size_t max;
} str_fields[] = {
    {"id", offsetof(es_mention_t, external_id), ES_MAX_FIELD},
    {"text", offsetof(es_mention_t, text), ES_MAX_TEXT},
    {"source", offsetof(es_mention_t, source), ES_MAX_FIELD},
    {"author", offsetof(es_mention_t, author), ES_MAX_FIELD},
    {"author_name", offsetof(es_mention_t, author_name), ES_MAX_FIELD},
    {"lang", offsetof(es_mention_t, lang), ES_MAX_FIELD},
    {"url", offsetof(es_mention_t, url), ES_MAX_FIELD},
    {"reply_to", offsetof(es_mention_t, reply_to), ES_MAX_FIELD},
    {"location", offsetof(es_mention_t, location), ES_MAX_FIELD},
    {"brand_hint", offsetof(es_mention_t, brand_hint), ES_MAX_FIELD},
    {"conversation", offsetof(es_mention_t, conversation), ES_MAX_FIELD},
};

es_err es__ingest_canonical(es__dctx *c, json_t *root, es_mention_t **ms, size_t *n)
{
    es_err rc;
    const char *dflt = es__ingest_source(c, "web");
    es_mention_t *m = es__ingest_mentions(c, 1, dflt);
    if (!m || !dflt)
        return ES_ENOMEM;
    for (size_t i = 0; i < sizeof str_fields / sizeof *str_fields; i++) {
        const char **slot = (const char **)((char *)m + str_fields[i].off);
        const char *val = NULL;
        json_t *v = json_object_get(root, str_fields[i].key);
        if ((rc = es__ingest_json_str(c, str_fields[i].key, v, str_fields[i].max, &val)))
            return rc;
        if (val)
            *slot = val;
    }
    json_t *f = json_object_get(root, "followers");
    if (f && !json_is_null(f)) {
        if (!json_is_integer(f) || json_integer_value(f) < 0)
            return es__ingest_reject(c, "%s", "field 'followers' must be a whole number >= 0");
        m->followers = (int64_t)json_integer_value(f);
    }
    if ((rc = es__ingest_json_time(c, "created_at", json_object_get(root, "created_at"),
                                   &m->created_at)))
        return rc;
    if ((rc = es__ingest_require(c, m)))
        return rc;
    *ms = m;
    *n = 1;
    return ES_OK;
}
