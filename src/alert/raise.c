/*
 * raise.c - how an alert comes into being, whoever raises it: es__alert_emit
 * stores it (folded into a recent one of the same rule and key, or
 * throttled) and fans a new one out into the outbox; es_alert_raise is the
 * door for the other parts of earshot (the voice of the customer for a low
 * survey score, the SLA checker for a breach), which finds the rules of the
 * event's kind whose scope matches and raises one alert per rule, in one
 * transaction. The scanner (scan.c) uses es__alert_emit for mentions.
 */
#include <stdio.h>
#include <string.h>

#include "alert/engine.h"

/* See engine.h. */
es_err es__alert_emit(es_store_t *s, const es_alert_rule *r, const es__alert_new *a,
                      const char *brand, int64_t now, int *what)
{
    int64_t id = 0;
    es_err rc = es__alert_put(s, a, now, &id, what);
    if (rc || *what != ES__ALERT_NEW)
        return rc;
    es_alert al = {.id = id,
                   .rule_id = a->rule_id,
                   .rule = r ? r->name : NULL,
                   .kind = a->kind,
                   .status = "open",
                   .location = a->location,
                   .brand = brand,
                   .case_id = a->case_id,
                   .mention_id = a->mention_id,
                   .title = a->title,
                   .detail = a->detail,
                   .count = 1,
                   .created = now,
                   .updated = now};
    es__alert_msg msg;
    rc = es__alert_msg_alert(&al, "alert", &msg);
    if (rc)
        return es__store_fail(s, rc, "building an alert's message");
    rc = es__alert_fanout(s, id, "alert", r ? r->dests : NULL, a->location, msg.subject, msg.text,
                          msg.json, now * 1000, NULL);
    es__alert_msg_cleanup(&msg);
    return rc;
}

/* The rules of one kind, copied while the store lists them. */
typedef struct kind_rules {
    es_alert_kind kind;
    es_arena_t *a;
    es_alert_rule *r;
    size_t n, cap;
    size_t any; /* rules of the kind, enabled or not */
    int oom;
} kind_rules;

static void collect(const es_alert_rule *r, void *ud)
{
    kind_rules *k = ud;
    if (r->kind != k->kind || k->oom)
        return;
    k->any++;
    if (!r->enabled)
        return;
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 8;
        es_alert_rule *nr = es_arena_alloc(k->a, cap * sizeof *nr);
        if (!nr) {
            k->oom = 1;
            return;
        }
        if (k->n)
            memcpy(nr, k->r, k->n * sizeof *nr);
        k->r = nr;
        k->cap = cap;
    }
    es_alert_rule *d = &k->r[k->n];
    *d = *r;
    d->name = es_arena_strdup(k->a, r->name);
    d->brand = es_arena_strdup(k->a, r->brand);
    d->location = es_arena_strdup(k->a, r->location);
    d->topic = es_arena_strdup(k->a, r->topic);
    d->dests = es_arena_strdup(k->a, r->dests);
    d->query = NULL;
    d->escalate_to = es_arena_strdup(k->a, r->escalate_to);
    if (!d->name || (r->brand && !d->brand) || (r->location && !d->location) ||
        (r->dests && !d->dests) || (r->escalate_to && !d->escalate_to) ||
        (r->topic && !d->topic)) {
        k->oom = 1;
        return;
    }
    k->n++;
}

/* Whether rule r's scope takes event ev. */
static int in_scope(const es_alert_rule *r, const es_alert_event *ev)
{
    if (r->location && (!ev->location || strcmp(r->location, ev->location) != 0))
        return 0;
    if (r->brand && (!ev->brand || strcasecmp(r->brand, ev->brand) != 0))
        return 0;
    if (ev->kind == ES_ALERT_SURVEY && ev->score > r->threshold)
        return 0;
    return 1;
}

static es_err raise_all(es_store_t *s, const es_alert_event *ev, const kind_rules *k,
                        uint32_t brand_id, int64_t now, size_t *raised)
{
    es__alert_new a = {.kind = ev->kind,
                       .key = ev->key,
                       .location = ev->location,
                       .brand_id = brand_id,
                       .case_id = ev->case_id,
                       .mention_id = ev->mention_id,
                       .title = ev->title,
                       .detail = ev->detail};
    int what = 0;
    es_err rc = ES_OK;
    if (k->any == 0) { /* no rule of this kind: to the location's managers */
        a.since = now - 3600;
        rc = es__alert_emit(s, NULL, &a, ev->brand, now, &what);
        *raised += !rc && what == ES__ALERT_NEW;
        return rc;
    }
    for (size_t i = 0; !rc && i < k->n; i++) {
        const es_alert_rule *r = &k->r[i];
        if (!in_scope(r, ev))
            continue;
        a.rule_id = r->id;
        a.since = now - r->period;
        a.max_per_hour = r->max_per_hour;
        a.escalate_after = r->escalate_after;
        rc = es__alert_emit(s, r, &a, ev->brand, now, &what);
        *raised += !rc && what == ES__ALERT_NEW;
    }
    return rc;
}

/* See alert.h. */
es_err es_alert_raise(es_store_t *s, const es_alert_event *ev, int64_t now, size_t *raised)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->alerts : NULL, "raising an alert");
    if (rc)
        return rc;
    if (!ev || !ev->key || !*ev->key || !ev->title || !*ev->title ||
        (unsigned)ev->kind >= ES_ALERT_KIND_COUNT)
        return es__store_fail(s, ES_EINVAL, "raising an alert: a kind, a key and a title are "
                                            "needed");
    size_t n = 0;
    uint32_t brand_id = 0;
    kind_rules k = {.kind = ev->kind, .a = es_arena_new(0, 0)};
    if (!k.a)
        return ES_ENOMEM;
    if (ev->brand && *ev->brand) {
        rc = es_store_brand_find(s, ev->brand, &brand_id);
        if (rc == ES_ENOTFOUND)
            rc = ES_OK, brand_id = 0;
    }
    if (!rc)
        rc = es_store_begin(s);
    if (rc)
        goto out;
    rc = es_alert_rule_list(s, collect, &k);
    if (!rc && k.oom)
        rc = es__store_fail(s, ES_ENOMEM, "raising an alert: out of memory");
    if (!rc)
        rc = raise_all(s, ev, &k, brand_id, now, &n);
    if (!rc)
        rc = es_store_commit(s);
    if (rc)
        es_store_rollback(s);
out:
    es_arena_free(k.a);
    if (raised)
        *raised = rc ? 0 : n;
    return rc;
}
