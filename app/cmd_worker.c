/* cmd_worker.c: `switchboard worker`, the safety net of the pipeline.
 * Each round: move spooled events into webhook_events (oldest first), then
 * claim and process whatever is due (events the fast path could not take,
 * retries, expired leases, replays). Sleeps worker.poll_ms (≤ 250 ms) only
 * when a round found nothing. Between rounds it recomputes the daily
 * aggregates of the days marked dirty (a few per round, so events never wait
 * long), and every STATS_RECENT_S marks today and yesterday of every company
 * (the writes nobody noted). SIGTERM finishes the current round, then exits;
 * after shutdown.grace_seconds it exits anyway (the leases of its events
 * expire and another process retakes them). SIGHUP re-reads the config
 * between rounds (app_reload_pending). Mail (summaries, callback alerts) runs
 * in a thread of its own beside the loop (mail_worker.c), so SMTP never holds
 * up the events. */
#include "app.h"

#include <signal.h>
#include <string.h>
#include <time.h>

#include "../lib/daily_stats.h"
#include "../lib/log.h"
#include "../lib/spool.h"

#define WORKER_BATCH 32
#define STATS_DAYS_PER_ROUND 4
#define STATS_RECENT_S 300

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    if (!stop) app_stop_deadline();
    stop = 1;
}

int worker_run(sb_app *app)
{
    app_signals(app, on_term);
    if (spool_init(app->cfg.spool_dir) != 0) {
        log_msg("error", "worker: cannot create spool dir %s", app->cfg.spool_dir);
        return 1;
    }
    log_msg("info", "worker: started as %s", app->pipe.owner);
    arena *scratch = arena_new(64 * 1024);
    time_t last_recent = 0;
    if (daily_stats_check_definition(app->db, scratch) < 0) /* the mark_recent net still runs; retried at the next start */
        log_msg("warn", "worker: cannot compare the metric definitions: %s", db_error(app->db));
    if (mail_start(app, &stop) != 0) log_msg("warn", "worker: running without mail");
    while (!stop) {
        app_reload_pending(app, "worker");
        int busy = 0;
        if (spool_pending(app->cfg.spool_dir)) {
            size_t moved = 0;
            spool_drain(app->cfg.spool_dir, app->db, 1000, SPOOL_WAIT_LOCK, &moved);
            if (moved) log_msg("info", "worker: moved %zu spooled events into webhook_events", moved);
            busy |= moved > 0;
        }
        int ran = pipeline_tick(&app->pipe, WORKER_BATCH);
        busy |= ran > 0;
        time_t now = time(NULL);
        if (now - last_recent >= STATS_RECENT_S && daily_stats_mark_recent(app->db) == 0) last_recent = now;
        arena_reset(scratch);
        busy |= daily_stats_refresh(app->db, scratch, 0, STATS_DAYS_PER_ROUND) > 0;
        if (busy) continue;
        struct timespec ts = {app->cfg.worker_poll_ms / 1000, (app->cfg.worker_poll_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    mail_stop();
    arena_free(scratch);
    log_msg("info", "worker: stopping");
    return 0;
}
