/* config_seal.c: passphrase encryption of the passwords in an exported
 * configuration (scrypt + AES-256-GCM).
 *
 * The cost parameters travel in the document, so a later version may
 * raise them; the bounds on what an import accepts keep a crafted
 * document from asking for gigabytes of scrypt memory. */
#include "config_seal.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_codec.h"

#define SEAL_KEY 32
#define SEAL_SALT 16
#define SEAL_NONCE 12
#define SEAL_TAG 16
#define SEAL_MAX_PLAIN 1024
#define SEAL_CHECK "hikgate-config"
#define SEAL_DEFAULT_LOG_N 15
#define SEAL_MAX_LOG_N 20

struct gw_seal {
    uint8_t key[SEAL_KEY];
};

static hik_err seal__derive(const char *pass, const uint8_t *salt, size_t salt_len, uint64_t n,
                            uint64_t r, uint64_t p, gw_seal **out)
{
    size_t plen = strlen(pass);
    if (plen < GW_SEAL_PASSPHRASE_MIN || plen > GW_SEAL_PASSPHRASE_MAX)
        return HIK_ERR_INVALID;
    gw_seal *s = calloc(1, sizeof *s);
    if (!s)
        return HIK_ERR_NOMEM;
    uint64_t maxmem = 128 * r * n + 128 * r * p + (1u << 20);
    if (!EVP_PBE_scrypt(pass, plen, salt, salt_len, n, r, p, maxmem, s->key, SEAL_KEY)) {
        free(s);
        return HIK_ERR_IO;
    }
    *out = s;
    return HIK_OK;
}

void gw_seal_free(gw_seal *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s->key, sizeof s->key);
    free(s);
}

/* AES-256-GCM of in (len bytes) with aad; out holds nonce|tag|ct. */
static hik_err seal__gcm(const gw_seal *s, bool enc, const char *aad, uint8_t *nonce, uint8_t *tag,
                         const uint8_t *in, size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ok = c != NULL;
    ok = ok && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc);
    ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE, NULL);
    ok = ok && EVP_CipherInit_ex(c, NULL, NULL, s->key, nonce, enc);
    ok = ok && EVP_CipherUpdate(c, NULL, &n, (const uint8_t *)aad, (int)strlen(aad));
    ok = ok && EVP_CipherUpdate(c, out, &n, in, (int)len);
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG, tag);
    int fin = ok && EVP_CipherFinal_ex(c, out + n, &n);
    if (fin && enc)
        fin = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG, tag);
    EVP_CIPHER_CTX_free(c);
    if (!ok)
        return HIK_ERR_IO;
    return fin ? HIK_OK : HIK_ERR_AUTH;
}

hik_err gw_seal_encrypt(gw_seal *s, const char *name, const char *plaintext, char **out)
{
    size_t len = strlen(plaintext);
    if (len > SEAL_MAX_PLAIN)
        return HIK_ERR_TOO_BIG;
    uint8_t buf[SEAL_NONCE + SEAL_TAG + SEAL_MAX_PLAIN];
    if (RAND_bytes(buf, SEAL_NONCE) != 1)
        return HIK_ERR_IO;
    hik_err err = seal__gcm(s, true, name, buf, buf + SEAL_NONCE, (const uint8_t *)plaintext, len,
                            buf + SEAL_NONCE + SEAL_TAG);
    if (!err && !(*out = api_b64_encode_alloc(buf, SEAL_NONCE + SEAL_TAG + len)))
        err = HIK_ERR_NOMEM;
    OPENSSL_cleanse(buf, sizeof buf);
    return err;
}

hik_err gw_seal_decrypt(gw_seal *s, const char *name, const char *sealed, char **plaintext)
{
    uint8_t buf[SEAL_NONCE + SEAL_TAG + SEAL_MAX_PLAIN];
    size_t len = 0;
    if (!sealed || api_b64_decode(sealed, strlen(sealed), buf, sizeof buf, &len) ||
        len < SEAL_NONCE + SEAL_TAG)
        return HIK_ERR_PARSE;
    size_t plen = len - SEAL_NONCE - SEAL_TAG;
    char *p = malloc(plen + 1);
    if (!p)
        return HIK_ERR_NOMEM;
    hik_err err = seal__gcm(s, false, name, buf, buf + SEAL_NONCE, buf + SEAL_NONCE + SEAL_TAG,
                            plen, (uint8_t *)p);
    p[plen] = '\0';
    if (err || memchr(p, '\0', plen)) {
        OPENSSL_cleanse(p, plen);
        free(p);
        return err ? err : HIK_ERR_PARSE;
    }
    *plaintext = p;
    return HIK_OK;
}

hik_err gw_seal_new(const char *passphrase, gw_seal **out, json_t **params)
{
    uint8_t salt[SEAL_SALT];
    char salt_b64[64];
    char *check = NULL;
    if (RAND_bytes(salt, sizeof salt) != 1)
        return HIK_ERR_IO;
    hik_err err = seal__derive(passphrase, salt, sizeof salt, 1u << SEAL_DEFAULT_LOG_N, 8, 1, out);
    if (!err)
        err = api_b64_encode(salt, sizeof salt, salt_b64, sizeof salt_b64);
    if (!err)
        err = gw_seal_encrypt(*out, "", SEAL_CHECK, &check);
    if (err) {
        gw_seal_free(*out);
        *out = NULL;
        return err;
    }
    *params =
        json_pack("{s:s,s:i,s:i,s:i,s:s,s:s,s:s}", "kdf", "scrypt", "n", 1 << SEAL_DEFAULT_LOG_N,
                  "r", 8, "p", 1, "salt", salt_b64, "cipher", "aes-256-gcm", "check", check);
    free(check);
    return HIK_OK;
}

hik_err gw_seal_open(const char *passphrase, json_t *params, gw_seal **out)
{
    json_int_t n = json_integer_value(json_object_get(params, "n"));
    json_int_t r = json_integer_value(json_object_get(params, "r"));
    json_int_t p = json_integer_value(json_object_get(params, "p"));
    const char *kdf = json_string_value(json_object_get(params, "kdf"));
    const char *cipher = json_string_value(json_object_get(params, "cipher"));
    const char *salt_b64 = json_string_value(json_object_get(params, "salt"));
    const char *check = json_string_value(json_object_get(params, "check"));
    uint8_t salt[64];
    size_t salt_len = 0;
    bool pow2 = n >= 1024 && n <= (1 << SEAL_MAX_LOG_N) && (n & (n - 1)) == 0;
    if (!kdf || strcmp(kdf, "scrypt") != 0 || !cipher || strcmp(cipher, "aes-256-gcm") != 0 ||
        !pow2 || r < 1 || r > 16 || p < 1 || p > 4 || !salt_b64 || !check ||
        api_b64_decode(salt_b64, strlen(salt_b64), salt, sizeof salt, &salt_len) || salt_len < 8)
        return HIK_ERR_PARSE;
    hik_err err =
        seal__derive(passphrase, salt, salt_len, (uint64_t)n, (uint64_t)r, (uint64_t)p, out);
    if (err)
        return err == HIK_ERR_INVALID ? HIK_ERR_AUTH : err;
    char *plain = NULL;
    err = gw_seal_decrypt(*out, "", check, &plain);
    if (!err && strcmp(plain, SEAL_CHECK) != 0)
        err = HIK_ERR_AUTH;
    free(plain);
    if (err) {
        gw_seal_free(*out);
        *out = NULL;
    }
    return err;
}
