/*
 * plans.c - the store's public functions of the "plans" part: the rows
 * key-driver analysis reads (include/earshot/drivers.h: es_drivers_rows,
 * es_drivers_topic_rows) and the action plans' rows
 * (include/earshot/plans.h). Checks the arguments, then dispatches to the
 * backend's plan operations (plan_int.h); no SQL here. The computing of
 * plans is in src/voc/plans.c.
 */
#include <math.h>
#include <string.h>

#include "store/plan_int.h"

static const char *const state_names[] = {NULL, "proposed", "accepted", "done", "dismissed"};

/* See plans.h. */
const char *es_plan_state_name(es_plan_state st)
{
    return st >= ES_PLAN_PROPOSED && st <= ES_PLAN_DISMISSED ? state_names[st] : NULL;
}

/* See plans.h. */
es_err es_plan_state_parse(const char *name, es_plan_state *out)
{
    for (int i = ES_PLAN_PROPOSED; name && i <= ES_PLAN_DISMISSED; i++)
        if (strcmp(name, state_names[i]) == 0) {
            *out = (es_plan_state)i;
            return ES_OK;
        }
    return ES_EINVAL;
}

/* See drivers.h. */
const char *es_drivers_target_name(es_drivers_target t)
{
    return t == ES_DRIVERS_OVERALL ? "overall" : t == ES_DRIVERS_PROMOTER ? "promoter" : NULL;
}

/* See drivers.h. */
es_err es_drivers_target_parse(const char *name, es_drivers_target *out)
{
    if (name && strcmp(name, "overall") == 0)
        *out = ES_DRIVERS_OVERALL;
    else if (name && strcmp(name, "promoter") == 0)
        *out = ES_DRIVERS_PROMOTER;
    else
        return ES_EINVAL;
    return ES_OK;
}

/* The part's check: s open, its backend with plans. */
static es_err part(es_store_t *s, const char *what)
{
    return es__store_part(s, s && s->ops ? s->ops->plans : NULL, what);
}

/* See drivers.h. */
es_err es_drivers_rows(es_store_t *s, int64_t survey_id, const char *region,
                       int (*cb)(const es_drivers_row *r, void *ud), void *ud)
{
    es_err rc = part(s, "reading responses");
    if (rc)
        return rc;
    if (!cb || survey_id < 0 || (region && strlen(region) > ES_LOCATION_KEY_MAX))
        return es__store_fail(s, ES_EINVAL, "reading responses: bad survey, region or callback");
    return s->ops->plans->rows(s, survey_id, region, cb, ud);
}

/* See drivers.h. */
es_err es_drivers_topic_rows(es_store_t *s, const char *brand,
                             int (*cb)(const es_topic_row *r, void *ud), void *ud)
{
    es_err rc = part(s, "reading mentions' topics");
    if (rc)
        return rc;
    if (!cb || (brand && strlen(brand) > ES_DRIVERS_NAME_MAX))
        return es__store_fail(s, ES_EINVAL, "reading mentions' topics: bad brand or callback");
    return s->ops->plans->topic_rows(s, brand, cb, ud);
}

/* See plans.h. */
es_err es_plan_scores_get(es_store_t *s, int64_t location_id, int64_t survey_id, int position,
                          int64_t since, int64_t until, es_plan_scores *out)
{
    es_err rc = part(s, "reading a location's scores");
    if (rc)
        return rc;
    if (!out || location_id <= 0 || survey_id < 0 || position < 1 ||
        position > ES_SURVEY_MAX_QUESTIONS)
        return es__store_fail(s, ES_EINVAL, "reading a location's scores: bad arguments");
    return s->ops->plans->scores(s, location_id, survey_id, position, since, until, out);
}

/* Checks one proposal's fields. */
static int plan_ok(const es_plan *p)
{
    return p->survey_id > 0 && p->position >= 1 && p->position <= ES_SURVEY_MAX_QUESTIONS &&
           es_drivers_target_name(p->target) && p->text && *p->text &&
           strlen(p->text) <= ES_PLAN_TEXT_MAX && isfinite(p->gap) && isfinite(p->importance) &&
           isfinite(p->gain) && isfinite(p->location_mean) && isfinite(p->top_quarter);
}

/* See plans.h. */
es_err es_plan_replace_proposed(es_store_t *s, int64_t location_id, const es_plan *plans, size_t n,
                                int64_t actor)
{
    es_err rc = part(s, "proposing plans");
    if (rc)
        return rc;
    if (location_id <= 0 || (n && !plans) || n > 16)
        return es__store_fail(s, ES_EINVAL, "proposing plans: bad location or plans");
    for (size_t i = 0; i < n; i++)
        if (!plan_ok(&plans[i]))
            return es__store_fail(s, ES_EINVAL, "proposing plans: plan %zu is incomplete", i + 1);
    return s->ops->plans->replace_proposed(s, location_id, plans, n, actor);
}

/* See plans.h. */
es_err es_plan_list(es_store_t *s, int64_t location_id, unsigned states,
                    void (*cb)(const es_plan *p, void *ud), void *ud)
{
    es_err rc = part(s, "listing plans");
    if (rc)
        return rc;
    if (!cb || location_id < 0)
        return es__store_fail(s, ES_EINVAL, "listing plans: bad location or callback");
    return s->ops->plans->list(s, location_id, 0, states, cb, ud, NULL);
}

/* See plans.h. */
es_err es_plan_get(es_store_t *s, int64_t id, void (*cb)(const es_plan *p, void *ud), void *ud)
{
    es_err rc = part(s, "reading a plan");
    if (rc)
        return rc;
    if (!cb || id <= 0)
        return es__store_fail(s, ES_EINVAL, "reading a plan: bad id or callback");
    size_t found = 0;
    rc = s->ops->plans->list(s, 0, id, 0, cb, ud, &found);
    if (rc == ES_OK && !found)
        return es__store_fail(s, ES_ENOTFOUND, "no plan %lld", (long long)id);
    return rc;
}

/* See plans.h. */
es_err es_plan_set_state(es_store_t *s, int64_t id, es_plan_state to, int64_t at, int64_t actor,
                         const es_plan_scores *sc)
{
    es_err rc = part(s, "changing a plan");
    if (rc)
        return rc;
    if (id <= 0 || to < ES_PLAN_ACCEPTED || to > ES_PLAN_DISMISSED || at <= 0)
        return es__store_fail(s, ES_EINVAL, "changing a plan: bad id, state or time");
    return s->ops->plans->set_state(s, id, to, at, actor, sc);
}
