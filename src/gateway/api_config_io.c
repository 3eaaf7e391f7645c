/* api_config_io.c: /api/v1/config/export and /api/v1/config/import, the
 * whole configuration as one document (config_io.c does the work).
 *
 * The import body is either the document itself (passphrase, when needed,
 * as ?passphrase=) or {"document": {...}, "passphrase": "..."}, which
 * keeps the passphrase out of URLs and logs. */
#include <string.h>

#include "api_routes.h"
#include "config_io.h"
#include "log.h"

static void config__fail(api_resp *rs, const gw_config_err *e)
{
    api_error(rs, e->status ? e->status : 500, e->field[0] ? e->field : NULL, "%s", e->msg);
}

void api_config_export(api_req *rq, api_resp *rs)
{
    const char *pass = api_query(rq, "passphrase");
    gw_config_err e = {0};
    json_t *doc = gw_config_export(rq->g, pass, &e);
    if (!doc)
        return config__fail(rs, &e);
    gw_info("api: configuration exported by %s%s", rq->user, pass ? " with secrets" : "");
    api_reply(rs, 200, doc);
}

void api_config_import(api_req *rq, api_resp *rs)
{
    json_t *doc = rq->body;
    const char *pass = api_query(rq, "passphrase");
    json_t *wrapped = json_object_get(rq->body, "document");
    if (wrapped) {
        const char *k;
        json_t *v;
        json_object_foreach(rq->body, k, v)
        {
            if (strcmp(k, "document") != 0 && strcmp(k, "passphrase") != 0)
                return api_error(rs, 400, k, "unknown field (expected document, passphrase)");
        }
        json_t *p = json_object_get(rq->body, "passphrase");
        if (p && !json_is_string(p))
            return api_error(rs, 400, "passphrase", "passphrase must be a string");
        if (!json_is_object(wrapped))
            return api_error(rs, 400, "document", "document must be an object");
        doc = wrapped;
        if (p)
            pass = json_string_value(p);
    }
    gw_config_err e = {0};
    json_t *report = gw_config_import(rq->g, doc, pass, &e);
    if (!report)
        return config__fail(rs, &e);
    gw_info("api: configuration imported by %s: %zu created, %zu updated, %zu skipped", rq->user,
            json_array_size(json_object_get(report, "created")),
            json_array_size(json_object_get(report, "updated")),
            json_array_size(json_object_get(report, "skipped")));
    api_reply(rs, 200, report);
}
