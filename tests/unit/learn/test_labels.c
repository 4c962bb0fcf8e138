/*
 * test_labels.c - the agents' corrections kept by the store for the
 * feedback loop (es_store_label_add, es_store_labels_each, schema step 8),
 * on a real SQLite file: argument checks, the newest label winning, a
 * mention's own label overriding its case's, a label joining the caller's
 * transaction (and going with its rollback), the audit entry, the
 * department columns stored with a mention, stopping early, and every
 * allocation failing in turn.
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
#include <sqlite3.h>

#include "earshot/learn.h"
#include "earshot/store.h"

typedef struct fixture {
    char dir[64], path[96];
    es_store_t *s;
} fixture;

static const char *const texts[4] = {"my bag is lost", "thanks for the upgrade",
                                     "flight delayed again", "still waiting for my refund"};

/* A store with four mentions (ids 1 to 4), mention 2 with a department,
 * and a case 1 holding mentions 3 and 4 (made with SQL: cases belong to
 * the inbox). */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/es_labels_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/earshot.db", f->dir);
    assert_int_equal(es_store_open(f->path, &f->s), ES_OK);
    es_mention_t ms[4];
    char ids[4][16];
    for (int i = 0; i < 4; i++) {
        es_mention_init(&ms[i]);
        snprintf(ids[i], sizeof ids[i], "t%d", i + 1);
        ms[i].source = "csv";
        ms[i].external_id = ids[i];
        ms[i].text = texts[i];
        ms[i].received_at = 1700000000;
    }
    ms[1].department = "Customer Service";
    ms[1].department_conf = 0.75f;
    size_t n = 0;
    assert_int_equal(es_store_put(f->s, ms, 4, &n), ES_OK);
    assert_int_equal(n, 4);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO cases(id, source, created, updated, last_customer_at)"
                                  " VALUES (1, 'csv', 1, 1, 1);"
                                  "UPDATE mentions SET case_id = 1 WHERE external_id IN ('t3','t4');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    es_store_close(f->s);
    char p[128];
    const char *files[] = {"earshot.db", "earshot.db-wal", "earshot.db-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Collects es_store_labels_each's examples as "id=label" lines. */
typedef struct seen {
    char out[512];
    int calls, stop_after;
} seen;

static int collect(const es_label_example *e, void *ud)
{
    seen *s = ud;
    size_t o = strlen(s->out);
    snprintf(s->out + o, sizeof s->out - o, "%s=%s;", e->external_id, e->label);
    assert_true(e->mention_id > 0 && e->label_id > 0);
    assert_string_equal(e->source, "csv");
    assert_non_null(e->text);
    return ++s->calls == s->stop_after;
}

static const char *each(es_store_t *s, const char *task, seen *out)
{
    memset(out, 0, sizeof *out);
    assert_int_equal(es_store_labels_each(s, task, collect, out), ES_OK);
    return out->out;
}

static void add_ok(es_store_t *s, int64_t mention, int64_t kase, const char *task,
                   const char *label)
{
    es_label_row l = {.mention_id = mention, .case_id = kase, .task = task, .label = label,
                      .user_id = 0};
    int64_t id = 0;
    assert_int_equal(es_store_label_add(s, &l, &id), ES_OK);
    assert_true(id > 0);
}

static void test_refused(void **state)
{
    fixture *f = *state;
    es_label_row l = {.mention_id = 1, .task = "mood", .label = "negative"};
    assert_int_equal(es_store_label_add(f->s, &l, NULL), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "task"));
    l.task = "sentiment";
    l.label = "furious";
    assert_int_equal(es_store_label_add(f->s, &l, NULL), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "furious"));
    l.task = "intent";
    assert_int_equal(es_store_label_add(f->s, &l, NULL), ES_EINVAL);
    l.label = "";
    l.task = "department";
    assert_int_equal(es_store_label_add(f->s, &l, NULL), ES_EINVAL);
    l.label = "Baggage";
    l.mention_id = 0;
    assert_int_equal(es_store_label_add(f->s, &l, NULL), ES_EINVAL);
    assert_non_null(strstr(es_store_errmsg(f->s), "mention or a case"));
    l.mention_id = 999; /* no such mention: the foreign key refuses it */
    assert_int_not_equal(es_store_label_add(f->s, &l, NULL), ES_OK);
    assert_int_equal(es_store_label_add(f->s, NULL, NULL), ES_EINVAL);
    assert_int_equal(es_store_label_add(NULL, &l, NULL), ES_EINVAL);
    seen s;
    assert_string_equal(each(f->s, "department", &s), "");
    assert_int_equal(es_store_labels_each(f->s, "mood", collect, &s), ES_EINVAL);
    assert_int_equal(es_store_labels_each(f->s, "intent", NULL, &s), ES_EINVAL);
}

static void test_newest_and_case(void **state)
{
    fixture *f = *state;
    seen s;
    add_ok(f->s, 1, 0, "sentiment", "neutral");
    add_ok(f->s, 1, 0, "sentiment", "negative"); /* the newest wins */
    add_ok(f->s, 0, 1, "sentiment", "positive"); /* case 1: mentions 3 and 4 */
    add_ok(f->s, 4, 1, "sentiment", "negative"); /* mention 4's own label wins */
    add_ok(f->s, 2, 0, "department", "Customer Service");
    assert_string_equal(each(f->s, "sentiment", &s), "t1=negative;t3=positive;t4=negative;");
    assert_string_equal(each(f->s, "department", &s), "t2=Customer Service;");
    assert_string_equal(each(f->s, "intent", &s), "");
    /* A newer case label does not override a mention's own. */
    add_ok(f->s, 0, 1, "sentiment", "neutral");
    assert_string_equal(each(f->s, "sentiment", &s), "t1=negative;t3=neutral;t4=negative;");
    /* The callback stops the walk. */
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_int_equal(es_store_labels_each(f->s, "sentiment", collect, &s), ES_OK);
    assert_int_equal(s.calls, 1);
}

/* Counts audit entries. */
static void count_cb(const es_audit_entry *e, void *ud)
{
    assert_string_equal(e->action, "label.add");
    assert_non_null(strstr(e->detail, "\"task\":\"intent\""));
    (*(int *)ud)++;
}

static void test_transaction_and_audit(void **state)
{
    fixture *f = *state;
    seen s;
    es_label_row l = {.mention_id = 3, .task = "intent", .label = "complaint", .user_id = 0};
    /* In the caller's transaction, rolled back with it. */
    assert_int_equal(es_store_begin(f->s), ES_OK);
    assert_int_equal(es_store_label_add(f->s, &l, NULL), ES_OK);
    es_store_rollback(f->s);
    assert_string_equal(each(f->s, "intent", &s), "");
    int n = 0;
    assert_int_equal(es_store_audit_list(f->s, "mention:3", 0, count_cb, &n), ES_OK);
    assert_int_equal(n, 0);
    /* Committed with it. */
    assert_int_equal(es_store_begin(f->s), ES_OK);
    assert_int_equal(es_store_label_add(f->s, &l, NULL), ES_OK);
    assert_int_equal(es_store_commit(f->s), ES_OK);
    assert_string_equal(each(f->s, "intent", &s), "t3=complaint;");
    /* On its own, with its audit entry. */
    l.mention_id = 1;
    l.label = "question";
    assert_int_equal(es_store_label_add(f->s, &l, NULL), ES_OK);
    assert_int_equal(es_store_audit_list(f->s, "mention:3", 0, count_cb, &n), ES_OK);
    assert_int_equal(es_store_audit_list(f->s, "mention:1", 0, count_cb, &n), ES_OK);
    assert_int_equal(n, 2);
    assert_string_equal(each(f->s, "intent", &s), "t1=question;t3=complaint;");
}

/* The department columns of step 8, written by es_store_put. */
static void test_department_columns(void **state)
{
    fixture *f = *state;
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT external_id, department, department_conf"
                                        " FROM mentions ORDER BY id",
                                        -1, &st, NULL),
                     SQLITE_OK);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        const char *dep = (const char *)sqlite3_column_text(st, 1);
        if (rows == 2) {
            assert_string_equal(dep, "Customer Service");
            assert_true(sqlite3_column_double(st, 2) > 0.74 && sqlite3_column_double(st, 2) < 0.76);
        } else {
            assert_null(dep);
            assert_int_equal(sqlite3_column_type(st, 2), SQLITE_NULL);
        }
    }
    assert_int_equal(rows, 4);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Every allocation of a label's round trip failing in turn. */
static void test_fail_alloc(void **state)
{
    fixture *f = *state;
    es_label_row l = {.mention_id = 2, .task = "department", .label = "Baggage"};
    es_err rc = ES_ENOMEM;
    int n;
    for (n = 0; rc != ES_OK && n < 2000; n++) {
        es_fail_alloc_after(n);
        rc = es_store_label_add(f->s, &l, NULL);
        es_fail_alloc_after(-1);
    }
    assert_int_equal(rc, ES_OK);
    seen s;
    rc = ES_ENOMEM;
    for (n = 0; rc != ES_OK && n < 2000; n++) {
        memset(&s, 0, sizeof s);
        es_fail_alloc_after(n);
        rc = es_store_labels_each(f->s, "department", collect, &s);
        es_fail_alloc_after(-1);
    }
    assert_int_equal(rc, ES_OK);
    assert_string_equal(s.out, "t2=Baggage;");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newest_and_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transaction_and_audit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_department_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_alloc, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
