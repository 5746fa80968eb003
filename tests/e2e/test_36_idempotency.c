/* test_36_idempotency.c: exactly once under concurrency. Retell's retried
 * book_appointment while the first request still waits on Cal.com (the fake's
 * latency knob), a retry after Cal.com answered 500, two operators replaying
 * one booking at the same moment, two spool drainers (and the stack's worker)
 * racing over one spool: every one leaves one booking, one appointment, one
 * stored event, one committed effect per processing. No timing is asserted:
 * the overlap is made by order (the fake logs a request before it waits), not
 * by sleeps. */
#include "e2e.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "webhook.h"

#define EQ(actual, expected) assert_string_equal((actual) ? (actual) : "(null)", (expected))

static json_object *calcom(const char *method, const char *path, const char *body) { return e2e_fake_calcom(method, path, body); }

static void calcom_control(const char *json) { json_object_put(calcom("POST", "/_control", json)); }

/* bookings the fake holds that start at start_utc ("YYYY-MM-DDTHH:MM:SS") */
static int calcom_bookings_at(const char *start_utc)
{
    json_object *all = calcom("GET", "/_bookings", NULL);
    int n = 0;
    for (size_t i = 0; all && i < json_object_array_length(all); i++) {
        const char *s = json_get_str(json_object_array_get_idx(all, i), "start");
        if (s && !strncmp(s, start_utc, 19)) n++;
    }
    json_object_put(all);
    return n;
}

/* lines of the fake's request log naming the call (its POST /v2/bookings carries the call id in metadata) */
static int calcom_bookings_requested(const char *call_id)
{
    FILE *f = fopen(arena_printf(e2e_arena(), "%s/log/fake-providers.log", e2e_var()), "r");
    if (!f) return 0;
    char line[8192];
    int n = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "POST /v2/bookings ", 18) && strstr(line, call_id)) n++;
    fclose(f);
    return n;
}

static const char *book_body(const char *call_id, const char *start_utc)
{
    return arena_printf(e2e_arena(),
                        "{\"call\":{\"call_id\":\"%s\",\"from_number\":\"+4917612345678\",\"to_number\":\"+4922112345678\","
                        "\"direction\":\"inbound\",\"call_status\":\"ongoing\"},\"name\":\"book_appointment\",\"args\":"
                        "{\"service\":\"herrenhaarschnitt\",\"start\":\"%sZ\",\"customer_name\":\"Jonas Becker\"}}",
                        call_id, start_utc);
}

static e2e_response book(const char *call_id, const char *start_utc)
{
    const char *body = book_body(call_id, start_utc);
    e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell/function", body, strlen(body));
    if (r.status != 200 || !r.json) fail_msg("book_appointment answered %ld: %s", r.status, r.body);
    return r;
}

static int booked(e2e_response r)
{
    bool b = false;
    return json_get_bool(r.json, "success", &b) && b && json_get_str(r.json, "booking_uid");
}

static long long appointments_of(const char *uid)
{
    db_param u = db_str(uid);
    return e2e_count("SELECT COUNT(*) FROM appointments WHERE calcom_v2_booking_id = ?", &u, 1);
}

static int reset_calcom(void **state)
{
    (void)state;
    calcom_control("{\"latency_ms\":0,\"fail_500\":false}");
    return 0;
}

static void a_retry_while_the_first_waits_on_calcom_books_once(void **state)
{
    (void)state;
    const char *id = e2e_started_call("call_idem"), *start = e2e_berlin_utc(10, 9, 30);
    char answer[] = "/tmp/switchboard-idem-XXXXXX";
    int fd = mkstemp(answer);
    assert_true(fd >= 0);
    calcom_control("{\"latency_ms\":2000}");
    pid_t first = fork();
    assert_true(first >= 0);
    if (first == 0) { /* the first request: its answer into the file */
        e2e_response r = book(id, start);
        ssize_t w = write(fd, r.body, r.body_len);
        _exit(w == (ssize_t)r.body_len ? 0 : 1);
    }
    /* the first request reached Cal.com (the fake logs it, then waits 2 s): Retell retries now */
    int reached = 0;
    for (int i = 0; i < 200 && !reached; i++) {
        reached = calcom_bookings_requested(id) == 1;
        if (!reached) usleep(20000);
    }
    e2e_response retry = book(id, start);
    int status;
    assert_int_equal(waitpid(first, &status, 0), first);
    assert_true(reached);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char body[4096] = "";
    ssize_t n = pread(fd, body, sizeof body - 1, 0);
    close(fd);
    unlink(answer);
    assert_true(n > 0);
    json_object *a = json_tokener_parse(body);
    assert_non_null(a);
    bool ok = false;
    assert_true(json_get_bool(a, "success", &ok) && ok);
    const char *uid = arena_strdup(e2e_arena(), json_get_str(a, "booking_uid"));
    json_object_put(a);
    if (!booked(retry)) fail_msg("the retry was not answered with the booking: %s", retry.body);
    EQ(json_get_str(retry.json, "booking_uid"), uid);
    assert_int_equal(calcom_bookings_requested(id), 1); /* the retry never asked Cal.com */
    assert_int_equal(calcom_bookings_at(start), 1);
    assert_int_equal(appointments_of(uid), 1);
}

static void a_retry_after_calcom_answered_500_books_once(void **state)
{
    (void)state;
    const char *id = e2e_started_call("call_idem"), *start = e2e_berlin_utc(10, 11, 30);
    calcom_control("{\"fail_500\":true}");
    e2e_response first = book(id, start);
    calcom_control("{\"fail_500\":false}");
    assert_false(booked(first));
    EQ(json_get_str(first.json, "status"), "error");
    assert_int_equal(calcom_bookings_at(start), 0);
    e2e_response retry = book(id, start);
    if (!booked(retry)) fail_msg("the retry after the 500 did not book: %s", retry.body);
    const char *uid = json_get_str(retry.json, "booking_uid");
    e2e_response again = book(id, start); /* and one more retry answers the same booking */
    assert_true(booked(again));
    EQ(json_get_str(again.json, "booking_uid"), uid);
    assert_int_equal(calcom_bookings_at(start), 1);
    assert_int_equal(calcom_bookings_requested(id), 2); /* the failed try and the booking, no third */
    assert_int_equal(appointments_of(uid), 1);
    db_param c = db_str(id);
    EQ(e2e_scalar("SELECT GROUP_CONCAT(b.status) FROM switchboard_phone_bookings b JOIN calls c ON c.id = b.call_id"
                  " WHERE c.retell_call_id = ?", &c, 1), "booked");
}

static long long probe_runs(uint64_t id)
{
    db_param p = db_int((long long)id);
    return e2e_count("SELECT COALESCE(SUM(runs), 0) FROM switchboard_test_probe WHERE webhook_event_id = ?", &p, 1);
}

static const char *cli_line(const char *args)
{
    return arena_printf(e2e_arena(), "'%s/bin/switchboard' -c '%s/switchboard.conf' %s >/dev/null 2>&1", getenv("SB_TEST_ROOT"),
                        e2e_var(), args);
}

/* Two operators replay one processed booking at the same moment: each replay re-runs the
 * handler (that is what a replay is), and the booking is still one appointment */
static void two_replays_racing_leave_one_appointment(void **state)
{
    (void)state;
    const char *uid;
    int64_t id = (int64_t)e2e_booking_created(&uid);
    assert_int_equal(appointments_of(uid), 1);
    const char *a = cli_line(arena_printf(e2e_arena(), "replay --by racer-a %lld", (long long)id));
    const char *b = cli_line(arena_printf(e2e_arena(), "replay --by racer-b %lld", (long long)id));
    assert_int_equal(system(arena_printf(e2e_arena(), "%s & %s & wait", a, b)), 0);
    assert_true(e2e_wait_status((uint64_t)id, "processed", 15));
    assert_int_equal(appointments_of(uid), 1);
    db_param p = db_int(id);
    /* both were heard: recorded, or the second skipped while the first held the event */
    long long replays = e2e_count("SELECT COUNT(*) FROM switchboard_replays WHERE webhook_event_id = ? AND requested_by LIKE 'racer-%'",
                                  &p, 1);
    if (replays < 1 || replays > 2) fail_msg("%lld replay rows for two replays", replays);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events WHERE id = ? AND status = 'processed'", &p, 1), 1);
}

#define SPOOLED 24

static void two_spool_drainers_racing_store_each_event_once(void **state)
{
    (void)state;
    e2e_probe_tables();
    const char *dir = e2e_config()->spool_dir;
    /* the events the webhook handler would spool with the DB down, probes each */
    const char *uids[SPOOLED];
    for (int i = 0; i < SPOOLED; i++) {
        uids[i] = arena_printf(e2e_arena(), "spoolrace-%d-%d", (int)getpid(), i);
        const char *body = arena_printf(e2e_arena(),
                                        "{\"triggerEvent\":\"SWITCHBOARD_TEST_PROBE\",\"createdAt\":\"2026-03-09T14:12:37Z\","
                                        "\"payload\":{\"uid\":\"%s\"}}", uids[i]);
        webhook_event ev = {0};
        char err[128];
        json_object *root = json_tokener_parse(body);
        assert_int_equal(webhook_describe("calcom", root, body, strlen(body), e2e_arena(), &ev, err, sizeof err), 0);
        json_object_put(root);
        ev.correlation_id = "spool-race";
        ev.headers_json = "{}";
        ev.received_us = e2e_now_ms() * 1000;
        assert_int_equal(spool_write(dir, &ev), 0);
    }
    /* two drainers of their own (and the stack's worker) at once */
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            sb_db *db = db_new(e2e_config());
            size_t moved = 0;
            _exit(db && db_connect(db) == 0 && spool_drain(dir, db, 1000, SPOOL_WAIT_LOCK, &moved) >= 0 ? 0 : 1);
        }
    }
    for (int k = 0; k < 2; k++) {
        int st;
        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    for (int i = 0; i < SPOOLED; i++) {
        db_param u = db_str(uids[i]);
        db_rows rows;
        assert_int_equal(db_query(e2e_db(), e2e_arena(), "SELECT id FROM webhook_events WHERE event_id = ?", &u, 1, &rows), 0);
        if (rows.nrows != 1) fail_msg("%s stored %zu times", uids[i], rows.nrows);
        uint64_t id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
        assert_true(e2e_wait_status(id, "processed", 30));
        assert_int_equal(probe_runs(id), 1);
    }
    char rejected[4096];
    snprintf(rejected, sizeof rejected, "%s/rejected", dir);
    assert_int_equal(spool_count(rejected), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(a_retry_while_the_first_waits_on_calcom_books_once, reset_calcom),
        cmocka_unit_test_teardown(a_retry_after_calcom_answered_500_books_once, reset_calcom),
        cmocka_unit_test(two_replays_racing_leave_one_appointment),
        cmocka_unit_test(two_spool_drainers_racing_store_each_event_once),
    };
    return cmocka_run_group_tests_name("e2e_idempotency", tests, e2e_setup, e2e_teardown);
}
