/*
 * store.h - where everything heard is kept (P5, L4): one interface, an
 * embedded SQLite backend (WAL, FTS5) today and PostgreSQL later. No SQL
 * leaves the backend.
 *
 * A store handle is used by one thread at a time. Several processes may open
 * the same SQLite file; writers wait for each other (busy timeout).
 */
#ifndef EARSHOT_STORE_H
#define EARSHOT_STORE_H

#include "earshot.h"
#include "mention.h"

typedef struct es_store_s es_store_t;

/* Opens (creating and migrating when needed) the store at path. On failure
 * *out may still be set so es_store_errmsg can say why; free it with
 * es_store_close either way. Errors: ES_EDB, ES_ECORRUPT (a newer schema than
 * this build knows), ES_ENOMEM. */
es_err es_store_open(const char *path, es_store_t **out) ES_WUR;
void es_store_close(es_store_t *s);

/* What went wrong last on this handle, with the SQLite message. Never NULL. */
const char *es_store_errmsg(const es_store_t *s);

/* The schema version after migration. */
int es_store_schema_version(const es_store_t *s);

/* Stores n mentions in one transaction and returns only once it has
 * committed durably. A mention whose (source, external_id) is already stored
 * is left as it is. *inserted (when not NULL) receives how many were new. On
 * an error nothing of the batch is stored. Errors: ES_EDB, ES_EBUSY. */
es_err es_store_put(es_store_t *s, const es_mention_t *ms, size_t n, size_t *inserted) ES_WUR;

/* The same, and each[i] (an array of n) receives 1 when ms[i] was new, 0
 * when it was already stored (or repeats an earlier mention of the batch):
 * for a server that answers each request of a group commit with its own
 * counts. Errors as es_store_put, ES_EINVAL when each is NULL. */
es_err es_store_put_each(es_store_t *s, const es_mention_t *ms, size_t n, uint8_t *each,
                         size_t *inserted) ES_WUR;

/* API tokens for machines. The store keeps the SHA-256 of each token
 * (computed by the caller), never the token. Names are unique (ES_EEXIST). */
typedef struct es_token_row {
    int64_t id;
    const char *name;
    int64_t created;   /* Unix seconds */
    int64_t last_used; /* Unix seconds, 0 never */
} es_token_row;
es_err es_store_token_add(es_store_t *s, const char *name, const uint8_t hash[32],
                          int64_t *id) ES_WUR;
/* Finds the token whose hash is hash, comparing with every stored hash in
 * constant time; on ES_OK *id is its id and its last_used becomes now (at
 * most once a minute, to spare writes). ES_ENOTFOUND when none matches. */
es_err es_store_token_verify(es_store_t *s, const uint8_t hash[32], int64_t now,
                             int64_t *id) ES_WUR;
/* Calls cb for every token, by id. Strings are valid during the call. */
es_err es_store_token_list(es_store_t *s, void (*cb)(const es_token_row *t, void *ud),
                           void *ud) ES_WUR;

/* The audit trail (P4): who did what to which object, kept for ever.
 * object names the thing changed ("case:12", "user:3", "alert:9"); detail is
 * a JSON object or NULL. An actor is a user, a token, or neither (the system
 * or the command line). */
typedef struct es_audit_entry {
    int64_t id; /* set by the store (list) */
    int64_t at; /* Unix seconds; 0 on add: now */
    int64_t user_id, token_id;
    const char *action; /* "case.status", "user.add" ... */
    const char *object;
    const char *detail;
} es_audit_entry;
/* Appends an entry. Inside a transaction (es_store_begin) it commits with
 * it. Errors: ES_EINVAL (no action or object), ES_EDB. */
es_err es_store_audit_add(es_store_t *s, const es_audit_entry *e) ES_WUR;
/* Calls cb for the newest `limit` (0: 100) entries about object (NULL: any
 * object), newest first. Strings are valid during the call. */
es_err es_store_audit_list(es_store_t *s, const char *object, size_t limit,
                           void (*cb)(const es_audit_entry *e, void *ud), void *ud) ES_WUR;

/* Explicit transactions, for callers that change several things at once
 * (a case and its audit entry). begin takes the write lock at once
 * (waiting up to the busy timeout: ES_EBUSY); commit is durable as
 * es_store_put; rollback undoes. They do not nest. */
es_err es_store_begin(es_store_t *s) ES_WUR;
es_err es_store_commit(es_store_t *s) ES_WUR;
void es_store_rollback(es_store_t *s);

/* A savepoint inside the open transaction, so that a batch of independent
 * steps can share one commit (one fsync) and one failing step is undone
 * alone: savepoint before the step, then savepoint_end with keep 1 (its
 * changes stay in the transaction) or 0 (they are undone). They do not
 * nest. ES_EINVAL when no transaction is open; when ending fails the
 * whole transaction may be lost: the caller rolls it back. */
es_err es_store_savepoint(es_store_t *s) ES_WUR;
es_err es_store_savepoint_end(es_store_t *s, int keep) ES_WUR;

/* How long a commit waits for the disk on this handle: full = 1 (the
 * default) makes every commit survive a power loss; 0 survives a crash of
 * the process only (SQLite WAL, synchronous=NORMAL), for derived data that
 * is redone from what was committed fully. ES_EUNSUPPORTED when the
 * backend has no such switch. */
es_err es_store_set_durable(es_store_t *s, int full) ES_WUR;

/* A write gate orders the write transactions of handles of one process
 * on one database (gate.c): a handle given one takes it for each write
 * transaction (es_store_begin, es_store_put, and the parts' own), and a
 * handle set `first` goes before every other waiting handle of the gate,
 * which start a transaction only while no first handle waits. For a
 * server whose acknowledged requests wait for one writer (first) while
 * background writers of the same process work in short transactions.
 * Handles without a gate are not ordered. The gate must outlive the
 * handles given it; es_store_set_gate(s, NULL, 0) takes it away. A handle
 * and its gate setting are used by one thread at a time; the gate itself
 * is thread-safe. new: ES_ENOMEM. */
typedef struct es_store_gate es_store_gate_t;
es_err es_store_gate_new(es_store_gate_t **out) ES_WUR;
void es_store_gate_free(es_store_gate_t *g);
void es_store_set_gate(es_store_t *s, es_store_gate_t *g, int first);

/* Number of mentions stored. */
es_err es_store_count(es_store_t *s, int64_t *out) ES_WUR;

/* Brands: ours (ours = 1) or a competitor's. Names are unique, compared
 * without regard to case. ES_EEXIST for a duplicate name. */
typedef struct es_brand {
    uint32_t id;
    const char *name;
    int ours;
} es_brand;
es_err es_store_brand_add(es_store_t *s, const char *name, int ours, uint32_t *id) ES_WUR;
/* Calls cb for every brand, by name. Strings are valid during the call. */
es_err es_store_brand_list(es_store_t *s, void (*cb)(const es_brand *b, void *ud), void *ud) ES_WUR;
es_err es_store_brand_find(es_store_t *s, const char *name, uint32_t *id) ES_WUR;

/* Listening queries, each belonging to a brand. The text is checked by the
 * caller (es_query_parse) before it is added. */
typedef struct es_query_row {
    uint32_t id;
    uint32_t brand_id;
    const char *brand;
    const char *name;
    const char *text;
} es_query_row;
es_err es_store_query_add(es_store_t *s, uint32_t brand_id, const char *name, const char *text,
                          uint32_t *id) ES_WUR;
es_err es_store_query_list(es_store_t *s, void (*cb)(const es_query_row *q, void *ud), void *ud) ES_WUR;

/* Full-text search with filters. text is a plain search (words, "phrases";
 * every word must occur) or NULL for all; the other filters are NULL or
 * 0 when unused. Results newest first. */
typedef struct es_search_opts {
    const char *text;
    const char *brand;     /* brand name */
    const char *source;
    const char *polarity;  /* "negative", "neutral", "positive" */
    const char *intent;    /* es_intent_name */
    int64_t since, until;  /* created_at range, Unix seconds; 0 open */
    size_t limit;          /* 0: 50 */
    size_t offset;
} es_search_opts;

/* A stored mention as search returns it. m's strings, and brands (the brand
 * names matched, comma-separated), are valid during the callback only. */
typedef struct es_mention_row {
    int64_t id;
    es_mention_t m;
    const char *brands;
} es_mention_row;
es_err es_store_search(es_store_t *s, const es_search_opts *o,
                       void (*cb)(const es_mention_row *r, void *ud), void *ud) ES_WUR;

/* Volume, sentiment and share of voice per brand per day (UTC) over
 * [since, until) (0: open). share is the brand's part of all brand mentions
 * that day, in [0, 1]. net is (positive - negative) / mentions. */
typedef struct es_stats_row {
    const char *day; /* YYYY-MM-DD */
    const char *brand;
    int ours;
    long mentions, positive, neutral, negative;
    double net;
    double share;
} es_stats_row;
es_err es_store_stats(es_store_t *s, int64_t since, int64_t until,
                      void (*cb)(const es_stats_row *r, void *ud), void *ud) ES_WUR;

/* Whose mentions a figure counts: all set (or a NULL scope) for everyone's,
 * else only mentions whose location is one of locations[] or lies under one
 * that ends in '/' (a region), as a manager's scope (users.h). */
typedef struct es_stats_scope {
    int all;
    const char *const *locations;
    size_t n_locations;
} es_stats_scope;

/* es_store_stats grouped by UTC day (week 0) or by ISO-8601 week (week 1:
 * day is then the date of the week's Monday), over the mentions in scope
 * (NULL: all). share is the brand's part of all brands' mentions in scope
 * in that day or week. */
es_err es_store_stats_by(es_store_t *s, int64_t since, int64_t until, int week,
                         const es_stats_scope *scope,
                         void (*cb)(const es_stats_row *r, void *ud), void *ud) ES_WUR;

/* Calls cb with the fingerprint and key ("source/external_id") of the newest
 * `limit` mentions, oldest first, to warm a near-duplicate detector. */
es_err es_store_recent_fingerprints(es_store_t *s, size_t limit,
                                    void (*cb)(uint64_t fp, const char *key, void *ud),
                                    void *ud) ES_WUR;

#endif
