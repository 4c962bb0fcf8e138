/*
 * match.c - matching one mention against every listening query (L2) at
 * stream speed. The text is folded once (fold.c: the bytes, their word
 * classes and word numbers), scanned once by the matcher's Hyperscan
 * database of literals, and each literal hit is kept only when it sits on
 * word boundaries (Hyperscan has no \b in UCP mode, so boundaries are checked
 * here on the match offsets). Then only the queries that use a term that
 * occurred, plus those that can match without any term, evaluate their trees
 * (eval.c). Per-thread state lives in an es_match_scratch_t.
 *
 * Called by the analysis pipeline for each mention and by `earshot query
 * test` (es_matcher_explain). The matcher is read-only here, so any number of
 * threads may match at once, each with its own scratch.
 */
#include <hs/hs.h>
#include <stdlib.h>
#include <string.h>

#include "listen/match.h"

#define OCC_MAX (1u << 18) /* positions kept per mention; hits beyond still count */

/* ------------------------------------------------------------------ */
/* Scratch                                                             */
/* ------------------------------------------------------------------ */

/* Makes the scratch for one thread (listen.h). Errors: ES_EINVAL, ES_ENOMEM.
 * Free it with es_match_scratch_free, before the matcher. */
es_err es_match_scratch_new(const es_matcher_t *m, es_match_scratch_t **out)
{
    if (!m || !out)
        return ES_EINVAL;
    *out = NULL;
    es_match_scratch_t *s = es_calloc(1, sizeof *s);
    if (!s)
        return ES_ENOMEM;
    s->m = m;
    size_t nt = m->nterms ? m->nterms : 1, nq = m->nqueries ? m->nqueries : 1;
    s->tgen = es_calloc(nt, sizeof *s->tgen);
    s->tfirst = es_calloc(nt, sizeof *s->tfirst);
    s->tcount = es_calloc(nt, sizeof *s->tcount);
    s->hit = es_calloc(nt, sizeof *s->hit);
    s->qgen = es_calloc(nq, sizeof *s->qgen);
    s->cand = es_calloc(nq, sizeof *s->cand);
    s->res = es_calloc(nq, sizeof *s->res);
    es_err rc = ES_ENOMEM;
    if (!s->tgen || !s->tfirst || !s->tcount || !s->hit || !s->qgen || !s->cand || !s->res)
        goto out;
    if (m->db && hs_alloc_scratch(m->db, &s->hs) != HS_SUCCESS)
        goto out;
    rc = ES_OK;
out:
    if (rc) {
        es_match_scratch_free(s);
        return rc;
    }
    *out = s;
    return ES_OK;
}

/* Frees a scratch; NULL is allowed. */
void es_match_scratch_free(es_match_scratch_t *s)
{
    if (!s)
        return;
    if (s->hs)
        hs_free_scratch(s->hs);
    es__listen_fold_cleanup(&s->f);
    for (int i = 0; i < 4; i++)
        es__listen_fold_cleanup(&s->field[i]);
    es_free(s->occ);
    es_free(s->tspan);
    es_free(s->pool);
    es_free(s->tgen);
    es_free(s->tfirst);
    es_free(s->tcount);
    es_free(s->hit);
    es_free(s->qgen);
    es_free(s->cand);
    es_free(s->res);
    es_free(s);
}

/* ------------------------------------------------------------------ */
/* Scanning                                                            */
/* ------------------------------------------------------------------ */

/* Hyperscan's callback: keeps a literal hit that sits on word boundaries. */
static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                  unsigned int flags, void *ctx)
{
    (void)from;
    (void)flags;
    es_match_scratch_t *s = ctx;
    const es__mterm *t = &s->m->terms[id];
    const uint8_t *cls = s->f.cls;
    /* Literals of folded text against folded text: the match is exactly
     * the literal, so its start needs no HS_FLAG_SOM_LEFTMOST. */
    size_t end = (size_t)to, start = end - t->len;
    if ((t->flags & ES__TF_LEFT) && start > 0 && cls[start - 1])
        return 0;
    if ((t->flags & ES__TF_RIGHT) && cls[end])
        return 0;
    if (t->flags & ES__TF_PREFIX)
        while (cls[end])
            end++;
    if (s->tgen[id] != s->gen) {
        s->tgen[id] = s->gen;
        s->tcount[id] = 0;
        s->hit[s->nhit++] = id;
    }
    /* Past OCC_MAX the hit still counts for AND/OR/NOT; only its position
     * is not kept. */
    if (s->nocc == s->occ_cap) {
        if (s->occ_cap >= OCC_MAX)
            return 0;
        size_t cap = s->occ_cap ? s->occ_cap * 2 : 64;
        es__occ *v = es_realloc(s->occ, cap * sizeof *v);
        if (!v) {
            s->err = ES_ENOMEM;
            return 1;
        }
        s->occ = v;
        s->occ_cap = cap;
    }
    es__occ *o = &s->occ[s->nocc++];
    o->term = id;
    o->sp.sb = (uint32_t)start;
    o->sp.eb = (uint32_t)end;
    o->sp.sw = s->f.widx[start] + (cls[start] ? 0 : 1);
    o->sp.ew = s->f.widx[end - 1];
    if (o->sp.ew < o->sp.sw)
        o->sp.ew = o->sp.sw;
    s->tcount[id]++;
    return 0;
}

/* Lays the occurrences out per term, in text order, in s->tspan. */
static es_err bucket(es_match_scratch_t *s)
{
    if (s->nocc > s->tspan_cap) {
        es__span *v = es_realloc(s->tspan, s->nocc * sizeof *v);
        if (!v)
            return ES_ENOMEM;
        s->tspan = v;
        s->tspan_cap = s->nocc;
    }
    uint32_t off = 0;
    for (uint32_t i = 0; i < s->nhit; i++) {
        uint32_t t = s->hit[i];
        s->tfirst[t] = off;
        off += s->tcount[t];
        s->tcount[t] = 0;
    }
    for (size_t i = 0; i < s->nocc; i++) {
        uint32_t t = s->occ[i].term;
        s->tspan[s->tfirst[t] + s->tcount[t]++] = s->occ[i].sp;
    }
    return ES_OK;
}

/* Folds and scans the mention's text: afterwards s knows every term that
 * occurred and where. */
static es_err prepare(const es_matcher_t *m, es_match_scratch_t *s, const es_mention_t *mention)
{
    if (!m || !s || !mention || s->m != m)
        return ES_EINVAL;
    const char *text = mention->text ? mention->text : "";
    size_t n = strlen(text);
    if (n > ES_MAX_TEXT)
        return ES_ELIMIT;
    if (++s->gen == 0) { /* the stamps wrapped: forget them all */
        memset(s->tgen, 0, (m->nterms ? m->nterms : 1) * sizeof *s->tgen);
        memset(s->qgen, 0, (m->nqueries ? m->nqueries : 1) * sizeof *s->qgen);
        memset(s->fgen, 0, sizeof s->fgen);
        s->gen = 1;
    }
    s->mention = mention;
    s->nocc = 0;
    s->nhit = 0;
    s->err = ES_OK;
    es_err rc = es__listen_fold(&s->f, text, n, 1);
    if (rc)
        return rc;
    if (m->db) {
        hs_error_t e = hs_scan(m->db, s->f.text, (unsigned)s->f.len, 0, s->hs, on_hit, s);
        if (s->err)
            return s->err;
        if (e != HS_SUCCESS)
            return e == HS_NOMEM ? ES_ENOMEM : ES_EINVAL;
    }
    return bucket(s);
}

/* ------------------------------------------------------------------ */
/* Matching                                                            */
/* ------------------------------------------------------------------ */

/* Ascending order of ids. */
static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts v[0..n) and removes repeats; returns the new count. */
static size_t sort_unique(uint32_t *v, size_t n)
{
    if (n < 2)
        return n;
    qsort(v, n, sizeof *v, cmp_u32);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

/* Adds query qi to the candidates unless it is there already. */
static void candidate(es_match_scratch_t *s, uint32_t qi)
{
    if (s->qgen[qi] != s->gen) {
        s->qgen[qi] = s->gen;
        s->cand[s->ncand++] = qi;
    }
}

/* Matches one mention (listen.h): ids receive up to max matching query ids,
 * ascending and without repeats, brands up to max_brands brand ids likewise;
 * *n_ids and *n_brands the numbers written (the lowest ids are kept when
 * there are more). Errors: ES_EINVAL (a scratch from another matcher),
 * ES_ELIMIT (a text over ES_MAX_TEXT), ES_ENOMEM. Uses only s and reads m:
 * threads with their own scratch may share m. */
es_err es_matcher_match(const es_matcher_t *m, es_match_scratch_t *s, const es_mention_t *mention,
                        uint32_t *ids, size_t max, size_t *n_ids, uint32_t *brands,
                        size_t max_brands, size_t *n_brands)
{
    if (n_ids)
        *n_ids = 0;
    if (n_brands)
        *n_brands = 0;
    es_err rc = prepare(m, s, mention);
    if (rc)
        return rc;
    s->ncand = 0;
    for (uint32_t i = 0; i < s->nhit; i++) {
        const es__mterm *t = &m->terms[s->hit[i]];
        for (uint32_t k = 0; k < t->npost; k++)
            candidate(s, m->post[t->post + k]);
    }
    for (uint32_t i = 0; i < m->nalways; i++)
        candidate(s, m->always[i]);
    size_t nres = 0;
    for (uint32_t i = 0; i < s->ncand; i++) {
        const es__mquery *mq = &m->queries[s->cand[i]];
        s->npool = 0;
        int r = es__listen_eval(s, mq->q, mq->q->root);
        if (r < 0)
            return (es_err)r;
        if (r)
            s->res[nres++] = s->cand[i];
    }
    /* The matched query indexes become ids, then brand ids. */
    for (size_t i = 0; i < nres; i++)
        s->cand[i] = m->queries[s->res[i]].id;
    for (size_t i = 0; i < nres; i++)
        s->res[i] = m->queries[s->res[i]].brand;
    size_t ni = sort_unique(s->cand, nres), nb = sort_unique(s->res, nres);
    if (ids && n_ids) {
        *n_ids = ni < max ? ni : max;
        memcpy(ids, s->cand, *n_ids * sizeof *ids);
    }
    if (brands && n_brands) {
        *n_brands = nb < max_brands ? nb : max_brands;
        memcpy(brands, s->res, *n_brands * sizeof *brands);
    }
    return ES_OK;
}

/* ------------------------------------------------------------------ */
/* Explaining                                                          */
/* ------------------------------------------------------------------ */

typedef struct explain_ctx {
    es_match_scratch_t *s;
    const es_query_t *q;
    es_match_hit_cb cb;
    void *ud;
} explain_ctx;

/* Reports the occurrences of node ni and of the terms under it. */
static es_err explain_node(explain_ctx *x, uint32_t ni)
{
    es_match_scratch_t *s = x->s;
    const es__node *n = &x->q->nodes[ni];
    char name[512];
    if (n->kind == ES__N_TERM || n->kind == ES__N_PHRASE || n->kind == ES__N_FIELD)
        (void)es__listen_format_node(x->q, ni, name, sizeof name);
    if (n->kind == ES__N_FIELD) {
        int r = es__listen_eval(s, x->q, ni);
        if (r < 0)
            return (es_err)r;
        if (r)
            x->cb(name, -1, -1, x->ud);
        return ES_OK;
    }
    if (n->kind == ES__N_TERM || n->kind == ES__N_PHRASE) {
        uint32_t off, cnt;
        s->npool = 0;
        es_err rc = es__listen_spans(s, x->q, ni, &off, &cnt);
        if (rc)
            return rc;
        for (uint32_t i = 0; i < cnt; i++) {
            const es__span *sp = &s->pool[off + i];
            x->cb(name, (long)s->f.map[sp->sb], (long)s->f.map[sp->eb], x->ud);
        }
        return ES_OK;
    }
    for (uint32_t i = 0; i < n->nkid; i++) {
        es_err rc = explain_node(x, x->q->kids[n->kid + i]);
        if (rc)
            return rc;
    }
    return ES_OK;
}

/* Reports, through cb, every term, phrase and field filter of query qi
 * (build order) found in the mention, with its byte range in the original
 * text ((-1, -1) for a field filter), in the order of the query. Errors: as
 * es_matcher_match, and ES_EINVAL for a qi out of range. The term name passed
 * to cb is valid during the call only. */
es_err es_matcher_explain(const es_matcher_t *m, es_match_scratch_t *s, size_t qi,
                          const es_mention_t *mention, es_match_hit_cb cb, void *ud)
{
    if (!m || !cb || qi >= m->nqueries)
        return ES_EINVAL;
    es_err rc = prepare(m, s, mention);
    if (rc)
        return rc;
    explain_ctx x = {s, m->queries[qi].q, cb, ud};
    return explain_node(&x, x.q->root);
}
