/* isapi_user.c: changing a device account's password.
 *
 * Devices refuse weak passwords with a ResponseStatus that says little
 * ("Invalid Content" or a bare statusCode 6), so the strength rules are
 * checked here first and the error names the rule. The request itself is
 * authenticated with the current password; only once the device accepted
 * the new one does the handle switch to it, so a refused change leaves the
 * handle working. */
#include "hik/isapi_manage.h"
#include "isapi_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "hik/xml_util.h"

#define USER_NS "http://www.hikvision.com/ver20/XMLSchema"

static bool user__contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; n && *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return false;
}

hik_err hik_password_check(const char *user, const char *password, char *why, size_t why_len)
{
    const char *fail = NULL;
    size_t len = password ? strlen(password) : 0;
    int digit = 0, lower = 0, upper = 0, other = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)password[i];
        if (c < 0x21 || c > 0x7e) {
            fail = "the password may contain printable ASCII characters only (no spaces)";
            break;
        }
        digit |= isdigit(c) != 0;
        lower |= islower(c) != 0;
        upper |= isupper(c) != 0;
        other |= !isalnum(c);
    }
    if (fail)
        ;
    else if (len < HIK_PASSWORD_MIN || len > HIK_PASSWORD_MAX)
        fail = "the password must be 8 to 16 characters long";
    else if (digit + lower + upper + other < 2)
        fail = "the password must mix at least two of: digits, lower case letters, upper case "
               "letters, special characters";
    else if (user && *user && user__contains_ci(password, user))
        fail = "the password must not contain the user name";
    if (why && why_len)
        snprintf(why, why_len, "%s", fail ? fail : "");
    return fail ? HIK_ERR_INVALID : HIK_OK;
}

/* <User><id/><userName/><password/></User>, text escaped by libxml2. */
static hik_err user__body(int id, const char *name, const char *password, char **out,
                          size_t *out_len)
{
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = doc ? xmlNewDocNode(doc, NULL, (const xmlChar *)"User", NULL) : NULL;
    if (!root) {
        xmlFreeDoc(doc);
        return HIK_ERR_NOMEM;
    }
    xmlDocSetRootElement(doc, root);
    xmlNs *ns = xmlNewNs(root, (const xmlChar *)USER_NS, NULL);
    xmlSetNs(root, ns);
    xmlNewProp(root, (const xmlChar *)"version", (const xmlChar *)"2.0");
    char idtext[16];
    snprintf(idtext, sizeof(idtext), "%d", id);
    bool ok = xmlNewTextChild(root, ns, (const xmlChar *)"id", (const xmlChar *)idtext) &&
              xmlNewTextChild(root, ns, (const xmlChar *)"userName", (const xmlChar *)name) &&
              xmlNewTextChild(root, ns, (const xmlChar *)"password", (const xmlChar *)password);
    hik_err err = ok ? hik_xml_dump(doc, out, out_len) : HIK_ERR_NOMEM;
    xmlFreeDoc(doc);
    return err;
}

hik_err hik_isapi_user_password_set(hik_isapi *isapi, int user_id, const char *user_name,
                                    const char *new_password, hik_reply *reply)
{
    if (!reply)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    if (!isapi || user_id < 1 || user_id > 9999 || !user_name || !*user_name ||
        strlen(user_name) > 32) {
        snprintf(reply->error, sizeof(reply->error), "invalid user id or name");
        return HIK_ERR_INVALID;
    }
    hik_err err = hik_password_check(user_name, new_password, reply->error, sizeof(reply->error));
    if (err)
        return err;
    char *xml = NULL;
    size_t xml_len = 0;
    err = user__body(user_id, user_name, new_password, &xml, &xml_len);
    if (err)
        return err;
    char path[64];
    snprintf(path, sizeof(path), "/ISAPI/Security/users/%d", user_id);
    err = hik_isapi_request(isapi, "PUT", path, "application/xml", xml, xml_len, reply);
    explicit_bzero(xml, xml_len);
    free(xml);
    if (!err)
        err = hik_isapi_set_credentials(isapi, user_name, new_password);
    return err;
}
