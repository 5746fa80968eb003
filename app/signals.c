/* signals.c: the signals of the long-running processes, serve (fcgi.c) and
 * worker (cli/cmd_worker.c): stop with a deadline, reload of the config file
 * between requests or rounds (D72, D190). The handlers only set flags or
 * exit; the work happens in app_reload_pending, called from the loops. */
#include "app.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "daily_stats.h"
#include "log.h"
#include "spool.h"

extern char **environ;

volatile sig_atomic_t app_config_generation; /* app.h: counts up here, the worker's mail thread reads it */

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
    app_config_generation++; /* the worker's mail thread reloads its own copy (mail_worker.c) */
    log_msg("info", "%s: configuration reloaded from %s%s", who, app->config_path,
            db_changed ? ", database connection renewed" : "");
}
