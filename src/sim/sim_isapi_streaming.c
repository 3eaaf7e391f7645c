/* sim_isapi_streaming.c: the snapshot of a channel, as JPEG.
 *
 * A camera answers GET /ISAPI/Streaming/channels/<N>01/picture (main
 * stream; <N>02 is the sub-stream) with an image/jpeg body. An NVR's IP
 * channels are cameras behind it, so the simulated NVR answers that path
 * with a 404 ResponseStatus and serves the picture only through
 * /ISAPI/ContentMgmt/StreamingProxy/channels/<N>01/picture: a client has
 * to fall back the way it must with real recorders. Failures are
 * ResponseStatus documents, never an image. Every answer is the same small
 * grey JPEG (sim_jpeg.c): the simulator has no video. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "101" -> channel 1; false for anything but <channel>01 or <channel>02
 * with a channel the device has. */
static bool streaming__channel(const sim *s, const char *id, int *channel)
{
    size_t n = strlen(id);
    if (n < 3 || n > 5 || strspn(id, "0123456789") != n || id[n - 2] != '0' ||
        (id[n - 1] != '1' && id[n - 1] != '2'))
        return false;
    int ch = 0;
    for (size_t i = 0; i + 2 < n; i++)
        ch = ch * 10 + (id[i] - '0');
    if (ch < 1 || ch > s->cfg.channels)
        return false;
    *channel = ch;
    return true;
}

static void streaming__picture(sim *s, const sim_request *req, const char *id, sim_reply *r)
{
    int channel;
    if (strcmp(req->method, "GET") != 0) {
        sim_xml_bad_method(r, req->path);
        return;
    }
    if (!streaming__channel(s, id, &channel)) {
        sim_xml_not_found(r, req->path);
        return;
    }
    size_t len;
    const unsigned char *jpeg = sim_jpeg(&len);
    r->status = 200;
    snprintf(r->content_type, sizeof(r->content_type), "image/jpeg");
    sim_buf_reset(&r->body);
    sim_buf_add(&r->body, jpeg, len);
    sim_log(SIM_LOG_DEBUG, "snapshot of channel %d (%zu bytes)", channel, len);
}

bool sim_isapi_streaming_handle(sim *s, const sim_request *req, sim_reply *reply)
{
    char id[16];
    bool nvr = strcmp(s->cfg.device_type, "NVR") == 0;
    if (sim_xml_path_is(req->path, "/ISAPI/Streaming/channels/*/picture", id, sizeof(id))) {
        if (nvr)
            sim_xml_not_found(reply, req->path);
        else
            streaming__picture(s, req, id, reply);
        return true;
    }
    if (nvr && sim_xml_path_is(req->path, "/ISAPI/ContentMgmt/StreamingProxy/channels/*/picture",
                               id, sizeof(id))) {
        streaming__picture(s, req, id, reply);
        return true;
    }
    return false;
}
