/*
 * social.h - social analytics (issue 4, S2 and S3): the brand's own posts
 * with their metrics, reported as per-post rates and their trends; and
 * share of voice and net sentiment per brand per day or week, from the
 * mentions that listening stored.
 *
 * Posts. A post is keyed by (channel, post_id): importing the same post
 * again replaces its brand, time and text and updates its metrics (a post's
 * metrics grow over time), so there is always one row per post. A metric
 * absent from an import (-1) keeps its stored value, or 0 for a new post.
 * Imports are all-or-nothing: es_post_parse reads the whole file first and
 * stops at the first bad field, naming its row and column (CSV) or its JSON
 * path; es_post_put writes the batch in one transaction. The store keeps
 * posts in schema step 13 (src/store/sqlite_post.c); src/social/ parses and
 * reports. docs/social.md defines every figure.
 *
 * Periods. Days, ISO-8601 weeks (Monday to Sunday) and calendar months are
 * all in UTC. A week is named by the date of its Monday ("2026-11-16") and
 * its ISO label ("2026-W47"); a month by "2026-11".
 */
#ifndef EARSHOT_SOCIAL_H
#define EARSHOT_SOCIAL_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "earshot.h"
#include "store.h"

/* Limits (longer input is refused). */
#define ES_POST_ID_MAX 128                    /* bytes of a post id */
#define ES_POST_BRAND_MAX 200                 /* bytes of a brand name */
#define ES_POST_CHANNEL_MAX 32                /* bytes of a channel name */
#define ES_POST_TEXT_MAX 10000                /* bytes of a post's text */
#define ES_POST_BATCH_MAX 100000              /* posts in one import */
#define ES_POST_METRIC_MAX 1000000000000000LL /* the largest count accepted */

/* The metrics of a post, in the order of es_post.metric[]. */
enum {
    ES_POST_IMPRESSIONS,
    ES_POST_REPLIES,
    ES_POST_REPOSTS,
    ES_POST_LIKES,
    ES_POST_CLICKS,
    ES_POST_FOLLOWERS, /* the account's followers when the post went out */
    ES_POST_N_METRICS
};

/* The field names of the metrics ("impressions", "replies" ...), indexed
 * by the enum above; the same in CSV headers and JSON. */
extern const char *const es_post_metric_names[ES_POST_N_METRICS];

/* One post. On input the strings belong to the caller; on output (list)
 * to the store until the callback returns. metric[i] is -1 for "absent"
 * on input, never on output. */
typedef struct es_post {
    const char *post_id; /* the platform's id, unique within a channel */
    const char *brand;   /* whose post it is */
    const char *channel; /* "twitter", "facebook" ...: lower case [a-z0-9_.-] */
    int64_t posted_at;   /* Unix seconds UTC */
    const char *text;    /* may be NULL */
    int64_t metric[ES_POST_N_METRICS];
} es_post;

typedef enum es_post_format { ES_POST_CSV, ES_POST_JSON } es_post_format;

/* Parses "csv" or "json". ES_EINVAL otherwise. */
es_err es_post_format_parse(const char *name, es_post_format *out) ES_WUR;

/* Parses a whole import file: CSV with a header row naming the columns
 * post_id, brand, channel, posted_at (required) and text, impressions,
 * replies, reposts, likes, clicks, followers (optional; in any order), or
 * JSON: an array of objects with those fields, or {"posts": [...]}. The
 * posts and their strings go into a (freed with it). All or nothing: on
 * the first bad field (a too long one included) returns ES_EPARSE, and
 * ES_ELIMIT for more than ES_POST_BATCH_MAX posts or 64 CSV columns,
 * ES_ENOMEM; with a message in err naming "row N, column C" (the header is
 * row 1) or the JSON path ("$[2].likes"). Thread-safe. */
es_err es_post_parse(const char *data, size_t len, es_post_format fmt, es_arena_t *a, es_post **out,
                     size_t *n, char *err, size_t errlen) ES_WUR;

/* Checks one post's fields (ids, lengths, channel syntax, metrics >= -1);
 * ES_EINVAL or ES_ELIMIT with a message in err naming the field. */
es_err es_post_check(const es_post *p, char *err, size_t errlen) ES_WUR;

/* Stores ps[0..n) in one transaction: new posts are inserted, known ones
 * (same channel and post_id) updated; *added and *updated (either may be
 * NULL) count them. Audited as "posts.import" by actor_user / actor_token.
 * ES_EINVAL (a post fails es_post_check: nothing is stored), ES_EDB. */
es_err es_post_put(es_store_t *s, const es_post *ps, size_t n, int64_t actor_user,
                   int64_t actor_token, size_t *added, size_t *updated) ES_WUR;

/* Calls cb for each post of brand (NULL: every brand, matched without
 * regard to case) posted in [since, until) (0: open), ordered by brand,
 * channel and time. */
es_err es_post_list(es_store_t *s, const char *brand, int64_t since, int64_t until,
                    void (*cb)(const es_post *p, void *ud), void *ud) ES_WUR;

/* ---- the posts report ------------------------------------------------------- */

typedef enum es_period { ES_PERIOD_DAY, ES_PERIOD_WEEK, ES_PERIOD_MONTH } es_period;

/* Parses "day", "week" or "month". ES_EINVAL otherwise. */
es_err es_period_parse(const char *name, es_period *out) ES_WUR;

/* The start (Unix seconds, UTC midnight) of the period that holds t, and
 * of the period before it. */
int64_t es_period_start(es_period by, int64_t t);
int64_t es_period_prev(es_period by, int64_t start);
/* Names the period starting at start: "2026-11-16" for a day, "2026-W47"
 * for a week, "2026-11" for a month, into buf (at least 16 bytes). */
const char *es_period_label(es_period by, int64_t start, char *buf, size_t size);

/* The per-post rates the report gives, in the order of the arrays below. */
enum {
    ES_RATE_REPLIES,    /* replies per post */
    ES_RATE_REPOSTS,    /* reposts per post */
    ES_RATE_LIKES,      /* likes per post */
    ES_RATE_CLICKS,     /* clicks per post */
    ES_RATE_ENGAGEMENT, /* actions / impressions, of posts with impressions */
    ES_RATE_PER_1K,     /* actions per 1,000 followers, of posts with followers */
    ES_N_RATES
};
/* "replies", "reposts", "likes", "clicks", "engagement_rate",
 * "actions_per_1k_followers". */
extern const char *const es_rate_names[ES_N_RATES];

/* A set of posts' rates: mean and median over the n posts that have the
 * rate (all posts for the first four; for the last two only the posts
 * whose impressions or followers are above 0). With n == 0 both are NaN. */
typedef struct es_post_figures {
    long posts;
    long n[ES_N_RATES];
    double mean[ES_N_RATES], median[ES_N_RATES];
} es_post_figures;

/* One row of the report: a brand's posts on a channel in one period, and
 * the same period before. change is cur.mean - prev.mean, change_pct that
 * divided by prev.mean times 100; NaN where either is undefined (no
 * previous posts, a previous mean of 0). */
typedef struct es_post_report_row {
    const char *brand, *channel;
    const char *period; /* es_period_label */
    int64_t start;      /* the period's first second */
    es_post_figures cur, prev;
    double change[ES_N_RATES], change_pct[ES_N_RATES];
} es_post_report_row;

typedef struct es_post_report_opts {
    const char *brand;    /* NULL: every brand */
    es_period by;         /* ES_PERIOD_WEEK or ES_PERIOD_MONTH (or DAY) */
    int64_t since, until; /* 0: open; since is rounded down to its period */
} es_post_report_opts;

/* Computes es_post_figures for posts[0..n) (pure arithmetic, for the report
 * and its tests). ES_ENOMEM. */
es_err es_post_figures_of(const es_post *posts, size_t n, es_post_figures *out) ES_WUR;

/* Calls cb once per (brand, channel, period) that has posts, ordered by
 * brand, channel and period; rows live during the call. ES_ENOMEM, the
 * store's errors (message on s). */
es_err es_post_report(es_store_t *s, const es_post_report_opts *o,
                      void (*cb)(const es_post_report_row *r, void *ud), void *ud) ES_WUR;

/* ---- share of voice and net sentiment (S3) ---------------------------------- */

/* One brand's (or a group's) mentions in a period. net is (positive -
 * negative) / mentions; share is mentions / all brands' mentions in the
 * period (a mention naming two brands counts for both); net is NaN for a
 * group without mentions. prev_* are the
 * period before (has_prev 0 when nothing was said of it then: prev_* 0)
 * and change_* the differences (NaN without a previous period). */
typedef struct es_sov_brand {
    const char *brand; /* NULL for the ours / competitors totals */
    int ours;
    long mentions, positive, neutral, negative;
    double net, share;
    int has_prev;
    long prev_mentions;
    double prev_net, prev_share;
    double change_net, change_share;
} es_sov_brand;

/* A period: every brand mentioned in it, and the totals of our brands
 * (brands.ours) and of the competitors. */
typedef struct es_sov_period {
    const char *period; /* es_period_label */
    int64_t start;
    long mentions; /* all brands' mentions */
    const es_sov_brand *brands;
    size_t n_brands;
    es_sov_brand ours, competitors;
} es_sov_period;

typedef struct es_sov_opts {
    es_period by;         /* ES_PERIOD_DAY or ES_PERIOD_WEEK */
    int64_t since, until; /* 0: open; since is rounded down to its period */
    es_stats_scope scope; /* whose mentions (all, or some locations) */
} es_sov_opts;

/* Calls cb once per period with mentions, oldest first; everything lives
 * during the call. Built on es_store_stats_by. ES_EINVAL (by month),
 * ES_ENOMEM, the store's errors. */
es_err es_sov_report(es_store_t *s, const es_sov_opts *o,
                     void (*cb)(const es_sov_period *p, void *ud), void *ud) ES_WUR;

#endif
