/*
 * What several unit-test files need: a migrated database in the test's
 * scratch directory, a count read from it, and the fields a validation
 * error names.
 */
#ifndef GH_TEST_FIXTURES_H
#define GH_TEST_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "../../core/db.h"
#include "../../core/json.h"

/* Create check_tmpdir/name and migrate it; 0 when it opened. */
int fixture_db(struct db *db, const char *name);
/* The first column of the first row sql gives (a count); -1 when it fails. */
int64_t fixture_count(struct db *db, const char *sql);
/* The fields e names, comma-joined into out, for comparing with CHECK_STR. */
const char *fixture_fields(struct field_errors *e, char *out, size_t size);

#endif
