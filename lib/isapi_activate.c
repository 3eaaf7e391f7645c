/* isapi_activate.c: giving a new device its first admin password.
 *
 * A device fresh from the factory has no password and answers only the
 * activation resources, without authentication. The password must not
 * cross the network in clear, so the exchange is:
 *   1. GET /SDK/activateStatus  -> <Activated>true|false</Activated>
 *   2. POST /ISAPI/Security/challenge with <PublicKey><key>: the client's
 *      fresh RSA modulus as lower-case hex, base64-encoded;
 *      the device answers <Challenge><key>: base64 of the hex of an RSA
 *      PKCS#1 v1.5 ciphertext whose plain text is a random AES key, itself
 *      written as hex (32 hex digits: AES-128).
 *   3. PUT /ISAPI/System/activate with <ActivateInfo><password>: AES-ECB
 *      (PKCS#7 padding) under that key of the key's first 16 hex digits
 *      followed by the password, as hex, base64-encoded.
 * These encodings follow public integrations (the web client's behaviour
 * as re-implemented by third parties); no capture in this project confirms
 * them, and newer firmware also offers a JSON "V3" exchange that is not
 * implemented here. hiksim implements the same exchange. */
#include "hik/isapi_manage.h"
#include "isapi_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "hik/xml_util.h"

#define ACT_NS "http://www.hikvision.com/ver20/XMLSchema"
#define ACT_MAX_KEY_HEX 64

hik_err hik_isapi_activate_status(hik_isapi *isapi, bool *activated, hik_reply *reply)
{
    if (!activated)
        return HIK_ERR_INVALID;
    hik_err err = hik_isapi_request(isapi, "GET", "/SDK/activateStatus", NULL, NULL, 0, reply);
    if (err)
        return err;
    xmlDoc *doc = NULL;
    char value[16] = "";
    err = hik_xml_parse(reply->body, reply->len, &doc);
    xmlNode *node = err ? NULL : hik_xml_find(xmlDocGetRootElement(doc), "Activated");
    if (!node || hik_xml_text(node, value, sizeof(value))) {
        err = HIK_ERR_PARSE;
        isapi__copy(reply->error, sizeof(reply->error), "no <Activated> in activateStatus");
    } else {
        *activated = strcasecmp(value, "true") == 0;
    }
    xmlFreeDoc(doc);
    return err;
}

static char *act__b64(const unsigned char *in, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    return out;
}

/* base64 text -> bytes (NUL-terminated); *len without padding bytes. */
static unsigned char *act__unb64(const char *in, size_t *len)
{
    size_t n = strlen(in);
    if (n == 0 || n % 4 || n > 8192)
        return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    int got = out ? EVP_DecodeBlock(out, (const unsigned char *)in, (int)n) : -1;
    if (got < 0) {
        free(out);
        return NULL;
    }
    while (got > 0 && in[n - 1] == '=') {
        got--;
        n--;
    }
    out[got] = '\0';
    *len = (size_t)got;
    return out;
}

static void act__hex(const unsigned char *in, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
}

static bool act__unhex(const char *in, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(in + 2 * i, "%2x", &v) != 1)
            return false;
        out[i] = (unsigned char)v;
    }
    return n % 2 == 0;
}

/* <PublicKey><key>base64(hex(n))</key></PublicKey> */
static hik_err act__public_key_xml(EVP_PKEY *pkey, char **out)
{
    BIGNUM *n = NULL;
    if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n))
        return HIK_ERR_NOMEM;
    char *hex = BN_bn2hex(n);
    BN_free(n);
    if (!hex)
        return HIK_ERR_NOMEM;
    for (char *p = hex; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
    char *b64 = act__b64((unsigned char *)hex, strlen(hex));
    OPENSSL_free(hex);
    if (!b64)
        return HIK_ERR_NOMEM;
    int rc = asprintf(out,
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PublicKey version=\"2.0\" "
                      "xmlns=\"" ACT_NS "\"><key>%s</key></PublicKey>\n",
                      b64);
    free(b64);
    return rc < 0 ? HIK_ERR_NOMEM : HIK_OK;
}

/* The AES key (as the device's hex text) from the Challenge reply. */
static hik_err act__challenge_key(EVP_PKEY *pkey, const hik_reply *reply, char *key_hex)
{
    xmlDoc *doc = NULL;
    char b64[4096];
    hik_err err = hik_xml_parse(reply->body, reply->len, &doc);
    xmlNode *node = err ? NULL : hik_xml_find(xmlDocGetRootElement(doc), "key");
    err = node ? hik_xml_text(node, b64, sizeof(b64)) : HIK_ERR_PARSE;
    xmlFreeDoc(doc);
    if (err)
        return HIK_ERR_PARSE;
    size_t hex_len = 0, ct_len;
    unsigned char *hex = act__unb64(b64, &hex_len);
    unsigned char ct[512], pt[512];
    size_t pt_len = sizeof(pt);
    ct_len = hex_len / 2;
    bool ok = hex && ct_len <= sizeof(ct) && act__unhex((char *)hex, hex_len, ct);
    free(hex);
    EVP_PKEY_CTX *ctx = ok ? EVP_PKEY_CTX_new(pkey, NULL) : NULL;
    ok = ctx && EVP_PKEY_decrypt_init(ctx) > 0 &&
         EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
         EVP_PKEY_decrypt(ctx, pt, &pt_len, ct, ct_len) > 0;
    EVP_PKEY_CTX_free(ctx);
    if (!ok || (pt_len != 32 && pt_len != 48 && pt_len != 64))
        return HIK_ERR_PARSE;
    for (size_t i = 0; i < pt_len; i++)
        if (!strchr("0123456789abcdefABCDEF", pt[i]) || !pt[i])
            return HIK_ERR_PARSE;
    memcpy(key_hex, pt, pt_len);
    key_hex[pt_len] = '\0';
    return HIK_OK;
}

static const EVP_CIPHER *act__cipher(size_t key_len)
{
    return key_len == 16   ? EVP_aes_128_ecb()
           : key_len == 24 ? EVP_aes_192_ecb()
                           : EVP_aes_256_ecb();
}

/* base64(hex(AES-ECB(key, key_hex[0..16] + password))) */
static hik_err act__encrypt_password(const char *key_hex, const char *password, char **out)
{
    unsigned char key[32], plain[16 + HIK_PASSWORD_MAX + 1], ct[64];
    size_t key_len = strlen(key_hex) / 2, plen = 16 + strlen(password);
    int n1 = 0, n2 = 0;
    if (!act__unhex(key_hex, strlen(key_hex), key) || plen > sizeof(plain) - 1)
        return HIK_ERR_INVALID;
    memcpy(plain, key_hex, 16);
    memcpy(plain + 16, password, plen - 16);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    bool ok = ctx && EVP_EncryptInit_ex(ctx, act__cipher(key_len), NULL, key, NULL) &&
              EVP_EncryptUpdate(ctx, ct, &n1, plain, (int)plen) &&
              EVP_EncryptFinal_ex(ctx, ct + n1, &n2);
    EVP_CIPHER_CTX_free(ctx);
    explicit_bzero(plain, sizeof(plain));
    explicit_bzero(key, sizeof(key));
    if (!ok)
        return HIK_ERR_NOMEM;
    char hex[129];
    act__hex(ct, (size_t)(n1 + n2), hex);
    *out = act__b64((unsigned char *)hex, strlen(hex));
    return *out ? HIK_OK : HIK_ERR_NOMEM;
}

static hik_err act__send_password(hik_isapi *isapi, const char *key_hex, const char *password,
                                  hik_reply *reply)
{
    char *enc = NULL, *xml = NULL;
    hik_err err = act__encrypt_password(key_hex, password, &enc);
    if (err)
        return err;
    int rc = asprintf(&xml,
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ActivateInfo version=\"2.0\" "
                      "xmlns=\"" ACT_NS "\"><password>%s</password></ActivateInfo>\n",
                      enc);
    free(enc);
    if (rc < 0)
        return HIK_ERR_NOMEM;
    err = hik_isapi_request(isapi, "PUT", "/ISAPI/System/activate", "application/xml", xml,
                            strlen(xml), reply);
    free(xml);
    return err;
}

hik_err hik_isapi_activate(hik_isapi *isapi, const char *password, int rsa_bits, hik_reply *reply)
{
    if (!reply)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    if (rsa_bits == 0)
        rsa_bits = 2048;
    if (!isapi || (rsa_bits != 1024 && rsa_bits != 2048))
        return HIK_ERR_INVALID;
    hik_err err = hik_password_check("admin", password, reply->error, sizeof(reply->error));
    if (err)
        return err;
    EVP_PKEY *pkey = EVP_RSA_gen((unsigned)rsa_bits);
    char *xml = NULL, key_hex[ACT_MAX_KEY_HEX + 1];
    if (!pkey)
        return HIK_ERR_NOMEM;
    err = act__public_key_xml(pkey, &xml);
    if (!err)
        err = hik_isapi_request(isapi, "POST", "/ISAPI/Security/challenge", "application/xml", xml,
                                strlen(xml), reply);
    free(xml);
    if (!err && (err = act__challenge_key(pkey, reply, key_hex)) != HIK_OK)
        isapi__copy(reply->error, sizeof(reply->error),
                    "the device's challenge could not be decrypted with our key");
    EVP_PKEY_free(pkey);
    if (!err) {
        hik_reply_free(reply);
        err = act__send_password(isapi, key_hex, password, reply);
        explicit_bzero(key_hex, sizeof(key_hex));
    }
    if (!err)
        err = hik_isapi_set_credentials(isapi, "admin", password);
    return err;
}
