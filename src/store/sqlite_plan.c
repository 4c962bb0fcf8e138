/*
 * sqlite_plan.c - the SQLite backend of the store's "plans" part
 * (plan_int.h): schema step 14 (table plans) and the plans' rows: the
 * replacement of a location's proposals, listing, and the moves from state
 * to state with the scores recorded at each. Reached through
 * es__sqlite_plan_ops (sqlite.c) from plans.c. Every change is audited in
 * its transaction.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "store/plan_int.h"
#include "store/sqlite_int.h"

/* Step 14 (issue 4): action plans. A plan names a location, a survey and
 * its driver question; the scores at acceptance and at done are kept with
 * their counts (NULL: not reached or no answer). */
const char es__sqlite_step_plans[] =
    "CREATE TABLE plans ("
    " id INTEGER PRIMARY KEY,"
    " location_id INTEGER NOT NULL REFERENCES locations(id),"
    " survey_id INTEGER NOT NULL REFERENCES surveys(id),"
    " position INTEGER NOT NULL,"
    " target TEXT NOT NULL CHECK (target IN ('overall','promoter')),"
    " rank INTEGER NOT NULL, driver_rank INTEGER NOT NULL,"
    " location_mean REAL NOT NULL, top_quarter REAL NOT NULL, gap REAL NOT NULL,"
    " importance REAL NOT NULL, gain REAL NOT NULL,"
    " text TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'proposed'"
    "  CHECK (state IN ('proposed','accepted','done','dismissed')),"
    " created INTEGER NOT NULL,"
    " accepted_at INTEGER, accepted_by INTEGER, done_at INTEGER, done_by INTEGER,"
    " accept_mean REAL, accept_mean_n INTEGER, accept_csat REAL, accept_csat_n INTEGER,"
    " done_mean REAL, done_mean_n INTEGER, done_csat REAL, done_csat_n INTEGER);"
    "CREATE INDEX plans_location ON plans(location_id, state, rank);";

/* Appends an audit entry for object "plan:ID" or "location:ID". */
static es_err audit(es_store_t *s, int64_t actor, const char *action, const char *kind, int64_t id,
                    const char *detail)
{
    char object[64];
    snprintf(object, sizeof object, "%s:%lld", kind, (long long)id);
    es_audit_entry e = {.user_id = actor, .action = action, .object = object, .detail = detail};
    return es__sqlite_audit_add(s, &e);
}

typedef struct replace_args {
    int64_t location_id;
    const es_plan *plans;
    size_t n;
    int64_t actor;
} replace_args;

static const char insert_sql[] =
    "INSERT INTO plans(location_id, survey_id, position, target, rank, driver_rank,"
    " location_mean, top_quarter, gap, importance, gain, text, state, created)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'proposed',"
    " CASE WHEN ?13 > 0 THEN ?13 ELSE strftime('%s','now') END)";

/* Binds plan p to the insert statement st. */
static void bind_plan(sqlite3_stmt *st, int64_t location_id, const es_plan *p)
{
    sqlite3_bind_int64(st, 1, location_id);
    sqlite3_bind_int64(st, 2, p->survey_id);
    sqlite3_bind_int(st, 3, p->position);
    sqlite3_bind_text(st, 4, es_drivers_target_name(p->target), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, p->rank);
    sqlite3_bind_int(st, 6, p->driver_rank);
    sqlite3_bind_double(st, 7, p->location_mean);
    sqlite3_bind_double(st, 8, p->top_quarter);
    sqlite3_bind_double(st, 9, p->gap);
    sqlite3_bind_double(st, 10, p->importance);
    sqlite3_bind_double(st, 11, p->gain);
    sqlite3_bind_text(st, 12, p->text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 13, p->created);
}

/* Refreshes a proposal that is there already for the same driver (so its
 * id stays what a manager may have been shown); *updated says whether one
 * was. */
static es_err refresh(es_store_t *s, sqlite3 *db, int64_t location_id, const es_plan *p,
                      int *updated)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db,
                                 "UPDATE plans SET target = ?4, rank = ?5, driver_rank = ?6,"
                                 " location_mean = ?7, top_quarter = ?8, gap = ?9,"
                                 " importance = ?10, gain = ?11, text = ?12"
                                 " WHERE location_id = ?1 AND survey_id = ?2 AND position = ?3"
                                 " AND state = 'proposed'",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        bind_plan(st, location_id, p); /* ?13, the creation time, is not used: kept */
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    *updated = src == SQLITE_DONE && sqlite3_changes(db) > 0;
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, db, src, "refreshing a proposal");
}

/* Deletes the location's proposals on drivers not among the new ones
 * (positions, a JSON array such as "[3,5]"); *removed gets the count. */
static es_err drop_stale(es_store_t *s, sqlite3 *db, int64_t location_id, const char *positions,
                         int *removed)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db,
                                 "DELETE FROM plans WHERE location_id = ?1 AND state = 'proposed'"
                                 " AND position NOT IN (SELECT value FROM json_each(?2))",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, location_id);
        sqlite3_bind_text(st, 2, positions, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    *removed = src == SQLITE_DONE ? sqlite3_changes(db) : 0;
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, db, src, "replacing proposals");
}

/* Replaces the location's proposals: stale ones go, the same drivers'
 * are refreshed in place, new ones are inserted; audits the change. */
static es_err do_replace(es_store_t *s, void *arg)
{
    replace_args *a = arg;
    es__sqlite *q = s->impl;
    char positions[128];
    size_t o = (size_t)snprintf(positions, sizeof positions, "[");
    for (size_t i = 0; i < a->n && o < sizeof positions; i++)
        o += (size_t)snprintf(positions + o, sizeof positions - o, "%s%d", i ? "," : "",
                              a->plans[i].position);
    snprintf(positions + o, o < sizeof positions ? sizeof positions - o : 0, "]");
    int removed = 0, added = 0;
    es_err rc = drop_stale(s, q->db, a->location_id, positions, &removed);
    sqlite3_stmt *st = NULL;
    int src = rc ? SQLITE_ERROR : sqlite3_prepare_v2(q->db, insert_sql, -1, &st, NULL);
    for (size_t i = 0; rc == ES_OK && src == SQLITE_OK && i < a->n; i++) {
        int updated = 0;
        rc = refresh(s, q->db, a->location_id, &a->plans[i], &updated);
        if (rc || updated)
            continue;
        bind_plan(st, a->location_id, &a->plans[i]);
        src = sqlite3_step(st);
        src = src == SQLITE_DONE ? sqlite3_reset(st) : src;
        added++;
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return es__store_fail(s, ES_EINVAL, "proposing plans: no such location or survey");
    if (src != SQLITE_OK)
        return es__sqlite_fail(s, q->db, src, "proposing plans");
    if (removed == 0 && added == 0)
        return ES_OK;
    char detail[96];
    snprintf(detail, sizeof detail, "{\"removed\":%d,\"added\":%d,\"proposed\":%zu}", removed,
             added, a->n);
    return audit(s, a->actor, "plan.propose", "location", a->location_id, detail);
}

static es_err sq_replace(es_store_t *s, int64_t location_id, const es_plan *plans, size_t n,
                         int64_t actor)
{
    replace_args a = {location_id, plans, n, actor};
    return es__sqlite_in_tx(s, do_replace, &a);
}

/* Plans with their location and driver question, filtered by location
 * (?1, 0: any), id (?2, 0: any) and a state mask (?3). */
static const char list_sql[] =
    "SELECT p.id, p.location_id, l.code, l.name, p.survey_id, p.position, q.key, q.label,"
    " p.target, p.rank, p.driver_rank, p.location_mean, p.top_quarter, p.gap, p.importance,"
    " p.gain, p.text, p.state, p.created, p.accepted_at, p.accepted_by, p.done_at, p.done_by,"
    " p.accept_mean, p.accept_mean_n, p.accept_csat, p.accept_csat_n,"
    " p.done_mean, p.done_mean_n, p.done_csat, p.done_csat_n, l.key"
    " FROM plans p JOIN locations l ON l.id = p.location_id"
    " LEFT JOIN survey_questions q ON q.survey_id = p.survey_id AND q.position = p.position"
    " WHERE (?1 = 0 OR p.location_id = ?1) AND (?2 = 0 OR p.id = ?2)"
    " AND (?3 = 0 OR (?3 >> (CASE p.state WHEN 'proposed' THEN 1 WHEN 'accepted' THEN 2"
    "  WHEN 'done' THEN 3 ELSE 4 END)) & 1)"
    " ORDER BY l.code COLLATE NOCASE, CASE p.state WHEN 'accepted' THEN 0 WHEN 'proposed'"
    "  THEN 1 WHEN 'done' THEN 2 ELSE 3 END, p.rank, p.id";

/* A column that may be NULL, as a double (NaN) or an integer (0). */
static double col_d(sqlite3_stmt *st, int c)
{
    return sqlite3_column_type(st, c) == SQLITE_NULL ? NAN : sqlite3_column_double(st, c);
}

/* Fills scores from four columns from c on: mean, n, csat, n. */
static void col_scores(sqlite3_stmt *st, int c, es_plan_scores *sc)
{
    sc->mean = col_d(st, c);
    sc->n_mean = sqlite3_column_int64(st, c + 1);
    sc->csat = col_d(st, c + 2);
    sc->n_csat = sqlite3_column_int64(st, c + 3);
}

/* Turns the current row of st into *p (strings point into the row). */
static void take_plan(sqlite3_stmt *st, es_plan *p)
{
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    p->location_id = sqlite3_column_int64(st, 1);
    p->location_code = (const char *)sqlite3_column_text(st, 2);
    p->location_name = (const char *)sqlite3_column_text(st, 3);
    p->survey_id = sqlite3_column_int64(st, 4);
    p->position = sqlite3_column_int(st, 5);
    p->driver_key = (const char *)sqlite3_column_text(st, 6);
    p->driver_label = (const char *)sqlite3_column_text(st, 7);
    if (es_drivers_target_parse((const char *)sqlite3_column_text(st, 8), &p->target))
        p->target = ES_DRIVERS_PROMOTER; /* the table's CHECK admits no other */
    p->rank = sqlite3_column_int(st, 9);
    p->driver_rank = sqlite3_column_int(st, 10);
    p->location_mean = sqlite3_column_double(st, 11);
    p->top_quarter = sqlite3_column_double(st, 12);
    p->gap = sqlite3_column_double(st, 13);
    p->importance = sqlite3_column_double(st, 14);
    p->gain = sqlite3_column_double(st, 15);
    p->text = (const char *)sqlite3_column_text(st, 16);
    if (es_plan_state_parse((const char *)sqlite3_column_text(st, 17), &p->state))
        p->state = ES_PLAN_PROPOSED;
    p->created = sqlite3_column_int64(st, 18);
    p->accepted_at = sqlite3_column_int64(st, 19);
    p->accepted_by = sqlite3_column_int64(st, 20);
    p->done_at = sqlite3_column_int64(st, 21);
    p->done_by = sqlite3_column_int64(st, 22);
    col_scores(st, 23, &p->at_accept);
    col_scores(st, 27, &p->at_done);
    p->location_key = (const char *)sqlite3_column_text(st, 31);
    p->now.mean = p->now.csat = NAN;
}

static es_err sq_list(es_store_t *s, int64_t location_id, int64_t id, unsigned states,
                      void (*cb)(const es_plan *p, void *ud), void *ud, size_t *found)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int src = sqlite3_prepare_v2(q->db, list_sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, location_id);
        sqlite3_bind_int64(st, 2, id);
        sqlite3_bind_int64(st, 3, states);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            es_plan p;
            take_plan(st, &p);
            cb(&p, ud);
            n++;
        }
    }
    sqlite3_finalize(st);
    if (found)
        *found = n;
    return src == SQLITE_DONE ? ES_OK : es__sqlite_fail(s, q->db, src, "listing plans");
}

typedef struct state_args {
    int64_t id;
    es_plan_state to;
    int64_t at, actor;
    const es_plan_scores *sc;
} state_args;

/* The state of plan id into *out (ES_ENOTFOUND when there is none). */
static es_err state_of(es_store_t *s, sqlite3 *db, int64_t id, es_plan_state *out)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db, "SELECT state FROM plans WHERE id = ?1", -1, &st, NULL);
    int found = 0;
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            found = es_plan_state_parse((const char *)sqlite3_column_text(st, 0), out) == ES_OK;
            src = SQLITE_DONE;
        }
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, db, src, "reading a plan");
    return found ? ES_OK : es__store_fail(s, ES_ENOTFOUND, "no plan %lld", (long long)id);
}

/* Binds a score that may be NaN (NULL) at parameter i. */
static void bind_d(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

static const char *const update_sql[] = {
    [ES_PLAN_ACCEPTED] = "UPDATE plans SET state = 'accepted', accepted_at = ?2,"
                         " accepted_by = nullif(?3, 0), accept_mean = ?4, accept_mean_n = ?5,"
                         " accept_csat = ?6, accept_csat_n = ?7 WHERE id = ?1",
    [ES_PLAN_DONE] = "UPDATE plans SET state = 'done', done_at = ?2, done_by = nullif(?3, 0),"
                     " done_mean = ?4, done_mean_n = ?5, done_csat = ?6, done_csat_n = ?7"
                     " WHERE id = ?1",
    [ES_PLAN_DISMISSED] = "UPDATE plans SET state = 'dismissed', done_at = ?2,"
                          " done_by = nullif(?3, 0) WHERE id = ?1",
};

/* Checks the move, updates the row and audits it. */
static es_err do_state(es_store_t *s, void *arg)
{
    state_args *a = arg;
    es__sqlite *q = s->impl;
    es_plan_state from;
    es_err rc = state_of(s, q->db, a->id, &from);
    if (rc)
        return rc;
    int ok =
        (from == ES_PLAN_PROPOSED && (a->to == ES_PLAN_ACCEPTED || a->to == ES_PLAN_DISMISSED)) ||
        (from == ES_PLAN_ACCEPTED && (a->to == ES_PLAN_DONE || a->to == ES_PLAN_DISMISSED));
    if (!ok)
        return es__store_fail(s, ES_EINVAL, "plan %lld is %s: it cannot become %s",
                              (long long)a->id, es_plan_state_name(from),
                              es_plan_state_name(a->to));
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(q->db, update_sql[a->to], -1, &st, NULL);
    es_plan_scores none = {NAN, 0, NAN, 0};
    const es_plan_scores *sc = a->to == ES_PLAN_DISMISSED || !a->sc ? &none : a->sc;
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, a->id);
        sqlite3_bind_int64(st, 2, a->at);
        sqlite3_bind_int64(st, 3, a->actor);
        if (a->to != ES_PLAN_DISMISSED) { /* the dismissal keeps no scores */
            bind_d(st, 4, sc->mean);
            sqlite3_bind_int64(st, 5, sc->n_mean);
            bind_d(st, 6, sc->csat);
            sqlite3_bind_int64(st, 7, sc->n_csat);
        }
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return es__sqlite_fail(s, q->db, src, "changing a plan");
    char action[32], detail[160];
    snprintf(action, sizeof action, "plan.%s",
             a->to == ES_PLAN_ACCEPTED ? "accept"
             : a->to == ES_PLAN_DONE   ? "done"
                                       : "dismiss");
    snprintf(detail, sizeof detail, "{\"from\":\"%s\",\"to\":\"%s\",\"n\":%lld}",
             es_plan_state_name(from), es_plan_state_name(a->to), (long long)sc->n_mean);
    return audit(s, a->actor, action, "plan", a->id, detail);
}

static es_err sq_set_state(es_store_t *s, int64_t id, es_plan_state to, int64_t at, int64_t actor,
                           const es_plan_scores *sc)
{
    state_args a = {id, to, at, actor, sc};
    return es__sqlite_in_tx(s, do_state, &a);
}

/* See plan_int.h. */
const struct es__plan_ops es__sqlite_plan_ops = {
    .rows = es__sqlite_plan_rows,
    .topic_rows = es__sqlite_plan_topic_rows,
    .scores = es__sqlite_plan_scores,
    .replace_proposed = sq_replace,
    .list = sq_list,
    .set_state = sq_set_state,
};
