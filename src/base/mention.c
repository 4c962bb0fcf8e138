/*
 * mention.c - the canonical mention's defaults and the names of its enums,
 * shared by every output format and by the store.
 */
#include <string.h>

#include "earshot/mention.h"

void es_mention_init(es_mention_t *m)
{
    memset(m, 0, sizeof *m);
    m->followers = -1;
    m->sentiment.label = ES_NEUTRAL;
    m->intent = ES_INTENT_OTHER;
}

const char *es_polarity_name(es_polarity p)
{
    switch (p) {
    case ES_NEGATIVE: return "negative";
    case ES_POSITIVE: return "positive";
    default: return "neutral";
    }
}

static const char *const intent_names[ES_INTENT_COUNT] = {
    "other", "complaint", "question", "request", "praise", "spam",
};

const char *es_intent_name(es_intent i)
{
    return (unsigned)i < ES_INTENT_COUNT ? intent_names[i] : "other";
}

es_err es_polarity_parse(const char *name, es_polarity *out)
{
    static const es_polarity all[] = {ES_NEGATIVE, ES_NEUTRAL, ES_POSITIVE};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (name && strcmp(name, es_polarity_name(all[i])) == 0) {
            *out = all[i];
            return ES_OK;
        }
    return ES_EINVAL;
}

es_err es_intent_parse(const char *name, es_intent *out)
{
    for (int i = 0; i < ES_INTENT_COUNT; i++)
        if (name && strcmp(name, intent_names[i]) == 0) {
            *out = (es_intent)i;
            return ES_OK;
        }
    return ES_EINVAL;
}

/* Joins the names of the set bits of v with commas into buf. */
static const char *bits_format(uint32_t v, const char *const *names, size_t n, char *buf,
                               size_t size)
{
    size_t at = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!(v & (1u << i)))
            continue;
        size_t len = strlen(names[i]);
        size_t need = len + (at ? 1 : 0);
        if (at + need + 1 > size)
            break;
        if (at)
            buf[at++] = ',';
        memcpy(buf + at, names[i], len);
        at += len;
        buf[at] = '\0';
    }
    return buf;
}

const char *es_cues_format(uint32_t cues, char *buf, size_t size)
{
    static const char *const names[] = {"repeat", "waiting", "safety", "legal", "churn"};
    return bits_format(cues, names, sizeof names / sizeof names[0], buf, size);
}

const char *es_flags_format(uint32_t flags, char *buf, size_t size)
{
    static const char *const names[] = {"spam", "freebie", "coordinated", "duplicate"};
    return bits_format(flags, names, sizeof names / sizeof names[0], buf, size);
}
