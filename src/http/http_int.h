/*
 * http_int.h - what the files of the server share (internal to src/http/):
 * server.c (libmicrohttpd, routes, responses) hands each ingest request's
 * analysed mentions to inbox.c (the bounded queue and the one pipeline
 * thread that group-commits), and both count into metrics.c (the figures
 * that GET /metrics prints).
 */
#ifndef ES_HTTP_HTTP_INT_H
#define ES_HTTP_HTTP_INT_H

#include <pthread.h>
#include <stdint.h>

#include "base/buf.h"
#include "earshot/arena.h"
#include "earshot/mention.h"
#include "earshot/store.h"

/* ---- metrics (metrics.c) -------------------------------------------------- */

#define ES__HTTP_LAT_BUCKETS 12 /* commit latency histogram bounds, see metrics.c */

/* Counters, updated with atomic adds from any thread. */
typedef struct es__http_metrics {
    uint64_t accepted;  /* mentions acknowledged (committed) */
    uint64_t stored;    /* of them, new in the store */
    uint64_t rejected;  /* records rejected as malformed */
    uint64_t requests_refused; /* ingest requests answered 503 (queue full) */
    uint64_t commits;   /* transactions */
    uint64_t lat_bucket[ES__HTTP_LAT_BUCKETS + 1]; /* last one is +Inf */
    uint64_t lat_count;
    uint64_t lat_sum_us;
    uint64_t status[6][100]; /* responses by status: [code / 100][code % 100] */
} es__http_metrics;

/* Counts one response with HTTP status code (100..599). Thread-safe. */
void es__http_metrics_status(es__http_metrics *m, unsigned code);

/* Records one commit that took seconds. Thread-safe. */
void es__http_metrics_commit(es__http_metrics *m, double seconds);

/* Writes the Prometheus text exposition of m plus the queue depth into b.
 * Errors: ES_ENOMEM, ES_ELIMIT (b's limit). */
es_err es__http_metrics_render(const es__http_metrics *m, size_t queue_depth, es__buf *b) ES_WUR;

/* ---- the inbox (inbox.c) ---------------------------------------------------- */

/* One request's mentions, waiting for the commit. The submitter owns the job
 * and its arena; the pipeline thread writes the results and sets done. */
typedef struct es__http_job {
    struct es__http_job *next;
    es_arena_t *arena; /* where ms and its strings live */
    es_mention_t *ms;
    size_t n;
    size_t inserted; /* result: how many were new */
    es_err rc;       /* result: ES_OK once committed */
    int done;
} es__http_job;

typedef struct es__http_inbox es__http_inbox;

/* Starts the pipeline thread over store (which it then owns until close;
 * not freed by it). cap bounds the jobs waiting. Errors: ES_ENOMEM, ES_EDB
 * (warming the near-duplicate detector), ES_EIO (no thread). */
es_err es__http_inbox_start(es_store_t *store, size_t cap, es__http_metrics *m,
                            es__http_inbox **out) ES_WUR;

/* Queues job and waits until it is committed; returns job->rc. ES_EBUSY at
 * once (nothing queued) when cap jobs are waiting or the inbox is closing.
 * Thread-safe. */
es_err es__http_inbox_submit(es__http_inbox *in, es__http_job *job) ES_WUR;

/* Jobs waiting now, and whether the last commit succeeded. Thread-safe. */
size_t es__http_inbox_depth(es__http_inbox *in);
int es__http_inbox_ok(es__http_inbox *in);

/* Refuses new jobs, commits every job already queued, joins the thread and
 * frees the inbox. Returns the first commit error seen, or ES_OK. */
es_err es__http_inbox_close(es__http_inbox *in);

#endif
