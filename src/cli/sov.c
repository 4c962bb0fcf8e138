/*
 * sov.c - `earshot sov`: share of voice and net sentiment per brand per day
 * or ISO week (issue 4, S3), with the totals of our brands and of the
 * competitors and the change against the period before:
 *   earshot sov [--by day|week] [--since D] [--until D] [--output table|csv|json]
 * `earshot stats` stays the raw daily table; this is the comparison. Thin:
 * the work is es_sov_report's (social.h). Called by main.c; docs/social.md.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/social.h"

static const char *const help[] = {
    "usage: earshot [--db FILE] sov [--by day|week] [--since D] [--until D]",
    "                               [--output table|csv|json]",
    "",
    "Share of voice (a brand's mentions / all brands' mentions in the period) and net",
    "sentiment ((positive - negative) / the brand's mentions) per brand per UTC day or",
    "ISO week (Monday to Sunday, named by its Monday), then the totals of our brands",
    "(kind ours_total) and of the competitors (competitors_total), each with the change",
    "against the period before. --since is rounded down to the start of its period.",
    "See docs/social.md.",
    NULL};

static const char *const cols[] = {"period",     "start",      "brand",         "kind",
                                   "mentions",   "positive",   "neutral",       "negative",
                                   "net",        "share",      "prev_mentions", "prev_net",
                                   "prev_share", "change_net", "change_share"};

/* A figure, or an empty cell / null when undefined. */
static void num(cli_out *o, double v)
{
    if (isnan(v))
        cli_out_str(o, NULL);
    else
        cli_out_num(o, v, 6);
}

/* Writes one brand's (or group's) row of period p. */
static void brand_row(cli_out *o, const es_sov_period *p, const es_sov_brand *b, const char *kind)
{
    char day[16];
    cli_out_str(o, p->period);
    cli_out_str(o, es_period_label(ES_PERIOD_DAY, p->start, day, sizeof day));
    cli_out_str(o, b->brand);
    cli_out_str(o, kind);
    cli_out_int(o, b->mentions);
    cli_out_int(o, b->positive);
    cli_out_int(o, b->neutral);
    cli_out_int(o, b->negative);
    num(o, b->net);
    cli_out_num(o, b->share, 6);
    if (b->has_prev) {
        cli_out_int(o, b->prev_mentions);
        cli_out_num(o, b->prev_net, 6);
        cli_out_num(o, b->prev_share, 6);
    } else {
        cli_out_str(o, NULL);
        cli_out_str(o, NULL);
        cli_out_str(o, NULL);
    }
    num(o, b->change_net);
    num(o, b->change_share);
    cli_out_end_row(o);
}

static void period_rows(const es_sov_period *p, void *ud)
{
    cli_out *o = ud;
    for (size_t i = 0; i < p->n_brands; i++)
        brand_row(o, p, &p->brands[i], p->brands[i].ours ? "ours" : "competitor");
    brand_row(o, p, &p->ours, "ours_total");
    brand_row(o, p, &p->competitors, "competitors_total");
}

/* See cli.h. */
int cmd_sov(cli_ctx *ctx, int argc, char **argv)
{
    enum { O_BY = 256, O_SINCE, O_UNTIL, O_OUT, O_DB, O_HELP };
    static const struct option opts[] = {{"by", required_argument, NULL, O_BY},
                                         {"since", required_argument, NULL, O_SINCE},
                                         {"until", required_argument, NULL, O_UNTIL},
                                         {"output", required_argument, NULL, O_OUT},
                                         {"db", required_argument, NULL, O_DB},
                                         {"help", no_argument, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    es_sov_opts so = {.by = ES_PERIOD_DAY, .scope = {.all = 1}};
    cli_output out = CLI_OUT_TABLE;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_BY:
            if (es_period_parse(optarg, &so.by) || so.by == ES_PERIOD_MONTH)
                return cli_usage("sov", "--by is day or week");
            break;
        case O_SINCE:
        case O_UNTIL:
            if (cli_parse_date(optarg, c == O_UNTIL, c == O_SINCE ? &so.since : &so.until))
                return cli_usage("sov", "cannot read the date '%s'", optarg);
            break;
        case O_OUT:
            if (cli_output_parse(optarg, &out))
                return cli_usage("sov", "unknown output '%s'", optarg);
            break;
        case O_DB: ctx->db_path = optarg; break;
        case 'h':
        case O_HELP: return cli_help(help);
        case ':': return cli_usage("sov", "%s needs a value", argv[optind - 1]);
        default: return cli_usage("sov", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return cli_usage("sov", "unexpected argument '%s'", argv[optind]);
    if (so.since && so.until && so.since >= so.until)
        return cli_usage("sov", "--since must come before --until");
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    int rc = CLI_OK;
    cli_out *o = cli_out_new(stdout, out, cols, sizeof cols / sizeof *cols);
    es_err e = o ? es_sov_report(s, &so, period_rows, o) : ES_ENOMEM;
    if (e) {
        fprintf(stderr, "earshot sov: %s\n", e == ES_ENOMEM ? "out of memory" : es_store_errmsg(s));
        rc = CLI_FAIL;
    }
    if (o && cli_out_finish(o))
        rc = CLI_FAIL;
    cli_out_free(o);
    es_store_close(s);
    return rc;
}
