/*
 * labels.c - the store's public functions for agents' corrections
 * (include/earshot/learn.h): es_store_label_add, which the inbox (issue 3)
 * and tests call when an agent changes a case's or a mention's sentiment,
 * intent or department, and es_store_labels_each, which `earshot train
 * --from-feedback` reads. Checks the arguments, then dispatches to the
 * backend's label operations (label_int.h); no SQL here.
 */
#include <string.h>

#include "store/label_int.h"

static const char *const tasks[] = {"sentiment", "intent", "department"};

/* The index of task in tasks[], or -1 (the store does not link src/learn/). */
static int task_index(const char *task)
{
    for (int i = 0; task && i < 3; i++)
        if (strcmp(task, tasks[i]) == 0)
            return i;
    return -1;
}

/* See learn.h. */
es_err es_store_label_add(es_store_t *s, const es_label_row *l, int64_t *id)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->labels : NULL, "adding a label");
    if (rc)
        return rc;
    int t = l ? task_index(l->task) : -1;
    if (t < 0)
        return es__store_fail(s, ES_EINVAL, "adding a label: the task must be sentiment, intent "
                                            "or department");
    if (!l->label || !*l->label || strlen(l->label) > ES_MAX_FIELD)
        return es__store_fail(s, ES_EINVAL, "adding a label: the label is empty or too long");
    if (l->mention_id <= 0 && l->case_id <= 0)
        return es__store_fail(s, ES_EINVAL, "adding a label: give a mention or a case");
    if (t == ES_TASK_SENTIMENT) {
        es_polarity p;
        if (es_polarity_parse(l->label, &p) != ES_OK)
            return es__store_fail(s, ES_EINVAL, "adding a label: '%s' is not a sentiment "
                                                "(negative, neutral, positive)", l->label);
    } else if (t == ES_TASK_INTENT) {
        es_intent i;
        if (es_intent_parse(l->label, &i) != ES_OK)
            return es__store_fail(s, ES_EINVAL, "adding a label: '%s' is not an intent", l->label);
    }
    return s->ops->labels->add(s, l, id);
}

/* See learn.h. */
es_err es_store_labels_each(es_store_t *s, const char *task,
                            int (*cb)(const es_label_example *e, void *ud), void *ud)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->labels : NULL, "reading labels");
    if (rc)
        return rc;
    if (task_index(task) < 0 || !cb)
        return es__store_fail(s, ES_EINVAL, "reading labels: unknown task or no callback");
    return s->ops->labels->each(s, task, cb, ud);
}
