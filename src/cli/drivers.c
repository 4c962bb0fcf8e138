/*
 * drivers.c - `earshot drivers` and `earshot plan` (V5, V6):
 *   earshot drivers [--target overall|promoter] [--region PATH] [--survey ID]
 *                   [--output table|json]
 *   earshot drivers --social [--brand B] [--min-mentions N] [--output table|json]
 *   earshot plan [--location CODE] [--target T] [--min-n N] [--output table|json]
 *   earshot plan list [--location CODE] [--state S] [--output table|json]
 *   earshot plan accept ID | plan done ID | plan dismiss ID
 * Thin: the work is the library's (drivers.h, plans.h). Changes made here
 * are audited as the command line. Called by main.c; docs/cli.md and
 * docs/drivers.md describe the commands.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/drivers.h"
#include "earshot/location.h"
#include "earshot/plans.h"

static const char *const drivers_help[] = {
    "usage: earshot [--db FILE] drivers [--target overall|promoter] [--region PATH]",
    "                                   [--survey ID] [--output table|json]",
    "       earshot [--db FILE] drivers --social [--brand B] [--min-mentions N]",
    "                                   [--output table|json]",
    "",
    "Key-driver analysis of the survey's driver questions for the overall answer or for",
    "being a promoter (recommend 9-10; the default): relative weights, standardised",
    "coefficients and their significance, for the scope and each region under it.",
    "--social does the same for mentions: compound sentiment on topics, per brand.",
    "See docs/drivers.md.",
    NULL};

static const char *const plan_help[] = {
    "usage: earshot [--db FILE] plan [--location CODE] [--target overall|promoter]",
    "                                [--min-n N] [--output table|csv|json]",
    "       earshot [--db FILE] plan list [--location CODE] [--state S] [--output F]",
    "       earshot [--db FILE] plan accept ID | plan done ID | plan dismiss ID",
    "",
    "`plan` proposes the three actions with the largest expected gain for a location",
    "(or every location) and lists its plans; `accept` and `done` record the location's",
    "driver mean and CSAT at that point. See docs/drivers.md.",
    NULL};

typedef struct args {
    es_drivers_target target;
    const char *region, *brand, *location, *state;
    long survey, min_n;
    int social;
    cli_output out;
} args;

enum {
    O_TARGET = 256,
    O_REGION,
    O_SURVEY,
    O_SOCIAL,
    O_BRAND,
    O_MIN,
    O_LOCATION,
    O_STATE,
    O_OUTPUT,
    O_HELP
};

/* Parses the options; 0, 1 on a usage error (said), 2 for --help. */
static int parse(const char *cmd, int argc, char **argv, args *a)
{
    static const struct option opts[] = {{"target", required_argument, NULL, O_TARGET},
                                         {"region", required_argument, NULL, O_REGION},
                                         {"survey", required_argument, NULL, O_SURVEY},
                                         {"social", no_argument, NULL, O_SOCIAL},
                                         {"brand", required_argument, NULL, O_BRAND},
                                         {"min-mentions", required_argument, NULL, O_MIN},
                                         {"min-n", required_argument, NULL, O_MIN},
                                         {"location", required_argument, NULL, O_LOCATION},
                                         {"state", required_argument, NULL, O_STATE},
                                         {"output", required_argument, NULL, O_OUTPUT},
                                         {"help", no_argument, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case O_TARGET: bad = es_drivers_target_parse(optarg, &a->target) != ES_OK; break;
        case O_REGION: a->region = optarg; break;
        case O_SURVEY: bad = cli_parse_long(optarg, 1, INT32_MAX, &a->survey) != 0; break;
        case O_SOCIAL: a->social = 1; break;
        case O_BRAND: a->brand = optarg; break;
        case O_MIN: bad = cli_parse_long(optarg, 1, 1000000, &a->min_n) != 0; break;
        case O_LOCATION: a->location = optarg; break;
        case O_STATE: a->state = optarg; break;
        case O_OUTPUT: bad = cli_output_parse(optarg, &a->out) != 0; break;
        case O_HELP: return 2;
        default: cli_usage(cmd, "unknown option '%s'", argv[optind - 1]); return 1;
        }
        if (bad) {
            cli_usage(cmd, "bad value '%s' for %s", optarg, argv[optind - 1]);
            return 1;
        }
    }
    if (optind < argc) {
        cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
        return 1;
    }
    return 0;
}

/* Prints a JSON value on one line and drops it. */
static int print_json(json_t *j)
{
    if (!j) {
        fprintf(stderr, "earshot: out of memory\n");
        return CLI_FAIL;
    }
    char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(j);
    if (!text)
        return CLI_FAIL;
    puts(text);
    free(text);
    return CLI_OK;
}

/* A p-value for a table: "-" for NaN. */
static void cell(char *buf, size_t size, double v)
{
    if (isfinite(v))
        snprintf(buf, size, "%.4f", v);
    else
        snprintf(buf, size, "-");
}

/* Prints one fit as a table: a line per driver by rank. */
static void print_fit(const char *title, size_t n_target, size_t dropped, const es_drivers_fit *f,
                      int fitted, const char *why)
{
    printf("%s: %zu responses", title, n_target);
    if (dropped)
        printf(", %zu left out for a missing driver answer", dropped);
    if (!fitted) {
        printf("; not fitted: %s\n\n", why);
        return;
    }
    printf("; n = %zu, R2 = %.3f\n", f->n, f->r2);
    printf("  %-4s %-28s %8s %7s %8s %9s\n", "rank", "driver", "weight", "share", "beta", "p");
    for (int r = 1; r <= (int)f->p; r++)
        for (size_t j = 0; j < f->p; j++) {
            const es_driver_coef *c = &f->c[j];
            if (c->rank != r)
                continue;
            char p[16];
            cell(p, sizeof p, c->p);
            printf("  %-4d %-28.28s %8.4f %6.1f%% %8.3f %9s%s\n", c->rank, c->label, c->rw,
                   100.0 * c->share, c->beta, p, isfinite(c->p) && c->p < 0.05 ? " *" : "");
        }
    printf("\n");
}

/* `earshot drivers --social`. */
static int social(es_store_t *s, const args *a)
{
    es_topics_report *r = NULL;
    if (es_drivers_topics(s, a->brand, (size_t)a->min_n, &r)) {
        fprintf(stderr, "earshot drivers: %s\n", es_store_errmsg(s));
        return CLI_FAIL;
    }
    int st = CLI_OK;
    if (a->out == CLI_OUT_JSON)
        st = print_json(es_topics_report_json(r));
    else if (r->n_brands == 0)
        printf("no mention of %s has a sentiment score\n", a->brand ? a->brand : "our brands");
    for (size_t b = 0; a->out != CLI_OUT_JSON && b < r->n_brands; b++) {
        char title[128];
        snprintf(title, sizeof title, "brand %s (compound sentiment on topics)",
                 r->brands[b].brand);
        print_fit(title, r->brands[b].n_mentions, 0, &r->brands[b].fit, r->brands[b].fitted,
                  r->brands[b].why);
    }
    es_topics_report_free(r);
    return st;
}

/* See cli.h: `earshot drivers`. */
int cmd_drivers(cli_ctx *ctx, int argc, char **argv)
{
    args a = {.target = ES_DRIVERS_PROMOTER};
    int p = parse("drivers", argc, argv, &a);
    if (p)
        return p == 2 ? cli_help(drivers_help) : CLI_USAGE;
    if (a.out == CLI_OUT_CSV)
        return cli_usage("drivers", "--output is table or json");
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    if (a.social) {
        int st = social(s, &a);
        es_store_close(s);
        return st;
    }
    es_drivers_opts o = {.target = a.target, .survey_id = a.survey, .region = a.region};
    es_drivers_report *r = NULL;
    if (es_drivers_analyze(s, &o, &r)) {
        fprintf(stderr, "earshot drivers: %s\n", es_store_errmsg(s));
        es_store_close(s);
        return CLI_FAIL;
    }
    int st = CLI_OK;
    if (a.out == CLI_OUT_JSON)
        st = print_json(es_drivers_report_json(r));
    else {
        printf("Key drivers of %s (survey '%s'); weight: relative weight, * p < 0.05\n\n",
               a.target == ES_DRIVERS_OVERALL ? "overall satisfaction" : "being a promoter",
               r->survey_name);
        for (size_t g = 0; g < r->n_groups; g++) {
            const es_drivers_group *x = &r->groups[g];
            char title[ES_LOCATION_KEY_MAX + 16];
            snprintf(title, sizeof title, "%s", *x->region ? x->region : "all locations");
            print_fit(title, x->n_target, x->n_dropped, &x->fit, x->fitted, x->why);
        }
    }
    es_drivers_report_free(r);
    es_store_close(s);
    return st;
}

/* ---- earshot plan ------------------------------------------------------------------- */

/* Keeps the id of the location es_location_find found. */
static void take_id(const es_location *l, void *ud)
{
    *(int64_t *)ud = l->id;
}

/* The printing of plans: JSON one per line, or the writer's rows. */
typedef struct printer {
    cli_output fmt;
    cli_out *o;
    int failed;
    size_t n;
} printer;

static const char *const plan_cols[] = {"id",     "location", "state", "rank",
                                        "driver", "gap",      "gain",  "text"};

/* Prints one plan: a JSON line, or a row of the writer. */
static void print_plan(const es_plan *p, void *ud)
{
    printer *pr = ud;
    pr->n++;
    if (pr->fmt == CLI_OUT_JSON) {
        json_t *j = es_plan_json(p);
        char *text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
        json_decref(j);
        if (!text) {
            pr->failed = 1;
            return;
        }
        puts(text);
        free(text);
        return;
    }
    cli_out_int(pr->o, p->id);
    cli_out_str(pr->o, p->location_code);
    cli_out_str(pr->o, es_plan_state_name(p->state));
    cli_out_int(pr->o, p->rank);
    cli_out_str(pr->o, p->driver_label);
    cli_out_num(pr->o, p->gap, 2);
    cli_out_num(pr->o, p->gain, 3);
    cli_out_str(pr->o, p->text);
    if (cli_out_end_row(pr->o))
        pr->failed = 1;
}

/* Moves plan ID (text) to accepted, done or dismissed. */
static int move(es_store_t *s, const char *verb, const char *id_text)
{
    long id;
    if (!id_text || cli_parse_long(id_text, 1, INT32_MAX, &id))
        return cli_usage("plan", "%s needs a plan id", verb);
    int64_t now = (int64_t)time(NULL);
    es_err rc = strcmp(verb, "accept") == 0 ? es_plan_accept(s, id, 0, now)
                : strcmp(verb, "done") == 0
                    ? es_plan_done(s, id, 0, now)
                    : es_plan_set_state(s, id, ES_PLAN_DISMISSED, now, 0, NULL);
    if (rc) {
        fprintf(stderr, "earshot plan %s: %s\n", verb, es_store_errmsg(s));
        return CLI_FAIL;
    }
    printf("plan %ld: %s\n", id,
           strcmp(verb, "accept") == 0 ? "accepted"
           : strcmp(verb, "done") == 0 ? "done"
                                       : "dismissed");
    return CLI_OK;
}

/* `plan` (propose and list) or `plan list`. */
static int show(es_store_t *s, const args *a, int propose)
{
    int64_t loc = 0;
    if (a->location && es_location_find(s, a->location, take_id, &loc)) {
        fprintf(stderr, "earshot plan: %s\n", es_store_errmsg(s));
        return CLI_FAIL;
    }
    unsigned mask = 0;
    es_plan_state st;
    if (a->state && es_plan_state_parse(a->state, &st))
        return cli_usage("plan", "--state is proposed, accepted, done or dismissed");
    if (a->state)
        mask = 1u << st;
    else if (propose)
        mask = 1u << ES_PLAN_PROPOSED | 1u << ES_PLAN_ACCEPTED | 1u << ES_PLAN_DONE;
    printer pr = {.fmt = a->out};
    if (a->out != CLI_OUT_JSON && !(pr.o = cli_out_new(stdout, a->out, plan_cols, 8)))
        return CLI_FAIL;
    es_plan_opts o = {.target = a->target, .min_n = (size_t)a->min_n};
    es_err rc = ES_OK;
    if (propose && loc)
        rc = es_plan_for_location(s, loc, &o, 0, print_plan, &pr);
    else {
        if (propose)
            rc = es_plan_for_location(s, 0, &o, 0, NULL, NULL);
        if (rc == ES_OK)
            rc = es_plan_list(s, loc, mask, print_plan, &pr);
    }
    if (pr.o && cli_out_finish(pr.o))
        pr.failed = 1;
    cli_out_free(pr.o);
    if (rc) {
        fprintf(stderr, "earshot plan: %s\n", es_store_errmsg(s));
        return CLI_FAIL;
    }
    return pr.failed ? CLI_FAIL : CLI_OK;
}

/* See cli.h: `earshot plan`. */
int cmd_plan(cli_ctx *ctx, int argc, char **argv)
{
    args a = {.target = ES_DRIVERS_PROMOTER};
    const char *verb = argc > 1 && strncmp(argv[1], "--", 2) != 0 ? argv[1] : NULL;
    const char *id = verb && argc > 2 && strncmp(argv[2], "--", 2) != 0 ? argv[2] : NULL;
    int skip = (verb != NULL) + (id != NULL);
    if (verb && strcmp(verb, "list") && strcmp(verb, "accept") && strcmp(verb, "done") &&
        strcmp(verb, "dismiss"))
        return cli_usage("plan", "unknown action '%s'", verb);
    argv[skip] = argv[0];
    int p = parse("plan", argc - skip, argv + skip, &a);
    if (p)
        return p == 2 ? cli_help(plan_help) : CLI_USAGE;
    if (verb && strcmp(verb, "list") == 0 && id)
        return cli_usage("plan", "unexpected argument '%s'", id);
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    int st = !verb                       ? show(s, &a, 1)
             : strcmp(verb, "list") == 0 ? show(s, &a, 0)
                                         : move(s, verb, id);
    es_store_close(s);
    return st;
}
