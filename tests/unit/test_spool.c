/* test_spool.c: the on-disk spool format without a database: init, write,
 * count, arrival order, byte-exact read back, torn files. spool_drain needs
 * MariaDB and is covered by the end-to-end tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spool.h"
#include "unit_util.h"

static char tmpdir[64];
static char spooldir[128];

static int make_dirs(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sb_spool_XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    snprintf(spooldir, sizeof spooldir, "%s/spool", tmpdir);
    return 0;
}

static int remove_dirs(void **state)
{
    (void)state;
    return ut_rm_tree(tmpdir);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int event_files(const struct dirent *e)
{
    return e->d_name[0] != '.' && ut_ends_with(e->d_name, ".ev");
}

static int tmp_files(const struct dirent *e) { return ut_starts_with(e->d_name, ".tmp-"); }

/* Names in dir accepted by filter, sorted bytewise; caller frees with free_names. */
static int list(const char *dir, int (*filter)(const struct dirent *), struct dirent ***names)
{
    int n = scandir(dir, names, filter, by_name);
    assert_true(n >= 0);
    return n;
}

static void free_names(struct dirent **names, int n)
{
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* A payload with an embedded newline, UTF-8, a NUL and every byte value. */
static char *binary_payload(size_t *len)
{
    static const char head[] = "{\"city\":\"K\xc3\xb6ln\",\n\"t\":\"Stra\xc3\x9f" "e \xf0\x9f\x98\x80\"}\n";
    size_t n = sizeof head - 1 + 256;
    char *p = malloc(n);
    assert_non_null(p);
    memcpy(p, head, sizeof head - 1);
    for (int i = 0; i < 256; i++) p[sizeof head - 1 + i] = (char)i;
    *len = n;
    return p;
}

static void assert_same_event(const webhook_event *got, const webhook_event *want)
{
    assert_string_equal(got->provider, want->provider);
    assert_string_equal(got->event_type, want->event_type);
    assert_string_equal(got->event_id, want->event_id);
    assert_string_equal(got->idempotency_key, want->idempotency_key);
    if (want->correlation_id) assert_string_equal(got->correlation_id, want->correlation_id);
    else assert_true(got->correlation_id == NULL || got->correlation_id[0] == '\0');
    assert_string_equal(got->headers_json, want->headers_json);
    assert_int_equal(got->received_us, want->received_us);
    assert_int_equal(got->payload_len, want->payload_len);
    assert_memory_equal(got->payload, want->payload, want->payload_len);
}

static void spool_path(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", spooldir, name); }

static void test_init_creates_dirs(void **state)
{
    (void)state;
    assert_false(is_dir(spooldir));
    assert_int_equal(spool_init(spooldir), 0);
    assert_true(is_dir(spooldir));
    char rejected[256];
    spool_path(rejected, sizeof rejected, "rejected");
    assert_true(is_dir(rejected));
    assert_int_equal(spool_init(spooldir), 0); /* idempotent */
    assert_false(spool_pending(spooldir));
    assert_int_equal(spool_count(spooldir), 0);
}

/* issue 15 #14: a spooled event (names, phones, transcripts) is readable by the service user only,
 * whatever the umask */
static void test_files_are_0600(void **state)
{
    (void)state;
    mode_t old = umask(0);
    assert_int_equal(spool_init(spooldir), 0);
    webhook_event ev = {.provider = "retell", .event_type = "call_ended", .event_id = "call_mode",
                        .idempotency_key = "retell:call_ended:call_mode", .headers_json = "{}",
                        .payload = "{}", .payload_len = 2, .received_us = 1773132233000000};
    assert_int_equal(spool_write(spooldir, &ev), 0);
    umask(old);
    struct dirent **names;
    int n = list(spooldir, event_files, &names);
    assert_int_equal(n, 1);
    char path[512];
    spool_path(path, sizeof path, names[0]->d_name);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(spooldir, &st), 0);
    assert_int_equal(st.st_mode & 0077, 0);
    free_names(names, n);
}

static void test_write_count_order_read(void **state)
{
    (void)state;
    assert_int_equal(spool_init(spooldir), 0);
    size_t plen;
    char *payload = binary_payload(&plen);
    static const char retell_body[] = "{\"event\":\"call_ended\",\"call\":{\"call_id\":\"call_9f2c\"}}";

    /* written first but received later */
    webhook_event late = {
        .provider = "calcom",
        .event_type = "BOOKING_CREATED",
        .event_id = "mT4kQ8vXb2nR7sLp9wE3Yd",
        .idempotency_key = "calcom:BOOKING_CREATED:mT4kQ8vXb2nR7sLp9wE3Yd",
        .correlation_id = "4f1c2d9e8b7a6f5e",
        .headers_json = "{\"content-type\":\"application/json\",\"user-agent\":\"node\"}",
        .payload = payload,
        .payload_len = plen,
        .received_us = 1773132233000500,
    };
    webhook_event early = {
        .provider = "retell",
        .event_type = "call_ended",
        .event_id = "call_9f2c",
        .idempotency_key = "retell:call_ended:call_9f2c",
        .correlation_id = NULL,
        .headers_json = "{}",
        .payload = retell_body,
        .payload_len = sizeof retell_body - 1,
        .received_us = 1773132233000499,
    };
    assert_int_equal(spool_write(spooldir, &late), 0);
    assert_int_equal(spool_write(spooldir, &early), 0);

    assert_true(spool_pending(spooldir));
    assert_int_equal(spool_count(spooldir), 2);

    struct dirent **names;
    int n = list(spooldir, event_files, &names);
    assert_int_equal(n, 2);
    const webhook_event *want[] = {&early, &late}; /* name order is arrival order */
    arena *a = arena_new(4096);
    for (int i = 0; i < n; i++) {
        char path[512];
        spool_path(path, sizeof path, names[i]->d_name);
        webhook_event got;
        memset(&got, 0xa5, sizeof got);
        assert_int_equal(spool_read(path, a, &got), 0);
        assert_same_event(&got, want[i]);
    }
    arena_free(a);
    free_names(names, n);

    /* nothing half-written is left behind */
    n = list(spooldir, tmp_files, &names);
    assert_int_equal(n, 0);
    free_names(names, n);
    free(payload);
}

static void test_empty_payload_round_trip(void **state)
{
    (void)state;
    assert_int_equal(spool_init(spooldir), 0);
    webhook_event ev = {
        .provider = "calcom",
        .event_type = "PING",
        .event_id = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        .idempotency_key = "calcom:PING:sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        .headers_json = "{}",
        .payload = "",
        .payload_len = 0,
        .received_us = 1,
    };
    assert_int_equal(spool_write(spooldir, &ev), 0);
    struct dirent **names;
    int n = list(spooldir, event_files, &names);
    assert_int_equal(n, 1);
    char path[512];
    spool_path(path, sizeof path, names[0]->d_name);
    arena *a = arena_new(1024);
    webhook_event got;
    assert_int_equal(spool_read(path, a, &got), 0);
    assert_same_event(&got, &ev);
    arena_free(a);
    free_names(names, n);
}

/* Write the first keep bytes of src to dst (plus extra, if any). */
static void copy_prefix(const char *src, const char *dst, size_t keep, const char *extra)
{
    size_t len = 0;
    char *data = ut_read_file(src, &len);
    assert_non_null(data);
    assert_true(keep <= len);
    size_t elen = extra ? strlen(extra) : 0;
    char *out = malloc(keep + elen + 1);
    assert_non_null(out);
    memcpy(out, data, keep);
    if (elen) memcpy(out + keep, extra, elen);
    assert_int_equal(ut_write_file(dst, out, keep + elen), 0);
    free(out);
    free(data);
}

static void test_torn_and_foreign_files(void **state)
{
    (void)state;
    assert_int_equal(spool_init(spooldir), 0);
    static const char body[] = "{\"event\":\"call_started\",\"call\":{\"call_id\":\"c1\"}}\n";
    webhook_event ev = {
        .provider = "retell",
        .event_type = "call_started",
        .event_id = "c1",
        .idempotency_key = "retell:call_started:c1",
        .correlation_id = "rid-1",
        .headers_json = "{\"a\":\"b\"}",
        .payload = body,
        .payload_len = sizeof body - 1,
        .received_us = 1773132233000000,
    };
    assert_int_equal(spool_write(spooldir, &ev), 0);
    struct dirent **names;
    int n = list(spooldir, event_files, &names);
    assert_int_equal(n, 1);
    char good[512], bad[512];
    spool_path(good, sizeof good, names[0]->d_name);
    free_names(names, n);
    snprintf(bad, sizeof bad, "%s/damaged.ev", tmpdir);

    size_t full = 0;
    free(ut_read_file(good, &full));
    assert_true(full > sizeof body);
    arena *a = arena_new(4096);
    webhook_event got;

    /* sanity: the intact file reads */
    assert_int_equal(spool_read(good, a, &got), 0);

    struct {
        const char *what;
        size_t keep;
        const char *extra;
    } cases[] = {
        {"payload cut by one byte", full - 1, NULL},
        {"payload cut in half", full - (sizeof body - 1) / 2, NULL},
        {"payload missing", full - (sizeof body - 1), NULL},
        {"header cut", 40, NULL},
        {"magic only", 20, NULL},
        {"empty file", 0, NULL},
        {"extra bytes after the payload", full, "x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        copy_prefix(good, bad, cases[i].keep, cases[i].extra);
        if (spool_read(bad, a, &got) != -1) fail_msg("%s: spool_read accepted it", cases[i].what);
    }

    static const char foreign[] = "provider: calcom\nevent_type: PING\n\n{}";
    assert_int_equal(ut_write_file(bad, foreign, sizeof foreign - 1), 0);
    assert_int_equal(spool_read(bad, a, &got), -1);

    snprintf(bad, sizeof bad, "%s/does-not-exist.ev", tmpdir);
    assert_int_equal(spool_read(bad, a, &got), -1);
    arena_free(a);
}

static void test_write_to_missing_dir_fails(void **state)
{
    (void)state;
    char missing[256];
    snprintf(missing, sizeof missing, "%s/not-initialised", tmpdir);
    webhook_event ev = {
        .provider = "calcom",
        .event_type = "PING",
        .event_id = "x",
        .idempotency_key = "calcom:PING:x",
        .headers_json = "{}",
        .payload = "{}",
        .payload_len = 2,
        .received_us = 5,
    };
    assert_int_equal(spool_write(missing, &ev), -1);
    assert_false(spool_pending(missing));
    assert_int_equal(spool_count(missing), 0);
}

static void test_only_event_files_count(void **state)
{
    (void)state;
    assert_int_equal(spool_init(spooldir), 0);
    char path[512];
    /* a leftover temporary file, the lock file and a rejected event are not waiting events */
    spool_path(path, sizeof path, ".tmp-0000000000000001-1-000000.ev");
    assert_int_equal(ut_write_file(path, "x", 1), 0);
    spool_path(path, sizeof path, ".lock");
    assert_int_equal(ut_write_file(path, "", 0), 0);
    spool_path(path, sizeof path, "rejected/0000000000000002-1-000000.ev");
    assert_int_equal(ut_write_file(path, "x", 1), 0);
    spool_path(path, sizeof path, "notes.txt");
    assert_int_equal(ut_write_file(path, "x", 1), 0);
    assert_false(spool_pending(spooldir));
    assert_int_equal(spool_count(spooldir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_creates_dirs, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_files_are_0600, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_write_count_order_read, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_empty_payload_round_trip, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_torn_and_foreign_files, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_write_to_missing_dir_fails, make_dirs, remove_dirs),
        cmocka_unit_test_setup_teardown(test_only_event_files_count, make_dirs, remove_dirs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
