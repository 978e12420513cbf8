/*
 * The ledger's Ed25519 signing key, kept in one file readable only by its
 * owner: the line "gatehouse-ed25519-v1", then the 64-byte secret key in
 * base64. `gatehouse init` creates it; the worker signs checkpoints with it;
 * /readyz checks that it loads. The key itself is never logged.
 */
#ifndef GH_SIGNKEY_H
#define GH_SIGNKEY_H

#include <sodium.h>

#include "error.h"

struct signkey {
    unsigned char secret[crypto_sign_SECRETKEYBYTES]; /* secret key (includes the public half) */
    unsigned char public[crypto_sign_PUBLICKEYBYTES]; /* public key, shared freely */
};

/* Create the key file if it does not exist. *created tells whether it did. */
int signkey_create(const char *path, int *created, struct gh_error *err);
/* Read and check the key file. */
int signkey_load(const char *path, struct signkey *key, struct gh_error *err);
/* Forget the secret. */
void signkey_wipe(struct signkey *key);

#endif
