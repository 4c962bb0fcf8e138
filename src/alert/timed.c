/*
 * timed.c - the alert work that depends on the clock, not on new mentions:
 * escalation (an open alert not acknowledged within its rule's
 * escalate_after goes once more, to the rule's escalation destinations) and
 * digests (every hour or day, one summary of the alerts in a digest rule's
 * scope, to its destinations). Run by es_alert_scan after the mentions, in
 * one transaction of its own, so it also runs when nothing new arrives (the
 * server calls the scanner at every tick).
 */
#include <stdio.h>
#include <string.h>

#include "alert/engine.h"

#define DIGEST_MAX 200 /* alerts listed in one digest */
#define ESC_MAX 500    /* escalations per run */

/* Alerts copied out of a listing. */
typedef struct alist {
    es_arena_t *a;
    es_alert *v;
    char **esc_to; /* escalations: the destination names */
    size_t n, cap;
    int oom;
} alist;

static const char *dup(alist *l, const char *s)
{
    if (!s)
        return NULL;
    const char *d = es_arena_strdup(l->a, s);
    if (!d)
        l->oom = 1;
    return d;
}

static void add_alert(alist *l, const es_alert *a, const char *esc_to)
{
    if (l->oom || l->n >= l->cap)
        return;
    es_alert *d = &l->v[l->n];
    *d = *a;
    d->rule = dup(l, a->rule);
    d->status = dup(l, a->status);
    d->location = dup(l, a->location);
    d->brand = dup(l, a->brand);
    d->title = dup(l, a->title);
    d->detail = dup(l, a->detail);
    l->esc_to[l->n] = (char *)dup(l, esc_to);
    if (!l->oom)
        l->n++;
}

static void on_alert(const es_alert *a, void *ud)
{
    add_alert(ud, a, NULL);
}

static void on_due(const es__alert_due *d, void *ud)
{
    add_alert(ud, &d->a, d->escalate_to);
}

static es_err list_init(alist *l, size_t cap)
{
    memset(l, 0, sizeof *l);
    l->a = es_arena_new(0, 0);
    l->v = l->a ? es_arena_alloc(l->a, cap * sizeof *l->v) : NULL;
    l->esc_to = l->v ? es_arena_alloc(l->a, cap * sizeof *l->esc_to) : NULL;
    l->cap = cap;
    return l->esc_to ? ES_OK : ES_ENOMEM;
}

static es_err escalate(es_store_t *s, int64_t now, size_t *made)
{
    alist l;
    es_err rc = list_init(&l, ESC_MAX);
    if (!rc)
        rc = es__alert_escalations(s, now, on_due, &l);
    if (!rc && l.oom)
        rc = ES_ENOMEM;
    for (size_t i = 0; !rc && i < l.n; i++) {
        es__alert_msg msg;
        size_t n = 0;
        rc = es__alert_msg_alert(&l.v[i], "escalation", &msg);
        if (rc)
            break;
        rc = es__alert_fanout(s, l.v[i].id, "escalation", l.esc_to[i], NULL, msg.subject,
                              msg.text, msg.json, now * 1000, &n);
        es__alert_msg_cleanup(&msg);
        if (!rc)
            rc = es__alert_escalated(s, l.v[i].id, now);
        *made += n;
    }
    es_arena_free(l.a);
    return rc;
}

static es_err digest(es_store_t *s, const es__alert_crule *c, int64_t now, size_t *made)
{
    char key[48];
    int64_t last = 0;
    snprintf(key, sizeof key, "digest:%lld", (long long)c->r.id);
    es_err rc = es__alert_state_get(s, key, &last);
    if (rc)
        return rc;
    if (last == 0) /* the first period starts now */
        return es__alert_state_set(s, key, now);
    if (now < last + c->r.period)
        return ES_OK;
    alist l;
    rc = list_init(&l, DIGEST_MAX);
    if (!rc)
        rc = es__alert_in_range(s, c->r.location, c->brand_id, last, now, DIGEST_MAX, on_alert,
                                &l);
    if (!rc && l.oom)
        rc = ES_ENOMEM;
    if (!rc && l.n > 0) {
        es__alert_msg msg;
        size_t n = 0;
        rc = es__alert_msg_digest(c->r.name, last, now, l.v, l.n, &msg);
        if (!rc) {
            rc = es__alert_fanout(s, 0, "digest", c->r.dests, NULL, msg.subject, msg.text,
                                  msg.json, now * 1000, &n);
            es__alert_msg_cleanup(&msg);
        }
        *made += n;
    }
    es_arena_free(l.a);
    return rc ? rc : es__alert_state_set(s, key, now);
}

/* See engine.h. Volume counters older than the longest baseline allowed
 * (14 days) plus a period (7 days) are pruned once an hour. */
es_err es__alert_timed(es_store_t *s, const es__alert_crule *rules, size_t n, int64_t now,
                       size_t *made)
{
    int64_t pruned = 0;
    *made = 0;
    es_err rc = es_store_begin(s);
    if (rc)
        return rc;
    rc = escalate(s, now, made);
    for (size_t i = 0; !rc && i < n; i++)
        if (rules[i].r.kind == ES_ALERT_DIGEST && rules[i].r.enabled)
            rc = digest(s, &rules[i], now, made);
    if (!rc)
        rc = es__alert_state_get(s, "pruned", &pruned);
    if (!rc && now - pruned >= 3600) {
        rc = es__alert_count_prune(s, (now - 21 * 86400) / ES__ALERT_BUCKET);
        if (!rc)
            rc = es__alert_state_set(s, "pruned", now);
    }
    if (!rc)
        rc = es_store_commit(s);
    if (rc) {
        es_store_rollback(s);
        *made = 0;
    }
    return rc;
}
