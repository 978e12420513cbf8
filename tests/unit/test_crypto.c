/* Tokens, passwords and Standard Webhooks signatures. */
#include <stdlib.h>

#include "../../core/crypto.h"
#include "../../core/users.h"
#include "check.h"

/* The Standard Webhooks specification's published example. */
static const char spec_secret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const char spec_id[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
static const char spec_ts[] = "1614265330";
static const char spec_body[] = "{\"test\": 2432232314}";
static const char spec_sig[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

static int verify(const char *secret, const char *id, const char *ts, const char *sigs, int64_t now,
                  struct gh_error *err)
{
    return webhook_verify(secret, id, ts, spec_body, strlen(spec_body), sigs, now, err);
}

static void webhook_signature_matches_the_spec_vector(void)
{
    struct gh_error err;
    char sig[80];

    CHECK_INT(verify(spec_secret, spec_id, spec_ts, spec_sig, 1614265330, &err), 0);
    CHECK_INT(webhook_sign(spec_secret, spec_id, spec_ts, spec_body, strlen(spec_body), sig,
                           sizeof(sig), &err),
              0);
    CHECK_STR(sig, spec_sig);
}

static void webhook_signature_refusals(void)
{
    struct gh_error err;
    char other[WEBHOOK_SECRET_LEN];
    char several[256];

    webhook_secret_new(other);
    CHECK(strncmp(other, "whsec_", 6) == 0 && strlen(other) == WEBHOOK_SECRET_LEN - 1);
    CHECK_INT(verify(other, spec_id, spec_ts, spec_sig, 1614265330, &err), -1);
    CHECK_CONTAINS(err.message, "no webhook signature matches");
    /* 300 s either way is accepted, 301 is not. */
    CHECK_INT(verify(spec_secret, spec_id, spec_ts, spec_sig, 1614265330 + 300, &err), 0);
    CHECK_INT(verify(spec_secret, spec_id, spec_ts, spec_sig, 1614265330 - 300, &err), 0);
    CHECK_INT(verify(spec_secret, spec_id, spec_ts, spec_sig, 1614265330 + 301, &err), -1);
    CHECK_CONTAINS(err.message, "5 minutes");
    CHECK_INT(verify(spec_secret, spec_id, spec_ts, spec_sig, 1614265330 - 301, &err), -1);
    /* Malformed headers. */
    CHECK_INT(verify(spec_secret, "msg.1", spec_ts, spec_sig, 1614265330, &err), -1);
    CHECK_INT(verify(spec_secret, spec_id, "1614265330.5", spec_sig, 1614265330, &err), -1);
    CHECK_INT(verify(spec_secret, spec_id, "soon", spec_sig, 1614265330, &err), -1);
    CHECK_INT(verify(spec_secret, spec_id, spec_ts, "", 1614265330, &err), -1);
    CHECK_INT(verify(spec_secret, spec_id, spec_ts, spec_sig + 3, 1614265330, &err), -1);
    CHECK_INT(verify(spec_secret, spec_id, spec_ts,
                     "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", 1614265330, &err),
              -1);
    CHECK_INT(verify(spec_secret, NULL, spec_ts, spec_sig, 1614265330, &err), -1);
    /* A body changed by one byte. */
    CHECK_INT(webhook_verify(spec_secret, spec_id, spec_ts, "{\"test\": 2432232315}",
                             strlen(spec_body), spec_sig, 1614265330, &err),
              -1);
    /* Several signatures (key rotation): any valid one passes. */
    snprintf(several, sizeof(several), "v1,AAAA v1,bm90IGl0 %s v1a,x", spec_sig);
    CHECK_INT(verify(spec_secret, spec_id, spec_ts, several, 1614265330, &err), 0);
    snprintf(several, sizeof(several), "v1,AAAA  v1,bm90IGl0");
    CHECK_INT(verify(spec_secret, spec_id, spec_ts, several, 1614265330, &err), -1);
}

static void tokens_are_256_bit_base64url(void)
{
    char a[TOKEN_B64_LEN], b[TOKEN_B64_LEN];
    unsigned char h1[SECRET_HASH_BYTES], h2[SECRET_HASH_BYTES];

    random_token(a);
    random_token(b);
    CHECK_INT(strlen(a), 43);
    CHECK(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43);
    CHECK(strcmp(a, b) != 0);
    secret_hash(a, h1);
    secret_hash(a, h2);
    CHECK(memcmp(h1, h2, sizeof(h1)) == 0);
    secret_hash(b, h2);
    CHECK(memcmp(h1, h2, sizeof(h1)) != 0);
    CHECK(secret_equal("abc", "abc"));
    CHECK(!secret_equal("abc", "abd"));
    CHECK(!secret_equal("abc", "abcd"));
}

static void passwords_hash_verify_and_rehash(void)
{
    char prefix[300], hash[crypto_pwhash_STRBYTES], weak[crypto_pwhash_STRBYTES];
    struct gh_error err;
    char long_pw[200];

    snprintf(prefix, sizeof(prefix), "%s/db", check_tmpdir);
    CHECK_INT(password_acceptable("elevenchars", &err), -1);
    CHECK_CONTAINS(err.message, "12 to 128 characters");
    CHECK_INT(password_acceptable("twelve chars", &err), 0);
    /* Characters, not bytes: 12 two-byte characters are enough. */
    CHECK_INT(password_acceptable("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                                  &err),
              0);
    memset(long_pw, 'x', 129);
    long_pw[129] = '\0';
    CHECK_INT(password_acceptable(long_pw, &err), -1);
    long_pw[128] = '\0';
    CHECK_INT(password_acceptable(long_pw, &err), 0);

    CHECK_INT(password_hash(prefix, "correct horse battery", hash, &err), 0);
    CHECK(strncmp(hash, "$argon2id$", 10) == 0);
    CHECK(password_verify(prefix, hash, "correct horse battery"));
    CHECK(!password_verify(prefix, hash, "correct horse battery!"));
    CHECK(!password_verify(prefix, NULL, ""));
    CHECK(!password_verify(prefix, "", "anything"));
    CHECK(!password_needs_rehash(hash));
    /* A hash made with weaker parameters is upgraded on the next login. */
    CHECK_INT(
        crypto_pwhash_str(weak, "pw", 2, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN),
        0);
    CHECK(password_needs_rehash(weak));
}

static void roles_parse_and_format(void)
{
    struct gh_error err;
    struct buf out = BUF_INIT;
    unsigned roles;
    json_t *j;
    char *text;

    CHECK_INT(roles_parse("approver,executive", &roles, &err), 0);
    CHECK_INT(roles, ROLE_APPROVER | ROLE_EXECUTIVE);
    roles_format(roles, &out);
    CHECK_STR(buf_str(&out), "approver,executive");
    j = roles_json(ROLE_VIEWER | ROLE_ADMIN);
    text = json_dumps(j, JSON_COMPACT);
    CHECK_STR(text, "[\"viewer\",\"admin\"]");
    free(text);
    json_decref(j);
    CHECK_INT(roles_parse("approver,boss", &roles, &err), -1);
    CHECK_CONTAINS(err.message, "unknown role 'boss'");
    CHECK_INT(roles_parse("", &roles, &err), -1);
    CHECK(valid_username("alice.b-1_x"));
    CHECK(!valid_username("_alice"));
    CHECK(!valid_username("al ice"));
    CHECK(!valid_username(""));
    buf_free(&out);
}

const struct unit_test crypto_tests[] = {
    {"crypto: Standard Webhooks spec vector", webhook_signature_matches_the_spec_vector},
    {"crypto: webhook wrong secret, stale/future, malformed, several", webhook_signature_refusals},
    {"crypto: tokens are 256-bit base64url; hashes; constant-time equal",
     tokens_are_256_bit_base64url},
    {"crypto: passwords 12..128 chars, Argon2id, rehash", passwords_hash_verify_and_rehash},
    {"users: roles parse and format; username shape", roles_parse_and_format},
    {NULL, NULL},
};
