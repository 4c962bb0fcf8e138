/*
 * token.c - `earshot token create --name N` and `earshot token list`: the
 * API tokens that machines send to the server's POST /hooks/ingest as
 * "Authorization: Bearer <token>". A new token is printed once, on stdout;
 * the store keeps only its SHA-256, so a lost token cannot be shown again
 * (make another). Called by main.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "earshot/server.h"
#include "earshot/store.h"

static void usage(FILE *fp)
{
    fputs("usage: earshot [--db FILE] token create --name NAME\n"
          "       earshot [--db FILE] token list\n\n"
          "API tokens for POST /hooks/ingest (docs/api.md). `create` prints the new token\n"
          "once; only its SHA-256 is stored.\n",
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
    when(t->created, c, sizeof c);
    when(t->last_used, u, sizeof u);
    printf("%-4lld  %-20s  %-20s  %s\n", (long long)t->id, c, u, t->name);
}

static int create(es_store_t *s, const char *name)
{
    char token[ES_SERVER_TOKEN_LEN + 1];
    uint8_t hash[32];
    if (es_server_token_new(token, hash)) {
        fprintf(stderr, "earshot token: no randomness available\n");
        return CLI_FAIL;
    }
    es_err rc = es_store_token_add(s, name, hash, NULL);
    if (rc) {
        fprintf(stderr, "earshot token: %s\n", es_store_errmsg(s));
        return rc == ES_EEXIST ? CLI_USAGE : CLI_FAIL;
    }
    printf("%s\n", token);
    fflush(stdout);
    return CLI_OK;
}

/* See cli.h. */
int cmd_token(cli_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *name = NULL;
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
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, ":h", opts, NULL)) != -1) {
        if (c == 'n' && is_create) {
            name = optarg;
        } else if (c == 'h') {
            usage(stdout);
            return CLI_OK;
        } else {
            fprintf(stderr, "earshot token: unexpected option\n");
            return CLI_USAGE;
        }
    }
    if (optind < argc - 1 || (is_create && (!name || !*name))) {
        usage(stderr);
        return CLI_USAGE;
    }
    es_store_t *s = NULL;
    int status = CLI_FAIL;
    if (es_store_open(ctx->db_path, &s)) {
        fprintf(stderr, "earshot token: %s\n", s ? es_store_errmsg(s) : "out of memory");
    } else if (is_create) {
        status = create(s, name);
    } else if (printf("%-4s  %-20s  %-20s  %s\n", "id", "created", "last_used", "name") < 0 ||
               es_store_token_list(s, list_cb, NULL)) {
        fprintf(stderr, "earshot token: %s\n", es_store_errmsg(s));
    } else {
        status = CLI_OK;
    }
    es_store_close(s);
    return status;
}
