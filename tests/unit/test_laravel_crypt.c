/* test_laravel_crypt.c: reading Laravel-encrypted values (companies.calcom_api_key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <string.h>

#include "../../lib/laravel_crypt.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_and_serialised_values),
        cmocka_unit_test(wrong_key_or_tampering_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
