/* isapi_snapshot.c: a still picture from a channel, streamed to a file.
 *
 * The picture goes straight to the caller's file descriptor, never into
 * memory whole, and is capped at HIK_SNAPSHOT_MAX. Some firmware answers a
 * missing channel with 200 and an XML ResponseStatus, so the content type
 * of a 2xx answer is checked too. */
#include "hik/isapi_snapshot.h"
#include "isapi_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

hik_err hik_isapi_snapshot(hik_isapi *isapi, int stream_id, int fd, uint64_t *written,
                           hik_reply *reply)
{
    if (written)
        *written = 0;
    if (!reply)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    if (!isapi || fd < 0 || stream_id < 1 || stream_id > 99999) {
        snprintf(reply->error, sizeof(reply->error), "invalid stream id or file");
        return HIK_ERR_INVALID;
    }
    char path[64];
    snprintf(path, sizeof(path), "/ISAPI/Streaming/channels/%d/picture", stream_id);
    isapi_stream st = {.in_fd = -1, .out_fd = fd, .out_max = HIK_SNAPSHOT_MAX};
    hik_err err = isapi__request_stream(isapi, "GET", path, NULL, &st, reply);
    if (written)
        *written = st.out_written;
    if (!err && strncasecmp(reply->content_type, "image/", 6) != 0) {
        snprintf(reply->error, sizeof(reply->error), "the device answered %s, not a picture",
                 reply->content_type[0] ? reply->content_type : "without a content type");
        err = HIK_ERR_UNSUPPORTED;
    }
    return err;
}
