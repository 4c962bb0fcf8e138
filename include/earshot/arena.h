/*
 * arena.h - a region allocator. A batch of mentions, or a request, owns one
 * arena; everything allocated in it is released at once by es_arena_reset or
 * es_arena_free. Strings of an es_mention_t live in the arena of the batch.
 *
 * An arena is not thread-safe: one thread uses it at a time.
 */
#ifndef EARSHOT_ARENA_H
#define EARSHOT_ARENA_H

#include "earshot.h"

typedef struct es_arena_s es_arena_t;

/* Creates an arena that grows in blocks of at least block_size bytes (0: 64
 * KiB) and refuses to hold more than max_bytes in all (0: no limit). Returns
 * NULL when out of memory. Free it with es_arena_free. */
es_arena_t *es_arena_new(size_t block_size, size_t max_bytes);

/* Frees the arena and everything allocated from it. NULL is allowed. */
void es_arena_free(es_arena_t *a);

/* Releases every allocation at once, keeping the first block for reuse. All
 * pointers handed out before become invalid. */
void es_arena_reset(es_arena_t *a);

/* Returns size bytes aligned for any type, or NULL when out of memory or over
 * the arena's limit. Valid until the next reset or free. */
void *es_arena_alloc(es_arena_t *a, size_t size);

/* Copies n bytes of s and a terminating NUL into the arena. NULL on failure. */
char *es_arena_strndup(es_arena_t *a, const char *s, size_t n);

/* Like es_arena_strndup for a NUL-terminated string; NULL s gives NULL. */
char *es_arena_strdup(es_arena_t *a, const char *s);

/* Formats into the arena like snprintf. NULL on failure. */
char *es_arena_printf(es_arena_t *a, const char *fmt, ...) ES_PRINTF(2, 3);

/* Bytes handed out since the last reset (for limits and statistics). */
size_t es_arena_used(const es_arena_t *a);

#endif
