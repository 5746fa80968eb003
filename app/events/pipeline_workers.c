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
 * PR_SET_PDEATHSIG), as one process would die, so no orphan keeps claiming.
 * The first processes are forked before the first statement; a replacement is
 * forked from a worker that by then runs the mail thread, so it execs the
 * binary again (D217): a lock that thread held at the fork cannot follow. */
#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
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

/* A replacement execs the worker's own command line with this in its environment,
 * "FD:PPID": the inherited wake-up socket and the worker it belongs to. */
#define PIPELINE_PROCESS_ENV "SB_PIPELINE_PROCESS"
/* built before any fork (nothing between fork and exec may allocate): argv from
 * /proc/self/cmdline, envp = environ + PIPELINE_PROCESS_ENV */
static char self_cmdline[8192], self_env[64];
static char *self_argv[128], **self_envp;

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

/* A pipeline-only process: wait for a wake (or worker.poll_ms), claim until nothing is due.
 * forked: it needs its own connection and lease owner; exec'd: main made them already. */
static void pipeline_only(sb_app *app, volatile sig_atomic_t *stop, int forked)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0); /* the parent died before the line above took effect */
    /* its own connection (the parent's handle is left as it is: closing it would end the
     * parent's session too) and its own lease owner, host:pid */
    if (forked) {
        app->db = db_new(&app->cfg);
        db_reads_init(&app->reads, &app->cfg, app->db);
        app_pipeline_init(app);
    }
    log_msg("info", "worker: pipeline process %s started", app->pipe.owner);
    while (!*stop) {
        app_reload_pending(app, "worker");
        if (workers_wait(app) < 0) continue; /* a sibling took the wake */
        while (!*stop && workers_tick(app) > 0) {}
    }
    db_free(app->db);
    _exit(0);
}

/* Prepare the exec of a replacement while nothing else runs (at workers_start). Returns 0
 * when a replacement can be exec'd; otherwise replacements are forked as the first ones. */
static int prepare_exec(void)
{
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, self_cmdline, sizeof self_cmdline - 1);
    close(fd);
    if (n <= 0 || n == (ssize_t)sizeof self_cmdline - 1) return -1; /* empty or cut short */
    size_t argc = 0;
    for (char *p = self_cmdline; p < self_cmdline + n && argc + 1 < sizeof self_argv / sizeof *self_argv;
         p += strlen(p) + 1)
        self_argv[argc++] = p;
    self_argv[argc] = NULL;
    extern char **environ;
    size_t nenv = 0;
    while (environ[nenv]) nenv++;
    self_envp = calloc(nenv + 2, sizeof *self_envp);
    if (!self_envp) return -1;
    size_t k = 0;
    for (size_t i = 0; i < nenv; i++)
        if (strncmp(environ[i], PIPELINE_PROCESS_ENV "=", sizeof PIPELINE_PROCESS_ENV) != 0) self_envp[k++] = environ[i];
    snprintf(self_env, sizeof self_env, PIPELINE_PROCESS_ENV "=%d:%d", wake_fd, (int)parent);
    self_envp[k] = self_env;
    return 0;
}

/* In the child of a fork from the threaded worker: only async-signal-safe calls until exec. */
static void exec_replacement(void)
{
    static const char FAILED[] = "switchboard worker: cannot exec a replacement pipeline process; forking one\n";
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* kept across exec */
    for (int fd = 3; fd < 1024; fd++) /* the worker's connections, log and mail sockets stay behind */
        if (fd != wake_fd) close(fd);
    if (wake_fd >= 0) fcntl(wake_fd, F_SETFD, 0); /* the socket follows it */
    execve("/proc/self/exe", self_argv, self_envp);
    if (write(2, FAILED, sizeof FAILED - 1) < 0) {}
}

static void spawn(sb_app *app, int slot, volatile sig_atomic_t *stop, int replacement)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (replacement && self_envp) exec_replacement();
        pipeline_only(app, stop, 1);
    }
    if (pid < 0) log_msg("error", "worker: cannot fork a pipeline process: %s", strerror(errno));
    kids[slot] = pid > 0 ? pid : 0;
}

/* An exec'd replacement (PIPELINE_PROCESS_ENV set): becomes the pipeline-only process and
 * never returns. */
static void replacement_run(sb_app *app, const char *env, volatile sig_atomic_t *stop)
{
    int fd = -1, ppid = 0;
    if (sscanf(env, "%d:%d", &fd, &ppid) != 2 || fd < 0 || ppid <= 1) {
        log_msg("error", "worker: bad %s=%s", PIPELINE_PROCESS_ENV, env);
        _exit(1);
    }
    wake_fd = fd;
    fcntl(wake_fd, F_SETFD, FD_CLOEXEC);
    parent = (pid_t)ppid;
    unsetenv(PIPELINE_PROCESS_ENV);
    pipeline_only(app, stop, 0);
}

int workers_start(sb_app *app, volatile sig_atomic_t *stop)
{
    const char *env = getenv(PIPELINE_PROCESS_ENV);
    if (env) replacement_run(app, env, stop);
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
    for (int i = 0; i < nkids; i++) spawn(app, i, stop, 0); /* before the first statement: no connection to share */
    if (nkids > 0 && prepare_exec() != 0)
        log_msg("warn", "worker: cannot read /proc/self/cmdline; a replacement pipeline process will be forked");
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
        if (!kids[i]) spawn(app, i, stop, 1);
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
