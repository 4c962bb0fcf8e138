/*
 * cases.h - the unified inbox (C1-C3, C6): mentions threaded into cases,
 * customers recognised across channels, one fair queue, routing rules and
 * assignment inside teams, statuses, notes, tags, merges and the audit
 * trail of every change. docs/inbox.md describes the behaviour and the rank
 * formula.
 *
 * The store functions (es_case_*, es_customer_*, es_team_*, es_route_*) take
 * an open store handle and, like every store call, are used by one thread at
 * a time per handle. es_case_rank, es_case_severity and es_case_priority_for
 * are pure and reentrant.
 *
 * Fairness (MISSION.md, principle 1): nothing here reads follower counts,
 * verification, influence or the channel to order, route or assign work. The
 * rank's inputs are exactly the fields of es_case_signals. A case shows its
 * customer's followers (es_case.followers) to an agent for context only.
 *
 * Location scope: functions that take an es_case_scope answer ES_ENOTFOUND
 * for a case or customer outside it, exactly as for one that does not
 * exist, so that ids do not leak. A NULL scope (or all = 1) sees everything.
 * A scoped user never sees a case without a location.
 */
#ifndef EARSHOT_CASES_H
#define EARSHOT_CASES_H

#include "earshot.h"
#include "mention.h"
#include "store.h"

/* ---- statuses ------------------------------------------------------------ */

typedef enum es_case_status {
    ES_CASE_NEW = 0, /* not yet looked at */
    ES_CASE_OPEN,    /* being worked on */
    ES_CASE_PENDING, /* waiting for the customer or a third party */
    ES_CASE_RESOLVED,
    ES_CASE_STATUS_COUNT
} es_case_status;

/* "new", "open", "pending", "resolved" (as stored); parse returns ES_EINVAL
 * for any other name. */
const char *es_case_status_name(es_case_status st);
es_err es_case_status_parse(const char *name, es_case_status *out) ES_WUR;

/* ---- fair triage (pure) ---------------------------------------------------- */

/* Everything the rank of a case depends on, and nothing else. There is no
 * field for followers, verification, influence or channel on purpose: they
 * cannot move a case in the queue. */
typedef struct es_case_signals {
    double severity;       /* 0..1, es_case_severity of the case */
    int priority;          /* 1 (urgent) .. 4 (low) */
    int64_t waiting_since; /* the customer's last message (cases.last_customer_at) */
    int64_t sla_due;       /* when the next SLA target falls due; 0: none */
} es_case_signals;

/* How much a mention needs attention, in [0, 1], from its sentiment
 * (only the negative side of compound counts), its intent and its urgency
 * cues (ES_CUE_*); see docs/inbox.md for the weights. A mention flagged as a
 * near-duplicate (ES_FLAG_DUPLICATE in flags) scores 0: copies never
 * inflate a case. Spam scores 0 as well (still queued, still ageing). */
double es_case_severity(double compound, es_intent intent, uint32_t cues, uint32_t flags);

/* The priority that a severity earns when no agent has set one: 1 at 0.75
 * and above, 2 at 0.5, 3 at 0.2, else 4. */
int es_case_priority_for(double severity);

/* The rank of a case at time now (higher is served first), as
 * docs/inbox.md writes it:
 *   start = waiting_since, or sla_due - 2 h when that is earlier (sla_due > 0)
 *   rank  = 100 * severity + 20 * (4 - priority) + 12 * hours(now - start)
 * It grows without bound with waiting time, at the same rate for every
 * case, so no case starves and the order of two waiting cases never
 * depends on when it is read (es_case_key). Pure and reentrant. */
double es_case_rank(const es_case_signals *sig, int64_t now);

/* The time-independent queue key of a case: es_case_rank(sig, now) minus the
 * same function of now for every case, so ordering by the key (descending)
 * is ordering by the rank at any moment. The store keeps it indexed. */
double es_case_key(const es_case_signals *sig);

/* The rank of a case whose stored key is key, at time now. */
double es_case_rank_at(double key, int64_t now);

/* ---- threading ------------------------------------------------------------- */

typedef struct es_case_opts {
    int64_t window; /* seconds: the same customer on the same channel within
                       this of their last message joins the open case; 0: 24 h */
    size_t chunk;   /* mentions per transaction; 0: 128 (the write lock is held
                       for one chunk: ingest commits wait that long) */
    unsigned pause_us; /* a pause between two chunks, in microseconds, so
                          that a writer waiting for the lock (the server's
                          group commit) gets it before the next chunk; 0: none */
    /* A department model's guess (mentions.department) routes the case only
     * at this confidence or more, else the routing rules decide; 0: 0.5
     * (ES_LEARN_CONFIDENT, learn.h). */
    double department_min;
} es_case_opts;

/* Threads every mention without a case (oldest first) into cases, in
 * chunks of o->chunk, one transaction per chunk: recognises (or creates)
 * the customer from the author (a handle per source; phone numbers and
 * email addresses across every channel), joins a reply to its parent's
 * case, else the customer's unresolved case on the same source whose last
 * message is within the window, else opens a new case; updates the case's
 * last message time, sentiment, intent, severity, priority and queue key;
 * routes and assigns new cases (routing rules, teams). A mention gets its
 * case in the same transaction that creates or updates the case, so a
 * crash leaves nothing half-threaded and a second call threads only what
 * is left (idempotent). o may be NULL (defaults); now is Unix seconds (the
 * case times). *threaded (may be NULL) receives how many mentions were
 * threaded. Callable from any thread with its own store handle (the
 * server's follow-up thread, `earshot ingest`, startup). Errors: ES_EDB,
 * ES_EBUSY, ES_ENOMEM; what was committed by earlier chunks stays. */
es_err es_case_thread_pending(es_store_t *s, const es_case_opts *o, int64_t now,
                              size_t *threaded) ES_WUR;

/* ---- reading cases ---------------------------------------------------------- */

/* The locations a user may see. all = 1 (or a NULL pointer to a scope):
 * every location. Otherwise only locations[0..n). */
typedef struct es_case_scope {
    int all;
    const char *const *locations;
    size_t n;
} es_case_scope;

/* A case as the store returns it; strings are valid during the callback. */
typedef struct es_case {
    int64_t id;
    int64_t customer_id; /* 0: unknown customer */
    const char *customer_name;
    const char *source;
    const char *location;
    int64_t brand_id; /* 0: none */
    const char *brand;
    const char *subject; /* the first mention's text, cut to 140 bytes */
    es_case_status status;
    int priority;
    double severity;
    double rank;                  /* the rank at the time of reading */
    int64_t team_id, assignee_id; /* 0: none */
    const char *team, *assignee;
    es_polarity sentiment;
    es_intent intent;
    const char *department;
    const char *tags; /* comma-separated, sorted; "" when none */
    int64_t created, updated, last_customer_at;
    int64_t first_response_at, resolved_at, sla_due; /* 0: not yet / none */
    int64_t merged_into;
    int64_t mentions;  /* how many mentions it holds */
    int64_t followers; /* context for the agent only; -1 unknown */
} es_case;

typedef void (*es_case_cb)(const es_case *c, void *ud);

/* Calls cb once with case id. ES_ENOTFOUND when there is none or it is
 * outside scope. now: for the rank. */
es_err es_case_get(es_store_t *s, int64_t id, const es_case_scope *scope, int64_t now,
                   es_case_cb cb, void *ud) ES_WUR;

/* Filters of es_case_list; NULL / 0 when unused. */
typedef struct es_case_filter {
    const char *status; /* a status name, or "active" (new + open + pending) */
    int64_t team_id;
    int64_t assignee_id; /* -1: unassigned */
    int64_t customer_id;
    const char *location;
    const char *brand; /* brand name */
    const char *q;     /* words that a mention of the case contains */
    size_t limit;      /* 0: 50; at most 500 */
    size_t offset;
} es_case_filter;

/* Calls cb for the cases matching f within scope, in queue order (rank
 * descending, then oldest first; merged cases are left out). *more (may be
 * NULL) is set to 1 when more cases follow the page. Errors: ES_EINVAL (a
 * bad status name), ES_EDB. */
es_err es_case_list(es_store_t *s, const es_case_filter *f, const es_case_scope *scope, int64_t now,
                    es_case_cb cb, void *ud, int *more) ES_WUR;

/* An agent's next cases: new or open, assigned to user_id or unassigned in
 * one of the user's teams, within scope, in queue order, at most limit
 * (0: 50; at most 500). Served from indexes (docs/inbox.md); now (0: the
 * clock) gives the ranks reported. Errors: ES_EDB. */
es_err es_case_next(es_store_t *s, int64_t user_id, const es_case_scope *scope, size_t limit,
                    int64_t now, es_case_cb cb, void *ud) ES_WUR;

/* Calls cb for the mentions of case id, oldest first (limit 0: 200; at
 * most 1,000).
 * ES_ENOTFOUND as es_case_get. */
es_err es_case_mentions(es_store_t *s, int64_t id, const es_case_scope *scope, size_t limit,
                        size_t offset, void (*cb)(const es_mention_row *r, void *ud),
                        void *ud) ES_WUR;

/* ---- changing cases ------------------------------------------------------------ */

/* Who makes a change, for the audit trail (both 0: the system / the CLI). */
typedef struct es_case_actor {
    int64_t user_id;
    int64_t token_id;
} es_case_actor;

/* A change to a case; unused fields NULL / ES_CASE_KEEP. Every field
 * changed is audited ("case.status", "case.assign", ...); corrections of
 * sentiment, intent or department are also written to the labels table for
 * learning. */
#define ES_CASE_KEEP (-2)
typedef struct es_case_change {
    const char *status;     /* status name */
    int64_t assignee_id;    /* a user id; 0 unassigns; ES_CASE_KEEP */
    int64_t team_id;        /* a team id; 0 none; ES_CASE_KEEP */
    int priority;           /* 1..4; 0 or ES_CASE_KEEP: keep */
    const char *sentiment;  /* "negative", "neutral", "positive" */
    const char *intent;     /* es_intent_name */
    const char *department; /* any short name; "" clears */
    const char *const *tags_add;
    size_t n_tags_add;
    const char *const *tags_remove;
    size_t n_tags_remove;
} es_case_change;

/* Initialises a change that changes nothing. */
void es_case_change_init(es_case_change *c);

/* Applies c to case id in one transaction with its audit entries. The case
 * must be within scope (else ES_ENOTFOUND) and not merged into another
 * (ES_EINVAL). Errors: ES_EINVAL (a bad name, priority or tag; an unknown
 * user or team: the message says which), ES_EDB, ES_EBUSY. */
es_err es_case_update(es_store_t *s, int64_t id, const es_case_scope *scope,
                      const es_case_change *c, const es_case_actor *who, int64_t now) ES_WUR;

/* Adds a private note (1..8,192 bytes of UTF-8) to case id; *note_id may be
 * NULL. Audited. Errors as es_case_update. */
es_err es_case_note_add(es_store_t *s, int64_t id, const es_case_scope *scope,
                        const es_case_actor *who, const char *text, int64_t now,
                        int64_t *note_id) ES_WUR;

typedef struct es_case_note {
    int64_t id;
    int64_t user_id;    /* 0: the system */
    const char *author; /* the user's name, or NULL */
    int64_t at;
    const char *text;
} es_case_note;
/* Calls cb for the notes of case id, oldest first. ES_ENOTFOUND as es_case_get. */
es_err es_case_notes(es_store_t *s, int64_t id, const es_case_scope *scope,
                     void (*cb)(const es_case_note *n, void *ud), void *ud) ES_WUR;

/* Merges case from into case into: from's mentions, notes and tags move to
 * into, from becomes merged_into = into (kept, out of every queue), into's
 * signals are recomputed. Both must be within scope and unmerged; merging a
 * case into itself is ES_EINVAL. One transaction, audited on both cases. */
es_err es_case_merge(es_store_t *s, int64_t into, int64_t from, const es_case_scope *scope,
                     const es_case_actor *who, int64_t now) ES_WUR;

/* The audit trail of case id, newest first (limit 0: 100). */
es_err es_case_audit(es_store_t *s, int64_t id, const es_case_scope *scope, size_t limit,
                     void (*cb)(const es_audit_entry *e, void *ud), void *ud) ES_WUR;

/* For the SLA checker: the time the case's next SLA target falls due (0:
 * none), which moves it up the queue as it nears (docs/inbox.md). Not
 * audited (the system's bookkeeping). Errors: ES_ENOTFOUND, ES_EDB. */
es_err es_case_set_due(es_store_t *s, int64_t id, int64_t due) ES_WUR;

/* ---- customers ------------------------------------------------------------------- */

typedef struct es_customer {
    int64_t id;
    const char *name;
    int64_t created;
    int64_t merged_into; /* 0: not merged */
    const char *handles; /* "kind:source:value" items, comma-separated */
    int64_t cases;       /* how many cases */
} es_customer;

/* Calls cb once with customer id. A scoped user sees a customer only when
 * one of the customer's cases is within scope; else ES_ENOTFOUND. */
es_err es_customer_get(es_store_t *s, int64_t id, const es_case_scope *scope,
                       void (*cb)(const es_customer *c, void *ud), void *ud) ES_WUR;

/* Merges customer from into customer into (the same person found on two
 * channels): handles and cases move, from.merged_into = into. Both within
 * scope. One transaction, audited. */
es_err es_customer_merge(es_store_t *s, int64_t into, int64_t from, const es_case_scope *scope,
                         const es_case_actor *who, int64_t now) ES_WUR;

/* ---- teams ------------------------------------------------------------------------ */

typedef struct es_team {
    int64_t id;
    const char *name;
    const char *assign; /* "round_robin", "least_loaded", "none" */
    int triage;         /* 1: the team cases go to when no rule matches */
    int64_t members;
} es_team;

/* Adds a team. assign NULL: round_robin. triage = 1 makes it the triage team
 * (one at most: the previous one loses the mark). ES_EEXIST for a taken name
 * (compared without regard to case), ES_EINVAL for a bad assign mode.
 * Audited. */
es_err es_team_add(es_store_t *s, const char *name, const char *assign, int triage,
                   const es_case_actor *who, int64_t *id) ES_WUR;
es_err es_team_list(es_store_t *s, void (*cb)(const es_team *t, void *ud), void *ud) ES_WUR;
es_err es_team_find(es_store_t *s, const char *name, int64_t *id) ES_WUR;

/* Adds user_id to team_id with a capacity (open and new cases at once;
 * 0: 20), or changes the capacity when already a member. ES_EINVAL for an
 * unknown team or user. Audited. */
es_err es_team_member_add(es_store_t *s, int64_t team_id, int64_t user_id, int capacity,
                          const es_case_actor *who) ES_WUR;

typedef struct es_team_member {
    int64_t team_id, user_id;
    const char *name;
    int capacity;
    int64_t load; /* new and open cases assigned now */
} es_team_member;
es_err es_team_members(es_store_t *s, int64_t team_id,
                       void (*cb)(const es_team_member *m, void *ud), void *ud) ES_WUR;

/* ---- routing rules ----------------------------------------------------------------- */

/* A rule sends a new case to a team when every condition set (non-NULL,
 * non-zero) holds; rules are tried by priority (lower first), then id; no
 * match: the triage team. */
typedef struct es_route_rule {
    int64_t id; /* set by the store */
    const char *name;
    int priority;
    const char *intent;  /* es_intent_name */
    const char *topic;   /* a department, or a "topic:NAME" rule that fired */
    const char *keyword; /* a word or phrase of the text (case-insensitive) */
    int64_t query_id;    /* a listening query that matched */
    int64_t brand_id;
    const char *location;
    const char *lang;       /* language tag prefix: "en" matches "en-GB" */
    const char *department; /* the case's department */
    int64_t team_id;        /* where matching cases go; required */
} es_route_rule;

/* Adds a rule (*id may be NULL). ES_EINVAL: no team, an unknown team or
 * intent, or no condition at all. Audited. */
es_err es_route_add(es_store_t *s, const es_route_rule *r, const es_case_actor *who,
                    int64_t *id) ES_WUR;
/* Calls cb for every rule in the order they are tried. */
es_err es_route_list(es_store_t *s, void (*cb)(const es_route_rule *r, void *ud), void *ud) ES_WUR;

#endif
