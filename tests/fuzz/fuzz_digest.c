/* fuzz_digest.c: the HTTP Digest challenge / Authorization parser, which
 * reads headers from cameras (WWW-Authenticate) and from clients of the
 * simulator (Authorization). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "hik/digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *h = malloc(size + 1);
    FUZZ_CHECK(h);
    memcpy(h, data, size);
    h[size] = '\0';
    hik_digest_params p;
    memset(&p, 0xA5, sizeof p);
    hik_err err = hik_digest_parse(h, &p);
    FUZZ_CHECK(err == HIK_OK || err == HIK_ERR_PARSE || err == HIK_ERR_TOO_BIG ||
               err == HIK_ERR_TRUNCATED);
    if (err == HIK_OK) {
        fuzz_check_str(p.scheme, sizeof p.scheme, "scheme");
        fuzz_check_str(p.realm, sizeof p.realm, "realm");
        fuzz_check_str(p.nonce, sizeof p.nonce, "nonce");
        fuzz_check_str(p.qop, sizeof p.qop, "qop");
        fuzz_check_str(p.algorithm, sizeof p.algorithm, "algorithm");
        fuzz_check_str(p.uri, sizeof p.uri, "uri");
        hik_digest_alg alg;
        if (hik_digest_alg_from_name(p.algorithm, &alg)) {
            char out[65];
            hik_err r = hik_digest_response(alg, p.username, p.realm, "pw", "GET", p.uri,
                                            p.nonce, p.nc, p.cnonce, p.qop, out, sizeof out);
            /* only a qop other than "auth" (auth-int needs the body) is refused */
            FUZZ_CHECK(r == HIK_OK || r == HIK_ERR_UNSUPPORTED);
            if (r == HIK_OK)
                FUZZ_CHECK(strlen(out) == (alg == HIK_DIGEST_MD5 ? 32u : 64u));
        }
    }
    free(h);
    return 0;
}
