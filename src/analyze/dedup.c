/*
 * dedup.c - near-duplicate detection (L3): retweets and copy-paste campaigns
 * are marked duplicate_of the earliest copy still remembered, never dropped.
 * The analyze pipeline calls es_dedup_check once per mention; at start it may
 * preload the recent past from the store with es_dedup_remember.
 *
 * A fingerprint is a 64-bit simhash of the text's normalised tokens: case
 * folded words, numbers, handles, hashtags and emoji, leaving out a leading
 * "RT @handle:", URLs and punctuation, each token hashed with XXH3. Two texts
 * whose fingerprints differ in at most MAX_DIST bits are near-duplicates.
 * Texts of fewer than MIN_TOKENS tokens say too little for a simhash: their
 * fingerprint is an ordinary hash of the token sequence, and they match only
 * exactly.
 *
 * The index finds fingerprints within MAX_DIST bits without scanning: the 64
 * bits are cut into four 16-bit bands, and two fingerprints within 3 bits
 * agree on at least one band (pigeonhole). Each band has a table of 65,536
 * chain heads; each remembered entry links to the previous entry of its
 * bucket. Entries live in a ring of `capacity` slots and are overwritten
 * oldest first; a link is trusted only while it leads to an older entry that
 * is still alive in the ring, so eviction never has to unlink anything.
 *
 * A lookup stops at the first entry within MAX_DIST bits (walking newest
 * first, at most MAX_WALK entries a band), so its cost does not grow with a
 * crowded bucket. The earliest copy is found through roots instead: each
 * entry remembers the entry it was reported a duplicate of (its root, itself
 * for an original), and a match reports its root while that is alive and
 * within MAX_DIST bits of the new text. A copy-paste campaign therefore
 * points at its first copy still remembered however long it runs.
 *
 * Short texts (fewer than MIN_TOKENS tokens) get an ordinary 64-bit hash, not
 * a simhash: one lands within 3 bits of another fingerprint only by a
 * 1-in-10^10 accident, so the same distance serves every fingerprint and a
 * fingerprint computed earlier (on another thread) can be reused as it is.
 */
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "earshot/analyze.h"
#include "earshot/text.h"

#define MAX_DIST 3
#define MIN_TOKENS 4
#define BANDS 4
#define BUCKETS 65536u
#define MAX_WALK 64   /* entries visited per band: bounds a crowded bucket */
#define INLINE_KEY 32 /* keys shorter than this live in the entry */
#define WINDOW 256    /* tokens per es_tokenize call */

typedef struct entry {
    uint64_t fp;
    uint64_t seq;         /* 1, 2, ...; 0 = never used */
    uint64_t root;        /* seq of the entry this one duplicates, or seq */
    uint32_t next[BANDS]; /* slot + 1 of the previous entry of each bucket */
    char key[INLINE_KEY]; /* NUL-terminated, or key[0] = 0 and a heap pointer */
} entry;

struct es_dedup_s {
    size_t cap;
    uint64_t next_seq; /* the seq the next entry gets */
    entry *ring;
    uint32_t *head; /* BANDS * BUCKETS: slot + 1 of the newest entry */
};

static unsigned band_of(uint64_t fp, unsigned b)
{
    return (unsigned)(fp >> (16 * b)) & 0xFFFFu;
}

/* Whether a and b differ in at most max_dist bits: clears the lowest set bit
 * of the difference max_dist times (portable, and cheaper than a popcount
 * that compiles to a library call without -mpopcnt). */
static int near(uint64_t a, uint64_t b, int max_dist)
{
    uint64_t x = a ^ b;
    for (int i = 0; i < max_dist && x; i++)
        x &= x - 1;
    return x == 0;
}

/* ------------------------------------------------------------------------
 * Fingerprints
 * ------------------------------------------------------------------------ */

/* Whether a token counts for the fingerprint. */
static int is_feature(uint8_t kind)
{
    return kind != ES_TOK_URL && kind != ES_TOK_PUNCT;
}

/* How many tokens of a leading "RT @handle:" (repeated for retweets of
 * retweets) to skip. */
static size_t retweet_prefix(const char *s, const es_token *t, size_t n)
{
    size_t i = 0;
    while (i + 1 < n && t[i].kind == ES_TOK_WORD && t[i].len == 2 && (s[t[i].off] | 0x20) == 'r' &&
           (s[t[i].off + 1] | 0x20) == 't' && t[i + 1].kind == ES_TOK_HANDLE) {
        i += 2;
        if (i < n && t[i].kind == ES_TOK_PUNCT && s[t[i].off] == ':')
            i++;
    }
    return i;
}

/* Counts, per bit position, how many token hashes have that bit set. Eight
 * 64-bit lanes each hold eight byte counters (lane i counts bits i, i+8,
 * ..., i+56), so a hash costs eight additions instead of 64; the bytes are
 * flushed into ones[] before they can overflow. */
typedef struct bitcount {
    uint64_t lane[8];
    unsigned pending;
    uint32_t ones[64];
} bitcount;

static void flush_bits(bitcount *c)
{
    for (unsigned i = 0; i < 8; i++) {
        for (unsigned byte = 0; byte < 8; byte++)
            c->ones[byte * 8 + i] += (uint32_t)(c->lane[i] >> (8 * byte)) & 0xFF;
        c->lane[i] = 0;
    }
    c->pending = 0;
}

static void add_bits(bitcount *c, uint64_t h)
{
    for (unsigned i = 0; i < 8; i++)
        c->lane[i] += (h >> i) & 0x0101010101010101ull;
    if (++c->pending == 255)
        flush_bits(c);
}

/* The fingerprint of text[0..len) and, in *nfeat, the number of tokens it
 * was made of. */
static uint64_t fingerprint(const char *text, size_t len, size_t *nfeat)
{
    es_token toks[WINDOW];
    bitcount acc;
    memset(&acc, 0, sizeof acc);
    uint64_t seqhash = 0x9E3779B97F4A7C15ull;
    size_t feats = 0, off = 0, first = 1;
    while (off < len) {
        size_t cnt = es_tokenize(text + off, len - off, toks, WINDOW);
        size_t use = cnt < WINDOW ? cnt : WINDOW;
        size_t i = first ? retweet_prefix(text + off, toks, use) : 0;
        first = 0;
        for (; i < use; i++) {
            if (!is_feature(toks[i].kind))
                continue;
            char low[256];
            size_t l = es_text_lower(text + off + toks[i].off, toks[i].len, low, sizeof low);
            uint64_t h = XXH3_64bits(low, l);
            seqhash = (seqhash ^ h) * 0x100000001B3ull + (seqhash >> 29);
            add_bits(&acc, h);
            feats++;
        }
        if (cnt <= WINDOW || use == 0)
            break;
        off += toks[use - 1].off + toks[use - 1].len;
    }
    *nfeat = feats;
    uint64_t fp = 0;
    if (feats == 0) {
        fp = XXH3_64bits(text, len); /* nothing to normalise: exact text */
    } else if (feats < MIN_TOKENS) {
        fp = XXH3_64bits(&seqhash, sizeof seqhash); /* mixes the sequence */
    } else {
        flush_bits(&acc);
        for (unsigned b = 0; b < 64; b++)
            if (2 * acc.ones[b] > feats)
                fp |= 1ull << b;
    }
    return fp ? fp : 1;
}

/* Reentrant; allocates nothing. A NULL text is the empty text. */
uint64_t es_dedup_fingerprint(const char *text, size_t len)
{
    size_t nfeat;
    return fingerprint(text ? text : "", text ? len : 0, &nfeat);
}

/* ------------------------------------------------------------------------
 * The index
 * ------------------------------------------------------------------------ */

/* Creates a detector remembering the last `capacity` mentions (at least 1).
 * Its memory, 72 bytes a slot plus 1 MiB of chain heads, is reserved now;
 * the ring is left uninitialised (only slots already written are ever read),
 * so pages are touched as it fills. NULL when out of memory. Free with
 * es_dedup_free. */
es_dedup_t *es_dedup_new(size_t capacity)
{
    if (capacity == 0)
        capacity = 1;
    if (capacity > UINT32_MAX - 1)
        capacity = UINT32_MAX - 1;
    es_dedup_t *d = es_calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cap = capacity;
    d->next_seq = 1;
    d->ring = es_malloc(capacity * sizeof *d->ring);
    d->head = es_calloc((size_t)BANDS * BUCKETS, sizeof *d->head);
    if (!d->ring || !d->head) {
        es_dedup_free(d);
        return NULL;
    }
    return d;
}

/* Slots [0, written) have been written at least once. */
static size_t written(const es_dedup_t *d)
{
    return d->next_seq - 1 < d->cap ? (size_t)(d->next_seq - 1) : d->cap;
}

static char *heap_key(const entry *e)
{
    char *p;
    memcpy(&p, e->key + 8, sizeof p);
    return p;
}

static int has_heap_key(const entry *e)
{
    return e->seq && e->key[0] == '\0' && e->key[1] == 1;
}

static const char *key_of(const entry *e)
{
    return has_heap_key(e) ? heap_key(e) : e->key;
}

/* Frees the detector and every key it holds. NULL is allowed. */
void es_dedup_free(es_dedup_t *d)
{
    if (!d)
        return;
    if (d->ring)
        for (size_t i = 0; i < written(d); i++)
            if (has_heap_key(&d->ring[i]))
                es_free(heap_key(&d->ring[i]));
    es_free(d->ring);
    es_free(d->head);
    es_free(d);
}

static int alive(const es_dedup_t *d, uint64_t seq)
{
    return seq != 0 && d->next_seq - seq <= d->cap;
}

/* Follows a link (slot + 1) found in bucket `v` of band b, from an entry
 * newer than `newer`: returns the entry when the link still leads to a live,
 * older member of that bucket, else NULL. */
static const entry *follow(const es_dedup_t *d, uint32_t link, unsigned b, unsigned v,
                           uint64_t newer)
{
    if (!link)
        return NULL;
    const entry *e = &d->ring[link - 1];
    if (!alive(d, e->seq) || e->seq >= newer || band_of(e->fp, b) != v)
        return NULL;
    return e;
}

/* The first live entry within max_dist bits of fp met in at most MAX_WALK
 * entries of each band's bucket, newest first, or NULL. The bands' chains
 * are walked side by side, a step of each in turn, so that their cache
 * misses overlap. An exact lookup (max_dist 0) needs one band only: a twin
 * shares every band. */
static const entry *lookup(const es_dedup_t *d, uint64_t fp, int max_dist)
{
    unsigned bands = max_dist == 0 ? 1 : BANDS, live = 0;
    const entry *cur[BANDS] = {NULL};
    for (unsigned b = 0; b < bands; b++) {
        unsigned v = band_of(fp, b);
        cur[b] = follow(d, d->head[b * BUCKETS + v], b, v, UINT64_MAX);
        live += cur[b] != NULL;
    }
    for (unsigned walk = 0; live > 0 && walk < MAX_WALK; walk++) {
        for (unsigned b = 0; b < bands; b++) {
            const entry *e = cur[b];
            if (!e)
                continue;
            if (near(e->fp, fp, max_dist))
                return e;
            cur[b] = follow(d, e->next[b], b, band_of(fp, b), e->seq);
            live -= cur[b] == NULL;
        }
    }
    return NULL;
}

/* What a match e stands for: its root when alive and within MAX_DIST bits
 * of fp (the earliest copy), else e itself. */
static const entry *report(const es_dedup_t *d, const entry *e, uint64_t fp)
{
    if (e->root == e->seq || !alive(d, e->root))
        return e;
    const entry *r = &d->ring[(e->root - 1) % d->cap];
    return r->seq == e->root && near(r->fp, fp, MAX_DIST) ? r : e;
}

/* Stores fp under key in the oldest slot, as a duplicate of the entry
 * numbered root (0: an original). The key is copied (on the heap when it is
 * long: ES_ENOMEM leaves the detector unchanged). */
static es_err insert(es_dedup_t *d, uint64_t fp, uint64_t root, const char *src, size_t src_len,
                     const char *id, size_t id_len)
{
    size_t klen = src_len + (id ? 1 + id_len : 0);
    char *heap = NULL;
    if (klen >= INLINE_KEY) {
        heap = es_malloc(klen + 1);
        if (!heap)
            return ES_ENOMEM;
    }
    size_t slot = (size_t)((d->next_seq - 1) % d->cap);
    entry *e = &d->ring[slot];
    if (slot < written(d) && has_heap_key(e))
        es_free(heap_key(e));
    for (unsigned b = 0; b < BANDS; b++) {
        unsigned v = band_of(fp, b);
        uint32_t h = d->head[b * BUCKETS + v];
        /* The slot being overwritten may head this bucket: its entry dies. */
        e->next[b] = (h && h - 1 != slot && follow(d, h, b, v, UINT64_MAX)) ? h : 0;
        d->head[b * BUCKETS + v] = (uint32_t)slot + 1;
    }
    memset(e->key, 0, sizeof e->key);
    char *k = heap ? heap : e->key;
    memcpy(k, src, src_len);
    if (id) {
        k[src_len] = '/';
        memcpy(k + src_len + 1, id, id_len);
    }
    k[klen] = '\0';
    if (heap) {
        e->key[1] = 1;
        memcpy(e->key + 8, &heap, sizeof heap);
    }
    e->fp = fp;
    e->seq = d->next_seq++;
    e->root = root ? root : e->seq;
    return ES_OK;
}

/* Remembers a mention seen before under key ("source/external_id"), unless
 * the same fingerprint is remembered already; a near-duplicate of one
 * remembered gets that one's root. Errors: ES_EINVAL (NULL key), ES_ENOMEM. */
es_err es_dedup_remember(es_dedup_t *d, uint64_t fingerprint, const char *key)
{
    if (!d || !key)
        return ES_EINVAL;
    const entry *match = lookup(d, fingerprint, MAX_DIST);
    if (match && (match->fp == fingerprint || lookup(d, fingerprint, 0)))
        return ES_OK;
    uint64_t root = match ? report(d, match, fingerprint)->seq : 0;
    return insert(d, fingerprint, root, key, strlen(key), NULL, 0);
}

/* See analyze.h. m->fingerprint is reused when set (a worker thread may
 * compute it with es_dedup_fingerprint), else computed. A text equal (after
 * normalisation) to one remembered is not stored again: the earlier copy
 * stands for it, which keeps a copy-paste flood from growing one bucket
 * without bound. m->duplicate_of lives in the arena. */
es_err es_dedup_check(es_dedup_t *d, es_mention_t *m, es_arena_t *a)
{
    if (!d || !m)
        return ES_EINVAL;
    if (!m->fingerprint) {
        const char *text = m->text ? m->text : "";
        m->fingerprint = es_dedup_fingerprint(text, strlen(text));
    }
    uint64_t fp = m->fingerprint, root = 0;
    const entry *match = lookup(d, fp, MAX_DIST);
    if (match) {
        /* An exact twin, when there is one, decides; it may lie further on
         * than the first near match. */
        const entry *twin = match->fp == fp ? match : lookup(d, fp, 0);
        const entry *dup = report(d, twin ? twin : match, fp);
        char *copy = es_arena_strdup(a, key_of(dup));
        if (!copy)
            return ES_ENOMEM;
        m->duplicate_of = copy;
        m->flags |= ES_FLAG_DUPLICATE;
        if (twin)
            return ES_OK;
        root = dup->seq;
    }
    const char *src = m->source ? m->source : "";
    const char *id = m->external_id ? m->external_id : "";
    return insert(d, fp, root, src, strlen(src), id, strlen(id));
}
