/* isapi_privacy_mask.c: switch a channel's privacy mask on or off.
 *
 * The mask regions are drawn on the camera, not here, and a PUT replaces the
 * whole PrivacyMask document. So the only safe write is read-modify-write:
 * GET the document, change the one <enabled> child of the root, and send
 * every other element back as the device gave it. The document goes
 * through libxml2's tree rather than text substitution so that an <enabled>
 * inside a region (some firmware has one per region) is never touched. */
#include "hik/isapi.h"
#include "hik/xml_util.h"
#include "isapi_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static hik_err privacy_mask__path(int channel, char *out, size_t out_len)
{
    if (channel < 1 || channel > 9999)
        return HIK_ERR_INVALID;
    snprintf(out, out_len, "/ISAPI/System/Video/inputs/channels/%d/privacyMask", channel);
    return HIK_OK;
}

/* GET and parse the channel's document; the caller frees *doc. */
static hik_err privacy_mask__fetch(hik_isapi *isapi, const char *path, hik_reply *reply,
                                   xmlDoc **doc)
{
    return isapi__get_doc(isapi, path, "PrivacyMask", reply, doc);
}

/* Set (or add, as the first child, in the root's namespace) <enabled>. */
static hik_err privacy_mask__set_enabled(xmlDoc *doc, bool enabled)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    const xmlChar *value = (const xmlChar *)(enabled ? "true" : "false");
    xmlNode *node = hik_xml_child(root, "enabled");
    if (node) {
        xmlNodeSetContent(node, value);
        return HIK_OK;
    }
    node = xmlNewDocNode(doc, root->ns, (const xmlChar *)"enabled", value);
    if (!node)
        return HIK_ERR_NOMEM;
    xmlNode *first = root->children;
    while (first && first->type != XML_ELEMENT_NODE)
        first = first->next;
    if (!(first ? xmlAddPrevSibling(first, node) : xmlAddChild(root, node))) {
        xmlFreeNode(node);
        return HIK_ERR_NOMEM;
    }
    return HIK_OK;
}

hik_err hik_isapi_privacy_mask_get(hik_isapi *isapi, int channel, bool *enabled, hik_reply *reply)
{
    if (!enabled || !reply)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    char path[96];
    xmlDoc *doc = NULL;
    hik_err err = privacy_mask__path(channel, path, sizeof(path));
    if (!err)
        err = privacy_mask__fetch(isapi, path, reply, &doc);
    if (err)
        return err;
    char value[16];
    hik_xml_child_text(xmlDocGetRootElement(doc), "enabled", value, sizeof(value));
    *enabled = strcasecmp(value, "true") == 0;
    xmlFreeDoc(doc);
    return HIK_OK;
}

hik_err hik_isapi_privacy_mask_set(hik_isapi *isapi, int channel, bool enabled, hik_reply *reply)
{
    if (!reply)
        return HIK_ERR_INVALID;
    memset(reply, 0, sizeof(*reply));
    char path[96];
    xmlDoc *doc = NULL;
    hik_err err = privacy_mask__path(channel, path, sizeof(path));
    if (!err)
        err = privacy_mask__fetch(isapi, path, reply, &doc);
    if (err)
        return err;
    char *xml = NULL;
    size_t xml_len = 0;
    err = privacy_mask__set_enabled(doc, enabled);
    if (!err)
        err = hik_xml_dump(doc, &xml, &xml_len);
    xmlFreeDoc(doc);
    if (err)
        return err;
    hik_reply_free(reply);
    err = hik_isapi_request(isapi, "PUT", path, "application/xml", xml, xml_len, reply);
    free(xml);
    return err;
}
