/* test_30_pipeline.c: retries on schedule, dead letters, replay, exactly-once
 * under competing workers and the fast path, recovery after a killed worker.
 * Uses the SWITCHBOARD_TEST_PROBE handler (pipeline.test_probe = 1 in the test
 * stack, retries scaled to 1/100, leases of 3 s). */
#include "e2e.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long long col(uint64_t id, const char *expr)
{
    db_param p = db_int((long long)id);
    const char *v = e2e_scalar(arena_printf(e2e_arena(), "SELECT %s FROM webhook_events WHERE id = ?", expr), &p, 1);
    return v ? atoll(v) : -1;
}

static const char *col_str(uint64_t id, const char *expr)
{
    db_param p = db_int((long long)id);
    return e2e_scalar(arena_printf(e2e_arena(), "SELECT %s FROM webhook_events WHERE id = ?", expr), &p, 1);
}

static long long probe_runs(uint64_t id)
{
    db_param p = db_int((long long)id);
    return e2e_count("SELECT COALESCE(SUM(runs), 0) FROM switchboard_test_probe WHERE webhook_event_id = ?", &p, 1);
}

static int setup(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    e2e_probe_tables();
    return 0;
}

static void transient_failure_is_retried_on_schedule(void **state)
{
    (void)state;
    uint64_t id = e2e_probe("\"transient_failures\":2", NULL);
    assert_true(id > 0);
    /* after the 2nd failure the event waits for retry #2: 5 min scaled by 1/100 = 3 s ±20 % */
    int seen = 0;
    for (int i = 0; i < 200 && !seen; i++) {
        seen = col(id, "retry_count") == 2 && strcmp(col_str(id, "status"), "failed") == 0;
        if (!seen) usleep(20000);
    }
    assert_true(seen);
    long long delay = col(id, "TIMESTAMPDIFF(MICROSECOND, finished_at, next_attempt_at) DIV 1000");
    if (delay < 2400 || delay > 3600) fail_msg("retry #2 scheduled %lld ms after the failure, expected 2400..3600", delay);
    assert_non_null(strstr(col_str(id, "error_message"), "transient failure on attempt 2"));
    assert_true(e2e_wait_status(id, "processed", 15));
    assert_int_equal(col(id, "retry_count"), 2);
    assert_int_equal(col(id, "attempts"), 3);
    assert_null(col_str(id, "error_message"));
    assert_int_equal(probe_runs(id), 1);
}

static void permanent_failure_is_dead_then_replay_fixes_it(void **state)
{
    (void)state;
    const char *flag = arena_printf(e2e_arena(), "flag-%d", (int)getpid());
    uint64_t id = e2e_probe(arena_printf(e2e_arena(), "\"requires_flag\":\"%s\"", flag), NULL);
    assert_true(id > 0);
    assert_true(e2e_wait_status(id, "dead", 10));
    assert_non_null(strstr(col_str(id, "error_message"), flag));
    assert_int_equal(col(id, "retry_count"), 1);
    assert_int_equal(probe_runs(id), 0);

    /* the cause is fixed, then an operator replays it */
    db_param f = db_str(flag);
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO switchboard_test_probe_flags (name) VALUES (?)", &f, 1, NULL, NULL), 0);
    const char *out;
    int rc = e2e_cli(arena_printf(e2e_arena(), "replay --by e2e-operator %llu", (unsigned long long)id), &out);
    if (rc != 0) fail_msg("replay exit %d: %s", rc, out);
    assert_non_null(strstr(out, "processed"));
    assert_string_equal(col_str(id, "status"), "processed");
    assert_int_equal(probe_runs(id), 1);
    db_param p = db_int((long long)id);
    db_rows rows;
    assert_int_equal(db_query(e2e_db(), e2e_arena(),
                              "SELECT requested_by, previous_status, result_status, finished_at IS NOT NULL"
                              " FROM switchboard_replays WHERE webhook_event_id = ?",
                              &p, 1, &rows),
                     0);
    assert_int_equal(rows.nrows, 1);
    assert_string_equal(db_cell(&rows, 0, 0), "e2e-operator");
    assert_string_equal(db_cell(&rows, 0, 1), "dead");
    assert_string_equal(db_cell(&rows, 0, 2), "processed");
    assert_string_equal(db_cell(&rows, 0, 3), "1");
}

static void bulk_replay_is_bounded(void **state)
{
    (void)state;
    const char *out;
    int rc = e2e_cli("replay --provider calcom --status dead", &out);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "unbounded"));
    rc = e2e_cli("replay --since 30d --status dead", &out);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "14 days"));
    rc = e2e_cli("replay --since 2026-01-01 --until 2026-02-01", &out);
    assert_int_equal(rc, 2);
    rc = e2e_cli("replay --since yesterday", &out);
    assert_int_equal(rc, 2);
    /* a dead event, then a bounded dry run lists it and changes nothing */
    uint64_t id = e2e_probe("\"requires_flag\":\"never-set\"", NULL);
    assert_true(e2e_wait_status(id, "dead", 10));
    rc = e2e_cli("replay --since 1h --provider calcom --status dead --event-type SWITCHBOARD_TEST_PROBE --dry-run", &out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, arena_printf(e2e_arena(), "%llu\n", (unsigned long long)id)));
    assert_non_null(strstr(out, "dry run"));
    assert_string_equal(col_str(id, "status"), "dead");
    /* a limit below the match count refuses instead of truncating */
    uint64_t id2 = e2e_probe("\"requires_flag\":\"never-set\"", NULL);
    assert_true(e2e_wait_status(id2, "dead", 10));
    rc = e2e_cli("replay --since 1h --status dead --limit 1", &out);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "narrow the filter"));
}

static pid_t start_extra_worker(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        char bin[4096], conf[4096], log[4096];
        snprintf(bin, sizeof bin, "%s/bin/switchboard", getenv("SB_TEST_ROOT"));
        snprintf(conf, sizeof conf, "%s/switchboard.conf", e2e_var());
        snprintf(log, sizeof log, "%s/log/worker2.out", e2e_var());
        if (!freopen(log, "a", stdout) || !freopen(log, "a", stderr)) _exit(127);
        execl(bin, bin, "-c", conf, "worker", (char *)NULL);
        _exit(127);
    }
    return pid;
}

#define N_EVENTS 1000

static void exactly_once_with_two_workers_and_fast_path(void **state)
{
    (void)state;
    pid_t second = start_extra_worker();
    assert_true(second > 0);
    static uint64_t ids[N_EVENTS];
    for (int i = 0; i < N_EVENTS; i++) {
        /* every third event fails once, so retries are taken by whichever worker is quickest */
        ids[i] = e2e_probe(i % 3 == 0 ? "\"transient_failures\":1" : "", NULL);
        assert_true(ids[i] > 0);
    }
    int done = 0;
    for (int t = 0; t < 600 && !done; t++) {
        db_param r[] = {db_int((long long)ids[0]), db_int((long long)ids[N_EVENTS - 1])};
        done = e2e_count("SELECT COUNT(*) FROM webhook_events WHERE id BETWEEN ? AND ? AND status = 'processed'"
                         " AND event_type = 'SWITCHBOARD_TEST_PROBE'", r, 2) >= N_EVENTS;
        if (!done) usleep(100000);
    }
    kill(second, SIGTERM);
    waitpid(second, NULL, 0);
    assert_true(done);
    /* every event committed exactly once, claimed exactly as often as planned */
    db_param r[] = {db_int((long long)ids[0]), db_int((long long)ids[N_EVENTS - 1])};
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM switchboard_test_probe p JOIN webhook_events e"
                               " ON e.id = p.webhook_event_id WHERE e.id BETWEEN ? AND ? AND p.runs = 1", r, 2),
                     N_EVENTS);
    for (int i = 0; i < N_EVENTS; i++) {
        long long want = i % 3 == 0 ? 2 : 1;
        long long got = col(ids[i], "attempts");
        if (got != want) fail_msg("event %llu claimed %lld times, expected %lld", (unsigned long long)ids[i], got, want);
    }
    /* and the work was shared: the fast path and at least one worker both processed events */
    assert_true(e2e_count("SELECT COUNT(DISTINCT owner) FROM switchboard_test_probe p JOIN webhook_events e"
                          " ON e.id = p.webhook_event_id WHERE e.id BETWEEN ? AND ?", r, 2) >= 2);
}

static void killed_worker_mid_event_is_recovered_after_the_lease(void **state)
{
    (void)state;
    /* only the worker may take events, so we know whom to kill */
    assert_int_equal(e2e_stack("stop-pool", NULL), 0);
    assert_int_equal(e2e_stack("start-pool", "SWITCHBOARD_PIPELINE_FAST_PATH=0"), 0);
    uint64_t id = e2e_probe("\"sleep_ms\":2000", NULL);
    assert_true(id > 0);
    assert_true(e2e_wait_status(id, "processing", 10));
    char pidfile[4096];
    snprintf(pidfile, sizeof pidfile, "%s/run/worker.pid", e2e_var());
    FILE *f = fopen(pidfile, "r");
    assert_non_null(f);
    int pid = 0;
    assert_int_equal(fscanf(f, "%d", &pid), 1);
    fclose(f);
    /* the worker or one of its pipeline processes (D183), which die with it */
    const char *owner = strrchr(col_str(id, "lease_owner"), ':');
    assert_non_null(owner);
    int opid = atoi(owner + 1);
    char stat[64], line[512];
    snprintf(stat, sizeof stat, "/proc/%d/stat", opid);
    FILE *sf = fopen(stat, "r");
    int ppid = 0;
    if (sf && fgets(line, sizeof line, sf) && strrchr(line, ')')) sscanf(strrchr(line, ')') + 2, "%*c %d", &ppid);
    if (sf) fclose(sf);
    assert_true(opid == pid || ppid == pid);
    assert_int_equal(kill(pid, SIGKILL), 0);
    usleep(200000);
    assert_int_equal(e2e_stack("start-worker", NULL), 0);
    int ok = e2e_wait_status(id, "processed", 20);
    assert_int_equal(e2e_stack("stop-pool", NULL), 0);
    assert_int_equal(e2e_stack("start-pool", NULL), 0);
    assert_true(ok);
    assert_int_equal(col(id, "attempts"), 2);
    assert_int_equal(probe_runs(id), 1); /* the killed run left nothing behind */
}

static void prune_deletes_only_old_finished_events(void **state)
{
    (void)state;
    uint64_t done_old = e2e_probe("", NULL), dead_old = e2e_probe("\"requires_flag\":\"never-set\"", NULL);
    uint64_t done_new = e2e_probe("", NULL);
    assert_true(e2e_wait_status(done_old, "processed", 10));
    assert_true(e2e_wait_status(dead_old, "dead", 10));
    assert_true(e2e_wait_status(done_new, "processed", 10));
    db_param p[] = {db_int((long long)done_old), db_int((long long)dead_old)};
    assert_int_equal(db_exec(e2e_db(), "UPDATE webhook_events SET created_at = NOW() - INTERVAL 100 DAY WHERE id IN (?, ?)",
                             p, 2, NULL, NULL), 0);
    const char *out;
    assert_int_equal(e2e_cli("prune --older-than 12h", &out), 2); /* less than a day is refused */
    assert_int_equal(e2e_cli("prune --older-than 90d --batch 1", &out), 0);
    assert_true(col(done_old, "id") == -1);                   /* gone */
    assert_int_equal(col(dead_old, "id"), (long long)dead_old); /* dead is never pruned */
    assert_int_equal(col(done_new, "id"), (long long)done_new); /* too young */
}

/* Head-of-line blocking: 70 events each waiting for an older event of their
 * own booking that failed and is due a moment later. They come first in due
 * order and filled every claim batch, so the older events were never reached
 * and the whole queue stood still. Every one must still end processed. */
static void newer_events_waiting_for_their_entity_do_not_starve_the_queue(void **state)
{
    (void)state;
    static const char *const INS =
        "INSERT INTO webhook_events (provider, event_type, event_id, idempotency_key, payload, status, retry_count, attempts,"
        " next_attempt_at, created_at, updated_at) SELECT 'calcom', 'SWITCHBOARD_TEST_PROBE', CONCAT('hol-', ?, '-', seq),"
        " CONCAT('calcom:hol:', ?, '-', seq, ':', ?), CONCAT('{\"triggerEvent\":\"SWITCHBOARD_TEST_PROBE\",\"payload\":{\"uid\":\"hol-',"
        " ?, '-', seq, '-', ?, '\"}}'), ?, ?, ?, NOW(3) + INTERVAL ? MICROSECOND, NOW(), NOW() FROM seq_1_to_70";
    const char *tag = arena_printf(e2e_arena(), "%lld", (long long)e2e_now_ms());
    /* the older events first (lower ids): failed once, due in 1.5 s */
    db_param old[] = {db_str(tag), db_str(tag), db_str("old"), db_str(tag), db_str("old"), db_str("failed"), db_int(1), db_int(1),
                      db_int(1500000)};
    if (db_exec(e2e_db(), INS, old, 9, NULL, NULL) != 0) fail_msg("%s", db_error(e2e_db()));
    /* the newer ones: due 10 s ago, so they lead the due order */
    db_param newer[] = {db_str(tag), db_str(tag), db_str("new"), db_str(tag), db_str("new"), db_str("pending"), db_int(0), db_int(0),
                        db_int(-10000000)};
    if (db_exec(e2e_db(), INS, newer, 9, NULL, NULL) != 0) fail_msg("%s", db_error(e2e_db()));
    db_param like = db_str(arena_printf(e2e_arena(), "hol-%s-%%", tag));
    long long done = 0;
    for (int i = 0; i < 600 && done < 140; i++) {
        usleep(100000);
        done = e2e_count("SELECT COUNT(*) FROM webhook_events WHERE event_id LIKE ? AND status = 'processed'", &like, 1);
    }
    if (done < 140) fail_msg("only %lld of 140 events processed after 60 s: the queue starved", done);
    /* and in their entity's order: every older event finished before its newer one started */
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events n JOIN webhook_events o ON o.event_id = n.event_id AND o.id < n.id"
                               " WHERE n.event_id LIKE ? AND o.finished_at > n.finished_at", &like, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transient_failure_is_retried_on_schedule),
        cmocka_unit_test(permanent_failure_is_dead_then_replay_fixes_it),
        cmocka_unit_test(bulk_replay_is_bounded),
        cmocka_unit_test(exactly_once_with_two_workers_and_fast_path),
        cmocka_unit_test(newer_events_waiting_for_their_entity_do_not_starve_the_queue),
        cmocka_unit_test(killed_worker_mid_event_is_recovered_after_the_lease),
        cmocka_unit_test(prune_deletes_only_old_finished_events),
    };
    return cmocka_run_group_tests_name("e2e_pipeline", tests, setup, e2e_teardown);
}
