/*
 * train.c - `earshot train` and `earshot eval`: learned models (issue 5)
 * trained and evaluated on any labelled CSV a user brings.
 *
 * The CSV is read by the ingest reader and decoder (so --map works as in
 * ingest, and quoted line breaks are handled); the label is one more column
 * of each row (--label-column), read here with libcsv from the record the
 * reader cut. Each text is scored and classified by the rules, then turned
 * into features (src/learn/). train reports k-fold cross-validation and
 * saves the model; eval reports the same figures for a saved model.
 * `train --from-feedback` learns from the agents' corrections kept in the
 * store (table labels, es_store_labels_each) as well, alone or with a CSV:
 * a corrected mention's newest label replaces the CSV's label for the same
 * source and id. Also here: cli_models_load, which `analyze` and
 * `ingest --model` use.
 */
#include <csv.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/pipeline.h"
#include "cli/util.h"
#include "earshot/analyze.h"
#include "earshot/learn.h"
#include "earshot/store.h"

#define MAX_EXCLUDE 16

typedef struct train_args {
    es_learn_task task;
    int has_task;
    const char *data, *out, *model, *label_col;
    es_reader_opts reader;
    es_sent_mode mode;
    const char *exclude[MAX_EXCLUDE];
    int n_exclude;
    long folds, bits, seed;
    double c;
    int from_feedback;
} train_args;

static const char *const train_help[] = {
    "usage: earshot train --task sentiment|intent|department --data FILE [options] --out MODEL",
    "       earshot train --task T --from-feedback [--data FILE] [options] --out MODEL",
    "       earshot eval --model MODEL --data FILE [options]",
    "",
    "train learns a linear model (logistic regression over hashed word and character",
    "n-grams plus the rule scores) from a labelled CSV, reports k-fold cross-validation",
    "and saves it; eval reports accuracy, macro-F1, per-class precision and recall and",
    "the confusion matrix of a saved model on labelled data.",
    "",
    "  --map SPEC          CSV columns as in ingest, e.g. id=tweet_id,text=text",
    "  --label-column C    the column holding the label (default: the task's name)",
    "  --exclude LABEL     skip rows with this label (repeatable); empty labels are skipped",
    "  --folds K           cross-validation folds, 0 for none (train; default 5)",
    "  --bits N            hash buckets 2^N, 16 to 22 (train; default 18)",
    "  --cost C            liblinear's C (train; default 4)",
    "  --seed N            the fold shuffle's seed (default 1)",
    "  --mode M            the rules' sentiment mode: care (default) or vader",
    "  --from-feedback     train on the agents' corrections in the store (--db) too; a",
    "                      corrected mention's label overrides the CSV's for its id",
    "",
    "Exit status: 0 ok, 1 usage error, 2 failure.",
    NULL};

/* Parses train's or eval's options. Returns -1 to go on, or an exit status. */
static int parse_args(const char *cmd, int argc, char **argv, train_args *a)
{
    enum {
        O_TASK = 256,
        O_DATA,
        O_OUT,
        O_MODEL,
        O_MAP,
        O_LABEL,
        O_EXCL,
        O_FOLDS,
        O_BITS,
        O_COST,
        O_SEED,
        O_MODE,
        O_FEEDBACK,
        O_HELP
    };
    static const struct option opts[] = {{"task", required_argument, NULL, O_TASK},
                                         {"data", required_argument, NULL, O_DATA},
                                         {"out", required_argument, NULL, O_OUT},
                                         {"model", required_argument, NULL, O_MODEL},
                                         {"map", required_argument, NULL, O_MAP},
                                         {"label-column", required_argument, NULL, O_LABEL},
                                         {"exclude", required_argument, NULL, O_EXCL},
                                         {"folds", required_argument, NULL, O_FOLDS},
                                         {"bits", required_argument, NULL, O_BITS},
                                         {"cost", required_argument, NULL, O_COST},
                                         {"seed", required_argument, NULL, O_SEED},
                                         {"mode", required_argument, NULL, O_MODE},
                                         {"from-feedback", no_argument, NULL, O_FEEDBACK},
                                         {"help", no_argument, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    int c;
    char *end;
    memset(a, 0, sizeof *a);
    a->folds = 5;
    a->bits = ES_LEARN_DEFAULT_BITS;
    a->seed = 1;
    a->reader.format = ES_FORMAT_CSV;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_TASK:
            if (es_learn_task_parse(optarg, &a->task))
                return cli_usage(cmd, "unknown task '%s' (sentiment, intent, department)", optarg);
            a->has_task = 1;
            break;
        case O_DATA: a->data = optarg; break;
        case O_OUT: a->out = optarg; break;
        case O_MODEL: a->model = optarg; break;
        case O_MAP: a->reader.map = optarg; break;
        case O_LABEL: a->label_col = optarg; break;
        case O_EXCL:
            if (a->n_exclude == MAX_EXCLUDE)
                return cli_usage(cmd, "at most %d --exclude", MAX_EXCLUDE);
            a->exclude[a->n_exclude++] = optarg;
            break;
        case O_FOLDS:
            if (cli_parse_long(optarg, 0, 20, &a->folds) || a->folds == 1)
                return cli_usage(cmd, "--folds takes 0 or a number from 2 to 20");
            break;
        case O_BITS:
            if (cli_parse_long(optarg, ES_LEARN_MIN_BITS, ES_LEARN_MAX_BITS, &a->bits))
                return cli_usage(cmd, "--bits takes a number from %d to %d", ES_LEARN_MIN_BITS,
                                 ES_LEARN_MAX_BITS);
            break;
        case O_COST:
            a->c = strtod(optarg, &end);
            if (*end || !(a->c > 0 && a->c < 1e6))
                return cli_usage(cmd, "--cost takes a positive number");
            break;
        case O_SEED:
            if (cli_parse_long(optarg, 0, 1L << 30, &a->seed))
                return cli_usage(cmd, "--seed takes a number");
            break;
        case O_MODE:
            if (es_sent_mode_parse(optarg, &a->mode))
                return cli_usage(cmd, "unknown mode '%s' (care or vader)", optarg);
            break;
        case O_FEEDBACK: a->from_feedback = 1; break;
        case 'h':
        case O_HELP: return cli_help(train_help);
        case ':': return cli_usage(cmd, "%s needs a value", argv[optind - 1]);
        default: return cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (!a->data && !a->from_feedback)
        return cli_usage(cmd, "give the labelled data with --data FILE (or --from-feedback)");
    return -1;
}

/* ---- reading a labelled CSV --------------------------------------------------- */

/* libcsv callbacks: find a column by name in the header, or take the field
 * at a column of a row. */
typedef struct col_find {
    const char *name;
    int col, found;
    int done;
    char value[256];
    size_t vlen;
    int too_long;
} col_find;

static void find_field(void *s, size_t len, void *ud)
{
    col_find *f = ud;
    if (f->done)
        return;
    if (f->name) {
        if (f->found < 0 && len == strlen(f->name) && memcmp(s, f->name, len) == 0)
            f->found = f->col;
    } else if (f->col == f->found) {
        f->too_long = len >= sizeof f->value;
        f->vlen = f->too_long ? 0 : len;
        memcpy(f->value, s, f->vlen);
        f->value[f->vlen] = '\0';
    }
    f->col++;
}

static void find_row(int c, void *ud)
{
    ((col_find *)ud)->done = 1;
}

/* The index of the column named name in the CSV header of fp (then rewound),
 * or -1. */
static int header_column(FILE *fp, const char *name)
{
    struct csv_parser p;
    col_find f = {name, 0, -1, 0, "", 0, 0};
    char buf[4096];
    size_t n;
    if (csv_init(&p, 0) != 0)
        return -1;
    while (!f.done && (n = fread(buf, 1, sizeof buf, fp)) > 0)
        csv_parse(&p, buf, n, find_field, find_row, &f);
    csv_free(&p);
    rewind(fp);
    return f.found;
}

/* The label of a record (the field at column col) into f->value. Returns 0,
 * or -1 when the row is too short or the field too long. */
static int record_label(const es_record *rec, int col, col_find *f)
{
    struct csv_parser p;
    memset(f, 0, sizeof *f);
    f->found = col;
    f->vlen = (size_t)-1;
    if (csv_init(&p, 0) != 0)
        return -1;
    csv_parse(&p, rec->raw, rec->len, find_field, find_row, f);
    csv_fini(&p, find_field, find_row, f);
    csv_free(&p);
    return f->vlen == (size_t)-1 || f->too_long ? -1 : 0;
}

/* What reading a data set needs and counts. */
typedef struct reader_ctx {
    es_scorer_t *scorer;
    es_learn_feat_t *feat;
    es_arena_t *arena;
    size_t skipped, rejected;
    char **keys; /* corrected mentions' "source\x1fid", sorted: their CSV rows */
    size_t n_keys;
    size_t overridden; /* CSV rows whose label a correction replaced */
} reader_ctx;

/* Orders keys for qsort and bsearch. */
static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the store holds a correction for the mention m of the CSV. */
static int corrected(const reader_ctx *rc, const es_mention_t *m)
{
    char key[2 * ES_MAX_FIELD + 2];
    if (!rc->n_keys || !m->source || !m->external_id)
        return 0;
    snprintf(key, sizeof key, "%s\x1f%s", m->source, m->external_id);
    const char *k = key;
    return bsearch(&k, rc->keys, rc->n_keys, sizeof *rc->keys, key_cmp) != NULL;
}

/* Analyses one decoded mention and adds it with its label to d. */
static es_err add_example(reader_ctx *rc, es_mention_t *m, const char *label, es_learn_data_t *d)
{
    es_err e = es_scorer_score(rc->scorer, m->text, strlen(m->text), &m->sentiment, 0);
    if (e == ES_OK)
        e = es_classify(m, rc->arena);
    if (e == ES_OK)
        e = es_learn_features(rc->feat, m, rc->arena);
    if (e == ES_OK)
        e = es_learn_data_add(d, rc->feat, label);
    return e;
}

/* Whether a row with this label is skipped. */
static int excluded(const train_args *a, const char *label)
{
    if (!*label)
        return 1;
    for (int i = 0; i < a->n_exclude; i++)
        if (strcmp(a->exclude[i], label) == 0)
            return 1;
    return 0;
}

/* Reads every labelled row of fp into d. Returns 0, or -1 (said on stderr). */
static int read_rows(const char *cmd, const train_args *a, FILE *fp, int col, reader_ctx *rc,
                     es_learn_data_t *d)
{
    char err[512] = "";
    es_reader_t *r = NULL;
    es_record rec;
    es_err e;
    if (es_reader_open(fp, a->data, &a->reader, &r, err, sizeof err)) {
        fprintf(stderr, "earshot %s: %s\n", cmd, err);
        return -1;
    }
    const es_decoder_t *dec = es_reader_decoder(r);
    while ((e = es_reader_next(r, &rec)) != ES_END) {
        es_mention_t *ms;
        size_t n;
        const char *reason;
        col_find f;
        if (e == ES_REJECTED) {
            rc->rejected++;
            continue;
        }
        if (e != ES_OK)
            break;
        es_arena_reset(rc->arena);
        if (record_label(&rec, col, &f) != 0) {
            rc->rejected++;
            continue;
        }
        if (excluded(a, f.value)) {
            rc->skipped++;
            continue;
        }
        e = es_decode(dec, &rec, rc->arena, &ms, &n, &reason);
        if (e == ES_REJECTED || (e == ES_OK && n != 1)) {
            rc->rejected++;
            continue;
        }
        if (e == ES_OK && corrected(rc, &ms[0])) {
            rc->overridden++;
            continue;
        }
        if (e == ES_OK)
            e = add_example(rc, &ms[0], f.value, d);
        if (e != ES_OK)
            break;
    }
    es_reader_free(r);
    if (e != ES_END) {
        fprintf(stderr, "earshot %s: %s: %s\n", cmd, a->data, es_strerror(e));
        return -1;
    }
    return 0;
}

/* ---- the agents' corrections (--from-feedback) ------------------------------ */

/* The corrections of one task read from the store, with copies of their
 * strings (the store's are valid only during its callback). */
typedef struct feedback {
    es_learn_task task;
    char **key, **text, **label;
    size_t n, cap;
    int oom;
} feedback;

static void feedback_free(feedback *fb)
{
    for (size_t i = 0; i < fb->n; i++) {
        es_free(fb->key[i]);
        es_free(fb->text[i]);
        es_free(fb->label[i]);
    }
    es_free(fb->key);
    es_free(fb->text);
    es_free(fb->label);
    memset(fb, 0, sizeof *fb);
}

/* es_store_labels_each callback: keeps one corrected mention. */
static int feedback_add(const es_label_example *e, void *ud)
{
    feedback *fb = ud;
    char key[2 * ES_MAX_FIELD + 2];
    if (fb->n == fb->cap) {
        size_t cap = fb->cap ? 2 * fb->cap : 256;
        char **k = es_realloc(fb->key, cap * sizeof *k);
        if (k)
            fb->key = k;
        char **t = k ? es_realloc(fb->text, cap * sizeof *t) : NULL;
        if (t)
            fb->text = t;
        char **l = t ? es_realloc(fb->label, cap * sizeof *l) : NULL;
        if (!l)
            return fb->oom = 1;
        fb->label = l;
        fb->cap = cap;
    }
    snprintf(key, sizeof key, "%s\x1f%s", e->source ? e->source : "",
             e->external_id ? e->external_id : "");
    fb->key[fb->n] = es_strdup(key);
    fb->text[fb->n] = es_strdup(e->text);
    fb->label[fb->n] = es_strdup(e->label);
    if (!fb->key[fb->n] || !fb->text[fb->n] || !fb->label[fb->n]) {
        es_free(fb->key[fb->n]);
        es_free(fb->text[fb->n]);
        es_free(fb->label[fb->n]);
        return fb->oom = 1;
    }
    fb->n++;
    return 0;
}

/* Reads the corrections of a->task from the store at ctx->db_path into fb.
 * Returns 0, or -1 (said on stderr). */
static int feedback_read(const cli_ctx *ctx, const char *cmd, const train_args *a, feedback *fb)
{
    memset(fb, 0, sizeof *fb);
    fb->task = a->task;
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return -1;
    es_err e = es_store_labels_each(s, es_learn_task_name(a->task), feedback_add, fb);
    if (e || fb->oom)
        fprintf(stderr, "earshot %s: reading the corrections: %s\n", cmd,
                fb->oom ? "out of memory" : es_store_errmsg(s));
    es_store_close(s);
    if (e || fb->oom) {
        feedback_free(fb);
        return -1;
    }
    return 0;
}

/* Adds every correction of fb (not --exclude'd) to d. Returns 0 or -1. */
static int feedback_examples(const char *cmd, const train_args *a, const feedback *fb,
                             reader_ctx *rc, es_learn_data_t *d)
{
    for (size_t i = 0; i < fb->n; i++) {
        es_mention_t m;
        if (excluded(a, fb->label[i])) {
            rc->skipped++;
            continue;
        }
        es_mention_init(&m);
        m.text = fb->text[i];
        es_arena_reset(rc->arena);
        es_err e = add_example(rc, &m, fb->label[i], d);
        if (e == ES_EUTF8 || e == ES_REJECTED) {
            rc->rejected++;
        } else if (e) {
            fprintf(stderr, "earshot %s: a correction: %s\n", cmd, es_strerror(e));
            return -1;
        }
    }
    return 0;
}

/* Loads the labelled data: the corrections of fb (may be NULL), then the
 * rows of a->data (may be NULL with fb) that no correction overrides,
 * with features of 2^bits buckets. Returns NULL on failure (said on
 * stderr). */
static es_learn_data_t *load_data(const char *cmd, const train_args *a, unsigned bits,
                                  const char *label_col, int quiet, const feedback *fb)
{
    const es_lexicon_t *lex;
    reader_ctx rc = {0};
    es_learn_data_t *d = NULL;
    FILE *fp = NULL;
    int col = -1, ok = 0;
    if (a->data) {
        if (!(fp = fopen(a->data, "rb"))) {
            fprintf(stderr, "earshot %s: cannot open %s\n", cmd, a->data);
            return NULL;
        }
        if ((col = header_column(fp, label_col)) < 0) {
            fprintf(stderr, "earshot %s: %s: no column '%s' in the header (see --label-column)\n",
                    cmd, a->data, label_col);
            fclose(fp);
            return NULL;
        }
    }
    if (fb && fb->n) {
        rc.keys = fb->key;
        rc.n_keys = fb->n;
        qsort(fb->key, fb->n, sizeof *fb->key, key_cmp);
    }
    if (es_lexicon_builtin(&lex) || !(rc.scorer = es_scorer_new(lex, a->mode)) ||
        !(rc.feat = es_learn_feat_new(bits)) || !(rc.arena = es_arena_new(0, 0)) ||
        !(d = es_learn_data_new(bits)))
        fprintf(stderr, "earshot %s: out of memory or no lexicon\n", cmd);
    else if (fb && feedback_examples(cmd, a, fb, &rc, d) != 0)
        ;
    else if (fp && read_rows(cmd, a, fp, col, &rc, d) != 0)
        ;
    else
        ok = 1;
    if (ok && !quiet) {
        fprintf(stderr,
                "earshot %s: %zu labelled texts (%zu corrections from the store, overriding %zu "
                "CSV rows); %zu skipped (empty or excluded label), %zu rejected\n",
                cmd, es_learn_data_size(d), fb ? fb->n : 0, rc.overridden, rc.skipped,
                rc.rejected);
    }
    if (!ok) {
        es_learn_data_free(d);
        d = NULL;
    }
    es_arena_free(rc.arena);
    es_learn_feat_free(rc.feat);
    es_scorer_free(rc.scorer);
    if (fp)
        fclose(fp);
    return d;
}

/* ---- reports ------------------------------------------------------------------- */

/* Prints the figures of e under a title. */
static void print_eval(const char *title, const es_learn_eval *e)
{
    printf("%s: %zu examples, accuracy %.4f, macro-F1 %.4f\n", title, e->n, e->accuracy,
           e->macro_f1);
    if (e->unknown)
        printf("(%zu examples have a label the model does not know; counted as wrong)\n",
               e->unknown);
    int w = 5;
    for (size_t i = 0; i < e->n_labels; i++)
        if ((int)strlen(e->labels[i]) > w && strlen(e->labels[i]) < 64)
            w = (int)strlen(e->labels[i]);
    printf("%-*s %9s %9s %9s %8s\n", w, "label", "precision", "recall", "f1", "support");
    for (size_t i = 0; i < e->n_labels; i++) {
        size_t support = 0;
        for (size_t j = 0; j < e->n_labels; j++)
            support += e->confusion[i * e->n_labels + j];
        printf("%-*s %9.4f %9.4f %9.4f %8zu\n", w, e->labels[i], e->precision[i], e->recall[i],
               e->f1[i], support);
    }
    printf("confusion (rows: true label, columns: predicted, in the order above):\n");
    for (size_t i = 0; i < e->n_labels; i++) {
        printf("  %-*s", w, e->labels[i]);
        for (size_t j = 0; j < e->n_labels; j++)
            printf(" %6zu", e->confusion[i * e->n_labels + j]);
        printf("\n");
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_train(cli_ctx *ctx, int argc, char **argv)
{
    train_args a;
    char err[512] = "";
    es_learn_model_t *m = NULL;
    es_learn_eval ev;
    int rc = parse_args("train", argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (!a.has_task || !a.out)
        return cli_usage("train", "give --task and --out FILE");
    const char *col = a.label_col ? a.label_col : es_learn_task_name(a.task);
    feedback fb;
    if (a.from_feedback && feedback_read(ctx, "train", &a, &fb) != 0)
        return CLI_FAIL;
    es_learn_data_t *d =
        load_data("train", &a, (unsigned)a.bits, col, ctx->quiet, a.from_feedback ? &fb : NULL);
    if (a.from_feedback)
        feedback_free(&fb);
    if (!d)
        return CLI_FAIL;
    rc = CLI_FAIL;
    if (a.folds >= 2) {
        if (es_learn_cv(d, a.task, a.c, (int)a.folds, (unsigned)a.seed, &ev, err, sizeof err)) {
            fprintf(stderr, "earshot train: %s\n", err);
            goto out;
        }
        char title[64];
        snprintf(title, sizeof title, "%ld-fold cross-validation", a.folds);
        print_eval(title, &ev);
        es_learn_eval_free(&ev);
    }
    double t0 = now_seconds();
    if (es_learn_train(d, a.task, a.c, &m, err, sizeof err)) {
        fprintf(stderr, "earshot train: %s\n", err);
        goto out;
    }
    if (!ctx->quiet)
        fprintf(stderr, "earshot train: trained on %zu texts in %.2f s\n", es_learn_data_size(d),
                now_seconds() - t0);
    if (es_learn_save(m, a.out, err, sizeof err)) {
        fprintf(stderr, "earshot train: %s\n", err);
        goto out;
    }
    printf("saved the %s model (%zu labels, 2^%ld buckets) to %s\n", es_learn_task_name(a.task),
           es_learn_model_n_labels(m), a.bits, a.out);
    rc = CLI_OK;
out:
    es_learn_model_free(m);
    es_learn_data_free(d);
    return rc;
}

int cmd_eval(cli_ctx *ctx, int argc, char **argv)
{
    train_args a;
    char err[512] = "";
    es_learn_model_t *m = NULL;
    es_learn_eval ev;
    int rc = parse_args("eval", argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (!a.model)
        return cli_usage("eval", "give the model with --model FILE");
    if (es_learn_load(a.model, &m, err, sizeof err)) {
        fprintf(stderr, "earshot eval: %s\n", err);
        return CLI_FAIL;
    }
    const char *col = a.label_col ? a.label_col : es_learn_task_name(es_learn_model_task(m));
    if (a.from_feedback || !a.data) {
        es_learn_model_free(m);
        return cli_usage("eval", "eval takes --data FILE (not --from-feedback)");
    }
    es_learn_data_t *d = load_data("eval", &a, es_learn_model_bits(m), col, ctx->quiet, NULL);
    rc = CLI_FAIL;
    if (d && es_learn_evaluate(m, d, &ev) == ES_OK) {
        char title[512];
        snprintf(title, sizeof title, "%s model on %s", es_learn_task_name(es_learn_model_task(m)),
                 a.data);
        print_eval(title, &ev);
        es_learn_eval_free(&ev);
        rc = CLI_OK;
    } else if (d) {
        fprintf(stderr, "earshot eval: out of memory\n");
    }
    es_learn_data_free(d);
    es_learn_model_free(m);
    return rc;
}

int cli_models_load(const char *const *paths, int n, es_learn_model_t **models)
{
    char err[512];
    for (int t = 0; t < ES_TASK_COUNT; t++)
        models[t] = NULL;
    for (int i = 0; i < n; i++) {
        es_learn_model_t *m = NULL;
        if (es_learn_load(paths[i], &m, err, sizeof err)) {
            fprintf(stderr, "earshot: --model: %s\n", err);
            goto fail;
        }
        es_learn_task t = es_learn_model_task(m);
        if (models[t]) {
            fprintf(stderr, "earshot: --model: two %s models given\n", es_learn_task_name(t));
            es_learn_model_free(m);
            goto fail;
        }
        models[t] = m;
    }
    return 0;
fail:
    for (int t = 0; t < ES_TASK_COUNT; t++) {
        es_learn_model_free(models[t]);
        models[t] = NULL;
    }
    return -1;
}

/* One model's explanation of m, appended to arr: flat items {"task", "f",
 * "w"}, or one {"task", "label", "confidence", "features"} object. */
static int explain_one(const es_learn_model_t *model, const es_mention_t *m, es_arena_t *a,
                       size_t k, int flat, json_t *arr)
{
    es_learn_explanation ex;
    const char *task = es_learn_task_name(es_learn_model_task(model));
    if (es_model_explain(model, m, k, a, &ex) != ES_OK)
        return -1;
    json_t *feats = flat ? arr : json_array();
    if (!feats)
        return -1;
    for (size_t i = 0; i < ex.n; i++) {
        double w = cli_round(ex.f[i].w, 4);
        json_t *o = flat ? json_pack("{s:s, s:s, s:f}", "task", task, "f", ex.f[i].f, "w", w)
                         : json_pack("{s:s, s:f}", "f", ex.f[i].f, "w", w);
        if (!o || json_array_append_new(feats, o) != 0) {
            if (!flat)
                json_decref(feats);
            return -1;
        }
    }
    if (flat)
        return 0;
    json_t *o = json_pack("{s:s, s:s, s:f, s:o}", "task", task, "label",
                          es_learn_model_label(model, (size_t)ex.label), "confidence",
                          cli_round(ex.confidence, 4), "features", feats);
    return o && json_array_append_new(arr, o) == 0 ? 0 : -1;
}

json_t *cli_models_explain(es_learn_model_t *const *models, const es_mention_t *m, es_arena_t *a,
                           size_t k, int flat)
{
    json_t *arr = json_array();
    for (int t = 0; arr && t < ES_TASK_COUNT; t++)
        if (models[t] && explain_one(models[t], m, a, k, flat, arr) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    return arr;
}
