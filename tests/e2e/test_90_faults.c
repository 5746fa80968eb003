/* test_faults.c: nothing acknowledged is lost, nothing unconfigured is accepted.
 * Stops and starts parts of the test stack; restores them before returning. */
#include "e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"

static const char *spool_dir(void) { return e2e_config()->spool_dir; }
static int spool_empty(void) { return spool_count(spool_dir()) == 0; }
static int db_answers(void)
{
    db_rows rows;
    return db_query(e2e_db(), e2e_arena(), "SELECT 1", NULL, 0, &rows) == 0;
}

static const char *calcom_event(int i, const char *trigger, size_t *len)
{
    char *b = arena_printf(e2e_arena(),
                           "{\"triggerEvent\":\"%s\",\"createdAt\":\"2026-03-09T14:12:37.512Z\",\"payload\":"
                           "{\"uid\":\"spool-%d-%d\",\"eventTypeId\":1843201,\"title\":\"Färben – Test %d\","
                           "\"startTime\":\"2026-03-12T09:00:00Z\",\"endTime\":\"2026-03-12T10:00:00Z\","
                           "\"attendees\":[{\"name\":\"Spool Test\",\"email\":\"spool@example.com\"}]}}\n",
                           trigger, (int)getpid(), i, i);
    *len = strlen(b);
    return b;
}

static void db_down_spools_then_drains_exactly_once(void **state)
{
    (void)state;
    assert_int_equal(e2e_stack("stop-db", NULL), 0);
    size_t len[4];
    const char *body[4];
    body[0] = calcom_event(1, "BOOKING_CREATED", &len[0]);
    body[1] = calcom_event(2, "BOOKING_CREATED", &len[1]);
    body[2] = calcom_event(1, "BOOKING_CANCELLED", &len[2]);
    body[3] = body[0]; /* Cal.com retrying the first delivery */
    len[3] = len[0];
    for (int i = 0; i < 4; i++) {
        e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", body[i], len[i]);
        assert_int_equal(r.status, 202);
        assert_string_equal(json_get_str(r.json, "status"), "spooled");
    }
    /* a Retell event too, through its own route */
    const char *rb = arena_printf(e2e_arena(), "{\"event\":\"call_started\",\"call\":{\"call_id\":\"call_spool_%d\"}}",
                                  (int)getpid());
    e2e_response rr = e2e_post_signed("retell", "/api/webhooks/retell", rb, strlen(rb));
    assert_int_equal(rr.status, 202);
    assert_int_equal(spool_count(spool_dir()), 5);

    e2e_response h = e2e_request("GET", "/api/health", NULL, NULL, 0);
    assert_int_equal(h.status, 503);
    assert_string_equal(json_get_str(h.json, "status"), "unhealthy");
    int64_t pending = 0;
    assert_true(json_get_int(h.json, "checks.spool.pending", &pending));
    assert_int_equal(pending, 5);
    /* issue 15 #8: unauthenticated health names no host, socket or user; the monitor (bearer) does */
    assert_string_equal(json_get_str(h.json, "checks.database.error"), "database unavailable");
    assert_null(strstr(h.body, e2e_config()->db_socket ? e2e_config()->db_socket : "mysqld.sock"));
    assert_null(strstr(h.body, e2e_config()->db_user));
    const char *auth[] = {arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->monitor_token), NULL};
    e2e_response m = e2e_request("GET", "/api/webhooks/monitor", auth, NULL, 0);
    assert_int_equal(m.status, 503);
    assert_non_null(strstr(json_get_str(m.json, "reasons"), "database unreachable: "));

    assert_int_equal(e2e_stack("start-db", NULL), 0);
    assert_true(e2e_wait(db_answers, 30));
    assert_true(e2e_wait(spool_empty, 30)); /* the worker drains it */

    /* every event exactly once, payload intact, in arrival order */
    uint64_t last_id = 0;
    for (int i = 0; i < 3; i++) {
        db_param p = db_strn(body[i], len[i]);
        db_rows rows;
        assert_int_equal(db_query(e2e_db(), e2e_arena(),
                                  "SELECT id, status FROM webhook_events WHERE provider = 'calcom' AND payload = ?", &p,
                                  1, &rows),
                         0);
        assert_int_equal(rows.nrows, 1);
        uint64_t id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
        assert_true(id > last_id);
        last_id = id;
        /* queued and processed like any other event: processed, nothing less */
        if (!e2e_wait_status(id, "processed", 30)) {
            db_param e = db_int((long long)id);
            fail_msg("spooled event %llu: %s", (unsigned long long)id,
                     e2e_scalar("SELECT CONCAT(status, ': ', COALESCE(error_message, notes, '')) FROM webhook_events WHERE id = ?", &e, 1));
        }
    }
    /* exactly one committed effect per event: one appointment per booking (created, then the
     * cancellation applied to it; the retried delivery added nothing), one call */
    for (int i = 1; i <= 2; i++) {
        db_param u = db_str(arena_printf(e2e_arena(), "spool-%d-%d", (int)getpid(), i));
        db_rows rows;
        assert_int_equal(db_query(e2e_db(), e2e_arena(), "SELECT status FROM appointments WHERE calcom_v2_booking_id = ?", &u, 1, &rows), 0);
        if (rows.nrows != 1) fail_msg("booking spool-%d-%d: %zu appointments, expected exactly 1", (int)getpid(), i, rows.nrows);
        assert_string_equal(db_cell(&rows, 0, 0), i == 1 ? "cancelled" : "confirmed");
    }
    db_param p = db_str(arena_printf(e2e_arena(), "call_spool_%d", (int)getpid()));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events WHERE event_id = ?", &p, 1), 1);
    const char *rid = e2e_scalar("SELECT id FROM webhook_events WHERE event_id = ?", &p, 1);
    assert_non_null(rid);
    assert_true(e2e_wait_status((uint64_t)atoll(rid), "processed", 30));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM calls WHERE retell_call_id = ?", &p, 1), 1);
    char rejected[4096];
    snprintf(rejected, sizeof rejected, "%s/rejected", spool_dir());
    assert_int_equal(spool_count(rejected), 0);

    /* and the stack is whole again */
    e2e_response again = e2e_post_signed("calcom", "/api/calcom/webhook", body[0], len[0]);
    assert_int_equal(again.status, 200);
    assert_string_equal(json_get_str(again.json, "status"), "duplicate");
    h = e2e_request("GET", "/api/health", NULL, NULL, 0);
    assert_int_equal(h.status, 200);
}

static void no_db_and_no_spool_is_503(void **state)
{
    (void)state;
    /* root ignores permissions, so make the spool path unusable by putting a file there */
    char moved[4096];
    snprintf(moved, sizeof moved, "%s.away", spool_dir());
    assert_int_equal(rename(spool_dir(), moved), 0);
    FILE *f = fopen(spool_dir(), "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(e2e_stack("stop-db", NULL), 0);

    size_t len;
    const char *body = calcom_event(99, "BOOKING_CREATED", &len);
    e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", body, len);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(json_get_str(r.json, "message"), "retry"));

    assert_int_equal(e2e_stack("start-db", NULL), 0);
    unlink(spool_dir());
    assert_int_equal(rename(moved, spool_dir()), 0);
    assert_true(e2e_wait(db_answers, 30));
    /* the refused event was not stored behind the provider's back */
    db_param p = db_strn(body, len);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events WHERE payload = ?", &p, 1), 0);
    r = e2e_post_signed("calcom", "/api/calcom/webhook", body, len);
    assert_int_equal(r.status, 200);
}

static void unconfigured_secret_fails_closed(void **state)
{
    (void)state;
    assert_int_equal(e2e_stack("stop-pool", NULL), 0);
    assert_int_equal(e2e_stack("start-pool", "SWITCHBOARD_CALCOM_WEBHOOK_SECRET= SWITCHBOARD_RETELL_API_KEY="), 0);
    long long before = e2e_count("SELECT COUNT(*) FROM webhook_events", NULL, 0);
    size_t len;
    const char *body = calcom_event(7, "BOOKING_CREATED", &len);
    e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", body, len);
    const char *rb = "{\"event\":\"call_started\",\"call\":{\"call_id\":\"call_nosecret\"}}";
    e2e_response rr = e2e_post_signed("retell", "/api/webhook", rb, strlen(rb));
    const char *h[] = {"X-Cal-Signature-256: no-secret-provided", NULL};
    e2e_response unsigned_r = e2e_request("POST", "/api/webhooks/calcom", h, body, len);
    long long after = e2e_count("SELECT COUNT(*) FROM webhook_events", NULL, 0);
    /* restore before asserting, so a failure leaves a working stack */
    assert_int_equal(e2e_stack("stop-pool", NULL), 0);
    assert_int_equal(e2e_stack("start-pool", NULL), 0);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(json_get_str(r.json, "message"), "calcom.webhook_secret"));
    assert_int_equal(rr.status, 503);
    assert_non_null(strstr(json_get_str(rr.json, "message"), "retell.api_key"));
    assert_int_equal(unsigned_r.status, 503);
    assert_int_equal(after, before);
    r = e2e_post_signed("calcom", "/api/calcom/webhook", body, len);
    assert_int_equal(r.status, 200);
}

static void crashed_child_is_replaced(void **state)
{
    (void)state;
    /* kill every serve child: multiwatch must bring the pool back */
    /* only this stack's children (multiwatch's), not multiwatch itself nor a `make run` stack */
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "pkill -KILL -P \"$(cat '%s/run/spawn-fcgi.pid')\"", e2e_var());
    assert_int_equal(system(cmd), 0);
    int ok = 0;
    for (int i = 0; i < 50 && !ok; i++) {
        usleep(100000);
        e2e_response r = e2e_request("GET", "/api/health", NULL, NULL, 0);
        ok = r.status == 200;
    }
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(db_down_spools_then_drains_exactly_once),
        cmocka_unit_test(no_db_and_no_spool_is_503),
        cmocka_unit_test(unconfigured_secret_fails_closed),
        cmocka_unit_test(crashed_child_is_replaced),
    };
    return cmocka_run_group_tests_name("e2e_faults", tests, e2e_setup, e2e_teardown);
}
