/*
 * rules.h - the phrase rules behind intent, urgency cues and flags
 * (internal to the analyze module). rules.c holds the table, rules_index.c
 * compiles it once into an index, classify.c matches it against tokens.
 * Every rule's name is what a mention records in its `rules` field and what
 * docs/rules.md lists.
 *
 * Pattern language: a rule is a list of phrases separated by commas; a
 * phrase is a sequence of elements separated by spaces, in lower case:
 *   word|word|...  one token equal to any alternative (case-insensitive,
 *                  an elongated "pleeease" also matches "please"; #tags
 *                  and emoticons are written as they are)
 *   <num>          a number: 3, 2.5, "three", "several", "a few" is not one
 *   <dur>          a duration: "2 hours", "an hour", "45min", "half an hour",
 *                  "over 3 hrs", or "hours", "days", "ages" alone
 *   <ord>          an ordinal: "third", "3rd", "umpteenth"
 *   <gap>          zero to three tokens of anything but sentence punctuation
 *   <q>            a punctuation token with a question mark ("?", "?!")
 *   <handle>       an @handle
 * A phrase starts with a word, <num>, <dur>, <ord> or <handle> (never with
 * <gap> or <q>), and has at most ES__RULE_MAX_ELEMS elements.
 */
#ifndef ES_ANALYZE_RULES_H
#define ES_ANALYZE_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/earshot.h"

#define ES__RULE_MAX_ELEMS 8

/* What a rule is evidence for. */
typedef enum es__rule_group {
    ES__G_COMPLAINT = 0, /* intent complaint */
    ES__G_PRAISE,        /* intent praise */
    ES__G_REQUEST,       /* intent request */
    ES__G_QUESTION,      /* intent question */
    ES__G_NEUTRAL,       /* cancels complaint words it overlaps ("no problem") */
    ES__G_REPEAT,        /* cue repeat */
    ES__G_WAITING,       /* cue waiting */
    ES__G_SAFETY,        /* cue safety */
    ES__G_LEGAL,         /* cue legal */
    ES__G_CHURN,         /* cue churn */
    ES__G_SPAM,          /* flag spam */
    ES__G_FREEBIE,       /* flag freebie, always */
    ES__G_FREEBIE_SOFT,  /* flag freebie, unless the mention is a complaint */
    ES__G_SPAM_EXCUSE,   /* cancels weak spam hits ("follow me back so I can DM") */
    ES__G_COUNT
} es__rule_group;

typedef struct es__rule {
    uint8_t group;    /* es__rule_group */
    uint8_t weight;   /* intent groups: how strong the evidence is; spam:
                         1 weak (an excuse cancels it), 2 strong */
    const char *name; /* recorded and documented; NULL: the pattern itself */
    const char *pattern;
} es__rule;

/* The rule table and its length. Static, immutable. */
const es__rule *es__rules_table(size_t *n);

/* The name of rule r (its name, or its pattern when it has none). */
const char *es__rule_name(const es__rule *r);

/* Names of the rules that are not phrases (computed by classify.c), for the
 * documentation check in the tests: NULL-terminated. */
extern const char *const es__structural_rules[];

/* ------------------------------------------------------------------------
 * The compiled index (rules_index.c), read by the matcher (classify.c)
 * ------------------------------------------------------------------------ */

/* Element types of a compiled phrase. */
enum es__elem_type {
    ES__E_WORD,
    ES__E_NUM,
    ES__E_DUR,
    ES__E_ORD,
    ES__E_GAP,
    ES__E_Q,
    ES__E_HANDLE
};

/* Token classes, a bit set per token: some come from the word table, the
 * others from the token itself (classify.c). */
enum {
    ES__CL_NUM = 1u << 0,     /* 3, "three", "several" */
    ES__CL_QTY = 1u << 1,     /* may lead a duration: "a", "an", "half", "over" */
    ES__CL_UNIT = 1u << 2,    /* "hours", "mins" */
    ES__CL_DURWORD = 1u << 3, /* a duration alone: "2hrs", "hours", "ages" */
    ES__CL_ORD = 1u << 4,     /* "third", "3rd" */
    ES__CL_Q = 1u << 5,       /* punctuation with a question mark */
    ES__CL_HANDLE = 1u << 6,
    ES__CL_SENT = 1u << 7,    /* sentence punctuation: . ! ? */
    ES__CL_WH = 1u << 8,      /* a word that opens a question */
    ES__CL_ARTICLE = 1u << 9, /* "a", "an": "what a day" is no question */
    ES__CL_FAILTAG = 1u << 10 /* a hashtag ending in fail or sucks: #unitedfail */
};

#define ES__MAX_PHRASES 1536
#define ES__MAX_ELEMS 6144
#define ES__MAX_ALTS 8192
#define ES__WT_SIZE 8192u /* word table slots, a power of two */

typedef struct es__elem {
    uint8_t type; /* es__elem_type */
    uint8_t nalt; /* ES__E_WORD: the hashes of its alternatives at alts[alt] */
    uint16_t alt;
} es__elem;

typedef struct es__phrase {
    uint16_t rule; /* index in the rule table */
    uint8_t nelem;
    uint16_t elem; /* its elements at elems[elem] */
} es__phrase;

/* A word of the table: its classes and the phrases that start with it. */
typedef struct es__wslot {
    uint64_t h; /* es__rules_hash of the word; 0: empty slot */
    uint16_t cls;
    uint16_t first; /* phrases starting with this word: firsts[first..+nfirst) */
    uint16_t nfirst;
} es__wslot;

typedef struct es__rules_index {
    es_err status;
    size_t nrules;
    const es__rule *rules;
    es__phrase phrases[ES__MAX_PHRASES];
    size_t nphrases;
    es__elem elems[ES__MAX_ELEMS];
    size_t nelems;
    uint64_t alts[ES__MAX_ALTS];
    size_t nalts;
    es__wslot words[ES__WT_SIZE];
    uint16_t firsts[ES__MAX_ALTS];
    uint16_t class_first[64]; /* phrases that start with a class, not a word */
    size_t nclass_first;
} es__rules_index;

/* The index of the built-in rules, compiled on the first call (once, under
 * pthread_once) and immutable afterwards: safe to read from any thread.
 * Check its status: ES_ECORRUPT means the table does not compile (a bug the
 * unit tests catch). Never NULL. */
const es__rules_index *es__rules_index_get(void);

/* The hash of a lower-case word as the index stores it (never 0). */
uint64_t es__rules_hash(const char *s, size_t n);

/* The slot of word hash h, or NULL when the word is in no rule or class. */
const es__wslot *es__rules_word(const es__rules_index *ix, uint64_t h);

#endif
