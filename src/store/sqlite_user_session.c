/*
 * sqlite_user_session.c - the SQLite backend's logins, sessions and token
 * roles (schema step 6, sqlite_user.c): the login rate limit counted over
 * login_attempts, the record of each attempt with the session it opens,
 * session checks with absolute and idle expiry, logout, the periodic sweep,
 * and API tokens that carry a role and optionally a user. Reached through
 * es__sqlite_user_ops from users.c. Only hashes of secrets arrive here.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/user_int.h"

#define LAST_SEEN_EVERY 60 /* seconds between updates of a session's last_seen */

static sqlite3 *db_of(es_store_t *s)
{
    return ((es__sqlite *)s->impl)->db;
}

/* ---- the rate limit ------------------------------------------------------- */

/* Failures of one name count since its last success (a user who got in is
 * not locked out by their earlier typos); failures from one address count
 * whatever happened in between, so that one valid account cannot reset the
 * counter for guessing others. */
static const char limit_name_sql[] =
    "SELECT at FROM login_attempts WHERE name = ?1 AND ok = 0 AND at > ?2"
    " AND id > coalesce((SELECT max(id) FROM login_attempts WHERE name = ?1 AND ok = 1), 0)"
    " ORDER BY at DESC LIMIT 1 OFFSET ?3";
static const char limit_addr_sql[] =
    "SELECT at FROM login_attempts WHERE addr = ?1 AND ok = 0 AND at > ?2"
    " ORDER BY at DESC LIMIT 1 OFFSET ?3";

/* Sets *until to the time the key stops being limited, or 0. */
static es_err limited_until(es_store_t *s, const char *sql, const char *key, int max, int64_t now,
                            int64_t *until)
{
    sqlite3_stmt *st = NULL;
    *until = 0;
    es_err rc = es__sqlite_user_prepare(s, sql, &st, "checking the login rate limit");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now - ES_LOGIN_WINDOW);
    sqlite3_bind_int(st, 3, max - 1);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *until = sqlite3_column_int64(st, 0) + ES_LOGIN_WINDOW;
    else if (src != SQLITE_DONE)
        rc = es__sqlite_fail(s, db_of(s), src, "checking the login rate limit");
    sqlite3_finalize(st);
    return rc;
}

/* See user_int.h. */
es_err es__sqlite_login_limit(es_store_t *s, const char *name, const char *addr, int64_t now,
                              int64_t *retry_after)
{
    int64_t by_name = 0, by_addr = 0;
    es_err rc = limited_until(s, limit_name_sql, name, ES_LOGIN_MAX_FAILURES, now, &by_name);
    if (rc == ES_OK && addr && *addr)
        rc = limited_until(s, limit_addr_sql, addr, ES_LOGIN_MAX_FAILURES_ADDR, now, &by_addr);
    if (rc)
        return rc;
    int64_t until = by_name > by_addr ? by_name : by_addr;
    if (until <= now)
        return ES_OK;
    *retry_after = until - now;
    return es__store_fail(s, ES_ELIMIT, "too many failed logins; try again in %lld seconds",
                          (long long)(until - now));
}

/* ---- logins ------------------------------------------------------------------ */

/* See user_int.h. */
es_err es__sqlite_user_cred(es_store_t *s, const char *name,
                            void (*cb)(const es__user_cred *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_user_prepare(s,
                                        "SELECT id, password_hash, disabled FROM users"
                                        " WHERE name = ?1",
                                        &st, "logging in");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        es__user_cred c = {sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                           sqlite3_column_int(st, 2) != 0};
        cb(&c, ud);
    } else if (src == SQLITE_DONE) {
        rc = es__store_fail(s, ES_ENOTFOUND, "no such user");
    } else {
        rc = es__sqlite_fail(s, db_of(s), src, "logging in");
    }
    sqlite3_finalize(st);
    return rc;
}

/* The audit detail of a login: the client address, kept only when it is
 * made of the characters of an IPv4 or IPv6 address (so it needs no JSON
 * escaping). */
static void login_detail(char *buf, size_t size, const char *addr)
{
    int plain = addr && *addr && strlen(addr) < 64;
    for (const char *p = addr; plain && *p; p++)
        plain = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') ||
                *p == '.' || *p == ':';
    snprintf(buf, size, "{\"addr\":%s%s%s}", plain ? "\"" : "", plain ? addr : "null",
             plain ? "\"" : "");
}

/* Writes the audit entry of an attempt. */
static es_err audit_login(es_store_t *s, const es__login_rec *r)
{
    char detail[96], object[96];
    login_detail(detail, sizeof detail, r->addr);
    if (r->user_id)
        snprintf(object, sizeof object, "user:%lld", (long long)r->user_id);
    else
        snprintf(object, sizeof object, "login:%.64s", r->name);
    es_audit_entry e = {.at = r->now,
                        .user_id = r->ok ? r->user_id : 0,
                        .action = r->ok ? "user.login" : "user.login_failed",
                        .object = object,
                        .detail = detail};
    return es__sqlite_audit_add(s, &e);
}

/* See user_int.h. */
es_err es__sqlite_login_record(es_store_t *s, const es__login_rec *r)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = es__sqlite_user_prepare(s,
                                 "INSERT INTO login_attempts(at, name, addr, ok)"
                                 " VALUES (?1, ?2, ?3, ?4)",
                                 &st, "recording a login");
    if (rc == ES_OK) {
        sqlite3_bind_int64(st, 1, r->now);
        sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
        es__sqlite_bind_str(st, 3, r->addr);
        sqlite3_bind_int(st, 4, r->ok ? 1 : 0);
        rc = es__sqlite_user_step_done(s, st, "recording a login");
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == ES_OK && r->ok) {
        rc = es__sqlite_user_prepare(s,
                                     "INSERT INTO sessions(hash, user_id, created, last_seen,"
                                     " expires, addr) VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
                                     &st, "opening a session");
        if (rc == ES_OK) {
            sqlite3_bind_blob(st, 1, r->sid_hash, 32, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, r->user_id);
            sqlite3_bind_int64(st, 3, r->now);
            sqlite3_bind_int64(st, 4, r->expires);
            es__sqlite_bind_str(st, 5, r->addr);
            rc = es__sqlite_user_step_done(s, st, "opening a session");
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc == ES_OK && r->ok && r->new_pwhash) {
        rc = es__sqlite_user_prepare(s, "UPDATE users SET password_hash = ?1 WHERE id = ?2", &st,
                                     "rehashing a password");
        if (rc == ES_OK) {
            sqlite3_bind_text(st, 1, r->new_pwhash, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, r->user_id);
            rc = es__sqlite_user_step_done(s, st, "rehashing a password");
        }
        sqlite3_finalize(st);
    }
    if (rc == ES_OK)
        rc = audit_login(s, r);
    /* Each success also clears what has run out (both tables stay small),
     * so no timer is needed for it. */
    if (rc == ES_OK && r->ok)
        rc = es__sqlite_session_sweep(s, r->now, NULL);
    return es__sqlite_user_end_tx(s, rc);
}

/* ---- sessions -------------------------------------------------------------- */

/* Runs a one-statement change binding a hash (or an integer when hash is
 * NULL) as ?1. */
static es_err change(es_store_t *s, const char *sql, const uint8_t *hash, int64_t num,
                     const char *what)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_user_prepare(s, sql, &st, what);
    if (rc)
        return rc;
    if (hash)
        sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, num);
    rc = es__sqlite_user_step_done(s, st, what);
    sqlite3_finalize(st);
    return rc;
}

#define LOCS_OF(uid)                                                                               \
    "(SELECT group_concat(location, char(31)) FROM (SELECT location FROM user_locations"           \
    " WHERE user_id = " uid " ORDER BY location))"

/* Reads the session row; *state: 0 none, 1 live, 2 dead (delete it). */
static es_err read_session(es_store_t *s, sqlite3_stmt *st, int64_t now, int *state,
                           void (*cb)(const es_principal *, void *), void *ud, int64_t *last)
{
    int src = sqlite3_step(st);
    *state = 0;
    if (src == SQLITE_DONE)
        return ES_OK;
    if (src != SQLITE_ROW)
        return es__sqlite_fail(s, db_of(s), src, "checking a session");
    int64_t expires = sqlite3_column_int64(st, 1);
    *last = sqlite3_column_int64(st, 2);
    int disabled = sqlite3_column_int(st, 5);
    if (expires <= now || *last + ES_SESSION_IDLE <= now || disabled) {
        *state = 2;
        return ES_OK;
    }
    es__user_locs l;
    es_err rc = es__sqlite_user_split(s, (const char *)sqlite3_column_text(st, 6), &l);
    if (rc)
        return rc;
    es_principal p = {.user_id = sqlite3_column_int64(st, 0),
                      .name = (const char *)sqlite3_column_text(st, 3),
                      .locations = l.v,
                      .n_locations = l.n,
                      .expires = expires};
    p.role = es__user_role_of(sqlite3_column_text(st, 4));
    *state = 1;
    cb(&p, ud);
    es__sqlite_user_locs_free(&l);
    return ES_OK;
}

/* See user_int.h. */
es_err es__sqlite_session_check(es_store_t *s, const uint8_t hash[32], int64_t now,
                                void (*cb)(const es_principal *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_user_prepare(
        s,
        "SELECT s.user_id, s.expires, s.last_seen, u.name,"
        " u.role, u.disabled, " LOCS_OF("u.id") " FROM sessions s JOIN users u ON u.id = s.user_id"
                                                " WHERE s.hash = ?1",
        &st, "checking a session");
    if (rc)
        return rc;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    int state = 0;
    int64_t last = 0;
    rc = read_session(s, st, now, &state, cb, ud, &last);
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if (state == 2) {
        rc = change(s, "DELETE FROM sessions WHERE hash = ?1", hash, 0, "ending a session");
        if (rc == ES_EBUSY) /* the sweep will remove it; it is refused either way */
            rc = ES_OK;
    }
    if (rc == ES_OK && state != 1)
        return es__store_fail(s, ES_ENOTFOUND, "no such session, or it has expired");
    if (rc == ES_OK && now - last >= LAST_SEEN_EVERY) {
        rc = es__sqlite_user_prepare(s, "UPDATE sessions SET last_seen = ?2 WHERE hash = ?1", &st,
                                     "marking a session used");
        if (rc == ES_OK) {
            sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, now);
            rc = es__sqlite_user_step_done(s, st, "marking a session used");
            /* A busy database only delays the mark; the session is valid. */
            if (rc == ES_EBUSY)
                rc = ES_OK;
        }
        sqlite3_finalize(st);
    }
    return rc;
}

/* See user_int.h. */
es_err es__sqlite_session_end(es_store_t *s, const uint8_t hash[32])
{
    sqlite3_stmt *st = NULL;
    int64_t uid = 0;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = es__sqlite_user_prepare(s, "SELECT user_id FROM sessions WHERE hash = ?1", &st,
                                 "ending a session");
    if (rc == ES_OK) {
        sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW)
            uid = sqlite3_column_int64(st, 0);
        else if (src == SQLITE_DONE)
            rc = es__store_fail(s, ES_ENOTFOUND, "no such session");
        else
            rc = es__sqlite_fail(s, db_of(s), src, "ending a session");
    }
    sqlite3_finalize(st);
    if (rc == ES_OK)
        rc = change(s, "DELETE FROM sessions WHERE hash = ?1", hash, 0, "ending a session");
    if (rc == ES_OK) {
        es_user_actor by = {uid, 0};
        rc = es__sqlite_user_audit(s, &by, "user.logout", uid, NULL);
    }
    return es__sqlite_user_end_tx(s, rc);
}

/* See user_int.h. */
es_err es__sqlite_session_sweep(es_store_t *s, int64_t now, int64_t *removed)
{
    int64_t n = 0;
    es_err rc =
        change(s, "DELETE FROM sessions WHERE expires <= ?1", NULL, now, "sweeping sessions");
    n += rc == ES_OK ? sqlite3_changes(db_of(s)) : 0;
    if (rc == ES_OK)
        rc = change(s, "DELETE FROM sessions WHERE last_seen <= ?1", NULL, now - ES_SESSION_IDLE,
                    "sweeping sessions");
    n += rc == ES_OK ? sqlite3_changes(db_of(s)) : 0;
    if (rc == ES_OK)
        rc = change(s, "DELETE FROM login_attempts WHERE at <= ?1", NULL, now - ES_LOGIN_WINDOW,
                    "sweeping login attempts");
    n += rc == ES_OK ? sqlite3_changes(db_of(s)) : 0;
    if (removed)
        *removed = n;
    return rc;
}

/* ---- tokens with a role ------------------------------------------------------ */

/* See user_int.h. */
es_err es__sqlite_user_token_add(es_store_t *s, const char *name, const uint8_t hash[32],
                                 es_role role, int64_t user_id, const es_user_actor *by,
                                 int64_t *id)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = es__sqlite_user_prepare(s,
                                 "INSERT INTO api_tokens(name, hash, created, role, user_id)"
                                 " SELECT ?1, ?2, strftime('%s','now'), ?3, nullif(?4, 0)"
                                 " WHERE ?4 = 0 OR EXISTS (SELECT 1 FROM users WHERE id = ?4)",
                                 &st, "adding a token");
    if (rc == ES_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, es_role_name(role), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, user_id);
        rc = es__sqlite_user_step_done(s, st, "adding a token");
        if (rc == ES_EEXIST)
            es__store_fail(s, rc, "adding token '%.200s': the name is taken", name);
        else if (rc == ES_OK && sqlite3_changes(db_of(s)) == 0)
            rc = es__store_fail(s, ES_ENOTFOUND, "adding a token: no user with id %lld",
                                (long long)user_id);
    }
    sqlite3_finalize(st);
    int64_t tid = sqlite3_last_insert_rowid(db_of(s));
    if (rc == ES_OK) {
        char object[32], detail[80];
        snprintf(object, sizeof object, "token:%lld", (long long)tid);
        snprintf(detail, sizeof detail, "{\"role\":\"%s\",\"user_id\":%lld}", es_role_name(role),
                 (long long)user_id);
        es_audit_entry e = {.user_id = by ? by->user_id : 0,
                            .token_id = by ? by->token_id : 0,
                            .action = "token.add",
                            .object = object,
                            .detail = detail};
        rc = es__sqlite_audit_add(s, &e);
    }
    rc = es__sqlite_user_end_tx(s, rc);
    if (rc == ES_OK && id)
        *id = tid;
    return rc;
}

/* See user_int.h. */
es_err es__sqlite_token_principal(es_store_t *s, int64_t token_id,
                                  void (*cb)(const es_principal *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_user_prepare(
        s,
        "SELECT t.name, t.role, coalesce(t.user_id, 0), u.role,"
        " coalesce(u.disabled, 1), " LOCS_OF(
            "t.user_id") " FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id"
                         " WHERE t.id = ?1",
        &st, "checking a token");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, token_id);
    int src = sqlite3_step(st);
    if (src == SQLITE_DONE) {
        rc = es__store_fail(s, ES_ENOTFOUND, "no such token");
    } else if (src != SQLITE_ROW) {
        rc = es__sqlite_fail(s, db_of(s), src, "checking a token");
    } else {
        es_principal p = {.token_id = token_id,
                          .name = (const char *)sqlite3_column_text(st, 0),
                          .user_id = sqlite3_column_int64(st, 2)};
        p.role = es__user_role_of(sqlite3_column_text(st, 1));
        es_role user_role = ES_ROLE_NONE;
        if (p.user_id) {
            user_role = es__user_role_of(sqlite3_column_text(st, 3));
            if (sqlite3_column_int(st, 4) || user_role == ES_ROLE_NONE)
                rc = es__store_fail(s, ES_ENOTFOUND, "the token's user is disabled");
            else if (user_role < p.role)
                p.role = user_role;
        }
        es__user_locs l = {0};
        if (rc == ES_OK)
            rc = es__sqlite_user_split(s, (const char *)sqlite3_column_text(st, 5), &l);
        if (rc == ES_OK) {
            p.locations = l.v;
            p.n_locations = l.n;
            cb(&p, ud);
        }
        es__sqlite_user_locs_free(&l);
    }
    sqlite3_finalize(st);
    return rc;
}

/* See user_int.h. */
es_err es__sqlite_user_token_role(es_store_t *s, int64_t token_id, es_role *role)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_user_prepare(s, "SELECT role FROM api_tokens WHERE id = ?1", &st,
                                        "reading a token's role");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, token_id);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        rc = es_role_parse((const char *)sqlite3_column_text(st, 0), role);
    else if (src == SQLITE_DONE)
        rc = es__store_fail(s, ES_ENOTFOUND, "no token with id %lld", (long long)token_id);
    else
        rc = es__sqlite_fail(s, db_of(s), src, "reading a token's role");
    sqlite3_finalize(st);
    return rc;
}
