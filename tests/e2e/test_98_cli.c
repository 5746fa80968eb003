/* test_98_cli.c: the command line an operator meets (issue 20, DESIGN D146-D155).
 *
 * The command list comes from the binary itself (`switchboard --help`), so a
 * command added to app/commands.c is checked without touching this file:
 * every command's --help and `help CMD` with no config file (exit 0, usage
 * on stdout), bad input (exit 2, that command's usage on stderr, nothing on
 * stdout), config/database exit codes, the man page rendered by `man -l`
 * with every command and every config key's variable in it, `config --keys`,
 * the progress line through a pseudo-terminal (forkpty: only stderr is the
 * terminal) and its absence through a pipe and under --quiet, --format json
 * on the reporting commands (monitor: the same members as GET
 * /api/webhooks/monitor), and unknown SWITCHBOARD_* variables (warning, or
 * exit 3 for a misspelt key the file sets). */
#include "e2e.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_COMMANDS 64

typedef struct run_result {
    int rc;
    const char *out, *err; /* arena */
} run_result;

static const char *bin(void) { return arena_printf(e2e_arena(), "%s/bin/switchboard", getenv("SB_TEST_ROOT")); }
static const char *conf(void) { return arena_printf(e2e_arena(), "%s/switchboard.conf", e2e_var()); }

static const char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return "";
    buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
    fclose(f);
    const char *s = arena_strndup(e2e_arena(), buf_cstr(&b), b.len);
    buf_free(&b);
    return s;
}

/* sh -c "ENV bin ARGS" with stdout and stderr apart (env: assignments or ""; args: shell words). */
static run_result run(const char *env, const char *args)
{
    char out_path[] = "/tmp/sb_cli_outXXXXXX", err_path[] = "/tmp/sb_cli_errXXXXXX";
    int fo = mkstemp(out_path), fe = mkstemp(err_path);
    assert_true(fo >= 0 && fe >= 0);
    close(fo);
    close(fe);
    const char *cmd = arena_printf(e2e_arena(), "env %s '%s' %s >%s 2>%s </dev/null", env, bin(), args, out_path, err_path);
    int st = system(cmd);
    run_result r = {WIFEXITED(st) ? WEXITSTATUS(st) : 128, slurp(out_path), slurp(err_path)};
    unlink(out_path);
    unlink(err_path);
    return r;
}

/* The same with the test stack's config. */
static run_result run_conf(const char *args) { return run("", arena_printf(e2e_arena(), "-c '%s' %s", conf(), args)); }

/* The command names, from the overview's "commands:" block ("  name   summary"). */
static size_t command_names(const char **names)
{
    run_result r = run("SWITCHBOARD_CONFIG=/nonexistent/switchboard.conf", "--help");
    assert_int_equal(r.rc, 0);
    const char *p = strstr(r.out, "\ncommands:\n");
    assert_non_null(p);
    p += strlen("\ncommands:\n");
    size_t n = 0;
    while (!strncmp(p, "  ", 2) && p[2] != ' ' && n < MAX_COMMANDS) {
        size_t len = strcspn(p + 2, " \n");
        names[n++] = arena_strndup(e2e_arena(), p + 2, len);
        p = strchr(p, '\n') + 1;
    }
    assert_true(n >= 19); /* serve ... completion */
    return n;
}

static void help_needs_no_config(void **state)
{
    (void)state;
    const char *names[MAX_COMMANDS];
    size_t n = command_names(names);
    const char *noconf = "SWITCHBOARD_CONFIG=/nonexistent/switchboard.conf";
    for (size_t i = 0; i < n; i++) {
        const char *want = arena_printf(e2e_arena(), "usage: switchboard [-c FILE] %s", names[i]);
        run_result a = run(noconf, arena_printf(e2e_arena(), "%s --help", names[i]));
        if (a.rc != 0 || strncmp(a.out, want, strlen(want)) != 0 || *a.err)
            fail_msg("%s --help: exit %d\nstdout: %.300s\nstderr: %.300s", names[i], a.rc, a.out, a.err);
        assert_non_null(strstr(a.out, "\nexample:\n  "));
        assert_non_null(strstr(a.out, "\nexit codes:\n"));
        run_result b = run(noconf, arena_printf(e2e_arena(), "help %s", names[i]));
        assert_int_equal(b.rc, 0);
        assert_string_equal(a.out, b.out); /* one text, two ways to ask */
        /* -c naming a missing file does not matter either */
        run_result c = run("", arena_printf(e2e_arena(), "-c /nonexistent.conf %s -h", names[i]));
        assert_int_equal(c.rc, 0);
    }
    /* options are described with their defaults */
    run_result s = run(noconf, "sync-calls --help");
    assert_non_null(strstr(s.out, "--page-size N"));
    assert_non_null(strstr(s.out, "(default: 50)"));
    run_result v = run(noconf, "--version");
    assert_int_equal(v.rc, 0);
    assert_non_null(strstr(v.out, "switchboard "));
}

/* exit 2, the command's usage on stderr, the reason too, nothing on stdout */
static void expect_usage(const char *cmd, const char *args, const char *reason)
{
    run_result r = run_conf(arena_printf(e2e_arena(), "%s %s", cmd, args));
    const char *want = arena_printf(e2e_arena(), "usage: switchboard [-c FILE] %s", cmd);
    if (r.rc != 2 || !strstr(r.err, want) || (reason && !strstr(r.err, reason)) || *r.out)
        fail_msg("%s %s: exit %d\nstdout: %.300s\nstderr: %.500s", cmd, args, r.rc, r.out, r.err);
}

static void bad_input_exits_2_with_usage(void **state)
{
    (void)state;
    const char *names[MAX_COMMANDS];
    size_t n = command_names(names);
    for (size_t i = 0; i < n; i++) expect_usage(names[i], "--no-such-option", "unknown option --no-such-option");
    expect_usage("prune", "--older-than", "--older-than needs a value");
    expect_usage("sync-calls", "--since", "needs a value");
    expect_usage("report", "--format xml", "--format must be one of table|json|csv");
    expect_usage("shadow-diff", "--from x --entity nope", "--entity must be one of");
    expect_usage("stats", "extra-word", "unexpected argument");
    /* checks the handler makes after parsing: its reason, then the usage */
    expect_usage("replay", "--since yesterday", "cannot read yesterday as a time");
    expect_usage("prune", "--older-than 12h", "at least 1d");
    expect_usage("migrate", "sideways", "only \"status\"");
    /* without a config file the same line is refused before the config is read */
    run_result r = run("SWITCHBOARD_CONFIG=/nonexistent.conf", "detect-conversions --hours");
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "usage: switchboard [-c FILE] detect-conversions"));
    r = run("", "no-such-command");
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "unknown command"));
    assert_non_null(strstr(r.err, "usage: switchboard [-c FILE] COMMAND"));
    r = run("", "");
    assert_int_equal(r.rc, 2);
}

static void config_and_database_exit_codes(void **state)
{
    (void)state;
    run_result r = run("", "-c /nonexistent/switchboard.conf stats");
    assert_int_equal(r.rc, 3);
    assert_non_null(strstr(r.err, "configuration error"));
    /* a database that refuses: exit 4 (the user exists, the password is wrong) */
    r = run("SWITCHBOARD_DB_PASSWORD=wrong-password-for-sure", arena_printf(e2e_arena(), "-c '%s' stats", conf()));
    if (r.rc != 4) fail_msg("stats with a wrong password: exit %d\n%s%s", r.rc, r.out, r.err);
}

static void man_page_renders_every_command_and_key(void **state)
{
    (void)state;
    char path[] = "/tmp/sb_cli_manXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    e2e_sh(arena_printf(e2e_arena(), "SWITCHBOARD_CONFIG=/nonexistent '%s' man >%s", bin(), path));
    /* man -l renders it (groff warnings fail: -ww to stderr, checked empty) */
    run_result w = {0};
    const char *rendered_cmd = arena_printf(e2e_arena(), "MANWIDTH=200 MANROFFOPT=-ww man -l %s", path);
    FILE *p = popen(arena_printf(e2e_arena(), "%s 2>&1", rendered_cmd), "r");
    assert_non_null(p);
    buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) buf_append(&b, chunk, n);
    w.rc = pclose(p);
    const char *man = arena_strndup(e2e_arena(), buf_cstr(&b), b.len);
    buf_free(&b);
    unlink(path);
    assert_int_equal(w.rc, 0);
    assert_null(strstr(man, "warning"));
    assert_non_null(strstr(man, "SWITCHBOARD(1)"));
    static const char *const SECTIONS[] = {"\nCOMMANDS\n", "\nJSON OUTPUT\n", "\nCONFIGURATION\n", "\nFILES\n",
                                           "\nEXIT STATUS\n", "\nEXAMPLES\n"};
    for (size_t i = 0; i < sizeof SECTIONS / sizeof *SECTIONS; i++)
        if (!strstr(man, SECTIONS[i])) fail_msg("man page without section %s", SECTIONS[i] + 1);
    const char *names[MAX_COMMANDS];
    size_t nc = command_names(names);
    for (size_t i = 0; i < nc; i++) /* each command is a subsection heading: three spaces, the name, a line end */
        if (!strstr(man, arena_printf(e2e_arena(), "\n   %s\n", names[i])))
            fail_msg("man page has no subsection for command %s", names[i]);
    /* every key of config --keys (which needs no config) is in it, with its variable */
    run_result k = run("SWITCHBOARD_CONFIG=/nonexistent", "config --keys");
    assert_int_equal(k.rc, 0);
    size_t keys = 0;
    for (const char *line = strchr(k.out, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        const char *tab = strchr(line + 1, '\t');
        assert_non_null(tab);
        const char *key = arena_strndup(e2e_arena(), line + 1, (size_t)(tab - line - 1));
        const char *var = arena_strndup(e2e_arena(), tab + 1, strcspn(tab + 1, "\t"));
        if (!strstr(man, key) || !strstr(man, var)) fail_msg("man page lacks %s (%s)", key, var);
        keys++;
    }
    assert_true(keys >= 40);
    assert_non_null(strstr(k.out, "db.read_host\tSWITCHBOARD_DB_READ_HOST\t(empty)\t"));
    assert_non_null(strstr(k.out, "db.name\tSWITCHBOARD_DB_NAME\t(required)\t"));
}

/* Run the binary with stderr on a pseudo-terminal (forkpty) and stdout into a file; what the
 * terminal saw into *tty, stdout into *out. Returns the exit code. */
static int run_on_tty(const char *args, const char **tty, const char **out)
{
    char out_path[] = "/tmp/sb_cli_ttyXXXXXX";
    int fo = mkstemp(out_path);
    assert_true(fo >= 0);
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fo, STDOUT_FILENO);
        execl("/bin/sh", "sh", "-c", arena_printf(e2e_arena(), "exec '%s' -c '%s' %s", bin(), conf(), args), (char *)NULL);
        _exit(127);
    }
    close(fo);
    buf b = BUF_INIT;
    char chunk[4096];
    for (;;) {
        struct pollfd pf = {master, POLLIN, 0};
        if (poll(&pf, 1, 120000) <= 0) break;
        ssize_t n = read(master, chunk, sizeof chunk);
        if (n <= 0) break; /* EIO once the child is gone */
        buf_append(&b, chunk, (size_t)n);
    }
    close(master);
    int st;
    waitpid(pid, &st, 0);
    *tty = arena_strndup(e2e_arena(), buf_cstr(&b), b.len);
    buf_free(&b);
    *out = slurp(out_path);
    unlink(out_path);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void progress_on_a_terminal_only(void **state)
{
    (void)state;
    const char *tty, *out;
    /* stats --rebuild: a bar of days, redrawn in place (\r, erase line), then its final line */
    int rc = run_on_tty("stats --rebuild --days 30", &tty, &out);
    if (rc != 0 || !strstr(tty, "\r\033[Kstats --rebuild ") || !strstr(tty, "/s") || !strstr(tty, "stats --rebuild: "))
        fail_msg("stats --rebuild on a terminal: exit %d\nterminal: %s\nstdout: %s", rc, tty, out);
    assert_non_null(strstr(out, "recomputed in")); /* the summary, on stdout as always */
    assert_null(strstr(out, "\r"));
    /* detect-conversions (report only): a counter of its steps */
    rc = run_on_tty("detect-conversions --hours 2", &tty, &out);
    if (rc != 0 || !strstr(tty, "\r\033[Kdetect-conversions [") || !strstr(tty, "steps  ") || !strstr(tty, "ETA ") ||
        !strstr(tty, "detect-conversions: "))
        fail_msg("detect-conversions on a terminal: exit %d\nterminal: %s\nstdout: %s", rc, tty, out);
    /* --quiet on a terminal: no progress at all, the summary stays */
    rc = run_on_tty("stats --rebuild --days 30 --quiet", &tty, &out);
    assert_int_equal(rc, 0);
    if (strstr(tty, "stats --rebuild")) fail_msg("--quiet still drew: %s", tty);
    assert_non_null(strstr(out, "recomputed in"));
    /* through a pipe: nothing on stderr, the summary on stdout */
    run_result r = run_conf("stats --rebuild --days 30");
    assert_int_equal(r.rc, 0);
    if (*r.err) fail_msg("stats --rebuild through a pipe wrote to stderr: %s", r.err);
    assert_non_null(strstr(r.out, "recomputed in"));
    r = run_conf("detect-conversions --hours 2");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
}

static json_object *json_of(const char *args)
{
    run_result r = run_conf(args);
    char perr[128];
    json_object *j = json_parse_strict(r.out, strlen(r.out), perr, sizeof perr);
    if (r.rc > 1 || !j || !json_object_is_type(j, json_type_object))
        fail_msg("%s: exit %d, not one JSON object (%s)\nstdout: %.500s\nstderr: %.500s", args, r.rc, perr, r.out, r.err);
    return j;
}

static void has_members(json_object *j, const char *what, const char *const *members)
{
    for (; *members; members++)
        if (!json_object_object_get_ex(j, *members, NULL)) fail_msg("%s: no member \"%s\" in %s", what, *members, json_object_to_json_string(j));
}

static void json_output_has_the_documented_shape(void **state)
{
    (void)state;
    json_object *j = json_of("stats --format json");
    has_members(j, "stats", (const char *const[]){"marked", "recomputed", "backlog", "seconds", NULL});
    json_object_put(j);
    j = json_of("detect-conversions --hours 2 --format json");
    has_members(j, "detect-conversions",
                (const char *const[]){"scope", "since", "until", "company_id", "candidates", "linked", "unlinked", "applied", "run", NULL});
    json_object_put(j);
    j = json_of("replay --since 1h --status no-such-status --dry-run --format json");
    has_members(j, "replay", (const char *const[]){"dry_run", "replayed", "skipped", "events", NULL});
    json_object_put(j);
    j = json_of("prune --older-than 3650d --format json");
    has_members(j, "prune", (const char *const[]){"deleted", "older_than", NULL});
    assert_string_equal(json_get_str(j, "older_than"), "3650d");
    json_object_put(j);
    j = json_of("report --days 1 --format json");
    has_members(j, "report", (const char *const[]){"window", "calls", "agents", NULL});
    json_object_put(j);
    /* monitor: the members GET /api/webhooks/monitor answers with, from the database */
    j = json_of("monitor --format json");
    const char *auth = arena_printf(e2e_arena(), "Authorization: Bearer %s", e2e_config()->monitor_token);
    e2e_response http = e2e_request("GET", "/api/webhooks/monitor", (const char *const[]){auth, NULL}, NULL, 0);
    assert_int_equal(http.status, 200);
    assert_non_null(http.json);
    json_object_object_foreach(http.json, key, val) {
        (void)val;
        if (!json_object_object_get_ex(j, key, NULL)) fail_msg("monitor --format json lacks \"%s\"", key);
    }
    json_object_put(j);
    run_result t = run_conf("monitor");
    assert_true(t.rc == 0 || t.rc == 1); /* 1: degraded, something to look at */
    assert_non_null(strstr(t.out, "status "));
    assert_non_null(strstr(t.out, "queue "));
}

/* The completion script in bash: what <TAB> offers after the given words (the last is the one typed). */
static const char *complete(const char *words)
{
    /* words go inside bash's own parentheses: "" is an empty word there */
    const char *script = arena_printf(e2e_arena(),
                                      "bash -c 'source <(\"%s\" completion) && COMP_WORDS=(switchboard %s) && "
                                      "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && _switchboard; echo \"${COMPREPLY[*]}\"'",
                                      bin(), words);
    FILE *p = popen(script, "r");
    assert_non_null(p);
    char line[4096] = "";
    if (!fgets(line, sizeof line, p)) line[0] = '\0';
    assert_int_equal(pclose(p), 0);
    line[strcspn(line, "\n")] = '\0';
    return arena_strdup(e2e_arena(), line);
}

static void bash_completion_offers_commands_and_options(void **state)
{
    (void)state;
    assert_string_equal(complete("de"), "detect-conversions");
    assert_string_equal(complete("-c /etc/x.conf sy"), "sync-calls");
    assert_string_equal(complete("prune --"), "--older-than --batch --format --quiet --help");
    assert_string_equal(complete("report --format \"\""), "table json csv");
    assert_string_equal(complete("help shadow-"), "shadow-init shadow-diff");
}

static void unknown_environment_variables(void **state)
{
    (void)state;
    /* meant for another tool: a warning, the command runs */
    run_result r = run("SWITCHBOARD_THEME=dark", arena_printf(e2e_arena(), "-c '%s' config", conf()));
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.err, "warning"));
    assert_non_null(strstr(r.err, "SWITCHBOARD_THEME"));
    assert_non_null(strstr(r.out, "db.name = "));
    /* a misspelling of a key the file sets: the file's value would win unseen, so it stops (exit 3) */
    r = run("SWITCHBOARD_DB_NAEM=other", arena_printf(e2e_arena(), "-c '%s' config", conf()));
    assert_int_equal(r.rc, 3);
    assert_non_null(strstr(r.err, "SWITCHBOARD_DB_NAME"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_needs_no_config),
        cmocka_unit_test(bad_input_exits_2_with_usage),
        cmocka_unit_test(config_and_database_exit_codes),
        cmocka_unit_test(man_page_renders_every_command_and_key),
        cmocka_unit_test(progress_on_a_terminal_only),
        cmocka_unit_test(json_output_has_the_documented_shape),
        cmocka_unit_test(bash_completion_offers_commands_and_options),
        cmocka_unit_test(unknown_environment_variables),
    };
    return cmocka_run_group_tests_name("e2e_cli", tests, e2e_setup, e2e_teardown);
}
