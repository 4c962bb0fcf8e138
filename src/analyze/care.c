/*
 * care.c - the customer-care rules of ES_MODE_CARE, run by vader.c after the
 * VADER rules. Each rule is documented, with its reason and its measured
 * effect, in docs/sentiment.md; the rule names below are the ones the
 * explanations print.
 *
 * General-purpose VADER misreads what customers write to a company: "help",
 * "please" and "like" score as positive, while "on hold for 2 hours", "still
 * waiting" and "delayed again" score as nothing. The rules work at three
 * levels:
 *  - care lexicon: words whose valence differs in care language (an override
 *    of VADER's value, or a valence for a word VADER does not know; "zero"
 *    words are treated as absent from the lexicon);
 *  - context rules over the tokens: waiting time ("3 hours"), courtesy inside
 *    a complaint ("thanks" in "delayed 3 hours, thanks"), sarcasm ("great,
 *    another delay", "thanks for nothing"), questions (praise inside a
 *    question is a request for information, not satisfaction);
 *  - nothing depends on a company's or a product's name.
 * The words live in the lexicon's hash table (lexicon.c adds
 * es__care_words), so the rules cost no extra look-up per token.
 */
#include <string.h>

#include "analyze/vader.h"

/* Care word classes (es__lexent.cclass). */
enum {
    CC_ZERO = ES__CC_ZERO,  /* not sentiment in care language: valence 0 */
    CC_COMPLAINT = 1u << 1, /* names a service failure: delay, hold, lost ... */
    CC_COURTESY = 1u << 2,  /* thanks and the like: void inside a complaint */
    CC_SARCASM = 1u << 3,   /* praise that is often sarcastic: "great" */
    CC_TIME = 1u << 4,      /* a unit of waiting time: hours, mins */
    CC_COUNT = 1u << 5,     /* a quantity before a time unit: "for", "several" */
    CC_AGAIN = 1u << 6,     /* "another", "again": repetition after praise */
    CC_NOTHING = 1u << 7,   /* "nothing" of "thanks for nothing" */
    CC_RELIEF = 1u << 8     /* "no big deal", "no biggie": negation as relief */
};

/* Tuned on the airline train split (docs/sentiment.md). */
#define PRAISE_DAMP 0.3    /* praise inside a complaint counts less */
#define NEG_VALENCE (-0.8) /* a negation that negates nothing */

/* clang-format off */
#define W ES__W_CARE
/* The care vocabulary: word, valence (0 when only its class matters), class. */
const es__lexword es__care_words[] = {
    /* Requests and politeness that VADER scores as praise. */
    {"help", W, 0, CC_ZERO}, {"please", W, 0, CC_ZERO}, {"pls", W, 0, CC_ZERO},
    {"plz", W, 0, CC_ZERO}, {"want", W, 0, CC_ZERO}, {"like", W, 0, CC_ZERO},
    {"care", W, 0, CC_ZERO}, {"sure", W, 0, CC_ZERO}, {"yes", W, 0, CC_ZERO},
    {"number", W, 0, CC_ZERO},
    {"credit", W, 0, CC_ZERO}, {"chance", W, 0, CC_ZERO}, {"reach", W, 0, CC_ZERO},
    {"allow", W, 0, CC_ZERO}, {"original", W, 0, CC_ZERO}, {"support", W, 0, CC_ZERO},
    {"share", W, 0, CC_ZERO}, {"well", W, 0, CC_ZERO}, {"pretty", W, 0, CC_ZERO},
    {"kind", W, 0, CC_ZERO}, {"treat", W, 0, CC_ZERO}, {"fine", W, 0, CC_ZERO},
    {"wow", W, 0, CC_ZERO}, {"loyal", W, 0, CC_ZERO}, {"huge", W, 0, CC_ZERO},
    {"luck", W, 0, CC_ZERO}, {"hope", W, 0, CC_ZERO}, {"hoping", W, 0, CC_ZERO},
    {"hopefully", W, 0, CC_ZERO}, {"better", W, 0, CC_ZERO}, {"yeah", W, 0, CC_ZERO},
    {"safety", W, 0, CC_ZERO}, {"award", W, 0, CC_ZERO}, {"top", W, 0, CC_ZERO},
    {"win", W, 0, CC_ZERO}, {"ready", W, 0, CC_ZERO}, {"friend", W, 0, CC_ZERO},
    {"lol", W, 0, CC_ZERO},
    /* Service failures. */
    {"delayed", W, -1.8, CC_COMPLAINT}, {"delay", W, -1.6, CC_COMPLAINT},
    {"delays", W, -1.6, CC_COMPLAINT}, {"late", W, -1.2, CC_COMPLAINT},
    {"cancelled", W, -1.8, CC_COMPLAINT}, {"canceled", W, -1.8, CC_COMPLAINT},
    {"cancellation", W, -1.5, CC_COMPLAINT}, {"cancellations", W, -1.5, CC_COMPLAINT},
    {"stranded", W, -2.0, CC_COMPLAINT}, {"stuck", W, -1.6, CC_COMPLAINT},
    {"hold", W, -1.5, CC_COMPLAINT}, {"waiting", W, -1.5, CC_COMPLAINT},
    {"waited", W, -1.5, CC_COMPLAINT}, {"wait", W, -1.0, CC_COMPLAINT},
    {"lost", W, -1.8, CC_COMPLAINT}, {"missing", W, -1.5, CC_COMPLAINT},
    {"damaged", W, -1.8, CC_COMPLAINT}, {"broken", W, -2.1, CC_COMPLAINT},
    {"refund", W, -1.0, CC_COMPLAINT}, {"overbooked", W, -1.8, CC_COMPLAINT},
    {"oversold", W, -1.5, CC_COMPLAINT}, {"rebook", W, -0.8, CC_COMPLAINT},
    {"rebooked", W, -1.0, CC_COMPLAINT}, {"missed", W, -1.5, CC_COMPLAINT},
    {"diverted", W, -1.0, CC_COMPLAINT}, {"issue", W, -1.0, CC_COMPLAINT},
    {"issues", W, -1.2, CC_COMPLAINT}, {"still", W, -1.0, CC_COMPLAINT},
    {"again", W, -1.0, CC_COMPLAINT | CC_AGAIN}, {"nobody", W, -1.5, CC_COMPLAINT},
    {"joke", W, -1.5, CC_COMPLAINT}, {"unacceptable", W, -2.5, CC_COMPLAINT},
    {"ridiculous", W, -2.0, CC_COMPLAINT}, {"disappointed", W, -2.0, CC_COMPLAINT},
    {"why", W, -0.6, 0}, {"told", W, -0.6, 0}, {"supposed", W, -0.8, 0},
    {"yelled", W, -1.5, CC_COMPLAINT}, {"ripped", W, -1.5, CC_COMPLAINT},
    {"twice", W, -1.0, CC_COMPLAINT}, {"error", W, -1.2, CC_COMPLAINT},
    {"errors", W, -1.2, CC_COMPLAINT}, {"crashed", W, -1.5, CC_COMPLAINT},
    {"should've", W, -0.8, 0}, {"ages", W, -1.0, CC_COMPLAINT}, {"canned", W, -1.0, 0},
    {"generic", W, -1.0, 0}, {"sitting", W, -0.8, CC_COMPLAINT},
    /* Context words. */
    {"hours", W, 0, CC_TIME}, {"hour", W, 0, CC_TIME}, {"hrs", W, 0, CC_TIME},
    {"hr", W, 0, CC_TIME}, {"minutes", W, 0, CC_TIME}, {"mins", W, 0, CC_TIME},
    {"min", W, 0, CC_TIME}, {"days", W, 0, CC_TIME}, {"for", W, 0, CC_COUNT},
    {"over", W, 0, CC_COUNT}, {"several", W, 0, CC_COUNT}, {"many", W, 0, CC_COUNT},
    {"two", W, 0, CC_COUNT}, {"three", W, 0, CC_COUNT}, {"four", W, 0, CC_COUNT},
    {"five", W, 0, CC_COUNT}, {"half", W, 0, CC_COUNT}, {"another", W, 0, CC_AGAIN},
    {"thanks", W, 0, CC_COURTESY}, {"thank", W, 0, CC_COURTESY}, {"thx", W, 0, CC_COURTESY},
    {"great", W, 0, CC_SARCASM}, {"love", W, 0, CC_SARCASM}, {"awesome", W, 0, CC_SARCASM},
    {"nice", W, 0, CC_SARCASM}, {"wonderful", W, 0, CC_SARCASM},
    {"fantastic", W, 0, CC_SARCASM}, {"perfect", W, 0, CC_SARCASM},
    {"amazing", W, 0, CC_SARCASM}, {"yay", W, 0, CC_SARCASM}, {"happy", W, 0, CC_SARCASM},
    {"fun", W, 0, CC_SARCASM}, {"good", W, 0, CC_SARCASM}, {"best", W, 0, CC_SARCASM},
    {"nothing", W, 0, CC_NOTHING}, {"deal", W, 0, CC_RELIEF}, {"biggie", W, 0, CC_RELIEF},
    {"hassle", W, 0, CC_RELIEF}, {"rush", W, 0, CC_RELIEF}, {"worries", W, 0, CC_RELIEF},
    {"worry", W, 0, CC_RELIEF}, {"problem", W, 0, CC_RELIEF}, {"prob", W, 0, CC_RELIEF},
};
#undef W
/* clang-format on */
const size_t es__care_nwords = sizeof es__care_words / sizeof es__care_words[0];

static uint32_t cls(const es__tok *t)
{
    return t->e && (t->e->flags & ES__W_CARE) ? t->e->cclass : 0;
}

static int has_digit(const es_scorer_t *sc, const es__tok *t)
{
    for (uint32_t i = 0; i < t->llen; i++)
        if (sc->low[t->loff + i] >= '0' && sc->low[t->loff + i] <= '9')
            return 1;
    return 0;
}

/* Waiting time: a time unit after a number or a quantity word ("2 hours",
 * "for hours", "45min" is one token with a digit). */
static void rule_waiting(es_scorer_t *sc, size_t i)
{
    es__tok *t = &sc->toks[i];
    int quantity = i > 0 && (has_digit(sc, &t[-1]) || (cls(&t[-1]) & CC_COUNT));
    if (quantity && t->sent == 0) {
        t->sent = -1.5;
        ES__NOTE(sc, i, "waiting time -1.5");
    }
}

/* Sarcasm: praise followed within three words by a repetition ("another",
 * "again") or a service failure: "great, another delay". */
static void rule_sarcasm(es_scorer_t *sc, size_t i)
{
    es__tok *t = &sc->toks[i];
    if (t->sent <= 0)
        return;
    for (size_t j = i + 1; j < sc->ntok && j <= i + 3; j++) {
        uint32_t c = cls(&sc->toks[j]);
        if (c & (CC_AGAIN | CC_COMPLAINT)) {
            ES__NOTE(sc, i, "sarcasm (before '%.*s') x-0.74", (int)sc->toks[j].len,
                         sc->text + sc->toks[j].off);
            t->sent = t->sent * -0.74;
            return;
        }
    }
}

/* A failure stated by negation: "I never received", "cannot add my number".
 * A negation word that negates no valence of its own is a complaint. */
static void rule_negation(es_scorer_t *sc, size_t i)
{
    es__tok *t = &sc->toks[i];
    int neg = (t->tflags & ES__T_NT) || (t->e && (t->e->flags & ES__W_NEG));
    if (!neg || t->sent != 0)
        return;
    for (size_t j = i + 1; j < sc->ntok && j <= i + 3; j++)
        if (sc->toks[j].sent != 0 || (cls(&sc->toks[j]) & CC_RELIEF))
            return;
    t->sent = NEG_VALENCE;
    ES__NOTE(sc, i, "unmet expectation %.2f", NEG_VALENCE);
}

/* Reassurance: "no worries", "no problem", "no biggie" are not complaints. */
static void rule_relief(es_scorer_t *sc, size_t i)
{
    es__tok *t = &sc->toks[i];
    if (i == 0 || !(cls(t) & CC_RELIEF) || !es__tok_is(sc, i - 1, "no"))
        return;
    t[-1].sent = 0;
    t->sent = 1.0;
    ES__NOTE(sc, i - 1, "reassurance 'no %.*s' -> 0", (int)t->len, sc->text + t->off);
    ES__NOTE(sc, i, "reassurance -> +1.0");
}

/* The last byte of token t's word as written (up to the next white space):
 * the punctuation that may end its sentence. */
static char word_end(const es_scorer_t *sc, const es__tok *t)
{
    size_t e = (size_t)t->off + t->len;
    while (e < sc->text_len && sc->text[e] != ' ' && sc->text[e] != '\n' && sc->text[e] != '\t')
        e++;
    return sc->text[e - 1];
}

/* Information requests: praise inside a question is not satisfaction
 * ("any chance of an upgrade?", "is the wifi good on that route?"). Marks
 * the tokens of the sentences that end with '?' (a sentence ends at a word
 * that ends with '.', '!' or '?') and voids their positive valences. */
static void rule_question(es_scorer_t *sc)
{
    int q = 0;
    for (size_t i = sc->ntok; i-- > 0;) {
        es__tok *t = &sc->toks[i];
        char c = word_end(sc, t);
        if (c == '?')
            q = 1;
        else if (c == '.' || c == '!')
            q = 0;
        if (!q)
            continue;
        t->tflags |= ES__T_QUEST;
        if (t->sent > 0) {
            ES__NOTE(sc, i, "praise in a question -> 0");
            t->sent = 0;
        }
    }
}

/* Runs the context rules over the tokens in three passes: first the rules
 * that give valence (waiting time, unmet expectation, reassurance) and, in a
 * text with a '?', the question rule, then the
 * search for a complaint, then the rules that read praise and courtesy in the
 * light of it. Called by es_scorer_score in care mode; reentrant. */
void es__care_apply(es_scorer_t *sc)
{
    size_t n = sc->ntok;
    es__tok *w = sc->toks;
    int complaint = 0;
    size_t first_complaint = n;
    int question = memchr(sc->text, '?', sc->text_len) != NULL;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cls(&w[i]);
        if ((c & CC_ZERO) && (w[i].e->flags & ES__W_LEX) && w[i].first == i)
            ES__NOTE(sc, i, "not sentiment in care language (VADER %.2f) -> 0",
                         w[i].e->valence);
        if (c & CC_TIME)
            rule_waiting(sc, i);
        rule_negation(sc, i);
        rule_relief(sc, i);
    }
    if (question)
        rule_question(sc);
    for (size_t i = 0; i < n; i++) {
        if ((cls(&w[i]) & CC_COMPLAINT) || w[i].sent < 0) {
            complaint = 1;
            if (first_complaint == n)
                first_complaint = i;
        }
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cls(&w[i]);
        if ((c & CC_COURTESY) && w[i].sent > 0) {
            /* "thanks for nothing" */
            if (i + 2 < n && es__tok_is(sc, i + 1, "for") && (cls(&w[i + 2]) & CC_NOTHING)) {
                ES__NOTE(sc, i, "'thanks for nothing' -> -2.0");
                w[i].sent = -2.0;
            } else if (first_complaint < i) {
                /* "delayed 3 hours, thanks": thanks after a failure is a
                 * formula (or sarcasm), not satisfaction */
                ES__NOTE(sc, i, "courtesy in a complaint -> 0");
                w[i].sent = 0;
            } else if (question) {
                /* "can you check my booking? thanks": thanks in advance */
                ES__NOTE(sc, i, "courtesy with a question -> 0");
                w[i].sent = 0;
            }
        } else if (c & CC_SARCASM) {
            rule_sarcasm(sc, i);
        }
        if (complaint && w[i].sent > 0) {
            ES__NOTE(sc, i, "praise in a complaint x%.2f", PRAISE_DAMP);
            w[i].sent = w[i].sent * PRAISE_DAMP;
        }
    }
}
