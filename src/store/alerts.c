/*
 * alerts.c - the store's alert functions: the public ones of alert.h that
 * only read or write the store (destinations, rules listed and removed,
 * alerts listed, read and acknowledged), the names of the rule kinds, and
 * the es__alert_* calls src/alert/ makes (alert_int.h). Each checks its
 * arguments and that the backend has the alert part, then dispatches
 * through s->ops->alerts. No SQL here.
 */
#include <string.h>

#include "store/alert_int.h"

static const char *const kind_names[ES_ALERT_KIND_COUNT] = {
    "negative", "words", "spike", "incident", "survey", "sla", "digest"};

/* See alert.h. */
const char *es_alert_kind_name(es_alert_kind k)
{
    return (unsigned)k < ES_ALERT_KIND_COUNT ? kind_names[k] : "unknown";
}

/* See alert.h. */
es_err es_alert_kind_parse(const char *name, es_alert_kind *out)
{
    for (int i = 0; name && i < ES_ALERT_KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (es_alert_kind)i;
            return ES_OK;
        }
    return ES_EINVAL;
}

#define PART(s, what)                                                                       \
    do {                                                                                    \
        es_err rc_ = es__store_part((s), (s) && (s)->ops ? (s)->ops->alerts : NULL, (what)); \
        if (rc_)                                                                            \
            return rc_;                                                                     \
    } while (0)

static int is_http_url(const char *t)
{
    return t && (strncmp(t, "http://", 7) == 0 || strncmp(t, "https://", 8) == 0) &&
           !strpbrk(t, " \t\r\n");
}

/* See alert.h. */
es_err es_alert_dest_add(es_store_t *s, const es_alert_dest *d, int64_t actor_user_id,
                         int64_t *id)
{
    PART(s, "adding a destination");
    if (!d || !d->name || !*d->name || !d->kind || !d->target || !*d->target)
        return es__store_fail(s, ES_EINVAL, "adding a destination: a name, a kind and a target "
                                            "are needed");
    if (strlen(d->name) > 200 || strlen(d->target) > 2000)
        return es__store_fail(s, ES_EINVAL, "adding a destination: name or target too long");
    if (strcmp(d->kind, "webhook") == 0) {
        if (!is_http_url(d->target))
            return es__store_fail(s, ES_EINVAL, "adding a destination: a webhook's target must "
                                                "be an http:// or https:// URL");
        if (!d->secret || strlen(d->secret) < 16)
            return es__store_fail(s, ES_EINVAL, "adding a destination: a webhook needs a secret "
                                                "of at least 16 characters (the HMAC key)");
    } else if (strcmp(d->kind, "email") == 0) {
        if (!strchr(d->target, '@') || strpbrk(d->target, " \t\r\n<>,"))
            return es__store_fail(s, ES_EINVAL, "adding a destination: not an email address");
    } else if (strcmp(d->kind, "sms") == 0) {
        if (strspn(d->target, "+0123456789") != strlen(d->target))
            return es__store_fail(s, ES_EINVAL, "adding a destination: an SMS target is a phone "
                                                "number (+ and digits)");
    } else {
        return es__store_fail(s, ES_EINVAL, "adding a destination: kind must be webhook, email "
                                            "or sms");
    }
    return s->ops->alerts->dest_add(s, d, actor_user_id, id);
}

/* See alert.h. */
es_err es_alert_dest_list(es_store_t *s, void (*cb)(const es_alert_dest *d, void *ud), void *ud)
{
    PART(s, "listing destinations");
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing destinations: no callback");
    return s->ops->alerts->dest_list(s, cb, ud);
}

/* See alert.h. */
es_err es_alert_dest_remove(es_store_t *s, const char *name, int64_t actor_user_id)
{
    PART(s, "removing a destination");
    if (!name || !*name)
        return es__store_fail(s, ES_EINVAL, "removing a destination: no name");
    return s->ops->alerts->dest_remove(s, name, actor_user_id);
}

/* See alert.h. */
es_err es_alert_rule_list(es_store_t *s, void (*cb)(const es_alert_rule *r, void *ud), void *ud)
{
    PART(s, "listing alert rules");
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing alert rules: no callback");
    return s->ops->alerts->rule_list(s, cb, ud);
}

/* See alert.h. */
es_err es_alert_rule_remove(es_store_t *s, const char *name, int64_t actor_user_id)
{
    PART(s, "removing an alert rule");
    if (!name || !*name)
        return es__store_fail(s, ES_EINVAL, "removing an alert rule: no name");
    return s->ops->alerts->rule_remove(s, name, actor_user_id);
}

/* See alert_int.h: the rule is checked by es_alert_rule_add (src/alert/). */
es_err es__alert_rule_put(es_store_t *s, const es_alert_rule *r, int64_t actor, int64_t *id)
{
    PART(s, "adding an alert rule");
    return s->ops->alerts->rule_add(s, r, actor, id);
}

/* See alert.h. */
es_err es_alert_list(es_store_t *s, const es_alert_filter *f,
                     void (*cb)(const es_alert *a, void *ud), void *ud)
{
    PART(s, "listing alerts");
    if (!f || !cb || (f->n_locations && !f->locations))
        return es__store_fail(s, ES_EINVAL, "listing alerts: no filter or callback");
    return s->ops->alerts->list(s, f, cb, ud);
}

/* See alert.h. */
es_err es_alert_get(es_store_t *s, int64_t id, void (*cb)(const es_alert *a, void *ud), void *ud)
{
    PART(s, "reading an alert");
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "reading an alert: no callback");
    return s->ops->alerts->get(s, id, cb, ud);
}

/* See alert.h. */
es_err es_alert_ack(es_store_t *s, int64_t id, int64_t user_id, int64_t token_id, int64_t now)
{
    PART(s, "acknowledging an alert");
    return s->ops->alerts->ack(s, id, user_id, token_id, now);
}

/* ---- for src/alert/ (alert_int.h) ----------------------------------------------- */

/* See alert_int.h. */
es_err es__alert_state_get(es_store_t *s, const char *key, int64_t *v)
{
    PART(s, "reading the alert state");
    return s->ops->alerts->state_get(s, key, v);
}

/* See alert_int.h. */
es_err es__alert_state_set(es_store_t *s, const char *key, int64_t v)
{
    PART(s, "writing the alert state");
    return s->ops->alerts->state_set(s, key, v);
}

/* See alert_int.h. */
es_err es__alert_mentions(es_store_t *s, int64_t after, size_t max,
                          void (*cb)(const es__alert_mention *, void *), void *ud)
{
    PART(s, "reading mentions for alerts");
    return s->ops->alerts->mentions(s, after, max, cb, ud);
}

/* See alert_int.h. */
es_err es__alert_max_mention(es_store_t *s, int64_t *id)
{
    PART(s, "reading the newest mention");
    return s->ops->alerts->max_mention(s, id);
}

/* See alert_int.h. */
es_err es__alert_put(es_store_t *s, const es__alert_new *a, int64_t now, int64_t *id, int *what)
{
    PART(s, "raising an alert");
    if (!a || !a->key || !a->title)
        return es__store_fail(s, ES_EINVAL, "raising an alert: a key and a title are needed");
    return s->ops->alerts->put(s, a, now, id, what);
}

/* See alert_int.h. */
es_err es__alert_fanout(es_store_t *s, int64_t alert_id, const char *purpose, const char *dests,
                        const char *location, const char *subject, const char *text,
                        const char *json, int64_t now_ms, size_t *n)
{
    PART(s, "writing the outbox");
    if (!purpose || !text || !json)
        return es__store_fail(s, ES_EINVAL, "writing the outbox: no purpose or body");
    return s->ops->alerts->fanout(s, alert_id, purpose, dests, location, subject, text, json,
                                  now_ms, n);
}

/* See alert_int.h. */
es_err es__alert_count_add(es_store_t *s, int64_t rule_id, const char *key, int64_t bucket,
                           int64_t n)
{
    PART(s, "counting volume");
    return s->ops->alerts->count_add(s, rule_id, key, bucket, n);
}

/* See alert_int.h. */
es_err es__alert_count_range(es_store_t *s, int64_t rule_id, const char *key, int64_t from,
                             int64_t to, int64_t *out)
{
    PART(s, "reading volume");
    return s->ops->alerts->count_range(s, rule_id, key, from, to, out);
}

/* See alert_int.h. */
es_err es__alert_count_prune(es_store_t *s, int64_t before_bucket)
{
    PART(s, "pruning volume counters");
    return s->ops->alerts->count_prune(s, before_bucket);
}

/* See alert_int.h. */
es_err es__alert_escalations(es_store_t *s, int64_t now,
                             void (*cb)(const es__alert_due *, void *), void *ud)
{
    PART(s, "finding escalations");
    return s->ops->alerts->escalations(s, now, cb, ud);
}

/* See alert_int.h. */
es_err es__alert_escalated(es_store_t *s, int64_t id, int64_t now)
{
    PART(s, "escalating");
    return s->ops->alerts->escalated(s, id, now);
}

/* See alert_int.h. */
es_err es__alert_in_range(es_store_t *s, const char *location, uint32_t brand_id, int64_t from,
                          int64_t to, size_t max, void (*cb)(const es_alert *, void *), void *ud)
{
    PART(s, "collecting a digest");
    return s->ops->alerts->in_range(s, location, brand_id, from, to, max, cb, ud);
}

/* See alert_int.h. */
es_err es__alert_claim(es_store_t *s, int64_t now_ms, int64_t lease_ms, size_t max,
                       void (*cb)(const es__alert_outrow *, void *), void *ud)
{
    PART(s, "claiming outbox rows");
    return s->ops->alerts->claim(s, now_ms, lease_ms, max, cb, ud);
}

/* See alert_int.h. */
es_err es__alert_done(es_store_t *s, int64_t id, int64_t now_ms, es__alert_outcome o,
                      int http_status, const char *error, int64_t next_at_ms)
{
    PART(s, "recording a delivery attempt");
    return s->ops->alerts->done(s, id, now_ms, o, http_status, error, next_at_ms);
}

/* See alert_int.h. */
es_err es__alert_next_due(es_store_t *s, int64_t *ms)
{
    PART(s, "reading the outbox");
    return s->ops->alerts->next_due(s, ms);
}

/* See alert_int.h. */
es_err es__alert_prompt(es_store_t *s)
{
    PART(s, "tuning lock waits");
    return s->ops->alerts->prompt ? s->ops->alerts->prompt(s) : ES_OK;
}
