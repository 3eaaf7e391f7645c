/* error.h: the one result code shared by every libhik function.
 *
 * Every fallible function returns hik_err; callers write
 * `if(err) return err;`. HIK_OK is zero so that reads naturally. */
#ifndef HIK_ERROR_H
#define HIK_ERROR_H

typedef enum hik_err {
    HIK_OK = 0,
    HIK_ERR_NOMEM,       /* allocation failed */
    HIK_ERR_INVALID,     /* bad argument from the caller */
    HIK_ERR_PARSE,       /* input is not well-formed (XML, JSON, multipart, HTTP) */
    HIK_ERR_TOO_BIG,     /* input exceeds a hard limit */
    HIK_ERR_TRUNCATED,   /* input ended before it was complete */
    HIK_ERR_UNSUPPORTED, /* well-formed but not something we understand */
    HIK_ERR_NETWORK,     /* connect/send/receive failed */
    HIK_ERR_TIMEOUT,     /* no answer in time */
    HIK_ERR_AUTH,        /* 401: credentials rejected */
    HIK_ERR_LOCKED,      /* device reports the account/IP locked out */
    HIK_ERR_FORBIDDEN,   /* 403 without a ResponseStatus */
    HIK_ERR_NOT_FOUND,   /* 404 */
    HIK_ERR_DEVICE,      /* device answered with a ResponseStatus that is not OK */
    HIK_ERR_HTTP,        /* any other unexpected HTTP status */
    HIK_ERR_TLS,         /* TLS handshake or certificate problem */
    HIK_ERR_IO,          /* local file or system call failed */
    HIK_ERR__COUNT
} hik_err;

/* Short stable identifier, e.g. "timeout"; used in API responses and logs. */
const char *hik_err_name(hik_err err);
/* Human sentence, e.g. "no answer from the device in time". */
const char *hik_err_str(hik_err err);

#endif
