/*
 * rules.c - es_alert_rule_add: checks a rule before the store keeps it
 * (its kind's required parts, its listening query parsed with the query
 * language of listen.h so that a malformed one is refused with the position
 * and the reason, its brand and destinations known) and fills the
 * documented defaults. Called by `earshot alert rule add` and POST
 * /api/v1/alert-rules.
 */
#include <stdio.h>
#include <string.h>

#include "alert/engine.h"
#include "earshot/listen.h"

#define MAX_NAMES 1024 /* bytes of a rule's destination list */

typedef struct dest_check {
    const char *want; /* one name */
    size_t len;
    int found;
} dest_check;

static void dest_cb(const es_alert_dest *d, void *ud)
{
    dest_check *c = ud;
    if (strlen(d->name) == c->len && strncasecmp(d->name, c->want, c->len) == 0)
        c->found = 1;
}

/* Every name of the comma-separated list must be a destination. */
static es_err check_dests(es_store_t *s, const char *list, const char *what)
{
    if (!list)
        return ES_OK;
    if (strlen(list) > MAX_NAMES)
        return es__store_fail(s, ES_EINVAL, "%s: the list is too long", what);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        const char *q = p;
        size_t l = len;
        while (l && *q == ' ')
            q++, l--;
        while (l && q[l - 1] == ' ')
            l--;
        if (l) {
            dest_check c = {q, l, 0};
            es_err rc = es_alert_dest_list(s, dest_cb, &c);
            if (rc)
                return rc;
            if (!c.found)
                return es__store_fail(s, ES_EINVAL, "%s: no destination named '%.*s'", what,
                                      (int)(l > 100 ? 100 : l), q);
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return ES_OK;
}

/* Fills the defaults of the rule's kind into *r. */
static void defaults(es_alert_rule *r)
{
    if (r->threshold == 0) {
        if (r->kind == ES_ALERT_NEGATIVE || r->kind == ES_ALERT_INCIDENT)
            r->threshold = -0.5;
        else if (r->kind == ES_ALERT_SPIKE)
            r->threshold = 3;
    }
    if (r->min_count == 0)
        r->min_count = r->kind == ES_ALERT_SPIKE ? 10 : (r->kind == ES_ALERT_INCIDENT ? 3 : 0);
    if (r->period == 0)
        r->period = 3600;
    if (r->baseline == 0)
        r->baseline = 12;
    if (r->cooldown == 0)
        r->cooldown = r->period;
}

/* The kind's own requirements. */
static es_err check_kind(es_store_t *s, const es_alert_rule *r)
{
    if (r->kind == ES_ALERT_WORDS && (!r->query || !*r->query))
        return es__store_fail(s, ES_EINVAL, "a words rule needs a query (--query)");
    if (r->kind == ES_ALERT_DIGEST && (!r->dests || !*r->dests))
        return es__store_fail(s, ES_EINVAL, "a digest rule needs destinations (--dests)");
    if (r->kind == ES_ALERT_DIGEST && r->period != 3600 && r->period != 86400)
        return es__store_fail(s, ES_EINVAL, "a digest's period is 3600 (hourly) or 86400 (daily)");
    if (r->period < 60 || r->period > 7 * 86400)
        return es__store_fail(s, ES_EINVAL, "period must be between 60 s and 7 days");
    if (r->kind == ES_ALERT_SPIKE && (r->baseline < 1 || r->baseline * r->period > 14 * 86400))
        return es__store_fail(s, ES_EINVAL, "baseline must be 1 or more periods, at most 14 days");
    if (r->cooldown < 0 || r->escalate_after < 0 || r->max_per_hour < 0 || r->min_count < 0)
        return es__store_fail(s, ES_EINVAL, "negative durations or counts are not allowed");
    if (r->escalate_after > 0 && (!r->escalate_to || !*r->escalate_to))
        return es__store_fail(s, ES_EINVAL, "escalate_after needs escalation destinations");
    return ES_OK;
}

/* See alert.h. */
es_err es_alert_rule_add(es_store_t *s, const es_alert_rule *in, int64_t actor_user_id,
                         int64_t *id)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->alerts : NULL, "adding an alert rule");
    if (rc)
        return rc;
    if (!in || !in->name || !*in->name || strlen(in->name) > 200 ||
        (unsigned)in->kind >= ES_ALERT_KIND_COUNT)
        return es__store_fail(s, ES_EINVAL, "adding an alert rule: a name (at most 200 bytes) "
                                            "and a kind are needed");
    es_alert_rule r = *in;
    defaults(&r);
    rc = check_kind(s, &r);
    if (rc)
        return rc;
    if (r.query && *r.query) {
        es_query_t *q = NULL;
        es_query_error err = {0};
        rc = es_query_parse(r.query, &q, &err);
        es_query_free(q);
        if (rc == ES_EPARSE)
            return es__store_fail(s, ES_EINVAL, "the query is refused at column %d: %s",
                                  err.column, err.reason);
        if (rc)
            return es__store_fail(s, rc, "checking the query: %s", es_strerror(rc));
    }
    if (r.brand && *r.brand) {
        uint32_t bid = 0;
        rc = es_store_brand_find(s, r.brand, &bid);
        if (rc == ES_ENOTFOUND)
            return es__store_fail(s, ES_EINVAL, "no brand named '%.100s'", r.brand);
        if (rc)
            return rc;
    }
    rc = check_dests(s, r.dests, "dests");
    if (!rc)
        rc = check_dests(s, r.escalate_to, "escalate_to");
    if (rc)
        return rc;
    return es__alert_rule_put(s, &r, actor_user_id, id);
}
