/* test_pipeline.c: the retry schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, ±20 %, then dead). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pipeline.h"

static void schedule_bounds_and_exhaustion(void **state)
{
    (void)state;
    const int64_t base[] = {5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000};
    for (int i = 0; i < 7; i++) {
        int64_t lo = pipeline_retry_delay_ms(i + 1, 1000, 0.0);
        int64_t mid = pipeline_retry_delay_ms(i + 1, 1000, 0.5);
        int64_t hi = pipeline_retry_delay_ms(i + 1, 1000, 0.999999);
        assert_int_equal(lo, base[i] * 8 / 10);
        assert_int_equal(mid, base[i]);
        assert_true(hi <= base[i] * 12 / 10 && hi > base[i] * 119 / 100);
    }
    assert_int_equal(pipeline_retry_delay_ms(8, 1000, 0.5), -1);
    assert_int_equal(pipeline_retry_delay_ms(0, 1000, 0.5), -1);
}

static void schedule_scales_for_tests(void **state)
{
    (void)state;
    assert_int_equal(pipeline_retry_delay_ms(2, 10, 0.5), 3000);   /* 5 min / 100 */
    assert_int_equal(pipeline_retry_delay_ms(1, 10, 0.5), 50);     /* 5 s / 100 */
    assert_true(pipeline_retry_delay_ms(1, 1, 0.0) >= 1);          /* never zero */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schedule_bounds_and_exhaustion),
        cmocka_unit_test(schedule_scales_for_tests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
