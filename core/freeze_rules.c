/* The freeze rules (see freeze_rules.h). */
#include "freeze_rules.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

/* The longest glob, and the most segments a glob with '/' may have (they fit a bit set). */
#define GLOB_MAX          1024
#define GLOB_SEGMENTS_MAX 63

/* Say why, and fail. */
static int bad(const char **problem, const char *why)
{
    *problem = why;
    return -1;
}

int freeze_path_check(const char *p, const char **problem)
{
    size_t n = strlen(p), start = 0;

    if (n == 0)
        return bad(problem, "must not be empty");
    if (n > FREEZE_PATH_MAX)
        return bad(problem, "must be at most 4096 bytes");
    if (p[0] == '/')
        return bad(problem, "must be relative (no leading /)");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
            return bad(problem, "must not contain control characters");
    for (size_t i = 0; i <= n; i++) {
        size_t len;
        if (p[i] != '/' && p[i] != '\0')
            continue;
        len = i - start;
        if (len == 0)
            return bad(problem, "must be normalized (no empty component: no // and no trailing /)");
        if (len == 1 && p[start] == '.')
            return bad(problem, "must be normalized (no . component)");
        if (len == 2 && p[start] == '.' && p[start + 1] == '.')
            return bad(problem, "must not contain .. components");
        if (len > FREEZE_COMPONENT_MAX)
            return bad(problem, "must have names of at most 255 bytes");
        start = i + 1;
    }
    return 0;
}

int freeze_glob_check(const char *glob, const char **problem)
{
    size_t n = strlen(glob), segments = 1;

    if (n == 0 || n > GLOB_MAX)
        return bad(problem, "must be 1 to 1024 bytes");
    if (glob[0] == '/')
        return bad(problem, "must be relative to the root (no leading /)");
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)glob[i] < 0x20 || glob[i] == 0x7f)
            return bad(problem, "must not contain control characters");
        if (glob[i] == '/') {
            if (i + 1 == n || glob[i + 1] == '/')
                return bad(problem, "must not have empty segments (no // and no trailing /)");
            segments++;
        }
    }
    if (segments > GLOB_SEGMENTS_MAX)
        return bad(problem, "must have at most 63 segments");
    for (const char *s = glob; *s;) {
        size_t len = strcspn(s, "/");
        if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
            return bad(problem, "must not contain . or .. segments");
        s += len + (s[len] == '/');
    }
    return 0;
}

/* Split s (modified in place) at '/' into at most max segments; returns how many, or -1. */
static int split(char *s, char **seg, int max)
{
    int n = 0;

    for (;;) {
        if (n == max)
            return -1;
        seg[n++] = s;
        s = strchr(s, '/');
        if (s == NULL)
            return n;
        *s++ = '\0';
    }
}

/*
 * Segment-wise matching as a set of pattern positions (bit i: the next
 * segment is matched against pattern segment i), so "**" costs a bit, not a
 * backtracking search. The glob matches when its end is reached after one
 * segment or more: a matching directory takes everything under it.
 */
static int match_segments(char **pat, int np, char **seg, int ns)
{
    uint64_t states = 1, next;

    for (int s = 0;; s++) {
        /* A "**" may also match no segment at all. */
        for (int i = 0; i < np; i++)
            if ((states >> i & 1) && strcmp(pat[i], "**") == 0)
                states |= 1ULL << (i + 1);
        if (states >> np & 1)
            return 1;
        if (s == ns || states == 0)
            return 0;
        next = 0;
        for (int i = 0; i < np; i++) {
            if (!(states >> i & 1))
                continue;
            if (strcmp(pat[i], "**") == 0)
                next |= 1ULL << i;
            else if (fnmatch(pat[i], seg[s], 0) == 0)
                next |= 1ULL << (i + 1);
        }
        states = next;
    }
}

int freeze_glob_match(const char *glob, const char *path)
{
    char gbuf[GLOB_MAX + 1], pbuf[FREEZE_PATH_MAX + 1];
    char *pat[GLOB_SEGMENTS_MAX], *seg[FREEZE_PATH_MAX / 2 + 1];
    int np, ns;

    if (strlen(glob) > GLOB_MAX || strlen(path) > FREEZE_PATH_MAX)
        return 0;
    memcpy(pbuf, path, strlen(path) + 1);
    ns = split(pbuf, seg, (int)(sizeof(seg) / sizeof(seg[0])));
    if (ns < 0)
        return 0;
    if (strchr(glob, '/') == NULL) {
        /* A name at any depth: the file's own, or a directory's above it. */
        for (int i = 0; i < ns; i++)
            if (fnmatch(glob, seg[i], 0) == 0)
                return 1;
        return 0;
    }
    memcpy(gbuf, glob, strlen(glob) + 1);
    np = split(gbuf, pat, GLOB_SEGMENTS_MAX);
    return np > 0 && match_segments(pat, np, seg, ns);
}

int freeze_globs_match(const char *const *globs, size_t n, const char *path)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (freeze_glob_match(globs[i], path))
            return 1;
    return 0;
}

void sha256_hex(const unsigned char in[SHA256_BYTES], char out[SHA256_HEX_LEN])
{
    static const char digits[] = "0123456789abcdef";

    for (int i = 0; i < SHA256_BYTES; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * SHA256_BYTES] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sha256_hex_parse(const char *hex, unsigned char out[SHA256_BYTES])
{
    if (hex == NULL || strlen(hex) != 2 * SHA256_BYTES)
        return -1;
    for (int i = 0; i < SHA256_BYTES; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

static const char *const phase_names[] = {"none", "upcoming", "in_effect", "ended", "lifted"};

const char *window_phase_name(enum window_phase p)
{
    return (unsigned)p < sizeof(phase_names) / sizeof(phase_names[0]) ? phase_names[p] : "?";
}

enum window_phase freeze_window_phase(const struct freeze_window *w, int64_t now_ms)
{
    if (!w->has)
        return WINDOW_NONE;
    if (w->lifted_ms)
        return WINDOW_LIFTED;
    if (now_ms >= w->ends_ms)
        return WINDOW_ENDED;
    if (now_ms < w->starts_ms)
        return WINDOW_UPCOMING;
    return WINDOW_IN_EFFECT;
}

int freeze_lift_check(const struct freeze_window *w, int64_t now_ms, struct gh_error *err)
{
    switch (freeze_window_phase(w, now_ms)) {
    case WINDOW_NONE:
        return gh_fail(err, GH_CONFLICT, "this freeze has no window to lift");
    case WINDOW_LIFTED:
        return gh_fail(err, GH_CONFLICT, "this freeze's window was lifted already");
    case WINDOW_ENDED:
        return gh_fail(err, GH_CONFLICT, "this freeze's window has ended already");
    case WINDOW_UPCOMING:
    case WINDOW_IN_EFFECT:
        break;
    }
    return 0;
}

static const char *const kind_names[] = {"modified", "missing", "unexpected"};

const char *violation_kind_name(enum violation_kind k)
{
    return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

int violation_kind_parse(const char *s, enum violation_kind *out)
{
    for (size_t i = 0; s && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum violation_kind)i;
            return 0;
        }
    return -1;
}

static void expect(struct finding *f, const struct artifact *a)
{
    f->has_expected = 1;
    memcpy(f->expected, a->sha256, SHA256_BYTES);
    f->expected_size = a->size;
}

static void saw(struct finding *f, const struct observation *o)
{
    if (o->what != OBSERVED_FILE)
        return;
    f->has_actual = 1;
    memcpy(f->actual, o->sha256, SHA256_BYTES);
    f->actual_size = o->size;
}

size_t freeze_compare(const struct artifact *manifest, size_t nmanifest,
                      const struct observation *observed, size_t nobserved, struct finding *out)
{
    size_t m = 0, o = 0, n = 0;

    while (m < nmanifest || o < nobserved) {
        int c = m == nmanifest   ? 1
                : o == nobserved ? -1
                                 : strcmp(manifest[m].path, observed[o].path);
        struct finding f = {0};

        if (c < 0) { /* listed, never seen */
            f.path = manifest[m].path;
            f.kind = VIOLATION_MISSING;
            expect(&f, &manifest[m++]);
        } else if (c > 0) { /* seen, never listed */
            const struct observation *x = &observed[o++];
            if (x->what == OBSERVED_MISSING)
                continue;
            f.path = x->path;
            f.kind = VIOLATION_UNEXPECTED;
            saw(&f, x);
        } else {
            const struct artifact *a = &manifest[m++];
            const struct observation *x = &observed[o++];
            if (x->what == OBSERVED_FILE && x->size == a->size &&
                memcmp(x->sha256, a->sha256, SHA256_BYTES) == 0)
                continue;
            f.path = a->path;
            f.kind = x->what == OBSERVED_FILE      ? VIOLATION_MODIFIED
                     : x->what == OBSERVED_MISSING ? VIOLATION_MISSING
                                                   : VIOLATION_UNEXPECTED;
            expect(&f, a);
            saw(&f, x);
        }
        out[n++] = f;
    }
    return n;
}

static int by_path(const void *a, const void *b)
{
    const struct standing *const *x = a, *const *y = b;

    return strcmp((*x)->path, (*y)->path);
}

/* Whether a standing violation is the very state a finding describes. */
static int same_state(const struct standing *s, const struct finding *f)
{
    return s->kind == f->kind && s->has_actual == f->has_actual &&
           (!f->has_actual || memcmp(s->actual, f->actual, SHA256_BYTES) == 0);
}

void freeze_reconcile(const struct finding *findings, size_t nfindings,
                      const struct standing *standing, size_t nstanding, struct reconciliation *out)
{
    const struct standing **sorted = xcalloc(nstanding ? nstanding : 1, sizeof(*sorted));
    size_t f = 0, s = 0;

    out->opened = xcalloc(nfindings ? nfindings : 1, sizeof(size_t));
    out->restored = xcalloc(nstanding ? nstanding : 1, sizeof(size_t));
    out->superseded = xcalloc(nstanding ? nstanding : 1, sizeof(size_t));
    out->nopened = out->nrestored = out->nsuperseded = 0;
    for (size_t i = 0; i < nstanding; i++)
        sorted[i] = &standing[i];
    qsort(sorted, nstanding, sizeof(*sorted), by_path);
    while (f < nfindings || s < nstanding) {
        int c = f == nfindings   ? 1
                : s == nstanding ? -1
                                 : strcmp(findings[f].path, sorted[s]->path);
        if (c < 0) {
            out->opened[out->nopened++] = f++;
        } else if (c > 0) {
            out->restored[out->nrestored++] = (size_t)(sorted[s++] - standing);
        } else {
            if (!same_state(sorted[s], &findings[f])) {
                out->superseded[out->nsuperseded++] = (size_t)(sorted[s] - standing);
                out->opened[out->nopened++] = f;
            }
            f++;
            s++;
        }
    }
    free(sorted);
}

void reconciliation_free(struct reconciliation *r)
{
    free(r->opened);
    free(r->restored);
    free(r->superseded);
    r->opened = r->restored = r->superseded = NULL;
    r->nopened = r->nrestored = r->nsuperseded = 0;
}
