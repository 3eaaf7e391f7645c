/* isapi_event.h: where a device sends its events and which events it sends.
 *
 * Two ISAPI documents decide whether a camera's events reach a listener:
 *
 * - the HTTP host slots (GET/PUT /ISAPI/Event/notification/httpHosts,
 *   usually 3, `hostNumber` in the capabilities) name the listener. Other
 *   systems (an NVR, a VMS) may own a slot already; overwriting one breaks
 *   them, so a slot is only ever written when it is free or already ours,
 *   and its previous document is kept so it can be put back exactly.
 *
 * - each event trigger (GET/PUT /ISAPI/Event/triggers/<id>) lists the
 *   notification methods linked to it; an event is pushed only when its
 *   trigger lists the `center` method (the camera UI's "Notify
 *   Surveillance Center"). Adding it is a read-modify-write of the whole
 *   EventTrigger document: every other method (record, beep, email...)
 *   goes back as the device gave it.
 *
 * Every call takes the device's hik_isapi handle and a reply that is always
 * filled and freed by the caller with hik_reply_free; none retries a 401. */
#ifndef HIK_ISAPI_EVENT_H
#define HIK_ISAPI_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hik/error.h"
#include "hik/event.h"
#include "hik/isapi.h"

/* ---- HTTP host slots (lib/isapi_http_hosts.c) -------------------------- */

/* More slots than any device is known to offer; a list longer than this is
 * HIK_ERR_TOO_BIG. */
#define HIK_HTTP_HOSTS_MAX 16
/* A saved slot document larger than this is not a slot document. */
#define HIK_HTTP_HOST_DOC_MAX (16u * 1024u)

typedef struct hik_http_host {
    int id;
    char url[256];
    char protocol[16];   /* protocolType: HTTP, HTTPS, EHome */
    char format[16];     /* parameterFormatType: XML, JSON */
    char addressing[16]; /* addressingFormatType: ipaddress, hostname */
    char ip[64];         /* ipAddress (or ipv6Address when that is the one set) */
    char host_name[128]; /* hostName */
    int port;            /* portNo, 0 when absent */
} hik_http_host;

/* Parse an HttpHostNotificationList (or a single HttpHostNotification) body.
 * HIK_ERR_PARSE when it is neither, HIK_ERR_TOO_BIG past max slots. */
hik_err hik_http_hosts_parse(const uint8_t *body, size_t len, hik_http_host *out, int max, int *n);

/* A slot is free when it names no address (empty, 0.0.0.0, ::) and no url.
 * A slot with only one of the two is somebody's half-finished setup and is
 * not free. */
bool hik_http_host_is_free(const hik_http_host *h);

/* The slot already sends to addr:port at url (address compared as text,
 * host names case-insensitively). */
bool hik_http_host_points_at(const hik_http_host *h, const char *addr, int port, const char *url);

/* The slot to use for addr:port/url: one that already points at it
 * (*reuse true), else the first free one; -1 when there is none. */
int hik_http_hosts_choose(const hik_http_host *hosts, int n, const char *addr, int port,
                          const char *url, bool *reuse);

/* GET /ISAPI/Event/notification/httpHosts into out[max]. */
hik_err hik_isapi_http_hosts_list(hik_isapi *isapi, hik_http_host *out, int max, int *n,
                                  hik_reply *reply);

/* The slot's current document as the device returns it (GET
 * .../httpHosts/<id>): what hik_isapi_http_host_restore puts back. *doc is
 * malloc'd, NUL-terminated, at most HIK_HTTP_HOST_DOC_MAX bytes. */
hik_err hik_isapi_http_host_save(hik_isapi *isapi, int id, char **doc, size_t *len,
                                 hik_reply *reply);

/* Point slot `id` at addr:port/url (HTTP, XML, no authentication). The
 * slot's current document is read and only the addressing elements are
 * changed, so device-specific extensions survive. */
hik_err hik_isapi_http_host_write(hik_isapi *isapi, int id, const char *addr, int port,
                                  const char *url, hik_reply *reply);

/* POST .../httpHosts/<id>/test: the device sends a test event to the slot's
 * listener and answers whether it was accepted. */
hik_err hik_isapi_http_host_test(hik_isapi *isapi, int id, hik_reply *reply);

/* PUT a document saved by hik_isapi_http_host_save back into slot `id`.
 * The document must be an HttpHostNotification whose id is `id`
 * (HIK_ERR_INVALID otherwise: a saved document is never put elsewhere). */
hik_err hik_isapi_http_host_restore(hik_isapi *isapi, int id, const char *doc, size_t len,
                                    hik_reply *reply);

/* ---- event triggers (lib/isapi_event_triggers.c) ----------------------- */

#define HIK_EVENT_TRIGGERS_MAX 1024

typedef struct hik_event_trigger {
    char id[64];         /* "VMD-1", "fielddetection-2", "IO-1", "diskfull" */
    char event_type[48]; /* eventType as the device names it */
    hik_event_kind kind; /* the canonical kind of that eventType */
    int channel;         /* videoInputChannelID (dyn... when absent), or the IO input; 0 none */
    bool center;         /* lists the center notification method */
} hik_event_trigger;

/* Parse an EventTriggerList body into out[max] (*n triggers).
 * HIK_ERR_TOO_BIG when there are more than max. */
hik_err hik_event_triggers_parse(const uint8_t *body, size_t len, hik_event_trigger *out,
                                 size_t max, size_t *n);

/* GET /ISAPI/Event/triggers. */
hik_err hik_isapi_event_triggers_list(hik_isapi *isapi, hik_event_trigger *out, size_t max,
                                      size_t *n, hik_reply *reply);

/* The trigger id real devices use for a kind on a channel (or IO input):
 * VMD-1, fielddetection-1, linedetection-1, regionEntrance-1,
 * regionExiting-1, tamper-1, faceSnap-1 (face capture), IO-1,
 * videoloss-1, and for kinds no capture confirms, vehicledetection-1
 * (ANPR) and faceContrast-1 (face recognition). HIK_ERR_UNSUPPORTED for
 * kinds that have no per-channel trigger. */
hik_err hik_event_trigger_id(hik_event_kind kind, int channel, char *out, size_t out_len);

/* Pick the id of the trigger for kind and channel from a device's list
 * (eventType spelled any way the device does); falls back to
 * hik_event_trigger_id when the list has none. */
hik_err hik_event_trigger_find(const hik_event_trigger *list, size_t n, hik_event_kind kind,
                               int channel, char *out, size_t out_len);

/* Document step, exposed for tests: make an EventTrigger document (XML
 * text) list the center method with recurrence "beginning". *changed
 * false when it already did (then *out is NULL); otherwise *out is the
 * new document (malloc'd) with everything else kept. */
hik_err hik_event_trigger_doc_add_center(const uint8_t *doc, size_t len, bool *changed, char **out,
                                         size_t *out_len);

/* GET /ISAPI/Event/triggers/<id>, add center when missing, PUT it back
 * unless dry_run. *changed says whether a write was (or, in a dry run,
 * would be) needed. */
hik_err hik_isapi_event_trigger_ensure_center(hik_isapi *isapi, const char *trigger_id,
                                              bool dry_run, bool *changed, hik_reply *reply);

#endif
