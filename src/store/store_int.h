/*
 * store_int.h - the inside of a store handle (internal to src/store/ and to
 * bench/bench_store.c). store.c owns the public API and dispatches every call
 * through a backend's operation table; a backend (sqlite.c today, postgres.c
 * later) fills the table and keeps all of its SQL to itself. migrations.c
 * holds the SQLite schema, versioned.
 */
#ifndef ES_STORE_STORE_INT_H
#define ES_STORE_STORE_INT_H

#include "earshot/store.h"

/* The longest error message kept on a handle; longer ones are cut. */
#define ES_STORE_ERRMAX 512

/* The service's parts (issue 3) keep their operations in tables of their
 * own, declared in src/store/<part>_int.h, so that each part grows without
 * touching the others; a backend points at the tables it implements (NULL:
 * not available, ES_EUNSUPPORTED). */
struct es__case_ops;
struct es__alert_ops;
struct es__user_ops;
struct es__feed_ops;
struct es__sla_ops;
struct es__label_ops;
struct es__location_ops;
struct es__survey_ops;
struct es__post_ops;
struct es__plan_ops;
struct es__invite_ops;
struct es__audits_ops;
struct es__survey_flow_ops;
struct es__score_ops;

/* What a backend does. Each function gets the handle (for its errmsg) and
 * returns an es_err; store.c has already checked the arguments. */
typedef struct es__store_ops {
    const char *name; /* "sqlite" */
    void (*close)(es_store_t *s);
    es_err (*put)(es_store_t *s, const es_mention_t *ms, size_t n, size_t *inserted);
    es_err (*count)(es_store_t *s, int64_t *out);
    es_err (*brand_add)(es_store_t *s, const char *name, int ours, uint32_t *id);
    es_err (*brand_list)(es_store_t *s, void (*cb)(const es_brand *, void *), void *ud);
    es_err (*brand_find)(es_store_t *s, const char *name, uint32_t *id);
    es_err (*query_add)(es_store_t *s, uint32_t brand_id, const char *name, const char *text,
                        uint32_t *id);
    es_err (*query_list)(es_store_t *s, void (*cb)(const es_query_row *, void *), void *ud);
    es_err (*search)(es_store_t *s, const es_search_opts *o,
                     void (*cb)(const es_mention_row *, void *), void *ud);
    es_err (*stats)(es_store_t *s, int64_t since, int64_t until, int week,
                    const es_stats_scope *scope, void (*cb)(const es_stats_row *, void *),
                    void *ud);
    es_err (*recent_fingerprints)(es_store_t *s, size_t limit,
                                  void (*cb)(uint64_t, const char *, void *), void *ud);
    /* Tuning for benchmarks and operators: durability (1 FULL, 0 NORMAL). */
    es_err (*set_durability)(es_store_t *s, int full);
    /* put, also saying for each mention whether it was new (each[i]). */
    es_err (*put_each)(es_store_t *s, const es_mention_t *ms, size_t n, size_t *inserted,
                       uint8_t *each);
    es_err (*token_add)(es_store_t *s, const char *name, const uint8_t hash[32], int64_t *id);
    es_err (*token_verify)(es_store_t *s, const uint8_t hash[32], int64_t now, int64_t *id);
    es_err (*token_list)(es_store_t *s, void (*cb)(const es_token_row *, void *), void *ud);
    es_err (*audit_add)(es_store_t *s, const es_audit_entry *e);
    es_err (*audit_list)(es_store_t *s, const char *object, size_t limit,
                         void (*cb)(const es_audit_entry *, void *), void *ud);
    es_err (*tx)(es_store_t *s, int what); /* ES__TX_BEGIN ... ES__TX_ROLLBACK_TO */
    const struct es__case_ops *cases;   /* cases, customers, teams, routing */
    const struct es__alert_ops *alerts; /* alert rules, alerts, outbox */
    const struct es__user_ops *users;   /* users, sessions, login attempts */
    const struct es__feed_ops *feeds;   /* RSS/Atom feeds */
    const struct es__sla_ops *sla;      /* SLA policies, replies, reports */
    const struct es__label_ops *labels; /* agents' corrections, departments */
    const struct es__location_ops *locations; /* organisation, regions, locations */
    const struct es__survey_ops *surveys;     /* survey definitions and responses */
    const struct es__post_ops *posts;         /* the brand's own posts (social.h) */
    const struct es__plan_ops *plans;         /* key-driver rows, action plans */
    const struct es__invite_ops *invitations; /* survey and advocacy invitations */
    const struct es__audits_ops *audits;      /* audit checklists, audits, scores */
    const struct es__survey_flow_ops *survey_flow; /* SMS sessions, hot alerts, recovery */
    const struct es__score_ops *scores;       /* per-day sums of survey answers */
} es__store_ops;

/* The tx operation's verbs: a transaction, and a savepoint inside one
 * (ES__TX_ROLLBACK_TO undoes the savepoint's changes and ends it). */
enum {
    ES__TX_BEGIN,
    ES__TX_COMMIT,
    ES__TX_ROLLBACK,
    ES__TX_SAVEPOINT,
    ES__TX_RELEASE,
    ES__TX_ROLLBACK_TO
};

struct es_store_s {
    const es__store_ops *ops; /* NULL until a backend has opened */
    void *impl;               /* the backend's own state */
    int version;              /* schema version after migration */
    char errmsg[ES_STORE_ERRMAX];
    es_store_gate_t *gate; /* es_store_set_gate's, or NULL */
    int gate_first, gate_held;
};

/* Takes the handle's write gate (gate.c), if it has one, before a write
 * transaction begins, and gives it back once the transaction has ended
 * (either may be called again: they do nothing then). Used by the
 * backends around BEGIN, COMMIT and ROLLBACK. */
void es__store_gate_enter(es_store_t *s);
void es__store_gate_leave(es_store_t *s);

/* Records the handle's last error message (printf-style) and returns rc, so
 * that a caller can write `return es__store_fail(s, ES_EDB, ...)`. */
es_err es__store_fail(es_store_t *s, es_err rc, const char *fmt, ...) ES_PRINTF(3, 4);

/* Checks that s is open and that its backend has the part `ops` (one of
 * s->ops->cases ...): ES_OK, or ES_EINVAL / ES_EUNSUPPORTED with a message
 * on s naming `what`. For the parts' public functions. */
es_err es__store_part(es_store_t *s, const void *ops, const char *what) ES_WUR;

/* Opens the SQLite backend on s (already allocated, ops still NULL). On
 * success sets s->ops, s->impl and s->version. On failure leaves a message in
 * s->errmsg and s->ops NULL, having freed everything it made. */
es_err es__sqlite_open(es_store_t *s, const char *path) ES_WUR;

/* Sets durability on an open store: full = 1 for synchronous=FULL (the
 * default: a batch survives power loss once es_store_put returns), 0 for
 * NORMAL (survives a crash of the process, not of the machine). For
 * benchmarks and operators who choose; ES_EUNSUPPORTED when the backend has
 * no such switch. */
es_err es__store_set_durability(es_store_t *s, int full) ES_WUR;

#endif
