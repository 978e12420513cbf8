/*
 * The freeze rules, over plain structs and without I/O: what an artifact
 * path may look like, which files an include glob takes, when a window is
 * in effect and whether it may be lifted, what a manifest and an
 * observation of the files disagree about, and how those disagreements
 * become violations: new ones, ones that still stand, and ones that went
 * away.
 *
 * A violation is one wrong state of one path: (path, kind, actual hash).
 * While it stands, checks that find the same thing again record nothing
 * new, so freeze.violated is sent once per violation. When the path is
 * right again the violation is restored (freeze.restored). When the path
 * goes wrong in another way (another hash, or a modified file then
 * deleted), the standing violation is superseded and a new one opens: a
 * new fact, told once.
 *
 * freeze_reconcile() is the one place that decides this: new conditions
 * belong there.
 */
#ifndef GH_FREEZE_RULES_H
#define GH_FREEZE_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Bytes of a SHA-256 digest, and room for its lowercase hex and NUL. */
#define SHA256_BYTES   32
#define SHA256_HEX_LEN 65

/* The longest artifact path, in bytes, and the longest name in it. */
#define FREEZE_PATH_MAX      4096
#define FREEZE_COMPONENT_MAX 255

/*
 * Whether p is a normalized relative path: 1..FREEZE_PATH_MAX bytes, no
 * leading '/', no empty, "." or ".." component (so no "//" and no trailing
 * '/'), components of at most FREEZE_COMPONENT_MAX bytes, no control
 * characters. Returns 0, or -1 with *problem pointing at a sentence that
 * says what is wrong (static; it never echoes p).
 */
int freeze_path_check(const char *p, const char **problem);

/*
 * Include globs. A glob without '/' matches a file or directory name at
 * any depth ("*.json", "schemas"); a glob with '/' matches a path from the
 * root, segment by segment, where a segment "**" spans any number of
 * directories. A glob that matches a directory takes everything under it.
 * Within a segment, fnmatch(3) rules: '*', '?', [...].
 */
/* 0, or -1 with *problem (static) when glob cannot match anything sensible. */
int freeze_glob_check(const char *glob, const char **problem);
int freeze_glob_match(const char *glob, const char *path);
/* Whether any of the n globs takes path; with none, every path is taken. */
int freeze_globs_match(const char *const *globs, size_t n, const char *path);

/* Lowercase hex of a digest. */
void sha256_hex(const unsigned char in[SHA256_BYTES], char out[SHA256_HEX_LEN]);
/* Parse 64 hex digits (either case): 0, or -1 when hex is not exactly that. */
int sha256_hex_parse(const char *hex, unsigned char out[SHA256_BYTES]);

/* A freeze's window, in milliseconds since the epoch. */
struct freeze_window {
    int has;           /* 0: the freeze has no window */
    int64_t starts_ms; /* changes need break-glass from here... */
    int64_t ends_ms;   /* ...until here (exclusive) */
    int64_t lifted_ms; /* 0, or when an admin ended it early */
};

enum window_phase {
    WINDOW_NONE,      /* no window */
    WINDOW_UPCOMING,  /* it starts later */
    WINDOW_IN_EFFECT, /* now is within it and it was not lifted */
    WINDOW_ENDED,     /* its end has passed */
    WINDOW_LIFTED,    /* an admin lifted it before its end */
};

/* "none", "upcoming", "in_effect", "ended", "lifted". */
const char *window_phase_name(enum window_phase p);
enum window_phase freeze_window_phase(const struct freeze_window *w, int64_t now_ms);
/*
 * Whether the window may be lifted now: it exists, has not ended and was
 * not lifted already (a window still to come may be called off). 0, or -1
 * with err (GH_CONFLICT).
 */
int freeze_lift_check(const struct freeze_window *w, int64_t now_ms, struct gh_error *err);

/* One artifact of a manifest: what it was when frozen. */
struct artifact {
    const char *path;                   /* normalized, relative to the root */
    unsigned char sha256[SHA256_BYTES]; /* its content's digest */
    int64_t size;                       /* its size in bytes */
};

enum observed {
    OBSERVED_FILE,    /* a regular file, hashed */
    OBSERVED_MISSING, /* nothing (or no regular file) at the path */
    OBSERVED_ESCAPES, /* the path goes through a link that leads out of the root */
};

/* What a check saw at one path. */
struct observation {
    const char *path;
    enum observed what;
    unsigned char sha256[SHA256_BYTES]; /* OBSERVED_FILE only */
    int64_t size;                       /* OBSERVED_FILE only */
};

enum violation_kind {
    VIOLATION_MODIFIED,   /* the content or the size differ */
    VIOLATION_MISSING,    /* the artifact is gone */
    VIOLATION_UNEXPECTED, /* a file the manifest does not list (closed sets, reports), or a
                             link out of the root */
};

/* "modified", "missing", "unexpected". */
const char *violation_kind_name(enum violation_kind k);
int violation_kind_parse(const char *s, enum violation_kind *out);

/* One disagreement between the manifest and what a check saw. */
struct finding {
    const char *path;
    enum violation_kind kind;
    int has_expected; /* the manifest lists the path */
    unsigned char expected[SHA256_BYTES];
    int64_t expected_size;
    int has_actual; /* a regular file was seen at the path */
    unsigned char actual[SHA256_BYTES];
    int64_t actual_size;
};

/*
 * Compare a manifest with observations, both sorted by path (strcmp) with
 * unique paths. A manifest path observed as a different file is modified;
 * not observed, or observed missing, is missing; observed through a link
 * out of the root is unexpected. An observed file or escaping link the
 * manifest does not list is unexpected (the caller observes such paths only
 * where they count: in a closed set's walk, in a guardian's complete
 * listing). Writes at most nmanifest + nobserved findings to out, sorted
 * by path, and returns how many. Paths in out are borrowed from the inputs.
 */
size_t freeze_compare(const struct artifact *manifest, size_t nmanifest,
                      const struct observation *observed, size_t nobserved, struct finding *out);

/* A violation that still stands, as stored. */
struct standing {
    int64_t id;
    const char *path;
    enum violation_kind kind;
    int has_actual;
    unsigned char actual[SHA256_BYTES];
};

/* What a check changes. Indices point into the findings and standing arrays given. */
struct reconciliation {
    size_t *opened; /* findings that are new violations */
    size_t nopened;
    size_t *restored; /* standing violations whose path is right again */
    size_t nrestored;
    size_t *superseded; /* standing violations replaced by a new one at the same path */
    size_t nsuperseded;
};

/*
 * Decide what a check's findings (sorted by path, unique) mean against the
 * standing violations (any order, unique paths). Allocates the index
 * arrays; release with reconciliation_free().
 */
void freeze_reconcile(const struct finding *findings, size_t nfindings,
                      const struct standing *standing, size_t nstanding,
                      struct reconciliation *out);
void reconciliation_free(struct reconciliation *r);

#endif
