/* test_isapi_status.c: lib/isapi_status.c, the device's verdict.
 *
 * ResponseStatus in every namespace devices use (and none), CRLF line ends,
 * the JSON form of newer firmware, inconsistent codes kept as sent, and
 * bodies that are not a ResponseStatus at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hik/isapi.h"

static hik_err parse(const char *text, hik_status *st)
{
    return hik_status_parse((const uint8_t *)text, strlen(text), st);
}

static void xml_in_namespace(const char *ns_attr)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<ResponseStatus version=\"2.0\"%s>\r\n"
             "<requestURL>/ISAPI/Streaming/channels/101/picture</requestURL>\r\n"
             "<statusCode>6</statusCode>\r\n<statusString>Invalid XML Content</statusString>\r\n"
             "<subStatusCode>badXmlContent</subStatusCode>\r\n</ResponseStatus>\r\n",
             ns_attr);
    hik_status st;
    assert_int_equal(parse(body, &st), HIK_OK);
    assert_int_equal(st.status_code, 6);
    assert_string_equal(st.status_string, "Invalid XML Content");
    assert_string_equal(st.sub_status, "badXmlContent");
    assert_string_equal(st.request_url, "/ISAPI/Streaming/channels/101/picture");
    assert_int_equal(st.error_code, 0);
    assert_string_equal(st.error_msg, "");
}

static void test_xml_every_namespace(void **state)
{
    xml_in_namespace(" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"");
    xml_in_namespace(" xmlns=\"http://www.isapi.org/ver20/XMLSchema\"");
    xml_in_namespace(" xmlns=\"http://www.hikvision.com/ver10/XMLSchema\"");
    xml_in_namespace(" xmlns=\"http://www.std-cgi.com/ver20/XMLSchema\"");
    xml_in_namespace(" xmlns=\"urn:psialliance-org\"");
    xml_in_namespace("");
    xml_in_namespace(" xmlns:h=\"urn:x\""); /* a declared but unused prefix */
}

static void test_xml_prefixed_elements(void **state)
{
    hik_status st;
    assert_int_equal(parse("<h:ResponseStatus xmlns:h=\"http://www.isapi.org/ver20/XMLSchema\">"
                           "<h:statusCode>4</h:statusCode><h:statusString>Invalid Operation"
                           "</h:statusString></h:ResponseStatus>",
                           &st),
                     HIK_OK);
    assert_int_equal(st.status_code, 4);
    assert_string_equal(st.status_string, "Invalid Operation");
}

static void test_xml_inconsistent_code_kept_as_sent(void **state)
{
    /* seen on a real camera: code 6 with the string of code 4 */
    hik_status st;
    assert_int_equal(parse("<ResponseStatus><statusCode>6</statusCode><statusString>Invalid "
                           "Operation</statusString><subStatusCode>methodNotAllowed"
                           "</subStatusCode></ResponseStatus>",
                           &st),
                     HIK_OK);
    assert_int_equal(st.status_code, 6);
    assert_string_equal(st.status_string, "Invalid Operation");
    assert_string_equal(st.sub_status, "methodNotAllowed");
}

static void test_xml_ok(void **state)
{
    hik_status st;
    assert_int_equal(parse("\xEF\xBB\xBF <ResponseStatus><statusCode> 1 </statusCode>"
                           "<statusString>OK</statusString><subStatusCode>ok</subStatusCode>"
                           "</ResponseStatus>",
                           &st),
                     HIK_OK);
    assert_int_equal(st.status_code, 1);
    assert_string_equal(st.sub_status, "ok");
}

static void test_json_form(void **state)
{
    hik_status st;
    assert_int_equal(parse("{\"statusCode\":4,\"statusString\":\"Invalid Operation\","
                           "\"subStatusCode\":\"notSupport\",\"errorCode\":1073741825,"
                           "\"errorMsg\":\"notSupport\"}",
                           &st),
                     HIK_OK);
    assert_int_equal(st.status_code, 4);
    assert_string_equal(st.status_string, "Invalid Operation");
    assert_string_equal(st.sub_status, "notSupport");
    assert_int_equal(st.error_code, 1073741825L);
    assert_string_equal(st.error_msg, "notSupport");
}

static void test_json_variants(void **state)
{
    hik_status st;
    assert_int_equal(parse("\r\n{\"ResponseStatus\":{\"statusCode\":\"3\",\"statusString\":"
                           "\"Device Error\",\"requestURL\":\"/ISAPI/x\"}}",
                           &st),
                     HIK_OK);
    assert_int_equal(st.status_code, 3);
    assert_string_equal(st.status_string, "Device Error");
    assert_string_equal(st.request_url, "/ISAPI/x");
}

static void test_not_a_response_status(void **state)
{
    hik_status st;
    assert_int_equal(parse("<DeviceInfo><statusCode>1</statusCode></DeviceInfo>", &st),
                     HIK_ERR_PARSE);
    assert_int_equal(st.status_code, 0);
    assert_int_equal(parse("<ResponseStatus><statusString>OK</statusString></ResponseStatus>", &st),
                     HIK_ERR_PARSE);
    assert_int_equal(parse("<ResponseStatus><statusCode>one</statusCode></ResponseStatus>", &st),
                     HIK_ERR_PARSE);
    assert_int_equal(parse("<ResponseStatus><statusCode>1</statusCode>", &st), HIK_ERR_PARSE);
    assert_int_equal(parse("{\"statusString\":\"OK\"}", &st), HIK_ERR_PARSE);
    assert_int_equal(parse("{\"statusCode\":-1}", &st), HIK_ERR_PARSE);
    assert_int_equal(parse("[1]", &st), HIK_ERR_PARSE);
    assert_int_equal(parse("<!DOCTYPE html><html></html>", &st), HIK_ERR_PARSE);
    assert_int_equal(parse("", &st), HIK_ERR_PARSE);
    assert_int_equal(parse("\xff\xd8\xff\xe0 JPEG", &st), HIK_ERR_PARSE);
    assert_int_equal(hik_status_parse(NULL, 0, &st), HIK_ERR_PARSE);
    assert_int_equal(hik_status_parse(NULL, 3, &st), HIK_ERR_INVALID);
}

static void test_entities_are_not_expanded(void **state)
{
    hik_status st;
    assert_int_equal(parse("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
                           "\"file:///etc/passwd\">]><ResponseStatus><statusCode>1</statusCode>"
                           "<statusString>&x;</statusString></ResponseStatus>",
                           &st),
                     HIK_ERR_PARSE);
}

static void test_long_strings_are_cut_not_refused(void **state)
{
    char body[2048];
    char longs[400];
    memset(longs, 'a', sizeof(longs) - 1);
    longs[sizeof(longs) - 1] = '\0';
    snprintf(body, sizeof(body),
             "<ResponseStatus><statusCode>2</statusCode><statusString>%s</statusString>"
             "<requestURL>/%s</requestURL></ResponseStatus>",
             longs, longs);
    hik_status st;
    assert_int_equal(parse(body, &st), HIK_OK);
    assert_int_equal(st.status_code, 2);
    assert_int_equal(strlen(st.status_string), sizeof(st.status_string) - 1);
    assert_int_equal(strlen(st.request_url), sizeof(st.request_url) - 1);
}

static void test_oversize_body_refused(void **state)
{
    size_t len = 128 * 1024;
    char *body = malloc(len + 1);
    memset(body, ' ', len);
    memcpy(body, "<ResponseStatus><statusCode>1</statusCode></ResponseStatus>", 59);
    body[len] = '\0';
    hik_status st;
    assert_int_equal(hik_status_parse((const uint8_t *)body, len, &st), HIK_ERR_TOO_BIG);
    free(body);
}

static void test_describe(void **state)
{
    char out[192];
    hik_status st = {.status_code = 4};
    snprintf(st.status_string, sizeof(st.status_string), "Invalid Operation");
    snprintf(st.sub_status, sizeof(st.sub_status), "notSupport");
    hik_status_describe(&st, out, sizeof(out));
    assert_string_equal(out, "statusCode 4 (Invalid Operation, notSupport)");

    st.error_code = 1073741825L;
    snprintf(st.error_msg, sizeof(st.error_msg), "notSupport");
    hik_status_describe(&st, out, sizeof(out));
    assert_string_equal(out, "statusCode 4 (Invalid Operation, notSupport) errorCode 0x40000001");

    snprintf(st.error_msg, sizeof(st.error_msg), "channel busy");
    hik_status_describe(&st, out, sizeof(out));
    assert_string_equal(
        out, "statusCode 4 (Invalid Operation, notSupport) errorCode 0x40000001: channel busy");

    hik_status bare = {.status_code = 7};
    snprintf(bare.status_string, sizeof(bare.status_string), "Reboot Required");
    hik_status_describe(&bare, out, sizeof(out));
    assert_string_equal(out, "statusCode 7 (Reboot Required)");

    hik_status none = {0};
    hik_status_describe(&none, out, sizeof(out));
    assert_string_equal(out, "no ResponseStatus");

    char tiny[8];
    hik_status_describe(&st, tiny, sizeof(tiny));
    assert_string_equal(tiny, "statusC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_every_namespace),
        cmocka_unit_test(test_xml_prefixed_elements),
        cmocka_unit_test(test_xml_inconsistent_code_kept_as_sent),
        cmocka_unit_test(test_xml_ok),
        cmocka_unit_test(test_json_form),
        cmocka_unit_test(test_json_variants),
        cmocka_unit_test(test_not_a_response_status),
        cmocka_unit_test(test_entities_are_not_expanded),
        cmocka_unit_test(test_long_strings_are_cut_not_refused),
        cmocka_unit_test(test_oversize_body_refused),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
