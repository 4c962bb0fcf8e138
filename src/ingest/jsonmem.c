/*
 * jsonmem.c - jansson's memory while a record is decoded. Called by
 * es_decode (reader.c) around each JSON parse, on whichever thread decodes.
 *
 * jansson allocates every value, key and string of a parsed record on its
 * own, and frees each again; for a ~1.3 KB tweet that was a fifth of the
 * decoding time. Between es__ingest_jmem_begin and es__ingest_jmem_end,
 * jansson therefore allocates from a per-thread scratch block, bump by bump,
 * and its frees inside that block cost nothing: the block is reused by the
 * next record once the tree is gone. What does not fit (a huge record), and
 * every allocation outside a decode, goes to malloc as before. The hooks are
 * installed once per process (json_set_alloc_funcs), before threads decode.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "ingest/ingest.h"

#define SCRATCH (256 * 1024) /* bytes of scratch per decoding thread */
#define SCRATCH_ALIGN 16

typedef struct scratch {
    size_t used;
    int active; /* a decode on this thread is using it */
    _Alignas(SCRATCH_ALIGN) char mem[SCRATCH];
} scratch;

static pthread_key_t scratch_key; /* frees a thread's block when it exits */
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_ok;                 /* the key exists, the hooks are in */
static _Thread_local scratch *tl_scratch; /* this thread's block, or NULL */

/* Outside an active scratch block this is jansson's own default, plain
 * malloc and free: jansson's memory was never counted by es_malloc's failure
 * injection, and the tests that use it must count the same allocations. */
static void *json_alloc(size_t n)
{
    scratch *s = tl_scratch;
    size_t need = (n + SCRATCH_ALIGN - 1) & ~(size_t)(SCRATCH_ALIGN - 1);
    if (s && s->active && need <= SCRATCH - s->used) {
        void *p = s->mem + s->used;
        s->used += need;
        return p;
    }
    return malloc(n);
}

static void json_release(void *p)
{
    scratch *s = tl_scratch;
    uintptr_t a = (uintptr_t)p, lo = s ? (uintptr_t)s->mem : 0;
    if (s && a >= lo && a < lo + SCRATCH)
        return; /* in the scratch block: reclaimed when the decode ends */
    free(p);
}

static void scratch_init(void)
{
    if (pthread_key_create(&scratch_key, free) != 0)
        return;
    json_set_alloc_funcs(json_alloc, json_release);
    scratch_ok = 1;
}

/* See ingest.h. */
void es__ingest_jmem_install(void)
{
    pthread_once(&scratch_once, scratch_init);
}

/* See ingest.h. */
void *es__ingest_jmem_begin(void)
{
    pthread_once(&scratch_once, scratch_init);
    if (!scratch_ok)
        return NULL;
    scratch *s = tl_scratch;
    if (!s) {
        /* malloc, like json_alloc's fallback: see there. */
        s = malloc(sizeof *s);
        if (!s || pthread_setspecific(scratch_key, s) != 0) {
            free(s);
            return NULL;
        }
        tl_scratch = s;
    }
    s->used = 0;
    s->active = 1;
    return s;
}

/* See ingest.h. */
void es__ingest_jmem_end(void *mem)
{
    scratch *s = mem;
    if (s) {
        s->active = 0;
        s->used = 0;
    }
}
