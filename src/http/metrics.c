/*
 * metrics.c - the server's counters and their Prometheus text exposition
 * (GET /metrics). Every HTTP thread and the pipeline thread count into one
 * es__http_metrics with relaxed atomic adds (no lock on the hot path);
 * rendering reads them the same way, so a scrape sees each counter exactly,
 * though not all of them at the same instant. Called by server.c and
 * inbox.c.
 */
#include <stdio.h>

#include "earshot/alert.h"
#include "http/http_int.h"

/* Upper bounds, in seconds, of the commit latency histogram's buckets. */
static const double lat_bounds[ES__HTTP_LAT_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                        0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

static void add(uint64_t *p, uint64_t v)
{
    __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void es__http_metrics_status(es__http_metrics *m, unsigned code)
{
    if (code >= 100 && code < 600)
        add(&m->status[code / 100][code % 100], 1);
}

void es__http_metrics_commit(es__http_metrics *m, double seconds)
{
    size_t i = 0;
    while (i < ES__HTTP_LAT_BUCKETS && seconds > lat_bounds[i])
        i++;
    add(&m->lat_bucket[i], 1);
    add(&m->lat_count, 1);
    add(&m->lat_sum_us, (uint64_t)(seconds * 1e6 + 0.5));
    add(&m->commits, 1);
}

/* One counter with its HELP and TYPE lines. */
static es_err counter(es__buf *b, const char *name, const char *help, uint64_t v)
{
    return es__buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
                          (unsigned long long)v);
}

static es_err histogram(const es__http_metrics *m, es__buf *b)
{
    const char *name = "earshot_commit_seconds";
    uint64_t cum = 0;
    es_err rc = es__buf_printf(b,
                               "# HELP %s Time to commit one group of ingest requests.\n"
                               "# TYPE %s histogram\n",
                               name, name);
    for (size_t i = 0; rc == ES_OK && i < ES__HTTP_LAT_BUCKETS; i++) {
        cum += get(&m->lat_bucket[i]);
        rc = es__buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, lat_bounds[i],
                            (unsigned long long)cum);
    }
    cum += get(&m->lat_bucket[ES__HTTP_LAT_BUCKETS]);
    if (rc == ES_OK)
        rc = es__buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
                            (unsigned long long)cum, name, (double)get(&m->lat_sum_us) / 1e6,
                            name, (unsigned long long)get(&m->lat_count));
    return rc;
}

/* The alert deliverer's attempts, by outcome (alert.h). */
static es_err alert_deliveries(es__buf *b)
{
    es_alert_counts a;
    es_alert_delivery_counts(&a);
    return es__buf_printf(b,
                          "# HELP earshot_alert_deliveries_total Alert delivery attempts by "
                          "outcome.\n# TYPE earshot_alert_deliveries_total counter\n"
                          "earshot_alert_deliveries_total{outcome=\"delivered\"} %llu\n"
                          "earshot_alert_deliveries_total{outcome=\"retried\"} %llu\n"
                          "earshot_alert_deliveries_total{outcome=\"failed\"} %llu\n"
                          "earshot_alert_deliveries_total{outcome=\"refused\"} %llu\n",
                          (unsigned long long)a.delivered, (unsigned long long)a.retried,
                          (unsigned long long)(a.failed - a.refused),
                          (unsigned long long)a.refused);
}

es_err es__http_metrics_render(const es__http_metrics *m, size_t queue_depth, es__buf *b)
{
    es_err rc = counter(b, "earshot_ingest_accepted_total",
                        "Mentions acknowledged after their commit.", get(&m->accepted));
    if (rc == ES_OK)
        rc = counter(b, "earshot_ingest_stored_total",
                     "Acknowledged mentions that were new in the store.", get(&m->stored));
    if (rc == ES_OK)
        rc = counter(b, "earshot_ingest_rejected_total", "Records rejected as malformed.",
                     get(&m->rejected));
    if (rc == ES_OK)
        rc = counter(b, "earshot_ingest_refused_total",
                     "Ingest requests refused with 503 because the queue was full.",
                     get(&m->requests_refused));
    if (rc == ES_OK)
        rc = es__buf_printf(b,
                            "# HELP earshot_queue_depth Ingest requests waiting for a commit.\n"
                            "# TYPE earshot_queue_depth gauge\nearshot_queue_depth %zu\n",
                            queue_depth);
    if (rc == ES_OK)
        rc = histogram(m, b);
    if (rc == ES_OK)
        rc = alert_deliveries(b);
    if (rc == ES_OK)
        rc = es__buf_adds(b, "# HELP earshot_http_responses_total HTTP responses by status.\n"
                             "# TYPE earshot_http_responses_total counter\n");
    for (unsigned c = 100; rc == ES_OK && c < 600; c++) {
        uint64_t v = get(&m->status[c / 100][c % 100]);
        if (v)
            rc = es__buf_printf(b, "earshot_http_responses_total{code=\"%u\"} %llu\n", c,
                                (unsigned long long)v);
    }
    return rc;
}
