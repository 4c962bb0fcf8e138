/*
 * analyzer.c - one mention's whole understanding, in the order every
 * pipeline applies it: sentiment, near-duplicate fingerprint, intent, cues
 * and flags, listening queries and the brand the source names. The ingest
 * pipeline's workers and the server's HTTP workers each hold one
 * analyser; what they share (lexicon, matcher, brands) is read-only.
 */
#include <string.h>
#include <strings.h>

#include "earshot/analyze.h"

#define MAX_BRANDS 64 /* brands recorded per mention */

struct es_analyzer_s {
    es_scorer_t *scorer;
    es_match_scratch_t *scratch;
    const es_matcher_t *matcher;
    const es_brand_ref *brands;
    size_t n_brands;
    uint32_t ids[ES_MAX_MATCHES];
    uint32_t found[MAX_BRANDS];
};

es_analyzer_t *es_analyzer_new(const es_lexicon_t *lex, es_sent_mode mode,
                               const es_matcher_t *matcher, const es_brand_ref *brands,
                               size_t n_brands)
{
    es_analyzer_t *an = es_calloc(1, sizeof *an);
    if (!an)
        return NULL;
    an->matcher = matcher;
    an->brands = brands;
    an->n_brands = n_brands;
    an->scorer = es_scorer_new(lex, mode);
    if (!an->scorer || (matcher && es_match_scratch_new(matcher, &an->scratch) != ES_OK)) {
        es_analyzer_free(an);
        return NULL;
    }
    return an;
}

void es_analyzer_free(es_analyzer_t *an)
{
    if (!an)
        return;
    es_scorer_free(an->scorer);
    es_match_scratch_free(an->scratch);
    es_free(an);
}

/* Adds the known brand named by hint to the sorted, unique found[0..*n). */
static void add_hint(const es_analyzer_t *an, const char *hint, uint32_t *found, size_t *n)
{
    size_t i;
    for (i = 0; i < an->n_brands && strcasecmp(an->brands[i].name, hint) != 0; i++)
        ;
    if (i == an->n_brands || *n >= MAX_BRANDS)
        return;
    uint32_t id = an->brands[i].id;
    for (i = 0; i < *n && found[i] < id; i++)
        ;
    if (i < *n && found[i] == id)
        return;
    memmove(found + i + 1, found + i, (*n - i) * sizeof *found);
    found[i] = id;
    (*n)++;
}

/* A copy of ids[0..n) in the arena; NULL for none or when out of memory. */
static const uint32_t *arena_ids(es_arena_t *a, const uint32_t *ids, size_t n)
{
    uint32_t *copy = n ? es_arena_alloc(a, n * sizeof *copy) : NULL;
    if (copy)
        memcpy(copy, ids, n * sizeof *copy);
    return copy;
}

es_err es_analyzer_run(es_analyzer_t *an, es_mention_t *m, es_arena_t *a, const char **reason)
{
    size_t n_ids = 0, n_brands = 0, len = strlen(m->text);
    es_err rc = es_scorer_score(an->scorer, m->text, len, &m->sentiment, 0);
    if (rc == ES_ELIMIT) {
        *reason = "text over its limit";
        return ES_REJECTED;
    }
    m->fingerprint = es_dedup_fingerprint(m->text, len);
    if (rc == ES_OK)
        rc = es_classify(m, a);
    if (rc == ES_OK && an->matcher)
        rc = es_matcher_match(an->matcher, an->scratch, m, an->ids, ES_MAX_MATCHES, &n_ids,
                              an->found, MAX_BRANDS, &n_brands);
    if (rc)
        return rc;
    if (m->brand_hint && an->n_brands > 0)
        add_hint(an, m->brand_hint, an->found, &n_brands);
    m->matches = arena_ids(a, an->ids, n_ids);
    m->brands = arena_ids(a, an->found, n_brands);
    if ((n_ids && !m->matches) || (n_brands && !m->brands))
        return ES_ENOMEM;
    m->n_matches = (uint32_t)n_ids;
    m->n_brands = (uint32_t)n_brands;
    return ES_OK;
}
