/*
 * clock.c - the SLA clock of a case (C5, C6), as pure logic: when a target
 * of N business seconds falls due, counting from a start on a calendar and
 * stopping while the case is pending; the three due times of a case (first
 * response, next response, resolution) from the inputs the store hands over
 * (es_sla_clocks); and the quantiles the reports print. Called by check.c
 * (es_sla_due, es_sla_check) and report.c.
 */
#include <math.h>
#include <string.h>

#include "earshot/sla.h"

es_err es_sla_clock_due(const es_calendar *c, int64_t start, int64_t seconds,
                        const es_sla_pause *pauses, size_t n_pauses, int64_t *due)
{
    int64_t cursor = start, left = seconds;
    for (size_t i = 0; i < n_pauses; i++) {
        const es_sla_pause *p = &pauses[i];
        if (p->until != 0 && p->until <= cursor)
            continue; /* over before the clock reached it */
        if (p->from > cursor) {
            int64_t avail = es_calendar_between(c, cursor, p->from);
            if (left <= avail)
                return es_calendar_due(c, cursor, left, due);
            left -= avail;
        }
        if (p->until == 0) {
            *due = 0; /* pending now: no due time */
            return ES_OK;
        }
        cursor = p->until;
    }
    return es_calendar_due(c, cursor, left, due);
}

double es_sla_quantile(const int64_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    if (p <= 0)
        return (double)v[0];
    if (p >= 1)
        return (double)v[n - 1];
    double pos = p * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    if (lo + 1 >= n)
        return (double)v[n - 1];
    double frac = pos - (double)lo;
    return (double)v[lo] + ((double)v[lo + 1] - (double)v[lo]) * frac;
}

/* Keeps the earliest non-zero of *next and t. */
static void earliest(int64_t *next, int64_t t)
{
    if (t && (!*next || t < *next))
        *next = t;
}

es_err es_sla_case_dues(const es_sla_case *c, es_sla_dues *out)
{
    memset(out, 0, sizeof *out);
    if (!c || !c->status)
        return ES_EINVAL;
    /* Resolved: nothing is owed. Pending: the clocks are stopped, so there is
     * no due time until the case comes back. */
    if (strcmp(c->status, "resolved") == 0 || strcmp(c->status, "pending") == 0)
        return ES_OK;
    es_calendar cal;
    if (c->calendar_spec && *c->calendar_spec) {
        if (es_calendar_parse(c->calendar_spec, &cal, NULL, 0))
            return ES_EPARSE;
    } else {
        es_calendar_always(&cal);
    }
    es_err rc = ES_OK;
    if (c->first_response > 0 && !c->first_response_at)
        rc = es_sla_clock_due(&cal, c->created, c->first_response, c->pauses, c->n_pauses,
                              &out->first_response);
    /* The customer wrote again after our last answer: the next answer is owed. */
    if (!rc && c->next_response > 0 && c->first_response_at &&
        c->last_customer_at > c->last_response_at)
        rc = es_sla_clock_due(&cal, c->last_customer_at, c->next_response, c->pauses, c->n_pauses,
                              &out->next_response);
    if (!rc && c->resolution > 0 && !c->resolved_at)
        rc = es_sla_clock_due(&cal, c->created, c->resolution, c->pauses, c->n_pauses,
                              &out->resolution);
    if (rc) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    earliest(&out->next, out->first_response);
    earliest(&out->next, out->next_response);
    earliest(&out->next, out->resolution);
    return ES_OK;
}
