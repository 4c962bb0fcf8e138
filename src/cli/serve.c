/*
 * serve.c - `earshot serve`: opens the store, loads the brands and listening
 * queries, starts the HTTP server (src/http/server.c, server.h) and runs
 * until SIGTERM or SIGINT. Then it stops gracefully: no new connection is
 * accepted, the requests in progress finish, everything queued is committed,
 * and the command exits 0 (2 when a commit failed). Called by main.c.
 *
 * The signals are blocked in every thread and taken synchronously here with
 * sigwait, so no handler ever runs inside the library.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/pipeline.h"
#include "earshot/server.h"

static void usage(FILE *fp)
{
    fputs("usage: earshot [--db FILE] serve [--listen HOST:PORT] [--mode care|vader]\n"
          "                              [--max-body BYTES] [--queue N] [--no-auth]\n\n"
          "Receives mentions over HTTP (POST /hooks/ingest) and stores them; see docs/api.md.\n"
          "  --listen HOST:PORT  the IPv4 address and port (default 127.0.0.1:8080; port 0\n"
          "                      picks a free one); the URL is printed on stdout\n"
          "  --mode M            sentiment mode (default care)\n"
          "  --max-body BYTES    the largest request body (default 1048576)\n"
          "  --queue N           ingest requests waiting for a commit (default 1024)\n"
          "  --no-auth           accept /hooks/ingest without an API token (tests, demos)\n"
          "Stops on SIGTERM or SIGINT after committing everything accepted.\n",
          fp);
}

/* Splits "HOST:PORT" (host must fit in host[size]). Returns 0 or -1. */
static int parse_listen(const char *s, char *host, size_t size, unsigned *port)
{
    const char *colon = strrchr(s, ':');
    char *end = NULL;
    if (!colon || colon == s || (size_t)(colon - s) >= size)
        return -1;
    errno = 0;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || p > 65535)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    *port = (unsigned)p;
    return 0;
}

/* Parses a positive size, at most max. Returns 0 or -1. */
static int parse_size(const char *s, size_t max, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v == 0 || v > max)
        return -1;
    *out = (size_t)v;
    return 0;
}

typedef struct serve_args {
    char host[64];
    unsigned port;
    es_sent_mode mode;
    size_t max_body, queue;
    int no_auth;
} serve_args;

static int parse_args(int argc, char **argv, serve_args *a)
{
    enum { O_LISTEN = 256, O_MODE, O_MAXBODY, O_QUEUE, O_NOAUTH, O_HELP };
    static const struct option opts[] = {{"listen", required_argument, NULL, O_LISTEN},
                                         {"mode", required_argument, NULL, O_MODE},
                                         {"max-body", required_argument, NULL, O_MAXBODY},
                                         {"queue", required_argument, NULL, O_QUEUE},
                                         {"no-auth", no_argument, NULL, O_NOAUTH},
                                         {"help", no_argument, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case O_LISTEN: bad = parse_listen(optarg, a->host, sizeof a->host, &a->port); break;
        case O_MODE: bad = es_sent_mode_parse(optarg, &a->mode) != ES_OK; break;
        case O_MAXBODY: bad = parse_size(optarg, 64u * 1024 * 1024, &a->max_body); break;
        case O_QUEUE: bad = parse_size(optarg, 1000000, &a->queue); break;
        case O_NOAUTH: a->no_auth = 1; break;
        case O_HELP: usage(stdout); return -2;
        case ':': fprintf(stderr, "earshot serve: %s needs a value\n", argv[optind - 1]); return -1;
        default:
            fprintf(stderr, "earshot serve: unknown option '%s'\n", argv[optind - 1]);
            return -1;
        }
        if (bad) {
            fprintf(stderr, "earshot serve: invalid value '%s'\n", optarg);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "earshot serve: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

/* Runs the server until SIGTERM or SIGINT. */
static int run(cli_ctx *ctx, const serve_args *a, es_store_t *store, const cli_listen *l)
{
    es_server_t *srv = NULL;
    char err[512] = "";
    sigset_t set;
    int sig = 0;
    es_server_opts o = {
        .host = a->host,
        .port = (uint16_t)a->port,
        .store = store,
        .mode = a->mode,
        .matcher = l->matcher,
        .brands = l->brands,
        .n_brands = l->n_brands,
        .max_body = a->max_body,
        .queue = a->queue,
        .db_path = ctx->db_path,
        .no_auth = a->no_auth,
    };
    /* Blocked before any thread starts, so that every thread inherits it. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (es_server_start(&o, &srv, err, sizeof err)) {
        fprintf(stderr, "earshot serve: %s\n", err);
        return CLI_FAIL;
    }
    printf("earshot: listening on http://%s:%u\n", a->host, (unsigned)es_server_port(srv));
    fflush(stdout);
    while (sigwait(&set, &sig) != 0)
        ;
    if (!ctx->quiet)
        fprintf(stderr, "earshot serve: %s: draining and stopping\n",
                sig == SIGTERM ? "SIGTERM" : "SIGINT");
    es_err rc = es_server_stop(srv);
    if (rc) {
        fprintf(stderr, "earshot serve: a commit failed: %s\n", es_strerror(rc));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* See cli.h. */
int cmd_serve(cli_ctx *ctx, int argc, char **argv)
{
    serve_args a;
    memset(&a, 0, sizeof a);
    snprintf(a.host, sizeof a.host, "%s", "127.0.0.1");
    a.port = 8080;
    a.mode = ES_MODE_CARE;
    int prc = parse_args(argc, argv, &a);
    if (prc)
        return prc == -2 ? CLI_OK : CLI_USAGE;
    es_store_t *store = NULL;
    cli_listen l;
    char err[512] = "";
    int status = CLI_FAIL;
    memset(&l, 0, sizeof l);
    if (es_store_open(ctx->db_path, &store)) {
        fprintf(stderr, "earshot serve: %s\n", store ? es_store_errmsg(store) : "out of memory");
        goto out;
    }
    if (cli_listen_load(&l, store, err, sizeof err)) {
        fprintf(stderr, "earshot serve: %s\n", err);
        goto out;
    }
    status = run(ctx, &a, store, &l);
out:
    cli_listen_cleanup(&l);
    es_store_close(store);
    return status;
}
