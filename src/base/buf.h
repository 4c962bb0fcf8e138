/*
 * buf.h - a growable byte buffer with a maximum (internal). Untrusted input
 * can never grow one past its limit: appends beyond it fail with ES_ELIMIT.
 */
#ifndef ES_BASE_BUF_H
#define ES_BASE_BUF_H

#include "earshot/earshot.h"

typedef struct es__buf {
    char *data; /* NUL-terminated after every successful append */
    size_t len;
    size_t cap;
    size_t max; /* the most bytes it may hold (0: 64 MiB) */
} es__buf;

/* Prepares an empty buffer that may grow to max bytes. Allocates nothing. */
void es__buf_init(es__buf *b, size_t max);
/* Frees the memory and empties the buffer (it may be reused). */
void es__buf_cleanup(es__buf *b);
/* Empties the buffer, keeping its memory. */
void es__buf_reset(es__buf *b);
/* Appends n bytes. ES_ELIMIT past max, ES_ENOMEM. */
es_err es__buf_add(es__buf *b, const void *p, size_t n) ES_WUR;
es_err es__buf_addc(es__buf *b, char c) ES_WUR;
es_err es__buf_adds(es__buf *b, const char *s) ES_WUR;
es_err es__buf_printf(es__buf *b, const char *fmt, ...) ES_PRINTF(2, 3) ES_WUR;

#endif
