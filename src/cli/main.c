/*
 * main.c - the `earshot` command: parses the global options (--db, --quiet,
 * --help, --version), then hands the rest of the command line to one
 * command (cmd_* in the other files of src/cli/). The command is thin: all
 * the work is done by the library, through its public API.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "earshot/earshot.h"

typedef struct command {
    const char *name;
    int (*fn)(cli_ctx *ctx, int argc, char **argv);
    const char *help;
} command;

static const command commands[] = {
    {"ingest", cmd_ingest, "read mentions from a file, analyse them and store them"},
    {"analyze", cmd_analyze, "analyse mentions from a file and print the results"},
    {"score", cmd_score, "score one text's sentiment and explain it token by token"},
    {"brand", cmd_brand, "add or list brands (ours and competitors')"},
    {"query", cmd_query, "add, list or test listening queries"},
    {"search", cmd_search, "search the stored mentions"},
    {"stats", cmd_stats, "volume, sentiment and share of voice per brand per day"},
    {"sov", cmd_sov, "share of voice and net sentiment per brand per day or week"},
    {"posts", cmd_posts, "import the brand's own posts; report their per-post rates"},
    {"demo", cmd_demo, "generate demo data files"},
    {"serve", cmd_serve, "receive mentions over HTTP and store them (docs/api.md)"},
    {"token", cmd_token, "create or list API tokens for the server"},
    {"user", cmd_user, "add, list, disable users and set their passwords"},
    {"train", cmd_train, "train a sentiment, intent or department model on labelled data"},
    {"eval", cmd_eval, "evaluate a trained model on labelled data"},
    {"feed", cmd_feed, "add, list and poll RSS and Atom feeds"},
    {"alert", cmd_alert, "alert rules, destinations, alerts; scan and deliver"},
    {"case", cmd_case, "the inbox: list, show, assign, resolve, note, tag, merge cases"},
    {"team", cmd_team, "add and list teams and their members"},
    {"route", cmd_route, "add and list the rules that route new cases to teams"},
    {"sla", cmd_sla, "SLA policies by priority, a case's due times, the SLA check"},
    {"calendar", cmd_calendar, "add and list business-hours calendars for SLAs"},
    {"reply", cmd_reply, "answer a case; list replies; channel endpoints; deliver"},
    {"report", cmd_report, "reports: response times by channel, team, location, followers"},
    {"drivers", cmd_drivers, "key drivers of satisfaction and of promoters; of sentiment"},
    {"plan", cmd_plan, "action plans per location: propose, list, accept, done"},
    {"survey", cmd_survey, "survey invitations by SMS or email, their completion report; import responses"},
    {"advocates", cmd_advocates, "invite promoters to review; shares; advocates and reach"},
    {"location", cmd_location, "the organisation's locations: add, list, update, CSV import/export"},
    {"region", cmd_region, "list and rename the regions of the locations"},
    {"org", cmd_org, "show or set the organisation's name"},
    {"audit", cmd_audit, "brand-audit and mystery-shopping checklists, audits and scores"},
    {"scores", cmd_scores, "survey scores (CSAT, NPS, means) per location, region, period"},
};

#define N_COMMANDS (sizeof commands / sizeof *commands)

static void usage(FILE *fp)
{
    fputs("usage: earshot [--db FILE] [--quiet] COMMAND [ARGS...]\n"
          "       earshot --help | --version\n\n"
          "earshot hears what customers say on every channel, understands it and keeps it.\n\n"
          "Commands:\n",
          fp);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(fp, "  %-9s %s\n", commands[i].name, commands[i].help);
    fputs("\nGlobal options:\n"
          "  --db FILE   the store (default ./earshot.db)\n"
          "  --quiet     no progress or summaries on stderr\n"
          "  --help      this help; `earshot COMMAND --help` for a command's\n"
          "  --version   the version\n\n"
          "Exit status: 0 ok, 1 usage error, 2 failure, 3 finished with rejected records.\n"
          "See docs/cli.md.\n",
          fp);
}

int main(int argc, char **argv)
{
    enum { O_DB = 256, O_QUIET, O_HELP, O_VERSION };
    static const struct option opts[] = {{"db", required_argument, NULL, O_DB},
                                         {"quiet", no_argument, NULL, O_QUIET},
                                         {"help", no_argument, NULL, O_HELP},
                                         {"version", no_argument, NULL, O_VERSION},
                                         {NULL, 0, NULL, 0}};
    cli_ctx ctx = {"./earshot.db", 0, 0};
    int c;
    opterr = 0;
    /* "+": stop at the command name; what follows is the command's. */
    while ((c = getopt_long(argc, argv, "+:hqV", opts, NULL)) != -1) {
        switch (c) {
        case O_DB: ctx.db_path = optarg; ctx.db_given = 1; break;
        case 'q':
        case O_QUIET: ctx.quiet = 1; break;
        case 'h':
        case O_HELP: usage(stdout); return CLI_OK;
        case 'V':
        case O_VERSION: printf("earshot %s\n", ES_VERSION); return CLI_OK;
        case ':':
            fprintf(stderr, "earshot: %s needs a value\n", argv[optind - 1]);
            return CLI_USAGE;
        default:
            fprintf(stderr, "earshot: unknown option '%s'\nTry 'earshot --help'.\n",
                    argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[optind], commands[i].name) == 0)
            return commands[i].fn(&ctx, argc - optind, argv + optind);
    fprintf(stderr, "earshot: unknown command '%s'\nTry 'earshot --help'.\n", argv[optind]);
    return CLI_USAGE;
}
