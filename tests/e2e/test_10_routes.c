/* test_routes.c: route table, health, ping, migrations bookkeeping, request log. */
#include "e2e.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void health_is_healthy_with_db_check(void **state)
{
    (void)state;
    e2e_response r = e2e_request("GET", "/api/health", NULL, NULL, 0);
    assert_int_equal(r.status, 200);
    assert_non_null(r.json);
    assert_string_equal(json_get_str(r.json, "status"), "healthy");
    assert_string_equal(json_get_str(r.json, "checks.database.status"), "ok");
}

static void unknown_path_is_json_404(void **state)
{
    (void)state;
    e2e_response r = e2e_request("GET", "/api/does-not-exist", NULL, NULL, 0);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{\"message\":\"Not Found\"}");
    r = e2e_request("POST", "/nothing-here", NULL, "{}", 2);
    assert_int_equal(r.status, 404);
}

static void wrong_method_is_405_with_allow(void **state)
{
    (void)state;
    e2e_response r = e2e_request("DELETE", "/api/webhooks/retell", NULL, NULL, 0);
    assert_int_equal(r.status, 405);
    assert_non_null(r.allow);
    assert_string_equal(r.allow, "POST");
    assert_string_equal(json_get_str(r.json, "message"), "Method Not Allowed");
    r = e2e_request("PUT", "/api/calcom/webhook", NULL, "{}", 2);
    assert_int_equal(r.status, 405);
    assert_non_null(strstr(r.allow, "GET"));
    assert_non_null(strstr(r.allow, "POST"));
    r = e2e_request("POST", "/api/health", NULL, "{}", 2);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "GET");
}

static void calcom_get_answers_ping_on_both_paths(void **state)
{
    (void)state;
    static const char *const paths[] = {"/api/calcom/webhook", "/api/webhooks/calcom", "/api/calcom/webhook/"};
    for (size_t i = 0; i < 3; i++) {
        e2e_response r = e2e_request("GET", paths[i], NULL, NULL, 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{\"ping\":\"ok\"}");
    }
}

static void migrations_tracked_in_own_table_only(void **state)
{
    (void)state;
    assert_true(e2e_count("SELECT COUNT(*) FROM switchboard_migrations WHERE version = 1", NULL, 0) == 1);
    /* Laravel's table is never written: no row names a switchboard migration */
    assert_true(e2e_count("SELECT COUNT(*) FROM migrations WHERE migration LIKE '%switchboard%' OR migration LIKE "
                          "'0001_webhook%'",
                          NULL, 0) == 0);
    /* event_id is no longer unique; idempotency_key still is */
    assert_true(e2e_count("SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND "
                          "table_name = 'webhook_events' AND column_name = 'event_id' AND seq_in_index = 1 AND "
                          "non_unique = 0",
                          NULL, 0) == 0);
    assert_true(e2e_count("SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND "
                          "table_name = 'webhook_events' AND index_name = 'webhook_events_idempotency_key_unique' "
                          "AND non_unique = 0",
                          NULL, 0) == 1);
}

static void request_log_has_one_line_without_secrets(void **state)
{
    (void)state;
    size_t len;
    const char *body = e2e_fixture("retell/webhook_call_started.json", &len);
    e2e_response r = e2e_post_signed("retell", "/api/webhook", body, len);
    assert_true(r.status == 200);
    assert_non_null(r.request_id);
    char path[4096];
    snprintf(path, sizeof path, "%s/log/switchboard.log", e2e_var());
    FILE *f;
    char line[2048];
    int found = 0;
    /* the line is written once the response is out: poll briefly for it */
    for (int tries = 0; tries < 50 && !found; tries++) {
        if (tries) usleep(20000);
        f = fopen(path, "r");
        assert_non_null(f);
        while (fgets(line, sizeof line, f)) {
            if (!strstr(line, r.request_id)) continue;
            found++;
            assert_non_null(strstr(line, "POST /api/webhook 200"));
            assert_non_null(strstr(line, "provider=retell"));
            assert_non_null(strstr(line, "event=call_9f2c41d7b8e34a6f8d12c07be5a91f3e"));
        }
        fclose(f);
    }
    assert_int_equal(found, 1);
    /* nothing secret or personal anywhere in the log */
    f = fopen(path, "r");
    while (fgets(line, sizeof line, f)) {
        assert_null(strstr(line, e2e_config()->retell_api_key));
        assert_null(strstr(line, e2e_config()->calcom_webhook_secret));
        assert_null(strstr(line, "+4917612345678"));
        assert_null(strstr(line, "lena.schmidt"));
    }
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(health_is_healthy_with_db_check),
        cmocka_unit_test(unknown_path_is_json_404),
        cmocka_unit_test(wrong_method_is_405_with_allow),
        cmocka_unit_test(calcom_get_answers_ping_on_both_paths),
        cmocka_unit_test(migrations_tracked_in_own_table_only),
        cmocka_unit_test(request_log_has_one_line_without_secrets),
    };
    return cmocka_run_group_tests_name("e2e_routes", tests, e2e_setup, e2e_teardown);
}
