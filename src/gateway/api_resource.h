/* api_resource.h: what every configuration resource (actions, triggers,
 * scenarios, devices) does the same way: read one, create from the
 * writable fields of a body, update by merging a body's fields over the
 * stored object. Each resource supplies how to load one row and how to
 * validate and save a whole object. */
#ifndef GW_API_RESOURCE_H
#define GW_API_RESOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "api_http.h"
#include "store.h"

typedef struct api_resource {
    const char *noun;                   /* "action": used in 404 messages */
    const char *const *fields;          /* writable fields, NULL-terminated */
    const char *const *readonly;        /* accepted and ignored in bodies */
    /* One object by id, or NULL with *found false (absent) or true (store
     * error). Called with the store locked. */
    json_t *(*load)(gw_store *st, int64_t id, bool *found);
    /* Validate and write `merged` (id 0 = create), then answer. */
    void (*save)(api_req *rq, api_resp *rs, int64_t id, json_t *merged);
} api_resource;

void api_resource_get(const api_resource *r, api_req *rq, api_resp *rs);
void api_resource_create(const api_resource *r, api_req *rq, api_resp *rs);
void api_resource_update(const api_resource *r, api_req *rq, api_resp *rs);

#endif
