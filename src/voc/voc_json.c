/*
 * voc_json.c - the JSON forms of the key-driver reports and of action plans
 * (drivers.h, plans.h), shared by `earshot drivers|plan --output json` and
 * the API (GET /api/v1/drivers, /api/v1/plans), so that both say the same
 * thing. A figure that cannot be estimated (NaN) is null.
 */
#include <math.h>

#include <jansson.h>

#include "earshot/drivers.h"
#include "earshot/plans.h"

/* A number, or null for NaN or an infinity. */
static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* One driver's figures. */
static json_t *coef_json(const es_driver_coef *c, int fitted)
{
    json_t *o =
        json_pack("{s:s, s:s, s:i}", "key", c->key, "label", c->label, "position", c->position);
    if (!o || !fitted)
        return o;
    json_object_set_new(o, "rank", json_integer(c->rank));
    json_object_set_new(o, "relative_weight", num(c->rw));
    json_object_set_new(o, "share", num(c->share));
    json_object_set_new(o, "beta", num(c->beta));
    json_object_set_new(o, "b", num(c->b));
    json_object_set_new(o, "se", num(c->se));
    json_object_set_new(o, "t", num(c->t));
    json_object_set_new(o, "p", num(c->p));
    json_object_set_new(o, "significant", isfinite(c->p) ? json_boolean(c->p < 0.05) : json_null());
    json_object_set_new(o, "mean", num(c->mean));
    json_object_set_new(o, "sd", num(c->sd));
    return o;
}

/* A fit's figures into o (fitted or not: the drivers are listed). */
static void fit_into(json_t *o, const es_drivers_fit *f, int fitted, const char *why)
{
    json_object_set_new(o, "n", json_integer((json_int_t)f->n));
    json_object_set_new(o, "fitted", json_boolean(fitted));
    json_object_set_new(o, "why", fitted ? json_null() : json_string(why));
    json_object_set_new(o, "r2", fitted ? num(f->r2) : json_null());
    json_object_set_new(o, "adj_r2", fitted ? num(f->adj_r2) : json_null());
    json_object_set_new(o, "rank_deficient", json_boolean(f->rank_deficient));
    json_t *a = json_array();
    for (size_t j = 0; a && j < f->p; j++)
        json_array_append_new(a, coef_json(&f->c[j], fitted));
    json_object_set_new(o, "drivers", a ? a : json_null());
}

/* See drivers.h. */
json_t *es_drivers_report_json(const es_drivers_report *r)
{
    json_t *groups = json_array();
    for (size_t g = 0; groups && g < r->n_groups; g++) {
        const es_drivers_group *x = &r->groups[g];
        json_t *o = json_pack("{s:s, s:I, s:I}", "region", x->region, "n_target",
                              (json_int_t)x->n_target, "n_dropped", (json_int_t)x->n_dropped);
        if (o)
            fit_into(o, &x->fit, x->fitted, x->why);
        json_array_append_new(groups, o ? o : json_null());
    }
    return json_pack("{s:s, s:s, s:{s:I, s:s}, s:o*}", "target", es_drivers_target_name(r->target),
                     "method", "ols; relative weights (Johnson)", "survey", "id",
                     (json_int_t)r->survey_id, "name", r->survey_name, "groups", groups);
}

/* See drivers.h. */
json_t *es_topics_report_json(const es_topics_report *r)
{
    json_t *brands = json_array();
    for (size_t b = 0; brands && b < r->n_brands; b++) {
        const es_topics_brand *x = &r->brands[b];
        json_t *o =
            json_pack("{s:s, s:I}", "brand", x->brand, "n_mentions", (json_int_t)x->n_mentions);
        if (o)
            fit_into(o, &x->fit, x->fitted, x->why);
        json_array_append_new(brands, o ? o : json_null());
    }
    return json_pack("{s:s, s:o*}", "target", "compound", "brands", brands);
}

/* Scores, or null when none was recorded. */
static json_t *scores_json(const es_plan_scores *s, int recorded)
{
    if (!recorded)
        return json_null();
    return json_pack("{s:o, s:I, s:o, s:I}", "mean", num(s->mean), "n_mean", (json_int_t)s->n_mean,
                     "csat", num(s->csat), "n_csat", (json_int_t)s->n_csat);
}

/* A time, or null for 0. */
static json_t *when(int64_t t)
{
    return t ? json_integer((json_int_t)t) : json_null();
}

/* See plans.h. */
json_t *es_plan_json(const es_plan *p)
{
    json_t *o = json_pack("{s:I, s:{s:I, s:s?, s:s?, s:s?}, s:{s:I, s:i, s:s?, s:s?}, s:s, s:i,"
                          " s:i}",
                          "id", (json_int_t)p->id, "location", "id", (json_int_t)p->location_id,
                          "key", p->location_key, "code", p->location_code, "name",
                          p->location_name, "driver", "survey_id", (json_int_t)p->survey_id,
                          "position", p->position, "key", p->driver_key, "label", p->driver_label,
                          "target", es_drivers_target_name(p->target), "rank", p->rank,
                          "driver_rank", p->driver_rank);
    if (!o)
        return NULL;
    json_object_set_new(o, "location_mean", num(p->location_mean));
    json_object_set_new(o, "top_quarter", num(p->top_quarter));
    json_object_set_new(o, "gap", num(p->gap));
    json_object_set_new(o, "importance", num(p->importance));
    json_object_set_new(o, "gain", num(p->gain));
    json_object_set_new(o, "text", json_string(p->text ? p->text : ""));
    json_object_set_new(o, "state", json_string(es_plan_state_name(p->state)));
    json_object_set_new(o, "created", when(p->created));
    json_object_set_new(o, "accepted_at", when(p->accepted_at));
    json_object_set_new(o, "accepted_by",
                        p->accepted_by ? json_integer(p->accepted_by) : json_null());
    json_object_set_new(o, "done_at", when(p->done_at));
    json_object_set_new(o, "done_by", p->done_by ? json_integer(p->done_by) : json_null());
    json_object_set_new(o, "at_accept", scores_json(&p->at_accept, p->accepted_at != 0));
    json_object_set_new(o, "at_done", scores_json(&p->at_done, p->state == ES_PLAN_DONE));
    json_object_set_new(o, "now",
                        scores_json(&p->now, p->accepted_at != 0 && p->state != ES_PLAN_DISMISSED));
    return o;
}
