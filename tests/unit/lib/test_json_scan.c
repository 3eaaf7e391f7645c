/* test_json_scan.c: the bounded JSON tokenizer. What RFC 8259 accepts and
 * refuses (trailing commas, leading zeros, control characters, lone
 * surrogates, NUL bytes...), the token layout, the hard caps on tokens and
 * depth, duplicate keys (the first wins), and string decoding into bounded
 * buffers. The last group checks the same rules as the JSON alert parser
 * sees them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../../lib/json_scan.h"
#include "hik/event_parse.h"

#define MAX_TOKS 256

static json_tok toks[MAX_TOKS];

static hik_err scan_n(json_doc *d, const char *text, size_t len)
{
    return json_scan__parse(d, (const uint8_t *)text, len, toks, MAX_TOKS, 32);
}

static hik_err scan(json_doc *d, const char *text)
{
    return scan_n(d, text, strlen(text));
}

static void expect_valid(const char *text)
{
    json_doc d;
    hik_err err = scan(&d, text);
    if (err)
        fail_msg("valid JSON refused: %s: %s (column %d)", text, d.error, d.error_column);
}

static void expect_parse_error_n(const char *text, size_t len, const char *why)
{
    json_doc d;
    hik_err err = scan_n(&d, text, len);
    if (err != HIK_ERR_PARSE)
        fail_msg("invalid JSON (%s) gave %s instead of parse error", why, hik_err_name(err));
    assert_true(d.error[0] != '\0');
}

static void expect_parse_error(const char *text, const char *why)
{
    expect_parse_error_n(text, strlen(text), why);
}

static void test_valid_documents(void **state)
{
    expect_valid("{}");
    expect_valid("[]");
    expect_valid(" \t\r\n{ \"a\" : [ 1 , -2.5e+3 , true , false , null , \"x\" ] } \n");
    expect_valid("0");
    expect_valid("-0");
    expect_valid("0.5");
    expect_valid("1E9");
    expect_valid("1e-0");
    expect_valid("\"plain\"");
    expect_valid("null");
    expect_valid("{\"\":\"\"}"); /* empty key and empty value */
    expect_valid("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"]");
    expect_valid("[\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"]"); /* raw UTF-8 */
    expect_valid("\xEF\xBB\xBF{\"bom\":1}");
}

static void test_trailing_commas_refused(void **state)
{
    expect_parse_error("[1,2,]", "trailing comma in an array");
    expect_parse_error("{\"a\":1,}", "trailing comma in an object");
    expect_parse_error("[,1]", "leading comma");
    expect_parse_error("[1,,2]", "double comma");
    expect_parse_error("{,}", "lone comma in an object");
}

static void test_numbers(void **state)
{
    expect_parse_error("01", "leading zero");
    expect_parse_error("[-01]", "leading zero after minus");
    expect_parse_error("[00]", "double zero");
    expect_parse_error("[1.]", "no fraction digits");
    expect_parse_error("[.5]", "no integer part");
    expect_parse_error("[+1]", "plus sign");
    expect_parse_error("[1e]", "empty exponent");
    expect_parse_error("[1e+]", "exponent sign only");
    expect_parse_error("[-]", "minus alone");
    expect_parse_error("[0x10]", "hex");
    expect_parse_error("[NaN]", "NaN");
    expect_parse_error("[Infinity]", "Infinity");
    expect_parse_error("[1 2]", "two numbers");

    /* Huge numbers are valid JSON and stay text, exactly as sent. */
    char big[600] = "[";
    for (int i = 0; i < 400; i++)
        strcat(big, "9");
    strcat(big, ",1e999999,-0.000000000000000000000000000000001E-999999]");
    json_doc d;
    assert_int_equal(scan(&d, big), HIK_OK);
    assert_int_equal(d.tok[1].type, JSON_T_NUMBER);
    assert_int_equal(d.tok[1].len, 400);
    assert_int_equal(d.tok[2].type, JSON_T_NUMBER);
    assert_memory_equal(json_scan__raw(&d, 2), "1e999999", 8);
    assert_int_equal(d.tok[2].len, 8);
}

static void test_literals_and_structure(void **state)
{
    expect_parse_error("", "empty document");
    expect_parse_error("  \r\n", "only whitespace");
    expect_parse_error("tru", "cut literal");
    expect_parse_error("[truex]", "literal with a tail");
    expect_parse_error("[TRUE]", "upper-case literal");
    expect_parse_error("{\"a\" 1}", "missing colon");
    expect_parse_error("{\"a\":}", "missing value");
    expect_parse_error("{1:2}", "number key");
    expect_parse_error("{'a':1}", "single quotes");
    expect_parse_error("[1]/*c*/", "comment");
    expect_parse_error("{\"a\":1}}", "extra closing brace");
    expect_parse_error("{\"a\":1} {}", "two documents");
    expect_parse_error("[1}", "mismatched bracket");
    expect_parse_error("{\"a\":[1}", "mismatched brace");
    expect_parse_error("[1", "unterminated array");
    expect_parse_error("{\"a\":1", "unterminated object");
    expect_parse_error("\xEF\xBB{}", "half a byte order mark");
}

static void test_strings_refused(void **state)
{
    expect_parse_error("[\"a\nb\"]", "raw line feed in a string");
    expect_parse_error("[\"a\tb\"]", "raw tab in a string");
    expect_parse_error("[\"\x01\"]", "raw control character");
    expect_parse_error("[\"\x1F\"]", "raw unit separator");
    expect_parse_error("[\"abc]", "unterminated string");
    expect_parse_error("[\"abc\\", "string ends in a backslash");
    expect_parse_error("[\"\\x41\"]", "unknown escape");
    expect_parse_error("[\"\\'\"]", "escaped single quote");
    expect_parse_error("[\"\\u12\"]", "short \\u");
    expect_parse_error("[\"\\u12G4\"]", "bad hex digit");
    /* Surrogates must pair. */
    expect_parse_error("[\"\\uD800\"]", "lone high surrogate");
    expect_parse_error("[\"\\uD800x\"]", "high surrogate then a letter");
    expect_parse_error("[\"\\uD800\\u0041\"]", "high surrogate then not a low one");
    expect_parse_error("[\"\\uD800\\uD800\"]", "two high surrogates");
    expect_parse_error("[\"\\uDC00\"]", "lone low surrogate");
    expect_parse_error("[\"\\uDFFF\\uD800\"]", "pair in the wrong order");
    /* UTF-8 must be well-formed. */
    expect_parse_error("[\"\xC0\x80\"]", "overlong NUL");
    expect_parse_error("[\"\xE0\x80\xAF\"]", "overlong slash");
    expect_parse_error("[\"\xED\xA0\x80\"]", "surrogate encoded in UTF-8");
    expect_parse_error("[\"\xF4\x90\x80\x80\"]", "past U+10FFFF");
    expect_parse_error("[\"\xF5\x80\x80\x80\"]", "F5 lead byte");
    expect_parse_error("[\"\xE2\x82\"]", "cut sequence");
    expect_parse_error("[\"\x80\"]", "lone continuation byte");
    expect_parse_error("[\"caf\xE9\"]", "Latin-1 byte");
    expect_parse_error("[\xC3\xA9]", "UTF-8 outside a string");
}

static void test_nul_bytes_refused(void **state)
{
    expect_parse_error_n("[\"a\0b\"]", 7, "raw NUL in a string");
    expect_parse_error_n("[1,\0 2]", 7, "raw NUL between values");
    expect_parse_error_n("{}\0", 3, "NUL after the document");
    expect_parse_error_n("\0", 1, "NUL alone");
    json_doc d;
    assert_int_equal(scan(&d, "{\"a\":\"x\\u0000y\"}"), HIK_ERR_PARSE);
    assert_non_null(strstr(d.error, "u0000"));
}

static void test_error_position(void **state)
{
    json_doc d;
    assert_int_equal(scan(&d, "{\n  \"a\": 1,\n  \"b\": tru\n}"), HIK_ERR_PARSE);
    assert_int_equal(d.error_line, 3);
    assert_int_equal(d.error_column, 8);
    assert_int_equal(d.error_at, 19);
}

static void test_depth_cap(void **state)
{
    char doc[512] = "";
    json_doc d;
    for (int i = 0; i < 32; i++)
        strcat(doc, "[");
    for (int i = 0; i < 32; i++)
        strcat(doc, "]");
    assert_int_equal(scan(&d, doc), HIK_OK);

    doc[0] = '\0';
    for (int i = 0; i < 33; i++)
        strcat(doc, i % 2 ? "{\"k\":" : "[");
    assert_int_equal(scan(&d, doc), HIK_ERR_TOO_BIG);
    assert_non_null(strstr(d.error, "deeper than 32"));

    /* Very deep input stops at the cap, long before its end. */
    size_t n = 100000;
    char *deep = malloc(n);
    assert_non_null(deep);
    memset(deep, '[', n);
    assert_int_equal(json_scan__parse(&d, (const uint8_t *)deep, n, toks, MAX_TOKS, 1000),
                     HIK_ERR_TOO_BIG);
    assert_true(d.error_at <= JSON_SCAN_DEPTH_LIMIT);
    free(deep);
}

static void test_token_cap(void **state)
{
    char doc[4 * MAX_TOKS + 8] = "[";
    for (int i = 0; i < MAX_TOKS - 1; i++)
        strcat(doc, i ? ",1" : "1");
    strcat(doc, "]");
    json_doc d;
    assert_int_equal(scan(&d, doc), HIK_OK);
    assert_int_equal(d.n_tok, MAX_TOKS);

    doc[strlen(doc) - 1] = '\0';
    strcat(doc, ",1]");
    assert_int_equal(scan(&d, doc), HIK_ERR_TOO_BIG);
    assert_non_null(strstr(d.error, "tokens"));
}

static void test_layout(void **state)
{
    json_doc d;
    const char *text = "{\"a\":[1,{\"b\":null}],\"c\":\"x\",\"d\":{}}";
    assert_int_equal(scan(&d, text), HIK_OK);
    /* 0 {  1 "a"  2 [  3 1  4 {  5 "b"  6 null  7 "c"  8 "x"  9 "d"  10 {} */
    assert_int_equal(d.n_tok, 11);
    assert_int_equal(d.tok[0].type, JSON_T_OBJECT);
    assert_int_equal(d.tok[0].next, 11);
    assert_int_equal(d.tok[0].len, strlen(text));
    assert_int_equal(d.tok[2].type, JSON_T_ARRAY);
    assert_int_equal(d.tok[2].next, 7);
    assert_int_equal(d.tok[3].next, 4);
    assert_int_equal(d.tok[4].next, 7);
    assert_int_equal(d.tok[6].type, JSON_T_NULL);
    assert_int_equal(d.tok[10].type, JSON_T_OBJECT);
    assert_int_equal(d.tok[10].next, 11);

    const char *keys[3] = {"a", "c", "d"};
    int n = 0;
    for (uint32_t k = 1; k < d.tok[0].next; k = d.tok[k + 1].next) {
        assert_true(n < 3);
        assert_true(json_scan__str_is(&d, k, keys[n], 1));
        n++;
    }
    assert_int_equal(n, 3);
    assert_int_equal(json_scan__get(&d, 0, "c", 1), 8);
    assert_int_equal(json_scan__get(&d, 0, "b", 1), 0); /* not a member of the root */
    assert_int_equal(json_scan__get(&d, 4, "b", 1), 6);
    assert_int_equal(json_scan__get(&d, 2, "a", 1), 0); /* not an object */
}

static void test_empty_and_duplicate_keys(void **state)
{
    json_doc d;
    assert_int_equal(scan(&d, "{\"\":1,\"a\":2,\"a\":3,\"\\u0061\":4,\"b\":{\"a\":5,\"a\":6}}"),
                     HIK_OK);
    uint32_t v = json_scan__get(&d, 0, "", 0);
    assert_int_not_equal(v, 0);
    assert_memory_equal(json_scan__raw(&d, v), "1", 1);

    /* The first "a" wins; the later ones, escaped or not, are marked. */
    v = json_scan__get(&d, 0, "a", 1);
    assert_memory_equal(json_scan__raw(&d, v), "2", 1);
    assert_false(d.tok[v - 1].flags & JSON_TOK_DUP);
    int dups = 0;
    for (uint32_t k = 1; k < d.tok[0].next; k = d.tok[k + 1].next)
        dups += (d.tok[k].flags & JSON_TOK_DUP) != 0;
    assert_int_equal(dups, 2);

    /* Duplicates are per object. */
    uint32_t inner = json_scan__get(&d, 0, "b", 1);
    v = json_scan__get(&d, inner, "a", 1);
    assert_memory_equal(json_scan__raw(&d, v), "5", 1);
}

static void test_many_keys_dedup(void **state)
{
    /* Distinct keys are never taken for duplicates, even among many. */
    static char doc[8192];
    strcpy(doc, "{");
    for (int i = 0; i < 120; i++)
        snprintf(doc + strlen(doc), sizeof(doc) - strlen(doc), "%s\"k%d\":%d", i ? "," : "", i, i);
    strcat(doc, ",\"k7\":0}");
    json_doc d;
    assert_int_equal(scan(&d, doc), HIK_OK);
    int dups = 0;
    for (uint32_t k = 1; k < d.tok[0].next; k = d.tok[k + 1].next)
        dups += (d.tok[k].flags & JSON_TOK_DUP) != 0;
    assert_int_equal(dups, 1);
    uint32_t v = json_scan__get(&d, 0, "k7", 2);
    assert_memory_equal(json_scan__raw(&d, v), "7", 1);
    assert_int_not_equal(json_scan__get(&d, 0, "k119", 4), 0);
}

static void test_unescape(void **state)
{
    json_doc d;
    assert_int_equal(scan(&d, "[\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\",\"\\u00e9\\u20AC\\uD83D\\uDE00\","
                              "\"R&D\"]"),
                     HIK_OK);
    char buf[64];
    assert_true(json_scan__string(&d, 1, buf, sizeof(buf)));
    assert_string_equal(buf, "q\"b\\s/\b\f\n\r\t");
    assert_true(d.tok[1].flags & JSON_TOK_ESCAPED);
    assert_true(json_scan__string(&d, 2, buf, sizeof(buf)));
    assert_string_equal(buf, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    assert_true(json_scan__string(&d, 3, buf, sizeof(buf)));
    assert_string_equal(buf, "R&D");
    assert_false(d.tok[3].flags & JSON_TOK_ESCAPED);

    /* Decoded in small pieces, never splitting a code point. */
    char out[64] = "";
    size_t pos = 0, o = 0;
    while (pos < d.tok[2].len) {
        size_t n = json_scan__unescape(&d, 2, &pos, out + o, 4);
        assert_true(n > 0 && n <= 4);
        o += n;
    }
    assert_int_equal(o, 9);
    assert_memory_equal(out, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 9);

    /* Bounded: cut on a code point boundary, and said so. */
    assert_false(json_scan__string(&d, 2, buf, 7));
    assert_string_equal(buf, "\xC3\xA9\xE2\x82\xAC");
    assert_false(json_scan__string(&d, 1, buf, 5));
    assert_string_equal(buf, "q\"b\\");

    assert_true(json_scan__str_is(&d, 2, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 9));
    assert_false(json_scan__str_is(&d, 2, "\xC3\xA9", 2));
    assert_false(json_scan__str_is(&d, 3, "R&", 2));
}

static void test_raw_utf8_cut_on_boundary(void **state)
{
    json_doc d;
    assert_int_equal(scan(&d, "[\"ab\xE2\x82\xAC\"]"), HIK_OK);
    char buf[5];
    assert_false(json_scan__string(&d, 1, buf, sizeof(buf)));
    assert_string_equal(buf, "ab");
}

/* ---- as the JSON alert parser sees it --------------------------------- */

static hik_err parse_alert(const char *doc, hik_event *ev, hik_parse_diag *diag)
{
    size_t n;
    return hik_event_parse_json((const uint8_t *)doc, strlen(doc), NULL, ev, 1, &n, diag);
}

static void test_alert_escapes_and_duplicates(void **state)
{
    hik_event ev;
    hik_parse_diag diag;
    assert_int_equal(parse_alert("\xEF\xBB\xBF{\"event\\u0054ype\":\"VMD\",\"eventType\":\"IO\","
                                 "\"channelName\":\"Caf\\u00e9 \\\"1\\\"\",\"channelID\":3}",
                                 &ev, &diag),
                     HIK_OK);
    assert_int_equal(ev.kind, HIK_EV_MOTION);
    assert_string_equal(ev.type_raw, "VMD");
    assert_string_equal(ev.channel_name, "Caf\xC3\xA9 \"1\"");
    assert_int_equal(ev.channel, 3);

    assert_int_equal(parse_alert("{\"eventType\":\"VMD\",}", &ev, &diag), HIK_ERR_PARSE);
    assert_non_null(strstr(diag.message, "malformed JSON"));
    assert_non_null(strstr(diag.message, "column"));
    assert_int_equal(parse_alert("{\"eventType\":\"VM\\uDD00\"}", &ev, &diag), HIK_ERR_PARSE);
    assert_int_equal(parse_alert("[1,2]", &ev, &diag), HIK_ERR_UNSUPPORTED);
}

static void test_alert_too_many_tokens(void **state)
{
    size_t cap = 64 * 1024;
    char *doc = malloc(cap);
    assert_non_null(doc);
    strcpy(doc, "{\"eventType\":\"VMD\",\"x\":[");
    size_t o = strlen(doc);
    for (int i = 0; i < 10000; i++)
        o += (size_t)snprintf(doc + o, cap - o, "%s0", i ? "," : "");
    strcpy(doc + o, "]}");
    hik_event ev;
    hik_parse_diag diag;
    assert_int_equal(parse_alert(doc, &ev, &diag), HIK_ERR_TOO_BIG);
    assert_non_null(strstr(diag.message, "tokens"));
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_documents),
        cmocka_unit_test(test_trailing_commas_refused),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_literals_and_structure),
        cmocka_unit_test(test_strings_refused),
        cmocka_unit_test(test_nul_bytes_refused),
        cmocka_unit_test(test_error_position),
        cmocka_unit_test(test_depth_cap),
        cmocka_unit_test(test_token_cap),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_empty_and_duplicate_keys),
        cmocka_unit_test(test_many_keys_dedup),
        cmocka_unit_test(test_unescape),
        cmocka_unit_test(test_raw_utf8_cut_on_boundary),
        cmocka_unit_test(test_alert_escapes_and_duplicates),
        cmocka_unit_test(test_alert_too_many_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
