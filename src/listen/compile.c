/*
 * compile.c - turns every listening query (L2) into one matcher: each query
 * is parsed, the distinct terms of all of them (phrase words included) are
 * numbered, and those terms are compiled together into ONE Hyperscan
 * database of pure literals (the fastest kind to compile and to scan; the
 * text is folded the same way as the terms, so no case flag is needed, and
 * word boundaries are checked on the match offsets by match.c). Each term
 * keeps the list of the queries that use it, so that a mention only
 * evaluates the queries one of whose terms occurred, plus the few that can
 * match without any term (NOT-only or field-only queries).
 *
 * Called by the CLI and the analysis pipeline when the queries change;
 * compiling is slow next to matching, so it is done once and the matcher is
 * shared read-only by every thread.
 */
#include <hs/hs.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "listen/query.h"

/* ------------------------------------------------------------------ */
/* Triggers: the terms without which a query cannot match              */
/* ------------------------------------------------------------------ */

/* A query is evaluated for a mention only when one of its trigger terms
 * occurred: a set of terms such that the query cannot be true unless one of
 * them is in the text. A term triggers itself; a phrase needs all its words,
 * so its cheapest word will do, and likewise the cheapest operand of NEAR or
 * AND; OR needs the union of its operands' sets; NOT and field filters give
 * no set, so a query whose root has none (NOT-only, field-only) is evaluated
 * for every mention. A term's cost estimates how often it will fire: the
 * number of queries that use it (popular words are common words), plus a
 * little for short words. */
#define NO_TRIGGER 1e300

static double trig_cost(const es_matcher_t *m, const es_query_t *q, uint32_t ni, uint32_t *choice)
{
    const es__node *n = &q->nodes[ni];
    const uint32_t *k = n->nkid ? q->kids + n->kid : NULL;
    double best = NO_TRIGGER, sum = 0;
    uint32_t pick = 0;
    switch (n->kind) {
    case ES__N_TERM: return m->terms[n->gid].cost;
    case ES__N_PHRASE:
    case ES__N_NEAR:
    case ES__N_AND:
        for (uint32_t i = 0; i < n->nkid; i++) {
            double c = trig_cost(m, q, k[i], NULL);
            if (c < best) {
                best = c;
                pick = k[i];
            }
        }
        if (choice)
            *choice = pick;
        return best;
    case ES__N_OR:
        for (uint32_t i = 0; i < n->nkid; i++) {
            double c = trig_cost(m, q, k[i], NULL);
            if (c >= NO_TRIGGER)
                return NO_TRIGGER;
            sum += c;
        }
        return sum;
    default: return NO_TRIGGER;
    }
}

/* Calls add for each trigger term of node ni (which has a trigger set). */
static void trig_collect(es_matcher_t *m, const es_query_t *q, uint32_t ni, uint32_t qi,
                         void (*add)(es_matcher_t *, uint32_t, uint32_t, void *), void *ud)
{
    const es__node *n = &q->nodes[ni];
    uint32_t pick = 0;
    if (n->kind == ES__N_TERM) {
        add(m, n->gid, qi, ud);
    } else if (n->kind == ES__N_OR) {
        for (uint32_t i = 0; i < n->nkid; i++)
            trig_collect(m, q, q->kids[n->kid + i], qi, add, ud);
    } else {
        (void)trig_cost(m, q, ni, &pick);
        trig_collect(m, q, pick, qi, add, ud);
    }
}

/* ------------------------------------------------------------------ */
/* Numbering the distinct terms                                        */
/* ------------------------------------------------------------------ */

/* An open-addressing table from (literal, prefix flag) to term id: the same
 * word in two queries is scanned for once. */
typedef struct term_table {
    uint32_t *slot; /* term id + 1; 0 is empty */
    size_t mask;
} term_table;

/* Gives node nd the id of its (literal, prefix) term, adding it if new. */
static void intern(es_matcher_t *m, term_table *h, es__node *nd)
{
    uint8_t prefix = nd->flags & ES__TF_PREFIX;
    size_t i = (size_t)(XXH3_64bits(nd->lit, nd->lit_len) ^ prefix) & h->mask;
    for (;; i = (i + 1) & h->mask) {
        uint32_t s = h->slot[i];
        if (!s)
            break;
        es__mterm *t = &m->terms[s - 1];
        if (t->len == nd->lit_len && (t->flags & ES__TF_PREFIX) == prefix &&
            memcmp(t->lit, nd->lit, t->len) == 0) {
            nd->gid = s - 1;
            return;
        }
    }
    es__mterm *t = &m->terms[m->nterms];
    t->lit = nd->lit;
    t->len = nd->lit_len;
    t->flags = nd->flags;
    nd->gid = m->nterms++;
    h->slot[i] = m->nterms;
}

typedef struct post_ctx {
    uint32_t *last; /* per term: 1 + the last query listed */
    int pass;       /* 0 counts, 1 fills */
} post_ctx;

/* Lists query qi under trigger term g (once). */
static void add_post(es_matcher_t *m, uint32_t g, uint32_t qi, void *ud)
{
    post_ctx *pc = ud;
    es__mterm *t = &m->terms[g];
    if (pc->last[g] == qi + 1)
        return;
    pc->last[g] = qi + 1;
    if (pc->pass == 1)
        m->post[t->post + t->npost] = qi;
    t->npost++;
}

/* Numbers the terms and builds each term's list of queries. */
static es_err index_terms(es_matcher_t *m)
{
    size_t total = 0;
    for (uint32_t qi = 0; qi < m->nqueries; qi++)
        total += m->queries[qi].q->nnodes;
    size_t cap = 16;
    while (cap < total * 2)
        cap *= 2;
    term_table h = {es_calloc(cap, sizeof(uint32_t)), cap - 1};
    uint32_t *last = NULL;
    es_err rc = ES_ENOMEM;
    m->terms = es_calloc(total ? total : 1, sizeof *m->terms);
    m->post = es_calloc(total ? total : 1, sizeof *m->post);
    last = es_calloc(total ? total : 1, sizeof *last);
    if (!h.slot || !m->terms || !m->post || !last)
        goto out;
    for (uint32_t qi = 0; qi < m->nqueries; qi++) {
        es_query_t *q = m->queries[qi].q;
        for (uint32_t i = 0; i < q->nnodes; i++)
            if (q->nodes[i].kind == ES__N_TERM)
                intern(m, &h, &q->nodes[i]);
    }
    /* A term's cost: how many queries use it, a little more when short. */
    for (uint32_t qi = 0; qi < m->nqueries; qi++) {
        const es_query_t *q = m->queries[qi].q;
        for (uint32_t i = 0; i < q->nnodes; i++) {
            uint32_t g = q->nodes[i].gid;
            if (q->nodes[i].kind == ES__N_TERM && last[g] != qi + 1) {
                last[g] = qi + 1;
                m->terms[g].cost += 1.0;
            }
        }
    }
    for (uint32_t t = 0; t < m->nterms; t++)
        m->terms[t].cost += 16.0 / (double)m->terms[t].len;
    /* Each query's triggers, counted, then laid out per term. */
    post_ctx pc = {last, 0};
    for (pc.pass = 0; pc.pass < 2; pc.pass++) {
        memset(last, 0, total * sizeof *last);
        uint32_t off = 0;
        for (uint32_t t = 0; pc.pass == 1 && t < m->nterms; t++) {
            m->terms[t].post = off;
            off += m->terms[t].npost;
            m->terms[t].npost = 0;
        }
        for (uint32_t qi = 0; qi < m->nqueries; qi++) {
            es__mquery *mq = &m->queries[qi];
            if (trig_cost(m, mq->q, mq->q->root, NULL) >= NO_TRIGGER)
                mq->always = 1;
            else
                trig_collect(m, mq->q, mq->q->root, qi, add_post, &pc);
        }
    }
    rc = ES_OK;
out:
    es_free(h.slot);
    es_free(last);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Hyperscan                                                           */
/* ------------------------------------------------------------------ */

/* Compiles the terms into one block-mode literal database. */
static es_err compile_db(es_matcher_t *m, es_query_error *err)
{
    if (m->nterms == 0)
        return ES_OK;
    es_err rc = ES_ENOMEM;
    const char **lits = es_calloc(m->nterms, sizeof *lits);
    unsigned *flags = es_calloc(m->nterms, sizeof *flags);
    unsigned *ids = es_calloc(m->nterms, sizeof *ids);
    size_t *lens = es_calloc(m->nterms, sizeof *lens);
    if (!lits || !flags || !ids || !lens)
        goto out;
    for (uint32_t t = 0; t < m->nterms; t++) {
        lits[t] = m->terms[t].lit;
        lens[t] = m->terms[t].len;
        ids[t] = t;
    }
    hs_compile_error_t *cerr = NULL;
    if (hs_compile_lit_multi(lits, flags, ids, lens, m->nterms, HS_MODE_BLOCK, NULL, &m->db,
                             &cerr) != HS_SUCCESS) {
        if (err) {
            err->column = 0;
            snprintf(err->reason, sizeof err->reason, "Hyperscan refused the terms: %s",
                     cerr && cerr->message ? cerr->message : "unknown error");
        }
        hs_free_compile_error(cerr);
        m->db = NULL;
        rc = ES_EINVAL;
        goto out;
    }
    if (hs_database_size(m->db, &m->db_bytes) != HS_SUCCESS)
        m->db_bytes = 0;
    rc = ES_OK;
out:
    es_free(lits);
    es_free(flags);
    es_free(ids);
    es_free(lens);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                 */
/* ------------------------------------------------------------------ */

/* Builds a matcher from n query definitions (listen.h). On ES_EPARSE *bad
 * is the index of the refused query and *err says where and why; when
 * Hyperscan itself refuses the terms the result is ES_EINVAL, *bad is n and
 * *err holds its message. Other errors: ES_EINVAL (NULL text), ES_ENOMEM.
 * The matcher copies nothing from defs after returning; free it with
 * es_matcher_free. Reentrant; the matcher is then read-only and shareable. */
es_err es_matcher_build(const es_query_def *defs, size_t n, es_matcher_t **out, size_t *bad,
                        es_query_error *err)
{
    es_err rc = ES_OK;
    if (!out || (n && !defs))
        return ES_EINVAL;
    *out = NULL;
    if (n > UINT32_MAX / 2)
        return ES_ELIMIT;
    es_matcher_t *m = es_calloc(1, sizeof *m);
    if (!m)
        return ES_ENOMEM;
    if (n && !(m->queries = es_calloc(n, sizeof *m->queries))) {
        rc = ES_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!defs[i].text) {
            rc = ES_EINVAL;
        } else {
            rc = es_query_parse(defs[i].text, &m->queries[i].q, err);
        }
        if (rc) {
            if (bad)
                *bad = i;
            goto out;
        }
        m->queries[i].id = defs[i].id;
        m->queries[i].brand = defs[i].brand_id;
        m->nqueries++;
    }
    if ((rc = index_terms(m)))
        goto out;
    if (n && !(m->always = es_calloc(n, sizeof *m->always))) {
        rc = ES_ENOMEM;
        goto out;
    }
    for (uint32_t qi = 0; qi < m->nqueries; qi++)
        if (m->queries[qi].always)
            m->always[m->nalways++] = qi;
    if ((rc = compile_db(m, err)) && bad)
        *bad = n;
out:
    if (rc) {
        es_matcher_free(m);
        return rc;
    }
    *out = m;
    return ES_OK;
}

/* Frees a matcher and its queries; NULL is allowed. No scratch made from it
 * may be used afterwards. */
void es_matcher_free(es_matcher_t *m)
{
    if (!m)
        return;
    if (m->db)
        hs_free_database(m->db);
    for (uint32_t i = 0; i < m->nqueries; i++)
        es_query_free(m->queries[i].q);
    es_free(m->queries);
    es_free(m->terms);
    es_free(m->post);
    es_free(m->always);
    es_free(m);
}
