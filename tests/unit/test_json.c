/* test_json.c: strict parsing (RFC 8259, UTF-8), dotted-path accessors and
 * the JSON string escaper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "json.h"
#include "unit_util.h"

/* json_parse_strict on the bytes of a string literal (embedded NULs kept). */
#define PARSE(lit, err) json_parse_strict((lit), sizeof(lit) - 1, (err), sizeof(err))

typedef struct {
    const char *what;
    const char *s;
    size_t len;
} input;
#define IN(what, lit) {(what), (lit), sizeof(lit) - 1}

/* Parse every input and report, in one message, all whose outcome is not
 * the expected one (rejections must come with a non-empty reason). */
static void expect_outcome(const input *cases, size_t n, bool accept)
{
    char wrong[1024] = "";
    for (size_t i = 0; i < n; i++) {
        char err[256] = "";
        json_object *o = json_parse_strict(cases[i].s, cases[i].len, err, sizeof err);
        if (!o && !err[0]) fail_msg("%s: rejected without a reason", cases[i].what);
        if ((o != NULL) != accept) {
            size_t used = strlen(wrong);
            snprintf(wrong + used, sizeof wrong - used, "%s%s%s%s", used ? "; " : "", cases[i].what,
                     o ? "" : ": ", o ? "" : err);
        }
        json_object_put(o);
    }
    if (wrong[0]) fail_msg("%s: %s", accept ? "rejected but valid" : "accepted but invalid", wrong);
}

static void expect_all_rejected(const input *cases, size_t n) { expect_outcome(cases, n, false); }
static void expect_all_accepted(const input *cases, size_t n) { expect_outcome(cases, n, true); }

/* ---- json_parse_strict ------------------------------------------------ */

static void test_parse_accepts_objects(void **state)
{
    (void)state;
    char err[256] = "";
    json_object *o = PARSE("{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{\"d\":-1.5e3}}", err);
    assert_non_null(o);
    assert_true(json_object_is_type(o, json_type_object));
    assert_int_equal(json_object_object_length(o), 3);
    json_object_put(o);

    const input ok[] = {
        IN("empty object", "{}"),
        IN("trailing newline", "{\"a\":1}\n"),
        IN("trailing CRLF and tabs", "{\"a\":1}\r\n\t "),
        IN("leading white space", " \n{}"),
        IN("array", "[1,2]"),
        IN("escapes", "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e4\"}"),
        IN("surrogate pair escape", "{\"a\":\"\\ud83d\\ude00\"}"),
        IN("raw UTF-8", "{\"city\":\"K\xc3\xb6ln \xe2\x80\x93 \xf0\x9f\x98\x80\"}"),
        IN("numbers", "{\"a\":-0,\"b\":1E+2,\"c\":0.5e-3}"),
    };
    expect_all_accepted(ok, sizeof ok / sizeof *ok);
}

static void test_parse_empty_body(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(json_parse_strict("", 0, err, sizeof err));
    assert_true(ut_contains(err, "empty"));
    /* white space only is not a value either */
    err[0] = '\0';
    assert_null(PARSE(" \n", err));
    assert_true(err[0]);
}

static void test_parse_rejects_malformed(void **state)
{
    (void)state;
    const input bad[] = {
        IN("truncated object", "{\"a\":"),
        IN("truncated string", "{\"a\":\"xy"),
        IN("unclosed array", "[1,2"),
        IN("trailing garbage", "{} x"),
        IN("two values", "{} {}"),
        IN("trailing NUL", "{}\0"),
        IN("unquoted key", "{a:1}"),
        IN("trailing comma", "{\"a\":1,}"),
        IN("array trailing comma", "[1,]"),
        IN("leading zero", "{\"a\":01}"),
        IN("comment", "/*c*/{}"),
        IN("bad escape", "{\"a\":\"\\x41\"}"),
        IN("upper-case literal", "{\"a\":TRUE}"),
        IN("plus sign", "{\"a\":+1}"),
        IN("bare fraction", "{\"a\":.5}"),
    };
    expect_all_rejected(bad, sizeof bad / sizeof *bad);
}

/* RFC 8259 strings are double-quoted only; MariaDB's JSON_VALID agrees. */
static void test_parse_rejects_single_quotes(void **state)
{
    (void)state;
    const input bad[] = {
        IN("single-quoted value", "{\"a\":'b'}"),
        IN("single-quoted key", "{'a':1}"),
        IN("single-quoted key and value", "{'a':'b'}"),
        IN("single-quoted array element", "['a']"),
    };
    expect_all_rejected(bad, sizeof bad / sizeof *bad);
}

static void test_parse_truncated_message(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(PARSE("{\"event\":\"call_ended\",\"call\":{", err));
    assert_true(ut_contains(err, "end of data"));
    err[0] = '\0';
    assert_null(PARSE("{} x", err));
    assert_true(err[0]);
}

static void test_parse_rejects_invalid_utf8(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(PARSE("{\"a\":\"\xff\"}", err));
    assert_true(err[0]);
    const input bad[] = {
        IN("0xff", "{\"a\":\"\xff\"}"),
        IN("lone continuation byte", "{\"a\":\"\x80\"}"),
        IN("truncated sequence", "{\"a\":\"\xc3\"}"),
        IN("invalid byte in a key", "{\"\xfe\":1}"),
        IN("overlong '/' (C0 AF)", "{\"a\":\"\xc0\xaf\"}"),
        IN("overlong 3-byte (E0 80 AF)", "{\"a\":\"\xe0\x80\xaf\"}"),
        IN("above U+10FFFF (F4 90 80 80)", "{\"a\":\"\xf4\x90\x80\x80\"}"),
        IN("F5 lead byte", "{\"a\":\"\xf5\x80\x80\x80\"}"),
    };
    expect_all_rejected(bad, sizeof bad / sizeof *bad);
}

/* RFC 8259 section 7: U+0000..U+001F must be escaped inside strings (and
 * MariaDB's JSON_VALID rejects them raw). */
static void test_parse_rejects_raw_control_chars(void **state)
{
    (void)state;
    const input bad[] = {
        IN("raw newline in a string", "{\"a\":\"x\ny\"}"),
        IN("raw tab in a string", "{\"a\":\"x\ty\"}"),
        IN("raw 0x01 in a string", "{\"a\":\"x\x01y\"}"),
        IN("raw newline in a key", "{\"a\nb\":1}"),
    };
    expect_all_rejected(bad, sizeof bad / sizeof *bad);
}

/* RFC 8259 section 6: no NaN/Infinity, a fraction needs digits. */
static void test_parse_rejects_non_json_numbers(void **state)
{
    (void)state;
    const input bad[] = {
        IN("NaN", "{\"a\":NaN}"),
        IN("Infinity", "{\"a\":Infinity}"),
        IN("-Infinity", "{\"a\":-Infinity}"),
        IN("1.", "{\"a\":1.}"),
        IN("1e", "{\"a\":1e}"),
    };
    expect_all_rejected(bad, sizeof bad / sizeof *bad);
}

/* MariaDB's JSON_VALID rejects an unpaired surrogate escape, so a body with
 * one could never be stored (the reason json.h gives for being strict). */
static void test_parse_rejects_lone_surrogate_escape(void **state)
{
    (void)state;
    const input bad[] = {
        IN("lone high surrogate", "{\"a\":\"\\ud800\"}"),
        IN("lone low surrogate", "{\"a\":\"\\udc00\"}"),
    };
    expect_all_rejected(bad, sizeof bad / sizeof *bad);
}

/* RFC 8259 section 2: a JSON text is any value, not only an object/array. */
/* Webhook bodies and stored payloads are objects: a bare scalar is refused
 * with a message that says what was expected. */
static void test_parse_rejects_top_level_scalars(void **state)
{
    (void)state;
    const input bad[] = {
        IN("string", "\"x\""),
        IN("number", "42"),
        IN("number + newline", "42\n"),
        IN("true", "true"),
        IN("null", "null"),
    };
    expect_all_rejected(bad, sizeof bad / sizeof *bad);
    char err[256] = "";
    assert_null(PARSE("  42", err));
    assert_true(ut_contains(err, "object or an array"));
}

/* ---- accessors -------------------------------------------------------- */

static json_object *doc;

static int parse_doc(void **state)
{
    (void)state;
    static const char text[] = "{\"a\":{\"b\":[0,{\"c\":\"deep\"},{\"c\":5}]},\"n\":42,\"neg\":-7,"
                               "\"s\":\"str\",\"num_s\":\"123\",\"neg_s\":\"-8\",\"empty\":\"\",\"mixed\":\"12a\","
                               "\"f\":1.5,\"t\":true,\"nul\":null,\"call\":{\"call_id\":\"call_9f2c\"},"
                               "\"huge_s\":\"99999999999999999999\"}";
    char err[256];
    doc = json_parse_strict(text, sizeof text - 1, err, sizeof err);
    return doc ? 0 : -1;
}

static int free_doc(void **state)
{
    (void)state;
    json_object_put(doc);
    return 0;
}

static void test_get_paths(void **state)
{
    (void)state;
    json_object *o = json_get(doc, "a.b.1.c");
    assert_non_null(o);
    assert_string_equal(json_object_get_string(o), "deep");
    o = json_get(doc, "a.b.2.c");
    assert_non_null(o);
    assert_int_equal(json_object_get_int64(o), 5);
    o = json_get(doc, "a.b.0");
    assert_non_null(o);
    assert_true(json_object_is_type(o, json_type_int));
    assert_string_equal(json_object_get_string(json_get(doc, "call.call_id")), "call_9f2c");

    const char *missing[] = {"x", "a.x", "a.b.3", "a.b.3.c", "a.b.x", "a.b.1x", "a.b.-1", "a.b.1.d",
                             "s.x", "n.0", "a.b.0.c", "call.call_id.x", "t.x"};
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++)
        if (json_get(doc, missing[i])) fail_msg("json_get(\"%s\") should be NULL", missing[i]);
}

static void test_get_str(void **state)
{
    (void)state;
    assert_string_equal(json_get_str(doc, "a.b.1.c"), "deep");
    assert_string_equal(json_get_str(doc, "empty"), "");
    assert_null(json_get_str(doc, "n"));
    assert_null(json_get_str(doc, "a"));
    assert_null(json_get_str(doc, "a.b"));
    assert_null(json_get_str(doc, "t"));
    assert_null(json_get_str(doc, "nul"));
    assert_null(json_get_str(doc, "a.b.2.c"));
    assert_null(json_get_str(doc, "nope"));
}

static void test_get_scalar_dup(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    char *s = json_get_scalar_dup(doc, "a.b.1.c", a);
    assert_string_equal(s, "deep");
    assert_ptr_not_equal(s, json_get_str(doc, "a.b.1.c")); /* a copy, not the borrowed string */
    s[0] = 'X';
    assert_string_equal(json_get_str(doc, "a.b.1.c"), "deep");
    assert_string_equal(json_get_scalar_dup(doc, "n", a), "42");
    assert_string_equal(json_get_scalar_dup(doc, "neg", a), "-7");
    assert_string_equal(json_get_scalar_dup(doc, "a.b.2.c", a), "5");
    assert_null(json_get_scalar_dup(doc, "t", a));
    assert_null(json_get_scalar_dup(doc, "a", a));
    assert_null(json_get_scalar_dup(doc, "nul", a));
    assert_null(json_get_scalar_dup(doc, "missing", a));
    arena_free(a);
}

static void test_get_int(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_true(json_get_int(doc, "n", &v));
    assert_int_equal(v, 42);
    assert_true(json_get_int(doc, "neg", &v));
    assert_int_equal(v, -7);
    assert_true(json_get_int(doc, "num_s", &v));
    assert_int_equal(v, 123);
    assert_true(json_get_int(doc, "a.b.2.c", &v));
    assert_int_equal(v, 5);

    v = 777;
    const char *no[] = {"s", "empty", "mixed", "f", "t", "nul", "a", "missing"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (json_get_int(doc, no[i], &v)) fail_msg("json_get_int(\"%s\") should be false", no[i]);
    assert_int_equal(v, 777); /* untouched on failure */
}

/* A digit string that does not fit in int64 is not that integer: reporting
 * INT64_MAX instead would silently turn one id into another. */
static void test_get_int_out_of_range_string(void **state)
{
    (void)state;
    int64_t v = 0;
    bool ok = json_get_int(doc, "huge_s", &v);
    if (ok) fail_msg("\"99999999999999999999\" read as %lld", (long long)v);
}

static void test_get_bool(void **state)
{
    (void)state;
    bool b = false;
    assert_true(json_get_bool(doc, "t", &b));
    assert_true(b);
    assert_false(json_get_bool(doc, "n", &b));
    assert_false(json_get_bool(doc, "missing", &b));
}

/* ---- json_buf_str ----------------------------------------------------- */

static void expect_escaped(const char *in, const char *want)
{
    buf b = BUF_INIT;
    json_buf_str(&b, in);
    assert_string_equal(buf_cstr(&b), want);
    assert_int_equal(b.len, strlen(want));
    buf_free(&b);
}

static void test_buf_str_escapes(void **state)
{
    (void)state;
    expect_escaped("plain", "\"plain\"");
    expect_escaped("", "\"\"");
    expect_escaped("say \"hi\"", "\"say \\\"hi\\\"\"");
    expect_escaped("C:\\dir", "\"C:\\\\dir\"");
    expect_escaped("a\nb", "\"a\\nb\"");
    expect_escaped("\r\t", "\"\\r\\t\"");
    expect_escaped("\x01", "\"\\u0001\"");
    expect_escaped("\x1f\x7f", "\"\\u001f\\u007f\"");
    expect_escaped("<script>&", "\"\\u003cscript\\u003e\\u0026\"");
    expect_escaped(NULL, "null");
}

static void test_buf_str_utf8_unchanged(void **state)
{
    (void)state;
    static const char s[] = "K\xc3\xb6ln \xe2\x80\x93 Stra\xc3\x9f" "e \xf0\x9f\x98\x80";
    char want[64];
    snprintf(want, sizeof want, "\"%s\"", s);
    expect_escaped(s, want);
}

static void test_buf_strn_binary_and_append(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_puts(&b, "{\"k\":");
    json_buf_strn(&b, "a\0b", 3);
    buf_putc(&b, '}');
    assert_string_equal(buf_cstr(&b), "{\"k\":\"a\\u0000b\"}");
    buf_free(&b);
}

/* Whatever goes in comes back out of a strict parse byte for byte. */
static void test_buf_str_round_trip(void **state)
{
    (void)state;
    const char *samples[] = {"quote\" backslash\\ slash/", "ctl \x01\x02\x1b\x7f end", "lines\r\n\ttab",
                             "<b>&amp;</b>", "K\xc3\xb6ln \xf0\x9f\x98\x80"};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        buf b = BUF_INIT;
        buf_puts(&b, "{\"v\":");
        json_buf_str(&b, samples[i]);
        buf_putc(&b, '}');
        char err[256] = "";
        json_object *o = json_parse_strict(b.data, b.len, err, sizeof err);
        if (!o) fail_msg("sample %zu: %s in %s", i, err, b.data);
        assert_false(ut_contains(b.data, "<"));
        assert_string_equal(json_get_str(o, "v"), samples[i]);
        json_object_put(o);
        buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts_objects),
        cmocka_unit_test(test_parse_empty_body),
        cmocka_unit_test(test_parse_rejects_malformed),
        cmocka_unit_test(test_parse_rejects_single_quotes),
        cmocka_unit_test(test_parse_truncated_message),
        cmocka_unit_test(test_parse_rejects_invalid_utf8),
        cmocka_unit_test(test_parse_rejects_raw_control_chars),
        cmocka_unit_test(test_parse_rejects_non_json_numbers),
        cmocka_unit_test(test_parse_rejects_lone_surrogate_escape),
        cmocka_unit_test(test_parse_rejects_top_level_scalars),
        cmocka_unit_test_setup_teardown(test_get_paths, parse_doc, free_doc),
        cmocka_unit_test_setup_teardown(test_get_str, parse_doc, free_doc),
        cmocka_unit_test_setup_teardown(test_get_scalar_dup, parse_doc, free_doc),
        cmocka_unit_test_setup_teardown(test_get_int, parse_doc, free_doc),
        cmocka_unit_test_setup_teardown(test_get_int_out_of_range_string, parse_doc, free_doc),
        cmocka_unit_test_setup_teardown(test_get_bool, parse_doc, free_doc),
        cmocka_unit_test(test_buf_str_escapes),
        cmocka_unit_test(test_buf_str_utf8_unchanged),
        cmocka_unit_test(test_buf_strn_binary_and_append),
        cmocka_unit_test(test_buf_str_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
