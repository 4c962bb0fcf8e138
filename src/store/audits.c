/*
 * audits.c - the store's public functions for brand audits and mystery
 * shopping (include/earshot/audits.h): the checks of a checklist, the
 * score of an audit's answers, and the dispatch to the backend's audits
 * operations (audits_int.h). No SQL here. The score lives here, not in the
 * backend, so that every backend computes it the same way.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "store/audits_int.h"

/* See audits.h. */
es_err es_checklist_check(const es_checklist *c, char *err, size_t size)
{
    char why[160] = "";
    es_err rc = ES_EINVAL;
    if (!c || !c->name || !*c->name)
        snprintf(why, sizeof why, "a checklist needs a name");
    else if (strlen(c->name) > ES_CHECKLIST_NAME_MAX)
        snprintf(why, sizeof why, "the name is longer than %d bytes", ES_CHECKLIST_NAME_MAX),
            rc = ES_ELIMIT;
    else if (!c->kind || (strcmp(c->kind, "audit") != 0 && strcmp(c->kind, "mystery") != 0))
        snprintf(why, sizeof why, "the kind is \"audit\" or \"mystery\"");
    else if (c->n_items == 0 || !c->items)
        snprintf(why, sizeof why, "a checklist needs at least one item");
    else if (c->n_items > ES_CHECKLIST_MAX)
        snprintf(why, sizeof why, "more than %d items", ES_CHECKLIST_MAX), rc = ES_ELIMIT;
    for (size_t i = 0; !*why && i < c->n_items; i++) {
        const es_checklist_item *it = &c->items[i];
        if (!it->text || !*it->text)
            snprintf(why, sizeof why, "item %zu: the text is empty", i + 1);
        else if (strlen(it->text) > ES_CHECKLIST_TEXT_MAX)
            snprintf(why, sizeof why, "item %zu: the text is longer than %d bytes", i + 1,
                     ES_CHECKLIST_TEXT_MAX), rc = ES_ELIMIT;
        else if (!(it->weight > 0) || !isfinite(it->weight) || it->weight > 1e6)
            snprintf(why, sizeof why, "item %zu: the weight must be a number > 0 (at most 1e6)",
                     i + 1);
        else if (it->max_points < 1 || it->max_points > ES_CHECKLIST_POINTS_MAX ||
                 (it->yes_no && it->max_points != 1))
            snprintf(why, sizeof why, "item %zu: points are 1 to %d (yes/no is 1)", i + 1,
                     ES_CHECKLIST_POINTS_MAX);
    }
    if (!*why)
        return ES_OK;
    if (err && size)
        snprintf(err, size, "%s", why);
    return rc;
}

/* See audits.h. */
int es_audit_score(const es_checklist_item *items, const int *answers, size_t n, double *score)
{
    double got = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        if (answers[i] == ES_AUDIT_NA)
            continue;
        got += items[i].weight * (double)answers[i] / (double)items[i].max_points;
        total += items[i].weight;
    }
    if (total <= 0)
        return 0;
    *score = 100.0 * got / total;
    return 1;
}

/* Opens the part for `what`. */
static es_err part(es_store_t *s, const char *what)
{
    return es__store_part(s, s && s->ops ? s->ops->audits : NULL, what);
}

/* See audits.h. */
es_err es_checklist_add(es_store_t *s, const es_checklist *c, int64_t actor_user, int64_t *id)
{
    es_err rc = part(s, "adding a checklist");
    if (rc)
        return rc;
    char err[200];
    rc = es_checklist_check(c, err, sizeof err);
    if (rc)
        return es__store_fail(s, rc, "adding a checklist: %s", err);
    return s->ops->audits->checklist_add(s, c, actor_user, id);
}

/* See audits.h. */
es_err es_checklist_list(es_store_t *s, void (*cb)(const es_checklist *c, void *ud), void *ud)
{
    es_err rc = part(s, "listing checklists");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing checklists: no callback");
    return s->ops->audits->checklist_list(s, 0, NULL, cb, ud);
}

/* See audits.h. */
es_err es_checklist_get(es_store_t *s, int64_t id, const char *name,
                        void (*cb)(const es_checklist *c, void *ud), void *ud)
{
    es_err rc = part(s, "reading a checklist");
    if (rc)
        return rc;
    if (!cb || (id <= 0 && (!name || !*name)))
        return es__store_fail(s, ES_EINVAL, "reading a checklist: no id or name");
    return s->ops->audits->checklist_list(s, id > 0 ? id : 0, id > 0 ? NULL : name, cb, ud);
}

/* See audits.h. */
es_err es_audit_add(es_store_t *s, const es_audit *a, int64_t *id)
{
    es_err rc = part(s, "adding an audit");
    if (rc)
        return rc;
    if (!a || !a->location || !*a->location || a->checklist_id <= 0 ||
        (a->n_answers && !a->answers))
        return es__store_fail(s, ES_EINVAL, "adding an audit: it needs a checklist, a location"
                                            " and answers");
    if (a->n_answers > ES_CHECKLIST_MAX)
        return es__store_fail(s, ES_ELIMIT, "adding an audit: more than %d answers",
                              ES_CHECKLIST_MAX);
    if ((a->auditor && strlen(a->auditor) > ES_CHECKLIST_NAME_MAX) ||
        (a->notes && strlen(a->notes) > ES_AUDIT_NOTES_MAX))
        return es__store_fail(s, ES_ELIMIT, "adding an audit: the auditor (%d bytes) or the"
                              " notes (%d bytes) are too long", ES_CHECKLIST_NAME_MAX,
                              ES_AUDIT_NOTES_MAX);
    if (a->date < 0 || a->date > 253402300799LL)
        return es__store_fail(s, ES_EINVAL, "adding an audit: the date is out of range");
    return s->ops->audits->audit_add(s, a, id);
}

/* Checks a filter shared by the list and the scores. */
static es_err filter_ok(es_store_t *s, const es_audit_filter *f, const char *what)
{
    if (!f || (!f->all_locations && f->n_locations && !f->locations) || f->before_id < 0)
        return es__store_fail(s, ES_EINVAL, "%s: a bad filter", what);
    if (!f->all_locations && f->n_locations > 64)
        return es__store_fail(s, ES_ELIMIT, "%s: more than 64 scope entries", what);
    return ES_OK;
}

/* See audits.h. */
es_err es_audit_list(es_store_t *s, const es_audit_filter *f,
                     void (*cb)(const es_audit *a, void *ud), void *ud)
{
    es_err rc = part(s, "listing audits");
    if (!rc)
        rc = filter_ok(s, f, "listing audits");
    if (!rc && !cb)
        rc = es__store_fail(s, ES_EINVAL, "listing audits: no callback");
    return rc ? rc : s->ops->audits->audit_list(s, f, cb, ud);
}

/* See audits.h. */
es_err es_audit_scores_list(es_store_t *s, const es_audit_filter *f, int64_t since,
                            int64_t until, void (*cb)(const es_audit_scores *r, void *ud),
                            void *ud)
{
    es_err rc = part(s, "audit scores");
    if (!rc)
        rc = filter_ok(s, f, "audit scores");
    if (!rc && (!cb || until <= since || since < 0 || until - since > 100LL * 366 * 86400))
        rc = es__store_fail(s, ES_EINVAL, "audit scores: the period must end after it starts"
                                          " (and last at most 100 years)");
    return rc ? rc : s->ops->audits->scores(s, f, since, until, cb, ud);
}
