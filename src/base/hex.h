/*
 * hex.h - the value of a hexadecimal digit (internal), for the decoders that
 * read percent escapes and hex-encoded signatures.
 */
#ifndef ES_BASE_HEX_H
#define ES_BASE_HEX_H

/* The value of one hexadecimal digit (either case), or -1. */
static inline int es__hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
