/* isapi_tls_pin.c: HTTPS to cameras trusted by their public key.
 *
 * Cameras ship self-signed certificates that name no CA and rarely the
 * address they are reached at, so ordinary verification cannot succeed and
 * the usual answer, turning it off, trusts anyone on the path. Instead the
 * key a device shows when it is first declared is recorded (trust on first
 * use) and every later connection must present that same key: libcurl's
 * CURLOPT_PINNEDPUBLICKEY compares the SHA-256 of the SubjectPublicKeyInfo.
 *
 * This file is the only place that turns chain verification off, and it
 * does so in two cases only: with a pin in place (the pin is checked
 * instead), and for the first-use handshake, which sends no byte of HTTP
 * and therefore no credential. */
#include "hik/isapi.h"
#include "isapi_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define PIN_PREFIX "sha256//"
#define PIN_B64_LEN 44 /* base64 of 32 bytes */

static bool pin__valid(const char *pin)
{
    size_t plen = strlen(PIN_PREFIX);
    if (!pin || strncmp(pin, PIN_PREFIX, plen) != 0 || strlen(pin) != plen + PIN_B64_LEN)
        return false;
    for (const char *p = pin + plen; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '+' || *p == '/' || *p == '='))
            return false;
    return true;
}

/* Chain and name checks off, the pin on: never one without the other. */
static CURLcode pin__trust_key_only(CURL *c, const char *pin)
{
    CURLcode rc = curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, pin);
    if (rc != CURLE_OK)
        return rc;
    rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    return rc;
}

hik_err isapi__pin_apply(void *curl, const char *pinned_key)
{
    if (!pin__valid(pinned_key))
        return HIK_ERR_INVALID;
    return pin__trust_key_only(curl, pinned_key) == CURLE_OK ? HIK_OK : HIK_ERR_INVALID;
}

hik_err hik_pin_from_pem(const char *pem, size_t len, char pin[HIK_PIN_MAX])
{
    pin[0] = '\0';
    if (!pem || len > 64 * 1024)
        return HIK_ERR_PARSE;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!x)
        return HIK_ERR_PARSE;
    unsigned char *der = NULL;
    int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    X509_free(x);
    if (n <= 0)
        return HIK_ERR_PARSE;
    unsigned char md[32];
    unsigned int mdlen = 0;
    int ok = EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL);
    OPENSSL_free(der);
    if (ok != 1 || mdlen != sizeof md)
        return HIK_ERR_PARSE;
    memcpy(pin, PIN_PREFIX, strlen(PIN_PREFIX));
    EVP_EncodeBlock((unsigned char *)pin + strlen(PIN_PREFIX), md, (int)sizeof md);
    return HIK_OK;
}

/* The leaf certificate (first of the chain) from CURLINFO_CERTINFO. */
static hik_err pin__from_certinfo(CURL *c, char pin[HIK_PIN_MAX])
{
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
        return HIK_ERR_TLS;
    for (struct curl_slist *f = ci->certinfo[0]; f; f = f->next)
        if (strncmp(f->data, "Cert:", 5) == 0)
            return hik_pin_from_pem(f->data + 5, strlen(f->data + 5), pin) ? HIK_ERR_TLS : HIK_OK;
    return HIK_ERR_TLS;
}

static hik_err pin__curl_err(CURLcode rc)
{
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return HIK_ERR_TIMEOUT;
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_SEND_ERROR ||
        rc == CURLE_RECV_ERROR)
        return HIK_ERR_NETWORK;
    return HIK_ERR_TLS;
}

hik_err hik_isapi_fetch_pin(const hik_isapi_opts *opts, char pin[HIK_PIN_MAX], char *err,
                            size_t err_len)
{
    char scratch[8];
    if (!err) {
        err = scratch;
        err_len = sizeof scratch;
    }
    err[0] = '\0';
    pin[0] = '\0';
    if (!opts || !opts->scheme || strcmp(opts->scheme, "https") != 0) {
        snprintf(err, err_len, "a key can only be read over https");
        return HIK_ERR_INVALID;
    }
    char *base = NULL;
    hik_err res = isapi__base_url(opts, &base);
    if (res)
        return res;
    CURL *c = curl_easy_init();
    if (!c) {
        free(base);
        return HIK_ERR_NOMEM;
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    long connect_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 3000L;
    CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, base);
    rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, connect_ms);
    rc |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    /* Handshake only: no request, so nothing trusts this connection. */
    rc |= curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    if (opts->interface)
        rc |= curl_easy_setopt(c, CURLOPT_INTERFACE, opts->interface);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(c);
    else
        res = HIK_ERR_INVALID;
    if (!res && rc != CURLE_OK) {
        res = pin__curl_err(rc);
        snprintf(err, err_len, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    } else if (!res) {
        res = pin__from_certinfo(c, pin);
        if (res)
            snprintf(err, err_len, "the device presented no readable certificate");
    }
    curl_easy_cleanup(c);
    free(base);
    return res;
}
