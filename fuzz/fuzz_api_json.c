/*
 * fuzz_api_json.c - libFuzzer target for the JSON bodies of the users API
 * (src/http/api_users_json.c): the login body and a user's body, to create
 * (POST /api/v1/users) or to change (PATCH /api/v1/users/{id}), parsed by
 * the very functions the handlers call. The first byte picks the parser;
 * the rest is the body. An acceptance must give NUL-free strings within
 * the users.h limits, a role that has a name, and no more locations than
 * allowed; a refusal must say why and leave nothing behind.
 * Corpus: fuzz/corpus/fuzz_api_json/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_users.h"

static void check_str(const char *s, size_t max, int required)
{
    if (!s) {
        if (required)
            abort();
        return;
    }
    if (strlen(s) > max)
        abort();
}

static void check_user(const es__user_body *u, int create)
{
    check_str(u->name, ES_USER_NAME_MAX, create);
    check_str(u->password, ES_USER_PASSWORD_MAX, 0);
    check_str(u->email, ES_USER_FIELD_MAX, 0);
    check_str(u->phone, ES_USER_FIELD_MAX, 0);
    if (create && (!u->has_role || u->has_disabled))
        abort();
    if (!create && u->name)
        abort();
    if (u->has_role && !es_role_name(u->role))
        abort();
    if (u->n_locations > ES_USER_MAX_LOCATIONS || (u->n_locations && !u->has_locations))
        abort();
    for (size_t i = 0; i < u->n_locations; i++)
        check_str(u->locations[i], ES_USER_FIELD_MAX, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    es_arena_t *a = es_arena_new(4096, 1 << 20);
    if (!a)
        return 0;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    const char *why = NULL;
    es_err rc;
    if (data[0] % 3 == 0) {
        es__login_body b;
        rc = es__http_parse_login(body, len, a, &b, &why);
        if (rc == ES_OK) {
            check_str(b.name, ES_USER_NAME_MAX, 1);
            check_str(b.password, ES_USER_PASSWORD_MAX, 1);
            if (!*b.name)
                abort();
        } else if (b.name || b.password) {
            abort();
        }
    } else {
        int create = data[0] % 3 == 1;
        es__user_body u;
        rc = es__http_parse_user(body, len, create, a, &u, &why);
        if (rc == ES_OK)
            check_user(&u, create);
        else if (u.name || u.password || u.locations || u.n_locations || u.has_role)
            abort();
    }
    if (rc != ES_OK && (!why || !*why))
        abort();
    if (rc != ES_OK && rc != ES_EPARSE && rc != ES_EINVAL && rc != ES_ENOMEM)
        abort();
    es_arena_free(a);
    return 0;
}
