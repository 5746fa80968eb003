/* fuzz_phone.c: feeds lib/phone.c (numbers as callers, Cal.com forms and
 * legacy rows spell them).
 *
 * Input: the raw number text. phone_normalize() with the default countries
 * 49, 43 and 352 must give "+" and 7..15 digits or fail; normalising its own
 * output must give it back unchanged (E.164 is a fixed point); the legacy
 * variants of the result are 3 or 4 distinct non-empty spellings. */
#include "phone.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const CCS[] = {"49", "43", "352"};
    char *s = fuzz_cstr(data, size);
    arena *a = arena_new(1024);
    (void)phone_is_withheld(s);
    (void)phone_country_code(s);
    for (size_t i = 0; i < sizeof CCS / sizeof *CCS; i++) {
        char out[PHONE_MAX], again[PHONE_MAX];
        if (phone_normalize(s, CCS[i], out) != 0) {
            FUZZ_CHECK(out[0] == '\0');
            continue;
        }
        size_t n = strlen(out);
        FUZZ_CHECK(out[0] == '+' && n >= 8 && n <= 16 && out[1] != '0');
        FUZZ_CHECK(strspn(out + 1, "0123456789") == n - 1);
        FUZZ_CHECK(phone_normalize(out, CCS[i], again) == 0 && !strcmp(out, again));
        const char *v[PHONE_MAX_VARIANTS];
        size_t k = phone_variants(out, CCS[i], a, v);
        FUZZ_CHECK(k >= 3 && k <= PHONE_MAX_VARIANTS);
        for (size_t x = 0; x < k; x++) {
            FUZZ_CHECK(v[x] && v[x][0]);
            for (size_t y = 0; y < x; y++) FUZZ_CHECK(strcmp(v[x], v[y]) != 0);
        }
    }
    arena_free(a);
    free(s);
    return 0;
}
