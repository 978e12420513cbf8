/*
 * Errors are values: a function that can fail returns 0 or -1 and, on
 * failure, fills a struct gh_error with a kind (which the HTTP layer maps to
 * a status and code) and a message a person can act on.
 */
#ifndef GH_ERROR_H
#define GH_ERROR_H

enum gh_kind {
    GH_OK = 0,
    GH_INTERNAL,    /* a bug or a broken environment; details are in the log */
    GH_UNAVAILABLE, /* the database is locked beyond the busy timeout, or missing */
    GH_INVALID,     /* the caller's input does not fit */
    GH_NOT_FOUND,   /* no such thing */
    GH_CONFLICT,    /* exists already with other content, or the state forbids it */
    GH_FORBIDDEN,   /* the caller may not do this to this thing */
    /* The approval rules' refusals, each with its own API code. */
    GH_ALREADY_DECIDED, /* the request is no longer pending */
    GH_SELF_APPROVAL,   /* the requester voted on their own request */
    GH_DUPLICATE_VOTE,  /* the same person voted twice */
};

struct gh_error {
    enum gh_kind kind; /* what went wrong, broadly */
    char message[512]; /* one sentence for a person; never SQL or a stack trace */
    char field[64];    /* the input at fault (details[].field of a validation_failed), or "" */
};

/*
 * Fill err (which may be NULL) and return -1, so that callers can `return
 * gh_fail(...)`. A client value in the message goes through echo()
 * (echo.h); whatever still is not UTF-8 (a cut in the middle of a
 * character) is shown as \xNN, so the message can always be sent.
 */
int gh_fail(struct gh_error *err, enum gh_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same, naming the input at fault: the HTTP layer reports it as details[].field. */
int gh_fail_field(struct gh_error *err, enum gh_kind kind, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
