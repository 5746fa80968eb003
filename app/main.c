/* main.c: `switchboard` command line: one binary, one subcommand each.
 *
 *   switchboard [-c FILE] serve             FastCGI responder (spawn-fcgi runs it)
 *   switchboard [-c FILE] worker            background loop (spool drain, pipeline)
 *   switchboard [-c FILE] migrate [status]  apply / list sql/migrations
 *   switchboard [-c FILE] replay ID... | replay --since T --until T [filters] [--dry-run]
 *   switchboard [-c FILE] prune --older-than 90d
 *   switchboard [-c FILE] sync-calls [--since 1d] [--until T] [--limit N] [--dry-run]
 *   switchboard [-c FILE] detect-conversions [--hours N|--since T --until T] [--company ID] [--auto-link] [--dry-run] | --undo RUN
 *   switchboard [-c FILE] simulate --history 90d | --live [--rate N/s] [--duration S] [--seed S] [--company ID] [--url U] [--dry-run]
 *   switchboard [-c FILE] shadow-init --from MAIN_DB | shadow-diff --from MAIN_DB [--since 1d] [--format table|json]
 *   switchboard [-c FILE] config            print the effective config, secrets masked
 *   switchboard [-c FILE] sign calcom|retell FILE   print the signature header value
 *   switchboard version
 *
 * The config file is -c FILE, else $SWITCHBOARD_CONFIG, else
 * /etc/switchboard/switchboard.conf. serve and worker re-read it on SIGHUP
 * (app_reload_pending, D72). */
#include "app.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/daily_stats.h"
#include "../lib/http_client.h"
#include "../lib/log.h"
#include "../lib/metrics.h"
#include "../lib/migrate.h"
#include "../lib/sig.h"
#include "../lib/spool.h"

extern char **environ;

static int usage(FILE *out)
{
    fprintf(out, "usage: switchboard [-c FILE] serve | worker | migrate [status] | config |\n"
                 "                   replay ID... | replay --since T --until T [--provider P] [--status S]\n"
                 "                          [--event-type E] [--limit N] [--dry-run] [--by NAME] |\n"
                 "                   prune --older-than 90d [--batch N] |\n"
                 "                   sync-calls [--since 1d] [--until T] [--limit N] [--page-size N] [--dry-run] |\n"
                 "                   detect-conversions [--hours N | --since T [--until T]] [--company ID]\n"
                 "                          [--auto-link] [--dry-run] | --undo RUN |\n"
                 "                   report [--company ID] [--days 30] [--format table|json|csv] |\n"
                 "                   stats [--rebuild] [--company ID] [--days 400] |\n"
                 "                   simulate --history 90d | --live [--rate N/s] [--duration S]\n"
                 "                          [--seed S] [--company ID] [--url BASE] [--dry-run] |\n"
                 "                   shadow-init --from MAIN_DB |\n"
                 "                   shadow-diff --from MAIN_DB [--since 1d] [--entity E] [--format table|json] [--limit N] |\n"
                 "                   sign calcom|retell FILE | version\n");
    return out == stderr ? 2 : 0;
}

static volatile sig_atomic_t reload_requested, grace_seconds = 15;

static void on_reload(int sig)
{
    (void)sig;
    reload_requested = 1;
}

static void on_deadline(int sig)
{
    (void)sig;
    static const char msg[] = "switchboard: shutdown.grace_seconds passed with work in flight, exiting\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(1);
}

void app_stop_deadline(void) { alarm((unsigned)grace_seconds); }

void app_signals(const sb_app *app, void (*on_stop)(int))
{
    grace_seconds = (sig_atomic_t)app->cfg.shutdown_grace_seconds;
    daily_stats_set_config(&app->cfg);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop; /* no SA_RESTART: a stop interrupts a worker's sleep */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_deadline;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_reload;
    sa.sa_flags = SA_RESTART; /* libfcgi's reads and accept carry on; the flag is read between requests */
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
}

void app_reload_pending(sb_app *app, const char *who)
{
    if (!reload_requested) return;
    reload_requested = 0;
    sb_config next;
    char err[1024];
    if (sb_config_load(&next, app->config_path, environ, err, sizeof err) != 0) {
        log_msg("error", "%s: reload failed, keeping the configuration in effect: %s", who, err);
        return;
    }
    if (sb_config_changed(&app->cfg, &next, "spool.dir") && spool_init(next.spool_dir) != 0) {
        log_msg("error", "%s: reload failed, keeping the configuration in effect: cannot create spool.dir %s", who,
                next.spool_dir);
        sb_config_free(&next);
        return;
    }
    int db_changed = sb_config_changed(&app->cfg, &next, "db.");
    if (sb_config_changed(&app->cfg, &next, "metrics.file"))
        log_msg("warn", "%s: metrics.file takes effect at the next restart", who);
    /* app->db and app->pipe point at app->cfg itself: they see the new values at once */
    sb_config old = app->cfg;
    app->cfg = next;
    sb_config_free(&old);
    grace_seconds = (sig_atomic_t)app->cfg.shutdown_grace_seconds;
    daily_stats_set_config(&app->cfg);
    if (db_changed) db_disconnect(app->db); /* the next statement connects with the new db.* keys */
    if (log_open(app->cfg.log_file) != 0) /* the old file stays open */
        log_msg("error", "%s: cannot open log.file %s, still logging to the previous file", who, app->cfg.log_file);
    log_msg("info", "%s: configuration reloaded from %s%s", who, app->config_path,
            db_changed ? ", database connection renewed" : "");
}

static int cmd_sign(sb_app *app, int argc, char **argv)
{
    if (argc < 2) return usage(stderr);
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

int main(int argc, char **argv)
{
    const char *config_path = getenv("SWITCHBOARD_CONFIG");
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "-c") == 0) {
        config_path = argv[i + 1];
        i += 2;
    }
    if (i >= argc) return usage(stderr);
    const char *cmd = argv[i++];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) return usage(stdout);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("switchboard %s\n", SWITCHBOARD_VERSION);
        return 0;
    }
    if (!config_path) config_path = "/etc/switchboard/switchboard.conf";

    sb_app app;
    app.config_path = config_path;
    char err[1024];
    if (sb_config_load(&app.cfg, config_path, environ, err, sizeof err) != 0) {
        fprintf(stderr, "switchboard: configuration error: %s\n", err);
        return 1;
    }
    /* the processes and the commands that change data log to the file; config/sign/migrate stay on the terminal */
    if (!strcmp(cmd, "serve") || !strcmp(cmd, "worker") || !strcmp(cmd, "sync-calls") || !strcmp(cmd, "replay") || !strcmp(cmd, "detect-conversions") ||
        !strcmp(cmd, "prune") || !strcmp(cmd, "stats")) {
        if (log_open(app.cfg.log_file) != 0)
            fprintf(stderr, "switchboard: cannot open log.file %s, logging to stderr\n", app.cfg.log_file);
        metrics_open(app.cfg.metrics_file);
    }
    /* shadow mode (DESIGN D80): nothing this process does may reach Cal.com or Retell */
    if (app.cfg.shadow) {
        http_client_refuse_all();
        if (!strcmp(cmd, "sync-calls") || !strcmp(cmd, "simulate")) {
            fprintf(stderr, "switchboard: %s is refused in shadow mode (shadow = 1)\n", cmd);
            sb_config_free(&app.cfg);
            return 1;
        }
    }
    app.db = db_new(&app.cfg);
    db_reads_init(&app.reads, &app.cfg, app.db);
    app_pipeline_init(&app);
    daily_stats_set_config(&app.cfg);
    int rc;
    /* batch commands may run long statements; requests keep the short db.rw_timeout */
    if (!strcmp(cmd, "detect-conversions") || !strcmp(cmd, "report") || !strcmp(cmd, "prune") || !strcmp(cmd, "migrate") ||
        !strcmp(cmd, "stats") || !strcmp(cmd, "shadow-init") || !strcmp(cmd, "shadow-diff"))
        db_set_rw_timeout(app.db, 3600);
    if (!strcmp(cmd, "serve")) {
        if (spool_init(app.cfg.spool_dir) != 0) {
            fprintf(stderr, "switchboard: cannot create spool.dir %s\n", app.cfg.spool_dir);
            rc = 1;
        } else {
            rc = fcgi_serve(&app);
        }
    } else if (!strcmp(cmd, "worker")) {
        rc = worker_run(&app);
    } else if (!strcmp(cmd, "migrate")) {
        int status_only = i < argc && !strcmp(argv[i], "status");
        rc = status_only ? migrate_status(app.db, app.cfg.migrations_dir, stdout, err, sizeof err)
                         : migrate_apply(app.db, app.cfg.migrations_dir, stdout, err, sizeof err);
        if (rc < 0) fprintf(stderr, "switchboard: migrate: %s\n", err);
        else if (!status_only) printf("%d migration(s) applied\n", rc);
        rc = rc < 0 ? 1 : 0;
    } else if (!strcmp(cmd, "replay")) {
        rc = cmd_replay(&app, argc - i, argv + i);
    } else if (!strcmp(cmd, "sync-calls")) {
        rc = cmd_sync_calls(&app, argc - i, argv + i);
    } else if (!strcmp(cmd, "detect-conversions")) {
        rc = cmd_detect_conversions(&app, argc - i, argv + i);
    } else if (!strcmp(cmd, "simulate")) {
        rc = cmd_simulate(&app, argc - i, argv + i);
    } else if (!strcmp(cmd, "report")) {
        rc = cmd_report(&app, argc - i, argv + i);
    } else if (!strcmp(cmd, "stats")) {
        rc = cmd_stats(&app, argc - i, argv + i);
    } else if (!strcmp(cmd, "prune")) {
        rc = cmd_prune(&app, argc - i, argv + i);
    } else if (!strcmp(cmd, "shadow-init") || !strcmp(cmd, "shadow-diff")) {
        rc = cmd_shadow(&app, cmd, argc - i, argv + i);
    } else if (!strcmp(cmd, "config")) {
        sb_config_print(&app.cfg, stdout);
        rc = 0;
    } else if (!strcmp(cmd, "sign")) {
        rc = cmd_sign(&app, argc - i, argv + i);
    } else {
        rc = usage(stderr);
    }
    if (app.db) daily_stats_flush(app.db); /* what a command's writes changed, once its transactions are over */
    db_reads_free(&app.reads);
    db_free(app.db);
    sb_config_free(&app.cfg);
    log_close();
    return rc;
}
