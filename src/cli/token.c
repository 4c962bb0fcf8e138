/*
 * token.c - `earshot token create NAME [--role R] [--user U]` and `earshot
 * token list`: the API tokens that machines send to the server as
 * "Authorization: Bearer <token>" (POST /hooks/ingest, the /api/v1
 * endpoints). A token acts with its role (default agent, what the ingest
 * webhook needs); with --user it also acts within that user's locations
 * and never above that user's role. A new token is printed once, on
 * stdout; the store keeps only its SHA-256, so a lost token cannot be
 * shown again (make another). Called by main.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "earshot/server.h"
#include "earshot/store.h"
#include "earshot/users.h"

static void usage(FILE *fp)
{
    fputs("usage: earshot [--db FILE] token create NAME [--role ROLE] [--user USER]\n"
          "       earshot [--db FILE] token list\n\n"
          "API tokens for POST /hooks/ingest and the /api/v1 endpoints (docs/api.md).\n"
          "ROLE is admin, manager, agent (the default) or viewer; --user makes the token\n"
          "act within that user's locations, at most with that user's role. `create`\n"
          "prints the new token once; only its SHA-256 is stored. (--name NAME works too.)\n",
          fp);
}

static void when(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, size, "%s", "-");
}

static void list_cb(const es_token_row *t, void *ud)
{
    char c[32], u[32];
    es_role role = ES_ROLE_NONE;
    when(t->created, c, sizeof c);
    when(t->last_used, u, sizeof u);
    if (es_user_token_role(ud, t->id, &role))
        role = ES_ROLE_NONE;
    printf("%-4lld  %-20s  %-20s  %-8s  %s\n", (long long)t->id, c, u,
           es_role_name(role) ? es_role_name(role) : "-", t->name);
}

static void user_id_cb(const es_user_row *u, void *ud)
{
    *(int64_t *)ud = u->id;
}

static int create(es_store_t *s, const char *name, const char *role_name, const char *user)
{
    char token[ES_SERVER_TOKEN_LEN + 1];
    uint8_t hash[32];
    es_role role = ES_ROLE_AGENT;
    int64_t uid = 0;
    if (role_name && es_role_parse(role_name, &role)) {
        fprintf(stderr, "earshot token: --role must be admin, manager, agent or viewer\n");
        return CLI_USAGE;
    }
    if (user && es_user_get(s, 0, user, user_id_cb, &uid)) {
        fprintf(stderr, "earshot token: %s\n", es_store_errmsg(s));
        return CLI_USAGE;
    }
    if (es_server_token_new(token, hash)) {
        fprintf(stderr, "earshot token: no randomness available\n");
        return CLI_FAIL;
    }
    es_err rc = es_user_token_add(s, name, hash, role, uid, NULL, NULL);
    if (rc) {
        fprintf(stderr, "earshot token: %s\n", es_store_errmsg(s));
        return rc == ES_EEXIST || rc == ES_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    printf("%s\n", token);
    fflush(stdout);
    return CLI_OK;
}

/* See cli.h. */
int cmd_token(cli_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"user", required_argument, NULL, 'u'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *name = NULL, *role = NULL, *user = NULL;
    int c;
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    int is_create = strcmp(argv[1], "create") == 0;
    if (!is_create && strcmp(argv[1], "list") != 0) {
        fprintf(stderr, "earshot token: unknown action '%s'\n", argv[1]);
        return CLI_USAGE;
    }
    optind = 0; /* 0: GNU getopt starts afresh, so NAME may come before options */
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, ":h", opts, NULL)) != -1) {
        if (c == 'n' && is_create) {
            name = optarg;
        } else if (c == 'r' && is_create) {
            role = optarg;
        } else if (c == 'u' && is_create) {
            user = optarg;
        } else if (c == 'h') {
            usage(stdout);
            return CLI_OK;
        } else {
            fprintf(stderr, "earshot token: unexpected option\n");
            return CLI_USAGE;
        }
    }
    /* The name may also be the one operand: `token create NAME`. */
    if (is_create && !name && optind == argc - 2)
        name = argv[1 + optind++];
    if (optind < argc - 1 || (is_create && (!name || !*name))) {
        usage(stderr);
        return CLI_USAGE;
    }
    es_store_t *s = NULL;
    int status = CLI_FAIL;
    if (es_store_open(ctx->db_path, &s)) {
        fprintf(stderr, "earshot token: %s\n", s ? es_store_errmsg(s) : "out of memory");
    } else if (is_create) {
        status = create(s, name, role, user);
    } else if (printf("%-4s  %-20s  %-20s  %-8s  %s\n", "id", "created", "last_used", "role",
                      "name") < 0 ||
               es_store_token_list(s, list_cb, s)) {
        fprintf(stderr, "earshot token: %s\n", es_store_errmsg(s));
    } else {
        status = CLI_OK;
    }
    es_store_close(s);
    return status;
}
