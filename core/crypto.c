/* Cryptography over libsodium (see crypto.h). */
#include "crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "log.h"

void random_token(char out[TOKEN_B64_LEN])
{
    unsigned char raw[32];

    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, TOKEN_B64_LEN, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void secret_hash(const char *secret, unsigned char out[SECRET_HASH_BYTES])
{
    crypto_generichash(out, SECRET_HASH_BYTES, (const unsigned char *)secret, strlen(secret), NULL,
                       0);
}

int secret_equal(const char *a, const char *b)
{
    size_t n = strlen(a);

    if (n != strlen(b))
        return 0;
    return sodium_memcmp(a, b, n) == 0;
}

int password_acceptable(const char *password, struct gh_error *err)
{
    size_t n = utf8_length(password);

    if (n < PASSWORD_MIN_CHARS || n > PASSWORD_MAX_CHARS)
        return gh_fail(err, GH_INVALID,
                       "a password must be %d to %d characters long (this one has %zu)",
                       PASSWORD_MIN_CHARS, PASSWORD_MAX_CHARS, n);
    return 0;
}

/*
 * A slot among as many as there are cores, held with flock on
 * "<prefix>-pwhash.<n>" so that it counts across processes. Returns the
 * open descriptor (close it to release), or -1 after 10 s of waiting.
 */
static int hash_slot_take(const char *prefix)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int64_t waited_ms = 0;

    if (cores < 1)
        cores = 1;
    for (;;) {
        for (long i = 0; i < cores; i++) {
            char path[4096];
            int fd;
            snprintf(path, sizeof(path), "%s-pwhash.%ld", prefix, i);
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
            if (fd < 0) {
                log_warn("cannot open %s: %s; hashing without a slot", path, strerror(errno));
                return -2;
            }
            if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                return fd;
            close(fd);
        }
        if (waited_ms >= 10000)
            return -1;
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
        waited_ms += 5;
    }
}

static void hash_slot_give(int fd)
{
    if (fd >= 0)
        close(fd);
}

int password_hash(const char *lock_prefix, const char *password, char out[crypto_pwhash_STRBYTES],
                  struct gh_error *err)
{
    int slot = hash_slot_take(lock_prefix);
    int rc;

    if (slot == -1)
        return gh_fail(err, GH_UNAVAILABLE, "too many password checks at once; try again");
    rc = crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE);
    hash_slot_give(slot);
    if (rc != 0)
        return gh_fail(err, GH_INTERNAL, "password hashing ran out of memory");
    return 0;
}

/* A hash of a password nobody knows, so that unknown users cost a login as much as known ones. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
    char pw[TOKEN_B64_LEN];

    random_token(pw);
    if (crypto_pwhash_str(dummy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        fatal("cannot compute the dummy password hash");
}

int password_verify(const char *lock_prefix, const char *hash, const char *password)
{
    int slot, ok;

    if (hash == NULL || *hash == '\0') {
        pthread_once(&dummy_once, make_dummy_hash);
        hash = dummy_hash;
        password = "";
    }
    slot = hash_slot_take(lock_prefix);
    if (slot == -1)
        return 0;
    ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 && hash != dummy_hash;
    hash_slot_give(slot);
    return ok;
}

int password_needs_rehash(const char *hash)
{
    return crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

void webhook_secret_new(char out[WEBHOOK_SECRET_LEN])
{
    unsigned char raw[32];

    randombytes_buf(raw, sizeof(raw));
    memcpy(out, "whsec_", 6);
    sodium_bin2base64(out + 6, WEBHOOK_SECRET_LEN - 6, raw, sizeof(raw),
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(raw, sizeof(raw));
}

/* HMAC-SHA256 of "id.timestamp.body" with the decoded secret, as base64. */
static int webhook_mac(const char *secret, const char *id, const char *timestamp, const char *body,
                       size_t body_len, char b64[64], struct gh_error *err)
{
    unsigned char key[128], mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    size_t keylen = 0;
    const char *enc = secret;

    if (strncmp(enc, "whsec_", 6) == 0)
        enc += 6;
    if (sodium_base642bin(key, sizeof(key), enc, strlen(enc), NULL, &keylen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        keylen == 0)
        return gh_fail(err, GH_INTERNAL, "the webhook secret is not whsec_ and base64");
    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)timestamp, strlen(timestamp));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(b64, 64, mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof(key));
    return 0;
}

int webhook_sign(const char *secret, const char *id, const char *timestamp, const char *body,
                 size_t body_len, char *out, size_t outlen, struct gh_error *err)
{
    char b64[64];

    if (webhook_mac(secret, id, timestamp, body, body_len, b64, err) != 0)
        return -1;
    snprintf(out, outlen, "v1,%s", b64);
    return 0;
}

int webhook_verify(const char *secret, const char *id, const char *timestamp, const char *body,
                   size_t body_len, const char *signatures, int64_t now_s, struct gh_error *err)
{
    char expected[64];
    const char *p;
    char *end;
    long long ts;

    if (id == NULL || *id == '\0' || strchr(id, '.') || timestamp == NULL || signatures == NULL)
        return gh_fail(err, GH_INVALID,
                       "webhook-id, webhook-timestamp and webhook-signature are required");
    errno = 0;
    ts = strtoll(timestamp, &end, 10);
    if (*timestamp == '\0' || *end != '\0' || errno || strchr(timestamp, '.'))
        return gh_fail(err, GH_INVALID, "webhook-timestamp must be whole seconds since the epoch");
    if (ts < now_s - 300 || ts > now_s + 300)
        return gh_fail(err, GH_INVALID, "webhook-timestamp is more than 5 minutes off");
    if (webhook_mac(secret, id, timestamp, body, body_len, expected, err) != 0)
        return -1;
    for (p = signatures; *p;) {
        const char *space = strchr(p, ' ');
        size_t n = space ? (size_t)(space - p) : strlen(p);
        if (n > 3 && strncmp(p, "v1,", 3) == 0 && n - 3 == strlen(expected) &&
            sodium_memcmp(p + 3, expected, n - 3) == 0)
            return 0;
        p += n;
        while (*p == ' ')
            p++;
    }
    return gh_fail(err, GH_INVALID, "no webhook signature matches");
}
