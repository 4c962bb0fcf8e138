/*
 * cli.h - what the parts of the `earshot` command share: the global options
 * and one entry point per command. main.c parses the global options and
 * dispatches; each cmd_* parses its own arguments (argv[0] is the command's
 * name) and returns the process exit status (see docs/cli.md):
 *   0 ok, 1 usage error, 2 failure, 3 finished with rejected records.
 */
#ifndef ES_CLI_CLI_H
#define ES_CLI_CLI_H

enum { CLI_OK = 0, CLI_USAGE = 1, CLI_FAIL = 2, CLI_REJECTS = 3 };

typedef enum cli_output { CLI_OUT_TABLE = 0, CLI_OUT_CSV, CLI_OUT_JSON } cli_output;

typedef struct cli_ctx {
    const char *db_path; /* --db, default "./earshot.db" */
    int quiet;           /* --quiet: no progress or summaries on stderr */
    int db_given;        /* --db was on the command line */
} cli_ctx;

int cmd_ingest(cli_ctx *ctx, int argc, char **argv);
int cmd_analyze(cli_ctx *ctx, int argc, char **argv);
int cmd_score(cli_ctx *ctx, int argc, char **argv);
int cmd_brand(cli_ctx *ctx, int argc, char **argv);
int cmd_query(cli_ctx *ctx, int argc, char **argv);
int cmd_search(cli_ctx *ctx, int argc, char **argv);
int cmd_stats(cli_ctx *ctx, int argc, char **argv);
int cmd_demo(cli_ctx *ctx, int argc, char **argv);  /* src/cli/demo.c */
int cmd_serve(cli_ctx *ctx, int argc, char **argv); /* src/cli/serve.c */
int cmd_token(cli_ctx *ctx, int argc, char **argv); /* src/cli/token.c */
int cmd_user(cli_ctx *ctx, int argc, char **argv);  /* src/cli/user.c */
int cmd_train(cli_ctx *ctx, int argc, char **argv); /* src/cli/train.c */
int cmd_eval(cli_ctx *ctx, int argc, char **argv);  /* src/cli/train.c */
int cmd_survey(cli_ctx *ctx, int argc, char **argv);    /* src/cli/invite.c */
int cmd_advocates(cli_ctx *ctx, int argc, char **argv); /* src/cli/invite.c */
int cmd_feed(cli_ctx *ctx, int argc, char **argv);  /* src/cli/feed.c */
int cmd_alert(cli_ctx *ctx, int argc, char **argv); /* src/cli/alert.c */
int cmd_case(cli_ctx *ctx, int argc, char **argv);  /* src/cli/case.c */
int cmd_team(cli_ctx *ctx, int argc, char **argv);  /* src/cli/case.c */
int cmd_route(cli_ctx *ctx, int argc, char **argv); /* src/cli/case.c */
int cmd_sla(cli_ctx *ctx, int argc, char **argv);      /* src/cli/sla.c */
int cmd_calendar(cli_ctx *ctx, int argc, char **argv); /* src/cli/sla.c */
int cmd_reply(cli_ctx *ctx, int argc, char **argv);    /* src/cli/sla.c */
int cmd_report(cli_ctx *ctx, int argc, char **argv);   /* src/cli/sla.c */
int cmd_posts(cli_ctx *ctx, int argc, char **argv);    /* src/cli/posts.c */
int cmd_sov(cli_ctx *ctx, int argc, char **argv);      /* src/cli/sov.c */
int cmd_drivers(cli_ctx *ctx, int argc, char **argv);  /* src/cli/drivers.c */
int cmd_plan(cli_ctx *ctx, int argc, char **argv);     /* src/cli/drivers.c */
int cmd_location(cli_ctx *ctx, int argc, char **argv); /* src/cli/location.c */
int cmd_region(cli_ctx *ctx, int argc, char **argv);   /* src/cli/location.c */
int cmd_org(cli_ctx *ctx, int argc, char **argv);      /* src/cli/location.c */
int cmd_audit(cli_ctx *ctx, int argc, char **argv);    /* src/cli/audit.c */
/* `earshot location qr CODE --url BASE` (argv[0] is "qr"). */
int cli_location_qr(cli_ctx *ctx, int argc, char **argv); /* src/cli/location_qr.c */
int cmd_scores(cli_ctx *ctx, int argc, char **argv);   /* src/cli/scores.c */
/* `earshot survey import FILE`: argv[0] is "import" (src/cli/survey.c). */
int cli_survey_import(cli_ctx *ctx, int argc, char **argv);
/* `earshot survey define|template|list|show`: argv[0] is the action
 * (src/cli/survey_def.c). */
int cli_survey_def(cli_ctx *ctx, int argc, char **argv);
/* `earshot report location CODE`: argv[0] is "location" (src/cli/scores.c). */
int cli_report_location(cli_ctx *ctx, int argc, char **argv);

#endif
