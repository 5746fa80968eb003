/* test_40_monitor.c: GET /api/webhooks/monitor and GET /metrics: auth (monitor
 * token, Laravel Sanctum tokens, tenant scope) and numbers that match the rows. */
#include "e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"

static const char *bearer(const char *token) { return arena_printf(e2e_arena(), "Authorization: Bearer %s", token); }

static e2e_response get_with(const char *path, const char *token)
{
    const char *h[] = {token ? bearer(token) : NULL, NULL};
    return e2e_request("GET", path, h, NULL, 0);
}

/* A Laravel user with a Sanctum token, as Laravel would store it. Returns "<id>|<plaintext>". */
static const char *sanctum_token(long long company_id, const char *expires_sql)
{
    static int n;
    const char *email = arena_printf(e2e_arena(), "monitor-%d-%d@example.com", (int)getpid(), ++n);
    db_param u[] = {db_str("Monitor User"), db_str(email), db_str("$2y$10$notarealhashnotarealhashnotarealhashnotarealhash12"),
                    company_id ? db_int(company_id) : db_null()};
    uint64_t uid = 0, tid = 0;
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO users (name, email, password, company_id, created_at, updated_at)"
                                       " VALUES (?, ?, ?, ?, NOW(), NOW())", u, 4, &uid, NULL), 0);
    const char *plain = arena_printf(e2e_arena(), "plain%dtoken%lldsecret", n, (long long)e2e_now_ms());
    char hash[65];
    sig_sha256_hex(plain, strlen(plain), hash);
    db_param t[] = {db_str("App\\Models\\User"), db_int((long long)uid), db_str("monitor"), db_str(hash)};
    const char *sql = arena_printf(e2e_arena(),
                                   "INSERT INTO personal_access_tokens (tokenable_type, tokenable_id, name, token,"
                                   " abilities, expires_at, created_at, updated_at)"
                                   " VALUES (?, ?, ?, ?, '[\"*\"]', %s, NOW(), NOW())", expires_sql);
    assert_int_equal(db_exec(e2e_db(), sql, t, 4, &tid, NULL), 0);
    return arena_printf(e2e_arena(), "%llu|%s", (unsigned long long)tid, plain);
}

static int setup(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    e2e_probe_tables();
    /* some traffic of two tenants to count */
    for (int i = 0; i < 3; i++) {
        uint64_t id = e2e_probe("\"company_id\":2", NULL);
        if (!id || !e2e_wait_status(id, "processed", 10)) return -1;
    }
    uint64_t other = e2e_probe("\"company_id\":1", NULL);
    if (!other || !e2e_wait_status(other, "processed", 10)) return -1;
    return 0;
}

static void monitor_refuses_without_valid_token(void **state)
{
    (void)state;
    const char *cases[] = {NULL, "nonsense", "1|wrong-plaintext", "999999|whatever", "", "|x"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        e2e_response r = get_with("/api/webhooks/monitor", cases[i]);
        assert_int_equal(r.status, 401);
        assert_string_equal(json_get_str(r.json, "message"), "Unauthenticated.");
    }
    /* a real token with a wrong secret part, and an expired one */
    const char *good = sanctum_token(2, "NULL");
    char *tampered = arena_strdup(e2e_arena(), good);
    tampered[strlen(tampered) - 1] ^= 1;
    assert_int_equal(get_with("/api/webhooks/monitor", tampered).status, 401);
    const char *expired = sanctum_token(2, "NOW() - INTERVAL 1 MINUTE");
    assert_int_equal(get_with("/api/webhooks/monitor", expired).status, 401);
    assert_int_equal(get_with("/metrics", NULL).status, 401);
}

static long long count(const char *where)
{
    return e2e_count(arena_printf(e2e_arena(), "SELECT COUNT(*) FROM webhook_events WHERE %s", where), NULL, 0);
}

static long long jint(json_object *o, const char *path)
{
    int64_t v = -1;
    if (!json_get_int(o, path, &v)) fail_msg("monitor JSON lacks %s", path);
    return v;
}

static void monitor_numbers_match_the_rows(void **state)
{
    (void)state;
    e2e_response r = get_with("/api/webhooks/monitor", e2e_config()->monitor_token);
    assert_int_equal(r.status, 200);
    const char *st = json_get_str(r.json, "status");
    assert_true(strcmp(st, "ok") == 0 || strcmp(st, "degraded") == 0);
    assert_non_null(json_get_str(r.json, "timestamp"));
    assert_string_equal(json_get_str(r.json, "scope"), "all");
    /* nothing arrives while we compare: the numbers are exact */
    assert_int_equal(jint(r.json, "stats.calcom.total"), count("provider = 'calcom'"));
    assert_int_equal(jint(r.json, "stats.retell.total"), count("provider = 'retell'"));
    assert_int_equal(jint(r.json, "stats.calcom.last_hour"), count("provider = 'calcom' AND created_at >= NOW() - INTERVAL 1 HOUR"));
    assert_int_equal(jint(r.json, "stats.calcom.today"), count("provider = 'calcom' AND created_at >= CURDATE()"));
    assert_int_equal(jint(r.json, "stats.calcom.by_status.processed"), count("provider = 'calcom' AND status = 'processed'"));
    assert_int_equal(jint(r.json, "queue.by_status.dead"), count("status = 'dead'"));
    assert_int_equal(jint(r.json, "queue.dead"), count("status = 'dead'"));
    long long processed = count("provider = 'calcom' AND status = 'processed'");
    long long denom = count("provider = 'calcom'") - count("provider = 'calcom' AND status = 'ignored'");
    double want = denom ? (double)(processed * 10000 / denom) / 100.0 : 0.0;
    json_object *rate = json_get(r.json, "stats.calcom.success_rate");
    assert_non_null(rate);
    assert_true(json_object_get_double(rate) > want - 0.005 && json_object_get_double(rate) < want + 0.005);
    assert_non_null(json_get_str(r.json, "stats.calcom.last_received"));
    assert_true(jint(r.json, "queue.lag_ms.samples") >= 4);
    json_object *recent = json_get(r.json, "recent_webhooks");
    assert_true(json_object_is_type(recent, json_type_array));
    long long total = count("1");
    assert_int_equal((long long)json_object_array_length(recent), total < 20 ? total : 20);
    assert_int_equal(jint(r.json, "recent_webhooks.0.id"), atoll(e2e_scalar("SELECT MAX(id) FROM webhook_events", NULL, 0)));
}

static void tenant_token_sees_only_its_company(void **state)
{
    (void)state;
    const char *tok = sanctum_token(2, "NULL");
    e2e_response r = get_with("/api/webhooks/monitor", tok);
    assert_int_equal(r.status, 200);
    assert_int_equal(jint(r.json, "scope.company_id"), 2);
    assert_int_equal(jint(r.json, "stats.calcom.total"), count("provider = 'calcom' AND company_id = 2"));
    assert_true(jint(r.json, "stats.calcom.total") >= 3);
    assert_true(jint(r.json, "stats.calcom.total") < count("provider = 'calcom'"));
    json_object *recent = json_get(r.json, "recent_webhooks");
    for (size_t i = 0; i < json_object_array_length(recent); i++) {
        db_param p = db_int(jint(recent, arena_printf(e2e_arena(), "%zu.id", i)));
        assert_string_equal(e2e_scalar("SELECT company_id FROM webhook_events WHERE id = ?", &p, 1), "2");
    }
    /* Laravel's bookkeeping, as Sanctum does it */
    const char *bar = strchr(tok, '|');
    db_param id = db_int(atoll(tok));
    (void)bar;
    assert_non_null(e2e_scalar("SELECT last_used_at FROM personal_access_tokens WHERE id = ?", &id, 1));
    /* the metrics mix every tenant: not for a tenant */
    assert_int_equal(get_with("/metrics", tok).status, 403);
    /* a user without a company: refused, until granted as an operator (D131); then everything */
    const char *optok = sanctum_token(0, "NULL");
    assert_int_equal(get_with("/api/webhooks/monitor", optok).status, 401);
    db_param tid = db_int(atoll(optok));
    assert_int_equal(db_exec(e2e_db(), "INSERT INTO switchboard_operators (user_id, email, granted_by)"
                                       " SELECT tokenable_id, 'monitor-operator', 'test_40' FROM personal_access_tokens WHERE id = ?",
                             &tid, 1, NULL, NULL), 0);
    e2e_response op = get_with("/api/webhooks/monitor", optok);
    assert_int_equal(op.status, 200);
    assert_string_equal(json_get_str(op.json, "scope"), "all");
}

static void metrics_expose_counters_and_gauges(void **state)
{
    (void)state;
    e2e_response r = get_with("/metrics", e2e_config()->monitor_token);
    assert_int_equal(r.status, 200);
    const char *b = r.body;
    assert_non_null(strstr(b, "# TYPE switchboard_webhooks_ingested_total counter"));
    const char *acc = strstr(b, "switchboard_webhooks_ingested_total{provider=\"calcom\",outcome=\"accepted\"} ");
    assert_non_null(acc);
    assert_true(atoll(acc + strlen("switchboard_webhooks_ingested_total{provider=\"calcom\",outcome=\"accepted\"} ")) >= 4);
    assert_non_null(strstr(b, "switchboard_events_processed_total{provider=\"calcom\",event_type=\"SWITCHBOARD_TEST_PROBE\",outcome=\"processed\"}"));
    assert_non_null(strstr(b, "switchboard_event_processing_seconds_bucket{provider=\"calcom\",event_type=\"SWITCHBOARD_TEST_PROBE\",le=\"+Inf\"}"));
    assert_non_null(strstr(b, "switchboard_http_requests_total{route=\"POST /api/calcom/webhook\",status=\"200\"}"));
    assert_non_null(strstr(b, "switchboard_database_up 1"));
    const char *backlog = strstr(b, "switchboard_queue_backlog ");
    assert_non_null(backlog);
    /* a rejected signature is counted */
    const char *line = "switchboard_webhooks_ingested_total{provider=\"retell\",outcome=\"rejected_signature\"} ";
    long long before = atoll(strstr(b, line) + strlen(line));
    const char *h[] = {"X-Retell-Signature: v=1,d=00", NULL};
    assert_int_equal(e2e_request("POST", "/api/webhooks/retell", h, "{}", 2).status, 401);
    r = get_with("/metrics", e2e_config()->monitor_token);
    assert_int_equal(atoll(strstr(r.body, line) + strlen(line)), before + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(monitor_refuses_without_valid_token),
        cmocka_unit_test(monitor_numbers_match_the_rows),
        cmocka_unit_test(tenant_token_sees_only_its_company),
        cmocka_unit_test(metrics_expose_counters_and_gauges),
    };
    return cmocka_run_group_tests_name("e2e_monitor", tests, setup, e2e_teardown);
}
