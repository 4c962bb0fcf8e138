/*
 * format.c - writes a parsed listening query (L2) back as text, in its
 * canonical form: every AND, OR and NEAR group in parentheses, operators in
 * upper case, NOT written as "NOT x", terms and field values as written and
 * quoted only when they could not be read back bare. Parsing the canonical
 * form gives the same tree again (fuzz/fuzz_query.c checks it).
 *
 * Called by es_query_format (public), `earshot query list` through it, and
 * match.c for the term names es_matcher_explain reports. Never allocates.
 */
#include <stdio.h>
#include <string.h>

#include "listen/query.h"

static const char *const field_names[] = {"author", "source", "lang", "location"};

/* A bounded writer that counts what it could not write. */
typedef struct sink {
    char *buf;
    size_t size;
    size_t len;
} sink;

/* Writes what fits and counts all, so that the caller learns the length
 * it needs, as with snprintf. */
static void put(sink *s, const char *p, size_t n)
{
    if (s->len < s->size) {
        size_t room = s->size - s->len;
        memcpy(s->buf + s->len, p, n < room ? n : room);
    }
    s->len += n;
}

/* The same for a NUL-terminated string. */
static void puts_(sink *s, const char *p)
{
    put(s, p, strlen(p));
}

/* A term's text as a query word: as written, with its '*'. */
static void put_word(sink *s, const es__node *n)
{
    puts_(s, n->raw);
    if (n->flags & ES__TF_PREFIX)
        put(s, "*", 1);
}

/* A term alone: bare when it reads back as the same term, else quoted. */
static void put_term(sink *s, const es__node *n)
{
    size_t len = strlen(n->raw);
    int prefix = (n->flags & ES__TF_PREFIX) != 0;
    /* The bare test looks at the word with its star, as the lexer would. */
    char tmp[ES_MAX_QUERY + 2];
    memcpy(tmp, n->raw, len);
    if (prefix)
        tmp[len++] = '*';
    if (es__listen_bare_safe(tmp, len)) {
        put(s, tmp, len);
        return;
    }
    put(s, "\"", 1);
    put(s, tmp, len);
    put(s, "\"", 1);
}

/* Writes node ni. Leaves and NOT are written bare (NOT binds tighter than
 * AND and OR and its operand is a leaf or a parenthesised group), AND, OR and
 * NEAR are parenthesised, so that no precedence rule is needed to read the
 * result, and the result parses back to the same tree. */
static void fmt(sink *s, const es_query_t *q, uint32_t ni)
{
    const es__node *n = &q->nodes[ni];
    const uint32_t *k = n->nkid ? q->kids + n->kid : NULL;
    char num[16];
    switch (n->kind) {
    case ES__N_TERM: put_term(s, n); return;
    case ES__N_PHRASE:
        put(s, "\"", 1);
        for (uint32_t i = 0; i < n->nkid; i++) {
            if (i)
                put(s, " ", 1);
            put_word(s, &q->nodes[k[i]]);
        }
        put(s, "\"", 1);
        return;
    case ES__N_FIELD:
        puts_(s, field_names[n->flags]);
        put(s, ":", 1);
        if (es__listen_bare_safe(n->raw, strlen(n->raw))) {
            puts_(s, n->raw);
        } else {
            put(s, "\"", 1);
            puts_(s, n->raw);
            put(s, "\"", 1);
        }
        return;
    case ES__N_NOT:
        puts_(s, "NOT ");
        fmt(s, q, k[0]);
        return;
    default: break;
    }
    put(s, "(", 1);
    for (uint32_t i = 0; i < n->nkid; i++) {
        if (i && n->kind == ES__N_NEAR) {
            int l = snprintf(num, sizeof num, " NEAR/%u ", (unsigned)n->dist[i - 1]);
            put(s, num, (size_t)l);
        } else if (i) {
            puts_(s, n->kind == ES__N_AND ? " AND " : " OR ");
        }
        fmt(s, q, k[i]);
    }
    put(s, ")", 1);
}

/* Also used for one node: match.c names the terms it explains with it. */
size_t es__listen_format_node(const es_query_t *q, uint32_t ni, char *buf, size_t size)
{
    sink s = {buf, size, 0};
    fmt(&s, q, ni);
    if (size > 0)
        buf[s.len < size ? s.len : size - 1] = '\0';
    return s.len;
}

/* Writes the canonical form of q (listen.h); returns the length needed, not
 * counting the NUL. buf may be NULL with size 0. Reentrant. */
size_t es_query_format(const es_query_t *q, char *buf, size_t size)
{
    if (!q) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    return es__listen_format_node(q, q->root, buf, size);
}
