/* The ledger signing key (see signkey.h). */
#include "signkey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "gatehouse-ed25519-v1\n"
#define B64_LEN                                                                                    \
    sodium_base64_ENCODED_LEN(crypto_sign_SECRETKEYBYTES, sodium_base64_VARIANT_ORIGINAL)

int signkey_create(const char *path, int *created, struct gh_error *err)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    char text[sizeof(MAGIC) + B64_LEN + 1];
    int fd, rc = -1;
    size_t len;

    *created = 0;
    if (sodium_init() < 0)
        return gh_fail(err, GH_INTERNAL, "libsodium failed to initialise");
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return 0;
        return gh_fail(err, GH_INTERNAL, "cannot create signing key %s: %s", path, strerror(errno));
    }
    crypto_sign_keypair(pk, sk);
    memcpy(text, MAGIC, sizeof(MAGIC) - 1);
    sodium_bin2base64(text + sizeof(MAGIC) - 1, B64_LEN, sk, sizeof(sk),
                      sodium_base64_VARIANT_ORIGINAL);
    len = strlen(text);
    text[len++] = '\n';
    if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
        gh_fail(err, GH_INTERNAL, "cannot write signing key %s: %s", path, strerror(errno));
        unlink(path);
        goto out;
    }
    *created = 1;
    rc = 0;
out:
    close(fd);
    sodium_memzero(sk, sizeof(sk));
    sodium_memzero(text, sizeof(text));
    return rc;
}

int signkey_load(const char *path, struct signkey *key, struct gh_error *err)
{
    char text[sizeof(MAGIC) + B64_LEN + 8];
    size_t binlen = 0;
    struct stat st;
    ssize_t n;
    int fd, rc = -1;

    if (sodium_init() < 0)
        return gh_fail(err, GH_INTERNAL, "libsodium failed to initialise");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return gh_fail(err, GH_UNAVAILABLE, "cannot read signing key %s: %s", path,
                       strerror(errno));
    if (fstat(fd, &st) == 0 && (st.st_mode & 077)) {
        gh_fail(err, GH_UNAVAILABLE,
                "signing key %s is readable by others (mode %03o); run chmod 600 on it", path,
                (unsigned)(st.st_mode & 0777));
        goto out;
    }
    n = read(fd, text, sizeof(text) - 1);
    if (n < 0) {
        gh_fail(err, GH_UNAVAILABLE, "cannot read signing key %s: %s", path, strerror(errno));
        goto out;
    }
    text[n] = '\0';
    if (strncmp(text, MAGIC, sizeof(MAGIC) - 1) != 0 ||
        sodium_base642bin(key->secret, sizeof(key->secret), text + sizeof(MAGIC) - 1,
                          (size_t)n - (sizeof(MAGIC) - 1), "\n", &binlen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        binlen != sizeof(key->secret)) {
        gh_fail(err, GH_UNAVAILABLE, "signing key %s is not a Gatehouse Ed25519 key file", path);
        goto out;
    }
    crypto_sign_ed25519_sk_to_pk(key->public, key->secret);
    rc = 0;
out:
    sodium_memzero(text, sizeof(text));
    close(fd);
    return rc;
}

void signkey_wipe(struct signkey *key)
{
    sodium_memzero(key, sizeof(*key));
}
