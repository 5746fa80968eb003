/* test_auth.c: the secret comparisons and Sanctum's abilities, without a database (D131, D134). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "auth.h"
#include "session.h"

static void abilities_as_laravel_token_can(void **state)
{
    (void)state;
    assert_true(auth_token_can("[\"*\"]", AUTH_ABILITY_MONITOR));
    assert_true(auth_token_can("[\"orders:read\",\"switchboard:monitor\"]", AUTH_ABILITY_MONITOR));
    assert_false(auth_token_can("[\"orders:read\"]", AUTH_ABILITY_MONITOR));
    assert_false(auth_token_can("[]", AUTH_ABILITY_MONITOR));
    assert_false(auth_token_can(NULL, AUTH_ABILITY_MONITOR));
    assert_false(auth_token_can("", AUTH_ABILITY_MONITOR));
    assert_false(auth_token_can("{\"*\":true}", AUTH_ABILITY_MONITOR)); /* not an array */
    assert_false(auth_token_can("\"*\"", AUTH_ABILITY_MONITOR));
    assert_false(auth_token_can("[[\"*\"]]", AUTH_ABILITY_MONITOR));
    assert_false(auth_token_can("[\"switchboard:monitor \"]", AUTH_ABILITY_MONITOR)); /* exact names only */
    assert_false(auth_token_can("[\"*\"", AUTH_ABILITY_MONITOR));                      /* malformed */
}

static void tokens_equal_only_whole_and_same(void **state)
{
    (void)state;
    char a[65], b[65];
    session_random_hex(a);
    session_random_hex(b);
    assert_int_equal(strlen(a), 64);
    assert_string_not_equal(a, b);
    assert_true(session_token_equal(a, a));
    assert_false(session_token_equal(a, b));
    char c[65];
    memcpy(c, a, 65);
    c[63] ^= 1;
    assert_false(session_token_equal(a, c));
    assert_false(session_token_equal(a, NULL));
    assert_false(session_token_equal(NULL, NULL));
    assert_false(session_token_equal("", ""));
    char shorter[64];
    memcpy(shorter, a, 63);
    shorter[63] = '\0';
    assert_false(session_token_equal(a, shorter));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(abilities_as_laravel_token_can),
        cmocka_unit_test(tokens_equal_only_whole_and_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
