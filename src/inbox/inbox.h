/*
 * inbox.h - the inbox's pure decisions, shared inside the project (internal):
 * the weights of the rank (rank.c), how an author becomes a customer handle
 * (handle.c), which routing rule a new case matches and which team member
 * gets it (route.c), and the body of a case PATCH (patch.c). No SQL and no I/O: the SQLite backend
 * (src/store/sqlite_case*.c) gathers the facts and applies the decisions.
 * Everything here is reentrant.
 */
#ifndef ES_INBOX_INBOX_H
#define ES_INBOX_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/cases.h"

struct json_t;

/* ---- rank weights (docs/inbox.md) ---------------------------------------- */

#define ES__W_NEGATIVE 0.5 /* times the negative side of compound */
#define ES__W_COMPLAINT 0.25
#define ES__W_QUESTION 0.15
#define ES__W_REQUEST 0.15
#define ES__W_OTHER 0.05
#define ES__W_SAFETY 0.35
#define ES__W_LEGAL 0.3
#define ES__W_CHURN 0.2
#define ES__W_REPEAT 0.15
#define ES__W_WAITING 0.1
#define ES__RANK_SEVERITY 100.0 /* points for severity 1 */
#define ES__RANK_PRIORITY 20.0  /* points per priority step above 4 */
#define ES__RANK_PER_HOUR 12.0  /* points per hour of waiting: ageing */
#define ES__SLA_LEAD 7200       /* seconds before an SLA due time it counts */

/* ---- customer handles (handle.c) ----------------------------------------- */

typedef enum es__handle_kind { ES__HANDLE, ES__PHONE, ES__EMAIL } es__handle_kind;

/* The kind names stored in customer_handles.kind. */
const char *es__inbox_kind_name(es__handle_kind k);

/* Normalises the author of a mention from source into the key a customer
 * is found by: a phone number (on sources sms, phone, whatsapp, voice, or
 * any author written "+digits") as "+" and its digits, source ""; a
 * numeric handle on a social network stays a handle; an email address
 * lower-cased, source ""; any other handle lower-cased without a leading
 * '@', with its source. Writes the value into buf (size bytes) and the
 * kind and the source to use into *kind and *src. Returns 0, or -1 when
 * the author is empty or does not fit. */
int es__inbox_handle(const char *source, const char *author, es__handle_kind *kind,
                     const char **src, char *buf, size_t size);

/* ---- routing (route.c) ------------------------------------------------------ */

/* What a routing rule is matched against: the facts of a new case and of
 * the mention that opened it. */
typedef struct es__route_input {
    const char *intent;     /* es_intent_name */
    const char *department; /* NULL when none yet */
    const char *rules;      /* the rules that fired, "a;b;topic:x" */
    const char *text;
    const int64_t *queries; /* listening queries that matched */
    size_t n_queries;
    const int64_t *brands;
    size_t n_brands;
    const char *location;
    const char *lang;
} es__route_input;

/* 1 when every condition r sets holds for in, else 0. A rule without
 * conditions never matches. */
int es__inbox_route_match(const es_route_rule *r, const es__route_input *in);

/* The index of the first of rules[0..n) (already in the order they are
 * tried) that matches, or -1. */
long es__inbox_route_pick(const es_route_rule *rules, size_t n, const es__route_input *in);

/* 1 when r sets at least one condition. */
int es__inbox_route_has_condition(const es_route_rule *r);

/* ---- assignment (route.c) ----------------------------------------------------- */

typedef struct es__member {
    int64_t user_id;
    int capacity; /* new + open cases at most */
    int64_t load; /* new + open cases now */
} es__member;

typedef enum es__assign_mode {
    ES__ASSIGN_ROUND_ROBIN,
    ES__ASSIGN_LEAST_LOADED,
    ES__ASSIGN_NONE
} es__assign_mode;

/* "round_robin", "least_loaded", "none" -> mode; -1 for another name. */
int es__inbox_assign_mode(const char *name);

/* Chooses the member a new case goes to, or -1 (nobody: no members, all at
 * capacity, or mode none). members[0..n) are sorted by user_id. Round-robin
 * takes the first member after last_assigned (by user_id, wrapping) below
 * capacity; least-loaded the member with the lowest load relative to
 * capacity (ties: the lower load, then the lower user_id), below capacity. */
long es__inbox_assign_pick(es__assign_mode mode, const es__member *members, size_t n,
                           int64_t last_assigned);

/* ---- PATCH /api/v1/cases/{id} bodies (patch.c) ---------------------------- */

#define ES__PATCH_MAX_TAGS 32

/* A parsed body: c points into it (the tag arrays and, through root, the
 * strings). */
typedef struct es__case_patch {
    es_case_change c;
    const char *tags_add[ES__PATCH_MAX_TAGS];
    const char *tags_remove[ES__PATCH_MAX_TAGS];
    void *root; /* the JSON document that owns the strings */
} es__case_patch;

/* Parses body[0..len) into p. Returns 0 (free p with es__inbox_patch_free
 * when done with p->c), or -1 with *why a static reason (nothing to free).
 * Reentrant. */
int es__inbox_patch_parse(const char *body, size_t len, es__case_patch *p, const char **why);
void es__inbox_patch_free(es__case_patch *p);

/* JSON members of a request body (patch.c; the API's other bodies too):
 * a string of at most max bytes without NUL (absent: *out NULL), and an
 * id (absent keeps *out, null gives 0, else a positive integer). 0 when
 * the member is present but not so. */
int es__inbox_opt_str(struct json_t *j, const char *key, size_t max, const char **out);
int es__inbox_opt_id(struct json_t *j, const char *key, int64_t *out);
#endif
