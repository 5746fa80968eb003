/* test_phone.c: the phone normaliser against real-world spellings, and its variants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "phone.h"

static const struct {
    const char *raw, *want; /* want NULL: "no number" */
} CASES[] = {
    /* E.164 and international forms */
    {"+4917612345678", "+4917612345678"},
    {"+49 176 12345678", "+4917612345678"},
    {"+49-176-123-456-78", "+4917612345678"},
    {"+49 (0)176 12345678", "+4917612345678"},
    {"+49(0)22112345678", "+4922112345678"},
    {"0049 176 12345678", "+4917612345678"},
    {"0049-221-12345678", "+4922112345678"},
    {"004917612345678", "+4917612345678"},
    {"4917612345678", "+4917612345678"},
    {"tel:+4922112345678", "+4922112345678"},
    {"  +4922112345678  ", "+4922112345678"},
    {"+49.221.123.456.78", "+4922112345678"},
    {"+49 221 / 12 34 56 78", "+4922112345678"},
    /* German national forms */
    {"0176 12345678", "+4917612345678"},
    {"0176-12345678", "+4917612345678"},
    {"0176/12345678", "+4917612345678"},
    {"(0221) 12345678", "+4922112345678"},
    {"0221 123 456 78", "+4922112345678"},
    {"030 83793369", "+493083793369"},
    {"030/83793369", "+493083793369"},
    {"089 12 34 56", "+4989123456"},
    {"01512 3456789", "+4915123456789"},
    {"0800 1234567", "+498001234567"},
    /* other countries, written internationally */
    {"+43 664 1234567", "+436641234567"},
    {"0043 664 1234567", "+436641234567"},
    {"+41 44 668 18 00", "+41446681800"},
    {"+33 1 42 68 53 00", "+33142685300"},
    {"+31 20 123 4567", "+31201234567"},
    {"+32 2 123 45 67", "+3221234567"},
    {"+1 (415) 555-2671", "+14155552671"},
    {"+44 20 7946 0958", "+442079460958"},
    /* bare digits (legacy rule: long national digits get the default country) */
    {"17612345678", "+4917612345678"},
    {"22112345678", "+4922112345678"},
    /* no number */
    {NULL, NULL},
    {"", NULL},
    {"   ", NULL},
    {"anonymous", NULL},
    {"Anonymous", NULL},
    {"unknown", NULL},
    {"UNKNOWN", NULL},
    {"private", NULL},
    {"withheld", NULL},
    {"blocked", NULL},
    {"restricted", NULL},
    {"unavailable", NULL},
    {"123", NULL},
    {"0", NULL},
    {"00", NULL},
    {"+", NULL},
    {"+0123456789", NULL},
    {"+49 176 1234 5678 9012 3456", NULL},
    {"0176 CALL-NOW", NULL},
    {"+49 176 12345678 ext. 12", NULL},
    {"49+17612345678", NULL},
    {"call_9f2c41d7b8e34a6f8d12c07be5a91f3e", NULL},
    {"anonymous_1773132064_1a2b3c4d", NULL},
};

static void normalises_real_world_forms(void **state)
{
    (void)state;
    char out[PHONE_MAX];
    size_t n = sizeof CASES / sizeof *CASES;
    assert_true(n >= 40);
    for (size_t i = 0; i < n; i++) {
        int rc = phone_normalize(CASES[i].raw, "49", out);
        if (CASES[i].want) {
            if (rc != 0 || strcmp(out, CASES[i].want) != 0)
                fail_msg("\"%s\": got %s (rc %d), want %s", CASES[i].raw, rc ? "no number" : out, rc, CASES[i].want);
        } else if (rc == 0) {
            fail_msg("\"%s\": got %s, want no number", CASES[i].raw ? CASES[i].raw : "(null)", out);
        }
    }
}

static void default_country_is_configurable(void **state)
{
    (void)state;
    char out[PHONE_MAX];
    assert_int_equal(phone_normalize("0664 1234567", "43", out), 0);
    assert_string_equal(out, "+436641234567");
    assert_int_equal(phone_normalize("044 668 18 00", "41", out), 0);
    assert_string_equal(out, "+41446681800");
    assert_string_equal(phone_country_code("DE"), "49");
    assert_string_equal(phone_country_code("at"), "43");
    assert_null(phone_country_code("XX"));
}

static void variants_match_legacy_spellings(void **state)
{
    (void)state;
    arena *a = arena_new(4096);
    const char *v[PHONE_MAX_VARIANTS];
    size_t n = phone_variants("+4917612345678", "49", a, v);
    assert_int_equal(n, 4);
    assert_string_equal(v[0], "+4917612345678");
    assert_string_equal(v[1], "4917612345678");
    assert_string_equal(v[2], "004917612345678");
    assert_string_equal(v[3], "017612345678");
    /* a foreign number has no German national form */
    n = phone_variants("+436641234567", "49", a, v);
    assert_int_equal(n, 3);
    assert_int_equal(phone_variants("017612345678", "49", a, v), 0);
    /* every variant normalises back to the same number */
    n = phone_variants("+4922112345678", "49", a, v);
    for (size_t i = 0; i < n; i++) {
        char out[PHONE_MAX];
        assert_int_equal(phone_normalize(v[i], "49", out), 0);
        assert_string_equal(out, "+4922112345678");
    }
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normalises_real_world_forms),
        cmocka_unit_test(default_country_is_configurable),
        cmocka_unit_test(variants_match_legacy_spellings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
