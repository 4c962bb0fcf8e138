/*
 * test_api_users_json.c - the parsers of the users API's JSON bodies
 * (src/http/api_users_json.c) and the scope check es__http_may_see
 * (src/http/auth.c): accepted bodies give the fields, every refused one
 * says why and leaves nothing half-filled, and a scoped caller sees only
 * their locations and regions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/api_users.h"
#include "http/http_int.h"

static void test_login(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    es__login_body b;
    const char *why = NULL;
    const char *ok = "{\"name\":\"root\",\"password\":\"p\\u00e4ss w\\\"rd\"}";
    assert_int_equal(es__http_parse_login(ok, strlen(ok), a, &b, &why), ES_OK);
    assert_string_equal(b.name, "root");
    assert_string_equal(b.password, "p\xc3\xa4ss w\"rd");

    static const char *const bad[] = {
        "",
        "{",
        "[]",
        "\"x\"",
        "{\"name\":\"root\"}",
        "{\"password\":\"x\"}",
        "{\"name\":\"\",\"password\":\"x\"}",
        "{\"name\":1,\"password\":\"x\"}",
        "{\"name\":\"root\",\"password\":null}",
        "{\"name\":\"root\",\"password\":\"x\",\"remember\":true}",
        "{\"name\":\"root\",\"name\":\"admin\",\"password\":\"x\"}",
        "{\"name\":\"a\\u0000b\",\"password\":\"x\"}",
        ("{\"name\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\","
         "\"password\":\"x\"}"), /* a name of 65 bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why = NULL;
        es_err rc = es__http_parse_login(bad[i], strlen(bad[i]), a, &b, &why);
        if (rc == ES_OK)
            fail_msg("accepted %s", bad[i]);
        assert_true(rc == ES_EPARSE || rc == ES_EINVAL);
        assert_non_null(why);
        assert_null(b.name);
        assert_null(b.password);
    }
    es_arena_free(a);
}

static void test_user(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    es__user_body u;
    const char *why = NULL;
    const char *create = "{\"name\":\"alice\",\"role\":\"manager\",\"password\":\"long enough\","
                         "\"email\":\"a@example.com\",\"phone\":null,"
                         "\"locations\":[\"eu/\",\"store-a\"]}";
    assert_int_equal(es__http_parse_user(create, strlen(create), 1, a, &u, &why), ES_OK);
    assert_string_equal(u.name, "alice");
    assert_true(u.has_role);
    assert_int_equal(u.role, ES_ROLE_MANAGER);
    assert_string_equal(u.email, "a@example.com");
    assert_string_equal(u.phone, ""); /* null clears */
    assert_true(u.has_locations);
    assert_int_equal(u.n_locations, 2);
    assert_string_equal(u.locations[1], "store-a");
    assert_false(u.has_disabled);

    const char *patch = "{\"disabled\":true,\"locations\":[]}";
    assert_int_equal(es__http_parse_user(patch, strlen(patch), 0, a, &u, &why), ES_OK);
    assert_true(u.has_disabled && u.disabled);
    assert_true(u.has_locations);
    assert_int_equal(u.n_locations, 0);
    assert_false(u.has_role);

    static const struct {
        const char *body;
        int create;
    } bad[] = {
        {"{\"name\":\"x\"}", 1},                    /* no role */
        {"{\"role\":\"agent\"}", 1},                /* no name */
        {"{\"name\":\"x\",\"role\":\"boss\"}", 1},  /* unknown role */
        {"{\"name\":\"x\",\"role\":\"Admin\"}", 1}, /* roles are lower case */
        {"{\"name\":\"x\",\"role\":\"agent\",\"disabled\":false}", 1},
        {"{\"name\":\"x\",\"role\":\"agent\",\"locations\":\"eu/\"}", 1},
        {"{\"name\":\"x\",\"role\":\"agent\",\"locations\":[1]}", 1},
        {"{\"name\":\"x\",\"role\":\"agent\",\"email\":3}", 1},
        {"{\"name\":\"x\",\"role\":\"agent\",\"admin\":true}", 1},
        {"{\"name\":\"renamed\"}", 0}, /* no renaming */
        {"{}", 0},                     /* nothing to change */
        {"{\"disabled\":\"yes\"}", 0},
        {"[{\"role\":\"agent\"}]", 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why = NULL;
        es_err rc =
            es__http_parse_user(bad[i].body, strlen(bad[i].body), bad[i].create, a, &u, &why);
        if (rc == ES_OK)
            fail_msg("accepted %s", bad[i].body);
        assert_non_null(why);
        assert_null(u.name);
        assert_null(u.locations);
        assert_false(u.has_role);
    }

    /* More locations than a user may have. */
    char many[ES_USER_MAX_LOCATIONS * 6 + 64] = "{\"locations\":[";
    for (int i = 0; i <= ES_USER_MAX_LOCATIONS; i++) {
        size_t n = strlen(many);
        snprintf(many + n, sizeof many - n, "%s\"l%d\"", i ? "," : "", i);
    }
    size_t n = strlen(many);
    snprintf(many + n, sizeof many - n, "]}");
    assert_int_equal(es__http_parse_user(many, strlen(many), 0, a, &u, &why), ES_EINVAL);
    es_arena_free(a);
}

static void test_may_see(void **state)
{
    (void)state;
    const char *locs[] = {"store-a", "eu/"};
    es__http_who scoped = {.role = ES__ROLE_MANAGER, .locations = locs, .n_locations = 2};
    assert_true(es__http_may_see(&scoped, "store-a"));
    assert_true(es__http_may_see(&scoped, "eu/paris"));
    assert_true(es__http_may_see(&scoped, "eu/fr/lyon"));
    assert_false(es__http_may_see(&scoped, "store-b"));
    assert_false(es__http_may_see(&scoped, "store-a2"));
    assert_false(es__http_may_see(&scoped, "europe"));
    assert_false(es__http_may_see(&scoped, ""));
    assert_false(es__http_may_see(&scoped, NULL));
    es__http_who all = {.role = ES__ROLE_VIEWER, .all_locations = 1};
    assert_true(es__http_may_see(&all, "anywhere"));
    assert_true(es__http_may_see(&all, NULL));
    es__http_who nobody = {.all_locations = 1}; /* not authenticated */
    assert_false(es__http_may_see(&nobody, "store-a"));
    assert_false(es__http_may_see(NULL, "store-a"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login),
        cmocka_unit_test(test_user),
        cmocka_unit_test(test_may_see),
    };
    return cmocka_run_group_tests_name("api_users_json", tests, NULL, NULL);
}
