/* sadp.h: SADP, the UDP discovery and basic management protocol of
 * Hikvision devices (port 37020, multicast group 239.255.255.250).
 *
 * A client multicasts (and often broadcasts) a <Probe> carrying a random
 * upper-case UUID and a <Types> verb; every device answers with a
 * <ProbeMatch> echoing that UUID. `inquiry` asks for identities; `update`,
 * `activate`, `reboot` and `resetPassword` address one device by MAC and
 * are answered with a <Result> (success, failure, denied).
 *
 * The codec (lib/sadp.c) builds and parses these documents: parsing is
 * tolerant, because firmware differs (misspelt booleans such as `flase`,
 * missing fields, namespaces), and bounded, because any host on the LAN can
 * send anything to the port. The client (lib/sadp_client.c) runs one scan or
 * one request over a UDP socket for a bounded time.
 *
 * Passwords travel in clear text inside the XML, as the PROTOCOL notes
 * describe; firmware that wants them encrypted with its Salt is not
 * covered (unverified). */
#ifndef HIK_SADP_H
#define HIK_SADP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hik/error.h"

#define HIK_SADP_PORT 37020
#define HIK_SADP_GROUP "239.255.255.250"
#define HIK_SADP_BROADCAST "255.255.255.255"
/* Largest datagram built or accepted; a larger one is HIK_ERR_TOO_BIG. */
#define HIK_SADP_MAX_MSG 8192
/* Default and hard cap of devices one scan keeps. */
#define HIK_SADP_MAX_DEVICES 4096
/* Upper bound of one scan's or one request's wait. */
#define HIK_SADP_MAX_TIMEOUT_MS 60000
/* Addresses one scan sends to. */
#define HIK_SADP_MAX_TARGETS 8

typedef enum hik_sadp_type {
    HIK_SADP_INQUIRY = 0,
    HIK_SADP_UPDATE,
    HIK_SADP_ACTIVATE,
    HIK_SADP_REBOOT,
    HIK_SADP_RESET_PASSWORD,
} hik_sadp_type;

typedef enum hik_sadp_result {
    HIK_SADP_RESULT_NONE = 0, /* no <Result> element (an inquiry answer) */
    HIK_SADP_RESULT_SUCCESS,
    HIK_SADP_RESULT_FAILURE,
    HIK_SADP_RESULT_DENIED,
    HIK_SADP_RESULT_OTHER, /* a <Result> with any other text */
} hik_sadp_result;

/* One device as its ProbeMatch describes it. Every string is
 * NUL-terminated; a field that is absent, does not fit, or (addresses, MAC)
 * is not valid is left empty, and a number that is absent or out of range
 * is 0. */
typedef struct hik_sadp_device {
    char uuid[40];               /* Uuid: the probe this answers */
    char types[24];              /* Types: inquiry, update, ... */
    char device_type[32];        /* DeviceType (a number on most firmware) */
    char model[64];              /* DeviceDescription */
    char serial[96];             /* DeviceSN */
    char mac[18];                /* MAC normalised to aa:bb:cc:dd:ee:ff */
    char ipv4[16];               /* IPv4Address */
    char ipv4_mask[16];          /* IPv4SubnetMask */
    char ipv4_gateway[16];       /* IPv4Gateway */
    char ipv6[46];               /* IPv6Address */
    char software_version[64];   /* SoftwareVersion: "V5.6.2build 190701" */
    char dsp_version[64];        /* DSPVersion */
    char boot_time[32];          /* BootTime */
    char salt[128];              /* Salt */
    int command_port;            /* CommandPort (8000) */
    int http_port;               /* HttpPort */
    int sdk_tls_port;            /* SDKOverTLSPort */
    int analog_channels;         /* AnalogChannelNum */
    int digital_channels;        /* DigitalChannelNum */
    bool dhcp;                   /* DHCP: only the text "true" is true */
    bool activated;              /* Activated */
    bool password_reset_ability; /* PasswordResetAbility */
    hik_sadp_result result;      /* Result, on answers to requests */
} hik_sadp_device;

/* A request to send, or one received (the simulator's side). Empty strings
 * and zero ports are left out of the document. */
typedef struct hik_sadp_request {
    hik_sadp_type type;
    char uuid[40];         /* filled with a fresh UUID by the client when empty */
    char mac[18];          /* target device (not for inquiry), normalised */
    char password[128];    /* admin password (update, activate, reboot) */
    char ipv4[16];         /* update: new IPv4Address */
    char ipv4_mask[16];    /* update: IPv4SubnetMask */
    char ipv4_gateway[16]; /* update: IPv4Gateway */
    int command_port;      /* update: CommandPort */
    int http_port;         /* update: HttpPort */
    bool dhcp;             /* update: DHCP */
    char code[128];        /* resetPassword: the reset code or key */
} hik_sadp_request;

/* "inquiry", "update", "activate", "reboot", "resetPassword". */
const char *hik_sadp_type_name(hik_sadp_type type);
/* "", "success", "failure", "denied", "other". */
const char *hik_sadp_result_name(hik_sadp_result result);

/* A fresh random UUID in upper case (36 characters + NUL). HIK_ERR_IO when
 * the random generator fails. */
hik_err hik_sadp_uuid(char out[40]);

/* "58-50-ED-1F-E3-85", "58:50:ed:1f:e3:85", "5850ed1fe385" ->
 * "58:50:ed:1f:e3:85". False (out "") when the text is not six octets. */
bool hik_sadp_mac_normalise(const char *text, char out[18]);

/* Build the <Probe> document of a request into out (NUL-terminated;
 * *len = its length). HIK_ERR_INVALID when a field is malformed (UUID not
 * 36 characters, a request other than inquiry without a MAC, an address
 * that is not dotted IPv4), HIK_ERR_TOO_BIG when out is too small. */
hik_err hik_sadp_build_request(const hik_sadp_request *rq, char *out, size_t out_len, size_t *len);

/* Parse a received <Probe>. HIK_ERR_PARSE when it is not XML or not a
 * Probe, HIK_ERR_UNSUPPORTED for an unknown Types, HIK_ERR_TOO_BIG past
 * HIK_SADP_MAX_MSG. Malformed optional fields are left empty. */
hik_err hik_sadp_parse_request(const uint8_t *buf, size_t len, hik_sadp_request *out);

/* Build the <ProbeMatch> a device sends (the simulator's answer). The
 * Result element is written when d->result is not NONE. */
hik_err hik_sadp_build_match(const hik_sadp_device *d, char *out, size_t out_len, size_t *len);

/* Parse a received <ProbeMatch> (any namespace). HIK_ERR_PARSE when it is
 * not well-formed XML or its root is not ProbeMatch, HIK_ERR_TOO_BIG past
 * HIK_SADP_MAX_MSG. Fields are read tolerantly (see hik_sadp_device). */
hik_err hik_sadp_parse_match(const uint8_t *buf, size_t len, hik_sadp_device *out);

/* Where and how long to send. */
typedef struct hik_sadp_opts {
    /* Destination IPv4 addresses; none = HIK_SADP_GROUP and
     * HIK_SADP_BROADCAST. At most HIK_SADP_MAX_TARGETS. */
    const char *targets[HIK_SADP_MAX_TARGETS];
    size_t n_targets;
    /* Local IPv4 address: the socket is bound to it and multicast leaves
     * through its interface (IP_MULTICAST_IF). NULL or "0.0.0.0" = any. */
    const char *interface;
    int port;           /* destination port; 0 = HIK_SADP_PORT */
    int timeout_ms;     /* how long to collect answers; 0 = 2000 */
    size_t max_devices; /* 0 = HIK_SADP_MAX_DEVICES (also the cap) */
} hik_sadp_opts;

typedef struct hik_sadp_scan {
    hik_sadp_device *devices; /* n of them, in order of first answer */
    size_t n;
    size_t duplicates;     /* answers from a device already listed */
    size_t ignored;        /* datagrams that were not a ProbeMatch to our probe */
    size_t dropped;        /* devices past max_devices */
    size_t targets_failed; /* destinations the probe could not be sent to */
} hik_sadp_scan;

/* Send one inquiry probe to every target and collect ProbeMatch answers
 * for opts->timeout_ms. Answers with another Uuid are ignored; a device
 * that answers twice (multicast and broadcast both reach it) is listed
 * once, by MAC (or by serial and address when it gives no MAC).
 * HIK_ERR_NETWORK when the socket cannot be set up or the probe reached
 * no target; finding nothing is HIK_OK with n == 0. Free with
 * hik_sadp_scan_free (also after an error). */
hik_err hik_sadp_scan_run(const hik_sadp_opts *opts, hik_sadp_scan *out);
void hik_sadp_scan_free(hik_sadp_scan *scan);

/* Send one request (update, activate, reboot, resetPassword) to every
 * target and wait for the addressed device's answer: a ProbeMatch with
 * our Uuid and the request's MAC. A missing rq->uuid is generated (rq is
 * not changed; the one used is in answer->uuid). Returns HIK_OK with the
 * answer (answer->result says what the device did), HIK_ERR_TIMEOUT when
 * no answer came in opts->timeout_ms, HIK_ERR_NETWORK or HIK_ERR_INVALID
 * as hik_sadp_scan_run. */
hik_err hik_sadp_request_send(const hik_sadp_opts *opts, const hik_sadp_request *rq,
                              hik_sadp_device *answer);

#endif
