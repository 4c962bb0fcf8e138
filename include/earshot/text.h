/*
 * text.h - UTF-8 validation, normalisation (NFKC + case folding, through
 * utf8proc), HTML entity decoding and the social-media tokenizer.
 *
 * Everything here is pure and reentrant: it keeps no state between calls and
 * may run on any number of threads at once.
 */
#ifndef EARSHOT_TEXT_H
#define EARSHOT_TEXT_H

#include "arena.h"
#include "earshot.h"

/* Checks that s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, no
 * truncated sequence). Returns ES_OK, or ES_EUTF8 with *bad_offset (when not
 * NULL) set to the byte offset of the first bad byte. */
es_err es_utf8_check(const char *s, size_t n, size_t *bad_offset) ES_WUR;

/* NFKC-normalises and case-folds s[0..n) into a NUL-terminated copy in the
 * arena. *out (and *out_len when not NULL) receive it. Errors: ES_EUTF8 for
 * invalid input, ES_ENOMEM. */
es_err es_text_fold(es_arena_t *a, const char *s, size_t n, char **out, size_t *out_len) ES_WUR;

/* Lower-cases one token s[0..n) into out (at most cap bytes, not
 * NUL-terminated) and returns the bytes written: ASCII directly, other code
 * points through utf8proc's simple lower-case mapping, U+2019 as an ASCII
 * apostrophe (so "don’t" and "don't" are one word). Stops early rather
 * than overflow out; invalid bytes are copied as they are. Never allocates;
 * reentrant. For look-ups of short tokens, not for whole texts. */
size_t es_text_lower(const char *s, size_t n, char *out, size_t cap);

/* Decodes HTML character references (&amp; &lt; &#39; &#x1F600; ...) into a
 * NUL-terminated copy in the arena. Unknown or malformed references are kept
 * as they are. Errors: ES_ENOMEM. */
es_err es_html_unescape(es_arena_t *a, const char *s, size_t n, char **out, size_t *out_len) ES_WUR;

typedef enum es_token_kind {
    ES_TOK_WORD = 0,   /* letters, digits inside words, apostrophes */
    ES_TOK_NUMBER,     /* 3, 2.5, 10:30 */
    ES_TOK_HANDLE,     /* @united */
    ES_TOK_HASHTAG,    /* #fail */
    ES_TOK_URL,        /* http://t.co/x, www.example.com */
    ES_TOK_EMOJI,      /* one emoji (with its modifiers and joiners) */
    ES_TOK_EMOTICON,   /* :) :-( <3 :D */
    ES_TOK_PUNCT       /* ! ? ... and other punctuation runs */
} es_token_kind;

enum {
    ES_TOKF_ALLCAPS = 1u << 0,   /* a word of two or more letters, all upper case */
    ES_TOKF_ELONGATED = 1u << 1  /* a letter repeated three or more times: "sooo" */
};

typedef struct es_token {
    uint32_t off;   /* byte offset in the text */
    uint32_t len;   /* byte length */
    uint8_t kind;   /* es_token_kind */
    uint8_t flags;  /* ES_TOKF_* */
} es_token;

/* Splits valid UTF-8 s[0..n) into at most max tokens (white space is not a
 * token). Returns the number of tokens found, which may exceed max: then only
 * the first max were written. Never allocates. */
size_t es_tokenize(const char *s, size_t n, es_token *toks, size_t max);

/* Returns the name of a token kind ("word", "handle", ...). */
const char *es_token_kind_name(es_token_kind k);

#endif
