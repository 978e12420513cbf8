/* The versioned schema (see migrations.h). */
#include "migrations.h"

const struct migration migrations[] = {
    {1, "schema_migrations",
     "CREATE TABLE schema_migrations ("
     "  version INTEGER PRIMARY KEY,"
     "  name TEXT NOT NULL,"
     "  applied_at TEXT NOT NULL"
     ") STRICT;"},
    {2, "identity: users, sessions, tokens, login failures, webhook sources",
     /* roles is a bit set: 1 viewer, 2 requester, 4 approver, 8 executive, 16 admin. */
     "CREATE TABLE users ("
     "  id INTEGER PRIMARY KEY,"
     "  username TEXT NOT NULL UNIQUE,"
     "  display_name TEXT NOT NULL,"
     "  password_hash TEXT,"
     "  roles INTEGER NOT NULL CHECK (roles BETWEEN 0 AND 31),"
     "  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL"
     ") STRICT;"
     "CREATE TABLE sessions ("
     "  id_hash BLOB PRIMARY KEY,"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     "  csrf TEXT NOT NULL,"
     "  created_ms INTEGER NOT NULL,"
     "  last_seen_ms INTEGER NOT NULL"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX sessions_by_user ON sessions(user_id);"
     "CREATE TABLE tokens ("
     "  id INTEGER PRIMARY KEY,"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  hash BLOB NOT NULL UNIQUE,"
     "  created_at TEXT NOT NULL,"
     "  last_used_ms INTEGER,"
     "  revoked_at TEXT"
     ") STRICT;"
     "CREATE TABLE login_failures ("
     "  scope TEXT NOT NULL,"
     "  at_ms INTEGER NOT NULL"
     ") STRICT;"
     "CREATE INDEX login_failures_by_scope ON login_failures(scope, at_ms);"
     "CREATE TABLE webhook_sources ("
     "  id INTEGER PRIMARY KEY,"
     "  name TEXT NOT NULL UNIQUE,"
     "  secret TEXT NOT NULL,"
     "  created_at TEXT NOT NULL"
     ") STRICT;"},
};

const size_t nmigrations = sizeof(migrations) / sizeof(migrations[0]);
