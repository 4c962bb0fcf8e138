/*
 * sqlite_case_thread.c - the threader (C1): every mention without a case,
 * oldest first, gets one, in chunks, one transaction per chunk. It
 * recognises the customer (customer_handles), finds the case the mention
 * belongs to (its reply parent's, its conversation's, or the customer's
 * unresolved case on the same source within the window) or opens one,
 * updates the case's signals and queue key, and routes and assigns the new
 * cases (sqlite_case_route.c). Called through es_case_thread_pending by the
 * server's follow-up thread, `earshot ingest` and `earshot case thread`.
 *
 * Crash safety: the mention's case_id is written in the same transaction
 * that creates or updates its case, so a crash loses the whole chunk or
 * nothing, and the next call picks up exactly the mentions still without a
 * case. Statements stay prepared on the store handle from one call to the
 * next (the statement cache of sqlite_case.c), as does the audit entry's.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "earshot/arena.h"
#include "inbox/inbox.h"
#include "store/sqlite_case_int.h"

#define DEFAULT_WINDOW (24 * 3600)
/* Mentions per transaction: small enough that the write lock is held for
 * milliseconds (the ingest pipeline's group commits wait for it), large
 * enough that the commits' fsyncs stay few. */
#define DEFAULT_CHUNK 128
#define DEFAULT_DEPARTMENT_MIN 0.5 /* ES_LEARN_CONFIDENT (learn.h) */
#define MAX_CHUNK 10000
#define MAX_MERGE_HOPS 16
#define SUBJECT_MAX 140

/* One mention waiting for a case, copied out of the reading statement. */
typedef struct pend {
    int64_t id;
    const char *source, *external_id, *author, *author_name, *text, *lang;
    const char *reply_to, *location, *conversation;
    int64_t followers, t; /* t: when the customer said it */
    double compound;
    es_intent intent;
    int polarity;
    uint32_t cues, flags;
    int64_t brand_id;
    const char *department; /* the department model's guess (step 8), or NULL */
} pend;

enum {
    S_PENDING,
    S_HANDLE,
    S_CUST_MERGED,
    S_CUST_NEW,
    S_HANDLE_NEW,
    S_BY_KEY,
    S_BY_CONV,
    S_CASE_STATE,
    S_WINDOW,
    S_CASE_NEW,
    S_CASE_READ,
    S_CASE_JOIN,
    S_MENTION_SET,
    S_COUNT
};

static const char *const sql[S_COUNT] = {
    [S_PENDING] =
        "SELECT m.id, m.source, m.external_id, m.author, m.author_name, m.followers, m.text,"
        " m.lang, m.created_at, m.received_at, m.reply_to, m.location, m.conversation,"
        " coalesce(m.compound, 0), m.polarity, m.intent, m.cues, m.flags,"
        " coalesce((SELECT min(b.brand_id) FROM mention_brands b WHERE b.mention_id = m.id), 0),"
        /* A department model's guess routes only when it is confident. */
        " CASE WHEN m.department_conf >= ?2 THEN m.department END"
        " FROM mentions m WHERE m.case_id IS NULL ORDER BY m.id LIMIT ?1",
    [S_HANDLE] = "SELECT customer_id FROM customer_handles WHERE kind = ?1 AND source = ?2"
                 " AND value = ?3",
    [S_CUST_MERGED] = "SELECT merged_into FROM customers WHERE id = ?1",
    [S_CUST_NEW] = "INSERT INTO customers(name, created) VALUES (?1, ?2)",
    [S_HANDLE_NEW] = "INSERT INTO customer_handles(customer_id, kind, value, source)"
                     " VALUES (?1, ?2, ?3, ?4)",
    [S_BY_KEY] = "SELECT case_id FROM mentions WHERE key_hash = ?1 AND source = ?2"
                 " AND external_id = ?3 AND case_id IS NOT NULL",
    [S_BY_CONV] = "SELECT case_id FROM mentions WHERE source = ?1 AND conversation = ?2"
                  " AND case_id IS NOT NULL ORDER BY id DESC LIMIT 1",
    [S_CASE_STATE] = "SELECT status, coalesce(merged_into, 0) FROM cases WHERE id = ?1",
    [S_WINDOW] = "SELECT id FROM cases WHERE customer_id = ?1 AND source = ?2"
                 " AND last_customer_at >= ?3 AND status <> 'resolved' AND merged_into IS NULL"
                 " ORDER BY last_customer_at DESC LIMIT 1",
    [S_CASE_NEW] =
        "INSERT INTO cases(customer_id, source, location, brand_id, subject, status, priority,"
        " severity, sentiment, intent, created, updated, last_customer_at, followers, department,"
        " queue_key, rank)"
        " VALUES (nullif(?1, 0), ?2, ?3, nullif(?4, 0), ?5, 'new', ?6, ?7, ?8, ?9, ?10, ?10,"
        " ?11, ?12, ?13, ?14, ?15)",
    [S_CASE_READ] = "SELECT status, severity, priority, priority_set, last_customer_at,"
                    " queue_due FROM cases WHERE id = ?1",
    [S_CASE_JOIN] =
        "UPDATE cases SET updated = ?2, last_customer_at = ?3, severity = ?4, priority = ?5,"
        " sentiment = CASE WHEN ?6 THEN ?7 ELSE sentiment END,"
        " intent = CASE WHEN ?6 THEN ?8 ELSE intent END,"
        " status = ?9, location = coalesce(location, ?10), brand_id = coalesce(brand_id,"
        " nullif(?11, 0)), followers = CASE WHEN ?6 AND ?12 IS NOT NULL THEN ?12 ELSE followers "
        "END,"
        " department = coalesce(department, ?13), queue_key = ?14, rank = ?15 WHERE id = ?1",
    [S_MENTION_SET] = "UPDATE mentions SET case_id = ?1 WHERE id = ?2",
};

typedef struct threader {
    es_store_t *s;
    sqlite3_stmt *st[S_COUNT];
    es__sqlcase_router *router;
    int64_t window, now;
    double department_min;
    es_arena_t *arena;
} threader;

static es_err stmt(threader *th, int which, sqlite3_stmt **out)
{
    if (!th->st[which]) {
        es_err rc = es__sqlcase_prepare(th->s, sql[which], &th->st[which], "threading mentions");
        if (rc)
            return rc;
    }
    *out = th->st[which];
    sqlite3_reset(*out);
    sqlite3_clear_bindings(*out);
    return ES_OK;
}

static es_err fail(threader *th, int src)
{
    return es__sqlite_fail(th->s, ((es__sqlite *)th->s->impl)->db, src, "threading mentions");
}

/* Runs a one-value lookup: *found 1 and *out set when a row came back. */
static es_err lookup(threader *th, sqlite3_stmt *st, int64_t *out, int *found)
{
    int src = sqlite3_step(st);
    *found = src == SQLITE_ROW;
    if (*found)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return src == SQLITE_ROW || src == SQLITE_DONE ? ES_OK : fail(th, src);
}

static es_err exec(threader *th, sqlite3_stmt *st)
{
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    return src == SQLITE_DONE ? ES_OK : fail(th, src);
}

/* ---- reading the chunk --------------------------------------------------------- */

static const char *col(threader *th, sqlite3_stmt *st, int i, int *oom)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    if (!v)
        return NULL;
    char *c = es_arena_strdup(th->arena, v);
    if (!c)
        *oom = 1;
    return c;
}

static es_err read_chunk(threader *th, size_t chunk, pend **out, size_t *n)
{
    sqlite3_stmt *st;
    es_err rc = stmt(th, S_PENDING, &st);
    if (rc)
        return rc;
    pend *ps = es_arena_alloc(th->arena, chunk * sizeof *ps);
    if (!ps)
        return es__store_fail(th->s, ES_ENOMEM, "threading mentions: out of memory");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)chunk);
    sqlite3_bind_double(st, 2, th->department_min);
    int src, oom = 0;
    *n = 0;
    while (!oom && (src = sqlite3_step(st)) == SQLITE_ROW) {
        pend *p = &ps[(*n)++];
        memset(p, 0, sizeof *p);
        p->id = sqlite3_column_int64(st, 0);
        p->source = col(th, st, 1, &oom);
        p->external_id = col(th, st, 2, &oom);
        p->author = col(th, st, 3, &oom);
        p->author_name = col(th, st, 4, &oom);
        p->followers = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 5);
        p->text = col(th, st, 6, &oom);
        p->lang = col(th, st, 7, &oom);
        int64_t created = sqlite3_column_int64(st, 8), received = sqlite3_column_int64(st, 9);
        p->t = created > 0 ? created : received > 0 ? received : th->now;
        if (p->t > th->now)
            p->t = th->now;
        p->reply_to = col(th, st, 10, &oom);
        p->location = col(th, st, 11, &oom);
        p->conversation = col(th, st, 12, &oom);
        p->compound = sqlite3_column_double(st, 13);
        p->polarity = sqlite3_column_int(st, 14);
        if (es_intent_parse((const char *)sqlite3_column_text(st, 15), &p->intent))
            p->intent = ES_INTENT_OTHER;
        p->cues = (uint32_t)sqlite3_column_int64(st, 16);
        p->flags = (uint32_t)sqlite3_column_int64(st, 17);
        p->brand_id = sqlite3_column_int64(st, 18);
        p->department = col(th, st, 19, &oom);
    }
    sqlite3_reset(st);
    if (oom)
        return es__store_fail(th->s, ES_ENOMEM, "threading mentions: out of memory");
    *out = ps;
    return src == SQLITE_DONE ? ES_OK : fail(th, src);
}

/* ---- customers --------------------------------------------------------------- */

/* Follows merged_into from customer id to the customer it now is. */
static es_err live_customer(threader *th, int64_t *id)
{
    for (int hop = 0; hop < MAX_MERGE_HOPS; hop++) {
        sqlite3_stmt *st;
        int64_t into = 0;
        int found;
        es_err rc = stmt(th, S_CUST_MERGED, &st);
        if (rc)
            return rc;
        sqlite3_bind_int64(st, 1, *id);
        if ((rc = lookup(th, st, &into, &found)))
            return rc;
        if (!found || into <= 0)
            return ES_OK;
        *id = into;
    }
    return ES_OK;
}

/* Finds the customer behind p's author, creating one (and its handle) when
 * unknown. *id is 0 when the mention has no usable author. */
static es_err customer(threader *th, const pend *p, int64_t *id)
{
    char value[ES_MAX_FIELD + 2];
    es__handle_kind kind;
    const char *src;
    sqlite3_stmt *st;
    int found;
    *id = 0;
    if (es__inbox_handle(p->source, p->author, &kind, &src, value, sizeof value) != 0)
        return ES_OK;
    es_err rc = stmt(th, S_HANDLE, &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, es__inbox_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, src, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
    if ((rc = lookup(th, st, id, &found)))
        return rc;
    if (found)
        return live_customer(th, id);
    if ((rc = stmt(th, S_CUST_NEW, &st)))
        return rc;
    es__sqlite_bind_str(st, 1, p->author_name ? p->author_name : p->author);
    sqlite3_bind_int64(st, 2, th->now);
    if ((rc = exec(th, st)))
        return rc;
    *id = sqlite3_last_insert_rowid(((es__sqlite *)th->s->impl)->db);
    if ((rc = stmt(th, S_HANDLE_NEW, &st)))
        return rc;
    sqlite3_bind_int64(st, 1, *id);
    sqlite3_bind_text(st, 2, es__inbox_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, src, -1, SQLITE_STATIC);
    return exec(th, st);
}

/* ---- finding the case ----------------------------------------------------------- */

/* Follows merges from case *id; *open is 0 when the case it ends at is
 * resolved (a resolved case is never re-opened by threading). */
static es_err live_case(threader *th, int64_t *id, int *open)
{
    *open = 0;
    for (int hop = 0; hop < MAX_MERGE_HOPS; hop++) {
        sqlite3_stmt *st;
        es_err rc = stmt(th, S_CASE_STATE, &st);
        if (rc)
            return rc;
        sqlite3_bind_int64(st, 1, *id);
        int src = sqlite3_step(st);
        if (src != SQLITE_ROW) {
            sqlite3_reset(st);
            return src == SQLITE_DONE ? ES_OK : fail(th, src);
        }
        const char *status = (const char *)sqlite3_column_text(st, 0);
        int64_t into = sqlite3_column_int64(st, 1);
        int resolved = status && strcmp(status, "resolved") == 0;
        sqlite3_reset(st);
        if (into <= 0) {
            *open = !resolved;
            return ES_OK;
        }
        *id = into;
    }
    return ES_OK;
}

/* The case of the mention with external id ext on source, 0 when none. */
static es_err case_of(threader *th, const char *source, const char *ext, int64_t *id)
{
    sqlite3_stmt *st;
    int found;
    *id = 0;
    es_err rc = stmt(th, S_BY_KEY, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)es__sqlite_key_hash(source, ext));
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ext, -1, SQLITE_STATIC);
    return lookup(th, st, id, &found);
}

/* The open case a mention joins (0: a new case): the reply parent's, the
 * conversation's, else the customer's on the same source within the window. */
static es_err find_case(threader *th, const pend *p, int64_t cust, int64_t *id)
{
    sqlite3_stmt *st;
    int found, open;
    es_err rc = ES_OK;
    *id = 0;
    if (p->reply_to && *p->reply_to)
        rc = case_of(th, p->source, p->reply_to, id);
    if (rc == ES_OK && *id == 0 && p->conversation && *p->conversation) {
        rc = case_of(th, p->source, p->conversation, id);
        if (rc == ES_OK && *id == 0 && (rc = stmt(th, S_BY_CONV, &st)) == ES_OK) {
            sqlite3_bind_text(st, 1, p->source, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, p->conversation, -1, SQLITE_STATIC);
            rc = lookup(th, st, id, &found);
        }
    }
    if (rc == ES_OK && *id) {
        rc = live_case(th, id, &open);
        if (rc == ES_OK && !open)
            *id = 0;
        if (rc || *id)
            return rc;
    }
    if (rc || cust == 0)
        return rc;
    if ((rc = stmt(th, S_WINDOW, &st)))
        return rc;
    sqlite3_bind_int64(st, 1, cust);
    sqlite3_bind_text(st, 2, p->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, p->t - th->window);
    return lookup(th, st, id, &found);
}

/* ---- writing ------------------------------------------------------------------ */

static es_err open_case(threader *th, const pend *p, int64_t cust, int64_t *id)
{
    sqlite3_stmt *st;
    double sev = es_case_severity(p->compound, p->intent, p->cues, p->flags);
    es_err rc = stmt(th, S_CASE_NEW, &st);
    if (rc)
        return rc;
    size_t n = p->text ? strlen(p->text) : 0;
    if (n > SUBJECT_MAX) { /* cut at a character boundary */
        n = SUBJECT_MAX;
        while (n > 0 && ((unsigned char)p->text[n] & 0xC0) == 0x80)
            n--;
    }
    sqlite3_bind_int64(st, 1, cust);
    sqlite3_bind_text(st, 2, p->source, -1, SQLITE_STATIC);
    es__sqlite_bind_str(st, 3, p->location);
    sqlite3_bind_int64(st, 4, p->brand_id);
    sqlite3_bind_text(st, 5, p->text ? p->text : "", (int)n, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, es_case_priority_for(sev));
    sqlite3_bind_double(st, 7, sev);
    sqlite3_bind_int(st, 8, p->polarity);
    sqlite3_bind_text(st, 9, es_intent_name(p->intent), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, th->now);
    sqlite3_bind_int64(st, 11, p->t);
    if (p->followers >= 0)
        sqlite3_bind_int64(st, 12, p->followers);
    es__sqlite_bind_str(st, 13, p->department);
    es_case_signals sig = {sev, es_case_priority_for(sev), p->t, 0};
    sqlite3_bind_double(st, 14, es_case_key(&sig));
    sqlite3_bind_double(st, 15, es_case_rank(&sig, p->t));
    if ((rc = exec(th, st)))
        return rc;
    *id = sqlite3_last_insert_rowid(((es__sqlite *)th->s->impl)->db);
    return ES_OK;
}

/* Adds p to case id: the latest customer message sets the time, sentiment
 * and intent (copies do not: they never inflate a case); severity is the
 * highest of the case's mentions; a pending case the customer writes to
 * again is open again (audited). */
static es_err join_case(threader *th, const pend *p, int64_t id)
{
    sqlite3_stmt *st;
    es_err rc = stmt(th, S_CASE_READ, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW) {
        sqlite3_reset(st);
        return src == SQLITE_DONE
                   ? es__store_fail(th->s, ES_EDB, "case %lld vanished", (long long)id)
                   : fail(th, src);
    }
    const char *status = (const char *)sqlite3_column_text(st, 0);
    int pending = status && strcmp(status, "pending") == 0;
    char keep[16];
    snprintf(keep, sizeof keep, "%s", status ? status : "new");
    double sev = sqlite3_column_double(st, 1);
    int prio = sqlite3_column_int(st, 2), prio_set = sqlite3_column_int(st, 3);
    int64_t last = sqlite3_column_int64(st, 4), due = sqlite3_column_int64(st, 5);
    sqlite3_reset(st);
    int dup = (p->flags & ES_FLAG_DUPLICATE) != 0;
    double msev = es_case_severity(p->compound, p->intent, p->cues, p->flags);
    if (msev > sev)
        sev = msev;
    if (!prio_set)
        prio = es_case_priority_for(sev);
    int latest = !dup && p->t >= last;
    es_case_signals sig = {sev, prio, p->t > last ? p->t : last, due};
    if ((rc = stmt(th, S_CASE_JOIN, &st)))
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, th->now);
    sqlite3_bind_int64(st, 3, p->t > last ? p->t : last);
    sqlite3_bind_double(st, 4, sev);
    sqlite3_bind_int(st, 5, prio);
    sqlite3_bind_int(st, 6, latest);
    sqlite3_bind_int(st, 7, p->polarity);
    sqlite3_bind_text(st, 8, es_intent_name(p->intent), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, pending ? "open" : keep, -1, SQLITE_TRANSIENT);
    es__sqlite_bind_str(st, 10, p->location);
    sqlite3_bind_int64(st, 11, p->brand_id);
    if (p->followers >= 0)
        sqlite3_bind_int64(st, 12, p->followers);
    es__sqlite_bind_str(st, 13, p->department);
    sqlite3_bind_double(st, 14, es_case_key(&sig));
    sqlite3_bind_double(st, 15, es_case_rank(&sig, sig.waiting_since));
    if ((rc = exec(th, st)))
        return rc;
    if (!pending)
        return ES_OK;
    char obj[40];
    snprintf(obj, sizeof obj, "case:%lld", (long long)id);
    return es__sqlcase_audit(th->s, NULL, th->now, "case.status", obj,
                             "{\"from\":\"pending\",\"to\":\"open\",\"why\":\"customer wrote\"}");
}

/* Threads one mention. */
static es_err thread_one(threader *th, const pend *p)
{
    int64_t cust = 0, id = 0;
    sqlite3_stmt *st;
    es_err rc = customer(th, p, &cust);
    if (rc == ES_OK)
        rc = find_case(th, p, cust, &id);
    int fresh = rc == ES_OK && id == 0;
    if (rc == ES_OK)
        rc = fresh ? open_case(th, p, cust, &id) : join_case(th, p, id);
    if (rc == ES_OK && (rc = stmt(th, S_MENTION_SET, &st)) == ES_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, p->id);
        rc = exec(th, st);
    }
    if (rc || !fresh)
        return rc;
    /* a new case: routed, assigned, and audited once with the outcome */
    int64_t team = 0, rule = 0, user = 0;
    rc = es__sqlcase_router_route(th->router, id, p->id, &team, &rule, &user);
    char obj[40], detail[160];
    snprintf(obj, sizeof obj, "case:%lld", (long long)id);
    snprintf(detail, sizeof detail,
             "{\"mention_id\":%lld,\"team_id\":%lld,\"rule_id\":%lld,\"assignee_id\":%lld}",
             (long long)p->id, (long long)team, (long long)rule, (long long)user);
    return rc ? rc : es__sqlcase_audit(th->s, NULL, th->now, "case.create", obj, detail);
}

/* One chunk in one transaction; *n receives how many were threaded. */
static es_err chunk_once(threader *th, size_t chunk, size_t *n)
{
    pend *ps = NULL;
    int owned = 0;
    es_arena_reset(th->arena);
    es_err rc = es__sqlcase_begin(th->s, &owned);
    if (rc == ES_OK)
        rc = read_chunk(th, chunk, &ps, n);
    for (size_t i = 0; rc == ES_OK && i < *n; i++)
        rc = thread_one(th, &ps[i]);
    rc = es__sqlcase_end(th->s, owned, rc);
    if (rc)
        *n = 0;
    return rc;
}

/* See case_int.h and cases.h. */
es_err es__sqlcase_thread(es_store_t *s, const es_case_opts *o, int64_t now, size_t *threaded)
{
    threader th = {.s = s, .now = now};
    size_t chunk = o && o->chunk ? o->chunk : DEFAULT_CHUNK, total = 0, n = 0;
    if (chunk > MAX_CHUNK)
        chunk = MAX_CHUNK;
    th.window = o && o->window > 0 ? o->window : DEFAULT_WINDOW;
    th.department_min = o && o->department_min > 0 ? o->department_min : DEFAULT_DEPARTMENT_MIN;
    void *cache = es__sqlcase_cache_begin(s);
    th.arena = es_arena_new(0, 0);
    es_err rc = th.arena ? ES_OK : es__store_fail(s, ES_ENOMEM, "threading: out of memory");
    if (rc == ES_OK)
        rc = es__sqlcase_router_new(s, &th.router);
    unsigned us = o ? o->pause_us : 0;
    struct timespec pause = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000L};
    do {
        if (rc == ES_OK && total > 0 && us > 0)
            nanosleep(&pause, NULL);
        if (rc == ES_OK)
            rc = chunk_once(&th, chunk, &n);
        total += rc == ES_OK ? n : 0;
    } while (rc == ES_OK && n == chunk);
    for (int i = 0; i < S_COUNT; i++)
        es__sqlcase_finalize(th.st[i]); /* before the cache ends: it may own them */
    es__sqlcase_router_free(th.router);
    es__sqlcase_cache_end(cache);
    es_arena_free(th.arena);
    if (threaded)
        *threaded = total;
    return rc;
}
