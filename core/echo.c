/* Client text shown back (see echo.h). */
#include "echo.h"

#include <stdio.h>
#include <string.h>

int utf8_char_len(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    unsigned c = s[0], need, min;

    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 1, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        need = 2, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 3, min = 0x10000;
    else
        return 0;
    c &= 0x3f >> need;
    for (unsigned i = 1; i <= need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    /* overlong forms, UTF-16 surrogates and code points past U+10FFFF */
    if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
        return 0;
    return (int)need + 1;
}

/* The code point of the valid UTF-8 character of n bytes at s. */
static unsigned code_point(const unsigned char *s, int n)
{
    unsigned c = n == 1 ? s[0] : s[0] & (0x3f >> (n - 1));

    for (int i = 1; i < n; i++)
        c = c << 6 | (s[i] & 0x3f);
    return c;
}

/* Characters that would break a line, or silently reorder what follows them. */
static int needs_escape(unsigned c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
           (c >= 0x200e && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069);
}

const char *echo(const char *s, char out[ECHO_LEN])
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t o = 0;
    int chars = 0;

    while (*p) {
        int n = utf8_char_len((const char *)p);
        if (chars == ECHO_MAX_CHARS) {
            memcpy(out + o, "\xe2\x80\xa6", 3); /* … */
            o += 3;
            break;
        }
        if (n == 0) {
            o += (size_t)snprintf(out + o, ECHO_LEN - o, "\\x%02x", *p);
            p++;
        } else {
            unsigned c = code_point(p, n);
            if (c == '\\')
                o += (size_t)snprintf(out + o, ECHO_LEN - o, "\\\\");
            else if (c == '\n' || c == '\t' || c == '\r')
                o += (size_t)snprintf(out + o, ECHO_LEN - o, "\\%c",
                                      c == '\n'   ? 'n'
                                      : c == '\t' ? 't'
                                                  : 'r');
            else if (c < 0x80 && needs_escape(c))
                o += (size_t)snprintf(out + o, ECHO_LEN - o, "\\x%02x", c);
            else if (needs_escape(c))
                o += (size_t)snprintf(out + o, ECHO_LEN - o, "\\u%04x", c);
            else {
                memcpy(out + o, p, (size_t)n);
                o += (size_t)n;
            }
            p += n;
        }
        chars++;
    }
    out[o] = '\0';
    return out;
}

char *text_repair(const char *s, char *out, size_t n)
{
    size_t o = 0;

    while (*s) {
        int len = utf8_char_len(s);
        size_t need = len ? (size_t)len : 4;
        if (o + need >= n)
            break;
        if (len) {
            memcpy(out + o, s, need);
            s += len;
        } else {
            snprintf(out + o, n - o, "\\x%02x", (unsigned char)*s);
            s++;
        }
        o += need;
    }
    out[o] = '\0';
    return out;
}
