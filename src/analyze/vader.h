/*
 * vader.h - internals shared by the sentiment files of src/analyze/ (not a
 * public API): the lexicon's hash table (lexicon.c), the scorer's per-token
 * scratch (vader.c) and the customer-care rules that run over it (care.c).
 *
 * One hash table serves every word the scorer needs to know: the VADER
 * lexicon entries, the booster and negation words of the algorithm and the
 * words of the care rules, so that scoring costs one lookup per token.
 */
#ifndef ES_ANALYZE_VADER_H
#define ES_ANALYZE_VADER_H

#include <stdint.h>

#include "base/buf.h"
#include "earshot/sentiment.h"

/* What a word is, as bits of es__lexent.flags (all matched on the lower-cased
 * token, as NLTK's VADER matches them). */
enum {
    ES__W_LEX = 1u << 0,   /* in the VADER lexicon: valence */
    ES__W_BOOST = 1u << 1, /* a booster or dampener: booster */
    ES__W_NEG = 1u << 2,   /* a negation word ("not", "never", "without") */
    ES__W_KIND = 1u << 3,  /* "kind" (of "kind of") */
    ES__W_OF = 1u << 4,    /* "of" */
    ES__W_LEAST = 1u << 5, /* "least" */
    ES__W_AT = 1u << 6,    /* "at" */
    ES__W_VERY = 1u << 7,  /* "very" */
    ES__W_BUT = 1u << 8,   /* "but" */
    ES__W_CARE = 1u << 9,  /* a care-mode word: care, cclass */
    ES__W_IDIOM = 1u << 10 /* a word of an idiom or a booster bigram */
};

/* The care class that makes a word "not in the lexicon" in care mode. */
#define ES__CC_ZERO 1u

/* One entry of the table. key points into the lexicon's storage. */
typedef struct es__lexent {
    const char *key;
    uint32_t klen;
    uint32_t flags;
    uint64_t hash;
    double valence;  /* ES__W_LEX */
    double booster;  /* ES__W_BOOST */
    double care;     /* ES__W_CARE: the care-mode valence (0: none) */
    uint32_t cclass; /* ES__W_CARE: care.c's word classes, a bit set */
} es__lexent;

/* A word that the algorithm knows besides the lexicon's entries. */
typedef struct es__lexword {
    const char *word;
    uint32_t flags;
    double value;    /* the booster, or the care valence */
    uint32_t cclass; /* care classes */
} es__lexword;

/* The words of vader.c (boosters, negations, markers) and of care.c. */
extern const es__lexword es__vader_words[];
extern const size_t es__vader_nwords;
extern const es__lexword es__care_words[];
extern const size_t es__care_nwords;

/* Finds the entry of key[0..n) (n > 0), or NULL. Read-only: any number of
 * threads may look up at once. */
const es__lexent *es__lexicon_find(const es_lexicon_t *lex, const char *key, size_t n);

/* ----- the scorer's scratch ------------------------------------------------ */

/* Flags of a token (es__tok.tflags) besides its entry's flags. */
enum {
    ES__T_UPPER = 1u << 0, /* str.isupper() of the token */
    ES__T_NT = 1u << 1,    /* its lower case contains "n't" */
    ES__T_NEVER = 1u << 2, /* exactly "never" (case-sensitive, as NLTK) */
    ES__T_SO = 1u << 3,    /* exactly "so" */
    ES__T_THIS = 1u << 4,  /* exactly "this" */
    ES__T_APOS = 1u << 5   /* contains an ASCII apostrophe */
};

/* One token of VADER's words_and_emoticons list. */
typedef struct es__tok {
    uint32_t off, len;   /* the token (leading or trailing punctuation
                            stripped as VADER strips it), in the text */
    uint32_t loff, llen; /* its lower case, in the scorer's low buffer */
    uint32_t first;      /* the index of its first identical token */
    uint32_t tflags;     /* ES__T_* */
    const es__lexent *e; /* its entry, or NULL */
    double sent;         /* the valence it contributes */
} es__tok;

/* The explanation of one token while it is being built. */
typedef struct es__note {
    char why[240];
    size_t len;
} es__note;

struct es_scorer_s {
    const es_lexicon_t *lex;
    es_sent_mode mode;
    const char *text; /* the text being scored */
    size_t text_len;
    es__tok *toks;
    size_t ntok, tcap;
    char *low; /* the text with ASCII lower-cased (same offsets), then the
                  lower case of the words with other bytes */
    size_t lowcap;
    uint64_t *bits; /* per-byte bitmaps of the text (vader.c's scan) */
    size_t bitscap;
    uint32_t *seen; /* open-addressing set of token indices, for "first" */
    size_t seencap;
    int explain;
    es__note *notes; /* ntok notes when explaining */
    size_t notecap;
    size_t n_excl, n_quest; /* '!' and '?' in the text */
    size_t n_upper;         /* tokens in ALL CAPS */
    size_t first_but;       /* the index of the first "but", or SIZE_MAX */
    es__buf strings;        /* explanation strings (tokens, whys, summary) */
    es_explain_item *items;
    size_t nitems, itemcap;
    const char *summary;
};

/* Appends a rule to token i's explanation (when explaining). */
void es__note_add(es_scorer_t *sc, size_t i, const char *fmt, ...) ES_PRINTF(3, 4);

/* Applies the care-mode rules to the token valences of sc (after the VADER
 * rules and the "but" check). care.c. */
void es__care_apply(es_scorer_t *sc);

/* True when token i's lower case equals s. */
int es__tok_is(const es_scorer_t *sc, size_t i, const char *s);

#endif
