/* api_discovery.c: /api/v1/discovery, the devices SADP finds on the LAN.
 *
 * GET runs one scan and lists what answered, each marked with the id of
 * the declared device it already is (same MAC or address). declare turns
 * a discovered device into a declared one in one call: its address and
 * HTTP port come from the scan, the rest is the ordinary device creation
 * (validation, sealed password, identity probe). update changes a
 * device's network settings over SADP, authenticated by its admin
 * password, which is never logged or kept. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "api_routes.h"
#include "discovery.h"
#include "log.h"

#define DISCOVERY_MIN_TIMEOUT_MS 100

/* Optional integer query or body value in [lo, hi]; false after 400. */
static bool discovery__timeout(api_req *rq, api_resp *rs, json_t *v, const char *s, int *out)
{
    int64_t n = GW_DISCOVERY_DEFAULT_TIMEOUT_MS;
    bool ok = true;
    if (s) {
        ok = api_parse_i64(s, &n);
    } else if (v) {
        ok = json_is_integer(v);
        n = json_integer_value(v);
    }
    if (!ok || n < DISCOVERY_MIN_TIMEOUT_MS || n > GW_DISCOVERY_MAX_TIMEOUT_MS) {
        api_error(rs, 400, "timeout_ms", "timeout_ms must be an integer from %d to %d",
                  DISCOVERY_MIN_TIMEOUT_MS, GW_DISCOVERY_MAX_TIMEOUT_MS);
        return false;
    }
    *out = (int)n;
    return true;
}

static void discovery__scan_failed(api_resp *rs, hik_err err)
{
    api_error(rs, 503, NULL,
              "discovery probe could not be sent (%s): check --sadp-interface and"
              " --sadp-target",
              hik_err_str(err));
}

void api_discovery_scan(api_req *rq, api_resp *rs)
{
    int timeout_ms;
    if (!discovery__timeout(rq, rs, NULL, api_query(rq, "timeout_ms"), &timeout_ms))
        return;
    hik_sadp_scan scan;
    hik_err err = gw_discovery_scan(rq->g, timeout_ms, &scan);
    if (err) {
        hik_sadp_scan_free(&scan);
        return discovery__scan_failed(rs, err);
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < scan.n; i++) {
        int64_t declared = gw_discovery_declared(rq->g, &scan.devices[i]);
        if (declared < 0) {
            json_decref(list);
            hik_sadp_scan_free(&scan);
            return api_error_store(rs);
        }
        json_array_append_new(list, gw_discovery_device_json(&scan.devices[i], declared));
    }
    api_reply(rs, 200,
              json_pack("{s:o, s:i, s:I, s:I, s:I}", "devices", list, "timeout_ms", timeout_ms,
                        "duplicates", (json_int_t)scan.duplicates, "ignored",
                        (json_int_t)scan.ignored, "dropped", (json_int_t)scan.dropped));
    hik_sadp_scan_free(&scan);
}

/* The body's "mac", normalised; false after 400. */
static bool discovery__mac(api_req *rq, api_resp *rs, char mac[18])
{
    const char *s = json_string_value(json_object_get(rq->body, "mac"));
    if (!s || !hik_sadp_mac_normalise(s, mac)) {
        api_error(rs, 400, "mac", "mac must be a MAC address such as 58-50-ed-1f-e3-85");
        return false;
    }
    return true;
}

/* The discovered device with this MAC; false after answering. */
static bool discovery__find(api_req *rq, api_resp *rs, const char *mac, hik_sadp_device *d)
{
    hik_err err = gw_discovery_lookup(rq->g, mac, d);
    if (err == HIK_ERR_NOT_FOUND)
        api_error(rs, 404, "mac", "no device with MAC %s answered discovery", mac);
    else if (err)
        discovery__scan_failed(rs, err);
    return !err;
}

void api_discovery_declare(api_req *rq, api_resp *rs)
{
    static const char *const keys[] = {"mac", "name", "username", "password", NULL};
    char mac[18];
    hik_sadp_device d;
    if (!api_body_keys(rq, rs, keys, NULL) || !discovery__mac(rq, rs, mac) ||
        !discovery__find(rq, rs, mac, &d))
        return;
    int64_t declared = gw_discovery_declared(rq->g, &d);
    if (declared < 0)
        return api_error_store(rs);
    if (declared > 0)
        return api_error(rs, 409, "mac", "the device with MAC %s is already declared (device %lld)",
                         mac, (long long)declared);
    if (!d.ipv4[0] || !d.http_port)
        return api_error(rs, 422, "mac",
                         "the device with MAC %s did not advertise an IPv4"
                         " address and HTTP port",
                         mac);
    json_t *dev =
        json_pack("{s:s, s:i, s:s}", "address", d.ipv4, "port", d.http_port, "scheme", "http");
    static const char *const copied[] = {"name", "username", "password"};
    for (size_t i = 0; dev && i < sizeof copied / sizeof copied[0]; i++) {
        json_t *v = json_object_get(rq->body, copied[i]);
        if (v)
            json_object_set(dev, copied[i], v);
    }
    if (!dev)
        return api_reply(rs, 500, NULL);
    /* The ordinary creation does the rest: validation, sealing, probe. */
    json_t *orig = rq->body;
    rq->body = dev;
    api_devices_create(rq, rs);
    rq->body = orig;
    json_decref(dev);
    if (rs->status == 201)
        gw_info("api: discovered device %s (%s) declared by %s", mac, d.ipv4, rq->user);
}

/* Copy an optional IPv4 string field; false after 400. */
static bool discovery__ipv4(api_req *rq, api_resp *rs, const char *key, char *out, size_t len)
{
    json_t *v = json_object_get(rq->body, key);
    if (!v)
        return true;
    const char *s = json_string_value(v);
    struct in_addr a;
    if (!s || strlen(s) >= len || inet_pton(AF_INET, s, &a) != 1) {
        api_error(rs, 400, key, "%s must be a dotted IPv4 address", key);
        return false;
    }
    snprintf(out, len, "%s", s);
    return true;
}

static bool discovery__port(api_req *rq, api_resp *rs, const char *key, int *out)
{
    json_t *v = json_object_get(rq->body, key);
    if (!v)
        return true;
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
    if (n < 1 || n > 65535) {
        api_error(rs, 400, key, "%s must be a port from 1 to 65535", key);
        return false;
    }
    *out = (int)n;
    return true;
}

/* The update request from the body; false after 400. */
static bool discovery__update_in(api_req *rq, api_resp *rs, hik_sadp_request *r, int *timeout_ms)
{
    static const char *const keys[] = {
        "mac",  "password",  "ipv4_address", "ipv4_subnet_mask", "ipv4_gateway",
        "dhcp", "http_port", "command_port", "timeout_ms",       NULL};
    memset(r, 0, sizeof(*r));
    r->type = HIK_SADP_UPDATE;
    if (!api_body_keys(rq, rs, keys, NULL) || !discovery__mac(rq, rs, r->mac))
        return false;
    const char *pw = json_string_value(json_object_get(rq->body, "password"));
    if (!pw || !*pw || strlen(pw) >= sizeof(r->password)) {
        api_error(rs, 400, "password", "password (the device's admin password) is required");
        return false;
    }
    snprintf(r->password, sizeof(r->password), "%s", pw);
    json_t *dhcp = json_object_get(rq->body, "dhcp");
    if (dhcp && !json_is_boolean(dhcp)) {
        api_error(rs, 400, "dhcp", "dhcp must be true or false");
        return false;
    }
    r->dhcp = json_is_true(dhcp);
    return discovery__ipv4(rq, rs, "ipv4_address", r->ipv4, sizeof(r->ipv4)) &&
           discovery__ipv4(rq, rs, "ipv4_subnet_mask", r->ipv4_mask, sizeof(r->ipv4_mask)) &&
           discovery__ipv4(rq, rs, "ipv4_gateway", r->ipv4_gateway, sizeof(r->ipv4_gateway)) &&
           discovery__port(rq, rs, "http_port", &r->http_port) &&
           discovery__port(rq, rs, "command_port", &r->command_port) &&
           discovery__timeout(rq, rs, json_object_get(rq->body, "timeout_ms"), NULL, timeout_ms);
}

void api_discovery_update(api_req *rq, api_resp *rs)
{
    hik_sadp_request r;
    hik_sadp_device answer;
    int timeout_ms;
    if (!discovery__update_in(rq, rs, &r, &timeout_ms))
        return;
    hik_err err = gw_discovery_request(rq->g, &r, timeout_ms, &answer);
    memset(r.password, 0, sizeof(r.password));
    if (err == HIK_ERR_TIMEOUT)
        return api_error(rs, 504, "mac", "no answer from a device with MAC %s in %d ms", r.mac,
                         timeout_ms);
    if (err)
        return discovery__scan_failed(rs, err);
    const char *result = hik_sadp_result_name(answer.result);
    if (answer.result == HIK_SADP_RESULT_DENIED)
        return api_error(rs, 403, "password", "the device refused the password");
    if (answer.result != HIK_SADP_RESULT_SUCCESS)
        return api_error(rs, 502, NULL, "the device did not apply the update (result \"%s\")",
                         result[0] ? result : "none");
    gw_info("api: device %s given address %s over SADP by %s", r.mac,
            r.ipv4[0] ? r.ipv4 : "(unchanged)", rq->user);
    api_reply(
        rs, 200,
        json_pack("{s:s, s:o}", "result", result, "device", gw_discovery_device_json(&answer, 0)));
}
