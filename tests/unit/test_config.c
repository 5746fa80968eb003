/* test_config.c: defaults, file syntax, validation messages, environment
 * overrides and secret masking of sb_config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "unit_util.h"

#define MINIMAL                                   \
    "db.socket = /run/mysqld/mysqld.sock\n"       \
    "db.name = salon\n"                           \
    "db.user = switchboard\n"                     \
    "spool.dir = /var/spool/switchboard\n"        \
    "log.file = /var/log/switchboard/request.log\n"

static char err[512];

/* Load text with envp; returns the rc and leaves the message in err. */
static int load(sb_config *cfg, const char *text, char *const *envp)
{
    err[0] = '\0';
    return sb_config_load_text(cfg, text, "test.conf", envp, err, sizeof err);
}

/* Load that must succeed; the loader's message is shown if it does not. */
static void load_ok(sb_config *cfg, const char *text, char *const *envp)
{
    if (load(cfg, text, envp) != 0) fail_msg("load failed: %s", err);
}

/* Expect failure whose message contains every string in the NULL-terminated list. */
static void expect_error(const char *text, char *const *envp, const char *const *needles)
{
    sb_config cfg;
    int rc = load(&cfg, text, envp);
    if (rc != -1) {
        sb_config_free(&cfg);
        fail_msg("load succeeded, expected an error mentioning \"%s\"", needles[0]);
    }
    for (; *needles; needles++)
        if (!ut_contains(err, *needles)) fail_msg("error \"%s\" does not mention \"%s\"", err, *needles);
}

/* sb_config_print into a malloc'd string. */
static char *print_config(const sb_config *cfg)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    sb_config_print(cfg, f);
    assert_int_equal(fclose(f), 0);
    return out;
}

static void test_minimal_and_defaults(void **state)
{
    (void)state;
    sb_config cfg;
    load_ok(&cfg, MINIMAL, NULL);
    assert_string_equal(cfg.db_socket, "/run/mysqld/mysqld.sock");
    assert_string_equal(cfg.db_name, "salon");
    assert_string_equal(cfg.db_user, "switchboard");
    assert_string_equal(cfg.spool_dir, "/var/spool/switchboard");
    assert_string_equal(cfg.log_file, "/var/log/switchboard/request.log");
    assert_int_equal(cfg.http_max_body, 1048576);
    assert_int_equal(cfg.retell_signature_tolerance_ms, 300000);
    assert_string_equal(cfg.db_time_zone, "+00:00");
    assert_int_equal(cfg.db_port, 3306);
    /* secrets default to empty, which the routes turn into 503 */
    assert_string_equal(cfg.db_password, "");
    assert_string_equal(cfg.calcom_webhook_secret, "");
    assert_string_equal(cfg.retell_api_key, "");
    sb_config_free(&cfg);
    assert_null(cfg.db_name);
}

static void test_comments_blank_lines_quotes(void **state)
{
    (void)state;
    static const char text[] = "# switchboard config\n"
                               "\n"
                               "   # indented comment = not a key\n"
                               "db.host = 127.0.0.1\r\n"
                               "\t db.port\t=  3307  \n"
                               "db.name = \"salon db\"\n"
                               "db.user = 'sw'\n"
                               "db.password = \" p#ss = w \"\n"
                               "spool.dir=/tmp/spool\n"
                               "log.file = /tmp/log\n"
                               "http.max_body = 2048\n"
                               "\n";
    sb_config cfg;
    load_ok(&cfg, text, NULL);
    assert_string_equal(cfg.db_host, "127.0.0.1");
    assert_int_equal(cfg.db_port, 3307);
    assert_string_equal(cfg.db_name, "salon db");
    assert_string_equal(cfg.db_user, "sw");
    assert_string_equal(cfg.db_password, " p#ss = w ");
    assert_string_equal(cfg.spool_dir, "/tmp/spool");
    assert_int_equal(cfg.http_max_body, 2048);
    sb_config_free(&cfg);
}

static void test_later_line_wins(void **state)
{
    (void)state;
    sb_config cfg;
    load_ok(&cfg, MINIMAL "db.name = other\n", NULL);
    assert_string_equal(cfg.db_name, "other");
    sb_config_free(&cfg);
}

static void test_unknown_key_names_key_and_line(void **state)
{
    (void)state;
    const char *needles[] = {"db.nmae", "test.conf:3", NULL};
    expect_error("# c\ndb.name = x\ndb.nmae = y\n", NULL, needles);
    /* a misspelt secret key is named, its value is not */
    const char *typo[] = {"db.pasword", NULL};
    expect_error(MINIMAL "db.pasword = s3cr3t-value\n", NULL, typo);
    assert_false(ut_contains(err, "s3cr3t-value"));
    const char *no_eq[] = {"test.conf:2", NULL};
    expect_error("db.name = x\njust some words\n", NULL, no_eq);
}

static void test_missing_required(void **state)
{
    (void)state;
    const char *db_name[] = {"db.name", NULL};
    expect_error("db.socket = /s\ndb.user = u\nspool.dir = /d\nlog.file = /l\n", NULL, db_name);
    const char *log_file[] = {"log.file", NULL};
    expect_error("db.socket = /s\ndb.name = n\ndb.user = u\nspool.dir = /d\n", NULL, log_file);
    const char *where[] = {"db.socket", NULL};
    expect_error("db.name = n\ndb.user = u\nspool.dir = /d\nlog.file = /l\n", NULL, where);
    /* an empty value is as good as missing */
    expect_error("db.socket =\ndb.host = \"\"\ndb.name = n\ndb.user = u\nspool.dir = /d\nlog.file = /l\n", NULL,
                 where);
}

static void test_host_instead_of_socket(void **state)
{
    (void)state;
    sb_config cfg;
    load_ok(&cfg, "db.host = db.internal\ndb.name = n\ndb.user = u\nspool.dir = /d\nlog.file = /l\n", NULL);
    assert_string_equal(cfg.db_host, "db.internal");
    assert_true(cfg.db_socket == NULL || cfg.db_socket[0] == '\0');
    sb_config_free(&cfg);
}

/* issue 15 #14: db.ssl_mode words, a CA for the verifying modes, TCP only; retention bounds */
static void test_db_tls_and_retention_keys(void **state)
{
    (void)state;
#define TCP "db.host = db.internal\ndb.name = n\ndb.user = u\nspool.dir = /d\nlog.file = /l\n"
    sb_config cfg;
    load_ok(&cfg, TCP, NULL);
    assert_string_equal(cfg.db_ssl_mode, "disabled");
    assert_int_equal(cfg.retention_failed_days, 30);
    sb_config_free(&cfg);
    load_ok(&cfg, TCP "db.ssl_mode = verify_identity\ndb.ssl_ca = /etc/ssl/db-ca.pem\nretention.failed_days = 7\n", NULL);
    assert_string_equal(cfg.db_ssl_ca, "/etc/ssl/db-ca.pem");
    assert_int_equal(cfg.retention_failed_days, 7);
    sb_config_free(&cfg);
    expect_error(TCP "db.ssl_mode = yes\n", NULL, (const char *const[]){"db.ssl_mode", "verify_identity", NULL});
    expect_error(TCP "db.ssl_mode = verify_ca\n", NULL, (const char *const[]){"db.ssl_ca", NULL});
    expect_error(MINIMAL "db.ssl_mode = required\n", NULL, (const char *const[]){"db.socket", NULL});
    expect_error(TCP "retention.failed_days = 0\n", NULL, (const char *const[]){"retention.failed_days", NULL});
#undef TCP
}

static void test_bad_integers_name_the_key(void **state)
{
    (void)state;
    const char *max_body[] = {"http.max_body", NULL};
    expect_error(MINIMAL "http.max_body = abc\n", NULL, max_body);
    expect_error(MINIMAL "http.max_body = 1023\n", NULL, max_body); /* below the minimum */
    expect_error(MINIMAL "http.max_body = 12kb\n", NULL, max_body);
    expect_error(MINIMAL "http.max_body =\n", NULL, max_body);
    const char *port[] = {"db.port", NULL};
    expect_error(MINIMAL "db.port = 65536\n", NULL, port);
    expect_error(MINIMAL "db.port = 99999999999999999999999\n", NULL, port);
    const char *tol[] = {"retell.signature_tolerance_ms", NULL};
    expect_error(MINIMAL "retell.signature_tolerance_ms = -5\n", NULL, tol);
    /* the bounds themselves are accepted */
    sb_config cfg;
    load_ok(&cfg, MINIMAL "http.max_body = 1024\ndb.port = 65535\n", NULL);
    assert_int_equal(cfg.http_max_body, 1024);
    assert_int_equal(cfg.db_port, 65535);
    sb_config_free(&cfg);
}

static void test_env_overrides(void **state)
{
    (void)state;
    char *envp[] = {"PATH=/usr/bin", "SWITCHBOARD_DB_PASSWORD=x", "SWITCHBOARD_WORKER_POLL_MS=100",
                    "SWITCHBOARD_DB_NAME=from_env", "SWITCHBOARD_RETELL_SIGNATURE_TOLERANCE_MS=60000",
                    "SWITCHBOARD_CONFIG=/etc/switchboard/does-not-matter.conf", NULL};
    sb_config cfg;
    load_ok(&cfg, MINIMAL "db.password = from_file\nworker.poll_ms = 200\n", envp);
    assert_string_equal(cfg.db_password, "x");
    assert_int_equal(cfg.worker_poll_ms, 100);
    assert_string_equal(cfg.db_name, "from_env"); /* env beats file */
    assert_int_equal(cfg.retell_signature_tolerance_ms, 60000);
    assert_string_equal(cfg.db_user, "switchboard"); /* untouched keys keep the file value */
    sb_config_free(&cfg);
}

static void test_env_supplies_required_key(void **state)
{
    (void)state;
    char *envp[] = {"SWITCHBOARD_LOG_FILE=/tmp/env.log", NULL};
    sb_config cfg;
    load_ok(&cfg, "db.socket = /s\ndb.name = n\ndb.user = u\nspool.dir = /d\n", envp);
    assert_string_equal(cfg.log_file, "/tmp/env.log");
    sb_config_free(&cfg);
}

static void test_env_unknown_and_bad(void **state)
{
    (void)state;
    /* a variable meant for another tool only warns (D152) ... */
    char *unknown[] = {"SWITCHBOARD_FOO=1", "SWITCHBOARD_DB_PASWORD=x", NULL};
    sb_config cfg;
    load_ok(&cfg, MINIMAL, unknown);
    sb_config_free(&cfg);
    /* ... but a misspelt key whose value the file also sets stops it: the file's value would win unseen */
    const char *pasword[] = {"SWITCHBOARD_DB_PASWORD", "SWITCHBOARD_DB_PASSWORD", NULL};
    expect_error(MINIMAL "db.password = from-file\n", unknown, pasword);
    char *swapped[] = {"SWITCHBOARD_WORKER_POLL_SM=5", NULL};
    const char *poll_sm[] = {"SWITCHBOARD_WORKER_POLL_SM", NULL};
    expect_error(MINIMAL "worker.poll_ms = 100\n", swapped, poll_sm);
    char *bad[] = {"SWITCHBOARD_WORKER_POLL_MS=fast", NULL};
    const char *poll[] = {"worker.poll_ms", NULL};
    expect_error(MINIMAL, bad, poll);
}

static void test_print_masks_secrets(void **state)
{
    (void)state;
    char *envp[] = {"SWITCHBOARD_RETELL_API_KEY=key_live_ZZTOPSECRET3", NULL};
    sb_config cfg;
    load_ok(&cfg, MINIMAL "db.password = hunter2-db-PW\ncalcom.webhook_secret = whsec_SECRET_calcom_77\n", envp);
    char *out = print_config(&cfg);
    assert_false(ut_contains(out, "hunter2-db-PW"));
    assert_false(ut_contains(out, "whsec_SECRET_calcom_77"));
    assert_false(ut_contains(out, "key_live_ZZTOPSECRET3"));
    assert_true(ut_contains(out, "db.password = (set)"));
    assert_true(ut_contains(out, "calcom.webhook_secret = (set)"));
    assert_true(ut_contains(out, "retell.api_key = (set)"));
    /* non-secret values are shown */
    assert_true(ut_contains(out, "db.name = salon"));
    assert_true(ut_contains(out, "http.max_body = 1048576"));
    free(out);
    sb_config_free(&cfg);

    load_ok(&cfg, MINIMAL, NULL);
    out = print_config(&cfg);
    assert_true(ut_contains(out, "db.password = (not set)"));
    assert_true(ut_contains(out, "retell.api_key = (not set)"));
    free(out);
    sb_config_free(&cfg);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    sb_config cfg;
    const char *path = "tests/unit/no-such-dir/switchboard.conf";
    err[0] = '\0';
    assert_int_equal(sb_config_load(&cfg, path, NULL, err, sizeof err), -1);
    assert_true(ut_contains(err, path));
    sb_config_free(&cfg); /* harmless on a failed load */
}

static void test_load_file_uses_path_as_origin(void **state)
{
    (void)state;
    char dir[] = "/tmp/sb_config_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/switchboard.conf", dir);
    static const char text[] = MINIMAL "bogus.key = 1\n";
    assert_int_equal(ut_write_file(path, text, strlen(text)), 0);
    sb_config cfg;
    err[0] = '\0';
    assert_int_equal(sb_config_load(&cfg, path, NULL, err, sizeof err), -1);
    char where[160];
    snprintf(where, sizeof where, "%s:6", path);
    assert_true(ut_contains(err, where));
    assert_true(ut_contains(err, "bogus.key"));

    /* the same file without the bad line loads */
    assert_int_equal(ut_write_file(path, MINIMAL, strlen(MINIMAL)), 0);
    assert_int_equal(sb_config_load(&cfg, path, NULL, err, sizeof err), 0);
    assert_string_equal(cfg.db_name, "salon");
    sb_config_free(&cfg);
    assert_int_equal(ut_rm_tree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_and_defaults),
        cmocka_unit_test(test_comments_blank_lines_quotes),
        cmocka_unit_test(test_later_line_wins),
        cmocka_unit_test(test_unknown_key_names_key_and_line),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_host_instead_of_socket),
        cmocka_unit_test(test_db_tls_and_retention_keys),
        cmocka_unit_test(test_bad_integers_name_the_key),
        cmocka_unit_test(test_env_overrides),
        cmocka_unit_test(test_env_supplies_required_key),
        cmocka_unit_test(test_env_unknown_and_bad),
        cmocka_unit_test(test_print_masks_secrets),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_load_file_uses_path_as_origin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
