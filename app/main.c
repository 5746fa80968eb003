/* main.c: `switchboard` command line: one binary, one subcommand each.
 *
 *   switchboard [-c FILE] COMMAND [OPTIONS]     the commands are the rows of app/commands.c
 *   switchboard help [COMMAND] | COMMAND --help | --help | version | man | completion
 *
 * main checks the words after COMMAND against the row's options (unknown
 * option, missing value: exit 2 with that command's usage on stderr) before
 * any config is read, so help works on a machine without one. The config
 * file is -c FILE, else $SWITCHBOARD_CONFIG, else
 * /etc/switchboard/switchboard.conf. serve and worker re-read it on SIGHUP
 * (app_reload_pending in signals.c, D72). Exit codes: lib/cli.h. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daily_stats.h"
#include "http_client.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "sig.h"

extern char **environ;

int cmd_sign(sb_app *app, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "switchboard: sign: give the provider (calcom or retell) and a file\n");
        return CLI_EXIT_USAGE;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "switchboard: cannot open %s\n", argv[1]);
        return 1;
    }
    buf b = BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
    fclose(f);
    int rc = 0;
    if (strcmp(argv[0], "calcom") == 0 && *app->cfg.calcom_webhook_secret) {
        char out[65];
        sig_calcom_sign(app->cfg.calcom_webhook_secret, buf_cstr(&b), b.len, out);
        printf("%s\n", out);
    } else if (strcmp(argv[0], "retell") == 0 && *app->cfg.retell_api_key) {
        char out[100];
        sig_retell_sign(app->cfg.retell_api_key, buf_cstr(&b), b.len, http_now_us() / 1000, out);
        printf("%s\n", out);
    } else {
        fprintf(stderr, "switchboard: unknown provider %s, or its secret is not configured\n", argv[0]);
        rc = 1;
    }
    buf_free(&b);
    return rc;
}

/* A bad command line: the reason, the command's usage (or the overview), exit 2. */
static int bad_usage(const cli_cmd *cmd, const char *why)
{
    if (why) fprintf(stderr, "switchboard%s%s: %s\n", cmd ? " " : "", cmd ? cmd->name : "", why);
    if (!cmd) {
        cli_overview(COMMANDS, NCOMMANDS, stderr);
        return CLI_EXIT_USAGE;
    }
    cli_usage(cmd, stderr);
    fprintf(stderr, "Try 'switchboard help %s' for its options.\n", cmd->name);
    return CLI_EXIT_USAGE;
}

/* Run cmd once the config is loaded: logging, shadow refusal, DB, then its handler. */
static int run_configured(const cli_cmd *cmd, sb_app *app, int argc, char **argv)
{
    if (cmd->flags & CLI_LOGS) {
        if (log_open(app->cfg.log_file) != 0)
            fprintf(stderr, "switchboard: cannot open log.file %s, logging to stderr\n", app->cfg.log_file);
        metrics_open(app->cfg.metrics_file);
    }
    /* shadow mode (DESIGN D80): nothing this process does may reach Cal.com or Retell */
    if (app->cfg.shadow) {
        http_client_refuse_all();
        if (cmd->flags & CLI_NO_SHADOW) {
            fprintf(stderr, "switchboard: %s is refused in shadow mode (shadow = 1)\n", cmd->name);
            return CLI_EXIT_CONFIG;
        }
    }
    app->db = db_new(&app->cfg);
    db_reads_init(&app->reads, &app->cfg, app->db);
    app_pipeline_init(app);
    daily_stats_set_config(&app->cfg);
    /* batch commands may run long statements; requests keep the short db.rw_timeout */
    if (cmd->flags & CLI_LONG_SQL) db_set_rw_timeout(app->db, 3600);
    int rc = cmd->run(app, argc, argv);
    if (rc == CLI_EXIT_USAGE) bad_usage(cmd, NULL); /* the handler said why; the usage follows */
    if (app->db) daily_stats_flush(app->db); /* what a command's writes changed, once its transactions are over */
    db_reads_free(&app->reads);
    db_free(app->db);
    return rc;
}

int main(int argc, char **argv)
{
    const char *config_path = getenv("SWITCHBOARD_CONFIG");
    int i = 1;
    if (i < argc && !strcmp(argv[i], "-c")) {
        if (i + 1 >= argc) return bad_usage(NULL, "-c needs a config file");
        config_path = argv[i + 1];
        i += 2;
    }
    if (i >= argc) return bad_usage(NULL, "give a command");
    const char *name = argv[i++];
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) name = "help";
    if (!strcmp(name, "--version")) name = "version";
    const cli_cmd *cmd = cli_find(COMMANDS, NCOMMANDS, name);
    if (!cmd) {
        fprintf(stderr, "switchboard: unknown command \"%s\"\n", name);
        return bad_usage(NULL, NULL);
    }
    int cargc = argc - i;
    char **cargv = argv + i; /* argv[argc] is NULL: cli_take keeps it so */
    if (cli_wants_help(cargc, cargv)) {
        cli_help(cmd, stdout);
        return CLI_EXIT_OK;
    }
    char err[1024];
    if (cli_check(cmd, cargc, cargv, err, sizeof err) != 0) return bad_usage(cmd, err);

    sb_app app;
    memset(&app, 0, sizeof app);
    app.quiet = cli_take(cmd, &cargc, cargv, "--quiet") != NULL;
    app.format = cli_take(cmd, &cargc, cargv, "--format");
    if (!app.format) app.format = "table";
    if ((cmd->flags & CLI_NO_CONFIG) || cli_gives_flag(cmd, cargc, cargv, CLI_OPT_NO_CONFIG))
        return cmd->run(&app, cargc, cargv);

    app.config_path = config_path ? config_path : "/etc/switchboard/switchboard.conf";
    if (sb_config_load(&app.cfg, app.config_path, environ, err, sizeof err) != 0) {
        fprintf(stderr, "switchboard: configuration error: %s\n", err);
        return CLI_EXIT_CONFIG;
    }
    int rc = run_configured(cmd, &app, cargc, cargv);
    sb_config_free(&app.cfg);
    log_close();
    return rc;
}
