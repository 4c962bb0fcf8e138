/*
 * stats.c - the small arithmetic of alerts, kept apart so that it can be
 * tested exactly: whether a period's volume is a spike against its
 * baseline (mean + k standard deviations), and the retry delays of
 * delivery (exponential back-off with jitter). Called by scan.c and
 * deliver.c.
 */
#include <math.h>

#include "alert/engine.h"

/* See engine.h. */
int es__alert_spike(const int64_t *counts, int64_t per, int64_t baseline, double k,
                    int64_t min_count, int64_t *volume, double *mean, double *sd)
{
    double sum = 0, sq = 0;
    int64_t last = 0;
    for (int64_t j = 0; j < baseline; j++) {
        int64_t v = 0;
        for (int64_t i = 0; i < per; i++)
            v += counts[j * per + i];
        sum += (double)v;
        sq += (double)v * (double)v;
    }
    for (int64_t i = 0; i < per; i++)
        last += counts[baseline * per + i];
    double m = baseline > 0 ? sum / (double)baseline : 0;
    double var = baseline > 0 ? sq / (double)baseline - m * m : 0;
    *volume = last;
    *mean = m;
    *sd = var > 0 ? sqrt(var) : 0;
    return last >= min_count && (double)last > m + k * *sd;
}

/* See engine.h. */
int64_t es__alert_backoff(unsigned attempt, unsigned base_ms, unsigned max_ms, double r)
{
    int64_t d = base_ms ? base_ms : 1;
    for (unsigned i = 1; i < attempt && d < (int64_t)max_ms; i++)
        d *= 2;
    if (d > (int64_t)max_ms)
        d = max_ms;
    if (r < 0)
        r = 0;
    if (r >= 1)
        r = 0.999999;
    return d / 2 + (int64_t)((double)(d - d / 2) * r);
}
