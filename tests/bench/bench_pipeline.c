/* bench_pipeline.c: ack latency, end-to-end lag, events/s and MariaDB CPU per event of the pipeline.
 *
 *   bench_pipeline URL CONF N CONCURRENCY [KILL_WORKER_PIDFILE RESTART_CMD]
 *
 * Sends N signed webhooks (unique ids, real route, real nginx) from
 * CONCURRENCY threads, records each ack's latency, then waits until every
 * event is finished and reads the lag (queued_at -> finished_at) from the
 * database. With a pid file, the worker named there is SIGKILLed (once
 * half-way, or BENCH_KILLS times evenly spread) and RESTART_CMD is run to
 * start a new one. Prints one table and one `BENCHPIPE key=value ...` line
 * (for tests/bench/run.sh); asserts nothing: timings on a shared machine are
 * measurements, not test results. The exit status says only whether every
 * acked event was stored once, processed, and had its effect once.
 *
 * Environment (all optional):
 *   BENCH_PROVIDER  calcom (BOOKING_CREATED, default), retell (call_started, as bench-ceiling) or
 *                   retell-call (the fixtures' call_started, call_ended, call_analyzed of each call, in
 *                   that order from one thread; N is rounded down to whole calls)
 *   BENCH_WORKLOAD  new: a new customer per event (attendee email / caller number), default;
 *                   repeat: every event the same attendee or caller (as bench-ceiling's fixtures)
 *   BENCH_RATE      events/s for an open-loop run at a fixed rate (what wrk2's -R does): event i is
 *                   due at start + i/RATE and its latency counts from then, so a stalled server is
 *                   charged for the requests it delayed (no coordinated omission); 0: closed loop
 *   BENCH_KILLS     how many times to kill the worker (with a pid file; default 1)
 *   BENCH_THEN      a shell command run after the last ack and before waiting (e.g. start the worker
 *                   after an ack-only run: the wait then measures the drain alone)
 *   BENCH_RUN       the stack's run dir: CPU of mariadbd (mysqld.pid), the worker and its processes
 *                   (worker.pid and its children) and the serve children (spawn-fcgi.pid's children)
 *                   over the sending and over the wait, per event, from /proc/PID/stat
 *   BENCH_WAIT      seconds to wait for processing after the last ack (default 300); the wait ends when the
 *                   stack's queue (pending or processing events) is empty: run it on a stack of its own
 *   BENCH_LABEL     the table's title */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "http_client.h"
#include "sig.h"

static const char *url, *kill_pidfile, *restart_cmd, *run_dir;
static sb_config cfg;
static int n_events, concurrency, retell, retell_call, repeat, kills;
static double rate;
static int64_t *ack_us, start_us;
static int next_index, failures;
static long long run_tag;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

/* ---- CPU of the stack's processes, from /proc ------------------------------------------------ */

enum { G_MARIADB, G_WORKER, G_SERVE, G_COUNT };
static const char *const GROUP_NAME[G_COUNT] = {"mariadbd", "worker", "serve children"};

static long long proc_ticks(long pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *p = strrchr(line, ')'); /* the command may hold spaces: fields count from its end */
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return 0;
    return (long long)(ut + st);
}

static long pid_from(const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", run_dir, file);
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f && fscanf(f, "%ld", &pid) != 1) pid = 0;
    if (f) fclose(f);
    return pid;
}

/* ticks of PID's children (the kernel's list of one thread's children: the main thread forks) */
static long long children_ticks(long pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", pid, pid);
    FILE *f = fopen(path, "r");
    long long s = 0;
    long c;
    while (f && fscanf(f, "%ld", &c) == 1) s += proc_ticks(c);
    if (f) fclose(f);
    return s;
}

static void cpu_sample(long long out[G_COUNT])
{
    memset(out, 0, sizeof(long long) * G_COUNT);
    if (!run_dir) return;
    long p = pid_from("mysqld.pid");
    out[G_MARIADB] = p ? proc_ticks(p) : 0;
    p = pid_from("worker.pid");
    out[G_WORKER] = p ? proc_ticks(p) + children_ticks(p) : 0;
    p = pid_from("spawn-fcgi.pid");
    out[G_SERVE] = p ? children_ticks(p) : 0;
}

/* ---- the load ---------------------------------------------------------------------------------- */

/* retell-call: the three webhook fixtures of one call; the call id and the caller's number are replaced */
static const char *const CALL_FIXTURE[3] = {"tests/fixtures/retell/webhook_call_started.json",
                                            "tests/fixtures/retell/webhook_call_ended.json",
                                            "tests/fixtures/retell/webhook_call_analyzed.json"};
static const char FIXTURE_CALL_ID[] = "call_9f2c41d7b8e34a6f8d12c07be5a91f3e", FIXTURE_FROM[] = "+4917612345678";
static char *call_tpl[3];

static int load_call_fixtures(void)
{
    for (int k = 0; k < 3; k++) {
        FILE *f = fopen(CALL_FIXTURE[k], "rb");
        static char tmp[1 << 17];
        size_t n = f ? fread(tmp, 1, sizeof tmp - 1, f) : 0;
        if (f) fclose(f);
        if (!n) {
            fprintf(stderr, "bench: cannot read %s (run from the source tree)\n", CALL_FIXTURE[k]);
            return -1;
        }
        tmp[n] = '\0';
        call_tpl[k] = strdup(tmp);
    }
    return 0;
}

/* TPL with every FIXTURE_CALL_ID replaced by ID and every FIXTURE_FROM by FROM */
static void fill_call(buf *out, const char *tpl, const char *id, const char *from)
{
    for (const char *p = tpl; *p;) {
        if (!strncmp(p, FIXTURE_CALL_ID, sizeof FIXTURE_CALL_ID - 1)) {
            buf_puts(out, id);
            p += sizeof FIXTURE_CALL_ID - 1;
        } else if (!strncmp(p, FIXTURE_FROM, sizeof FIXTURE_FROM - 1)) {
            buf_puts(out, from);
            p += sizeof FIXTURE_FROM - 1;
        } else {
            buf_putc(out, *p++);
        }
    }
}

/* ---- the load (senders) ---------------------------------------------------------------------------------- */

static void kill_worker(int i)
{
    FILE *f = fopen(kill_pidfile, "r");
    int pid = 0;
    if (f && fscanf(f, "%d", &pid) == 1 && pid > 0) {
        kill(pid, SIGKILL);
        fprintf(stderr, "bench: killed worker %d at event %d\n", pid, i);
        if (system(restart_cmd) != 0) fprintf(stderr, "bench: restart failed\n");
    }
    if (f) fclose(f);
}

static void body_for(int i, buf *out, char *hdr, size_t hsize)
{
    char body[1024];
    int len;
    buf_reset(out);
    if (retell) {
        /* new: a caller nobody called from before; repeat: the fixture's caller every time */
        char from[32], id[64], sig[100];
        int call = retell_call ? i / 3 : i;
        if (repeat) snprintf(from, sizeof from, "%s", FIXTURE_FROM);
        else snprintf(from, sizeof from, "+4915%09d", (int)((run_tag / 1000 + call) % 1000000000));
        if (retell_call) {
            snprintf(id, sizeof id, "bench-%lld-%d", run_tag, call);
            fill_call(out, call_tpl[i % 3], id, from);
            sig_retell_sign(cfg.retell_api_key, out->data, out->len, http_now_us() / 1000, sig);
            snprintf(hdr, hsize, "X-Retell-Signature: %s", sig);
            return;
        }
        len = snprintf(body, sizeof body,
                       "{\"event\":\"call_started\",\"call\":{\"call_type\":\"phone_call\",\"call_id\":\"bench-%lld-%d\","
                       "\"from_number\":\"%s\",\"to_number\":\"+4922112345678\",\"direction\":\"inbound\","
                       "\"agent_id\":\"agent_5d1e8c2f9a7b43c6b0e4f1a2d3\",\"call_status\":\"ongoing\","
                       "\"start_timestamp\":%lld}}",
                       run_tag, i, from, (long long)(http_now_us() / 1000));
        buf_append(out, body, (size_t)len);
        sig_retell_sign(cfg.retell_api_key, out->data, out->len, http_now_us() / 1000, sig);
        snprintf(hdr, hsize, "X-Retell-Signature: %s", sig);
        return;
    }
    char email[96];
    if (repeat) snprintf(email, sizeof email, "lena.schmidt@example.com");
    else snprintf(email, sizeof email, "bench-%lld-%d@example.com", run_tag, i);
    len = snprintf(body, sizeof body,
                   "{\"triggerEvent\":\"BOOKING_CREATED\",\"createdAt\":\"2026-03-09T14:12:37.512Z\","
                   "\"payload\":{\"uid\":\"bench-%lld-%d\",\"eventTypeId\":1843201,\"title\":\"Benchmark\","
                   "\"startTime\":\"2026-03-12T09:00:00Z\",\"endTime\":\"2026-03-12T10:00:00Z\","
                   "\"attendees\":[{\"name\":\"Bench %d\",\"email\":\"%s\"}]}}",
                   run_tag, i, i, email);
    buf_append(out, body, (size_t)len);
    char sig[65];
    sig_calcom_sign(cfg.calcom_webhook_secret, out->data, out->len, sig);
    snprintf(hdr, hsize, "X-Cal-Signature-256: %s", sig);
}

static void *sender(void *arg)
{
    (void)arg;
    buf body = BUF_INIT;
    int step = retell_call ? 3 : 1, next = 0, last = -1; /* a call's three events go from one thread, in order */
    for (;;) {
        if (next > last) {
            pthread_mutex_lock(&mu);
            next = next_index < n_events ? next_index : -1;
            next_index += step;
            pthread_mutex_unlock(&mu);
            if (next < 0) break;
            last = next + step - 1;
        }
        int i = next++;
        for (int k = 1; kill_pidfile && k <= kills; k++)
            if (i == (int)((long long)n_events * k / (kills + 1))) kill_worker(i);
        int64_t due = rate > 0 ? start_us + (int64_t)(i * 1e6 / rate) : 0;
        int64_t now = http_now_us();
        if (due > now) usleep((useconds_t)(due - now));
        char hdr[160], err[256];
        body_for(i, &body, hdr, sizeof hdr);
        const char *h[] = {"Content-Type: application/json", hdr, NULL};
        http_client_response r;
        int64_t t0 = due ? due : http_now_us();
        int rc = http_client_request("POST", url, h, body.data, body.len, 30000, &r, err, sizeof err);
        int64_t dt = http_now_us() - t0;
        int ok = rc == 0 && r.status / 100 == 2;
        pthread_mutex_lock(&mu);
        ack_us[i] = dt;
        if (!ok) failures++;
        pthread_mutex_unlock(&mu);
        if (rc == 0) http_client_response_free(&r);
    }
    buf_free(&body);
    return NULL;
}

/* ---- the database's view ----------------------------------------------------------------------- */

static long long count_of(sb_db *db, arena *a, const char *sql, const char *like)
{
    db_param p = db_str(like);
    db_rows rows;
    arena_reset(a);
    int np = like ? 1 : 0;
    if (db_query(db, a, sql, np ? &p : NULL, (size_t)np, &rows) != 0 || rows.nrows == 0 || !db_cell(&rows, 0, 0))
        return -1;
    return atoll(db_cell(&rows, 0, 0));
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t pct(const int64_t *v, size_t n, int p) { return n ? v[(n * (size_t)p + 99) / 100 - 1] : 0; }

/* the effect one processed event has: a new appointment per booking, a new call row per call_started */
static const char EFFECT_COUNT_CALCOM[] = "SELECT COUNT(*) FROM appointments";
static const char EFFECT_COUNT_RETELL[] = "SELECT COUNT(*) FROM calls";
static const char BACKLOG_COUNT[] = "SELECT COUNT(*) FROM webhook_events WHERE status IN ('pending','processing')";
static const char DONE_COUNT[] =
    "SELECT COUNT(*) FROM webhook_events WHERE event_id LIKE ? AND status IN ('processed','ignored')";
static const char ROWS_COUNT[] = "SELECT COUNT(*) FROM webhook_events WHERE event_id LIKE ?";
static const char DISTINCT_COUNT[] = "SELECT COUNT(DISTINCT idempotency_key) FROM webhook_events WHERE event_id LIKE ?";
static const char LAGS[] =
    "SELECT TIMESTAMPDIFF(MICROSECOND, queued_at, finished_at) FROM webhook_events WHERE event_id LIKE ?"
    " AND finished_at IS NOT NULL";

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_pipeline URL CONF N CONCURRENCY [KILL_PIDFILE RESTART_CMD]\n");
        return 2;
    }
    url = argv[1];
    n_events = atoi(argv[3]);
    concurrency = atoi(argv[4]);
    if (argc >= 7) {
        kill_pidfile = argv[5];
        restart_cmd = argv[6];
    }
    retell_call = !strcmp(env_or("BENCH_PROVIDER", "calcom"), "retell-call");
    retell = retell_call || !strcmp(env_or("BENCH_PROVIDER", "calcom"), "retell");
    if (retell_call) n_events -= n_events % 3;
    repeat = !strcmp(env_or("BENCH_WORKLOAD", "new"), "repeat");
    rate = atof(env_or("BENCH_RATE", "0"));
    kills = atoi(env_or("BENCH_KILLS", "1"));
    run_dir = getenv("BENCH_RUN");
    const char *then = getenv("BENCH_THEN");
    int wait_s = atoi(env_or("BENCH_WAIT", "300"));
    char err[512];
    char *noenv[] = {NULL};
    if (retell_call && load_call_fixtures() != 0) return 1;
    if (n_events < 1 || sb_config_load(&cfg, argv[2], noenv, err, sizeof err) != 0) {
        fprintf(stderr, "bench: %s\n", n_events < 1 ? "N must be at least 1" : err);
        return 1;
    }
    sb_db *db = db_new(&cfg);
    arena *a = arena_new(1 << 20);
    const char *effect_sql = retell ? EFFECT_COUNT_RETELL : EFFECT_COUNT_CALCOM;
    long long effects0 = count_of(db, a, effect_sql, NULL);
    run_tag = http_now_us();
    ack_us = calloc((size_t)n_events, sizeof *ack_us);
    pthread_t th[256];
    if (concurrency < 1) concurrency = 1;
    if (concurrency > 256) concurrency = 256;
    long long cpu0[G_COUNT], cpu1[G_COUNT], cpu2[G_COUNT];
    cpu_sample(cpu0);
    start_us = http_now_us();
    for (int i = 0; i < concurrency; i++) pthread_create(&th[i], NULL, sender, NULL);
    for (int i = 0; i < concurrency; i++) pthread_join(th[i], NULL);
    int64_t send_us = http_now_us() - start_us;
    cpu_sample(cpu1);
    if (then && system(then) != 0) fprintf(stderr, "bench: BENCH_THEN failed: %s\n", then);

    char like[128];
    snprintf(like, sizeof like, "bench-%lld-%%", run_tag);
    int64_t wait0 = http_now_us(), deadline = wait0 + wait_s * 1000000LL;
    long long done = 0;
    /* every acked event was committed as pending before its ack, so an empty queue means all are done; the
     * look reads only the queue index (no rows), so its MariaDB CPU stays out of the figure per event */
    while (http_now_us() < deadline && count_of(db, a, BACKLOG_COUNT, NULL) != 0) usleep(20000);
    int64_t end_us = http_now_us();
    cpu_sample(cpu2);
    done = count_of(db, a, DONE_COUNT, like);
    int64_t all_us = end_us - start_us, wait_us = end_us - wait0;
    sleep(1); /* one more look a moment later: nothing may run a second time after the first commit */
    long long rows = count_of(db, a, ROWS_COUNT, like), distinct = count_of(db, a, DISTINCT_COUNT, like);
    long long effects = count_of(db, a, effect_sql, NULL) - effects0;
    int n_acked = n_events - failures;
    /* every event is a new booking uid / call id, so each processed event adds exactly one row */
    /* retell-call: three events, one call row; a call with a failed ack may still have its row: compare calls */
    long long lost = n_acked - distinct, duplicated = rows - distinct,
              effect_diff = effects - (retell_call ? n_events / 3 : n_acked);

    arena_reset(a);
    db_param p = db_str(like);
    db_rows lr;
    size_t nl = 0;
    int64_t *lag = NULL;
    if (db_query(db, a, LAGS, &p, 1, &lr) == 0) {
        nl = lr.nrows;
        lag = calloc(nl + 1, sizeof *lag);
        for (size_t i = 0; i < nl; i++) lag[i] = atoll(db_cell(&lr, i, 0));
        qsort(lag, nl, sizeof *lag, cmp64);
    }
    qsort(ack_us, (size_t)n_events, sizeof *ack_us, cmp64);
    double hz = (double)sysconf(_SC_CLK_TCK);
    double send_ms[G_COUNT], wait_ms[G_COUNT];
    for (int g = 0; g < G_COUNT; g++) {
        send_ms[g] = (cpu1[g] - cpu0[g]) * 1000.0 / hz / n_events;
        wait_ms[g] = (cpu2[g] - cpu1[g]) * 1000.0 / hz / n_events;
    }
    char title[200];
    snprintf(title, sizeof title, "%d %s events (%s), %d conns%s%s", n_events,
             retell_call ? "Retell call_started/ended/analyzed" : retell ? "Retell call_started" : "Cal.com booking",
             repeat ? "the same customer each" : "a new customer each", concurrency,
             rate > 0 ? ", fixed rate" : "", kill_pidfile ? ", worker killed" : "");
    printf("| %-40s | %s |\n", env_or("BENCH_LABEL", "pipeline run"), title);
    printf("|---|---|\n");
    if (rate > 0) printf("| %-40s | %10.0f/s (open loop, latency from each event's due time) |\n", "offered rate", rate);
    printf("| %-40s | %10.0f/s |\n", "acks (ingest) throughput", n_events / (send_us / 1e6));
    printf("| %-40s | %10.2f ms |\n", "ack latency p50", pct(ack_us, (size_t)n_events, 50) / 1000.0);
    printf("| %-40s | %10.2f ms |\n", "ack latency p99", pct(ack_us, (size_t)n_events, 99) / 1000.0);
    printf("| %-40s | %10.2f ms |\n", "lag ack->processed p50", pct(lag, nl, 50) / 1000.0);
    printf("| %-40s | %10.2f ms |\n", "lag ack->processed p99", pct(lag, nl, 99) / 1000.0);
    printf("| %-40s | %10.2f ms |\n", "lag ack->processed max", nl ? lag[nl - 1] / 1000.0 : 0.0);
    printf("| %-40s | %10.0f/s |\n", "events processed end to end", done / (all_us / 1e6));
    printf("| %-40s | %10.0f/s over %.1f s |\n", "processed after the last ack (drain)", done / (wait_us / 1e6), wait_us / 1e6);
    /* a killed process takes its ticks along: no CPU figures for runs that kill */
    for (int g = 0; run_dir && !kill_pidfile && g < G_COUNT; g++)
        printf("| CPU per event, %-25s | %6.3f ms while acking, %6.3f ms after, %6.3f ms in all |\n", GROUP_NAME[g],
               send_ms[g], wait_ms[g], send_ms[g] + wait_ms[g]);
    printf("| %-40s | %10lld/%d (%d failed acks) |\n", "finished", done, n_events, failures);
    printf("| %-40s | %lld lost, %lld duplicated rows, %+lld effects (%s rows) vs acked |\n", "exactly once", lost,
           duplicated, effect_diff, retell ? "calls" : "appointments");
    printf("BENCHPIPE events=%d acked=%d ack_rps=%.1f ack_p50_ms=%.2f ack_p99_ms=%.2f lag_p50_ms=%.2f lag_p99_ms=%.2f"
           " done=%lld e2e_rps=%.1f drain_rps=%.1f db_send_ms=%.3f db_wait_ms=%.3f db_all_ms=%.3f lost=%lld dup=%lld"
           " effect_diff=%lld\n",
           n_events, n_acked, n_events / (send_us / 1e6), pct(ack_us, (size_t)n_events, 50) / 1000.0,
           pct(ack_us, (size_t)n_events, 99) / 1000.0, pct(lag, nl, 50) / 1000.0, pct(lag, nl, 99) / 1000.0, done,
           done / (all_us / 1e6), done / (wait_us / 1e6), send_ms[G_MARIADB], wait_ms[G_MARIADB],
           send_ms[G_MARIADB] + wait_ms[G_MARIADB], lost, duplicated, effect_diff);
    fflush(stdout);
    free(lag);
    free(ack_us);
    arena_free(a);
    db_free(db);
    sb_config_free(&cfg);
    return done >= n_acked && failures == 0 && lost == 0 && duplicated == 0 && effect_diff == 0 ? 0 : 1;
}
