/* sadp.c: the SADP codec: <Probe> requests and <ProbeMatch> answers.
 *
 * Anything on the LAN can send to port 37020, and real firmware is sloppy
 * (`flase`, absent fields, odd namespaces), so parsing never trusts a field:
 * each one is read on its own, checked (addresses parse, ports are in
 * range, the MAC has six octets), and left empty when it is wrong instead
 * of failing the whole answer. Only a document that is not XML, or whose
 * root is not the expected element, is refused. The XML itself goes
 * through hik_xml_parse: no network, no DTD, so no entity tricks.
 *
 * Documents are built by hand into a caller's buffer: they are flat, small
 * and the same every time, and a fixed buffer is the bound. */
#include "hik/sadp.h"
#include "hik/xml_util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#define SADP_XML_DECL "<?xml version=\"1.0\" encoding=\"utf-8\"?>"

static const char *const sadp__types[] = {"inquiry", "update", "activate", "reboot",
                                          "resetPassword"};

const char *hik_sadp_type_name(hik_sadp_type type)
{
    if ((unsigned)type >= sizeof(sadp__types) / sizeof(sadp__types[0]))
        return "unknown";
    return sadp__types[type];
}

const char *hik_sadp_result_name(hik_sadp_result result)
{
    static const char *const names[] = {"", "success", "failure", "denied", "other"};
    if ((unsigned)result >= sizeof(names) / sizeof(names[0]))
        return "other";
    return names[result];
}

hik_err hik_sadp_uuid(char out[40])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof(b)) != 1)
        return HIK_ERR_IO;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 40, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return HIK_OK;
}

bool hik_sadp_mac_normalise(const char *text, char out[18])
{
    char hex[12];
    size_t n = 0;
    out[0] = '\0';
    if (!text)
        return false;
    for (const char *p = text; *p; p++) {
        if (*p == ':' || *p == '-' || *p == '.')
            continue;
        if (!isxdigit((unsigned char)*p) || n == sizeof(hex))
            return false;
        hex[n++] = (char)tolower((unsigned char)*p);
    }
    if (n != sizeof(hex))
        return false;
    for (size_t i = 0; i < 6; i++) {
        out[i * 3] = hex[i * 2];
        out[i * 3 + 1] = hex[i * 2 + 1];
        out[i * 3 + 2] = i < 5 ? ':' : '\0';
    }
    return true;
}

/* ---- building ---------------------------------------------------------- */

typedef struct sadp_out {
    char *p;
    size_t cap, len;
    bool over;
} sadp_out;

static void sadp__add(sadp_out *o, const char *s, size_t n)
{
    if (o->over || o->len + n >= o->cap) {
        o->over = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void sadp__str(sadp_out *o, const char *s)
{
    sadp__add(o, s, strlen(s));
}

static void sadp__escaped(sadp_out *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            sadp__str(o, "&amp;");
            break;
        case '<':
            sadp__str(o, "&lt;");
            break;
        case '>':
            sadp__str(o, "&gt;");
            break;
        case '"':
            sadp__str(o, "&quot;");
            break;
        case '\'':
            sadp__str(o, "&apos;");
            break;
        default:
            sadp__add(o, s, 1);
        }
    }
}

/* <name>text</name>, skipped when text is empty. */
static void sadp__elem(sadp_out *o, const char *name, const char *text)
{
    if (!text || !*text)
        return;
    sadp__str(o, "<");
    sadp__str(o, name);
    sadp__str(o, ">");
    sadp__escaped(o, text);
    sadp__str(o, "</");
    sadp__str(o, name);
    sadp__str(o, ">");
}

static void sadp__elem_int(sadp_out *o, const char *name, int v)
{
    char num[16];
    snprintf(num, sizeof(num), "%d", v);
    sadp__elem(o, name, num);
}

/* The MAC as devices write it: lower case with dashes. */
static void sadp__elem_mac(sadp_out *o, const char *mac)
{
    char wire[18];
    if (!mac || !hik_sadp_mac_normalise(mac, wire))
        return;
    for (char *p = wire; *p; p++)
        if (*p == ':')
            *p = '-';
    sadp__elem(o, "MAC", wire);
}

static bool sadp__ipv4_ok(const char *s)
{
    struct in_addr a;
    return !*s || inet_pton(AF_INET, s, &a) == 1;
}

static hik_err sadp__finish(sadp_out *o, size_t *len)
{
    if (o->over)
        return HIK_ERR_TOO_BIG;
    if (len)
        *len = o->len;
    return HIK_OK;
}

hik_err hik_sadp_build_request(const hik_sadp_request *rq, char *out, size_t out_len, size_t *len)
{
    if (!rq || !out || out_len == 0 || (unsigned)rq->type > HIK_SADP_RESET_PASSWORD)
        return HIK_ERR_INVALID;
    out[0] = '\0';
    char mac[18];
    if (strlen(rq->uuid) != 36 || !sadp__ipv4_ok(rq->ipv4) || !sadp__ipv4_ok(rq->ipv4_mask) ||
        !sadp__ipv4_ok(rq->ipv4_gateway))
        return HIK_ERR_INVALID;
    if (rq->type != HIK_SADP_INQUIRY && !hik_sadp_mac_normalise(rq->mac, mac))
        return HIK_ERR_INVALID;
    sadp_out o = {.p = out, .cap = out_len};
    sadp__str(&o, SADP_XML_DECL "<Probe>");
    sadp__elem(&o, "Uuid", rq->uuid);
    sadp__elem(&o, "Types", hik_sadp_type_name(rq->type));
    if (rq->type != HIK_SADP_INQUIRY) {
        sadp__elem_mac(&o, rq->mac);
        sadp__elem(&o, "Password", rq->password);
    }
    if (rq->type == HIK_SADP_UPDATE) {
        sadp__elem(&o, "DHCP", rq->dhcp ? "true" : "false");
        sadp__elem(&o, "IPv4Address", rq->ipv4);
        sadp__elem(&o, "IPv4SubnetMask", rq->ipv4_mask);
        sadp__elem(&o, "IPv4Gateway", rq->ipv4_gateway);
        if (rq->command_port > 0)
            sadp__elem_int(&o, "CommandPort", rq->command_port);
        if (rq->http_port > 0)
            sadp__elem_int(&o, "HttpPort", rq->http_port);
    }
    if (rq->type == HIK_SADP_RESET_PASSWORD)
        sadp__elem(&o, "Code", rq->code);
    sadp__str(&o, "</Probe>");
    return sadp__finish(&o, len);
}

hik_err hik_sadp_build_match(const hik_sadp_device *d, char *out, size_t out_len, size_t *len)
{
    if (!d || !out || out_len == 0)
        return HIK_ERR_INVALID;
    out[0] = '\0';
    sadp_out o = {.p = out, .cap = out_len};
    sadp__str(&o, SADP_XML_DECL "<ProbeMatch>");
    sadp__elem(&o, "Uuid", d->uuid);
    sadp__elem(&o, "Types", d->types[0] ? d->types : "inquiry");
    sadp__elem(&o, "DeviceType", d->device_type);
    sadp__elem(&o, "DeviceDescription", d->model);
    sadp__elem(&o, "DeviceSN", d->serial);
    if (d->command_port > 0)
        sadp__elem_int(&o, "CommandPort", d->command_port);
    if (d->http_port > 0)
        sadp__elem_int(&o, "HttpPort", d->http_port);
    sadp__elem_mac(&o, d->mac);
    sadp__elem(&o, "IPv4Address", d->ipv4);
    sadp__elem(&o, "IPv4SubnetMask", d->ipv4_mask);
    sadp__elem(&o, "IPv4Gateway", d->ipv4_gateway);
    sadp__elem(&o, "IPv6Address", d->ipv6[0] ? d->ipv6 : "::");
    sadp__elem(&o, "DHCP", d->dhcp ? "true" : "false");
    sadp__elem_int(&o, "AnalogChannelNum", d->analog_channels);
    sadp__elem_int(&o, "DigitalChannelNum", d->digital_channels);
    sadp__elem(&o, "SoftwareVersion", d->software_version);
    sadp__elem(&o, "DSPVersion", d->dsp_version);
    sadp__elem(&o, "BootTime", d->boot_time);
    sadp__elem(&o, "Activated", d->activated ? "true" : "false");
    sadp__elem(&o, "PasswordResetAbility", d->password_reset_ability ? "true" : "false");
    sadp__elem(&o, "Salt", d->salt);
    if (d->sdk_tls_port > 0)
        sadp__elem_int(&o, "SDKOverTLSPort", d->sdk_tls_port);
    if (d->result != HIK_SADP_RESULT_NONE)
        sadp__elem(&o, "Result", hik_sadp_result_name(d->result));
    sadp__str(&o, "</ProbeMatch>");
    return sadp__finish(&o, len);
}

/* ---- parsing ----------------------------------------------------------- */

/* Text of a direct child; "" when absent or too long for out. */
static void sadp__text(const xmlNode *root, const char *name, char *out, size_t out_len)
{
    if (hik_xml_child_text(root, name, out, out_len) != HIK_OK)
        out[0] = '\0';
}

static bool sadp__bool(const xmlNode *root, const char *name)
{
    char v[16];
    sadp__text(root, name, v, sizeof(v));
    return strcasecmp(v, "true") == 0;
}

static int sadp__int(const xmlNode *root, const char *name, long max)
{
    char v[24];
    sadp__text(root, name, v, sizeof(v));
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!v[0] || *end || errno || n < 0 || n > max)
        return 0;
    return (int)n;
}

static void sadp__addr(const xmlNode *root, const char *name, int family, char *out, size_t out_len)
{
    unsigned char bin[16];
    sadp__text(root, name, out, out_len);
    if (out[0] && inet_pton(family, out, bin) != 1)
        out[0] = '\0';
}

static void sadp__mac(const xmlNode *root, char out[18])
{
    char v[64];
    sadp__text(root, "MAC", v, sizeof(v));
    hik_sadp_mac_normalise(v, out);
}

static hik_err sadp__open(const uint8_t *buf, size_t len, const char *root_name, xmlDoc **doc,
                          xmlNode **root)
{
    if (!buf)
        return HIK_ERR_INVALID;
    if (len > HIK_SADP_MAX_MSG)
        return HIK_ERR_TOO_BIG;
    hik_err err = hik_xml_parse(buf, len, doc);
    if (err)
        return err;
    *root = xmlDocGetRootElement(*doc);
    if (!hik_xml_is(*root, root_name)) {
        xmlFreeDoc(*doc);
        *doc = NULL;
        return HIK_ERR_PARSE;
    }
    return HIK_OK;
}

static hik_sadp_result sadp__result(const xmlNode *root)
{
    char v[32];
    if (!hik_xml_child(root, "Result"))
        return HIK_SADP_RESULT_NONE;
    sadp__text(root, "Result", v, sizeof(v));
    if (strcasecmp(v, "success") == 0)
        return HIK_SADP_RESULT_SUCCESS;
    if (strcasecmp(v, "failure") == 0 || strcasecmp(v, "failed") == 0)
        return HIK_SADP_RESULT_FAILURE;
    if (strcasecmp(v, "denied") == 0)
        return HIK_SADP_RESULT_DENIED;
    return HIK_SADP_RESULT_OTHER;
}

hik_err hik_sadp_parse_match(const uint8_t *buf, size_t len, hik_sadp_device *out)
{
    if (!out)
        return HIK_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    xmlDoc *doc = NULL;
    xmlNode *r = NULL;
    hik_err err = sadp__open(buf, len, "ProbeMatch", &doc, &r);
    if (err)
        return err;
    sadp__text(r, "Uuid", out->uuid, sizeof(out->uuid));
    sadp__text(r, "Types", out->types, sizeof(out->types));
    sadp__text(r, "DeviceType", out->device_type, sizeof(out->device_type));
    sadp__text(r, "DeviceDescription", out->model, sizeof(out->model));
    sadp__text(r, "DeviceSN", out->serial, sizeof(out->serial));
    sadp__mac(r, out->mac);
    sadp__addr(r, "IPv4Address", AF_INET, out->ipv4, sizeof(out->ipv4));
    sadp__addr(r, "IPv4SubnetMask", AF_INET, out->ipv4_mask, sizeof(out->ipv4_mask));
    sadp__addr(r, "IPv4Gateway", AF_INET, out->ipv4_gateway, sizeof(out->ipv4_gateway));
    sadp__addr(r, "IPv6Address", AF_INET6, out->ipv6, sizeof(out->ipv6));
    sadp__text(r, "SoftwareVersion", out->software_version, sizeof(out->software_version));
    sadp__text(r, "DSPVersion", out->dsp_version, sizeof(out->dsp_version));
    sadp__text(r, "BootTime", out->boot_time, sizeof(out->boot_time));
    sadp__text(r, "Salt", out->salt, sizeof(out->salt));
    out->command_port = sadp__int(r, "CommandPort", 65535);
    out->http_port = sadp__int(r, "HttpPort", 65535);
    out->sdk_tls_port = sadp__int(r, "SDKOverTLSPort", 65535);
    out->analog_channels = sadp__int(r, "AnalogChannelNum", 4096);
    out->digital_channels = sadp__int(r, "DigitalChannelNum", 4096);
    out->dhcp = sadp__bool(r, "DHCP");
    out->activated = sadp__bool(r, "Activated");
    out->password_reset_ability = sadp__bool(r, "PasswordResetAbility");
    out->result = sadp__result(r);
    xmlFreeDoc(doc);
    return HIK_OK;
}

hik_err hik_sadp_parse_request(const uint8_t *buf, size_t len, hik_sadp_request *out)
{
    if (!out)
        return HIK_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    xmlDoc *doc = NULL;
    xmlNode *r = NULL;
    hik_err err = sadp__open(buf, len, "Probe", &doc, &r);
    if (err)
        return err;
    char types[32];
    sadp__text(r, "Types", types, sizeof(types));
    err = HIK_ERR_UNSUPPORTED;
    for (size_t i = 0; i < sizeof(sadp__types) / sizeof(sadp__types[0]); i++) {
        if (strcasecmp(types, sadp__types[i]) == 0) {
            out->type = (hik_sadp_type)i;
            err = HIK_OK;
        }
    }
    sadp__text(r, "Uuid", out->uuid, sizeof(out->uuid));
    sadp__mac(r, out->mac);
    sadp__text(r, "Password", out->password, sizeof(out->password));
    sadp__addr(r, "IPv4Address", AF_INET, out->ipv4, sizeof(out->ipv4));
    sadp__addr(r, "IPv4SubnetMask", AF_INET, out->ipv4_mask, sizeof(out->ipv4_mask));
    sadp__addr(r, "IPv4Gateway", AF_INET, out->ipv4_gateway, sizeof(out->ipv4_gateway));
    out->command_port = sadp__int(r, "CommandPort", 65535);
    out->http_port = sadp__int(r, "HttpPort", 65535);
    out->dhcp = sadp__bool(r, "DHCP");
    sadp__text(r, "Code", out->code, sizeof(out->code));
    xmlFreeDoc(doc);
    return err;
}
