/* replay.c: runs one fuzz target (linked with it) over its committed inputs,
 * as a `make test` unit binary ($(BUILD)/tests/unit_fuzz_NAME) without libFuzzer.
 *
 * Inputs: tests/fuzz/corpus/NAME/ (the seeds), tests/fuzz/regress/NAME/ (every
 * input that once crashed a target: one TAP line each) and, for the JSON
 * target, the provider fixtures. A broken property aborts the binary, which
 * tests/run.sh counts as a failure; otherwise the lines are TAP "ok". Run
 * from the repository root (as tests/run.sh does). */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/unit_util.h"
#include "fuzz.h"

#ifndef FUZZ_NAME
#error "build with -DFUZZ_NAME=\"target\""
#endif

static int tap_n;
static char current[1024]; /* the input being fed, named if the target dies on it */

static void name_current(void)
{
    fprintf(stderr, "# fuzz replay: the failing input is %s\n", current);
}
static void on_abort(int sig)
{
    (void)sig;
    name_current();
    signal(SIGABRT, SIG_DFL);
    raise(SIGABRT);
}
/* ASan/UBSan report through _exit, not abort: their death callback, when linked */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Feed every regular file of dir to the target; returns how many, -1 if dir is missing. */
static int replay_dir(const char *dir, int one_line_each)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    char *names[4096];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < sizeof names / sizeof *names;)
        if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    int fed = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(current, sizeof current, "%s/%s", dir, names[i]);
        size_t len;
        char *data = ut_read_file(current, &len);
        if (data) {
            LLVMFuzzerTestOneInput((const uint8_t *)data, len);
            free(data);
            fed++;
            if (one_line_each) printf("ok %d - %s: regression %s\n", ++tap_n, FUZZ_NAME, names[i]);
        }
        free(names[i]);
    }
    return fed;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* the lines before a crash still show */
    signal(SIGABRT, on_abort);
    if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(name_current);
    int seeds = replay_dir("tests/fuzz/corpus/" FUZZ_NAME, 0);
    if (seeds <= 0) {
        printf("not ok %d - %s: no seed corpus in tests/fuzz/corpus/%s\n", ++tap_n, FUZZ_NAME, FUZZ_NAME);
        return 1;
    }
    printf("ok %d - %s: %d seed inputs\n", ++tap_n, FUZZ_NAME, seeds);
    if (!strcmp(FUZZ_NAME, "json")) {
        int f = replay_dir(CALCOM_FIXTURES, 0) + replay_dir(RETELL_FIXTURES, 0);
        printf("ok %d - %s: %d provider fixtures\n", ++tap_n, FUZZ_NAME, f);
    }
    replay_dir("tests/fuzz/regress/" FUZZ_NAME, 1);
    printf("1..%d\n", tap_n);
    return 0;
}
