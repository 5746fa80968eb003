/* test_cli.c: lib/cli.c's argument checks and argv surgery on a small table,
 * the roff escaping of the man page, the completion's words, and
 * lib/progress.c's line (bar, counter, ETA) and its silence off a terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"
#include "unit_util.h"

static int noop(struct sb_app *app, int argc, char **argv)
{
    (void)app, (void)argc, (void)argv;
    return 0;
}

static const cli_opt OPTS[] = {
    {"--since", "T", "1d", "from T", 0},
    {"--dry-run", NULL, NULL, "change nothing", 0},
    {"--format", "table|json", "table", "output", 0},
    {"--keys", NULL, NULL, "no config", CLI_OPT_NO_CONFIG},
    {NULL, NULL, NULL, NULL, 0},
};
static const cli_cmd CMDS[] = {
    {"sync-it", noop, "[--since T]", "sync -the- things", "A .dot at a line start\n.and a \\backslash.", OPTS, 1,
     "{\"n\":N}", "switchboard sync-it --since 2d", 0},
    {"help", noop, "[COMMAND]", "help", NULL, NULL, 1, NULL, "switchboard help", CLI_NO_CONFIG | CLI_ARGS_ARE_COMMANDS},
};

static int check(char **argv, int argc, char *err)
{
    return cli_check(&CMDS[0], argc, argv, err, 256);
}

static void test_check(void **state)
{
    (void)state;
    char err[256];
    char *ok[] = {"--since", "2d", "--dry-run", "--format", "json", "word", NULL};
    assert_int_equal(check(ok, 6, err), 0);
    char *neg[] = {"--since", "-5", NULL}; /* a value that starts with '-' is still the value */
    assert_int_equal(check(neg, 2, err), 0);
    char *unknown[] = {"--sinse", "2d", NULL};
    assert_int_equal(check(unknown, 2, err), -1);
    assert_true(ut_contains(err, "unknown option --sinse"));
    char *missing[] = {"--dry-run", "--since", NULL};
    assert_int_equal(check(missing, 2, err), -1);
    assert_true(ut_contains(err, "--since needs a value"));
    char *choice[] = {"--format", "xml", NULL};
    assert_int_equal(check(choice, 2, err), -1);
    assert_true(ut_contains(err, "table|json"));
    char *prefix[] = {"--format", "tab", NULL}; /* a prefix of a choice is not the choice */
    assert_int_equal(check(prefix, 2, err), -1);
    char *two[] = {"a", "b", NULL};
    assert_int_equal(check(two, 2, err), -1);
    assert_true(ut_contains(err, "unexpected argument \"b\""));
    char *dashdash[] = {"--", "--not-an-option", NULL};
    assert_int_equal(check(dashdash, 2, err), 0);
    char *help[] = {"--bogus", "--help", NULL};
    assert_true(cli_wants_help(2, help));
    char *after[] = {"--", "--help", NULL};
    assert_false(cli_wants_help(2, after));
    char *keys[] = {"--since", "--keys", "--keys", NULL}; /* "--keys" as --since's value is no flag */
    assert_true(cli_gives_flag(&CMDS[0], 3, keys, CLI_OPT_NO_CONFIG));
    assert_false(cli_gives_flag(&CMDS[0], 2, keys, CLI_OPT_NO_CONFIG));
}

static void test_take(void **state)
{
    (void)state;
    char *argv[] = {"--since", "--format", "--format", "json", "x", "--dry-run", NULL};
    int argc = 6;
    /* "--format" as the value of --since stays where it is */
    assert_string_equal(cli_take(&CMDS[0], &argc, argv, "--format"), "json");
    assert_int_equal(argc, 4);
    assert_string_equal(argv[0], "--since");
    assert_string_equal(argv[1], "--format");
    assert_string_equal(argv[2], "x");
    assert_string_equal(argv[3], "--dry-run");
    assert_null(argv[4]);
    assert_string_equal(cli_take(&CMDS[0], &argc, argv, "--dry-run"), "");
    assert_int_equal(argc, 3);
    assert_null(cli_take(&CMDS[0], &argc, argv, "--dry-run"));
    assert_int_equal(argc, 3);
}

/* What fn wrote to a temporary FILE, malloc'd. */
static char *capture(void (*fn)(FILE *))
{
    FILE *f = tmpfile();
    assert_non_null(f);
    fn(f);
    long n = ftell(f);
    rewind(f);
    char *s = calloc((size_t)n + 1, 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return s;
}

static void man_of_table(FILE *f) { cli_man(CMDS, 2, "9.9", f); }
static void completion_of_table(FILE *f) { cli_bash_completion(CMDS, 2, f); }
static void help_of_first(FILE *f) { cli_help(&CMDS[0], f); }

static void test_man_escapes(void **state)
{
    (void)state;
    char *m = capture(man_of_table);
    assert_true(ut_contains(m, ".SS sync\\-it\n"));
    assert_true(ut_contains(m, "sync \\-the\\- things"));
    assert_true(ut_contains(m, "\n\\&.and a \\ebackslash."));   /* no request at a line start, backslash escaped */
    assert_true(ut_contains(m, ".B \\-\\-format \"table|json\"")); /* one argument to .B */
    assert_true(ut_contains(m, "(default: 1d)"));
    assert_true(ut_contains(m, ".SH EXIT STATUS"));
    assert_true(ut_contains(m, "SWITCHBOARD_DB_PASSWORD"));       /* the config table is in it */
    free(m);
    char *c = capture(completion_of_table);
    assert_true(ut_contains(c, "local commands='sync-it help'"));
    assert_true(ut_contains(c, "--format) COMPREPLY=($(compgen -W 'table json'"));
    assert_true(ut_contains(c, "opts='--since --dry-run --format --keys --help'"));
    assert_true(ut_contains(c, "opts=\"$commands\""));
    free(c);
    char *h = capture(help_of_first);
    assert_true(ut_contains(h, "usage: switchboard [-c FILE] sync-it [--since T]\n"));
    assert_true(ut_contains(h, "--since T"));
    assert_true(ut_contains(h, "from T (default: 1d)"));
    assert_true(ut_contains(h, "\nexample:\n  switchboard sync-it --since 2d\n"));
    free(h);
}

static void test_progress_line(void **state)
{
    (void)state;
    char line[256];
    progress_format("replay", "events", 25, 100, 5.0, line, sizeof line);
    assert_string_equal(line, "replay [#####...............] 25/100 events  25%  5.0/s  ETA 0:15");
    progress_format("sync-calls", "calls", 120, 0, 4.0, line, sizeof line);
    assert_string_equal(line, "sync-calls  120 calls  30.0/s");
    progress_format("stats", "days", 0, 10, 0.0, line, sizeof line);
    assert_true(ut_contains(line, "ETA --:--"));
    progress_format("x", "rows", 1, 10000, 1.0, line, sizeof line);
    assert_true(ut_contains(line, "ETA 2:46:39"));
    /* not a terminal: nothing is written, whatever is counted */
    FILE *f = tmpfile();
    progress p;
    progress_start(&p, f, "replay", "events", 10, 0);
    for (int i = 0; i <= 10; i++) progress_set(&p, i);
    progress_end(&p);
    assert_int_equal(ftell(f), 0);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_take),
        cmocka_unit_test(test_man_escapes),
        cmocka_unit_test(test_progress_line),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
