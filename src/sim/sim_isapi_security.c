/* sim_isapi_security.c: activation and account passwords.
 *
 * With --inactive the simulator is a device fresh from the factory: it has
 * no admin password yet, answers /SDK/activateStatus,
 * /ISAPI/Security/challenge and /ISAPI/System/activate without
 * authentication, and refuses everything else with a "notActivated"
 * ResponseStatus. The challenge is the device half of the exchange
 * lib/isapi_activate.c describes: a random AES-128 key, as hex, encrypted
 * with the client's RSA key (PKCS#1 v1.5); the activation carries the
 * password AES-ECB-encrypted under that key behind the key's first 16 hex
 * digits. Weak passwords are refused with the device's ResponseStatus.
 *
 * A password change (PUT /ISAPI/Security/users/1) takes effect for digest
 * at once: the very next request must use the new password. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "hik/isapi_manage.h"

static void security__not_activated(sim_reply *r, const char *url)
{
    sim_xml_status(r, 403, url, 4, "Invalid Operation", "notActivated");
}

static void security__status(sim *s, sim_reply *r)
{
    pthread_mutex_lock(&s->st.lock);
    bool activated = s->st.maint.activated;
    pthread_mutex_unlock(&s->st.lock);
    sim_xml_begin(&r->body, "ActivateStatus");
    sim_buf_elem(&r->body, "Activated", activated ? "true" : "false");
    sim_buf_str(&r->body, "</ActivateStatus>\r\n");
    r->status = 200;
    snprintf(r->content_type, sizeof(r->content_type), "application/xml");
}

static unsigned char *security__unb64(const char *in, size_t *len)
{
    size_t n = strlen(in);
    if (n == 0 || n % 4 || n > 4096)
        return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    int got = out ? EVP_DecodeBlock(out, (const unsigned char *)in, (int)n) : -1;
    if (got < 0) {
        free(out);
        return NULL;
    }
    while (got > 0 && n > 0 && in[--n] == '=')
        got--;
    out[got] = '\0';
    *len = (size_t)got;
    return out;
}

/* The client's key from base64(hex(modulus)), exponent 65537. */
static EVP_PKEY *security__client_key(const char *b64)
{
    size_t hex_len = 0;
    unsigned char *hex = security__unb64(b64, &hex_len);
    BIGNUM *n = NULL, *e = BN_new();
    EVP_PKEY *pkey = NULL;
    if (hex && e && BN_hex2bn(&n, (char *)hex) == (int)hex_len && BN_set_word(e, 65537)) {
        OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
        OSSL_PARAM *params = NULL;
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
        if (bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
            (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0)
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(bld);
        EVP_PKEY_CTX_free(ctx);
    }
    free(hex);
    BN_free(n);
    BN_free(e);
    return pkey;
}

static bool security__encrypt_key(EVP_PKEY *pkey, const char *key_hex, char *out, size_t out_len)
{
    unsigned char ct[512];
    size_t ct_len = sizeof(ct);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
    bool ok =
        ctx && EVP_PKEY_encrypt_init(ctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_encrypt(ctx, ct, &ct_len, (const unsigned char *)key_hex, strlen(key_hex)) > 0;
    EVP_PKEY_CTX_free(ctx);
    if (!ok || ct_len * 2 + 1 > 1100 || out_len < 4 * ((ct_len * 2 + 2) / 3) + 1)
        return false;
    char hex[1100];
    for (size_t i = 0; i < ct_len; i++)
        sprintf(hex + 2 * i, "%02x", ct[i]);
    EVP_EncodeBlock((unsigned char *)out, (unsigned char *)hex, (int)(ct_len * 2));
    return true;
}

static void security__challenge(sim *s, const sim_request *req, sim_reply *r)
{
    xmlDoc *doc = sim_xml_parse(req->body, req->body_len);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    char b64[2048];
    EVP_PKEY *pkey = NULL;
    if (!root || !sim_xml_is(root, "PublicKey") || !sim_xml_text(root, "key", b64, sizeof(b64)) ||
        !(pkey = security__client_key(b64))) {
        xmlFreeDoc(doc);
        sim_xml_bad_content(r, req->path);
        return;
    }
    xmlFreeDoc(doc);
    unsigned char raw[16];
    char key_hex[33], out[1500];
    RAND_bytes(raw, sizeof(raw));
    for (int i = 0; i < 16; i++)
        sprintf(key_hex + 2 * i, "%02x", raw[i]);
    bool ok = security__encrypt_key(pkey, key_hex, out, sizeof(out));
    EVP_PKEY_free(pkey);
    if (!ok) {
        sim_xml_bad_content(r, req->path);
        return;
    }
    pthread_mutex_lock(&s->st.lock);
    snprintf(s->st.maint.challenge, sizeof(s->st.maint.challenge), "%s", key_hex);
    pthread_mutex_unlock(&s->st.lock);
    sim_xml_begin(&r->body, "Challenge");
    sim_buf_elem(&r->body, "key", out);
    sim_buf_str(&r->body, "</Challenge>\r\n");
    r->status = 200;
    snprintf(r->content_type, sizeof(r->content_type), "application/xml");
}

/* AES-ECB decrypt base64(hex(ct)) under key_hex; checks the key prefix. */
static bool security__decrypt_password(const char *key_hex, const char *b64, char *out,
                                       size_t out_len)
{
    size_t hex_len = 0;
    unsigned char *hex = security__unb64(b64, &hex_len);
    unsigned char ct[256], key[16], pt[272];
    int n1 = 0, n2 = 0;
    bool ok = hex && hex_len % 2 == 0 && hex_len / 2 <= sizeof(ct) && strlen(key_hex) == 32;
    for (size_t i = 0; ok && i < hex_len / 2; i++) {
        unsigned v;
        ok = sscanf((char *)hex + 2 * i, "%2x", &v) == 1;
        ct[i] = (unsigned char)v;
    }
    for (size_t i = 0; ok && i < 16; i++) {
        unsigned v;
        ok = sscanf(key_hex + 2 * i, "%2x", &v) == 1;
        key[i] = (unsigned char)v;
    }
    EVP_CIPHER_CTX *ctx = ok ? EVP_CIPHER_CTX_new() : NULL;
    ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) &&
         EVP_DecryptUpdate(ctx, pt, &n1, ct, (int)(hex_len / 2)) &&
         EVP_DecryptFinal_ex(ctx, pt + n1, &n2);
    EVP_CIPHER_CTX_free(ctx);
    free(hex);
    size_t len = ok ? (size_t)(n1 + n2) : 0;
    if (!ok || len < 16 || memcmp(pt, key_hex, 16) != 0 || len - 16 >= out_len)
        return false;
    memcpy(out, pt + 16, len - 16);
    out[len - 16] = '\0';
    return true;
}

static void security__activate(sim *s, const sim_request *req, sim_reply *r)
{
    xmlDoc *doc = sim_xml_parse(req->body, req->body_len);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    char b64[1024], password[128], key_hex[65], why[160];
    bool found = root && sim_xml_is(root, "ActivateInfo") &&
                 sim_xml_text(root, "password", b64, sizeof(b64));
    xmlFreeDoc(doc);
    pthread_mutex_lock(&s->st.lock);
    snprintf(key_hex, sizeof(key_hex), "%s", s->st.maint.challenge);
    pthread_mutex_unlock(&s->st.lock);
    if (!found || !key_hex[0] ||
        !security__decrypt_password(key_hex, b64, password, sizeof(password))) {
        sim_xml_bad_content(r, req->path);
        return;
    }
    if (hik_password_check(s->cfg.user, password, why, sizeof(why))) {
        sim_log(SIM_LOG_INFO, "activation refused: %s", why);
        sim_xml_status(r, 400, req->path, 6, "Invalid Content", "passwordStrengthError");
        return;
    }
    pthread_mutex_lock(&s->st.lock);
    snprintf(s->cfg.password, sizeof(s->cfg.password), "%.63s", password);
    s->st.maint.activated = true;
    s->st.maint.challenge[0] = '\0';
    pthread_mutex_unlock(&s->st.lock);
    sim_log(SIM_LOG_INFO, "activated");
    sim_xml_ok(r, req->path);
}

bool sim_isapi_security_pre_auth(sim *s, const sim_request *req, sim_reply *reply)
{
    if (strcmp(req->path, "/SDK/activateStatus") == 0) {
        security__status(s, reply);
        return true;
    }
    pthread_mutex_lock(&s->st.lock);
    bool activated = s->st.maint.activated;
    pthread_mutex_unlock(&s->st.lock);
    if (activated)
        return false;
    if (strcmp(req->path, "/ISAPI/Security/challenge") == 0 && !strcmp(req->method, "POST"))
        security__challenge(s, req, reply);
    else if (strcmp(req->path, "/ISAPI/System/activate") == 0 && !strcmp(req->method, "PUT"))
        security__activate(s, req, reply);
    else
        security__not_activated(reply, req->path);
    return true;
}

static void security__user_put(sim *s, const sim_request *req, const char *id, sim_reply *r)
{
    xmlDoc *doc = sim_xml_parse(req->body, req->body_len);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    char name[64] = "", password[128] = "", why[160];
    bool ok =
        root && sim_xml_is(root, "User") && sim_xml_text(root, "userName", name, sizeof(name));
    bool has_pw = ok && sim_xml_text(root, "password", password, sizeof(password));
    xmlFreeDoc(doc);
    if (!ok) {
        sim_xml_bad_format(r, req->path);
    } else if (strcmp(id, "1") != 0 || strcmp(name, s->cfg.user) != 0) {
        sim_xml_status(r, 400, req->path, 6, "Invalid Content", "badParameters");
    } else if (!has_pw) {
        sim_xml_ok(r, req->path);
    } else if (hik_password_check(name, password, why, sizeof(why))) {
        sim_log(SIM_LOG_INFO, "password change refused: %s", why);
        sim_xml_status(r, 400, req->path, 6, "Invalid Content", "passwordStrengthError");
    } else {
        pthread_mutex_lock(&s->st.lock);
        snprintf(s->cfg.password, sizeof(s->cfg.password), "%.63s", password);
        s->st.maint.password_changes++;
        pthread_mutex_unlock(&s->st.lock);
        sim_log(SIM_LOG_INFO, "password of %s changed", name);
        sim_xml_ok(r, req->path);
    }
}

bool sim_isapi_security_handle(sim *s, const sim_request *req, sim_reply *reply)
{
    char id[16];
    if (!sim_xml_path_is(req->path, "/ISAPI/Security/users/*", id, sizeof(id)))
        return false;
    if (strcmp(req->method, "PUT") == 0)
        security__user_put(s, req, id, reply);
    else
        sim_xml_bad_method(reply, req->path);
    return true;
}
