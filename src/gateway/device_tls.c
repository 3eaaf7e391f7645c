/* device_tls.c: the pinned public keys of HTTPS devices (trust on first use).
 *
 * Why pinning rather than a CA: cameras generate their own self-signed
 * certificates, which no CA vouches for and which rarely name the address
 * the camera is reached at, so verification by chain and name can only be
 * switched off, and then anyone on the path can read the admin password.
 * The key seen when the admin declares the device is the best evidence
 * there is; a later change is either a camera reset or an attack, and only
 * the admin can tell which, hence an explicit accept.
 *
 * The pin lives in the device row (devices.tls_pin); the key seen on a
 * refused connection goes to devices.tls_pin_pending so the admin can see
 * what would be accepted. */
#include "device_tls.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store.h"

/* The row's column into out ("" when NULL); false when no such device. */
static bool dtls__column(gw *g, int64_t id, const char *sql, char *out, size_t len)
{
    out[0] = '\0';
    bool found = false;
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(g->store, sql);
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) == SQLITE_ROW) {
            found = true;
            const unsigned char *v = sqlite3_column_text(s, 0);
            snprintf(out, len, "%s", v ? (const char *)v : "");
        }
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
    return found;
}

static void dtls__store_pin(gw *g, int64_t id, const char *pin)
{
    gw_store_lock(g->store);
    /* Only a device with no pin yet: two first uses racing keep the first. */
    sqlite3_stmt *s = gw_store_prepare(
        g->store, "UPDATE devices SET tls_pin=?1, tls_pin_pending=NULL WHERE id=?2 AND "
                  "(tls_pin IS NULL OR tls_pin='')");
    if (s) {
        sqlite3_bind_text(s, 1, pin, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, id);
        sqlite3_step(s);
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
}

hik_err gw_device_tls_prepare(gw *g, int64_t id, hik_isapi_opts *o, char pin[HIK_PIN_MAX],
                              char *err, size_t err_len)
{
    pin[0] = '\0';
    if (!o->scheme || strcmp(o->scheme, "https") != 0)
        return HIK_OK;
    if (!dtls__column(g, id, "SELECT tls_pin FROM devices WHERE id=?1", pin, HIK_PIN_MAX))
        return HIK_ERR_NOT_FOUND;
    if (!pin[0]) {
        hik_err res = hik_isapi_fetch_pin(o, pin, err, err_len);
        if (res)
            return res;
        dtls__store_pin(g, id, pin);
        /* Read back: a concurrent first use may have won. */
        dtls__column(g, id, "SELECT tls_pin FROM devices WHERE id=?1", pin, HIK_PIN_MAX);
        gw_info("device %lld: trusting the key it presented on first use, %s", (long long)id, pin);
    }
    o->pinned_key = pin;
    return HIK_OK;
}

bool gw_device_tls_check(gw *g, int64_t id, const hik_isapi *isapi, const hik_isapi_opts *o,
                         hik_reply *reply)
{
    if (!hik_isapi_pin_mismatch(isapi))
        return false;
    char seen[HIK_PIN_MAX] = "", why[160] = "";
    hik_isapi_opts probe = *o;
    probe.pinned_key = NULL;
    if (hik_isapi_fetch_pin(&probe, seen, why, sizeof why))
        seen[0] = '\0';
    char msg[192];
    snprintf(msg, sizeof msg,
             GW_TLS_PIN_MISMATCH ": the device's certificate changed; accept it with POST "
                                 "/api/v1/devices/%lld/tls/accept",
             (long long)id);
    gw_store_lock(g->store);
    sqlite3_stmt *s = gw_store_prepare(
        g->store, "UPDATE devices SET tls_pin_pending=nullif(?1, ''), status='" GW_TLS_PIN_MISMATCH
                  "', last_error=?2 WHERE id=?3");
    if (s) {
        sqlite3_bind_text(s, 1, seen, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, msg, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, id);
        sqlite3_step(s);
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
    gw_warn("device %lld: refused: its public key is now %s, not the pinned %s", (long long)id,
            seen[0] ? seen : "(unreadable)", o->pinned_key ? o->pinned_key : "");
    if (reply)
        snprintf(reply->error, sizeof reply->error, "%s", msg);
    return true;
}

hik_err gw_device_tls_accept(gw *g, int64_t id, char *pin_out, size_t pin_len)
{
    char pending[HIK_PIN_MAX];
    if (!dtls__column(g, id, "SELECT tls_pin_pending FROM devices WHERE id=?1", pending,
                      sizeof pending))
        return HIK_ERR_NOT_FOUND;
    if (!pending[0])
        return HIK_ERR_INVALID;
    hik_err res = HIK_ERR_IO;
    gw_store_lock(g->store);
    /* updated_ms moves so that cached connections are rebuilt with the pin. */
    sqlite3_stmt *s = gw_store_prepare(
        g->store, "UPDATE devices SET tls_pin=tls_pin_pending, tls_pin_pending=NULL,"
                  " status='unknown', last_error=NULL, updated_ms=max(updated_ms + 1, ?2)"
                  " WHERE id=?1 AND tls_pin_pending=?3");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, gw_now_ms());
        sqlite3_bind_text(s, 3, pending, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(g->store->db) == 1)
            res = HIK_OK;
        sqlite3_finalize(s);
    }
    gw_store_unlock(g->store);
    if (!res) {
        snprintf(pin_out, pin_len, "%s", pending);
        gw_info("device %lld: the admin accepted its new public key %s", (long long)id, pending);
    }
    return res;
}
