/*
 * invite.c - `earshot survey` (invitations) and `earshot advocates`:
 *   earshot survey invite --file F [--channel sms|email] [--window-days N]
 *                         [--public-url U]
 *   earshot survey invitations --report [--since 30d] [--output F]
 *   earshot survey invitations --deliver
 *   earshot advocates invite [--since 7d] [--min-recommend N] [--min-compound X]
 *                         [--window-days N] [--public-url U]
 *   earshot advocates shared ID [--handle H] [--followers N]
 *   earshot advocates report [--since 90d] [--per-share N] [--output F]
 *   earshot survey define|template|list|show ...   (survey_def.c)
 * Thin: the work is invitation.h's. The public URL that links start with
 * comes from --public-url or EARSHOT_PUBLIC_URL; delivery takes the alert
 * configuration from the environment (EARSHOT_SMS_URL, EARSHOT_SMTP_URL ...).
 * Called by main.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/ingest.h"
#include "earshot/invitation.h"

static const char *const survey_help[] = {
    "usage: earshot [--db FILE] survey invite --file F [--channel sms|email]",
    "                                  [--window-days N] [--public-url URL]",
    "       earshot [--db FILE] survey invitations --report [--since 30d] [--output F]",
    "       earshot [--db FILE] survey invitations --deliver",
    "       earshot [--db FILE] survey import FILE.csv [--survey ID]   (see survey import --help)",
    "       earshot [--db FILE] survey define FILE.json | template | list | show ID",
    "                                  (see earshot survey list --help)",
    "",
    "`invite` reads a CSV (header: contact or phone or email, location, name, channel,",
    "visit) or JSON list and queues one invitation per contact, skipping opted-out",
    "contacts and those invited to the same location within the window (30 days).",
    "`--report` prints the completion rate per location and channel; `--deliver` sends",
    "what is due once (the server's deliverer does it continuously). See docs/surveys.md.",
    NULL};

static const char *const adv_help[] = {
    "usage: earshot [--db FILE] advocates invite [--since 7d] [--min-recommend 9]",
    "                            [--min-compound 0.8] [--window-days N] [--public-url URL]",
    "       earshot [--db FILE] advocates shared ID [--handle H] [--followers N]",
    "       earshot [--db FILE] advocates report [--since 90d] [--per-share N] [--output F]",
    "",
    "`invite` runs the advocacy rule once: promoters (recommend 9-10) and very positive",
    "mentions with a location are invited to review it. `shared` records a share.",
    "`report` prints customers engaged, advocates and people reached. See docs/advocacy.md.",
    NULL};

typedef struct args {
    const char *file, *channel, *public_url, *handle, *since;
    long window_days, min_recommend, followers, per_share;
    double min_compound;
    int report, deliver;
    cli_output out;
} args;

enum {
    O_FILE = 256,
    O_CHANNEL,
    O_WINDOW,
    O_URL,
    O_REPORT,
    O_DELIVER,
    O_SINCE,
    O_MIN_REC,
    O_MIN_COMP,
    O_HANDLE,
    O_FOLLOWERS,
    O_PER_SHARE,
    O_OUTPUT,
    O_HELP
};

/* Parses the options after the action; returns 0, 1 (bad) or 2 (help). */
static int parse(int argc, char **argv, args *a)
{
    static const struct option opts[] = {{"file", 1, NULL, O_FILE},
                                         {"channel", 1, NULL, O_CHANNEL},
                                         {"window-days", 1, NULL, O_WINDOW},
                                         {"public-url", 1, NULL, O_URL},
                                         {"report", 0, NULL, O_REPORT},
                                         {"deliver", 0, NULL, O_DELIVER},
                                         {"since", 1, NULL, O_SINCE},
                                         {"min-recommend", 1, NULL, O_MIN_REC},
                                         {"min-compound", 1, NULL, O_MIN_COMP},
                                         {"handle", 1, NULL, O_HANDLE},
                                         {"followers", 1, NULL, O_FOLLOWERS},
                                         {"per-share", 1, NULL, O_PER_SHARE},
                                         {"output", 1, NULL, O_OUTPUT},
                                         {"help", 0, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    int c, bad = 0;
    char *end = NULL;
    optind = 0;
    opterr = 0;
    a->followers = -1;
    while (!bad && (c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_FILE: a->file = optarg; break;
        case O_CHANNEL: a->channel = optarg; break;
        case O_WINDOW: bad = cli_parse_long(optarg, 1, 3650, &a->window_days) != 0; break;
        case O_URL: a->public_url = optarg; break;
        case O_REPORT: a->report = 1; break;
        case O_DELIVER: a->deliver = 1; break;
        case O_SINCE: a->since = optarg; break;
        case O_MIN_REC: bad = cli_parse_long(optarg, 0, 10, &a->min_recommend) != 0; break;
        case O_MIN_COMP:
            a->min_compound = strtod(optarg, &end);
            bad = !*optarg || *end || a->min_compound <= 0 || a->min_compound > 1;
            break;
        case O_HANDLE: a->handle = optarg; break;
        case O_FOLLOWERS: bad = cli_parse_long(optarg, 0, 2000000000L, &a->followers) != 0; break;
        case O_PER_SHARE: bad = cli_parse_long(optarg, 1, 1000000000L, &a->per_share) != 0; break;
        case O_OUTPUT: bad = cli_output_parse(optarg, &a->out) != 0; break;
        case O_HELP: return 2;
        default: bad = 1; break;
        }
    }
    return bad;
}

/* Unix seconds of --since: "90d", "12h", Unix seconds or a date. */
static int since_of(const char *v, int64_t def_days, int64_t now, int64_t *out)
{
    *out = now - def_days * 86400;
    if (!v)
        return 0;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (end != v && n >= 0 && n <= 36500 && (*end == 'd' || *end == 'h') && !end[1]) {
        *out = now - n * (*end == 'd' ? 86400 : 3600);
        return 0;
    }
    return es_time_parse(v, out) == ES_OK ? 0 : -1;
}

static const char *url_of(const args *a)
{
    return a->public_url ? a->public_url : getenv("EARSHOT_PUBLIC_URL");
}

/* Reads path ("-": standard input) whole, up to ES_INVITE_MAX_INPUT bytes. */
static char *slurp(const char *path, size_t *len)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *nb = cap > ES_INVITE_MAX_INPUT ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    if (buf && ferror(fp)) {
        free(buf);
        buf = NULL;
    }
    if (fp != stdin)
        fclose(fp);
    *len = n;
    return buf;
}

static int fail(const char *cmd, es_store_t *s, es_err rc)
{
    fprintf(stderr, "earshot %s: %s\n", cmd, es_store_errmsg(s));
    return rc == ES_EINVAL || rc == ES_ENOTFOUND ? CLI_USAGE : CLI_FAIL;
}

static void print_result(const cli_ctx *ctx, const char *cmd, const es_invite_result *r)
{
    printf("%zu invited, %zu skipped (opted out), %zu skipped (invited recently)\n", r->invited,
           r->skipped_optout, r->skipped_recent);
    if (!ctx->quiet && r->invited)
        fprintf(stderr,
                "earshot %s: the server's deliverer sends them (or `earshot survey "
                "invitations --deliver`)\n",
                cmd);
}

/* ---- earshot survey ------------------------------------------------------------------ */

static int survey_invite(const cli_ctx *ctx, es_store_t *s, const args *a)
{
    size_t len = 0;
    char *data = slurp(a->file, &len);
    if (!data) {
        fprintf(stderr, "earshot survey: cannot read %s (or it is over 8 MiB)\n", a->file);
        return CLI_FAIL;
    }
    es_invite_list l;
    char err[256];
    es_err rc = es_invite_list_parse(data, len, &l, err, sizeof err);
    free(data);
    if (rc) {
        fprintf(stderr, "earshot survey: %s: %s\n", a->file,
                rc == ES_ENOMEM ? "out of memory" : err);
        return CLI_USAGE;
    }
    es_invite_opts o = {
        .public_url = url_of(a), .channel = a->channel, .window = a->window_days * 86400};
    es_invite_result r;
    rc = es_invite_send(s, &l, &o, 0, (int64_t)time(NULL), &r);
    es_invite_list_free(&l);
    if (rc)
        return fail("survey", s, rc);
    print_result(ctx, "survey", &r);
    return CLI_OK;
}

static void report_row(const es_invite_report_row *r, void *ud)
{
    cli_out *o = ud;
    cli_out_str(o, r->location);
    cli_out_str(o, r->channel);
    cli_out_int(o, r->invited);
    cli_out_int(o, r->delivered);
    cli_out_int(o, r->started);
    cli_out_int(o, r->completed);
    cli_out_int(o, r->failed);
    cli_out_int(o, r->skipped);
    cli_out_num(o, r->invited ? (double)r->completed / (double)r->invited : 0.0, 4);
    cli_out_end_row(o);
}

static int survey_report(es_store_t *s, const args *a)
{
    static const char *const cols[] = {"location",  "channel", "invited",
                                       "delivered", "started", "completed",
                                       "failed",    "skipped", "completion_rate"};
    int64_t now = (int64_t)time(NULL), since;
    if (since_of(a->since, 30, now, &since))
        return cli_usage("survey", "--since is like 30d, 12h, Unix seconds or a date");
    cli_out *o = cli_out_new(stdout, a->out, cols, 9);
    es_invite_scope all = {1, NULL, 0};
    es_err rc = o ? es_invite_report(s, &all, since, now + 1, report_row, o) : ES_ENOMEM;
    int bad = !o || cli_out_finish(o);
    cli_out_free(o);
    if (rc)
        return fail("survey", s, rc);
    return bad ? CLI_FAIL : CLI_OK;
}

static int survey_deliver(const cli_ctx *ctx, es_store_t *s)
{
    es_alert_config c;
    es_alert_config_env(&c);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    size_t sent = 0;
    es_err rc =
        es_invite_deliver_due(s, &c, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &sent);
    if (rc)
        return fail("survey", s, rc);
    if (!ctx->quiet)
        fprintf(stderr, "earshot survey: %zu invitation(s) delivered\n", sent);
    return CLI_OK;
}

/* See cli.h. */
int cmd_survey(cli_ctx *ctx, int argc, char **argv)
{
    args a = {0};
    const char *action = argc > 1 ? argv[1] : NULL;
    if (action && strcmp(action, "import") == 0) /* responses from CSV: survey.c */
        return cli_survey_import(ctx, argc - 1, argv + 1);
    if (action && (!strcmp(action, "define") || !strcmp(action, "template") ||
                   !strcmp(action, "list") || !strcmp(action, "show"))) /* survey_def.c */
        return cli_survey_def(ctx, argc - 1, argv + 1);
    int p = action ? parse(argc - 1, argv + 1, &a) : 1;
    if (p == 2 || (action && (!strcmp(action, "--help") || !strcmp(action, "help"))))
        return cli_help(survey_help);
    if (p || !action)
        return cli_usage("survey", "unknown or malformed option (see earshot survey --help)");
    int invite = strcmp(action, "invite") == 0, invs = strcmp(action, "invitations") == 0;
    if (!invite && !invs)
        return cli_usage("survey", "unknown action '%s' (invite, invitations)", action);
    if (invite && !a.file)
        return cli_usage("survey", "invite needs --file F (CSV or JSON; - for stdin)");
    if (invs && a.report == a.deliver)
        return cli_usage("survey", "invitations needs --report or --deliver");
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    int rc = invite     ? survey_invite(ctx, s, &a)
             : a.report ? survey_report(s, &a)
                        : survey_deliver(ctx, s);
    es_store_close(s);
    return rc;
}

/* ---- earshot advocates -------------------------------------------------------------- */

/* 12345678 as "12,345,678" into buf. */
static const char *thousands(long long v, char *buf, size_t size)
{
    char raw[32];
    int n = snprintf(raw, sizeof raw, "%lld", v < 0 ? 0 : v), j = 0;
    for (int i = 0; i < n && (size_t)j + 2 < size; i++) {
        if (i && (n - i) % 3 == 0)
            buf[j++] = ',';
        buf[j++] = raw[i];
    }
    buf[j] = '\0';
    return buf;
}

static int adv_report(es_store_t *s, const args *a)
{
    static const char *const cols[] = {"days",        "engaged",        "invited",
                                       "clicked",     "advocates",      "reach",
                                       "reach_known", "shares_unknown", "per_share"};
    int64_t now = (int64_t)time(NULL), since;
    if (since_of(a->since, 90, now, &since))
        return cli_usage("advocates", "--since is like 90d, Unix seconds or a date");
    es_invite_scope all = {1, NULL, 0};
    es_advocacy_report r;
    es_err rc = es_advocacy_report_get(s, &all, since, now + 1, a->per_share, &r);
    if (rc)
        return fail("advocates", s, rc);
    long long days = (now + 1 - since + 43200) / 86400;
    if (a->out == CLI_OUT_TABLE) {
        char e[32], ad[32], re[32];
        printf("%s customers engaged, %s advocates, %s people reached in %lld days\n",
               thousands(r.engaged, e, sizeof e), thousands(r.advocates, ad, sizeof ad),
               thousands(r.reach, re, sizeof re), days);
    }
    cli_out *o = cli_out_new(stdout, a->out, cols, 9);
    if (o) {
        long long v[] = {days,    r.engaged,     r.invited,        r.clicked,  r.advocates,
                         r.reach, r.reach_known, r.shares_unknown, r.per_share};
        for (size_t i = 0; i < 9; i++)
            cli_out_int(o, v[i]);
        cli_out_end_row(o);
    }
    int bad = !o || cli_out_finish(o);
    cli_out_free(o);
    return bad ? CLI_FAIL : CLI_OK;
}

static int adv_invite(const cli_ctx *ctx, es_store_t *s, const args *a)
{
    int64_t now = (int64_t)time(NULL);
    es_advocacy_opts o = {.public_url = url_of(a),
                          .min_recommend = (int)a->min_recommend,
                          .min_compound = a->min_compound,
                          .window = a->window_days * 86400,
                          .channel = a->channel};
    if (since_of(a->since, 7, now, &o.since))
        return cli_usage("advocates", "--since is like 7d, Unix seconds or a date");
    es_invite_result r;
    es_err rc = es_advocacy_run(s, &o, now, &r);
    if (rc)
        return fail("advocates", s, rc);
    print_result(ctx, "advocates", &r);
    return CLI_OK;
}

/* See cli.h. */
int cmd_advocates(cli_ctx *ctx, int argc, char **argv)
{
    args a = {0};
    const char *action = argc > 1 ? argv[1] : NULL;
    int p = action ? parse(argc - 1, argv + 1, &a) : 1;
    if (p == 2 || (action && (!strcmp(action, "--help") || !strcmp(action, "help"))))
        return cli_help(adv_help);
    if (p || !action)
        return cli_usage("advocates", "unknown or malformed option (see earshot advocates --help)");
    long id = 0;
    if (strcmp(action, "shared") == 0 &&
        (optind + 1 >= argc || cli_parse_long(argv[optind + 1], 1, 0x7fffffffL, &id)))
        return cli_usage("advocates", "shared needs an advocate's id");
    if (strcmp(action, "invite") && strcmp(action, "shared") && strcmp(action, "report"))
        return cli_usage("advocates", "unknown action '%s' (invite, shared, report)", action);
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    int rc = CLI_OK;
    if (strcmp(action, "invite") == 0)
        rc = adv_invite(ctx, s, &a);
    else if (strcmp(action, "report") == 0)
        rc = adv_report(s, &a);
    else {
        es_err e = es_advocacy_shared(s, id, NULL, a.handle, a.followers, 0, (int64_t)time(NULL));
        rc = e ? fail("advocates", s, e) : CLI_OK;
        if (!e)
            printf("advocate %ld: shared\n", id);
    }
    es_store_close(s);
    return rc;
}
