/*
 * sentiment.h - sentiment scoring (U1).
 *
 * Two modes over one lexicon:
 *  - ES_MODE_VADER: the VADER algorithm, scoring as NLTK's VADER does.
 *  - ES_MODE_CARE (the default): VADER extended for customer-care language
 *    (delays, waiting, lost items, "thanks for nothing", ...), each rule
 *    documented in docs/sentiment.md.
 *
 * A lexicon is immutable once loaded and may be shared by every thread. A
 * scorer holds the scratch space of one thread: create one per thread.
 */
#ifndef EARSHOT_SENTIMENT_H
#define EARSHOT_SENTIMENT_H

#include "earshot.h"
#include "mention.h"

typedef enum es_sent_mode { ES_MODE_CARE = 0, ES_MODE_VADER = 1 } es_sent_mode;

typedef struct es_lexicon_s es_lexicon_t;
typedef struct es_scorer_s es_scorer_t;

/* Parses "vader" or "care". ES_EINVAL otherwise. */
es_err es_sent_mode_parse(const char *name, es_sent_mode *out) ES_WUR;
const char *es_sent_mode_name(es_sent_mode m);

/* Loads the lexicon built into the library (converted from the VADER lexicon
 * at build time) and checks it (entry count, checksum). The result is shared
 * and must not be freed. Thread-safe. Errors: ES_ECORRUPT, ES_ENOMEM. */
es_err es_lexicon_builtin(const es_lexicon_t **out) ES_WUR;

/* Loads a lexicon file in the converted format, or a plain VADER
 * "word<TAB>mean<TAB>..." file, checking it. On failure err (when not NULL)
 * receives "path:line: reason". The caller frees it with es_lexicon_free. */
es_err es_lexicon_load(const char *path, es_lexicon_t **out, char *err, size_t errlen) ES_WUR;
void es_lexicon_free(es_lexicon_t *lex);
size_t es_lexicon_size(const es_lexicon_t *lex);

/* Creates a scorer over lex (which must outlive it). NULL when out of memory. */
es_scorer_t *es_scorer_new(const es_lexicon_t *lex, es_sent_mode mode);
void es_scorer_free(es_scorer_t *sc);

/* One line of an explanation: a token, the valence it contributed after all
 * rules, and the rules that changed it ("lexicon 1.9; booster 'very' +0.293").
 * Strings stay valid until the next es_scorer_score on the same scorer. */
typedef struct es_explain_item {
    const char *token;
    double valence;
    const char *why;
} es_explain_item;

/* Scores text[0..len) (valid UTF-8). When explain is true the scorer also
 * records an explanation, read with es_scorer_explain. Errors: ES_ENOMEM,
 * ES_ELIMIT (text over ES_MAX_TEXT). */
es_err es_scorer_score(es_scorer_t *sc, const char *text, size_t len, es_sentiment *out,
                       int explain) ES_WUR;

/* The explanation of the last scored text: *n items, and a summary line
 * ("sum 2.1, '!' x2 +0.584, normalised 0.6124"). */
const es_explain_item *es_scorer_explain(const es_scorer_t *sc, size_t *n, const char **summary);

/* The label of a compound score: >= 0.05 positive, <= -0.05 negative. */
es_polarity es_polarity_of(double compound);

#endif
