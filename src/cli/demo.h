/*
 * demo.h - what the parts of `earshot demo` share (src/cli/demo*.c only):
 *   demo.c          the command: options, store set-up, ingest, summaries
 *   demo_gen.c      days, planted incidents, the files, the benchmark stream
 *   demo_text.c     the world (brands, places, people) and composing texts
 *   demo_twitter.c  writing Twitter API v2 and v1.1 objects
 *   demo_formats.c  the other formats, output buffers, dates
 * Everything is driven by one seeded generator (gen), so the same seed gives
 * the same bytes. Not thread-safe; nothing here is part of the library.
 */
#ifndef ES_CLI_DEMO_H
#define ES_CLI_DEMO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TEXT_CAP 4096
#define RING 24
#define PAGE_MAX 12
#define START_TIME INT64_C(1793577600) /* 2026-11-02T00:00:00Z, a Monday */
#define TWEPOCH_MS INT64_C(1288834974657)
#define CAMPAIGN_BASE UINT64_C(1000000000)
#define PERSISTENT 40 /* users who contact us again and again */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------ */
/* Random numbers: splitmix64, one stream per generator                     */
/* ------------------------------------------------------------------------ */

typedef struct rng {
    uint64_t s;
} rng;

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline uint64_t rnext(rng *r)
{
    r->s += UINT64_C(0x9E3779B97F4A7C15);
    return mix64(r->s);
}

/* A uniform integer in [0, n). */
static inline uint32_t rbelow(rng *r, uint32_t n)
{
    return (uint32_t)(((rnext(r) >> 32) * (uint64_t)n) >> 32);
}

static inline int rrange(rng *r, int lo, int hi)
{
    return lo + (int)rbelow(r, (uint32_t)(hi - lo + 1));
}

static inline int rchance(rng *r, double p)
{
    return (double)(rnext(r) >> 11) * 0x1.0p-53 < p;
}

/* An index into w[0..n) drawn with probability proportional to w[i]. */
static inline int rweighted(rng *r, const int *w, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    int x = (int)rbelow(r, (uint32_t)total);
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

#define PICK(r, arr) ((arr)[rbelow((r), (uint32_t)NELEM(arr))])

/* ------------------------------------------------------------------------ */
/* Output buffers (demo_formats.c)                                          */
/* ------------------------------------------------------------------------ */

typedef struct obuf {
    char *p;
    size_t len, cap;
    FILE *fp;  /* NULL: a memory buffer that never grows */
    int err;   /* a write failed, or a memory buffer overflowed */
} obuf;

/* Prepares o over fp (NULL: a memory buffer that never grows) with cap
 * bytes. -1 when out of memory. */
int demo_ob_init(obuf *o, FILE *fp, size_t cap);
/* Writes a file buffer out (sets err on failure); a memory one is kept. */
void demo_ob_flush(obuf *o);
void demo_ob_cleanup(obuf *o);
/* Appends n bytes; a memory buffer that would overflow sets err instead. */
void demo_ob_put(obuf *o, const char *s, size_t n);
#define OB_LIT(o, s) demo_ob_put((o), (s), sizeof(s) - 1)
void demo_ob_puts(obuf *o, const char *s);
void demo_ob_u64(obuf *o, uint64_t v);
/* A quoted number: ids are strings in the v2 and Meta APIs. */
void demo_ob_qu64(obuf *o, uint64_t v);
/* A JSON string of s[0..n) (valid UTF-8), quoted and escaped. */
void demo_ob_json(obuf *o, const char *s, size_t n);
void demo_ob_jstr(obuf *o, const char *s);
/* "2026-11-02T13:22:05.000Z". */
void demo_ob_iso(obuf *o, int64_t t, int ms);
/* t at a UTC offset of tz hours in one of the date shapes the formats use:
 * "Mon Nov 02 13:22:05 +0000 2026", "Mon, 02 Nov 2026 06:22:05 -0700",
 * "2026-11-02 06:22:05 -0700", "Mon Nov  2 13:22:05 2026",
 * "2026-11-02T13:22:05+0000". */
enum { DT_V1, DT_RFC5322, DT_CSV, DT_MBOX, DT_FB };
void demo_fmt_time(char *b, size_t n, int64_t t, int tz, int shape);
/* "YYYY-MM-DD" of day number `day` of the demo. */
void demo_day_string(int day, char *b, size_t n);

/* ------------------------------------------------------------------------ */
/* The world (demo_text.c, demo_data.inc)                                   */
/* ------------------------------------------------------------------------ */

typedef struct brand {
    const char *name, *short_name, *handle, *tag, *code, *domain;
    uint64_t uid; /* the brand's own Twitter account */
    int weight;   /* share of public mentions */
} brand;

typedef struct place {
    const char *code, *city;
    int tz;     /* UTC offset in November, hours */
    int weight; /* traffic */
} place;

extern const brand demo_brands[3]; /* ours first */
extern const place demo_places[20];

enum { T_DELAY, T_BAGGAGE, T_BILLING, T_STAFF, T_PRODUCT, T_CLEAN, T_COUNT };
enum { CUE_REPEAT, CUE_WAITING, CUE_LEGAL, CUE_CHURN, CUE_SAFETY, CUE_COUNT };

typedef struct user {
    uint64_t idx, id, h;
    char handle[24], name[48], first[16];
    const char *bio, *home;
    int64_t created;
    uint32_t followers, following, tweets, listed;
} user;

/* ------------------------------------------------------------------------ */
/* Text buffers                                                             */
/* ------------------------------------------------------------------------ */

typedef struct tbuf {
    size_t n;
    char s[TEXT_CAP];
} tbuf;

/* Appends all of p or nothing (a text is never cut inside a character). */
static inline int tb_add(tbuf *b, const char *p, size_t n)
{
    if (n >= TEXT_CAP - b->n)
        return -1;
    memcpy(b->s + b->n, p, n);
    b->n += n;
    b->s[b->n] = '\0';
    return 0;
}

static inline int tb_adds(tbuf *b, const char *s)
{
    return tb_add(b, s, strlen(s));
}

static inline void tb_clear(tbuf *b)
{
    b->n = 0;
    b->s[0] = '\0';
}

/* Code points in s[0..n). */
static inline size_t cps(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

static inline int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int is_word(int c)
{
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/* ------------------------------------------------------------------------ */
/* Mentions and the generator                                               */
/* ------------------------------------------------------------------------ */

enum { IN_COMPLAINT, IN_QUESTION, IN_REQUEST, IN_PRAISE, IN_CHATTER, IN_SPAM, IN_FREEBIE, IN_MIXED };
enum { CH_TW2, CH_TW1, CH_META, CH_REVIEW, CH_EMAIL, CH_CANON, CH_COUNT };
enum { K_NORMAL, K_TARMAC, K_FOOD, K_CAMPAIGN, K_OUTAGE, K_COUNT };
enum { SUB_FB, SUB_MSGR, SUB_IG, SUB_SMS, SUB_PHONE, SUB_WEB };

extern const char *const demo_files[CH_COUNT]; /* file names, in channel order */

/* One mention being made: its kind (ordinary or an incident), channel (CH_*)
 * and sub-channel (SUB_*), brand (index into demo_brands), place and
 * destination, intent (IN_*), topic (T_*), language (0 en, 1 es, 2 fr),
 * polarity (-1, 0, 1), urgency cue (CUE_* or -1), the values its template
 * slots take, its author (a user number), id, time and text. */
typedef struct spec {
    int kind, chan, sub, brand, loc, dest, intent, topic, lang, pol, cue;
    int hours, minutes, count, ordinal, when, staff, item, meal, money, gate, seat, flight;
    int named; /* the text names the brand */
    uint64_t user, id;
    int64_t t;
    char ref[8];
    tbuf text;
} spec;

/* A tweet kept for retweeting. */
typedef struct orig {
    uint64_t id, user;
    int64_t t;
    int brand;
    size_t len;
    char text[1200];
} orig;

/* The generator: the random stream, the files being written, the Twitter v2
 * page being filled, recent tweets to retweet, and what was written. */
typedef struct gen {
    rng r;
    uint64_t seed;
    int days, stream;
    int event_day[K_COUNT]; /* the day of each planted incident, -1 none */
    uint64_t seq;           /* makes every id unique */
    uint64_t pool;          /* ordinary users */
    obuf out[CH_COUNT];
    long records[CH_COUNT], mentions[CH_COUNT], by_kind[K_COUNT];
    obuf page, page_users;  /* a Twitter v2 page being filled */
    int page_left, page_n;
    uint64_t page_uids[PAGE_MAX], page_first, page_last;
    orig ring2[RING], ring1[RING];
    int ring2_n, ring1_n;
    uint64_t ring2_pos, ring1_pos;
} gen;

static inline int is_twitter(int chan)
{
    return chan == CH_TW2 || chan == CH_TW1;
}

/* Private channels address us directly: no "@aerolark" at the start. */
static inline int is_private(const spec *s)
{
    return s->chan == CH_EMAIL || s->chan == CH_CANON || s->sub == SUB_MSGR;
}


/* The user number idx of the world seeded by seed (demo_text.c). */
void demo_make_user(uint64_t seed, uint64_t idx, user *u);
/* Renders a template with its {X} slots into b. */
void demo_render(gen *g, spec *s, tbuf *b, const char *tpl);
/* A new mention of the given kind at time t; chan -1 lets it choose. */
void demo_new_spec(gen *g, spec *s, int kind, int64_t t, int chan);
/* Shapes a mention into one of the planted incidents. */
void demo_plant(gen *g, spec *s, int kind);
/* Composes s->text from a template, a cue and decorations. */
void demo_compose(gen *g, spec *s);

/* demo_twitter.c and demo_formats.c: each writes one mention to o. */
void demo_write_tw2(gen *g, obuf *o, spec *s);
void demo_write_tw1(gen *g, obuf *o, spec *s);
void demo_write_meta(gen *g, obuf *o, spec *s);
void demo_write_review(gen *g, obuf *o, spec *s);
void demo_write_email(gen *g, obuf *o, spec *s);
void demo_write_canon(gen *g, obuf *o, spec *s);
/* Writes the pending Twitter v2 page, if any. */
void demo_tw2_flush_page(gen *g);

#define REVIEW_HEADER "review_id,site,brand,location,rating,title,review_text,reviewer,posted_at,helpful_votes\n"
#define REVIEW_MAP                                                                         \
    "id=review_id,text=review_text,author=reviewer,created_at=posted_at,location=location," \
    "brand_hint=brand"

/* demo_gen.c */
/* Prepares a generator for `days` days of the world seeded by seed. */
void demo_gen_init(gen *g, uint64_t seed, int days);
/* Writes every file into dir (which exists). On failure -1, err says why. */
int demo_write_files(gen *g, const char *dir, char *err, size_t errlen);
/* Prints count Twitter v2 lines on stdout; returns an exit status. */
int demo_run_stream(uint64_t seed, uint64_t count);

#endif
