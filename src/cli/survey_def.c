/*
 * survey_def.c - the definitions part of `earshot survey` (invite.c
 * dispatches here):
 *   earshot survey define FILE.json      (- for stdin)
 *   earshot survey template [--name N] [--driver LABEL] [--default]
 *   earshot survey list [--output table|json]
 *   earshot survey show ID [--output table|json]
 * Thin: the JSON is read by es_survey_parse_json, the template is
 * es_survey_template's, the store does the rest (include/earshot/survey.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/survey.h"

static const char *const def_help[] = {
    "usage: earshot [--db FILE] survey define FILE.json       (- reads stdin)",
    "       earshot [--db FILE] survey template [--name N] [--driver LABEL] [--default]",
    "       earshot [--db FILE] survey list [--output table|json]",
    "       earshot [--db FILE] survey show ID [--output table|json]",
    "",
    "`define` adds a survey of up to 10 questions from JSON: {\"name\", \"hot_threshold\",",
    "\"default\", \"questions\": [{\"key\", \"kind\", \"role\", \"text\", \"label\"}]}; errors name",
    "the JSON path (exit status 2). `template` adds the four-question default template",
    "(overall, recommend, the driver LABEL, a comment). A survey added with default",
    "true (--default) becomes the one SMS and QR surveys use. See docs/surveys.md.",
    NULL};

typedef struct def_args {
    const char *name, *driver;
    int is_default;
    cli_output out;
} def_args;

enum { O_NAME = 300, O_DRIVER, O_DEFAULT, O_OUTPUT, O_HELP };

/* Parses options after the action; returns 0, 1 (bad) or 2 (help). Leaves
 * operands at argv[optind ...]. */
static int parse(int argc, char **argv, def_args *a)
{
    static const struct option opts[] = {{"name", required_argument, NULL, O_NAME},
                                         {"driver", required_argument, NULL, O_DRIVER},
                                         {"default", no_argument, NULL, O_DEFAULT},
                                         {"output", required_argument, NULL, O_OUTPUT},
                                         {"help", no_argument, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 0; /* 0: GNU getopt starts afresh (main.c parsed before) */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_NAME: a->name = optarg; break;
        case O_DRIVER: a->driver = optarg; break;
        case O_DEFAULT: a->is_default = 1; break;
        case O_OUTPUT:
            if (cli_output_parse(optarg, &a->out) || a->out == CLI_OUT_CSV)
                return 1;
            break;
        case O_HELP: return 2;
        default: return 1;
        }
    }
    return 0;
}

/* Reads path (- for stdin) whole, at most ES_SURVEY_DEF_MAX_BYTES + 1
 * bytes (so that a larger file is seen to be too large). Free with free(). */
static char *read_all(const char *path, size_t *len)
{
    FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!fp)
        return NULL;
    char *buf = malloc(ES_SURVEY_DEF_MAX_BYTES + 2);
    size_t n = buf ? fread(buf, 1, ES_SURVEY_DEF_MAX_BYTES + 1, fp) : 0;
    int bad = ferror(fp);
    if (fp != stdin)
        fclose(fp);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Adds sv and says what was added. */
static int add(es_store_t *s, const es_survey *sv)
{
    int64_t id = 0;
    es_err rc = es_survey_add(s, sv, 0, &id);
    if (rc) {
        fprintf(stderr, "earshot survey: %s\n", es_store_errmsg(s));
        return CLI_FAIL;
    }
    printf("survey %lld \"%s\": %zu questions%s\n", (long long)id, sv->name, sv->n_questions,
           sv->is_default ? " (the default survey now)" : "");
    return CLI_OK;
}

/* `survey define FILE`. */
static int define(es_store_t *s, const char *path)
{
    size_t len = 0;
    char *data = read_all(path, &len);
    if (!data) {
        fprintf(stderr, "earshot survey define: cannot read %s\n", path);
        return CLI_FAIL;
    }
    es_survey_parsed *p = malloc(sizeof *p);
    char err[256];
    es_err rc = p ? es_survey_parse_json(data, len, p, err, sizeof err) : ES_ENOMEM;
    free(data);
    if (rc) {
        fprintf(stderr, "earshot survey define: %s: %s\n", path,
                rc == ES_ENOMEM ? "out of memory" : err);
        free(p);
        return CLI_FAIL;
    }
    int st = add(s, &p->sv);
    free(p);
    return st;
}

/* Prints one survey (ud: the output format) as a table or JSON. */
static void print_one(const es_survey *sv, void *ud)
{
    const def_args *a = ud;
    if (a->out == CLI_OUT_JSON) {
        json_t *j = es_survey_json(sv);
        char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (txt)
            puts(txt);
        free(txt);
        json_decref(j);
        return;
    }
    printf("survey %lld \"%s\"%s, hot alert at overall <= %d\n", (long long)sv->id, sv->name,
           sv->is_default ? " (default)" : "", sv->hot_threshold);
    for (size_t i = 0; i < sv->n_questions; i++) {
        const es_survey_question *q = &sv->q[i];
        printf("  %2d %-14s %-8s %-9s %-24s %s\n", q->position, q->key,
               es_question_kind_name(q->kind), es_question_role_name(q->role), q->label, q->text);
    }
}

/* A line of `survey list`. */
static void list_one(const es_survey *sv, void *ud)
{
    const def_args *a = ud;
    if (a->out == CLI_OUT_JSON) {
        print_one(sv, ud);
        return;
    }
    printf("%-6lld %-32s %-7s %-4d %zu\n", (long long)sv->id, sv->name,
           sv->is_default ? "yes" : "", sv->hot_threshold, sv->n_questions);
}

/* Runs an action that needs the store. */
static int run(cli_ctx *ctx, const char *action, const char *operand, def_args *a)
{
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    int st = CLI_OK;
    es_err rc = ES_OK;
    if (!strcmp(action, "define")) {
        st = define(s, operand);
    } else if (!strcmp(action, "template")) {
        es_survey sv;
        es_survey_template(&sv, a->name, a->driver);
        sv.is_default = a->is_default;
        st = add(s, &sv);
    } else if (!strcmp(action, "list")) {
        if (a->out != CLI_OUT_JSON)
            printf("%-6s %-32s %-7s %-4s %s\n", "id", "name", "default", "hot", "questions");
        rc = es_survey_list(s, list_one, a);
    } else {
        long id = 0;
        if (cli_parse_long(operand, 1, 0x7fffffffL, &id)) {
            es_store_close(s);
            return cli_usage("survey", "show needs a survey id, not '%s'", operand);
        }
        rc = es_survey_get(s, id, print_one, a);
    }
    if (rc) {
        fprintf(stderr, "earshot survey %s: %s\n", action, es_store_errmsg(s));
        st = CLI_FAIL;
    }
    es_store_close(s);
    return st;
}

/* See cli.h: argv[0] is the action. */
int cli_survey_def(cli_ctx *ctx, int argc, char **argv)
{
    def_args a = {0};
    const char *action = argv[0];
    int p = parse(argc, argv, &a);
    if (p == 2)
        return cli_help(def_help);
    if (p)
        return cli_usage("survey", "unknown or malformed option (see earshot survey --help)");
    int nops = argc - optind, wants = !strcmp(action, "define") || !strcmp(action, "show");
    if (nops != wants)
        return cli_usage("survey", wants ? "%s needs one argument (see earshot survey --help)"
                                         : "%s takes no argument",
                         action);
    if (strcmp(action, "template") && (a.name || a.driver || a.is_default))
        return cli_usage("survey", "--name, --driver and --default go with template");
    if (a.name && (!*a.name || strlen(a.name) > ES_SURVEY_NAME_MAX))
        return cli_usage("survey", "--name is 1 to %d bytes", ES_SURVEY_NAME_MAX);
    if (a.driver && (!*a.driver || strlen(a.driver) > ES_SURVEY_LABEL_MAX))
        return cli_usage("survey", "--driver is 1 to %d bytes", ES_SURVEY_LABEL_MAX);
    return run(ctx, action, wants ? argv[optind] : NULL, &a);
}
