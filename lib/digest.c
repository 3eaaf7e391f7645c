/* digest.c: HTTP Digest (RFC 7616) header parsing and response computation.
 *
 * The parser walks the header once, left to right, and never allocates:
 * every value is copied into a fixed field of hik_digest_params, and a value
 * that does not fit is an error rather than a silent truncation (a truncated
 * nonce or response would only fail later, further from the cause).
 * Parameter names are case-insensitive; values are tokens or quoted strings
 * in which a backslash escapes the next character. Parameters this module
 * does not know (domain, userhash, charset...) are skipped.
 *
 * Hashing goes through OpenSSL EVP so MD5 and SHA-256 share one path. */
#include "hik/digest.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#define DIGEST_NAME_MAX 32

/* Where a named parameter is stored; NULL target = skipped. */
static char *digest__field(hik_digest_params *p, const char *name, size_t *cap)
{
    static const struct {
        const char *name;
        size_t offset;
        size_t size;
    } fields[] = {
#define F(n) {#n, offsetof(hik_digest_params, n), sizeof(((hik_digest_params *)0)->n)}
        F(realm),    F(nonce), F(opaque),   F(qop),    F(algorithm), F(stale),
        F(username), F(uri),   F(response), F(cnonce), F(nc),
#undef F
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (strcasecmp(fields[i].name, name) == 0) {
            *cap = fields[i].size;
            return (char *)p + fields[i].offset;
        }
    }
    return NULL;
}

static const char *digest__skip_sep(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == ',')
        s++;
    return s;
}

/* Read a token or a quoted string at *s into dst (NULL = discard). */
static hik_err digest__value(const char **s, char *dst, size_t cap)
{
    const char *c = *s;
    size_t n = 0;
    bool quoted = (*c == '"');
    if (quoted)
        c++;
    for (;;) {
        char ch = *c;
        if (ch == '\0') {
            if (quoted)
                return HIK_ERR_TRUNCATED;
            break;
        }
        if (quoted && ch == '"') {
            c++;
            break;
        }
        if (!quoted && (ch == ',' || ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'))
            break;
        if (quoted && ch == '\\') {
            c++;
            ch = *c;
            if (ch == '\0')
                return HIK_ERR_TRUNCATED;
        }
        if (dst) {
            if (n + 1 >= cap)
                return HIK_ERR_TOO_BIG;
            dst[n] = ch;
        }
        n++;
        c++;
    }
    if (dst)
        dst[n] = '\0';
    *s = c;
    return HIK_OK;
}

static hik_err digest__param(const char **s, hik_digest_params *out)
{
    const char *c = *s;
    char name[DIGEST_NAME_MAX];
    size_t n = 0;
    while (*c && *c != '=' && *c != ',' && *c != ' ' && *c != '\t') {
        if (n + 1 >= sizeof(name))
            return HIK_ERR_TOO_BIG;
        name[n++] = *c++;
    }
    name[n] = '\0';
    while (*c == ' ' || *c == '\t')
        c++;
    if (*c != '=' || n == 0)
        return HIK_ERR_PARSE;
    c++;
    while (*c == ' ' || *c == '\t')
        c++;
    size_t cap = 0;
    char *dst = digest__field(out, name, &cap);
    hik_err err = digest__value(&c, dst, cap);
    if (err)
        return err;
    *s = c;
    return HIK_OK;
}

hik_err hik_digest_parse(const char *header, hik_digest_params *out)
{
    if (!header || !out)
        return HIK_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    const char *c = header;
    while (*c == ' ' || *c == '\t')
        c++;
    size_t n = 0;
    while (*c && !isspace((unsigned char)*c)) {
        if (n + 1 >= sizeof(out->scheme))
            return HIK_ERR_TOO_BIG;
        out->scheme[n++] = *c++;
    }
    if (n == 0)
        return HIK_ERR_PARSE;
    out->scheme[n] = '\0';
    if (strcasecmp(out->scheme, "Basic") == 0)
        return HIK_OK; /* token68 credentials, not name=value pairs */
    for (int count = 0;; count++) {
        c = digest__skip_sep(c);
        if (*c == '\0')
            break;
        if (count >= 64)
            return HIK_ERR_TOO_BIG; /* bounds the work on hostile input */
        hik_err err = digest__param(&c, out);
        if (err)
            return err;
    }
    return HIK_OK;
}

bool hik_digest_alg_from_name(const char *name, hik_digest_alg *alg)
{
    if (!name || name[0] == '\0' || strcasecmp(name, "MD5") == 0) {
        *alg = HIK_DIGEST_MD5;
        return true;
    }
    if (strcasecmp(name, "SHA-256") == 0) {
        *alg = HIK_DIGEST_SHA256;
        return true;
    }
    return false;
}

/* hex(H(a ":" b ":" c ...)) of up to 6 parts. */
static hik_err digest__hash(hik_digest_alg alg, char *hex, const char *const *parts, size_t n)
{
    const EVP_MD *md = (alg == HIK_DIGEST_SHA256) ? EVP_sha256() : EVP_md5();
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char bin[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    hik_err err = HIK_ERR_NOMEM;
    if (!ctx)
        return err;
    if (!EVP_DigestInit_ex(ctx, md, NULL))
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && !EVP_DigestUpdate(ctx, ":", 1))
            goto out;
        if (!EVP_DigestUpdate(ctx, parts[i], strlen(parts[i])))
            goto out;
    }
    if (!EVP_DigestFinal_ex(ctx, bin, &len))
        goto out;
    for (unsigned int i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", bin[i]);
    err = HIK_OK;
out:
    EVP_MD_CTX_free(ctx);
    return err;
}

hik_err hik_digest_response(hik_digest_alg alg, const char *username, const char *realm,
                            const char *password, const char *method, const char *uri,
                            const char *nonce, const char *nc, const char *cnonce, const char *qop,
                            char *out, size_t out_len)
{
    if (!username || !realm || !password || !method || !uri || !nonce || !out)
        return HIK_ERR_INVALID;
    if (out_len < 65)
        return HIK_ERR_TOO_BIG;
    if (alg != HIK_DIGEST_MD5 && alg != HIK_DIGEST_SHA256)
        return HIK_ERR_UNSUPPORTED;
    bool with_qop = qop && qop[0];
    if (with_qop && strcmp(qop, "auth") != 0)
        return HIK_ERR_UNSUPPORTED; /* auth-int needs the body */
    if (with_qop && (!nc || !cnonce))
        return HIK_ERR_INVALID;
    char ha1[65], ha2[65];
    const char *p1[] = {username, realm, password};
    const char *p2[] = {method, uri};
    hik_err err = digest__hash(alg, ha1, p1, 3);
    if (!err)
        err = digest__hash(alg, ha2, p2, 2);
    if (err)
        return err;
    if (with_qop) {
        const char *p3[] = {ha1, nonce, nc, cnonce, qop, ha2};
        return digest__hash(alg, out, p3, 6);
    }
    const char *p3[] = {ha1, nonce, ha2};
    return digest__hash(alg, out, p3, 3);
}

hik_err hik_digest_nonce(char *out, size_t out_len, size_t bytes)
{
    unsigned char buf[64];
    if (!out || bytes == 0 || bytes > sizeof(buf))
        return HIK_ERR_INVALID;
    if (out_len < 2 * bytes + 1)
        return HIK_ERR_TOO_BIG;
    if (RAND_bytes(buf, (int)bytes) != 1)
        return HIK_ERR_IO;
    for (size_t i = 0; i < bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", buf[i]);
    return HIK_OK;
}
