/*
 * fold.c - NFKC normalisation and case folding, through utf8proc. The
 * listening matcher and the store's search index fold text this way so that
 * "ＵＮＩＴＥＤ", "United" and "united" are the same word, and so do queries.
 *
 * utf8proc_map() would allocate with malloc; earshot's allocations must go
 * through es_malloc so tests can make them fail, so this file drives the two
 * lower-level steps itself: utf8proc_decompose() into a code-point buffer
 * (on the stack for tweet-sized texts), then utf8proc_reencode(), which
 * composes and writes UTF-8 back into the same buffer. The result is copied
 * into the caller's arena.
 */
#include <stdint.h>
#include <utf8proc.h>

#include "earshot/text.h"

/* Code points decomposed on the stack before falling back to the heap. */
#define STACK_CPS 1024

#define FOLD_OPTIONS (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)

/* Composes the got decomposed code points in buf (utf8proc_reencode writes
 * the UTF-8 over the same buffer) and copies the result into the arena. */
static es_err finish(es_arena_t *a, utf8proc_int32_t *buf, utf8proc_ssize_t got, char **out,
                     size_t *out_len)
{
    utf8proc_ssize_t len = utf8proc_reencode(buf, got, FOLD_OPTIONS);
    if (len < 0)
        return ES_EUTF8;
    char *copy = es_arena_strndup(a, (const char *)buf, (size_t)len);
    if (!copy)
        return ES_ENOMEM;
    *out = copy;
    if (out_len)
        *out_len = (size_t)len;
    return ES_OK;
}

/* utf8proc_decompose with earshot's error codes: the number of code points
 * needed (which may exceed cap: then buf holds nothing useful), or < 0. */
static utf8proc_ssize_t decompose(const char *s, size_t n, utf8proc_int32_t *buf,
                                  utf8proc_ssize_t cap)
{
    return utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, buf, cap,
                              FOLD_OPTIONS);
}

/* NFKC + case folding of s[0..n) into the arena. The input is validated
 * first (ES_EUTF8). Texts that decompose to more than STACK_CPS code points
 * use one temporary heap buffer (ES_ENOMEM when it cannot be had). The copy
 * lives until the arena is reset. Reentrant. */
es_err es_text_fold(es_arena_t *a, const char *s, size_t n, char **out, size_t *out_len)
{
    utf8proc_int32_t stack[STACK_CPS];
    utf8proc_int32_t *heap = NULL;
    es_err rc = es_utf8_check(s, n, NULL);
    if (rc)
        goto out;
    if (n > (size_t)PTRDIFF_MAX / 8) {
        rc = ES_ELIMIT;
        goto out;
    }
    /* First attempt on the stack; utf8proc returns the size it needs when
     * the buffer is too small. */
    utf8proc_ssize_t need = decompose(s, n, stack, STACK_CPS);
    if (need < 0) {
        rc = ES_EUTF8;
        goto out;
    }
    if (need <= STACK_CPS) {
        rc = finish(a, stack, need, out, out_len);
        goto out;
    }
    heap = es_malloc((size_t)need * sizeof *heap);
    if (!heap) {
        rc = ES_ENOMEM;
        goto out;
    }
    utf8proc_ssize_t got = decompose(s, n, heap, need);
    if (got < 0 || got > need) {
        rc = ES_EUTF8;
        goto out;
    }
    rc = finish(a, heap, got, out, out_len);
out:
    es_free(heap);
    return rc;
}
