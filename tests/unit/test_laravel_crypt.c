/* test_laravel_crypt.c: reading Laravel-encrypted values (companies.calcom_api_key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <string.h>

#include "laravel_crypt.h"

/* APP_KEY as Laravel's .env writes it: base64 of 32 bytes */
#define APP_KEY "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static void round_trip_and_serialised_values(void **state)
{
    (void)state;
    char enc[2048], out[256], err[160];
    assert_int_equal(laravel_encrypt(APP_KEY, "cal_live_0123456789abcdef", enc, sizeof enc), 0);
    assert_true(strncmp(enc, "eyJ", 3) == 0); /* base64 of {"iv":..., what the legacy CHECK constraint expects */
    assert_int_equal(laravel_decrypt(APP_KEY, enc, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "cal_live_0123456789abcdef");
    /* encrypt() (not encryptString) serialises: s:25:"...";  */
    assert_int_equal(laravel_encrypt(APP_KEY, "s:25:\"cal_live_0123456789abcdef\";", enc, sizeof enc), 0);
    assert_int_equal(laravel_decrypt(APP_KEY, enc, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "cal_live_0123456789abcdef");
}

static void wrong_key_or_tampering_is_refused(void **state)
{
    (void)state;
    char enc[2048], out[256], err[160];
    assert_int_equal(laravel_encrypt(APP_KEY, "secret-value", enc, sizeof enc), 0);
    assert_int_equal(laravel_decrypt("base64:HwAeAB0AHAAbABoAGQAYABcAFgAVABQAEwASABEAEAA=", enc, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "MAC"));
    assert_null(strstr(err, "secret-value"));
    /* flip one base64 character of the payload */
    enc[10] = enc[10] == 'A' ? 'B' : 'A';
    assert_int_equal(laravel_decrypt(APP_KEY, enc, out, sizeof out, err, sizeof err), -1);
    assert_int_equal(laravel_decrypt(APP_KEY, "not base64 at all!", out, sizeof out, err, sizeof err), -1);
    assert_int_equal(laravel_decrypt("short", enc, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "laravel.app_key"));
}

/* base64 of a wrapper JSON text, as Laravel stores it */
static void wrap(const char *json, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)json, (int)strlen(json));
}

/* issue 15 #1: a declared length that overflows (negative, beyond the text,
 * more digits than size_t holds) used to copy SIZE_MAX bytes; now the text
 * is not a serialised string and comes back as it is (or too long) */
static void hostile_serialised_lengths_do_not_overflow(void **state)
{
    (void)state;
    static const char *const BAD[] = {"s:-1:\"x\";", "s:99999999999:\"x\";", "s:18446744073709551615:\"ab\";",
                                      "s:18446744073709551616:\"ab\";", "s:5:\"ab\";", "s:2:\"abc\";",
                                      "s::\"ab\";", "s:2:ab", "s:2:\"ab"};
    char enc[2048], out[256], err[160];
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        assert_int_equal(laravel_encrypt(APP_KEY, BAD[i], enc, sizeof enc), 0);
        assert_int_equal(laravel_decrypt(APP_KEY, enc, out, sizeof out, err, sizeof err), 0);
        assert_string_equal(out, BAD[i]); /* not unwrapped: the text as Laravel stored it */
    }
    assert_int_equal(laravel_encrypt(APP_KEY, "s:2:\"ab\";", enc, sizeof enc), 0);
    assert_int_equal(laravel_decrypt(APP_KEY, enc, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "ab");
    assert_int_equal(laravel_encrypt(APP_KEY, "s:0:\"\";", enc, sizeof enc), 0);
    assert_int_equal(laravel_decrypt(APP_KEY, enc, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "");
    /* a value longer than the caller's buffer is refused, not cut */
    assert_int_equal(laravel_encrypt(APP_KEY, "s:10:\"0123456789\";", enc, sizeof enc), 0);
    assert_int_equal(laravel_decrypt(APP_KEY, enc, out, 10, err, sizeof err), -1);
    assert_non_null(strstr(err, "too long"));
}

/* issue 15 #1: null, numbers or objects where iv/value/mac strings belong reached strlen(NULL) */
static void wrapper_fields_must_be_strings(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "{\"iv\":null,\"value\":\"AAAA\",\"mac\":\"00\"}", "{\"iv\":\"AAAA\",\"value\":null,\"mac\":\"00\"}",
        "{\"iv\":\"AAAA\",\"value\":\"AAAA\",\"mac\":null}",  "{\"iv\":1,\"value\":{},\"mac\":[]}",
        "[1,2,3]", "null", "\"iv\"", "{}"};
    char enc[512], out[256], err[160];
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        wrap(BAD[i], enc);
        assert_int_equal(laravel_decrypt(APP_KEY, enc, out, sizeof out, err, sizeof err), -1);
        assert_non_null(strstr(err, "not a Laravel payload"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_and_serialised_values),
        cmocka_unit_test(wrong_key_or_tampering_is_refused),
        cmocka_unit_test(hostile_serialised_lengths_do_not_overflow),
        cmocka_unit_test(wrapper_fields_must_be_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
