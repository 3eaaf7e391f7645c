/* api_codec.h: the small encodings the API and the login code share:
 * base64, hex, SHA-256, UTF-8 checks, random tokens and a comparison that
 * does not leak where two secrets differ. */
#ifndef GW_API_CODEC_H
#define GW_API_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hik/error.h"

/* Standard padded base64 of `len` bytes into `out` (NUL-terminated).
 * HIK_ERR_TOO_BIG when out_len is too small. */
hik_err api_b64_encode(const uint8_t *in, size_t len, char *out, size_t out_len);
/* Same, into a malloc'd string the caller frees; NULL on allocation failure. */
char *api_b64_encode_alloc(const uint8_t *in, size_t len);
/* Decode padded base64 (no whitespace). HIK_ERR_PARSE when malformed,
 * HIK_ERR_TOO_BIG when the result does not fit out_cap. */
hik_err api_b64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap,
                       size_t *out_len);

/* Lower-case hex of `len` bytes into `out`, which holds 2*len+1 chars. */
void api_hex(const uint8_t *in, size_t len, char *out);
/* SHA-256 of data as 64 hex chars + NUL. */
void api_sha256_hex(const void *data, size_t len, char out[65]);
/* `nbytes` random bytes from the OpenSSL CSPRNG as hex into out
 * (out_len >= 2*nbytes+1). HIK_ERR_IO when the generator fails. */
hik_err api_random_hex(size_t nbytes, char *out, size_t out_len);

/* Strict UTF-8 check (no overlong forms, no surrogates, <= U+10FFFF). On
 * success *chars (may be NULL) gets the number of code points. */
bool api_utf8_valid(const uint8_t *s, size_t len, size_t *chars);

/* Equality of two NUL-terminated strings in time that depends only on
 * their lengths, not on where they differ. */
bool api_ct_streq(const char *a, const char *b);

#endif
