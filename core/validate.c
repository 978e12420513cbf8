/* Identifier shapes (see validate.h). */
#include "validate.h"

#include <ctype.h>
#include <stddef.h>

static int id_char(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
}

/* Whether s is minlen..maxlen id characters, the first alphanumeric if strict. */
static int id_shape(const char *s, size_t maxlen, int alnum_first)
{
    size_t n = 0;

    if (s == NULL || *s == '\0')
        return 0;
    if (alnum_first && !isalnum((unsigned char)s[0]))
        return 0;
    for (; s[n]; n++)
        if (n >= maxlen || !id_char((unsigned char)s[n]))
            return 0;
    return 1;
}

int valid_client_id(const char *s)
{
    return id_shape(s, 64, 1);
}

int valid_request_id(const char *s)
{
    return id_shape(s, 128, 0);
}
