/*
 * progress.h - the progress line of long ingests: how many mentions have been
 * committed, the rate, and (for a regular file) the time left. Written on
 * stderr only when stderr is a terminal and --quiet was not given, at most a
 * few times a second, and erased when the work is done.
 *
 * Used by the pipeline's store thread only (not thread-safe).
 */
#ifndef ES_CLI_PROGRESS_H
#define ES_CLI_PROGRESS_H

#include <stdint.h>

typedef struct cli_progress {
    int enabled;
    double start;     /* seconds, monotonic */
    double last;      /* when the line was last drawn */
    uint64_t total;   /* input bytes, 0 when unknown (a pipe) */
    int drawn;        /* a line is on screen */
    const char *what; /* "ingested", "analysed" */
} cli_progress;

/* Seconds on a monotonic clock. */
double cli_now(void);

/* Starts a progress line for an input of total bytes (0: unknown). Enabled
 * only when quiet is 0 and stderr is a terminal. */
void cli_progress_init(cli_progress *p, int quiet, uint64_t total, const char *what);

/* Redraws the line when enough time has passed: count items done, offset
 * bytes of the input consumed. Cheap to call after every batch. */
void cli_progress_update(cli_progress *p, uint64_t count, uint64_t offset);

/* Erases the line, so that the summary that follows starts clean. */
void cli_progress_done(cli_progress *p);

#endif
