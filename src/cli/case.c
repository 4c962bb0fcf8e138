/*
 * case.c - the inbox from the command line (P1, C1-C3, C6):
 *   earshot case list|next|show|assign|status|note|tag|merge|thread
 *   earshot team add|list|member
 *   earshot route add|list
 * Thin: every command is one or two calls of cases.h. Changes made here are
 * audited as the command line (no user). Called by main.c; docs/cli.md and
 * docs/inbox.md describe the commands.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/cases.h"
#include "earshot/users.h"

#define MAX_TAGS 32

/* Everything the inbox commands may be given; each uses what it needs. */
typedef struct args {
    const char *status, *team, *assignee, *location, *brand, *q, *user, *assign, *name;
    const char *intent, *topic, *keyword, *lang, *department;
    long limit, offset, window_hours, capacity, priority, query;
    int triage;
    cli_output out;
    int argc; /* positional arguments after the action */
    char **argv;
} args;

enum {
    O_STATUS = 256,
    O_TEAM,
    O_ASSIGNEE,
    O_LOCATION,
    O_BRAND,
    O_Q,
    O_USER,
    O_ASSIGN,
    O_NAME,
    O_INTENT,
    O_TOPIC,
    O_KEYWORD,
    O_LANG,
    O_DEPARTMENT,
    O_LIMIT,
    O_OFFSET,
    O_WINDOW,
    O_CAPACITY,
    O_PRIORITY,
    O_QUERY,
    O_TRIAGE,
    O_OUTPUT
};

static const char *const case_help[] = {
    "usage: earshot case list [--status S|active] [--team T] [--assignee U|none] [--location L]",
    "                         [--brand B] [--q WORDS] [--limit N] [--offset N] [--output F]",
    "       earshot case next --user U [--limit N] [--output F]",
    "       earshot case show ID [--output F]",
    "       earshot case assign ID USER|none",
    "       earshot case status ID new|open|pending|resolved",
    "       earshot case note ID TEXT",
    "       earshot case tag ID +TAG|-TAG...",
    "       earshot case merge INTO FROM",
    "       earshot case thread [--window HOURS]",
    "",
    "The unified inbox (docs/inbox.md): cases in queue order (rank, then the longest",
    "waiting), an agent's next cases, and changes, each recorded in the audit trail.",
    "`thread` threads every stored mention that has no case yet. F: table, csv, json.",
    NULL,
};

static const char *const team_help[] = {
    "usage: earshot team add NAME [--assign round_robin|least_loaded|none] [--triage]",
    "       earshot team list [--output F]",
    "       earshot team member TEAM [USER [--capacity N]] [--output F]",
    "",
    "Teams take the cases routed to them; the triage team takes the rest. `member`",
    "adds USER (or changes its capacity: new and open cases at once, default 20);",
    "without USER it lists the team's members and their load.",
    NULL,
};

static const char *const route_help[] = {
    "usage: earshot route add --team T [--name N] [--priority N] [--intent I] [--topic T]",
    "                         [--keyword W] [--query ID] [--brand B] [--location L]",
    "                         [--lang L] [--department D]",
    "       earshot route list [--output F]",
    "",
    "Routing rules send a new case to a team when every condition given holds;",
    "rules are tried by priority (lower first). No match: the triage team.",
    NULL,
};

static int parse(const char *cmd, const char *const *help, int argc, char **argv, args *a)
{
    static const struct option opts[] = {
        {"status", required_argument, NULL, O_STATUS},
        {"team", required_argument, NULL, O_TEAM},
        {"assignee", required_argument, NULL, O_ASSIGNEE},
        {"location", required_argument, NULL, O_LOCATION},
        {"brand", required_argument, NULL, O_BRAND},
        {"q", required_argument, NULL, O_Q},
        {"user", required_argument, NULL, O_USER},
        {"assign", required_argument, NULL, O_ASSIGN},
        {"name", required_argument, NULL, O_NAME},
        {"intent", required_argument, NULL, O_INTENT},
        {"topic", required_argument, NULL, O_TOPIC},
        {"keyword", required_argument, NULL, O_KEYWORD},
        {"lang", required_argument, NULL, O_LANG},
        {"department", required_argument, NULL, O_DEPARTMENT},
        {"limit", required_argument, NULL, O_LIMIT},
        {"offset", required_argument, NULL, O_OFFSET},
        {"window", required_argument, NULL, O_WINDOW},
        {"capacity", required_argument, NULL, O_CAPACITY},
        {"priority", required_argument, NULL, O_PRIORITY},
        {"query", required_argument, NULL, O_QUERY},
        {"triage", no_argument, NULL, O_TRIAGE},
        {"output", required_argument, NULL, O_OUTPUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->priority = 100;
    optind = 0; /* 0: GNU getopt starts afresh (main.c parsed before) */
    opterr = 0;
    int c;
    /* `case tag ID -TAG`: options end at the first argument, so that a tag
     * to remove is not taken for an option */
    const char *spec = strcmp(argv[0], "tag") == 0 ? "+:h" : ":h";
    while ((c = getopt_long(argc, argv, spec, opts, NULL)) != -1) {
        long *num = NULL, lo = 0, hi = 1000000;
        switch (c) {
        case O_STATUS: a->status = optarg; break;
        case O_TEAM: a->team = optarg; break;
        case O_ASSIGNEE: a->assignee = optarg; break;
        case O_LOCATION: a->location = optarg; break;
        case O_BRAND: a->brand = optarg; break;
        case O_Q: a->q = optarg; break;
        case O_USER: a->user = optarg; break;
        case O_ASSIGN: a->assign = optarg; break;
        case O_NAME: a->name = optarg; break;
        case O_INTENT: a->intent = optarg; break;
        case O_TOPIC: a->topic = optarg; break;
        case O_KEYWORD: a->keyword = optarg; break;
        case O_LANG: a->lang = optarg; break;
        case O_DEPARTMENT: a->department = optarg; break;
        case O_LIMIT: num = &a->limit, lo = 1, hi = 500; break;
        case O_OFFSET: num = &a->offset; break;
        case O_WINDOW: num = &a->window_hours, lo = 1, hi = 24 * 365; break;
        case O_CAPACITY: num = &a->capacity, lo = 1, hi = 10000; break;
        case O_PRIORITY: num = &a->priority, lo = 0, hi = 1000000; break;
        case O_QUERY: num = &a->query, lo = 1, hi = 1L << 30; break;
        case O_TRIAGE: a->triage = 1; break;
        case O_OUTPUT:
            if (cli_output_parse(optarg, &a->out))
                return cli_usage(cmd, "--output is table, csv or json");
            break;
        case 'h': cli_help(help); return -1;
        case ':': return cli_usage(cmd, "%s needs a value", argv[optind - 1]);
        default: return cli_usage(cmd, "unknown option %s", argv[optind - 1]);
        }
        if (num && cli_parse_long(optarg, lo, hi, num))
            return cli_usage(cmd, "%s wants a number from %ld to %ld", argv[optind - 2], lo, hi);
    }
    a->argc = argc - optind;
    a->argv = argv + optind;
    return 0;
}

/* ---- names to ids ------------------------------------------------------------ */

static void keep_user(const es_user_row *u, void *ud)
{
    *(int64_t *)ud = u->id;
}

/* A user given as an id or a name; "none" is 0. Returns 0 or -1 (said). */
static int user_id(es_store_t *s, const char *cmd, const char *v, int64_t *id)
{
    long n;
    *id = 0;
    if (strcmp(v, "none") == 0)
        return 0;
    if (cli_parse_long(v, 1, 1L << 62, &n) == 0) {
        *id = n;
        return 0;
    }
    if (es_user_get(s, 0, v, keep_user, id) == ES_OK)
        return 0;
    fprintf(stderr, "earshot %s: no user '%s'\n", cmd, v);
    return -1;
}

static int team_id(es_store_t *s, const char *cmd, const char *v, int64_t *id)
{
    long n;
    if (cli_parse_long(v, 1, 1L << 62, &n) == 0) {
        *id = n;
        return 0;
    }
    if (es_team_find(s, v, id) == ES_OK)
        return 0;
    fprintf(stderr, "earshot %s: no team '%s'\n", cmd, v);
    return -1;
}

static int case_arg(const char *cmd, const char *v, int64_t *id)
{
    long n;
    if (cli_parse_long(v, 1, 1L << 62, &n)) {
        cli_usage(cmd, "'%s' is not a case id", v);
        return -1;
    }
    *id = n;
    return 0;
}

/* ---- printing ------------------------------------------------------------------- */

static const char *const case_cols[] = {
    "id",         "status", "priority", "rank",          "severity",  "source",
    "location",   "team",   "assignee", "customer",      "sentiment", "intent",
    "department", "tags",   "mentions", "waiting_since", "followers", "subject",
};
#define N_CASE_COLS (sizeof case_cols / sizeof case_cols[0])

static void print_case(const es_case *c, void *ud)
{
    cli_out *o = ud;
    char t[32];
    cli_out_int(o, c->id);
    cli_out_str(o, es_case_status_name(c->status));
    cli_out_int(o, c->priority);
    cli_out_num(o, c->rank, 2);
    cli_out_num(o, c->severity, 3);
    cli_out_str(o, c->source);
    cli_out_str(o, c->location);
    cli_out_str(o, c->team);
    cli_out_str(o, c->assignee);
    cli_out_int(o, c->customer_id);
    cli_out_str(o, es_polarity_name(c->sentiment));
    cli_out_str(o, es_intent_name(c->intent));
    cli_out_str(o, c->department);
    cli_out_csvlist(o, c->tags);
    cli_out_int(o, c->mentions);
    cli_out_str(o, cli_time_format(c->last_customer_at, t, sizeof t));
    cli_out_int(o, c->followers);
    cli_out_str(o, c->subject);
    cli_out_end_row(o);
}

static const char *const mention_cols[] = {"mention",   "source", "author",       "created",
                                           "sentiment", "intent", "duplicate_of", "text"};

static void print_mention(const es_mention_row *r, void *ud)
{
    cli_out *o = ud;
    char t[32];
    cli_out_int(o, r->id);
    cli_out_str(o, r->m.source);
    cli_out_str(o, r->m.author);
    cli_out_str(o, cli_time_format(r->m.created_at, t, sizeof t));
    cli_out_num(o, r->m.sentiment.compound, 4);
    cli_out_str(o, es_intent_name(r->m.intent));
    cli_out_str(o, r->m.duplicate_of);
    cli_out_str(o, r->m.text);
    cli_out_end_row(o);
}

static const char *const note_cols[] = {"note", "author", "at", "text"};

static void print_note(const es_case_note *n, void *ud)
{
    cli_out *o = ud;
    char t[32];
    cli_out_int(o, n->id);
    cli_out_str(o, n->author);
    cli_out_str(o, cli_time_format(n->at, t, sizeof t));
    cli_out_str(o, n->text);
    cli_out_end_row(o);
}

/* Opens a writer, runs fill, finishes; CLI_OK or CLI_FAIL. */
static int with_out(cli_output fmt, const char *const *cols, size_t n, es_store_t *s,
                    const char *cmd, es_err (*fill)(es_store_t *, cli_out *, void *), void *ud)
{
    cli_out *o = cli_out_new(stdout, fmt, cols, n);
    if (!o) {
        fprintf(stderr, "earshot %s: out of memory\n", cmd);
        return CLI_FAIL;
    }
    es_err rc = fill(s, o, ud);
    int werr = cli_out_finish(o);
    cli_out_free(o);
    if (rc) {
        fprintf(stderr, "earshot %s: %s\n", cmd, es_store_errmsg(s));
        return rc == ES_ENOTFOUND || rc == ES_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    return werr ? CLI_FAIL : CLI_OK;
}

static es_err fill_list(es_store_t *s, cli_out *o, void *ud)
{
    return es_case_list(s, ud, NULL, 0, print_case, o, NULL);
}

typedef struct next_req {
    int64_t user;
    size_t limit;
} next_req;

static es_err fill_next(es_store_t *s, cli_out *o, void *ud)
{
    const next_req *r = ud;
    return es_case_next(s, r->user, NULL, r->limit, 0, print_case, o);
}

static es_err fill_case(es_store_t *s, cli_out *o, void *ud)
{
    return es_case_get(s, *(int64_t *)ud, NULL, 0, print_case, o);
}

static es_err fill_mentions(es_store_t *s, cli_out *o, void *ud)
{
    return es_case_mentions(s, *(int64_t *)ud, NULL, 500, 0, print_mention, o);
}

static es_err fill_notes(es_store_t *s, cli_out *o, void *ud)
{
    return es_case_notes(s, *(int64_t *)ud, NULL, print_note, o);
}

/* ---- earshot case ------------------------------------------------------------------ */

static int case_list(es_store_t *s, const args *a)
{
    es_case_filter f = {.status = a->status,
                        .location = a->location,
                        .brand = a->brand,
                        .q = a->q,
                        .limit = (size_t)a->limit,
                        .offset = (size_t)a->offset};
    if (a->team && team_id(s, "case", a->team, &f.team_id))
        return CLI_USAGE;
    if (a->assignee) {
        if (user_id(s, "case", a->assignee, &f.assignee_id))
            return CLI_USAGE;
        if (f.assignee_id == 0)
            f.assignee_id = -1;
    }
    return with_out(a->out, case_cols, N_CASE_COLS, s, "case", fill_list, &f);
}

static int case_change(es_store_t *s, int64_t id, const es_case_change *c)
{
    es_err rc = es_case_update(s, id, NULL, c, NULL, 0);
    if (rc) {
        fprintf(stderr, "earshot case: %s\n", es_store_errmsg(s));
        return rc == ES_ENOTFOUND || rc == ES_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    return CLI_OK;
}

static int case_tag(es_store_t *s, int64_t id, const args *a)
{
    const char *add[MAX_TAGS], *rm[MAX_TAGS];
    es_case_change c;
    es_case_change_init(&c);
    c.tags_add = add;
    c.tags_remove = rm;
    for (int i = 1; i < a->argc; i++) {
        const char *t = a->argv[i];
        if ((t[0] != '+' && t[0] != '-') || c.n_tags_add + c.n_tags_remove == MAX_TAGS)
            return cli_usage("case", "tags are given as +TAG or -TAG (at most %d)", MAX_TAGS);
        if (t[0] == '+')
            add[c.n_tags_add++] = t + 1;
        else
            rm[c.n_tags_remove++] = t + 1;
    }
    if (c.n_tags_add + c.n_tags_remove == 0)
        return cli_usage("case", "tag wants +TAG or -TAG");
    return case_change(s, id, &c);
}

static int case_show(es_store_t *s, int64_t id, const args *a)
{
    int st = with_out(a->out, case_cols, N_CASE_COLS, s, "case", fill_case, &id);
    if (st == CLI_OK) {
        if (a->out == CLI_OUT_TABLE)
            puts("");
        st = with_out(a->out, mention_cols, sizeof mention_cols / sizeof *mention_cols, s, "case",
                      fill_mentions, &id);
    }
    if (st == CLI_OK) {
        if (a->out == CLI_OUT_TABLE)
            puts("");
        st = with_out(a->out, note_cols, sizeof note_cols / sizeof *note_cols, s, "case",
                      fill_notes, &id);
    }
    return st;
}

static int case_thread(es_store_t *s, const cli_ctx *ctx, const args *a)
{
    /* A backlog is threaded in larger transactions than the server's
     * follow-up uses (it keeps the write lock short for the webhooks). */
    es_case_opts o = {.window = a->window_hours * 3600, .chunk = 1024};
    size_t n = 0;
    if (es_case_thread_pending(s, &o, 0, &n)) {
        fprintf(stderr, "earshot case: %s\n", es_store_errmsg(s));
        return CLI_FAIL;
    }
    if (!ctx->quiet)
        fprintf(stderr, "threaded %zu mentions\n", n);
    return CLI_OK;
}

/* The actions that take a case id and one more argument. */
static int case_act(es_store_t *s, const char *act, const args *a)
{
    int64_t id, other;
    if (a->argc < 1 || case_arg("case", a->argv[0], &id))
        return a->argc < 1 ? cli_usage("case", "%s wants a case id", act) : CLI_USAGE;
    if (strcmp(act, "show") == 0)
        return case_show(s, id, a);
    if (strcmp(act, "tag") == 0)
        return case_tag(s, id, a);
    if (a->argc != 2)
        return cli_usage("case", "%s wants a case id and one more argument", act);
    const char *v = a->argv[1];
    es_case_change c;
    es_case_change_init(&c);
    if (strcmp(act, "assign") == 0) {
        if (user_id(s, "case", v, &c.assignee_id))
            return CLI_USAGE;
        return case_change(s, id, &c);
    }
    if (strcmp(act, "status") == 0) {
        c.status = v;
        return case_change(s, id, &c);
    }
    if (strcmp(act, "note") == 0) {
        if (es_case_note_add(s, id, NULL, NULL, v, 0, NULL) == ES_OK)
            return CLI_OK;
    } else if (strcmp(act, "merge") == 0) {
        if (case_arg("case", v, &other))
            return CLI_USAGE;
        if (es_case_merge(s, id, other, NULL, NULL, 0) == ES_OK)
            return CLI_OK;
    } else {
        return cli_usage("case", "unknown action '%s'", act);
    }
    fprintf(stderr, "earshot case: %s\n", es_store_errmsg(s));
    return CLI_USAGE;
}

/* See cli.h. */
int cmd_case(cli_ctx *ctx, int argc, char **argv)
{
    args a;
    if (argc < 2)
        return cli_usage("case", "an action is needed (list, next, show, ...)");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cli_help(case_help);
    const char *act = argv[1];
    int st = parse("case", case_help, argc - 1, argv + 1, &a);
    if (st)
        return st < 0 ? CLI_OK : st;
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    if (strcmp(act, "list") == 0) {
        st = a.argc ? cli_usage("case", "list takes no arguments") : case_list(s, &a);
    } else if (strcmp(act, "next") == 0) {
        next_req r = {0, (size_t)a.limit};
        if (!a.user)
            st = cli_usage("case", "next wants --user");
        else if (user_id(s, "case", a.user, &r.user))
            st = CLI_USAGE;
        else
            st = with_out(a.out, case_cols, N_CASE_COLS, s, "case", fill_next, &r);
    } else if (strcmp(act, "thread") == 0) {
        st = case_thread(s, ctx, &a);
    } else {
        st = case_act(s, act, &a);
    }
    es_store_close(s);
    return st;
}

/* ---- earshot team --------------------------------------------------------------------- */

static const char *const team_cols[] = {"id", "name", "assign", "triage", "members"};

static void print_team(const es_team *t, void *ud)
{
    cli_out *o = ud;
    cli_out_int(o, t->id);
    cli_out_str(o, t->name);
    cli_out_str(o, t->assign);
    cli_out_bool(o, t->triage);
    cli_out_int(o, t->members);
    cli_out_end_row(o);
}

static es_err fill_teams(es_store_t *s, cli_out *o, void *ud)
{
    return es_team_list(s, print_team, o);
}

static const char *const member_cols[] = {"team", "user_id", "user", "capacity", "load"};

static void print_member(const es_team_member *m, void *ud)
{
    cli_out *o = ud;
    cli_out_int(o, m->team_id);
    cli_out_int(o, m->user_id);
    cli_out_str(o, m->name);
    cli_out_int(o, m->capacity);
    cli_out_int(o, m->load);
    cli_out_end_row(o);
}

static es_err fill_members(es_store_t *s, cli_out *o, void *ud)
{
    return es_team_members(s, *(int64_t *)ud, print_member, o);
}

static int team_run(es_store_t *s, const char *act, const args *a)
{
    int64_t team = 0, user = 0;
    es_err rc;
    if (strcmp(act, "list") == 0)
        return with_out(a->out, team_cols, 5, s, "team", fill_teams, NULL);
    if (strcmp(act, "add") == 0) {
        if (a->argc != 1)
            return cli_usage("team", "add wants a NAME");
        rc = es_team_add(s, a->argv[0], a->assign, a->triage, NULL, &team);
        if (rc == ES_OK)
            printf("%lld\n", (long long)team);
    } else if (strcmp(act, "member") == 0) {
        if (a->argc < 1 || a->argc > 2)
            return cli_usage("team", "member wants TEAM [USER]");
        if (team_id(s, "team", a->argv[0], &team))
            return CLI_USAGE;
        if (a->argc == 1)
            return with_out(a->out, member_cols, 5, s, "team", fill_members, &team);
        if (user_id(s, "team", a->argv[1], &user) || user == 0)
            return CLI_USAGE;
        rc = es_team_member_add(s, team, user, (int)a->capacity, NULL);
    } else {
        return cli_usage("team", "unknown action '%s'", act);
    }
    if (rc == ES_OK)
        return CLI_OK;
    fprintf(stderr, "earshot team: %s\n", es_store_errmsg(s));
    return rc == ES_EEXIST || rc == ES_EINVAL ? CLI_USAGE : CLI_FAIL;
}

/* See cli.h. */
int cmd_team(cli_ctx *ctx, int argc, char **argv)
{
    args a;
    if (argc < 2)
        return cli_usage("team", "an action is needed (add, list, member)");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cli_help(team_help);
    int st = parse("team", team_help, argc - 1, argv + 1, &a);
    if (st)
        return st < 0 ? CLI_OK : st;
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    st = team_run(s, argv[1], &a);
    es_store_close(s);
    return st;
}

/* ---- earshot route ---------------------------------------------------------------------- */

static const char *const route_cols[] = {"id",       "priority", "name",    "team_id",
                                         "intent",   "topic",    "keyword", "query",
                                         "brand_id", "location", "lang",    "department"};

static void print_route(const es_route_rule *r, void *ud)
{
    cli_out *o = ud;
    cli_out_int(o, r->id);
    cli_out_int(o, r->priority);
    cli_out_str(o, r->name);
    cli_out_int(o, r->team_id);
    cli_out_str(o, r->intent);
    cli_out_str(o, r->topic);
    cli_out_str(o, r->keyword);
    cli_out_int(o, r->query_id);
    cli_out_int(o, r->brand_id);
    cli_out_str(o, r->location);
    cli_out_str(o, r->lang);
    cli_out_str(o, r->department);
    cli_out_end_row(o);
}

static es_err fill_routes(es_store_t *s, cli_out *o, void *ud)
{
    return es_route_list(s, print_route, o);
}

static int route_run(es_store_t *s, const char *act, const args *a)
{
    if (strcmp(act, "list") == 0)
        return with_out(a->out, route_cols, sizeof route_cols / sizeof *route_cols, s, "route",
                        fill_routes, NULL);
    if (strcmp(act, "add") != 0)
        return cli_usage("route", "unknown action '%s'", act);
    es_route_rule r = {.name = a->name,
                       .priority = (int)a->priority,
                       .intent = a->intent,
                       .topic = a->topic,
                       .keyword = a->keyword,
                       .query_id = a->query,
                       .location = a->location,
                       .lang = a->lang,
                       .department = a->department};
    if (!a->team || a->argc)
        return cli_usage("route", "add wants --team and conditions, no arguments");
    if (team_id(s, "route", a->team, &r.team_id))
        return CLI_USAGE;
    if (a->brand) {
        uint32_t b;
        if (es_store_brand_find(s, a->brand, &b)) {
            fprintf(stderr, "earshot route: no brand '%s'\n", a->brand);
            return CLI_USAGE;
        }
        r.brand_id = b;
    }
    int64_t id = 0;
    es_err rc = es_route_add(s, &r, NULL, &id);
    if (rc) {
        fprintf(stderr, "earshot route: %s\n", es_store_errmsg(s));
        return rc == ES_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    printf("%lld\n", (long long)id);
    return CLI_OK;
}

/* See cli.h. */
int cmd_route(cli_ctx *ctx, int argc, char **argv)
{
    args a;
    if (argc < 2)
        return cli_usage("route", "an action is needed (add, list)");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cli_help(route_help);
    int st = parse("route", route_help, argc - 1, argv + 1, &a);
    if (st)
        return st < 0 ? CLI_OK : st;
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    st = route_run(s, argv[1], &a);
    es_store_close(s);
    return st;
}
