/*
 * demo.c - `earshot demo`: a seeded, realistic stream of customer mentions so
 * that a fresh clone shows something real without ../shared.
 *
 * The world: our airline, Aerolark, and two competitors, Bluejay Airways and
 * Northwind Air, flying from 20 airports. Over --days days (from a fixed
 * start date, so the output never depends on the clock) customers complain,
 * ask, request, praise, chat, spam and fish for freebies on Twitter (API v2
 * and v1.1 shapes), on our Facebook and Instagram pages and in Messenger
 * (Meta webhook payloads), on review sites (CSV), by email (mbox) and by SMS,
 * phone and web form (earshot's canonical JSON Lines). Planted in the stream:
 * a burst of complaints from one flight stuck on the tarmac at one airport on
 * one day, a food-poisoning safety incident, a copy-paste campaign from new
 * accounts, a competitor's outage, retweets, and urgency cues (repeat
 * contacts, waiting times, legal threats, churn).
 *
 * Texts are composed from many templates with slots, then varied the way
 * people write: openers and closers, emoji, hashtags, links, typos, ALL CAPS,
 * elongations, lower case. Everything comes from one splitmix64 generator
 * seeded by --seed, so the same seed gives byte-identical files.
 *
 * After writing the files the command sets up the store at ctx->db_path (the
 * three brands and their listening queries, through the public store and
 * listen APIs), ingests every file through cmd_ingest, and prints a summary
 * and what to try next. `earshot demo --stream twitter-v2 --count N` instead
 * prints N Twitter v2 objects to stdout in constant memory, for benchmarks.
 *
 * Called by main.c's dispatcher (cmd_demo). The generator lives in
 * demo_gen.c, demo_text.c (its data in demo_data.inc), demo_twitter.c and
 * demo_formats.c, which share demo.h; this file is the command.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "cli/demo_survey.h"
#include "earshot/earshot.h"
#include "earshot/listen.h"
#include "earshot/store.h"

/* ------------------------------------------------------------------------ */
/* Setting up the store and ingesting                                       */
/* ------------------------------------------------------------------------ */

/* The listening queries of each brand, in the documented language. */
static const struct {
    int brand;
    const char *name, *text;
} QUERIES[] = {
    {0, "aerolark-all", "aerolark OR @aerolark OR #aerolark OR \"aero lark\""},
    {0, "aerolark-delays", "(aerolark OR @aerolark) AND (delay* OR cancel* OR tarmac)"},
    {0, "aerolark-safety", "\"food poisoning\" OR sick NEAR/4 (flight OR meal OR wrap)"},
    {0, "aerolark-bags", "(bag OR suitcase OR luggage) NEAR/6 (lost OR broke* OR damaged) NOT #travel"},
    {1, "bluejay-all", "bluejay OR @bluejayair OR #bluejay OR \"bluejay airways\""},
    {1, "bluejay-outage", "@bluejayair AND (down OR outage OR offline)"},
    {2, "northwind-all", "@flynorthwind OR #northwindair OR \"northwind air\" OR northwind"},
};

typedef struct found_query {
    const char *name;
    int found;
} found_query;

/* es_store_query_list callback: notes whether the query named f->name is
 * stored already, so that a second run adds nothing twice. */
static void query_seen(const es_query_row *q, void *ud)
{
    found_query *f = ud;
    if (q->name && strcmp(q->name, f->name) == 0)
        f->found = 1;
}

/* Adds the three brands and their queries unless they are there already. */
static int setup_store(const char *db)
{
    es_store_t *st = NULL;
    uint32_t ids[NELEM(demo_brands)];
    int rc = CLI_FAIL;
    es_err e = es_store_open(db, &st);
    if (e) {
        fprintf(stderr, "earshot demo: %s: %s\n", db, st ? es_store_errmsg(st) : es_strerror(e));
        goto out;
    }
    for (size_t b = 0; b < NELEM(demo_brands); b++) {
        e = es_store_brand_add(st, demo_brands[b].name, b == 0, &ids[b]);
        if (e == ES_EEXIST)
            e = es_store_brand_find(st, demo_brands[b].name, &ids[b]);
        if (e) {
            fprintf(stderr, "earshot demo: brand %s: %s\n", demo_brands[b].name, es_store_errmsg(st));
            goto out;
        }
    }
    for (size_t i = 0; i < NELEM(QUERIES); i++) {
        es_query_t *q = NULL;
        es_query_error qe;
        if (es_query_parse(QUERIES[i].text, &q, &qe)) {
            fprintf(stderr, "earshot demo: query %s, column %d: %s\n", QUERIES[i].name, qe.column,
                    qe.reason);
            goto out;
        }
        es_query_free(q);
        found_query f = {QUERIES[i].name, 0};
        uint32_t id;
        if (es_store_query_list(st, query_seen, &f) ||
            (!f.found && es_store_query_add(st, ids[QUERIES[i].brand], QUERIES[i].name,
                                            QUERIES[i].text, &id))) {
            fprintf(stderr, "earshot demo: query %s: %s\n", QUERIES[i].name, es_store_errmsg(st));
            goto out;
        }
    }
    rc = CLI_OK;
out:
    es_store_close(st);
    return rc;
}

/* Ingests every file through `earshot ingest --quiet`. Returns the worst
 * exit status. */
static int ingest_files(cli_ctx *ctx, const char *dir)
{
    static const char *const fmt[CH_COUNT] = {"twitter-v2", "twitter-v1", "meta",
                                              "csv",        "mbox",       "jsonl"};
    int worst = CLI_OK;
    for (int c = 0; c < CH_COUNT; c++) {
        char path[4096];
        char *argv[12];
        int argc = 0;
        snprintf(path, sizeof path, "%s/%s", dir, demo_files[c]);
        argv[argc++] = (char *)"ingest";
        argv[argc++] = (char *)"--format";
        argv[argc++] = (char *)fmt[c];
        if (c == CH_REVIEW) {
            argv[argc++] = (char *)"--source";
            argv[argc++] = (char *)"review";
            argv[argc++] = (char *)"--map";
            argv[argc++] = (char *)REVIEW_MAP;
        } else if (c == CH_EMAIL) {
            argv[argc++] = (char *)"--source";
            argv[argc++] = (char *)"email";
        }
        argv[argc++] = (char *)"--quiet";
        argv[argc++] = path;
        argv[argc] = NULL;
        int rc = cmd_ingest(ctx, argc, argv);
        if (rc != CLI_OK)
            fprintf(stderr, "earshot demo: ingesting %s ended with status %d%s\n", path, rc,
                    rc == CLI_REJECTS ? " (see its .rejects.jsonl)" : "");
        if (rc > worst)
            worst = rc;
    }
    return worst;
}

typedef struct brand_total {
    long mentions[NELEM(demo_brands)], pos[NELEM(demo_brands)], neg[NELEM(demo_brands)];
} brand_total;

/* es_store_stats callback: sums the days of each of our three brands. */
static void add_stats(const es_stats_row *r, void *ud)
{
    brand_total *t = ud;
    for (size_t b = 0; b < NELEM(demo_brands); b++) {
        if (r->brand && strcasecmp(r->brand, demo_brands[b].name) == 0) {
            t->mentions[b] += r->mentions;
            t->pos[b] += r->positive;
            t->neg[b] += r->negative;
        }
    }
}

/* Prints what the store now holds, per brand. */
static void print_store_summary(const char *db)
{
    es_store_t *st = NULL;
    int64_t n = 0;
    brand_total t;
    memset(&t, 0, sizeof t);
    if (es_store_open(db, &st) || es_store_count(st, &n) ||
        es_store_stats(st, 0, 0, add_stats, &t)) {
        fprintf(stderr, "earshot demo: reading %s: %s\n", db, st ? es_store_errmsg(st) : "?");
        es_store_close(st);
        return;
    }
    es_store_close(st);
    printf("\nThe store %s now holds %" PRId64 " mentions:\n", db, n);
    printf("  %-16s %9s %9s %9s\n", "brand", "mentions", "positive", "negative");
    for (size_t b = 0; b < NELEM(demo_brands); b++)
        printf("  %-16s %9ld %8.1f%% %8.1f%%%s\n", demo_brands[b].name, t.mentions[b],
               t.mentions[b] ? 100.0 * (double)t.pos[b] / (double)t.mentions[b] : 0.0,
               t.mentions[b] ? 100.0 * (double)t.neg[b] / (double)t.mentions[b] : 0.0,
               b == 0 ? "  (ours)" : "");
}

/* What was written: a line per file, the CSV mapping, and the planted
 * incidents with their days, so a reader knows what to look for. */
static void print_files(const gen *g, const char *dir)
{
    static const char *const what[CH_COUNT] = {
        "Twitter API v2, single objects and pages", "Twitter API v1.1, retweets, extended_tweet",
        "Meta webhooks: page comments, Messenger, Instagram", "review sites, CSV with a header",
        "customer-care email, mbox", "SMS, phone notes, web forms (canonical)"};
    long total = 0;
    printf("Wrote demo data to %s/ (%d days from ", dir, g->days);
    char d0[16], d1[16];
    demo_day_string(0, d0, sizeof d0);
    demo_day_string(g->days - 1, d1, sizeof d1);
    printf("%s to %s):\n", d0, d1);
    for (int c = 0; c < CH_COUNT; c++) {
        printf("  %-18s %6ld mentions  %s\n", demo_files[c], g->mentions[c], what[c]);
        total += g->mentions[c];
    }
    printf("  %-18s %6ld mentions\n", "total", total);
    printf("Reviews ingest with: --format csv --source review --map %s\n", REVIEW_MAP);
    char day[16];
    printf("Planted incidents:\n");
    demo_day_string(g->event_day[K_TARMAC], day, sizeof day);
    printf("  %s  LK 1427 stuck on the tarmac at DEN (%ld mentions)\n", day, g->by_kind[K_TARMAC]);
    demo_day_string(g->event_day[K_FOOD], day, sizeof day);
    printf("  %s  food poisoning after the chicken wrap on LK 903 (%ld)\n", day, g->by_kind[K_FOOD]);
    demo_day_string(g->event_day[K_CAMPAIGN], day, sizeof day);
    printf("  %s  copy-paste \"charged TWICE\" campaign from new accounts (%ld)\n", day,
           g->by_kind[K_CAMPAIGN]);
    demo_day_string(g->event_day[K_OUTAGE], day, sizeof day);
    printf("  %s  Bluejay Airways website and app outage (%ld)\n", day, g->by_kind[K_OUTAGE]);
}

/* Commands worth trying on the store just filled (scripts/demo prints its
 * own, with the full path of the binary, and passes --no-hints). */
static void print_hints(const char *db, const char *dir, const gen *g)
{
    char day[16];
    demo_day_string(g->event_day[K_TARMAC], day, sizeof day);
    printf("\nWhat to try next:\n");
    printf("  earshot --db %s search tarmac --brand Aerolark --limit 10\n", db);
    printf("  earshot --db %s search --brand Aerolark --sentiment negative --intent complaint "
           "--since %s --limit 10\n", db, day);
    printf("  earshot --db %s search \"food poisoning\"\n", db);
    printf("  earshot --db %s stats\n", db);
    printf("  earshot --db %s query list\n", db);
    printf("  earshot score \"@aerolark 3 hours on the tarmac, no water. thanks for nothing\"\n");
    printf("  earshot query test '\"food poisoning\" OR sick NEAR/4 meal' "
           "\"I got sick after the meal on LK 903\"\n");
    printf("  earshot analyze %s/twitter-v1.jsonl --output table | head -20\n", dir);
}

/* ------------------------------------------------------------------------ */
/* The command                                                              */
/* ------------------------------------------------------------------------ */

/* The command's help; see docs/cli.md for the exit statuses. */
static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: earshot demo [--seed N] [--days N] [--out DIR] [--no-ingest] [--no-hints]\n"
            "       earshot demo --surveys-only [--seed N] [--out DIR]\n"
            "       earshot demo --stream twitter-v2 --count N [--seed N]\n"
            "Generates a realistic, seeded stream of mentions of Aerolark (ours), Bluejay\n"
            "Airways and Northwind Air in every input format, writes it to DIR (default\n"
            "./demo-data), then adds the brands and their queries to the store and ingests\n"
            "every file. It also adds 40 café locations, the demo survey and 12 weeks of\n"
            "survey responses with known driver weights (DIR/survey_truth.json);\n"
            "--surveys-only does only that. The same seed always gives the same files.\n");
}

/* Parses option opt's value v as a decimal in [lo, hi]; prints why not and
 * returns -1 otherwise. */
static int parse_num(const char *opt, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = v ? strtoull(v, &end, 10) : 0;
    if (!v || errno || *end || v[0] == '-' || x < lo || x > hi) {
        fprintf(stderr, "earshot demo: %s wants a number from %" PRIu64 " to %" PRIu64 "\n", opt,
                lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

/* `earshot demo`: see usage(). Exit statuses as every command's; 3 when a
 * file had rejected records (which would be a bug of the generator). */
int cmd_demo(cli_ctx *ctx, int argc, char **argv)
{
    uint64_t seed = 42, days = 21, count = 0;
    const char *dir = "./demo-data", *stream = NULL;
    int no_ingest = 0, no_hints = 0, have_count = 0, surveys_only = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--seed") == 0 || strcmp(a, "--days") == 0 || strcmp(a, "--count") == 0) {
            int r = a[2] == 's' ? parse_num(a, v, 0, UINT64_MAX, &seed)
                    : a[2] == 'd' ? parse_num(a, v, 1, 366, &days)
                                  : parse_num(a, v, 0, UINT64_C(1) << 40, &count);
            if (r)
                return CLI_USAGE;
            have_count |= a[2] == 'c';
            i++;
        } else if ((strcmp(a, "--out") == 0 || strcmp(a, "--stream") == 0) && v) {
            *(a[2] == 'o' ? &dir : &stream) = v;
            i++;
        } else if (strcmp(a, "--no-ingest") == 0) {
            no_ingest = 1;
        } else if (strcmp(a, "--surveys-only") == 0) {
            surveys_only = 1;
        } else if (strcmp(a, "--no-hints") == 0) {
            no_hints = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        } else {
            fprintf(stderr, "earshot demo: unknown option or missing value: %s\n", a);
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (stream) {
        if (strcmp(stream, "twitter-v2") != 0 || !have_count) {
            fprintf(stderr, "earshot demo: --stream supports twitter-v2 and needs --count N\n");
            return CLI_USAGE;
        }
        return demo_run_stream(seed, count);
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "earshot demo: %s: %s\n", dir, strerror(errno));
        return CLI_FAIL;
    }
    if (surveys_only)
        return demo_survey_run(ctx->db_path, dir, seed, ctx->quiet);
    gen *g = es_calloc(1, sizeof *g);
    char err[512];
    if (!g) {
        fprintf(stderr, "earshot demo: out of memory\n");
        return CLI_FAIL;
    }
    demo_gen_init(g, seed, (int)days);
    int rc = demo_write_files(g, dir, err, sizeof err);
    if (rc) {
        fprintf(stderr, "earshot demo: %s\n", err);
        rc = CLI_FAIL;
        goto out;
    }
    print_files(g, dir);
    if (!no_ingest) {
        fflush(stdout);
        if ((rc = setup_store(ctx->db_path)) != CLI_OK)
            goto out;
        rc = ingest_files(ctx, dir);
        print_store_summary(ctx->db_path);
        int src = demo_survey_run(ctx->db_path, dir, seed, ctx->quiet);
        rc = rc ? rc : src;
    }
    if (!no_hints)
        print_hints(ctx->db_path, dir, g);
out:
    es_free(g);
    return rc;
}
