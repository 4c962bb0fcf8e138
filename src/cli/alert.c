/*
 * alert.c - `earshot alert`: destinations (webhook, email, SMS), rules,
 * the alerts themselves (list, acknowledge), and running the scanner and
 * the deliverer once, for operators and tests:
 *   earshot alert dest add --name N --kind webhook|email|sms --target T [--secret S]
 *   earshot alert dest list | dest rm NAME
 *   earshot alert rule add --name N --kind K [--brand B] [--location L] [--query Q] ...
 *   earshot alert rule list | rule rm NAME
 *   earshot alert list [--status S] [--location L] [--limit N] [--output FMT]
 *   earshot alert ack ID
 *   earshot alert raise --kind survey|sla --key K --title T [--location L] [--score X]
 *   earshot alert scan [--now T]
 *   earshot alert deliver [--allow LIST] [--now T]
 * Thin: the work is the library's (alert.h). Called by main.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/alert.h"

static const char *const help[] = {
    "usage: earshot [--db FILE] alert dest add --name N --kind webhook|email|sms --target T",
    "                                          [--secret S]",
    "       earshot [--db FILE] alert dest list | alert dest rm NAME",
    "       earshot [--db FILE] alert rule add --name N --kind KIND [options]",
    "       earshot [--db FILE] alert rule list | alert rule rm NAME",
    "       earshot [--db FILE] alert list [--status S] [--location L] [--limit N] [--output F]",
    "       earshot [--db FILE] alert ack ID",
    "       earshot [--db FILE] alert raise --kind survey|sla|... --key K --title T",
    "                                       [--location L] [--brand B] [--score X] [--case N]",
    "       earshot [--db FILE] alert scan [--now UNIX]",
    "       earshot [--db FILE] alert deliver [--allow IPS] [--now UNIX]",
    "",
    "Rule kinds: negative, words, spike, incident, survey, sla, digest. Rule options:",
    "  --brand B  --location L  --query Q  --topic T  --threshold X  --min-count N",
    "  --period S  --baseline N  --cooldown S  --max-per-hour N  --escalate-after S",
    "  --dests a,b  --escalate-to c",
    "`scan` evaluates the mentions stored since the last scan; `deliver` sends what the",
    "outbox holds due (configuration from EARSHOT_SMTP_URL, EARSHOT_SMS_URL ...; --allow",
    "adds EARSHOT_ALERT_ALLOW's addresses webhooks may reach though private). See",
    "docs/alerts.md.",
    NULL};

typedef struct args {
    es_alert_rule r;
    es_alert_dest d;
    es_alert_event ev;
    const char *status, *location, *allow;
    long limit, now;
    cli_output out;
    int have_threshold;
} args;

enum {
    O_NAME = 256, O_KIND, O_TARGET, O_SECRET, O_BRAND, O_LOCATION, O_QUERY, O_TOPIC,
    O_THRESHOLD, O_MIN_COUNT, O_PERIOD, O_BASELINE, O_COOLDOWN, O_MAX_PER_HOUR,
    O_ESCALATE_AFTER, O_DESTS, O_ESCALATE_TO, O_STATUS, O_LIMIT, O_OUTPUT, O_ALLOW, O_NOW,
    O_KEY, O_TITLE, O_SCORE, O_CASE, O_HELP
};

static int num(const char *v, long max, int64_t *out)
{
    long n;
    if (cli_parse_long(v, 0, max, &n))
        return -1;
    *out = n;
    return 0;
}

static int dbl(const char *v, double *out)
{
    char *end = NULL;
    *out = strtod(v, &end);
    return !*v || *end ? -1 : 0;
}

/* Parses every option of every action; the actions check what they need. */
static int parse(int argc, char **argv, args *a)
{
    static const struct option opts[] = {
        {"name", 1, NULL, O_NAME}, {"kind", 1, NULL, O_KIND}, {"target", 1, NULL, O_TARGET},
        {"secret", 1, NULL, O_SECRET}, {"brand", 1, NULL, O_BRAND},
        {"location", 1, NULL, O_LOCATION}, {"query", 1, NULL, O_QUERY},
        {"topic", 1, NULL, O_TOPIC}, {"threshold", 1, NULL, O_THRESHOLD},
        {"min-count", 1, NULL, O_MIN_COUNT}, {"period", 1, NULL, O_PERIOD},
        {"baseline", 1, NULL, O_BASELINE}, {"cooldown", 1, NULL, O_COOLDOWN},
        {"max-per-hour", 1, NULL, O_MAX_PER_HOUR}, {"escalate-after", 1, NULL, O_ESCALATE_AFTER},
        {"dests", 1, NULL, O_DESTS}, {"escalate-to", 1, NULL, O_ESCALATE_TO},
        {"status", 1, NULL, O_STATUS}, {"limit", 1, NULL, O_LIMIT}, {"output", 1, NULL, O_OUTPUT},
        {"allow", 1, NULL, O_ALLOW}, {"now", 1, NULL, O_NOW}, {"key", 1, NULL, O_KEY},
        {"title", 1, NULL, O_TITLE}, {"score", 1, NULL, O_SCORE}, {"case", 1, NULL, O_CASE},
        {"help", 0, NULL, O_HELP}, {NULL, 0, NULL, 0}};
    int c, bad = 0;
    int64_t v = 0;
    optind = 0; /* 0: glibc starts afresh (forgets main.c's "+") */
    opterr = 0;
    while (!bad && (c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_NAME: a->r.name = a->d.name = optarg; break;
        case O_KIND:
            a->d.kind = optarg;
            if (es_alert_kind_parse(optarg, &a->r.kind) == ES_OK)
                a->ev.kind = a->r.kind;
            else
                a->r.kind = ES_ALERT_KIND_COUNT;
            break;
        case O_TARGET: a->d.target = optarg; break;
        case O_SECRET: a->d.secret = optarg; break;
        case O_BRAND: a->r.brand = a->ev.brand = optarg; break;
        case O_LOCATION: a->r.location = a->ev.location = a->location = optarg; break;
        case O_QUERY: a->r.query = optarg; break;
        case O_TOPIC: a->r.topic = optarg; break;
        case O_THRESHOLD: bad = dbl(optarg, &a->r.threshold); break;
        case O_MIN_COUNT: bad = num(optarg, 1000000000, &a->r.min_count); break;
        case O_PERIOD: bad = num(optarg, 1000000000, &a->r.period); break;
        case O_BASELINE: bad = num(optarg, 100000, &a->r.baseline); break;
        case O_COOLDOWN: bad = num(optarg, 1000000000, &a->r.cooldown); break;
        case O_MAX_PER_HOUR: bad = num(optarg, 1000000000, &a->r.max_per_hour); break;
        case O_ESCALATE_AFTER: bad = num(optarg, 1000000000, &a->r.escalate_after); break;
        case O_DESTS: a->r.dests = optarg; break;
        case O_ESCALATE_TO: a->r.escalate_to = optarg; break;
        case O_STATUS: a->status = optarg; break;
        case O_LIMIT: bad = num(optarg, 500, &v) || v < 1, a->limit = (long)v; break;
        case O_OUTPUT: bad = cli_output_parse(optarg, &a->out) != 0; break;
        case O_ALLOW: a->allow = optarg; break;
        case O_NOW: bad = num(optarg, 0x7fffffffffffL, &v), a->now = (long)v; break;
        case O_KEY: a->ev.key = optarg; break;
        case O_TITLE: a->ev.title = optarg; break;
        case O_SCORE: bad = dbl(optarg, &a->ev.score); break;
        case O_CASE: bad = num(optarg, 0x7fffffffffffL, &a->ev.case_id); break;
        case O_HELP: return 2;
        default: bad = 1; break;
        }
    }
    if (bad)
        return cli_usage("alert", "bad option or value near '%s'", argv[optind - 1]), 1;
    return 0;
}

/* ---- listings ------------------------------------------------------------------- */

static void dest_row(const es_alert_dest *d, void *ud)
{
    cli_out *o = ud;
    cli_out_int(o, d->id);
    cli_out_str(o, d->name);
    cli_out_str(o, d->kind);
    cli_out_str(o, d->target);
    cli_out_end_row(o);
}

static void rule_row(const es_alert_rule *r, void *ud)
{
    cli_out *o = ud;
    cli_out_int(o, r->id);
    cli_out_str(o, r->name);
    cli_out_str(o, es_alert_kind_name(r->kind));
    cli_out_str(o, r->brand);
    cli_out_str(o, r->location);
    cli_out_str(o, r->query);
    cli_out_num(o, r->threshold, 3);
    cli_out_int(o, r->period);
    cli_out_int(o, r->escalate_after);
    cli_out_str(o, r->dests);
    cli_out_str(o, r->escalate_to);
    cli_out_end_row(o);
}

static void alert_row(const es_alert *a, void *ud)
{
    char t[32];
    cli_out *o = ud;
    cli_out_int(o, a->id);
    cli_out_str(o, cli_time_format(a->created, t, sizeof t));
    cli_out_str(o, es_alert_kind_name(a->kind));
    cli_out_str(o, a->status);
    cli_out_str(o, a->rule);
    cli_out_str(o, a->location);
    cli_out_int(o, a->count);
    cli_out_str(o, a->title);
    cli_out_end_row(o);
}

static int listing(es_store_t *s, const args *a, const char *what)
{
    static const char *const dcols[] = {"id", "name", "kind", "target"};
    static const char *const rcols[] = {"id", "name", "kind", "brand", "location", "query",
                                        "threshold", "period", "escalate_after", "dests",
                                        "escalate_to"};
    static const char *const acols[] = {"id", "created", "kind", "status", "rule",
                                        "location", "count", "title"};
    es_err rc;
    cli_out *o;
    if (strcmp(what, "dest") == 0) {
        o = cli_out_new(stdout, a->out, dcols, 4);
        rc = o ? es_alert_dest_list(s, dest_row, o) : ES_ENOMEM;
    } else if (strcmp(what, "rule") == 0) {
        o = cli_out_new(stdout, a->out, rcols, 11);
        rc = o ? es_alert_rule_list(s, rule_row, o) : ES_ENOMEM;
    } else {
        es_alert_filter f = {.status = a->status, .location = a->location, .all_locations = 1,
                             .limit = (size_t)a->limit};
        o = cli_out_new(stdout, a->out, acols, 8);
        rc = o ? es_alert_list(s, &f, alert_row, o) : ES_ENOMEM;
    }
    int bad = !o || cli_out_finish(o);
    cli_out_free(o);
    if (rc || bad) {
        fprintf(stderr, "earshot alert: %s\n", rc ? es_store_errmsg(s) : "writing failed");
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* ---- actions -------------------------------------------------------------------------- */

static int fail(es_store_t *s, es_err rc)
{
    fprintf(stderr, "earshot alert: %s\n", es_store_errmsg(s));
    return rc == ES_EINVAL || rc == ES_EEXIST || rc == ES_ENOTFOUND ? CLI_USAGE : CLI_FAIL;
}

static int run_scan(es_store_t *s, int64_t now, int quiet)
{
    es_alert_engine_t *e = NULL;
    size_t raised = 0;
    es_err rc = es_alert_engine_new(&e);
    if (!rc)
        rc = es_alert_scan(e, s, now, &raised);
    es_alert_engine_free(e);
    if (rc)
        return fail(s, rc);
    if (!quiet)
        fprintf(stderr, "earshot alert: %zu alert(s) and deliveries raised\n", raised);
    return CLI_OK;
}

static int run_deliver(es_store_t *s, const args *a, int64_t now, int quiet)
{
    es_alert_config c;
    es_alert_counts n;
    size_t tried = 0;
    es_alert_config_env(&c);
    if (a->allow)
        c.allow = a->allow;
    es_err rc = es_alert_deliver_due(s, &c, now * 1000 + 999, &tried);
    if (rc)
        return fail(s, rc);
    es_alert_delivery_counts(&n);
    printf("attempted %zu delivered %llu retry %llu failed %llu refused %llu\n", tried,
           (unsigned long long)n.delivered, (unsigned long long)n.retried,
           (unsigned long long)n.failed, (unsigned long long)n.refused);
    (void)quiet;
    return CLI_OK;
}

static int act(cli_ctx *ctx, es_store_t *s, const char *what, const char *verb, const char *arg,
               args *a)
{
    int64_t id = 0, now = a->now ? a->now : (int64_t)time(NULL);
    es_err rc;
    if ((strcmp(what, "dest") == 0 || strcmp(what, "rule") == 0) && strcmp(verb, "list") == 0)
        return listing(s, a, what);
    if (strcmp(what, "list") == 0)
        return listing(s, a, "alert");
    if (strcmp(what, "dest") == 0 && strcmp(verb, "add") == 0) {
        rc = es_alert_dest_add(s, &a->d, 0, &id);
    } else if (strcmp(what, "rule") == 0 && strcmp(verb, "add") == 0) {
        if (a->r.kind >= ES_ALERT_KIND_COUNT)
            return cli_usage("alert", "unknown rule kind");
        rc = es_alert_rule_add(s, &a->r, 0, &id);
    } else if ((strcmp(what, "dest") == 0 || strcmp(what, "rule") == 0) &&
               strcmp(verb, "rm") == 0 && arg) {
        rc = what[0] == 'd' ? es_alert_dest_remove(s, arg, 0) : es_alert_rule_remove(s, arg, 0);
    } else if (strcmp(what, "ack") == 0 && verb) {
        long n;
        if (cli_parse_long(verb, 1, 0x7fffffffffffL, &n))
            return cli_usage("alert", "ack needs an alert id");
        rc = es_alert_ack(s, n, 0, 0, now);
    } else if (strcmp(what, "raise") == 0) {
        size_t raised = 0;
        rc = es_alert_raise(s, &a->ev, now, &raised);
        if (!rc)
            printf("%zu\n", raised);
    } else if (strcmp(what, "scan") == 0) {
        return run_scan(s, now, ctx->quiet);
    } else if (strcmp(what, "deliver") == 0) {
        return run_deliver(s, a, now, ctx->quiet);
    } else {
        return cli_usage("alert", "unknown action '%s%s%s'", what, verb ? " " : "",
                         verb ? verb : "");
    }
    if (rc)
        return fail(s, rc);
    if (id)
        printf("%lld\n", (long long)id);
    return CLI_OK;
}

/* See cli.h. */
int cmd_alert(cli_ctx *ctx, int argc, char **argv)
{
    args a = {.out = CLI_OUT_TABLE};
    a.r.kind = ES_ALERT_KIND_COUNT;
    a.ev.kind = ES_ALERT_SURVEY;
    if (argc < 2)
        return cli_usage("alert", "an action is needed");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cli_help(help);
    /* alert WHAT [VERB] [ARG] [options]: the words before the options. */
    const char *words[3] = {NULL, NULL, NULL};
    int nw = 0, i = 1;
    while (i < argc && nw < 3 && strncmp(argv[i], "--", 2) != 0)
        words[nw++] = argv[i++];
    int p = parse(argc - i + 1, argv + i - 1, &a);
    if (p == 2)
        return cli_help(help);
    if (p)
        return CLI_USAGE;
    if (!words[0])
        return cli_usage("alert", "an action is needed");
    if (optind < argc - i + 1)
        return cli_usage("alert", "unexpected argument '%s'", argv[i - 1 + optind]);
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    int st = act(ctx, s, words[0], words[1], words[2], &a);
    es_store_close(s);
    return st;
}
