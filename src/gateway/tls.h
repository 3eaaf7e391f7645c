/* tls.h: HTTPS on hikgated's two listeners, and the self-signed pair that
 * gets an installation there without a CA.
 *
 * The certificate and key are read into memory at start (libmicrohttpd's
 * GnuTLS backend takes them from memory) and kept until gw_tls_free. */
#ifndef GW_TLS_H
#define GW_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "hik/error.h"

/* Largest certificate chain or key file accepted. */
#define GW_TLS_MAX_PEM (256u * 1024u)

typedef enum gw_tls_listener { GW_TLS_API = 0, GW_TLS_INGEST, GW_TLS__COUNT } gw_tls_listener;

/* When cert_file is "" nothing happens (plain HTTP). Otherwise read both
 * PEM files and fill items (at least 3) with the libmicrohttpd options for
 * an MHD_OPTION_ARRAY, add MHD_USE_TLS to *flags. items is always
 * MHD_OPTION_END terminated. */
hik_err gw_tls_mhd_options(gw_tls_listener which, const char *cert_file, const char *key_file,
                           struct MHD_OptionItem *items, unsigned *flags, char *err,
                           size_t err_len);

/* Forget the PEMs read for the listeners (after they stopped). */
void gw_tls_free(void);

/* Create DIR/key.pem (EC P-256, mode 0600) and DIR/cert.pem, a self-signed
 * certificate valid ten years whose subjectAltName lists "localhost",
 * 127.0.0.1 and each of the comma-separated hosts (IP addresses or DNS
 * names). Refuses to overwrite an existing key. */
hik_err gw_tls_generate(const char *dir, const char *hosts, char *err, size_t err_len);

#endif
