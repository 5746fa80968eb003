/* cmd_worker.c: `switchboard worker`, the background loop of one host.
 * Today it moves events from the local spool into webhook_events as soon as
 * the DB answers again; the event pipeline (processing, retries) joins here. */
#include "app.h"

#include <signal.h>
#include <string.h>
#include <time.h>

#include "../lib/log.h"
#include "../lib/spool.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

int worker_run(sb_app *app)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (spool_init(app->cfg.spool_dir) != 0) {
        log_msg("error", "worker: cannot create spool dir %s", app->cfg.spool_dir);
        return 1;
    }
    log_msg("info", "worker: started");
    while (!stop) {
        if (spool_pending(app->cfg.spool_dir)) {
            size_t moved = 0;
            int rc = spool_drain(app->cfg.spool_dir, app->db, 1000, SPOOL_WAIT_LOCK, &moved);
            if (moved) log_msg("info", "worker: moved %zu spooled events into webhook_events", moved);
            if (rc == 0 || moved) continue;
        }
        struct timespec ts = {app->cfg.worker_poll_ms / 1000, (app->cfg.worker_poll_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    log_msg("info", "worker: stopping");
    return 0;
}
