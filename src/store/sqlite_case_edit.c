/*
 * sqlite_case_edit.c - changing the inbox (SQLite): statuses, assignment,
 * teams, priority, agents' corrections (also written to the labels table for
 * learning), tags, notes, merging cases and customers, and recomputing a
 * case's signals. Each public change runs in one transaction together with
 * its audit entries (who did what), inside a caller's es_store_begin when
 * there is one. Reached through cases.c.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "store/sqlite_case_int.h"

#define NOTE_MAX 8192
#define TAG_MAX 64

static es_err fail(es_store_t *s, int src, const char *what)
{
    return es__sqlite_fail(s, ((es__sqlite *)s->impl)->db, src, what);
}

static void object(char *buf, size_t size, const char *kind, int64_t id)
{
    snprintf(buf, size, "%s:%lld", kind, (long long)id);
}

/* Runs sql with up to three integer parameters and an optional text ?4. */
static es_err run(es_store_t *s, const char *sql, int64_t a, int64_t b, int64_t c, const char *t,
                  const char *what)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(s, sql, &st, what);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    sqlite3_bind_int64(st, 3, c);
    es__sqlite_bind_str(st, 4, t);
    return es__sqlcase_done(s, st, what);
}

/* ---- recomputing a case -------------------------------------------------------- */

/* See case_int.h. The latest customer message (copies aside) gives the
 * sentiment and intent; severity is the highest of the mentions'. */
es_err es__sqlcase_refresh(es_store_t *s, int64_t id, int64_t now)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(
        s,
        "SELECT min(CASE WHEN created_at > 0 THEN created_at ELSE received_at END, ?2),"
        " coalesce(compound, 0), intent, cues, flags, polarity"
        " FROM mentions WHERE case_id = ?1 ORDER BY 1, id",
        &st, "recomputing a case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    double sev = 0;
    int64_t last = 0;
    int pol = 0, seen = 0, src;
    es_intent latest = ES_INTENT_OTHER;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_intent in;
        if (es_intent_parse((const char *)sqlite3_column_text(st, 2), &in))
            in = ES_INTENT_OTHER;
        uint32_t flags = (uint32_t)sqlite3_column_int64(st, 4);
        double m = es_case_severity(sqlite3_column_double(st, 1), in,
                                    (uint32_t)sqlite3_column_int64(st, 3), flags);
        sev = m > sev ? m : sev;
        int64_t t = sqlite3_column_int64(st, 0);
        last = t > last ? t : last;
        if (!(flags & ES_FLAG_DUPLICATE) || !seen) {
            latest = in;
            pol = sqlite3_column_int(st, 5);
            seen = 1;
        }
    }
    es__sqlcase_finalize(st);
    if (src != SQLITE_DONE)
        return fail(s, src, "recomputing a case");
    rc = es__sqlcase_prepare(s,
                             "UPDATE cases SET severity = ?2, priority = CASE WHEN priority_set"
                             " THEN priority ELSE ?3 END, sentiment = ?4, intent = ?5,"
                             " last_customer_at = CASE WHEN ?6 > 0 THEN ?6 ELSE last_customer_at"
                             " END, updated = ?7 WHERE id = ?1",
                             &st, "recomputing a case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_double(st, 2, sev);
    sqlite3_bind_int(st, 3, es_case_priority_for(sev));
    sqlite3_bind_int(st, 4, pol);
    sqlite3_bind_text(st, 5, es_intent_name(latest), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, last);
    sqlite3_bind_int64(st, 7, now);
    rc = es__sqlcase_done(s, st, "recomputing a case");
    return rc ? rc : es__sqlcase_rekey(s, id);
}

/* ---- updating a case ------------------------------------------------------------- */

/* What a case is before a change. */
typedef struct state {
    char status[16];
    int64_t team, assignee, merged, last_mention;
} state;

static es_err read_state(es_store_t *s, int64_t id, state *o)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(s,
                                    "SELECT status, coalesce(team_id, 0), coalesce(assignee_id, 0),"
                                    " coalesce(merged_into, 0), (SELECT max(id) FROM mentions"
                                    " WHERE case_id = ?1 AND flags & 8 = 0) FROM cases"
                                    " WHERE id = ?1",
                                    &st, "changing a case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        snprintf(o->status, sizeof o->status, "%s", (const char *)sqlite3_column_text(st, 0));
        o->team = sqlite3_column_int64(st, 1);
        o->assignee = sqlite3_column_int64(st, 2);
        o->merged = sqlite3_column_int64(st, 3);
        o->last_mention = sqlite3_column_int64(st, 4);
    }
    es__sqlcase_finalize(st);
    if (src == SQLITE_DONE)
        return es__store_fail(s, ES_ENOTFOUND, "no case %lld", (long long)id);
    return src == SQLITE_ROW ? ES_OK : fail(s, src, "changing a case");
}

/* ES_OK when sql (one ?1) finds a row; ES_EINVAL "no <what> ID" otherwise. */
static es_err must_exist(es_store_t *s, const char *sql, int64_t id, const char *what)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(s, sql, &st, "changing a case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int src = sqlite3_step(st);
    es__sqlcase_finalize(st);
    if (src == SQLITE_DONE)
        return es__store_fail(s, ES_EINVAL, "no %s %lld", what, (long long)id);
    return src == SQLITE_ROW ? ES_OK : fail(s, src, "changing a case");
}

/* Audits action on case id with detail {"from": a, "to": b} (numbers). */
static es_err audit_ids(es_store_t *s, const es_case_actor *who, int64_t now, int64_t id,
                        const char *action, int64_t from, int64_t to)
{
    char obj[40], detail[96];
    object(obj, sizeof obj, "case", id);
    snprintf(detail, sizeof detail, "{\"from\":%lld,\"to\":%lld}", (long long)from, (long long)to);
    return es__sqlcase_audit(s, who, now, action, obj, detail);
}

/* Audits action on case id with detail {"from": a, "to": b} (strings). */
static es_err audit_strs(es_store_t *s, const es_case_actor *who, int64_t now, int64_t id,
                         const char *action, const char *from, const char *to)
{
    char obj[40];
    es__buf d;
    es__buf_init(&d, 4096);
    object(obj, sizeof obj, "case", id);
    es_err rc = es__buf_adds(&d, "{\"from\":");
    if (rc == ES_OK)
        rc = es__sqlcase_json_str(&d, from);
    if (rc == ES_OK)
        rc = es__buf_adds(&d, ",\"to\":");
    if (rc == ES_OK)
        rc = es__sqlcase_json_str(&d, to);
    if (rc == ES_OK)
        rc = es__buf_addc(&d, '}');
    if (rc == ES_OK)
        rc = es__sqlcase_audit(s, who, now, action, obj, d.data);
    else
        rc = es__store_fail(s, rc, "changing a case: out of memory");
    es__buf_cleanup(&d);
    return rc;
}

static es_err set_status(es_store_t *s, int64_t id, const state *o, const char *status,
                         const es_case_actor *who, int64_t now)
{
    es_case_status st;
    if (es_case_status_parse(status, &st))
        return es__store_fail(s, ES_EINVAL,
                              "unknown status '%.40s' (new, open, pending, "
                              "resolved)",
                              status);
    if (strcmp(o->status, status) == 0)
        return ES_OK;
    es_err rc = run(s,
                    "UPDATE cases SET status = ?4, resolved_at = CASE WHEN ?4 = 'resolved'"
                    " THEN ?2 ELSE NULL END WHERE id = ?1",
                    id, now, 0, status, "changing a case's status");
    return rc ? rc : audit_strs(s, who, now, id, "case.status", o->status, status);
}

static es_err set_team(es_store_t *s, int64_t id, state *o, const es_case_change *c,
                       const es_case_actor *who, int64_t now)
{
    es_err rc =
        c->team_id ? must_exist(s, "SELECT 1 FROM teams WHERE id = ?1", c->team_id, "team") : ES_OK;
    if (rc || c->team_id == o->team)
        return rc;
    rc = run(s, "UPDATE cases SET team_id = nullif(?2, 0) WHERE id = ?1", id, c->team_id, 0, NULL,
             "changing a case's team");
    if (rc == ES_OK)
        rc = audit_ids(s, who, now, id, "case.team", o->team, c->team_id);
    o->team = c->team_id;
    /* A case moved to another team goes to one of its members, unless the
     * change names the assignee itself. */
    if (rc == ES_OK && c->assignee_id == ES_CASE_KEEP) {
        int64_t user = 0;
        if (c->team_id)
            rc = es__sqlcase_pick_member(s, c->team_id, id, &user);
        if (rc == ES_OK && user != o->assignee)
            rc = run(s, "UPDATE cases SET assignee_id = nullif(?2, 0) WHERE id = ?1", id, user, 0,
                     NULL, "assigning a case");
        if (rc == ES_OK && user != o->assignee)
            rc = audit_ids(s, who, now, id, "case.assign", o->assignee, user);
        o->assignee = user;
    }
    return rc;
}

/* ES_OK when user is active and may see case id; else ES_EINVAL. */
static es_err may_take(es_store_t *s, int64_t user, int64_t id)
{
    sqlite3_stmt *st;
    es_err rc = es__sqlcase_prepare(s,
                                    "SELECT 1 FROM users u WHERE u.id = ?1 AND u.disabled = 0"
                                    " AND" ES__SQLCASE_USER_SEES("u.id", 2),
                                    &st, "assigning a case");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, user);
    sqlite3_bind_int64(st, 2, id);
    int src = sqlite3_step(st);
    es__sqlcase_finalize(st);
    if (src == SQLITE_DONE)
        return es__store_fail(s, ES_EINVAL, "user %lld is not an active user who may see case %lld",
                              (long long)user, (long long)id);
    return src == SQLITE_ROW ? ES_OK : fail(s, src, "assigning a case");
}

static es_err set_assignee(es_store_t *s, int64_t id, state *o, int64_t user,
                           const es_case_actor *who, int64_t now)
{
    es_err rc = user ? may_take(s, user, id) : ES_OK;
    if (rc || user == o->assignee)
        return rc;
    rc = run(s, "UPDATE cases SET assignee_id = nullif(?2, 0) WHERE id = ?1", id, user, 0, NULL,
             "assigning a case");
    if (rc == ES_OK)
        rc = audit_ids(s, who, now, id, "case.assign", o->assignee, user);
    o->assignee = user;
    return rc;
}

/* An agent's correction: the case's column, a label for learning (on the
 * case's latest mention) and the audit entry. */
static es_err correct(es_store_t *s, int64_t id, const state *o, const char *task,
                      const char *label, const es_case_actor *who, int64_t now)
{
    static const char *const upd[] = {
        "UPDATE cases SET sentiment = ?2 WHERE id = ?1",
        "UPDATE cases SET intent = ?4 WHERE id = ?1",
        "UPDATE cases SET department = nullif(?4, '') WHERE id = ?1",
    };
    int k = strcmp(task, "sentiment") == 0 ? 0 : strcmp(task, "intent") == 0 ? 1 : 2;
    es_polarity pol = ES_NEUTRAL;
    es_intent in;
    if (k == 0 && es_polarity_parse(label, &pol))
        return es__store_fail(s, ES_EINVAL, "unknown sentiment '%.40s'", label);
    if (k == 1 && es_intent_parse(label, &in))
        return es__store_fail(s, ES_EINVAL, "unknown intent '%.40s'", label);
    if (k == 2 && strlen(label) > TAG_MAX)
        return es__store_fail(s, ES_EINVAL, "a department name is at most %d bytes", TAG_MAX);
    es_err rc = run(s, upd[k], id, (int64_t)pol, 0, label, "correcting a case");
    if (rc == ES_OK && *label) {
        sqlite3_stmt *st;
        rc = es__sqlcase_prepare(s,
                                 "INSERT INTO labels(mention_id, case_id, task, label, user_id,"
                                 " created) VALUES (nullif(?1, 0), ?2, ?3, ?4, nullif(?5, 0), ?6)",
                                 &st, "recording a correction");
        if (rc == ES_OK) {
            /* sentiment and intent were the latest message's: the label
             * names it; a department is the whole case's */
            sqlite3_bind_int64(st, 1, k == 2 ? 0 : o->last_mention);
            sqlite3_bind_int64(st, 2, id);
            sqlite3_bind_text(st, 3, task, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, label, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 5, who ? who->user_id : 0);
            sqlite3_bind_int64(st, 6, now);
            rc = es__sqlcase_done(s, st, "recording a correction");
        }
    }
    char action[32];
    snprintf(action, sizeof action, "case.%s", task);
    return rc ? rc : audit_strs(s, who, now, id, action, NULL, label);
}

static int tag_ok(const char *t)
{
    size_t n = t ? strlen(t) : 0;
    if (n == 0 || n > TAG_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20 || t[i] == ',')
            return 0;
    return 1;
}

static es_err set_tags(es_store_t *s, int64_t id, const es_case_change *c, const es_case_actor *who,
                       int64_t now)
{
    es_err rc = ES_OK;
    for (size_t i = 0; rc == ES_OK && i < c->n_tags_add + c->n_tags_remove; i++) {
        int add = i < c->n_tags_add;
        const char *t = add ? c->tags_add[i] : c->tags_remove[i - c->n_tags_add];
        if (!tag_ok(t))
            return es__store_fail(s, ES_EINVAL, "a tag is 1 to %d bytes without commas", TAG_MAX);
        rc = run(s,
                 add ? "INSERT OR IGNORE INTO case_tags(case_id, tag) VALUES (?1, ?4)"
                     : "DELETE FROM case_tags WHERE case_id = ?1 AND tag = ?4",
                 id, 0, 0, t, "tagging a case");
        if (rc == ES_OK && sqlite3_changes(((es__sqlite *)s->impl)->db) > 0)
            rc = audit_strs(s, who, now, id, add ? "case.tag" : "case.untag", NULL, t);
    }
    return rc;
}

static es_err apply(es_store_t *s, int64_t id, const es_case_change *c, const es_case_actor *who,
                    int64_t now)
{
    state o;
    es_err rc = read_state(s, id, &o);
    if (rc == ES_OK && o.merged)
        rc = es__store_fail(s, ES_EINVAL, "case %lld was merged into case %lld", (long long)id,
                            (long long)o.merged);
    if (rc == ES_OK && c->status)
        rc = set_status(s, id, &o, c->status, who, now);
    if (rc == ES_OK && c->team_id != ES_CASE_KEEP)
        rc = set_team(s, id, &o, c, who, now);
    if (rc == ES_OK && c->assignee_id != ES_CASE_KEEP)
        rc = set_assignee(s, id, &o, c->assignee_id, who, now);
    if (rc == ES_OK && c->priority != 0 && c->priority != ES_CASE_KEEP) {
        if (c->priority < 1 || c->priority > 4)
            return es__store_fail(s, ES_EINVAL, "a priority is 1 (urgent) to 4 (low)");
        rc = run(s, "UPDATE cases SET priority = ?2, priority_set = 1 WHERE id = ?1", id,
                 c->priority, 0, NULL, "changing a case's priority");
        if (rc == ES_OK)
            rc = audit_ids(s, who, now, id, "case.priority", 0, c->priority);
    }
    if (rc == ES_OK && c->sentiment)
        rc = correct(s, id, &o, "sentiment", c->sentiment, who, now);
    if (rc == ES_OK && c->intent)
        rc = correct(s, id, &o, "intent", c->intent, who, now);
    if (rc == ES_OK && c->department)
        rc = correct(s, id, &o, "department", c->department, who, now);
    if (rc == ES_OK)
        rc = set_tags(s, id, c, who, now);
    if (rc == ES_OK)
        rc = run(s, "UPDATE cases SET updated = ?2 WHERE id = ?1", id, now, 0, NULL,
                 "changing a case");
    return rc ? rc : es__sqlcase_rekey(s, id);
}

/* See case_int.h. */
es_err es__sqlcase_update(es_store_t *s, int64_t id, const es_case_scope *scope,
                          const es_case_change *c, const es_case_actor *who, int64_t now)
{
    int owned = 0;
    es_err rc = es__sqlcase_begin(s, &owned);
    if (rc == ES_OK)
        rc = es__sqlcase_visible(s, id, scope);
    if (rc == ES_OK)
        rc = apply(s, id, c, who, now);
    return es__sqlcase_end(s, owned, rc);
}

/* ---- notes ----------------------------------------------------------------------- */

/* See case_int.h. */
es_err es__sqlcase_note_add(es_store_t *s, int64_t id, const es_case_scope *scope,
                            const es_case_actor *who, const char *text, int64_t now, int64_t *nid)
{
    size_t n = strlen(text);
    if (n == 0 || n > NOTE_MAX)
        return es__store_fail(s, ES_EINVAL, "a note is 1 to %d bytes", NOTE_MAX);
    int owned = 0;
    state o;
    es_err rc = es__sqlcase_begin(s, &owned);
    if (rc == ES_OK)
        rc = es__sqlcase_visible(s, id, scope);
    if (rc == ES_OK)
        rc = read_state(s, id, &o);
    if (rc == ES_OK && o.merged)
        rc = es__store_fail(s, ES_EINVAL, "case %lld was merged into case %lld", (long long)id,
                            (long long)o.merged);
    if (rc == ES_OK)
        rc = run(s,
                 "INSERT INTO case_notes(case_id, user_id, at, text)"
                 " VALUES (?1, nullif(?2, 0), ?3, ?4)",
                 id, who ? who->user_id : 0, now, text, "adding a note");
    int64_t note = rc == ES_OK ? sqlite3_last_insert_rowid(((es__sqlite *)s->impl)->db) : 0;
    if (rc == ES_OK)
        rc = audit_ids(s, who, now, id, "case.note", 0, note);
    rc = es__sqlcase_end(s, owned, rc);
    if (rc == ES_OK && nid)
        *nid = note;
    return rc;
}

/* ---- merging ---------------------------------------------------------------------- */

static es_err merge_cases(es_store_t *s, int64_t into, int64_t from, const es_case_actor *who,
                          int64_t now)
{
    state a, b;
    es_err rc = read_state(s, into, &a);
    if (rc == ES_OK)
        rc = read_state(s, from, &b);
    if (rc == ES_OK && (a.merged || b.merged))
        rc = es__store_fail(s, ES_EINVAL, "case %lld was merged already",
                            (long long)(a.merged ? into : from));
    if (rc == ES_OK)
        rc = run(s, "UPDATE mentions SET case_id = ?1 WHERE case_id = ?2", into, from, 0, NULL,
                 "merging cases");
    if (rc == ES_OK)
        rc = run(s, "UPDATE case_notes SET case_id = ?1 WHERE case_id = ?2", into, from, 0, NULL,
                 "merging cases");
    if (rc == ES_OK)
        rc = run(s,
                 "INSERT OR IGNORE INTO case_tags(case_id, tag) SELECT ?1, tag FROM case_tags"
                 " WHERE case_id = ?2",
                 into, from, 0, NULL, "merging cases");
    if (rc == ES_OK)
        rc = run(s, "DELETE FROM case_tags WHERE case_id = ?2", into, from, 0, NULL,
                 "merging cases");
    if (rc == ES_OK)
        rc = run(s, "UPDATE cases SET merged_into = ?1, updated = ?3 WHERE id = ?2", into, from,
                 now, NULL, "merging cases");
    if (rc == ES_OK)
        rc = es__sqlcase_refresh(s, into, now);
    if (rc == ES_OK)
        rc = audit_ids(s, who, now, into, "case.merge", from, into);
    if (rc == ES_OK)
        rc = audit_ids(s, who, now, from, "case.merge", from, into);
    return rc;
}

/* See case_int.h. */
es_err es__sqlcase_merge(es_store_t *s, int64_t into, int64_t from, const es_case_scope *scope,
                         const es_case_actor *who, int64_t now)
{
    if (into == from)
        return es__store_fail(s, ES_EINVAL, "a case cannot be merged into itself");
    int owned = 0;
    es_err rc = es__sqlcase_begin(s, &owned);
    if (rc == ES_OK)
        rc = es__sqlcase_visible(s, into, scope);
    if (rc == ES_OK)
        rc = es__sqlcase_visible(s, from, scope);
    if (rc == ES_OK)
        rc = merge_cases(s, into, from, who, now);
    return es__sqlcase_end(s, owned, rc);
}

static void keep_merged(const es_customer *c, void *ud)
{
    *(int64_t *)ud = c->merged_into;
}

/* See case_int.h. */
es_err es__sqlcase_customer_merge(es_store_t *s, int64_t into, int64_t from,
                                  const es_case_scope *scope, const es_case_actor *who, int64_t now)
{
    if (into == from)
        return es__store_fail(s, ES_EINVAL, "a customer cannot be merged into itself");
    int owned = 0;
    int64_t ma = 0, mb = 0;
    es_err rc = es__sqlcase_begin(s, &owned);
    if (rc == ES_OK)
        rc = es__sqlcase_customer_get(s, into, scope, keep_merged, &ma);
    if (rc == ES_OK)
        rc = es__sqlcase_customer_get(s, from, scope, keep_merged, &mb);
    if (rc == ES_OK && (ma || mb))
        rc = es__store_fail(s, ES_EINVAL, "customer %lld was merged already",
                            (long long)(ma ? into : from));
    static const char *const steps[] = {
        "UPDATE customer_handles SET customer_id = ?1 WHERE customer_id = ?2",
        "UPDATE cases SET customer_id = ?1, updated = ?3 WHERE customer_id = ?2",
        "UPDATE customers SET merged_into = ?1 WHERE merged_into = ?2 OR id = ?2",
    };
    for (size_t i = 0; rc == ES_OK && i < sizeof steps / sizeof steps[0]; i++)
        rc = run(s, steps[i], into, from, now, NULL, "merging customers");
    char obj[40], detail[96];
    snprintf(detail, sizeof detail, "{\"from\":%lld,\"to\":%lld}", (long long)from,
             (long long)into);
    object(obj, sizeof obj, "customer", into);
    if (rc == ES_OK)
        rc = es__sqlcase_audit(s, who, now, "customer.merge", obj, detail);
    object(obj, sizeof obj, "customer", from);
    if (rc == ES_OK)
        rc = es__sqlcase_audit(s, who, now, "customer.merge", obj, detail);
    return es__sqlcase_end(s, owned, rc);
}
