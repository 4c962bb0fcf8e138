/*
 * apply.c - puts learned models to work on an analysed mention
 * (es_learn_apply, learn.h), the same way for `earshot ingest` / `analyze`
 * (src/cli/pipeline.c) and for `earshot serve` (src/http/ingest.c): one set
 * of features serves every model; the sentiment and intent models' labels
 * replace the rules' and are recorded in the mention's rules; the
 * department model sets the department and its confidence.
 */
#include "earshot/learn.h"

/* The label the model predicts for f and its confidence, or NULL. */
static const char *predict(const es_learn_model_t *model, const es_learn_feat_t *f,
                           double *conf)
{
    if (!model)
        return NULL;
    int k = es_learn_predict(model, f, conf);
    return k >= 0 ? es_learn_model_label(model, (size_t)k) : NULL;
}

/* See learn.h. */
es_err es_learn_apply(const es_learn_model_t *const models[ES_TASK_COUNT], es_learn_feat_t *f,
                      es_mention_t *m, es_arena_t *a)
{
    double cs = 0, ci = 0, cd = 0;
    es_polarity pol;
    es_intent intent;
    if (!models[ES_TASK_SENTIMENT] && !models[ES_TASK_INTENT] && !models[ES_TASK_DEPARTMENT])
        return ES_OK;
    es_err rc = es_learn_features(f, m, a);
    if (rc)
        return rc;
    const char *s = predict(models[ES_TASK_SENTIMENT], f, &cs);
    const char *i = predict(models[ES_TASK_INTENT], f, &ci);
    const char *dep = predict(models[ES_TASK_DEPARTMENT], f, &cd);
    if (dep) {
        /* A copy: the model may be swapped out before the mention is stored. */
        if (!(m->department = es_arena_strdup(a, dep)))
            return ES_ENOMEM;
        m->department_conf = (float)cd;
    }
    if (s && es_polarity_parse(s, &pol) != ES_OK)
        s = NULL;
    if (i && es_intent_parse(i, &intent) != ES_OK)
        i = NULL;
    if (!s && !i)
        return ES_OK;
    const char *r = m->rules ? m->rules : "";
    if (s) {
        m->sentiment.label = pol;
        r = es_arena_printf(a, "%s%smodel:sentiment:%s:%.2f", r, *r ? ";" : "", s, cs);
    }
    if (i && r) {
        m->intent = intent;
        r = es_arena_printf(a, "%s%smodel:intent:%s:%.2f", r, *r ? ";" : "", i, ci);
    }
    if (!r)
        return ES_ENOMEM;
    m->rules = r;
    return ES_OK;
}
