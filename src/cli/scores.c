/*
 * scores.c - `earshot scores` and `earshot scores trend`: survey scores per
 * location, region or organisation over a range of days, per week or month,
 * and each location's trend, as a table, CSV or JSON (the JSON and CSV are
 * the API's, from src/voc/scores_out.c). Also `earshot report location`,
 * the printable HTML report of one location. docs/cli.md and docs/scores.md
 * describe them. Thin: the work is in src/voc (scores.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/location.h"
#include "earshot/scores.h"

static const char *const scores_help[] = {
    "usage: earshot [--db FILE] scores [--by location|region|org] [--since DATE]",
    "                      [--until DATE] [--period whole|week|month] [--location CODE]",
    "                      [--output table|csv|json]",
    "       earshot [--db FILE] scores trend [--since DATE] [--until DATE]",
    "                      [--output table|csv|json]",
    "",
    "CSAT (% of overall answers 4-5), NPS (% 9-10 minus % 0-6 of recommend answers)",
    "and the mean of every numeric question, with n and a 95% interval, per location,",
    "per region (every level of a region path) or for the organisation, over whole",
    "UTC days (--until is included). `trend` compares each location's period",
    "(default: the last 28 days) with the previous one of the same length and",
    "classifies it improving, declining or steady, and flags problem locations and",
    "low drivers. See docs/scores.md.",
    NULL};

/* The options both subcommands share. */
typedef struct opts {
    es_scores_query q;
    cli_output fmt;
    const char *location;
} opts;

static void take_id(const es_location *l, void *ud)
{
    *(int64_t *)ud = l->id;
}

/* Parses argv (after the command, or after "trend") into o. Returns -1
 * after printing why on bad usage, 1 for --help. */
static int parse(int argc, char **argv, opts *o, int trend)
{
    static const struct option lo[] = {
        {"by", required_argument, NULL, 'b'},     {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'},  {"period", required_argument, NULL, 'p'},
        {"output", required_argument, NULL, 'o'}, {"location", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (trend || es_scores_by_parse(optarg, &o->q.by))
                return cli_usage("scores", "--by is location, region or org"), -1;
            break;
        case 'p':
            if (trend || es_scores_period_parse(optarg, &o->q.period))
                return cli_usage("scores", "--period is whole, week or month"), -1;
            break;
        case 's':
        case 'u':
            if (cli_parse_date(optarg, c == 'u', c == 's' ? &o->q.since : &o->q.until))
                return cli_usage("scores", "'%s' is not a date", optarg), -1;
            break;
        case 'o':
            if (cli_output_parse(optarg, &o->fmt))
                return cli_usage("scores", "--output must be table, csv or json"), -1;
            break;
        case 'l': o->location = optarg; break;
        case 'h': return 1;
        default: return cli_usage("scores", "unexpected option '%s'", argv[optind - 1]), -1;
        }
    }
    if (optind != argc)
        return cli_usage("scores", "unexpected argument '%s'", argv[optind]), -1;
    if (o->q.since && o->q.until && o->q.until <= o->q.since)
        return cli_usage("scores", "--until is before --since"), -1;
    return 0;
}

/* Prints a malloc'd text (JSON or CSV) and frees it. */
static int print_text(char *text)
{
    if (!text) {
        fprintf(stderr, "earshot scores: out of memory\n");
        return CLI_FAIL;
    }
    fputs(text, stdout);
    if (text[0] == '{')
        fputc('\n', stdout);
    free(text);
    return CLI_OK;
}

/* A short "key mean" list of a group's driver means. */
static void means_cell(const es_scores_group *g, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < g->n_questions && n < size; i++)
        if (g->q[i].role == ES_QR_DRIVER && g->q[i].mean.ok)
            n += (size_t)snprintf(buf + n, size - n, "%s%s %.2f", n ? " " : "", g->q[i].key,
                                  g->q[i].mean.value);
}

/* The scores as a table. */
static int scores_table(const es_scores *sc, cli_output fmt)
{
    static const char *const cols[] = {"level", "key",    "code",    "period",
                                       "n",     "csat",   "csat_lo", "csat_hi",
                                       "nps",   "nps_lo", "nps_hi",  "driver_means"};
    cli_out *o = cli_out_new(stdout, fmt, cols, 12);
    if (!o)
        return CLI_FAIL;
    static const char *const lv[] = {"location", "region", "org"};
    for (size_t i = 0; i < sc->n; i++) {
        const es_scores_group *g = &sc->g[i];
        char means[512];
        cli_out_str(o, lv[g->level]);
        cli_out_str(o, g->key);
        cli_out_str(o, g->code);
        cli_out_str(o, g->period);
        cli_out_int(o, g->csat.n);
        cli_out_num(o, g->csat.value, 1);
        cli_out_num(o, g->csat.lo, 1);
        cli_out_num(o, g->csat.hi, 1);
        cli_out_num(o, g->nps.value, 1);
        cli_out_num(o, g->nps.lo, 1);
        cli_out_num(o, g->nps.hi, 1);
        means_cell(g, means, sizeof means);
        cli_out_str(o, means);
        cli_out_end_row(o);
    }
    int bad = cli_out_finish(o);
    cli_out_free(o);
    return bad ? CLI_FAIL : CLI_OK;
}

/* The trends as a table. */
static int trend_table(const es_scores_trends *t)
{
    static const char *const cols[] = {"code",   "status", "problem",  "csat",  "csat_prev",
                                       "csat_p", "nps",    "nps_prev", "nps_p", "low_drivers"};
    cli_out *o = cli_out_new(stdout, CLI_OUT_TABLE, cols, 10);
    if (!o)
        return CLI_FAIL;
    for (size_t i = 0; i < t->n; i++) {
        const es_scores_trend *r = &t->t[i];
        char low[256];
        size_t n = 0;
        low[0] = '\0';
        for (size_t k = 0; k < r->n_gaps && n < sizeof low; k++)
            if (r->gaps[k].low)
                n +=
                    (size_t)snprintf(low + n, sizeof low - n, "%s%s", n ? " " : "", r->gaps[k].key);
        cli_out_str(o, r->code);
        cli_out_str(o, r->status);
        cli_out_bool(o, r->problem);
        cli_out_num(o, r->csat.value, 1);
        cli_out_num(o, r->csat_prev.value, 1);
        cli_out_num(o, r->csat_test.ok ? r->csat_test.p : 1, 4);
        cli_out_num(o, r->nps.value, 1);
        cli_out_num(o, r->nps_prev.value, 1);
        cli_out_num(o, r->nps_test.ok ? r->nps_test.p : 1, 4);
        cli_out_str(o, low);
        cli_out_end_row(o);
    }
    int bad = cli_out_finish(o);
    cli_out_free(o);
    return bad ? CLI_FAIL : CLI_OK;
}

/* Runs scores or trend with parsed options o on store s. */
static int run(es_store_t *s, const opts *o, int trend)
{
    if (trend) {
        es_scores_trends *t = NULL;
        if (es_scores_trend_compute(s, &o->q, &t))
            return fprintf(stderr, "earshot scores: %s\n", es_store_errmsg(s)), CLI_FAIL;
        int rc = o->fmt == CLI_OUT_JSON  ? print_text(es_scores_trend_json(t))
                 : o->fmt == CLI_OUT_CSV ? print_text(es_scores_trend_csv(t))
                                         : trend_table(t);
        es_scores_trends_free(t);
        return rc;
    }
    es_scores *sc = NULL;
    if (es_scores_compute(s, &o->q, &sc))
        return fprintf(stderr, "earshot scores: %s\n", es_store_errmsg(s)), CLI_FAIL;
    int rc = o->fmt == CLI_OUT_JSON  ? print_text(es_scores_json(sc))
             : o->fmt == CLI_OUT_CSV ? print_text(es_scores_csv(sc))
                                     : scores_table(sc, o->fmt);
    es_scores_free(sc);
    return rc;
}

/* See cli.h. */
int cmd_scores(cli_ctx *ctx, int argc, char **argv)
{
    int trend = argc > 1 && strcmp(argv[1], "trend") == 0;
    opts o = {.q = {.all_locations = 1}, .fmt = CLI_OUT_TABLE};
    int p = parse(argc - trend, argv + trend, &o, trend);
    if (p)
        return p > 0 ? cli_help(scores_help) : CLI_USAGE;
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    int rc = CLI_OK;
    if (o.location && es_location_find(s, o.location, take_id, &o.q.location_id)) {
        fprintf(stderr, "earshot scores: %s\n", es_store_errmsg(s));
        rc = CLI_FAIL;
    }
    if (!rc)
        rc = run(s, &o, trend);
    es_store_close(s);
    return rc;
}

/* ---- earshot report location --------------------------------------------------------- */

/* See cli.h: `earshot report location CODE [--since DATE] [--until DATE]`
 * writes the location's HTML report to stdout. */
int cli_report_location(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const help[] = {
        "usage: earshot [--db FILE] report location CODE [--since DATE] [--until DATE]",
        "",
        "The printable HTML report of one location (code or key): scores with their",
        "95% intervals, the trend of the last four weeks, a weekly chart (inline SVG)",
        "and its driver gaps. Default range: the 12 weeks up to today. Redirect it to",
        "a file: earshot report location JFK > jfk.html",
        NULL};
    if (argc < 2 || argv[1][0] == '-')
        return argc >= 2 && strcmp(argv[1], "--help") == 0 ? cli_help(help)
                                                           : (cli_help(help), CLI_USAGE);
    opts o = {.q = {.all_locations = 1}, .fmt = CLI_OUT_TABLE};
    int p = parse(argc - 1, argv + 1, &o, 1);
    if (p)
        return p > 0 ? cli_help(help) : CLI_USAGE;
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    int64_t id = 0;
    char *html = NULL;
    es_err rc = es_location_find(s, argv[1], take_id, &id);
    if (!rc)
        rc = es_scores_report_html(s, &o.q, id, &html);
    if (rc)
        fprintf(stderr, "earshot report: %s\n",
                rc == ES_ENOMEM ? "out of memory" : es_store_errmsg(s));
    else
        fputs(html, stdout);
    free(html);
    es_store_close(s);
    return rc ? CLI_FAIL : CLI_OK;
}
