/*
 * sqlite_label.c - the SQLite backend of the store's labels part
 * (label_int.h): agents' corrections in table labels (schema step 4) and
 * schema step 8, which gives mentions the department a department model
 * predicted and its confidence. Reached through es__sqlite_label_ops
 * (sqlite.c) from labels.c.
 *
 * A label names a mention, a case, or both. For training, a mention takes
 * the newest label of the task that names it; failing that, the newest one
 * of its case that names no mention. So an agent's latest correction
 * overrides earlier ones, and a correction of one message overrides one of
 * its whole case.
 */
#include <stdio.h>

#include "store/label_int.h"
#include "store/sqlite_int.h"

/* Step 8 (issue 5): the department of a mention as the department model
 * predicted it (NULL without a model) and that prediction's confidence;
 * the indexes the feedback loop reads labels by. */
const char es__sqlite_step8[] =
    "ALTER TABLE mentions ADD COLUMN department TEXT;"
    "ALTER TABLE mentions ADD COLUMN department_conf REAL;"
    "CREATE INDEX labels_mention ON labels(task, mention_id, id);"
    "CREATE INDEX labels_case ON labels(task, case_id, id);";

/* Inserts the label row and its audit entry (the caller's transaction). */
static es_err insert(es_store_t *s, sqlite3 *db, const es_label_row *l, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db,
                                 "INSERT INTO labels(mention_id, case_id, task, label, user_id,"
                                 " created) VALUES (nullif(?1, 0), nullif(?2, 0), ?3, ?4,"
                                 " nullif(?5, 0), CASE WHEN ?6 > 0 THEN ?6"
                                 " ELSE strftime('%s','now') END)",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, l->mention_id > 0 ? l->mention_id : 0);
        sqlite3_bind_int64(st, 2, l->case_id > 0 ? l->case_id : 0);
        sqlite3_bind_text(st, 3, l->task, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, l->label, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, l->user_id);
        sqlite3_bind_int64(st, 6, l->created);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, db, src, "adding a label");
    int64_t rowid = sqlite3_last_insert_rowid(db);
    if (id)
        *id = rowid;
    char object[64], detail[ES_MAX_FIELD + 128];
    if (l->mention_id > 0)
        snprintf(object, sizeof object, "mention:%lld", (long long)l->mention_id);
    else
        snprintf(object, sizeof object, "case:%lld", (long long)l->case_id);
    /* The label went through a parameter; in JSON it is escaped by hand. */
    size_t o = (size_t)snprintf(detail, sizeof detail, "{\"label_id\":%lld,\"task\":\"%s\",\"label\":\"",
                                (long long)rowid, l->task);
    for (const char *p = l->label; *p && o + 8 < sizeof detail; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            detail[o++] = '\\';
        if (c < 0x20)
            o += (size_t)snprintf(detail + o, sizeof detail - o, "\\u%04x", c);
        else
            detail[o++] = (char)c;
    }
    snprintf(detail + o, sizeof detail - o, "\"}");
    es_audit_entry e = {.user_id = l->user_id, .action = "label.add", .object = object,
                        .detail = detail};
    return es__sqlite_audit_add(s, &e);
}

/* Adds a label: in the caller's transaction when one is open, else in its own. */
static es_err sq_label_add(es_store_t *s, const es_label_row *l, int64_t *id)
{
    es__sqlite *q = s->impl;
    if (!sqlite3_get_autocommit(q->db))
        return insert(s, q->db, l, id);
    es_err rc = es__sqlite_tx(s, ES__TX_BEGIN);
    if (rc)
        return rc;
    rc = insert(s, q->db, l, id);
    if (rc == ES_OK)
        rc = es__sqlite_tx(s, ES__TX_COMMIT);
    if (rc)
        es__sqlite_tx(s, ES__TX_ROLLBACK);
    return rc;
}

/* Every labelled mention of a task with its winning label (see the top). */
static const char each_sql[] =
    "WITH own AS (SELECT mention_id AS mid, max(id) AS lid FROM labels"
    "  WHERE task = ?1 AND mention_id IS NOT NULL GROUP BY mention_id),"
    " cased AS (SELECT case_id AS cid, max(id) AS lid FROM labels"
    "  WHERE task = ?1 AND mention_id IS NULL AND case_id IS NOT NULL GROUP BY case_id),"
    " pick AS (SELECT mid, lid FROM own"
    "  UNION ALL SELECT m.id, cased.lid FROM cased JOIN mentions m ON m.case_id = cased.cid"
    "  WHERE m.id NOT IN (SELECT mid FROM own))"
    " SELECT m.id, m.source, m.external_id, m.text, l.label, l.id"
    " FROM pick JOIN mentions m ON m.id = pick.mid JOIN labels l ON l.id = pick.lid"
    " ORDER BY m.id";

static es_err sq_label_each(es_store_t *s, const char *task,
                            int (*cb)(const es_label_example *e, void *ud), void *ud)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db, each_sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, task, -1, SQLITE_STATIC);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            es_label_example e = {
                .mention_id = sqlite3_column_int64(st, 0),
                .source = (const char *)sqlite3_column_text(st, 1),
                .external_id = (const char *)sqlite3_column_text(st, 2),
                .text = (const char *)sqlite3_column_text(st, 3),
                .label = (const char *)sqlite3_column_text(st, 4),
                .label_id = sqlite3_column_int64(st, 5),
            };
            if (!e.text || !e.label)
                continue;
            if (cb(&e, ud)) {
                src = SQLITE_DONE;
                break;
            }
        }
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "reading labels");
}

/* See label_int.h. */
const struct es__label_ops es__sqlite_label_ops = {
    .add = sq_label_add,
    .each = sq_label_each,
};
