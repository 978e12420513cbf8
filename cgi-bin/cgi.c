/*
 * Plain CGI: when a CGI server starts gatehouse.fcgi it answers the one
 * request in its environment and stdin, then exits. Tests use this to
 * exercise handlers without nginx.
 */
#include <stdio.h>

#include "app.h"

extern char **environ;

static long stdin_read(void *ctx, char *dst, size_t n)
{
    size_t got = fread(dst, 1, n, stdin);

    (void)ctx;
    if (got == 0)
        return ferror(stdin) ? -1 : 0;
    return (long)got;
}

static int stdout_write(void *ctx, const char *src, size_t n)
{
    (void)ctx;
    if (fwrite(src, 1, n, stdout) != n || fflush(stdout) != 0)
        return -1;
    return 0;
}

int cgi_serve_once(const struct app *app)
{
    static const struct http_io io = {stdin_read, stdout_write, NULL, NULL};
    struct thread_state t;

    thread_state_init(&t);
    dispatch(app, &t, environ, &io, NULL);
    thread_state_free(&t);
    return 0;
}
