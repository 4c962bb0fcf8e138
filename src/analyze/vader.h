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
#include <string.h>

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
    ES__W_IDIOM = 1u << 10, /* a word of an idiom or a booster bigram */
    ES__W_EXACT = 1u << 11  /* "so", "this", "never": compared as written */
};

/* The care class that makes a word "not in the lexicon" in care mode. */
#define ES__CC_ZERO 1u

/* One entry of the table. key points into the lexicon's storage; a key of
 * up to 16 bytes is also held as two words (k0, k1: its bytes in order, zero
 * past its end), which a look-up compares without touching the key. */
typedef struct es__lexent {
    const char *key;
    uint32_t klen;
    uint32_t flags;
    uint64_t hash;
    uint64_t k0, k1;
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

/* The lexicon: entries, and an open-addressing table of 4-byte slots over
 * them. Defined here so that the scorer's look-ups inline (lexicon.c builds
 * it; nothing else writes it). */
struct es_lexicon_s {
    es__lexent *ents;
    size_t nents, cap;
    uint32_t *slots; /* a tag of the hash above entry index + 1; 0 is empty */
    size_t mask;
    unsigned idx_bits; /* bits of a slot that hold the index */
    size_t nwords;     /* distinct words with a lexicon valence */
    size_t maxlen;     /* the longest key */
    char *store;       /* the parsed text; keys point into it */
};

/* A key prepared for a look-up: its hash and, when it has at most 16
 * bytes, its two words. */
typedef struct es__lexkey {
    uint64_t h, k0, k1;
    const char *key;
    uint32_t n;
    uint32_t skip; /* no entry can match: longer than every key */
} es__lexkey;

/* The first k bytes (k <= 8) of p[0..8) as a word, in memory order: the same
 * value whatever follows them. */
static inline uint64_t es__first_bytes(const unsigned char *p, size_t k)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return k >= 8 ? v : v & (((uint64_t)1 << (8 * k)) - 1);
}

/* A key of up to 16 bytes as two words; p[0..16) must be readable. */
static inline void es__key_words(const char *p, size_t n, uint64_t *k0, uint64_t *k1)
{
    const unsigned char *u = (const unsigned char *)p;
    *k0 = es__first_bytes(u, n);
    *k1 = n > 8 ? es__first_bytes(u + 8, n - 8) : 0;
}

/* The hash of a short key: one 64x64->128-bit multiply of its two words,
 * folded (the mixing of XXH3's short-key path, without its branches). Keys
 * over 16 bytes use XXH3. */
static inline uint64_t es__short_hash(uint64_t k0, uint64_t k1, size_t n)
{
    __extension__ typedef unsigned __int128 u128;
    u128 m = (u128)(k0 ^ 0x9E3779B97F4A7C15ULL) * (u128)(k1 ^ 0xC2B2AE3D27D4EB4FULL ^ n);
    return (uint64_t)m ^ (uint64_t)(m >> 64);
}

/* Probes for the entry whose hash is h and which same() accepts. A slot
 * keeps a tag of the hash beside the index, so a miss rarely touches an
 * entry, and 4-byte slots keep the table small in cache. */
#define ES__LEX_PROBE(lex, h, same)                                                                \
    do {                                                                                           \
        size_t i_ = (size_t)(h) & (lex)->mask;                                                     \
        uint32_t low_ = (1u << (lex)->idx_bits) - 1;                                               \
        uint32_t tag_ = (uint32_t)((h) >> (32 + (lex)->idx_bits)) << (lex)->idx_bits;              \
        for (;;) {                                                                                 \
            uint32_t slot_ = (lex)->slots[i_];                                                     \
            if (!slot_)                                                                            \
                return NULL;                                                                       \
            if ((slot_ & ~low_) == tag_) {                                                         \
                const es__lexent *e = &(lex)->ents[(slot_ & low_) - 1];                            \
                if (same)                                                                          \
                    return e;                                                                      \
            }                                                                                      \
            i_ = (i_ + 1) & (lex)->mask;                                                           \
        }                                                                                          \
    } while (0)

/* The entry of a short key (k0, k1: es__key_words) of n bytes and hash h. */
static inline const es__lexent *es__find_short(const es_lexicon_t *lex, uint64_t k0, uint64_t k1,
                                               size_t n, uint64_t h)
{
    ES__LEX_PROBE(lex, h, e->k0 == k0 && e->k1 == k1 && e->klen == n);
}

/* The hash of a key over 16 bytes (XXH3). */
uint64_t es__lexicon_hash_long(const char *key, size_t n);

/* The entry of a key over 16 bytes whose hash is h, or NULL. */
const es__lexent *es__lexicon_find_long(const es_lexicon_t *lex, const char *key, size_t n,
                                        uint64_t h);

/* Prepares key[0..n) (n > 0) for es__lexicon_get. key[0..16) must be
 * readable even when n < 16 (the scorer's buffers keep that slack; the bytes
 * past n are ignored). The key must stay valid until the look-up. */
static inline void es__lexicon_key(const es_lexicon_t *lex, const char *key, size_t n,
                                   es__lexkey *k)
{
    k->key = key;
    k->n = (uint32_t)n;
    k->skip = n > lex->maxlen; /* a URL, say */
    if (n > 16) {
        k->k0 = k->k1 = 0;
        k->h = k->skip ? 0 : es__lexicon_hash_long(key, n);
    } else {
        es__key_words(key, n, &k->k0, &k->k1);
        k->h = es__short_hash(k->k0, k->k1, n);
    }
}

/* Asks the processor to fetch the table slot of k, so that a look-up a few
 * words later does not wait for memory. */
static inline void es__lexicon_prefetch(const es_lexicon_t *lex, const es__lexkey *k)
{
    __builtin_prefetch(&lex->slots[(size_t)k->h & lex->mask]);
}

/* The entry of a prepared key, or NULL. Read-only, thread-safe. */
static inline const es__lexent *es__lexicon_get(const es_lexicon_t *lex, const es__lexkey *k)
{
    if (k->skip)
        return NULL;
    if (k->n > 16)
        return es__lexicon_find_long(lex, k->key, k->n, k->h);
    return es__find_short(lex, k->k0, k->k1, k->n, k->h);
}

/* Finds the entry of key[0..n) (n > 0), or NULL; key[0..16) must be
 * readable, as for es__lexicon_key. Read-only: any number of threads may
 * look up at once. */
const es__lexent *es__lexicon_find(const es_lexicon_t *lex, const char *key, size_t n);

/* ----- the scorer's scratch ------------------------------------------------ */

/* Flags of a token (es__tok.tflags) besides its entry's flags. */
enum {
    ES__T_UPPER = 1u << 0, /* str.isupper() of the token */
    ES__T_NT = 1u << 1,    /* its lower case contains "n't" */
    ES__T_NEVER = 1u << 2, /* exactly "never" (case-sensitive, as NLTK) */
    ES__T_SO = 1u << 3,    /* exactly "so" */
    ES__T_THIS = 1u << 4,  /* exactly "this" */
    ES__T_APOS = 1u << 5,  /* contains an ASCII apostrophe */
    ES__T_WIDE = 1u << 6,  /* has non-ASCII bytes */
    ES__T_IDIOM = 1u << 7, /* its entry is an idiom word (ES__W_IDIOM) */
    ES__T_QUEST = 1u << 8  /* care mode: in a sentence that ends with '?' */
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
    char *low; /* lower-cased tokens */
    size_t lowcap;
    uint64_t *bits; /* per-byte bitmaps of the text (vader.c's scan) */
    size_t bitscap;
    es__lexkey *keys; /* the tokens' prepared look-up keys */
    size_t keycap;
    uint32_t *seen; /* open-addressing set of token indices, for "first" */
    size_t seencap;
    int explain;
    es__note *notes; /* ntok notes when explaining */
    size_t notecap;
    size_t n_excl, n_quest; /* '!' and '?' in the text */
    int upper_entry;        /* a word the table knows is in ALL CAPS */
    size_t nb;              /* 64-bit words in each bitmap of the text */
    int any_upper, any_apos, any_wide; /* the text has ASCII capitals,
                                          apostrophes, non-ASCII bytes */
    size_t first_but;       /* the index of the first "but", or SIZE_MAX */
    es__buf strings;        /* explanation strings (tokens, whys, summary) */
    es_explain_item *items;
    size_t nitems, itemcap;
    const char *summary;
};

/* Appends a rule to token i's explanation (when explaining). */
void es__note_add(es_scorer_t *sc, size_t i, const char *fmt, ...) ES_PRINTF(3, 4);

/* es__note_add, tested at the call: scoring without an explanation pays no
 * call and no formatting arguments. */
#define ES__NOTE(sc, ...)                                                                          \
    do {                                                                                           \
        if ((sc)->explain)                                                                         \
            es__note_add((sc), __VA_ARGS__);                                                       \
    } while (0)

/* Applies the care-mode rules to the token valences of sc (after the VADER
 * rules and the "but" check). care.c. */
void es__care_apply(es_scorer_t *sc);

/* True when token i's lower case equals s. */
int es__tok_is(const es_scorer_t *sc, size_t i, const char *s);

#endif
