/* isapi_snapshot.h: one still picture from a channel's stream
 * (GET /ISAPI/Streaming/channels/<id>/picture), written to a file
 * descriptor as it arrives. */
#ifndef HIK_ISAPI_SNAPSHOT_H
#define HIK_ISAPI_SNAPSHOT_H

#include <stdint.h>

#include "hik/error.h"
#include "hik/isapi.h"

/* Largest picture accepted: real ones are a few hundred KiB. */
#define HIK_SNAPSHOT_MAX (16u * 1024u * 1024u)

/* Channel stream id: 101 is channel 1's main stream. *written gets the
 * size. A device that answers something other than an image (an XML
 * ResponseStatus with 200) is HIK_ERR_UNSUPPORTED. */
hik_err hik_isapi_snapshot(hik_isapi *isapi, int stream_id, int fd, uint64_t *written,
                           hik_reply *reply);

#endif
