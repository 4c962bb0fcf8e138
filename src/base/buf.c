/*
 * buf.c - the bounded growable buffer of buf.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"

void es__buf_init(es__buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : 64u * 1024 * 1024;
}

void es__buf_cleanup(es__buf *b)
{
    es_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void es__buf_reset(es__buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for n more bytes and the terminating NUL. */
static es_err reserve(es__buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return ES_ELIMIT;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return ES_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = es_realloc(b->data, cap);
    if (!p)
        return ES_ENOMEM;
    b->data = p;
    b->cap = cap;
    return ES_OK;
}

es_err es__buf_add(es__buf *b, const void *p, size_t n)
{
    es_err rc = reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return ES_OK;
}

es_err es__buf_addc(es__buf *b, char c)
{
    return es__buf_add(b, &c, 1);
}

es_err es__buf_adds(es__buf *b, const char *s)
{
    return es__buf_add(b, s, strlen(s));
}

es_err es__buf_printf(es__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return ES_EINVAL;
    es_err rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return ES_OK;
}
