/* multipart.h: multipart/form-data bodies as cameras push them.
 *
 * The whole body is in memory (the ingest listener caps its size); parts
 * point into it. Accepts CRLF or bare LF line ends, a part Content-Length
 * that agrees with the delimiter, and a missing final "--". Rejects a body
 * that ends inside a part (HIK_ERR_TRUNCATED). */
#ifndef HIK_MULTIPART_H
#define HIK_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#include "hik/error.h"

#define HIK_MULTIPART_MAX_PARTS 16
#define HIK_MULTIPART_MAX_BOUNDARY 200 /* RFC 2046 says 70; devices stay well below */

typedef struct hik_part {
    char name[64];         /* Content-Disposition name */
    char filename[64];     /* Content-Disposition filename */
    char content_type[64]; /* lower-cased media type without parameters */
    char content_id[64];   /* Content-ID without angle brackets */
    const uint8_t *data;
    size_t len;
} hik_part;

/* Extract the boundary parameter of a Content-Type header value (quoted or
 * not). HIK_ERR_PARSE when absent or longer than HIK_MULTIPART_MAX_BOUNDARY. */
hik_err hik_multipart_boundary(const char *content_type, char *out, size_t out_len);

/* Split a multipart body into parts. More than max_parts parts is
 * HIK_ERR_TOO_BIG. */
hik_err hik_multipart_parse(const uint8_t *body, size_t len, const char *boundary,
                            hik_part *parts, size_t max_parts, size_t *n_parts);

#endif
