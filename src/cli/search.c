/*
 * search.c - `earshot search` (full text and filters over the stored
 * mentions, newest first) and `earshot stats` (volume, sentiment and share of
 * voice per brand per day). Both read the store through es_store_search and
 * es_store_stats and print with the table, CSV or JSON writers.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/store.h"

static const char *const search_help[] = {
    "usage: earshot search [TEXT] [--brand B] [--sentiment S] [--intent I] [--source S]",
    "                      [--since D] [--until D] [--limit N] [--offset N]",
    "                      [--output table|csv|json]",
    "",
    "Stored mentions, newest first. TEXT is words and \"phrases\" that must all occur.",
    "Dates are YYYY-MM-DD (UTC; --until includes that day) or a full time stamp.",
    NULL};

static const char *const stats_help[] = {
    "usage: earshot stats [--since D] [--until D] [--output table|csv|json]", "",
    "Mentions, sentiment, net sentiment and share of voice per brand per day (UTC).", NULL};

typedef struct read_args {
    es_search_opts so;
    cli_output out;
} read_args;

/* Parses the options of search or stats. Returns -1 to go on, or an exit
 * status. */
static int parse_read(cli_ctx *ctx, const char *cmd, const char *const *help, int argc, char **argv,
                      read_args *a)
{
    enum {
        O_BRAND = 256,
        O_SENT,
        O_INTENT,
        O_SOURCE,
        O_SINCE,
        O_UNTIL,
        O_LIMIT,
        O_OFFSET,
        O_OUT,
        O_DB,
        O_QUIET,
        O_HELP
    };
    static const struct option opts[] = {{"brand", required_argument, NULL, O_BRAND},
                                         {"sentiment", required_argument, NULL, O_SENT},
                                         {"intent", required_argument, NULL, O_INTENT},
                                         {"source", required_argument, NULL, O_SOURCE},
                                         {"since", required_argument, NULL, O_SINCE},
                                         {"until", required_argument, NULL, O_UNTIL},
                                         {"limit", required_argument, NULL, O_LIMIT},
                                         {"offset", required_argument, NULL, O_OFFSET},
                                         {"output", required_argument, NULL, O_OUT},
                                         {"db", required_argument, NULL, O_DB},
                                         {"quiet", no_argument, NULL, O_QUIET},
                                         {"help", no_argument, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    int c;
    long n = 0;
    es_polarity pol;
    es_intent intent;
    memset(a, 0, sizeof *a);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_BRAND: a->so.brand = optarg; break;
        case O_SOURCE: a->so.source = optarg; break;
        case O_SENT:
            if (es_polarity_parse(optarg, &pol))
                return cli_usage(cmd, "--sentiment is negative, neutral or positive");
            a->so.polarity = optarg;
            break;
        case O_INTENT:
            if (es_intent_parse(optarg, &intent))
                return cli_usage(cmd, "--intent is complaint, question, request, praise, "
                                      "spam or other");
            a->so.intent = optarg;
            break;
        case O_SINCE:
            if (cli_parse_date(optarg, 0, &a->so.since))
                return cli_usage(cmd, "cannot read the date '%s'", optarg);
            break;
        case O_UNTIL:
            if (cli_parse_date(optarg, 1, &a->so.until))
                return cli_usage(cmd, "cannot read the date '%s'", optarg);
            break;
        case O_LIMIT:
        case O_OFFSET:
            if (cli_parse_long(optarg, c == O_LIMIT ? 1 : 0, 1000000000L, &n))
                return cli_usage(cmd, "%s takes a number", argv[optind - 1]);
            *(c == O_LIMIT ? &a->so.limit : &a->so.offset) = (size_t)n;
            break;
        case O_OUT:
            if (cli_output_parse(optarg, &a->out))
                return cli_usage(cmd, "unknown output '%s'", optarg);
            break;
        case O_DB: ctx->db_path = optarg; break;
        case O_QUIET: ctx->quiet = 1; break;
        case 'h':
        case O_HELP: return cli_help(help);
        case ':': return cli_usage(cmd, "%s needs a value", argv[optind - 1]);
        default: return cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (a->so.since && a->so.until && a->so.since >= a->so.until)
        return cli_usage(cmd, "--since must come before --until");
    return -1;
}

/* ---- search ------------------------------------------------------------------ */

static const char *const search_cols[] = {"id",     "created_at", "source",   "external_id",
                                          "author", "sentiment",  "compound", "intent",
                                          "brands", "text"};

static void search_row(const es_mention_row *r, void *ud)
{
    cli_out *o = ud;
    char when[32];
    cli_out_int(o, r->id);
    cli_out_str(o, cli_time_format(r->m.created_at, when, sizeof when));
    cli_out_str(o, r->m.source);
    cli_out_str(o, r->m.external_id);
    cli_out_str(o, r->m.author);
    cli_out_str(o, es_polarity_name(r->m.sentiment.label));
    cli_out_num(o, r->m.sentiment.compound, 4);
    cli_out_str(o, es_intent_name(r->m.intent));
    cli_out_csvlist(o, r->brands);
    cli_out_str(o, r->m.text);
    cli_out_end_row(o);
}

int cmd_search(cli_ctx *ctx, int argc, char **argv)
{
    read_args a;
    int rc = parse_read(ctx, "search", search_help, argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (argc - optind > 1)
        return cli_usage("search", "give the search TEXT as one argument (quote it)");
    if (argc - optind == 1)
        a.so.text = argv[optind];
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    rc = CLI_OK;
    cli_out *o = cli_out_new(stdout, a.out, search_cols, sizeof search_cols / sizeof *search_cols);
    if (!o) {
        rc = CLI_FAIL;
    } else if (es_store_search(s, &a.so, search_row, o)) {
        fprintf(stderr, "earshot search: %s\n", es_store_errmsg(s));
        rc = CLI_FAIL;
    }
    if (o && cli_out_finish(o))
        rc = CLI_FAIL;
    cli_out_free(o);
    es_store_close(s);
    return rc;
}

/* ---- stats -------------------------------------------------------------------- */

static const char *const stats_cols[] = {"day",     "brand",    "kind", "mentions", "positive",
                                         "neutral", "negative", "net",  "share"};

static void stats_row(const es_stats_row *r, void *ud)
{
    cli_out *o = ud;
    cli_out_str(o, r->day);
    cli_out_str(o, r->brand);
    cli_out_str(o, r->ours ? "ours" : "competitor");
    cli_out_int(o, r->mentions);
    cli_out_int(o, r->positive);
    cli_out_int(o, r->neutral);
    cli_out_int(o, r->negative);
    cli_out_num(o, r->net, 4);
    cli_out_num(o, r->share, 4);
    cli_out_end_row(o);
}

int cmd_stats(cli_ctx *ctx, int argc, char **argv)
{
    read_args a;
    int rc = parse_read(ctx, "stats", stats_help, argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (optind != argc)
        return cli_usage("stats", "unexpected argument '%s'", argv[optind]);
    if (a.so.brand || a.so.polarity || a.so.intent || a.so.source || a.so.limit)
        return cli_usage("stats", "stats takes --since, --until and --output only");
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    rc = CLI_OK;
    cli_out *o = cli_out_new(stdout, a.out, stats_cols, sizeof stats_cols / sizeof *stats_cols);
    if (!o) {
        rc = CLI_FAIL;
    } else if (es_store_stats(s, a.so.since, a.so.until, stats_row, o)) {
        fprintf(stderr, "earshot stats: %s\n", es_store_errmsg(s));
        rc = CLI_FAIL;
    }
    if (o && cli_out_finish(o))
        rc = CLI_FAIL;
    cli_out_free(o);
    es_store_close(s);
    return rc;
}
