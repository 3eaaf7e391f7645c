/* isapi.h: a client for one device's ISAPI (XML over HTTP/HTTPS).
 *
 * One hik_isapi per device holds one libcurl easy handle, so connections and
 * digest state are reused from request to request. A handle is not
 * thread-safe: use it from one thread at a time (the caller serialises).
 *
 * Authentication: HTTP Digest (MD5 or SHA-256, qop=auth; a device that sends
 * two digest challenges is answered with the first one, as libcurl does) and
 * Basic for old firmware. A 401 after credentials were sent is
 * HIK_ERR_AUTH and is never retried here: retrying a wrong password is how
 * cameras lock everyone out.
 *
 * Replies are bounded (opts.max_reply, default 8 MiB) and a ResponseStatus
 * body (XML or JSON) is decoded into hik_status whatever the HTTP status. */
#ifndef HIK_ISAPI_H
#define HIK_ISAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hik/error.h"

typedef enum hik_auth_mode {
    HIK_AUTH_AUTO = 0, /* digest or basic, whichever the device asks for */
    HIK_AUTH_DIGEST,   /* digest only (never send the password in clear) */
    HIK_AUTH_BASIC,    /* basic only (pre-V5.5 firmware) */
} hik_auth_mode;

typedef struct hik_isapi_opts {
    const char *scheme; /* "http" (default) or "https" */
    const char *host;   /* IP address or host name; IPv6 without brackets */
    int port;           /* 0 = 80 for http, 443 for https */
    const char *username;
    const char *password;
    hik_auth_mode auth;
    long connect_timeout_ms; /* 0 = 3000 */
    long timeout_ms;         /* whole request; 0 = 10000 */
    size_t max_reply;        /* 0 = 8 MiB */
    const char *interface;   /* local address to bind (curl CURLOPT_INTERFACE), NULL = any */
    /* HTTPS: a CA file, or NULL for the system store. Verification is never
     * disabled silently. */
    const char *ca_file;
    /* HTTPS pinned to one public key: "sha256//" + base64 of the SHA-256 of
     * the certificate's SubjectPublicKeyInfo (HIK_PIN_MAX bytes at most).
     * The pin then IS the trust: chain and host name are not checked (a
     * camera's self-signed certificate names no CA), the key is, and a
     * different key fails the request with HIK_ERR_TLS and
     * hik_isapi_pin_mismatch() true. NULL: ordinary verification. */
    const char *pinned_key;
} hik_isapi_opts;

/* Longest pin string, NUL included: "sha256//" + 44 base64 characters. */
#define HIK_PIN_MAX 56

/* A device's ResponseStatus, XML or JSON. status_code 0 = none seen. */
typedef struct hik_status {
    int status_code;          /* 1 OK ... 7 Reboot Required */
    char status_string[64];   /* "Invalid Operation" */
    char sub_status[64];      /* subStatusCode: "notSupport" */
    char request_url[128];
    long error_code;          /* JSON errorCode, 0 when absent */
    char error_msg[128];      /* JSON errorMsg */
} hik_status;

typedef struct hik_reply {
    long http_status;       /* 0 when no HTTP answer */
    char content_type[64];
    uint8_t *body;          /* NUL-terminated; owned by the reply */
    size_t len;
    hik_status status;      /* decoded when the body was a ResponseStatus */
    char error[192];        /* human detail for errors: curl message, status text */
} hik_reply;

typedef struct hik_isapi hik_isapi;

hik_err hik_isapi_new(const hik_isapi_opts *opts, hik_isapi **out);
void hik_isapi_free(hik_isapi *isapi);

/* Change the credentials (after a password change); keeps the connection. */
hik_err hik_isapi_set_credentials(hik_isapi *isapi, const char *username, const char *password);

/* One request. `body` may be NULL (len 0); content_type defaults to
 * "application/xml" when a body is given. Returns HIK_OK for 2xx with a
 * ResponseStatus absent or OK (statusCode 1); otherwise the typed error:
 * HIK_ERR_AUTH (401), HIK_ERR_LOCKED (ResponseStatus/userCheck lock),
 * HIK_ERR_DEVICE (ResponseStatus not OK; see reply->status),
 * HIK_ERR_NOT_FOUND, HIK_ERR_FORBIDDEN, HIK_ERR_HTTP, HIK_ERR_TIMEOUT,
 * HIK_ERR_NETWORK, HIK_ERR_TOO_BIG. The reply is always filled (free it
 * with hik_reply_free, also on error). */
hik_err hik_isapi_request(hik_isapi *isapi, const char *method, const char *path,
                          const char *content_type, const void *body, size_t len,
                          hik_reply *reply);

void hik_reply_free(hik_reply *reply);

/* True when the last request failed because the device's public key did
 * not match opts.pinned_key (its certificate changed). */
bool hik_isapi_pin_mismatch(const hik_isapi *isapi);

/* Trust on first use: complete a TLS handshake with the device named by
 * opts (scheme https; host, port, timeouts, interface) and return the pin
 * of the public key it presents ("sha256//..."). Nothing is sent over the
 * connection, no credentials in particular, so the unverified handshake
 * risks nothing but the key it reports; the caller records that key and
 * every later request is pinned to it. err (may be NULL) gets the detail
 * of a failure: HIK_ERR_NETWORK, HIK_ERR_TIMEOUT, HIK_ERR_TLS. */
hik_err hik_isapi_fetch_pin(const hik_isapi_opts *opts, char pin[HIK_PIN_MAX], char *err,
                            size_t err_len);

/* The pin of a PEM certificate's public key. HIK_ERR_PARSE when pem is not
 * a certificate. */
hik_err hik_pin_from_pem(const char *pem, size_t len, char pin[HIK_PIN_MAX]);

/* Decode a ResponseStatus body (XML in any namespace, or JSON). Returns
 * HIK_ERR_PARSE when the body is not a ResponseStatus. */
hik_err hik_status_parse(const uint8_t *body, size_t len, hik_status *out);

/* "statusCode 4 (Invalid Operation, notSupport)" style one-liner. */
void hik_status_describe(const hik_status *st, char *out, size_t out_len);

/* Identity from GET /ISAPI/System/deviceInfo. */
typedef struct hik_device_info {
    char device_name[64];
    char model[64];
    char serial[96];
    char mac[24];        /* normalised lower-case aa:bb:cc:dd:ee:ff */
    char firmware[64];   /* firmwareVersion */
    char firmware_build[64]; /* firmwareReleasedDate */
    char device_type[32];    /* IPCamera, NVR, ... */
} hik_device_info;

hik_err hik_isapi_device_info(hik_isapi *isapi, hik_device_info *out, hik_reply *reply);

/* Privacy mask: GET the channel's PrivacyMask, set <enabled>, PUT the whole
 * document back (regions preserved), check the ResponseStatus. */
hik_err hik_isapi_privacy_mask_set(hik_isapi *isapi, int channel, bool enabled,
                                   hik_reply *reply);
/* Read only: *enabled from the device's document. */
hik_err hik_isapi_privacy_mask_get(hik_isapi *isapi, int channel, bool *enabled,
                                   hik_reply *reply);

#endif
