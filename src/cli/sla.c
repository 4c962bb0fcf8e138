/*
 * sla.c - the commands of service levels and replies (sla.h, reply.h):
 *   earshot sla policy add|list     targets by priority
 *   earshot sla due CASE            a case's due times
 *   earshot sla check [--warn D]    the SLA checker, once (raises alerts)
 *   earshot calendar add|list       business-hours calendars
 *   earshot reply CASE TEXT         answer a case (limits, generic warning)
 *   earshot reply list CASE | endpoint CHANNEL URL | deliver
 *   earshot report sla [--by ...]   response times (and the fairness report)
 * Thin: the library does the work. Changes are audited as done by the
 * command line (no user). Called by main.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/reply.h"
#include "earshot/sla.h"

/* "90", "90s", "15m", "4h", "2d" into seconds. Returns 0, or -1. */
static int parse_duration(const char *s, int64_t *out)
{
    char *end = NULL;
    if (!s || !*s || *s == '-')
        return -1;
    long long v = strtoll(s, &end, 10);
    int64_t mul = 1;
    if (end == s || v < 0 || v > 100000000LL)
        return -1;
    if (*end == 's')
        end++;
    else if (*end == 'm')
        mul = 60, end++;
    else if (*end == 'h')
        mul = 3600, end++;
    else if (*end == 'd')
        mul = 86400, end++;
    if (*end)
        return -1;
    *out = (int64_t)v * mul;
    return 0;
}

static int fail(es_store_t *s, const char *cmd)
{
    fprintf(stderr, "earshot %s: %s\n", cmd, es_store_errmsg(s));
    return CLI_FAIL;
}

static int output_opt(const char *v, cli_output *o, const char *cmd)
{
    if (cli_output_parse(v, o) != 0) {
        cli_usage(cmd, "--output must be table, csv or json");
        return -1;
    }
    return 0;
}

/* ---- earshot sla ------------------------------------------------------------------ */

static const char *const sla_help[] = {
    "usage: earshot [--db FILE] sla policy add --priority 1-4 [--first-response D]",
    "                          [--next-response D] [--resolution D] [--calendar NAME]",
    "       earshot [--db FILE] sla policy list [--output table|csv|json]",
    "       earshot [--db FILE] sla due CASE",
    "       earshot [--db FILE] sla check [--warn D] [--now UNIX]",
    "",
    "Targets by priority (1 urgent .. 4 low); D is seconds or 90s, 15m, 4h, 2d,",
    "counted in the calendar's business hours (no calendar: around the clock).",
    "`check` raises an alert for every target due within --warn (default 15m) or",
    "past due, once each. See docs/sla.md.",
    NULL};

typedef struct out_ctx {
    cli_out *o;
} out_ctx;

static void policy_row(const es_sla_policy *p, void *ud)
{
    cli_out *o = ((out_ctx *)ud)->o;
    cli_out_int(o, p->priority);
    cli_out_int(o, p->first_response);
    cli_out_int(o, p->next_response);
    cli_out_int(o, p->resolution);
    cli_out_str(o, p->calendar);
    cli_out_end_row(o);
}

static int policy_list(es_store_t *s, cli_output fmt)
{
    static const char *const cols[] = {"priority", "first_response", "next_response", "resolution",
                                       "calendar"};
    out_ctx c = {cli_out_new(stdout, fmt, cols, 5)};
    if (!c.o)
        return CLI_FAIL;
    es_err rc = es_sla_policy_list(s, policy_row, &c);
    int bad = cli_out_finish(c.o);
    cli_out_free(c.o);
    return rc ? fail(s, "sla") : bad ? CLI_FAIL : CLI_OK;
}

static int sla_due(es_store_t *s, const char *arg)
{
    long id;
    es_sla_dues d;
    char a[32], b[32], c[32], n[32];
    if (cli_parse_long(arg, 1, 0x7fffffffL, &id) != 0)
        return cli_usage("sla", "a case id is a positive number");
    if (es_sla_due(s, id, &d))
        return fail(s, "sla");
    printf("first_response %s\nnext_response %s\nresolution %s\nnext %s\n",
           cli_time_format(d.first_response, a, sizeof a),
           cli_time_format(d.next_response, b, sizeof b),
           cli_time_format(d.resolution, c, sizeof c), cli_time_format(d.next, n, sizeof n));
    return CLI_OK;
}

static int sla_check(es_store_t *s, int64_t now, int64_t warn)
{
    size_t raised = 0;
    es_err rc = es_sla_check(s, now, warn, NULL, NULL, &raised);
    if (rc)
        return fail(s, "sla");
    printf("%zu SLA alerts raised\n", raised);
    return CLI_OK;
}

/* See cli.h. */
int cmd_sla(cli_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"priority", required_argument, NULL, 'p'},
                                         {"first-response", required_argument, NULL, 'f'},
                                         {"next-response", required_argument, NULL, 'n'},
                                         {"resolution", required_argument, NULL, 'r'},
                                         {"calendar", required_argument, NULL, 'c'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"warn", required_argument, NULL, 'w'},
                                         {"now", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    es_sla_policy p = {0};
    cli_output fmt = CLI_OUT_TABLE;
    int64_t warn = 900, now = (int64_t)time(NULL);
    long v;
    int c, skip = argc > 2 && strcmp(argv[1], "policy") == 0 ? 2 : 1;
    if (argc < 2 || strcmp(argv[1], "--help") == 0)
        return argc < 2 ? (cli_help(sla_help), CLI_USAGE) : cli_help(sla_help);
    optind = 0; /* 0: glibc forgets main.c's "+" and permutes again */
    opterr = 0;
    while ((c = getopt_long(argc - skip, argv + skip, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (cli_parse_long(optarg, 1, 4, &v) != 0)
                return cli_usage("sla", "--priority is 1 to 4");
            p.priority = (int)v;
            break;
        case 'f':
        case 'n':
        case 'r': {
            int64_t *t = c == 'f' ? &p.first_response : c == 'n' ? &p.next_response : &p.resolution;
            if (parse_duration(optarg, t) != 0)
                return cli_usage("sla", "'%s' is not a duration (90s, 15m, 4h, 2d)", optarg);
            break;
        }
        case 'c': p.calendar = optarg; break;
        case 'o':
            if (output_opt(optarg, &fmt, "sla"))
                return CLI_USAGE;
            break;
        case 'w':
            if (parse_duration(optarg, &warn) != 0)
                return cli_usage("sla", "--warn takes a duration");
            break;
        case 't':
            if (cli_parse_long(optarg, 0, 0x7fffffffL, &v) != 0)
                return cli_usage("sla", "--now takes Unix seconds");
            now = v;
            break;
        case 'h': return cli_help(sla_help);
        default: return cli_usage("sla", "unexpected option '%s'", argv[skip + optind - 1]);
        }
    }
    int rest = argc - skip - optind;
    char **args = argv + skip + optind;
    const char *what = skip == 2 ? argv[2] : argv[1];
    int status = CLI_USAGE;
    es_store_t *s = NULL;
    if (skip == 2 && strcmp(what, "add") == 0 && rest == 0) {
        if (!p.priority)
            return cli_usage("sla", "policy add needs --priority");
        if (!(s = cli_store_open(ctx)))
            return CLI_FAIL;
        status = es_sla_policy_set(s, &p, 0, NULL) ? fail(s, "sla") : CLI_OK;
    } else if (skip == 2 && strcmp(what, "list") == 0 && rest == 0) {
        if (!(s = cli_store_open(ctx)))
            return CLI_FAIL;
        status = policy_list(s, fmt);
    } else if (skip == 1 && strcmp(what, "due") == 0 && rest == 1) {
        if (!(s = cli_store_open(ctx)))
            return CLI_FAIL;
        status = sla_due(s, args[0]);
    } else if (skip == 1 && strcmp(what, "check") == 0 && rest == 0) {
        if (!(s = cli_store_open(ctx)))
            return CLI_FAIL;
        status = sla_check(s, now, warn);
    } else {
        return cli_usage("sla", "expected policy add|list, due CASE or check");
    }
    es_store_close(s);
    return status;
}

/* ---- earshot calendar ---------------------------------------------------------------- */

static const char *const cal_help[] = {
    "usage: earshot [--db FILE] calendar add NAME SPEC",
    "       earshot [--db FILE] calendar list [--output table|csv|json]",
    "",
    "SPEC, for example: \"mon-fri 09:00-17:00 sat 10:00-14:00 utc+01:00",
    "holidays=2026-12-25,2026-12-26\" or \"24x7\". Adding an existing name",
    "replaces it. See docs/sla.md.",
    NULL};

static void cal_row(const es_sla_calendar_row *r, void *ud)
{
    cli_out *o = ((out_ctx *)ud)->o;
    cli_out_int(o, r->id);
    cli_out_str(o, r->name);
    cli_out_str(o, r->spec);
    cli_out_end_row(o);
}

/* See cli.h. */
int cmd_calendar(cli_ctx *ctx, int argc, char **argv)
{
    cli_output fmt = CLI_OUT_TABLE;
    if (argc < 2)
        return cli_help(cal_help), CLI_USAGE;
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cli_help(cal_help);
    if (strcmp(argv[1], "add") == 0) {
        if (argc != 4)
            return cli_usage("calendar", "calendar add NAME SPEC");
        es_store_t *s = cli_store_open(ctx);
        if (!s)
            return CLI_FAIL;
        es_err rc = es_sla_calendar_put(s, argv[2], argv[3], 0, NULL);
        int st = rc ? fail(s, "calendar") : CLI_OK;
        if (rc == ES_EPARSE || rc == ES_EINVAL)
            st = CLI_USAGE;
        es_store_close(s);
        return st;
    }
    if (strcmp(argv[1], "list") != 0)
        return cli_usage("calendar", "unknown action '%s'", argv[1]);
    if (argc == 4 && strcmp(argv[2], "--output") == 0) {
        if (output_opt(argv[3], &fmt, "calendar"))
            return CLI_USAGE;
    } else if (argc != 2) {
        return cli_usage("calendar", "calendar list [--output table|csv|json]");
    }
    static const char *const cols[] = {"id", "name", "spec"};
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    out_ctx c = {cli_out_new(stdout, fmt, cols, 3)};
    es_err rc = c.o ? es_sla_calendar_list(s, cal_row, &c) : ES_ENOMEM;
    int bad = c.o ? cli_out_finish(c.o) : -1;
    cli_out_free(c.o);
    int st = rc ? fail(s, "calendar") : bad ? CLI_FAIL : CLI_OK;
    es_store_close(s);
    return st;
}

/* ---- earshot reply -------------------------------------------------------------------- */

static const char *const reply_help[] = {
    "usage: earshot [--db FILE] reply CASE TEXT [--direct]",
    "       earshot [--db FILE] reply list CASE [--output table|csv|json]",
    "       earshot [--db FILE] reply endpoint CHANNEL URL [--secret-file F]",
    "       earshot [--db FILE] reply deliver [--backoff D] [--max-attempts N]",
    "",
    "A reply is checked against its channel's limit (X: 280 weighted characters;",
    "SMS: 10 segments ...), recorded on the case with a durable outbox row, and",
    "flagged generic when it nearly repeats several recent replies. `deliver`",
    "posts every due reply once to its channel's endpoint (the server does this",
    "on its own). The endpoint's HMAC secret is the first line of F.",
    NULL};

static void reply_row(const es_reply *r, void *ud)
{
    cli_out *o = ((out_ctx *)ud)->o;
    char t[32];
    cli_out_int(o, r->id);
    cli_out_str(o, cli_time_format(r->created, t, sizeof t));
    cli_out_str(o, r->channel);
    cli_out_bool(o, r->direct);
    cli_out_bool(o, (r->flags & ES_REPLY_GENERIC) != 0);
    cli_out_str(o, r->status);
    cli_out_int(o, r->attempts);
    cli_out_str(o, r->text);
    cli_out_end_row(o);
}

static int reply_list(es_store_t *s, long id, cli_output fmt)
{
    static const char *const cols[] = {"id",      "created", "channel",  "direct",
                                       "generic", "status",  "attempts", "text"};
    out_ctx c = {cli_out_new(stdout, fmt, cols, 8)};
    es_err rc = c.o ? es_reply_list(s, id, NULL, reply_row, &c) : ES_ENOMEM;
    int bad = c.o ? cli_out_finish(c.o) : -1;
    cli_out_free(c.o);
    return rc ? fail(s, "reply") : bad ? CLI_FAIL : CLI_OK;
}

static int reply_add(es_store_t *s, long id, const char *text, int direct)
{
    es_reply r;
    es_reply_measure m;
    es_err rc = es_reply_add(s, id, NULL, 0, 0, text, direct, (int64_t)time(NULL), &r, &m);
    if (rc) {
        fail(s, "reply");
        return rc == ES_ELIMIT || rc == ES_EINVAL || rc == ES_EUTF8 ? CLI_USAGE : CLI_FAIL;
    }
    if (r.flags & ES_REPLY_GENERIC)
        fprintf(stderr, "earshot reply: warning: this reply nearly repeats several recent "
                        "replies (generic); answer as a person\n");
    printf("%lld\n", (long long)r.id);
    return CLI_OK;
}

static int read_secret(const char *path, char *buf, size_t size)
{
    FILE *fp = fopen(path, "r");
    if (!fp || !fgets(buf, (int)size, fp)) {
        if (fp)
            fclose(fp);
        fprintf(stderr, "earshot reply: cannot read a secret from %s\n", path);
        return -1;
    }
    fclose(fp);
    buf[strcspn(buf, "\r\n")] = 0;
    return 0;
}

static int reply_deliver(es_store_t *s, int64_t backoff, long max_attempts)
{
    es_reply_deliver_opts o = {.backoff_min = backoff, .max_attempts = (int)max_attempts};
    size_t ok = 0, bad = 0, n_ok, n_bad;
    int64_t next = 0;
    /* Batch after batch while replies are due (a bounded number of passes). */
    for (int pass = 0; pass < 1000; pass++) {
        int64_t now = (int64_t)time(NULL);
        if (es_reply_deliver_due(s, now, &o, &n_ok, &n_bad) || es_reply_outbox_next(s, &next))
            return fail(s, "reply");
        ok += n_ok;
        bad += n_bad;
        if (n_ok + n_bad == 0 || !next || next > now)
            break;
    }
    printf("%zu delivered, %zu failed\n", ok, bad);
    return CLI_OK;
}

/* See cli.h. */
int cmd_reply(cli_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"direct", no_argument, NULL, 'd'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"secret-file", required_argument, NULL, 's'},
                                         {"backoff", required_argument, NULL, 'b'},
                                         {"max-attempts", required_argument, NULL, 'm'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    cli_output fmt = CLI_OUT_TABLE;
    int direct = 0, c;
    const char *secret_file = NULL;
    int64_t backoff = 0;
    long max_attempts = 0, id = 0;
    char secret[512] = "";
    if (argc < 2)
        return cli_help(reply_help), CLI_USAGE;
    optind = 0; /* 0: glibc forgets main.c's "+" and permutes again */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': direct = 1; break;
        case 'o':
            if (output_opt(optarg, &fmt, "reply"))
                return CLI_USAGE;
            break;
        case 's': secret_file = optarg; break;
        case 'b':
            if (parse_duration(optarg, &backoff) != 0)
                return cli_usage("reply", "--backoff takes a duration");
            break;
        case 'm':
            if (cli_parse_long(optarg, 1, 1000, &max_attempts) != 0)
                return cli_usage("reply", "--max-attempts is 1 to 1000");
            break;
        case 'h': return cli_help(reply_help);
        default: return cli_usage("reply", "unexpected option '%s'", argv[optind - 1]);
        }
    }
    int rest = argc - optind;
    char **a = argv + optind;
    if (rest < 1)
        return cli_usage("reply", "expected CASE TEXT, list, endpoint or deliver");
    int is_list = strcmp(a[0], "list") == 0, is_endpoint = strcmp(a[0], "endpoint") == 0;
    int is_deliver = strcmp(a[0], "deliver") == 0;
    if ((is_list && rest != 2) || (is_endpoint && rest != 3) || (is_deliver && rest != 1) ||
        (!is_list && !is_endpoint && !is_deliver && rest != 2))
        return cli_usage("reply", "wrong number of arguments");
    if ((is_list || (!is_endpoint && !is_deliver)) &&
        cli_parse_long(is_list ? a[1] : a[0], 1, 0x7fffffffL, &id) != 0)
        return cli_usage("reply", "a case id is a positive number");
    if (secret_file && read_secret(secret_file, secret, sizeof secret) != 0)
        return CLI_USAGE;
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    int st;
    if (is_list)
        st = reply_list(s, id, fmt);
    else if (is_deliver)
        st = reply_deliver(s, backoff, max_attempts);
    else if (is_endpoint)
        st = es_reply_endpoint_set(s, a[1], a[2], secret, 0) ? fail(s, "reply") : CLI_OK;
    else
        st = reply_add(s, id, a[1], direct);
    es_store_close(s);
    return st;
}

/* ---- earshot report sla ------------------------------------------------------------------ */

static const char *const report_help[] = {
    "usage: earshot [--db FILE] report sla [--by channel|team|location|followers]",
    "                          [--since DATE] [--until DATE] [--output table|csv|json]",
    "",
    "First-response and resolution times (median and 90th percentile, seconds)",
    "per channel, team, location, or follower-count decile: the fairness report,",
    "which shows whether every customer is answered alike. See docs/sla.md.",
    NULL};

static void report_row(const es_sla_report_row *r, void *ud)
{
    cli_out *o = ((out_ctx *)ud)->o;
    cli_out_str(o, r->group);
    cli_out_int(o, r->cases);
    cli_out_int(o, r->responded);
    cli_out_num(o, r->first_median, 1);
    cli_out_num(o, r->first_p90, 1);
    cli_out_int(o, r->resolved);
    cli_out_num(o, r->resolution_median, 1);
    cli_out_num(o, r->resolution_p90, 1);
    cli_out_int(o, r->followers_min);
    cli_out_int(o, r->followers_max);
    cli_out_end_row(o);
}

/* See cli.h. */
int cmd_report(cli_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"by", required_argument, NULL, 'b'},    {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    es_sla_by by = ES_SLA_BY_CHANNEL;
    cli_output fmt = CLI_OUT_TABLE;
    int64_t since = 0, until = 0;
    int c;
    if (argc < 2)
        return cli_help(report_help), CLI_USAGE;
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cli_help(report_help);
    if (strcmp(argv[1], "location") == 0)
        return cli_report_location(ctx, argc - 1, argv + 1);
    if (strcmp(argv[1], "sla") != 0)
        return cli_usage("report", "unknown report '%s' (sla, location)", argv[1]);
    optind = 0; /* 0: glibc forgets main.c's "+" and permutes again */
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (es_sla_by_parse(optarg, &by) != ES_OK)
                return cli_usage("report", "--by is channel, team, location or followers");
            break;
        case 's':
        case 'u':
            if (cli_parse_date(optarg, c == 'u', c == 's' ? &since : &until) != 0)
                return cli_usage("report", "'%s' is not a date", optarg);
            break;
        case 'o':
            if (output_opt(optarg, &fmt, "report"))
                return CLI_USAGE;
            break;
        case 'h': return cli_help(report_help);
        default: return cli_usage("report", "unexpected option '%s'", argv[optind]);
        }
    }
    if (optind != argc - 1)
        return cli_usage("report", "unexpected argument '%s'", argv[optind + 1]);
    static const char *const cols[] = {
        "group",         "cases",        "responded",         "first_median",
        "first_p90",     "resolved",     "resolution_median", "resolution_p90",
        "followers_min", "followers_max"};
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    out_ctx o = {cli_out_new(stdout, fmt, cols, 10)};
    es_err rc = o.o ? es_sla_report(s, by, NULL, since, until, report_row, &o) : ES_ENOMEM;
    int bad = o.o ? cli_out_finish(o.o) : -1;
    cli_out_free(o.o);
    int st = rc ? fail(s, "report") : bad ? CLI_FAIL : CLI_OK;
    es_store_close(s);
    return st;
}
