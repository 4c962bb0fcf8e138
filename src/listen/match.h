/*
 * match.h - the per-thread matching state of the listening module (L2),
 * shared by match.c (scan, match, explain) and eval.c (query trees). Internal
 * to src/listen/.
 */
#ifndef ES_LISTEN_MATCH_H
#define ES_LISTEN_MATCH_H

#include "listen/query.h"

/* A run of words found in the text: word numbers sw..ew (inclusive) and the
 * byte range [sb, eb) of the folded text. */
typedef struct es__span {
    uint32_t sw, ew;
    uint32_t sb, eb;
} es__span;

/* One kept occurrence of a term. */
typedef struct es__occ {
    uint32_t term;
    es__span sp;
} es__occ;

struct hs_scratch;
struct es_match_scratch_s {
    const es_matcher_t *m;
    struct hs_scratch *hs;
    const es_mention_t *mention; /* the mention being matched */
    es__fold_out f;              /* its folded text, with positions */
    es__fold_out field[4];       /* its folded fields, by es__field */
    uint32_t fgen[4];            /* gen when field[i] was folded */
    es_err err;                  /* set by the scan callback */
    uint32_t gen;                /* stamps below equal to gen are current */
    es__occ *occ;                /* occurrences, in text order */
    size_t nocc, occ_cap;
    es__span *tspan; /* the same, grouped by term */
    size_t tspan_cap;
    uint32_t *tgen, *tfirst, *tcount; /* per term: stamp, start, count in tspan */
    uint32_t *hit;                    /* the terms that occurred */
    uint32_t nhit;
    uint32_t *qgen, *cand, *res; /* per query: stamp; candidates; results */
    uint32_t ncand;
    es__span *pool; /* spans computed while evaluating, a stack */
    size_t npool, pool_cap;
};

/* Evaluates node ni of q for the mention prepared in s: 1 true, 0 false, or
 * a negative es_err (ES_ENOMEM). */
int es__listen_eval(es_match_scratch_t *s, const es_query_t *q, uint32_t ni);

/* Computes the spans where positional node ni occurs; they are left sorted
 * by first word at s->pool[*off .. *off + *cnt), above s->npool on entry.
 * Errors: ES_ENOMEM. */
es_err es__listen_spans(es_match_scratch_t *s, const es_query_t *q, uint32_t ni, uint32_t *off,
                        uint32_t *cnt) ES_WUR;

#endif
