/* secrets.c: AES-256-GCM sealing of device passwords under a key file.
 *
 * Every seal draws a fresh 96-bit nonce, so sealing the same password twice
 * gives different strings. The GCM tag makes a modified value fail to open
 * rather than decrypt to garbage. */
#include "secrets.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16
#define MAX_SECRET 1024

struct gw_secrets {
    unsigned char key[KEY_LEN];
};

static hik_err secrets__create_key(const char *path, unsigned char *key, char *err, size_t err_len)
{
    if (RAND_bytes(key, KEY_LEN) != 1) {
        snprintf(err, err_len, "no randomness for the secret key");
        return HIK_ERR_IO;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, err_len, "create %s: %s", path, strerror(errno));
        return HIK_ERR_IO;
    }
    bool ok = write(fd, key, KEY_LEN) == KEY_LEN && fsync(fd) == 0;
    int saved = errno;
    close(fd);
    if (!ok) {
        unlink(path);
        snprintf(err, err_len, "write %s: %s", path, strerror(saved));
        return HIK_ERR_IO;
    }
    return HIK_OK;
}

hik_err gw_secrets_open_path(const char *path, bool create, gw_secrets **out, char *err,
                             size_t err_len)
{
    *out = NULL;
    gw_secrets *s = calloc(1, sizeof *s);
    if (!s)
        return HIK_ERR_NOMEM;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        hik_err res = secrets__create_key(path, s->key, err, err_len);
        if (res) {
            free(s);
            return res;
        }
        *out = s;
        return HIK_OK;
    }
    if (fd < 0) {
        snprintf(err, err_len, "open %s: %s", path, strerror(errno));
        free(s);
        return HIK_ERR_IO;
    }
    struct stat sb;
    ssize_t n = -1;
    if (fstat(fd, &sb) == 0 && sb.st_size == KEY_LEN)
        n = read(fd, s->key, KEY_LEN);
    close(fd);
    if (n != KEY_LEN) {
        snprintf(err, err_len, "%s: not a %d-byte key file", path, KEY_LEN);
        gw_secrets_close(s);
        return HIK_ERR_IO;
    }
    if (sb.st_mode & 077)
        chmod(path, 0600);
    *out = s;
    return HIK_OK;
}

hik_err gw_secrets_open(const char *data_dir, gw_secrets **out, char *err, size_t err_len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/secret.key", data_dir);
    return gw_secrets_open_path(path, true, out, err, err_len);
}

void gw_secrets_close(gw_secrets *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s->key, sizeof s->key);
    free(s);
}

hik_err gw_secrets_seal(gw_secrets *s, const char *plaintext, char **sealed)
{
    *sealed = NULL;
    size_t len = strlen(plaintext);
    if (len > MAX_SECRET)
        return HIK_ERR_TOO_BIG;
    unsigned char buf[NONCE_LEN + TAG_LEN + MAX_SECRET];
    unsigned char *nonce = buf, *tag = buf + NONCE_LEN, *ct = buf + NONCE_LEN + TAG_LEN;
    if (RAND_bytes(nonce, NONCE_LEN) != 1)
        return HIK_ERR_IO;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return HIK_ERR_NOMEM;
    int outl = 0, fin = 0;
    bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, s->key, nonce) == 1 &&
              EVP_EncryptUpdate(ctx, ct, &outl, (const unsigned char *)plaintext, (int)len) == 1 &&
              EVP_EncryptFinal_ex(ctx, ct + outl, &fin) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return HIK_ERR_IO;
    size_t total = NONCE_LEN + TAG_LEN + (size_t)outl + (size_t)fin;
    char *out = malloc(3 + 4 * ((total + 2) / 3) + 1);
    if (!out)
        return HIK_ERR_NOMEM;
    memcpy(out, "v1:", 3);
    EVP_EncodeBlock((unsigned char *)out + 3, buf, (int)total);
    OPENSSL_cleanse(buf, sizeof buf);
    *sealed = out;
    return HIK_OK;
}

hik_err gw_secrets_unseal(gw_secrets *s, const char *sealed, char **plaintext)
{
    *plaintext = NULL;
    size_t slen = strlen(sealed);
    if (slen < 3 || memcmp(sealed, "v1:", 3) != 0 ||
        slen - 3 > 4 * ((NONCE_LEN + TAG_LEN + MAX_SECRET + 2) / 3))
        return HIK_ERR_PARSE;
    unsigned char buf[NONCE_LEN + TAG_LEN + MAX_SECRET + 3];
    int n = EVP_DecodeBlock(buf, (const unsigned char *)sealed + 3, (int)(slen - 3));
    if (n < 0)
        return HIK_ERR_PARSE;
    /* EVP_DecodeBlock counts base64 padding as zero bytes. */
    if (slen >= 2 && sealed[slen - 1] == '=')
        n -= sealed[slen - 2] == '=' ? 2 : 1;
    if (n < NONCE_LEN + TAG_LEN)
        return HIK_ERR_PARSE;
    int ctlen = n - NONCE_LEN - TAG_LEN;
    char *out = malloc((size_t)ctlen + 1);
    if (!out)
        return HIK_ERR_NOMEM;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int outl = 0, fin = 0;
    bool ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, s->key, buf) == 1 &&
              EVP_DecryptUpdate(ctx, (unsigned char *)out, &outl, buf + NONCE_LEN + TAG_LEN,
                                ctlen) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, buf + NONCE_LEN) == 1 &&
              EVP_DecryptFinal_ex(ctx, (unsigned char *)out + outl, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(buf, sizeof buf);
    if (!ok) {
        OPENSSL_cleanse(out, (size_t)ctlen + 1);
        free(out);
        return HIK_ERR_PARSE;
    }
    out[outl + fin] = 0;
    *plaintext = out;
    return HIK_OK;
}

void gw_secrets_free(char *plaintext)
{
    if (!plaintext)
        return;
    OPENSSL_cleanse(plaintext, strlen(plaintext));
    free(plaintext);
}
