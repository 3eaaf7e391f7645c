/* sim_control.c: the /sim/ endpoints, the simulator's own control
 * surface. No authentication and no device quirks: these are for tests
 * and developers, never part of what a camera offers. */
#include "sim.h"

#include <stdio.h>
#include <string.h>

bool sim_control_handle(sim *s, const sim_request *req, sim_reply *reply)
{
    if (sim_push_handle(s, req, reply))
        return true;
    if (strcmp(req->path, "/sim/state") == 0) {
        if (strcmp(req->method, "GET") != 0) {
            sim_reply_text(reply, 405, "application/json", "{\"error\":\"use GET\"}");
            return true;
        }
        reply->status = 200;
        snprintf(reply->content_type, sizeof(reply->content_type), "application/json");
        if (sim_state_dump(s, &reply->body))
            reply->status = 500;
        return true;
    }
    if (strcmp(req->path, "/sim/reset-stats") == 0) {
        if (strcmp(req->method, "POST") != 0) {
            sim_reply_text(reply, 405, "application/json", "{\"error\":\"use POST\"}");
            return true;
        }
        sim_state_reset_stats(s);
        sim_reply_text(reply, 200, "application/json", "{\"ok\":true}");
        return true;
    }
    return false;
}
