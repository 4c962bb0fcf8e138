/*
 * sla.c - the store's public functions for SLAs and replies (sla.h,
 * reply.h): each checks its arguments and the backend's support
 * (es__store_part) and dispatches through the backend's es__sla_ops table.
 * No SQL here. Called by src/sla/ (the clock, the checker, replies and the
 * deliverer), the CLI and the HTTP API.
 */
#include <string.h>

#include "store/sla_int.h"

/* The part's table, after the common checks. */
#define PART(s, what)                                                                              \
    do {                                                                                           \
        es_err rc_ = es__store_part((s), (s) && (s)->ops ? (s)->ops->sla : NULL, (what));          \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

static const struct es__sla_ops *ops(es_store_t *s)
{
    return s->ops->sla;
}

static int bad_scope(const es_sla_scope *sc)
{
    return sc && !sc->all && sc->n_locations && !sc->locations;
}

/* See sla.h. */
es_err es_sla_policy_set(es_store_t *s, const es_sla_policy *p, int64_t user_id, int64_t *id)
{
    PART(s, "setting an SLA policy");
    if (!p || p->priority < 1 || p->priority > 4 || p->first_response < 0 || p->next_response < 0 ||
        p->resolution < 0)
        return es__store_fail(s, ES_EINVAL,
                              "setting an SLA policy: the priority must be 1-4 "
                              "and the targets 0 or more seconds");
    return ops(s)->policy_set(s, p, user_id, id);
}

/* See sla.h. */
es_err es_sla_policy_list(es_store_t *s, void (*cb)(const es_sla_policy *, void *), void *ud)
{
    PART(s, "listing SLA policies");
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing SLA policies: no callback");
    return ops(s)->policy_list(s, cb, ud);
}

/* See sla_int.h. */
es_err es__sla_calendar_save(es_store_t *s, const char *name, const char *spec, int64_t user_id,
                             int64_t *id)
{
    PART(s, "saving a calendar");
    if (!name || !*name || !spec || strlen(name) > 100 || strlen(spec) > ES_CAL_MAX_SPEC)
        return es__store_fail(s, ES_EINVAL,
                              "saving a calendar: a name (up to 100 bytes) and "
                              "a spec (up to %d) are needed",
                              ES_CAL_MAX_SPEC);
    return ops(s)->calendar_put(s, name, spec, user_id, id);
}

/* See sla.h. */
es_err es_sla_calendar_list(es_store_t *s, void (*cb)(const es_sla_calendar_row *, void *),
                            void *ud)
{
    PART(s, "listing calendars");
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing calendars: no callback");
    return ops(s)->calendar_list(s, cb, ud);
}

/* See sla.h. */
es_err es_sla_clocks(es_store_t *s, int64_t case_id, const es_sla_scope *scope,
                     void (*cb)(const es_sla_case *, void *), void *ud)
{
    PART(s, "reading SLA clocks");
    if (!cb || case_id < 0 || bad_scope(scope))
        return es__store_fail(s, ES_EINVAL, "reading SLA clocks: invalid arguments");
    return ops(s)->clocks(s, case_id, scope, cb, ud);
}

static int bad_event(const es_sla_event *ev)
{
    return !ev || ev->case_id <= 0 || !ev->clock || !ev->level;
}

/* See sla.h. */
es_err es_sla_mark(es_store_t *s, const es_sla_event *ev, int64_t now, int *fresh)
{
    PART(s, "marking an SLA event");
    if (bad_event(ev))
        return es__store_fail(s, ES_EINVAL, "marking an SLA event: invalid event");
    int f = 0;
    es_err rc = ops(s)->mark(s, ev, now, &f);
    if (fresh)
        *fresh = f;
    return rc;
}

/* See sla.h. */
es_err es_sla_marked(es_store_t *s, const es_sla_event *ev, int *marked)
{
    PART(s, "reading an SLA mark");
    if (bad_event(ev) || !marked)
        return es__store_fail(s, ES_EINVAL, "reading an SLA mark: invalid event");
    return ops(s)->marked(s, ev, marked);
}

/* See sla.h. */
es_err es_sla_samples(es_store_t *s, es_sla_by by, const es_sla_scope *scope, int64_t since,
                      int64_t until, void (*cb)(const es_sla_sample *, void *), void *ud)
{
    PART(s, "reading report samples");
    if (!cb || by < ES_SLA_BY_CHANNEL || by > ES_SLA_BY_FOLLOWERS || bad_scope(scope))
        return es__store_fail(s, ES_EINVAL, "reading report samples: invalid arguments");
    return ops(s)->samples(s, by, scope, since, until, cb, ud);
}

/* See reply.h. */
es_err es_reply_case_channel(es_store_t *s, int64_t case_id, const es_sla_scope *scope, char *buf,
                             size_t size)
{
    PART(s, "reading a case's channel");
    if (case_id <= 0 || !buf || size < 2 || bad_scope(scope))
        return es__store_fail(s, ES_EINVAL, "reading a case's channel: invalid arguments");
    return ops(s)->case_channel(s, case_id, scope, buf, size);
}

/* See reply.h. */
es_err es_reply_recent_fingerprints(es_store_t *s, uint64_t *fps, size_t max, size_t *n)
{
    PART(s, "reading recent replies");
    if (!fps || !n)
        return es__store_fail(s, ES_EINVAL, "reading recent replies: invalid arguments");
    *n = 0;
    return max ? ops(s)->recent_fp(s, fps, max, n) : ES_OK;
}

/* See reply.h. */
es_err es_reply_insert(es_store_t *s, es_reply *r, uint64_t fingerprint)
{
    PART(s, "recording a reply");
    if (!r || r->case_id <= 0 || !r->channel || !r->text || !*r->text)
        return es__store_fail(s, ES_EINVAL,
                              "recording a reply: a case, channel and text are "
                              "needed");
    return ops(s)->reply_insert(s, r, fingerprint);
}

/* See reply.h. */
es_err es_reply_list(es_store_t *s, int64_t case_id, const es_sla_scope *scope,
                     void (*cb)(const es_reply *, void *), void *ud)
{
    PART(s, "listing replies");
    if (case_id <= 0 || !cb || bad_scope(scope))
        return es__store_fail(s, ES_EINVAL, "listing replies: invalid arguments");
    return ops(s)->reply_list(s, case_id, scope, cb, ud);
}

/* See reply.h. */
es_err es_reply_endpoint_set(es_store_t *s, const char *channel, const char *url,
                             const char *secret, int64_t user_id)
{
    PART(s, "setting a channel endpoint");
    if (!channel || !*channel || !url ||
        (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) || strlen(url) > 2000)
        return es__store_fail(s, ES_EINVAL,
                              "setting a channel endpoint: a channel and an "
                              "http:// or https:// URL are needed");
    return ops(s)->endpoint_set(s, channel, url, secret && *secret ? secret : NULL, user_id);
}

/* See reply.h. */
es_err es_reply_outbox_due(es_store_t *s, int64_t now, size_t max, int64_t lease_until,
                           void (*cb)(const es_reply_job *, void *), void *ud)
{
    PART(s, "reading the reply outbox");
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "reading the reply outbox: no callback");
    return ops(s)->outbox_due(s, now, max ? max : 100, lease_until, cb, ud);
}

/* See reply.h. */
es_err es_reply_outbox_result(es_store_t *s, int64_t outbox_id, int delivered, const char *error,
                              int64_t now, int64_t next_try)
{
    PART(s, "recording a delivery");
    if (outbox_id <= 0)
        return es__store_fail(s, ES_EINVAL, "recording a delivery: no outbox row");
    return ops(s)->outbox_result(s, outbox_id, delivered, error, now, next_try);
}

/* See reply.h. */
es_err es_reply_outbox_next(es_store_t *s, int64_t *when)
{
    PART(s, "reading the reply outbox");
    if (!when)
        return es__store_fail(s, ES_EINVAL, "reading the reply outbox: no output");
    return ops(s)->outbox_next(s, when);
}
