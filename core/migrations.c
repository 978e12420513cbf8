/* The versioned schema (see migrations.h). */
#include "migrations.h"

const struct migration migrations[] = {
    {1, "schema_migrations",
     "CREATE TABLE schema_migrations ("
     "  version INTEGER PRIMARY KEY,"
     "  name TEXT NOT NULL,"
     "  applied_at TEXT NOT NULL"
     ") STRICT;"},
};

const size_t nmigrations = sizeof(migrations) / sizeof(migrations[0]);
