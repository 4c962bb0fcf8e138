/*
 * audit_json.c - reads brand-audit checklists and audits from JSON
 * (include/earshot/audits.h gives the forms): the command line's files
 * (`earshot audit checklist add FILE`, `earshot audit add --file F`) and
 * the bodies of POST /api/v1/audit-checklists and /api/v1/audits. Outside
 * input: every member is checked for its type and range, unknown members
 * are refused, and errors name the member ("items[2].weight: ..."). The
 * results own copies of their strings, so the JSON is freed here.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "earshot/audits.h"

#define JSON_MAX (1u << 20) /* bytes of a checklist or an audit */

/* Loads json as an object; ES_EPARSE with err otherwise. */
static es_err load(const char *json, size_t len, json_t **out, char *err, size_t size)
{
    json_error_t je;
    *out = NULL;
    if (len > JSON_MAX) {
        snprintf(err, size, "the JSON is larger than %u bytes", JSON_MAX);
        return ES_ELIMIT;
    }
    json_t *j = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        snprintf(err, size, "not JSON: line %d: %s", je.line, je.text);
        return ES_EPARSE;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(err, size, "the JSON must be an object");
        return ES_EPARSE;
    }
    *out = j;
    return ES_OK;
}

/* A copy of the string member v (NULL: absent or null). ES_EINVAL with err
 * when it is another type; ES_ENOMEM. */
static es_err str_copy(json_t *v, const char *what, size_t max, char **out, char *err,
                       size_t size)
{
    *out = NULL;
    if (!v || json_is_null(v))
        return ES_OK;
    if (!json_is_string(v)) {
        snprintf(err, size, "%s: a string", what);
        return ES_EINVAL;
    }
    if (json_string_length(v) > max || strlen(json_string_value(v)) != json_string_length(v)) {
        snprintf(err, size, "%s: at most %zu bytes, without NUL", what, max);
        return ES_ELIMIT;
    }
    *out = es_strdup(json_string_value(v));
    if (!*out) {
        snprintf(err, size, "out of memory");
        return ES_ENOMEM;
    }
    return ES_OK;
}

static int date_read(const char *s, int64_t *out);

/* ---- checklists ----------------------------------------------------------------- */

/* Reads item i of the "items" array into it (its text into *text). */
static es_err item_read(json_t *o, size_t i, es_checklist_item *it, char **text, char *err,
                        size_t size)
{
    const char *key;
    json_t *v;
    char what[64];
    it->weight = 1;
    it->max_points = 1;
    it->yes_no = 1;
    if (!json_is_object(o)) {
        snprintf(err, size, "items[%zu]: an object with text, weight and points", i);
        return ES_EINVAL;
    }
    json_object_foreach(o, key, v) {
        snprintf(what, sizeof what, "items[%zu].%s", i, key);
        if (strcmp(key, "text") == 0) {
            es_err rc = str_copy(v, what, ES_CHECKLIST_TEXT_MAX, text, err, size);
            if (rc)
                return rc;
        } else if (strcmp(key, "weight") == 0) {
            if (!json_is_number(v) || !(json_number_value(v) > 0) || json_number_value(v) > 1e6) {
                snprintf(err, size, "%s: a number > 0 (at most 1e6)", what);
                return ES_EINVAL;
            }
            it->weight = json_number_value(v);
        } else if (strcmp(key, "points") == 0) {
            json_int_t p = json_integer_value(v);
            if (!json_is_integer(v) || p < 1 || p > ES_CHECKLIST_POINTS_MAX) {
                snprintf(err, size, "%s: an integer from 1 to %d", what, ES_CHECKLIST_POINTS_MAX);
                return ES_EINVAL;
            }
            it->max_points = (int)p;
            it->yes_no = 0;
        } else {
            snprintf(err, size, "%s: unknown member (text, weight, points)", what);
            return ES_EINVAL;
        }
    }
    if (!*text) {
        snprintf(err, size, "items[%zu].text: missing", i);
        return ES_EINVAL;
    }
    it->text = *text;
    return ES_OK;
}

/* See audits.h. */
es_err es_checklist_parse_json(const char *json, size_t len, es_checklist_parsed *out,
                               char *err, size_t size)
{
    memset(out, 0, sizeof *out);
    json_t *j = NULL;
    es_err rc = load(json, len, &j, err, size);
    char *name = NULL, *kind = NULL;
    char **texts = NULL;
    json_t *items = j ? json_object_get(j, "items") : NULL;
    size_t n = items ? json_array_size(items) : 0;
    if (!rc) {
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v) if (strcmp(key, "name") && strcmp(key, "kind") &&
                                           strcmp(key, "items")) {
            snprintf(err, size, "%s: unknown member (name, kind, items)", key);
            rc = ES_EINVAL;
            break;
        }
    }
    if (!rc)
        rc = str_copy(json_object_get(j, "name"), "name", ES_CHECKLIST_NAME_MAX, &name, err, size);
    if (!rc)
        rc = str_copy(json_object_get(j, "kind"), "kind", 16, &kind, err, size);
    if (!rc && (!items || !json_is_array(items) || n == 0 || n > ES_CHECKLIST_MAX)) {
        snprintf(err, size, "items: an array of 1 to %d items", ES_CHECKLIST_MAX);
        rc = n > ES_CHECKLIST_MAX ? ES_ELIMIT : ES_EINVAL;
    }
    if (!rc) {
        out->items = es_malloc(n * sizeof *out->items);
        texts = es_malloc(n * sizeof *texts);
        if (!out->items || !texts) {
            snprintf(err, size, "out of memory");
            rc = ES_ENOMEM;
        } else {
            memset(texts, 0, n * sizeof *texts);
        }
    }
    for (size_t i = 0; !rc && i < n; i++)
        rc = item_read(json_array_get(items, i), i, &out->items[i], &texts[i], err, size);
    json_decref(j);
    /* One block for every string, so that cleanup is one free. */
    size_t total = (name ? strlen(name) : 0) + (kind ? strlen(kind) : 0) + 2;
    for (size_t i = 0; texts && i < n; i++)
        total += texts[i] ? strlen(texts[i]) + 1 : 0;
    if (!rc && !(out->strings = es_malloc(total))) {
        snprintf(err, size, "out of memory");
        rc = ES_ENOMEM;
    }
    if (!rc) {
        char *p = out->strings;
        out->c.name = p;
        p += snprintf(p, total, "%s", name ? name : "") + 1;
        out->c.kind = p;
        p += snprintf(p, total - (size_t)(p - out->strings), "%s", kind ? kind : "") + 1;
        for (size_t i = 0; i < n; i++) {
            out->items[i].text = p;
            p += snprintf(p, total - (size_t)(p - out->strings), "%s", texts[i]) + 1;
        }
        out->c.items = out->items;
        out->c.n_items = n;
        rc = es_checklist_check(&out->c, err, size);
    }
    for (size_t i = 0; texts && i < n; i++)
        es_free(texts[i]);
    es_free(texts);
    es_free(name);
    es_free(kind);
    return rc;
}

/* See audits.h. */
void es_checklist_parsed_cleanup(es_checklist_parsed *p)
{
    if (!p)
        return;
    es_free(p->items);
    es_free(p->strings);
    memset(p, 0, sizeof *p);
}

/* See audits.h. */
es_err es_audit_day_parse(const char *s, int64_t *out)
{
    return date_read(s, out) == 0 ? ES_OK : ES_EINVAL;
}

/* ---- audits --------------------------------------------------------------------- */

/* See audits.h. */
es_err es_audit_answer_word(const char *w, int *out)
{
    if (!w)
        return ES_EINVAL;
    if (strcasecmp(w, "yes") == 0 || strcasecmp(w, "y") == 0)
        return *out = 1, ES_OK;
    if (strcasecmp(w, "no") == 0 || strcasecmp(w, "n") == 0)
        return *out = 0, ES_OK;
    if (strcasecmp(w, "n/a") == 0 || strcasecmp(w, "na") == 0)
        return *out = ES_AUDIT_NA, ES_OK;
    if (*w < '0' || *w > '9' || strlen(w) > 3)
        return ES_EINVAL;
    char *end = NULL;
    long v = strtol(w, &end, 10);
    if (*end || v > ES_CHECKLIST_POINTS_MAX)
        return ES_EINVAL;
    *out = (int)v;
    return ES_OK;
}

/* Reads one answer of the "answers" array. */
static es_err answer_read(json_t *v, size_t i, int *out, char *err, size_t size)
{
    if (json_is_null(v))
        return *out = ES_AUDIT_NA, ES_OK;
    if (json_is_boolean(v))
        return *out = json_is_true(v) ? 1 : 0, ES_OK;
    if (json_is_integer(v) && json_integer_value(v) >= 0 &&
        json_integer_value(v) <= ES_CHECKLIST_POINTS_MAX)
        return *out = (int)json_integer_value(v), ES_OK;
    if (json_is_string(v) && es_audit_answer_word(json_string_value(v), out) == ES_OK)
        return ES_OK;
    snprintf(err, size, "answers[%zu]: true/false, \"yes\"/\"no\", 0 to %d points, or null/"
                        "\"n/a\"", i, ES_CHECKLIST_POINTS_MAX);
    return ES_EINVAL;
}

/* Reads "YYYY-MM-DD" into Unix seconds at 00:00 UTC. */
static int date_read(const char *s, int64_t *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    struct tm tm = {0};
    tm.tm_year = (int)strtol(s, NULL, 10) - 1900;
    tm.tm_mon = (int)strtol(s + 5, NULL, 10) - 1;
    tm.tm_mday = (int)strtol(s + 8, NULL, 10);
    if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return -1;
    int mday = tm.tm_mday; /* timegm normalises tm: 02-31 becomes 03-03 */
    time_t t = timegm(&tm);
    struct tm back;
    if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != mday)
        return -1; /* 2026-02-31 */
    *out = (int64_t)t;
    return 0;
}

/* Reads the members of an audit other than answers. */
static es_err audit_member(es_audit_parsed *o, const char *key, json_t *v, char *err,
                           size_t size)
{
    if (strcmp(key, "checklist") == 0) {
        if (json_is_integer(v) && json_integer_value(v) > 0)
            return o->checklist_id = json_integer_value(v), ES_OK;
        return str_copy(v, "checklist", ES_CHECKLIST_NAME_MAX, &o->checklist, err, size);
    }
    if (strcmp(key, "location") == 0)
        return str_copy(v, "location", 128, &o->location, err, size);
    if (strcmp(key, "auditor") == 0)
        return str_copy(v, "auditor", ES_CHECKLIST_NAME_MAX, &o->auditor, err, size);
    if (strcmp(key, "notes") == 0)
        return str_copy(v, "notes", ES_AUDIT_NOTES_MAX, &o->notes, err, size);
    if (strcmp(key, "date") == 0) {
        if (json_is_string(v) && date_read(json_string_value(v), &o->a.date) == 0)
            return ES_OK;
        snprintf(err, size, "date: a day such as \"2026-11-20\"");
        return ES_EINVAL;
    }
    snprintf(err, size, "%s: unknown member (checklist, location, date, auditor, notes, "
                        "answers)", key);
    return ES_EINVAL;
}

/* See audits.h. */
es_err es_audit_parse_json(const char *json, size_t len, es_audit_parsed *out, char *err,
                           size_t size)
{
    memset(out, 0, sizeof *out);
    json_t *j = NULL;
    es_err rc = load(json, len, &j, err, size);
    const char *key;
    json_t *v, *answers = NULL;
    out->a.date = (int64_t)time(NULL);
    out->a.date -= out->a.date % 86400;
    if (!rc)
        json_object_foreach(j, key, v) {
            if (strcmp(key, "answers") == 0)
                answers = v;
            else if ((rc = audit_member(out, key, v, err, size)))
                break;
        }
    size_t n = answers ? json_array_size(answers) : 0;
    if (!rc && (!out->checklist && !out->checklist_id)) {
        snprintf(err, size, "checklist: missing (a name or an id)");
        rc = ES_EINVAL;
    } else if (!rc && (!out->location || !*out->location)) {
        snprintf(err, size, "location: missing (a location's key or code)");
        rc = ES_EINVAL;
    } else if (!rc && (!json_is_array(answers) || n == 0 || n > ES_CHECKLIST_MAX)) {
        snprintf(err, size, "answers: an array of 1 to %d answers", ES_CHECKLIST_MAX);
        rc = n > ES_CHECKLIST_MAX ? ES_ELIMIT : ES_EINVAL;
    }
    if (!rc && !(out->answers = es_malloc(n * sizeof *out->answers))) {
        snprintf(err, size, "out of memory");
        rc = ES_ENOMEM;
    }
    for (size_t i = 0; !rc && i < n; i++)
        rc = answer_read(json_array_get(answers, i), i, &out->answers[i], err, size);
    json_decref(j);
    if (!rc) {
        out->a.checklist_id = out->checklist_id;
        out->a.location = out->location;
        out->a.auditor = out->auditor;
        out->a.notes = out->notes;
        out->a.answers = out->answers;
        out->a.n_answers = n;
    }
    return rc;
}

/* See audits.h. */
void es_audit_parsed_cleanup(es_audit_parsed *p)
{
    if (!p)
        return;
    es_free(p->checklist);
    es_free(p->location);
    es_free(p->auditor);
    es_free(p->notes);
    es_free(p->answers);
    memset(p, 0, sizeof *p);
}
