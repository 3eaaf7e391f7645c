/* isapi_internal.h: what the ISAPI client files share and nobody else sees.
 *
 * lib/isapi_client.c owns the transport; the per-endpoint files
 * (isapi_device_info.c, isapi_privacy_mask.c) and the ResponseStatus codec
 * (isapi_status.c) meet here. */
#ifndef HIK_ISAPI_INTERNAL_H
#define HIK_ISAPI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hik/isapi.h"

/* Largest body worth decoding as a ResponseStatus or userCheck: real ones
 * are a few hundred bytes, so anything bigger is some other document. */
#define ISAPI_STATUS_MAX_BODY (64u * 1024u)

/* True when the device says this client or account is locked out: a
 * subStatusCode naming a lock, or a body (XML userCheck, JSON) whose
 * lockStatus is "lock". st may be NULL. */
bool isapi__body_reports_lock(const uint8_t *body, size_t len, const hik_status *st);

/* GET `path` and parse the reply as an XML document whose root element
 * has the local name `root`; the caller frees *doc. A reply that is not
 * such a document is HIK_ERR_PARSE with "not a <root> document" in
 * reply->error. */
struct _xmlDoc;
hik_err isapi__get_doc(hik_isapi *isapi, const char *path, const char *root, hik_reply *reply,
                       struct _xmlDoc **doc);

/* Copy src into a fixed field, cut at a UTF-8 boundary when too long;
 * returns false when it had to cut. */
bool isapi__copy(char *dst, size_t dst_len, const char *src);

/* A request whose body comes from, or whose 2xx reply goes to, a file
 * descriptor instead of memory (firmware images, configuration backups).
 * in_fd -1: no body; out_fd -1: the reply lands in hik_reply as usual. */
typedef struct isapi_stream {
    int in_fd;
    uint64_t in_start; /* offset of the first byte to send */
    uint64_t in_size;  /* bytes to send */
    uint64_t in_pos;   /* libcurl's position, rewound on a digest resend */
    int out_fd;
    uint64_t out_max; /* a longer reply is HIK_ERR_TOO_BIG */
    uint64_t out_written;
    long timeout_ms; /* whole request; 0 = the handle's */
} isapi_stream;

/* hik_isapi_request with a streamed body or reply. Errors as there, plus
 * HIK_ERR_IO when the local file could not be read or written. */
hik_err isapi__request_stream(hik_isapi *isapi, const char *method, const char *path,
                              const char *content_type, isapi_stream *st, hik_reply *reply);

/* "scheme://host:port" of the device opts name (malloc'd). */
hik_err isapi__base_url(const hik_isapi_opts *opts, char **out);

/* lib/isapi_tls_pin.c: put a curl handle in pinned mode (the only place
 * chain verification is turned off, and only with a pin in place). */
hik_err isapi__pin_apply(void *curl, const char *pinned_key);

#endif
