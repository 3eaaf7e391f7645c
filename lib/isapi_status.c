/* isapi_status.c: the device's verdict on a request, ResponseStatus in XML
 * or JSON, and the lockout reports that come with failed logins.
 *
 * Devices answer errors with a ResponseStatus body whatever the HTTP status
 * (200, 400, 403...), in any of the ISAPI namespaces, or as JSON on newer
 * firmware. Codes and strings are not always consistent, so everything is
 * kept as sent and only statusCode decides success. The strings are for
 * people and logs: a value too long for its field is cut, not refused. */
#include "hik/isapi.h"
#include "hik/xml_util.h"
#include "isapi_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

bool isapi__copy(char *dst, size_t dst_len, const char *src)
{
    if (dst_len == 0)
        return false;
    size_t len = src ? strlen(src) : 0;
    bool whole = len < dst_len;
    if (!whole) {
        len = dst_len - 1;
        while (len && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
    }
    if (len)
        memcpy(dst, src, len);
    dst[len] = '\0';
    return whole;
}

/* statusCode as a small non-negative number; false when it is not one. */
static bool status__code(const char *text, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < 0 || v > 100000)
        return false;
    *out = (int)v;
    return true;
}

static hik_err status__parse_xml(const uint8_t *body, size_t len, hik_status *out)
{
    xmlDoc *doc = NULL;
    hik_err err = hik_xml_parse(body, len, &doc);
    if (err)
        return err == HIK_ERR_NOMEM ? err : HIK_ERR_PARSE;
    xmlNode *root = xmlDocGetRootElement(doc);
    char code[16];
    err = HIK_ERR_PARSE;
    if (hik_xml_is(root, "ResponseStatus") &&
        hik_xml_child_text(root, "statusCode", code, sizeof(code)) == HIK_OK &&
        status__code(code, &out->status_code)) {
        char num[32];
        hik_xml_child_text(root, "statusString", out->status_string, sizeof(out->status_string));
        hik_xml_child_text(root, "subStatusCode", out->sub_status, sizeof(out->sub_status));
        hik_xml_child_text(root, "requestURL", out->request_url, sizeof(out->request_url));
        hik_xml_child_text(root, "errorMsg", out->error_msg, sizeof(out->error_msg));
        if (hik_xml_child_text(root, "errorCode", num, sizeof(num)) == HIK_OK)
            out->error_code = strtol(num, NULL, 0);
        err = HIK_OK;
    }
    xmlFreeDoc(doc);
    return err;
}

static void status__json_string(json_t *obj, const char *key, char *dst, size_t dst_len)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (s)
        isapi__copy(dst, dst_len, s);
}

static hik_err status__parse_json(const uint8_t *body, size_t len, hik_status *out)
{
    json_t *doc = json_loadb((const char *)body, len, 0, NULL);
    if (!doc)
        return HIK_ERR_PARSE;
    json_t *obj = doc;
    /* Some firmware wraps the fields in {"ResponseStatus": {...}}. */
    if (json_is_object(json_object_get(doc, "ResponseStatus")))
        obj = json_object_get(doc, "ResponseStatus");
    json_t *code = json_object_get(obj, "statusCode");
    hik_err err = HIK_ERR_PARSE;
    if (json_is_integer(code) && json_integer_value(code) >= 0 &&
        json_integer_value(code) <= 100000)
        out->status_code = (int)json_integer_value(code);
    else if (!json_is_string(code) || !status__code(json_string_value(code), &out->status_code))
        goto done;
    status__json_string(obj, "statusString", out->status_string, sizeof(out->status_string));
    status__json_string(obj, "subStatusCode", out->sub_status, sizeof(out->sub_status));
    status__json_string(obj, "requestURL", out->request_url, sizeof(out->request_url));
    status__json_string(obj, "errorMsg", out->error_msg, sizeof(out->error_msg));
    json_t *ec = json_object_get(obj, "errorCode");
    if (json_is_integer(ec))
        out->error_code = (long)json_integer_value(ec);
    err = HIK_OK;
done:
    json_decref(doc);
    return err;
}

/* Skip white space and a UTF-8 byte order mark; returns the offset of the
 * first meaningful byte. */
static size_t status__skip_space(const uint8_t *body, size_t len)
{
    size_t i = 0;
    if (len >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF)
        i = 3;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    return i;
}

hik_err hik_status_parse(const uint8_t *body, size_t len, hik_status *out)
{
    if (!out || (!body && len))
        return HIK_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (len > ISAPI_STATUS_MAX_BODY)
        return HIK_ERR_TOO_BIG;
    size_t i = status__skip_space(body, len);
    hik_err err = HIK_ERR_PARSE;
    if (i < len && body[i] == '{')
        err = status__parse_json(body + i, len - i, out);
    else if (i < len && body[i] == '<')
        err = status__parse_xml(body, len, out);
    if (err)
        memset(out, 0, sizeof(*out));
    return err;
}

void hik_status_describe(const hik_status *st, char *out, size_t out_len)
{
    if (!out || out_len == 0)
        return;
    if (!st || st->status_code == 0) {
        snprintf(out, out_len, "no ResponseStatus");
        return;
    }
    const char *s = st->status_string[0] ? st->status_string : "?";
    int n;
    if (st->sub_status[0])
        n = snprintf(out, out_len, "statusCode %d (%s, %s)", st->status_code, s, st->sub_status);
    else
        n = snprintf(out, out_len, "statusCode %d (%s)", st->status_code, s);
    if (n < 0 || (size_t)n >= out_len || (!st->error_code && !st->error_msg[0]))
        return;
    size_t used = (size_t)n;
    if (st->error_msg[0] && strcmp(st->error_msg, st->sub_status) != 0)
        snprintf(out + used, out_len - used, " errorCode 0x%lx: %s", (unsigned long)st->error_code,
                 st->error_msg);
    else if (st->error_code)
        snprintf(out + used, out_len - used, " errorCode 0x%lx", (unsigned long)st->error_code);
}

/* subStatusCode values that name a lockout ("userLocked", "IPLocked"...):
 * any mention of "lock" that is not about unlocking. */
static bool status__sub_is_lock(const char *sub)
{
    return sub && strcasestr(sub, "lock") && !strcasestr(sub, "unlock");
}

static bool status__lock_xml(const uint8_t *body, size_t len)
{
    xmlDoc *doc = NULL;
    if (hik_xml_parse(body, len, &doc))
        return false;
    char value[32];
    bool locked = hik_xml_text(hik_xml_find(xmlDocGetRootElement(doc), "lockStatus"), value,
                               sizeof(value)) == HIK_OK &&
                  strcasecmp(value, "lock") == 0;
    xmlFreeDoc(doc);
    return locked;
}

static bool status__lock_json_value(json_t *v)
{
    return json_is_string(v) && strcasecmp(json_string_value(v), "lock") == 0;
}

static bool status__lock_json(const uint8_t *body, size_t len)
{
    json_t *doc = json_loadb((const char *)body, len, 0, NULL);
    if (!doc)
        return false;
    bool locked = status__lock_json_value(json_object_get(doc, "lockStatus"));
    const char *key;
    json_t *inner;
    /* {"UserCheck": {"lockStatus": "lock", ...}} and similar wrappers. */
    json_object_foreach(doc, key, inner)
    {
        if (!locked && json_is_object(inner))
            locked = status__lock_json_value(json_object_get(inner, "lockStatus"));
    }
    json_decref(doc);
    return locked;
}

bool isapi__body_reports_lock(const uint8_t *body, size_t len, const hik_status *st)
{
    if (st && status__sub_is_lock(st->sub_status))
        return true;
    if (!body || len == 0 || len > ISAPI_STATUS_MAX_BODY ||
        !memmem(body, len, "lockStatus", strlen("lockStatus")))
        return false;
    size_t i = status__skip_space(body, len);
    if (i < len && body[i] == '{')
        return status__lock_json(body + i, len - i);
    if (i < len && body[i] == '<')
        return status__lock_xml(body, len);
    return false;
}
