/*
 * user_int.h - the store's users part (internal to src/store/): the
 * operation table a backend fills for users, sessions, login attempts and
 * token roles, and the SQL of schema step 6. users.c (the public
 * es_user_* / es_session_* functions: checks, password hashing, random
 * session ids, CSRF tokens) dispatches here; sqlite_user.c (users) and
 * sqlite_user_session.c (sessions, login attempts, tokens) implement it
 * for SQLite. No secret in clear reaches a backend: it gets argon2id
 * hashes of passwords and SHA-256 hashes of session ids.
 */
#ifndef ES_STORE_USER_INT_H
#define ES_STORE_USER_INT_H

#include "earshot/users.h"
#include "store/store_int.h"

/* What a login needs to know of a user: read by name, before the check. */
typedef struct es__user_cred {
    int64_t id;
    const char *pwhash; /* NULL: cannot log in */
    int disabled;
} es__user_cred;

/* One login attempt to record (login_record). */
typedef struct es__login_rec {
    const char *name; /* as typed */
    const char *addr; /* the client's address, or NULL */
    int64_t now;
    int ok;                  /* 1: the password was right */
    int64_t user_id;         /* the user named, 0 when there is none */
    const uint8_t *sid_hash; /* success: SHA-256 of the new session id */
    int64_t expires;         /* success: the session's absolute end */
    const char *new_pwhash;  /* success: a fresh hash to store, or NULL */
} es__login_rec;

struct es__user_ops {
    /* Inserts the user, its locations and the audit entry in one
     * transaction. pwhash: the argon2id string, or NULL. */
    es_err (*add)(es_store_t *s, const es_user_spec *u, const char *pwhash, const es_user_actor *by,
                  int64_t *id);
    /* Calls cb for the user id (> 0), or the user called name (id 0 and
     * name set), or every user by name (id 0, name NULL). ES_ENOTFOUND
     * when a wanted user is missing. */
    es_err (*get)(es_store_t *s, int64_t id, const char *name,
                  void (*cb)(const es_user_row *, void *), void *ud);
    /* Applies c (pwhash replaces the password when not NULL) and audits,
     * in one transaction; ends the user's sessions when it disables the
     * user or changes its role or password. */
    es_err (*update)(es_store_t *s, int64_t id, const es_user_change *c, const char *pwhash,
                     const es_user_actor *by);
    /* ES_ELIMIT (and *retry_after) when name or addr has too many recent
     * failures, else ES_OK. */
    es_err (*login_limit)(es_store_t *s, const char *name, const char *addr, int64_t now,
                          int64_t *retry_after);
    /* Calls cb with the credentials of the user called name; ES_ENOTFOUND. */
    es_err (*cred)(es_store_t *s, const char *name, void (*cb)(const es__user_cred *, void *),
                   void *ud);
    /* Records an attempt; on success also creates the session, stores a
     * new hash, and audits, all in one transaction. */
    es_err (*login_record)(es_store_t *s, const es__login_rec *r);
    /* Finds the live session whose id hashes to hash; see es_session_check. */
    es_err (*session_check)(es_store_t *s, const uint8_t hash[32], int64_t now,
                            void (*cb)(const es_principal *, void *), void *ud);
    /* Deletes the session whose id hashes to hash, audited; ES_ENOTFOUND. */
    es_err (*session_end)(es_store_t *s, const uint8_t hash[32]);
    es_err (*sweep)(es_store_t *s, int64_t now, int64_t *removed);
    es_err (*token_add)(es_store_t *s, const char *name, const uint8_t hash[32], es_role role,
                        int64_t user_id, const es_user_actor *by, int64_t *id);
    /* Who token id acts as (role, its user's scope). ES_ENOTFOUND also for
     * a token whose user is disabled. */
    es_err (*token_principal)(es_store_t *s, int64_t token_id,
                              void (*cb)(const es_principal *, void *), void *ud);
    es_err (*token_role)(es_store_t *s, int64_t token_id, es_role *role);
};

/* The role a stored name stands for; ES_ROLE_NONE for a name this build
 * does not know (a row written by something else), which admits nothing. */
static inline es_role es__user_role_of(const unsigned char *name)
{
    es_role r = ES_ROLE_NONE;
    return es_role_parse((const char *)name, &r) == ES_OK ? r : ES_ROLE_NONE;
}

/* The SQLite backend's table (sqlite_user.c) and schema step 6. */
extern const struct es__user_ops es__sqlite_user_ops;
extern const char es__sqlite_step6[];

/* ---- shared by sqlite_user.c and sqlite_user_session.c -------------------- */

struct sqlite3_stmt;

/* A user's locations read back as one string joined with ES__LOC_SEP (a
 * control character, which locations never hold) and split in place. */
#define ES__LOC_SEP '\x1f'
typedef struct es__user_locs {
    char *copy;
    const char **v;
    size_t n;
} es__user_locs;

/* Splits joined (NULL or "": none) into out; free with
 * es__sqlite_user_locs_free. ES_ENOMEM with a message on s. */
es_err es__sqlite_user_split(es_store_t *s, const char *joined, es__user_locs *out);
void es__sqlite_user_locs_free(es__user_locs *l);

/* Prepares sql; on failure the message names what. */
es_err es__sqlite_user_prepare(es_store_t *s, const char *sql, struct sqlite3_stmt **st,
                               const char *what);
/* Steps a statement that returns no rows and resets it; a constraint
 * violation is ES_EEXIST. */
es_err es__sqlite_user_step_done(es_store_t *s, struct sqlite3_stmt *st, const char *what);
/* Writes the audit entry action about "user:<user_id>" by by (may be NULL). */
es_err es__sqlite_user_audit(es_store_t *s, const es_user_actor *by, const char *action,
                             int64_t user_id, const char *detail);
/* Commits when rc is ES_OK, else rolls back keeping the message; returns
 * the outcome. */
es_err es__sqlite_user_end_tx(es_store_t *s, es_err rc);

/* sqlite_user_session.c: the operations of the table above that concern
 * logins, sessions and tokens. */
es_err es__sqlite_login_limit(es_store_t *s, const char *name, const char *addr, int64_t now,
                              int64_t *retry_after);
es_err es__sqlite_user_cred(es_store_t *s, const char *name,
                            void (*cb)(const es__user_cred *, void *), void *ud);
es_err es__sqlite_login_record(es_store_t *s, const es__login_rec *r);
es_err es__sqlite_session_check(es_store_t *s, const uint8_t hash[32], int64_t now,
                                void (*cb)(const es_principal *, void *), void *ud);
es_err es__sqlite_session_end(es_store_t *s, const uint8_t hash[32]);
es_err es__sqlite_session_sweep(es_store_t *s, int64_t now, int64_t *removed);
es_err es__sqlite_user_token_add(es_store_t *s, const char *name, const uint8_t hash[32],
                                 es_role role, int64_t user_id, const es_user_actor *by,
                                 int64_t *id);
es_err es__sqlite_token_principal(es_store_t *s, int64_t token_id,
                                  void (*cb)(const es_principal *, void *), void *ud);
es_err es__sqlite_user_token_role(es_store_t *s, int64_t token_id, es_role *role);

#endif
