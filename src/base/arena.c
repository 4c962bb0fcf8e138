/*
 * arena.c - the region allocator behind es_arena_t: a chain of blocks, bump
 * allocation, everything released at once. Used for every batch of mentions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "earshot/arena.h"

#define ALIGN 16u

typedef struct block {
    struct block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    /* data follows, aligned */
} block;

struct es_arena_s {
    block *head;   /* the block being filled */
    block *first;  /* kept across resets */
    size_t block_size;
    size_t max_bytes;
    size_t used;   /* bytes handed out since the last reset */
};

#define HDR (((sizeof(block) + ALIGN - 1) / ALIGN) * ALIGN)

static block *block_new(size_t size)
{
    block *b = es_malloc(HDR + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

es_arena_t *es_arena_new(size_t block_size, size_t max_bytes)
{
    es_arena_t *a = es_calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->max_bytes = max_bytes;
    a->first = a->head = block_new(a->block_size);
    if (!a->first) {
        es_free(a);
        return NULL;
    }
    return a;
}

void es_arena_free(es_arena_t *a)
{
    if (!a)
        return;
    block *b = a->head;
    /* head is the newest block; the chain runs back to first. */
    while (b) {
        block *next = b->next;
        es_free(b);
        b = next;
    }
    es_free(a);
}

void es_arena_reset(es_arena_t *a)
{
    block *b = a->head;
    while (b && b != a->first) {
        block *next = b->next;
        es_free(b);
        b = next;
    }
    a->head = a->first;
    a->first->used = 0;
    a->first->next = NULL;
    a->used = 0;
}

void *es_arena_alloc(es_arena_t *a, size_t size)
{
    size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need < size)
        return NULL;
    if (a->max_bytes && a->used + need > a->max_bytes)
        return NULL;
    block *b = a->head;
    if (b->size - b->used < need) {
        size_t bs = need > a->block_size ? need : a->block_size;
        block *nb = block_new(bs);
        if (!nb)
            return NULL;
        nb->next = a->head;
        a->head = nb;
        b = nb;
    }
    void *p = (char *)b + HDR + b->used;
    b->used += need;
    a->used += need;
    return p;
}

char *es_arena_strndup(es_arena_t *a, const char *s, size_t n)
{
    char *p = es_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *es_arena_strdup(es_arena_t *a, const char *s)
{
    return s ? es_arena_strndup(a, s, strlen(s)) : NULL;
}

char *es_arena_printf(es_arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = es_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t es_arena_used(const es_arena_t *a)
{
    return a->used;
}
