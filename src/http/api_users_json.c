/*
 * api_users_json.c - the parsers of the users API's JSON bodies (login, a
 * new user, a change to a user), declared in api_users.h. Pure: bytes in,
 * a struct of arena strings out, nothing else touched; the handlers of
 * api_users.c and the fuzz target fuzz/fuzz_api_json.c call them. Strict
 * on purpose: unknown members, wrong types and embedded NUL bytes are
 * refused with a reason, so a typo never silently does something else.
 */
#include <jansson.h>
#include <string.h>

#include "http/api_users.h"

/* Parses body as one JSON object (duplicate keys refused). */
static json_t *load_object(const char *body, size_t len, const char **why)
{
    json_error_t e;
    json_t *j = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &e) : NULL;
    if (!j) {
        *why = "the body is not valid JSON";
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        *why = "the body must be a JSON object";
        return NULL;
    }
    return j;
}

/* Copies the JSON string v (at most max bytes, no NUL inside) into a.
 * Returns ES_EINVAL for another type or a bad string, ES_ENOMEM. */
static es_err take_str(json_t *v, size_t max, es_arena_t *a, const char **out, const char **why,
                       const char *what)
{
    if (!json_is_string(v)) {
        *why = what;
        return ES_EINVAL;
    }
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n > max || memchr(s, '\0', n)) {
        *why = what;
        return ES_EINVAL;
    }
    *out = es_arena_strndup(a, s, n);
    if (!*out) {
        *why = "out of memory";
        return ES_ENOMEM;
    }
    return ES_OK;
}

/* See api_users.h. */
es_err es__http_parse_login(const char *body, size_t len, es_arena_t *a, es__login_body *out,
                            const char **why)
{
    memset(out, 0, sizeof *out);
    json_t *j = load_object(body, len, why);
    if (!j)
        return ES_EPARSE;
    es_err rc = ES_OK;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "name") == 0)
            rc = take_str(v, ES_USER_NAME_MAX, a, &out->name, why,
                          "\"name\" must be a string of at most 64 bytes");
        else if (strcmp(key, "password") == 0)
            rc = take_str(v, ES_USER_PASSWORD_MAX, a, &out->password, why,
                          "\"password\" must be a string of at most 1024 bytes");
        else {
            *why = "unknown member: only \"name\" and \"password\" are allowed";
            rc = ES_EINVAL;
        }
        if (rc)
            break;
    }
    if (rc == ES_OK && (!out->name || !*out->name || !out->password)) {
        *why = "\"name\" and \"password\" are required";
        rc = ES_EINVAL;
    }
    json_decref(j);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

/* "locations": an array of at most ES_USER_MAX_LOCATIONS strings. */
static es_err take_locations(json_t *v, es_arena_t *a, es__user_body *out, const char **why)
{
    if (!json_is_array(v) || json_array_size(v) > ES_USER_MAX_LOCATIONS) {
        *why = "\"locations\" must be an array of at most 64 strings";
        return ES_EINVAL;
    }
    size_t n = json_array_size(v);
    out->locations = es_arena_alloc(a, (n ? n : 1) * sizeof *out->locations);
    if (!out->locations) {
        *why = "out of memory";
        return ES_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        es_err rc = take_str(json_array_get(v, i), ES_USER_FIELD_MAX, a, &out->locations[i], why,
                             "each location must be a string of at most 256 bytes");
        if (rc)
            return rc;
    }
    out->n_locations = n;
    out->has_locations = 1;
    return ES_OK;
}

/* One member of a user body. */
static es_err take_member(const char *key, json_t *v, int create, es_arena_t *a, es__user_body *out,
                          const char **why)
{
    if (strcmp(key, "name") == 0 && create)
        return take_str(v, ES_USER_NAME_MAX, a, &out->name, why,
                        "\"name\" must be a string of at most 64 bytes");
    if (strcmp(key, "role") == 0) {
        const char *r = NULL;
        es_err rc = take_str(v, 16, a, &r, why, "\"role\" must be a string");
        if (rc == ES_OK && es_role_parse(r, &out->role) != ES_OK) {
            *why = "\"role\" must be one of admin, manager, agent, viewer";
            rc = ES_EINVAL;
        }
        out->has_role = rc == ES_OK;
        return rc;
    }
    if (strcmp(key, "password") == 0)
        return take_str(v, ES_USER_PASSWORD_MAX, a, &out->password, why,
                        "\"password\" must be a string of at most 1024 bytes");
    if (strcmp(key, "email") == 0 || strcmp(key, "phone") == 0) {
        const char **dst = key[0] == 'e' ? &out->email : &out->phone;
        if (json_is_null(v)) {
            *dst = "";
            return ES_OK;
        }
        return take_str(v, ES_USER_FIELD_MAX, a, dst, why,
                        "\"email\" and \"phone\" must be strings of at most 256 bytes, or null");
    }
    if (strcmp(key, "locations") == 0)
        return take_locations(v, a, out, why);
    if (strcmp(key, "disabled") == 0 && !create) {
        if (!json_is_boolean(v)) {
            *why = "\"disabled\" must be true or false";
            return ES_EINVAL;
        }
        out->has_disabled = 1;
        out->disabled = json_is_true(v);
        return ES_OK;
    }
    *why = create ? "unknown member: allowed are name, role, password, email, phone, locations"
                  : "unknown member: allowed are role, password, email, phone, locations, "
                    "disabled";
    return ES_EINVAL;
}

/* See api_users.h. */
es_err es__http_parse_user(const char *body, size_t len, int create, es_arena_t *a,
                           es__user_body *out, const char **why)
{
    memset(out, 0, sizeof *out);
    json_t *j = load_object(body, len, why);
    if (!j)
        return ES_EPARSE;
    es_err rc = ES_OK;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        rc = take_member(key, v, create, a, out, why);
        if (rc)
            break;
    }
    if (rc == ES_OK && create && (!out->name || !out->has_role)) {
        *why = "\"name\" and \"role\" are required";
        rc = ES_EINVAL;
    }
    if (rc == ES_OK && !create && json_object_size(j) == 0) {
        *why = "nothing to change";
        rc = ES_EINVAL;
    }
    json_decref(j);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}
