/* api_audit.h: the API's side of the audit log (audit.h). */
#ifndef GW_API_AUDIT_H
#define GW_API_AUDIT_H

#include "api_http.h"

/* GET /api/v1/audit?since=MS&limit=N (admin only). */
void api_audit_list(api_req *rq, api_resp *rs);

/* After a request on `pattern` was answered: record it when it changed
 * (or tried to change) something: any method but GET/HEAD/OPTIONS. */
void api_audit_request(api_req *rq, const char *pattern, const api_resp *rs);

/* A Basic Authorization header that did not authenticate. */
void api_audit_login_failed(api_req *rq, const char *authz);

#endif
