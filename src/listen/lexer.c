/*
 * lexer.c - splits a listening query (L2) into tokens: parentheses, the
 * upper-case operators AND, OR, NOT and NEAR/n, a '-' directly before an
 * operand (NOT), "quoted phrases", field filters (author:, source:, lang:,
 * location:) and bare terms. It refuses what can be refused without context:
 * invalid UTF-8, an unterminated phrase, an empty phrase, NEAR without a
 * distance or with one over 100, an unknown field, a field without a value.
 * Every refusal carries the 1-based column, in code points, of its cause.
 *
 * Called by parse.c only. Reentrant.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "listen/query.h"

/* The field names, indexed by es__field. */
static const char *const field_names[] = {"author", "source", "lang", "location"};

/* Columns count code points: a byte that is not a UTF-8 continuation byte
 * starts one. */
void es__listen_error(es_query_error *err, const char *q, size_t off, const char *fmt, ...)
{
    if (!err)
        return;
    int col = 1;
    for (size_t i = 0; i < off && q[i]; i++)
        if (((unsigned char)q[i] & 0xC0) != 0x80)
            col++;
    err->column = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->reason, sizeof err->reason, fmt, ap);
    va_end(ap);
}

/* 1 when s[0..n) is exactly the NUL-terminated word w. Operators are
 * matched exactly and in upper case: "and" and "Near" are words to look
 * for, as in the listening products customers know. */
static int is_word(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* Length of an ASCII-letter field name followed by ':' at s, or 0. Any
 * such prefix is taken for a field, so that a misspelt field ("auther:x")
 * is refused instead of silently searched for as a word. */
static size_t field_prefix(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z')))
        k++;
    return (k > 0 && k < n && s[k] == ':') ? k : 0;
}

/* Length of the bare token at s: up to white space, a parenthesis or '"'.
 * Unicode spaces count, so that a no-break space pasted from a web page
 * separates words as a space does. */
static size_t bare_len(const char *s, size_t n)
{
    size_t j = 0;
    while (j < n) {
        char c = s[j];
        if (c == '(' || c == ')' || c == '"')
            break;
        int32_t cp;
        size_t l = es__listen_utf8_next(s + j, n - j, &cp);
        if (es__listen_is_space_cp(cp))
            break;
        j += l;
    }
    return j;
}

/* The formatter writes a term bare only when the lexer would read it back as
 * the same single term: not an operator, not a field, no leading '-', no
 * character that ends a token. */
int es__listen_bare_safe(const char *s, size_t n)
{
    if (n == 0 || bare_len(s, n) != n || s[0] == '-')
        return 0;
    if (is_word(s, n, "AND") || is_word(s, n, "OR") || is_word(s, n, "NOT") ||
        is_word(s, n, "NEAR") || (n >= 5 && memcmp(s, "NEAR/", 5) == 0))
        return 0;
    return field_prefix(s, n) == 0;
}

/* ------------------------------------------------------------------ */
/* Token kinds that need more than one character                       */
/* ------------------------------------------------------------------ */

/* NEAR/n at s[0..n): fills t->num or refuses. Digits are accumulated only
 * while the value is still in range, so a long run of digits cannot
 * overflow; leading zeros are allowed (NEAR/007 is NEAR/7). */
static es_err lex_near(const char *q, size_t off, size_t n, es__tok *t, es_query_error *err)
{
    const char *s = q + off;
    if (n == 4) {
        es__listen_error(err, q, off, "NEAR needs a distance in words, as in NEAR/5");
        return ES_EPARSE;
    }
    long v = 0;
    for (size_t k = 5; k < n; k++) {
        if (s[k] < '0' || s[k] > '9') {
            es__listen_error(err, q, off, "NEAR/ needs a whole number of words from 0 to %d",
                             ES__Q_MAX_NEAR);
            return ES_EPARSE;
        }
        if (v <= ES__Q_MAX_NEAR)
            v = v * 10 + (s[k] - '0');
    }
    if (n == 5) {
        es__listen_error(err, q, off, "NEAR/ needs a whole number of words from 0 to %d",
                         ES__Q_MAX_NEAR);
        return ES_EPARSE;
    }
    if (v > ES__Q_MAX_NEAR) {
        es__listen_error(err, q, off, "NEAR distance is over %d words", ES__Q_MAX_NEAR);
        return ES_EPARSE;
    }
    t->kind = ES__T_NEAR;
    t->num = (int)v;
    return ES_OK;
}

/* name:value starting at q+off, where the name is k letters long and the
 * bare token is blen bytes. Sets *end to the offset after the token. */
static es_err lex_field(const char *q, size_t n, size_t off, size_t k, size_t blen, es__tok *t,
                        size_t *end, es_query_error *err)
{
    const char *s = q + off;
    int f = -1;
    for (int i = 0; i < 4; i++)
        if (strlen(field_names[i]) == k && strncasecmp(s, field_names[i], k) == 0)
            f = i;
    if (f < 0) {
        es__listen_error(err, q, off,
                         "unknown field '%.*s:' (the fields are author:, source:, lang:, "
                         "location:)",
                         (int)(k < 40 ? k : 40), s);
        return ES_EPARSE;
    }
    t->kind = ES__T_FIELD;
    t->num = f;
    t->text = s + k + 1;
    t->text_off = off + k + 1;
    t->len = blen - k - 1;
    *end = off + blen;
    if (t->len == 0 && off + blen < n && q[off + blen] == '"') {
        const char *close = memchr(q + off + blen + 1, '"', n - off - blen - 1);
        if (!close) {
            es__listen_error(err, q, off + blen, "unterminated quoted value: missing closing \"");
            return ES_EPARSE;
        }
        t->text = q + off + blen + 1;
        t->text_off = off + blen + 1;
        t->len = (size_t)(close - t->text);
        *end = (size_t)(close - q) + 1;
    }
    size_t a = 0;
    if (f == ES__F_AUTHOR)
        while (a < t->len && t->text[a] == '@')
            a++;
    int blank = 1;
    for (size_t i = a; i < t->len; i++)
        if (t->text[i] != ' ')
            blank = 0;
    if (blank) {
        es__listen_error(err, q, off, "field %s: needs a value", field_names[f]);
        return ES_EPARSE;
    }
    return ES_OK;
}

/* A quoted phrase starting at the '"' at q+off. Its words are split and
 * checked by the parser, which knows their columns; here only emptiness. */
static es_err lex_phrase(const char *q, size_t n, size_t off, es__tok *t, size_t *end,
                         es_query_error *err)
{
    const char *close = memchr(q + off + 1, '"', n - off - 1);
    if (!close) {
        es__listen_error(err, q, off, "unterminated phrase: missing closing \"");
        return ES_EPARSE;
    }
    t->kind = ES__T_PHRASE;
    t->text = q + off + 1;
    t->text_off = off + 1;
    t->len = (size_t)(close - t->text);
    *end = (size_t)(close - q) + 1;
    for (size_t i = 0; i < t->len;) {
        int32_t cp;
        size_t l = es__listen_utf8_next(t->text + i, t->len - i, &cp);
        if (!es__listen_is_space_cp(cp))
            return ES_OK;
        i += l;
    }
    es__listen_error(err, q, off, "empty phrase");
    return ES_EPARSE;
}

/* ------------------------------------------------------------------ */
/* The lexer                                                           */
/* ------------------------------------------------------------------ */

/* Lexes the bare token at q+off (blen bytes long). */
static es_err lex_bare(const char *q, size_t n, size_t off, size_t blen, es__tok *t, size_t *end,
                       es_query_error *err)
{
    const char *s = q + off;
    *end = off + blen;
    t->text = s;
    t->text_off = off;
    t->len = blen;
    if (is_word(s, blen, "AND"))
        t->kind = ES__T_AND;
    else if (is_word(s, blen, "OR"))
        t->kind = ES__T_OR;
    else if (is_word(s, blen, "NOT"))
        t->kind = ES__T_NOT;
    else if (is_word(s, blen, "NEAR") || (blen >= 5 && memcmp(s, "NEAR/", 5) == 0))
        return lex_near(q, off, blen, t, err);
    else {
        size_t k = field_prefix(s, blen);
        if (k)
            return lex_field(q, n, off, k, blen, t, end, err);
        t->kind = ES__T_TERM;
    }
    return ES_OK;
}

/* The whole query is checked for UTF-8 first, so that every later step may
 * decode without checking and the column of a bad byte is exact. */
es_err es__listen_lex(const char *q, size_t n, es__tok **toks, size_t *ntoks, es_query_error *err)
{
    es_err rc = ES_OK;
    es__tok *v = NULL;
    size_t nt = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        i += es__listen_utf8_next(q + i, n - i, &cp);
        if (cp < 0) {
            es__listen_error(err, q, i - 1, "invalid UTF-8");
            return ES_EPARSE;
        }
    }
    v = es_calloc(n + 1, sizeof *v); /* a token takes one byte at least */
    if (!v)
        return ES_ENOMEM;
    size_t i = 0;
    while (i < n) {
        int32_t cp;
        size_t l = es__listen_utf8_next(q + i, n - i, &cp);
        if (es__listen_is_space_cp(cp)) {
            i += l;
            continue;
        }
        es__tok *t = &v[nt++];
        t->off = i;
        char c = q[i];
        size_t end = i + 1;
        if (c == '(') {
            t->kind = ES__T_LPAREN;
        } else if (c == ')') {
            t->kind = ES__T_RPAREN;
        } else if (c == '"') {
            rc = lex_phrase(q, n, i, t, &end, err);
        } else if (c == '-') {
            /* A '-' that starts a token negates what follows it directly;
             * inside a word (t-mobile) it is part of the word. */
            int32_t ncp = ' ';
            if (i + 1 < n)
                (void)es__listen_utf8_next(q + i + 1, n - i - 1, &ncp);
            if (i + 1 >= n || es__listen_is_space_cp(ncp) || ncp == ')') {
                es__listen_error(err, q, i, "'-' must be followed directly by a term");
                rc = ES_EPARSE;
            }
            t->kind = ES__T_NOT;
        } else {
            rc = lex_bare(q, n, i, bare_len(q + i, n - i), t, &end, err);
        }
        if (rc)
            goto out;
        i = end;
    }
    v[nt].kind = ES__T_END;
    v[nt].off = n;
out:
    if (rc) {
        es_free(v);
        return rc;
    }
    *toks = v;
    *ntoks = nt;
    return ES_OK;
}
