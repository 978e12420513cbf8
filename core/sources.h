/*
 * Inbound webhook sources: a name and a Standard Webhooks secret
 * ("whsec_..."), printed once when created. The secret is kept as it is,
 * because verifying an HMAC needs the key itself; protect the database file
 * accordingly (mode 0660, owner gatehouse).
 */
#ifndef GH_SOURCES_H
#define GH_SOURCES_H

#include "crypto.h"
#include "db.h"

/* Create a source ("source.added" in the ledger); GH_CONFLICT if the name is taken. */
int source_add(struct db *db, const char *actor, const char *name,
               char secret_out[WEBHOOK_SECRET_LEN], int64_t *id, struct gh_error *err);

/*
 * Find the registered source whose secret signed this Standard Webhooks
 * delivery; name_out (64 bytes) receives its name. GH_INVALID with the
 * reason when the headers are malformed or stale, or no source's secret
 * matches.
 */
int source_verify(struct db *db, const char *webhook_id, const char *timestamp, const char *body,
                  size_t body_len, const char *signatures, int64_t now_s, char name_out[65],
                  struct gh_error *err);

#endif
