/* isapi_system.c: reboot, configuration backup and restore, firmware.
 *
 * Backups and firmware images are opaque binaries of megabytes (firmware:
 * tens of megabytes), so both directions stream through a file descriptor
 * (isapi__request_stream) and never sit in memory whole. An upload is
 * read with pread from its start offset, so libcurl can rewind it when a
 * digest challenge makes it send the body again.
 *
 * A firmware file is checked before a single byte goes out: flashing a
 * wrong file is the one mistake a remote user cannot undo. The check is
 * the public knowledge about digicap.dav: a header obfuscated with a fixed
 * 16-byte XOR key (byte i uses key[(i + (i >> 4)) & 15]) whose first four
 * bytes then read "SWKH", followed by a checksum and the header length
 * (little endian). The magic is confirmed by two independent public
 * descriptions; the meaning of the words after it is not verified against
 * a real image here, so only "the header length fits the file" is checked.
 *
 * After the upload the device reports progress in upgradeStatus, then
 * restarts. The upgrade is only called done when the device has gone away,
 * come back (both bounded), and reports a different firmwareVersion. */
#include "hik/isapi_manage.h"
#include "isapi_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hik/xml_util.h"

#define SYSTEM_HEADER_LEN 16u

static const uint8_t system__dav_key[16] = {0xba, 0xcd, 0xbc, 0xfe, 0xd6, 0xca, 0xdd, 0xd3,
                                            0xba, 0xb9, 0xa3, 0xab, 0xbf, 0xcb, 0xb5, 0xbe};

hik_err hik_isapi_reboot(hik_isapi *isapi, hik_reply *reply)
{
    return hik_isapi_request(isapi, "PUT", "/ISAPI/System/reboot", NULL, NULL, 0, reply);
}

hik_err hik_isapi_config_export(hik_isapi *isapi, int fd, uint64_t max, uint64_t *written,
                                hik_reply *reply)
{
    if (written)
        *written = 0;
    if (fd < 0 || max == 0) {
        if (reply)
            memset(reply, 0, sizeof(*reply));
        return HIK_ERR_INVALID;
    }
    isapi_stream st = {.in_fd = -1, .out_fd = fd, .out_max = max, .timeout_ms = 5 * 60 * 1000};
    hik_err err =
        isapi__request_stream(isapi, "GET", "/ISAPI/System/configurationData", NULL, &st, reply);
    if (written)
        *written = st.out_written;
    return err;
}

/* Size of the file behind fd; HIK_ERR_IO when it is not a regular file. */
static hik_err system__file_size(int fd, uint64_t *size)
{
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        return HIK_ERR_IO;
    *size = (uint64_t)sb.st_size;
    return HIK_OK;
}

hik_err hik_isapi_config_import(hik_isapi *isapi, int fd, hik_reply *reply)
{
    uint64_t size = 0;
    if (reply)
        memset(reply, 0, sizeof(*reply));
    if (system__file_size(fd, &size) || size == 0) {
        if (reply)
            snprintf(reply->error, sizeof(reply->error), "the backup file is empty or unreadable");
        return HIK_ERR_IO;
    }
    isapi_stream st = {.in_fd = fd, .in_size = size, .out_fd = -1, .timeout_ms = 5 * 60 * 1000};
    return isapi__request_stream(isapi, "PUT", "/ISAPI/System/configurationData",
                                 "application/octet-stream", &st, reply);
}

static uint32_t system__le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

hik_err hik_firmware_check_header(const uint8_t *head, size_t head_len, uint64_t size, char *why,
                                  size_t why_len)
{
    const char *fail = NULL;
    uint8_t h[SYSTEM_HEADER_LEN];
    if (size < HIK_FIRMWARE_MIN_SIZE)
        fail = "too small to be a firmware image";
    else if (size > HIK_FIRMWARE_MAX_SIZE)
        fail = "larger than any firmware image";
    else if (!head || head_len < sizeof(h))
        fail = "not a firmware image (no digicap.dav header)";
    if (!fail) {
        for (size_t i = 0; i < sizeof(h); i++)
            h[i] = head[i] ^ system__dav_key[(i + (i >> 4)) & 15];
        uint32_t header_len = system__le32(h + 8);
        if (memcmp(h, "SWKH", 4) != 0)
            fail = "not a firmware image (no digicap.dav header)";
        else if (header_len < SYSTEM_HEADER_LEN || header_len > size)
            fail = "damaged firmware image (header length does not fit the file)";
    }
    if (why && why_len)
        snprintf(why, why_len, "%s", fail ? fail : "");
    return fail ? HIK_ERR_INVALID : HIK_OK;
}

hik_err hik_firmware_check(int fd, uint64_t *size_out, char *why, size_t why_len)
{
    uint64_t size = 0;
    uint8_t h[SYSTEM_HEADER_LEN];
    if (system__file_size(fd, &size)) {
        snprintf(why, why_len, "the firmware file cannot be read");
        return HIK_ERR_IO;
    }
    if (size_out)
        *size_out = size;
    ssize_t got = size >= sizeof(h) ? pread(fd, h, sizeof(h), 0) : 0;
    if (got < 0) {
        snprintf(why, why_len, "the firmware file cannot be read: %s", strerror(errno));
        return HIK_ERR_IO;
    }
    return hik_firmware_check_header(h, (size_t)got, size, why, why_len);
}

hik_err hik_isapi_upgrade_status(hik_isapi *isapi, hik_upgrade_status *out, hik_reply *reply)
{
    if (!out)
        return HIK_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    hik_err err =
        hik_isapi_request(isapi, "GET", "/ISAPI/System/upgradeStatus", NULL, NULL, 0, reply);
    if (err)
        return err;
    xmlDoc *doc = NULL;
    err = hik_xml_parse(reply->body, reply->len, &doc);
    xmlNode *root = err ? NULL : xmlDocGetRootElement(doc);
    char up[16] = "", pct[16] = "";
    if (root && hik_xml_is(root, "upgradeStatus") &&
        !hik_xml_child_text(root, "upgrading", up, sizeof(up))) {
        hik_xml_child_text(root, "percent", pct, sizeof(pct));
        out->upgrading = strcasecmp(up, "true") == 0;
        int p = atoi(pct);
        out->percent = p < 0 ? 0 : p > 100 ? 100 : p;
    } else {
        err = HIK_ERR_PARSE;
        isapi__copy(reply->error, sizeof(reply->error), "not an upgradeStatus document");
    }
    xmlFreeDoc(doc);
    return err;
}

static int64_t system__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void system__sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static bool system__gone(hik_err err)
{
    return err == HIK_ERR_NETWORK || err == HIK_ERR_TIMEOUT;
}

hik_err hik_isapi_wait_restart(hik_isapi *isapi, long down_ms, long up_ms, long poll_ms,
                               hik_device_info *after, hik_reply *reply)
{
    hik_device_info info;
    hik_err err = HIK_OK;
    if (!reply)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    poll_ms = poll_ms > 0 ? poll_ms : 1000;
    int64_t deadline = system__now_ms() + down_ms;
    /* gone: the first request that gets no HTTP answer */
    for (; down_ms > 0;) {
        hik_reply_free(reply);
        err = hik_isapi_device_info(isapi, &info, reply);
        if (system__gone(err))
            break;
        if (err == HIK_ERR_AUTH || err == HIK_ERR_LOCKED)
            return err;
        if (system__now_ms() >= deadline) {
            snprintf(reply->error, sizeof(reply->error), "the device did not restart within %ld s",
                     down_ms / 1000);
            return HIK_ERR_TIMEOUT;
        }
        system__sleep_ms(poll_ms);
    }
    deadline = system__now_ms() + up_ms;
    for (;;) {
        system__sleep_ms(poll_ms);
        hik_reply_free(reply);
        err = hik_isapi_device_info(isapi, &info, reply);
        if (!system__gone(err))
            break;
        if (system__now_ms() >= deadline) {
            snprintf(reply->error, sizeof(reply->error),
                     "the device did not come back within %ld s after restarting", up_ms / 1000);
            return HIK_ERR_TIMEOUT;
        }
    }
    if (!err && after)
        *after = info;
    return err;
}

static void system__progress(const hik_firmware_opts *o, const char *phase, int pct)
{
    if (o->progress)
        o->progress(o->ctx, phase, pct);
}

/* Follow upgradeStatus until done, or until the device stops answering
 * (it restarts on its own). *gone says which. */
static hik_err system__follow(hik_isapi *isapi, const hik_firmware_opts *o, bool *gone,
                              hik_reply *reply)
{
    int64_t deadline = system__now_ms() + o->upgrade_timeout_ms;
    *gone = false;
    for (;;) {
        hik_upgrade_status us;
        hik_reply_free(reply);
        hik_err err = hik_isapi_upgrade_status(isapi, &us, reply);
        if (system__gone(err)) {
            *gone = true;
            return HIK_OK;
        }
        if (err == HIK_ERR_NOT_FOUND) /* no progress resource: go on to the restart */
            return HIK_OK;
        if (err)
            return err;
        system__progress(o, "upgrading", us.percent);
        if (!us.upgrading && us.percent >= 100)
            return HIK_OK;
        if (system__now_ms() >= deadline) {
            snprintf(reply->error, sizeof(reply->error),
                     "the upgrade did not finish within %ld s (last %d%%)",
                     o->upgrade_timeout_ms / 1000, us.percent);
            return HIK_ERR_TIMEOUT;
        }
        system__sleep_ms(o->poll_ms);
    }
}

static void system__defaults(const hik_firmware_opts *in, hik_firmware_opts *o)
{
    *o = in ? *in : (hik_firmware_opts){0};
    if (o->upload_timeout_ms <= 0)
        o->upload_timeout_ms = 15 * 60 * 1000L;
    if (o->upgrade_timeout_ms <= 0)
        o->upgrade_timeout_ms = 10 * 60 * 1000L;
    if (o->down_timeout_ms <= 0)
        o->down_timeout_ms = 2 * 60 * 1000L;
    if (o->up_timeout_ms <= 0)
        o->up_timeout_ms = 5 * 60 * 1000L;
    if (o->poll_ms <= 0)
        o->poll_ms = 1000;
}

/* Upload; statusCode 7 ("Reboot Required") means the image is in and the
 * device waits to be restarted, which is then asked for. */
static hik_err system__upload(hik_isapi *isapi, int fd, uint64_t size, const hik_firmware_opts *o,
                              bool *restart_asked, hik_reply *reply)
{
    isapi_stream st = {
        .in_fd = fd, .in_size = size, .out_fd = -1, .timeout_ms = o->upload_timeout_ms};
    system__progress(o, "uploading", 0);
    hik_err err = isapi__request_stream(isapi, "PUT", "/ISAPI/System/updateFirmware",
                                        "application/octet-stream", &st, reply);
    *restart_asked = false;
    if (err == HIK_ERR_DEVICE && reply->status.status_code == 7) {
        hik_reply_free(reply);
        err = hik_isapi_reboot(isapi, reply);
        *restart_asked = true;
    }
    return err;
}

hik_err hik_isapi_firmware_upgrade(hik_isapi *isapi, int fd, const hik_firmware_opts *opts,
                                   hik_device_info *after, hik_reply *reply)
{
    if (!reply)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    hik_firmware_opts o;
    system__defaults(opts, &o);
    uint64_t size = 0;
    hik_err err = hik_firmware_check(fd, &size, reply->error, sizeof(reply->error));
    if (err)
        return err;
    hik_device_info before, now;
    err = hik_isapi_device_info(isapi, &before, reply);
    bool gone = false, restart_asked = false;
    if (!err) {
        hik_reply_free(reply);
        err = system__upload(isapi, fd, size, &o, &restart_asked, reply);
    }
    if (!err && !restart_asked)
        err = system__follow(isapi, &o, &gone, reply);
    if (err)
        return err;
    system__progress(&o, "rebooting", 100);
    hik_reply_free(reply);
    /* Already gone: the restart has begun, so only the way back is left. */
    err = hik_isapi_wait_restart(isapi, gone ? 0 : o.down_timeout_ms, o.up_timeout_ms, o.poll_ms,
                                 &now, reply);
    if (err)
        return err;
    system__progress(&o, "verifying", 100);
    if (after)
        *after = now;
    if (strcmp(now.firmware, before.firmware) == 0) {
        snprintf(reply->error, sizeof(reply->error),
                 "the device restarted with the same firmware version %s: upgrade not applied",
                 now.firmware);
        return HIK_ERR_DEVICE;
    }
    return HIK_OK;
}
