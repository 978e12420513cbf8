/*
 * Integers as bytes in a fixed order, for what is hashed or stored and must
 * read the same on every machine.
 */
#ifndef GH_BYTES_H
#define GH_BYTES_H

#include <stdint.h>
#include <string.h>

/* Swap v to or from big-endian: one instruction (or none), so a p95 decodes keys at memory speed.
 */
static inline uint64_t be64_swap(uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return __builtin_bswap64(v);
#else
    return v;
#endif
}

/* v as 8 bytes, most significant first. */
static inline void be64_put(unsigned char *out, uint64_t v)
{
    v = be64_swap(v);
    memcpy(out, &v, sizeof(v));
}

/* The 8 bytes at in, most significant first. */
static inline uint64_t be64_get(const unsigned char *in)
{
    uint64_t v;

    memcpy(&v, in, sizeof(v));
    return be64_swap(v);
}

#endif
