/*
 * alloc.c - the library's one allocation hook (es_malloc and friends) and the
 * failure injection that tests use to make the Nth allocation fail.
 */
#include <stdlib.h>
#include <string.h>

#include "earshot/earshot.h"

static void *std_malloc(size_t size, void *ud)
{
    (void)ud;
    return malloc(size);
}

static void *std_realloc(void *ptr, size_t size, void *ud)
{
    (void)ud;
    return realloc(ptr, size);
}

static void std_free(void *ptr, void *ud)
{
    (void)ud;
    free(ptr);
}

static es_allocator current = {std_malloc, std_realloc, std_free, NULL};
static long fail_after = -1;

void es_set_allocator(const es_allocator *a)
{
    if (a)
        current = *a;
    else
        current = (es_allocator){std_malloc, std_realloc, std_free, NULL};
}

void es_fail_alloc_after(long n)
{
    fail_after = n;
}

/* Returns 1 when the injected failure says this allocation must fail. */
static int should_fail(void)
{
    if (fail_after < 0)
        return 0;
    if (fail_after == 0)
        return 1;
    fail_after--;
    return 0;
}

void *es_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return current.malloc_fn(size ? size : 1, current.ud);
}

void *es_realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    return current.realloc_fn(ptr, size ? size : 1, current.ud);
}

void *es_calloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        return NULL;
    void *p = es_malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void es_free(void *ptr)
{
    if (ptr)
        current.free_fn(ptr, current.ud);
}

char *es_strndup(const char *s, size_t n)
{
    char *p = es_malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *es_strdup(const char *s)
{
    return s ? es_strndup(s, strlen(s)) : NULL;
}
