/* isapi_manage.h: managing a device over ISAPI: activation, password,
 * IP address, reboot, configuration backup and restore, firmware upgrade.
 *
 * Every call takes the device's hik_isapi handle (include/hik/isapi.h) and
 * a reply that is always filled and freed by the caller with
 * hik_reply_free, on success and on error alike, so the device's own
 * ResponseStatus is at hand whenever it refuses. None of these calls ever
 * retries after a 401: a management operation that meets a rejected
 * password stops there, because retrying is how cameras lock accounts.
 *
 * Large bodies (backups, firmware images) are streamed from and to file
 * descriptors and never held in memory whole. */
#ifndef HIK_ISAPI_MANAGE_H
#define HIK_ISAPI_MANAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hik/error.h"
#include "hik/isapi.h"

/* ---- passwords (lib/isapi_user.c) ------------------------------------- */

#define HIK_PASSWORD_MIN 8
#define HIK_PASSWORD_MAX 16

/* The strength rules devices enforce on a new admin password, checked
 * before anything is sent: 8 to 16 printable ASCII characters, at least two
 * of the classes digits / lower case / upper case / other, and not
 * containing the user name (case-insensitive). HIK_ERR_INVALID with `why`
 * naming the broken rule. user may be NULL. */
hik_err hik_password_check(const char *user, const char *password, char *why, size_t why_len);

/* Change the password of the device account `user_id` (1 is admin) named
 * `user_name`: checked with hik_password_check, sent as
 * PUT /ISAPI/Security/users/<id>, authenticated with the current
 * credentials; on success the handle switches to the new password. */
hik_err hik_isapi_user_password_set(hik_isapi *isapi, int user_id, const char *user_name,
                                    const char *new_password, hik_reply *reply);

/* ---- activation (lib/isapi_activate.c) ------------------------------- */

/* GET /SDK/activateStatus (no credentials needed): *activated. */
hik_err hik_isapi_activate_status(hik_isapi *isapi, bool *activated, hik_reply *reply);

/* Activate a new device with its first admin password: strength check,
 * RSA challenge (POST /ISAPI/Security/challenge), AES-encrypted password
 * (PUT /ISAPI/System/activate). The handle needs no credentials; on
 * success it switches to admin and the new password. rsa_bits 1024 or
 * 2048 (0 = 2048). */
hik_err hik_isapi_activate(hik_isapi *isapi, const char *password, int rsa_bits, hik_reply *reply);

/* ---- network (lib/isapi_network.c) ----------------------------------- */

/* One interface's IPv4 settings (IPAddress document). In a write, an empty
 * string leaves the device's value as it is. */
typedef struct hik_ip_address {
    char addressing[16]; /* "static" or "dynamic" (DHCP) */
    char address[48];
    char mask[48];
    char gateway[48];
    char dns1[48];
    char dns2[48];
} hik_ip_address;

hik_err hik_isapi_ip_address_get(hik_isapi *isapi, int iface, hik_ip_address *out,
                                 hik_reply *reply);

/* Read-modify-write of /ISAPI/System/Network/interfaces/<iface>/ipAddress:
 * elements this library does not know are sent back as the device gave
 * them. Values are validated first (dotted IPv4, contiguous mask):
 * HIK_ERR_INVALID with reply->error naming the field. */
hik_err hik_isapi_ip_address_set(hik_isapi *isapi, int iface, const hik_ip_address *in,
                                 hik_reply *reply);

/* ---- system: reboot, backup, firmware (lib/isapi_system.c) ------------ */

/* PUT /ISAPI/System/reboot. */
hik_err hik_isapi_reboot(hik_isapi *isapi, hik_reply *reply);

/* GET /ISAPI/System/configurationData written to fd as it arrives (at
 * most max bytes, else HIK_ERR_TOO_BIG); *written gets the size. */
hik_err hik_isapi_config_export(hik_isapi *isapi, int fd, uint64_t max, uint64_t *written,
                                hik_reply *reply);

/* PUT /ISAPI/System/configurationData from fd (the whole file, from offset
 * 0). Many devices reboot afterwards. */
hik_err hik_isapi_config_import(hik_isapi *isapi, int fd, hik_reply *reply);

#define HIK_FIRMWARE_MIN_SIZE (64u * 1024u)
#define HIK_FIRMWARE_MAX_SIZE (512ull * 1024u * 1024u)

/* Is the file a firmware image (digicap.dav)? Checks the size bounds and
 * the header: its first bytes, de-obfuscated with the key public tools
 * use, must read "SWKH" and declare a header length that fits the file.
 * HIK_ERR_INVALID with `why` saying what is wrong; HIK_ERR_IO when the
 * file cannot be read. */
hik_err hik_firmware_check(int fd, uint64_t *size, char *why, size_t why_len);
/* The same check on the first head_len bytes of an image of `size` bytes
 * (what a device receiving one can do). */
hik_err hik_firmware_check_header(const uint8_t *head, size_t head_len, uint64_t size, char *why,
                                  size_t why_len);

/* GET /ISAPI/System/upgradeStatus. */
typedef struct hik_upgrade_status {
    bool upgrading;
    int percent; /* 0-100 */
} hik_upgrade_status;

hik_err hik_isapi_upgrade_status(hik_isapi *isapi, hik_upgrade_status *out, hik_reply *reply);

typedef struct hik_firmware_opts {
    long upload_timeout_ms;  /* 0 = 15 minutes */
    long upgrade_timeout_ms; /* upgradeStatus until done; 0 = 10 minutes */
    long down_timeout_ms;    /* device gone after the upgrade; 0 = 2 minutes */
    long up_timeout_ms;      /* device back after going away; 0 = 5 minutes */
    long poll_ms;            /* 0 = 1000 */
    /* Called with the upgrade's progress (0-100) and a phase name
     * ("uploading", "upgrading", "rebooting", "verifying"). May be NULL. */
    void (*progress)(void *ctx, const char *phase, int percent);
    void *ctx;
} hik_firmware_opts;

/* The whole upgrade: check the file, note the current firmwareVersion,
 * stream the file to PUT /ISAPI/System/updateFirmware, follow
 * upgradeStatus, wait for the reboot (gone, then back, both bounded),
 * and read firmwareVersion again into *after. HIK_ERR_TIMEOUT when the
 * device does not restart or does not come back in time; HIK_ERR_DEVICE
 * when it comes back with the old version. */
hik_err hik_isapi_firmware_upgrade(hik_isapi *isapi, int fd, const hik_firmware_opts *opts,
                                   hik_device_info *after, hik_reply *reply);

/* Wait for a restart: deviceInfo stops answering within down_ms, then
 * answers again within up_ms (polling every poll_ms). *after gets the
 * identity the device reports once back; down_ms 0 when the device is
 * known to be gone already. HIK_ERR_AUTH at once on a 401. */
hik_err hik_isapi_wait_restart(hik_isapi *isapi, long down_ms, long up_ms, long poll_ms,
                               hik_device_info *after, hik_reply *reply);

#endif
