/*
 * check.c - the SLA service: saving calendars (checked here, since only
 * this module parses them), each case's due times for the triage rank and
 * the API (es_sla_due), and the SLA checker that the server's scheduler
 * runs every few seconds (es_sla_check): it predicts breaches (a target due
 * within the warning window) and reports breaches, raising each event once
 * through the alert engine (es_alert_raise) or a caller's function.
 */
#include <stdio.h>
#include <string.h>

#include "earshot/alert.h"
#include "earshot/cases.h"
#include "earshot/sla.h"
#include "store/sla_int.h"

/* See sla.h. */
es_err es_sla_calendar_put(es_store_t *s, const char *name, const char *spec, int64_t user_id,
                           int64_t *id)
{
    es_calendar c;
    char why[160];
    if (!s)
        return ES_EINVAL;
    if (!spec || es_calendar_parse(spec, &c, why, sizeof why))
        return es__store_fail(s, ES_EPARSE, "calendar '%.100s': %s", name ? name : "",
                              spec ? why : "no spec");
    return es__sla_calendar_save(s, name, spec, user_id, id);
}

typedef struct due_ctx {
    es_sla_dues *out;
    es_err rc;
} due_ctx;

static void due_cb(const es_sla_case *c, void *ud)
{
    due_ctx *d = ud;
    d->rc = es_sla_case_dues(c, d->out);
}

/* See sla.h. */
es_err es_sla_due(es_store_t *s, int64_t case_id, es_sla_dues *out)
{
    if (!out)
        return ES_EINVAL;
    memset(out, 0, sizeof *out);
    due_ctx d = {out, ES_OK};
    if (case_id <= 0)
        return es__store_fail(s, ES_EINVAL, "SLA due times: no case");
    es_err rc = es_sla_clocks(s, case_id, NULL, due_cb, &d);
    if (!rc && d.rc)
        rc = es__store_fail(s, d.rc, "case %lld: its SLA calendar no longer parses",
                            (long long)case_id);
    return rc;
}

/* ---- the checker --------------------------------------------------------------- */

/* The events found by one pass, collected before any is raised (raising
 * writes, and the clocks query is still reading). */
typedef struct found {
    es_sla_event *v;
    char **loc;
    size_t n, cap;
    int64_t (*due)[2]; /* every open case's next due time: {case, due} */
    size_t n_due, cap_due;
    int64_t now, warn;
    es_err rc;
} found;

static void add(found *f, const es_sla_case *c, const char *clock, int64_t due)
{
    if (!due || f->rc || due - f->now > f->warn)
        return;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        es_sla_event *v = es_realloc(f->v, cap * sizeof *v);
        if (v)
            f->v = v;
        char **l = v ? es_realloc(f->loc, cap * sizeof *l) : NULL;
        if (l)
            f->loc = l;
        if (!v || !l) {
            f->rc = ES_ENOMEM;
            return;
        }
        f->cap = cap;
    }
    char *loc = c->location ? es_strdup(c->location) : NULL;
    if (c->location && !loc) {
        f->rc = ES_ENOMEM;
        return;
    }
    f->loc[f->n] = loc;
    f->v[f->n++] = (es_sla_event){
        c->case_id, clock, due <= f->now ? "breach" : "warning", due, loc, c->priority, f->now};
}

/* Keeps the case's next due time for the queue (es_case_set_due). */
static void keep_due(found *f, int64_t id, int64_t next)
{
    if (f->rc)
        return;
    if (f->n_due == f->cap_due) {
        size_t cap = f->cap_due ? f->cap_due * 2 : 64;
        int64_t(*p)[2] = es_realloc(f->due, cap * sizeof *p);
        if (!p) {
            f->rc = ES_ENOMEM;
            return;
        }
        f->due = p;
        f->cap_due = cap;
    }
    f->due[f->n_due][0] = id;
    f->due[f->n_due++][1] = next;
}

static void check_cb(const es_sla_case *c, void *ud)
{
    found *f = ud;
    es_sla_dues d;
    if (es_sla_case_dues(c, &d))
        return; /* a calendar that no longer parses: no clock, nothing raised */
    keep_due(f, c->case_id, d.next);
    add(f, c, "first_response", d.first_response);
    add(f, c, "next_response", d.next_response);
    add(f, c, "resolution", d.resolution);
}

/* See sla.h. */
es_err es_sla_raise_alert(es_store_t *s, const es_sla_event *ev, void *ud)
{
    (void)ud;
    char key[128], title[200], detail[256];
    snprintf(key, sizeof key, "sla:case:%lld:%s:%s:%lld", (long long)ev->case_id, ev->clock,
             ev->level, (long long)ev->due);
    snprintf(title, sizeof title, "Case %lld: %s %s (%s)", (long long)ev->case_id,
             strcmp(ev->clock, "first_response") == 0  ? "first response"
             : strcmp(ev->clock, "next_response") == 0 ? "next response"
                                                       : "resolution",
             strcmp(ev->level, "breach") == 0 ? "SLA breached" : "SLA due soon",
             ev->location ? ev->location : "no location");
    snprintf(detail, sizeof detail,
             "{\"case_id\":%lld,\"clock\":\"%s\",\"level\":\"%s\",\"due\":%lld,\"priority\":%d}",
             (long long)ev->case_id, ev->clock, ev->level, (long long)ev->due, ev->priority);
    es_alert_event ae = {.kind = ES_ALERT_SLA,
                         .key = key,
                         .location = ev->location,
                         .case_id = ev->case_id,
                         .title = title,
                         .detail = detail};
    return es_alert_raise(s, &ae, ev->now, NULL);
}

/* See sla.h. */
es_err es_sla_check(es_store_t *s, int64_t now, int64_t warn, es_sla_raise_fn raise, void *ud,
                    size_t *raised)
{
    found f = {.now = now, .warn = warn < 0 ? 0 : warn};
    size_t count = 0;
    es_err first = ES_OK;
    if (raised)
        *raised = 0;
    if (!raise)
        raise = es_sla_raise_alert;
    es_err rc = es_sla_clocks(s, 0, NULL, check_cb, &f);
    if (!rc && f.rc)
        rc = es__store_fail(s, f.rc, "SLA check: out of memory");
    /* The queue ranks by the next due time: one transaction for all the
     * cases (an unchanged due time writes nothing). */
    if (!rc && f.n_due && !(rc = es_store_begin(s))) {
        for (size_t i = 0; !rc && i < f.n_due; i++) {
            rc = es_case_set_due(s, f.due[i][0], f.due[i][1]);
            if (rc == ES_ENOTFOUND) /* merged or gone since the read */
                rc = ES_OK;
        }
        if (rc)
            es_store_rollback(s);
        else
            rc = es_store_commit(s);
    }
    es_free(f.due);
    for (size_t i = 0; !rc && i < f.n; i++) {
        int marked = 0;
        rc = es_sla_marked(s, &f.v[i], &marked);
        if (rc || marked)
            continue;
        es_err r = raise(s, &f.v[i], ud);
        if (r) {
            if (!first)
                first = r;
            continue;
        }
        rc = es_sla_mark(s, &f.v[i], now, NULL);
        count++;
    }
    for (size_t i = 0; i < f.n; i++)
        es_free(f.loc[i]);
    es_free(f.loc);
    es_free(f.v);
    if (raised)
        *raised = count;
    return rc ? rc : first;
}
