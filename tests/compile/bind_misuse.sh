#!/usr/bin/env bash
# A wrong bind must not compile. Each snippet below binds one value with the
# wrong maker (text where an integer belongs, and so on) and must be refused
# by the compiler with the project's warning flags; a correct snippet must
# compile, so that this check cannot pass because of a broken include path.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CC=${CC:-cc}
flags=(-std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE $(pkg-config --cflags sqlite3 jansson) -I"$repo/core" -fsyntax-only)
dir=$(mktemp -d /tmp/gatehouse-binds.XXXXXX)
trap 'rm -rf "$dir"' EXIT
status=0

compile() { # NAME BODY
    cat >"$dir/$1.c" <<C
#include "db.h"
int use(struct db *db, const char *name, int64_t n, const unsigned char hash[32], const char *signed_hash, double x);
int use(struct db *db, const char *name, int64_t n, const unsigned char hash[32], const char *signed_hash, double x)
{
    (void)name; (void)n; (void)hash; (void)signed_hash; (void)x;
    return $2;
}
C
    "$CC" "${flags[@]}" "$dir/$1.c" >"$dir/$1.out" 2>&1
}

if ! compile right 'db_run(db, "SELECT :a, :b, :c", NULL, NULL, BINDS(BIND_TEXT(":a", name), BIND_INT(":b", n), BIND_HASH(":c", hash), BIND_REAL(":d", x), BIND_INT(":e", (int)x)))'; then
    echo "FAIL a correct bind does not compile:"; cat "$dir/right.out"; status=1
fi
wrong=(
    'db_run(db, "SELECT :a", NULL, NULL, BINDS(BIND_TEXT(":a", n)))'
    'db_run(db, "SELECT :a", NULL, NULL, BINDS(BIND_INT(":a", name)))'
    'db_run(db, "SELECT :a", NULL, NULL, BINDS(BIND_HASH(":a", n)))'
    'db_run(db, "SELECT :a", NULL, NULL, BINDS(BIND_HASH(":a", signed_hash)))'
    'db_write(db, "SELECT :a", NULL, NULL, NULL, BINDS(BIND_INT(":a", hash)))'
    'db_run(db, "SELECT :a", NULL, NULL, ":a", name)'
    'db_run(db, "SELECT :a", NULL, NULL, BINDS(BIND_INT(":a", x)))'
    'db_run(db, "SELECT :a", NULL, NULL, BINDS(BIND_INT(":a", 0.5)))'
    'db_run(db, "SELECT :a", NULL, NULL, BINDS(BIND_REAL(":a", name)))'
)
for i in "${!wrong[@]}"; do
    if compile "wrong$i" "${wrong[$i]}"; then
        echo "FAIL this wrong bind compiles: ${wrong[$i]}"; status=1
    fi
done
((status == 0)) && echo "binds: ${#wrong[@]} wrong binds refused by the compiler, the right one compiles"
exit $status
