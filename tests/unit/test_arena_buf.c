/* The arena and the growable buffer. */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../core/arena.h"
#include "../../core/buf.h"
#include "check.h"

static void buf_appends_and_stays_terminated(void)
{
    struct buf b = BUF_INIT;

    CHECK_STR(buf_str(&b), "");
    buf_puts(&b, "abc");
    buf_printf(&b, "-%d-", 42);
    buf_append(&b, "\0z", 2);
    CHECK_INT(b.len, 9);
    CHECK(memcmp(b.data, "abc-42-\0z", 9) == 0);
    CHECK_INT(b.data[b.len], 0);
    for (int i = 0; i < 10000; i++)
        buf_putc(&b, 'x');
    CHECK_INT(b.len, 10009);
    buf_reset(&b);
    CHECK_STR(buf_str(&b), "");
    buf_free(&b);
}

static void buf_detach_hands_over(void)
{
    struct buf b = BUF_INIT;
    char *s;

    buf_puts(&b, "mine");
    s = buf_detach(&b);
    CHECK_STR(s, "mine");
    CHECK(b.data == NULL && b.len == 0);
    free(s);
}

static void arena_aligns_and_resets(void)
{
    struct arena a = ARENA_INIT;
    char *big;

    for (int i = 0; i < 1000; i++) {
        void *p = arena_alloc(&a, (size_t)(i % 37) + 1);
        CHECK(((uintptr_t)p % alignof(max_align_t)) == 0);
    }
    big = arena_alloc(&a, 100000);
    memset(big, 'x', 100000);
    CHECK_STR(arena_strndup(&a, "hello world", 5), "hello");
    arena_reset(&a);
    CHECK(a.used == 0);
    CHECK_STR(arena_strdup(&a, "again"), "again");
    arena_free(&a);
    CHECK(a.head == NULL);
}

const struct unit_test arena_buf_tests[] = {
    {"buf: appends and stays NUL-terminated", buf_appends_and_stays_terminated},
    {"buf: detach hands the allocation over", buf_detach_hands_over},
    {"arena: aligned allocations, big ones, reset", arena_aligns_and_resets},
    {NULL, NULL},
};
