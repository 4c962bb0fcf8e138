/*
 * eval.c - evaluates a listening query's tree (L2) for the mention that
 * match.c has folded and scanned. A term is true when it occurred on word
 * boundaries; a phrase when its words occurred at consecutive word numbers;
 * NEAR/n when its operands occurred with at most n words between them, in
 * either order; a field filter when the mention's field equals its value
 * (folded; lang: also accepts a longer tag, so lang:en matches en-US).
 *
 * Phrases and NEAR work on spans (runs of word numbers), computed on a stack
 * in the scratch: each computation leaves its result just above where the
 * stack stood, which lets OR concatenate its operands' spans for free. A
 * span list is capped at SPAN_MAX entries so that a hostile text ("a a a
 * ...") cannot make NEAR quadratic without bound.
 *
 * Called by match.c only. Uses only the scratch it is given.
 */
#include <stdlib.h>
#include <string.h>

#include "listen/match.h"

#define SPAN_MAX 4096

/* Pushes a span on the scratch's stack; it grows geometrically and is kept
 * from mention to mention, so a steady stream allocates nothing. */
static es_err push(es_match_scratch_t *s, es__span sp)
{
    if (s->npool == s->pool_cap) {
        size_t cap = s->pool_cap ? s->pool_cap * 2 : 256;
        es__span *v = es_realloc(s->pool, cap * sizeof *v);
        if (!v)
            return ES_ENOMEM;
        s->pool = v;
        s->pool_cap = cap;
    }
    s->pool[s->npool++] = sp;
    return ES_OK;
}

/* Orders spans by first word, then last word: NEAR's window search needs
 * its right operand sorted by first word. */
static int cmp_span(const void *a, const void *b)
{
    const es__span *x = a, *y = b;
    if (x->sw != y->sw)
        return x->sw < y->sw ? -1 : 1;
    return (x->ew > y->ew) - (x->ew < y->ew);
}

/* Moves the spans at [from, npool) down to mark, sorted when asked. */
static uint32_t settle(es_match_scratch_t *s, size_t mark, size_t from, int sort)
{
    size_t n = s->npool - from;
    if (n > SPAN_MAX)
        n = SPAN_MAX;
    if (from != mark)
        memmove(s->pool + mark, s->pool + from, n * sizeof *s->pool);
    if (sort && n > 1)
        qsort(s->pool + mark, n, sizeof *s->pool, cmp_span);
    s->npool = mark + n;
    return (uint32_t)n;
}

/* The first index in the sorted b[0..n) whose first word is >= w. */
static size_t lower_bound(const es__span *b, size_t n, int64_t w)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((int64_t)b[mid].sw < w)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ------------------------------------------------------------------ */
/* Spans of each positional node                                       */
/* ------------------------------------------------------------------ */

/* A term's spans are its occurrences, already in text order (match.c
 * groups them per term); a term that did not occur has none. */
static es_err term_spans(es_match_scratch_t *s, const es__node *n)
{
    if (s->tgen[n->gid] != s->gen)
        return ES_OK;
    uint32_t first = s->tfirst[n->gid], cnt = s->tcount[n->gid];
    for (uint32_t i = 0; i < cnt && i < SPAN_MAX; i++) {
        es_err rc = push(s, s->tspan[first + i]);
        if (rc)
            return rc;
    }
    return ES_OK;
}

/* Words of a phrase, each at the word after the previous one. */
static es_err phrase_spans(es_match_scratch_t *s, const es_query_t *q, const es__node *n,
                           size_t mark)
{
    const uint32_t *k = n->nkid ? q->kids + n->kid : NULL;
    es_err rc = term_spans(s, &q->nodes[k[0]]);
    for (uint32_t w = 1; w < n->nkid && !rc && s->npool > mark; w++) {
        const es__node *t = &q->nodes[k[w]];
        if (s->tgen[t->gid] != s->gen) {
            s->npool = mark;
            break;
        }
        const es__span *b = s->tspan + s->tfirst[t->gid];
        size_t nb = s->tcount[t->gid], from = s->npool;
        for (size_t i = mark; i < from && !rc; i++) {
            es__span a = s->pool[i];
            size_t j = lower_bound(b, nb, (int64_t)a.ew + 1);
            if (j < nb && b[j].sw == a.ew + 1)
                rc = push(s, (es__span){a.sw, b[j].ew, a.sb, b[j].eb});
        }
        settle(s, mark, from, 0);
    }
    return rc;
}

/* One NEAR/d step: pairs of a span at [mark, mark+na) and one of the
 * operand's spans at [bo, bo+nb), disjoint, with at most d words between. */
static es_err near_step(es_match_scratch_t *s, size_t mark, size_t na, size_t bo, size_t nb,
                        int64_t d)
{
    /* A span of b can end after a starts only if it starts at most maxlen
     * words before: that bounds where the window begins. */
    int64_t maxlen = 0;
    for (size_t j = 0; j < nb; j++)
        if ((int64_t)s->pool[bo + j].ew - s->pool[bo + j].sw > maxlen)
            maxlen = (int64_t)s->pool[bo + j].ew - s->pool[bo + j].sw;
    size_t from = s->npool;
    for (size_t i = 0; i < na && s->npool - from < SPAN_MAX; i++) {
        es__span a = s->pool[mark + i];
        size_t j = lower_bound(s->pool + bo, nb, (int64_t)a.sw - d - 1 - maxlen);
        for (; j < nb; j++) {
            es__span b = s->pool[bo + j];
            if ((int64_t)b.sw > (int64_t)a.ew + d + 1)
                break;
            int64_t gap;
            if (b.ew < a.sw)
                gap = (int64_t)a.sw - b.ew - 1;
            else if (a.ew < b.sw)
                gap = (int64_t)b.sw - a.ew - 1;
            else
                continue; /* the same words: not two occurrences */
            if (gap > d)
                continue;
            es__span r = {a.sw < b.sw ? a.sw : b.sw, a.ew > b.ew ? a.ew : b.ew,
                          a.sb < b.sb ? a.sb : b.sb, a.eb > b.eb ? a.eb : b.eb};
            es_err rc = push(s, r);
            if (rc)
                return rc;
        }
    }
    settle(s, mark, from, 1);
    return ES_OK;
}

/* Every case leaves its result at [mark, npool) and nothing above it: OR
 * relies on that to concatenate, NEAR to find its operands side by side. */
es_err es__listen_spans(es_match_scratch_t *s, const es_query_t *q, uint32_t ni, uint32_t *off,
                        uint32_t *cnt)
{
    const es__node *n = &q->nodes[ni];
    const uint32_t *k = n->nkid ? q->kids + n->kid : NULL;
    size_t mark = s->npool;
    es_err rc = ES_OK;
    uint32_t o, c;
    switch (n->kind) {
    case ES__N_TERM: rc = term_spans(s, n); break;
    case ES__N_PHRASE: rc = phrase_spans(s, q, n, mark); break;
    case ES__N_OR:
        for (uint32_t i = 0; i < n->nkid && !rc; i++)
            rc = es__listen_spans(s, q, k[i], &o, &c);
        if (!rc)
            settle(s, mark, mark, 1);
        break;
    case ES__N_NEAR:
        rc = es__listen_spans(s, q, k[0], &o, &c);
        for (uint32_t i = 1; i < n->nkid && !rc && s->npool > mark; i++) {
            size_t na = s->npool - mark, bo = s->npool;
            if ((rc = es__listen_spans(s, q, k[i], &o, &c)))
                break;
            rc = near_step(s, mark, na, bo, c, n->dist[i - 1]);
        }
        break;
    default: break; /* not positional: no spans */
    }
    *off = (uint32_t)mark;
    *cnt = (uint32_t)(s->npool - mark);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Truth                                                               */
/* ------------------------------------------------------------------ */

/* A field filter against the mention's field, folded once per mention. */
static int field_match(es_match_scratch_t *s, const es__node *n)
{
    const es_mention_t *mt = s->mention;
    const char *v = n->flags == ES__F_AUTHOR   ? mt->author
                    : n->flags == ES__F_SOURCE ? mt->source
                    : n->flags == ES__F_LANG   ? mt->lang
                                               : mt->location;
    if (!v)
        return 0;
    es__fold_out *f = &s->field[n->flags];
    if (s->fgen[n->flags] != s->gen) {
        if (n->flags == ES__F_AUTHOR)
            while (*v == '@')
                v++;
        es_err rc = es__listen_fold(f, v, strlen(v), 0);
        if (rc)
            return rc;
        s->fgen[n->flags] = s->gen;
    }
    if (f->len == n->lit_len)
        return memcmp(f->text, n->lit, f->len) == 0;
    return n->flags == ES__F_LANG && f->len > n->lit_len &&
           memcmp(f->text, n->lit, n->lit_len) == 0 &&
           (f->text[n->lit_len] == '-' || f->text[n->lit_len] == '_');
}

/* A quick necessary condition for a positional node: every word of a
 * phrase, every operand of NEAR, some operand of OR occurred at all. */
static int present(const es_match_scratch_t *s, const es_query_t *q, uint32_t ni)
{
    const es__node *n = &q->nodes[ni];
    if (n->kind == ES__N_TERM)
        return s->tgen[n->gid] == s->gen;
    int any = 0;
    for (uint32_t i = 0; i < n->nkid; i++) {
        int r = present(s, q, q->kids[n->kid + i]);
        if (n->kind == ES__N_OR && r)
            return 1;
        if (n->kind != ES__N_OR && !r)
            return 0;
        any |= r;
    }
    return n->kind == ES__N_OR ? any : 1;
}

/* Booleans short-circuit; positions are computed only for phrases and NEAR,
 * and only once present() says every word they need occurred, which is the
 * common way out for a candidate query. */
int es__listen_eval(es_match_scratch_t *s, const es_query_t *q, uint32_t ni)
{
    const es__node *n = &q->nodes[ni];
    const uint32_t *k = n->nkid ? q->kids + n->kid : NULL;
    int r;
    switch (n->kind) {
    case ES__N_TERM: return s->tgen[n->gid] == s->gen;
    case ES__N_FIELD: return field_match(s, n);
    case ES__N_NOT: r = es__listen_eval(s, q, k[0]); return r < 0 ? r : !r;
    case ES__N_AND:
    case ES__N_OR:
        for (uint32_t i = 0; i < n->nkid; i++) {
            r = es__listen_eval(s, q, k[i]);
            if (r < 0 || (n->kind == ES__N_AND && r == 0) || (n->kind == ES__N_OR && r == 1))
                return r;
        }
        return n->kind == ES__N_AND;
    default: {
        if (!present(s, q, ni))
            return 0; /* a word is missing: no need for positions */
        size_t mark = s->npool;
        uint32_t off, cnt;
        es_err rc = es__listen_spans(s, q, ni, &off, &cnt);
        s->npool = mark;
        return rc ? (int)rc : cnt > 0;
    }
    }
}
