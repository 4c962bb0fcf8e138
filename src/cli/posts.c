/*
 * posts.c - `earshot posts`: the brand's own social posts (issue 4, S2).
 *   earshot posts import FILE [--format csv|json]
 *   earshot posts report [--brand B] [--by week|month] [--since D] [--until D]
 *                        [--output table|csv|json]
 * import reads the whole file (all or nothing: the first bad field is
 * reported with its row and column, or its JSON path, and nothing is
 * stored) and upserts the posts; report prints the per-post rates per
 * brand, channel and period with their change. Thin: the work is the
 * library's (social.h). Called by main.c; docs/social.md, docs/cli.md.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/social.h"

#define IMPORT_MAX (256u << 20) /* bytes of an import file */

static const char *const help[] = {
    "usage: earshot [--db FILE] posts import FILE [--format csv|json]",
    "       earshot [--db FILE] posts report [--brand B] [--by week|month] [--since D]",
    "                                        [--until D] [--output table|csv|json]",
    "",
    "import: CSV with a header row (post_id, brand, channel, posted_at required; text,",
    "impressions, replies, reposts, likes, clicks, followers optional) or JSON (an array",
    "of such objects). The format follows the file's extension unless --format says. A",
    "post imported again (same channel and post_id) is updated. Nothing is stored when",
    "any field is bad. FILE - reads standard input.",
    "report: per brand, channel and week (Monday to Sunday, UTC) or month, the mean and",
    "median replies, reposts, likes and clicks per post, engagement per impression and",
    "actions per 1,000 followers, with the change against the period before.",
    "See docs/social.md.",
    NULL};

typedef struct args {
    const char *format, *brand, *by;
    int64_t since, until;
    cli_output out;
} args;

/* Parses the options after the action. Returns -1 to go on, or an exit
 * status. */
static int parse(cli_ctx *ctx, int argc, char **argv, args *a)
{
    enum { O_FORMAT = 256, O_BRAND, O_BY, O_SINCE, O_UNTIL, O_OUT, O_DB, O_HELP };
    static const struct option opts[] = {{"format", required_argument, NULL, O_FORMAT},
                                         {"brand", required_argument, NULL, O_BRAND},
                                         {"by", required_argument, NULL, O_BY},
                                         {"since", required_argument, NULL, O_SINCE},
                                         {"until", required_argument, NULL, O_UNTIL},
                                         {"output", required_argument, NULL, O_OUT},
                                         {"db", required_argument, NULL, O_DB},
                                         {"help", no_argument, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_FORMAT: a->format = optarg; break;
        case O_BRAND: a->brand = optarg; break;
        case O_BY: a->by = optarg; break;
        case O_SINCE:
        case O_UNTIL:
            if (cli_parse_date(optarg, c == O_UNTIL, c == O_SINCE ? &a->since : &a->until))
                return cli_usage("posts", "cannot read the date '%s'", optarg);
            break;
        case O_OUT:
            if (cli_output_parse(optarg, &a->out))
                return cli_usage("posts", "unknown output '%s'", optarg);
            break;
        case O_DB: ctx->db_path = optarg; break;
        case 'h':
        case O_HELP: return cli_help(help);
        case ':': return cli_usage("posts", "%s needs a value", argv[optind - 1]);
        default: return cli_usage("posts", "unknown option '%s'", argv[optind - 1]);
        }
    }
    return -1;
}

/* Reads all of path ("-": standard input) into a NUL-terminated es_malloc'd
 * buffer of at most IMPORT_MAX bytes. NULL with a message on stderr. */
static char *read_all(const char *path, size_t *len)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    if (!fp) {
        fprintf(stderr, "earshot posts: cannot open %s\n", path);
        return NULL;
    }
    do {
        if (n + 65536 + 1 > cap) {
            cap = cap ? cap * 2 : 131072;
            char *b = cap <= IMPORT_MAX + 65537u ? es_realloc(buf, cap) : NULL;
            if (!b) {
                fprintf(stderr, "earshot posts: %s is over %u bytes or memory ran out\n", path,
                        IMPORT_MAX);
                goto fail;
            }
            buf = b;
        }
        got = fread(buf + n, 1, 65536, fp);
        n += got;
    } while (got > 0 && n <= IMPORT_MAX);
    if (ferror(fp) || n > IMPORT_MAX) {
        fprintf(stderr, "earshot posts: cannot read %s (or it is over %u bytes)\n", path,
                IMPORT_MAX);
        goto fail;
    }
    if (fp != stdin)
        fclose(fp);
    buf[n] = '\0';
    *len = n;
    return buf;
fail:
    if (fp != stdin)
        fclose(fp);
    es_free(buf);
    return NULL;
}

/* `posts import FILE`: parse everything, then store in one transaction. */
static int do_import(cli_ctx *ctx, const char *path, const args *a)
{
    es_post_format fmt = ES_POST_CSV;
    const char *dot = strrchr(path, '.');
    if (a->format ? es_post_format_parse(a->format, &fmt) != ES_OK
                  : (dot && strcasecmp(dot, ".json") == 0 ? (fmt = ES_POST_JSON, 0) : 0))
        return cli_usage("posts", "--format is csv or json");
    size_t len = 0, added = 0, updated = 0, n = 0;
    char err[512];
    es_post *ps = NULL;
    int rc = CLI_FAIL;
    es_store_t *s = NULL;
    char *data = read_all(path, &len);
    es_arena_t *ar = es_arena_new(64 * 1024, (size_t)2 << 30);
    if (!data || !ar)
        goto out;
    if (es_post_parse(data, len, fmt, ar, &ps, &n, err, sizeof err) != ES_OK) {
        fprintf(stderr, "earshot posts: %s: %s; nothing was imported\n", path, err);
        goto out;
    }
    if (!(s = cli_store_open(ctx)))
        goto out;
    if (es_post_put(s, ps, n, 0, 0, &added, &updated) != ES_OK) {
        fprintf(stderr, "earshot posts: %s; nothing was imported\n", es_store_errmsg(s));
        goto out;
    }
    if (!ctx->quiet)
        fprintf(stderr, "earshot posts: %zu posts: %zu new, %zu updated\n", n, added, updated);
    rc = CLI_OK;
out:
    es_store_close(s);
    es_arena_free(ar);
    es_free(data);
    return rc;
}

/* ---- report ------------------------------------------------------------------------ */

#define N_COLS (5 + 2 * ES_N_RATES + 1 + 3 * ES_N_RATES)

/* The column names: brand, channel, period, start, posts, then per rate
 * its mean and median, prev_posts, and per rate its previous mean, change
 * and change in percent ("replies_mean", "replies_prev_mean" ...). */
static char names[N_COLS][48];
static const char *cols[N_COLS];

static void make_cols(void)
{
    static const char *const head[] = {"brand", "channel", "period", "start", "posts"};
    size_t k = 0;
    for (size_t i = 0; i < 5; i++)
        snprintf(names[k++], sizeof names[0], "%s", head[i]);
    for (int r = 0; r < ES_N_RATES; r++) {
        snprintf(names[k++], sizeof names[0], "%s_mean", es_rate_names[r]);
        snprintf(names[k++], sizeof names[0], "%s_median", es_rate_names[r]);
    }
    snprintf(names[k++], sizeof names[0], "prev_posts");
    for (int r = 0; r < ES_N_RATES; r++) {
        snprintf(names[k++], sizeof names[0], "%s_prev_mean", es_rate_names[r]);
        snprintf(names[k++], sizeof names[0], "%s_change", es_rate_names[r]);
        snprintf(names[k++], sizeof names[0], "%s_change_pct", es_rate_names[r]);
    }
    for (size_t i = 0; i < N_COLS; i++)
        cols[i] = names[i];
}

/* A figure, or null (an empty cell) when undefined. */
static void num(cli_out *o, double v)
{
    if (isnan(v))
        cli_out_str(o, NULL);
    else
        cli_out_num(o, v, 6);
}

static void report_row(const es_post_report_row *r, void *ud)
{
    cli_out *o = ud;
    char day[16];
    cli_out_str(o, r->brand);
    cli_out_str(o, r->channel);
    cli_out_str(o, r->period);
    cli_out_str(o, es_period_label(ES_PERIOD_DAY, r->start, day, sizeof day));
    cli_out_int(o, r->cur.posts);
    for (int k = 0; k < ES_N_RATES; k++) {
        num(o, r->cur.mean[k]);
        num(o, r->cur.median[k]);
    }
    cli_out_int(o, r->prev.posts);
    for (int k = 0; k < ES_N_RATES; k++) {
        num(o, r->prev.mean[k]);
        num(o, r->change[k]);
        num(o, r->change_pct[k]);
    }
    cli_out_end_row(o);
}

/* `posts report`. */
static int do_report(cli_ctx *ctx, const args *a)
{
    es_post_report_opts ro = {
        .brand = a->brand, .by = ES_PERIOD_WEEK, .since = a->since, .until = a->until};
    if (a->by && (es_period_parse(a->by, &ro.by) || ro.by == ES_PERIOD_DAY))
        return cli_usage("posts", "--by is week or month");
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    make_cols();
    int rc = CLI_OK;
    cli_out *o = cli_out_new(stdout, a->out, cols, N_COLS);
    es_err e = o ? es_post_report(s, &ro, report_row, o) : ES_ENOMEM;
    if (e) {
        fprintf(stderr, "earshot posts: %s\n",
                e == ES_ENOMEM ? "out of memory" : es_store_errmsg(s));
        rc = CLI_FAIL;
    }
    if (o && cli_out_finish(o))
        rc = CLI_FAIL;
    cli_out_free(o);
    es_store_close(s);
    return rc;
}

/* See cli.h. */
int cmd_posts(cli_ctx *ctx, int argc, char **argv)
{
    args a = {.out = CLI_OUT_TABLE};
    if (argc < 2)
        return cli_usage("posts", "an action is needed: import or report");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cli_help(help);
    const char *action = argv[1];
    int rc = parse(ctx, argc - 1, argv + 1, &a);
    if (rc >= 0)
        return rc;
    int rest = argc - 1 - optind; /* operands after the options */
    if (strcmp(action, "import") == 0) {
        if (rest != 1)
            return cli_usage("posts", "import takes one FILE");
        if (a.brand || a.by || a.since || a.until)
            return cli_usage("posts", "import takes --format only");
        return do_import(ctx, argv[1 + optind], &a);
    }
    if (strcmp(action, "report") == 0) {
        if (rest != 0)
            return cli_usage("posts", "unexpected argument '%s'", argv[1 + optind]);
        if (a.format)
            return cli_usage("posts", "report takes no --format (see --output)");
        return do_report(ctx, &a);
    }
    return cli_usage("posts", "unknown action '%s': import or report", action);
}
