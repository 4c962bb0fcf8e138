/*
 * route.c - routing and assignment decisions (C3): which rule a new case
 * matches (first by priority; the caller falls back to the triage team) and
 * which member of a team takes it, round-robin or least-loaded, never past a
 * member's capacity. Pure; the SQLite backend (sqlite_case_route.c) loads the
 * rules, teams and loads and applies the answer.
 */
#include <string.h>

#include "inbox/inbox.h"

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int same_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* A byte that belongs to a word: ASCII letters and digits, and every byte
 * of a multi-byte UTF-8 character. */
static int wordch(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* 1 when kw occurs in text as whole words, without regard to ASCII case. */
static int has_keyword(const char *text, const char *kw)
{
    size_t k = strlen(kw);
    if (!text || k == 0)
        return 0;
    for (const char *p = text; *p; p++) {
        if (p > text && wordch((unsigned char)p[-1]) && wordch((unsigned char)kw[0]))
            continue;
        size_t i = 0;
        while (i < k && p[i] && lower((unsigned char)p[i]) == lower((unsigned char)kw[i]))
            i++;
        if (i == k && !(wordch((unsigned char)kw[k - 1]) && wordch((unsigned char)p[k])))
            return 1;
    }
    return 0;
}

/* 1 when the rules that fired hold "topic:NAME" as an item (items end at
 * ';', and a rule may carry ":detail" after its name). */
static int has_topic_rule(const char *rules, const char *topic)
{
    size_t t = strlen(topic);
    for (const char *p = rules; p && *p;) {
        if (strncmp(p, "topic:", 6) == 0) {
            const char *q = p + 6;
            size_t i = 0;
            while (i < t && q[i] && lower((unsigned char)q[i]) == lower((unsigned char)topic[i]))
                i++;
            if (i == t && (q[t] == '\0' || q[t] == ';' || q[t] == ':'))
                return 1;
        }
        const char *semi = strchr(p, ';');
        p = semi ? semi + 1 : NULL;
    }
    return 0;
}

/* "en" matches "en", "en-GB", "en_US"; compared without regard to case. */
static int lang_match(const char *want, const char *have)
{
    size_t n = strlen(want);
    if (!have || strlen(have) < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)want[i]) != lower((unsigned char)have[i]))
            return 0;
    return have[n] == '\0' || have[n] == '-' || have[n] == '_';
}

static int has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

static int set(const char *s)
{
    return s && *s;
}

/* See inbox.h. */
int es__inbox_route_has_condition(const es_route_rule *r)
{
    return set(r->intent) || set(r->topic) || set(r->keyword) || r->query_id > 0 ||
           r->brand_id > 0 || set(r->location) || set(r->lang) || set(r->department);
}

/* See inbox.h. */
int es__inbox_route_match(const es_route_rule *r, const es__route_input *in)
{
    if (!es__inbox_route_has_condition(r))
        return 0;
    if (set(r->intent) && !(in->intent && same_nocase(r->intent, in->intent)))
        return 0;
    if (set(r->topic) && !((in->department && same_nocase(r->topic, in->department)) ||
                           has_topic_rule(in->rules, r->topic)))
        return 0;
    if (set(r->keyword) && !has_keyword(in->text, r->keyword))
        return 0;
    if (r->query_id > 0 && !has_id(in->queries, in->n_queries, r->query_id))
        return 0;
    if (r->brand_id > 0 && !has_id(in->brands, in->n_brands, r->brand_id))
        return 0;
    if (set(r->location) && !(in->location && same_nocase(r->location, in->location)))
        return 0;
    if (set(r->lang) && !lang_match(r->lang, in->lang))
        return 0;
    if (set(r->department) && !(in->department && same_nocase(r->department, in->department)))
        return 0;
    return 1;
}

/* See inbox.h. */
long es__inbox_route_pick(const es_route_rule *rules, size_t n, const es__route_input *in)
{
    for (size_t i = 0; i < n; i++)
        if (es__inbox_route_match(&rules[i], in))
            return (long)i;
    return -1;
}

/* See inbox.h. */
int es__inbox_assign_mode(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "round_robin") == 0)
        return ES__ASSIGN_ROUND_ROBIN;
    if (strcmp(name, "least_loaded") == 0)
        return ES__ASSIGN_LEAST_LOADED;
    if (strcmp(name, "none") == 0)
        return ES__ASSIGN_NONE;
    return -1;
}

static int has_room(const es__member *m)
{
    return m->capacity > 0 && m->load < m->capacity;
}

/* See inbox.h. */
long es__inbox_assign_pick(es__assign_mode mode, const es__member *members, size_t n,
                           int64_t last_assigned)
{
    if (mode == ES__ASSIGN_ROUND_ROBIN) {
        size_t first = 0;
        while (first < n && members[first].user_id <= last_assigned)
            first++;
        for (size_t k = 0; k < n; k++) {
            size_t i = (first + k) % n;
            if (has_room(&members[i]))
                return (long)i;
        }
        return -1;
    }
    if (mode != ES__ASSIGN_LEAST_LOADED)
        return -1;
    long best = -1;
    for (size_t i = 0; i < n; i++) {
        if (!has_room(&members[i]))
            continue;
        if (best < 0) {
            best = (long)i;
            continue;
        }
        const es__member *a = &members[i], *b = &members[best];
        /* a.load / a.cap < b.load / b.cap, compared without division */
        int64_t lhs = a->load * b->capacity, rhs = b->load * a->capacity;
        if (lhs < rhs || (lhs == rhs && a->load < b->load))
            best = (long)i;
    }
    return best;
}
