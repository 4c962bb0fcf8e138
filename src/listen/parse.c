/*
 * parse.c - the listening query parser (L2): tokens from lexer.c become an
 * expression tree (query.h), checked against the documented limits, and a
 * tree is written back in canonical form (fully parenthesised, upper-case
 * operators, terms as written). Grammar and precedence: docs/queries.md.
 *
 *   or   = and { "OR" and }
 *   and  = unary { ["AND"] unary }          adjacent operands: implicit AND
 *   unary = { "NOT" | "-" } near             NOT NOT x is x
 *   near = primary { "NEAR/n" primary }      operands must give positions
 *   primary = "(" or ")" | term | phrase | field
 *
 * The parser keeps operands on a stack and moves each operator's operands
 * into the query's kids array when the operator is complete, so that the
 * children of a node are contiguous. Called by es_query_parse (public) and by
 * es_matcher_build. Reentrant.
 */
#include <stdio.h>
#include <string.h>

#include "listen/query.h"

/* The state of one parse. Nodes and kids grow in the query itself; the
 * operand stack and the fold buffer are the parser's and die with it. */
typedef struct parser {
    const char *q;
    es__tok *t;
    size_t pos;
    es_query_t *qr;
    size_t node_cap, kid_cap;
    uint32_t *stk;
    size_t nstk, stk_cap;
    int pdepth; /* parentheses open */
    es__fold_out fold;
    es_query_error *err;
} parser;

/* ------------------------------------------------------------------ */
/* Building nodes                                                      */
/* ------------------------------------------------------------------ */

/* Appends a node; *ni receives its index. */
static es_err new_node(parser *p, es__node_kind kind, size_t off, uint32_t *ni)
{
    es_query_t *q = p->qr;
    if (q->nnodes == p->node_cap) {
        size_t cap = p->node_cap ? p->node_cap * 2 : 16;
        es__node *v = es_realloc(q->nodes, cap * sizeof *v);
        if (!v)
            return ES_ENOMEM;
        q->nodes = v;
        p->node_cap = cap;
    }
    es__node *nd = &q->nodes[q->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->kind = (uint8_t)kind;
    nd->off = off;
    *ni = q->nnodes++;
    return ES_OK;
}

/* Pushes node ni on the operand stack, where it waits for its operator. */
static es_err push(parser *p, uint32_t ni)
{
    if (p->nstk == p->stk_cap) {
        size_t cap = p->stk_cap ? p->stk_cap * 2 : 16;
        uint32_t *v = es_realloc(p->stk, cap * sizeof *v);
        if (!v)
            return ES_ENOMEM;
        p->stk = v;
        p->stk_cap = cap;
    }
    p->stk[p->nstk++] = ni;
    return ES_OK;
}

/* Makes an operator node whose operands are the stack above base, and
 * checks the nesting limit. The limit is on the tree, not on the text, so
 * that the canonical form (which adds parentheses for precedence) of any
 * accepted query is accepted too: its parentheses never outnumber its
 * operators. */
static es_err add_op(parser *p, es__node_kind kind, size_t off, size_t base, uint32_t *ni)
{
    es_query_t *q = p->qr;
    size_t k = p->nstk - base;
    if (q->nkids + k > p->kid_cap) {
        size_t cap = p->kid_cap ? p->kid_cap * 2 : 16;
        while (cap < q->nkids + k)
            cap *= 2;
        uint32_t *v = es_realloc(q->kids, cap * sizeof *v);
        if (!v)
            return ES_ENOMEM;
        q->kids = v;
        p->kid_cap = cap;
    }
    es_err rc = new_node(p, kind, off, ni);
    if (rc)
        return rc;
    es__node *nd = &q->nodes[*ni];
    nd->kid = q->nkids;
    nd->nkid = (uint16_t)k;
    int depth = 0;
    for (size_t i = 0; i < k; i++) {
        uint32_t c = p->stk[base + i];
        q->kids[q->nkids++] = c;
        if (q->nodes[c].depth > depth)
            depth = q->nodes[c].depth;
    }
    p->nstk = base;
    if (depth + 1 > ES__Q_MAX_DEPTH) {
        es__listen_error(p->err, p->q, off, "operators nested deeper than %d levels",
                         ES__Q_MAX_DEPTH);
        return ES_EPARSE;
    }
    nd->depth = (uint8_t)(depth + 1);
    return ES_OK;
}

/* Counts one more term (a word, a phrase word or a field filter) against
 * ES__Q_MAX_TERMS, which bounds the size of a query's tree and so the work
 * one mention can cost. */
static es_err count_term(parser *p, size_t off)
{
    if (++p->qr->nterms > ES__Q_MAX_TERMS) {
        es__listen_error(p->err, p->q, off, "too many terms (the limit is %d)", ES__Q_MAX_TERMS);
        return ES_EPARSE;
    }
    return ES_OK;
}

/* Folds s[0..n) (fold.c, the same folding as texts get) into a new string
 * in *lit: the byte string the matcher looks for. */
static es_err fold_dup(parser *p, const char *s, size_t n, char **lit, uint32_t *len)
{
    es_err rc = es__listen_fold(&p->fold, s, n, 0);
    if (rc)
        return rc;
    *lit = es_strndup(p->fold.text, p->fold.len);
    *len = (uint32_t)p->fold.len;
    return *lit ? ES_OK : ES_ENOMEM;
}

/* One term (a bare token or a word of a phrase) at byte offset off. The
 * raw text is kept for the canonical form, the folded literal for the
 * matcher, and the boundary flags say where match.c must find a non-word
 * character: "#late" needs one before the '#', "c++" none after the '+',
 * "deliver*" none after the prefix. */
static es_err make_term(parser *p, const char *s, size_t n, size_t off, uint32_t *ni)
{
    es_err rc = count_term(p, off);
    if (rc)
        return rc;
    const char *star = memchr(s, '*', n);
    int prefix = 0;
    size_t body = n;
    size_t lead = (s[0] == '#' || s[0] == '@') ? 1 : 0;
    if (star && star != s + n - 1) {
        es__listen_error(p->err, p->q, off + (size_t)(star - s),
                         "a wildcard '*' may only end a term");
        return ES_EPARSE;
    }
    if (star) {
        prefix = 1;
        body = n - 1;
        size_t cps = 0;
        for (size_t i = lead; i < body; i++)
            cps += ((unsigned char)s[i] & 0xC0) != 0x80;
        if (cps < ES__Q_MIN_PREFIX) {
            es__listen_error(p->err, p->q, off,
                             "a wildcard needs at least %d characters before '*'",
                             ES__Q_MIN_PREFIX);
            return ES_EPARSE;
        }
    }
    if (lead && body == 1) {
        es__listen_error(p->err, p->q, off, s[0] == '#' ? "empty hashtag" : "empty handle");
        return ES_EPARSE;
    }
    if ((rc = new_node(p, ES__N_TERM, off, ni)))
        return rc;
    es__node *nd = &p->qr->nodes[*ni];
    if (!(nd->raw = es_strndup(s, body)))
        return ES_ENOMEM;
    if ((rc = fold_dup(p, s, body, &nd->lit, &nd->lit_len)))
        return rc;
    if (nd->lit_len > ES__Q_MAX_LITERAL) {
        /* Some characters fold to many (U+FDFA to 18): keep Hyperscan's
         * pattern length limit out of reach. */
        es__listen_error(p->err, p->q, off, "the term is longer than %d bytes once normalised",
                         ES__Q_MAX_LITERAL);
        return ES_EPARSE;
    }
    if (nd->lit_len == 0) {
        es__listen_error(p->err, p->q, off, "the term has nothing left to match once normalised");
        return ES_EPARSE;
    }
    /* Boundaries: before a word character or a #/@ sign, and after a word
     * character unless the term is a prefix. */
    int32_t first, last = -1;
    (void)es__listen_utf8_next(nd->lit, nd->lit_len, &first);
    size_t k = nd->lit_len;
    while (k > 0 && ((unsigned char)nd->lit[k - 1] & 0xC0) == 0x80)
        k--;
    if (k > 0)
        (void)es__listen_utf8_next(nd->lit + k - 1, nd->lit_len - k + 1, &last);
    if (es__listen_is_word_cp(first) || first == '#' || first == '@')
        nd->flags |= ES__TF_LEFT;
    if (!prefix && es__listen_is_word_cp(last))
        nd->flags |= ES__TF_RIGHT;
    if (prefix)
        nd->flags |= ES__TF_PREFIX;
    return ES_OK;
}

/* A quoted phrase: its words, or a single term. Words are split on white
 * space only; punctuation stays inside a word ("at&t"), as it would in a
 * bare term, so that a phrase of one word is exactly that term. */
static es_err make_phrase(parser *p, const es__tok *t, uint32_t *ni)
{
    size_t base = p->nstk;
    es_err rc = ES_OK;
    for (size_t i = 0; i < t->len;) {
        int32_t cp;
        size_t l = es__listen_utf8_next(t->text + i, t->len - i, &cp);
        if (es__listen_is_space_cp(cp)) {
            i += l;
            continue;
        }
        size_t j = i;
        while (j < t->len) {
            l = es__listen_utf8_next(t->text + j, t->len - j, &cp);
            if (es__listen_is_space_cp(cp))
                break;
            j += l;
        }
        uint32_t w;
        if ((rc = make_term(p, t->text + i, j - i, t->text_off + i, &w)) || (rc = push(p, w)))
            return rc;
        i = j;
    }
    if (p->nstk - base == 1) {
        *ni = p->stk[--p->nstk];
        return ES_OK;
    }
    if ((rc = add_op(p, ES__N_PHRASE, t->off, base, ni)))
        return rc;
    p->qr->nodes[*ni].depth = 0; /* a phrase is a leaf for nesting */
    return ES_OK;
}

/* A field filter: the value as written, and folded without a leading '@'
 * for author:. */
static es_err make_field(parser *p, const es__tok *t, uint32_t *ni)
{
    es_err rc = count_term(p, t->off);
    if (rc || (rc = new_node(p, ES__N_FIELD, t->off, ni)))
        return rc;
    es__node *nd = &p->qr->nodes[*ni];
    nd->flags = (uint8_t)t->num;
    if (!(nd->raw = es_strndup(t->text, t->len)))
        return ES_ENOMEM;
    size_t a = 0;
    if (t->num == ES__F_AUTHOR)
        while (a < t->len && t->text[a] == '@')
            a++;
    return fold_dup(p, t->text + a, t->len - a, &nd->lit, &nd->lit_len);
}

/* ------------------------------------------------------------------ */
/* The grammar                                                         */
/* ------------------------------------------------------------------ */

static es_err parse_or(parser *p, uint32_t *ni);

/* The current token; the array always ends with ES__T_END, so looking at
 * the current token never runs off the end. */
static const es__tok *tok(const parser *p)
{
    return &p->t[p->pos];
}

/* 1 when the token can begin an operand of AND or OR. */
static int operand_start(const es__tok *t)
{
    return t->kind == ES__T_LPAREN || t->kind == ES__T_TERM || t->kind == ES__T_PHRASE ||
           t->kind == ES__T_FIELD || t->kind == ES__T_NOT;
}

/* The name of an operator token, for messages. */
static const char *op_name(const es__tok *t, char *buf, size_t size)
{
    switch (t->kind) {
    case ES__T_AND: return "AND";
    case ES__T_OR: return "OR";
    case ES__T_NOT: return t->text ? "NOT" : "'-'";
    case ES__T_NEAR: snprintf(buf, size, "NEAR/%d", t->num); return buf;
    default: return "the operator";
    }
}

/* Refuses an operator that has no operand after it. */
static es_err dangling(parser *p, const es__tok *op)
{
    char b[16];
    es__listen_error(p->err, p->q, op->off, "%s needs a term after it", op_name(op, b, sizeof b));
    return ES_EPARSE;
}

/* primary = "(" or ")" | term | phrase | field. Parentheses make no node:
 * the group is its content, so "((a))" and "a" are the same tree. Every
 * misplaced token ends up here, which is why the messages about missing
 * operands are written here. */
static es_err parse_primary(parser *p, uint32_t *ni)
{
    const es__tok *t = tok(p);
    char b[16];
    es_err rc;
    switch (t->kind) {
    case ES__T_LPAREN:
        if (++p->pdepth > ES__Q_MAX_DEPTH) {
            es__listen_error(p->err, p->q, t->off, "parentheses nested deeper than %d levels",
                             ES__Q_MAX_DEPTH);
            return ES_EPARSE;
        }
        p->pos++;
        if (tok(p)->kind == ES__T_END) {
            es__listen_error(p->err, p->q, t->off, "unbalanced parenthesis: '(' is never closed");
            return ES_EPARSE;
        }
        if (tok(p)->kind == ES__T_RPAREN) {
            es__listen_error(p->err, p->q, t->off, "empty parentheses");
            return ES_EPARSE;
        }
        if ((rc = parse_or(p, ni)))
            return rc;
        if (tok(p)->kind != ES__T_RPAREN) {
            es__listen_error(p->err, p->q, t->off, "unbalanced parenthesis: '(' is never closed");
            return ES_EPARSE;
        }
        p->pos++;
        p->pdepth--;
        return ES_OK;
    case ES__T_TERM: p->pos++; return make_term(p, t->text, t->len, t->off, ni);
    case ES__T_PHRASE: p->pos++; return make_phrase(p, t, ni);
    case ES__T_FIELD: p->pos++; return make_field(p, t, ni);
    case ES__T_RPAREN:
        es__listen_error(p->err, p->q, t->off, "unbalanced parenthesis: ')' without '('");
        return ES_EPARSE;
    case ES__T_END:
        es__listen_error(p->err, p->q, t->off, "a term is missing at the end of the query");
        return ES_EPARSE;
    default:
        es__listen_error(p->err, p->q, t->off, "%s needs a term before it",
                         op_name(t, b, sizeof b));
        return ES_EPARSE;
    }
}

/* Refuses a NEAR operand that gives no word positions. */
static es_err near_operand(parser *p, const es__tok *op, uint32_t ni)
{
    if (es__listen_positional(p->qr, ni))
        return ES_OK;
    char b[16];
    es__listen_error(p->err, p->q, op->off, "%s works on terms, phrases and OR groups of them only",
                     op_name(op, b, sizeof b));
    return ES_EPARSE;
}

/* near = primary { NEAR/n primary }. A chain is one n-ary node with a
 * distance between each pair of operands, evaluated from the left, so that
 * a long chain does not nest (and "a NEAR/1 b NEAR/2 c" formats back as
 * itself). */
static es_err parse_near(parser *p, uint32_t *ni)
{
    uint32_t x = 0;
    es_err rc = parse_primary(p, &x);
    if (rc || tok(p)->kind != ES__T_NEAR) {
        *ni = x;
        return rc;
    }
    uint8_t dist[ES__Q_MAX_TERMS + 1];
    size_t nd = 0, base = p->nstk;
    const es__tok *first = tok(p);
    if ((rc = near_operand(p, first, x)) || (rc = push(p, x)))
        return rc;
    while (tok(p)->kind == ES__T_NEAR) {
        const es__tok *op = tok(p);
        p->pos++;
        const es__tok *t = tok(p);
        if (t->kind != ES__T_LPAREN && t->kind != ES__T_TERM && t->kind != ES__T_PHRASE &&
            t->kind != ES__T_FIELD)
            return dangling(p, op);
        if ((rc = parse_primary(p, &x)) || (rc = near_operand(p, op, x)) || (rc = push(p, x)))
            return rc;
        if (nd < sizeof dist)
            dist[nd++] = (uint8_t)op->num;
    }
    if ((rc = add_op(p, ES__N_NEAR, first->off, base, ni)))
        return rc;
    es__node *n = &p->qr->nodes[*ni];
    if (!(n->dist = es_malloc(nd)))
        return ES_ENOMEM;
    memcpy(n->dist, dist, nd);
    return ES_OK;
}

/* unary = { NOT | - } near. A run of NOTs is counted rather than nested:
 * an even number cancels out, and NOT of a parenthesised NOT also cancels, so
 * the tree never holds NOT NOT (which keeps the canonical form stable). */
static es_err parse_unary(parser *p, uint32_t *ni)
{
    const es__tok *op = NULL;
    int count = 0;
    while (tok(p)->kind == ES__T_NOT) {
        if (!op)
            op = tok(p);
        count++;
        p->pos++;
    }
    if (op && !operand_start(tok(p)))
        return dangling(p, op);
    uint32_t x = 0;
    es_err rc = parse_near(p, &x);
    if (rc || count % 2 == 0) {
        *ni = x;
        return rc;
    }
    const es__node *nx = &p->qr->nodes[x];
    if (nx->kind == ES__N_NOT) { /* NOT (NOT x) is x */
        *ni = p->qr->kids[nx->kid];
        return ES_OK;
    }
    size_t base = p->nstk;
    if ((rc = push(p, x)))
        return rc;
    return add_op(p, ES__N_NOT, op->off, base, ni);
}

/* and = unary { [AND] unary } when op is AND, or = and { OR and } when op
 * is OR. A run of the same operator is one n-ary node: "a b c" is
 * (a AND b AND c), not ((a AND b) AND c), for the same reason as NEAR. An
 * operand that may start a unary (a term, a phrase, a field, a parenthesis,
 * NOT) after an operand is an implicit AND. */
static es_err parse_list(parser *p, es__tok_kind op, uint32_t *ni)
{
    size_t base = p->nstk;
    size_t off = tok(p)->off;
    uint32_t x = 0;
    es_err rc = op == ES__T_OR ? parse_list(p, ES__T_AND, &x) : parse_unary(p, &x);
    if (rc || (rc = push(p, x)))
        return rc;
    for (;;) {
        const es__tok *t = tok(p);
        if (t->kind == op) {
            p->pos++;
            if (!operand_start(tok(p)))
                return dangling(p, t);
        } else if (op == ES__T_OR || !operand_start(t)) {
            break;
        }
        rc = op == ES__T_OR ? parse_list(p, ES__T_AND, &x) : parse_unary(p, &x);
        if (rc || (rc = push(p, x)))
            return rc;
    }
    if (p->nstk - base == 1) {
        *ni = p->stk[--p->nstk];
        return ES_OK;
    }
    return add_op(p, op == ES__T_OR ? ES__N_OR : ES__N_AND, off, base, ni);
}

/* The whole grammar starts here (and again inside each parenthesis). */
static es_err parse_or(parser *p, uint32_t *ni)
{
    return parse_list(p, ES__T_OR, ni);
}

/* NEAR needs word positions from both sides: those come from terms,
 * phrases, other NEAR groups and OR groups of them, never from AND, NOT or a
 * field filter, whose truth has no place in the text. */
int es__listen_positional(const es_query_t *q, uint32_t ni)
{
    const es__node *n = &q->nodes[ni];
    if (n->kind == ES__N_TERM || n->kind == ES__N_PHRASE || n->kind == ES__N_NEAR)
        return 1;
    if (n->kind != ES__N_OR)
        return 0;
    for (uint32_t i = 0; i < n->nkid; i++)
        if (!es__listen_positional(q, q->kids[n->kid + i]))
            return 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                 */
/* ------------------------------------------------------------------ */

/* Parses and checks one query (listen.h). The caller frees *out with
 * es_query_free. Errors: ES_EPARSE (with *err), ES_EINVAL, ES_ENOMEM.
 * Reentrant. */
es_err es_query_parse(const char *text, es_query_t **out, es_query_error *err)
{
    es_query_error dummy;
    if (!err)
        err = &dummy;
    err->column = 0;
    err->reason[0] = '\0';
    if (!text || !out)
        return ES_EINVAL;
    *out = NULL;
    size_t n = strnlen(text, ES_MAX_QUERY + 1);
    if (n > ES_MAX_QUERY) {
        es__listen_error(err, text, ES_MAX_QUERY, "the query is longer than %d bytes",
                         ES_MAX_QUERY);
        return ES_EPARSE;
    }
    /* Lex everything first: lexical errors are found wherever they are,
     * and the parser then walks a finished array. */
    parser p = {.q = text, .err = err};
    size_t ntoks = 0;
    es_err rc = es__listen_lex(text, n, &p.t, &ntoks, err);
    if (rc)
        return rc;
    if (!(p.qr = es_calloc(1, sizeof *p.qr))) {
        rc = ES_ENOMEM;
        goto out;
    }
    if (ntoks == 0) {
        es__listen_error(err, text, 0, "empty query");
        rc = ES_EPARSE;
        goto out;
    }
    if ((rc = parse_or(&p, &p.qr->root)))
        goto out;
    if (tok(&p)->kind != ES__T_END) {
        es__listen_error(err, text, tok(&p)->off, "unbalanced parenthesis: ')' without '('");
        rc = ES_EPARSE;
    }
out:
    es__listen_fold_cleanup(&p.fold);
    es_free(p.stk);
    es_free(p.t);
    if (rc) {
        es_query_free(p.qr);
        if (rc == ES_ELIMIT)
            rc = ES_EPARSE;
        return rc;
    }
    *out = p.qr;
    return ES_OK;
}

/* Frees a query from es_query_parse; NULL is allowed. */
void es_query_free(es_query_t *q)
{
    if (!q)
        return;
    for (uint32_t i = 0; i < q->nnodes; i++) {
        es_free(q->nodes[i].raw);
        es_free(q->nodes[i].lit);
        es_free(q->nodes[i].dist);
    }
    es_free(q->nodes);
    es_free(q->kids);
    es_free(q);
}
