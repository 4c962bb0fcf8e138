/*
 * test_locations.c - the organisation's places (location.h) against a real
 * SQLite file: time zones, locations read, listed (region, scope, pages,
 * disabled) and changed, the organisation, regions and their names, a
 * location's managers (users' scopes), and the CSV import (errors naming
 * row and column, all or nothing, idempotent) and export (round trip).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "earshot/location.h"
#include "earshot/store.h"
#include "earshot/users.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    es_store_t *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_loc_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    if (es_store_open(f->path, &f->s))
        fail_msg("open: %s", es_store_errmsg(f->s));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char p[160];
    es_store_close(f->s);
    static const char *const files[] = {"earshot.db", "earshot.db-wal", "earshot.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* The keys a listing gave, joined by spaces, and the last id. */
typedef struct keys {
    char buf[1024];
    int64_t last;
    size_t n;
} keys;

static void keys_cb(const es_location *l, void *ud)
{
    keys *k = ud;
    size_t n = strlen(k->buf);
    snprintf(k->buf + n, sizeof k->buf - n, "%s%s", n ? " " : "", l->key);
    k->last = l->id;
    k->n++;
}

static const char *list(es_store_t *s, const es_location_filter *f, keys *k)
{
    memset(k, 0, sizeof *k);
    if (es_location_list(s, f, keys_cb, k))
        fail_msg("list: %s", es_store_errmsg(s));
    return k->buf;
}

static void add(es_store_t *s, const char *key, const char *code, const char *tz, int64_t *id)
{
    es_location l = {.key = key, .code = code, .name = key, .tz = tz};
    if (es_location_add(s, &l, 0, id))
        fail_msg("add %s: %s", key, es_store_errmsg(s));
}

static void test_tz(void **state)
{
    (void)state;
    assert_true(es_location_tz_ok("UTC"));
    assert_true(es_location_tz_ok("Europe/Paris"));
    assert_true(es_location_tz_ok("America/New_York"));
    assert_false(es_location_tz_ok("Europe/Pariss"));
    assert_false(es_location_tz_ok("../../etc/passwd"));
    assert_false(es_location_tz_ok("/etc/passwd"));
    assert_false(es_location_tz_ok("Europe"));  /* a directory */
    assert_false(es_location_tz_ok("Europe/Paris "));
    assert_false(es_location_tz_ok(""));
    assert_false(es_location_tz_ok(NULL));
    es_location l = {.key = "a", .code = "A", .name = "A", .tz = "Mars/Olympus"};
    char err[200];
    assert_int_equal(es_location_check(&l, err, sizeof err), ES_EINVAL);
    assert_non_null(strstr(err, "time zone"));
}

static void test_list_scope_pages(void **state)
{
    fixture *f = *state;
    int64_t ids[5];
    add(f->s, "eu/fr/lyon-14", "1234", "Europe/Paris", &ids[0]);
    add(f->s, "eu/fr/paris-2", "P2", NULL, &ids[1]);
    add(f->s, "eu/de/berlin", "B1", "Europe/Berlin", &ids[2]);
    add(f->s, "us/ny-1", "NY1", "America/New_York", &ids[3]);
    add(f->s, "solo", "S1", NULL, &ids[4]);
    keys k;
    es_location_filter all = {.all_locations = 1};
    assert_string_equal(list(f->s, &all, &k),
                        "eu/fr/lyon-14 eu/fr/paris-2 eu/de/berlin us/ny-1 solo");
    es_location_filter reg = {.all_locations = 1, .region = "eu/fr/"};
    assert_string_equal(list(f->s, &reg, &k), "eu/fr/lyon-14 eu/fr/paris-2");
    /* Pages of two follow each other without gaps or repeats. */
    es_location_filter pg = {.all_locations = 1, .limit = 2};
    assert_string_equal(list(f->s, &pg, &k), "eu/fr/lyon-14 eu/fr/paris-2");
    pg.after_id = k.last;
    assert_string_equal(list(f->s, &pg, &k), "eu/de/berlin us/ny-1");
    pg.after_id = k.last;
    assert_string_equal(list(f->s, &pg, &k), "solo");
    /* Scopes: a region, a location, both; none selects nothing. */
    const char *eu[] = {"eu/fr/"}, *two[] = {"us/ny-1", "eu/de/"}, *near[] = {"eu/fr"};
    es_location_filter sc = {.locations = eu, .n_locations = 1};
    assert_string_equal(list(f->s, &sc, &k), "eu/fr/lyon-14 eu/fr/paris-2");
    sc.locations = two;
    sc.n_locations = 2;
    assert_string_equal(list(f->s, &sc, &k), "eu/de/berlin us/ny-1");
    sc.locations = near; /* "eu/fr" is a location key, not a region */
    sc.n_locations = 1;
    assert_string_equal(list(f->s, &sc, &k), "");
    sc.n_locations = 0;
    assert_string_equal(list(f->s, &sc, &k), "");
    /* Disabled locations are left out unless asked for. */
    es_location_change dis = {.set_disabled = 1, .disabled = 1};
    assert_int_equal(es_location_update(f->s, ids[1], &dis, 0), ES_OK);
    assert_string_equal(list(f->s, &reg, &k), "eu/fr/lyon-14");
    reg.include_disabled = 1;
    assert_string_equal(list(f->s, &reg, &k), "eu/fr/lyon-14 eu/fr/paris-2");
    es_location_filter noslash = {.all_locations = 1, .region = "eu"};
    assert_int_equal(es_location_list(f->s, &noslash, keys_cb, &k), ES_EINVAL);
    es_location_filter one = {.all_locations = 1, .key = "us/ny-1"};
    assert_string_equal(list(f->s, &one, &k), "us/ny-1");
}

typedef struct got {
    char code[32], name[64], tz[64], url[128];
    int disabled;
} got;

static void got_cb(const es_location *l, void *ud)
{
    got *g = ud;
    snprintf(g->code, sizeof g->code, "%s", l->code);
    snprintf(g->name, sizeof g->name, "%s", l->name);
    snprintf(g->tz, sizeof g->tz, "%s", l->tz);
    snprintf(g->url, sizeof g->url, "%s", l->review_url ? l->review_url : "(null)");
    g->disabled = l->disabled;
}

static void test_update(void **state)
{
    fixture *f = *state;
    int64_t a, b;
    add(f->s, "eu/fr/lyon-14", "1234", "Europe/Paris", &a);
    add(f->s, "eu/fr/paris-2", "P2", NULL, &b);
    es_location_change c = {.name = "Lyon", .tz = "UTC", .review_url = "https://r.example/l"};
    assert_int_equal(es_location_update(f->s, a, &c, 0), ES_OK);
    got g;
    assert_int_equal(es_location_get(f->s, a, got_cb, &g), ES_OK);
    assert_string_equal(g.name, "Lyon");
    assert_string_equal(g.code, "1234");
    assert_string_equal(g.tz, "UTC");
    assert_string_equal(g.url, "https://r.example/l");
    es_location_change rm = {.review_url = ""};
    assert_int_equal(es_location_update(f->s, a, &rm, 0), ES_OK);
    assert_int_equal(es_location_get(f->s, a, got_cb, &g), ES_OK);
    assert_string_equal(g.url, "(null)");
    es_location_change taken = {.code = "p2"}; /* codes compare without case */
    assert_int_equal(es_location_update(f->s, a, &taken, 0), ES_EEXIST);
    es_location_change badtz = {.tz = "Nowhere/Land"};
    assert_int_equal(es_location_update(f->s, a, &badtz, 0), ES_EINVAL);
    es_location_change badcode = {.code = "12 34"};
    assert_int_equal(es_location_update(f->s, a, &badcode, 0), ES_EINVAL);
    assert_int_equal(es_location_update(f->s, 999, &c, 0), ES_ENOTFOUND);
    assert_int_equal(es_location_get(f->s, 999, got_cb, &g), ES_ENOTFOUND);
}

typedef struct regions {
    char buf[512];
} regions;

static void region_cb(const es_region *r, void *ud)
{
    regions *g = ud;
    size_t n = strlen(g->buf);
    snprintf(g->buf + n, sizeof g->buf - n, "%s=%s:%lld;", r->path, r->name,
             (long long)r->n_locations);
}

static void mgr_cb(const es_location_manager *m, void *ud)
{
    size_t n = strlen(ud);
    snprintf((char *)ud + n, 256 - n, "%s ", m->name);
}

static void test_org_regions_managers(void **state)
{
    fixture *f = *state;
    char name[64];
    assert_int_equal(es_org_name(f->s, name, sizeof name), ES_OK);
    assert_string_equal(name, "");
    assert_int_equal(es_org_set_name(f->s, "Acme Coffee", 0), ES_OK);
    assert_int_equal(es_org_set_name(f->s, "", 0), ES_EINVAL);
    assert_int_equal(es_org_name(f->s, name, sizeof name), ES_OK);
    assert_string_equal(name, "Acme Coffee");
    add(f->s, "eu/fr/lyon-14", "1234", NULL, NULL);
    add(f->s, "eu/de/berlin", "B1", NULL, NULL);
    assert_int_equal(es_region_rename(f->s, "eu/fr/", "France", 0), ES_OK);
    assert_int_equal(es_region_rename(f->s, "asia/", "Asia", 0), ES_ENOTFOUND);
    regions r = {""};
    assert_int_equal(es_region_list(f->s, region_cb, &r), ES_OK);
    assert_string_equal(r.buf, "eu/=eu/:2;eu/de/=eu/de/:1;eu/fr/=France:1;");
    /* Managers: role manager and a scope covering the location. */
    const char *eu[] = {"eu/"}, *de[] = {"eu/de/"}, *lyon[] = {"eu/fr/lyon-14"};
    es_user_spec us[] = {
        {.name = "m-eu", .role = ES_ROLE_MANAGER, .locations = eu, .n_locations = 1},
        {.name = "m-de", .role = ES_ROLE_MANAGER, .locations = de, .n_locations = 1},
        {.name = "m-lyon", .role = ES_ROLE_MANAGER, .locations = lyon, .n_locations = 1},
        {.name = "m-all", .role = ES_ROLE_MANAGER},
        {.name = "agent-lyon", .role = ES_ROLE_AGENT, .locations = lyon, .n_locations = 1},
    };
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(es_user_add(f->s, &us[i], NULL, NULL), ES_OK);
    char m[256] = "";
    assert_int_equal(es_location_managers(f->s, "eu/fr/lyon-14", mgr_cb, m), ES_OK);
    assert_string_equal(m, "m-all m-eu m-lyon ");
    m[0] = '\0';
    assert_int_equal(es_location_managers(f->s, "eu/de/berlin", mgr_cb, m), ES_OK);
    assert_string_equal(m, "m-all m-de m-eu ");
}

/* ---- CSV ------------------------------------------------------------------------- */

static es_err import(es_store_t *s, const char *csv, es_location_import_result *r, char *err)
{
    return es_location_import_csv(s, csv, strlen(csv), 0, r, err, 300);
}

static int to_buf(void *ud, const char *bytes, size_t n)
{
    size_t used = strlen(ud);
    if (used + n >= 2048)
        return 1;
    memcpy((char *)ud + used, bytes, n);
    ((char *)ud)[used + n] = '\0';
    return 0;
}

static const char good[] =
    "key,code,name,region_name,tz,review_url,disabled\n"
    "eu/fr/lyon-14,1234,Lyon Part-Dieu,France,Europe/Paris,https://r.example/1234,0\n"
    "eu/fr/paris-2,P2,\"Paris, Op\xc3\xa9ra\",France,Europe/Paris,,0\n"
    "us/ny-1,NY1,\"New York \"\"One\"\"\",,America/New_York,,1\n";

static void test_csv_import(void **state)
{
    fixture *f = *state;
    es_location_import_result r;
    char err[300];
    assert_int_equal(import(f->s, good, &r, err), ES_OK);
    assert_int_equal(r.added, 3);
    /* The same file again: nothing changes, nothing is duplicated. */
    assert_int_equal(import(f->s, good, &r, err), ES_OK);
    assert_int_equal(r.added, 0);
    assert_int_equal(r.updated, 0);
    assert_int_equal(r.unchanged, 3);
    keys k;
    es_location_filter all = {.all_locations = 1, .include_disabled = 1};
    assert_string_equal(list(f->s, &all, &k), "eu/fr/lyon-14 eu/fr/paris-2 us/ny-1");
    got g;
    assert_int_equal(es_location_get(f->s, 3, got_cb, &g), ES_OK);
    assert_string_equal(g.name, "New York \"One\"");
    assert_int_equal(g.disabled, 1);
    /* Columns in another order, a change: an update. */
    assert_int_equal(import(f->s, "name,key,code\nLyon,eu/fr/lyon-14,1234\n", &r, err), ES_OK);
    assert_int_equal(r.updated, 1);
    assert_int_equal(es_location_get(f->s, 1, got_cb, &g), ES_OK);
    assert_string_equal(g.name, "Lyon");
    assert_string_equal(g.tz, "Europe/Paris"); /* absent columns leave their fields */
    assert_string_equal(g.url, "https://r.example/1234");
    /* A present but empty cell resets its field. */
    assert_int_equal(import(f->s, "key,code,name,tz,review_url\neu/fr/lyon-14,1234,Lyon,,\n", &r,
                            err), ES_OK);
    assert_int_equal(r.updated, 1);
    assert_int_equal(es_location_get(f->s, 1, got_cb, &g), ES_OK);
    assert_string_equal(g.tz, "UTC");
    assert_string_equal(g.url, "(null)");
    /* The export imports back without a change. */
    char out[2048] = "";
    assert_int_equal(es_location_export_csv(f->s, &all, to_buf, out), ES_OK);
    assert_non_null(strstr(out, "eu/fr/paris-2,P2,\"Paris, Op\xc3\xa9ra\",France,"));
    assert_non_null(strstr(out, "\"New York \"\"One\"\"\""));
    assert_int_equal(import(f->s, out, &r, err), ES_OK);
    assert_int_equal(r.unchanged, 3);
    regions rg = {""};
    assert_int_equal(es_region_list(f->s, region_cb, &rg), ES_OK);
    assert_non_null(strstr(rg.buf, "eu/fr/=France:2;"));
}

static void expect_error(es_store_t *s, const char *csv, es_err want, const char *msg)
{
    es_location_import_result r;
    char err[300];
    assert_int_equal(import(s, csv, &r, err), want);
    if (strcmp(err, msg) != 0)
        fail_msg("error '%s', expected '%s'", err, msg);
}

static void test_csv_errors(void **state)
{
    fixture *f = *state;
    add(f->s, "eu/old", "OLD", NULL, NULL);
    const char *h = "key,code,name,tz\n";
    char csv[512];
    snprintf(csv, sizeof csv, "%sa/1,A1,One,UTC\na/2,A2,Two,Mars/Olympus\n", h);
    expect_error(f->s, csv, ES_EINVAL, "row 3, column tz: unknown time zone 'Mars/Olympus'");
    expect_error(f->s, "key,code,name,colour\n", ES_EPARSE,
                 "row 1, column colour: unknown column (key, code, name, region_name, tz, "
                 "review_url, disabled)");
    expect_error(f->s, "key,name\na,A\n", ES_EPARSE,
                 "row 1, column code: missing (key, code and name are required)");
    snprintf(csv, sizeof csv, "%sa/1,A1,One,UTC\na/1,A2,Two,UTC\n", h);
    expect_error(f->s, csv, ES_EINVAL, "row 3, column key: 'a/1' is also on row 2");
    snprintf(csv, sizeof csv, "%sa/1,A1,One,UTC\na/2,a1,Two,UTC\n", h);
    expect_error(f->s, csv, ES_EINVAL, "row 3, column code: 'a1' is also on row 2");
    snprintf(csv, sizeof csv, "%sa/1,A-1,One,UTC\n", h);
    expect_error(f->s, csv, ES_EINVAL, "row 2, column code: the code must be letters and "
                                       "digits only, such as \"1234\"");
    snprintf(csv, sizeof csv, "%sa/1,A1,,UTC\n", h);
    expect_error(f->s, csv, ES_EINVAL, "row 2, column name: the name is empty");
    snprintf(csv, sizeof csv, "%sa/1,A1,One,UTC,extra\n", h);
    expect_error(f->s, csv, ES_EPARSE, "row 2: more fields than the header has");
    snprintf(csv, sizeof csv, "%sa/1,A1,\"One,UTC\n", h);
    expect_error(f->s, csv, ES_EPARSE, "row 2: error parsing data while strict checking enabled");
    expect_error(f->s, "key,code,name,disabled\na/1,A1,One,maybe\n", ES_EINVAL,
                 "row 2, column disabled: 0, 1, false or true");
    expect_error(f->s, "key,code,name,review_url\na/1,A1,One,ftp://x\n", ES_EINVAL,
                 "row 2, column review_url: the review link must be an http or https URL");
    expect_error(f->s, "", ES_EPARSE, "row 1: no header");
    /* A code taken by a location not in the file: nothing of the file stays. */
    snprintf(csv, sizeof csv, "%sa/1,A1,One,UTC\na/2,old,Two,UTC\n", h);
    expect_error(f->s, csv, ES_EEXIST, "row 3, column code: 'old' is another location's code");
    keys k;
    es_location_filter all = {.all_locations = 1, .include_disabled = 1};
    assert_string_equal(list(f->s, &all, &k), "eu/old");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tz),
        cmocka_unit_test_setup_teardown(test_list_scope_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_org_regions_managers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
