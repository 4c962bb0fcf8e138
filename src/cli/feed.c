/*
 * feed.c - `earshot feed`: add, list, remove and poll the RSS and Atom
 * feeds (review sites, news and blog alerts) whose items become mentions
 * (feed.h). `feed poll` fetches the feeds that are due (or all with
 * --all), and analyses and stores their items as `earshot ingest` does:
 * the same analyser (sentiment, intent, cues, listening queries, brands),
 * near-duplicates checked against the store's recent mentions, one
 * transaction per feed. The server polls on its own schedule through the
 * same es_feed_poll_due. Called by main.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/pipeline.h"
#include "cli/util.h"
#include "earshot/analyze.h"
#include "earshot/feed.h"

#define DEDUP_WINDOW 50000

static const char *const help[] = {
    "usage: earshot [--db FILE] feed add URL [--name NAME] [--every PERIOD] [--source LABEL]",
    "                                    [--brand BRAND] [--location LOC]",
    "       earshot [--db FILE] feed list [--output table|csv|json]",
    "       earshot [--db FILE] feed remove ID",
    "       earshot [--db FILE] feed poll [--all]",
    "",
    "RSS and Atom feeds polled on a schedule; each item becomes one mention, stored once.",
    "  --name NAME       a unique name (default: the URL's host and path)",
    "  --every PERIOD    how often to poll: 90s, 15m, 2h, 1d (default 15m, at least 60s)",
    "  --source LABEL    the mentions' source, e.g. review or news (default feed:NAME)",
    "  --brand BRAND     a brand hint for every item (a brand's name)",
    "  --location LOC    the location every item is about",
    "  --all             poll every feed now, whether due or not",
    "See docs/api.md (Feeds).",
    NULL,
};

/* "90", "90s", "15m", "2h", "1d" -> seconds; -1 when malformed. */
static long parse_period(const char *s)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    long unit = 1;
    if (end == s || v <= 0 || v > 1000000)
        return -1;
    if (*end == 'm')
        unit = 60;
    else if (*end == 'h')
        unit = 3600;
    else if (*end == 'd')
        unit = 86400;
    else if (*end != 's' && *end != '\0')
        return -1;
    if (*end && end[1])
        return -1;
    return v * unit;
}

/* A default name: the URL without its scheme, cut at 60 bytes. */
static void default_name(const char *url, char *buf, size_t size)
{
    const char *p = strstr(url, "://");
    snprintf(buf, size, "%.60s", p ? p + 3 : url);
    size_t n = strlen(buf);
    while (n && buf[n - 1] == '/')
        buf[--n] = '\0';
}

static int add(es_store_t *s, int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'},     {"every", required_argument, NULL, 'e'},
        {"source", required_argument, NULL, 's'},   {"brand", required_argument, NULL, 'b'},
        {"location", required_argument, NULL, 'l'}, {NULL, 0, NULL, 0}};
    es_feed_row f;
    char name[128];
    int c;
    memset(&f, 0, sizeof f);
    optind = 0; /* 0, not 1: glibc then forgets main.c's "+" (stop at the first argument) */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'n': f.name = optarg; break;
        case 'e':
            if ((f.every = parse_period(optarg)) < 0)
                return cli_usage("feed", "invalid period '%s' (use 90s, 15m, 2h, 1d)", optarg);
            break;
        case 's': f.source = optarg; break;
        case 'b': f.brand = optarg; break;
        case 'l': f.location = optarg; break;
        case ':': return cli_usage("feed", "%s needs a value", argv[optind - 1]);
        default: return cli_usage("feed", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage("feed", "feed add takes one URL");
    f.url = argv[optind];
    if (!f.name) {
        default_name(f.url, name, sizeof name);
        f.name = name;
    }
    int64_t id = 0;
    es_err rc = es_feed_add(s, &f, 0, &id);
    if (rc) {
        fprintf(stderr, "earshot feed: %s\n", es_store_errmsg(s));
        return rc == ES_EEXIST || rc == ES_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    printf("%lld\n", (long long)id);
    return CLI_OK;
}

static void list_cb(const es_feed_row *f, void *ud)
{
    cli_out *o = ud;
    char last[32], next[32];
    cli_out_int(o, f->id);
    cli_out_str(o, f->name);
    cli_out_str(o, f->source);
    cli_out_int(o, f->every);
    cli_out_str(o, cli_time_format(f->last_poll, last, sizeof last));
    cli_out_str(o, cli_time_format(f->next_poll, next, sizeof next));
    cli_out_int(o, f->last_status);
    cli_out_int(o, f->items);
    cli_out_str(o, f->url);
    cli_out_str(o, f->last_error);
    cli_out_end_row(o);
}

/* feed list [--output table|csv|json] */
static int list(es_store_t *s, int argc, char **argv)
{
    static const char *const cols[] = {"id",        "name",   "source", "every", "last_poll",
                                       "next_poll", "status", "items",  "url",   "last_error"};
    cli_output fmt = CLI_OUT_TABLE;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--output") == 0 && i + 1 < argc)
            v = argv[++i];
        else if (strncmp(argv[i], "--output=", 9) == 0)
            v = argv[i] + 9;
        if (!v || cli_output_parse(v, &fmt))
            return cli_usage("feed", "feed list takes only --output table|csv|json");
    }
    cli_out *o = cli_out_new(stdout, fmt, cols, sizeof cols / sizeof *cols);
    if (!o) {
        fprintf(stderr, "earshot feed: out of memory\n");
        return CLI_FAIL;
    }
    int status = CLI_OK;
    if (es_feed_list(s, 0, 0, 0, list_cb, o)) {
        fprintf(stderr, "earshot feed: %s\n", es_store_errmsg(s));
        status = CLI_FAIL;
    }
    if (cli_out_finish(o) && status == CLI_OK) {
        fprintf(stderr, "earshot feed: writing the list failed\n");
        status = CLI_FAIL;
    }
    cli_out_free(o);
    return status;
}

/* ---- poll: the sink that analyses and stores, as `earshot ingest` ------------ */

typedef struct sink {
    es_store_t *s;
    es_analyzer_t *an;
    es_dedup_t *dedup;
} sink;

static es_err store_items(void *ud, const es_feed_row *f, es_mention_t *ms, size_t n, es_arena_t *a,
                          size_t *inserted)
{
    sink *k = ud;
    size_t keep = 0;
    for (size_t i = 0; i < n; i++) {
        const char *reason = NULL;
        es_err rc = es_analyzer_run(k->an, &ms[i], a, &reason);
        if (rc == ES_REJECTED) {
            fprintf(stderr, "earshot feed: %s: item %s skipped: %s\n", f->name, ms[i].external_id,
                    reason ? reason : "rejected");
            continue;
        }
        if (rc || (rc = es_dedup_check(k->dedup, &ms[i], a)))
            return rc;
        ms[keep++] = ms[i];
    }
    es_err rc = keep ? es_store_put(k->s, ms, keep, inserted) : ES_OK;
    if (rc)
        fprintf(stderr, "earshot feed: %s: %s\n", f->name, es_store_errmsg(k->s));
    return rc;
}

static void warm_cb(uint64_t fp, const char *key, void *ud)
{
    es_err rc = es_dedup_remember(ud, fp, key);
    (void)rc; /* a detector that remembers less only finds fewer duplicates */
}

/* Every feed, copied out of the listing (strings in the arena). */
typedef struct all_feeds {
    es_arena_t *a;
    es_feed_row *rows;
    size_t n, cap;
    int oom;
} all_feeds;

static const char *copy(all_feeds *f, const char *s)
{
    const char *d = s ? es_arena_strdup(f->a, s) : NULL;
    f->oom |= s && !d;
    return d;
}

static void collect_cb(const es_feed_row *row, void *ud)
{
    all_feeds *f = ud;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        es_feed_row *p = es_realloc(f->rows, cap * sizeof *p);
        if (!p) {
            f->oom = 1;
            return;
        }
        f->rows = p;
        f->cap = cap;
    }
    es_feed_row *r = &f->rows[f->n++];
    *r = *row;
    r->url = copy(f, row->url);
    r->name = copy(f, row->name);
    r->source = copy(f, row->source);
    r->brand = copy(f, row->brand);
    r->location = copy(f, row->location);
    r->etag = copy(f, row->etag);
    r->last_modified = copy(f, row->last_modified);
    r->last_error = NULL;
}

/* --all: polls every feed now, one after the other. A feed that fails is
 * recorded (and said by the caller) and does not stop the others; returns
 * -1 only when the store fails. */
static int poll_all(es_store_t *s, sink *k, int64_t now, size_t *items)
{
    all_feeds f = {es_arena_new(16 * 1024, 0), NULL, 0, 0, 0};
    int status = -1;
    if (!f.a || es_feed_list(s, 0, 0, 0, collect_cb, &f) || f.oom)
        goto out;
    status = 0;
    for (size_t i = 0; i < f.n && status == 0; i++) {
        size_t got = 0;
        es_err rc = es_feed_poll_one(s, &f.rows[i], now, store_items, k, &got);
        *items += got;
        if (rc == ES_EDB || rc == ES_ENOMEM)
            status = -1; /* a feed's own failure is recorded, and said after */
    }
out:
    es_free(f.rows);
    es_arena_free(f.a);
    return status;
}

/* Says on stderr which feeds of this poll failed, and why. */
static void report_cb(const es_feed_row *f, void *ud)
{
    if (f->last_poll == *(const int64_t *)ud && f->last_error)
        fprintf(stderr, "earshot feed: %s: %s\n", f->name, f->last_error);
}

static int poll(cli_ctx *ctx, es_store_t *s, int all)
{
    const es_lexicon_t *lex = NULL;
    cli_listen l;
    sink k = {s, NULL, NULL};
    char err[512] = "";
    size_t items = 0;
    int status = CLI_FAIL;
    int64_t now = (int64_t)time(NULL);
    memset(&l, 0, sizeof l);
    if (cli_listen_load(&l, s, err, sizeof err)) {
        fprintf(stderr, "earshot feed: %s\n", err);
        goto out;
    }
    if (es_lexicon_builtin(&lex) ||
        !(k.an = es_analyzer_new(lex, ES_MODE_CARE, l.matcher, l.brands, l.n_brands)) ||
        !(k.dedup = es_dedup_new(DEDUP_WINDOW))) {
        fprintf(stderr, "earshot feed: out of memory\n");
        goto out;
    }
    if (es_store_recent_fingerprints(s, DEDUP_WINDOW, warm_cb, k.dedup)) {
        fprintf(stderr, "earshot feed: %s\n", es_store_errmsg(s));
        goto out;
    }
    es_err rc = all ? (poll_all(s, &k, now, &items) ? ES_EDB : ES_OK)
                    : es_feed_poll_due(s, now, store_items, &k, &items);
    if (rc) {
        fprintf(stderr, "earshot feed: %s\n", es_store_errmsg(s));
        goto out;
    }
    status = CLI_OK;
    if (es_feed_list(s, 0, 0, 0, report_cb, &now))
        fprintf(stderr, "earshot feed: %s\n", es_store_errmsg(s));
    if (!ctx->quiet)
        fprintf(stderr, "earshot feed: %zu new items stored\n", items);
out:
    es_dedup_free(k.dedup);
    es_analyzer_free(k.an);
    cli_listen_cleanup(&l);
    return status;
}

/* See cli.h. */
int cmd_feed(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc < 2)
            return cli_usage("feed", "an action is needed: add, list, remove or poll");
        return cli_help(help);
    }
    const char *act = argv[1];
    int all = 0;
    if (strcmp(act, "add") != 0 && strcmp(act, "list") != 0 && strcmp(act, "remove") != 0 &&
        strcmp(act, "poll") != 0)
        return cli_usage("feed", "unknown action '%s'", act);
    if (strcmp(act, "poll") == 0) {
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--all") != 0)
                return cli_usage("feed", "unexpected argument '%s'", argv[i]);
            all = 1;
        }
    }
    long id = 0;
    if (strcmp(act, "remove") == 0 && (argc != 3 || cli_parse_long(argv[2], 1, 1L << 62, &id)))
        return cli_usage("feed", "feed remove takes one feed id");
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    int status = CLI_FAIL;
    if (strcmp(act, "add") == 0) {
        status = add(s, argc - 1, argv + 1);
    } else if (strcmp(act, "list") == 0) {
        status = list(s, argc - 1, argv + 1);
    } else if (strcmp(act, "remove") == 0) {
        es_err rc = es_feed_remove(s, id, 0);
        status = rc == ES_OK ? CLI_OK : rc == ES_ENOTFOUND ? CLI_USAGE : CLI_FAIL;
        if (rc)
            fprintf(stderr, "earshot feed: %s\n", es_store_errmsg(s));
    } else {
        status = poll(ctx, s, all);
    }
    es_store_close(s);
    return status;
}
