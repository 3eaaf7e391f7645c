/* test_xml_util.c: lib/xml_util.c, safe parsing and namespace-blind lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hik/xml_util.h"

static xmlDoc *parse_ok(const char *text)
{
    xmlDoc *doc = NULL;
    assert_int_equal(hik_xml_parse((const uint8_t *)text, strlen(text), &doc), HIK_OK);
    assert_non_null(doc);
    return doc;
}

static hik_err parse_err(const char *text)
{
    xmlDoc *doc = (xmlDoc *)1;
    hik_err err = hik_xml_parse((const uint8_t *)text, strlen(text), &doc);
    assert_null(doc);
    return err;
}

static void test_lookup_ignores_namespace(void **state)
{
    const char *docs[] = {
        "<DeviceInfo xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><model>M</model>"
        "<Extensions xmlns=\"urn:selfextension:psiaext-ver10-xsd\"><serialNumber>S</serialNumber>"
        "</Extensions></DeviceInfo>",
        "<DeviceInfo><model>M</model><Extensions><serialNumber>S</serialNumber></Extensions>"
        "</DeviceInfo>",
        "<p:DeviceInfo xmlns:p=\"urn:psialliance-org\"><p:model>M</p:model><p:Extensions>"
        "<p:serialNumber>S</p:serialNumber></p:Extensions></p:DeviceInfo>",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        xmlDoc *doc = parse_ok(docs[i]);
        xmlNode *root = xmlDocGetRootElement(doc);
        char out[16];
        assert_true(hik_xml_is(root, "DeviceInfo"));
        assert_int_equal(hik_xml_child_text(root, "model", out, sizeof(out)), HIK_OK);
        assert_string_equal(out, "M");
        /* only a direct child for hik_xml_child, any depth for hik_xml_find */
        assert_null(hik_xml_child(root, "serialNumber"));
        assert_int_equal(hik_xml_text(hik_xml_find(root, "serialNumber"), out, sizeof(out)),
                         HIK_OK);
        assert_string_equal(out, "S");
        assert_null(hik_xml_find(root, "nothing"));
        xmlFreeDoc(doc);
    }
}

static void test_text_trimmed_and_bounded(void **state)
{
    xmlDoc *doc = parse_ok("<a>\r\n<b>  IP CAMERA \r\n</b><c>h\xC3\xA9llo</c><d/></a>");
    xmlNode *root = xmlDocGetRootElement(doc);
    char out[32];
    assert_int_equal(hik_xml_child_text(root, "b", out, sizeof(out)), HIK_OK);
    assert_string_equal(out, "IP CAMERA");
    assert_int_equal(hik_xml_child_text(root, "d", out, sizeof(out)), HIK_OK);
    assert_string_equal(out, "");
    assert_int_equal(hik_xml_child_text(root, "missing", out, sizeof(out)), HIK_ERR_INVALID);
    assert_string_equal(out, "");
    char small[3]; /* "h" + half of "é" would not be valid UTF-8 */
    assert_int_equal(hik_xml_child_text(root, "c", small, sizeof(small)), HIK_ERR_TOO_BIG);
    assert_string_equal(small, "h");
    char exact[7];
    assert_int_equal(hik_xml_child_text(root, "c", exact, sizeof(exact)), HIK_OK);
    assert_string_equal(exact, "h\xC3\xA9llo");
    xmlFreeDoc(doc);
}

static void test_bare_ampersand_retried(void **state)
{
    xmlDoc *doc = parse_ok("<a><name>Gate & Yard &amp; &#38; &#x26;</name></a>");
    char out[64];
    assert_int_equal(hik_xml_child_text(xmlDocGetRootElement(doc), "name", out, sizeof(out)),
                     HIK_OK);
    assert_string_equal(out, "Gate & Yard & & &");
    xmlFreeDoc(doc);
}

static void test_refused_documents(void **state)
{
    assert_int_equal(parse_err("<a><b></a>"), HIK_ERR_PARSE);
    assert_int_equal(parse_err(""), HIK_ERR_PARSE);
    assert_int_equal(parse_err("not xml"), HIK_ERR_PARSE);
    /* no DTD at all: no entity expansion, no external fetch */
    assert_int_equal(parse_err("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>"), HIK_ERR_PARSE);
    assert_int_equal(parse_err("<!DOCTYPE a SYSTEM \"http://127.0.0.1:1/x.dtd\"><a/>"),
                     HIK_ERR_PARSE);
    xmlDoc *doc = NULL;
    assert_int_equal(hik_xml_parse((const uint8_t *)"<a/>", HIK_XML_MAX_DOC + 1, &doc),
                     HIK_ERR_TOO_BIG);
    assert_int_equal(hik_xml_parse(NULL, 0, &doc), HIK_ERR_INVALID);
}

static void test_dump_round_trip(void **state)
{
    const char *text = "<r xmlns=\"urn:x\"><enabled>false</enabled><L><i id=\"1\">v</i></L></r>";
    xmlDoc *doc = parse_ok(text);
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(hik_xml_dump(doc, &out, &len), HIK_OK);
    assert_int_equal(strlen(out), len);
    assert_non_null(strstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_non_null(strstr(out, text));
    free(out);
    xmlFreeDoc(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_ignores_namespace),
        cmocka_unit_test(test_text_trimmed_and_bounded),
        cmocka_unit_test(test_bare_ampersand_retried),
        cmocka_unit_test(test_refused_documents),
        cmocka_unit_test(test_dump_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
