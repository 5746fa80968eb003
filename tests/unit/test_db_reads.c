/* test_db_reads.c: the read-replica keys and db_for_reads without a server:
 * defaults, no replica configured (always the primary), and a replica that
 * cannot be reached (the primary, one log line saying why, not asked again
 * before DB_READS_RETRY_MS). The replica's lag against real servers is
 * checked by `make check-replica` (tests/replica/run.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "db_reads.h"
#include "log.h"
#include "unit_util.h"

#define MINIMAL                                   \
    "db.socket = /nonexistent/primary.sock\n"     \
    "db.name = salon\n"                           \
    "db.user = switchboard\n"                     \
    "spool.dir = /var/spool/switchboard\n"        \
    "log.file = /var/log/switchboard/request.log\n"

static void load(sb_config *cfg, const char *text)
{
    char err[512];
    if (sb_config_load_text(cfg, text, "test.conf", NULL, err, sizeof err) != 0) fail_msg("load failed: %s", err);
}

static void read_keys_default_to_no_replica(void **state)
{
    (void)state;
    sb_config cfg;
    load(&cfg, MINIMAL);
    assert_string_equal(cfg.db_read_host, "");
    assert_string_equal(cfg.db_read_socket, "");
    assert_int_equal(cfg.db_read_port, 3306);
    assert_int_equal(cfg.db_read_max_lag_seconds, 5);
    sb_db *primary = db_new(&cfg);
    db_reads r;
    db_reads_init(&r, &cfg, primary);
    assert_null(r.replica);
    for (int i = 0; i < 3; i++) assert_ptr_equal(db_for_reads(&r), primary);
    db_reads_free(&r);
    db_free(primary);
    sb_config_free(&cfg);
}

static void read_keys_are_validated_and_the_password_masked(void **state)
{
    (void)state;
    sb_config cfg;
    char err[512];
    assert_int_equal(sb_config_load_text(&cfg, MINIMAL "db.read_max_lag_seconds = -1\n", "t", NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "db.read_max_lag_seconds"));
    load(&cfg, MINIMAL "db.read_host = replica.internal\ndb.read_port = 3307\ndb.read_password = s3cret\n"
                       "db.read_max_lag_seconds = 30\n");
    assert_string_equal(cfg.db_read_host, "replica.internal");
    assert_int_equal(cfg.db_read_port, 3307);
    assert_int_equal(cfg.db_read_max_lag_seconds, 30);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    sb_config_print(&cfg, f);
    fclose(f);
    assert_null(strstr(out, "s3cret"));
    assert_non_null(strstr(out, "db.read_password = (set)"));
    free(out);
    sb_config_free(&cfg);
}

static void unreachable_replica_means_the_primary_and_one_log_line(void **state)
{
    (void)state;
    char dir[] = "/tmp/sb-unit-reads.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char logp[256];
    snprintf(logp, sizeof logp, "%s/log", dir);
    assert_int_equal(log_open(logp), 0);
    sb_config cfg;
    load(&cfg, MINIMAL "db.read_socket = /nonexistent/replica.sock\n");
    sb_db *primary = db_new(&cfg);
    db_reads r;
    db_reads_init(&r, &cfg, primary);
    assert_non_null(r.replica);
    for (int i = 0; i < 5; i++) assert_ptr_equal(db_for_reads(&r), primary);
    assert_non_null(strstr(r.reason, "replica unusable"));
    log_close();
    size_t n = 0;
    char *text = ut_read_file(logp, &n);
    assert_non_null(text);
    const char *hit = strstr(text, "db reads: falling back to the primary: replica unusable");
    assert_non_null(hit);
    if (strstr(hit + 1, "db reads:")) fail_msg("more than one line:\n%s", text); /* once, not per read */
    free(text);
    db_reads_free(&r);
    db_free(primary);
    sb_config_free(&cfg);
    unlink(logp);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_keys_default_to_no_replica),
        cmocka_unit_test(read_keys_are_validated_and_the_password_masked),
        cmocka_unit_test(unreachable_replica_means_the_primary_and_one_log_line),
    };
    return cmocka_run_group_tests_name("unit_db_reads", tests, NULL, NULL);
}
