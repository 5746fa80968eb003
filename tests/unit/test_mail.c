/* test_mail.c: a built mail is 7-bit, its headers cannot be extended by data, and
 * its Message-ID is the same for the same mail (lib/mail.c, DESIGN D106/D112). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mail.h"

static void addresses_that_could_add_a_header_or_recipient_are_refused(void **state)
{
    (void)state;
    assert_true(mail_address_ok("filiale@salon-haarmonie.example.com"));
    assert_true(mail_address_ok("a.b+tag@x.de"));
    const char *bad[] = {"", "no-at.example", "@x.de", "a@", "a@nodot", "a@@x.de", "a@x.de\r\nBcc: spy@y.de",
                         "a@x.de,b@y.de", "Name <a@x.de>", "a b@x.de", "\"a\"@x.de", "jürgen@x.de", "a@x.de;b@y.de",
                         "a@.de", "a@x."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (mail_address_ok(bad[i])) fail_msg("accepted %s", bad[i]);
}

static void message_is_seven_bit_with_encoded_subject_and_no_injected_header(void **state)
{
    (void)state;
    arena *a = arena_new(4096);
    const char *mid = mail_message_id(a, "summary:1:abc", "noreply@askproai.de");
    assert_string_equal(mid, mail_message_id(a, "summary:1:abc", "noreply@askproai.de"));
    assert_string_not_equal(mid, mail_message_id(a, "summary:2:abc", "noreply@askproai.de"));
    assert_non_null(strstr(mid, "@askproai.de>"));
    mail_msg m = {"noreply@askproai.de", "Salon Ölmühle", "filiale@x.de",
                  "Stündliche Anrufzusammenfassung\r\nBcc: spy@y.de - Müller", mid, 1773132067,
                  "Grüße\nZeile zwei\n.\n", "anruf_1.csv", "text/csv; charset=utf-8", "\"ID\"\r\n\"1\"\r\n", 14};
    buf b = BUF_INIT;
    assert_int_equal(mail_build(&b, &m), 0);
    const char *s = buf_cstr(&b);
    for (size_t i = 0; i < b.len; i++)
        if ((unsigned char)s[i] >= 0x80) fail_msg("8-bit byte at %zu", i);
    assert_null(strstr(s, "\r\nBcc:"));
    assert_non_null(strstr(s, "\r\nSubject: =?UTF-8?B?"));
    assert_non_null(strstr(s, "\r\nTo: <filiale@x.de>\r\n"));
    assert_non_null(strstr(s, "\r\nMessage-ID: <sb."));
    assert_non_null(strstr(s, "Date: Tue, 10 Mar 2026 08:41:07 +0000"));
    assert_non_null(strstr(s, "Content-Disposition: attachment; filename=\"anruf_1.csv\""));
    /* every line ends in CRLF and none is longer than 998 characters */
    size_t col = 0;
    for (size_t i = 0; i < b.len; i++) {
        if (s[i] == '\n') {
            assert_true(i > 0 && s[i - 1] == '\r');
            col = 0;
        } else assert_true(++col <= 998);
    }
    buf_free(&b);
    /* a recipient that is not one plain address builds nothing */
    m.to = "a@x.de\r\nBcc: spy@y.de";
    assert_int_equal(mail_build(&b, &m), -1);
    assert_int_equal(b.len, 0);
    buf_free(&b);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(addresses_that_could_add_a_header_or_recipient_are_refused),
        cmocka_unit_test(message_is_seven_bit_with_encoded_subject_and_no_injected_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
