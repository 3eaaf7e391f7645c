/* alert_sub.h: pull delivery (GET /ISAPI/Event/notification/alertStream)
 * and the device health probes, on one event loop.
 *
 * One thread drives a libcurl multi handle through its socket API (epoll,
 * a timerfd for libcurl's timeouts and one for the loop's own tick). It
 * holds one long-lived alertStream per device whose delivery is `pull` or
 * `both`, and runs the periodic deviceInfo probes of every device
 * (health.c). State per device is written to the devices table and shown
 * by the API. See alert_sub.c for the state machine and memory bounds. */
#ifndef GW_ALERT_SUB_H
#define GW_ALERT_SUB_H

#include <stdbool.h>
#include <stdint.h>

#include "gateway.h"
#include "hik/event.h"

/* Start the loop; the devices table is read at once. */
hik_err gw_alert_sub_start(gw *g);
/* Stop every transfer and the thread; waits (bounded) for the events it
 * handed to the writer. Call before gw_writer_stop. */
void gw_alert_sub_stop(gw *g);

/* The device table changed: start, stop or restart subscriptions and
 * probes. Safe from any thread; the work happens on the loop. */
void gw_alert_sub_reload(gw *g);

/* Heartbeats counted for a device since the process started (0 when it
 * has no stream). Any thread. */
uint64_t gw_alert_sub_heartbeats(gw *g, int64_t device_id);

/* True when the device delivers by `both` and an equal alert (eventType,
 * channel, dateTime, activePostCount, region ids) came recently by the
 * other path; otherwise remembers this one and returns false. Any
 * thread. */
bool gw_alert_sub_duplicate(gw *g, int64_t device_id, const hik_event *ev);

/* True when the device was identified as an NVR (its channels above 32
 * are IP camera inputs). Any thread. */
bool gw_alert_sub_is_nvr(gw *g, int64_t device_id);

#endif
