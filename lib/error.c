/* error.c: names and sentences for hik_err. */
#include "hik/error.h"

static const struct {
    const char *name;
    const char *text;
} table[HIK_ERR__COUNT] = {
    [HIK_OK] = {"ok", "success"},
    [HIK_ERR_NOMEM] = {"nomem", "out of memory"},
    [HIK_ERR_INVALID] = {"invalid", "invalid argument"},
    [HIK_ERR_PARSE] = {"parse", "malformed input"},
    [HIK_ERR_TOO_BIG] = {"too_big", "input exceeds a size limit"},
    [HIK_ERR_TRUNCATED] = {"truncated", "input ended before it was complete"},
    [HIK_ERR_UNSUPPORTED] = {"unsupported", "input not understood"},
    [HIK_ERR_NETWORK] = {"network", "network error talking to the device"},
    [HIK_ERR_TIMEOUT] = {"timeout", "no answer from the device in time"},
    [HIK_ERR_AUTH] = {"auth_rejected", "the device rejected the credentials"},
    [HIK_ERR_LOCKED] = {"locked_out", "the device has locked this client out"},
    [HIK_ERR_FORBIDDEN] = {"forbidden", "the device refused the request"},
    [HIK_ERR_NOT_FOUND] = {"not_found", "the device does not have this resource"},
    [HIK_ERR_DEVICE] = {"device_error", "the device reported an error"},
    [HIK_ERR_HTTP] = {"http_error", "unexpected HTTP status from the device"},
    [HIK_ERR_TLS] = {"tls", "TLS error talking to the device"},
    [HIK_ERR_IO] = {"io", "local I/O error"},
};

const char *hik_err_name(hik_err err)
{
    if ((unsigned)err >= HIK_ERR__COUNT)
        return "unknown";
    return table[err].name;
}

const char *hik_err_str(hik_err err)
{
    if ((unsigned)err >= HIK_ERR__COUNT)
        return "unknown error";
    return table[err].text;
}
