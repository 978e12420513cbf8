/* Shared unit-test fixtures (see fixtures.h). */
#include "fixtures.h"

#include <stdio.h>

#include "check.h"

int fixture_db(struct db *db, const char *name)
{
    struct db_options opt = {1, 5000, 1000};
    struct gh_error err;
    char path[400];
    int applied;

    snprintf(path, sizeof(path), "%s/%s", check_tmpdir, name);
    return db_open(db, path, &opt, &err) == 0 && db_migrate(db, &applied, &err) == 0 ? 0 : -1;
}

int64_t fixture_count(struct db *db, const char *sql)
{
    struct gh_error err;
    int64_t n;

    return db_int64(db, sql, -1, &n, &err, NULL) == 0 ? n : -1;
}

const char *fixture_fields(struct field_errors *e, char *out, size_t size)
{
    size_t i, used = 0;
    json_t *d;

    out[0] = '\0';
    json_array_foreach(e->details, i, d) used +=
        (size_t)snprintf(out + used, size - used, "%s%s", i ? "," : "",
                         json_string_value(json_object_get(d, "field")));
    return out;
}
