/*
 * location.c - `earshot location`, `earshot region` and `earshot org`: the
 * organisation's places (V1) from the command line.
 *   earshot location add KEY --code C --name N [--tz TZ] [--review-url U] [--disabled]
 *   earshot location list [--region R] [--all] [--limit N] [--after ID] [--output F]
 *   earshot location show KEY|CODE|ID [--output F]
 *   earshot location update KEY|CODE|ID [--code C] [--name N] [--tz TZ]
 *                           [--review-url U] [--disable | --enable]
 *   earshot location disable|enable KEY|CODE|ID
 *   earshot location import FILE|-     earshot location export [--region R]
 *   earshot region list [--output F]   earshot region rename PATH NAME
 *   earshot org show [--output F]      earshot org set-name NAME
 * Thin: the work is the library's (location.h). Called by main.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/location.h"

static const char *const help[] = {
    "usage: earshot [--db FILE] location add KEY --code C --name N [--tz TZ]",
    "                                  [--review-url URL] [--disabled]",
    "       earshot [--db FILE] location list [--region PATH] [--all] [--limit N] [--after ID]",
    "                                  [--output F]",
    "       earshot [--db FILE] location show KEY|CODE|ID [--output F]",
    "       earshot [--db FILE] location update KEY|CODE|ID [--code C] [--name N] [--tz TZ]",
    "                                  [--review-url URL] [--disable | --enable]",
    "       earshot [--db FILE] location disable|enable KEY|CODE|ID",
    "       earshot [--db FILE] location import FILE|-",
    "       earshot [--db FILE] location export [--region PATH] [--output-file FILE]",
    "       earshot [--db FILE] location qr CODE --url https://HOST > poster.svg",
    "       earshot [--db FILE] region list [--output F] | region rename PATH NAME",
    "       earshot [--db FILE] org show [--output F] | org set-name NAME",
    "",
    "A key is a region path then a name (\"eu/fr/lyon-14\"); a region ends with '/'.",
    "--all lists disabled locations too; --limit and --after (the last id) page the list.",
    "Output formats: table, csv, json. The CSV header is",
    "key,code,name,region_name,tz,review_url,disabled; an import is all or nothing and",
    "may be repeated. See docs/locations.md.",
    NULL};

typedef struct args {
    es_location l;
    es_location_change c;
    const char *region, *out_file;
    int all;
    long limit, after;
    cli_output out;
    int pos; /* the first operand after the action */
} args;

enum { O_CODE = 256, O_NAME, O_TZ, O_URL, O_DISABLED, O_DISABLE, O_ENABLE, O_REGION, O_ALL,
       O_OUTPUT, O_OUTFILE, O_LIMIT, O_AFTER, O_HELP };

/* Parses every option; the actions check what they need. 2: --help. */
static int parse(int argc, char **argv, args *a)
{
    static const struct option opts[] = {
        {"code", 1, NULL, O_CODE}, {"name", 1, NULL, O_NAME}, {"tz", 1, NULL, O_TZ},
        {"review-url", 1, NULL, O_URL}, {"disabled", 0, NULL, O_DISABLED},
        {"disable", 0, NULL, O_DISABLE}, {"enable", 0, NULL, O_ENABLE},
        {"region", 1, NULL, O_REGION}, {"all", 0, NULL, O_ALL}, {"output", 1, NULL, O_OUTPUT},
        {"output-file", 1, NULL, O_OUTFILE}, {"limit", 1, NULL, O_LIMIT},
        {"after", 1, NULL, O_AFTER}, {"help", 0, NULL, O_HELP}, {NULL, 0, NULL, 0}};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_CODE: a->l.code = a->c.code = optarg; break;
        case O_NAME: a->l.name = a->c.name = optarg; break;
        case O_TZ: a->l.tz = a->c.tz = optarg; break;
        case O_URL: a->l.review_url = a->c.review_url = optarg; break;
        case O_DISABLED: a->l.disabled = 1; break;
        case O_DISABLE: a->c.set_disabled = 1, a->c.disabled = 1; break;
        case O_ENABLE: a->c.set_disabled = 1, a->c.disabled = 0; break;
        case O_REGION: a->region = optarg; break;
        case O_ALL: a->all = 1; break;
        case O_OUTPUT:
            if (cli_output_parse(optarg, &a->out))
                return 1;
            break;
        case O_OUTFILE: a->out_file = optarg; break;
        case O_LIMIT:
            if (cli_parse_long(optarg, 1, 1000000, &a->limit))
                return 1;
            break;
        case O_AFTER:
            if (cli_parse_long(optarg, 0, 0x7fffffffL, &a->after))
                return 1;
            break;
        case O_HELP: return 2;
        default: return 1;
        }
    }
    a->pos = optind;
    return 0;
}

/* ---- listing ---------------------------------------------------------------------- */

static const char *const cols[] = {"id", "key", "code", "name", "region", "tz", "review_url",
                                   "disabled"};

static void row_cb(const es_location *l, void *ud)
{
    cli_out *o = ud;
    cli_out_int(o, l->id);
    cli_out_str(o, l->key);
    cli_out_str(o, l->code);
    cli_out_str(o, l->name);
    cli_out_str(o, l->region);
    cli_out_str(o, l->tz);
    cli_out_str(o, l->review_url ? l->review_url : "");
    cli_out_bool(o, l->disabled);
    cli_out_end_row(o);
}

/* Prints rows through o, then finishes it; CLI_OK or CLI_FAIL. */
static int finish(cli_out *o, es_store_t *s, es_err rc)
{
    int bad = !o || cli_out_finish(o);
    cli_out_free(o);
    if (rc) {
        fprintf(stderr, "earshot: %s\n", es_store_errmsg(s));
        return CLI_FAIL;
    }
    return bad ? CLI_FAIL : CLI_OK;
}

static int do_list(es_store_t *s, const args *a)
{
    es_location_filter f = {.region = a->region, .all_locations = 1, .include_disabled = a->all,
                            .limit = (size_t)a->limit, .after_id = a->after};
    cli_out *o = cli_out_new(stdout, a->out, cols, 8);
    es_err rc = o ? es_location_list(s, &f, row_cb, o) : ES_ENOMEM;
    return finish(o, s, rc);
}

typedef struct found {
    int64_t id;
    char key[ES_LOCATION_KEY_MAX + 1];
} found;

static void found_cb(const es_location *l, void *ud)
{
    found *f = ud;
    f->id = l->id;
    snprintf(f->key, sizeof f->key, "%s", l->key);
}

/* Finds a location by code, key or id; prints the error and returns 0 when
 * there is none. */
static int64_t resolve(es_store_t *s, const char *what, found *f)
{
    long id = 0;
    es_err rc = es_location_find(s, what, found_cb, f);
    if (rc == ES_ENOTFOUND && cli_parse_long(what, 1, 0x7fffffff, &id) == 0)
        rc = es_location_get(s, id, found_cb, f);
    if (rc) {
        fprintf(stderr, "earshot: %s\n", es_store_errmsg(s));
        return 0;
    }
    return f->id;
}

static void manager_cb(const es_location_manager *m, void *ud)
{
    cli_out *o = ud;
    cli_out_int(o, m->user_id);
    cli_out_str(o, m->name);
    cli_out_str(o, m->email ? m->email : "");
    cli_out_str(o, m->phone ? m->phone : "");
    cli_out_end_row(o);
}

/* Shows the location, then its managers (a second table; in JSON the
 * managers are a second array). */
static int do_show(es_store_t *s, const args *a, const char *what)
{
    found f = {0};
    if (!resolve(s, what, &f))
        return CLI_FAIL;
    cli_out *o = cli_out_new(stdout, a->out, cols, 8);
    es_err rc = o ? es_location_get(s, f.id, row_cb, o) : ES_ENOMEM;
    int r = finish(o, s, rc);
    if (r)
        return r;
    static const char *const mcols[] = {"manager_id", "manager", "email", "phone"};
    if (a->out == CLI_OUT_TABLE)
        puts("");
    o = cli_out_new(stdout, a->out, mcols, 4);
    rc = o ? es_location_managers(s, f.key, manager_cb, o) : ES_ENOMEM;
    return finish(o, s, rc);
}

/* ---- changing ---------------------------------------------------------------------- */

static int do_add(es_store_t *s, args *a, const char *key)
{
    int64_t id = 0;
    a->l.key = key;
    es_err rc = es_location_add(s, &a->l, 0, &id);
    if (rc) {
        fprintf(stderr, "earshot: %s\n", es_store_errmsg(s));
        return CLI_FAIL;
    }
    printf("%lld\n", (long long)id);
    return CLI_OK;
}

static int do_update(es_store_t *s, const args *a, const char *what)
{
    found f = {0};
    if (!resolve(s, what, &f))
        return CLI_FAIL;
    es_err rc = es_location_update(s, f.id, &a->c, 0);
    if (rc) {
        fprintf(stderr, "earshot: %s\n", es_store_errmsg(s));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* Reads a whole file ("-": stdin) into a new buffer (es_free). */
static char *slurp(const char *path, size_t max, size_t *len)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!fp)
        return NULL;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = cap <= max + 1 ? es_realloc(buf, cap) : NULL;
            if (!nb) {
                es_free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    if (buf && ferror(fp)) {
        es_free(buf);
        buf = NULL;
    }
    if (fp != stdin)
        fclose(fp);
    *len = n;
    return buf;
}

static int do_import(es_store_t *s, const char *path, int quiet)
{
    size_t len = 0;
    char *csv = slurp(path, 64u << 20, &len);
    if (!csv) {
        fprintf(stderr, "earshot: cannot read %s (or it is larger than 64 MiB)\n", path);
        return CLI_FAIL;
    }
    char err[300];
    es_location_import_result r;
    es_err rc = es_location_import_csv(s, csv, len, 0, &r, err, sizeof err);
    es_free(csv);
    if (rc) {
        fprintf(stderr, "earshot: %s: %s\n", path, err);
        return CLI_FAIL;
    }
    if (!quiet)
        fprintf(stderr, "earshot: %zu added, %zu updated, %zu unchanged\n", r.added, r.updated,
                r.unchanged);
    return CLI_OK;
}

static int write_out(void *ud, const char *bytes, size_t n)
{
    return fwrite(bytes, 1, n, ud) != n;
}

static int do_export(es_store_t *s, const args *a)
{
    FILE *fp = a->out_file ? fopen(a->out_file, "wb") : stdout;
    if (!fp) {
        fprintf(stderr, "earshot: cannot write %s\n", a->out_file);
        return CLI_FAIL;
    }
    es_location_filter f = {.region = a->region, .all_locations = 1, .include_disabled = 1};
    es_err rc = es_location_export_csv(s, &f, write_out, fp);
    int bad = fflush(fp) != 0 || (fp != stdout && fclose(fp) != 0);
    if (rc || bad) {
        fprintf(stderr, "earshot: export: %s\n", rc == ES_EIO || bad ? "cannot write"
                                                                     : es_store_errmsg(s));
        return CLI_FAIL;
    }
    return CLI_OK;
}

static void region_cb(const es_region *g, void *ud)
{
    cli_out *o = ud;
    cli_out_str(o, g->path);
    cli_out_str(o, g->name);
    cli_out_int(o, g->n_locations);
    cli_out_end_row(o);
}

static int region_list(es_store_t *s, cli_output fmt)
{
    static const char *const rcols[] = {"path", "name", "locations"};
    cli_out *o = cli_out_new(stdout, fmt, rcols, 3);
    es_err rc = o ? es_region_list(s, region_cb, o) : ES_ENOMEM;
    return finish(o, s, rc);
}

/* CLI_OK, or CLI_FAIL with the store's message, for a change's result. */
static int changed(es_store_t *s, es_err rc)
{
    if (rc)
        fprintf(stderr, "earshot: %s\n", es_store_errmsg(s));
    return rc ? CLI_FAIL : CLI_OK;
}

/* ---- the commands ------------------------------------------------------------------- */

/* Opens the store, runs one action of `cmd`, closes the store. */
static int run(cli_ctx *ctx, const char *cmd, int argc, char **argv)
{
    args a = {0};
    int p = parse(argc, argv, &a);
    if (p == 2)
        return cli_help(help);
    const char *action = a.pos < argc ? argv[a.pos] : NULL;
    const char *op1 = a.pos + 1 < argc ? argv[a.pos + 1] : NULL;
    const char *op2 = a.pos + 2 < argc ? argv[a.pos + 2] : NULL;
    if (p || !action)
        return cli_usage(cmd, "an action is needed, or an option is wrong");
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    int rc = -1;
    char name[ES_LOCATION_NAME_MAX + 1];
    static const char *const ocols[] = {"name"};
    if (strcmp(cmd, "location") == 0) {
        if (strcmp(action, "add") == 0 && op1)
            rc = do_add(s, &a, op1);
        else if (strcmp(action, "list") == 0)
            rc = do_list(s, &a);
        else if (strcmp(action, "show") == 0 && op1)
            rc = do_show(s, &a, op1);
        else if (strcmp(action, "update") == 0 && op1)
            rc = do_update(s, &a, op1);
        else if ((strcmp(action, "disable") == 0 || strcmp(action, "enable") == 0) && op1) {
            a.c.set_disabled = 1;
            a.c.disabled = action[0] == 'd';
            rc = do_update(s, &a, op1);
        }
        else if (strcmp(action, "import") == 0 && op1)
            rc = do_import(s, op1, ctx->quiet);
        else if (strcmp(action, "export") == 0)
            rc = do_export(s, &a);
    } else if (strcmp(cmd, "region") == 0) {
        if (strcmp(action, "rename") == 0 && op1 && op2)
            rc = changed(s, es_region_rename(s, op1, op2, 0));
        else if (strcmp(action, "list") == 0)
            rc = region_list(s, a.out);
    } else if (strcmp(action, "set-name") == 0 && op1) {
        rc = changed(s, es_org_set_name(s, op1, 0));
    } else if (strcmp(action, "show") == 0) {
        cli_out *o = cli_out_new(stdout, a.out, ocols, 1);
        es_err e = o ? es_org_name(s, name, sizeof name) : ES_ENOMEM;
        if (!e) {
            cli_out_str(o, name);
            cli_out_end_row(o);
        }
        rc = finish(o, s, e);
    }
    es_store_close(s);
    return rc < 0 ? cli_usage(cmd, "unknown action '%s' or a missing operand", action) : rc;
}

int cmd_location(cli_ctx *ctx, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "qr") == 0) /* the QR poster: location_qr.c */
        return cli_location_qr(ctx, argc - 1, argv + 1);
    return run(ctx, "location", argc, argv);
}

int cmd_region(cli_ctx *ctx, int argc, char **argv)
{
    return run(ctx, "region", argc, argv);
}

int cmd_org(cli_ctx *ctx, int argc, char **argv)
{
    return run(ctx, "org", argc, argv);
}
