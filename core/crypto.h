/*
 * The cryptography Gatehouse does, over libsodium: random tokens, hashes of
 * secrets, Argon2id passwords, constant-time comparison, and Standard
 * Webhooks signatures.
 */
#ifndef GH_CRYPTO_H
#define GH_CRYPTO_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Bytes of a secret hash (BLAKE2b-256), as stored for sessions and tokens. */
#define SECRET_HASH_BYTES 32
/* base64url (no padding) of 32 random bytes, plus NUL. */
#define TOKEN_B64_LEN 44

/* Fill out with base64url (no padding) of 32 bytes from the CSPRNG. */
void random_token(char out[TOKEN_B64_LEN]);
/* Hash a high-entropy secret (a token, a session id) for storage. */
void secret_hash(const char *secret, unsigned char out[SECRET_HASH_BYTES]);
/* Constant-time equality of two NUL-terminated strings (length leaks, content does not). */
int secret_equal(const char *a, const char *b);

/* Passwords are 12..128 characters. */
#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_CHARS 128

/* Check a new password's length; err says what is expected. */
int password_acceptable(const char *password, struct gh_error *err);
/*
 * Hash with Argon2id (crypto_pwhash_str, interactive limits). At most as
 * many hashes run at once as the machine has cores, across every process
 * sharing lock_prefix ("<database>"), so a burst of logins cannot exhaust
 * memory or starve requests.
 */
int password_hash(const char *lock_prefix, const char *password, char out[crypto_pwhash_STRBYTES],
                  struct gh_error *err);
/* 1 when password matches hash, 0 otherwise (also for an empty or malformed hash). */
int password_verify(const char *lock_prefix, const char *hash, const char *password);
/* Whether hash was made with other parameters than password_hash() uses now. */
int password_needs_rehash(const char *hash);

/* Standard Webhooks: "whsec_" + base64 of 32 random bytes. */
#define WEBHOOK_SECRET_LEN 51
void webhook_secret_new(char out[WEBHOOK_SECRET_LEN]);
/*
 * Verify a Standard Webhooks v1 signature header (space-separated
 * "v1,<base64>" entries; any valid one passes) over "id.timestamp.body"
 * with secret ("whsec_<base64>"). The timestamp must be within 300 s of
 * now_s either way; id and timestamp must not contain '.'. Returns 0, or
 * -1 with err saying what is wrong (never which byte differed).
 */
int webhook_verify(const char *secret, const char *id, const char *timestamp, const char *body,
                   size_t body_len, const char *signatures, int64_t now_s, struct gh_error *err);
/* Sign "id.timestamp.body": writes "v1,<base64>" into out (at least 64 bytes). */
int webhook_sign(const char *secret, const char *id, const char *timestamp, const char *body,
                 size_t body_len, char *out, size_t outlen, struct gh_error *err);

#endif
