/*
 * score.c - `earshot score [--mode vader|care] [--output table|json] TEXT`:
 * scores one text and explains the score token by token (the valence each
 * token contributed and the rules that changed it), then the intent, cues and
 * flags the classifier sees in it. For tuning rules and for answering "why was
 * this labelled negative?". With --model (issue 5), each learned model's
 * label, confidence and strongest features follow.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/pipeline.h"
#include "cli/util.h"
#include "earshot/analyze.h"
#include "earshot/arena.h"
#include "earshot/sentiment.h"
#include "earshot/text.h"

static const char *const score_help[] = {
    "usage: earshot score [--mode vader|care] [--output table|csv|json] TEXT",
    "",
    "Scores TEXT and explains the score token by token.",
    "  --mode M     care (default: VADER extended for customer care) or vader",
    "  --output O   table (default), csv (the tokens) or json (one object)",
    "  --model FILE a model from `earshot train` (one per task, repeatable): its label,",
    "               confidence and strongest features",
    NULL};

static const char *const token_cols[] = {"token", "valence", "why"};

/* The table form: a header block, then the tokens. */
static int print_table(FILE *fp, cli_output fmt, const es_mention_t *m, es_sent_mode mode,
                       const es_explain_item *items, size_t n, const char *summary)
{
    char cues[128], flags[128];
    if (fmt == CLI_OUT_TABLE) {
        fprintf(fp, "mode      %s\n", es_sent_mode_name(mode));
        fprintf(fp, "sentiment %s\n", es_polarity_name(m->sentiment.label));
        fprintf(fp, "compound  %.4f\n", cli_round(m->sentiment.compound, 4));
        fprintf(fp, "pos/neu/neg %.3f / %.3f / %.3f\n", cli_round(m->sentiment.pos, 3),
                cli_round(m->sentiment.neu, 3), cli_round(m->sentiment.neg, 3));
        fprintf(fp, "intent    %s\n", es_intent_name(m->intent));
        fprintf(fp, "cues      %s\n", es_cues_format(m->cues, cues, sizeof cues));
        fprintf(fp, "flags     %s\n", es_flags_format(m->flags, flags, sizeof flags));
        fprintf(fp, "rules     %s\n", m->rules ? m->rules : "");
        fprintf(fp, "summary   %s\n\n", summary ? summary : "");
    }
    cli_out *o = cli_out_new(fp, fmt, token_cols, 3);
    if (!o)
        return -1;
    for (size_t i = 0; i < n; i++) {
        cli_out_str(o, items[i].token);
        cli_out_num(o, items[i].valence, 3);
        cli_out_str(o, items[i].why);
        cli_out_end_row(o);
    }
    int rc = cli_out_finish(o);
    cli_out_free(o);
    return rc;
}

/* A JSON array of the names in a comma-separated list ("repeat,churn"). */
static json_t *name_array(const char *joined)
{
    json_t *a = json_array();
    while (a && *joined) {
        const char *e = strchr(joined, ',');
        size_t l = e ? (size_t)(e - joined) : strlen(joined);
        if (l > 0)
            json_array_append_new(a, json_stringn(joined, l));
        joined += l + (e != NULL);
    }
    return a;
}

/* The JSON form: one object with the scores and an array of tokens. */
static int print_json(FILE *fp, const es_mention_t *m, es_sent_mode mode,
                      const es_explain_item *items, size_t n, const char *summary,
                      json_t *models)
{
    char cues[128], flags[128];
    json_t *toks = json_array();
    for (size_t i = 0; toks && i < n; i++)
        json_array_append_new(toks, json_pack("{s:s, s:f, s:s}", "token", items[i].token, "valence",
                                              cli_round(items[i].valence, 4), "why",
                                              items[i].why ? items[i].why : ""));
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:s, s:o, s:o, s:s, s:s, s:o}", "text", m->text,
        "mode", es_sent_mode_name(mode), "sentiment", es_polarity_name(m->sentiment.label),
        "compound", cli_round(m->sentiment.compound, 4), "pos", cli_round(m->sentiment.pos, 4),
        "neu", cli_round(m->sentiment.neu, 4), "neg", cli_round(m->sentiment.neg, 4), "intent",
        es_intent_name(m->intent), "cues", name_array(es_cues_format(m->cues, cues, sizeof cues)),
        "flags", name_array(es_flags_format(m->flags, flags, sizeof flags)), "rules",
        m->rules ? m->rules : "", "summary", summary ? summary : "", "tokens", toks);
    if (o && models)
        json_object_set(o, "models", models);
    int rc = -1;
    if (o && json_dumpf(o, fp, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) == 0)
        rc = 0;
    fputc('\n', fp);
    json_decref(o);
    return rc || fflush(fp) != 0 ? -1 : 0;
}

/* The models' part of the table form: one line a model, then its
 * strongest features. */
static int print_models(FILE *fp, json_t *models)
{
    size_t i, j;
    json_t *mo, *f;
    json_array_foreach(models, i, mo) {
        fprintf(fp, "\nmodel %s: %s (confidence %.4f)\n",
                json_string_value(json_object_get(mo, "task")),
                json_string_value(json_object_get(mo, "label")),
                json_real_value(json_object_get(mo, "confidence")));
        json_array_foreach(json_object_get(mo, "features"), j, f)
            fprintf(fp, "  %-32s %+.4f\n", json_string_value(json_object_get(f, "f")),
                    json_real_value(json_object_get(f, "w")));
    }
    return fflush(fp) != 0 ? -1 : 0;
}

int cmd_score(cli_ctx *ctx, int argc, char **argv)
{
    enum { O_MODE = 256, O_OUTPUT, O_DB, O_QUIET, O_MODEL, O_HELP };
    static const struct option opts[] = {
        {"mode", required_argument, NULL, O_MODE}, {"output", required_argument, NULL, O_OUTPUT},
        {"db", required_argument, NULL, O_DB},     {"quiet", no_argument, NULL, O_QUIET},
        {"model", required_argument, NULL, O_MODEL},
        {"help", no_argument, NULL, O_HELP},       {NULL, 0, NULL, 0}};
    const char *model_paths[ES_TASK_COUNT];
    int n_models = 0;
    es_learn_model_t *models[ES_TASK_COUNT] = {NULL};
    json_t *explained = NULL;
    es_sent_mode mode = ES_MODE_CARE;
    cli_output fmt = CLI_OUT_TABLE;
    const es_lexicon_t *lex = NULL;
    es_scorer_t *sc = NULL;
    es_arena_t *a = NULL;
    es_mention_t m;
    int c, status = CLI_FAIL;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_MODE:
            if (es_sent_mode_parse(optarg, &mode))
                return cli_usage("score", "unknown mode '%s' (care or vader)", optarg);
            break;
        case O_OUTPUT:
            if (cli_output_parse(optarg, &fmt))
                return cli_usage("score", "unknown output '%s'", optarg);
            break;
        case O_DB: ctx->db_path = optarg; break;
        case O_QUIET: ctx->quiet = 1; break;
        case O_MODEL:
            if (n_models == ES_TASK_COUNT)
                return cli_usage("score", "at most %d --model (one per task)", ES_TASK_COUNT);
            model_paths[n_models++] = optarg;
            break;
        case 'h':
        case O_HELP: return cli_help(score_help);
        case ':': return cli_usage("score", "%s needs a value", argv[optind - 1]);
        default: return cli_usage("score", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage("score", "give one TEXT (quote it)");
    const char *text = argv[optind];
    size_t bad = 0;
    if (es_utf8_check(text, strlen(text), &bad)) {
        fprintf(stderr, "earshot score: invalid UTF-8 at byte %zu\n", bad);
        return CLI_FAIL;
    }
    if (cli_models_load(model_paths, n_models, models) != 0)
        return CLI_FAIL;
    es_err rc = es_lexicon_builtin(&lex);
    if (rc == ES_OK && !(sc = es_scorer_new(lex, mode)))
        rc = ES_ENOMEM;
    if (rc == ES_OK && !(a = es_arena_new(0, 0)))
        rc = ES_ENOMEM;
    es_mention_init(&m);
    m.text = text;
    m.source = "cli";
    if (rc == ES_OK)
        rc = es_scorer_score(sc, text, strlen(text), &m.sentiment, 1);
    if (rc == ES_OK)
        rc = es_classify(&m, a);
    if (rc) {
        fprintf(stderr, "earshot score: %s\n", es_strerror(rc));
        goto out;
    }
    size_t n = 0;
    const char *summary = NULL;
    const es_explain_item *items = es_scorer_explain(sc, &n, &summary);
    if (n_models > 0 && !(explained = cli_models_explain(models, &m, a, 10, 0))) {
        fprintf(stderr, "earshot score: explaining the models failed (out of memory)\n");
        goto out;
    }
    int wrc = fmt == CLI_OUT_JSON ? print_json(stdout, &m, mode, items, n, summary, explained)
                                  : print_table(stdout, fmt, &m, mode, items, n, summary);
    if (wrc == 0 && explained && fmt == CLI_OUT_TABLE)
        wrc = print_models(stdout, explained);
    status = wrc ? CLI_FAIL : CLI_OK;
out:
    json_decref(explained);
    for (int t = 0; t < ES_TASK_COUNT; t++)
        es_learn_model_free(models[t]);
    es_arena_free(a);
    es_scorer_free(sc);
    return status;
}
