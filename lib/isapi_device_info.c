/* isapi_device_info.c: GET /ISAPI/System/deviceInfo, the device's identity.
 *
 * The gateway attributes events by MAC address or serial number before the
 * IP address (addresses move behind NAT and DHCP), so those two must be
 * exact: a serial that does not fit its field is an error, not a cut, and
 * the MAC is normalised to one spelling (lower case, colons) whatever the
 * firmware wrote. A MAC that is not six octets (redacted captures say
 * "XX:XX:...") is left empty rather than failing the whole identity. */
#include "hik/isapi.h"
#include "hik/xml_util.h"
#include "isapi_internal.h"

#include <ctype.h>
#include <string.h>

/* "44:19:B6:0A:BC:DE", "44-19-b6-0a-bc-de", "4419b60abcde" ->
 * "44:19:b6:0a:bc:de"; false when the text is not six octets. */
static bool device_info__mac(const char *text, char *out, size_t out_len)
{
    char hex[12];
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == ':' || *p == '-' || *p == '.')
            continue;
        if (!isxdigit((unsigned char)*p) || n == sizeof(hex))
            return false;
        hex[n++] = (char)tolower((unsigned char)*p);
    }
    if (n != sizeof(hex) || out_len < 18)
        return false;
    for (size_t i = 0; i < 6; i++) {
        out[i * 3] = hex[i * 2];
        out[i * 3 + 1] = hex[i * 2 + 1];
        out[i * 3 + 2] = i < 5 ? ':' : '\0';
    }
    return true;
}

/* An absent element is fine (older firmware omits some); one too long for
 * its field is not. */
static hik_err device_info__field(const xmlNode *root, const char *name, char *out, size_t len)
{
    hik_err err = hik_xml_child_text(root, name, out, len);
    return err == HIK_ERR_TOO_BIG ? err : HIK_OK;
}

static hik_err device_info__parse(const uint8_t *body, size_t len, hik_device_info *out)
{
    xmlDoc *doc = NULL;
    hik_err err = hik_xml_parse(body, len, &doc);
    if (err)
        return err;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!hik_xml_is(root, "DeviceInfo")) {
        xmlFreeDoc(doc);
        return HIK_ERR_PARSE;
    }
    char mac[64] = "";
    err = device_info__field(root, "deviceName", out->device_name, sizeof(out->device_name));
    if (!err)
        err = device_info__field(root, "model", out->model, sizeof(out->model));
    if (!err)
        err = device_info__field(root, "serialNumber", out->serial, sizeof(out->serial));
    if (!err)
        err = device_info__field(root, "firmwareVersion", out->firmware, sizeof(out->firmware));
    if (!err)
        err = device_info__field(root, "firmwareReleasedDate", out->firmware_build,
                                 sizeof(out->firmware_build));
    if (!err)
        err = device_info__field(root, "deviceType", out->device_type, sizeof(out->device_type));
    if (!err && hik_xml_child_text(root, "macAddress", mac, sizeof(mac)) == HIK_OK &&
        !device_info__mac(mac, out->mac, sizeof(out->mac)))
        out->mac[0] = '\0';
    xmlFreeDoc(doc);
    return err;
}

hik_err hik_isapi_device_info(hik_isapi *isapi, hik_device_info *out, hik_reply *reply)
{
    if (!out || !reply)
        return HIK_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    hik_err err = hik_isapi_request(isapi, "GET", "/ISAPI/System/deviceInfo", NULL, NULL, 0, reply);
    if (err)
        return err;
    err = device_info__parse(reply->body, reply->len, out);
    if (err) {
        memset(out, 0, sizeof(*out));
        isapi__copy(reply->error, sizeof(reply->error),
                    err == HIK_ERR_TOO_BIG ? "DeviceInfo field too long" : "not a DeviceInfo");
    }
    return err;
}
