/*
 * Client text shown back: in an error message, a field name of a
 * validation error, a log line.
 *
 * A client can send any bytes: invalid UTF-8, overlong forms, control
 * characters, megabytes of them. Such a value must never break the JSON
 * of an answer (jansson refuses to serialise invalid UTF-8, and an answer
 * that does not serialise is a 500), nor flood or forge a message or a log
 * line. Every error message that embeds a client value takes it through
 * echo(); the places that format text for people (gh_fail, field_error,
 * log lines, reply_error) repair what still is not UTF-8 with
 * text_repair(), so that a cut in the middle of a character or a value
 * that slipped through shows as \xNN instead of failing.
 */
#ifndef GH_ECHO_H
#define GH_ECHO_H

#include <stddef.h>

/* At most this many characters of a client value are shown back. */
#define ECHO_MAX_CHARS 64
/* Room for an echoed value: each character at most 6 bytes ("\u2028"), "…" and the NUL. */
#define ECHO_LEN (ECHO_MAX_CHARS * 6 + 4)

/*
 * s (NULL shows as "") in a safe form, in out, which is returned: UTF-8
 * characters as they are, except backslash (\\), control characters (\n,
 * \t, \r, \xNN, \u0085...), line and paragraph separators and the
 * characters that reorder text (\u202e...); bytes that are not UTF-8
 * (invalid, overlong, surrogates) as \xNN; after ECHO_MAX_CHARS characters
 * the rest is cut and "…" shows that it was.
 */
const char *echo(const char *s, char out[ECHO_LEN]);

/*
 * Copy s into out (size n >= 1) as valid UTF-8: bytes that are not UTF-8
 * become \xNN, and the copy ends at a character boundary when out is too
 * small. Nothing else is escaped. Returns out.
 */
char *text_repair(const char *s, char *out, size_t n);

/* The length of the UTF-8 character at s: 1..4, or 0 when s does not start one (or at the NUL). */
int utf8_char_len(const char *s);

#endif
