/* test_94_shadow.c: shadow mode end to end (DESIGN D80–D82, docs/MIGRATION.md).
 *
 * On the test stack's MariaDB: `shadow-init --from askproai` builds the schema
 * askproai_shadow (twice: it is re-runnable); a second pool ("shadow", its own
 * socket, conf/stack.sh SB_POOL_NAME + SB_POOL_CONF) runs with VAR/shadow.conf
 * (shadow = 1, db.name = askproai_shadow, its own spool, log and metrics file).
 * A second nginx plays Laravel's server: the Laravel stand-in
 * (fake_providers --legacy) behind its PHP location, which includes the shipped
 * conf/nginx/switchboard/shadow-mirror.conf, with conf/nginx/switchboard-shadow.conf
 * in the server. Signed Cal.com and Retell webhooks to Laravel's paths are
 * answered by "Laravel", processed by the shadow into its schema only; the main
 * schema gets nothing, the fake Cal.com/Retell APIs see no request (a phone
 * function sent straight to the shadow is refused before it leaves), and
 * `shadow-diff` exits 1 naming the rows main lacks, then 0 once main has the
 * same rows. The group teardown stops what it started (by pid) and drops the
 * shadow schema. */
#include "e2e.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHADOW_DB "askproai_shadow"
#define UID_CREATED "mT4kQ8vXb2nR7sLp9wE3Yd"   /* tests/fixtures/calcom/webhook_booking_created.json */
#define CALL_ID "call_9f2c41d7b8e34a6f8d12c07be5a91f3e" /* tests/fixtures/retell/webhook_call_*.json */
#define EQ(actual, expected) assert_string_equal((actual) ? (actual) : "(null)", (expected))

static const char *dir, *shadow_conf;
static int front_port, legacy_port, pool_started;
static const char *uid, *call_id; /* what was mirrored */

static const char *prefix(void) { return arena_printf(e2e_arena(), "%s/nginx", dir); }

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* POST through the Laravel-style nginx; the answer's body, status into *status, X-Legacy seen into *legacy. */
static const char *post_front(const char *path, const char *sig_header, const char *body, long *status, int *legacy)
{
    const char *h[] = {"Host: laravel.test", "Content-Type: application/json", sig_header, NULL};
    char url[256], err[256], v[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", front_port, path);
    http_client_response r;
    if (http_client_request("POST", url, h, body, strlen(body), 30000, &r, err, sizeof err) != 0) fail_msg("%s", err);
    *status = r.status;
    *legacy = http_client_header(&r, "X-Legacy", v, sizeof v) == 0;
    const char *out = arena_strndup(e2e_arena(), buf_cstr(&r.body), r.body.len);
    http_client_response_free(&r);
    return out;
}

static int start_front(void)
{
    const char *p = prefix();
    front_port = e2e_free_port();
    const char *root = getenv("SB_TEST_ROOT");
    e2e_sh(arena_printf(e2e_arena(),
                        "set -e; rm -rf '%s'; mkdir -p '%s/conf/switchboard' '%s/logs' '%s/tmp' '%s/public';"
                        " touch '%s/public/index.php'; cd '%s'; cp conf/nginx/switchboard/shadow-mirror.conf '%s/conf/switchboard/';"
                        " sed -e 's|unix:/run/switchboard/shadow.sock|unix:%s/run/switchboard-shadow.sock|'"
                        " conf/nginx/switchboard-shadow.conf >'%s/conf/switchboard/switchboard-shadow.conf'",
                        p, p, p, p, p, p, root, p, e2e_var(), p));
    FILE *f = e2e_nginx_conf_open(p);
    if (!f) return -1;
    /* Laravel's server as Debian serves it, with the two shadow includes added */
    fprintf(f,
            "    server {\n"
            "        listen 127.0.0.1:%d default_server;\n"
            "        server_name laravel.test;\n"
            "        root %s/public;\n"
            "        include switchboard/switchboard-shadow.conf;\n"
            "        location / { try_files $uri $uri/ /index.php?$query_string; }\n"
            "        location ~ \\.php$ { include switchboard/shadow-mirror.conf; proxy_pass http://127.0.0.1:%d$request_uri; }\n"
            "        # the test's own door to the shadow (not part of the operator's files)\n"
            "        location /direct-shadow/ { rewrite ^/direct-shadow(/.*)$ $1 break;\n"
            "            include %s/conf/fastcgi_switchboard.conf; fastcgi_pass unix:%s/run/switchboard-shadow.sock; }\n"
            "    }\n"
            "}\n",
            front_port, p, legacy_port, root, e2e_var());
    fclose(f);
    e2e_sh(arena_printf(e2e_arena(), "nginx -q -p '%s' -c '%s/conf/nginx.conf' -e '%s/logs/error.log'", p, p, p));
    for (int i = 0; i < 200; i++) {
        long st;
        int legacy = 0;
        post_front("/admin", "X-None: 1", "{}", &st, &legacy);
        if (legacy) return 0;
        usleep(100000);
    }
    return -1;
}

static long long shadow_count(const char *sql, const char *value)
{
    db_param p = db_str(value);
    return e2e_count(sql, &p, value ? 1 : 0);
}

/* The shadow's event for (type, id) settled: processed or ignored, up to 30 s. */
static void wait_shadow_processed(const char *event_type, const char *event_id)
{
    db_param p[] = {db_str(event_type), db_str(event_id)};
    const char *sql = "SELECT CONCAT(status, ':', COALESCE(error_message, notes, '')) FROM " SHADOW_DB ".webhook_events"
                      " WHERE event_type = ? AND event_id = ? ORDER BY id DESC LIMIT 1";
    const char *st = NULL;
    for (int i = 0; i < 300; i++) {
        st = e2e_scalar(sql, p, 2);
        if (st && (!strncmp(st, "processed:", 10) || !strncmp(st, "ignored:", 8))) return;
        usleep(100000);
    }
    fail_msg("the shadow's %s %s: %s", event_type, event_id, st ? st : "never stored");
}

static void init_builds_the_shadow_schema_twice(void **state)
{
    (void)state;
    const char *out;
    int rc = e2e_cli_with(shadow_conf, "shadow-init --from askproai", &out);
    if (rc != 0) fail_msg("shadow-init: %d: %s", rc, out);
    assert_non_null(strstr(out, "table(s) created"));
    rc = e2e_cli_with(shadow_conf, "shadow-init --from askproai", &out); /* re-runnable: config replaced */
    if (rc != 0) fail_msg("shadow-init again: %d: %s", rc, out);
    assert_non_null(strstr(out, " 0 table(s) created"));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM " SHADOW_DB ".companies", NULL, 0),
                     e2e_count("SELECT COUNT(*) FROM companies", NULL, 0));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM " SHADOW_DB ".services", NULL, 0),
                     e2e_count("SELECT COUNT(*) FROM services", NULL, 0));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM " SHADOW_DB ".customers", NULL, 0),
                     e2e_count("SELECT COUNT(*) FROM customers", NULL, 0));
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM " SHADOW_DB ".switchboard_migrations", NULL, 0),
                     e2e_count("SELECT COUNT(*) FROM switchboard_migrations", NULL, 0));
    /* the main config is no shadow, and the main schema must be another one: refused */
    assert_int_equal(e2e_cli("shadow-diff --from askproai", &out), 2);
    assert_int_equal(e2e_cli_with(shadow_conf, "shadow-init --from " SHADOW_DB, &out), 2);
    assert_int_equal(e2e_cli_with(shadow_conf, "shadow-init --from 'askproai`; DROP'", &out), 2);
    assert_int_equal(e2e_cli_with(shadow_conf, "shadow-init --from no_such_db", &out), 2);
}

/* nothing of main's queue left to run soon: pending, processing or a retry due within a minute */
static int main_is_quiet(void)
{
    return e2e_count("SELECT COUNT(*) FROM webhook_events WHERE status IN ('pending', 'processing')"
                     " OR (status = 'failed' AND next_attempt_at < NOW() + INTERVAL 60 SECOND)", NULL, 0) == 0;
}

static void mirrored_webhooks_reach_only_the_shadow(void **state)
{
    (void)state;
    assert_int_equal(e2e_stack("start-pool", arena_printf(e2e_arena(), "SB_POOL_NAME=shadow SB_POOL=1 SB_POOL_CONF='%s'",
                                                          shadow_conf)),
                     0);
    pool_started = 1;
    assert_int_equal(start_front(), 0);
    const char *fake_log = arena_printf(e2e_arena(), "%s/log/fake-providers.log", e2e_var());
    long fake_before = file_size(fake_log);
    long long main_events = e2e_count("SELECT COUNT(*) FROM webhook_events", NULL, 0);
    long long main_appts = e2e_count("SELECT COUNT(*) FROM appointments", NULL, 0);
    long long main_calls = e2e_count("SELECT COUNT(*) FROM calls", NULL, 0);
    /* main must be quiet for the counts and the diff below: earlier tests' spooled events and
     * retries finish first (bounded); then, since shadow-diff's window starts at the shadow's first
     * event in whole seconds, their rows fall into an earlier second than the first mirrored event */
    if (!e2e_wait(main_is_quiet, 60)) fail_msg("main's queue did not drain in 60 s");
    main_events = e2e_count("SELECT COUNT(*) FROM webhook_events", NULL, 0);
    main_appts = e2e_count("SELECT COUNT(*) FROM appointments", NULL, 0);
    main_calls = e2e_count("SELECT COUNT(*) FROM calls", NULL, 0);
    sleep(2);

    size_t len;
    const char *booking = e2e_fixture_new_id("calcom/webhook_booking_created.json", UID_CREATED, &uid, &len);
    long st;
    int legacy;
    const char *body = post_front("/api/calcom/webhook",
                                  arena_printf(e2e_arena(), "X-Cal-Signature-256: %s", e2e_sign_calcom(booking, len)),
                                  booking, &st, &legacy);
    assert_int_equal(st, 200);
    assert_true(legacy);
    EQ(body, "legacy:/api/calcom/webhook");

    call_id = arena_printf(e2e_arena(), "call_shadow_%d_%lld", (int)getpid(), (long long)e2e_now_ms());
    const char *ended = e2e_replace(e2e_fixture("retell/webhook_call_ended.json", &len), CALL_ID, call_id);
    body = post_front("/api/webhooks/retell",
                      arena_printf(e2e_arena(), "X-Retell-Signature: %s",
                                   e2e_sign_retell(ended, strlen(ended), e2e_now_ms())),
                      ended, &st, &legacy);
    assert_int_equal(st, 200);
    assert_true(legacy);
    EQ(body, "legacy:/api/webhooks/retell");
    /* a forged copy is refused by the shadow as it would be by switchboard: nothing stored */
    post_front("/api/calcom/webhook", "X-Cal-Signature-256: 00", "{\"triggerEvent\":\"PING\"}", &st, &legacy);
    assert_true(legacy);

    wait_shadow_processed("BOOKING_CREATED", uid);
    wait_shadow_processed("call_ended", call_id);
    /* the shadow processed them into its own tables ... */
    assert_int_equal(shadow_count("SELECT COUNT(*) FROM " SHADOW_DB ".appointments WHERE calcom_v2_booking_id = ?", uid), 1);
    assert_int_equal(shadow_count("SELECT COUNT(*) FROM " SHADOW_DB ".calls WHERE retell_call_id = ?", call_id), 1);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM " SHADOW_DB ".webhook_events", NULL, 0), 2);
    /* ... and nothing of it reached the main schema */
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM webhook_events", NULL, 0), main_events);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM appointments", NULL, 0), main_appts);
    assert_int_equal(e2e_count("SELECT COUNT(*) FROM calls", NULL, 0), main_calls);

    /* it says what it is, and a phone function on it cannot reach Cal.com */
    char url[256], err[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/direct-shadow/api/health", front_port);
    http_client_response r;
    assert_int_equal(http_client_request("GET", url, (const char *const[]){"Host: laravel.test", NULL}, NULL, 0, 30000, &r,
                                         err, sizeof err),
                     0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(buf_cstr(&r.body), "\"shadow\":true"));
    http_client_response_free(&r);
    const char *auth = arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->monitor_token);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/direct-shadow/api/webhooks/monitor", front_port);
    assert_int_equal(http_client_request("GET", url, (const char *const[]){"Host: laravel.test", auth, NULL}, NULL, 0,
                                         30000, &r, err, sizeof err),
                     0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(buf_cstr(&r.body), "\"shadow\":true"));
    http_client_response_free(&r);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/direct-shadow/metrics", front_port);
    assert_int_equal(http_client_request("GET", url, (const char *const[]){"Host: laravel.test", auth, NULL}, NULL, 0,
                                         30000, &r, err, sizeof err),
                     0);
    assert_non_null(strstr(buf_cstr(&r.body), "\nswitchboard_shadow 1\n"));
    http_client_response_free(&r);
    assert_non_null(strstr(e2e_request("GET", "/api/health", NULL, NULL, 0).body, "\"shadow\":false"));
    const char *fn = e2e_replace(e2e_fixture("retell/function_check_availability.request.json", &len), CALL_ID, call_id);
    const char *fh[] = {"Host: laravel.test", "Content-Type: application/json",
                        arena_printf(e2e_arena(), "X-Retell-Signature: %s", e2e_sign_retell(fn, strlen(fn), e2e_now_ms())),
                        NULL};
    snprintf(url, sizeof url, "http://127.0.0.1:%d/direct-shadow/api/webhooks/retell/function", front_port);
    assert_int_equal(http_client_request("POST", url, fh, fn, strlen(fn), 30000, &r, err, sizeof err), 0);
    assert_int_equal(r.status, 200); /* the agent hears that booking is unavailable */
    http_client_response_free(&r);
    const char *log = arena_printf(e2e_arena(), "%s/log/switchboard-shadow.log", e2e_var());
    e2e_sh(arena_printf(e2e_arena(), "grep -q 'shadow mode: outbound request refused' '%s'", log));
    assert_int_equal(file_size(fake_log), fake_before); /* no request to the fake Cal.com or Retell API */
}

static void diff_names_what_main_lacks_then_passes(void **state)
{
    (void)state;
    const char *out;
    int rc = e2e_cli_with(shadow_conf, "shadow-diff --from askproai --since 1h", &out);
    if (rc != 1) fail_msg("shadow-diff with main lacking the rows: exit %d\n%s", rc, out);
    assert_non_null(strstr(out, arena_printf(e2e_arena(), "appointments uid=%s (row): shadow \"present\", main \"missing\"", uid)));
    assert_non_null(strstr(out, arena_printf(e2e_arena(), "calls call=%s (row): shadow \"present\", main \"missing\"", call_id)));
    rc = e2e_cli_with(shadow_conf, "shadow-diff --from askproai --since 1h --format json", &out);
    assert_int_equal(rc, 1);
    char perr[128];
    json_object *j = json_parse_strict(out, strlen(out), perr, sizeof perr);
    if (!j) fail_msg("shadow-diff --format json: %s\n%s", perr, out);
    int64_t n = 0;
    assert_true(json_get_int(j, "entities.appointments.only_shadow", &n));
    assert_int_equal(n, 1);
    assert_true(json_get_int(j, "entities.calls.only_shadow", &n));
    assert_int_equal(n, 1);
    json_object_put(j);

    /* "Laravel" writes the same rows into main. The customers the shadow matched are the
     * snapshot's (main's ids); one the shadow created is given to main with its id */
    db_param u = db_str(uid), c = db_str(call_id);
    sb_db *db = e2e_db();
    static const char *const CUSTOMER =
        "INSERT INTO customers (id, company_id, name, email, phone, created_at, updated_at)"
        " SELECT s.id, s.company_id, s.name, s.email, s.phone, s.created_at, s.updated_at FROM " SHADOW_DB ".customers s"
        " WHERE s.id = (SELECT customer_id FROM " SHADOW_DB ".%s WHERE %s = ?)"
        " AND NOT EXISTS (SELECT 1 FROM customers m WHERE m.id = s.id)";
    assert_int_equal(db_exec(db, arena_printf(e2e_arena(), CUSTOMER, "appointments", "calcom_v2_booking_id"), &u, 1, NULL, NULL), 0);
    assert_int_equal(db_exec(db, arena_printf(e2e_arena(), CUSTOMER, "calls", "retell_call_id"), &c, 1, NULL, NULL), 0);
    assert_int_equal(db_exec(db,
                             "INSERT INTO appointments (company_id, branch_id, customer_id, starts_at, ends_at, status, source,"
                             " service_id, calcom_v2_booking_id, deleted_at, created_at, updated_at)"
                             " SELECT company_id, branch_id, customer_id, starts_at, ends_at, status, source, service_id,"
                             " calcom_v2_booking_id, deleted_at, created_at, updated_at FROM " SHADOW_DB ".appointments"
                             " WHERE calcom_v2_booking_id = ?",
                             &u, 1, NULL, NULL),
                     0);
    assert_int_equal(db_exec(db,
                             "INSERT INTO calls (retell_call_id, company_id, customer_id, duration_sec, status, created_at, updated_at)"
                             " SELECT retell_call_id, company_id, customer_id, duration_sec, status, created_at, updated_at"
                             " FROM " SHADOW_DB ".calls WHERE retell_call_id = ?",
                             &c, 1, NULL, NULL),
                     0);
    rc = e2e_cli_with(shadow_conf, "shadow-diff --from askproai --since 1h", &out);
    if (rc != 0) fail_msg("shadow-diff with main holding the same rows: exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "0 difference(s)"));
    /* one field off is one difference, named with both values */
    assert_int_equal(db_exec(db, "UPDATE appointments SET status = 'cancelled' WHERE calcom_v2_booking_id = ?", &u, 1, NULL, NULL), 0);
    rc = e2e_cli_with(shadow_conf, "shadow-diff --from askproai --since 1h --entity appointments", &out);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, arena_printf(e2e_arena(), "appointments uid=%s status: shadow \"confirmed\", main \"cancelled\"", uid)));
    assert_int_equal(e2e_cli_with(shadow_conf, "shadow-diff --from askproai --entity calls", &out), 0);
    assert_int_equal(e2e_cli_with(shadow_conf, "shadow-diff --from askproai --since never", &out), 2);
}

static int group_setup(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    dir = arena_printf(e2e_arena(), "%s/shadow", e2e_var());
    mkdir(dir, 0755);
    /* the shadow instance's config: the main one, then what makes it a shadow (later lines win) */
    shadow_conf = arena_printf(e2e_arena(), "%s/shadow.conf", e2e_var());
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "{ cat '%s/switchboard.conf'; printf 'shadow = 1\\ndb.name = %s\\nspool.dir = %s/spool\\n"
             "log.file = %s/log/switchboard-shadow.log\\nmetrics.file = %s/metrics\\n'; } >'%s' && chmod 600 '%s'",
             e2e_var(), SHADOW_DB, dir, e2e_var(), dir, shadow_conf, shadow_conf);
    if (system(cmd) != 0) return -1;
    db_exec(e2e_db(), "DROP DATABASE IF EXISTS " SHADOW_DB, NULL, 0, NULL, NULL);
    if ((legacy_port = e2e_start_legacy()) <= 0) {
        fprintf(stderr, "test_94: the Laravel stand-in (fake_providers --legacy) did not start\n");
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    e2e_stop_pidfile(arena_printf(e2e_arena(), "%s/nginx.pid", prefix()));
    if (pool_started) e2e_stack("stop-pool", "SB_POOL_NAME=shadow");
    e2e_stop_legacy();
    /* the rows this test put into main stay (like every test's); the shadow schema goes */
    db_exec(e2e_db(), "DROP DATABASE IF EXISTS " SHADOW_DB, NULL, 0, NULL, NULL);
    return e2e_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_builds_the_shadow_schema_twice),
        cmocka_unit_test(mirrored_webhooks_reach_only_the_shadow),
        cmocka_unit_test(diff_names_what_main_lacks_then_passes),
    };
    return cmocka_run_group_tests_name("e2e_shadow", tests, group_setup, group_teardown);
}
