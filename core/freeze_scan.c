/* A freeze's files on disk (see freeze_scan.h). */
#include "freeze_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "json.h"

/* Links followed while resolving one path, as the kernel allows (MAXSYMLINKS). */
#define LINK_HOPS_MAX 40
/* Directories deeper than this stop a walk: a tree that deep is a mistake or an attack. */
#define WALK_DEPTH_MAX 128
/* How often an open is retried when the links on its way change under it. */
#define OPEN_ATTEMPTS 3

int scan_root_open(struct scan_root *r, const char *path, struct gh_error *err)
{
    memset(r, 0, sizeof(*r));
    r->fd = r->dir_fd = -1;
    /* The root itself may be reached through links: it is configuration, not content. */
    r->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->fd < 0)
        return gh_fail(err, GH_UNAVAILABLE, "cannot open the freeze root %s: %s", path,
                       strerror(errno));
    r->path = xstrdup(path);
    r->real = realpath(path, NULL);
    if (r->real == NULL)
        r->real = xstrdup(path);
    r->chunk = xmalloc(SCAN_CHUNK);
    return 0;
}

void scan_root_close(struct scan_root *r)
{
    if (r->dir_fd >= 0)
        close(r->dir_fd);
    if (r->fd >= 0)
        close(r->fd);
    free(r->dir_path);
    free(r->path);
    free(r->real);
    free(r->chunk);
    memset(r, 0, sizeof(*r));
    r->fd = r->dir_fd = -1;
}

/*
 * The directory rel_dir ("" for the root) opened one component at a time
 * without following links; -1 with errno when that fails (ELOOP or ENOTDIR
 * when a link or a file is in the way). The last one opened is kept: a
 * sorted manifest opens most of its files from the directory before.
 */
static int open_dir(struct scan_root *r, const char *rel_dir)
{
    int cur = r->fd, saved;
    char name[FREEZE_COMPONENT_MAX + 1];

    if (*rel_dir == '\0')
        return r->fd;
    if (r->dir_path && strcmp(r->dir_path, rel_dir) == 0)
        return r->dir_fd;
    if (r->dir_fd >= 0)
        close(r->dir_fd);
    free(r->dir_path);
    r->dir_fd = -1;
    r->dir_path = NULL;
    for (const char *s = rel_dir; *s;) {
        size_t len = strcspn(s, "/");
        int next;
        if (len > FREEZE_COMPONENT_MAX) {
            errno = ENAMETOOLONG;
            next = -1;
        } else {
            memcpy(name, s, len);
            name[len] = '\0';
            next = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        saved = errno;
        if (cur != r->fd)
            close(cur);
        if (next < 0) {
            errno = saved;
            return -1;
        }
        cur = next;
        s += len + (s[len] == '/');
    }
    r->dir_fd = cur;
    r->dir_path = xstrdup(rel_dir);
    return cur;
}

/* Open the file at rel (normalized) without following any link; -1 with errno. */
static int open_beneath(struct scan_root *r, const char *rel)
{
    const char *slash = strrchr(rel, '/');
    char dir[FREEZE_PATH_MAX + 1];
    int dfd;

    if (slash == NULL) {
        dir[0] = '\0';
    } else {
        if ((size_t)(slash - rel) > FREEZE_PATH_MAX) {
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(dir, rel, (size_t)(slash - rel));
        dir[slash - rel] = '\0';
    }
    dfd = open_dir(r, dir);
    if (dfd < 0)
        return -1;
    return openat(dfd, slash ? slash + 1 : rel,
                  O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

/* The part of the absolute path abs below base ("" for base itself), or NULL when outside it. */
static const char *below(const char *abs, const char *base)
{
    size_t n = strlen(base);

    while (n > 1 && base[n - 1] == '/')
        n--;
    if (n == 1 && base[0] == '/')
        return abs + 1;
    if (strncmp(abs, base, n) != 0 || (abs[n] != '\0' && abs[n] != '/'))
        return NULL;
    return abs[n] ? abs + n + 1 : abs + n;
}

int scan_resolve(const struct scan_root *r, const char *rel, char *out, enum resolution *res,
                 struct gh_error *err)
{
    struct buf todo = BUF_INIT, next = BUF_INIT;
    char target[PATH_MAX + 1], candidate[FREEZE_PATH_MAX + 1];
    size_t pos = 0, done_len = 0;
    int hops = 0, rc = 0;
    struct stat st;

    out[0] = '\0';
    *res = RESOLVED;
    buf_puts(&todo, rel);
    while (pos < todo.len) {
        const char *comp = todo.data + pos;
        size_t len = strcspn(comp, "/"), rest = pos + len + (comp[len] == '/');
        ssize_t n;

        if (len == 0 || (len == 1 && comp[0] == '.')) {
            pos = rest;
            continue;
        }
        if (len == 2 && comp[0] == '.' && comp[1] == '.') {
            char *up;
            if (done_len == 0) { /* above the root */
                *res = RESOLVE_ESCAPES;
                goto out;
            }
            up = strrchr(out, '/');
            done_len = up ? (size_t)(up - out) : 0;
            out[done_len] = '\0';
            pos = rest;
            continue;
        }
        if (done_len + 1 + len > FREEZE_PATH_MAX) {
            *res = RESOLVE_MISSING;
            goto out;
        }
        snprintf(candidate, sizeof(candidate), "%s%s%.*s", out, done_len ? "/" : "", (int)len,
                 comp);
        if (fstatat(r->fd, candidate, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG)
                *res = RESOLVE_MISSING;
            else
                rc = gh_fail(err, GH_INTERNAL, "cannot look at %s in %s: %s", candidate, r->path,
                             strerror(errno));
            goto out;
        }
        if (!S_ISLNK(st.st_mode)) {
            memcpy(out, candidate, strlen(candidate) + 1);
            done_len = strlen(out);
            pos = rest;
            continue;
        }
        if (++hops > LINK_HOPS_MAX) {
            *res = RESOLVE_LOOP;
            goto out;
        }
        n = readlinkat(r->fd, candidate, target, sizeof(target) - 1);
        if (n < 0) {
            rc = gh_fail(err, GH_INTERNAL, "cannot read the link %s in %s: %s", candidate, r->path,
                         strerror(errno));
            goto out;
        }
        target[n] = '\0';
        buf_reset(&next);
        if (target[0] == '/') {
            /* Absolute: back inside only through the root's own path. */
            const char *inside = below(target, r->real);
            if (inside == NULL)
                inside = below(target, r->path);
            if (inside == NULL) {
                *res = RESOLVE_ESCAPES;
                goto out;
            }
            out[0] = '\0';
            done_len = 0;
            buf_puts(&next, inside);
        } else {
            buf_puts(&next, target);
        }
        buf_putc(&next, '/');
        buf_puts(&next, todo.data + rest);
        if (next.len > 4 * FREEZE_PATH_MAX) {
            *res = RESOLVE_LOOP;
            goto out;
        }
        buf_reset(&todo);
        buf_append(&todo, next.data, next.len);
        pos = 0;
    }
out:
    buf_free(&todo);
    buf_free(&next);
    return rc;
}

int scan_hash_fd(struct scan_root *r, int fd, unsigned char out[SHA256_BYTES], int64_t *size,
                 struct gh_error *err)
{
    crypto_hash_sha256_state st;
    int64_t total = 0;
    ssize_t n;

    crypto_hash_sha256_init(&st);
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    for (;;) {
        n = read(fd, r->chunk, SCAN_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return gh_fail(err, GH_INTERNAL, "read error: %s", strerror(errno));
        if (n == 0)
            break;
        crypto_hash_sha256_update(&st, r->chunk, (unsigned long long)n);
        total += n;
    }
    crypto_hash_sha256_final(&st, out);
    *size = total;
    r->stats.files++;
    r->stats.bytes += total;
    if (r->progress)
        r->progress(r->progress_arg, &r->stats);
    return 0;
}

int scan_observe(struct scan_root *r, const char *rel, struct observation *o, struct gh_error *err)
{
    char resolved[FREEZE_PATH_MAX + 1];
    const char *target = rel;
    enum resolution res;
    struct stat st;
    int fd = -1, rc, saved;

    memset(o, 0, sizeof(*o));
    o->path = rel;
    o->what = OBSERVED_MISSING;
    for (int attempt = 0; fd < 0; attempt++) {
        if (attempt == OPEN_ATTEMPTS)
            return gh_fail(err, GH_INTERNAL, "the links on the way to %s in %s kept changing", rel,
                           r->path);
        fd = open_beneath(r, target);
        if (fd >= 0)
            break;
        saved = errno;
        if (saved == ENOENT || saved == ENAMETOOLONG)
            return 0;
        if (saved != ELOOP && saved != ENOTDIR)
            return gh_fail(err, GH_INTERNAL, "cannot open %s in %s: %s", rel, r->path,
                           strerror(saved));
        /* A link (or a file where a directory should be) is in the way: see where it leads. */
        if (scan_resolve(r, rel, resolved, &res, err) != 0)
            return -1;
        if (res == RESOLVE_ESCAPES) {
            o->what = OBSERVED_ESCAPES;
            return 0;
        }
        if (res != RESOLVED || resolved[0] == '\0')
            return 0; /* nothing there, or a loop of links */
        /* Open what it leads to; should the links change meanwhile, look again. */
        target = resolved;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 0; /* a directory, a device, a pipe: the frozen file is not there */
    }
    rc = scan_hash_fd(r, fd, o->sha256, &o->size, err);
    close(fd);
    if (rc != 0)
        return gh_fail(err, GH_INTERNAL, "cannot read %s in %s: %s", rel, r->path, err->message);
    o->what = OBSERVED_FILE;
    return 0;
}

void scan_list_free(struct scan_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].path);
        free(l->items[i].raw);
    }
    free(l->items);
    memset(l, 0, sizeof(*l));
}

static void list_add(struct scan_list *l, const char *path, const char *raw, int escapes)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->items = xreallocarray(l->items, l->cap, sizeof(*l->items));
    }
    l->items[l->count].path = xstrdup(path);
    l->items[l->count].raw = raw ? xstrdup(raw) : NULL;
    l->items[l->count].escapes = escapes;
    l->count++;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct scan_entry *)a)->path, ((const struct scan_entry *)b)->path);
}

/* Whether a name can stand in a manifest as it is: valid UTF-8, no control characters. */
static int clean_name(const char *name)
{
    for (const char *s = name; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return utf8_valid(name);
}

/* name with every control character, and every byte that is not part of valid UTF-8, as \xNN. */
static void escape_name(struct buf *out, const char *name)
{
    const unsigned char *s = (const unsigned char *)name;

    while (*s) {
        size_t len = *s < 0x80 ? 1 : *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 0;
        char seq[5] = {0};
        size_t have = 0;

        while (have < len && s[have])
            have++;
        if (len > 1 && have == len) {
            memcpy(seq, s, len);
            if (utf8_valid(seq)) {
                buf_append(out, seq, len);
                s += len;
                continue;
            }
        }
        if (*s < 0x20 || *s >= 0x7f)
            buf_printf(out, "\\x%02x", *s);
        else
            buf_putc(out, (char)*s);
        s++;
    }
}

struct walker {
    struct scan_root *r;
    const char *const *include;
    size_t ninclude;
    int strict;
    struct scan_list *out;
    struct gh_error *err;
    struct buf raw;   /* the path being walked, as bytes on disk */
    struct buf shown; /* the same, escaped where needed */
};

static int walk_dir(struct walker *w, int dirfd, int depth);

/* One directory entry: recurse, keep, or leave it. */
static int walk_entry(struct walker *w, DIR *d, const char *name, unsigned char type, int depth)
{
    struct stat st;
    char resolved[FREEZE_PATH_MAX + 1];
    enum resolution res;
    int fd;

    if (!clean_name(name)) {
        struct buf e = BUF_INIT;
        escape_name(&e, name);
        if (w->strict) {
            gh_fail(w->err, GH_INVALID,
                    "%s%s in %s has a name that is not printable UTF-8; rename it or leave it out "
                    "with --include",
                    buf_str(&w->shown), buf_str(&e), w->r->path);
            buf_free(&e);
            return -1;
        }
        buf_puts(&w->shown, buf_str(&e));
        buf_free(&e);
    } else {
        buf_puts(&w->shown, name);
    }
    buf_puts(&w->raw, name);
    if (w->raw.len > FREEZE_PATH_MAX || w->shown.len > FREEZE_PATH_MAX)
        return gh_fail(w->err, GH_INVALID, "a path under %s is longer than %d bytes: %.200s...",
                       w->r->path, FREEZE_PATH_MAX, buf_str(&w->shown));
    if (type == DT_UNKNOWN) {
        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return errno == ENOENT ? 0
                                   : gh_fail(w->err, GH_INTERNAL, "cannot look at %s in %s: %s",
                                             buf_str(&w->shown), w->r->path, strerror(errno));
        type = S_ISDIR(st.st_mode)   ? DT_DIR
               : S_ISREG(st.st_mode) ? DT_REG
               : S_ISLNK(st.st_mode) ? DT_LNK
                                     : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
        if (depth >= WALK_DEPTH_MAX)
            return gh_fail(w->err, GH_INVALID, "%s in %s is more than %d directories deep",
                           buf_str(&w->shown), w->r->path, WALK_DEPTH_MAX);
        fd = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
            return 0; /* gone since it was listed */
        if (fd < 0)
            return gh_fail(w->err, GH_INTERNAL, "cannot open the directory %s in %s: %s",
                           buf_str(&w->shown), w->r->path, strerror(errno));
        buf_putc(&w->raw, '/');
        buf_putc(&w->shown, '/');
        return walk_dir(w, fd, depth + 1);
    }
    if (!freeze_globs_match(w->include, w->ninclude, buf_str(&w->shown)))
        return 0;
    if (type == DT_REG) {
        list_add(w->out, buf_str(&w->shown), w->raw.len == w->shown.len ? NULL : buf_str(&w->raw),
                 0);
        return 0;
    }
    if (type != DT_LNK)
        return 0; /* pipes, sockets, devices are never artifacts */
    if (scan_resolve(w->r, buf_str(&w->raw), resolved, &res, w->err) != 0)
        return -1;
    if (res != RESOLVE_ESCAPES)
        return 0; /* a link inside the root: what it leads to is listed where it is */
    if (w->strict)
        return gh_fail(w->err, GH_INVALID,
                       "%s in %s is a link that leads out of the root; remove it or leave it out "
                       "with --include",
                       buf_str(&w->shown), w->r->path);
    list_add(w->out, buf_str(&w->shown), w->raw.len == w->shown.len ? NULL : buf_str(&w->raw), 1);
    return 0;
}

static int walk_dir(struct walker *w, int fd, int depth)
{
    size_t raw_mark = w->raw.len, shown_mark = w->shown.len;
    DIR *d = fdopendir(fd);
    struct dirent *e;
    int rc = 0;

    if (d == NULL) {
        close(fd);
        return gh_fail(w->err, GH_INTERNAL, "cannot list %s in %s: %s", buf_str(&w->shown),
                       w->r->path, strerror(errno));
    }
    for (;;) {
        errno = 0;
        e = readdir(d);
        if (e == NULL) {
            if (errno)
                rc = gh_fail(w->err, GH_INTERNAL, "cannot list %s in %s: %s", buf_str(&w->shown),
                             w->r->path, strerror(errno));
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        rc = walk_entry(w, d, e->d_name, e->d_type, depth);
        w->raw.len = raw_mark;
        w->shown.len = shown_mark;
        if (w->raw.data)
            w->raw.data[raw_mark] = '\0';
        if (w->shown.data)
            w->shown.data[shown_mark] = '\0';
        if (rc != 0)
            break;
    }
    closedir(d);
    return rc;
}

int scan_walk(struct scan_root *r, const char *const *include, size_t ninclude, int strict,
              struct scan_list *out, struct gh_error *err)
{
    struct walker w = {r, include, ninclude, strict, out, err, BUF_INIT, BUF_INIT};
    int fd = openat(r->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

    memset(out, 0, sizeof(*out));
    if (fd < 0)
        return gh_fail(err, GH_INTERNAL, "cannot list %s: %s", r->path, strerror(errno));
    rc = walk_dir(&w, fd, 0);
    buf_free(&w.raw);
    buf_free(&w.shown);
    if (rc != 0) {
        scan_list_free(out);
        return -1;
    }
    if (out->count > 1) /* an empty walk has no array to sort */
        qsort(out->items, out->count, sizeof(*out->items), entry_cmp);
    return 0;
}

void scan_artifacts_free(struct artifact *a, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free((char *)a[i].path);
    free(a);
}

int scan_tree(struct scan_root *r, const char *const *include, size_t ninclude,
              struct artifact **artifacts, size_t *count, struct gh_error *err)
{
    struct scan_list files;
    struct artifact *a;
    struct observation o;
    size_t n = 0;
    int rc = 0;

    *artifacts = NULL;
    *count = 0;
    if (scan_walk(r, include, ninclude, 1, &files, err) != 0)
        return -1;
    a = xcalloc(files.count ? files.count : 1, sizeof(*a));
    for (size_t i = 0; rc == 0 && i < files.count; i++) {
        rc = scan_observe(r, files.items[i].path, &o, err);
        if (rc == 0 && o.what != OBSERVED_FILE)
            rc = gh_fail(err, GH_CONFLICT, "%s in %s changed while it was being read; try again",
                         files.items[i].path, r->path);
        if (rc == 0) {
            a[n].path = files.items[i].path;
            files.items[i].path = NULL; /* the manifest owns it now */
            memcpy(a[n].sha256, o.sha256, SHA256_BYTES);
            a[n].size = o.size;
            n++;
        }
    }
    scan_list_free(&files);
    if (rc != 0) {
        scan_artifacts_free(a, n);
        return -1;
    }
    *artifacts = a;
    *count = n;
    return 0;
}

int scan_verify(struct scan_root *r, const struct artifact *manifest, size_t nmanifest, int closed,
                const char *const *include, size_t ninclude, struct scan_seen *seen,
                struct gh_error *err)
{
    struct scan_list *walked = &seen->walked;
    size_t m = 0, w = 0, n = 0;
    int rc = 0;

    memset(seen, 0, sizeof(*seen));
    if (closed && scan_walk(r, include, ninclude, 0, walked, err) != 0)
        return -1;
    seen->items = xcalloc(nmanifest + walked->count + 1, sizeof(*seen->items));
    while (rc == 0 && (m < nmanifest || w < walked->count)) {
        int c = m == nmanifest       ? 1
                : w == walked->count ? -1
                                     : strcmp(manifest[m].path, walked->items[w].path);
        struct observation *o = &seen->items[n];

        if (c <= 0) {
            rc = scan_observe(r, manifest[m++].path, o, err);
            w += c == 0;
        } else {
            const struct scan_entry *e = &walked->items[w++];
            if (e->escapes) {
                memset(o, 0, sizeof(*o));
                o->what = OBSERVED_ESCAPES;
            } else {
                rc = scan_observe(r, e->raw ? e->raw : e->path, o, err);
            }
            o->path = e->path;
        }
        n++;
    }
    seen->count = n;
    if (rc != 0) {
        scan_seen_free(seen);
        return -1;
    }
    return 0;
}

void scan_seen_free(struct scan_seen *seen)
{
    free(seen->items);
    scan_list_free(&seen->walked);
    memset(seen, 0, sizeof(*seen));
}
