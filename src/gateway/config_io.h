/* config_io.h: the whole gateway configuration (devices, triggers,
 * actions, scenarios) as one JSON document, and that document applied to
 * a gateway, matching everything by name.
 *
 * The document names things instead of numbering them, so it can move
 * between gateways whose ids differ. It leaves out what the gateway
 * learns by itself (identity, status, timestamps) and, unless a
 * passphrase is given, every secret. Export is deterministic (sorted by
 * name, no timestamps): exporting, importing into an empty gateway and
 * exporting again gives the same bytes. */
#ifndef GW_CONFIG_IO_H
#define GW_CONFIG_IO_H

#include <jansson.h>

#include "gateway.h"

#define GW_CONFIG_FORMAT "hikgate-config"
#define GW_CONFIG_VERSION 1

/* Why an export or import failed as a whole: an HTTP status, the field at
 * fault (may be empty) and a sentence. */
typedef struct gw_config_err {
    int status;
    char field[32];
    char msg[256];
} gw_config_err;

/* The document; NULL with *e filled. passphrase NULL: no passwords. */
json_t *gw_config_export(gw *g, const char *passphrase, gw_config_err *e);

/* Apply the document: create what is missing, update what differs,
 * leave alone what is equal, and skip (with a reason) what cannot be
 * applied. Returns the report {"created", "updated", "unchanged",
 * "skipped": [{"type", "name", "reason"}], "changed": bool}, or NULL with
 * *e filled when nothing was applied (malformed document, wrong
 * passphrase, store error). Everything is applied in one transaction. */
json_t *gw_config_import(gw *g, json_t *doc, const char *passphrase, gw_config_err *e);

#endif
