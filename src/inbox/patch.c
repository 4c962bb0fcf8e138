/*
 * patch.c - the body of PATCH /api/v1/cases/{id} (api_cases.c), parsed into
 * an es_case_change: status, assignee_id, team_id, priority, tags
 * ({"add": [...], "remove": [...]}) and the corrections sentiment, intent
 * and department. Unknown fields, wrong types, strings with NUL bytes or
 * over their limits are refused with the reason; the names themselves
 * (a status, an intent) are checked by the store. Kept apart from the
 * handler so that tests and fuzz/fuzz_case_patch.c reach it directly.
 */
#include <jansson.h>
#include <string.h>

#include "inbox/inbox.h"

static const char *const keys[] = {"status",    "assignee_id", "team_id",    "priority", "tags",
                                   "sentiment", "intent",      "department", NULL};

/* See inbox.h. */
int es__inbox_opt_str(json_t *j, const char *key, size_t max, const char **out)
{
    json_t *v = json_object_get(j, key);
    *out = NULL;
    if (!v)
        return 1;
    if (!json_is_string(v) || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v))
        return 0;
    *out = json_string_value(v);
    return 1;
}

/* See inbox.h. */
int es__inbox_opt_id(json_t *j, const char *key, int64_t *out)
{
    json_t *v = json_object_get(j, key);
    if (!v)
        return 1;
    if (json_is_null(v)) {
        *out = 0;
        return 1;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return 0;
    *out = (int64_t)json_integer_value(v);
    return 1;
}

static const char *tags(json_t *t, es__case_patch *p)
{
    const char *k;
    json_t *arr;
    if (!json_is_object(t))
        return "tags is {\"add\": [...], \"remove\": [...]}";
    json_object_foreach(t, k, arr)
    {
        int add = strcmp(k, "add") == 0;
        size_t i;
        json_t *v;
        if ((!add && strcmp(k, "remove") != 0) || !json_is_array(arr) ||
            json_array_size(arr) > ES__PATCH_MAX_TAGS)
            return "tags is {\"add\": [...], \"remove\": [...]}, at most 32 each";
        json_array_foreach(arr, i, v)
        {
            if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
                return "tags are strings";
            if (add)
                p->tags_add[p->c.n_tags_add++] = json_string_value(v);
            else
                p->tags_remove[p->c.n_tags_remove++] = json_string_value(v);
        }
    }
    return NULL;
}

/* See inbox.h. */
int es__inbox_patch_parse(const char *body, size_t len, es__case_patch *p, const char **why)
{
    json_error_t e;
    memset(p, 0, sizeof *p);
    es_case_change_init(&p->c);
    p->c.tags_add = p->tags_add;
    p->c.tags_remove = p->tags_remove;
    json_t *j = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &e) : NULL;
    p->root = j;
    *why = NULL;
    if (!json_is_object(j)) {
        *why = "the body must be a JSON object";
        goto out;
    }
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        size_t i = 0;
        while (keys[i] && strcmp(keys[i], k) != 0)
            i++;
        if (!keys[i]) {
            *why = "unknown field";
            goto out;
        }
    }
    json_t *pr = json_object_get(j, "priority"), *tg = json_object_get(j, "tags");
    if (!es__inbox_opt_str(j, "status", 16, &p->c.status) || !es__inbox_opt_str(j, "sentiment", 16, &p->c.sentiment) ||
        !es__inbox_opt_str(j, "intent", 16, &p->c.intent) || !es__inbox_opt_str(j, "department", 64, &p->c.department))
        *why = "status, sentiment, intent and department are short strings";
    else if (!es__inbox_opt_id(j, "assignee_id", &p->c.assignee_id) || !es__inbox_opt_id(j, "team_id", &p->c.team_id))
        *why = "assignee_id and team_id are ids or null";
    else if (pr &&
             (!json_is_integer(pr) || json_integer_value(pr) < 1 || json_integer_value(pr) > 4))
        *why = "priority is 1 (urgent) to 4 (low)";
    else if (tg)
        *why = tags(tg, p);
    if (!*why && pr)
        p->c.priority = (int)json_integer_value(pr);
out:
    if (*why) {
        es__inbox_patch_free(p);
        return -1;
    }
    return 0;
}

/* See inbox.h. */
void es__inbox_patch_free(es__case_patch *p)
{
    json_decref(p->root);
    p->root = NULL;
}
