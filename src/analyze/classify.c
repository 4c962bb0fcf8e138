/*
 * classify.c - intent (U2), urgency and risk cues (U4) and the spam and
 * freebie flags (U5) of a mention, by the documented phrase rules of
 * rules.c plus a few structural rules (a question mark, a wh-word opening a
 * sentence, many hashtags with a link, the sentiment score). The analyze
 * pipeline calls es_classify once per mention, after the sentiment scorer.
 *
 * The rule table is compiled once (rules_index.c) into an immutable index:
 * every phrase is found by the hash of its first word, so a text costs one
 * hash and one table probe per token plus the few phrases that start with
 * that word. Nothing here allocates except the `rules` string,
 * which goes into the caller's arena; es_classify is reentrant.
 *
 * Deciding the intent, in order:
 *  1. spam: a spam flag fired and there is no complaint evidence;
 *  2. complaint: complaint phrases, cues or a negative score outweigh praise
 *     (a mild complaint phrase inside a neutral question or request does
 *     not count: "is flight 12 delayed?" is a question);
 *  3. request, 4. question, 5. praise (phrases or a positive score);
 *  6. other.
 */
#include <string.h>

#include "analyze/rules.h"
#include "earshot/analyze.h"
#include "earshot/text.h"

#define GAP_MAX 3     /* tokens a <gap> may skip */
#define DUR_QTY_MAX 4 /* quantity words before the unit of a <dur> */

/* ------------------------------------------------------------------------
 * Tokens as the rules see them
 * ------------------------------------------------------------------------ */

typedef struct tview {
    uint64_t h, h2; /* hash of the lower-cased token; h2 with elongations collapsed */
    uint16_t cls;
    uint8_t kind;
} tview;

/* Classes of a word made of digits and a suffix: "3rd", "2hrs", "45min". */
static uint16_t digit_word_class(const es__rules_index *ix, const char *w, size_t n)
{
    size_t d = 0;
    while (d < n && w[d] >= '0' && w[d] <= '9')
        d++;
    if (d == 0 || d == n)
        return d == n ? ES__CL_NUM | ES__CL_QTY : 0;
    const char *suf = w + d;
    size_t sl = n - d;
    if (sl == 2 && (!memcmp(suf, "st", 2) || !memcmp(suf, "nd", 2) || !memcmp(suf, "rd", 2) ||
                    !memcmp(suf, "th", 2)))
        return ES__CL_ORD;
    const es__wslot *u = es__rules_word(ix, es__rules_hash(suf, sl));
    return u && (u->cls & ES__CL_UNIT) ? ES__CL_DURWORD : 0;
}

/* Fills v from token t of text s. */
static void view_token(const es__rules_index *ix, const char *s, const es_token *t, tview *v)
{
    char low[128];
    size_t n = es_text_lower(s + t->off, t->len, low, sizeof low);
    v->kind = t->kind;
    v->h = es__rules_hash(low, n);
    v->h2 = v->h;
    v->cls = 0;
    if (t->flags & ES_TOKF_ELONGATED) {
        /* A run of three or more of a byte becomes one: "pleeease". */
        char col[sizeof low];
        size_t o = 0;
        for (size_t i = 0; i < n;) {
            size_t r = 1;
            while (i + r < n && low[i + r] == low[i])
                r++;
            for (size_t k = 0; k < (r >= 3 ? 1 : r); k++)
                col[o++] = low[i];
            i += r;
        }
        v->h2 = es__rules_hash(col, o);
    }
    const es__wslot *w = es__rules_word(ix, v->h);
    if (w)
        v->cls = w->cls;
    switch (t->kind) {
    case ES_TOK_NUMBER: v->cls |= ES__CL_NUM | ES__CL_QTY; break;
    case ES_TOK_HANDLE: v->cls |= ES__CL_HANDLE; break;
    case ES_TOK_HASHTAG:
        /* #fabulous counts as the word fabulous too. */
        if (n > 1)
            v->h2 = es__rules_hash(low + 1, n - 1);
        if ((n > 5 && !memcmp(low + n - 4, "fail", 4)) ||
            (n > 6 && (!memcmp(low + n - 5, "sucks", 5) || !memcmp(low + n - 5, "fails", 5))))
            v->cls |= ES__CL_FAILTAG;
        break;
    case ES_TOK_WORD:
        if (low[0] >= '0' && low[0] <= '9')
            v->cls |= digit_word_class(ix, low, n);
        break;
    case ES_TOK_PUNCT:
        if (memchr(s + t->off, '?', t->len))
            v->cls |= ES__CL_Q;
        if (memchr(s + t->off, '?', t->len) || memchr(s + t->off, '!', t->len) ||
            memchr(s + t->off, '.', t->len))
            v->cls |= ES__CL_SENT;
        break;
    default: break;
    }
}

/* ------------------------------------------------------------------------
 * Matching
 * ------------------------------------------------------------------------ */

/* The end of a duration starting at token i, or 0. */
static size_t dur_end(const tview *t, size_t n, size_t i)
{
    if (i >= n)
        return 0;
    if (t[i].cls & ES__CL_DURWORD)
        return i + 1;
    size_t k = i;
    while (k < n && k - i < DUR_QTY_MAX && (t[k].cls & ES__CL_QTY))
        k++;
    return k > i && k < n && (t[k].cls & ES__CL_UNIT) ? k + 1 : 0;
}

static int word_is(const es__rules_index *ix, const tview *v, const es__elem *e)
{
    for (size_t a = 0; a < e->nalt; a++)
        if (ix->alts[e->alt + a] == v->h || ix->alts[e->alt + a] == v->h2)
            return 1;
    return 0;
}

/* Matches ne elements from token i. Returns the end token + 1, or 0. */
static size_t match_at(const es__rules_index *ix, const tview *t, size_t n, size_t i,
                       const es__elem *e, size_t ne)
{
    if (ne == 0)
        return i + 1;
    if (e->type == ES__E_GAP) {
        for (size_t g = 0; g <= GAP_MAX; g++) {
            if (g > 0 && (i + g > n || (t[i + g - 1].cls & ES__CL_SENT)))
                break;
            size_t r = match_at(ix, t, n, i + g, e + 1, ne - 1);
            if (r)
                return r;
        }
        return 0;
    }
    if (i >= n)
        return 0;
    size_t next = i + 1;
    switch (e->type) {
    case ES__E_WORD:
        if (!word_is(ix, &t[i], e))
            return 0;
        break;
    case ES__E_NUM:
        if (!(t[i].cls & ES__CL_NUM))
            return 0;
        break;
    case ES__E_ORD:
        if (!(t[i].cls & ES__CL_ORD))
            return 0;
        break;
    case ES__E_Q:
        if (!(t[i].cls & ES__CL_Q))
            return 0;
        break;
    case ES__E_HANDLE:
        if (!(t[i].cls & ES__CL_HANDLE))
            return 0;
        break;
    case ES__E_DUR:
        if (!(next = dur_end(t, n, i)))
            return 0;
        break;
    default: return 0;
    }
    return match_at(ix, t, n, next, e + 1, ne - 1);
}

#define MAX_HITS 128

typedef struct hit {
    uint16_t rule;
    uint32_t start, end; /* token positions in the whole text */
} hit;

typedef struct state {
    const es__rules_index *ix;
    hit hits[MAX_HITS];
    size_t nhits;
    size_t hashtags, handles, urls;
    int qmark, wh_start, failtag;
} state;

static void add_hit(state *st, const es__phrase *p, size_t start, size_t end)
{
    for (size_t k = 0; k < st->nhits; k++)
        if (st->hits[k].rule == p->rule && st->hits[k].start == start)
            return;
    if (st->nhits < MAX_HITS)
        st->hits[st->nhits++] = (hit){p->rule, (uint32_t)start, (uint32_t)end};
}

static void try_phrase(state *st, const tview *t, size_t n, size_t i, size_t base, uint16_t pi)
{
    const es__rules_index *ix = st->ix;
    const es__phrase *p = &ix->phrases[pi];
    size_t end = match_at(ix, t, n, i, &ix->elems[p->elem], p->nelem);
    if (end)
        add_hit(st, p, base + i, base + end - 1);
}

/* Runs every phrase that can start at tokens [0, own) of a window of n
 * tokens whose first token is token `base` of the text, and counts the
 * structural features there. */
static void scan_window(state *st, const tview *t, size_t n, size_t own, size_t base)
{
    const es__rules_index *ix = st->ix;
    for (size_t i = 0; i < own; i++) {
        const tview *v = &t[i];
        switch (v->kind) {
        case ES_TOK_HASHTAG: st->hashtags++; break;
        case ES_TOK_HANDLE: st->handles++; break;
        case ES_TOK_URL: st->urls++; break;
        default: break;
        }
        if (v->cls & ES__CL_Q)
            st->qmark = 1;
        if (v->cls & ES__CL_FAILTAG)
            st->failtag = 1;
        if ((v->cls & ES__CL_WH) && v->kind == ES_TOK_WORD &&
            !(i + 1 < n && (t[i + 1].cls & ES__CL_ARTICLE))) {
            size_t k = i;
            while (k > 0 && (t[k - 1].kind == ES_TOK_HANDLE || t[k - 1].kind == ES_TOK_URL))
                k--;
            if ((k == 0 && base == 0) || (k > 0 && (t[k - 1].cls & ES__CL_SENT)))
                st->wh_start = 1;
        }
        const es__wslot *w = es__rules_word(ix, v->h);
        for (size_t f = 0; w && f < w->nfirst; f++)
            try_phrase(st, t, n, i, base, ix->firsts[w->first + f]);
        if (v->h2 != v->h && (w = es__rules_word(ix, v->h2)))
            for (size_t f = 0; f < w->nfirst; f++)
                try_phrase(st, t, n, i, base, ix->firsts[w->first + f]);
        if (v->cls & (ES__CL_NUM | ES__CL_QTY | ES__CL_DURWORD | ES__CL_ORD | ES__CL_HANDLE))
            for (size_t f = 0; f < ix->nclass_first; f++)
                try_phrase(st, t, n, i, base, ix->class_first[f]);
    }
}

/* ------------------------------------------------------------------------
 * Deciding
 * ------------------------------------------------------------------------ */

/* Names of the structural rules, as recorded and documented. */
const char *const es__structural_rules[] = {"question-mark",
                                            "wh-start",
                                            "negative-sentiment",
                                            "positive-sentiment",
                                            "spam-flag",
                                            "default",
                                            "urgency-cues",
                                            "fail-hashtag",
                                            "many hashtags and a link",
                                            "many handles and a link",
                                            NULL};

#define SPAM_HASHTAGS 4
#define SPAM_HANDLES 5

static const char *const cue_names[] = {"repeat", "waiting", "safety", "legal", "churn"};

/* The "rules" string under construction, bounded; entries that do not fit
 * are left out whole. */
typedef struct rbuf {
    char s[1024];
    size_t len;
} rbuf;

static void rb_add(rbuf *rb, const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = b ? strlen(b) : 0, lc = c ? strlen(c) : 0;
    size_t need = (rb->len ? 1 : 0) + la + (b ? 1 + lb : 0) + (c ? 1 + lc : 0);
    if (rb->len + need >= sizeof rb->s)
        return;
    if (rb->len)
        rb->s[rb->len++] = ';';
    memcpy(rb->s + rb->len, a, la);
    rb->len += la;
    if (b) {
        rb->s[rb->len++] = ':';
        memcpy(rb->s + rb->len, b, lb);
        rb->len += lb;
    }
    if (c) {
        rb->s[rb->len++] = ':';
        memcpy(rb->s + rb->len, c, lc);
        rb->len += lc;
    }
    rb->s[rb->len] = '\0';
}

/* Whether hit h starts inside a hit of group g that is longer than one
 * token (a negation or sarcasm that swallows it). */
static int covered(const state *st, const hit *h, es__rule_group g, int multi)
{
    const es__rules_index *ix = st->ix;
    for (size_t k = 0; k < st->nhits; k++) {
        const hit *o = &st->hits[k];
        if (ix->rules[o->rule].group == g && o->start <= h->start && h->start <= o->end &&
            (!multi || o->end > o->start))
            return 1;
    }
    return 0;
}

/* Drops the hits that other hits cancel: complaint words inside a
 * neutraliser ("no problem"), praise words inside a complaint phrase
 * ("thanks for nothing", "not good"), weak spam next to an excuse. */
static void cancel_hits(state *st)
{
    const es__rules_index *ix = st->ix;
    int excuse = 0;
    for (size_t k = 0; k < st->nhits; k++)
        excuse |= ix->rules[st->hits[k].rule].group == ES__G_SPAM_EXCUSE;
    size_t o = 0;
    for (size_t k = 0; k < st->nhits; k++) {
        const hit *h = &st->hits[k];
        const es__rule *r = &ix->rules[h->rule];
        int drop = (r->group == ES__G_COMPLAINT && covered(st, h, ES__G_NEUTRAL, 0)) ||
                   (r->group == ES__G_PRAISE && covered(st, h, ES__G_COMPLAINT, 1)) ||
                   (r->group == ES__G_SPAM && r->weight < 2 && excuse);
        if (!drop)
            st->hits[o++] = *h;
    }
    st->nhits = o;
}

/* Whether rule r already fired at an earlier hit (each rule counts once). */
static int seen_before(const state *st, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (st->hits[j].rule == st->hits[k].rule)
            return 1;
    return 0;
}

/* What the hits add up to. */
typedef struct verdict {
    es_intent intent;
    uint32_t cues, flags;
    int neg, pos, many_tags, many_handles;
} verdict;

/* Weighs the hits and the sentiment into an intent, cues and flags (see
 * the top of this file and docs/rules.md). */
static verdict decide(const state *st, const es_sentiment *sent)
{
    const es__rules_index *ix = st->ix;
    verdict v = {ES_INTENT_OTHER,
                 0,
                 0,
                 sent->label == ES_NEGATIVE,
                 sent->label == ES_POSITIVE,
                 st->urls && st->hashtags >= SPAM_HASHTAGS,
                 st->urls && st->handles >= SPAM_HANDLES};
    int w[ES__G_COUNT] = {0};
    for (size_t k = 0; k < st->nhits; k++) {
        if (seen_before(st, k))
            continue;
        const es__rule *r = &ix->rules[st->hits[k].rule];
        w[r->group] += r->weight ? r->weight : 1;
        if (r->group >= ES__G_REPEAT && r->group <= ES__G_CHURN)
            v.cues |= 1u << (r->group - ES__G_REPEAT);
    }
    if (w[ES__G_SPAM] || v.many_tags || v.many_handles)
        v.flags |= ES_FLAG_SPAM;
    w[ES__G_COMPLAINT] += st->failtag ? 2 : 0;
    int c = w[ES__G_COMPLAINT], cues = v.cues != 0;
    int cs = c + __builtin_popcount(v.cues) + 2 * v.neg + (sent->compound <= -0.5);
    int ps = w[ES__G_PRAISE] + 2 * v.pos + (sent->compound >= 0.5);
    int asks = w[ES__G_REQUEST] || w[ES__G_QUESTION] || st->qmark || st->wh_start;
    if ((v.flags & ES_FLAG_SPAM) && !c && !cues && (w[ES__G_SPAM] || ps < 2))
        v.intent = ES_INTENT_SPAM;
    else if ((c || v.neg || cues) && (cs > ps || (cs == ps && (c || cues))) &&
             !(asks && !v.neg && !cues && c <= 1))
        v.intent = ES_INTENT_COMPLAINT;
    else if (w[ES__G_REQUEST])
        v.intent = ES_INTENT_REQUEST;
    else if (w[ES__G_QUESTION] || st->qmark || st->wh_start)
        v.intent = ES_INTENT_QUESTION;
    else if (ps > 0)
        v.intent = ES_INTENT_PRAISE;
    if (w[ES__G_FREEBIE] || (w[ES__G_FREEBIE_SOFT] && v.intent != ES_INTENT_COMPLAINT))
        v.flags |= ES_FLAG_FREEBIE;
    return v;
}

/* Writes the evidence for the intent, then the cues, then the flags. */
static void record_rules(const state *st, const verdict *v, rbuf *rb)
{
    static const es__rule_group intent_group[ES_INTENT_COUNT] = {
        ES__G_COUNT, ES__G_COMPLAINT, ES__G_QUESTION, ES__G_REQUEST, ES__G_PRAISE, ES__G_COUNT};
    const es__rules_index *ix = st->ix;
    es_intent in = v->intent;
    for (size_t k = 0; k < st->nhits; k++)
        if (ix->rules[st->hits[k].rule].group == intent_group[in] && !seen_before(st, k))
            rb_add(rb, "intent", es__rule_name(&ix->rules[st->hits[k].rule]), NULL);
    const struct {
        int when;
        const char *name;
    } structural[] = {
        {in == ES_INTENT_COMPLAINT && v->neg, "negative-sentiment"},
        {in == ES_INTENT_COMPLAINT && v->cues, "urgency-cues"},
        {in == ES_INTENT_COMPLAINT && st->failtag, "fail-hashtag"},
        {in == ES_INTENT_PRAISE && v->pos, "positive-sentiment"},
        {in == ES_INTENT_QUESTION && st->qmark, "question-mark"},
        {in == ES_INTENT_QUESTION && st->wh_start, "wh-start"},
        {in == ES_INTENT_SPAM, "spam-flag"},
        {in == ES_INTENT_OTHER, "default"},
    };
    for (size_t i = 0; i < sizeof structural / sizeof structural[0]; i++)
        if (structural[i].when)
            rb_add(rb, "intent", structural[i].name, NULL);
    for (size_t k = 0; k < st->nhits; k++) {
        const es__rule *r = &ix->rules[st->hits[k].rule];
        if (seen_before(st, k))
            continue;
        if (r->group >= ES__G_REPEAT && r->group <= ES__G_CHURN)
            rb_add(rb, "cue", cue_names[r->group - ES__G_REPEAT], es__rule_name(r));
        else if (r->group == ES__G_SPAM)
            rb_add(rb, "flag", "spam", es__rule_name(r));
        else if (r->group == ES__G_FREEBIE ||
                 (r->group == ES__G_FREEBIE_SOFT && in != ES_INTENT_COMPLAINT))
            rb_add(rb, "flag", "freebie", es__rule_name(r));
    }
    if (v->many_tags)
        rb_add(rb, "flag", "spam", "many hashtags and a link");
    if (v->many_handles)
        rb_add(rb, "flag", "spam", "many handles and a link");
}

/* ------------------------------------------------------------------------
 * The entry point
 * ------------------------------------------------------------------------ */

#define WINDOW 512
#define OVERLAP 32 /* tokens a phrase may span; windows overlap by this */

/* See analyze.h. Texts longer than a window are read in overlapping windows
 * so that a phrase across a window boundary is still seen, and seen once.
 * Errors: ES_ENOMEM (the arena), ES_ECORRUPT (the built-in rule table does
 * not compile: a bug caught by the unit tests). */
es_err es_classify(es_mention_t *m, es_arena_t *a)
{
    const es__rules_index *ix = es__rules_index_get();
    if (ix->status)
        return ix->status;
    const char *text = m->text ? m->text : "";
    size_t len = strlen(text), off = 0, base = 0;
    es_token toks[WINDOW];
    tview views[WINDOW];
    state st;
    memset(&st, 0, sizeof st);
    st.ix = ix;
    for (;;) {
        size_t cnt = es_tokenize(text + off, len - off, toks, WINDOW);
        size_t n = cnt < WINDOW ? cnt : WINDOW;
        for (size_t i = 0; i < n; i++)
            view_token(ix, text + off, &toks[i], &views[i]);
        size_t own = cnt <= WINDOW ? n : n - OVERLAP;
        scan_window(&st, views, n, own, base);
        if (cnt <= WINDOW)
            break;
        off += toks[own].off;
        base += own;
    }
    cancel_hits(&st);
    rbuf rb = {.len = 0};
    rb.s[0] = '\0';
    verdict v = decide(&st, &m->sentiment);
    m->intent = v.intent;
    m->cues |= v.cues;
    m->flags |= v.flags;
    record_rules(&st, &v, &rb);
    /* Appended to what earlier analysers recorded, if anything. */
    char *rules = m->rules && *m->rules ? es_arena_printf(a, "%s;%s", m->rules, rb.s)
                                        : es_arena_strndup(a, rb.s, rb.len);
    if (!rules)
        return ES_ENOMEM;
    m->rules = rules;
    return ES_OK;
}
