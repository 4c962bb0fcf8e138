/*
 * test_authcache.c - the server's short memory of checked API tokens
 * (src/http/authcache.c): a hit within the time to live gives back the
 * same principal with its locations, a miss after it or for another hash,
 * clear forgets, and a failed allocation only means no caching.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/http_int.h"

static void test_hit_expiry_clear(void **state)
{
    es__http_auth_cache *c = es__http_auth_cache_new();
    es_arena_t *a = es_arena_new(0, 0);
    uint8_t h1[32], h2[32];
    memset(h1, 7, sizeof h1);
    memcpy(h2, h1, sizeof h2);
    h2[31] ^= 1; /* same slot, another token */
    const char *locs[] = {"JFK", "eu/"};
    es__http_who who = {.user_id = 4, .token_id = 9, .role = ES__ROLE_MANAGER,
                        .locations = locs, .n_locations = 2, .name = "jfk-bot"};
    es__http_who got;
    assert_non_null(c);
    assert_non_null(a);
    assert_int_equal(es__http_auth_cache_get(c, h1, 1000, &got, a), 0);
    es__http_auth_cache_put(c, h1, 1000, &who);
    memset(&got, 0, sizeof got);
    assert_int_equal(es__http_auth_cache_get(c, h1, 1000 + ES__HTTP_AUTH_TTL_MS - 1, &got, a), 1);
    assert_int_equal(got.user_id, 4);
    assert_int_equal(got.token_id, 9);
    assert_int_equal(got.role, ES__ROLE_MANAGER);
    assert_string_equal(got.name, "jfk-bot");
    assert_int_equal(got.n_locations, 2);
    assert_string_equal(got.locations[0], "JFK");
    assert_string_equal(got.locations[1], "eu/");
    assert_int_equal(es__http_auth_cache_get(c, h2, 1001, &got, a), 0);
    assert_int_equal(es__http_auth_cache_get(c, h1, 1000 + ES__HTTP_AUTH_TTL_MS, &got, a), 0);
    es__http_auth_cache_put(c, h1, 5000, &who);
    es__http_auth_cache_clear(c);
    assert_int_equal(es__http_auth_cache_get(c, h1, 5001, &got, a), 0);
    /* NULL cache: always a miss, puts ignored. */
    es__http_auth_cache_put(NULL, h1, 1, &who);
    assert_int_equal(es__http_auth_cache_get(NULL, h1, 1, &got, a), 0);
    es_arena_free(a);
    es__http_auth_cache_free(c);
}

static void test_alloc_failure(void **state)
{
    es__http_auth_cache *c = es__http_auth_cache_new();
    es_arena_t *a = es_arena_new(0, 0);
    uint8_t h[32];
    memset(h, 3, sizeof h);
    es__http_who who = {.role = ES__ROLE_AGENT, .all_locations = 1, .name = "hook"}, got;
    es_fail_alloc_after(0);
    es__http_auth_cache_put(c, h, 10, &who); /* cannot copy: not cached */
    es_fail_alloc_after(-1);
    assert_int_equal(es__http_auth_cache_get(c, h, 11, &got, a), 0);
    es__http_auth_cache_put(c, h, 10, &who);
    assert_int_equal(es__http_auth_cache_get(c, h, 11, &got, a), 1);
    assert_int_equal(got.all_locations, 1);
    assert_null(got.locations);
    es_arena_free(a);
    es__http_auth_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_expiry_clear),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests_name("http_authcache", tests, NULL, NULL);
}
