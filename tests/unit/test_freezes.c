/*
 * Freezes: the rules (paths, globs, windows, what a check finds and what
 * it changes) as pure functions; the scan over real directories (links
 * out of the root, walks, streamed hashes); and the transactions over a
 * real SQLite file (idempotent creation, one violation per wrong state,
 * restoration, acknowledgement, lifting, and break-glass for approvals
 * filed and voted during a window).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/approvals.h"
#include "../../core/freezes.h"
#include "../../core/ledger.h"
#include "../../core/timeutil.h"
#include "check.h"
#include "fixtures.h"

#define NOW   1795000000000LL /* 2026-11-18, an arbitrary fixed time */
#define HOUR  3600000LL
#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" /* sha256("") */

/* ---- rules ---- */

static int path_ok(const char *p)
{
    const char *problem = NULL;

    return freeze_path_check(p, &problem) == 0;
}

static void paths_are_relative_and_normalized(void)
{
    char long_name[300], long_path[FREEZE_PATH_MAX + 2];

    CHECK(path_ok("CHANGELOG.md"));
    CHECK(path_ok("docs/_generated/META_REGISTRY.json"));
    CHECK(path_ok("a/.hidden/..x/x.."));
    CHECK(path_ok("naïve/été.txt"));
    CHECK(!path_ok(""));
    CHECK(!path_ok("/etc/passwd"));
    CHECK(!path_ok("../secrets"));
    CHECK(!path_ok("a/../../b"));
    CHECK(!path_ok("a/.."));
    CHECK(!path_ok("./a"));
    CHECK(!path_ok("a/./b"));
    CHECK(!path_ok("a//b"));
    CHECK(!path_ok("a/"));
    CHECK(!path_ok("a\nb"));
    CHECK(!path_ok("a\tb"));
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    CHECK(!path_ok(long_name));
    long_name[255] = '\0';
    CHECK(path_ok(long_name));
    memset(long_path, 'a', sizeof(long_path) - 1);
    for (size_t i = 100; i < sizeof(long_path) - 1; i += 100)
        long_path[i] = '/';
    long_path[sizeof(long_path) - 1] = '\0';
    CHECK(!path_ok(long_path));
    long_path[FREEZE_PATH_MAX] = '\0';
    CHECK(path_ok(long_path));
}

static void globs_take_names_paths_and_directories(void)
{
    const char *problem;
    const char *const globs[] = {"schemas/*.json", "CHANGELOG.md"};

    /* No '/': a name at any depth, a directory taking what is under it. */
    CHECK(freeze_glob_match("*.json", "registry.json"));
    CHECK(freeze_glob_match("*.json", "docs/_generated/META_REGISTRY.json"));
    CHECK(!freeze_glob_match("*.json", "docs/notes.md"));
    CHECK(freeze_glob_match("contracts", "contracts/payments.json"));
    CHECK(freeze_glob_match("_generated", "docs/_generated/x/y.txt"));
    /* With '/': from the root, segment by segment. */
    CHECK(freeze_glob_match("schemas/*.json", "schemas/event.schema.json"));
    CHECK(!freeze_glob_match("schemas/*.json", "schemas/old/event.schema.json"));
    CHECK(!freeze_glob_match("schemas/*.json", "x/schemas/event.json"));
    CHECK(freeze_glob_match("docs/_generated", "docs/_generated/META_REGISTRY.json"));
    CHECK(freeze_glob_match("docs/**", "docs/a/b/c.md"));
    CHECK(freeze_glob_match("**/*.sql", "migrations/0142.sql"));
    CHECK(freeze_glob_match("**/*.sql", "0142.sql"));
    CHECK(freeze_glob_match("a/**/z.txt", "a/z.txt"));
    CHECK(freeze_glob_match("a/**/z.txt", "a/b/c/z.txt"));
    CHECK(!freeze_glob_match("a/**/z.txt", "a/b/c/y.txt"));
    CHECK(freeze_glob_match("**", "anything/at/all"));
    CHECK(freeze_glob_match("a/**/**/z", "a/z"));
    CHECK(freeze_globs_match(globs, 2, "CHANGELOG.md"));
    CHECK(freeze_globs_match(globs, 2, "schemas/a.json"));
    CHECK(!freeze_globs_match(globs, 2, "README.md"));
    CHECK(freeze_globs_match(NULL, 0, "README.md"));
    CHECK_INT(freeze_glob_check("schemas/*.json", &problem), 0);
    CHECK_INT(freeze_glob_check("/etc/*", &problem), -1);
    CHECK_INT(freeze_glob_check("../*", &problem), -1);
    CHECK_INT(freeze_glob_check("a//b", &problem), -1);
    CHECK_INT(freeze_glob_check("", &problem), -1);
}

static void digests_read_and_write_as_hex(void)
{
    unsigned char d[SHA256_BYTES];
    char hex[SHA256_HEX_LEN];

    CHECK_INT(sha256_hex_parse(EMPTY, d), 0);
    sha256_hex(d, hex);
    CHECK_STR(hex, EMPTY);
    CHECK_INT(
        sha256_hex_parse("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", d), 0);
    sha256_hex(d, hex);
    CHECK_STR(hex, EMPTY);
    CHECK_INT(sha256_hex_parse("e3b0", d), -1);
    CHECK_INT(sha256_hex_parse(EMPTY "0", d), -1);
    CHECK_INT(
        sha256_hex_parse("g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", d),
        -1);
}

static void windows_have_phases_and_lift_once(void)
{
    struct freeze_window w = {1, NOW, NOW + HOUR, 0};
    struct freeze_window none = {0, 0, 0, 0};
    struct gh_error err;

    CHECK_INT(freeze_window_phase(&none, NOW), WINDOW_NONE);
    CHECK_INT(freeze_window_phase(&w, NOW - 1), WINDOW_UPCOMING);
    CHECK_INT(freeze_window_phase(&w, NOW), WINDOW_IN_EFFECT);
    CHECK_INT(freeze_window_phase(&w, NOW + HOUR - 1), WINDOW_IN_EFFECT);
    CHECK_INT(freeze_window_phase(&w, NOW + HOUR), WINDOW_ENDED);
    CHECK_INT(freeze_lift_check(&w, NOW - 1, &err), 0); /* a window to come may be called off */
    CHECK_INT(freeze_lift_check(&w, NOW, &err), 0);
    CHECK_INT(freeze_lift_check(&w, NOW + HOUR, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK_INT(freeze_lift_check(&none, NOW, &err), -1);
    w.lifted_ms = NOW + 5;
    CHECK_INT(freeze_window_phase(&w, NOW + 10), WINDOW_LIFTED);
    CHECK_INT(freeze_lift_check(&w, NOW + 10, &err), -1);
    CHECK_STR(window_phase_name(WINDOW_IN_EFFECT), "in_effect");
}

static struct artifact art(const char *path, int fill, int64_t size)
{
    struct artifact a = {path, {0}, size};

    memset(a.sha256, fill, SHA256_BYTES);
    return a;
}

static struct observation seen(const char *path, enum observed what, int fill, int64_t size)
{
    struct observation o = {path, what, {0}, size};

    memset(o.sha256, fill, SHA256_BYTES);
    return o;
}

static void comparing_finds_modified_missing_unexpected(void)
{
    struct artifact m[] = {art("a", 1, 10), art("b", 2, 20), art("c", 3, 30),
                           art("d", 4, 40), art("e", 5, 50), art("f", 6, 60)};
    struct observation o[] = {
        seen("a", OBSERVED_FILE, 1, 10),   /* as frozen */
        seen("b", OBSERVED_FILE, 9, 20),   /* another content */
        seen("c", OBSERVED_FILE, 3, 31),   /* same digest, another size: modified too */
        seen("d", OBSERVED_MISSING, 0, 0), /* gone */
        seen("e", OBSERVED_ESCAPES, 0, 0), /* a link out of the root now */
        seen("g", OBSERVED_FILE, 7, 70),   /* new */
        seen("h", OBSERVED_ESCAPES, 0, 0), /* a new link out of the root */
        seen("i", OBSERVED_MISSING, 0, 0), /* nothing, never listed: nothing to say */
    };
    struct finding f[16];
    size_t n = freeze_compare(m, 6, o, 8, f);

    CHECK_INT(n, 7);
    CHECK_STR(f[0].path, "b");
    CHECK_INT(f[0].kind, VIOLATION_MODIFIED);
    CHECK(f[0].has_expected && f[0].has_actual && f[0].actual[0] == 9 && f[0].expected[0] == 2);
    CHECK_STR(f[1].path, "c");
    CHECK_INT(f[1].kind, VIOLATION_MODIFIED);
    CHECK_INT(f[1].actual_size, 31);
    CHECK_STR(f[2].path, "d");
    CHECK_INT(f[2].kind, VIOLATION_MISSING);
    CHECK(f[2].has_expected && !f[2].has_actual);
    CHECK_STR(f[3].path, "e");
    CHECK_INT(f[3].kind, VIOLATION_UNEXPECTED);
    CHECK(f[3].has_expected && !f[3].has_actual);
    CHECK_STR(f[4].path, "f"); /* listed, not observed at all: missing */
    CHECK_INT(f[4].kind, VIOLATION_MISSING);
    CHECK_STR(f[5].path, "g");
    CHECK_INT(f[5].kind, VIOLATION_UNEXPECTED);
    CHECK(!f[5].has_expected && f[5].has_actual && f[5].actual_size == 70);
    CHECK_STR(f[6].path, "h");
    CHECK_INT(f[6].kind, VIOLATION_UNEXPECTED);
    CHECK(!f[6].has_expected && !f[6].has_actual);
}

static struct finding found(const char *path, enum violation_kind kind, int actual)
{
    struct finding f = {path, kind, 1, {0}, 1, actual != 0, {0}, 1};

    memset(f.actual, actual, SHA256_BYTES);
    return f;
}

static struct standing standing(int64_t id, const char *path, enum violation_kind kind, int actual)
{
    struct standing s = {id, path, kind, actual != 0, {0}};

    memset(s.actual, actual, SHA256_BYTES);
    return s;
}

static void a_violation_is_told_once_and_restored_once(void)
{
    struct finding f[] = {found("a", VIOLATION_MODIFIED, 7), found("b", VIOLATION_MODIFIED, 8),
                          found("c", VIOLATION_MISSING, 0), found("d", VIOLATION_MISSING, 0)};
    /* a: the same wrong content again; b: wrong in another way; c: modified then deleted;
     * e: right again; d: new. */
    struct standing s[] = {
        standing(14, "e", VIOLATION_MODIFIED, 3), standing(11, "a", VIOLATION_MODIFIED, 7),
        standing(12, "b", VIOLATION_MODIFIED, 9), standing(13, "c", VIOLATION_MODIFIED, 5)};
    struct reconciliation r;

    freeze_reconcile(f, 4, s, 4, &r);
    CHECK_INT(r.nopened, 3);
    CHECK_INT(r.opened[0], 1); /* b */
    CHECK_INT(r.opened[1], 2); /* c */
    CHECK_INT(r.opened[2], 3); /* d */
    CHECK_INT(r.nsuperseded, 2);
    CHECK_INT(s[r.superseded[0]].id, 12);
    CHECK_INT(s[r.superseded[1]].id, 13);
    CHECK_INT(r.nrestored, 1);
    CHECK_INT(s[r.restored[0]].id, 14);
    reconciliation_free(&r);

    /* Nothing found, nothing standing: nothing to do. */
    freeze_reconcile(NULL, 0, NULL, 0, &r);
    CHECK_INT(r.nopened + r.nrestored + r.nsuperseded, 0);
    reconciliation_free(&r);
}

/* ---- the scan, over real directories ---- */

/* check_tmpdir/rel, with parents; content written. */
static void put(const char *rel, const char *content)
{
    char path[600], cmd[700];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", check_tmpdir, rel);
    snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
    if (system(cmd) != 0)
        check_fail(__FILE__, __LINE__, "mkdir for %s", rel);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
        check_fail(__FILE__, __LINE__, "cannot write %s", rel);
    if (fd >= 0)
        close(fd);
}

static void rm_at(const char *rel)
{
    char path[600];

    snprintf(path, sizeof(path), "%s/%s", check_tmpdir, rel);
    if (unlink(path) != 0)
        check_fail(__FILE__, __LINE__, "unlink %s: %s", rel, strerror(errno));
}

static void link_at(const char *target, const char *rel)
{
    char path[600];

    snprintf(path, sizeof(path), "%s/%s", check_tmpdir, rel);
    if (symlink(target, path) != 0)
        check_fail(__FILE__, __LINE__, "symlink %s: %s", rel, strerror(errno));
}

static void digest_of(const char *content, unsigned char out[SHA256_BYTES])
{
    crypto_hash_sha256(out, (const unsigned char *)content, strlen(content));
}

static int open_root(struct scan_root *r, const char *sub)
{
    char path[600];
    struct gh_error err;

    snprintf(path, sizeof(path), "%s/%s", check_tmpdir, sub);
    return scan_root_open(r, path, &err);
}

static enum observed observe(struct scan_root *r, const char *rel)
{
    struct observation o;
    struct gh_error err;

    if (scan_observe(r, rel, &o, &err) != 0)
        return (enum observed) - 1;
    return o.what;
}

static void links_out_of_the_root_are_never_followed(void)
{
    struct scan_root r;
    char abs[700];
    char resolved[FREEZE_PATH_MAX + 1];
    enum resolution res;
    struct gh_error err;

    put("outside/secret.txt", "secret");
    put("root/docs/a.txt", "a");
    put("root/real/b.txt", "b");
    link_at("../outside/secret.txt", "root/up.txt"); /* relative, out */
    link_at("../../outside", "root/docs/up");        /* a directory out */
    link_at("/etc/passwd", "root/abs.txt");          /* absolute, out */
    link_at("real/b.txt", "root/in.txt");            /* stays inside */
    link_at("../real", "root/docs/real");            /* a directory inside */
    link_at("nowhere.txt", "root/dangling.txt");     /* leads nowhere */
    link_at("loop2", "root/loop1");
    link_at("loop1", "root/loop2");
    snprintf(abs, sizeof(abs), "%s/root/docs/a.txt", check_tmpdir);
    link_at(abs, "root/abs_in.txt"); /* absolute, but inside */
    CHECK_INT(open_root(&r, "root"), 0);

    CHECK_INT(observe(&r, "docs/a.txt"), OBSERVED_FILE);
    CHECK_INT(observe(&r, "up.txt"), OBSERVED_ESCAPES);
    CHECK_INT(observe(&r, "docs/up/secret.txt"), OBSERVED_ESCAPES);
    CHECK_INT(observe(&r, "abs.txt"), OBSERVED_ESCAPES);
    CHECK_INT(observe(&r, "in.txt"), OBSERVED_FILE);
    CHECK_INT(observe(&r, "docs/real/b.txt"), OBSERVED_FILE);
    CHECK_INT(observe(&r, "abs_in.txt"), OBSERVED_FILE);
    CHECK_INT(observe(&r, "dangling.txt"), OBSERVED_MISSING);
    CHECK_INT(observe(&r, "loop1"), OBSERVED_MISSING);
    CHECK_INT(observe(&r, "nothing/here.txt"), OBSERVED_MISSING);
    CHECK_INT(observe(&r, "docs/a.txt/x"), OBSERVED_MISSING); /* a file in the middle */
    CHECK_INT(observe(&r, "docs"), OBSERVED_MISSING);         /* a directory is not a file */

    CHECK_INT(scan_resolve(&r, "docs/real/../real/b.txt", resolved, &res, &err), 0);
    CHECK_INT(res, RESOLVED);
    CHECK_STR(resolved, "real/b.txt");
    CHECK_INT(scan_resolve(&r, "docs/up/secret.txt", resolved, &res, &err), 0);
    CHECK_INT(res, RESOLVE_ESCAPES);
    scan_root_close(&r);
}

static void hashes_stream_in_chunks(void)
{
    struct scan_root r;
    struct observation o;
    struct gh_error err;
    unsigned char want[SHA256_BYTES];
    char path[600];
    char *big = malloc(3 * SCAN_CHUNK + 7);
    int fd;

    for (size_t i = 0; i < 3 * SCAN_CHUNK + 6; i++)
        big[i] = (char)('a' + i % 26);
    big[3 * SCAN_CHUNK + 6] = '\0';
    put("root/big.bin", big);
    put("root/empty", "");
    CHECK_INT(open_root(&r, "root"), 0);
    CHECK_INT(scan_observe(&r, "big.bin", &o, &err), 0);
    digest_of(big, want);
    CHECK(memcmp(o.sha256, want, SHA256_BYTES) == 0);
    CHECK_INT(o.size, 3 * SCAN_CHUNK + 6);
    CHECK_INT(scan_observe(&r, "empty", &o, &err), 0);
    digest_of("", want);
    CHECK(memcmp(o.sha256, want, SHA256_BYTES) == 0);
    CHECK_INT(o.size, 0);
    CHECK_INT(r.stats.files, 2);
    CHECK_INT(r.stats.bytes, 3 * SCAN_CHUNK + 6);
    /* A file nobody may read is not evidence of anything: the check fails. */
    snprintf(path, sizeof(path), "%s/root/locked", check_tmpdir);
    fd = open(path, O_WRONLY | O_CREAT, 0);
    if (fd >= 0)
        close(fd);
    if (geteuid() != 0) {
        CHECK_INT(scan_observe(&r, "locked", &o, &err), -1);
        CHECK_CONTAINS(err.message, "locked");
    }
    scan_root_close(&r);
    free(big);
}

static void walks_keep_files_and_refuse_escapes_when_creating(void)
{
    const char *const json_only[] = {"*.json"};
    struct scan_root r;
    struct scan_list l;
    struct artifact *a;
    struct gh_error err;
    size_t n;

    put("root/z.json", "{}");
    put("root/docs/a.json", "[]");
    put("root/docs/readme.md", "# hi");
    put("root/schemas/deep/x.json", "1");
    link_at("docs/a.json", "root/inside.json"); /* a link inside: not an artifact of its own */
    CHECK_INT(open_root(&r, "root"), 0);
    CHECK_INT(scan_tree(&r, json_only, 1, &a, &n, &err), 0);
    CHECK_INT(n, 3);
    CHECK_STR(a[0].path, "docs/a.json");
    CHECK_STR(a[1].path, "schemas/deep/x.json");
    CHECK_STR(a[2].path, "z.json");
    CHECK_INT(a[2].size, 2);
    scan_artifacts_free(a, n);
    CHECK_INT(scan_tree(&r, NULL, 0, &a, &n, &err), 0);
    CHECK_INT(n, 4);
    scan_artifacts_free(a, n);

    /* A link out of the root stops creation (it would be a violation from the start)... */
    link_at("/etc/hostname", "root/docs/host.json");
    CHECK_INT(scan_tree(&r, NULL, 0, &a, &n, &err), -1);
    CHECK_CONTAINS(err.message, "docs/host.json");
    CHECK_CONTAINS(err.message, "leads out of the root");
    /* ...unless the globs leave it out; verification walks report it. */
    const char *const md_only[] = {"*.md"};
    CHECK_INT(scan_tree(&r, md_only, 1, &a, &n, &err), 0);
    CHECK_INT(n, 1);
    scan_artifacts_free(a, n);
    CHECK_INT(scan_walk(&r, NULL, 0, 0, &l, &err), 0);
    CHECK_INT(l.count, 5);
    CHECK_STR(l.items[1].path, "docs/host.json");
    CHECK_INT(l.items[1].escapes, 1);
    scan_list_free(&l);
    scan_root_close(&r);
}

static void strange_names_are_refused_or_escaped(void)
{
    struct scan_root r;
    struct scan_list l;
    struct artifact *a;
    struct gh_error err;
    size_t n;

    put("root/ok.txt", "ok");
    put("root/bad\x01name", "x");
    put("root/latin\xe9.txt", "y");
    CHECK_INT(open_root(&r, "root"), 0);
    CHECK_INT(scan_tree(&r, NULL, 0, &a, &n, &err), -1);
    CHECK_CONTAINS(err.message, "not printable UTF-8");
    CHECK_INT(scan_walk(&r, NULL, 0, 0, &l, &err), 0);
    CHECK_INT(l.count, 3);
    CHECK_STR(l.items[0].path, "bad\\x01name");
    CHECK_STR(l.items[1].path, "latin\\xe9.txt");
    CHECK(l.items[1].raw != NULL);
    CHECK_STR(l.items[2].path, "ok.txt");
    CHECK(l.items[2].raw == NULL);
    scan_list_free(&l);
    scan_root_close(&r);
}

/* ---- over a database ---- */

static const char *state_of(json_t *f)
{
    return json_string_value(json_object_get(f, "state"));
}

/* A configuration with one root, "rel", at check_tmpdir/root. */
static void root_config(struct config *cfg, const char *extra)
{
    char path[600], text[1200];
    struct buf errors = BUF_INIT;
    FILE *f;

    snprintf(path, sizeof(path), "%s/gh.conf", check_tmpdir);
    snprintf(text, sizeof(text), "freeze_root.rel = root\n%s", extra);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    CHECK_INT(config_load(path, cfg, &errors), 0);
    buf_free(&errors);
}

/* Create freeze name over check_tmpdir/root as the CLI does; 0 or -1. */
static int create_over_root(struct db *db, const char *name, int closed,
                            const struct freeze_window *w)
{
    struct freeze_actor cli = {"cli:test", "https://gh.example", NOW};
    struct freeze_input in = {name, "test", "rel", closed, NULL, 0, {0}, NULL, 0};
    struct scan_root r;
    struct gh_error err;
    json_t *out = NULL;
    int created, rc;

    if (w)
        in.window = *w;
    if (open_root(&r, "root") != 0)
        return -1;
    rc = scan_tree(&r, NULL, 0, &in.artifacts, &in.nartifacts, &err);
    scan_root_close(&r);
    if (rc == 0)
        rc = freeze_create(db, &cli, &in, &out, &created, &err);
    json_decref(out);
    scan_artifacts_free(in.artifacts, in.nartifacts);
    return rc;
}

static json_t *verify(struct db *db, const struct config *cfg, const char *name, int64_t at)
{
    struct freeze_actor worker = {"worker", "https://gh.example", at};
    struct gh_error err;
    json_t *check = NULL;

    if (freeze_verify(db, cfg, &worker, "worker", name, NULL, NULL, &check, &err) != 0)
        check_fail(__FILE__, __LINE__, "freeze_verify: %s", err.message);
    return check;
}

static void creation_is_idempotent_and_never_changes(void)
{
    struct freeze_actor ada = {"ada", "https://gh.example", NOW};
    struct artifact a[] = {art("b.txt", 2, 20), art("a.txt", 1, 10)};
    struct freeze_input in = {"v1", "first", NULL, 0, NULL, 0, {0}, a, 2};
    const char *dup = NULL;
    struct gh_error err;
    struct db db;
    json_t *f = NULL;
    int created;

    CHECK_INT(manifest_sort(a, 2, &dup), 0);
    CHECK_STR(a[0].path, "a.txt");
    CHECK_INT(fixture_db(&db, "create.db"), 0);
    CHECK_INT(freeze_create(&db, &ada, &in, &f, &created, &err), 0);
    CHECK_INT(created, 1);
    CHECK_STR(state_of(f), "unverified");
    CHECK_INT(json_integer_value(json_object_get(f, "artifact_count")), 2);
    CHECK_INT(json_integer_value(json_object_get(f, "total_bytes")), 30);
    CHECK(json_is_null(json_object_get(f, "last_check")));
    json_decref(f);
    /* The same manifest again: the freeze as it stands, nothing written. */
    in.description = "another description";
    CHECK_INT(freeze_create(&db, &ada, &in, &f, &created, &err), 0);
    CHECK_INT(created, 0);
    CHECK_STR(json_string_value(json_object_get(f, "description")), "first");
    json_decref(f);
    /* Another manifest: refused. */
    a[1].size = 21;
    CHECK_INT(freeze_create(&db, &ada, &in, &f, &created, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK(f == NULL);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM freezes"), 1);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM freeze_artifacts"), 2);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM ledger WHERE kind = 'freeze.created'"), 1);
    /* Duplicates are found by the sort. */
    a[1] = art("a.txt", 3, 3);
    CHECK_INT(manifest_sort(a, 2, &dup), -1);
    CHECK_STR(dup, "a.txt");
    db_close(&db);
}

static void violations_are_recorded_once_and_restored(void)
{
    struct config cfg;
    struct ledger_check lc;
    struct gh_error err;
    struct db db;
    json_t *c, *f;

    put("root/registry.json", "{\"v\": 1}");
    put("root/schemas/event.json", "{}");
    put("root/CHANGELOG.md", "# 0.02\n");
    root_config(&cfg, "");
    CHECK_INT(fixture_db(&db, "verify.db"), 0);
    CHECK_INT(create_over_root(&db, "v0.02-final", 1, NULL), 0);

    c = verify(&db, &cfg, "v0.02-final", NOW + 1000);
    CHECK_STR(state_of(c), "intact");
    CHECK_INT(json_integer_value(json_object_get(c, "bytes_hashed")), 8 + 2 + 7);
    json_decref(c);

    /* One byte changed: one violation, told once however often it is checked. */
    put("root/CHANGELOG.md", "# 0.03\n");
    c = verify(&db, &cfg, "v0.02-final", NOW + 2000);
    CHECK_STR(state_of(c), "violated");
    CHECK_INT(json_integer_value(json_object_get(c, "modified")), 1);
    CHECK_INT(json_integer_value(json_object_get(c, "new_violations")), 1);
    json_decref(c);
    c = verify(&db, &cfg, "v0.02-final", NOW + 3000);
    CHECK_INT(json_integer_value(json_object_get(c, "new_violations")), 0);
    json_decref(c);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM events WHERE type = 'freeze.violated'"), 1);
    f = freeze_get(&db, "v0.02-final", NOW + 3000, &err);
    CHECK_STR(state_of(f), "violated");
    CHECK_INT(json_array_size(json_object_get(f, "violations")), 1);
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(f, "violations"), 0), "path")),
              "CHANGELOG.md");
    json_decref(f);

    /* Deleted, and a file added to the closed set: a new fact each. */
    rm_at("root/CHANGELOG.md");
    put("root/schemas/extra.json", "{}");
    c = verify(&db, &cfg, "v0.02-final", NOW + 4000);
    CHECK_INT(json_integer_value(json_object_get(c, "missing")), 1);
    CHECK_INT(json_integer_value(json_object_get(c, "unexpected")), 1);
    CHECK_INT(json_integer_value(json_object_get(c, "new_violations")), 2);
    json_decref(c);
    CHECK_INT(fixture_count(
                  &db, "SELECT count(*) FROM freeze_violations WHERE resolution = 'superseded'"),
              1);

    /* Put back as frozen: both close, freeze.restored each, and the freeze is intact. */
    put("root/CHANGELOG.md", "# 0.02\n");
    rm_at("root/schemas/extra.json");
    c = verify(&db, &cfg, "v0.02-final", NOW + 5000);
    CHECK_STR(state_of(c), "intact");
    CHECK_INT(json_integer_value(json_object_get(c, "restored")), 2);
    json_decref(c);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM events WHERE type = 'freeze.restored'"), 2);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM events WHERE type = 'freeze.violated'"), 3);
    CHECK_INT(
        fixture_count(&db, "SELECT count(*) FROM freeze_violations WHERE resolved_ms IS NULL"), 0);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM freeze_checks"), 5);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM ledger WHERE kind = 'freeze.checked'"), 5);
    CHECK_INT(ledger_verify(&db, &lc, NULL, &err), 0);
    CHECK(lc.ok);
    db_close(&db);
    config_free(&cfg);
}

static void a_missing_root_records_nothing(void)
{
    struct freeze_actor worker = {"worker", "https://gh.example", NOW};
    struct config cfg;
    struct gh_error err;
    struct db db;
    json_t *c = NULL;
    char path[600];

    put("root/a.txt", "a");
    root_config(&cfg, "");
    CHECK_INT(fixture_db(&db, "gone.db"), 0);
    CHECK_INT(create_over_root(&db, "v1", 0, NULL), 0);
    snprintf(path, sizeof(path), "rm -rf '%s/root'", check_tmpdir);
    CHECK_INT(system(path), 0);
    CHECK_INT(freeze_verify(&db, &cfg, &worker, "worker", "v1", NULL, NULL, &c, &err), -1);
    CHECK_CONTAINS(err.message, "cannot open the freeze root");
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM freeze_checks"), 0);
    c = freeze_get(&db, "v1", NOW, &err);
    CHECK_STR(state_of(c), "unverified");
    json_decref(c);
    db_close(&db);
    config_free(&cfg);
}

static void acknowledging_and_lifting(void)
{
    struct freeze_actor ada = {"ada", "https://gh.example", NOW + 10};
    struct freeze_window w = {1, NOW - HOUR, NOW + HOUR, 0};
    struct config cfg;
    struct gh_error err;
    struct db db;
    json_t *v = NULL, *f = NULL, *c;
    int in_effect;
    int64_t vid;

    put("root/a.txt", "a");
    root_config(&cfg, "");
    CHECK_INT(fixture_db(&db, "ack.db"), 0);
    CHECK_INT(create_over_root(&db, "v1", 0, &w), 0);
    CHECK_INT(freeze_window_in_effect(&db, NOW, &in_effect, &err), 0);
    CHECK_INT(in_effect, 1);
    CHECK_INT(freeze_window_in_effect(&db, NOW + HOUR, &in_effect, &err), 0);
    CHECK_INT(in_effect, 0);
    put("root/a.txt", "b");
    json_decref(verify(&db, &cfg, "v1", NOW + 5));
    vid = fixture_count(&db, "SELECT id FROM freeze_violations");
    CHECK_INT(freeze_ack(&db, &ada, "v1", vid, "known: hotfix 4711", &v, &err), 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "acknowledged"), "by")), "ada");
    json_decref(v);
    CHECK_INT(freeze_ack(&db, &ada, "v1", vid, "again", &v, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK_INT(freeze_ack(&db, &ada, "v1", vid + 100, "none", &v, &err), -1);
    CHECK_INT(err.kind, GH_NOT_FOUND);
    /* Acknowledged, it still stands (the file is still wrong), and is not told again. */
    c = verify(&db, &cfg, "v1", NOW + 20);
    CHECK_STR(state_of(c), "violated");
    CHECK_INT(json_integer_value(json_object_get(c, "new_violations")), 0);
    json_decref(c);

    CHECK_INT(freeze_lift(&db, &ada, "v1", &f, &err), 0);
    CHECK(json_is_false(json_object_get(f, "in_effect")));
    CHECK_STR(json_string_value(json_object_get(json_object_get(f, "window"), "phase")), "lifted");
    json_decref(f);
    CHECK_INT(freeze_window_in_effect(&db, NOW + 20, &in_effect, &err), 0);
    CHECK_INT(in_effect, 0);
    CHECK_INT(freeze_lift(&db, &ada, "v1", &f, &err), -1);
    CHECK_INT(err.kind, GH_CONFLICT);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM ledger WHERE kind IN ('freeze.lifted',"
                                 " 'freeze.violation_acknowledged')"),
              2);
    db_close(&db);
    config_free(&cfg);
}

static void reports_compare_complete_listings(void)
{
    struct freeze_actor ada = {"ada", "https://gh.example", NOW};
    struct freeze_actor guard = {"guardian", "https://gh.example", NOW + 100};
    struct artifact a[] = {art("a.txt", 1, 1), art("b.txt", 2, 2)};
    struct freeze_input in = {"ext", "", NULL, 0, NULL, 0, {0}, a, 2};
    char hex1[SHA256_HEX_LEN], hex9[SHA256_HEX_LEN];
    struct field_errors e = FIELD_ERRORS_INIT;
    struct freeze_report r;
    struct gh_error err;
    struct db db;
    json_t *body, *f = NULL;
    char *text;
    int created;

    sha256_hex(a[0].sha256, hex1);
    memset(hex9, '9', 64);
    hex9[64] = '\0';
    CHECK_INT(fixture_db(&db, "report.db"), 0);
    CHECK_INT(freeze_create(&db, &ada, &in, &f, &created, &err), 0);
    json_decref(f);
    /* a as frozen, b absent, c new. */
    body = json_pack("{s:s, s:[{s:s, s:s, s:i}, {s:s, s:s, s:i}]}", "checked_at",
                     "2026-11-18T00:00:00Z", "artifacts", "path", "c.txt", "sha256", hex9, "size",
                     3, "path", "a.txt", "sha256", hex1, "size", 1);
    CHECK_INT(freeze_report_parse(body, NOW, &r, &e), 0);
    CHECK_STR(r.listed[0].path, "a.txt");
    CHECK_INT(freeze_report_record(&db, &guard, "ext", &r, &f, &err), 0);
    CHECK_STR(state_of(f), "violated");
    CHECK_INT(json_integer_value(json_object_get(f, "open_violations")), 2);
    CHECK_STR(json_string_value(json_object_get(json_object_get(f, "last_check"), "source")),
              "report");
    json_decref(f);
    freeze_report_free(&r);
    json_decref(body);
    /* A listing with the same path twice, or a bad path, is refused. */
    body = json_pack("{s:[{s:s, s:s, s:i}, {s:s, s:s, s:i}]}", "artifacts", "path", "a.txt",
                     "sha256", hex1, "size", 1, "path", "../a.txt", "sha256", hex1, "size", 1);
    CHECK_INT(freeze_report_parse(body, NOW, &r, &e), -1);
    text = json_dumps(e.details, 0);
    CHECK_CONTAINS(text, "artifacts[1].path");
    free(text);
    freeze_report_free(&r);
    field_errors_free(&e);
    json_decref(body);
    db_close(&db);
}

/* ---- break-glass ---- */

static int64_t file(struct db *db, int tier, int64_t now, json_t **out)
{
    struct actor alice = {.username = "alice",
                          .roles = ROLE_REQUESTER,
                          .public_url = "https://gh.example",
                          .now_ms = now};
    struct approval_input in = {"deploy", "web", "", NULL, tier, NULL, 86400, NULL};
    struct gh_error err;
    json_t *a = NULL;
    int replayed;
    int64_t id = 0;

    if (approval_create(db, &alice, &in, NULL, &a, &replayed, &err) == 0)
        id = json_integer_value(json_object_get(a, "id"));
    if (out)
        *out = a;
    else
        json_decref(a);
    return id;
}

static const char *vote_as(struct db *db, const char *who, unsigned roles, int64_t id, int64_t now,
                           enum gh_kind *kind)
{
    static char status[16];
    struct actor voter = {
        .username = who, .roles = roles, .public_url = "https://gh.example", .now_ms = now};
    struct gh_error err = {0};
    json_t *a = NULL;

    *kind = GH_OK;
    if (approval_vote(db, &voter, id, 1, "", &a, &err) != 0) {
        *kind = err.kind;
        return "refused";
    }
    snprintf(status, sizeof(status), "%s", json_string_value(json_object_get(a, "status")));
    json_decref(a);
    return status;
}

static void break_glass_follows_the_windows(void)
{
    struct freeze_actor ada = {"ada", "https://gh.example", NOW};
    struct freeze_window w = {1, NOW, NOW + HOUR, 0};
    struct artifact a[] = {art("a.txt", 1, 1)};
    struct freeze_input in = {"win", "", NULL, 0, NULL, 0, {0}, a, 1};
    struct actor system = {.username = "system", .public_url = "https://gh.example", .now_ms = NOW};
    enum gh_kind kind;
    struct gh_error err;
    struct db db;
    json_t *f = NULL, *req = NULL;
    int64_t t1, t3, before;
    int created, changed, granted;

    in.window = w;
    CHECK_INT(fixture_db(&db, "bg.db"), 0);
    /* Without a window: tier 1 is granted on arrival, tier 3 needs two approvers only. */
    t1 = file(&db, 1, NOW - 10, &req);
    CHECK_STR(json_string_value(json_object_get(req, "status")), "approved");
    CHECK(json_is_false(json_object_get(req, "break_glass_required")));
    json_decref(req);
    before = file(&db, 3, NOW - 10, NULL);
    CHECK_INT(freeze_create(&db, &ada, &in, &f, &created, &err), 0);
    json_decref(f);

    /* During the window: tier 1 becomes tier 2 with break-glass. */
    t1 = file(&db, 1, NOW + 10, &req);
    CHECK_STR(json_string_value(json_object_get(req, "status")), "pending");
    CHECK_INT(json_integer_value(json_object_get(req, "tier")), 2);
    CHECK_INT(json_integer_value(json_object_get(req, "required_approvals")), 1);
    CHECK(json_is_true(json_object_get(req, "break_glass_required")));
    json_decref(req);
    CHECK_STR(vote_as(&db, "bob", ROLE_APPROVER, t1, NOW + 20, &kind), "pending");

    /* Tier 3 during the window: two approvers and an executive. */
    t3 = file(&db, 3, NOW + 10, NULL);
    CHECK_STR(vote_as(&db, "bob", ROLE_APPROVER, t3, NOW + 20, &kind), "pending");
    CHECK_STR(vote_as(&db, "carol", ROLE_APPROVER, t3, NOW + 30, &kind), "pending");
    CHECK_STR(vote_as(&db, "erin", ROLE_EXECUTIVE, t3, NOW + 40, &kind), "approved");

    /* A request filed before the window needs break-glass from its first vote in it. */
    CHECK_STR(vote_as(&db, "bob", ROLE_APPROVER, before, NOW + 50, &kind), "pending");
    CHECK_STR(vote_as(&db, "carol", ROLE_APPROVER, before, NOW + 60, &kind), "pending");
    CHECK_INT(fixture_count(
                  &db, "SELECT count(*) FROM ledger WHERE kind = 'approval.break_glass_required'"),
              1);

    /* The window ends: the worker releases what waited only for break-glass, and grants it. */
    system.now_ms = NOW + HOUR;
    CHECK_INT(approvals_sync_break_glass(&db, &system, 100, &changed, &granted, &err), 0);
    CHECK_INT(changed, 2); /* t1 (bob approved it) and before (bob and carol did) */
    CHECK_INT(granted, 2);
    CHECK_INT(fixture_count(&db, "SELECT count(*) FROM approvals WHERE status = 'pending'"), 0);
    CHECK_INT(approvals_sync_break_glass(&db, &system, 100, &changed, &granted, &err), 0);
    CHECK_INT(changed, 0);

    /* After the window an executive alone may not vote where no break-glass is needed. */
    t1 = file(&db, 2, NOW + HOUR + 10, NULL);
    CHECK_STR(vote_as(&db, "erin", ROLE_EXECUTIVE, t1, NOW + HOUR + 20, &kind), "refused");
    CHECK_INT(kind, GH_FORBIDDEN);
    db_close(&db);
}

static void lifting_releases_at_the_next_vote(void)
{
    struct freeze_actor ada = {"ada", "https://gh.example", NOW + 5};
    struct freeze_window w = {1, NOW, NOW + HOUR, 0};
    struct artifact a[] = {art("a.txt", 1, 1)};
    struct freeze_input in = {"win", "", NULL, 0, NULL, 0, w, a, 1};
    enum gh_kind kind;
    struct gh_error err;
    struct db db;
    json_t *f = NULL;
    int64_t t3;
    int created;

    CHECK_INT(fixture_db(&db, "lift.db"), 0);
    CHECK_INT(freeze_create(&db, &ada, &in, &f, &created, &err), 0);
    json_decref(f);
    t3 = file(&db, 3, NOW + 10, NULL);
    CHECK_STR(vote_as(&db, "bob", ROLE_APPROVER, t3, NOW + 20, &kind), "pending");
    ada.now_ms = NOW + 30;
    CHECK_INT(freeze_lift(&db, &ada, "win", &f, &err), 0);
    json_decref(f);
    /* The second approver's vote now grants it: no executive needed any more. */
    CHECK_STR(vote_as(&db, "carol", ROLE_APPROVER, t3, NOW + 40, &kind), "approved");
    CHECK_INT(fixture_count(
                  &db, "SELECT count(*) FROM ledger WHERE kind = 'approval.break_glass_released'"),
              1);
    db_close(&db);
}

static void the_banner_and_the_summary(void)
{
    struct freeze_actor ada = {"ada", "https://gh.example", NOW};
    struct freeze_window w = {1, NOW, NOW + HOUR, 0};
    struct artifact a[] = {art("a.txt", 1, 1)};
    struct freeze_input in = {"soon", "", NULL, 0, NULL, 0, w, a, 1};
    struct freeze_banner b;
    struct gh_error err;
    struct db db;
    json_t *f = NULL, *s;
    int created;

    CHECK_INT(fixture_db(&db, "banner.db"), 0);
    CHECK_INT(freeze_banner_get(&db, NOW, &b), 0);
    CHECK_INT(b.count, 0);
    CHECK_INT(freeze_create(&db, &ada, &in, &f, &created, &err), 0);
    json_decref(f);
    /* The creation moved the events epoch: the cached "none" is gone. */
    CHECK_INT(freeze_banner_get(&db, NOW - 1, &b), 0);
    CHECK_INT(b.count, 0);
    /* The window starting is a change of time, not of data. */
    CHECK_INT(freeze_banner_get(&db, NOW, &b), 0);
    CHECK_INT(b.count, 1);
    CHECK_STR(b.names[0], "soon");
    CHECK_STR(b.ends_at[0], "2026-11-18T12:06:40.000Z");
    CHECK_INT(freeze_banner_get(&db, NOW + HOUR, &b), 0);
    CHECK_INT(b.count, 0);
    s = freeze_summary(&db, NOW + 1, &err);
    CHECK_INT(json_integer_value(json_object_get(s, "total")), 1);
    CHECK_INT(json_integer_value(json_object_get(s, "unverified")), 1);
    CHECK(json_is_true(json_object_get(s, "in_effect")));
    CHECK_STR(json_string_value(json_object_get(
                  json_array_get(json_object_get(s, "in_effect_freezes"), 0), "name")),
              "soon");
    json_decref(s);
    s = freeze_status(&db, NOW + 1, &err);
    CHECK(json_is_true(json_object_get(s, "in_effect")));
    CHECK_INT(json_array_size(json_object_get(s, "freezes")), 1);
    json_decref(s);
    db_close(&db);
}

const struct unit_test freeze_tests[] = {
    {"freezes: artifact paths are relative and normalized", paths_are_relative_and_normalized},
    {"freezes: globs take names, paths and directories", globs_take_names_paths_and_directories},
    {"freezes: digests as hex", digests_read_and_write_as_hex},
    {"freezes: windows have phases and lift once", windows_have_phases_and_lift_once},
    {"freezes: comparing finds modified, missing, unexpected",
     comparing_finds_modified_missing_unexpected},
    {"freezes: a violation is told once and restored once",
     a_violation_is_told_once_and_restored_once},
    {"freezes: links out of the root are never followed", links_out_of_the_root_are_never_followed},
    {"freezes: hashes stream in chunks", hashes_stream_in_chunks},
    {"freezes: walks keep files and refuse escapes when creating",
     walks_keep_files_and_refuse_escapes_when_creating},
    {"freezes: strange names are refused or escaped", strange_names_are_refused_or_escaped},
    {"freezes: creation is idempotent and never changes", creation_is_idempotent_and_never_changes},
    {"freezes: violations are recorded once and restored",
     violations_are_recorded_once_and_restored},
    {"freezes: a missing root records nothing", a_missing_root_records_nothing},
    {"freezes: acknowledging and lifting", acknowledging_and_lifting},
    {"freezes: reports compare complete listings", reports_compare_complete_listings},
    {"freezes: break-glass follows the windows", break_glass_follows_the_windows},
    {"freezes: lifting releases break-glass at the next vote", lifting_releases_at_the_next_vote},
    {"freezes: the banner and the summary", the_banner_and_the_summary},
    {NULL, NULL},
};
