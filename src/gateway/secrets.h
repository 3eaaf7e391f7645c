/* secrets.h: device passwords sealed at rest with AES-256-GCM.
 *
 * The 32-byte key lives in `<data-dir>/secret.key` (mode 0600), created on
 * first run, never in the database: a copy of the database alone reveals
 * no password. A sealed value is "v1:" + base64(nonce(12) | tag(16) | ct). */
#ifndef GW_SECRETS_H
#define GW_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#include "hik/error.h"

typedef struct gw_secrets gw_secrets;

/* Load the key file, creating it (0600) when absent. */
hik_err gw_secrets_open(const char *data_dir, gw_secrets **out, char *err, size_t err_len);
/* Load the key file at path; with create, make a new random one (0600,
 * O_EXCL) when it does not exist. */
hik_err gw_secrets_open_path(const char *path, bool create, gw_secrets **out, char *err,
                             size_t err_len);
void gw_secrets_close(gw_secrets *s);

/* Seal plaintext into a NUL-terminated string the caller frees. */
hik_err gw_secrets_seal(gw_secrets *s, const char *plaintext, char **sealed);
/* Open a sealed string into a NUL-terminated plaintext the caller frees
 * (and should wipe with gw_secrets_free). HIK_ERR_PARSE when tampered. */
hik_err gw_secrets_unseal(gw_secrets *s, const char *sealed, char **plaintext);
/* Wipe and free a plaintext. */
void gw_secrets_free(char *plaintext);

#endif
