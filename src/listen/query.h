/*
 * query.h - the listening module's internal contracts (L2), shared by the
 * files of src/listen/ only:
 *
 *   fold.c     Unicode folding of query terms and mention texts, word classes
 *   lexer.c    query text -> tokens, with the error column of each refusal
 *   parse.c    tokens -> expression tree; canonical formatting; es_query_free
 *   compile.c  every query's terms -> one Hyperscan database (es_matcher_build)
 *   match.c    per-thread scratch, one scan per mention, tree evaluation
 *
 * A parsed query is an array of nodes. Children of a node are listed in the
 * query's kids array (kid..kid+nkid), so nothing but the two arrays and the
 * term strings is allocated. Nothing here is thread-unsafe except that a
 * query is not modified once the matcher owning it has been built.
 */
#ifndef ES_LISTEN_QUERY_H
#define ES_LISTEN_QUERY_H

#include <stdint.h>

#include "earshot/listen.h"

/* Documented limits (docs/queries.md). */
#define ES__Q_MAX_DEPTH 32     /* operators or parentheses nested */
#define ES__Q_MAX_TERMS 256    /* terms, phrase words and field filters */
#define ES__Q_MAX_NEAR 100     /* the largest n of NEAR/n */
#define ES__Q_MIN_PREFIX 3     /* characters before a trailing '*' */
#define ES__Q_MAX_LITERAL 8192 /* bytes of one folded term */

/* ---- folding (fold.c) ------------------------------------------------- */

/* Folds s[0..n) for matching: case folding plus compatibility decomposition
 * (utf8proc), curly apostrophes to '\''. Bytes that are not valid UTF-8 are
 * copied as they are. Appends the result to *out (grown with es_realloc up
 * to max bytes, ES_ELIMIT beyond); when map is not NULL it must have room for
 * the output and receives, per output byte, the offset of the input code
 * point it came from; cls likewise receives 1 for bytes of word characters.
 * The caller frees *out. */
typedef struct es__fold_out {
    char *text;     /* folded bytes, NUL-terminated */
    uint32_t *map;  /* [len + 1]: input offset per folded byte */
    uint8_t *cls;   /* [len + 1]: 1 when the byte belongs to a word character */
    uint32_t *widx; /* [len + 1]: word number (1-based) of the byte */
    size_t len;
    size_t cap;
} es__fold_out;

/* Folds s[0..n) into o, replacing its content; with positions (map, cls,
 * widx) when want_pos. Errors: ES_ENOMEM, ES_ELIMIT past 8 x ES_MAX_TEXT. */
es_err es__listen_fold(es__fold_out *o, const char *s, size_t n, int want_pos) ES_WUR;
void es__listen_fold_cleanup(es__fold_out *o);

/* 1 when code point cp is a word character: a letter, a mark, a digit or
 * '_'. Used for word boundaries by the lexer and the matcher alike. */
int es__listen_is_word_cp(int32_t cp);

/* 1 when cp separates query tokens (ASCII or Unicode white space). */
int es__listen_is_space_cp(int32_t cp);

/* Decodes the code point at s[0..n); returns its byte length (>= 1) and
 * stores -1 in *cp for an invalid sequence. */
size_t es__listen_utf8_next(const char *s, size_t n, int32_t *cp);

/* ---- lexer (lexer.c) -------------------------------------------------- */

typedef enum es__tok_kind {
    ES__T_END = 0,
    ES__T_LPAREN,
    ES__T_RPAREN,
    ES__T_AND,
    ES__T_OR,
    ES__T_NOT,    /* NOT, or a '-' directly before an operand */
    ES__T_NEAR,   /* NEAR/n; n in num */
    ES__T_TERM,   /* a bare term; text..text+len */
    ES__T_PHRASE, /* a quoted phrase; text is its inside */
    ES__T_FIELD   /* name:value; num is the es__field; text the value */
} es__tok_kind;

typedef enum es__field { ES__F_AUTHOR = 0, ES__F_SOURCE, ES__F_LANG, ES__F_LOCATION } es__field;

typedef struct es__tok {
    es__tok_kind kind;
    size_t off;       /* byte offset in the query text */
    const char *text; /* into the query text */
    size_t len;
    size_t text_off; /* byte offset of text (for column of phrase words) */
    int num;
} es__tok;

/* Splits the query text into tokens (the array ends with ES__T_END). The
 * caller frees *toks with es_free. ES_EPARSE with *err set for a lexical
 * error; ES_ENOMEM. */
es_err es__listen_lex(const char *q, size_t n, es__tok **toks, size_t *ntoks,
                      es_query_error *err) ES_WUR;

/* Fills err with the column of byte offset off in q and the reason. */
void es__listen_error(es_query_error *err, const char *q, size_t off, const char *fmt, ...)
    ES_PRINTF(4, 5);

/* 1 when the bare token s[0..n) would lex back as one term of that text. */
int es__listen_bare_safe(const char *s, size_t n);

/* ---- the tree (parse.c) ----------------------------------------------- */

typedef enum es__node_kind {
    ES__N_TERM = 0, /* one word, hashtag, handle or wildcard */
    ES__N_PHRASE,   /* kids are TERM nodes, consecutive words */
    ES__N_FIELD,
    ES__N_AND,
    ES__N_OR,
    ES__N_NOT, /* one kid */
    ES__N_NEAR /* kids chained left to right; dist[i] between i, i+1 */
} es__node_kind;

enum {
    ES__TF_PREFIX = 1u << 0, /* trailing wildcard */
    ES__TF_LEFT = 1u << 1,   /* a word boundary is needed before it */
    ES__TF_RIGHT = 1u << 2   /* a word boundary is needed after it */
};

typedef struct es__node {
    uint8_t kind;  /* es__node_kind */
    uint8_t flags; /* ES__TF_* for a TERM; es__field for a FIELD */
    uint8_t depth; /* operators nested at and below this node */
    uint16_t nkid;
    uint32_t kid; /* first index into es_query_s.kids */
    char *raw;    /* TERM: as written (without '*'); FIELD: the value */
    char *lit;    /* TERM: folded literal; FIELD: folded value, no '@' */
    uint32_t lit_len;
    uint32_t gid;  /* TERM: the matcher's term id, set by es_matcher_build */
    uint8_t *dist; /* NEAR: nkid - 1 distances */
    size_t off;    /* byte offset of the token, for error columns */
} es__node;

struct es_query_s {
    es__node *nodes;
    uint32_t nnodes;
    uint32_t root;
    uint32_t *kids;
    uint32_t nkids;
    uint32_t nterms; /* TERM leaves (phrase words included) and FIELDs */
};

/* Formats node ni of q in canonical form into buf (NUL-terminated when size
 * > 0); returns the length it needed, like snprintf. Never allocates. */
size_t es__listen_format_node(const es_query_t *q, uint32_t ni, char *buf, size_t size);

/* 1 when node ni yields word positions (a term, a phrase, NEAR, or an OR of
 * those), so that it may be an operand of NEAR. */
int es__listen_positional(const es_query_t *q, uint32_t ni);

/* ---- the matcher (compile.c, match.c) ---------------------------------- */

typedef struct es__mterm {
    const char *lit; /* folded literal, owned by the query that has it */
    uint32_t len;
    uint8_t flags; /* ES__TF_* */
    uint32_t post; /* its queries: es_matcher_s.post[post..post+npost) */
    uint32_t npost;
    double cost; /* how often it may fire, for choosing triggers */
} es__mterm;

typedef struct es__mquery {
    uint32_t id;
    uint32_t brand;
    uint8_t always; /* may match without any term: evaluated for every mention */
    es_query_t *q;
} es__mquery;

struct es_matcher_s {
    struct hs_database *db; /* NULL when there is no term at all */
    es__mterm *terms;
    uint32_t nterms;
    es__mquery *queries;
    uint32_t nqueries;
    uint32_t *post;   /* per term, the queries it triggers (compile.c) */
    uint32_t *always; /* query indexes evaluated for every mention */
    uint32_t nalways;
    size_t db_bytes;
};

#endif
