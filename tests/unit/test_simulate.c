/* test_simulate.c: the demo traffic plan (lib/simulate.c): reproducible from
 * its seed, time-ordered, inside its window, salon-sized. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "simulate.h"

#define TZ "Europe/Berlin"
/* Monday 2026-11-02 00:00 Berlin (CET, UTC+1) .. four weeks later */
#define FROM 1793574000LL
#define TO (FROM + 28 * 86400LL)

static void test_durations(void **state)
{
    (void)state;
    assert_int_equal(sim_parse_duration("90d"), 90 * 86400);
    assert_int_equal(sim_parse_duration("12h"), 12 * 3600);
    assert_int_equal(sim_parse_duration("30m"), 1800);
    assert_int_equal(sim_parse_duration("45s"), 45);
    assert_int_equal(sim_parse_duration("60"), 60);
    assert_int_equal(sim_parse_duration("7 days"), -1);
    assert_int_equal(sim_parse_duration("-1d"), -1);
    assert_int_equal(sim_parse_duration(""), -1);
    assert_int_equal(sim_parse_duration(NULL), -1);
}

static void test_same_seed_same_plan(void **state)
{
    (void)state;
    arena *a = arena_new(1 << 20);
    sim_plan p1, p2, p3;
    assert_int_equal(sim_plan_build(&p1, a, 42, FROM, TO, 3, TZ), 0);
    assert_int_equal(sim_plan_build(&p2, a, 42, FROM, TO, 3, TZ), 0);
    assert_int_equal(sim_plan_build(&p3, a, 43, FROM, TO, 3, TZ), 0);
    assert_int_equal(p1.n, p2.n);
    assert_memory_equal(p1.steps, p2.steps, p1.n * sizeof *p1.steps);
    for (size_t i = 0; i < p1.npeople; i++) assert_string_equal(p1.people[i].phone, p2.people[i].phone);
    assert_true(p1.n != p3.n || memcmp(p1.steps, p3.steps, p1.n * sizeof *p1.steps) != 0);
    arena_free(a);
}

static void test_plan_shape(void **state)
{
    (void)state;
    arena *a = arena_new(1 << 20);
    sim_plan p;
    assert_int_equal(sim_plan_build(&p, a, 7, FROM, TO, 3, TZ), 0);
    long calls = 0, web = 0, changes = 0, forged = 0, outcomes[CALL_OUTCOMES] = {0};
    for (size_t i = 0; i < p.n; i++) {
        const sim_step *s = &p.steps[i];
        assert_true(s->at >= FROM && s->at < TO);
        if (i) assert_true(p.steps[i - 1].at <= s->at);
        assert_true(s->service >= 0 && s->service < 3);
        if (s->kind == SIM_CALL) {
            calls++;
            outcomes[s->variant]++;
            assert_int_equal(strlen(s->id), 5 + 32);
            assert_true(s->duration_s > 0 && s->duration_s <= 300);
        } else if (s->kind == SIM_WEB_BOOKING) {
            web++;
            assert_true(s->person >= 0 && (size_t)s->person < p.npeople);
            assert_true(s->appt_start > s->at); /* booked ahead */
            assert_int_equal(strlen(s->id), 22);
        } else if (s->kind == SIM_WEB_CHANGE) {
            changes++;
            /* the booking it changes comes first in the plan (if it is inside the window) */
            int seen = 0;
            for (size_t j = 0; j < i; j++) seen |= p.steps[j].kind == SIM_WEB_BOOKING && !strcmp(p.steps[j].id, s->id);
            assert_true(seen);
            if (s->variant == CHANGE_RESCHEDULE) assert_true(s->new_start > s->appt_start && strlen(s->other_id) == 22);
        } else {
            forged++;
        }
    }
    /* a salon: 20-40 calls on weekdays, fewer at the weekend; 5-15 web bookings a day */
    assert_in_range(calls, 28 * 14, 28 * 36);
    assert_in_range(web, 28 * 4, 28 * 15);
    assert_true(changes > 0 && changes < web);
    assert_in_range(forged, 27, 29); /* one a day */
    for (int o = 0; o < CALL_OUTCOMES; o++) assert_true(outcomes[o] > 0);
    arena_free(a);
}

static void test_window_limits(void **state)
{
    (void)state;
    arena *a = arena_new(1 << 16);
    sim_plan p;
    assert_int_equal(sim_plan_build(&p, a, 1, TO, FROM, 3, TZ), -1);
    assert_int_equal(sim_plan_build(&p, a, 1, FROM, FROM + 401 * 86400LL, 3, TZ), -1);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_same_seed_same_plan),
        cmocka_unit_test(test_plan_shape),
        cmocka_unit_test(test_window_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
