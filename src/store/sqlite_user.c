/*
 * sqlite_user.c - the SQLite backend's users (step-4 tables users and
 * user_locations), schema step 6 (sessions, login attempts, token roles)
 * and the operation table es__sqlite_user_ops that sqlite.c points at.
 * users.c dispatches here after checking arguments and hashing passwords;
 * sessions, logins and tokens are in sqlite_user_session.c. Every change
 * runs in one IMMEDIATE transaction with its audit entry.
 *
 * Statements run rarely (an admin's changes, a login), so they are
 * prepared per call rather than cached on the handle.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/user_int.h"

/* Step 6: login sessions (only the SHA-256 of a session id is kept, never
 * the id), the login attempts the rate limit counts, and the role (and
 * optionally the user) of each API token. Tokens made before this step
 * keep working with the role agent, which /hooks/ingest admits. */
const char es__sqlite_step6[] =
    "CREATE TABLE sessions ("
    " hash BLOB PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " created INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " addr TEXT) WITHOUT ROWID;"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE INDEX sessions_expires ON sessions(expires);"
    "CREATE TABLE login_attempts ("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " name TEXT NOT NULL COLLATE NOCASE,"
    " addr TEXT,"
    " ok INTEGER NOT NULL);"
    "CREATE INDEX login_attempts_name ON login_attempts(name, at);"
    "CREATE INDEX login_attempts_addr ON login_attempts(addr, at);"
    "ALTER TABLE api_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'agent'"
    " CHECK (role IN ('admin','manager','agent','viewer'));"
    "ALTER TABLE api_tokens ADD COLUMN user_id INTEGER REFERENCES users(id);";

/* ---- helpers shared with sqlite_user_session.c ------------------------- */

/* See user_int.h. */
es_err es__sqlite_user_prepare(es_store_t *s, const char *sql, sqlite3_stmt **st, const char *what)
{
    es__sqlite *q = s->impl;
    int src = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
    return src == SQLITE_OK ? ES_OK : es__sqlite_fail(s, q->db, src, what);
}

/* See user_int.h. */
es_err es__sqlite_user_step_done(es_store_t *s, sqlite3_stmt *st, const char *what)
{
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src == SQLITE_DONE)
        return ES_OK;
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EEXIST, "%s: %s", what,
                              sqlite3_errmsg(((es__sqlite *)s->impl)->db));
    return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, what);
}

/* See user_int.h. */
es_err es__sqlite_user_split(es_store_t *s, const char *joined, es__user_locs *out)
{
    out->copy = NULL;
    out->v = NULL;
    out->n = 0;
    if (!joined || !*joined)
        return ES_OK;
    size_t n = 1;
    for (const char *p = joined; *p; p++)
        n += *p == ES__LOC_SEP;
    out->copy = es_strdup(joined);
    out->v = es_calloc(n, sizeof *out->v);
    if (!out->copy || !out->v) {
        es__sqlite_user_locs_free(out);
        return es__store_fail(s, ES_ENOMEM, "reading a user's locations: out of memory");
    }
    char *p = out->copy;
    for (;;) {
        out->v[out->n++] = p;
        char *sep = strchr(p, ES__LOC_SEP);
        if (!sep)
            break;
        *sep = '\0';
        p = sep + 1;
    }
    return ES_OK;
}

/* See user_int.h. */
void es__sqlite_user_locs_free(es__user_locs *l)
{
    es_free(l->copy);
    es_free((void *)l->v);
    l->copy = NULL;
    l->v = NULL;
    l->n = 0;
}

/* See user_int.h. */
es_err es__sqlite_user_audit(es_store_t *s, const es_user_actor *by, const char *action,
                             int64_t user_id, const char *detail)
{
    char object[32];
    snprintf(object, sizeof object, "user:%lld", (long long)user_id);
    es_audit_entry e = {.user_id = by ? by->user_id : 0,
                        .token_id = by ? by->token_id : 0,
                        .action = action,
                        .object = object,
                        .detail = detail};
    return es__sqlite_audit_add(s, &e);
}

/* Ends a transaction: COMMIT when rc is ES_OK (its failure becomes rc),
 * else ROLLBACK, keeping the first error's message. */
es_err es__sqlite_user_end_tx(es_store_t *s, es_err rc)
{
    if (rc == ES_OK)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc != ES_OK && !sqlite3_get_autocommit(((es__sqlite *)s->impl)->db)) {
        char keep[ES_STORE_ERRMAX];
        memcpy(keep, s->errmsg, sizeof keep);
        (void)es__sqlite_tx(s, ES__TX_ROLLBACK);
        memcpy(s->errmsg, keep, sizeof keep);
    }
    return rc;
}

/* ---- users ----------------------------------------------------------------- */

/* Replaces the locations of user id with locs[0..n). */
static es_err set_locations(es_store_t *s, int64_t id, const char *const *locs, size_t n)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_user_prepare(s, "DELETE FROM user_locations WHERE user_id = ?1", &st,
                                        "changing a user's locations");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = es__sqlite_user_step_done(s, st, "changing a user's locations");
    sqlite3_finalize(st);
    st = NULL;
    if (rc == ES_OK && n > 0)
        rc = es__sqlite_user_prepare(s,
                                     "INSERT OR IGNORE INTO user_locations(user_id, location)"
                                     " VALUES (?1, ?2)",
                                     &st, "adding a user's location");
    for (size_t i = 0; rc == ES_OK && i < n; i++) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, locs[i], -1, SQLITE_STATIC);
        rc = es__sqlite_user_step_done(s, st, "adding a user's location");
    }
    sqlite3_finalize(st);
    return rc;
}

static es_err add(es_store_t *s, const es_user_spec *u, const char *pwhash, const es_user_actor *by,
                  int64_t *id)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = es__sqlite_user_prepare(s,
                                 "INSERT INTO users(name, email, phone, role, password_hash,"
                                 " created) VALUES (?1, ?2, ?3, ?4, ?5, strftime('%s','now'))",
                                 &st, "adding a user");
    if (rc == ES_OK) {
        sqlite3_bind_text(st, 1, u->name, -1, SQLITE_STATIC);
        es__sqlite_bind_str(st, 2, u->email);
        es__sqlite_bind_str(st, 3, u->phone);
        sqlite3_bind_text(st, 4, es_role_name(u->role), -1, SQLITE_STATIC);
        es__sqlite_bind_str(st, 5, pwhash);
        rc = es__sqlite_user_step_done(s, st, "adding a user");
        if (rc == ES_EEXIST)
            es__store_fail(s, rc, "adding user '%.64s': the name is taken", u->name);
    }
    sqlite3_finalize(st);
    int64_t uid = sqlite3_last_insert_rowid(((es__sqlite *)s->impl)->db);
    if (rc == ES_OK)
        rc = set_locations(s, uid, u->locations, u->n_locations);
    if (rc == ES_OK) {
        char detail[64];
        snprintf(detail, sizeof detail, "{\"role\":\"%s\"}", es_role_name(u->role));
        rc = es__sqlite_user_audit(s, by, "user.add", uid, detail);
    }
    rc = es__sqlite_user_end_tx(s, rc);
    if (rc == ES_OK && id)
        *id = uid;
    return rc;
}

#define USER_COLS                                                                                  \
    "u.id, u.name, u.role, u.email, u.phone, u.created, u.disabled,"                               \
    " u.password_hash IS NOT NULL, (SELECT group_concat(location, char(31)) FROM"                  \
    " (SELECT location FROM user_locations WHERE user_id = u.id ORDER BY location))"

/* Reads one row of USER_COLS and calls cb. */
static es_err emit_user(es_store_t *s, sqlite3_stmt *st, void (*cb)(const es_user_row *, void *),
                        void *ud)
{
    es__user_locs l;
    es_err rc = es__sqlite_user_split(s, (const char *)sqlite3_column_text(st, 8), &l);
    if (rc)
        return rc;
    es_role role = es__user_role_of(sqlite3_column_text(st, 2));
    es_user_row u = {.id = sqlite3_column_int64(st, 0),
                     .name = (const char *)sqlite3_column_text(st, 1),
                     .role = role,
                     .email = (const char *)sqlite3_column_text(st, 3),
                     .phone = (const char *)sqlite3_column_text(st, 4),
                     .created = sqlite3_column_int64(st, 5),
                     .disabled = sqlite3_column_int(st, 6) != 0,
                     .has_password = sqlite3_column_int(st, 7) != 0,
                     .locations = l.v,
                     .n_locations = l.n};
    cb(&u, ud);
    es__sqlite_user_locs_free(&l);
    return ES_OK;
}

static es_err get(es_store_t *s, int64_t id, const char *name,
                  void (*cb)(const es_user_row *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_user_prepare(s,
                                        "SELECT " USER_COLS " FROM users u"
                                        " WHERE (?1 = 0 OR u.id = ?1)"
                                        " AND (?2 IS NULL OR u.name = ?2) ORDER BY u.name",
                                        &st, "reading users");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    es__sqlite_bind_str(st, 2, id ? NULL : name);
    int src, rows = 0;
    while (rc == ES_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        rows++;
        rc = emit_user(s, st, cb, ud);
    }
    if (rc == ES_OK && src != SQLITE_DONE)
        rc = es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "reading users");
    sqlite3_finalize(st);
    if (rc == ES_OK && rows == 0 && (id || name))
        rc = id ? es__store_fail(s, ES_ENOTFOUND, "no user with id %lld", (long long)id)
                : es__store_fail(s, ES_ENOTFOUND, "no user called '%.64s'", name);
    return rc;
}

/* Sets one column of user id; col is one of a fixed set of names. */
static es_err set_col(es_store_t *s, int64_t id, const char *sql, const char *text, int64_t num,
                      int is_text)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_user_prepare(s, sql, &st, "changing a user");
    if (rc)
        return rc;
    if (is_text)
        es__sqlite_bind_str(st, 1, text && *text ? text : NULL);
    else
        sqlite3_bind_int64(st, 1, num);
    sqlite3_bind_int64(st, 2, id);
    rc = es__sqlite_user_step_done(s, st, "changing a user");
    sqlite3_finalize(st);
    return rc;
}

/* Appends ,"name" to the audit detail's list of changed fields. */
static void changed(char *buf, size_t size, const char *field)
{
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "%s\"%s\"", len > 12 ? "," : "", field);
}

static es_err update(es_store_t *s, int64_t id, const es_user_change *c, const char *pwhash,
                     const es_user_actor *by)
{
    char detail[160] = "{\"changed\":[";
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = es__sqlite_user_prepare(s, "SELECT 1 FROM users WHERE id = ?1", &st, "changing a user");
    if (rc == ES_OK) {
        sqlite3_bind_int64(st, 1, id);
        int src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            rc = es__store_fail(s, ES_ENOTFOUND, "no user with id %lld", (long long)id);
        else if (src != SQLITE_ROW)
            rc = es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, "changing a user");
    }
    sqlite3_finalize(st);
    int end_sessions = 0;
    if (rc == ES_OK && c->set_role) {
        rc =
            set_col(s, id, "UPDATE users SET role = ?1 WHERE id = ?2", es_role_name(c->role), 0, 1);
        changed(detail, sizeof detail, "role");
        end_sessions = 1;
    }
    if (rc == ES_OK && c->email) {
        rc = set_col(s, id, "UPDATE users SET email = ?1 WHERE id = ?2", c->email, 0, 1);
        changed(detail, sizeof detail, "email");
    }
    if (rc == ES_OK && c->phone) {
        rc = set_col(s, id, "UPDATE users SET phone = ?1 WHERE id = ?2", c->phone, 0, 1);
        changed(detail, sizeof detail, "phone");
    }
    if (rc == ES_OK && c->set_disabled) {
        rc = set_col(s, id, "UPDATE users SET disabled = ?1 WHERE id = ?2", NULL,
                     c->disabled ? 1 : 0, 0);
        changed(detail, sizeof detail, c->disabled ? "disabled" : "enabled");
        end_sessions |= c->disabled;
    }
    if (rc == ES_OK && pwhash) {
        rc = set_col(s, id, "UPDATE users SET password_hash = ?1 WHERE id = ?2", pwhash, 0, 1);
        changed(detail, sizeof detail, "password");
        end_sessions = 1;
    }
    if (rc == ES_OK && c->set_locations) {
        rc = set_locations(s, id, c->locations, c->n_locations);
        changed(detail, sizeof detail, "locations");
    }
    if (rc == ES_OK && end_sessions)
        rc = set_col(s, id, "DELETE FROM sessions WHERE ?1 IS NULL AND user_id = ?2", NULL, 0, 1);
    if (rc == ES_OK) {
        size_t len = strlen(detail);
        snprintf(detail + len, sizeof detail - len, "]}");
        rc = es__sqlite_user_audit(s, by, "user.update", id, detail);
    }
    return es__sqlite_user_end_tx(s, rc);
}

/* See user_int.h. */
const struct es__user_ops es__sqlite_user_ops = {
    .add = add,
    .get = get,
    .update = update,
    .login_limit = es__sqlite_login_limit,
    .cred = es__sqlite_user_cred,
    .login_record = es__sqlite_login_record,
    .session_check = es__sqlite_session_check,
    .session_end = es__sqlite_session_end,
    .sweep = es__sqlite_session_sweep,
    .token_add = es__sqlite_user_token_add,
    .token_principal = es__sqlite_token_principal,
    .token_role = es__sqlite_user_token_role,
};
