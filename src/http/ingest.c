/*
 * ingest.c - POST /hooks/ingest and the way every webhook hands mentions to
 * the pipeline (es__http_ingest, http_int.h); also GET /healthz and
 * GET /metrics. Called by router.c on a worker thread.
 *
 * A worker thread decodes and analyses the body (the workers run on every
 * core), then suspends the connection and queues the mentions to the
 * pipeline thread (inbox.c), and goes on with other connections. After the
 * commit the pipeline resumes the connection, and the handler's
 * continuation answers: 202 means durably stored. Each thread borrows an
 * analyser from the server's pool, so nothing is shared while analysing.
 * docs/api.md lists the status codes and limits.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/http_int.h"

#define MAX_REASONS 20 /* rejection reasons listed in one answer */

/* What one ingest body gave. */
typedef struct ingest {
    es_mention_t *ms; /* es_realloc'd; strings in the arena */
    size_t n, cap;
    size_t records, rejected;
    es__buf errors; /* the JSON objects of the first MAX_REASONS rejections */
} ingest;

static es_err keep_mentions(ingest *g, const es_mention_t *ms, size_t n)
{
    if (g->n + n > g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        while (cap < g->n + n)
            cap *= 2;
        es_mention_t *p = es_realloc(g->ms, cap * sizeof *p);
        if (!p)
            return ES_ENOMEM;
        g->ms = p;
        g->cap = cap;
    }
    memcpy(g->ms + g->n, ms, n * sizeof *ms);
    g->n += n;
    return ES_OK;
}

static es_err note_reject(ingest *g, long line, const char *reason)
{
    g->rejected++;
    if (g->rejected > MAX_REASONS)
        return ES_OK;
    es_err rc = es__buf_printf(&g->errors, "%s{\"line\":%ld,\"reason\":",
                               g->rejected > 1 ? "," : "", line);
    if (rc == ES_OK)
        rc = es__http_json_str(&g->errors, reason ? reason : "malformed record");
    return rc ? rc : es__buf_addc(&g->errors, '}');
}

/* The learned models one request uses, whatever swaps happen meanwhile. */
typedef struct held {
    const es_learn_model_t *m[ES_TASK_COUNT];
    int any;
} held;

static void hold(es_server_t *s, held *h)
{
    h->any = 0;
    for (int t = 0; t < ES_TASK_COUNT; t++) {
        h->m[t] = s->o.models[t] ? es_model_slot_acquire(s->o.models[t]) : NULL;
        h->any |= h->m[t] != NULL;
    }
}

static void unhold(es_server_t *s, held *h)
{
    for (int t = 0; t < ES_TASK_COUNT; t++)
        if (h->m[t])
            es_model_slot_release(s->o.models[t], h->m[t]);
}

/* The rules, then the learned models, on one mention. */
static es_err analyse(es__http_analyser *an, const held *h, es_mention_t *m, es_arena_t *a,
                      const char **reason)
{
    es_err rc = es_analyzer_run(an->an, m, a, reason);
    if (rc == ES_OK && h->any)
        rc = es_learn_apply(h->m, an->feat, m, a);
    return rc;
}

/* Decodes and analyses one record. Returns ES_OK (rejections are noted)
 * or ES_ENOMEM. */
static es_err one_record(es_server_t *s, es__http_analyser *an, const held *h, es_arena_t *a,
                         ingest *g, const es_record *rec)
{
    es_mention_t *ms = NULL;
    size_t n = 0;
    const char *reason = NULL;
    g->records++;
    es_err rc = es_decode(s->dec_lines, rec, a, &ms, &n, &reason);
    for (size_t k = 0; rc == ES_OK && k < n; k++)
        rc = analyse(an, h, &ms[k], a, &reason);
    if (rc == ES_REJECTED)
        return note_reject(g, rec->line, reason);
    return rc ? rc : keep_mentions(g, ms, n);
}

/* Cuts the body into records: the whole body when whole is set, else one
 * per non-blank line (JSON Lines; CR before LF is dropped). */
static es_err cut_records(es_server_t *s, es__http_analyser *an, const held *h, es_arena_t *a,
                          ingest *g, const char *body, size_t len, int whole)
{
    es_err rc = ES_OK;
    long line = 1;
    for (size_t i = 0; rc == ES_OK && i < len; line++) {
        const char *nl = whole ? NULL : memchr(body + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - body) : len, next = nl ? end + 1 : len;
        size_t e = end;
        if (!whole && e > i && body[e - 1] == '\r')
            e--;
        size_t k = i;
        while (k < e && (body[k] == ' ' || body[k] == '\t' || body[k] == '\r' || body[k] == '\n'))
            k++;
        if (k < e) {
            es_record rec = {body + i, e - i, line, 0};
            rc = one_record(s, an, h, a, g, &rec);
        }
        if (whole)
            break;
        i = next;
    }
    return rc;
}

static int is_json_type(const es__http_req *rq)
{
    const char *t = es__http_header(rq, "Content-Type");
    if (!t)
        return 0;
    size_t n = strcspn(t, "; \t");
    return n == 16 && strncasecmp(t, "application/json", 16) == 0;
}

/* Writes the answer of an ingest: counts and the first reasons. */
static es_err summary(es__buf *b, const ingest *g, size_t accepted, size_t inserted)
{
    es_err rc = es__buf_printf(b, "{\"records\":%zu,\"accepted\":%zu,\"new\":%zu,\"rejected\":%zu,"
                                  "\"errors\":[",
                               g->records, accepted, inserted, g->rejected);
    if (rc == ES_OK && g->errors.len)
        rc = es__buf_add(b, g->errors.data, g->errors.len);
    return rc ? rc : es__buf_adds(b, "]}\n");
}

/* Queues already analysed mentions and waits for their commit. */
static es_err submit(es_server_t *s, es_arena_t *a, es_mention_t *ms, size_t n,
                     size_t *inserted)
{
    es__http_job job;
    memset(&job, 0, sizeof job);
    job.arena = a;
    job.ms = ms;
    job.n = n;
    es_err rc = es__http_inbox_submit(s->inbox, &job);
    if (rc == ES_EBUSY)
        __atomic_fetch_add(&s->metrics.requests_refused, 1, __ATOMIC_RELAXED);
    if (inserted)
        *inserted = rc ? 0 : job.inserted;
    return rc;
}

/* Analyses ms[0..n) with a borrowed analyser. */
static es_err analyse_all(es__http_req *rq, es_mention_t *ms, size_t n, const char **why)
{
    es_server_t *s = rq->srv;
    es__http_analyser *an = es__http_analyser_borrow(s);
    es_err rc = an ? ES_OK : ES_ENOMEM;
    held h;
    hold(s, &h);
    for (size_t k = 0; rc == ES_OK && k < n; k++)
        rc = analyse(an, &h, &ms[k], rq->arena, why);
    unhold(s, &h);
    if (an)
        es__http_analyser_return(s, an);
    return rc;
}

/* See http_int.h: the blocking form, for callers off the worker threads
 * (the feed poller). */
es_err es__http_ingest(es__http_req *rq, es_mention_t *ms, size_t n, size_t *inserted,
                       const char **why)
{
    es_err rc = analyse_all(rq, ms, n, why);
    return rc ? rc : submit(rq->srv, rq->arena, ms, n, inserted);
}

/* The job's on_done, on the pipeline thread: the answer can be written. */
static void committed(es__http_job *job, void *ud)
{
    es__http_req *rq = ud;
    (void)job;
    MHD_resume_connection(rq->conn);
}

/* Suspends the connection and queues analysed mentions (in rq->arena);
 * then(rq, rs) answers once they are committed. The connection is
 * suspended before the job is queued, so the pipeline can never resume it
 * first; a job refused at once is answered through the same continuation. */
static void queue_then(es__http_req *rq, es_mention_t *ms, size_t n, es__http_fn then,
                       void *then_ud)
{
    es_server_t *s = rq->srv;
    es_err rc;
    memset(&rq->job, 0, sizeof rq->job);
    rq->job.arena = rq->arena;
    rq->job.ms = ms;
    rq->job.n = n;
    rq->job.on_done = committed;
    rq->job.on_done_ud = rq;
    rq->then = then;
    rq->then_ud = then_ud;
    __atomic_fetch_add(&s->suspended, 1, __ATOMIC_RELAXED);
    MHD_suspend_connection(rq->conn);
    if ((rc = es__http_inbox_queue(s->inbox, &rq->job))) {
        if (rc == ES_EBUSY)
            __atomic_fetch_add(&s->metrics.requests_refused, 1, __ATOMIC_RELAXED);
        rq->job.rc = rc;
        MHD_resume_connection(rq->conn);
    }
}

/* See http_int.h. */
es_err es__http_ingest_then(es__http_req *rq, es_mention_t *ms, size_t n, es__http_fn then,
                            void *then_ud, const char **why)
{
    es_err rc = analyse_all(rq, ms, n, why);
    if (rc == ES_OK)
        queue_then(rq, ms, n, then, then_ud);
    return rc;
}

/* What the answer of a queued ingest needs after the commit (in the
 * request's arena). */
typedef struct ingest_done {
    size_t records, rejected, n;
    const char *errors; /* the rejections' JSON objects, NUL-terminated */
} ingest_done;

/* Sets the answer: rc ES_OK writes the summary (code 202 or 400), else
 * the error (503 with Retry-After, 400, 500). */
static void answer(es__http_resp *rs, es_err rc, unsigned code, const char *msg)
{
    if (rc) {
        es__http_error(rs, code, msg);
        if (code == 503)
            es__http_header_add(rs, "Retry-After", "1");
    } else {
        rs->status = code;
    }
}

/* The continuation of es__http_do_ingest, once the commit is done. */
static void ingest_committed(es__http_req *rq, es__http_resp *rs)
{
    const ingest_done *d = rq->then_ud;
    es_err rc = rq->job.rc;
    if (rc) {
        answer(rs, rc, rc == ES_EBUSY ? 503 : 500,
               rc == ES_EBUSY ? "the queue is full; retry later" : "the store failed");
        return;
    }
    /* Stored: acknowledged even if the summary cannot be written. */
    rc = es__buf_printf(&rs->body,
                        "{\"records\":%zu,\"accepted\":%zu,\"new\":%zu,"
                        "\"rejected\":%zu,\"errors\":[",
                        d->records, d->n, rq->job.inserted, d->rejected);
    if (rc == ES_OK)
        rc = es__buf_adds(&rs->body, d->errors);
    if (rc == ES_OK)
        rc = es__buf_adds(&rs->body, "]}\n");
    answer(rs, rc, 202, "accepted");
}

/* Queues the analysed mentions of g with what the answer needs. */
static es_err queue_ingest(es__http_req *rq, ingest *g)
{
    ingest_done *d = es_arena_alloc(rq->arena, sizeof *d);
    es_mention_t *ms = es_arena_alloc(rq->arena, g->n * sizeof *ms);
    char *errors = es_arena_strndup(rq->arena, g->errors.data ? g->errors.data : "", g->errors.len);
    if (!d || !ms || !errors)
        return ES_ENOMEM;
    memcpy(ms, g->ms, g->n * sizeof *ms);
    d->records = g->records;
    d->rejected = g->rejected;
    d->n = g->n;
    d->errors = errors;
    queue_then(rq, ms, g->n, ingest_committed, d);
    return ES_OK;
}

/* See http_int.h: decodes and analyses the body and queues its mentions;
 * answers 202 once stored (ingest_committed), 400 when every record is
 * malformed, 503 when the queue is full. */
void es__http_do_ingest(es__http_req *rq, es__http_resp *rs)
{
    es_server_t *s = rq->srv;
    ingest g;
    memset(&g, 0, sizeof g);
    es__buf_init(&g.errors, 64 * 1024);
    es__http_analyser *an = es__http_analyser_borrow(s);
    unsigned code = 500;
    const char *msg = "out of memory";
    es_err rc = ES_ENOMEM;
    if (!an)
        goto out;
    held h;
    hold(s, &h);
    rc = cut_records(s, an, &h, rq->arena, &g, rq->body, rq->body_len, is_json_type(rq));
    unhold(s, &h);
    es__http_analyser_return(s, an);
    if (rc)
        goto out;
    code = 400;
    msg = "the body holds no record";
    rc = ES_EPARSE;
    if (g.records == 0)
        goto out;
    if (g.rejected == g.records) {
        msg = "every record is malformed";
        rc = summary(&rs->body, &g, 0, 0);
        goto out;
    }
    code = 500;
    msg = "out of memory";
    if (g.n > 0) {
        rc = queue_ingest(rq, &g);
        goto out; /* answered by ingest_committed */
    }
    code = 202; /* nothing to store: acknowledged at once */
    msg = "accepted";
    rc = summary(&rs->body, &g, 0, 0);
out:
    if (g.rejected)
        __atomic_fetch_add(&s->metrics.rejected, (uint64_t)g.rejected, __ATOMIC_RELAXED);
    if (!rq->then)
        answer(rs, rc, code, msg);
    es__buf_cleanup(&g.errors);
    es_free(g.ms);
}

/* ---- models ------------------------------------------------------------------- */

/* See http_int.h: POST /api/v1/models/reload (admin) loads the model files
 * again; 200 with the generation of each, or 422 naming a refused file
 * (that model stays in use). */
void es__http_do_models_reload(es__http_req *rq, es__http_resp *rs)
{
    char err[1024];
    es_err rc = es_server_reload_models(rq->srv, err, sizeof err);
    if (rc) {
        es__http_error(rs, 422, err);
        return;
    }
    static const char *const task[] = {"sentiment", "intent", "department"};
    es_err w = es__buf_adds(&rs->body, "{\"models\":{");
    for (int t = 0, n = 0; w == ES_OK && t < ES_TASK_COUNT; t++)
        if (rq->srv->o.models[t])
            w = es__buf_printf(&rs->body, "%s\"%s\":{\"generation\":%llu}", n++ ? "," : "",
                               task[t],
                               (unsigned long long)es_model_slot_generation(rq->srv->o.models[t]));
    if (w == ES_OK)
        w = es__buf_adds(&rs->body, "}}\n");
    if (w)
        es__http_error(rs, 500, "out of memory");
    es_audit_entry e = {.user_id = rq->who.user_id,
                        .token_id = rq->who.token_id,
                        .action = "models.reload",
                        .object = "models"};
    es_store_t *st = es__http_store(rq);
    if (!st || es_store_audit_add(st, &e)) /* the reload stands; say so */
        fprintf(stderr, "earshot serve: models reloaded, but the audit entry failed: %s\n",
                st ? es_store_errmsg(st) : "no store");
}

/* ---- health and metrics ------------------------------------------------------ */

/* See http_int.h: 200 while the last commit succeeded, else 503. */
void es__http_do_health(es__http_req *rq, es__http_resp *rs)
{
    int ok = es__http_inbox_ok(rq->srv->inbox);
    rs->status = ok ? 200 : 503;
    if (es__buf_printf(&rs->body, "{\"status\":\"%s\",\"store\":\"%s\"}\n",
                       ok ? "ok" : "degraded", ok ? "ok" : "failing"))
        es__http_error(rs, 500, "out of memory");
}

/* See http_int.h: the Prometheus text format. */
void es__http_do_metrics(es__http_req *rq, es__http_resp *rs)
{
    es_server_t *s = rq->srv;
    if (es__http_metrics_render(&s->metrics, es__http_inbox_depth(s->inbox), &rs->body)) {
        es__http_error(rs, 500, "out of memory");
        return;
    }
    rs->type = "text/plain; version=0.0.4; charset=utf-8";
}
