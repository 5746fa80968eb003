/* test_97_reload.c: SIGHUP re-reads the config in the running pool and worker (D72).
 *
 * Edits the test stack's switchboard.conf (http.max_body, visible as the 413
 * threshold and in its message), signals the processes the way production
 * does: SIGHUP to each serve child and the worker, SIGUSR2 to multiwatch (what
 * `systemctl reload switchboard-fcgi` sends; multiwatch forwards it), and
 * checks the new value is served, that an invalid file leaves the old one
 * running, and that the original comes back. The file and the processes'
 * config are restored whatever happens (teardown): the suite shares the stack. */
#include "e2e.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BIG 4096    /* over the reloaded limit, under the default 1 MiB */
#define SMALL 1500  /* under both */
#define WAIT_S 60   /* shared machines: generous */

static char conf_path[4200], log_path[4200];
static char *original;

/* The file from byte `from` on (malloc'd), NULL if it cannot be read. Reads to
 * the end rather than trusting st_size: /proc files say 0. */
static char *slurp(const char *path, long from)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    if (from) fseek(f, from, SEEK_SET);
    buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
    fclose(f);
    char *s = strdup(buf_cstr(&b));
    buf_free(&b);
    if (!s) abort();
    return s;
}

static void write_conf(const char *extra)
{
    FILE *f = fopen(conf_path, "w");
    assert_non_null(f);
    fputs(original, f);
    fputs(extra, f);
    assert_int_equal(fclose(f), 0);
}

static pid_t pid_of(const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/run/%s.pid", e2e_var(), name);
    char *s = slurp(path, 0);
    assert_non_null(s);
    pid_t pid = (pid_t)atol(s);
    free(s);
    assert_true(pid > 1);
    return pid;
}

/* SIGHUP to every child of multiwatch (the serve processes) and to the worker. */
static void hup_children_and_worker(void)
{
    pid_t mw = pid_of("spawn-fcgi");
    int n = 0;
    DIR *d = opendir("/proc");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        char *st = slurp(path, 0);
        if (!st) continue;
        char *rp = strrchr(st, ')'); /* "pid (comm) state ppid ..." */
        long ppid = 0;
        if (rp && sscanf(rp + 1, " %*c %ld", &ppid) == 1 && ppid == mw && kill((pid_t)atol(e->d_name), SIGHUP) == 0) n++;
        free(st);
    }
    closedir(d);
    assert_true(n > 0);
    assert_int_equal(kill(pid_of("worker"), SIGHUP), 0);
}

/* What systemctl reload does for both units (ExecReload of each). */
static void reload_like_systemctl(void)
{
    assert_int_equal(kill(pid_of("spawn-fcgi"), SIGUSR2), 0);
    assert_int_equal(kill(pid_of("worker"), SIGHUP), 0);
}

static e2e_response post_body(size_t n)
{
    char *body = arena_alloc(e2e_arena(), n + 1);
    memset(body, 'x', n);
    body[n] = '\0';
    return e2e_request("POST", "/api/calcom/webhook", (const char *const[]){"Content-Type: application/json", NULL},
                       body, n);
}

/* 1 when the limit in effect answers like limit (0: the default) for 10 requests in a row */
static int limit_is(long long limit)
{
    for (int i = 0; i < 10; i++) {
        e2e_response r = post_body(BIG);
        if (limit ? r.status != 413 : r.status == 413) return 0;
        if (limit && !strstr(r.body, arena_printf(e2e_arena(), "limit of %lld bytes", limit))) return 0;
    }
    return 1;
}

static int wait_limit(long long limit)
{
    for (int i = 0; i < WAIT_S * 5; i++) {
        if (limit_is(limit)) return 1;
        usleep(200000);
    }
    return 0;
}

/* Poll the log written since `from` for every needle (requests wake idle children). */
static int wait_log(long from, const char *const *needles)
{
    for (int i = 0; i < WAIT_S * 5; i++) {
        char *s = slurp(log_path, from);
        int all = s != NULL;
        for (const char *const *n = needles; all && *n; n++) all = strstr(s, *n) != NULL;
        free(s);
        if (all) return 1;
        post_body(SMALL);
        usleep(200000);
    }
    return 0;
}

static long log_size(void)
{
    struct stat st;
    return stat(log_path, &st) == 0 ? (long)st.st_size : 0;
}

static int setup(void **state)
{
    if (e2e_setup(state) != 0) return -1;
    snprintf(conf_path, sizeof conf_path, "%s/switchboard.conf", e2e_var());
    snprintf(log_path, sizeof log_path, "%s", e2e_config()->log_file);
    original = slurp(conf_path, 0);
    return original ? 0 : -1;
}

static int teardown(void **state)
{
    /* leave the stack as found: the original file, re-read by every process */
    if (original) {
        FILE *f = fopen(conf_path, "w");
        if (f) {
            fputs(original, f);
            fclose(f);
        }
        reload_like_systemctl();
        wait_limit(0);
    }
    free(original);
    return e2e_teardown(state);
}

static void sighup_applies_a_new_limit(void **state)
{
    (void)state;
    assert_true(limit_is(0)); /* the default 1 MiB takes BIG */
    long from = log_size();
    write_conf("\n# test_97_reload\nhttp.max_body = 2048\n");
    hup_children_and_worker();
    assert_true(wait_limit(2048));
    assert_int_not_equal(post_body(SMALL).status, 413);
    assert_true(wait_log(from, (const char *const[]){"serve: configuration reloaded", "worker: configuration reloaded",
                                                     NULL}));
}

static void invalid_config_keeps_the_old_one(void **state)
{
    (void)state;
    long from = log_size();
    write_conf("\n# test_97_reload: broken on purpose\nhttp.max_body = 2048\nhttp.max_body = lots\n");
    reload_like_systemctl();
    assert_true(wait_log(from, (const char *const[]){"serve: reload failed", "worker: reload failed",
                                                     "http.max_body must be an integer", NULL}));
    assert_true(limit_is(2048)); /* still the last good config */
    /* the pool is still up: SIGUSR2 did not put multiwatch into shutdown, nobody exited */
    assert_int_equal(e2e_request("GET", "/api/health", NULL, NULL, 0).status, 200);
    assert_int_equal(kill(pid_of("worker"), 0), 0);
    assert_int_equal(kill(pid_of("spawn-fcgi"), 0), 0);
}

static void original_config_comes_back(void **state)
{
    (void)state;
    long from = log_size();
    write_conf("");
    reload_like_systemctl();
    assert_true(wait_limit(0));
    assert_true(wait_log(from, (const char *const[]){"serve: configuration reloaded", "worker: configuration reloaded",
                                                     NULL}));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sighup_applies_a_new_limit),
        cmocka_unit_test(invalid_config_keeps_the_old_one),
        cmocka_unit_test(original_config_comes_back),
    };
    return cmocka_run_group_tests_name("e2e_reload", tests, setup, teardown);
}
