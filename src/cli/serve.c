/*
 * serve.c - `earshot serve`: reads the configuration (config.c: an INI file,
 * then the environment, then the flags), opens the store, loads the brands
 * and listening queries, starts the service's parts (serve_parts.c: cases,
 * alerts, SLAs, feeds, the delivery threads) and the HTTP server
 * (src/http/, server.h), and runs until SIGTERM or SIGINT. Then it stops
 * gracefully: no new connection is accepted, the requests in progress
 * finish, everything queued is committed and followed up, the delivery
 * threads finish their attempt, and the command exits 0 (2 when a commit
 * failed). Called by main.c.
 *
 * The signals are blocked in every thread and taken synchronously here with
 * sigwait, so no handler ever runs inside the library.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/config.h"
#include "cli/pipeline.h"
#include "cli/serve_parts.h"
#include "earshot/server.h"

static void usage(FILE *fp)
{
    fputs("usage: earshot [--db FILE] serve [--config FILE] [--listen HOST:PORT]\n"
          "                              [--mode care|vader] [--max-body BYTES] [--queue N]\n"
          "                              [--no-auth] [--print-config] [--model FILE]...\n\n"
          "Runs the service: webhooks, the inbox, alerts and the JSON API (docs/api.md).\n"
          "  --config FILE       an INI file (docs/config.md); EARSHOT_* variables and\n"
          "                      these flags override it\n"
          "  --listen HOST:PORT  the IPv4 address and port (default 127.0.0.1:8080; port 0\n"
          "                      picks a free one); the URL is printed on stdout\n"
          "  --mode M            sentiment mode (default care)\n"
          "  --max-body BYTES    the largest request body (default 1048576)\n"
          "  --queue N           ingest requests waiting for a commit (default 1024)\n"
          "  --no-auth           accept every request as an admin (tests, demos; loopback)\n"
          "  --print-config      print the effective configuration (secrets hidden), exit\n"
          "  --model FILE        a learned model (earshot train), one per task; SIGHUP or\n"
          "                      POST /api/v1/models/reload loads the files again\n"
          "Stops on SIGTERM or SIGINT after committing everything accepted.\n",
          fp);
}

/* The learned models of --model, one slot per task. */
typedef struct serve_models {
    es_model_slot_t *slot[ES_TASK_COUNT];
    const char *path[ES_TASK_COUNT];
    const char *want[8]; /* the --model files, in order */
    int n;
} serve_models;

/* Loads each --model file into the slot of its task. Returns 0 or -1. */
static int load_models(serve_models *sm)
{
    char err[512];
    for (int i = 0; i < sm->n; i++) {
        es_learn_model_t *m = NULL;
        if (es_learn_load(sm->want[i], &m, err, sizeof err)) {
            fprintf(stderr, "earshot serve: %s: %s\n", sm->want[i], err);
            return -1;
        }
        es_learn_task t = es_learn_model_task(m);
        if (sm->slot[t]) {
            fprintf(stderr, "earshot serve: %s: a second model for the same task\n",
                    sm->want[i]);
            es_learn_model_free(m);
            return -1;
        }
        if (!(sm->slot[t] = es_model_slot_new(t)) || es_model_slot_set(sm->slot[t], m)) {
            fprintf(stderr, "earshot serve: out of memory\n");
            if (!sm->slot[t])
                es_learn_model_free(m);
            return -1;
        }
        sm->path[t] = sm->want[i];
    }
    return 0;
}

static void free_models(serve_models *sm)
{
    for (int t = 0; t < ES_TASK_COUNT; t++)
        es_model_slot_free(sm->slot[t]);
}

/* Reads the configuration: file and environment first, then the flags.
 * Returns 0, 1 for --help, 2 for --print-config, -1 on a usage error. */
static int configure(int argc, char **argv, cli_config *c, serve_models *sm)
{
    enum { O_CONFIG = 256, O_LISTEN, O_MODE, O_MAXBODY, O_QUEUE, O_NOAUTH, O_PRINT, O_HELP,
           O_MODEL };
    static const struct option opts[] = {{"config", required_argument, NULL, O_CONFIG},
                                         {"listen", required_argument, NULL, O_LISTEN},
                                         {"mode", required_argument, NULL, O_MODE},
                                         {"max-body", required_argument, NULL, O_MAXBODY},
                                         {"queue", required_argument, NULL, O_QUEUE},
                                         {"no-auth", no_argument, NULL, O_NOAUTH},
                                         {"print-config", no_argument, NULL, O_PRINT},
                                         {"help", no_argument, NULL, O_HELP},
                                         {"model", required_argument, NULL, O_MODEL},
                                         {NULL, 0, NULL, 0}};
    static const char *const key[] = {[O_LISTEN - O_CONFIG] = "server.listen",
                                      [O_MODE - O_CONFIG] = "server.mode",
                                      [O_MAXBODY - O_CONFIG] = "server.max_body",
                                      [O_QUEUE - O_CONFIG] = "server.queue",
                                      [O_NOAUTH - O_CONFIG] = "server.no_auth"};
    const char *file = NULL;
    int print = 0, ch;
    char err[512];
    /* First pass: where the file is (it comes before the flags). */
    optind = 0; /* 0: glibc starts afresh (forgets main.c's "+") */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (ch == O_CONFIG)
            file = optarg;
        else if (ch == O_HELP)
            return usage(stdout), 1;
        else if (ch == ':' || ch == '?') {
            fprintf(stderr, "earshot serve: %s '%s'\n",
                    ch == ':' ? "a value is needed for" : "unknown option", argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "earshot serve: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (cli_config_load(c, file, err, sizeof err)) {
        fprintf(stderr, "earshot serve: %s\n", err);
        return -1;
    }
    optind = 0; /* 0: glibc starts afresh (forgets main.c's "+") */
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (ch == O_PRINT) {
            print = 1;
        } else if (ch == O_MODEL) {
            if (sm->n == (int)(sizeof sm->want / sizeof *sm->want)) {
                fprintf(stderr, "earshot serve: too many --model files\n");
                return -1;
            }
            sm->want[sm->n++] = optarg;
        } else if (ch > O_CONFIG && ch < O_PRINT &&
                   cli_config_set(c, key[ch - O_CONFIG], ch == O_NOAUTH ? "1" : optarg, err,
                                  sizeof err)) {
            fprintf(stderr, "earshot serve: %s\n", err);
            return -1;
        }
    }
    return print ? 2 : 0;
}

/* Runs the server until SIGTERM or SIGINT. */
static int run(cli_ctx *ctx, const cli_config *c, const char *db, es_store_t *store,
               const cli_listen *l, const serve_models *sm)
{
    char host[64], err[512] = "";
    unsigned port = 0;
    sigset_t set;
    int sig = 0;
    es_sent_mode mode = ES_MODE_CARE;
    serve_parts parts;
    serve_parts_opts po;
    memset(&po, 0, sizeof po);
    if (cli_config_listen(c, host, sizeof host, &port) ||
        (c->mode && es_sent_mode_parse(c->mode, &mode))) {
        fprintf(stderr, "earshot serve: invalid listen address or mode\n");
        return CLI_USAGE;
    }
    po.db_path = db;
    po.alert.allow = c->alert_allow;
    po.alert.smtp_url = c->smtp_url;
    po.alert.smtp_from = c->smtp_from;
    po.alert.smtp_user = c->smtp_user;
    po.alert.smtp_pass = c->smtp_password;
    po.alert.sms_url = c->sms_url;
    /* What the configuration file has no key for comes from the environment
     * (alert.h): the SMS sender and its login, attempts, back-off, timeout. */
    es_alert_config envc;
    es_alert_config_env(&envc);
    po.alert.sms_from = envc.sms_from;
    po.alert.sms_auth = envc.sms_auth;
    po.alert.max_attempts = envc.max_attempts;
    po.alert.backoff_ms = envc.backoff_ms;
    po.alert.timeout_ms = envc.timeout_ms;
    po.feed_poll = c->feed_poll;
    po.public_url = c->public_url;
    po.mode = mode;
    po.matcher = l->matcher;
    po.brands = l->brands;
    po.n_brands = l->n_brands;
    if (es_lexicon_builtin(&po.lex)) {
        fprintf(stderr, "earshot serve: the sentiment lexicon failed its check\n");
        return CLI_FAIL;
    }
    es_server_opts o = {
        .host = host,
        .port = (uint16_t)port,
        .store = store,
        .mode = mode,
        .matcher = l->matcher,
        .brands = l->brands,
        .n_brands = l->n_brands,
        .max_body = c->max_body,
        .queue = c->queue,
        .db_path = db,
        .no_auth = c->no_auth,
        .follow_up = serve_parts_follow_up,
        .follow_up_ud = &parts,
        .wake = serve_parts_wake_cb,
        .wake_ud = &parts,
        .meta_app_secret = c->meta_app_secret,
        .meta_verify_token = c->meta_verify_token,
        .twilio_auth_token = c->twilio_auth_token,
        .public_url = c->public_url,
        .twilio_url = c->twilio_url,
        .twilio_reply = c->twilio_reply,
        .twilio_locations = c->twilio_locations,
        .survey_keyword = c->survey_keyword,
        .survey_expiry = c->survey_expiry,
        .survey_secret = c->survey_secret,
    };
    for (int t = 0; t < ES_TASK_COUNT; t++) {
        o.models[t] = sm->slot[t];
        o.model_paths[t] = sm->path[t];
    }
    /* Blocked before any thread starts, so that every thread inherits it. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (serve_parts_start(&parts, &po, err, sizeof err)) {
        fprintf(stderr, "earshot serve: %s\n", err);
        return CLI_FAIL;
    }
    es_server_t *srv = NULL;
    if (es_server_start(&o, &srv, err, sizeof err)) {
        fprintf(stderr, "earshot serve: %s\n", err);
        serve_parts_stop(&parts);
        return CLI_FAIL;
    }
    printf("earshot: listening on http://%s:%u\n", host, (unsigned)es_server_port(srv));
    fflush(stdout);
    if (c->no_auth && !ctx->quiet)
        fprintf(stderr, "earshot serve: --no-auth: every request is served as an admin\n");
    /* SIGHUP: the model files again, each checked before it is swapped in. */
    while (sigwait(&set, &sig) != 0 || sig == SIGHUP) {
        if (sig != SIGHUP)
            continue;
        if (es_server_reload_models(srv, err, sizeof err))
            fprintf(stderr, "earshot serve: SIGHUP: kept the model in use: %s\n", err);
        else if (!ctx->quiet)
            fprintf(stderr, "earshot serve: SIGHUP: models reloaded\n");
        sig = 0;
    }
    if (!ctx->quiet)
        fprintf(stderr, "earshot serve: %s: draining and stopping\n",
                sig == SIGTERM ? "SIGTERM" : "SIGINT");
    es_err rc = es_server_stop(srv);
    serve_parts_stop(&parts);
    if (rc) {
        fprintf(stderr, "earshot serve: a commit failed: %s\n", es_strerror(rc));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* See cli.h. */
int cmd_serve(cli_ctx *ctx, int argc, char **argv)
{
    cli_config c;
    serve_models sm;
    memset(&sm, 0, sizeof sm);
    cli_config_init(&c);
    int prc = configure(argc, argv, &c, &sm);
    if (prc) {
        if (prc == 2)
            cli_config_print(&c, stdout);
        cli_config_free(&c);
        return prc == -1 ? CLI_USAGE : CLI_OK;
    }
    if (load_models(&sm)) {
        free_models(&sm);
        cli_config_free(&c);
        return CLI_FAIL;
    }
    if (c.warning[0] && !ctx->quiet)
        fprintf(stderr, "earshot serve: warning: %s\n", c.warning);
    const char *db = ctx->db_given || !c.db ? ctx->db_path : c.db;
    es_store_t *store = NULL;
    cli_listen l;
    char err[512] = "";
    int status = CLI_FAIL;
    memset(&l, 0, sizeof l);
    if (es_store_open(db, &store)) {
        fprintf(stderr, "earshot serve: %s\n", store ? es_store_errmsg(store) : "out of memory");
        goto out;
    }
    if (cli_listen_load(&l, store, err, sizeof err)) {
        fprintf(stderr, "earshot serve: %s\n", err);
        goto out;
    }
    status = run(ctx, &c, db, store, &l, &sm);
out:
    cli_listen_cleanup(&l);
    es_store_close(store);
    free_models(&sm);
    cli_config_free(&c);
    return status;
}
