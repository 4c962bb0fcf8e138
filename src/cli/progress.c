/*
 * progress.c - the progress line of `earshot ingest` and `earshot analyze`
 * (see progress.h). The rate is items per second since the start; the time
 * left comes from the bytes still to read at the byte rate so far, which is
 * known only when the input is a regular file.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"

#define PROGRESS_INTERVAL 0.25 /* seconds between redraws: 4 per second */

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress *p, int quiet, uint64_t total, const char *what)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->start = cli_now();
    p->last = p->start;
    p->total = total;
    p->drawn = 0;
    p->what = what;
}

void cli_progress_update(cli_progress *p, uint64_t count, uint64_t offset)
{
    if (!p->enabled)
        return;
    double now = cli_now();
    if (now - p->last < PROGRESS_INTERVAL)
        return;
    p->last = now;
    double secs = now - p->start;
    double rate = secs > 0 ? (double)count / secs : 0;
    char eta[48] = "";
    if (p->total > 0 && offset > 0 && offset <= p->total) {
        double left = secs * (double)(p->total - offset) / (double)offset;
        snprintf(eta, sizeof eta, ", %3.0f%%, %ldm%02lds left",
                 100.0 * (double)offset / (double)p->total, (long)left / 60, (long)left % 60);
    }
    fprintf(stderr, "\r\033[K%llu %s, %.0f/s%s", (unsigned long long)count, p->what, rate, eta);
    fflush(stderr);
    p->drawn = 1;
}

void cli_progress_done(cli_progress *p)
{
    if (p->enabled && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = 0;
}
