/*
 * gatehouse.fcgi — the web application.
 *
 *   gatehouse.fcgi [--config FILE] [--socket PATH]
 *
 * Started by a CGI server (GATEWAY_INTERFACE is set) it answers that one
 * request and exits. Started with a listening FastCGI socket as stdin
 * (spawn-fcgi, socket activation) it serves that socket. Otherwise it
 * creates the socket named by --socket or the configuration and serves it.
 */
#include <fcgiapp.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cli.h"
#include "../core/db.h"
#include "../core/log.h"
#include "../core/version.h"
#include "app.h"
#include "listen.h"

static void usage(FILE *to)
{
    fprintf(to, "usage: gatehouse.fcgi [--config FILE] [--socket PATH]\n"
                "  --config FILE  configuration (default: $GATEHOUSE_CONFIG, else "
                "/etc/gatehouse/gatehouse.conf)\n"
                "  --socket PATH  FastCGI unix socket to create (default: the configuration's "
                "socket)\n");
}

/*
 * Every FastCGI connection nginx holds open is a descriptor here, and the
 * pool serves any number of them (pool.c): take the whole hard limit
 * rather than the soft 1024, so that a burst never finds accept failing
 * for want of descriptors.
 */
static void raise_open_files_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
        return;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        log_warn("cannot raise the open-files limit to %llu", (unsigned long long)rl.rlim_max);
}

/* A CGI server expects an HTTP answer even when we cannot start. */
static int cgi_startup_failure(void)
{
    fputs("Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n"
          "internal error: the configuration does not load (see the server's error log)\n",
          stdout);
    return 1;
}

int main(int argc, char **argv)
{
    static struct app app;
    const char *config_path, *socket_path = NULL;
    int cgi = getenv("GATEWAY_INTERFACE") != NULL;
    struct gh_error err;
    int listen_fd, stream_fd, rc;

    log_init("app");
    config_path = cli_take_config(&argc, argv);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
            socket_path = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("gatehouse.fcgi %s\n", GATEHOUSE_VERSION);
            return 0;
        } else if (!cgi) {
            fprintf(stderr, "gatehouse.fcgi: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (config_path == NULL) {
        usage(stderr);
        return 2;
    }
    if (sodium_init() < 0)
        fatal("libsodium failed to initialise");
    /* Each request allocates and frees its page, its JSON and its template
     * dictionary. With glibc's defaults the thread arenas hand that memory
     * back (madvise) after nearly every request and fault it in again on the
     * next: in a profile of /approvals, madvise with its TLB flushes and the
     * page faults took several percent, and were gone with these settings.
     * Keep what a thread has used; big blocks stay in the heap. */
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    db_global_init();
    if (cli_load_config(config_path, &app.cfg) != 0)
        return cgi ? cgi_startup_failure() : 2;
    log_set_level(app.cfg.log_level);
    if (tpl_init(app.cfg.templates, &err) != 0) {
        log_error("%s", err.message);
        return cgi ? cgi_startup_failure() : 2;
    }
    /* Before any fork: every process counts into the same table. */
    if (metrics_init(&app) != 0)
        return cgi ? cgi_startup_failure() : 2;
    if (cgi)
        return cgi_serve_once(&app);

    if (FCGX_Init() != 0)
        fatal("FCGX_Init failed");
    raise_open_files_limit();
    if (!FCGX_IsCGI()) {
        listen_fd = 0;
        log_info("serving the FastCGI socket passed as stdin");
    } else {
        const char *path = socket_path ? socket_path : app.cfg.socket;
        listen_fd = listen_unix(path, app.cfg.socket_group, &err);
        if (listen_fd < 0) {
            log_error("%s", err.message);
            config_free(&app.cfg);
            return 2;
        }
        log_info("listening on %s", path);
        socket_path = path;
    }
    stream_fd = listen_unix(app.cfg.stream_socket, app.cfg.socket_group, &err);
    if (stream_fd < 0) {
        log_error("%s", err.message);
        if (listen_fd != 0)
            listen_unix_remove(socket_path);
        config_free(&app.cfg);
        return 2;
    }
    log_info("event streams on %s", app.cfg.stream_socket);
    rc = master_run(&app, listen_fd, stream_fd);
    listen_unix_remove(app.cfg.stream_socket);
    if (listen_fd != 0)
        listen_unix_remove(socket_path);
    config_free(&app.cfg);
    return rc;
}
