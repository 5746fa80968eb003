/* test_timeutil.c: companies.timezone reaches TZ only as a name of the
 * system's zoneinfo list (issue 15 #9). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dates_de.h"
#include "timeutil.h"

static void listed_zones_pass(void **state)
{
    (void)state;
    static const char *const OK[] = {"Europe/Berlin", "Europe/Vienna", "America/New_York", "UTC", "Etc/UTC", "Asia/Kolkata"};
    for (size_t i = 0; i < sizeof OK / sizeof *OK; i++) assert_string_equal(time_zone_checked(OK[i]), OK[i]);
}

static void anything_else_is_berlin(void **state)
{
    (void)state;
    static const char *const BAD[] = {"XYZ-14", "CET-1CEST,M3.5.0,M10.5.0/3", ":/etc/passwd", "/etc/localtime",
                                      "../../../../etc/passwd", "Europe/../../etc/passwd", "Europe/Berlin\n",
                                      "europe/berlin", "Europe/Atlantis", "", "tzdata.zi", "posixrules "};
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) assert_string_equal(time_zone_checked(BAD[i]), "Europe/Berlin");
    assert_string_equal(time_zone_checked(NULL), "Europe/Berlin");
}

/* the clock itself: a POSIX rule in companies.timezone used to give UTC+14 */
static void local_times_fall_back_to_berlin(void **state)
{
    (void)state;
    struct tm tm;
    int64_t winter = 1767225600; /* 2026-01-01T00:00:00Z: 01:00 in Berlin */
    assert_int_equal(time_local(winter, "XYZ-14", &tm), 0);
    assert_int_equal(tm.tm_hour, 1);
    assert_int_equal(time_local(winter, "../../../../etc/passwd", &tm), 0);
    assert_int_equal(tm.tm_hour, 1);
    assert_int_equal(time_local(winter, "America/New_York", &tm), 0);
    assert_int_equal(tm.tm_hour, 19);
    de_date d = {2026, 1, 1};
    int64_t e = 0;
    assert_int_equal(local_to_epoch(&d, 1, 0, "XYZ-14", &e), 0);
    assert_int_equal(e, winter);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(listed_zones_pass),
        cmocka_unit_test(anything_else_is_berlin),
        cmocka_unit_test(local_times_fall_back_to_berlin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
