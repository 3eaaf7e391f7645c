/* gateway.c: what the whole daemon shares: reacting to configuration
 * changes. */
#include "gateway.h"

#include "alert_sub.h"
#include "devices.h"
#include "log.h"
#include "rules.h"

hik_err gw_config_changed(gw *g)
{
    hik_err res = gw_devices_reload(g->devices, g->store);
    if (!res)
        res = gw_rules_reload(g->rules, g->store);
    gw_alert_sub_reload(g);
    if (res)
        gw_error("reloading the configuration failed: %s", hik_err_str(res));
    return res;
}
