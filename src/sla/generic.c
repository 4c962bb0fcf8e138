/*
 * generic.c - the warning on generic canned replies (C4, principle 2: answer
 * as a person). A reply whose simhash fingerprint (es_dedup_fingerprint, the
 * same one that finds copy-paste campaigns among mentions) lies within a few
 * bits of several recent replies is flagged generic: it is still sent, and
 * the agent and the reports see the flag. Pure logic; es_reply_add calls it
 * with the fingerprints of the newest replies from the store.
 */
#include "earshot/reply.h"

/* Whether a and b differ in at most max bits. */
static int near(uint64_t a, uint64_t b, int max)
{
    uint64_t x = a ^ b;
    for (int i = 0; i < max && x; i++)
        x &= x - 1;
    return x == 0;
}

int es_reply_is_generic(uint64_t fp, const uint64_t *recent, size_t n, size_t min_similar)
{
    size_t similar = 0;
    if (min_similar == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (recent[i] && near(fp, recent[i], ES_GENERIC_DIST) && ++similar >= min_similar)
            return 1;
    return 0;
}
