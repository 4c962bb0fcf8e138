/*
 * brand.c - `earshot brand add|list` and `earshot query add|list|test`: the
 * brands we listen for and their listening queries. A query is checked with
 * es_query_parse before it is stored, and a refused one is shown with a caret
 * under the column where it went wrong. `query test` compiles one query into
 * a matcher and shows, for each text, whether it matched and which terms
 * occurred where (es_matcher_explain).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/listen.h"
#include "earshot/store.h"
#include "earshot/text.h"

static const char *const brand_help[] = {"usage: earshot brand add NAME [--competitor]",
                                         "       earshot brand list [--output table|csv|json]",
                                         NULL};

static const char *const query_help[] = {
    "usage: earshot query add --brand NAME [--name N] QUERY",
    "       earshot query list [--output table|csv|json]",
    "       earshot query test QUERY (TEXT | --file FILE) [--source S] [--author A] [--lang L]",
    "                          [--output table|csv|json]",
    "The query language is described in docs/queries.md.",
    NULL};

/* Options every brand and query subcommand understands. */
typedef struct sub_args {
    cli_output out;
    int competitor;
    const char *brand, *name, *file, *source, *author, *lang;
    int pos;  /* index of the first positional argument after options */
    int npos; /* how many there are */
} sub_args;

/* Parses the options after "brand SUB" or "query SUB". Returns -1 to go on,
 * or an exit status. Positionals end up at argv[pos..pos+npos). */
static int parse_sub(cli_ctx *ctx, const char *cmd, const char *const *help, int argc, char **argv,
                     sub_args *a)
{
    enum {
        O_OUT = 256,
        O_COMP,
        O_BRAND,
        O_NAME,
        O_FILE,
        O_SOURCE,
        O_AUTHOR,
        O_LANG,
        O_DB,
        O_QUIET,
        O_HELP
    };
    static const struct option opts[] = {{"output", required_argument, NULL, O_OUT},
                                         {"competitor", no_argument, NULL, O_COMP},
                                         {"brand", required_argument, NULL, O_BRAND},
                                         {"name", required_argument, NULL, O_NAME},
                                         {"file", required_argument, NULL, O_FILE},
                                         {"source", required_argument, NULL, O_SOURCE},
                                         {"author", required_argument, NULL, O_AUTHOR},
                                         {"lang", required_argument, NULL, O_LANG},
                                         {"db", required_argument, NULL, O_DB},
                                         {"quiet", no_argument, NULL, O_QUIET},
                                         {"help", no_argument, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    int c;
    memset(a, 0, sizeof *a);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_OUT:
            if (cli_output_parse(optarg, &a->out))
                return cli_usage(cmd, "unknown output '%s'", optarg);
            break;
        case O_COMP: a->competitor = 1; break;
        case O_BRAND: a->brand = optarg; break;
        case O_NAME: a->name = optarg; break;
        case O_FILE: a->file = optarg; break;
        case O_SOURCE: a->source = optarg; break;
        case O_AUTHOR: a->author = optarg; break;
        case O_LANG: a->lang = optarg; break;
        case O_DB: ctx->db_path = optarg; break;
        case O_QUIET: ctx->quiet = 1; break;
        case 'h':
        case O_HELP: return cli_help(help);
        case ':': return cli_usage(cmd, "%s needs a value", argv[optind - 1]);
        default: return cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    a->pos = optind;
    a->npos = argc - optind;
    return -1;
}

/* ---- brands ---------------------------------------------------------------- */

static void brand_row(const es_brand *b, void *ud)
{
    cli_out *o = ud;
    cli_out_int(o, b->id);
    cli_out_str(o, b->name);
    cli_out_str(o, b->ours ? "ours" : "competitor");
    cli_out_end_row(o);
}

int cmd_brand(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const cols[] = {"id", "name", "kind"};
    sub_args a;
    if (argc < 2)
        return cli_usage("brand", "add or list?");
    const char *sub = argv[1];
    int rc = parse_sub(ctx, "brand", brand_help, argc - 1, argv + 1, &a);
    if (rc >= 0)
        return rc;
    char **pos = argv + 1 + a.pos;
    if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0)
        return cli_usage("brand", "unknown subcommand '%s' (add or list)", sub);
    if (strcmp(sub, "add") == 0 && a.npos != 1)
        return cli_usage("brand", "give one NAME (quote it when it has spaces)");
    if (strcmp(sub, "list") == 0 && a.npos != 0)
        return cli_usage("brand", "list takes no arguments");
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    rc = CLI_OK;
    if (strcmp(sub, "add") == 0) {
        uint32_t id = 0;
        es_err e = es_store_brand_add(s, pos[0], !a.competitor, &id);
        if (e == ES_EEXIST) {
            fprintf(stderr, "earshot brand: a brand named '%s' exists already\n", pos[0]);
            rc = CLI_FAIL;
        } else if (e) {
            fprintf(stderr, "earshot brand: %s\n", es_store_errmsg(s));
            rc = CLI_FAIL;
        } else if (!ctx->quiet) {
            printf("brand %u: %s (%s)\n", id, pos[0], a.competitor ? "competitor" : "ours");
        }
    } else {
        cli_out *o = cli_out_new(stdout, a.out, cols, 3);
        if (!o || es_store_brand_list(s, brand_row, o)) {
            fprintf(stderr, "earshot brand: %s\n", o ? es_store_errmsg(s) : "out of memory");
            rc = CLI_FAIL;
        }
        if (o && cli_out_finish(o))
            rc = CLI_FAIL;
        cli_out_free(o);
    }
    es_store_close(s);
    return rc;
}

/* ---- queries ----------------------------------------------------------------- */

/* Says why a query was refused, with a caret under the column. */
static void show_query_error(const char *text, const es_query_error *e)
{
    fprintf(stderr, "earshot query: column %d: %s\n  %s\n  ", e->column, e->reason, text);
    /* Columns count code points: one space per code point before it. */
    int col = 1;
    for (const char *p = text; *p && col < e->column; p++) {
        if (((unsigned char)*p & 0xC0) == 0x80)
            continue;
        fputc(*p == '\t' ? '\t' : ' ', stderr);
        col++;
    }
    fputs("^\n", stderr);
}

/* Parses text as a query; on a refusal shows where and returns -1. */
static int check_query(const char *text)
{
    es_query_t *q = NULL;
    es_query_error e = {0, ""};
    es_err rc = es_query_parse(text, &q, &e);
    es_query_free(q);
    if (rc == ES_EPARSE) {
        show_query_error(text, &e);
        return -1;
    }
    if (rc) {
        fprintf(stderr, "earshot query: %s\n", es_strerror(rc));
        return -1;
    }
    return 0;
}

static int query_add(es_store_t *s, const sub_args *a, const char *text, int quiet)
{
    uint32_t brand = 0, id = 0;
    if (check_query(text))
        return CLI_FAIL;
    es_err rc = es_store_brand_find(s, a->brand, &brand);
    if (rc == ES_ENOTFOUND) {
        fprintf(stderr, "earshot query: no brand named '%s' (earshot brand add)\n", a->brand);
        return CLI_FAIL;
    }
    if (rc == ES_OK)
        rc = es_store_query_add(s, brand, a->name, text, &id);
    if (rc) {
        fprintf(stderr, "earshot query: %s\n", es_store_errmsg(s));
        return CLI_FAIL;
    }
    if (!quiet)
        printf("query %u for %s: %s\n", id, a->brand, text);
    return CLI_OK;
}

static void query_row(const es_query_row *q, void *ud)
{
    cli_out *o = ud;
    cli_out_int(o, q->id);
    cli_out_str(o, q->brand);
    cli_out_str(o, q->name);
    cli_out_str(o, q->text);
    cli_out_end_row(o);
}

static int query_list(es_store_t *s, const sub_args *a)
{
    static const char *const cols[] = {"id", "brand", "name", "query"};
    int rc = CLI_OK;
    cli_out *o = cli_out_new(stdout, a->out, cols, 4);
    if (!o || es_store_query_list(s, query_row, o)) {
        fprintf(stderr, "earshot query: %s\n", o ? es_store_errmsg(s) : "out of memory");
        rc = CLI_FAIL;
    }
    if (o && cli_out_finish(o))
        rc = CLI_FAIL;
    cli_out_free(o);
    return rc;
}

/* query test: the hits of one text, collected by es_matcher_explain. */
typedef struct hits {
    char *items[64];
    size_t n;
} hits;

static void hit_cb(const char *term, long start, long end, void *ud)
{
    hits *h = ud;
    char buf[256];
    if (h->n == sizeof h->items / sizeof *h->items)
        return;
    if (start < 0)
        snprintf(buf, sizeof buf, "%s (field)", term);
    else
        snprintf(buf, sizeof buf, "%s@%ld-%ld", term, start, end);
    h->items[h->n] = es_strdup(buf);
    if (h->items[h->n])
        h->n++;
}

/* Matches one text against the single compiled query and writes a row. */
static int test_text(es_matcher_t *mt, es_match_scratch_t *sc, const sub_args *a, cli_out *o,
                     const char *text)
{
    es_mention_t m;
    uint32_t id = 0;
    size_t n = 0, nb = 0;
    hits h;
    size_t bad = 0;
    if (es_utf8_check(text, strlen(text), &bad)) {
        fprintf(stderr, "earshot query: invalid UTF-8 at byte %zu of a text; skipped\n", bad);
        return -1;
    }
    es_mention_init(&m);
    m.text = text;
    m.source = a->source;
    m.author = a->author;
    m.lang = a->lang;
    memset(&h, 0, sizeof h);
    es_err rc = es_matcher_match(mt, sc, &m, &id, 1, &n, NULL, 0, &nb);
    if (rc == ES_OK)
        rc = es_matcher_explain(mt, sc, 0, &m, hit_cb, &h);
    if (rc == ES_OK) {
        cli_out_bool(o, n > 0);
        cli_out_list(o, (const char *const *)h.items, h.n);
        cli_out_str(o, text);
        if (cli_out_end_row(o))
            rc = ES_EIO;
    }
    for (size_t i = 0; i < h.n; i++)
        es_free(h.items[i]);
    if (rc)
        fprintf(stderr, "earshot query: %s\n", es_strerror(rc));
    return rc ? -1 : 0;
}

/* Tests every line of a file; returns the number of lines that failed. */
static int test_file(es_matcher_t *mt, es_match_scratch_t *sc, const sub_args *a, cli_out *o)
{
    FILE *fp = strcmp(a->file, "-") == 0 ? stdin : fopen(a->file, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int failed = 0;
    if (!fp) {
        fprintf(stderr, "earshot query: cannot open %s: %s\n", a->file, strerror(errno));
        return 1;
    }
    while ((len = getline(&line, &cap, fp)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if ((size_t)len > ES_MAX_TEXT) {
            fprintf(stderr, "earshot query: a line over %d bytes; skipped\n", ES_MAX_TEXT);
            failed++;
            continue;
        }
        failed += test_text(mt, sc, a, o, line) != 0;
    }
    free(line); /* getline's buffer comes from malloc */
    if (ferror(fp))
        failed++;
    if (fp != stdin)
        fclose(fp);
    return failed;
}

static int query_test(const sub_args *a, char **pos)
{
    static const char *const cols[] = {"matched", "hits", "text"};
    es_query_def def = {1, 0, pos[0]};
    es_matcher_t *mt = NULL;
    es_match_scratch_t *sc = NULL;
    es_query_error e = {0, ""};
    size_t bad = 0;
    int rc = CLI_FAIL;
    if (check_query(pos[0]))
        return CLI_FAIL;
    es_err erc = es_matcher_build(&def, 1, &mt, &bad, &e);
    if (erc == ES_OK)
        erc = es_match_scratch_new(mt, &sc);
    if (erc) {
        if (erc == ES_EPARSE)
            show_query_error(pos[0], &e);
        else
            fprintf(stderr, "earshot query: %s\n", es_strerror(erc));
        goto out;
    }
    cli_out *o = cli_out_new(stdout, a->out, cols, 3);
    if (!o)
        goto out;
    int failed = a->file ? test_file(mt, sc, a, o) : test_text(mt, sc, a, o, pos[1]) != 0;
    if (cli_out_finish(o) == 0 && failed == 0)
        rc = CLI_OK;
    cli_out_free(o);
out:
    es_match_scratch_free(sc);
    es_matcher_free(mt);
    return rc;
}

int cmd_query(cli_ctx *ctx, int argc, char **argv)
{
    sub_args a;
    if (argc < 2)
        return cli_usage("query", "add, list or test?");
    const char *sub = argv[1];
    int rc = parse_sub(ctx, "query", query_help, argc - 1, argv + 1, &a);
    if (rc >= 0)
        return rc;
    char **pos = argv + 1 + a.pos;
    if (strcmp(sub, "test") == 0) {
        if (a.npos != (a.file ? 1 : 2))
            return cli_usage("query", "test takes QUERY and TEXT, or QUERY and --file FILE");
        return query_test(&a, pos);
    }
    if (strcmp(sub, "add") == 0 && (a.npos != 1 || !a.brand))
        return cli_usage("query", "add takes --brand NAME and one QUERY (quote it)");
    if (strcmp(sub, "list") == 0 && a.npos != 0)
        return cli_usage("query", "list takes no arguments");
    if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0)
        return cli_usage("query", "unknown subcommand '%s' (add, list or test)", sub);
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    rc = strcmp(sub, "add") == 0 ? query_add(s, &a, pos[0], ctx->quiet) : query_list(s, &a);
    es_store_close(s);
    return rc;
}
