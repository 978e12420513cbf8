/*
 * Integers as bytes in a fixed order, for what is hashed or stored and must
 * read the same on every machine.
 */
#ifndef GH_BYTES_H
#define GH_BYTES_H

#include <stdint.h>

/* v as 8 bytes, most significant first. */
static inline void be64_put(unsigned char *out, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (unsigned char)(v & 0xff);
}

/* The 8 bytes at in, most significant first. */
static inline uint64_t be64_get(const unsigned char *in)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | in[i];
    return v;
}

#endif
