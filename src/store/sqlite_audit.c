/*
 * sqlite_audit.c - the SQLite backend's audit trail (table audit, schema
 * step 4) and explicit transactions, reached through the backend's
 * operation table (sqlite.c) from es_store_audit_* and es_store_begin /
 * commit / rollback (store_part.c). Every part of the service writes its
 * audit entries here, inside its own transaction when it has one.
 */
#include "store/sqlite_int.h"

/* See sqlite_int.h. */
const char es__sqlite_audit_sql[] =
    "INSERT INTO audit(at, user_id, token_id, action, object, detail)"
    " VALUES (CASE WHEN ?1 > 0 THEN ?1 ELSE strftime('%s','now') END,"
    " nullif(?2, 0), nullif(?3, 0), ?4, ?5, ?6)";

/* Appends one entry; "now" when e->at is 0. */
es_err es__sqlite_audit_add(es_store_t *s, const es_audit_entry *e)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db, es__sqlite_audit_sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, e->at);
        sqlite3_bind_int64(st, 2, e->user_id);
        sqlite3_bind_int64(st, 3, e->token_id);
        sqlite3_bind_text(st, 4, e->action, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, e->object, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, e->detail, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "writing the audit trail");
}

/* Lists the newest entries, about one object or all. */
es_err es__sqlite_audit_list(es_store_t *s, const char *object, size_t limit,
                             void (*cb)(const es_audit_entry *, void *), void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db,
                                 "SELECT id, at, coalesce(user_id, 0), coalesce(token_id, 0),"
                                 " action, object, detail FROM audit"
                                 " WHERE ?1 IS NULL OR object = ?1 ORDER BY id DESC LIMIT ?2",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, object, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            es_audit_entry e = {
                .id = sqlite3_column_int64(st, 0),
                .at = sqlite3_column_int64(st, 1),
                .user_id = sqlite3_column_int64(st, 2),
                .token_id = sqlite3_column_int64(st, 3),
                .action = (const char *)sqlite3_column_text(st, 4),
                .object = (const char *)sqlite3_column_text(st, 5),
                .detail = (const char *)sqlite3_column_text(st, 6),
            };
            cb(&e, ud);
        }
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "reading the audit trail");
}

/* BEGIN IMMEDIATE, COMMIT or ROLLBACK, with the cached statements; or a
 * savepoint inside the open transaction (SAVEPOINT, RELEASE, or ROLLBACK
 * TO then RELEASE). A savepoint outside a transaction is refused: SQLite
 * would open a deferred one, which nobody would commit. */
es_err es__sqlite_tx(es_store_t *s, int what)
{
    static const int which[] = {
        [ES__TX_BEGIN] = Q_BEGIN,       [ES__TX_COMMIT] = Q_COMMIT,
        [ES__TX_ROLLBACK] = Q_ROLLBACK, [ES__TX_SAVEPOINT] = Q_SAVEPOINT,
        [ES__TX_RELEASE] = Q_RELEASE,   [ES__TX_ROLLBACK_TO] = Q_ROLLBACK_TO};
    static const char *const name[] = {[ES__TX_BEGIN] = "starting a transaction",
                                       [ES__TX_COMMIT] = "committing",
                                       [ES__TX_ROLLBACK] = "rolling back",
                                       [ES__TX_SAVEPOINT] = "starting a savepoint",
                                       [ES__TX_RELEASE] = "releasing a savepoint",
                                       [ES__TX_ROLLBACK_TO] = "rolling back to a savepoint"};
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = ES_OK;
    if (what >= ES__TX_SAVEPOINT && sqlite3_get_autocommit(q->db))
        return es__store_fail(s, ES_EINVAL, "%s: no transaction is open", name[what]);
    /* COMMIT and ROLLBACK are prepared before the transaction starts, so
     * that ending it never needs memory that may not be there; RELEASE and
     * ROLLBACK TO before the savepoint, for the same reason. */
    if (what == ES__TX_BEGIN && ((rc = es__sqlite_stmt(s, Q_COMMIT, &st)) ||
                                 (rc = es__sqlite_stmt(s, Q_ROLLBACK, &st))))
        return rc;
    if (what == ES__TX_SAVEPOINT && ((rc = es__sqlite_stmt(s, Q_RELEASE, &st)) ||
                                     (rc = es__sqlite_stmt(s, Q_ROLLBACK_TO, &st))))
        return rc;
    if ((rc = es__sqlite_stmt(s, which[what], &st)))
        return rc;
    if (what == ES__TX_BEGIN)
        es__store_gate_enter(s);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src == SQLITE_DONE && what == ES__TX_ROLLBACK_TO) /* ROLLBACK TO keeps it open */
        return es__sqlite_tx(s, ES__TX_RELEASE);
    if (sqlite3_get_autocommit(q->db)) /* no transaction (any more) */
        es__store_gate_leave(s);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, name[what]);
}

/* See sqlite_int.h. */
es_err es__sqlite_in_tx(es_store_t *s, es_err (*fn)(es_store_t *s, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    if (!sqlite3_get_autocommit(q->db))
        return fn(s, ud);
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = fn(s, ud);
    if (rc == ES_OK)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc)
        es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

/* See sqlite_int.h. */
es_err es__sqlite_prep(es_store_t *s, const char *sql, sqlite3_stmt **st, const char *what)
{
    es__sqlite *q = s->impl;
    int src = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
    return src == SQLITE_OK ? ES_OK : es__sqlite_fail(s, q->db, src, what);
}

/* See sqlite_int.h. */
es_err es__sqlite_finish(es_store_t *s, sqlite3_stmt *st, int src, const char *what)
{
    es__sqlite *q = s->impl;
    sqlite3_finalize(st);
    if (src == SQLITE_DONE || src == SQLITE_ROW || src == SQLITE_OK)
        return ES_OK;
    return es__sqlite_fail(s, q->db, src, what);
}
