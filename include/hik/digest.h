/* digest.h: HTTP Digest (RFC 7616) pieces: parse a challenge or an
 * Authorization header into its parameters, compute a response.
 *
 * libcurl answers challenges for the ISAPI client; these are for the places
 * libcurl does not cover: the simulator's server side, the ingest
 * listener's optional camera authentication, and diagnostics (which
 * algorithms a device offers). The parser is bounded and fuzzed. */
#ifndef HIK_DIGEST_H
#define HIK_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "hik/error.h"

#define HIK_DIGEST_MAX_PARAMS 16

typedef enum hik_digest_alg {
    HIK_DIGEST_MD5 = 0,
    HIK_DIGEST_SHA256,
} hik_digest_alg;

typedef struct hik_digest_params {
    char scheme[16];    /* "Digest", "Basic" */
    char realm[128];
    char nonce[160];
    char opaque[160];
    char qop[64];       /* as sent: "auth" or "auth,auth-int" */
    char algorithm[24]; /* "MD5", "SHA-256" ("" = MD5) */
    char stale[8];
    char username[128];
    char uri[512];
    char response[80];
    char cnonce[128];
    char nc[16];
} hik_digest_params;

/* Parse one header value: `Digest realm="...", nonce="..."` (challenge) or
 * `Digest username="...", ..., response="..."` (credentials). Unknown
 * parameters are skipped; quoted strings may contain escaped quotes and
 * commas. A parameter longer than its field is HIK_ERR_TOO_BIG. */
hik_err hik_digest_parse(const char *header, hik_digest_params *out);

/* Algorithm named by a params' algorithm field; false when unsupported. */
bool hik_digest_alg_from_name(const char *name, hik_digest_alg *alg);

/* Compute the expected response (lower-case hex) for qop=auth or no qop.
 * out must hold 65 bytes. */
hik_err hik_digest_response(hik_digest_alg alg, const char *username, const char *realm,
                            const char *password, const char *method, const char *uri,
                            const char *nonce, const char *nc, const char *cnonce,
                            const char *qop, char *out, size_t out_len);

/* Lower-case hex of a random nonce of `bytes` random bytes. */
hik_err hik_digest_nonce(char *out, size_t out_len, size_t bytes);

#endif
