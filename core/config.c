/* Configuration (see config.h). */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "validate.h"

#ifndef GH_DATADIR
#define GH_DATADIR "/usr/local/share/gatehouse"
#endif

enum key_type {
    KEY_STRING, /* any text */
    KEY_PATH,   /* a file or directory; relative to the configuration file */
    KEY_URL,    /* http:// or https:// URL without a trailing slash */
    KEY_INT,    /* an integer within [min, max] */
    KEY_LEVEL,  /* a log level name */
    KEY_CHOICE, /* one of the words in choices */
};

struct key {
    const char *name;    /* as written in the file */
    enum key_type type;  /* how the value is read */
    size_t offset;       /* where it lands in struct config */
    long min, max;       /* bounds of a KEY_INT */
    const char *def;     /* the default, parsed like a value from the file */
    const char *choices; /* a KEY_CHOICE's words, separated by "|" */
};

/* clang-format off */
#define STR(field, type, def) {#field, type, offsetof(struct config, field), 0, 0, def, NULL}
#define INT(field, min, max, def) {#field, KEY_INT, offsetof(struct config, field), min, max, def, NULL}
#define CHOICE(field, choices, def) {#field, KEY_CHOICE, offsetof(struct config, field), 0, 0, def, choices}
/* clang-format on */

/* Every key Gatehouse knows; conf/gatehouse.conf documents each one. */
static const struct key keys[] = {
    STR(database, KEY_PATH, "/var/lib/gatehouse/gatehouse.db"),
    STR(signing_key, KEY_PATH, "/var/lib/gatehouse/signing.key"),
    STR(socket, KEY_PATH, "/run/gatehouse/gatehouse.sock"),
    STR(socket_group, KEY_STRING, ""),
    STR(stream_socket, KEY_STRING, ""),
    STR(templates, KEY_PATH, GH_DATADIR "/templates"),
    STR(public_url, KEY_URL, "http://127.0.0.1:8080"),
    INT(workers, 1, 64, "2"),
    INT(threads, 1, 512, "16"),
    INT(max_body_bytes, 1024, 64L * 1024 * 1024, "1048576"),
    INT(busy_timeout_ms, 1, 60000, "5000"),
    INT(wal_checkpoint_pages, 16, 1000000, "1000"),
    INT(shutdown_grace_seconds, 1, 300, "10"),
    INT(worker_max_run_seconds, 1, 3600, "50"),
    {"log_level", KEY_LEVEL, offsetof(struct config, log_level), 0, 0, "info", NULL},
    INT(session_idle_seconds, 1, 30 * 86400, "1800"),
    INT(session_max_seconds, 1, 90 * 86400, "43200"),
    CHOICE(secure_cookies, "auto|always", "auto"),
    INT(login_user_failures, 1, 1000, "5"),
    INT(login_addr_failures, 1, 100000, "20"),
    INT(login_window_seconds, 1, 86400, "900"),
    STR(ledger_origin, KEY_STRING, ""),
    INT(webhook_allow_http, 0, 1, "0"),
    INT(webhook_timeout_seconds, 1, 60, "10"),
    INT(prune_deliveries_days, 1, 3650, "30"),
    INT(stream_threads, 1, 4096, "256"),
    INT(stream_seconds, 1, 86400, "300"),
    INT(approval_expiry_seconds, 1, 2592000, "86400"),
    INT(freeze_verify_seconds, 60, 7 * 86400, "900"),
};

/* The family of named keys: "freeze_root." NAME. */
#define FREEZE_ROOT_PREFIX "freeze_root."

/* "source_cadence." NAME: seconds, 0 (never watched) or 60 to 30 days. */
#define SOURCE_CADENCE_PREFIX "source_cadence."
#define CADENCE_MAX           (30 * 86400)

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

const char *config_default_path(void)
{
    const char *env = getenv("GATEHOUSE_CONFIG");

    return env && *env ? env : "/etc/gatehouse/gatehouse.conf";
}

static const struct key *key_find(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* The directory part of path, with its trailing slash ("" for a bare name). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? xstrndup(path, (size_t)(slash - path + 1)) : xstrdup("");
}

/*
 * Store "freeze_root.NAME = value" (name is the whole key), read at where
 * ("file:line"). Returns NULL, or what was expected (static or thread-local).
 */
static const char *freeze_root_set(struct config *cfg, const char *key, const char *value,
                                   const char *basedir, const char *where)
{
    static _Thread_local char expect[320];
    const char *name = key + strlen(FREEZE_ROOT_PREFIX);
    struct freeze_root *r;
    struct buf b = BUF_INIT;

    if (!valid_client_id(name))
        return "a root name of letters, digits and ._:- (freeze_root.NAME), 64 at most";
    if (*value == '\0')
        return "the path of a directory";
    for (int i = 0; i < cfg->nfreeze_roots; i++)
        if (strcmp(cfg->freeze_roots[i].name, name) == 0) {
            snprintf(expect, sizeof(expect), "each root named once (it is also set at %s)",
                     cfg->freeze_roots[i].where);
            return expect;
        }
    cfg->freeze_roots =
        xreallocarray(cfg->freeze_roots, (size_t)cfg->nfreeze_roots + 1, sizeof(*r));
    r = &cfg->freeze_roots[cfg->nfreeze_roots++];
    r->name = xstrdup(name);
    if (value[0] == '/')
        buf_puts(&b, value);
    else
        buf_printf(&b, "%s%s", basedir, value);
    /* Trailing slashes say nothing; without them paths compare as written. */
    while (b.len > 1 && b.data[b.len - 1] == '/')
        b.data[--b.len] = '\0';
    r->path = buf_detach(&b);
    r->where = xstrdup(where);
    return NULL;
}

/* Store "source_cadence.NAME = value"; NULL, or what was expected. */
static const char *source_cadence_set(struct config *cfg, const char *key, const char *value,
                                      const char *where)
{
    static _Thread_local char expect[320];
    const char *name = key + strlen(SOURCE_CADENCE_PREFIX);
    struct source_cadence *c;
    char *end;
    long v;

    if (!valid_client_id(name))
        return "a source name of letters, digits and ._:- (source_cadence.NAME), 64 at most";
    errno = 0;
    v = strtol(value, &end, 10);
    if (errno || end == value || *end != '\0' || (v != 0 && (v < 60 || v > CADENCE_MAX)))
        return "0 (never watched) or a number of seconds from 60 to 2592000";
    for (int i = 0; i < cfg->nsource_cadences; i++)
        if (strcmp(cfg->source_cadences[i].name, name) == 0) {
            snprintf(expect, sizeof(expect), "each source named once (it is also set at %s)",
                     cfg->source_cadences[i].where);
            return expect;
        }
    cfg->source_cadences =
        xreallocarray(cfg->source_cadences, (size_t)cfg->nsource_cadences + 1, sizeof(*c));
    c = &cfg->source_cadences[cfg->nsource_cadences++];
    c->name = xstrdup(name);
    c->seconds = (int)v;
    c->where = xstrdup(where);
    return NULL;
}

int config_source_cadence(const struct config *cfg, const char *name)
{
    for (int i = 0; name && i < cfg->nsource_cadences; i++)
        if (strcmp(cfg->source_cadences[i].name, name) == 0)
            return cfg->source_cadences[i].seconds;
    return -1;
}

const char *config_freeze_root(const struct config *cfg, const char *name)
{
    for (int i = 0; name && i < cfg->nfreeze_roots; i++)
        if (strcmp(cfg->freeze_roots[i].name, name) == 0)
            return cfg->freeze_roots[i].path;
    return NULL;
}

int config_check_roots(const struct config *cfg, struct buf *errors)
{
    int problems = 0;

    for (int i = 0; i < cfg->nfreeze_roots; i++) {
        const struct freeze_root *r = &cfg->freeze_roots[i];
        DIR *d = opendir(r->path);
        if (d == NULL) {
            buf_printf(errors, "%s: key '%s%s': cannot list the directory %s: %s\n", r->where,
                       FREEZE_ROOT_PREFIX, r->name, r->path, strerror(errno));
            problems++;
        } else {
            closedir(d);
        }
    }
    return problems;
}

/*
 * Store value under k in cfg. Returns NULL, or a static description of
 * what was expected when the value does not fit.
 */
static const char *key_set(struct config *cfg, const struct key *k, const char *value,
                           const char *basedir)
{
    void *field = (char *)cfg + k->offset;
    static _Thread_local char expect[128];

    switch (k->type) {
    case KEY_STRING:
    case KEY_PATH:
    case KEY_URL: {
        char **slot = field;
        size_t len = strlen(value);
        if (k->type == KEY_PATH && len == 0)
            return "a file or directory path";
        if (k->type == KEY_URL &&
            (!(strncmp(value, "http://", 7) == 0 || strncmp(value, "https://", 8) == 0) ||
             strchr(value, ' ') || value[len - 1] == '/'))
            return "an http:// or https:// URL without a trailing slash";
        free(*slot);
        if (k->type == KEY_PATH && value[0] != '/') {
            struct buf b = BUF_INIT;
            buf_printf(&b, "%s%s", basedir, value);
            *slot = buf_detach(&b);
        } else {
            *slot = xstrdup(value);
        }
        return NULL;
    }
    case KEY_INT: {
        char *end;
        long v;
        errno = 0;
        v = strtol(value, &end, 10);
        if (errno || end == value || *end != '\0' || v < k->min || v > k->max) {
            snprintf(expect, sizeof(expect), "an integer from %ld to %ld", k->min, k->max);
            return expect;
        }
        if (k->max > INT_MAX)
            *(long *)field = v;
        else
            *(int *)field = (int)v;
        return NULL;
    }
    case KEY_LEVEL:
        if (log_level_parse(value, field) != 0)
            return "one of debug, info, warn, error";
        return NULL;
    case KEY_CHOICE: {
        size_t n = strlen(value);
        for (const char *c = k->choices; *c;) {
            size_t len = strcspn(c, "|");
            if (len == n && strncmp(c, value, n) == 0 && n > 0) {
                free(*(char **)field);
                *(char **)field = xstrdup(value);
                return NULL;
            }
            c += len + (c[len] == '|');
        }
        snprintf(expect, sizeof(expect), "one of %s", k->choices);
        for (char *e = expect; *e; e++)
            if (*e == '|')
                *e = ',';
        return expect;
    }
    }
    return "a known type";
}

/* Trim leading and trailing white space in place. */
static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static int read_file(const char *path, struct config *cfg, struct buf *errors)
{
    char *basedir = dir_of(path);
    char line[4096];
    int lineno = 0, problems = 0;
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        buf_printf(errors, "%s: cannot read the configuration file: %s\n", path, strerror(errno));
        problems++;
        goto done;
    }
    while (fgets(line, sizeof(line), f)) {
        char *s, *eq, *name, *value;
        const struct key *k;
        const char *expected;

        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            buf_printf(errors, "%s:%d: line longer than %zu characters\n", path, lineno,
                       sizeof(line) - 2);
            problems++;
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        eq = strchr(s, '=');
        if (eq == NULL) {
            buf_printf(errors, "%s:%d: expected \"key = value\", got \"%s\"\n", path, lineno, s);
            problems++;
            continue;
        }
        *eq = '\0';
        name = trim(s);
        value = trim(eq + 1);
        k = key_find(name);
        if (k == NULL && strncmp(name, FREEZE_ROOT_PREFIX, strlen(FREEZE_ROOT_PREFIX)) == 0) {
            char where[PATH_MAX + 16];
            snprintf(where, sizeof(where), "%s:%d", path, lineno);
            expected = freeze_root_set(cfg, name, value, basedir, where);
            if (expected) {
                buf_printf(errors, "%s:%d: key '%s': expected %s, got \"%s\"\n", path, lineno, name,
                           expected, value);
                problems++;
            }
            continue;
        }
        if (k == NULL && strncmp(name, SOURCE_CADENCE_PREFIX, strlen(SOURCE_CADENCE_PREFIX)) == 0) {
            char where[PATH_MAX + 16];
            snprintf(where, sizeof(where), "%s:%d", path, lineno);
            expected = source_cadence_set(cfg, name, value, where);
            if (expected) {
                buf_printf(errors, "%s:%d: key '%s': expected %s, got \"%s\"\n", path, lineno, name,
                           expected, value);
                problems++;
            }
            continue;
        }
        if (k == NULL) {
            buf_printf(errors, "%s:%d: unknown key '%s'\n", path, lineno, name);
            problems++;
            continue;
        }
        expected = key_set(cfg, k, value, basedir);
        if (expected) {
            buf_printf(errors, "%s:%d: key '%s': expected %s, got \"%s\"\n", path, lineno, name,
                       expected, value);
            problems++;
        }
    }
    if (ferror(f)) {
        buf_printf(errors, "%s: read error: %s\n", path, strerror(errno));
        problems++;
    }
    fclose(f);
done:
    free(basedir);
    return problems;
}

/* Apply GATEHOUSE_<KEY> variables; an unknown GATEHOUSE_ variable is a problem too. */
static int read_environment(struct config *cfg, struct buf *errors)
{
    extern char **environ;
    int problems = 0;

    for (char **e = environ; *e; e++) {
        char name[128];
        const char *eq = strchr(*e, '=');
        const struct key *k;
        const char *expected;
        size_t n;

        if (strncmp(*e, "GATEHOUSE_", 10) != 0 || eq == NULL)
            continue;
        n = (size_t)(eq - *e) - 10;
        if (n == 0 || n >= sizeof(name))
            continue;
        for (size_t i = 0; i < n; i++)
            name[i] = (char)tolower((unsigned char)(*e)[10 + i]);
        name[n] = '\0';
        if (strcmp(name, "config") == 0)
            continue;
        k = key_find(name);
        if (k == NULL &&
            (strncmp(name, FREEZE_ROOT_PREFIX, strlen(FREEZE_ROOT_PREFIX)) == 0 ||
             strncmp(name, SOURCE_CADENCE_PREFIX, strlen(SOURCE_CADENCE_PREFIX)) == 0)) {
            buf_printf(errors,
                       "environment GATEHOUSE_%.*s: named keys (freeze_root.NAME, "
                       "source_cadence.NAME) are read from the configuration file only\n",
                       (int)n, *e + 10);
            problems++;
            continue;
        }
        if (k == NULL) {
            buf_printf(errors, "environment GATEHOUSE_%.*s: unknown key '%s'\n", (int)n, *e + 10,
                       name);
            problems++;
            continue;
        }
        /* Relative paths from the environment are taken from the current directory. */
        expected = key_set(cfg, k, eq + 1, "");
        if (expected) {
            buf_printf(errors, "environment GATEHOUSE_%.*s: key '%s': expected %s, got \"%s\"\n",
                       (int)n, *e + 10, name, expected, eq + 1);
            problems++;
        }
    }
    return problems;
}

int config_load(const char *path, struct config *cfg, struct buf *errors)
{
    char *basedir = dir_of(path);
    int problems = 0;

    memset(cfg, 0, sizeof(*cfg));
    cfg->path = xstrdup(path);
    for (size_t i = 0; i < NKEYS; i++)
        if (key_set(cfg, &keys[i], keys[i].def, basedir) != NULL)
            fatal("the built-in default of '%s' is invalid", keys[i].name);
    free(basedir);
    problems += read_file(path, cfg, errors);
    problems += read_environment(cfg, errors);
    if (cfg->stream_socket[0] == '\0') {
        /* Event streams get their own socket beside the main one. */
        struct buf b = BUF_INIT;
        buf_printf(&b, "%s.streams", cfg->socket);
        free(cfg->stream_socket);
        cfg->stream_socket = buf_detach(&b);
    }
    if (cfg->ledger_origin[0] == '\0') {
        /* The public address without its scheme names this ledger in checkpoints. */
        const char *host = strstr(cfg->public_url, "://");
        struct buf b = BUF_INIT;
        buf_printf(&b, "%s/ledger", host ? host + 3 : cfg->public_url);
        free(cfg->ledger_origin);
        cfg->ledger_origin = buf_detach(&b);
    }
    return problems;
}

void config_free(struct config *cfg)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].type == KEY_STRING || keys[i].type == KEY_PATH || keys[i].type == KEY_URL ||
            keys[i].type == KEY_CHOICE) {
            char **slot = (char **)((char *)cfg + keys[i].offset);
            free(*slot);
            *slot = NULL;
        }
    }
    for (int i = 0; i < cfg->nfreeze_roots; i++) {
        free(cfg->freeze_roots[i].name);
        free(cfg->freeze_roots[i].path);
        free(cfg->freeze_roots[i].where);
    }
    free(cfg->freeze_roots);
    cfg->freeze_roots = NULL;
    cfg->nfreeze_roots = 0;
    for (int i = 0; i < cfg->nsource_cadences; i++) {
        free(cfg->source_cadences[i].name);
        free(cfg->source_cadences[i].where);
    }
    free(cfg->source_cadences);
    cfg->source_cadences = NULL;
    cfg->nsource_cadences = 0;
    free(cfg->path);
    cfg->path = NULL;
}

void config_describe(const struct config *cfg, struct buf *out)
{
    static const char *const levels[] = {"debug", "info", "warn", "error"};

    for (size_t i = 0; i < NKEYS; i++) {
        const void *field = (const char *)cfg + keys[i].offset;
        switch (keys[i].type) {
        case KEY_STRING:
        case KEY_PATH:
        case KEY_URL:
        case KEY_CHOICE:
            buf_printf(out, "%s = %s\n", keys[i].name, *(char *const *)field);
            break;
        case KEY_INT:
            if (keys[i].max > INT_MAX)
                buf_printf(out, "%s = %ld\n", keys[i].name, *(const long *)field);
            else
                buf_printf(out, "%s = %d\n", keys[i].name, *(const int *)field);
            break;
        case KEY_LEVEL:
            buf_printf(out, "%s = %s\n", keys[i].name, levels[*(const enum log_level *)field]);
            break;
        }
    }
    for (int i = 0; i < cfg->nfreeze_roots; i++)
        buf_printf(out, "%s%s = %s\n", FREEZE_ROOT_PREFIX, cfg->freeze_roots[i].name,
                   cfg->freeze_roots[i].path);
    for (int i = 0; i < cfg->nsource_cadences; i++)
        buf_printf(out, "%s%s = %d\n", SOURCE_CADENCE_PREFIX, cfg->source_cadences[i].name,
                   cfg->source_cadences[i].seconds);
}
