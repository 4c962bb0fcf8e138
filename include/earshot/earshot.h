/*
 * earshot.h - the error codes, version and allocation hooks shared by every
 * part of the earshot library.
 *
 * Every fallible public function returns an es_err: ES_OK (0) on success, a
 * negative code on failure, and in a few documented places a positive status
 * that is not an error (ES_END, ES_REJECTED). The human message that says what
 * and where lives on the handle that failed (es_store_errmsg, ...), apart from
 * the code, which es_strerror() names.
 */
#ifndef EARSHOT_EARSHOT_H
#define EARSHOT_EARSHOT_H

#include <stddef.h>
#include <stdint.h>

#define ES_VERSION "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define ES_WUR __attribute__((warn_unused_result))
#define ES_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ES_WUR
#define ES_PRINTF(f, a)
#endif

typedef enum es_err {
    ES_OK = 0,
    ES_ENOMEM = -1,      /* an allocation failed */
    ES_EINVAL = -2,      /* an invalid argument */
    ES_EIO = -3,         /* reading or writing a file failed */
    ES_ENOTFOUND = -4,   /* no such object */
    ES_EEXIST = -5,      /* the object exists already */
    ES_ELIMIT = -6,      /* a documented size or count limit was exceeded */
    ES_EPARSE = -7,      /* malformed input (JSON, CSV, a query, a date ...) */
    ES_EUTF8 = -8,       /* invalid UTF-8 */
    ES_EDB = -9,         /* the database reported an error */
    ES_ECORRUPT = -10,   /* a data file failed its integrity check */
    ES_EUNSUPPORTED = -11, /* a format or feature this build does not have */
    ES_EBUSY = -12,      /* the database or a resource is locked */
    ES_END = 1,          /* not an error: no more records */
    ES_REJECTED = 2      /* not an error: this record was rejected, see reason */
} es_err;

/* Returns a static, human-readable name for an error code ("out of memory").
 * Never NULL; unknown codes give "unknown error". Thread-safe. */
const char *es_strerror(int code);

/* Allocation hook. Every allocation of the library goes through these three
 * functions so that tests can make the Nth allocation fail. The defaults are
 * malloc, realloc and free. Set them before any other call; not thread-safe. */
typedef struct es_allocator {
    void *(*malloc_fn)(size_t size, void *ud);
    void *(*realloc_fn)(void *ptr, size_t size, void *ud);
    void (*free_fn)(void *ptr, void *ud);
    void *ud;
} es_allocator;

/* Installs an allocator; NULL restores the defaults. */
void es_set_allocator(const es_allocator *a);

/* The library's allocation entry points (the CLI uses them too). es_malloc
 * and es_realloc return NULL on failure; es_free(NULL) does nothing. */
void *es_malloc(size_t size);
void *es_realloc(void *ptr, size_t size);
void *es_calloc(size_t n, size_t size);
void es_free(void *ptr);
/* A copy of s (or of its first n bytes, NUL-terminated); NULL on failure.
 * The caller frees it with es_free. */
char *es_strdup(const char *s);
char *es_strndup(const char *s, size_t n);

/* Test support: after n more successful allocations, every allocation fails
 * until es_fail_alloc_after(-1) is called. Not thread-safe; for tests. */
void es_fail_alloc_after(long n);

#endif
