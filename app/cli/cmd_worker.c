/* cmd_worker.c: `switchboard worker`, the safety net of the pipeline.
 * Each round: move spooled events into webhook_events (oldest first), then
 * claim and process whatever is due (every event, woken at once by the serve
 * child that stored it; retries, expired leases, replays). Waits for a wake
 * or worker.poll_ms (≤ 250 ms) only when a round found nothing; with
 * pipeline.workers > 1, pipeline-only processes do the same beside it
 * (app/pipeline_workers.c). Between rounds it recomputes the daily
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

#include "daily_stats.h"
#include "log.h"
#include "spool.h"

#define STATS_DAYS_PER_ROUND 4
#define STATS_RECENT_S 300
/* a refresh takes at most 1 / REFRESH_DUTY of the worker's time (D230) */
#define REFRESH_DUTY 10

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
/* how often the leases of this host's dead processes are ended (D218) */
#define RELEASE_DEAD_S 5

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
    /* the wake-up socket and pipeline.workers - 1 pipeline processes (D183); a replacement
     * process exec'd by the worker (D217) stays in there */
    workers_start(app, &stop);
    log_msg("info", "worker: started as %s", app->pipe.owner);
    arena *scratch = arena_new(64 * 1024);
    time_t last_recent = 0, last_release = 0;
    int64_t next_refresh_ms = 0;
    if (daily_stats_check_definition(app->db, scratch) < 0) /* the mark_recent net still runs; retried at the next start */
        log_msg("warn", "worker: cannot compare the metric definitions: %s", db_error(app->db));
    if (mail_start(app, &stop) != 0) log_msg("warn", "worker: running without mail");
    while (!stop) {
        const char *cfg_before = app->cfg.log_file; /* a reload replaces the config whole */
        app_reload_pending(app, "worker");
        if (app->cfg.log_file != cfg_before) workers_signal(SIGHUP);
        workers_reap(app, &stop);
        int busy = 0;
        if (spool_pending(app->cfg.spool_dir)) {
            size_t moved = 0;
            spool_drain(app->cfg.spool_dir, app->db, 1000, SPOOL_WAIT_LOCK, &moved);
            if (moved) log_msg("info", "worker: moved %zu spooled events into webhook_events", moved);
            busy |= moved > 0;
        }
        int ran = workers_tick(app);
        busy |= ran > 0;
        time_t now = time(NULL);
        if (now - last_recent >= STATS_RECENT_S && daily_stats_mark_recent(app->db) == 0) last_recent = now;
        if (now - last_release >= RELEASE_DEAD_S) {
            int released = pipeline_release_dead(&app->pipe, scratch);
            if (released >= 0) last_release = now;
            busy |= released > 0; /* released events are due at once */
        }
        arena_reset(scratch);
        /* while events flow, at most once a second: each event marks its days again, and
         * recomputing them after every event cost more than the event (D184); and at most a tenth
         * of the time, since a day's recompute grows with its rows: 19 ms for a tenant's day of
         * 10,000 bookings, and one process's refresh every second slowed processing by a third at
         * 100,000 in `make bench-sustained` (D230). A report page recomputes the dirty days it
         * shows itself (D58), so pages stay current either way. */
        int64_t t0 = monotonic_ms();
        if (t0 >= next_refresh_ms) {
            busy |= daily_stats_refresh(app->db, scratch, 0, STATS_DAYS_PER_ROUND) > 0;
            int64_t took = monotonic_ms() - t0, gap = REFRESH_DUTY * took;
            next_refresh_ms = t0 + (ran > 0 && gap < 1000 ? 1000 : gap);
        }
        if (busy) continue;
        while (!stop && workers_wait(app) < 0) {} /* a pipeline process took that wake: wait again */
    }
    mail_stop();
    workers_stop();
    arena_free(scratch);
    log_msg("info", "worker: stopping");
    return 0;
}
