/*
 * analyze.h - understanding beyond sentiment: intent (U2), urgency and risk
 * cues (U4), genuine-or-opportunistic flags (U5), and near-duplicates (L3).
 *
 * Every rule has a name, documented in docs/rules.md; a mention records the
 * rules that fired in its `rules` field, so every label can be explained.
 */
#ifndef EARSHOT_ANALYZE_H
#define EARSHOT_ANALYZE_H

#include "arena.h"
#include "earshot.h"
#include "listen.h"
#include "mention.h"
#include "sentiment.h"

/* Sets m->intent, m->cues and m->flags from m->text and m->sentiment (score
 * the sentiment first), and appends the rules that fired to m->rules
 * (allocated in a). Reentrant. Errors: ES_ENOMEM. */
es_err es_classify(es_mention_t *m, es_arena_t *a) ES_WUR;

/* Near-duplicate detection. A detector remembers the fingerprints of the
 * last `capacity` mentions it saw; a new mention whose fingerprint is within a
 * small Hamming distance of a remembered one (or which is a retweet of it) is
 * a near-duplicate. Not thread-safe: one detector per pipeline. */
typedef struct es_dedup_s es_dedup_t;

es_dedup_t *es_dedup_new(size_t capacity);
void es_dedup_free(es_dedup_t *d);

/* The fingerprint of a text: a 64-bit simhash over its normalised tokens,
 * ignoring a leading "RT @handle:", URLs and case. Never 0. Reentrant. */
uint64_t es_dedup_fingerprint(const char *text, size_t len);

/* Sets m->fingerprint; when m is a near-duplicate of a remembered mention,
 * sets m->duplicate_of (allocated in a) and ES_FLAG_DUPLICATE. Then remembers
 * m. Errors: ES_ENOMEM. */
es_err es_dedup_check(es_dedup_t *d, es_mention_t *m, es_arena_t *a) ES_WUR;

/* Remembers a mention seen earlier (e.g. loaded from the store at start),
 * under its key "source/external_id". */
es_err es_dedup_remember(es_dedup_t *d, uint64_t fingerprint, const char *key) ES_WUR;

/* The whole understanding of one mention, as every pipeline applies it
 * (`earshot ingest` and `analyze`, the server): sentiment, the
 * near-duplicate fingerprint, intent, cues and flags, the listening queries
 * and the brand its source names. */

/* A brand known by name, for a source's brand_hint. */
typedef struct es_brand_ref {
    uint32_t id;
    const char *name;
} es_brand_ref;

typedef struct es_analyzer_s es_analyzer_t;

/* Creates the analyser of one thread: its scorer and match scratch. lex,
 * matcher (NULL: no queries) and brands[0..n_brands) are shared, read-only
 * and must outlive it. NULL when out of memory. Free with es_analyzer_free. */
es_analyzer_t *es_analyzer_new(const es_lexicon_t *lex, es_sent_mode mode,
                               const es_matcher_t *matcher, const es_brand_ref *brands,
                               size_t n_brands);
void es_analyzer_free(es_analyzer_t *an);

/* Scores, fingerprints, classifies and matches m, setting its sentiment,
 * fingerprint, intent, cues, flags, rules, matches and brands (the brand
 * named by brand_hint included, compared without regard to case); arrays and
 * strings go into a. ES_REJECTED with *reason for a text the scorer refuses
 * (over ES_MAX_TEXT); ES_ENOMEM. One thread per analyser. */
es_err es_analyzer_run(es_analyzer_t *an, es_mention_t *m, es_arena_t *a,
                       const char **reason) ES_WUR;

#endif
