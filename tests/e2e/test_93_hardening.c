/* test_93_hardening.c: the guards of issue 15 (items 1, 7, 8, 9, 13, 14)
 * through the running stack: a tenant's unreadable Cal.com key is spoken,
 * logged and listed (never replaced by the platform key), hostile stored
 * keys are answered, a hostile event type stays inside its /metrics label,
 * dead events are pruned after retention.failed_days (replayable before), and
 * the database connection speaks verified TLS and fails closed. (#8 is in
 * test_90, which stops the database anyway; #9, spool modes: unit tests.) */
#include "e2e.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "laravel_crypt.h"


/* a call the stack knows (call_hard_PID_N) */
static const char *new_call(void) { return e2e_started_call("call_hard"); }

static e2e_response fn(const char *call_id, const char *name, const char *args_json)
{
    const char *body = arena_printf(e2e_arena(),
                                    "{\"call\":{\"call_id\":\"%s\",\"from_number\":\"+4917612345678\",\"to_number\":\"+4922112345678\","
                                    "\"direction\":\"inbound\",\"call_status\":\"ongoing\"},\"name\":\"%s\",\"args\":%s}",
                                    call_id, name, args_json);
    return e2e_post_signed("retell", "/api/webhooks/retell/function", body, strlen(body));
}

static const char *day_de(int days) { return e2e_day_de(days); }

static long long company_of(const char *call_id)
{
    db_param p = db_str(call_id);
    const char *c = e2e_scalar("SELECT company_id FROM calls WHERE retell_call_id = ?", &p, 1);
    assert_non_null(c);
    return atoll(c);
}

static void set_company_key(long long company, const char *value)
{
    db_param p[] = {db_str(value), db_int(company)};
    assert_int_equal(db_exec(e2e_db(), "UPDATE companies SET calcom_api_key = ? WHERE id = ?", p, 2, NULL, NULL), 0);
}

static const char *slurp_from(const char *path, long from)
{
    FILE *f = fopen(path, "r");
    if (!f) return "";
    fseek(f, from, SEEK_SET);
    buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
    fclose(f);
    const char *s = arena_strdup(e2e_arena(), buf_cstr(&b));
    buf_free(&b);
    return s;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

static e2e_response monitor(void)
{
    const char *h[] = {arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->monitor_token), NULL};
    return e2e_request("GET", "/api/webhooks/monitor", h, NULL, 0);
}

/* issue 15 #1: a tenant key that cannot be decrypted is not replaced by calcom.api_key:
 * the agent says the booking system is unavailable, the log has a line, the monitor a problem */
static void unreadable_tenant_key_is_spoken_logged_and_listed(void **state)
{
    (void)state;
    const char *id = new_call();
    long long company = company_of(id);
    const char *args = arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"date\":\"%s\",\"preferred_time\":\"10:00\"}",
                                    day_de(4));
    /* the platform key answers while the tenant has no key of its own */
    e2e_response r = fn(id, "check_availability", args);
    assert_int_equal(r.status, 200);
    assert_non_null(json_get(r.json, "available"));

    long from = file_size(e2e_config()->log_file);
    /* a payload under another APP_KEY: the MAC does not match */
    char enc[1024];
    assert_int_equal(laravel_encrypt("base64:HwAeAB0AHAAbABoAGQAYABcAFgAVABQAEwASABEAEAA=", "cal_live_other", enc, sizeof enc), 0);
    set_company_key(company, enc);
    const char *id2 = new_call();
    r = fn(id2, "check_availability", args);
    set_company_key(company, NULL);
    assert_int_equal(r.status, 200);
    bool success = true;
    assert_true(json_get_bool(r.json, "success", &success));
    assert_false(success);
    assert_non_null(strstr(json_get_str(r.json, "message"), "nicht erreichbar"));
    assert_null(json_get(r.json, "available")); /* no slots came from the platform key */
    const char *log = slurp_from(e2e_config()->log_file, from);
    assert_non_null(strstr(log, "problem calcom_key_unreadable"));
    assert_non_null(strstr(log, "MAC does not match"));
    assert_null(strstr(log, "cal_live_other"));
    db_param p = db_int(company);
    assert_true(e2e_count("SELECT COUNT(*) FROM switchboard_problems WHERE kind = 'calcom_key_unreadable' AND company_id = ?"
                          " AND last_seen >= NOW() - INTERVAL 1 MINUTE", &p, 1) == 1);
    r = monitor();
    assert_int_equal(r.status, 200);
    json_object *probs = json_get(r.json, "problems");
    assert_non_null(probs);
    int listed = 0;
    for (size_t i = 0; i < json_object_array_length(probs); i++) {
        json_object *o = json_object_array_get_idx(probs, i);
        int64_t c = 0;
        const char *kind = json_get_str(o, "kind"), *detail = json_get_str(o, "detail");
        listed |= json_get_int(o, "company_id", &c) && c == company && kind && !strcmp(kind, "calcom_key_unreadable") &&
                  detail && strstr(detail, "MAC") != NULL;
    }
    assert_true(listed);
}

/* issue 15 #1: keys that decrypt to hostile serialised strings are answered, not a dead child
 * (the old unwrap wrote out of bounds: glibc's memcpy of SIZE_MAX returned, the NUL went one
 * byte before the buffer; ASan reports it under SANITIZE=1, the unit test and the fuzz
 * regressions catch it in any build) */
static void hostile_stored_keys_do_not_kill_the_child(void **state)
{
    (void)state;
    const char *id = new_call();
    long long company = company_of(id);
    static const char *const PLAIN[] = {"s:-1:\"x\";", "s:99999999999:\"x\";", "s:18446744073709551615:\"ab\";"};
    char enc[1024];
    for (size_t i = 0; i < sizeof PLAIN / sizeof *PLAIN; i++) {
        assert_int_equal(laravel_encrypt(e2e_config()->laravel_app_key, PLAIN[i], enc, sizeof enc), 0);
        set_company_key(company, enc);
        e2e_response r = fn(id, "check_availability",
                            arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"date\":\"%s\"}", day_de(5)));
        set_company_key(company, NULL);
        assert_int_equal(r.status, 200); /* nginx says 502 when the child died */
        assert_non_null(json_get_str(r.json, "message"));
    }
    /* wrapper fields of the wrong type: refused as unreadable */
    static const char *const WRAP[] = {"{\"iv\":null,\"value\":\"AAAA\",\"mac\":\"00\"}", "{\"iv\":\"AAAA\",\"value\":null,\"mac\":null}"};
    for (size_t i = 0; i < sizeof WRAP / sizeof *WRAP; i++) {
        char b64[256];
        EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)WRAP[i], (int)strlen(WRAP[i]));
        set_company_key(company, b64);
        e2e_response r = fn(id, "check_availability",
                            arena_printf(e2e_arena(), "{\"service\":\"herrenhaarschnitt\",\"date\":\"%s\"}", day_de(5)));
        set_company_key(company, NULL);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(json_get_str(r.json, "message"), "nicht erreichbar"));
    }
}


/* issue 15 #13: a signed delivery's event type with quotes, braces and a backslash stays inside
 * its label on /metrics; every sample line keeps the exposition format */
static void metrics_labels_hold_hostile_event_types(void **state)
{
    (void)state;
    const char *body = arena_printf(e2e_arena(), "{\"triggerEvent\":\"HOSTILE\\\"}9,x=\\\"\\\\\",\"payload\":{\"uid\":\"hostile-%d-%lld\"}}",
                                    (int)getpid(), (long long)e2e_now_ms());
    e2e_response r = e2e_post_signed("calcom", "/api/calcom/webhook", body, strlen(body));
    assert_int_equal(r.status, 200);
    int64_t ev;
    assert_true(json_get_int(r.json, "id", &ev));
    assert_true(e2e_wait_status((uint64_t)ev, "ignored", 10)); /* no handler: counted as ignored */
    const char *h[] = {arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->monitor_token), NULL};
    r = e2e_request("GET", "/metrics", h, NULL, 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "event_type=\"HOSTILE\\\"}9,x=\\\"\\\\\",outcome=\"ignored\"} "));
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^[a-z_]+(\\{[a-z_]+=\"([^\"\\\\]|\\\\[\"\\\\n])*\"(,[a-z_]+=\"([^\"\\\\]|\\\\[\"\\\\n])*\")*\\})? "
                             "[-0-9.e+Inf]+$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    char *text = strdup(r.body), *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (line[0] != '#' && regexec(&re, line, 0, NULL, 0) != 0) fail_msg("malformed /metrics line: %s", line);
    free(text);
    regfree(&re);
}

/* issue 15 #14: failed/dead events (personal data) are kept only retention.failed_days (30):
 * `switchboard prune` deletes older ones, keeps younger ones (still replayable) and any
 * failed event the pipeline still retries */
static void prune_keeps_failed_and_dead_events_only_for_the_retention(void **state)
{
    (void)state;
    static const char *const INS =
        "INSERT INTO webhook_events (provider, event_type, event_id, idempotency_key, payload, status, retry_count,"
        " next_attempt_at, finished_at, created_at, updated_at) VALUES ('calcom', 'SWITCHBOARD_TEST_RETENTION', ?, ?,"
        " '{\"triggerEvent\":\"SWITCHBOARD_TEST_RETENTION\"}', ?, 1,"
        " CASE ? WHEN 1 THEN NOW() + INTERVAL 1 YEAR WHEN 2 THEN NULL ELSE NOW() - INTERVAL 1 DAY END,"
        " NOW() - INTERVAL ? DAY, NOW() - INTERVAL ? DAY, NOW() - INTERVAL ? DAY)";
    /* next: 0 switchboard's row (next_attempt_at set, in the past), 1 still retried (due next year), 2 Laravel's (NULL) */
    static const struct { const char *status; int next, age_days, pruned; } ROWS[] = {
        {"dead", 0, 40, 1}, {"dead", 0, 10, 0}, {"failed", 2, 40, 1}, {"failed", 1, 40, 0}, {"processed", 0, 40, 0},
    };
    const char *tag = arena_printf(e2e_arena(), "ret-%d-%lld", (int)getpid(), (long long)e2e_now_ms());
    for (size_t i = 0; i < sizeof ROWS / sizeof *ROWS; i++) {
        const char *id = arena_printf(e2e_arena(), "%s-%zu", tag, i);
        db_param p[] = {db_str(id), db_str(arena_printf(e2e_arena(), "calcom:SWITCHBOARD_TEST_RETENTION:%s", id)),
                        db_str(ROWS[i].status), db_int(ROWS[i].next), db_int(ROWS[i].age_days),
                        db_int(ROWS[i].age_days), db_int(ROWS[i].age_days)};
        if (db_exec(e2e_db(), INS, p, 7, NULL, NULL) != 0) fail_msg("%s", db_error(e2e_db()));
    }
    const char *out;
    int rc = e2e_cli("prune --older-than 90d", &out);
    if (rc != 0) fail_msg("prune: %s", out);
    assert_non_null(strstr(out, "failed/dead event(s) older than retention.failed_days = 30 deleted"));
    for (size_t i = 0; i < sizeof ROWS / sizeof *ROWS; i++) {
        db_param p = db_str(arena_printf(e2e_arena(), "%s-%zu", tag, i));
        long long left = e2e_count("SELECT COUNT(*) FROM webhook_events WHERE event_id = ?", &p, 1);
        if (left != !ROWS[i].pruned) fail_msg("row %zu (%s, %d days): %lld left", i, ROWS[i].status, ROWS[i].age_days, left);
    }
    /* the dead event inside the retention is still replayable (no handler for its type: ignored) */
    db_param young = db_str(arena_printf(e2e_arena(), "%s-1", tag));
    const char *id = e2e_scalar("SELECT id FROM webhook_events WHERE event_id = ?", &young, 1);
    assert_non_null(id);
    rc = e2e_cli(arena_printf(e2e_arena(), "replay %s", id), &out);
    if (rc != 0) fail_msg("replay: %s", out);
    assert_true(e2e_wait_status(strtoull(id, NULL, 10), "ignored", 10));
    db_param like = db_str(arena_printf(e2e_arena(), "%s-%%", tag));
    db_exec(e2e_db(), "DELETE FROM webhook_events WHERE event_id LIKE ?", &like, 1, NULL, NULL);
}

/* ---- issue 15 #14: TLS to the database ------------------------------------
 * A second mariadbd of the stack's installation, in this test's directory,
 * with a CA and server certificates made here by openssl, on a free loopback
 * port; its account requires TLS. The connections are lib/db.c's own. */

static char tls_dir[1024];
static int tls_port;

/* a certificate signed by ca.pem with subjectAltName san, into NAME.pem/NAME.key */
static const char *issue_cert(const char *name, const char *san)
{
    return arena_printf(e2e_arena(),
                        "cd '%s' && openssl req -newkey rsa:2048 -nodes -keyout %s.key -out %s.csr -subj '/CN=%s' 2>/dev/null &&"
                        " printf 'subjectAltName=%s\\n' > %s.ext && openssl x509 -req -in %s.csr -CA ca.pem -CAkey ca.key"
                        " -CAcreateserial -out %s.pem -days 2 -extfile %s.ext 2>/dev/null",
                        tls_dir, name, name, name, san, name, name, name, name);
}

static void tls_server_start(void)
{
    snprintf(tls_dir, sizeof tls_dir, "%s/tls-db", e2e_var());
    tls_port = e2e_free_port();
    const char *steps[] = {
        arena_printf(e2e_arena(), "rm -rf '%s' && mkdir -p '%s/data' '%s/tmp'", tls_dir, tls_dir, tls_dir),
        arena_printf(e2e_arena(), "cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2"
                                  " -subj '/CN=switchboard test CA' 2>/dev/null && openssl req -x509 -newkey rsa:2048 -nodes"
                                  " -keyout other-ca.key -out other-ca.pem -days 2 -subj '/CN=another CA' 2>/dev/null",
                     tls_dir),
        issue_cert("right", "IP:127.0.0.1"),
        issue_cert("wrong-name", "DNS:db.elsewhere.test"),
        arena_printf(e2e_arena(), "cd '%s' && cp right.pem server.pem && cp right.key server.key", tls_dir),
        arena_printf(e2e_arena(), "mariadb-install-db --no-defaults --datadir='%s/data' --user=\"$(id -un)\""
                                  " --auth-root-authentication-method=socket --skip-name-resolve --force --skip-test-db"
                                  " >'%s/install.log' 2>&1", tls_dir, tls_dir),
        arena_printf(e2e_arena(), "nohup mariadbd --no-defaults --datadir='%s/data' --socket='%s/sock' --pid-file='%s/pid'"
                                  " --tmpdir='%s/tmp' --skip-name-resolve --user=\"$(id -un)\" --log-error='%s/err'"
                                  " --port=%d --bind-address=127.0.0.1 --ssl-ca='%s/ca.pem' --ssl-cert='%s/server.pem'"
                                  " --ssl-key='%s/server.key' --innodb-buffer-pool-size=16M --innodb-log-file-size=8M"
                                  " >/dev/null 2>&1 &",
                     tls_dir, tls_dir, tls_dir, tls_dir, tls_dir, tls_port, tls_dir, tls_dir, tls_dir),
        arena_printf(e2e_arena(), "for i in $(seq 300); do mariadb-admin --no-defaults --socket='%s/sock' -u \"$(id -un)\" ping"
                                  " >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1", tls_dir),
        arena_printf(e2e_arena(), "mariadb --no-defaults --socket='%s/sock' -u \"$(id -un)\" -e \"CREATE DATABASE tlsdb;"
                                  " CREATE USER 'tls'@'127.0.0.1' IDENTIFIED BY 'tls-pw' REQUIRE SSL;"
                                  " GRANT ALL ON tlsdb.* TO 'tls'@'127.0.0.1'\"", tls_dir),
    };
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) e2e_sh(steps[i]);
}

static void tls_server_stop(void)
{
    if (!*tls_dir) return;
    (void)!system(arena_printf(e2e_arena(), "mariadb-admin --no-defaults --socket='%s/sock' -u \"$(id -un)\" shutdown >/dev/null 2>&1;"
                                 " for i in $(seq 100); do [ -e '%s/pid' ] || break; sleep 0.1; done", tls_dir, tls_dir));
}

/* connect with these TLS settings through lib/db.c; the session's cipher, or NULL with the error */
static const char *tls_connect(const char *mode, const char *ca_file, const char **error)
{
    char text[8192], err[512];
    snprintf(text, sizeof text,
             "db.host = 127.0.0.1\ndb.port = %d\ndb.name = tlsdb\ndb.user = tls\ndb.password = tls-pw\n"
             "db.ssl_mode = %s\ndb.ssl_ca = %s%s\nspool.dir = %s/spool\nlog.file = %s/log\n",
             tls_port, mode, ca_file ? tls_dir : "", ca_file ? arena_printf(e2e_arena(), "/%s", ca_file) : "", tls_dir, tls_dir);
    sb_config c;
    if (sb_config_load_text(&c, text, "test_93", NULL, err, sizeof err) != 0) fail_msg("config: %s", err);
    sb_db *db = db_new(&c);
    db_rows r;
    const char *cipher = NULL;
    *error = NULL;
    if (db_query(db, e2e_arena(), "SHOW SESSION STATUS LIKE 'Ssl_cipher'", NULL, 0, &r) == 0)
        cipher = db_cell(&r, 0, 1) && *db_cell(&r, 0, 1) ? arena_strdup(e2e_arena(), db_cell(&r, 0, 1)) : NULL;
    else
        *error = arena_strdup(e2e_arena(), db_error(db));
    db_free(db);
    sb_config_free(&c);
    return cipher;
}

static void database_tls_is_verified_and_fails_closed(void **state)
{
    (void)state;
    tls_server_start(); /* a failed step fails the test; the group teardown stops the server */
    const char *error;
    /* the right CA and the server's name: an encrypted session */
    const char *cipher = tls_connect("verify_identity", "ca.pem", &error);
    if (!cipher) fail_msg("verify_identity with the right CA: %s", error ? error : "no cipher");
    assert_non_null(cipher = tls_connect("verify_ca", "ca.pem", &error));
    /* a CA that did not sign the server's certificate: no connection */
    assert_null(tls_connect("verify_ca", "other-ca.pem", &error));
    assert_non_null(error);
    assert_non_null(strstr(error, "TLS/SSL error"));
    assert_null(tls_connect("verify_identity", "other-ca.pem", &error));
    assert_non_null(strstr(error, "TLS/SSL error"));
    /* the account needs TLS: without it the server refuses (this is the server's side) */
    assert_null(tls_connect("disabled", NULL, &error));
    /* a certificate of the right CA for another name: verify_identity refuses, verify_ca accepts */
    e2e_sh(arena_printf(e2e_arena(), "cd '%s' && cp wrong-name.pem server.pem && cp wrong-name.key server.key &&"
                                     " mariadb --no-defaults --socket='%s/sock' -u \"$(id -un)\" -e 'FLUSH SSL'",
                        tls_dir, tls_dir));
    assert_null(tls_connect("verify_identity", "ca.pem", &error));
    assert_non_null(strstr(error, "TLS/SSL error"));
    assert_non_null(tls_connect("verify_ca", "ca.pem", &error));
    tls_server_stop();
}

/* the TLS server goes even when an assertion stopped its test */
static int teardown(void **state)
{
    tls_server_stop();
    return e2e_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unreadable_tenant_key_is_spoken_logged_and_listed),
        cmocka_unit_test(hostile_stored_keys_do_not_kill_the_child),
        cmocka_unit_test(metrics_labels_hold_hostile_event_types),
        cmocka_unit_test(prune_keeps_failed_and_dead_events_only_for_the_retention),
        cmocka_unit_test(database_tls_is_verified_and_fails_closed),
    };
    return cmocka_run_group_tests_name("e2e_hardening", tests, e2e_setup, teardown);
}
