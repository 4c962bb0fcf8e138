/*
 * lower.c - lower-casing one token for look-ups in word tables: the rules
 * of classify.c and the fingerprints of dedup.c compare tokens this way.
 */
#include <utf8proc.h>

#include "earshot/text.h"

size_t es_text_lower(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    while (i < n && o + 4 <= cap) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t l =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (l <= 0) {
            out[o++] = (char)c;
            i++;
            continue;
        }
        if (cp == 0x2019)
            out[o++] = '\'';
        else
            o += (size_t)utf8proc_encode_char(utf8proc_tolower(cp), (utf8proc_uint8_t *)out + o);
        i += (size_t)l;
    }
    return o;
}
