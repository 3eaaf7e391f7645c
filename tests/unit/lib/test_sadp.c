/* test_sadp.c: lib/sadp.c, the SADP codec: the probe and requests it
 * builds, and how tolerantly (and safely) it reads what devices send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hik/sadp.h"

#define UUID "6D8EF7EA-D25F-4C90-9CF8-F1F23B8AAAB5"

/* A ProbeMatch the way a DS-2CD2xxx camera on V5.6 firmware writes it:
 * CRLF line ends, every field of PROTOCOL.md section 4, and elements the
 * codec does not know. */
static const char full_match[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<ProbeMatch>\r\n"
    "<Uuid>" UUID "</Uuid>\r\n"
    "<Types>inquiry</Types>\r\n"
    "<DeviceType>138209</DeviceType>\r\n"
    "<DeviceDescription>DS-2CD2143G0-I</DeviceDescription>\r\n"
    "<DeviceSN>DS-2CD2143G0-I20190701AAWRD12345678</DeviceSN>\r\n"
    "<CommandPort>8000</CommandPort>\r\n"
    "<HttpPort>80</HttpPort>\r\n"
    "<MAC>58-50-ed-1f-e3-85</MAC>\r\n"
    "<IPv4Address>192.168.1.64</IPv4Address>\r\n"
    "<IPv4SubnetMask>255.255.255.0</IPv4SubnetMask>\r\n"
    "<IPv4Gateway>192.168.1.1</IPv4Gateway>\r\n"
    "<IPv6Address>fe80::5a50:edff:fe1f:e385</IPv6Address>\r\n"
    "<IPv6Gateway>::</IPv6Gateway>\r\n"
    "<IPv6MaskLen>64</IPv6MaskLen>\r\n"
    "<DHCP>true</DHCP>\r\n"
    "<AnalogChannelNum>1</AnalogChannelNum>\r\n"
    "<DigitalChannelNum>0</DigitalChannelNum>\r\n"
    "<SoftwareVersion>V5.6.2build 190701</SoftwareVersion>\r\n"
    "<DSPVersion>V7.3 build 190628</DSPVersion>\r\n"
    "<BootTime>2019-09-12 10:22:17</BootTime>\r\n"
    "<Encrypt>true</Encrypt>\r\n"
    "<ResetAbility>false</ResetAbility>\r\n"
    "<DiskNumber>0</DiskNumber>\r\n"
    "<Activated>true</Activated>\r\n"
    "<PasswordResetAbility>true</PasswordResetAbility>\r\n"
    "<PasswordResetModeSecond>true</PasswordResetModeSecond>\r\n"
    "<DetailOEMCode>1</DetailOEMCode>\r\n"
    "<SupportSecurityQuestion>true</SupportSecurityQuestion>\r\n"
    "<SupportHCPlatform>true</SupportHCPlatform>\r\n"
    "<HCPlatformEnable>false</HCPlatformEnable>\r\n"
    "<IsModifyVerificationCode>false</IsModifyVerificationCode>\r\n"
    "<Salt>3f0c5a7d0e2b4f6a8c9d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b</Salt>\r\n"
    "<DeviceLock>true</DeviceLock>\r\n"
    "<SDKServerStatus>true</SDKServerStatus>\r\n"
    "<SDKOverTLSServerStatus>true</SDKOverTLSServerStatus>\r\n"
    "<SDKOverTLSPort>8443</SDKOverTLSPort>\r\n"
    "</ProbeMatch>\r\n";

static hik_err parse(const char *doc, hik_sadp_device *d)
{
    return hik_sadp_parse_match((const uint8_t *)doc, strlen(doc), d);
}

static void test_probe_is_the_documented_inquiry(void **state)
{
    hik_sadp_request rq = {.type = HIK_SADP_INQUIRY, .uuid = UUID};
    char out[512];
    size_t len = 0;
    assert_int_equal(hik_sadp_build_request(&rq, out, sizeof(out), &len), HIK_OK);
    assert_string_equal(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?><Probe><Uuid>" UUID
                             "</Uuid><Types>inquiry</Types></Probe>");
    assert_int_equal(len, strlen(out));
}

static void test_uuid_is_fresh_upper_case(void **state)
{
    char a[40], b[40];
    assert_int_equal(hik_sadp_uuid(a), HIK_OK);
    assert_int_equal(hik_sadp_uuid(b), HIK_OK);
    assert_int_equal(strlen(a), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(a[i], '-');
        else
            assert_non_null(strchr("0123456789ABCDEF", a[i]));
    }
    assert_string_not_equal(a, b);
}

static void test_mac_spellings_normalised(void **state)
{
    char mac[18];
    assert_true(hik_sadp_mac_normalise("58-50-ed-1f-e3-85", mac));
    assert_string_equal(mac, "58:50:ed:1f:e3:85");
    assert_true(hik_sadp_mac_normalise("58:50:ED:1F:E3:85", mac));
    assert_string_equal(mac, "58:50:ed:1f:e3:85");
    assert_true(hik_sadp_mac_normalise("5850ed1fe385", mac));
    assert_string_equal(mac, "58:50:ed:1f:e3:85");
    assert_false(hik_sadp_mac_normalise("XX-XX-XX-XX-XX-XX", mac));
    assert_string_equal(mac, "");
    assert_false(hik_sadp_mac_normalise("58-50-ed-1f-e3", mac));
    assert_false(hik_sadp_mac_normalise("58-50-ed-1f-e3-85-00", mac));
    assert_false(hik_sadp_mac_normalise("", mac));
}

static void test_update_round_trip(void **state)
{
    hik_sadp_request rq = {.type = HIK_SADP_UPDATE,
                           .uuid = UUID,
                           .mac = "58:50:ED:1F:E3:85",
                           .password = "a<b>&'\"c",
                           .ipv4 = "192.168.1.70",
                           .ipv4_mask = "255.255.255.0",
                           .ipv4_gateway = "192.168.1.1",
                           .command_port = 8000,
                           .http_port = 8080,
                           .dhcp = false};
    char out[1024];
    size_t len = 0;
    assert_int_equal(hik_sadp_build_request(&rq, out, sizeof(out), &len), HIK_OK);
    /* the MAC goes out as devices write it; the password is escaped */
    assert_non_null(strstr(out, "<Types>update</Types><MAC>58-50-ed-1f-e3-85</MAC>"));
    assert_non_null(strstr(out, "<Password>a&lt;b&gt;&amp;&apos;&quot;c</Password>"));
    assert_non_null(strstr(out, "<DHCP>false</DHCP>"));
    hik_sadp_request back;
    assert_int_equal(hik_sadp_parse_request((const uint8_t *)out, len, &back), HIK_OK);
    assert_int_equal(back.type, HIK_SADP_UPDATE);
    assert_string_equal(back.uuid, UUID);
    assert_string_equal(back.mac, "58:50:ed:1f:e3:85");
    assert_string_equal(back.password, "a<b>&'\"c");
    assert_string_equal(back.ipv4, "192.168.1.70");
    assert_string_equal(back.ipv4_mask, "255.255.255.0");
    assert_string_equal(back.ipv4_gateway, "192.168.1.1");
    assert_int_equal(back.command_port, 8000);
    assert_int_equal(back.http_port, 8080);
    assert_false(back.dhcp);
}

static void test_other_requests_name_their_type(void **state)
{
    static const struct {
        hik_sadp_type type;
        const char *name;
    } cases[] = {{HIK_SADP_ACTIVATE, "activate"},
                 {HIK_SADP_REBOOT, "reboot"},
                 {HIK_SADP_RESET_PASSWORD, "resetPassword"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hik_sadp_request rq = {.type = cases[i].type,
                               .uuid = UUID,
                               .mac = "58-50-ed-1f-e3-85",
                               .password = "pw",
                               .code = "K3Y"};
        char out[1024], types[64];
        size_t len;
        assert_int_equal(hik_sadp_build_request(&rq, out, sizeof(out), &len), HIK_OK);
        snprintf(types, sizeof(types), "<Types>%s</Types>", cases[i].name);
        assert_non_null(strstr(out, types));
        assert_non_null(strstr(out, "<MAC>58-50-ed-1f-e3-85</MAC>"));
        assert_null(strstr(out, "IPv4Address")); /* only update carries addresses */
        hik_sadp_request back;
        assert_int_equal(hik_sadp_parse_request((const uint8_t *)out, len, &back), HIK_OK);
        assert_int_equal(back.type, cases[i].type);
    }
}

static void test_bad_requests_refused(void **state)
{
    char out[1024];
    size_t len;
    hik_sadp_request rq = {.type = HIK_SADP_UPDATE, .uuid = UUID};
    assert_int_equal(hik_sadp_build_request(&rq, out, sizeof(out), &len), HIK_ERR_INVALID);
    snprintf(rq.mac, sizeof(rq.mac), "58-50-ed-1f-e3-85");
    snprintf(rq.ipv4, sizeof(rq.ipv4), "192.168.1.300");
    assert_int_equal(hik_sadp_build_request(&rq, out, sizeof(out), &len), HIK_ERR_INVALID);
    rq.ipv4[0] = '\0';
    snprintf(rq.uuid, sizeof(rq.uuid), "short");
    assert_int_equal(hik_sadp_build_request(&rq, out, sizeof(out), &len), HIK_ERR_INVALID);
    snprintf(rq.uuid, sizeof(rq.uuid), UUID);
    assert_int_equal(hik_sadp_build_request(&rq, out, 40, &len), HIK_ERR_TOO_BIG);
}

static void test_full_match_every_field(void **state)
{
    hik_sadp_device d;
    assert_int_equal(parse(full_match, &d), HIK_OK);
    assert_string_equal(d.uuid, UUID);
    assert_string_equal(d.types, "inquiry");
    assert_string_equal(d.device_type, "138209");
    assert_string_equal(d.model, "DS-2CD2143G0-I");
    assert_string_equal(d.serial, "DS-2CD2143G0-I20190701AAWRD12345678");
    assert_int_equal(d.command_port, 8000);
    assert_int_equal(d.http_port, 80);
    assert_string_equal(d.mac, "58:50:ed:1f:e3:85");
    assert_string_equal(d.ipv4, "192.168.1.64");
    assert_string_equal(d.ipv4_mask, "255.255.255.0");
    assert_string_equal(d.ipv4_gateway, "192.168.1.1");
    assert_string_equal(d.ipv6, "fe80::5a50:edff:fe1f:e385");
    assert_true(d.dhcp);
    assert_int_equal(d.analog_channels, 1);
    assert_int_equal(d.digital_channels, 0);
    assert_string_equal(d.software_version, "V5.6.2build 190701");
    assert_string_equal(d.dsp_version, "V7.3 build 190628");
    assert_string_equal(d.boot_time, "2019-09-12 10:22:17");
    assert_true(d.activated);
    assert_true(d.password_reset_ability);
    assert_string_equal(d.salt, "3f0c5a7d0e2b4f6a8c9d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b");
    assert_int_equal(d.sdk_tls_port, 8443);
    assert_int_equal(d.result, HIK_SADP_RESULT_NONE);
}

static void test_misspelt_booleans_are_false(void **state)
{
    hik_sadp_device d;
    assert_int_equal(parse("<ProbeMatch><Uuid>" UUID "</Uuid><DHCP>flase</DHCP>"
                           "<Activated>ture</Activated><PasswordResetAbility>1"
                           "</PasswordResetAbility></ProbeMatch>",
                           &d),
                     HIK_OK);
    assert_false(d.dhcp);
    assert_false(d.activated);
    assert_false(d.password_reset_ability);
    assert_int_equal(parse("<ProbeMatch><DHCP> TRUE </DHCP><Activated>false</Activated>"
                           "</ProbeMatch>",
                           &d),
                     HIK_OK);
    assert_true(d.dhcp); /* surrounding space trimmed, case ignored */
    assert_false(d.activated);
}

static void test_missing_fields_are_empty(void **state)
{
    hik_sadp_device d;
    assert_int_equal(parse("<ProbeMatch><Uuid>" UUID "</Uuid><MAC>58-50-ed-1f-e3-85</MAC>"
                           "</ProbeMatch>",
                           &d),
                     HIK_OK);
    assert_string_equal(d.mac, "58:50:ed:1f:e3:85");
    assert_string_equal(d.model, "");
    assert_string_equal(d.ipv4, "");
    assert_int_equal(d.http_port, 0);
    assert_false(d.activated);
    assert_int_equal(parse("<ProbeMatch/>", &d), HIK_OK);
    assert_string_equal(d.uuid, "");
}

static void test_namespaces_ignored(void **state)
{
    hik_sadp_device d;
    assert_int_equal(parse("<ProbeMatch xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">"
                           "<Uuid>" UUID "</Uuid><HttpPort>81</HttpPort></ProbeMatch>",
                           &d),
                     HIK_OK);
    assert_string_equal(d.uuid, UUID);
    assert_int_equal(d.http_port, 81);
    assert_int_equal(parse("<h:ProbeMatch xmlns:h=\"urn:psialliance-org\"><h:DeviceSN>SN1"
                           "</h:DeviceSN></h:ProbeMatch>",
                           &d),
                     HIK_OK);
    assert_string_equal(d.serial, "SN1");
}

static void test_malformed_values_dropped(void **state)
{
    hik_sadp_device d;
    assert_int_equal(parse("<ProbeMatch><Uuid>" UUID "</Uuid><MAC>XX-XX-XX-XX-XX-XX</MAC>"
                           "<IPv4Address>999.1.1.1</IPv4Address><IPv4Gateway>gw</IPv4Gateway>"
                           "<IPv6Address>not:an:address::x</IPv6Address>"
                           "<HttpPort>70000</HttpPort><CommandPort>-1</CommandPort>"
                           "<SDKOverTLSPort>80abc</SDKOverTLSPort>"
                           "<DeviceDescription>DS-2CD</DeviceDescription></ProbeMatch>",
                           &d),
                     HIK_OK);
    assert_string_equal(d.mac, "");
    assert_string_equal(d.ipv4, "");
    assert_string_equal(d.ipv4_gateway, "");
    assert_string_equal(d.ipv6, "");
    assert_int_equal(d.http_port, 0);
    assert_int_equal(d.command_port, 0);
    assert_int_equal(d.sdk_tls_port, 0);
    assert_string_equal(d.model, "DS-2CD"); /* the good fields still count */
}

static void test_oversize(void **state)
{
    hik_sadp_device d;
    /* one field too long for its slot: that field empty, the rest kept */
    char doc[1024];
    char serial[200];
    memset(serial, 'S', sizeof(serial) - 1);
    serial[sizeof(serial) - 1] = '\0';
    snprintf(doc, sizeof(doc),
             "<ProbeMatch><Uuid>" UUID "</Uuid><DeviceSN>%s</DeviceSN><HttpPort>80</HttpPort>"
             "</ProbeMatch>",
             serial);
    assert_int_equal(parse(doc, &d), HIK_OK);
    assert_string_equal(d.serial, "");
    assert_int_equal(d.http_port, 80);
    /* a datagram past the cap is refused whole */
    size_t n = HIK_SADP_MAX_MSG + 64;
    char *big = malloc(n + 1);
    assert_non_null(big);
    strcpy(big, "<ProbeMatch><Salt>");
    size_t used = strlen(big);
    memset(big + used, 'a', n - used - strlen("</Salt></ProbeMatch>"));
    strcpy(big + n - strlen("</Salt></ProbeMatch>"), "</Salt></ProbeMatch>");
    assert_int_equal(hik_sadp_parse_match((const uint8_t *)big, n, &d), HIK_ERR_TOO_BIG);
    hik_sadp_request rq;
    assert_int_equal(hik_sadp_parse_request((const uint8_t *)big, n, &rq), HIK_ERR_TOO_BIG);
    free(big);
}

static void test_garbage_refused(void **state)
{
    hik_sadp_device d;
    static const char bytes[] = {0x00, 0x01, (char)0xff, (char)0xfe, 'x', '<', 0x7f};
    assert_int_equal(hik_sadp_parse_match((const uint8_t *)bytes, sizeof(bytes), &d),
                     HIK_ERR_PARSE);
    assert_int_equal(hik_sadp_parse_match((const uint8_t *)"", 0, &d), HIK_ERR_PARSE);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\n\r\n", &d), HIK_ERR_PARSE);
    assert_int_equal(parse("<ProbeMatch><Uuid>" UUID "</Uuid>", &d), HIK_ERR_PARSE);
    /* well-formed but not an answer: another client's probe */
    assert_int_equal(parse("<Probe><Uuid>" UUID "</Uuid><Types>inquiry</Types></Probe>", &d),
                     HIK_ERR_PARSE);
    assert_int_equal(hik_sadp_parse_match(NULL, 4, &d), HIK_ERR_INVALID);
}

static void test_entity_payloads_refused(void **state)
{
    hik_sadp_device d;
    assert_int_equal(parse("<?xml version=\"1.0\"?><!DOCTYPE ProbeMatch [<!ENTITY a \"aaaaaaaa\">"
                           "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;"
                           "&b;&b;&b;\">]><ProbeMatch><DeviceSN>&c;</DeviceSN></ProbeMatch>",
                           &d),
                     HIK_ERR_PARSE);
    assert_int_equal(parse("<?xml version=\"1.0\"?><!DOCTYPE ProbeMatch [<!ENTITY x SYSTEM "
                           "\"file:///etc/passwd\">]><ProbeMatch><DeviceSN>&x;</DeviceSN>"
                           "</ProbeMatch>",
                           &d),
                     HIK_ERR_PARSE);
    hik_sadp_request rq;
    const char *probe = "<!DOCTYPE Probe [<!ENTITY x SYSTEM \"http://127.0.0.1/\">]>"
                        "<Probe><Uuid>&x;</Uuid><Types>inquiry</Types></Probe>";
    assert_int_equal(hik_sadp_parse_request((const uint8_t *)probe, strlen(probe), &rq),
                     HIK_ERR_PARSE);
}

static void test_results(void **state)
{
    static const struct {
        const char *text;
        hik_sadp_result result;
    } cases[] = {{"success", HIK_SADP_RESULT_SUCCESS}, {"failure", HIK_SADP_RESULT_FAILURE},
                 {"denied", HIK_SADP_RESULT_DENIED},   {"Denied", HIK_SADP_RESULT_DENIED},
                 {"busy", HIK_SADP_RESULT_OTHER},      {"", HIK_SADP_RESULT_OTHER}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char doc[256];
        hik_sadp_device d;
        snprintf(doc, sizeof(doc),
                 "<ProbeMatch><Uuid>" UUID "</Uuid><Types>update</Types>"
                 "<MAC>58-50-ed-1f-e3-85</MAC><Result>%s</Result></ProbeMatch>",
                 cases[i].text);
        assert_int_equal(parse(doc, &d), HIK_OK);
        assert_int_equal(d.result, cases[i].result);
        assert_string_equal(d.types, "update");
    }
}

static void test_match_round_trip(void **state)
{
    hik_sadp_device in;
    assert_int_equal(parse(full_match, &in), HIK_OK);
    in.result = HIK_SADP_RESULT_DENIED;
    memset(in.model, 0, sizeof(in.model)); /* compared bytewise below */
    snprintf(in.model, sizeof(in.model), "A&B <cam>");
    char out[HIK_SADP_MAX_MSG];
    size_t len;
    assert_int_equal(hik_sadp_build_match(&in, out, sizeof(out), &len), HIK_OK);
    assert_non_null(strstr(out, "<MAC>58-50-ed-1f-e3-85</MAC>"));
    hik_sadp_device back;
    assert_int_equal(hik_sadp_parse_match((const uint8_t *)out, len, &back), HIK_OK);
    assert_memory_equal(&in, &back, sizeof(in));
    assert_int_equal(hik_sadp_build_match(&in, out, 100, &len), HIK_ERR_TOO_BIG);
}

static void test_request_parse_tolerance(void **state)
{
    hik_sadp_request rq;
    const char *unknown = "<Probe><Uuid>" UUID "</Uuid><Types>fly</Types></Probe>";
    assert_int_equal(hik_sadp_parse_request((const uint8_t *)unknown, strlen(unknown), &rq),
                     HIK_ERR_UNSUPPORTED);
    const char *sloppy = "<Probe xmlns=\"urn:x\"><Uuid>" UUID "</Uuid><Types>Update</Types>"
                         "<MAC>58:50:ED:1F:E3:85</MAC><IPv4Address>1.2.3</IPv4Address>"
                         "<DHCP>flase</DHCP><HttpPort>x</HttpPort></Probe>";
    assert_int_equal(hik_sadp_parse_request((const uint8_t *)sloppy, strlen(sloppy), &rq), HIK_OK);
    assert_int_equal(rq.type, HIK_SADP_UPDATE);
    assert_string_equal(rq.mac, "58:50:ed:1f:e3:85");
    assert_string_equal(rq.ipv4, "");
    assert_false(rq.dhcp);
    assert_int_equal(rq.http_port, 0);
    const char *match = "<ProbeMatch><Uuid>" UUID "</Uuid></ProbeMatch>";
    assert_int_equal(hik_sadp_parse_request((const uint8_t *)match, strlen(match), &rq),
                     HIK_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_is_the_documented_inquiry),
        cmocka_unit_test(test_uuid_is_fresh_upper_case),
        cmocka_unit_test(test_mac_spellings_normalised),
        cmocka_unit_test(test_update_round_trip),
        cmocka_unit_test(test_other_requests_name_their_type),
        cmocka_unit_test(test_bad_requests_refused),
        cmocka_unit_test(test_full_match_every_field),
        cmocka_unit_test(test_misspelt_booleans_are_false),
        cmocka_unit_test(test_missing_fields_are_empty),
        cmocka_unit_test(test_namespaces_ignored),
        cmocka_unit_test(test_malformed_values_dropped),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_garbage_refused),
        cmocka_unit_test(test_entity_payloads_refused),
        cmocka_unit_test(test_results),
        cmocka_unit_test(test_match_round_trip),
        cmocka_unit_test(test_request_parse_tolerance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
