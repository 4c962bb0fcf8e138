/*
 * ingest.c - `earshot ingest` and `earshot analyze`: the options they share,
 * the summary on stderr, and analyze's result writer. The work itself is the
 * pipeline (pipeline.c); ingest gives it the store, analyze a writer that
 * prints one result per mention on stdout, in input order.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/pipeline.h"
#include "cli/util.h"
#include "earshot/learn.h"

/* What both commands take on the command line. */
typedef struct ingest_args {
    cli_pipeline_opts po;
    cli_output out;                         /* analyze only */
    const char *model_paths[ES_TASK_COUNT]; /* --model, one per task */
    int n_models;
    es_learn_model_t *models[ES_TASK_COUNT];
} ingest_args;

static const char *const ingest_help[] = {
    "usage: earshot [--db FILE] ingest [options] FILE|-",
    "       earshot [--db FILE] analyze [options] [--output jsonl|csv|table] FILE|-",
    "",
    "Reads mentions from FILE (or stdin for -), analyses them and stores them",
    "(ingest) or prints one result per mention on stdout (analyze).",
    "",
    "  --format F        auto (default), jsonl, twitter-v2, twitter-v1, meta, csv, email, mbox",
    "  --source S        the source of mentions whose format does not say it (CSV, email)",
    "  --map SPEC        CSV columns, e.g. id=tweet_id,text=text,author=name",
    "  --reject FILE     where rejected records go (default FILE.rejects.jsonl)",
    "  --mode M          sentiment mode: care (default) or vader",
    "  --threads N       analysis threads (default 2)",
    "  --batch N         records per transaction, 1 to 2048 (default 2048)",
    "  --commit-log FILE append \"committed M records R line L\" after each commit (ingest)",
    "  --output O        analyze: jsonl (default), csv or table",
    "  --model FILE      a model from `earshot train` (one per task, repeatable): a",
    "                    sentiment or intent model's label replaces the rules'; a department",
    "                    model's label and confidence are stored (\"department\" in analyze);",
    "                    analyze adds each model's strongest \"features\"",
    "  --db FILE         the store (default ./earshot.db)",
    "  --quiet           no progress and no summary on stderr",
    "",
    "Exit status: 0 ok, 1 usage error, 2 failure, 3 finished with rejected records.",
    NULL};

/* Frees the models parse_args loaded. */
static void free_models(ingest_args *a)
{
    for (int t = 0; t < ES_TASK_COUNT; t++)
        es_learn_model_free(a->models[t]);
}

/* Parses the options of ingest or analyze (cmd names which). Returns -1 to
 * go on, or the exit status to return now. */
static int parse_args(cli_ctx *ctx, const char *cmd, int argc, char **argv, ingest_args *a)
{
    enum {
        O_FORMAT = 256,
        O_SOURCE,
        O_MAP,
        O_REJECT,
        O_MODE,
        O_THREADS,
        O_LOG,
        O_OUTPUT,
        O_BATCH,
        O_DB,
        O_QUIET,
        O_HELP,
        O_MODEL
    };
    static const struct option opts[] = {{"format", required_argument, NULL, O_FORMAT},
                                         {"source", required_argument, NULL, O_SOURCE},
                                         {"map", required_argument, NULL, O_MAP},
                                         {"reject", required_argument, NULL, O_REJECT},
                                         {"mode", required_argument, NULL, O_MODE},
                                         {"threads", required_argument, NULL, O_THREADS},
                                         {"commit-log", required_argument, NULL, O_LOG},
                                         {"output", required_argument, NULL, O_OUTPUT},
                                         {"batch", required_argument, NULL, O_BATCH},
                                         {"db", required_argument, NULL, O_DB},
                                         {"quiet", no_argument, NULL, O_QUIET},
                                         {"help", no_argument, NULL, O_HELP},
                                         {"model", required_argument, NULL, O_MODEL},
                                         {NULL, 0, NULL, 0}};
    int c;
    long n = 0;
    memset(a, 0, sizeof *a);
    a->po.threads = 2;
    a->po.mode = ES_MODE_CARE;
    a->out = CLI_OUT_JSON;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
        switch (c) {
        case O_FORMAT:
            if (es_format_parse(optarg, &a->po.reader.format))
                return cli_usage(cmd, "unknown format '%s'", optarg);
            break;
        case O_SOURCE: a->po.reader.source = optarg; break;
        case O_MAP: a->po.reader.map = optarg; break;
        case O_REJECT: a->po.reject_path = optarg; break;
        case O_MODEL:
            if (a->n_models == ES_TASK_COUNT)
                return cli_usage(cmd, "at most %d --model (one per task)", ES_TASK_COUNT);
            a->model_paths[a->n_models++] = optarg;
            break;
        case O_LOG: a->po.commit_log = optarg; break;
        case O_DB: ctx->db_path = optarg; break;
        case 'q':
        case O_QUIET: ctx->quiet = 1; break;
        case 'h':
        case O_HELP: return cli_help(ingest_help);
        case O_MODE:
            if (es_sent_mode_parse(optarg, &a->po.mode))
                return cli_usage(cmd, "unknown mode '%s' (care or vader)", optarg);
            break;
        case O_THREADS:
            if (cli_parse_long(optarg, 1, 64, &n))
                return cli_usage(cmd, "--threads takes a number from 1 to 64");
            a->po.threads = (int)n;
            break;
        case O_BATCH:
            if (cli_parse_long(optarg, 1, 2048, &n))
                return cli_usage(cmd, "--batch takes a number from 1 to 2048");
            a->po.batch = (size_t)n;
            break;
        case O_OUTPUT:
            if (cli_output_parse(optarg, &a->out))
                return cli_usage(cmd, "unknown output '%s' (jsonl, csv or table)", optarg);
            break;
        case ':': return cli_usage(cmd, "%s needs a value", argv[optind - 1]);
        default: return cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage(cmd, "give one input FILE, or - for stdin");
    a->po.input = argv[optind];
    a->po.quiet = ctx->quiet;
    if (cli_models_load(a->model_paths, a->n_models, a->models) != 0)
        return CLI_FAIL;
    for (int t = 0; t < ES_TASK_COUNT; t++)
        a->po.models[t] = a->models[t];
    return -1;
}

/* ---- ingest ---------------------------------------------------------------- */

/* Prints the summary: read, ingested (new), already stored, rejected, rate. */
static void summary(const char *verb, const cli_pipeline_stats *st, int stored)
{
    double rate = st->seconds > 0 ? (double)st->mentions / st->seconds : 0;
    fprintf(stderr, "earshot: read %llu records; %s %llu mentions", (unsigned long long)st->records,
            verb, (unsigned long long)st->mentions);
    if (stored)
        fprintf(stderr, " (%llu new, %llu already stored)", (unsigned long long)st->inserted,
                (unsigned long long)(st->mentions - st->inserted));
    fprintf(stderr, "; %llu near-duplicates; %llu rejected; %.1f s, %.0f mentions/s\n",
            (unsigned long long)st->duplicates, (unsigned long long)st->rejected, st->seconds,
            rate);
    if (st->rejected)
        fprintf(stderr, "earshot: rejected records are in %s\n", st->reject_path);
}

int cmd_ingest(cli_ctx *ctx, int argc, char **argv)
{
    ingest_args a;
    cli_listen l;
    cli_pipeline_stats st;
    char err[512] = "";
    int rc = parse_args(ctx, "ingest", argc, argv, &a);
    if (rc >= 0)
        return rc;
    es_store_t *s = cli_store_open(ctx);
    if (!s) {
        free_models(&a);
        return CLI_FAIL;
    }
    if (cli_listen_load(&l, s, err, sizeof err)) {
        fprintf(stderr, "earshot ingest: %s\n", err);
        rc = CLI_FAIL;
    } else {
        a.po.store = s;
        rc = cli_pipeline_run(&a.po, &l, &st);
        if (!ctx->quiet && rc != CLI_USAGE)
            summary(rc == CLI_FAIL ? "committed before the failure" : "ingested", &st, 1);
    }
    cli_listen_cleanup(&l);
    es_store_close(s);
    free_models(&a);
    return rc;
}

/* ---- analyze ----------------------------------------------------------------- */

static const char *const analyze_cols[] = {
    "source", "id",      "sentiment", "compound", "pos",          "neu",   "neg",       "intent",
    "brands", "queries", "cues",      "flags",    "duplicate_of", "rules", "department",
    "department_conf", "features"};
#define N_COLS (sizeof analyze_cols / sizeof *analyze_cols)
#define N_BASE (N_COLS - 3) /* without a model */
#define N_EXPLAIN 5         /* features shown per model */

typedef struct emitter {
    cli_out *out;
    const cli_listen *l;
    es_learn_model_t *const *models; /* --model of each task, NULL when none */
    int any_model, dept;
    es_arena_t *arena; /* the explanations' scratch */
} emitter;

/* Writes one analysed mention as a row of analyze_cols. */
static int emit_result(void *ud, const es_mention_t *m)
{
    emitter *e = ud;
    const char *brands[64];
    size_t nb = 0;
    char cues[128], flags[128];
    for (uint32_t i = 0; i < m->n_brands && nb < 64; i++) {
        const char *name = cli_listen_brand_name(e->l, m->brands[i]);
        if (name)
            brands[nb++] = name;
    }
    cli_out_str(e->out, m->source);
    cli_out_str(e->out, m->external_id);
    cli_out_str(e->out, es_polarity_name(m->sentiment.label));
    cli_out_num(e->out, m->sentiment.compound, 4);
    cli_out_num(e->out, m->sentiment.pos, 4);
    cli_out_num(e->out, m->sentiment.neu, 4);
    cli_out_num(e->out, m->sentiment.neg, 4);
    cli_out_str(e->out, es_intent_name(m->intent));
    cli_out_list(e->out, brands, nb);
    cli_out_ids(e->out, m->matches, m->n_matches);
    cli_out_csvlist(e->out, es_cues_format(m->cues, cues, sizeof cues));
    cli_out_csvlist(e->out, es_flags_format(m->flags, flags, sizeof flags));
    cli_out_str(e->out, m->duplicate_of);
    cli_out_str(e->out, m->rules ? m->rules : "");
    if (e->dept) {
        cli_out_str(e->out, m->department);
        cli_out_num(e->out, m->department_conf, 4);
    }
    if (e->any_model) {
        es_arena_reset(e->arena);
        cli_out_json(e->out, cli_models_explain(e->models, m, e->arena, N_EXPLAIN, 1));
    }
    if (cli_out_end_row(e->out)) {
        fprintf(stderr, "earshot analyze: writing the results failed\n");
        return -1;
    }
    return 0;
}

int cmd_analyze(cli_ctx *ctx, int argc, char **argv)
{
    ingest_args a;
    cli_listen l;
    cli_pipeline_stats st;
    char err[512] = "";
    es_store_t *s = NULL;
    int rc = parse_args(ctx, "analyze", argc, argv, &a);
    if (rc >= 0)
        return rc;
    /* Queries come from the store when there is one; analyze never creates it. */
    if (access(ctx->db_path, F_OK) == 0 && !(s = cli_store_open(ctx))) {
        free_models(&a);
        return CLI_FAIL;
    }
    memset(&l, 0, sizeof l);
    if (cli_listen_load(&l, s, err, sizeof err)) {
        fprintf(stderr, "earshot analyze: %s\n", err);
        cli_listen_cleanup(&l);
        es_store_close(s);
        free_models(&a);
        return CLI_FAIL;
    }
    es_store_close(s);
    /* The base columns, then department and its confidence with a department
     * model, then the features with any model. */
    const char *cols[N_COLS];
    size_t nc = 0;
    int any = a.n_models > 0, dept = a.models[ES_TASK_DEPARTMENT] != NULL;
    for (size_t i = 0; i < N_COLS; i++)
        if (i < N_BASE || (i < N_COLS - 1 && dept) || (i == N_COLS - 1 && any))
            cols[nc++] = analyze_cols[i];
    emitter e = {cli_out_new(stdout, a.out, cols, nc), &l, a.models, any, dept, NULL};
    if (any && !(e.arena = es_arena_new(0, 0))) {
        fprintf(stderr, "earshot analyze: out of memory\n");
        rc = CLI_FAIL;
    } else if (!e.out) {
        rc = CLI_FAIL;
    } else {
        a.po.emit = emit_result;
        a.po.emit_ud = &e;
        rc = cli_pipeline_run(&a.po, &l, &st);
        if (cli_out_finish(e.out) && rc != CLI_FAIL) {
            fprintf(stderr, "earshot analyze: writing the results failed\n");
            rc = CLI_FAIL;
        }
        if (!ctx->quiet && rc != CLI_USAGE)
            summary("analysed", &st, 0);
    }
    cli_out_free(e.out);
    es_arena_free(e.arena);
    cli_listen_cleanup(&l);
    free_models(&a);
    return rc;
}
