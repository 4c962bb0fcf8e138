/*
 * utf8.c - strict UTF-8 validation. Every record that enters earshot is
 * checked here (by the ingest readers, through es_utf8_check) before any
 * other module looks at its text, so the tokenizer, the sentiment scorer and
 * the query matcher may assume well-formed input.
 *
 * "Strict" is RFC 3629: no overlong forms, no UTF-16 surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence. The check
 * runs over ASCII eight bytes at a time, since most social text is ASCII.
 */
#include <string.h>

#include "earshot/text.h"

/* The number of bytes of the sequence led by byte b, or 0 when b cannot
 * lead one (a continuation byte, C0/C1 which can only encode overlongs, or
 * F5..FF which would encode more than U+10FFFF). */
static unsigned lead_len(unsigned char b)
{
    if (b < 0x80)
        return 1;
    if (b < 0xC2)
        return 0;
    if (b < 0xE0)
        return 2;
    if (b < 0xF0)
        return 3;
    if (b < 0xF5)
        return 4;
    return 0;
}

/* Checks the sequence of len bytes at p (len from lead_len, at most avail
 * bytes available). Returns the number of bytes that are good, which is len
 * when the sequence is well formed. The second byte carries the range
 * restrictions that rule out overlongs, surrogates and > U+10FFFF. */
static unsigned seq_check(const unsigned char *p, unsigned len, size_t avail)
{
    unsigned char lo = 0x80, hi = 0xBF;
    switch (p[0]) {
    case 0xE0: lo = 0xA0; break; /* overlong 3-byte */
    case 0xED: hi = 0x9F; break; /* surrogates */
    case 0xF0: lo = 0x90; break; /* overlong 4-byte */
    case 0xF4: hi = 0x8F; break; /* above U+10FFFF */
    default: break;
    }
    if (avail < 2 || p[1] < lo || p[1] > hi)
        return 1;
    for (unsigned i = 2; i < len; i++)
        if (i >= avail || (p[i] & 0xC0) != 0x80)
            return i;
    return len;
}

/* Validates s[0..n). The offset reported is that of the byte that starts the
 * bad sequence (a stray continuation byte, or the lead byte of a truncated,
 * overlong or out-of-range sequence), so it is always < n. Reentrant;
 * allocates nothing. */
es_err es_utf8_check(const char *s, size_t n, size_t *bad_offset)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* Fast path: skip eight ASCII bytes at once. */
        if (n - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        unsigned len = lead_len(p[i]);
        if (len == 0 || seq_check(p + i, len, n - i) < len) {
            if (bad_offset)
                *bad_offset = i;
            return ES_EUTF8;
        }
        i += len;
    }
    return ES_OK;
}
