/*
 * user.c - `earshot user`: the people who log in to the server's API and
 * dashboard (users.h). add makes a user with a role and the locations a
 * manager looks after; list shows them; disable and enable lock and unlock
 * one (ending the sessions); passwd sets a new password. Passwords are read
 * from the first line of stdin or of --password-file, never from the
 * command line, where other users of the machine could read them. Every
 * change is audited as done by the command line. Called by main.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "earshot/users.h"

#define LINE_MAX_PW (ES_USER_PASSWORD_MAX + 2)

static void usage(FILE *fp)
{
    fputs("usage: earshot [--db FILE] user add NAME --role ROLE [--location L]...\n"
          "                          [--email E] [--phone P]\n"
          "                          [--password-file F | --no-password]\n"
          "       earshot [--db FILE] user list [--output table|csv|json]\n"
          "       earshot [--db FILE] user disable|enable NAME\n"
          "       earshot [--db FILE] user passwd NAME [--password-file F]\n\n"
          "ROLE is admin, manager, agent or viewer. --location (repeatable) limits what\n"
          "the user sees to those locations; one that ends with '/' is a region, a\n"
          "prefix (\"eu/\" covers \"eu/paris\"). No --location: every location.\n"
          "The password is the first line of F, or of stdin; at least 8 characters.\n",
          fp);
}

/* Reads the password: the first line of path, or of stdin when NULL. */
static int read_password(const char *path, char *buf, size_t size)
{
    FILE *fp = path ? fopen(path, "r") : stdin;
    if (!fp) {
        fprintf(stderr, "earshot user: cannot open %s\n", path);
        return -1;
    }
    int ok = fgets(buf, (int)size, fp) != NULL;
    if (path)
        fclose(fp);
    size_t n = ok ? strlen(buf) : 0;
    if (ok && n == size - 1 && buf[n - 1] != '\n') {
        fprintf(stderr, "earshot user: the password is longer than %d bytes\n",
                ES_USER_PASSWORD_MAX);
        return -1;
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    if (n == 0) {
        fprintf(stderr, "earshot user: no password given (first line of %s)\n",
                path ? path : "stdin");
        return -1;
    }
    return 0;
}

/* Reports a store error; the exit status depends on whose fault it is. */
static int fail(es_store_t *s, es_err rc)
{
    fprintf(stderr, "earshot user: %s\n", es_store_errmsg(s));
    return rc == ES_EINVAL || rc == ES_EEXIST || rc == ES_ELIMIT || rc == ES_ENOTFOUND ? CLI_USAGE
                                                                                       : CLI_FAIL;
}

/* ---- list ------------------------------------------------------------------------ */

static void list_cb(const es_user_row *u, void *ud)
{
    cli_out *o = ud;
    char created[32];
    cli_out_int(o, u->id);
    cli_out_str(o, u->name);
    cli_out_str(o, es_role_name(u->role));
    cli_out_list(o, u->locations, u->n_locations);
    cli_out_str(o, u->email);
    cli_out_str(o, u->phone);
    cli_out_bool(o, u->disabled);
    cli_out_bool(o, u->has_password);
    cli_out_str(o, cli_time_format(u->created, created, sizeof created));
    cli_out_end_row(o);
}

static int list(es_store_t *s, cli_output fmt)
{
    static const char *const cols[] = {"id",    "name",     "role",     "locations", "email",
                                       "phone", "disabled", "password", "created"};
    cli_out *o = cli_out_new(stdout, fmt, cols, sizeof cols / sizeof *cols);
    if (!o) {
        fprintf(stderr, "earshot user: out of memory\n");
        return CLI_FAIL;
    }
    es_err rc = es_user_list(s, list_cb, o);
    int werr = cli_out_finish(o);
    cli_out_free(o);
    if (rc)
        return fail(s, rc);
    if (werr) {
        fprintf(stderr, "earshot user: writing the list failed\n");
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* ---- changes -------------------------------------------------------------------- */

static void id_cb(const es_user_row *u, void *ud)
{
    *(int64_t *)ud = u->id;
}

/* disable, enable, passwd: one change to the user called name. */
static int change(es_store_t *s, const char *name, es_user_change *c)
{
    int64_t id = 0;
    es_err rc = es_user_get(s, 0, name, id_cb, &id);
    if (rc == ES_OK)
        rc = es_user_update(s, id, c, NULL);
    return rc ? fail(s, rc) : CLI_OK;
}

/* What the options said. */
typedef struct args {
    const char *role, *email, *phone, *pwfile, *output;
    const char *locs[ES_USER_MAX_LOCATIONS];
    size_t n_locs;
    int no_password;
} args;

static int parse(int argc, char **argv, args *a)
{
    enum { O_ROLE = 256, O_LOC, O_EMAIL, O_PHONE, O_PWFILE, O_NOPW, O_OUTPUT, O_HELP };
    static const struct option opts[] = {{"role", required_argument, NULL, O_ROLE},
                                         {"location", required_argument, NULL, O_LOC},
                                         {"email", required_argument, NULL, O_EMAIL},
                                         {"phone", required_argument, NULL, O_PHONE},
                                         {"password-file", required_argument, NULL, O_PWFILE},
                                         {"no-password", no_argument, NULL, O_NOPW},
                                         {"output", required_argument, NULL, O_OUTPUT},
                                         {"help", no_argument, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 0; /* 0: GNU getopt starts afresh (main.c stopped in "+" mode) */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_ROLE: a->role = optarg; break;
        case O_EMAIL: a->email = optarg; break;
        case O_PHONE: a->phone = optarg; break;
        case O_PWFILE: a->pwfile = optarg; break;
        case O_NOPW: a->no_password = 1; break;
        case O_OUTPUT: a->output = optarg; break;
        case O_HELP: usage(stdout); return -2;
        case O_LOC:
            if (a->n_locs == ES_USER_MAX_LOCATIONS) {
                fprintf(stderr, "earshot user: at most %d locations\n", ES_USER_MAX_LOCATIONS);
                return -1;
            }
            a->locs[a->n_locs++] = optarg;
            break;
        default:
            fprintf(stderr, "earshot user: unknown option or missing value: %s\n",
                    argv[optind - 1]);
            return -1;
        }
    }
    return optind;
}

static int add(es_store_t *s, const char *name, const args *a)
{
    es_user_spec u = {.name = name,
                      .email = a->email,
                      .phone = a->phone,
                      .locations = a->locs,
                      .n_locations = a->n_locs};
    if (!a->role || es_role_parse(a->role, &u.role)) {
        fprintf(stderr, "earshot user: --role must be admin, manager, agent or viewer\n");
        return CLI_USAGE;
    }
    char pw[LINE_MAX_PW];
    if (!a->no_password) {
        if (read_password(a->pwfile, pw, sizeof pw))
            return CLI_USAGE;
        u.password = pw;
    }
    int64_t id = 0;
    es_err rc = es_user_add(s, &u, NULL, &id);
    memset(pw, 0, sizeof pw);
    if (rc)
        return fail(s, rc);
    printf("%lld\n", (long long)id);
    return CLI_OK;
}

/* Runs one action on the open store. */
static int run(es_store_t *s, const char *action, const char *name, const args *a)
{
    if (strcmp(action, "add") == 0)
        return add(s, name, a);
    es_user_change c = {0};
    if (strcmp(action, "disable") == 0 || strcmp(action, "enable") == 0) {
        c.set_disabled = 1;
        c.disabled = action[0] == 'd';
        return change(s, name, &c);
    }
    char pw[LINE_MAX_PW];
    if (read_password(a->pwfile, pw, sizeof pw))
        return CLI_USAGE;
    c.password = pw;
    int st = change(s, name, &c);
    memset(pw, 0, sizeof pw);
    return st;
}

/* See cli.h. */
int cmd_user(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const actions[] = {"add", "list", "disable", "enable", "passwd"};
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *action = argv[1];
    size_t k = 0;
    while (k < sizeof actions / sizeof *actions && strcmp(action, actions[k]) != 0)
        k++;
    if (k == sizeof actions / sizeof *actions) {
        fprintf(stderr, "earshot user: unknown action '%s'\n", action);
        return CLI_USAGE;
    }
    args a = {0};
    int first = parse(argc - 1, argv + 1, &a);
    if (first == -2)
        return CLI_OK;
    int is_list = k == 1;
    int npos = first < 0 ? -1 : argc - 1 - first;
    cli_output fmt = CLI_OUT_TABLE;
    if (first < 0 || npos != (is_list ? 0 : 1) || (a.output && !is_list) ||
        (a.output && cli_output_parse(a.output, &fmt) != 0) ||
        (k != 0 && (a.role || a.n_locs || a.email || a.phone || a.no_password)) ||
        (k != 0 && k != 4 && a.pwfile) || (a.no_password && a.pwfile)) {
        usage(stderr);
        return CLI_USAGE;
    }
    es_store_t *s = NULL;
    int status = CLI_FAIL;
    if (es_store_open(ctx->db_path, &s))
        fprintf(stderr, "earshot user: %s\n", s ? es_store_errmsg(s) : "out of memory");
    else
        status = is_list ? list(s, fmt) : run(s, action, argv[1 + first], &a);
    es_store_close(s);
    return status;
}
