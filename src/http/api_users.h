/*
 * api_users.h - the JSON bodies of the users API, parsed by pure functions
 * (internal to src/http/): api_users.c's handlers call them, and so does
 * the fuzz target fuzz/fuzz_api_json.c, so that what is fuzzed is what the
 * server runs. Neither touches the store nor the connection.
 */
#ifndef ES_HTTP_API_USERS_H
#define ES_HTTP_API_USERS_H

#include <stddef.h>

#include "earshot/arena.h"
#include "earshot/users.h"

/* POST /api/v1/login: {"name": "...", "password": "..."}. */
typedef struct es__login_body {
    const char *name;
    const char *password;
} es__login_body;

/* POST /api/v1/users and PATCH /api/v1/users/{id}. The has_* flags say
 * which members were present; a JSON null for email or phone clears it
 * (given as ""). */
typedef struct es__user_body {
    const char *name; /* create only */
    int has_role;
    es_role role;
    const char *password;
    const char *email;
    const char *phone;
    int has_locations;
    const char **locations;
    size_t n_locations;
    int has_disabled; /* patch only */
    int disabled;
} es__user_body;

/* Parses the login body[0..len) into out, its strings copied into a.
 * Unknown members, wrong types, strings holding NUL bytes, and names or
 * passwords over the users.h limits are refused. Returns ES_OK, or
 * ES_EPARSE / ES_EINVAL with *why (a static string) saying what is wrong;
 * ES_ENOMEM when a is full. Thread-safe. */
es_err es__http_parse_login(const char *body, size_t len, es_arena_t *a, es__login_body *out,
                            const char **why) ES_WUR;

/* Parses a user body; create 1 for POST (name and role required, no
 * "disabled"), 0 for PATCH (no "name"; at least one member). Same errors
 * as es__http_parse_login; more than ES_USER_MAX_LOCATIONS locations is
 * ES_EINVAL. Thread-safe. */
es_err es__http_parse_user(const char *body, size_t len, int create, es_arena_t *a,
                           es__user_body *out, const char **why) ES_WUR;

#endif
