/* devices.h: which declared device an incoming event belongs to.
 *
 * Events are attributed by MAC first, then serial number (both as the
 * device states them in the event, matched against the identity hikgate
 * read from the device), then by the TCP source address, then by the
 * ipAddress the event carries (NAT). Broadcast and all-zero MACs are
 * ignored. The cache is rebuilt when the configuration changes. */
#ifndef GW_DEVICES_H
#define GW_DEVICES_H

#include <stdint.h>

#include "gateway.h"
#include "hik/event.h"

typedef enum gw_attribution {
    GW_ATTR_NONE = 0,
    GW_ATTR_MAC,
    GW_ATTR_SERIAL,
    GW_ATTR_ADDRESS,
    GW_ATTR_IP_FIELD,
} gw_attribution;

typedef struct gw_devices gw_devices;

hik_err gw_devices_new(gw_devices **out);
void gw_devices_free(gw_devices *d);
hik_err gw_devices_reload(gw_devices *d, gw_store *st);

/* Device id for the event, 0 when none; *how says which rule matched and
 * *anpr_reverse the device's ANPR direction switch. */
int64_t gw_devices_attribute(gw_devices *d, const char *source_addr, const hik_event *ev,
                             gw_attribution *how, bool *anpr_reverse);

const char *gw_attribution_name(gw_attribution a);

#endif
