/*
 * The versioned schema. Each migration runs once, in order, in its own
 * write transaction; PRAGMA user_version records the last one applied and
 * /readyz refuses to serve a database that is behind this build.
 * Never edit a released migration: add the next one.
 */
#ifndef GH_MIGRATIONS_H
#define GH_MIGRATIONS_H

#include <stddef.h>

struct db;
struct gh_error;

struct migration {
    int version;      /* 1, 2, 3... without gaps */
    const char *name; /* what it does, for the log and schema_migrations */
    const char *sql;  /* the statements */
    /* Then, in the same transaction, what SQL cannot do (NULL: nothing). */
    int (*fill)(struct db *db, struct gh_error *err);
};

extern const struct migration migrations[];
extern const size_t nmigrations;

#endif
