/* device_tls.h: cameras reached over HTTPS, trusted by their public key.
 *
 * The first connection to an https device (normally the identity probe
 * after it is declared) records the SHA-256 of the key it presents in
 * devices.tls_pin; every later connection is pinned to it. A different key
 * is refused before any credential is sent, recorded as tls_pin_pending,
 * and shown on the device (status tls_pin_mismatch) until the admin
 * adopts it with POST /api/v1/devices/{id}/tls/accept. */
#ifndef GW_DEVICE_TLS_H
#define GW_DEVICE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway.h"
#include "hik/isapi.h"

#define GW_TLS_PIN_MISMATCH "tls_pin_mismatch"

/* For an https device (o->scheme), set o->pinned_key to pin, filled with
 * the recorded pin or, when none is recorded yet, with the key the device
 * presents now, which is recorded (trust on first use). pin must live as
 * long as o is used. Nothing happens for http. Errors: the device could
 * not be reached for its key (err says why). */
hik_err gw_device_tls_prepare(gw *g, int64_t id, hik_isapi_opts *o, char pin[HIK_PIN_MAX],
                              char *err, size_t err_len);

/* After a request on isapi failed: when it failed because the device's key
 * is not the pinned one, record the key it presents now as pending, set the
 * device's status to tls_pin_mismatch with the explanation, copy that into
 * reply->error (when reply is given) and return true. o: the options the
 * handle was made with. */
bool gw_device_tls_check(gw *g, int64_t id, const hik_isapi *isapi, const hik_isapi_opts *o,
                         hik_reply *reply);

/* Adopt the pending key: it becomes the pin, the device's status is reset
 * and its connections are rebuilt. HIK_ERR_NOT_FOUND: no such device;
 * HIK_ERR_INVALID: nothing pending. */
hik_err gw_device_tls_accept(gw *g, int64_t id, char *pin_out, size_t pin_len);

#endif
