/* bench_pipeline.c: ack latency and end-to-end processing lag of the pipeline.
 *
 *   bench_pipeline URL CONF N CONCURRENCY [KILL_WORKER_PIDFILE RESTART_CMD]
 *
 * Sends N signed Cal.com webhooks (unique uids, real route, real nginx) from
 * CONCURRENCY threads, records each ack's latency, then waits until every
 * event is finished and reads the lag (queued_at -> finished_at) from the
 * database. With a pid file, the worker named there is SIGKILLed half-way and
 * RESTART_CMD is run to start a new one. Prints one table; asserts nothing
 * (timings on a shared machine are measurements, not test results). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "http_client.h"
#include "sig.h"

static const char *url, *secret, *kill_pidfile, *restart_cmd;
static int n_events, concurrency;
static int64_t *ack_us;
static int next_index, sent, failures;
static long long run_tag;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *sender(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        int i = next_index < n_events ? next_index++ : -1;
        pthread_mutex_unlock(&mu);
        if (i < 0) return NULL;
        if (kill_pidfile && i == n_events / 2) {
            FILE *f = fopen(kill_pidfile, "r");
            int pid = 0;
            if (f && fscanf(f, "%d", &pid) == 1 && pid > 0) {
                kill(pid, SIGKILL);
                fprintf(stderr, "bench: killed worker %d at event %d\n", pid, i);
                if (system(restart_cmd) != 0) fprintf(stderr, "bench: restart failed\n");
            }
            if (f) fclose(f);
        }
        char body[512], sig[65], hdr[128], err[256];
        int len = snprintf(body, sizeof body,
                           "{\"triggerEvent\":\"BOOKING_CREATED\",\"createdAt\":\"2026-03-09T14:12:37.512Z\","
                           "\"payload\":{\"uid\":\"bench-%lld-%d\",\"eventTypeId\":1843201,\"title\":\"Benchmark\","
                           "\"startTime\":\"2026-03-12T09:00:00Z\",\"endTime\":\"2026-03-12T10:00:00Z\","
                           "\"attendees\":[{\"name\":\"Bench %d\",\"email\":\"bench-%lld-%d@example.com\"}]}}",
                           run_tag, i, i, run_tag, i);
        sig_calcom_sign(secret, body, (size_t)len, sig);
        snprintf(hdr, sizeof hdr, "X-Cal-Signature-256: %s", sig);
        const char *h[] = {"Content-Type: application/json", hdr, NULL};
        http_client_response r;
        int64_t t0 = http_now_us();
        int rc = http_client_request("POST", url, h, body, (size_t)len, 30000, &r, err, sizeof err);
        int64_t dt = http_now_us() - t0;
        pthread_mutex_lock(&mu);
        ack_us[i] = dt;
        if (rc != 0 || r.status != 200) failures++;
        sent++;
        pthread_mutex_unlock(&mu);
        http_client_response_free(&r);
    }
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t pct(const int64_t *v, size_t n, int p) { return n ? v[(n * (size_t)p + 99) / 100 - 1] : 0; }

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
    sb_config cfg;
    char err[512];
    char *noenv[] = {NULL};
    if (sb_config_load(&cfg, argv[2], noenv, err, sizeof err) != 0) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    secret = cfg.calcom_webhook_secret;
    run_tag = http_now_us();
    ack_us = calloc((size_t)n_events, sizeof *ack_us);
    pthread_t th[64];
    if (concurrency > 64) concurrency = 64;
    int64_t t0 = http_now_us();
    for (int i = 0; i < concurrency; i++) pthread_create(&th[i], NULL, sender, NULL);
    for (int i = 0; i < concurrency; i++) pthread_join(th[i], NULL);
    int64_t send_us = http_now_us() - t0;

    sb_db *db = db_new(&cfg);
    arena *a = arena_new(1 << 20);
    char like[128];
    snprintf(like, sizeof like, "bench-%lld-%%", run_tag);
    db_param p = db_str(like);
    db_rows rows;
    int64_t deadline = http_now_us() + 120 * 1000000LL;
    long long done = 0;
    while (http_now_us() < deadline) {
        arena_reset(a);
        if (db_query(db, a, "SELECT COUNT(*) FROM webhook_events WHERE event_id LIKE ? AND status IN ('processed','ignored')",
                     &p, 1, &rows) == 0)
            done = atoll(db_cell(&rows, 0, 0));
        if (done >= n_events - failures) break;
        usleep(20000);
    }
    int64_t all_us = http_now_us() - t0;
    arena_reset(a);
    db_query(db, a,
             "SELECT TIMESTAMPDIFF(MICROSECOND, queued_at, finished_at) FROM webhook_events WHERE event_id LIKE ?"
             " AND finished_at IS NOT NULL", &p, 1, &rows);
    size_t nl = rows.nrows;
    int64_t *lag = calloc(nl + 1, sizeof *lag);
    for (size_t i = 0; i < nl; i++) lag[i] = atoll(db_cell(&rows, i, 0));
    qsort(lag, nl, sizeof *lag, cmp64);
    qsort(ack_us, (size_t)n_events, sizeof *ack_us, cmp64);
    printf("| %-34s | %8d events, %2d conns%s |\n", "pipeline run", n_events, concurrency,
           kill_pidfile ? ", worker killed half-way" : "");
    printf("| %-34s | %10.0f/s |\n", "acks (ingest) throughput", n_events / (send_us / 1e6));
    printf("| %-34s | %10.2f ms |\n", "ack latency p50", pct(ack_us, (size_t)n_events, 50) / 1000.0);
    printf("| %-34s | %10.2f ms |\n", "ack latency p99", pct(ack_us, (size_t)n_events, 99) / 1000.0);
    printf("| %-34s | %10.2f ms |\n", "lag ack->processed p50", pct(lag, nl, 50) / 1000.0);
    printf("| %-34s | %10.2f ms |\n", "lag ack->processed p99", pct(lag, nl, 99) / 1000.0);
    printf("| %-34s | %10.2f ms |\n", "lag ack->processed max", nl ? lag[nl - 1] / 1000.0 : 0.0);
    printf("| %-34s | %10.0f/s |\n", "events processed end to end", done / (all_us / 1e6));
    printf("| %-34s | %10lld/%d (%d failed acks) |\n", "finished", done, n_events, failures);
    free(lag);
    free(ack_us);
    arena_free(a);
    db_free(db);
    sb_config_free(&cfg);
    return done >= n_events - failures && failures == 0 ? 0 : 1;
}
