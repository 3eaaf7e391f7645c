/* config_seal.h: device passwords in an exported configuration, encrypted
 * under a key derived from a passphrase the user chooses.
 *
 * The key is scrypt(passphrase, salt, N, r, p) -> 32 bytes; each password
 * is AES-256-GCM with a fresh 12-byte nonce and the device's name as
 * associated data (a ciphertext moved to another device fails to open).
 * The document carries the parameters, the salt and a check value (the
 * string "hikgate-config" sealed the same way), so a wrong passphrase is
 * told apart from a damaged document before any device is touched. */
#ifndef GW_CONFIG_SEAL_H
#define GW_CONFIG_SEAL_H

#include <jansson.h>
#include <stddef.h>

#include "hik/error.h"

#define GW_SEAL_PASSPHRASE_MIN 8
#define GW_SEAL_PASSPHRASE_MAX 1024

typedef struct gw_seal gw_seal;

/* A new key with a fresh salt and the default parameters (N=2^15, r=8,
 * p=1). *params gets the document's "secrets" object. */
hik_err gw_seal_new(const char *passphrase, gw_seal **out, json_t **params);
/* The key of an existing document: HIK_ERR_PARSE when `params` is
 * malformed or its cost is out of bounds, HIK_ERR_AUTH when the
 * passphrase does not open the check value. */
hik_err gw_seal_open(const char *passphrase, json_t *params, gw_seal **out);
void gw_seal_free(gw_seal *s);

/* Encrypt plaintext bound to `name`: base64(nonce | tag | ciphertext). */
hik_err gw_seal_encrypt(gw_seal *s, const char *name, const char *plaintext, char **out);
/* Decrypt; HIK_ERR_PARSE when malformed, HIK_ERR_AUTH when it does not open. */
hik_err gw_seal_decrypt(gw_seal *s, const char *name, const char *sealed, char **plaintext);

#endif
