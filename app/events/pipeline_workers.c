/* pipeline_workers.c: who processes an event after its ack (DESIGN D183-D185).
 *
 * Serve side: app_process_soon wakes a worker through the wake-up socket
 * (lib/wakeup.h) and returns at once, so the next request never waits behind
 * an event's processing; only when no worker listens (none started, another
 * config's socket) does the serve child process the event itself, as before.
 * Worker side: `switchboard worker` binds the socket, then forks
 * pipeline.workers - 1 processes that only wait for wakes and claim events;
 * the first process keeps the spool, the aggregates and the pipeline too. A
 * dead pipeline process is replaced. A stopped worker stops them (SIGTERM: each
 * finishes its event); a worker killed takes them with it (SIGKILL by
 * PR_SET_PDEATHSIG), as one process would die, so no orphan keeps claiming. */
#include "app.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "wakeup.h"

/* small claims: with two or more processes, a claim of 32 left one process busy with
 * the whole burst while the other waited (lag); a full claim wakes a sibling instead */
#define PIPELINE_BATCH 8
#define MAX_WORKERS 64

void app_process_soon(sb_app *app, uint64_t id)
{
    char path[108];
    if (wakeup_path(&app->cfg, path, sizeof path) == 0 && wakeup_notify(path)) return;
    pipeline_run_id(&app->pipe, id); /* nobody listens: this child, as before D183 */
}

static pid_t kids[MAX_WORKERS];
static int nkids, wake_fd = -1;
static pid_t parent;

int workers_wait(sb_app *app)
{
    if (wake_fd >= 0) return wakeup_wait(wake_fd, (int)app->cfg.worker_poll_ms);
    struct timespec ts = {app->cfg.worker_poll_ms / 1000, (app->cfg.worker_poll_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return 0;
}

int workers_tick(sb_app *app)
{
    int ran = pipeline_tick(&app->pipe, PIPELINE_BATCH);
    if (ran == PIPELINE_BATCH) { /* more may wait: a sibling takes the next claim while we run ours */
        char path[108];
        if (wakeup_path(&app->cfg, path, sizeof path) == 0) wakeup_notify(path);
    }
    return ran;
}

/* A pipeline-only process: wait for a wake (or worker.poll_ms), claim until nothing is due. */
static void pipeline_only(sb_app *app, volatile sig_atomic_t *stop)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0); /* the parent died before the line above took effect */
    /* its own connection (the parent's handle is left as it is: closing it would end the
     * parent's session too) and its own lease owner, host:pid */
    app->db = db_new(&app->cfg);
    db_reads_init(&app->reads, &app->cfg, app->db);
    app_pipeline_init(app);
    log_msg("info", "worker: pipeline process %s started", app->pipe.owner);
    while (!*stop) {
        app_reload_pending(app, "worker");
        if (workers_wait(app) < 0) continue; /* a sibling took the wake */
        while (!*stop && workers_tick(app) > 0) {}
    }
    db_free(app->db);
    _exit(0);
}

static void spawn(sb_app *app, int slot, volatile sig_atomic_t *stop)
{
    pid_t pid = fork();
    if (pid == 0) pipeline_only(app, stop);
    if (pid < 0) log_msg("error", "worker: cannot fork a pipeline process: %s", strerror(errno));
    kids[slot] = pid > 0 ? pid : 0;
}

int workers_start(sb_app *app, volatile sig_atomic_t *stop)
{
    parent = getpid();
    char path[108];
    if (wakeup_path(&app->cfg, path, sizeof path) != 0) {
        log_msg("warn", "worker: pipeline.wakeup_socket is too long for a unix socket; polling every %lld ms",
                (long long)app->cfg.worker_poll_ms);
    } else if ((wake_fd = wakeup_bind(path)) < 0) {
        log_msg("warn", "worker: cannot bind %s (%s); serve children process their events themselves",
                path, strerror(errno));
    }
    nkids = (int)app->cfg.pipeline_workers - 1;
    if (nkids > MAX_WORKERS) nkids = MAX_WORKERS;
    for (int i = 0; i < nkids; i++) spawn(app, i, stop); /* before the first statement: no connection to share */
    return wake_fd;
}

void workers_reap(sb_app *app, volatile sig_atomic_t *stop)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        for (int i = 0; i < nkids; i++)
            if (kids[i] == pid) {
                kids[i] = 0;
                if (!*stop) log_msg("warn", "worker: pipeline process %d ended (status %d); starting another", (int)pid, status);
            }
    for (int i = 0; i < nkids && !*stop; i++)
        if (!kids[i]) spawn(app, i, stop);
}

void workers_signal(int sig)
{
    for (int i = 0; i < nkids; i++)
        if (kids[i] > 0) kill(kids[i], sig);
}

void workers_stop(void)
{
    workers_signal(SIGTERM);
    for (int i = 0; i < nkids; i++)
        if (kids[i] > 0) waitpid(kids[i], NULL, 0);
    nkids = 0;
}
