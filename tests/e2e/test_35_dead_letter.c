/* test_35_dead_letter.c: one event driven end to end through every retry of
 * the schedule into `dead` (signed delivery through nginx, the stack's worker),
 * with no committed effect, counted by the monitor, and never run again.
 * Uses the SWITCHBOARD_TEST_PROBE handler (pipeline.test_probe = 1 in the test
 * stack). The schedule's delays are test_30's subject: here each scheduled retry
 * is made due at once (next_attempt_at = now), so the run takes seconds, not the
 * schedule's 16 minutes at the test stack's 1/100 scale. */
#include "e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib/pipeline.c RETRY_SCHEDULE_MS has 7 delays: the 8th failure is the last */
#define FAILURES_TO_DEAD 8

static const char *col(uint64_t id, const char *expr)
{
    db_param p = db_int((long long)id);
    return e2e_scalar(arena_printf(e2e_arena(), "SELECT %s FROM webhook_events WHERE id = ?", expr), &p, 1);
}

static long long monitor_dead(void)
{
    const char *h[] = {arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->monitor_token), NULL};
    e2e_response m = e2e_request("GET", "/api/webhooks/monitor", h, NULL, 0);
    assert_int_equal(m.status, 200);
    int64_t dead = -1;
    if (!json_get_int(m.json, "dead", &dead) && !json_get_int(m.json, "queue.dead", &dead))
        fail_msg("the monitor has no dead count: %s", m.body);
    return dead;
}

static int setup(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    e2e_probe_tables();
    return 0;
}

static void the_last_retry_makes_the_event_dead(void **state)
{
    (void)state;
    long long dead_before = e2e_count("SELECT COUNT(*) FROM webhook_events WHERE status = 'dead'", NULL, 0);
    uint64_t id = e2e_probe("\"transient_failures\":100", NULL);
    assert_true(id > 0);
    db_param p = db_int((long long)id);
    for (int failures = 1; failures < FAILURES_TO_DEAD; failures++) {
        /* wait for failure #failures, scheduled for a retry, then make that retry due now */
        int seen = 0;
        for (int i = 0; i < 300 && !seen; i++) {
            const char *st = col(id, "CONCAT(status, '/', retry_count)");
            seen = st && !strcmp(st, arena_printf(e2e_arena(), "failed/%d", failures));
            if (!seen) usleep(20000);
        }
        if (!seen) fail_msg("event %llu: no failure #%d, it is %s", (unsigned long long)id, failures, col(id, "CONCAT(status, '/', retry_count)"));
        assert_non_null(col(id, "next_attempt_at"));
        assert_non_null(strstr(col(id, "error_message"), arena_printf(e2e_arena(), "transient failure on attempt %d of", failures)));
        assert_int_equal(db_exec(e2e_db(), "UPDATE webhook_events SET next_attempt_at = NOW(3) WHERE id = ? AND status = 'failed'",
                                 &p, 1, NULL, NULL), 0);
    }
    if (!e2e_wait_status(id, "dead", 15)) fail_msg("event %llu is %s, not dead", (unsigned long long)id, col(id, "status"));
    assert_string_equal(col(id, "retry_count"), arena_printf(e2e_arena(), "%d", FAILURES_TO_DEAD));
    assert_string_equal(col(id, "attempts"), arena_printf(e2e_arena(), "%d", FAILURES_TO_DEAD));
    const char *err = col(id, "error_message");
    assert_non_null(err);
    assert_non_null(strstr(err, arena_printf(e2e_arena(), "retries exhausted after %d failures", FAILURES_TO_DEAD)));
    assert_non_null(strstr(err, arena_printf(e2e_arena(), "transient failure on attempt %d of", FAILURES_TO_DEAD)));
    assert_null(col(id, "lease_owner"));
    /* nothing of it was committed: the probe's effect row never came */
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_test_probe WHERE webhook_event_id = ?", &p, 1), 0);
    /* counted where the operator looks */
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events WHERE status = 'dead'", NULL, 0), dead_before + 1);
    assert_true(monitor_dead() >= 1);
    /* a dead event is never picked again: made due, it stays as it is while the worker takes a
     * later event (due after it) through to processed */
    assert_int_equal(db_exec(e2e_db(), "UPDATE webhook_events SET next_attempt_at = NOW(3) WHERE id = ?", &p, 1, NULL, NULL), 0);
    uint64_t later = e2e_probe("", NULL);
    assert_true(later > id);
    assert_true(e2e_wait_status(later, "processed", 15));
    assert_string_equal(col(id, "status"), "dead");
    assert_string_equal(col(id, "attempts"), arena_printf(e2e_arena(), "%d", FAILURES_TO_DEAD));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_last_retry_makes_the_event_dead),
    };
    return cmocka_run_group_tests_name("e2e_dead_letter", tests, setup, e2e_teardown);
}
