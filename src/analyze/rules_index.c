/*
 * rules_index.c - compiles the phrase rules of rules.c into the index that
 * classify.c matches with: every phrase parsed into elements, every word
 * hashed, and a word table that gives, for the hash of a token, its classes
 * (number, unit, ordinal, ...) and the phrases that start with it.
 *
 * The index is built once, on the first es_classify, under pthread_once, in
 * static storage (no allocation, so nothing can fail at run time but a bug
 * in the table, reported as ES_ECORRUPT), and never written again: any
 * number of threads may read it.
 */
#include <pthread.h>
#include <string.h>
#include <xxhash.h>

#include "analyze/rules.h"

static es__rules_index C;

static pthread_once_t compile_once = PTHREAD_ONCE_INIT;

/* Words that belong to a token class. */
static const struct {
    const char *words;
    uint16_t cls;
} word_classes[] = {
    {"one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty "
     "forty fifty sixty ninety hundred several few couple multiple many numerous countless",
     ES__CL_NUM | ES__CL_QTY},
    {"a an half of over almost nearly about around more than another like literally "
     "+ just only least at",
     ES__CL_QTY},
    {"min mins minute minutes hr hrs hour hours h day days wk wks "
     "week weeks month months",
     ES__CL_UNIT},
    {"hours hrs days weeks months ages forever", ES__CL_DURWORD},
    {"second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth nth "
     "umpteenth hundredth millionth twentieth",
     ES__CL_ORD},
    {"what whats what's when where why who how which whose anyone anybody", ES__CL_WH},
    {"a an", ES__CL_ARTICLE},
};

/* See rules.h. Reentrant. */
uint64_t es__rules_hash(const char *s, size_t n)
{
    uint64_t h = XXH3_64bits(s, n);
    return h ? h : 1;
}

/* Finds or adds the slot of h. NULL when the table is full. */
static es__wslot *word_slot(uint64_t h, int add)
{
    for (size_t i = h & (ES__WT_SIZE - 1), k = 0; k < ES__WT_SIZE;
         k++, i = (i + 1) & (ES__WT_SIZE - 1)) {
        if (C.words[i].h == h)
            return &C.words[i];
        if (C.words[i].h == 0) {
            if (!add)
                return NULL;
            C.words[i].h = h;
            return &C.words[i];
        }
    }
    return NULL;
}

/* See rules.h. Reads only: safe on any thread once the index is built. */
const es__wslot *es__rules_word(const es__rules_index *ix, uint64_t h)
{
    (void)ix; /* there is one index, C */
    return word_slot(h, 0);
}

/* Parses one element s[0..n) into C.elems. */
static es_err compile_elem(const char *s, size_t n)
{
    static const struct {
        const char *name;
        uint8_t type;
    } classes[] = {{"<num>", ES__E_NUM}, {"<dur>", ES__E_DUR}, {"<ord>", ES__E_ORD},
                   {"<gap>", ES__E_GAP}, {"<q>", ES__E_Q},     {"<handle>", ES__E_HANDLE}};
    if (C.nelems >= ES__MAX_ELEMS)
        return ES_ELIMIT;
    es__elem *e = &C.elems[C.nelems++];
    memset(e, 0, sizeof *e);
    if (s[0] == '<' && n > 1 && s[n - 1] == '>') {
        for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
            if (strlen(classes[i].name) == n && memcmp(classes[i].name, s, n) == 0) {
                e->type = classes[i].type;
                return ES_OK;
            }
        return ES_EPARSE; /* an unknown class */
    }
    e->type = ES__E_WORD;
    e->alt = (uint16_t)C.nalts;
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && s[j] != '|')
            j++;
        if (j == i || C.nalts >= ES__MAX_ALTS || e->nalt == 255)
            return ES_EPARSE;
        C.alts[C.nalts++] = es__rules_hash(s + i, j - i);
        e->nalt++;
        i = j + 1;
    }
    return ES_OK;
}

/* Parses one phrase s[0..n) of rule r. */
static es_err compile_phrase(size_t r, const char *s, size_t n)
{
    if (C.nphrases >= ES__MAX_PHRASES)
        return ES_ELIMIT;
    es__phrase *p = &C.phrases[C.nphrases];
    p->rule = (uint16_t)r;
    p->elem = (uint16_t)C.nelems;
    p->nelem = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && s[i] == ' ')
            i++;
        size_t j = i;
        while (j < n && s[j] != ' ')
            j++;
        if (j > i) {
            if (p->nelem == ES__RULE_MAX_ELEMS)
                return ES_EPARSE;
            es_err rc = compile_elem(s + i, j - i);
            if (rc)
                return rc;
            p->nelem++;
        }
        i = j;
    }
    if (!p->nelem)
        return ES_EPARSE;
    uint8_t t = C.elems[p->elem].type;
    if (t == ES__E_GAP || t == ES__E_Q)
        return ES_EPARSE;
    C.nphrases++;
    return ES_OK;
}

/* Indexes every phrase under each alternative of its first word (two
 * passes: count, then fill), or in class_first when it starts with a class. */
static es_err index_phrases(void)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t at = 0;
        if (pass == 1)
            for (size_t i = 0; i < ES__WT_SIZE; i++) {
                C.words[i].first = (uint16_t)at;
                at += C.words[i].nfirst;
                C.words[i].nfirst = 0;
            }
        for (size_t p = 0; p < C.nphrases; p++) {
            const es__elem *e = &C.elems[C.phrases[p].elem];
            if (e->type != ES__E_WORD) {
                if (pass == 0 && C.nclass_first < sizeof C.class_first / sizeof C.class_first[0])
                    C.class_first[C.nclass_first++] = (uint16_t)p;
                else if (pass == 0)
                    return ES_ELIMIT;
                continue;
            }
            for (size_t a = 0; a < e->nalt; a++) {
                es__wslot *w = word_slot(C.alts[e->alt + a], 1);
                if (!w)
                    return ES_ELIMIT;
                if (pass == 1)
                    C.firsts[w->first + w->nfirst] = (uint16_t)p;
                w->nfirst++;
            }
        }
        if (pass == 0 && at > ES__MAX_ALTS)
            return ES_ELIMIT;
    }
    return ES_OK;
}

/* Adds the class words to the word table. */
static es_err add_word_classes(void)
{
    for (size_t c = 0; c < sizeof word_classes / sizeof word_classes[0]; c++) {
        const char *s = word_classes[c].words;
        while (*s) {
            size_t n = strcspn(s, " ");
            es__wslot *w = word_slot(es__rules_hash(s, n), 1);
            if (!w)
                return ES_ELIMIT;
            w->cls |= word_classes[c].cls;
            s += n;
            s += *s == ' ';
        }
    }
    return ES_OK;
}

/* Compiles the rule table into the static index; runs once. */
static void compile(void)
{
    es_err rc = ES_OK;
    C.rules = es__rules_table(&C.nrules);
    for (size_t r = 0; r < C.nrules && !rc; r++) {
        const char *s = C.rules[r].pattern;
        while (*s && !rc) {
            size_t n = strcspn(s, ",");
            rc = compile_phrase(r, s, n);
            s += n;
            s += *s == ',';
        }
    }
    if (!rc)
        rc = add_word_classes();
    if (!rc)
        rc = index_phrases();
    C.status = rc ? ES_ECORRUPT : ES_OK;
}

/* See rules.h. */
const es__rules_index *es__rules_index_get(void)
{
    pthread_once(&compile_once, compile);
    return &C;
}
