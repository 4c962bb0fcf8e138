/*
 * audits.h - brand audits and mystery shopping (V7): checklists of weighted
 * items, audits of a location against a checklist, and audit scores with
 * their trend.
 *
 * A checklist has a name (unique without regard to case), a kind ("audit"
 * for a brand audit, "mystery" for a mystery shop) and 1..ES_CHECKLIST_MAX
 * items. Each item has a text, a weight > 0 and an answer type: yes/no
 * (max_points 1) or 0..N points (max_points N, 1..100). An audit answers
 * every item of its checklist, in order: points in 0..max_points (yes is
 * 1, no is 0) or N/A.
 *
 * The score of an audit is the weighted share of the points achieved, in
 * percent, over the items not answered N/A:
 *   score = 100 * sum(w_i * p_i / max_i) / sum(w_i)
 * An audit whose items are all N/A has no score (it is kept, not counted).
 *
 * JSON forms (parsed by src/voc/audit_json.c; docs/locations.md):
 *   checklist: {"name": "Brand standards", "kind": "audit",
 *               "items": [{"text": "Entrance clean", "weight": 2},
 *                         {"text": "Greeting", "weight": 1, "points": 5}]}
 *              (no "points": yes/no)
 *   audit:     {"checklist": "Brand standards", "location": "eu/fr/lyon-14",
 *               "date": "2026-11-20", "auditor": "J. Smith", "notes": "...",
 *               "answers": [true, 4, null]}
 *              (true/false or "yes"/"no", a number of points, null or "n/a")
 *
 * The SQLite backend keeps them in its "audits" schema step
 * (sqlite_audits.c). Changes are audited in the audit trail.
 */
#ifndef EARSHOT_AUDITS_H
#define EARSHOT_AUDITS_H

#include <stddef.h>
#include <stdint.h>

#include "earshot.h"
#include "store.h"

#define ES_CHECKLIST_MAX 200       /* items of one checklist */
#define ES_CHECKLIST_TEXT_MAX 512  /* bytes of an item's text */
#define ES_CHECKLIST_NAME_MAX 128  /* bytes of a checklist's name */
#define ES_CHECKLIST_POINTS_MAX 100
#define ES_AUDIT_NOTES_MAX 4096    /* bytes of an audit's notes */
#define ES_AUDIT_NA (-1)           /* an answer: not applicable */

/* One item of a checklist. */
typedef struct es_checklist_item {
    const char *text;
    double weight;  /* > 0 */
    int max_points; /* 1: yes/no; else 0..N points */
    int yes_no;     /* 1: answered yes/no (max_points is 1) */
} es_checklist_item;

/* A checklist. On input (es_checklist_add) id and created are ignored. */
typedef struct es_checklist {
    int64_t id;
    const char *name;
    const char *kind; /* "audit" or "mystery" */
    const es_checklist_item *items;
    size_t n_items;
    int64_t created;
} es_checklist;

/* Checks a checklist's fields; ES_EINVAL or ES_ELIMIT with err. Thread-safe. */
es_err es_checklist_check(const es_checklist *c, char *err, size_t size) ES_WUR;

/* Adds a checklist; *id gets its id. ES_EEXIST when the name is taken. */
es_err es_checklist_add(es_store_t *s, const es_checklist *c, int64_t actor_user,
                        int64_t *id) ES_WUR;

/* Calls cb for every checklist (with its items), by name. Strings and
 * items are valid during the call. */
es_err es_checklist_list(es_store_t *s, void (*cb)(const es_checklist *c, void *ud),
                         void *ud) ES_WUR;

/* Calls cb once for the checklist with this id (id > 0) or else name.
 * ES_ENOTFOUND when there is none. */
es_err es_checklist_get(es_store_t *s, int64_t id, const char *name,
                        void (*cb)(const es_checklist *c, void *ud), void *ud) ES_WUR;

/* An audit. On input id, score, has_score and created are ignored. */
typedef struct es_audit {
    int64_t id;
    int64_t checklist_id;
    const char *location; /* the location's key */
    int64_t date;         /* Unix seconds of the day audited (00:00 UTC) */
    const char *auditor;  /* a name; NULL: the user */
    int64_t user_id;      /* who recorded it (0: the command line) */
    const char *notes;    /* NULL: none */
    const int *answers;   /* n_answers points, or ES_AUDIT_NA */
    size_t n_answers;
    double score;         /* output: percent, when has_score */
    int has_score;
    int64_t created;
} es_audit;

/* The score of answers against items (see above): 1 with *score set, or
 * 0 when every item is N/A. Answers must be in range (es_audit_add checks).
 * Thread-safe. */
int es_audit_score(const es_checklist_item *items, const int *answers, size_t n, double *score);

/* Records an audit: checks that the checklist and the location (by key)
 * exist and that there is one answer per item, each in range; computes
 * and stores the score. *id gets its id. Errors: ES_ENOTFOUND (no such
 * checklist or location), ES_EINVAL (the answers, with the item's number
 * in the store's message), ES_ELIMIT, ES_EDB. */
es_err es_audit_add(es_store_t *s, const es_audit *a, int64_t *id) ES_WUR;

/* Which audits es_audit_list gives: newest id first, a page at a time. */
typedef struct es_audit_filter {
    const char *location;         /* one location's key; NULL: all */
    int64_t checklist_id;         /* 0: all */
    int all_locations;            /* 1: no scope */
    const char *const *locations; /* else the scope (users.h) */
    size_t n_locations;
    int64_t before_id; /* the page starts before this id (0: newest) */
    size_t limit;      /* 0: no limit */
} es_audit_filter;

/* Calls cb for each audit f selects (with its answers). */
es_err es_audit_list(es_store_t *s, const es_audit_filter *f,
                     void (*cb)(const es_audit *a, void *ud), void *ud) ES_WUR;

/* A location's audit scores over a period and the one before it. */
typedef struct es_audit_scores {
    const char *location;
    size_t n;           /* scored audits in [since, until) */
    double mean;        /* their mean score (when n > 0) */
    size_t prev_n;      /* scored audits in the period of the same length before */
    double prev_mean;   /* (when prev_n > 0) */
    double change;      /* mean - prev_mean, when both n and prev_n > 0 */
} es_audit_scores;

/* Calls cb once per location with a scored audit in [since, until) or in
 * the period of the same length just before, by location key; audits
 * counted by their date. f's scope, location and checklist apply (its
 * paging does not). ES_EINVAL when until <= since. */
es_err es_audit_scores_list(es_store_t *s, const es_audit_filter *f, int64_t since,
                            int64_t until, void (*cb)(const es_audit_scores *r, void *ud),
                            void *ud) ES_WUR;

/* ---- JSON (src/voc/audit_json.c) ------------------------------------------ */

/* A checklist or an audit read from JSON; owns its strings and arrays.
 * Free with es_checklist_parsed_cleanup / es_audit_parsed_cleanup. */
typedef struct es_checklist_parsed {
    es_checklist c;
    es_checklist_item *items;
    char *strings; /* one block holding every string */
} es_checklist_parsed;

typedef struct es_audit_parsed {
    es_audit a;
    char *checklist; /* the checklist's name, or NULL when given by id */
    int64_t checklist_id;
    char *location;   /* a location key or code, as given */
    char *auditor, *notes;
    int *answers;
} es_audit_parsed;

/* Parses a checklist's JSON (json[0..len)). On error err (size bytes) says
 * what: "items[2].weight: a number > 0". Errors: ES_EPARSE (not JSON),
 * ES_EINVAL, ES_ELIMIT, ES_ENOMEM. out is zeroed first and safe to clean
 * up whatever the result. */
es_err es_checklist_parse_json(const char *json, size_t len, es_checklist_parsed *out,
                               char *err, size_t size) ES_WUR;
void es_checklist_parsed_cleanup(es_checklist_parsed *p);

/* Parses an audit's JSON. The answers are checked for their form only
 * (true/false/"yes"/"no" as 1/0, integers 0..ES_CHECKLIST_POINTS_MAX, null
 * or "n/a" as ES_AUDIT_NA); es_audit_add checks them against the
 * checklist. date is "YYYY-MM-DD"; absent: today. Errors as above. */
es_err es_audit_parse_json(const char *json, size_t len, es_audit_parsed *out, char *err,
                           size_t size) ES_WUR;
void es_audit_parsed_cleanup(es_audit_parsed *p);

/* Parses a day "YYYY-MM-DD" into Unix seconds at its 00:00 UTC. ES_EINVAL
 * for anything else (2026-02-31 included). Thread-safe. */
es_err es_audit_day_parse(const char *s, int64_t *out) ES_WUR;

/* Parses one answer word ("yes", "no", "n/a", "na", or a number of points)
 * into *out, for the command line's --answers list. ES_EINVAL otherwise. */
es_err es_audit_answer_word(const char *w, int *out) ES_WUR;

#endif
