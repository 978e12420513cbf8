/*
 * gatehouse freeze: freezes at the shell.
 *
 *   freeze create NAME --root ROOT [--include GLOB...] [--description TEXT]
 *                      [--starts-at T --ends-at T] [--open] [--json]
 *   freeze list [--json]
 *   freeze show NAME [--json]
 *   freeze verify NAME [--json]      exit 1 when violated
 *   freeze lift NAME [--json]
 *
 * create walks the configured root (what the globs take), hashes every
 * file and registers the manifest; a freeze made so is a closed set (new
 * files in it are violations) unless --open. Hashing a big tree prints its
 * progress on stderr every couple of seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/freezes.h"
#include "../core/timeutil.h"
#include "../core/validate.h"
#include "commands.h"
#include "common.h"

/* Progress lines start after this long, and come this often. */
#define PROGRESS_AFTER_NS (2LL * 1000000000)

struct progress {
    int64_t started_ns; /* when hashing began */
    int64_t next_ns;    /* when the next line is due */
};

static void print_progress(void *arg, const struct scan_stats *s)
{
    struct progress *p = arg;
    int64_t now = time_mono_ns();
    double secs = (double)(now - p->started_ns) / 1e9;

    if (now < p->next_ns)
        return;
    p->next_ns = now + PROGRESS_AFTER_NS;
    fprintf(stderr, "hashed %lld files, %.1f MiB (%.0f MiB/s)\n", (long long)s->files,
            (double)s->bytes / 1048576.0, secs > 0 ? (double)s->bytes / 1048576.0 / secs : 0.0);
}

static struct freeze_actor actor_of(const struct config *cfg)
{
    return (struct freeze_actor){admin_actor(), cfg->public_url, time_now_ms()};
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? s : "-";
}

static void print_violations(json_t *f)
{
    json_t *v;
    size_t i;

    json_array_foreach(json_object_get(f, "violations"), i, v)
    {
        printf("  violation %lld: %-10s %s\n",
               (long long)json_integer_value(json_object_get(v, "id")), str(v, "kind"),
               str(v, "path"));
        printf("    expected %s\n    actual   %s\n", str(v, "expected_sha256"),
               str(v, "actual_sha256"));
        if (json_is_object(json_object_get(v, "acknowledged")))
            printf("    acknowledged by %s: %s\n", str(json_object_get(v, "acknowledged"), "by"),
                   str(json_object_get(v, "acknowledged"), "comment"));
    }
    if (json_integer_value(json_object_get(f, "open_violations")) >
        (json_int_t)json_array_size(json_object_get(f, "violations")))
        printf("  ... %lld standing in all\n",
               (long long)json_integer_value(json_object_get(f, "open_violations")));
}

/* One freeze for people: its facts, its last check, its standing violations. */
static void print_freeze(json_t *f)
{
    json_t *w = json_object_get(f, "window"), *c = json_object_get(f, "last_check");

    printf("%s: %s\n", str(f, "name"), str(f, "state"));
    if (*str(f, "description") && strcmp(str(f, "description"), "-") != 0)
        printf("  %s\n", str(f, "description"));
    printf("  %lld artifacts, %lld bytes, manifest sha256 %s\n",
           (long long)json_integer_value(json_object_get(f, "artifact_count")),
           (long long)json_integer_value(json_object_get(f, "total_bytes")),
           str(f, "manifest_sha256"));
    printf("  root %s%s\n", str(f, "root"),
           json_is_true(json_object_get(f, "closed")) ? " (closed set)" : "");
    if (json_is_object(w))
        printf("  window %s .. %s (%s)%s\n", str(w, "starts_at"), str(w, "ends_at"),
               str(w, "phase"), json_is_true(json_object_get(f, "in_effect")) ? ": IN EFFECT" : "");
    else
        printf("  no window\n");
    if (json_is_object(c))
        printf("  last check %s by %s (%s): %s\n", str(c, "checked_at"), str(c, "checked_by"),
               str(c, "source"), str(c, "state"));
    else
        printf("  never checked\n");
    print_violations(f);
}

static int refuse(struct config *cfg, struct db *db, const struct gh_error *err)
{
    fprintf(stderr, "gatehouse: %s\n", err->message);
    admin_close(cfg, db);
    return EXIT_REFUSED;
}

int cmd_freeze_create(const char *config_path, int argc, char **argv)
{
    struct freeze_input in = {0};
    struct progress p = {time_mono_ns(), time_mono_ns() + PROGRESS_AFTER_NS};
    const char *starts, *ends, *problem, *includes[FREEZE_INCLUDE_MAX];
    int json, open_set, created, rc, out = 0;
    struct freeze_actor who;
    struct config cfg;
    struct gh_error err;
    struct db db;
    json_t *f;

    /* --include takes one glob, and any that follow it up to the next option. */
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--include") == 0) {
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
                if (in.ninclude == FREEZE_INCLUDE_MAX) {
                    fprintf(stderr, "gatehouse: at most %d --include globs\n", FREEZE_INCLUDE_MAX);
                    return EXIT_USAGE;
                }
                includes[in.ninclude++] = argv[++i];
            }
        } else {
            argv[out++] = argv[i];
        }
    }
    argc = out;
    in.root = take_option(&argc, argv, "--root");
    in.description = take_option(&argc, argv, "--description");
    starts = take_option(&argc, argv, "--starts-at");
    ends = take_option(&argc, argv, "--ends-at");
    open_set = take_flag(&argc, argv, "--open");
    json = take_flag(&argc, argv, "--json");
    if (argc != 1 || argv[0][0] == '-' || in.root == NULL || (starts == NULL) != (ends == NULL)) {
        fprintf(stderr, "usage: gatehouse freeze create NAME --root ROOT [--include GLOB...] "
                        "[--description TEXT] [--starts-at T --ends-at T] [--open] [--json]\n");
        return EXIT_USAGE;
    }
    in.name = argv[0];
    in.include = includes;
    in.closed = !open_set;
    if (in.description == NULL)
        in.description = "";
    if (!valid_client_id(in.name)) {
        fprintf(stderr, "gatehouse: a freeze name is 1 to 64 of letters, digits and ._:- "
                        "(starting with a letter or digit)\n");
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < in.ninclude; i++)
        if (freeze_glob_check(includes[i], &problem) != 0) {
            fprintf(stderr, "gatehouse: --include %s: the glob %s\n", includes[i], problem);
            return EXIT_USAGE;
        }
    if (starts) {
        if (time_parse_rfc3339(starts, &in.window.starts_ms) != 0 ||
            time_parse_rfc3339(ends, &in.window.ends_ms) != 0 ||
            in.window.ends_ms <= in.window.starts_ms) {
            fprintf(stderr, "gatehouse: --starts-at and --ends-at take RFC 3339 times, the end "
                            "after the start\n");
            return EXIT_USAGE;
        }
        in.window.has = 1;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if (config_freeze_root(&cfg, in.root) == NULL) {
        fprintf(stderr,
                "gatehouse: the configuration %s names no root '%s'; add freeze_root.%s = /path\n",
                config_path, in.root, in.root);
        admin_close(&cfg, &db);
        return EXIT_USAGE;
    }
    who = actor_of(&cfg);
    if (freeze_create_over_root(&db, &cfg, &who, &in, print_progress, &p, &f, &created, &err) != 0)
        return refuse(&cfg, &db, &err);
    if (json) {
        print_json(f);
    } else {
        printf("freeze %s %s: %lld artifacts, %lld bytes, manifest sha256 %s\n", in.name,
               created ? "created" : "exists already with this manifest",
               (long long)json_integer_value(json_object_get(f, "artifact_count")),
               (long long)json_integer_value(json_object_get(f, "total_bytes")),
               str(f, "manifest_sha256"));
        json_decref(f);
    }
    admin_close(&cfg, &db);
    return 0;
}

int cmd_freeze_list(const char *config_path, int argc, char **argv)
{
    int json = take_flag(&argc, argv, "--json"), rc;
    char next[FREEZE_CURSOR_LEN];
    struct config cfg;
    struct gh_error err;
    struct db db;
    json_t *list, *f;
    size_t i;

    (void)argv;
    if (argc != 0) {
        fprintf(stderr, "usage: gatehouse freeze list [--json]\n");
        return EXIT_USAGE;
    }
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if ((list = freezes_list(&db, NULL, 1000000, time_now_ms(), next, &err)) == NULL)
        return refuse(&cfg, &db, &err);
    if (json) {
        print_json(list);
    } else {
        printf("%-24s %-10s %9s %-10s %s\n", "NAME", "STATE", "ARTIFACTS", "WINDOW", "LAST CHECK");
        json_array_foreach(list, i, f)
        {
            json_t *w = json_object_get(f, "window"), *c = json_object_get(f, "last_check");
            printf("%-24s %-10s %9lld %-10s %s\n", str(f, "name"), str(f, "state"),
                   (long long)json_integer_value(json_object_get(f, "artifact_count")),
                   json_is_object(w) ? str(w, "phase") : "none",
                   json_is_object(c) ? str(c, "checked_at") : "never");
        }
        json_decref(list);
    }
    admin_close(&cfg, &db);
    return 0;
}

/* show, verify and lift: one NAME and --json. */
static int one_name(int *argc, char **argv, int *json, const char *usage)
{
    *json = take_flag(argc, argv, "--json");
    if (*argc != 1 || argv[0][0] == '-') {
        fprintf(stderr, "usage: gatehouse %s\n", usage);
        return -1;
    }
    return 0;
}

int cmd_freeze_show(const char *config_path, int argc, char **argv)
{
    struct config cfg;
    struct gh_error err;
    struct db db;
    json_t *f;
    int json, rc;

    if (one_name(&argc, argv, &json, "freeze show NAME [--json]") != 0)
        return EXIT_USAGE;
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    if ((f = freeze_get(&db, argv[0], time_now_ms(), &err)) == NULL)
        return refuse(&cfg, &db, &err);
    if (json) {
        print_json(f);
    } else {
        print_freeze(f);
        json_decref(f);
    }
    admin_close(&cfg, &db);
    return 0;
}

int cmd_freeze_verify(const char *config_path, int argc, char **argv)
{
    struct progress p = {time_mono_ns(), time_mono_ns() + PROGRESS_AFTER_NS};
    struct freeze_actor who;
    struct config cfg;
    struct gh_error err;
    struct db db;
    json_t *check, *f;
    int json, rc, violated;
    double secs;

    if (one_name(&argc, argv, &json, "freeze verify NAME [--json]") != 0)
        return EXIT_USAGE;
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    who = actor_of(&cfg);
    if (freeze_verify(&db, &cfg, &who, "cli", argv[0], print_progress, &p, &check, &err) != 0)
        return refuse(&cfg, &db, &err);
    secs = (double)(time_mono_ns() - p.started_ns) / 1e9;
    if ((f = freeze_get(&db, argv[0], time_now_ms(), &err)) == NULL) {
        json_decref(check);
        return refuse(&cfg, &db, &err);
    }
    violated = strcmp(str(f, "state"), "violated") == 0;
    if (json) {
        print_json(f);
    } else {
        printf("%s: %s: %lld paths checked, %lld bytes hashed in %.2f s; %lld new violations, "
               "%lld restored\n",
               argv[0], str(check, "state"),
               (long long)json_integer_value(json_object_get(check, "artifacts_checked")),
               (long long)json_integer_value(json_object_get(check, "bytes_hashed")), secs,
               (long long)json_integer_value(json_object_get(check, "new_violations")),
               (long long)json_integer_value(json_object_get(check, "restored")));
        print_violations(f);
        json_decref(f);
    }
    json_decref(check);
    admin_close(&cfg, &db);
    return violated ? EXIT_REFUSED : 0;
}

int cmd_freeze_lift(const char *config_path, int argc, char **argv)
{
    struct freeze_actor who;
    struct config cfg;
    struct gh_error err;
    struct db db;
    json_t *f;
    int json, rc;

    if (one_name(&argc, argv, &json, "freeze lift NAME [--json]") != 0)
        return EXIT_USAGE;
    if ((rc = admin_open(config_path, &cfg, &db)) != 0)
        return rc;
    who = actor_of(&cfg);
    if (freeze_lift(&db, &who, argv[0], &f, &err) != 0)
        return refuse(&cfg, &db, &err);
    if (json) {
        print_json(f);
    } else {
        printf("%s: window lifted; approvals filed from now on need no break-glass vote, and "
               "pending ones are released at their next vote or worker run\n",
               argv[0]);
        json_decref(f);
    }
    admin_close(&cfg, &db);
    return 0;
}
