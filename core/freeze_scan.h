/*
 * A freeze's files on disk: walking a configured root, and hashing what is
 * found there with libsodium's SHA-256, streamed in fixed-size chunks so
 * that a file of any size costs the same memory.
 *
 * Nothing here ever follows a link out of the root. Files are opened one
 * path component at a time with openat(O_NOFOLLOW) from the root's
 * directory descriptor, so a link met on the way fails the open instead of
 * being followed. Only then is the link looked at: its target is resolved
 * by hand, component by component, the way openat2's RESOLVE_BENEATH would
 * (that call is not in Debian 12's glibc and is refused by some seccomp
 * profiles); a ".." above the root or an absolute target outside it
 * "escapes", and an artifact reached through such a link is observed as
 * OBSERVED_ESCAPES, which the rules turn into an `unexpected` violation.
 * A link that stays inside the root is followed, and the file it leads to
 * is opened again component by component without following anything.
 *
 * The walk (freeze creation, and closed sets at verification) never
 * descends through a link either. Links inside the root are not artifacts
 * of their own (the file they lead to is, where it is); links out of it are
 * refused at creation and observed as escaping at verification.
 */
#ifndef GH_FREEZE_SCAN_H
#define GH_FREEZE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "freeze_rules.h"

/* Bytes read per step when hashing: big enough for few system calls, small enough for L2. */
#define SCAN_CHUNK (128 * 1024)

/* How much a scan has done so far. */
struct scan_stats {
    int64_t files; /* files hashed */
    int64_t bytes; /* bytes hashed */
};

/* Called after every file hashed (the CLI prints progress from it). */
typedef void (*scan_progress_fn)(void *arg, const struct scan_stats *stats);

/* An open root and what hashing beneath it needs. */
struct scan_root {
    int fd;                    /* the root directory */
    char *path;                /* as configured */
    char *real;                /* its canonical path, to judge absolute link targets */
    unsigned char *chunk;      /* SCAN_CHUNK bytes of read buffer */
    int dir_fd;                /* the directory of the last file opened (reused), or -1 */
    char *dir_path;            /* its path relative to the root ("" for the root) */
    struct scan_stats stats;   /* totals since the root was opened */
    scan_progress_fn progress; /* may be NULL */
    void *progress_arg;
};

/* Open the root directory at path; err names it when it cannot be opened. */
int scan_root_open(struct scan_root *r, const char *path, struct gh_error *err);
void scan_root_close(struct scan_root *r);

/* Where a path beneath the root leads, links followed by hand. */
enum resolution {
    RESOLVED,        /* *out is the link-free path (relative to the root) */
    RESOLVE_MISSING, /* nothing there */
    RESOLVE_ESCAPES, /* a link leads out of the root */
    RESOLVE_LOOP,    /* too many links (a loop) */
};
/* Resolve rel (normalized) beneath r; -1 with err on an I/O error. out has FREEZE_PATH_MAX + 1
 * bytes. */
int scan_resolve(const struct scan_root *r, const char *rel, char *out, enum resolution *res,
                 struct gh_error *err);

/*
 * Observe the path rel: hash the regular file there, or say it is missing
 * or escapes. o->path is set to rel (borrowed). -1 with err when the file
 * exists but cannot be read (permissions, I/O errors): a check that cannot
 * read is not evidence of anything.
 */
int scan_observe(struct scan_root *r, const char *rel, struct observation *o, struct gh_error *err);

/* Hash one open file descriptor to its end; for the root's files and for tests. */
int scan_hash_fd(struct scan_root *r, int fd, unsigned char out[SHA256_BYTES], int64_t *size,
                 struct gh_error *err);

/* What a walk found: relative paths, sorted, of files and of links escaping the root. */
struct scan_entry {
    char *path;  /* as reported: a name that is not printable UTF-8 has \xNN escapes (owned) */
    char *raw;   /* the bytes on disk when they differ from path, else NULL (owned) */
    int escapes; /* 1: a link out of the root; 0: a regular file */
};
struct scan_list {
    struct scan_entry *items;
    size_t count, cap;
};
void scan_list_free(struct scan_list *l);

/*
 * Walk the root, keeping the regular files and the escaping links that the
 * include globs take. strict (freeze creation): a name that is not valid
 * UTF-8 or has control characters, or a link out of the root, is an error
 * naming it. Otherwise such names are kept in an escaped form (\xNN) so
 * they can be reported.
 */
int scan_walk(struct scan_root *r, const char *const *include, size_t ninclude, int strict,
              struct scan_list *out, struct gh_error *err);

/*
 * Freeze creation: walk the root and hash every file the globs take.
 * *artifacts (sorted by path; paths owned, freed by scan_artifacts_free)
 * and *count receive the manifest.
 */
int scan_tree(struct scan_root *r, const char *const *include, size_t ninclude,
              struct artifact **artifacts, size_t *count, struct gh_error *err);
void scan_artifacts_free(struct artifact *a, size_t count);

/* What a verification saw: observations sorted by path, ready for freeze_compare(). */
struct scan_seen {
    struct observation *items; /* paths borrowed from the manifest or from walked */
    size_t count;
    struct scan_list walked; /* the closed set's walk, which owns the other paths */
};

/*
 * Verification: observe every manifest path (sorted) and, for a closed
 * set, every other file or escaping link the walk with include finds.
 * Release *seen with scan_seen_free() (the manifest must outlive it).
 */
int scan_verify(struct scan_root *r, const struct artifact *manifest, size_t nmanifest, int closed,
                const char *const *include, size_t ninclude, struct scan_seen *seen,
                struct gh_error *err);
void scan_seen_free(struct scan_seen *seen);

#endif
