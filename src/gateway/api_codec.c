/* api_codec.c: base64, hex, SHA-256, UTF-8 and token helpers.
 *
 * Thin wrappers over OpenSSL where it has the primitive, so that callers
 * get hik_err results and bounded output buffers instead of raw lengths. */
#include "api_codec.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

hik_err api_b64_encode(const uint8_t *in, size_t len, char *out, size_t out_len)
{
    size_t need = 4 * ((len + 2) / 3) + 1;
    if (out_len < need || len > (size_t)INT32_MAX / 2)
        return HIK_ERR_TOO_BIG;
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    out[need - 1] = '\0';
    return HIK_OK;
}

char *api_b64_encode_alloc(const uint8_t *in, size_t len)
{
    size_t need = 4 * ((len + 2) / 3) + 1;
    char *out = malloc(need);
    if (!out)
        return NULL;
    if (api_b64_encode(in, len, out, need)) {
        free(out);
        return NULL;
    }
    return out;
}

static bool codec__b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

hik_err api_b64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    *out_len = 0;
    if (in_len % 4 != 0 || in_len > (size_t)INT32_MAX / 2)
        return HIK_ERR_PARSE;
    size_t pad = 0;
    for (size_t i = 0; i < in_len; i++) {
        if (in[i] == '=') {
            /* Padding only at the very end, at most two. */
            if (i < in_len - 2)
                return HIK_ERR_PARSE;
            pad++;
        } else if (pad || !codec__b64_char(in[i])) {
            return HIK_ERR_PARSE;
        }
    }
    size_t n = in_len / 4 * 3;
    if (n > out_cap + pad)
        return HIK_ERR_TOO_BIG;
    if (in_len == 0)
        return HIK_OK;
    /* EVP_DecodeBlock writes whole 3-byte groups, padding included. */
    uint8_t *tmp = malloc(n);
    if (!tmp)
        return HIK_ERR_NOMEM;
    int got = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)in_len);
    if (got < 0 || (size_t)got != n) {
        free(tmp);
        return HIK_ERR_PARSE;
    }
    memcpy(out, tmp, n - pad);
    OPENSSL_cleanse(tmp, n);
    free(tmp);
    *out_len = n - pad;
    return HIK_OK;
}

void api_hex(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

void api_sha256_hex(const void *data, size_t len, char out[65])
{
    uint8_t md[SHA256_DIGEST_LENGTH];
    SHA256(data, len, md);
    api_hex(md, sizeof md, out);
}

hik_err api_random_hex(size_t nbytes, char *out, size_t out_len)
{
    uint8_t buf[64];
    if (nbytes > sizeof buf || out_len < 2 * nbytes + 1)
        return HIK_ERR_INVALID;
    if (RAND_bytes(buf, (int)nbytes) != 1)
        return HIK_ERR_IO;
    api_hex(buf, nbytes, out);
    OPENSSL_cleanse(buf, sizeof buf);
    return HIK_OK;
}

/* Length of the UTF-8 sequence at s (0 when invalid). */
static size_t codec__utf8_seq(const uint8_t *s, size_t len)
{
    uint8_t c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) {
        n = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

bool api_utf8_valid(const uint8_t *s, size_t len, size_t *chars)
{
    size_t count = 0;
    for (size_t i = 0; i < len;) {
        size_t n = codec__utf8_seq(s + i, len - i);
        if (n == 0)
            return false;
        i += n;
        count++;
    }
    if (chars)
        *chars = count;
    return true;
}

bool api_ct_streq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return CRYPTO_memcmp(a, b, la) == 0;
}
