/*
 * test_users.c - the users part of the store (users.h, src/store/users.c,
 * sqlite_user*.c) against a real SQLite file: roles and region scope,
 * adding, reading and changing users with their locations, refusals of bad
 * input, argon2id logins with sessions and CSRF tokens, the login rate
 * limit by name and by address, absolute and idle expiry, logout, the
 * sweep, rehashing on a changed cost, API tokens with roles (and the role
 * of tokens made before roles existed), the audit trail of each change,
 * and allocation failures while reading.
 *
 * Most tests lower the argon2id cost to libsodium's minimum to stay fast;
 * the rehash test uses the real (OWASP) cost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "earshot/server.h"
#include "earshot/store.h"
#include "earshot/users.h"

#define NOW 1800000000LL
#define OWASP_OPS 2ULL
#define OWASP_MEM ((size_t)19 * 1024 * 1024)

typedef struct fixture {
    char dir[64];
    char path[128];
    es_store_t *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    struct stat sb;
    const char *base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(f->dir, sizeof f->dir, "%s/es_users_XXXXXX", base);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    if (es_store_open(f->path, &f->s))
        fail_msg("open: %s", es_store_errmsg(f->s));
    assert_int_equal(
        es_user_set_pwhash_cost(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), ES_OK);
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

static int64_t add_user(es_store_t *s, const char *name, es_role role, const char *password,
                        const char *const *locs, size_t n)
{
    es_user_spec u = {
        .name = name, .role = role, .password = password, .locations = locs, .n_locations = n};
    int64_t id = 0;
    es_err rc = es_user_add(s, &u, NULL, &id);
    if (rc)
        fail_msg("adding %s: %s", name, es_store_errmsg(s));
    assert_true(id > 0);
    return id;
}

/* What a callback saw of a user or a principal. */
typedef struct seen {
    int calls;
    int64_t id, user_id, token_id;
    char name[80];
    es_role role;
    char locs[256]; /* joined with ',' */
    int disabled, has_password;
    char email[80];
} seen;

static void join(seen *w, const char *const *v, size_t n)
{
    w->locs[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(w->locs);
        snprintf(w->locs + len, sizeof w->locs - len, "%s%s", i ? "," : "", v[i]);
    }
}

static void user_cb(const es_user_row *u, void *ud)
{
    seen *w = ud;
    w->calls++;
    w->id = u->id;
    snprintf(w->name, sizeof w->name, "%s", u->name);
    snprintf(w->email, sizeof w->email, "%s", u->email ? u->email : "-");
    w->role = u->role;
    w->disabled = u->disabled;
    w->has_password = u->has_password;
    join(w, u->locations, u->n_locations);
}

static void principal_cb(const es_principal *p, void *ud)
{
    seen *w = ud;
    w->calls++;
    w->user_id = p->user_id;
    w->token_id = p->token_id;
    snprintf(w->name, sizeof w->name, "%s", p->name);
    w->role = p->role;
    join(w, p->locations, p->n_locations);
}

/* Counts audit entries with action about object (NULL: any). */
typedef struct audit_count {
    const char *action;
    int n;
    char last_detail[200];
} audit_count;

static void audit_cb(const es_audit_entry *e, void *ud)
{
    audit_count *a = ud;
    if (strcmp(e->action, a->action) == 0) {
        if (a->n == 0)
            snprintf(a->last_detail, sizeof a->last_detail, "%s", e->detail ? e->detail : "");
        a->n++;
    }
}

static int audits(es_store_t *s, const char *action, const char *object, char *detail, size_t dsize)
{
    audit_count a = {action, 0, ""};
    assert_int_equal(es_store_audit_list(s, object, 1000, audit_cb, &a), ES_OK);
    if (detail)
        snprintf(detail, dsize, "%s", a.last_detail);
    return a.n;
}

/* Rows of a table, read with a connection of its own. */
static int count_rows(const char *path, const char *table)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char sql[96];
    int n = -1;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* ---- tests --------------------------------------------------------------------- */

static void test_roles_and_scope(void **state)
{
    (void)state;
    es_role r = ES_ROLE_NONE;
    assert_int_equal(es_role_parse("manager", &r), ES_OK);
    assert_int_equal(r, ES_ROLE_MANAGER);
    assert_int_equal(es_role_parse("Admin", &r), ES_EINVAL);
    assert_int_equal(es_role_parse("", &r), ES_EINVAL);
    assert_int_equal(es_role_parse(NULL, &r), ES_EINVAL);
    assert_string_equal(es_role_name(ES_ROLE_VIEWER), "viewer");
    assert_null(es_role_name(ES_ROLE_NONE));
    assert_null(es_role_name((es_role)17));
    assert_true(ES_ROLE_VIEWER < ES_ROLE_AGENT && ES_ROLE_AGENT < ES_ROLE_MANAGER &&
                ES_ROLE_MANAGER < ES_ROLE_ADMIN);

    assert_true(es_user_scope_covers("eu/", "eu/paris"));
    assert_true(es_user_scope_covers("eu/", "eu/fr/lyon"));
    assert_false(es_user_scope_covers("eu/", "europe"));
    assert_false(es_user_scope_covers("eu/", "eu"));
    assert_true(es_user_scope_covers("eu/paris", "eu/paris"));
    assert_false(es_user_scope_covers("eu/paris", "eu/paris2"));
    assert_false(es_user_scope_covers("eu/paris", "eu/"));
    assert_false(es_user_scope_covers("eu/", NULL));
    assert_false(es_user_scope_covers("eu/", ""));
    assert_false(es_user_scope_covers("", "x"));
}

static void test_add_get_list(void **state)
{
    fixture *f = *state;
    const char *locs[] = {"store-b", "eu/", "store-a"};
    es_user_spec u = {.name = "Alice",
                      .role = ES_ROLE_MANAGER,
                      .email = "alice@example.com",
                      .password = "correct horse",
                      .locations = locs,
                      .n_locations = 3};
    es_user_actor by = {0, 0};
    int64_t id = 0;
    assert_int_equal(es_user_add(f->s, &u, &by, &id), ES_OK);
    seen w = {0};
    assert_int_equal(es_user_get(f->s, id, NULL, user_cb, &w), ES_OK);
    assert_int_equal(w.calls, 1);
    assert_string_equal(w.name, "Alice");
    assert_int_equal(w.role, ES_ROLE_MANAGER);
    assert_string_equal(w.locs, "eu/,store-a,store-b");
    assert_string_equal(w.email, "alice@example.com");
    assert_true(w.has_password);
    assert_false(w.disabled);

    /* By name, without regard to case. */
    memset(&w, 0, sizeof w);
    assert_int_equal(es_user_get(f->s, 0, "ALICE", user_cb, &w), ES_OK);
    assert_int_equal(w.id, id);
    assert_int_equal(es_user_get(f->s, 0, "nobody", user_cb, &w), ES_ENOTFOUND);
    assert_int_equal(es_user_get(f->s, 999, NULL, user_cb, &w), ES_ENOTFOUND);

    /* A name is unique without regard to case. */
    u.name = "alice";
    assert_int_equal(es_user_add(f->s, &u, NULL, NULL), ES_EEXIST);
    assert_non_null(strstr(es_store_errmsg(f->s), "taken"));

    /* A user without password nor locations. */
    es_user_spec v = {.name = "viewer1", .role = ES_ROLE_VIEWER};
    assert_int_equal(es_user_add(f->s, &v, NULL, NULL), ES_OK);
    memset(&w, 0, sizeof w);
    assert_int_equal(es_user_list(f->s, user_cb, &w), ES_OK);
    assert_int_equal(w.calls, 2);
    assert_string_equal(w.name, "viewer1"); /* by name: last */
    assert_false(w.has_password);
    assert_string_equal(w.locs, "");

    char detail[200];
    char object[32];
    snprintf(object, sizeof object, "user:%lld", (long long)id);
    assert_int_equal(audits(f->s, "user.add", object, detail, sizeof detail), 1);
    assert_string_equal(detail, "{\"role\":\"manager\"}");
}

static void test_bad_input(void **state)
{
    fixture *f = *state;
    es_user_spec u = {.name = "bob", .role = ES_ROLE_AGENT, .password = "long enough"};
    static const char *const bad_names[] = {"", "with space", "a:b", "tab\there", "é"};
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
        u.name = bad_names[i];
        assert_int_equal(es_user_add(f->s, &u, NULL, NULL), ES_EINVAL);
    }
    char longname[ES_USER_NAME_MAX + 2];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    u.name = longname;
    assert_int_equal(es_user_add(f->s, &u, NULL, NULL), ES_EINVAL);
    longname[ES_USER_NAME_MAX] = '\0';
    assert_int_equal(es_user_add(f->s, &u, NULL, NULL), ES_OK); /* exactly the maximum */

    u.name = "bob";
    u.role = ES_ROLE_NONE;
    assert_int_equal(es_user_add(f->s, &u, NULL, NULL), ES_EINVAL);
    u.role = ES_ROLE_AGENT;
    u.password = "short";
    assert_int_equal(es_user_add(f->s, &u, NULL, NULL), ES_EINVAL);
    u.password = "long enough";
    const char *badloc[] = {"ok", "bad\nline"};
    u.locations = badloc;
    u.n_locations = 2;
    assert_int_equal(es_user_add(f->s, &u, NULL, NULL), ES_EINVAL);
    const char *bad_utf8[] = {"\xc3("};
    u.locations = bad_utf8;
    u.n_locations = 1;
    assert_int_equal(es_user_add(f->s, &u, NULL, NULL), ES_EINVAL);
    const char *many[ES_USER_MAX_LOCATIONS + 1];
    for (size_t i = 0; i <= ES_USER_MAX_LOCATIONS; i++)
        many[i] = "x";
    u.locations = many;
    u.n_locations = ES_USER_MAX_LOCATIONS + 1;
    assert_int_equal(es_user_add(f->s, &u, NULL, NULL), ES_ELIMIT);
    u.locations = NULL;
    u.n_locations = 0;
    u.email = "a\x7f";
    assert_int_equal(es_user_add(f->s, &u, NULL, NULL), ES_EINVAL);
    u.email = NULL;
    /* Nothing of the refused ones was stored. */
    seen w = {0};
    assert_int_equal(es_user_get(f->s, 0, "bob", user_cb, &w), ES_ENOTFOUND);
    assert_int_equal(es_user_add(f->s, &u, NULL, NULL), ES_OK);
    assert_int_equal(es_user_add(NULL, &u, NULL, NULL), ES_EINVAL);
    assert_int_equal(es_user_add(f->s, NULL, NULL, NULL), ES_EINVAL);
}

static void test_login_session_csrf(void **state)
{
    fixture *f = *state;
    const char *locs[] = {"store-a"};
    int64_t id = add_user(f->s, "carol", ES_ROLE_AGENT, "s3cret-pass", locs, 1);
    es_session ss;
    int64_t retry = -1;
    assert_int_equal(es_user_login(f->s, "carol", "s3cret-pass", "10.0.0.1", NOW, &ss, &retry),
                     ES_OK);
    assert_int_equal(strlen(ss.id), ES_SESSION_ID_LEN);
    assert_int_equal(strlen(ss.csrf), ES_SESSION_CSRF_LEN);
    assert_int_equal(ss.user_id, id);
    assert_int_equal(ss.expires, NOW + ES_SESSION_TTL);
    assert_int_equal(retry, -1);

    seen w = {0};
    assert_int_equal(es_session_check(f->s, ss.id, NOW + 10, principal_cb, &w), ES_OK);
    assert_int_equal(w.calls, 1);
    assert_int_equal(w.user_id, id);
    assert_int_equal(w.token_id, 0);
    assert_int_equal(w.role, ES_ROLE_AGENT);
    assert_string_equal(w.name, "carol");
    assert_string_equal(w.locs, "store-a");

    /* The id is not stored: the table holds its SHA-256 only. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT hash FROM sessions", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    uint8_t want[32];
    crypto_hash_sha256(want, (const unsigned char *)ss.id, ES_SESSION_ID_LEN);
    assert_int_equal(sqlite3_column_bytes(st, 0), 32);
    assert_memory_equal(sqlite3_column_blob(st, 0), want, 32);
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* CSRF: bound to this session, compared exactly. */
    assert_true(es_session_csrf_ok(ss.id, ss.csrf));
    char other[ES_SESSION_CSRF_LEN + 1];
    memcpy(other, ss.csrf, sizeof other);
    other[5] = other[5] == 'A' ? 'B' : 'A';
    assert_false(es_session_csrf_ok(ss.id, other));
    assert_false(es_session_csrf_ok(ss.id, ""));
    assert_false(es_session_csrf_ok(ss.id, NULL));
    es_session s2;
    assert_int_equal(es_user_login(f->s, "carol", "s3cret-pass", NULL, NOW, &s2, NULL), ES_OK);
    assert_string_not_equal(s2.id, ss.id);
    assert_false(es_session_csrf_ok(s2.id, ss.csrf));

    /* Wrong password, unknown name, malformed and unknown sessions. */
    es_session bad;
    assert_int_equal(es_user_login(f->s, "carol", "s3cret-pasS", NULL, NOW, &bad, NULL),
                     ES_ENOTFOUND);
    assert_string_equal(bad.id, "");
    assert_int_equal(es_user_login(f->s, "nobody", "s3cret-pass", NULL, NOW, &bad, NULL),
                     ES_ENOTFOUND);
    assert_int_equal(es_session_check(f->s, "short", NOW, principal_cb, &w), ES_ENOTFOUND);
    char forged[ES_SESSION_ID_LEN + 1];
    memcpy(forged, ss.id, sizeof forged);
    forged[0] = forged[0] == 'x' ? 'y' : 'x';
    assert_int_equal(es_session_check(f->s, forged, NOW, principal_cb, &w), ES_ENOTFOUND);

    char object[32];
    snprintf(object, sizeof object, "user:%lld", (long long)id);
    char detail[200];
    assert_int_equal(audits(f->s, "user.login", object, detail, sizeof detail), 2);
    assert_int_equal(audits(f->s, "user.login_failed", object, NULL, 0), 1);
    assert_int_equal(audits(f->s, "user.login_failed", "login:nobody", NULL, 0), 1);
    assert_int_equal(audits(f->s, "user.login", object, detail, sizeof detail), 2);

    /* Logout ends it, once. */
    assert_int_equal(es_session_end(f->s, ss.id), ES_OK);
    assert_int_equal(es_session_check(f->s, ss.id, NOW + 20, principal_cb, &w), ES_ENOTFOUND);
    assert_int_equal(es_session_end(f->s, ss.id), ES_ENOTFOUND);
    assert_int_equal(audits(f->s, "user.logout", object, NULL, 0), 1);
    assert_int_equal(es_session_check(f->s, s2.id, NOW + 20, principal_cb, &w), ES_OK);
}

static void test_expiry(void **state)
{
    fixture *f = *state;
    add_user(f->s, "dave", ES_ROLE_VIEWER, "password1", NULL, 0);
    es_session ss;
    seen w = {0};
    assert_int_equal(es_user_login(f->s, "dave", "password1", NULL, NOW, &ss, NULL), ES_OK);
    /* Kept alive by use every 20 minutes ... */
    int64_t t = NOW;
    while (t + 20 * 60 < NOW + ES_SESSION_TTL) {
        t += 20 * 60;
        assert_int_equal(es_session_check(f->s, ss.id, t, principal_cb, &w), ES_OK);
    }
    /* ... until the absolute end. */
    assert_int_equal(es_session_check(f->s, ss.id, NOW + ES_SESSION_TTL, principal_cb, &w),
                     ES_ENOTFOUND);

    /* Idle: unused for ES_SESSION_IDLE seconds. */
    assert_int_equal(es_user_login(f->s, "dave", "password1", NULL, NOW, &ss, NULL), ES_OK);
    assert_int_equal(es_session_check(f->s, ss.id, NOW + ES_SESSION_IDLE - 1, principal_cb, &w),
                     ES_OK);
    assert_int_equal(es_session_check(f->s, ss.id, NOW + 2 * ES_SESSION_IDLE - 2, principal_cb, &w),
                     ES_OK);
    assert_int_equal(es_session_check(f->s, ss.id, NOW + 3 * ES_SESSION_IDLE, principal_cb, &w),
                     ES_ENOTFOUND);

    /* A login sweeps what has run out; so does es_session_sweep. */
    es_session a, b;
    assert_int_equal(es_user_login(f->s, "dave", "password1", NULL, NOW, &a, NULL), ES_OK);
    assert_int_equal(es_user_login(f->s, "dave", "password1", NULL, NOW + 3000, &b, NULL), ES_OK);
    assert_int_equal(count_rows(f->path, "sessions"), 1);
    assert_int_equal(es_session_check(f->s, b.id, NOW + 3001, principal_cb, &w), ES_OK);
    assert_int_equal(es_session_check(f->s, a.id, NOW + 3001, principal_cb, &w), ES_ENOTFOUND);
    int64_t removed = -1;
    assert_int_equal(es_session_sweep(f->s, NOW + 3001 + ES_SESSION_IDLE, &removed), ES_OK);
    assert_true(removed >= 1);
    assert_int_equal(count_rows(f->path, "sessions"), 0);
    assert_int_equal(count_rows(f->path, "login_attempts"), 0);
}

static void test_rate_limit(void **state)
{
    fixture *f = *state;
    add_user(f->s, "erin", ES_ROLE_AGENT, "right-password", NULL, 0);
    add_user(f->s, "frank", ES_ROLE_AGENT, "right-password", NULL, 0);
    es_session ss;
    int64_t retry = 0;
    for (int i = 0; i < ES_LOGIN_MAX_FAILURES; i++)
        assert_int_equal(es_user_login(f->s, "erin", "wrong", "10.0.0.1", NOW + i, &ss, &retry),
                         ES_ENOTFOUND);
    /* Locked for this name, even with the right password, from anywhere. */
    assert_int_equal(
        es_user_login(f->s, "erin", "right-password", "10.0.0.2", NOW + 10, &ss, &retry),
        ES_ELIMIT);
    assert_int_equal(retry, ES_LOGIN_WINDOW - 10);
    assert_non_null(strstr(es_store_errmsg(f->s), "too many"));
    /* The refused attempt is not counted: the lock ends when the first
     * failure leaves the window. */
    assert_int_equal(es_user_login(f->s, "erin", "right-password", "10.0.0.2",
                                   NOW + ES_LOGIN_WINDOW, &ss, &retry),
                     ES_OK);
    /* A success resets the count for the name. */
    for (int i = 0; i < ES_LOGIN_MAX_FAILURES - 1; i++)
        assert_int_equal(es_user_login(f->s, "erin", "wrong", "10.0.0.3", NOW + ES_LOGIN_WINDOW + 1,
                                       &ss, &retry),
                         ES_ENOTFOUND);
    assert_int_equal(es_user_login(f->s, "erin", "right-password", "10.0.0.3",
                                   NOW + ES_LOGIN_WINDOW + 2, &ss, &retry),
                     ES_OK);

    /* By address: failures spread over names from one address. */
    int64_t t = NOW + 10 * ES_LOGIN_WINDOW;
    for (int i = 0; i < ES_LOGIN_MAX_FAILURES_ADDR; i++) {
        char name[16];
        snprintf(name, sizeof name, "guess%d", i);
        assert_int_equal(es_user_login(f->s, name, "x", "192.0.2.9", t, &ss, &retry), ES_ENOTFOUND);
    }
    assert_int_equal(
        es_user_login(f->s, "frank", "right-password", "192.0.2.9", t + 1, &ss, &retry), ES_ELIMIT);
    assert_int_equal(retry, ES_LOGIN_WINDOW - 1);
    assert_int_equal(
        es_user_login(f->s, "frank", "right-password", "192.0.2.10", t + 1, &ss, &retry), ES_OK);
}

static void test_update(void **state)
{
    fixture *f = *state;
    const char *locs[] = {"store-a"};
    int64_t id = add_user(f->s, "gina", ES_ROLE_AGENT, "first-pass", locs, 1);
    es_session ss;
    seen w = {0};
    es_user_actor admin = {42, 0};

    /* Email and locations: sessions stay. */
    assert_int_equal(es_user_login(f->s, "gina", "first-pass", NULL, NOW, &ss, NULL), ES_OK);
    const char *nl[] = {"eu/", "store-c"};
    es_user_change c = {
        .email = "g@example.com", .set_locations = 1, .locations = nl, .n_locations = 2};
    assert_int_equal(es_user_update(f->s, id, &c, &admin), ES_OK);
    assert_int_equal(es_session_check(f->s, ss.id, NOW + 1, principal_cb, &w), ES_OK);
    assert_string_equal(w.locs, "eu/,store-c");
    char detail[200], object[32];
    snprintf(object, sizeof object, "user:%lld", (long long)id);
    assert_int_equal(audits(f->s, "user.update", object, detail, sizeof detail), 1);
    assert_string_equal(detail, "{\"changed\":[\"email\",\"locations\"]}");

    /* A role change ends the sessions. */
    c = (es_user_change){.set_role = 1, .role = ES_ROLE_MANAGER};
    assert_int_equal(es_user_update(f->s, id, &c, &admin), ES_OK);
    assert_int_equal(es_session_check(f->s, ss.id, NOW + 2, principal_cb, &w), ES_ENOTFOUND);

    /* A new password: the old one fails, sessions end. */
    assert_int_equal(es_user_login(f->s, "gina", "first-pass", NULL, NOW, &ss, NULL), ES_OK);
    c = (es_user_change){.password = "second-pass"};
    assert_int_equal(es_user_update(f->s, id, &c, &admin), ES_OK);
    assert_int_equal(es_session_check(f->s, ss.id, NOW + 3, principal_cb, &w), ES_ENOTFOUND);
    assert_int_equal(es_user_login(f->s, "gina", "first-pass", NULL, NOW, &ss, NULL), ES_ENOTFOUND);
    assert_int_equal(es_user_login(f->s, "gina", "second-pass", NULL, NOW, &ss, NULL), ES_OK);
    audits(f->s, "user.update", object, detail, sizeof detail);
    assert_string_equal(detail, "{\"changed\":[\"password\"]}");

    /* Disabled: sessions end, login refused like a wrong password. */
    c = (es_user_change){.set_disabled = 1, .disabled = 1};
    assert_int_equal(es_user_update(f->s, id, &c, &admin), ES_OK);
    assert_int_equal(es_session_check(f->s, ss.id, NOW + 4, principal_cb, &w), ES_ENOTFOUND);
    assert_int_equal(es_user_login(f->s, "gina", "second-pass", NULL, NOW, &ss, NULL),
                     ES_ENOTFOUND);
    c.disabled = 0;
    assert_int_equal(es_user_update(f->s, id, &c, &admin), ES_OK);
    assert_int_equal(es_user_login(f->s, "gina", "second-pass", NULL, NOW, &ss, NULL), ES_OK);
    memset(&w, 0, sizeof w);
    assert_int_equal(es_user_get(f->s, id, NULL, user_cb, &w), ES_OK);
    assert_int_equal(w.role, ES_ROLE_MANAGER);
    assert_string_equal(w.email, "g@example.com");
    /* Clearing the email with "". */
    c = (es_user_change){.email = ""};
    assert_int_equal(es_user_update(f->s, id, &c, &admin), ES_OK);
    assert_int_equal(es_user_get(f->s, id, NULL, user_cb, &w), ES_OK);
    assert_string_equal(w.email, "-");

    /* Refusals change nothing. */
    c = (es_user_change){.set_role = 1, .role = (es_role)9};
    assert_int_equal(es_user_update(f->s, id, &c, &admin), ES_EINVAL);
    c = (es_user_change){.password = "short"};
    assert_int_equal(es_user_update(f->s, id, &c, &admin), ES_EINVAL);
    c = (es_user_change){.set_role = 1, .role = ES_ROLE_ADMIN};
    assert_int_equal(es_user_update(f->s, 9999, &c, &admin), ES_ENOTFOUND);
    assert_int_equal(es_user_get(f->s, id, NULL, user_cb, &w), ES_OK);
    assert_int_equal(w.role, ES_ROLE_MANAGER);
}

/* A hash made with a lower cost is replaced at the next login. */
static void test_rehash(void **state)
{
    fixture *f = *state;
    add_user(f->s, "hank", ES_ROLE_VIEWER, "cheap-hash-pw", NULL, 0);
    assert_int_equal(es_user_set_pwhash_cost(OWASP_OPS, OWASP_MEM), ES_OK);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char before[200], after[200];
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT password_hash FROM users WHERE name='hank'", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(before, sizeof before, "%s", sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    assert_non_null(strstr(before, "$argon2id$"));
    assert_null(strstr(before, "m=19456"));

    es_session ss;
    assert_int_equal(es_user_login(f->s, "hank", "cheap-hash-pw", NULL, NOW, &ss, NULL), ES_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(after, sizeof after, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_non_null(strstr(after, "$argon2id$"));
    assert_non_null(strstr(after, "m=19456,t=2"));
    assert_int_equal(crypto_pwhash_str_verify(after, "cheap-hash-pw", 13), 0);
    /* And the new hash logs in. */
    assert_int_equal(es_user_login(f->s, "hank", "cheap-hash-pw", NULL, NOW, &ss, NULL), ES_OK);
    assert_int_equal(es_user_set_pwhash_cost(0, 0), ES_EINVAL);
}

static void test_tokens(void **state)
{
    fixture *f = *state;
    const char *locs[] = {"store-a", "eu/"};
    int64_t mgr = add_user(f->s, "ivy", ES_ROLE_MANAGER, "manager-pass", locs, 2);
    uint8_t h1[32], h2[32], h3[32], h4[32];
    char tok[ES_SERVER_TOKEN_LEN + 1];
    int64_t t1 = 0, t2 = 0;
    assert_int_equal(es_server_token_new(tok, h1), ES_OK);
    assert_int_equal(es_server_token_new(tok, h2), ES_OK);
    assert_int_equal(es_server_token_new(tok, h3), ES_OK);
    assert_int_equal(es_server_token_new(tok, h4), ES_OK);

    /* A token made the old way has the role agent and every location. */
    assert_int_equal(es_store_token_add(f->s, "legacy-hook", h1, &t1), ES_OK);
    seen w = {0};
    assert_int_equal(es_user_token_check(f->s, h1, NOW, principal_cb, &w), ES_OK);
    assert_int_equal(w.token_id, t1);
    assert_int_equal(w.user_id, 0);
    assert_int_equal(w.role, ES_ROLE_AGENT);
    assert_string_equal(w.name, "legacy-hook");
    assert_string_equal(w.locs, "");
    es_role r = ES_ROLE_NONE;
    assert_int_equal(es_user_token_role(f->s, t1, &r), ES_OK);
    assert_int_equal(r, ES_ROLE_AGENT);

    /* A token of a user: at most the user's role, the user's scope. */
    assert_int_equal(es_user_token_add(f->s, "ivy-script", h2, ES_ROLE_ADMIN, mgr, NULL, &t2),
                     ES_OK);
    memset(&w, 0, sizeof w);
    assert_int_equal(es_user_token_check(f->s, h2, NOW, principal_cb, &w), ES_OK);
    assert_int_equal(w.role, ES_ROLE_MANAGER);
    assert_int_equal(w.user_id, mgr);
    assert_int_equal(w.token_id, t2);
    assert_string_equal(w.locs, "eu/,store-a");
    char object[32];
    snprintf(object, sizeof object, "token:%lld", (long long)t2);
    char detail[200];
    assert_int_equal(audits(f->s, "token.add", object, detail, sizeof detail), 1);

    /* A viewer token of nobody. */
    assert_int_equal(es_user_token_add(f->s, "dash", h3, ES_ROLE_VIEWER, 0, NULL, NULL), ES_OK);
    assert_int_equal(es_user_token_check(f->s, h3, NOW, principal_cb, &w), ES_OK);
    assert_int_equal(w.role, ES_ROLE_VIEWER);

    /* Refusals. */
    assert_int_equal(es_user_token_add(f->s, "dash", h4, ES_ROLE_VIEWER, 0, NULL, NULL), ES_EEXIST);
    assert_int_equal(es_user_token_add(f->s, "orphan", h4, ES_ROLE_VIEWER, 777, NULL, NULL),
                     ES_ENOTFOUND);
    assert_int_equal(es_user_token_add(f->s, "norole", h4, ES_ROLE_NONE, 0, NULL, NULL), ES_EINVAL);
    assert_int_equal(es_user_token_check(f->s, h4, NOW, principal_cb, &w), ES_ENOTFOUND);
    assert_int_equal(es_user_token_role(f->s, 4242, &r), ES_ENOTFOUND);

    /* A disabled user's tokens stop working. */
    es_user_change c = {.set_disabled = 1, .disabled = 1};
    assert_int_equal(es_user_update(f->s, mgr, &c, NULL), ES_OK);
    assert_int_equal(es_user_token_check(f->s, h2, NOW, principal_cb, &w), ES_ENOTFOUND);
}

/* Reading users and sessions when the Nth allocation fails: ES_ENOMEM, no
 * callback with half a user, nothing leaked (ASan), and it works after. */
static void test_alloc_failures(void **state)
{
    fixture *f = *state;
    const char *locs[] = {"a", "b", "c"};
    add_user(f->s, "jo", ES_ROLE_AGENT, "jo-password", locs, 3);
    es_session ss;
    assert_int_equal(es_user_login(f->s, "jo", "jo-password", NULL, NOW, &ss, NULL), ES_OK);
    int failed = 0;
    for (long n = 0; n < 8; n++) {
        seen w = {0};
        es_fail_alloc_after(n);
        es_err rc = es_user_get(f->s, 0, "jo", user_cb, &w);
        es_err rc2 = es_session_check(f->s, ss.id, NOW + 1, principal_cb, &w);
        es_fail_alloc_after(-1);
        assert_true(rc == ES_OK || rc == ES_ENOMEM);
        assert_true(rc2 == ES_OK || rc2 == ES_ENOMEM);
        failed += rc == ES_ENOMEM;
        if (rc == ES_OK)
            assert_string_equal(w.locs, "a,b,c");
    }
    assert_true(failed > 0);
    seen w = {0};
    assert_int_equal(es_user_get(f->s, 0, "jo", user_cb, &w), ES_OK);
    assert_string_equal(w.locs, "a,b,c");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles_and_scope),
        cmocka_unit_test_setup_teardown(test_add_get_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_session_csrf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rehash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
    };
    return cmocka_run_group_tests_name("users", tests, NULL, NULL);
}
