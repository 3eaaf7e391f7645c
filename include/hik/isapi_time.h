/* isapi_time.h: a device's clock: time mode and time zone
 * (/ISAPI/System/time) and its NTP servers
 * (/ISAPI/System/time/ntpServers/<id>).
 *
 * Both writes are read-modify-write: the device's document is fetched,
 * the fields given are changed, and everything else (elements of newer
 * firmware included) is sent back as the device gave it. */
#ifndef HIK_ISAPI_TIME_H
#define HIK_ISAPI_TIME_H

#include "hik/error.h"
#include "hik/isapi.h"

/* A device's clock as /ISAPI/System/time states it. In a write, an empty
 * string leaves the device's value as it is. */
typedef struct hik_time {
    char mode[16];       /* timeMode: "NTP", "manual" (read: whatever the device says) */
    char local_time[40]; /* localTime, ISO 8601; read only */
    char time_zone[64];  /* timeZone, POSIX style: "CST-8:00:00" */
} hik_time;

/* One NTP server. host is an IPv4 address or a host name. */
typedef struct hik_ntp_server {
    char host[128];
    int port;         /* 0 = 123 */
    int interval_min; /* synchronizeInterval in minutes; 0 = leave as it is */
} hik_ntp_server;

hik_err hik_isapi_time_get(hik_isapi *isapi, hik_time *out, hik_reply *reply);
/* Change timeMode and/or timeZone (mode "NTP" or "manual"). HIK_ERR_INVALID
 * with reply->error naming the field for a bad value (nothing sent). */
hik_err hik_isapi_time_set(hik_isapi *isapi, const hik_time *in, hik_reply *reply);
/* Point NTP server `id` (1 is the first) at ntp->host. */
hik_err hik_isapi_ntp_server_set(hik_isapi *isapi, int id, const hik_ntp_server *ntp,
                                 hik_reply *reply);

#endif
