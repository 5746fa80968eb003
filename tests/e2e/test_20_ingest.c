/* test_ingest.c: signed, durable, idempotent ingest of both providers through nginx. */
#include "e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CAL_UID "mT4kQ8vXb2nR7sLp9wE3Yd"
#define CALL_ID "call_9f2c41d7b8e34a6f8d12c07be5a91f3e"

static const char *fixture_with_new_id(const char *rel, const char *from, const char **new_id, size_t *len)
{
    return e2e_fixture_new_id(rel, from, new_id, len);
}

static long long rows_with_key(const char *key)
{
    db_param p = db_str(key);
    return e2e_count("SELECT COUNT(*) FROM webhook_events WHERE idempotency_key = ?", &p, 1);
}

static long long total_rows(void) { return e2e_count("SELECT COUNT(*) FROM webhook_events", NULL, 0); }

static void calcom_fixture_stored_byte_for_byte(void **state)
{
    (void)state;
    size_t len;
    const char *uid;
    const char *body = fixture_with_new_id("calcom/webhook_booking_created.json", CAL_UID, &uid, &len);
    e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", body, len);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_get_str(r.json, "status"), "accepted");
    assert_true(json_object_get_boolean(json_get(r.json, "received")));
    int64_t id = 0;
    assert_true(json_get_int(r.json, "id", &id) && id > 0);

    db_param p = db_int(id);
    db_rows rows;
    assert_int_equal(db_query(e2e_db(), e2e_arena(),
                              "SELECT provider, event_type, event_id, idempotency_key, status, correlation_id,"
                              " payload, headers, received_at IS NOT NULL, company_id, retry_count"
                              " FROM webhook_events WHERE id = ?",
                              &p, 1, &rows),
                     0);
    assert_int_equal(rows.nrows, 1);
    assert_string_equal(db_cell(&rows, 0, 0), "calcom");
    assert_string_equal(db_cell(&rows, 0, 1), "BOOKING_CREATED");
    assert_string_equal(db_cell(&rows, 0, 2), uid);
    assert_string_equal(db_cell(&rows, 0, 3), arena_printf(e2e_arena(), "calcom:BOOKING_CREATED:%s", uid));
    /* stored as pending; the fast path may already be working on it */
    assert_true(strcmp(db_cell(&rows, 0, 4), "failed") != 0 && strcmp(db_cell(&rows, 0, 4), "dead") != 0);
    assert_string_equal(db_cell(&rows, 0, 5), r.request_id);
    /* the payload column holds the body exactly, umlauts and trailing newline included */
    assert_int_equal(rows.len[6], len);
    assert_memory_equal(db_cell(&rows, 0, 6), body, len);
    const char *headers = db_cell(&rows, 0, 7);
    assert_non_null(strstr(headers, "\"content-type\":\"application/json\""));
    assert_null(strstr(headers, "signature"));
    assert_null(strstr(headers, e2e_sign_calcom(body, len)));
    assert_string_equal(db_cell(&rows, 0, 8), "1");
    assert_null(db_cell(&rows, 0, 9)); /* tenant is resolved by processing, not guessed at ingest */
    assert_string_equal(db_cell(&rows, 0, 10), "0");
}

static void same_delivery_twice_is_one_row(void **state)
{
    (void)state;
    size_t len;
    const char *uid;
    const char *body = fixture_with_new_id("calcom/webhook_booking_cancelled.json", "Qz7rN3kW5pH8tJ2vX6mC4b", &uid, &len);
    e2e_response a = e2e_post_signed("calcom", "/api/webhooks/calcom", body, len);
    e2e_response b = e2e_post_signed("calcom", "/api/calcom/webhook", body, len);
    assert_int_equal(a.status, 200);
    assert_int_equal(b.status, 200);
    assert_string_equal(json_get_str(a.json, "status"), "accepted");
    assert_string_equal(json_get_str(b.json, "status"), "duplicate");
    int64_t ida, idb;
    assert_true(json_get_int(a.json, "id", &ida));
    assert_true(json_get_int(b.json, "id", &idb));
    assert_int_equal(ida, idb);
    db_param p = db_int(ida);
    const char *key = e2e_scalar("SELECT idempotency_key FROM webhook_events WHERE id = ?", &p, 1);
    assert_int_equal(rows_with_key(key), 1);
}

static void retell_started_and_ended_are_two_events(void **state)
{
    (void)state;
    size_t l1, l2;
    const char *call;
    const char *started = fixture_with_new_id("retell/webhook_call_started.json", CALL_ID, &call, &l1);
    /* same call id in both bodies */
    size_t fl;
    const char *ended = e2e_replace(e2e_fixture("retell/webhook_call_ended.json", &fl), CALL_ID, call);
    l2 = strlen(ended);

    e2e_response r1 = e2e_post_signed("retell", "/api/webhooks/retell", started, l1);
    e2e_response r2 = e2e_post_signed("retell", "/api/webhooks/retell", ended, l2);
    e2e_response r3 = e2e_post_signed("retell", "/api/webhook", ended, l2); /* Retell retry */
    assert_int_equal(r1.status, 200);
    assert_int_equal(r2.status, 200);
    assert_int_equal(r3.status, 200);
    assert_string_equal(json_get_str(r1.json, "status"), "accepted");
    assert_string_equal(json_get_str(r2.json, "status"), "accepted");
    assert_string_equal(json_get_str(r3.json, "status"), "duplicate");
    db_param p = db_str(call);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events WHERE provider = 'retell' AND event_id = ?", &p, 1), 2);
    assert_int_equal(rows_with_key(arena_printf(e2e_arena(), "retell:call_started:%s", call)), 1);
    assert_int_equal(rows_with_key(arena_printf(e2e_arena(), "retell:call_ended:%s", call)), 1);
}

static void every_retell_path_accepts(void **state)
{
    (void)state;
    static const char *const paths[] = {"/api/webhook", "/api/webhooks/retell", "/api/retell/webhook"};
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        const char *body = fixture_with_new_id("retell/webhook_call_analyzed.json", CALL_ID, NULL, &len);
        e2e_response r = e2e_post_signed("retell", paths[i], body, len);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_get_str(r.json, "status"), "accepted");
    }
}

static void call_inbound_without_call_id_is_stored_once(void **state)
{
    (void)state;
    size_t len;
    const char *body = e2e_fixture("retell/webhook_call_inbound.json", &len);
    char *mine = arena_printf(e2e_arena(), "%.*s", (int)len, body);
    char *ts = strstr(mine, "1773132064980"); /* make the delivery unique to this run */
    assert_non_null(ts);
    char stamp[14];
    snprintf(stamp, sizeof stamp, "%013lld", (long long)e2e_now_ms());
    memcpy(ts, stamp, 13);
    e2e_response a = e2e_post_signed("retell", "/api/webhooks/retell", mine, len);
    e2e_response b = e2e_post_signed("retell", "/api/webhooks/retell", mine, len);
    /* Retell reads the body of this one: the routing answer, not our ack (test_60_retell checks it) */
    assert_int_equal(a.status, 200);
    assert_int_equal(b.status, 200);
    assert_non_null(json_get(a.json, "call_inbound"));
    assert_non_null(json_get(b.json, "call_inbound"));
    db_param p = db_strn(mine, len);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events WHERE event_type = 'call_inbound' AND payload = ?",
                               &p, 1), 1);
}

static void bad_signatures_are_401_and_store_nothing(void **state)
{
    (void)state;
    size_t len;
    const char *body = fixture_with_new_id("calcom/webhook_booking_created.json", CAL_UID, NULL, &len);
    long long before = total_rows();
    const char *good = e2e_sign_calcom(body, len);
    char *wrong = arena_strdup(e2e_arena(), good);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    const char *cases[][2] = {
        {NULL, "missing"},
        {"X-Cal-Signature-256: no-secret-provided", "malformed"},
        {arena_printf(e2e_arena(), "X-Cal-Signature-256: %s", wrong), "does not match"},
        {arena_printf(e2e_arena(), "X-Cal-Signature-256: %s", e2e_sign_calcom(body, len - 1)), "does not match"},
        {"X-Cal-Signature-256: ", "missing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *h[] = {"Content-Type: application/json", cases[i][0], NULL};
        e2e_response r = e2e_request("POST", "/api/calcom/webhook", h, body, len);
        assert_int_equal(r.status, 401);
        assert_non_null(strstr(json_get_str(r.json, "message"), "X-Cal-Signature-256"));
        assert_non_null(strstr(json_get_str(r.json, "message"), cases[i][1]));
    }
    /* Retell: unsigned, Cal.com-signed, wrong key */
    size_t rl;
    const char *rb = fixture_with_new_id("retell/webhook_call_started.json", CALL_ID, NULL, &rl);
    const char *h1[] = {NULL};
    e2e_response r = e2e_request("POST", "/api/webhooks/retell", h1, rb, rl);
    assert_int_equal(r.status, 401);
    const char *h2[] = {arena_printf(e2e_arena(), "X-Retell-Signature: %s", e2e_sign_calcom(rb, rl)), NULL};
    r = e2e_request("POST", "/api/webhooks/retell", h2, rb, rl);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(json_get_str(r.json, "message"), "malformed"));
    assert_int_equal(total_rows(), before);
}

static void sha256_prefix_is_tolerated(void **state)
{
    (void)state;
    size_t len;
    const char *body = fixture_with_new_id("calcom/webhook_booking_requested.json", "Ys2bF6nM9qT4wK7vR3pX8c", NULL, &len);
    const char *h[] = {arena_printf(e2e_arena(), "X-Cal-Signature-256: sha256=%s", e2e_sign_calcom(body, len)), NULL};
    e2e_response r = e2e_request("POST", "/api/calcom/webhook", h, body, len);
    assert_int_equal(r.status, 200);
}

static void retell_timestamp_window(void **state)
{
    (void)state;
    long long before = total_rows();
    size_t len;
    const char *body = fixture_with_new_id("retell/webhook_call_started.json", CALL_ID, NULL, &len);
    int64_t now = e2e_now_ms();
    int64_t skews[] = {-301000, 301000, -3600000};
    for (size_t i = 0; i < 3; i++) {
        const char *h[] = {arena_printf(e2e_arena(), "X-Retell-Signature: %s", e2e_sign_retell(body, len, now + skews[i])), NULL};
        e2e_response r = e2e_request("POST", "/api/webhooks/retell", h, body, len);
        assert_int_equal(r.status, 401);
        assert_non_null(strstr(json_get_str(r.json, "message"), "outside the allowed window"));
    }
    assert_int_equal(total_rows(), before);
    /* 4 minutes old is fine */
    const char *h[] = {arena_printf(e2e_arena(), "X-Retell-Signature: %s", e2e_sign_retell(body, len, now - 240000)), NULL};
    e2e_response r = e2e_request("POST", "/api/webhooks/retell", h, body, len);
    assert_int_equal(r.status, 200);
}

static void signed_garbage_is_400_naming_the_problem(void **state)
{
    (void)state;
    long long before = total_rows();
    struct { const char *provider, *body, *expect; } cases[] = {
        {"calcom", "triggerEvent=BOOKING_CREATED", "not valid JSON"},
        {"calcom", "{\"triggerEvent\":\"BOOKING_CREATED\",", "not valid JSON"},
        {"calcom", "{\"createdAt\":\"2026-03-09T14:12:37Z\",\"payload\":{}}", "triggerEvent"},
        {"calcom", "[1,2,3]", "JSON object"},
        {"calcom", "", "empty"},
        {"retell", "{\"call\":{\"call_id\":\"call_x\"}}", "event"},
        {"retell", "{\"event\":\"call started\",\"call\":{}}", "event"},
        {"retell", "{\"event\":\"call_started\"} trailing", "not valid JSON"},
        {"retell", "{\"event\":\"call_started\",\"x\":\"\xff\xfe\"}", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *path = strcmp(cases[i].provider, "calcom") == 0 ? "/api/calcom/webhook" : "/api/webhooks/retell";
        e2e_response r = e2e_post_signed(cases[i].provider, path, cases[i].body, strlen(cases[i].body));
        assert_int_equal(r.status, 400);
        const char *msg = json_get_str(r.json, "message");
        assert_non_null(msg);
        if (!strstr(msg, cases[i].expect)) fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, msg, cases[i].expect);
    }
    assert_int_equal(total_rows(), before);
}

static void oversized_body_is_413(void **state)
{
    (void)state;
    size_t n = (size_t)e2e_config()->http_max_body + 1;
    char *big = arena_alloc(e2e_arena(), n + 1);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    long long before = total_rows();
    e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", big, n);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(json_get_str(r.json, "message"), "http.max_body"));
    /* far above nginx's own limit as well: still a JSON 413 */
    size_t huge = 70u << 20;
    char *h = malloc(huge);
    memset(h, 'x', huge);
    r = e2e_post_signed("retell", "/api/webhooks/retell", h, huge);
    free(h);
    assert_int_equal(r.status, 413);
    assert_non_null(r.json);
    assert_int_equal(total_rows(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(calcom_fixture_stored_byte_for_byte),
        cmocka_unit_test(same_delivery_twice_is_one_row),
        cmocka_unit_test(retell_started_and_ended_are_two_events),
        cmocka_unit_test(every_retell_path_accepts),
        cmocka_unit_test(call_inbound_without_call_id_is_stored_once),
        cmocka_unit_test(bad_signatures_are_401_and_store_nothing),
        cmocka_unit_test(sha256_prefix_is_tolerated),
        cmocka_unit_test(retell_timestamp_window),
        cmocka_unit_test(signed_garbage_is_400_naming_the_problem),
        cmocka_unit_test(oversized_body_is_413),
    };
    return cmocka_run_group_tests_name("e2e_ingest", tests, e2e_setup, e2e_teardown);
}
