/*
 * users.h - the people who use earshot (P4): users with a role and a scope
 * of locations, argon2id passwords, login sessions with a CSRF token, the
 * login rate limit, and the roles of the API tokens that machines use.
 * Every change is written to the audit trail (es_store_audit_add) in the
 * same transaction. The HTTP server (src/http/auth.c, api_users.c) and the
 * `earshot user` and `earshot token` commands call these functions; the
 * SQLite backend keeps them in the step-4 tables users and user_locations
 * and in its own step 6 (sessions, login_attempts, api_tokens.role/user_id).
 *
 * Roles, weakest first: viewer (reads), agent (works cases), manager
 * (a manager of some locations: their cases, customers, alerts), admin
 * (everything, users included). A route or action that needs role R admits
 * R and every stronger role.
 *
 * Scope. A user's locations (table user_locations) limit what a manager,
 * agent or viewer sees; a user with no location rows sees every location,
 * and an admin always does. A location entry that ends with '/' is a
 * region: it covers every location that starts with it ("eu/" covers
 * "eu/paris" and "eu/fr/lyon", not "europe"). Any other entry covers that
 * location only. In SQL, a thing at column loc is in scope of user u when
 *   EXISTS (SELECT 1 FROM user_locations ul WHERE ul.user_id = u AND
 *     (ul.location = loc OR (substr(ul.location, -1) = '/' AND
 *      substr(loc, 1, length(ul.location)) = ul.location)))
 * which is what es_user_scope_covers says in C. A thing without a location
 * (NULL or "") is in no scoped user's scope.
 *
 * Passwords are hashed with libsodium's crypto_pwhash_str (argon2id) with
 * the OWASP minimum (2 passes, 19 MiB); a hash made with other parameters
 * is replaced at the next successful login. docs/security.md explains.
 *
 * All functions take a store handle (one thread at a time, as store.h says)
 * and, where time matters, `now` in Unix seconds so that expiry can be
 * tested without waiting.
 */
#ifndef EARSHOT_USERS_H
#define EARSHOT_USERS_H

#include <stdint.h>

#include "earshot.h"
#include "store.h"

/* Roles, weakest first (the same order as the server's es__role). */
typedef enum es_role {
    ES_ROLE_NONE = 0,
    ES_ROLE_VIEWER,
    ES_ROLE_AGENT,
    ES_ROLE_MANAGER,
    ES_ROLE_ADMIN
} es_role;

/* "viewer", "agent", "manager", "admin"; NULL for ES_ROLE_NONE or a value
 * out of range. Static strings. Thread-safe. */
const char *es_role_name(es_role r);
/* Parses a role name (exact, lower case) into *out. ES_EINVAL otherwise. */
es_err es_role_parse(const char *name, es_role *out) ES_WUR;

/* Limits on what a user is made of (longer input is refused, ES_ELIMIT). */
#define ES_USER_NAME_MAX 64       /* bytes of a user name */
#define ES_USER_FIELD_MAX 256     /* bytes of an email, a phone, a location */
#define ES_USER_MAX_LOCATIONS 64  /* location rows of one user */
#define ES_USER_PASSWORD_MIN 8    /* bytes of a password, at least */
#define ES_USER_PASSWORD_MAX 1024 /* bytes of a password, at most */

/* Does the scope entry `entry` (a location, or a region ending in '/')
 * cover location loc? 0 for a NULL or empty loc. Thread-safe. */
int es_user_scope_covers(const char *entry, const char *loc);

/* Who acts, for the audit trail: a user, a token, or neither (0, 0: the
 * command line or the system). */
typedef struct es_user_actor {
    int64_t user_id;
    int64_t token_id;
} es_user_actor;

/* A new user. Names are unique without regard to case; they are printable
 * ASCII without spaces or ':' (so that "name:" never confuses the audit).
 * email, phone: NULL for none. password: plain text, hashed here; NULL
 * makes a user who cannot log in (until es_user_update gives one). */
typedef struct es_user_spec {
    const char *name;
    es_role role;
    const char *email;
    const char *phone;
    const char *const *locations;
    size_t n_locations;
    const char *password;
} es_user_spec;

/* Adds a user with its locations, in one transaction with the audit entry
 * "user.add" (by may be NULL: the command line). *id (may be NULL) gets
 * the new id. Errors: ES_EINVAL (a bad name or role, a password shorter
 * than ES_USER_PASSWORD_MIN), ES_ELIMIT, ES_EEXIST (the name is taken),
 * ES_ENOMEM, ES_EDB, ES_EBUSY. Slow by design when a password is given
 * (argon2id, tens of milliseconds). */
es_err es_user_add(es_store_t *s, const es_user_spec *u, const es_user_actor *by,
                   int64_t *id) ES_WUR;

/* A user as read back. Strings and the locations array are valid during
 * the callback only. */
typedef struct es_user_row {
    int64_t id;
    const char *name;
    es_role role;
    const char *email; /* NULL: none */
    const char *phone; /* NULL: none */
    int64_t created;   /* Unix seconds */
    int disabled;
    int has_password;
    const char *const *locations;
    size_t n_locations; /* 0: every location */
} es_user_row;

/* Calls cb for every user, by name. Errors: ES_ENOMEM, ES_EDB. */
es_err es_user_list(es_store_t *s, void (*cb)(const es_user_row *u, void *ud), void *ud) ES_WUR;
/* Calls cb once for the user with this id (id > 0) or, when id is 0, this
 * name. ES_ENOTFOUND when there is none. */
es_err es_user_get(es_store_t *s, int64_t id, const char *name,
                   void (*cb)(const es_user_row *u, void *ud), void *ud) ES_WUR;

/* What es_user_update changes; the rest stays. */
typedef struct es_user_change {
    int set_role;
    es_role role;
    const char *email; /* NULL: unchanged; "": none */
    const char *phone; /* NULL: unchanged; "": none */
    int set_disabled;
    int disabled;
    int set_locations; /* replace the locations with these */
    const char *const *locations;
    size_t n_locations;
    const char *password; /* NULL: unchanged */
} es_user_change;

/* Changes user id in one transaction with the audit entry "user.update"
 * (detail: the fields changed, never a password). Disabling a user, or
 * changing its password or role, ends every session it has. Errors as
 * es_user_add, ES_ENOTFOUND for no such user. */
es_err es_user_update(es_store_t *s, int64_t id, const es_user_change *c,
                      const es_user_actor *by) ES_WUR;

/* ---- sessions ------------------------------------------------------------ */

#define ES_SESSION_ID_LEN 43          /* 32 random bytes, base64url, no padding */
#define ES_SESSION_CSRF_LEN 43        /* 32 bytes, base64url, no padding */
#define ES_SESSION_TTL (12 * 3600)    /* a session ends 12 hours after login */
#define ES_SESSION_IDLE (30 * 60)     /* ... or after 30 minutes without use */
#define ES_LOGIN_MAX_FAILURES 5       /* failed logins of one name, */
#define ES_LOGIN_MAX_FAILURES_ADDR 20 /* or from one address (an office NAT), */
#define ES_LOGIN_WINDOW (15 * 60)     /* within this many seconds: refused */

/* A new session: the id is the cookie value; it is known only here (the
 * store keeps its SHA-256). csrf is the token bound to it. */
typedef struct es_session {
    char id[ES_SESSION_ID_LEN + 1];
    char csrf[ES_SESSION_CSRF_LEN + 1];
    int64_t user_id;
    int64_t expires; /* the absolute end, Unix seconds */
} es_session;

/* Logs name in with password from client address addr (for the rate
 * limit; may be NULL). Refuses at once, without checking the password,
 * when ES_LOGIN_MAX_FAILURES failures for this name (since its last
 * success) or ES_LOGIN_MAX_FAILURES_ADDR from this address fall in the
 * last ES_LOGIN_WINDOW seconds: ES_ELIMIT and *retry_after (may be
 * NULL) the seconds until one of them leaves the window. A wrong name, a
 * wrong password and a disabled user all give ES_ENOTFOUND, after the same
 * work. Each attempt is recorded (login_attempts) and audited
 * ("user.login" or "user.login_failed"); a success creates the session
 * into *out and rehashes an outdated password hash. Other errors: ES_EINVAL,
 * ES_ENOMEM, ES_EDB, ES_EBUSY, ES_EIO (no randomness). */
es_err es_user_login(es_store_t *s, const char *name, const char *password, const char *addr,
                     int64_t now, es_session *out, int64_t *retry_after) ES_WUR;

/* Who a session or an API token acts as. For a session: the user. For a
 * token: the token's role and, when the token belongs to a user, that
 * user's scope (and at most that user's role). Strings and the locations
 * array are valid during the callback only. */
typedef struct es_principal {
    int64_t user_id;  /* 0: a token of no user */
    int64_t token_id; /* 0: a session */
    const char *name; /* the user's name, or the token's */
    es_role role;
    const char *const *locations;
    size_t n_locations; /* 0: every location */
    int64_t expires;    /* sessions: the absolute end; tokens: 0 */
} es_principal;

/* Checks session id at time now: known, not expired, not idle longer than
 * ES_SESSION_IDLE, its user not disabled. Then marks it used (at most once
 * a minute, to spare writes) and calls cb. ES_ENOTFOUND otherwise (the
 * expired session is deleted). Errors: ES_ENOMEM, ES_EDB. */
es_err es_session_check(es_store_t *s, const char *id, int64_t now,
                        void (*cb)(const es_principal *p, void *ud), void *ud) ES_WUR;

/* Ends session id (logout), audited as "user.logout". ES_ENOTFOUND when
 * there is no such session. */
es_err es_session_end(es_store_t *s, const char *id) ES_WUR;

/* Deletes expired sessions and login attempts older than the window.
 * For a periodic sweep; *removed (may be NULL) gets the count. */
es_err es_session_sweep(es_store_t *s, int64_t now, int64_t *removed) ES_WUR;

/* The CSRF token bound to session id (a keyed BLAKE2b of a fixed label
 * under the session id, base64url): the server sends it at login and
 * compares the X-CSRF-Token header with it on every state change. */
void es_session_csrf(const char *id, char csrf[ES_SESSION_CSRF_LEN + 1]);
/* 1 when csrf is the token of session id, compared in constant time. */
int es_session_csrf_ok(const char *id, const char *csrf);

/* ---- API tokens with a role ---------------------------------------------- */

/* Adds an API token (its SHA-256, see es_server_token_new) with a role and
 * optionally a user it acts for (user_id 0: none), in one transaction with
 * the audit entry "token.add". Errors: ES_EINVAL, ES_EEXIST (the name is
 * taken), ES_ENOTFOUND (no such user), ES_EDB. Tokens made before roles
 * existed (es_store_token_add) have the role agent. */
es_err es_user_token_add(es_store_t *s, const char *name, const uint8_t hash[32], es_role role,
                         int64_t user_id, const es_user_actor *by, int64_t *id) ES_WUR;

/* Checks a token's hash (es_store_token_verify: constant-time, stamps
 * last_used) and calls cb with who it acts as. ES_ENOTFOUND for an unknown
 * token or one whose user is disabled. */
es_err es_user_token_check(es_store_t *s, const uint8_t hash[32], int64_t now,
                           void (*cb)(const es_principal *p, void *ud), void *ud) ES_WUR;

/* The role a token was given, by id, for listings. ES_ENOTFOUND. */
es_err es_user_token_role(es_store_t *s, int64_t token_id, es_role *role) ES_WUR;

/* Password hashing cost (argon2id opslimit, memlimit in bytes) used for
 * new hashes, process-wide; the defaults are the OWASP minimum. Tests and
 * operators may change it; a login rehashes a password hashed with other
 * limits. Call before other threads use the store. ES_EINVAL below
 * libsodium's minimums. */
es_err es_user_set_pwhash_cost(unsigned long long opslimit, size_t memlimit) ES_WUR;

#endif
