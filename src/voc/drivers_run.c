/*
 * drivers_run.c - the key-driver report over a store (drivers.h:
 * es_drivers_analyze): loads the survey's responses once (voc_data.c),
 * fits the scope and then each region under it, at every level of the
 * region paths. Called by the `earshot drivers` command and GET
 * /api/v1/drivers.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "voc/voc_int.h"

/* A growing list of region paths. */
typedef struct paths {
    char (*v)[ES_LOCATION_KEY_MAX + 1];
    size_t n, cap;
} paths;

/* Adds path to ps unless it is there; 0, or -1 when out of memory. */
static int paths_add(paths *ps, const char *path, size_t len)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strlen(ps->v[i]) == len && strncmp(ps->v[i], path, len) == 0)
            return 0;
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        void *v = realloc(ps->v, cap * sizeof *ps->v);
        if (!v)
            return -1;
        ps->v = v;
        ps->cap = cap;
    }
    memcpy(ps->v[ps->n], path, len);
    ps->v[ps->n++][len] = '\0';
    return 0;
}

/* Orders region paths as strings ("eu/" before "eu/de/"). */
static int path_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Every region path (each level) of the locations of d that lies strictly
 * under scope, sorted. */
static int region_paths(const es__voc_data *d, const char *scope, paths *ps)
{
    size_t skip = strlen(scope);
    for (size_t i = 0; i < d->n_locs; i++) {
        const char *r = d->locs[i].region;
        for (size_t k = skip; r[k]; k++)
            if (r[k] == '/' && paths_add(ps, r, k + 1))
                return -1;
    }
    if (ps->n)
        qsort(ps->v, ps->n, sizeof *ps->v, path_cmp);
    return 0;
}

/* See drivers.h. */
es_err es_drivers_analyze(es_store_t *s, const es_drivers_opts *o, es_drivers_report **out)
{
    es_drivers_opts def = {0};
    o = o ? o : &def;
    const char *scope = o->region ? o->region : "";
    es_drivers_target t = o->target ? o->target : ES_DRIVERS_PROMOTER;
    if (!out || !es_drivers_target_name(t))
        return ES_EINVAL;
    if (*scope && scope[strlen(scope) - 1] != '/')
        return es__store_fail(s, ES_EINVAL, "a region is a path ending in '/', such as \"eu/\"");
    es__voc_data *d = NULL;
    es_err rc = es__voc_load(s, o->survey_id, scope, &d);
    if (rc)
        return rc;
    if ((t == ES_DRIVERS_OVERALL && !d->has_overall) ||
        (t == ES_DRIVERS_PROMOTER && !d->has_recommend)) {
        rc = es__store_fail(s, ES_EINVAL, "survey '%s' does not ask the %s question",
                            d->survey_name, t == ES_DRIVERS_OVERALL ? "overall" : "recommend");
        es__voc_free(d);
        return rc;
    }
    paths ps = {0};
    es_drivers_report *r = calloc(1, sizeof *r);
    if (!r || (!o->no_regions && region_paths(d, scope, &ps)))
        goto oom;
    r->groups = calloc(ps.n + 1, sizeof *r->groups);
    if (!r->groups)
        goto oom;
    r->target = t;
    r->survey_id = d->survey_id;
    memcpy(r->survey_name, d->survey_name, sizeof r->survey_name);
    r->n_drivers = d->p;
    for (size_t g = 0; g <= ps.n; g++) {
        if (es__voc_fit(d, t, g ? ps.v[g - 1] : scope, &r->groups[g]))
            goto oom;
        r->n_groups++;
    }
    free(ps.v);
    es__voc_free(d);
    *out = r;
    return ES_OK;
oom:
    free(ps.v);
    es__voc_free(d);
    es_drivers_report_free(r);
    return es__store_fail(s, ES_ENOMEM, "key-driver analysis: out of memory");
}

/* See drivers.h. */
void es_drivers_report_free(es_drivers_report *r)
{
    if (!r)
        return;
    free(r->groups);
    free(r);
}
