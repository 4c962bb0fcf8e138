/*
 * sqlite_case_int.h - what the SQLite files of the inbox part share
 * (internal to src/store/): sqlite_case.c (schema step 10, helpers, the
 * statement cache, teams, rules, the operation table), sqlite_case_thread.c
 * (the threader), sqlite_case_route.c (routing and assignment of a new
 * case), sqlite_case_read.c (reads, the queue) and sqlite_case_edit.c
 * (changes, notes, merges, customers).
 */
#ifndef ES_STORE_SQLITE_CASE_INT_H
#define ES_STORE_SQLITE_CASE_INT_H

#include "store/case_int.h"
#include "store/sqlite_int.h"

/* Prepares sql on s's connection (release *st with es__sqlcase_finalize);
 * on failure records "what: message" on s. While a statement cache is
 * active on this thread for s, a statement is prepared once per SQL text
 * (keyed by the text's address: pass string literals) and finalize only
 * resets it; a cached statement must not be prepared again while in use. */
es_err es__sqlcase_prepare(es_store_t *s, const char *sql, sqlite3_stmt **st, const char *what);
void es__sqlcase_finalize(sqlite3_stmt *st);

/* Makes s's statement cache active on this thread (the threader, for the
 * many small statements of each mention); NULL when one is active already
 * or memory is short (then statements are simply prepared each time). The
 * cache belongs to s's handle and keeps its statements prepared from one
 * call to the next: es__sqlcase_cache_end only deactivates it (every
 * statement must have been released with es__sqlcase_finalize by then);
 * es__sqlcase_cache_free, called when the handle closes, finalizes them. */
void *es__sqlcase_cache_begin(es_store_t *s);
void es__sqlcase_cache_end(void *cache);
void es__sqlcase_cache_free(void *cache);

/* Starts a write transaction unless one is open already (a caller's
 * es_store_begin); *owned says whether es__sqlcase_end must finish it. */
es_err es__sqlcase_begin(es_store_t *s, int *owned);
/* Commits (rc ES_OK) or rolls back an owned transaction, keeping the first
 * error's message; returns the outcome. Not owned: returns rc. */
es_err es__sqlcase_end(es_store_t *s, int owned, es_err rc);

/* Appends v as a JSON string (NULL: null) to b, for audit details. */
struct es__buf;
es_err es__sqlcase_json_str(struct es__buf *b, const char *v);

/* Calls cb for every routing rule in the order they are tried. */
es_err es__sqlcase_route_each(es_store_t *s, void (*cb)(const es_route_rule *, void *), void *ud);

/* Runs a statement to its end and releases it (es__sqlcase_finalize). */
es_err es__sqlcase_done(es_store_t *s, sqlite3_stmt *st, const char *what);

/* Binds the scope as the JSON array of locations (NULL when all) at i. The
 * text is built in buf (es_free it after the statement has run). SQL then
 * tests ES__SQLCASE_IN_SCOPE(column, i). */
/* SQL: column (a location) is within the scope bound at ?n: an entry equal
 * to it, or a region entry ending in '/' that it starts with (as
 * es_user_scope_covers decides); a NULL location is in no scope. */
#define ES__SQLCASE_IN_SCOPE(col, n)                                                               \
    " (?" #n " IS NULL OR EXISTS (SELECT 1 FROM json_each(?" #n ") j WHERE " col " = j.value"      \
    " OR (substr(j.value, -1) = '/' AND substr(" col ", 1, length(j.value)) = j.value)))"
es_err es__sqlcase_bind_scope(sqlite3_stmt *st, int i, const es_case_scope *scope, char **buf);

/* ES_OK when case id exists and is within scope (ES_ENOTFOUND otherwise). */
es_err es__sqlcase_visible(es_store_t *s, int64_t id, const es_case_scope *scope);

/* Writes an audit entry "action" on "case:ID" (or the object given) with a
 * JSON detail built from fmt (may be NULL), inside the caller's transaction. */
es_err es__sqlcase_audit(es_store_t *s, const es_case_actor *who, int64_t at, const char *action,
                         const char *object, const char *detail);

/* Recomputes case id's sentiment, intent, severity, priority (unless an
 * agent set it), last customer time and queue key from its mentions. */
es_err es__sqlcase_refresh(es_store_t *s, int64_t id, int64_t now);

/* Routing and assignment of new cases (sqlite_case_route.c). A router
 * holds the rules for one threading call. route: the first matching rule's
 * team, else the triage team (none: the case stays unrouted, *team 0),
 * then a member by the team's assignment mode (*user 0: nobody); *rule is
 * the rule that matched (0: none). The caller audits the outcome. */
typedef struct es__sqlcase_router es__sqlcase_router;
es_err es__sqlcase_router_new(es_store_t *s, es__sqlcase_router **out);
es_err es__sqlcase_router_route(es__sqlcase_router *r, int64_t case_id, int64_t mention_id,
                                int64_t *team, int64_t *rule, int64_t *user);
void es__sqlcase_router_free(es__sqlcase_router *r);

/* Chooses a member of team_id for case case_id (es__inbox_assign_pick over
 * the loads of the members who may see the case) and records the team's
 * last_assigned; *user is 0 when nobody can take it. */
es_err es__sqlcase_pick_member(es_store_t *s, int64_t team_id, int64_t case_id, int64_t *user);

/* SQL: the user whose id is the expression user may see the case whose id
 * is bound at ?n: a user without location rows sees every location, a
 * scoped one only a case at (or, for a region entry ending in '/', under)
 * one of their locations. Nobody is assigned a case they could not see. */
#define ES__SQLCASE_USER_SEES(user, n)                                                             \
    " (NOT EXISTS (SELECT 1 FROM user_locations l WHERE l.user_id = " user ")"                     \
    " OR EXISTS (SELECT 1 FROM user_locations l, cases k WHERE k.id = ?" #n                        \
    " AND l.user_id = " user " AND (l.location = k.location OR (substr(l.location, -1) = '/'"      \
    " AND substr(k.location, 1, length(l.location)) = l.location))))"

/* The queue key for the signals stored on case id (used by refresh and
 * set_due). */
es_err es__sqlcase_rekey(es_store_t *s, int64_t id);

/* Reads (sqlite_case_read.c). */
es_err es__sqlcase_get(es_store_t *s, int64_t id, const es_case_scope *scope, int64_t now,
                       es_case_cb cb, void *ud);
es_err es__sqlcase_list(es_store_t *s, const es_case_filter *f, const es_case_scope *scope,
                        int64_t now, es_case_cb cb, void *ud, int *more);
es_err es__sqlcase_next(es_store_t *s, int64_t user_id, const es_case_scope *scope, size_t limit,
                        int64_t now, es_case_cb cb, void *ud);
es_err es__sqlcase_mentions(es_store_t *s, int64_t id, const es_case_scope *scope, size_t limit,
                            size_t offset, void (*cb)(const es_mention_row *, void *), void *ud);
es_err es__sqlcase_notes(es_store_t *s, int64_t id, const es_case_scope *scope,
                         void (*cb)(const es_case_note *, void *), void *ud);
es_err es__sqlcase_customer_get(es_store_t *s, int64_t id, const es_case_scope *scope,
                                void (*cb)(const es_customer *, void *), void *ud);

/* Changes (sqlite_case_edit.c). */
es_err es__sqlcase_update(es_store_t *s, int64_t id, const es_case_scope *scope,
                          const es_case_change *c, const es_case_actor *who, int64_t now);
es_err es__sqlcase_note_add(es_store_t *s, int64_t id, const es_case_scope *scope,
                            const es_case_actor *who, const char *text, int64_t now, int64_t *nid);
es_err es__sqlcase_merge(es_store_t *s, int64_t into, int64_t from, const es_case_scope *scope,
                         const es_case_actor *who, int64_t now);
es_err es__sqlcase_customer_merge(es_store_t *s, int64_t into, int64_t from,
                                  const es_case_scope *scope, const es_case_actor *who,
                                  int64_t now);
es_err es__sqlcase_set_due(es_store_t *s, int64_t id, int64_t due);

/* The threader (sqlite_case_thread.c). */
es_err es__sqlcase_thread(es_store_t *s, const es_case_opts *o, int64_t now, size_t *threaded);
#endif
