/* Configuration: defaults, the file, the environment, and errors that say where. */
#include <stdlib.h>

#include "../../core/config.h"
#include "check.h"

/* Write text to check_tmpdir/name and return the path (static buffer). */
static const char *write_conf(const char *name, const char *text)
{
    static char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", check_tmpdir, name);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void defaults_and_relative_paths(void)
{
    struct config cfg;
    struct buf err = BUF_INIT;
    const char *path = write_conf("a.conf", "# comment\n\ndatabase = data/gh.db\nworkers = 3\n");
    char want[512];

    CHECK_INT(config_load(path, &cfg, &err), 0);
    snprintf(want, sizeof(want), "%s/data/gh.db", check_tmpdir);
    CHECK_STR(cfg.database, want);
    CHECK_INT(cfg.workers, 3);
    CHECK_INT(cfg.threads, 16);
    CHECK_INT(cfg.max_body_bytes, 1048576);
    CHECK_STR(cfg.signing_key, "/var/lib/gatehouse/signing.key");
    CHECK_INT(cfg.log_level, LOG_INFO);
    config_free(&cfg);
    buf_free(&err);
}

static void errors_name_file_line_and_key(void)
{
    struct config cfg;
    struct buf err = BUF_INIT;
    const char *path = write_conf("b.conf", "workers = 2\nworkrs = 3\nthreads = many\n"
                                            "log_level = loud\njust text\npublic_url = ftp://x\n");
    char want[600];

    CHECK_INT(config_load(path, &cfg, &err), 5);
    snprintf(want, sizeof(want), "%s:2: unknown key 'workrs'", path);
    CHECK_CONTAINS(buf_str(&err), want);
    snprintf(want, sizeof(want),
             "%s:3: key 'threads': expected an integer from 1 to 512, got \"many\"", path);
    CHECK_CONTAINS(buf_str(&err), want);
    snprintf(want, sizeof(want), "%s:4: key 'log_level': expected one of debug, info", path);
    CHECK_CONTAINS(buf_str(&err), want);
    snprintf(want, sizeof(want), "%s:5: expected \"key = value\"", path);
    CHECK_CONTAINS(buf_str(&err), want);
    CHECK_CONTAINS(buf_str(&err), "key 'public_url': expected an http:// or https:// URL");
    config_free(&cfg);
    buf_free(&err);
}

static void out_of_range_is_an_error(void)
{
    struct config cfg;
    struct buf err = BUF_INIT;
    const char *path = write_conf("c.conf", "workers = 0\nmax_body_bytes = 99999999999\n");

    CHECK_INT(config_load(path, &cfg, &err), 2);
    CHECK_CONTAINS(buf_str(&err), "key 'workers': expected an integer from 1 to 64, got \"0\"");
    CHECK_CONTAINS(buf_str(&err), "key 'max_body_bytes'");
    config_free(&cfg);
    buf_free(&err);
}

static void environment_overrides_and_is_checked(void)
{
    struct config cfg;
    struct buf err = BUF_INIT;
    const char *path = write_conf("d.conf", "workers = 2\n");

    setenv("GATEHOUSE_WORKERS", "5", 1);
    setenv("GATEHOUSE_LOG_LEVEL", "debug", 1);
    CHECK_INT(config_load(path, &cfg, &err), 0);
    CHECK_INT(cfg.workers, 5);
    CHECK_INT(cfg.log_level, LOG_DEBUG);
    config_free(&cfg);

    setenv("GATEHOUSE_THREADZ", "5", 1);
    setenv("GATEHOUSE_WORKERS", "lots", 1);
    CHECK_INT(config_load(path, &cfg, &err), 2);
    CHECK_CONTAINS(buf_str(&err), "environment GATEHOUSE_THREADZ: unknown key 'threadz'");
    CHECK_CONTAINS(buf_str(&err), "environment GATEHOUSE_WORKERS: key 'workers': expected");
    config_free(&cfg);
    unsetenv("GATEHOUSE_THREADZ");
    unsetenv("GATEHOUSE_WORKERS");
    unsetenv("GATEHOUSE_LOG_LEVEL");
    buf_free(&err);
}

static void missing_file_is_an_error(void)
{
    struct config cfg;
    struct buf err = BUF_INIT;

    CHECK_INT(config_load("/nonexistent/gatehouse.conf", &cfg, &err), 1);
    CHECK_CONTAINS(buf_str(&err), "/nonexistent/gatehouse.conf: cannot read the configuration");
    config_free(&cfg);
    buf_free(&err);
}

static void the_sample_is_valid(void)
{
    struct config cfg;
    struct buf err = BUF_INIT;

    /* The documented sample must load as it ships. */
    CHECK_INT(config_load("conf/gatehouse.conf", &cfg, &err), 0);
    CHECK_STR(buf_str(&err), "");
    config_free(&cfg);
    buf_free(&err);
}

static void named_freeze_roots(void)
{
    struct config cfg;
    struct buf err = BUF_INIT, out = BUF_INIT;
    const char *path;
    char want[1400];

    path = write_conf("r.conf", "freeze_root.release = /srv/release/\n"
                                "freeze_root.docs-2 = docs\n"
                                "freeze_verify_seconds = 600\n");
    CHECK_INT(config_load(path, &cfg, &err), 0);
    CHECK_INT(cfg.nfreeze_roots, 2);
    CHECK_STR(config_freeze_root(&cfg, "release"), "/srv/release");
    snprintf(want, sizeof(want), "%s/docs", check_tmpdir);
    CHECK_STR(config_freeze_root(&cfg, "docs-2"), want);
    CHECK(config_freeze_root(&cfg, "other") == NULL);
    CHECK_INT(cfg.freeze_verify_seconds, 600);
    config_describe(&cfg, &out);
    CHECK_CONTAINS(buf_str(&out), "freeze_root.release = /srv/release\n");
    /* The directories themselves: only config check looks at them. */
    CHECK_INT(config_check_roots(&cfg, &err), 2);
    snprintf(want, sizeof(want), "%s:1: key 'freeze_root.release': cannot list the directory",
             path);
    CHECK_CONTAINS(buf_str(&err), want);
    config_free(&cfg);
    buf_reset(&err);

    path = write_conf("bad.conf", "freeze_root. = /a\n"
                                  "freeze_root.a/b = /a\n"
                                  "freeze_root.x = \n"
                                  "freeze_root.x = /one\n"
                                  "freeze_root.x = /two\n"
                                  "freeze_verify_seconds = 5\n");
    CHECK_INT(config_load(path, &cfg, &err), 5);
    snprintf(want, sizeof(want), "%s:1: key 'freeze_root.': expected a root name", path);
    CHECK_CONTAINS(buf_str(&err), want);
    CHECK_CONTAINS(buf_str(&err), "key 'freeze_root.a/b': expected a root name");
    CHECK_CONTAINS(buf_str(&err), "key 'freeze_root.x': expected the path of a directory");
    snprintf(want, sizeof(want),
             "%s:5: key 'freeze_root.x': expected each root named once (it "
             "is also set at %s:4)",
             path, path);
    CHECK_CONTAINS(buf_str(&err), want);
    CHECK_CONTAINS(buf_str(&err), "key 'freeze_verify_seconds': expected an integer from 60");
    config_free(&cfg);
    buf_reset(&err);

    /* An environment variable cannot carry the dot: roots come from the file. */
    setenv("GATEHOUSE_FREEZE_ROOT.X", "/x", 1);
    path = write_conf("e.conf", "");
    CHECK_INT(config_load(path, &cfg, &err), 1);
    CHECK_CONTAINS(buf_str(&err), "named keys (freeze_root.NAME, source_cadence.NAME) are read "
                                  "from the configuration file only");
    unsetenv("GATEHOUSE_FREEZE_ROOT.X");
    config_free(&cfg);
    buf_free(&err);
    buf_free(&out);
}

static void source_cadences(void)
{
    struct config cfg;
    struct buf err = BUF_INIT, out = BUF_INIT;
    const char *path;
    char want[1400];

    path = write_conf("c.conf", "source_cadence.sentinel = 300\n"
                                "source_cadence.ci-bot = 0\n");
    CHECK_INT(config_load(path, &cfg, &err), 0);
    CHECK_STR(buf_str(&err), "");
    CHECK_INT(config_source_cadence(&cfg, "sentinel"), 300);
    CHECK_INT(config_source_cadence(&cfg, "ci-bot"), 0);
    CHECK_INT(config_source_cadence(&cfg, "other"), -1);
    config_describe(&cfg, &out);
    CHECK_CONTAINS(buf_str(&out), "source_cadence.sentinel = 300\n");
    config_free(&cfg);

    path = write_conf("bad.conf", "source_cadence.a/b = 300\n"
                                  "source_cadence.x = 59\n"
                                  "source_cadence.y = soon\n"
                                  "source_cadence.z = 600\n"
                                  "source_cadence.z = 900\n"
                                  "source_cadence.w = 2592001\n");
    CHECK_INT(config_load(path, &cfg, &err), 5);
    CHECK_CONTAINS(buf_str(&err), "key 'source_cadence.a/b': expected a source name");
    snprintf(want, sizeof(want),
             "%s:2: key 'source_cadence.x': expected 0 (never watched) or a number of seconds "
             "from 60 to 2592000, got \"59\"",
             path);
    CHECK_CONTAINS(buf_str(&err), want);
    CHECK_CONTAINS(buf_str(&err), "key 'source_cadence.y': expected 0 (never watched)");
    snprintf(want, sizeof(want), "each source named once (it is also set at %s:4)", path);
    CHECK_CONTAINS(buf_str(&err), want);
    CHECK_CONTAINS(buf_str(&err), "key 'source_cadence.w': expected 0");
    config_free(&cfg);
    buf_free(&err);
    buf_free(&out);
}

const struct unit_test config_tests[] = {
    {"config: source cadences", source_cadences},
    {"config: named freeze roots", named_freeze_roots},
    {"config: defaults, relative paths", defaults_and_relative_paths},
    {"config: errors name file, line and key", errors_name_file_line_and_key},
    {"config: out-of-range values", out_of_range_is_an_error},
    {"config: GATEHOUSE_* overrides, checked too", environment_overrides_and_is_checked},
    {"config: missing file", missing_file_is_an_error},
    {"config: conf/gatehouse.conf sample loads", the_sample_is_valid},
    {NULL, NULL},
};
