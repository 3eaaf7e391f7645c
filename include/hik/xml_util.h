/* xml_util.h: the few libxml2 helpers every ISAPI codec needs.
 *
 * Devices put the same element names in many namespaces (hikvision.com
 * ver10/ver20, isapi.org, std-cgi.com, psialliance, or none at all), so every
 * lookup here matches the local name and ignores the namespace. Parsing never
 * touches the network or expands external entities: the options are fixed
 * here so no caller can get them wrong. */
#ifndef HIK_XML_UTIL_H
#define HIK_XML_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "hik/error.h"

/* Largest document hik_xml_parse accepts. */
#define HIK_XML_MAX_DOC (8u * 1024u * 1024u)

/* Parse a document from memory (no network, no entity expansion, no DTD
 * loading). A document that fails only because of bare '&' characters, as
 * some firmware sends, is retried once with those escaped. Free with
 * xmlFreeDoc. HIK_ERR_PARSE when not well-formed, HIK_ERR_TOO_BIG past
 * HIK_XML_MAX_DOC. */
hik_err hik_xml_parse(const uint8_t *buf, size_t len, xmlDoc **out);

/* True when the element's local name is `name` (namespace ignored). */
bool hik_xml_is(const xmlNode *node, const char *name);

/* First element child of `parent` with local name `name`, or NULL. */
xmlNode *hik_xml_child(const xmlNode *parent, const char *name);

/* First element with local name `name` in the subtree under `root`
 * (root included), depth first; NULL when there is none. */
xmlNode *hik_xml_find(const xmlNode *root, const char *name);

/* The element's text content, surrounding white space trimmed, copied into
 * out (always NUL-terminated). HIK_ERR_INVALID when node is NULL (out is
 * then ""), HIK_ERR_TOO_BIG when the text does not fit (out then holds a
 * prefix cut on a UTF-8 character boundary). */
hik_err hik_xml_text(const xmlNode *node, char *out, size_t out_len);

/* hik_xml_text of hik_xml_child(parent, name). */
hik_err hik_xml_child_text(const xmlNode *parent, const char *name, char *out, size_t out_len);

/* Serialise the whole document (UTF-8, with XML declaration) into a
 * malloc'd NUL-terminated buffer the caller frees with free(). */
hik_err hik_xml_dump(xmlDoc *doc, char **out, size_t *out_len);

#endif
