/*
 * audit.c - `earshot audit`: brand-audit and mystery-shopping checklists,
 * the audits of locations, and their scores with the trend (V7).
 *   earshot audit checklist add FILE|-      (JSON, see docs/locations.md)
 *   earshot audit checklist list [--output F]
 *   earshot audit add --file FILE|-
 *   earshot audit add --checklist NAME --location L --answers yes,no,3,na
 *                     [--date YYYY-MM-DD] [--auditor NAME] [--notes TEXT]
 *   earshot audit list [--location L] [--limit N] [--output F]
 *   earshot audit scores [--since D] [--until D] [--output F]
 * Thin: the work is the library's (audits.h). Called by main.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/util.h"
#include "earshot/audits.h"
#include "earshot/location.h"

#define DAY 86400

static const char *const help[] = {
    "usage: earshot [--db FILE] audit checklist add FILE|-",
    "       earshot [--db FILE] audit checklist list [--output F]",
    "       earshot [--db FILE] audit add --file FILE|-",
    "       earshot [--db FILE] audit add --checklist NAME --location L --answers A,B,...",
    "                          [--date YYYY-MM-DD] [--auditor NAME] [--notes TEXT]",
    "       earshot [--db FILE] audit list [--location L] [--limit N] [--output F]",
    "       earshot [--db FILE] audit scores [--since DAY] [--until DAY] [--output F]",
    "",
    "Answers, one per item in order: yes, no, a number of points, or n/a. The score is",
    "the weighted percentage of the points achieved, N/A items left out. scores gives",
    "each location's mean over [since, until) (default: the last 30 days) and over",
    "the period of the same length before, and the change. See docs/locations.md.",
    NULL};

typedef struct args {
    const char *file, *checklist, *location, *answers, *date, *auditor, *notes, *since, *until;
    long limit;
    cli_output out;
    int pos;
} args;

enum { O_FILE = 256, O_CHECKLIST, O_LOCATION, O_ANSWERS, O_DATE, O_AUDITOR, O_NOTES, O_SINCE,
       O_UNTIL, O_LIMIT, O_OUTPUT, O_HELP };

static int parse(int argc, char **argv, args *a)
{
    static const struct option opts[] = {
        {"file", 1, NULL, O_FILE}, {"checklist", 1, NULL, O_CHECKLIST},
        {"location", 1, NULL, O_LOCATION}, {"answers", 1, NULL, O_ANSWERS},
        {"date", 1, NULL, O_DATE}, {"auditor", 1, NULL, O_AUDITOR}, {"notes", 1, NULL, O_NOTES},
        {"since", 1, NULL, O_SINCE}, {"until", 1, NULL, O_UNTIL}, {"limit", 1, NULL, O_LIMIT},
        {"output", 1, NULL, O_OUTPUT}, {"help", 0, NULL, O_HELP}, {NULL, 0, NULL, 0}};
    const char **dst[] = {&a->file, &a->checklist, &a->location, &a->answers, &a->date,
                          &a->auditor, &a->notes, &a->since, &a->until};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c >= O_FILE && c <= O_UNTIL)
            *dst[c - O_FILE] = optarg;
        else if (c == O_LIMIT && cli_parse_long(optarg, 1, 100000, &a->limit) == 0)
            continue;
        else if (c == O_OUTPUT && cli_output_parse(optarg, &a->out) == 0)
            continue;
        else
            return c == O_HELP ? 2 : 1;
    }
    a->pos = optind;
    return 0;
}

/* Reads a whole file ("-": stdin) into a new NUL-terminated buffer. */
static char *slurp(const char *path, size_t *len)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t cap = (1u << 20) + 2;
    char *buf = fp ? es_malloc(cap) : NULL;
    if (buf) {
        *len = fread(buf, 1, cap - 1, fp);
        buf[*len] = '\0';
        if (ferror(fp) || *len == cap - 1) {
            es_free(buf);
            buf = NULL;
        }
    }
    if (fp && fp != stdin)
        fclose(fp);
    if (!buf)
        fprintf(stderr, "earshot audit: cannot read %s (or it is larger than 1 MiB)\n", path);
    return buf;
}

static int fail(es_store_t *s)
{
    fprintf(stderr, "earshot audit: %s\n", es_store_errmsg(s));
    return CLI_FAIL;
}

/* ---- checklists ------------------------------------------------------------------ */

static int checklist_add(es_store_t *s, const char *path)
{
    size_t len = 0;
    char *json = slurp(path, &len), err[256];
    if (!json)
        return CLI_FAIL;
    es_checklist_parsed p;
    int64_t id = 0;
    es_err rc = es_checklist_parse_json(json, len, &p, err, sizeof err);
    es_free(json);
    if (rc) {
        es_checklist_parsed_cleanup(&p);
        fprintf(stderr, "earshot audit: %s: %s\n", path, err);
        return CLI_FAIL;
    }
    rc = es_checklist_add(s, &p.c, 0, &id);
    es_checklist_parsed_cleanup(&p);
    if (rc)
        return fail(s);
    printf("%lld\n", (long long)id);
    return CLI_OK;
}

static void checklist_cb(const es_checklist *c, void *ud)
{
    cli_out *o = ud;
    double w = 0;
    for (size_t i = 0; i < c->n_items; i++)
        w += c->items[i].weight;
    cli_out_int(o, c->id);
    cli_out_str(o, c->name);
    cli_out_str(o, c->kind);
    cli_out_int(o, (long long)c->n_items);
    cli_out_num(o, w, 2);
    cli_out_end_row(o);
}

/* Finishes o; CLI_OK or CLI_FAIL. */
static int finish(cli_out *o, es_store_t *s, es_err rc)
{
    int bad = !o || cli_out_finish(o);
    cli_out_free(o);
    if (rc)
        return fail(s);
    return bad ? CLI_FAIL : CLI_OK;
}

static int checklist_list(es_store_t *s, const args *a)
{
    static const char *const cols[] = {"id", "name", "kind", "items", "total_weight"};
    cli_out *o = cli_out_new(stdout, a->out, cols, 5);
    return finish(o, s, o ? es_checklist_list(s, checklist_cb, o) : ES_ENOMEM);
}

/* ---- audits ------------------------------------------------------------------------ */

static void key_cb(const es_location *l, void *ud)
{
    snprintf(ud, ES_LOCATION_KEY_MAX + 1, "%s", l->key);
}

static void id_cb(const es_checklist *c, void *ud)
{
    *(int64_t *)ud = c->id;
}

/* Fills p from the flags (--checklist, --location, --answers ...). */
static int from_flags(const args *a, es_audit_parsed *p, int *answers)
{
    if (!a->checklist || !a->location || !a->answers)
        return -1;
    if (a->date && es_audit_day_parse(a->date, &p->a.date))
        return -1;
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", a->answers);
    size_t n = 0;
    for (char *save = NULL, *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (n == ES_CHECKLIST_MAX || es_audit_answer_word(w, &answers[n]))
            return -1;
        n++;
    }
    p->checklist = (char *)a->checklist;
    p->location = (char *)a->location;
    p->a.auditor = a->auditor;
    p->a.notes = a->notes;
    p->a.answers = answers;
    p->a.n_answers = n;
    return 0;
}

static int audit_add(es_store_t *s, const args *a)
{
    es_audit_parsed p = {0};
    int answers[ES_CHECKLIST_MAX];
    char err[256], key[ES_LOCATION_KEY_MAX + 1];
    int from_file = a->file != NULL;
    p.a.date = (int64_t)time(NULL);
    if (from_file) {
        size_t len = 0;
        char *json = slurp(a->file, &len);
        es_err rc = json ? es_audit_parse_json(json, len, &p, err, sizeof err) : ES_EIO;
        es_free(json);
        if (rc) {
            if (json)
                fprintf(stderr, "earshot audit: %s: %s\n", a->file, err);
            es_audit_parsed_cleanup(&p);
            return CLI_FAIL;
        }
    } else if (from_flags(a, &p, answers)) {
        return cli_usage("audit", "add needs --file, or --checklist, --location and --answers"
                                  " (yes, no, points or n/a, comma-separated; --date YYYY-MM-DD)");
    }
    es_err rc = es_location_find(s, p.location, key_cb, key);
    if (!rc && !p.a.checklist_id)
        rc = es_checklist_get(s, 0, p.checklist, id_cb, &p.a.checklist_id);
    int64_t id = 0;
    p.a.location = key;
    if (!rc)
        rc = es_audit_add(s, &p.a, &id);
    if (from_file)
        es_audit_parsed_cleanup(&p);
    if (rc)
        return fail(s);
    printf("%lld\n", (long long)id);
    return CLI_OK;
}

static void audit_cb(const es_audit *x, void *ud)
{
    cli_out *o = ud;
    char day[32];
    cli_out_int(o, x->id);
    cli_out_int(o, x->checklist_id);
    cli_out_str(o, x->location);
    cli_time_format(x->date, day, sizeof day);
    day[strcspn(day, "T")] = '\0'; /* the day only: "2026-11-20" */
    cli_out_str(o, day);
    cli_out_str(o, x->auditor ? x->auditor : "");
    if (x->has_score)
        cli_out_num(o, x->score, 1);
    else
        cli_out_str(o, "");
    cli_out_str(o, x->notes ? x->notes : "");
    cli_out_end_row(o);
}

static int audit_list(es_store_t *s, const args *a)
{
    static const char *const cols[] = {"id", "checklist_id", "location", "date", "auditor",
                                       "score", "notes"};
    char key[ES_LOCATION_KEY_MAX + 1];
    es_audit_filter f = {.all_locations = 1, .limit = (size_t)a->limit};
    if (a->location) {
        if (es_location_find(s, a->location, key_cb, key))
            return fail(s);
        f.location = key;
    }
    cli_out *o = cli_out_new(stdout, a->out, cols, 7);
    return finish(o, s, o ? es_audit_list(s, &f, audit_cb, o) : ES_ENOMEM);
}

static void score_cb(const es_audit_scores *r, void *ud)
{
    cli_out *o = ud;
    cli_out_str(o, r->location);
    cli_out_int(o, (long long)r->n);
    if (r->n)
        cli_out_num(o, r->mean, 1);
    else
        cli_out_str(o, "");
    cli_out_int(o, (long long)r->prev_n);
    if (r->prev_n)
        cli_out_num(o, r->prev_mean, 1);
    else
        cli_out_str(o, "");
    if (r->n && r->prev_n)
        cli_out_num(o, r->change, 1);
    else
        cli_out_str(o, "");
    cli_out_end_row(o);
}

static int audit_scores(es_store_t *s, const args *a)
{
    static const char *const cols[] = {"location", "n", "mean", "previous_n", "previous_mean",
                                       "change"};
    int64_t until = (int64_t)time(NULL), since;
    until = until - until % DAY + DAY;
    if ((a->until && es_audit_day_parse(a->until, &until)) ||
        (a->since && es_audit_day_parse(a->since, &since)))
        return cli_usage("audit", "--since and --until are days, YYYY-MM-DD");
    if (!a->since)
        since = until - 30 * DAY;
    es_audit_filter f = {.all_locations = 1};
    cli_out *o = cli_out_new(stdout, a->out, cols, 6);
    return finish(o, s, o ? es_audit_scores_list(s, &f, since, until, score_cb, o) : ES_ENOMEM);
}

int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
    args a = {0};
    int p = parse(argc, argv, &a);
    if (p == 2)
        return cli_help(help);
    const char *act = a.pos < argc ? argv[a.pos] : NULL;
    const char *sub = a.pos + 1 < argc ? argv[a.pos + 1] : NULL;
    const char *op = a.pos + 2 < argc ? argv[a.pos + 2] : NULL;
    if (p || !act)
        return cli_usage("audit", "an action is needed, or an option is wrong");
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    int rc = -1;
    if (strcmp(act, "checklist") == 0 && sub && strcmp(sub, "add") == 0 && op)
        rc = checklist_add(s, op);
    else if (strcmp(act, "checklist") == 0 && sub && strcmp(sub, "list") == 0)
        rc = checklist_list(s, &a);
    else if (strcmp(act, "add") == 0)
        rc = audit_add(s, &a);
    else if (strcmp(act, "list") == 0)
        rc = audit_list(s, &a);
    else if (strcmp(act, "scores") == 0)
        rc = audit_scores(s, &a);
    es_store_close(s);
    return rc < 0 ? cli_usage("audit", "unknown action or a missing operand") : rc;
}
