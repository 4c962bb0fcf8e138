/*
 * listen.h - listening queries (L2): a boolean query language like the
 * social-listening products', compiled all together into one Hyperscan
 * database and matched against mentions at stream speed.
 *
 * The language is documented in docs/queries.md: terms, "phrases", AND, OR,
 * NOT, parentheses, NEAR/n, trailing wildcard*, #hashtag, @handle, and the
 * field filters author:, source:, lang:.
 *
 * A matcher is immutable once built and may be shared by every thread; each
 * thread matches with its own es_match_scratch_t.
 */
#ifndef EARSHOT_LISTEN_H
#define EARSHOT_LISTEN_H

#include "earshot.h"
#include "mention.h"

#define ES_MAX_QUERY 4096 /* bytes of one query's text */

/* Where and why a query was refused. column is 1-based, counted in
 * characters (code points) of the query text. */
typedef struct es_query_error {
    int column;
    char reason[160];
} es_query_error;

typedef struct es_query_s es_query_t;

/* Parses and checks one query. On ES_EPARSE, *err says where and why. The
 * caller frees the query with es_query_free. */
es_err es_query_parse(const char *text, es_query_t **out, es_query_error *err) ES_WUR;
void es_query_free(es_query_t *q);

/* Writes the query's canonical form (fully parenthesised, upper-case
 * operators) into buf; returns the length it needed, like snprintf. */
size_t es_query_format(const es_query_t *q, char *buf, size_t size);

/* One query for the matcher: its id, the brand it belongs to, its text. */
typedef struct es_query_def {
    uint32_t id;
    uint32_t brand_id;
    const char *text;
} es_query_def;

typedef struct es_matcher_s es_matcher_t;
typedef struct es_match_scratch_s es_match_scratch_t;

/* Compiles every query into one matcher. On ES_EPARSE, *bad receives the
 * index of the refused query and *err where and why. An empty list gives a
 * matcher that matches nothing. Free with es_matcher_free. */
es_err es_matcher_build(const es_query_def *defs, size_t n, es_matcher_t **out,
                        size_t *bad, es_query_error *err) ES_WUR;
void es_matcher_free(es_matcher_t *m);

/* Scratch space for one thread. Free with es_match_scratch_free. */
es_err es_match_scratch_new(const es_matcher_t *m, es_match_scratch_t **out) ES_WUR;
void es_match_scratch_free(es_match_scratch_t *s);

/* Matches one mention (its text and the fields author, source, lang).
 * Writes up to max ids of matching queries, ascending, into ids and their
 * brand ids (deduplicated, ascending) into brands; *n_ids and *n_brands
 * receive the counts. Either output may be NULL with max 0. */
es_err es_matcher_match(const es_matcher_t *m, es_match_scratch_t *s, const es_mention_t *mention,
                        uint32_t *ids, size_t max, size_t *n_ids, uint32_t *brands,
                        size_t max_brands, size_t *n_brands) ES_WUR;

/* For `earshot query test`: calls cb for every term of query index qi
 * (0-based, in build order) that occurs in the mention, with the byte range
 * of the occurrence in the text (or -1, -1 for a field filter). */
typedef void (*es_match_hit_cb)(const char *term, long start, long end, void *ud);
es_err es_matcher_explain(const es_matcher_t *m, es_match_scratch_t *s, size_t qi,
                          const es_mention_t *mention, es_match_hit_cb cb, void *ud) ES_WUR;

#endif
