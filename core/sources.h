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
/* The secret of a source; GH_NOT_FOUND when there is none. */
int source_secret(struct db *db, const char *name, char secret_out[WEBHOOK_SECRET_LEN],
                  struct gh_error *err);

#endif
