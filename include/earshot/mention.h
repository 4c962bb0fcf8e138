/*
 * mention.h - the canonical mention: one thing a customer said, on any
 * channel, and what earshot understood of it. Every source format maps to it
 * (src/ingest/), the analysers fill its second half (src/analyze/,
 * src/listen/), and the store keeps it (src/store/).
 *
 * A mention does not own its strings: they point into the arena of the batch
 * that holds it (or at static storage), and stay valid until that arena is
 * reset. NULL means "absent" for every string field.
 *
 * Author followers are kept for an agent's context only. Nothing in earshot
 * reads them to order, filter or route work.
 */
#ifndef EARSHOT_MENTION_H
#define EARSHOT_MENTION_H

#include "earshot.h"

/* Documented field limits, in bytes of UTF-8 (docs/mention-schema.md). A record
 * whose field is longer is rejected, not truncated. */
#define ES_MAX_TEXT 65536
#define ES_MAX_FIELD 1024 /* every other string field */
#define ES_MAX_MATCHES 256 /* query ids recorded per mention */
#define ES_MAX_RECORD (1024 * 1024) /* one input record (a JSON line, an email) */

typedef enum es_polarity {
    ES_NEGATIVE = -1,
    ES_NEUTRAL = 0,
    ES_POSITIVE = 1
} es_polarity;

/* A VADER-style score: compound in [-1, 1]; pos + neu + neg = 1 (or all 0). */
typedef struct es_sentiment {
    double compound;
    double pos, neu, neg;
    es_polarity label; /* compound >= 0.05 positive, <= -0.05 negative */
} es_sentiment;

typedef enum es_intent {
    ES_INTENT_OTHER = 0,
    ES_INTENT_COMPLAINT,
    ES_INTENT_QUESTION,
    ES_INTENT_REQUEST,
    ES_INTENT_PRAISE,
    ES_INTENT_SPAM, /* spam or promotion */
    ES_INTENT_COUNT
} es_intent;

/* Urgency and risk cues (U4), a bit set. */
enum {
    ES_CUE_REPEAT = 1u << 0,  /* repeated contact: "third time", "again" */
    ES_CUE_WAITING = 1u << 1, /* waiting time: "on hold for 2 hours" */
    ES_CUE_SAFETY = 1u << 2,  /* safety and health: "food poisoning" */
    ES_CUE_LEGAL = 1u << 3,   /* legal threats: "my lawyer" */
    ES_CUE_CHURN = 1u << 4    /* churn: "cancel my account" */
};

/* Genuine-or-opportunistic flags (U5), a bit set. Flagged, never hidden. */
enum {
    ES_FLAG_SPAM = 1u << 0,
    ES_FLAG_FREEBIE = 1u << 1,
    ES_FLAG_COORDINATED = 1u << 2,
    ES_FLAG_DUPLICATE = 1u << 3 /* a near-duplicate of duplicate_of */
};

typedef struct es_mention_s {
    /* What the source said. source and external_id together identify a
     * mention: re-delivering the same pair stores nothing new. */
    const char *source;      /* twitter, facebook, instagram, sms, email,
                                review, web, phone, survey, or another word */
    const char *external_id; /* the source's id; required */
    const char *author;      /* handle, phone number or address */
    const char *author_name; /* display name */
    int64_t followers;       /* -1 when unknown; context only */
    const char *text;        /* required, valid UTF-8, <= ES_MAX_TEXT */
    const char *lang;        /* BCP 47 tag when known */
    int64_t created_at;      /* Unix seconds, UTC; 0 when unknown */
    int64_t received_at;     /* Unix seconds, UTC, set by earshot */
    const char *url;
    const char *reply_to;    /* external id of the mention this answers */
    const char *location;    /* location code or free text */
    const char *brand_hint;  /* a brand named by the source (e.g. a CSV column) */
    const char *conversation; /* the source's thread id, when it has one */

    /* What earshot understood (filled by es_analyze and es_matcher). */
    es_sentiment sentiment;
    es_intent intent;
    uint32_t cues;  /* ES_CUE_* */
    uint32_t flags; /* ES_FLAG_* */
    const char *rules; /* the rules that fired, "intent:question-mark;cue:repeat:third time" */
    uint32_t n_matches;
    const uint32_t *matches;  /* ids of the listening queries that matched */
    uint32_t n_brands;
    const uint32_t *brands;   /* ids of the brands those queries belong to,
                                 plus the brand named by brand_hint */
    uint64_t fingerprint;     /* near-duplicate fingerprint (simhash), 0 unset */
    const char *duplicate_of; /* "source/external_id" of the earlier
                                 near-duplicate, or NULL */
    const char *department;   /* the department model's label (issue 5), or
                                 NULL without a department model */
    float department_conf;    /* its confidence, 0..1 */
} es_mention_t;

/* Sets every field to its "absent" value (NULL, 0, followers -1). */
void es_mention_init(es_mention_t *m);

/* Names used in every output and in the store: "negative", "neutral",
 * "positive"; "complaint", "question", "request", "praise", "spam", "other".
 * The parse functions return ES_EINVAL for an unknown name. */
const char *es_polarity_name(es_polarity p);
const char *es_intent_name(es_intent i);
es_err es_polarity_parse(const char *name, es_polarity *out) ES_WUR;
es_err es_intent_parse(const char *name, es_intent *out) ES_WUR;

/* Writes the names of the bits set in cues or flags, comma-separated
 * ("repeat,churn"), into buf (always NUL-terminated). Returns buf. */
const char *es_cues_format(uint32_t cues, char *buf, size_t size);
const char *es_flags_format(uint32_t flags, char *buf, size_t size);

#endif
