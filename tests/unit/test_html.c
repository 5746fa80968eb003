/* test_html.c: no raw markup survives the escapers; no CSV field starts a formula. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "html.h"

static const char HOSTILE[] = "<script>alert(\"x\")</script>' onmouseover='alert(1)' `=` & Straße ✓ \x01";

static void text_has_no_markup(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    html_text(&b, HOSTILE);
    const char *s = buf_cstr(&b);
    assert_null(strchr(s, '<'));
    assert_null(strchr(s, '>'));
    assert_null(strchr(s, '"'));
    assert_null(strchr(s, '\''));
    assert_null(strchr(s, '\x01'));
    assert_non_null(strstr(s, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert_non_null(strstr(s, "Straße ✓")); /* Unicode untouched */
    buf_free(&b);
}

static void attr_cannot_break_out(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    html_attr(&b, HOSTILE);
    const char *s = buf_cstr(&b);
    assert_null(strpbrk(s, "<>\"'`="));
    assert_non_null(strstr(s, "&#39; onmouseover&#61;&#39;"));
    buf_free(&b);
}

static void url_component_is_percent_encoded(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    html_url(&b, "a b&c=d/ä?<x>");
    assert_string_equal(buf_cstr(&b), "a%20b%26c%3Dd%2F%C3%A4%3F%3Cx%3E");
    buf_free(&b);
}

/* A spreadsheet runs a cell as a formula when it starts with = + - @, and
 * reads a leading TAB or CR (or the full-width forms) the same way: every such
 * value gets a leading ' and stays text; quotes are doubled (D135). */
static void csv_fields_never_start_a_formula(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } CASES[] = {
        {"=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""},
        {"+49 176", "\"'+49 176\""},
        {"-2", "\"'-2\""},
        {"@SUM(A1)", "\"'@SUM(A1)\""},
        {"\t=1+1", "\"'\t=1+1\""},
        {"\r=1+1", "\"'\r=1+1\""},
        {"\xEF\xBC\x9D" "1+1", "\"'\xEF\xBC\x9D" "1+1\""},
        {"\xEF\xBC\xA0x", "\"'\xEF\xBC\xA0x\""},
        {"Lena Schmidt", "\"Lena Schmidt\""},
        {"a=b", "\"a=b\""},
        {"", "\"\""},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        buf b = BUF_INIT;
        csv_field(&b, CASES[i].in);
        assert_string_equal(buf_cstr(&b), CASES[i].out);
        buf_free(&b);
    }
    buf b = BUF_INIT;
    csv_field(&b, NULL);
    assert_string_equal(buf_cstr(&b), "\"\"");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_fields_never_start_a_formula),
        cmocka_unit_test(text_has_no_markup),
        cmocka_unit_test(attr_cannot_break_out),
        cmocka_unit_test(url_component_is_percent_encoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
