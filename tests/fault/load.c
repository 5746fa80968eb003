/* load.c: the load generator and the ledger check of `make fault` (tests/fault/run.sh).
 *
 *   fault_load send URL CONF TAG FILE [THREADS PACE_MS PAD_BYTES TRANSIENT SLEEP_MS]
 *       Until SIGTERM: THREADS threads POST signed SWITCHBOARD_TEST_PROBE events,
 *       alternately Cal.com and Retell (every Retell path), each with a fresh id
 *       "fault-TAG-N", padded by PAD_BYTES, telling the probe to fail TRANSIENT
 *       times and sleep SLEEP_MS per attempt. Every answer is one line of FILE:
 *       "<status> <event id> <answer time, ms> [message of a refusal]" (status 0:
 *       no HTTP answer; 299: a 2xx that is not our ack), written as it arrives.
 *   fault_load check CONF TAG FILE FAULT_END_MS TIMEOUT_S SCENARIO [expect-503]
 *       Waits (at most TIMEOUT_S) until every id acknowledged with a 2xx in FILE
 *       is in webhook_events, processed, and committed by the probe (its
 *       switchboard_test_probe row), and the spool is empty. Prints one table row:
 *       sent, acked, stored, duplicated (more than one row or one committed run),
 *       lost (acked, no row), unprocessed, 503s, other failures, recovery (fault
 *       end to the last finished_at of the events acked before it). Exit 1 if anything acked is lost,
 *       duplicated or unprocessed (or, with expect-503, if nothing got a 503).
 *       The reasons given with 503s go to stderr.
 * The probe (app/events.c) counts committed runs inside the pipeline's
 * transaction, so "runs = 1" is exactly-once processing, not just one row. */
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
#include "spool.h"

static const char *base_url, *tag;
static const sb_config *cfg;
static int pace_ms, pad_bytes, transient, sleep_ms;
static FILE *ledger;
static volatile sig_atomic_t stop;
static int next_n;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static void *sender(void *arg)
{
    (void)arg;
    static const char *const RETELL_PATHS[] = {"/api/webhooks/retell", "/api/webhook", "/api/retell/webhook"};
    char *pad = malloc((size_t)pad_bytes + 1);
    memset(pad, 'p', (size_t)pad_bytes);
    pad[pad_bytes] = '\0';
    buf body = BUF_INIT;
    while (!stop) {
        pthread_mutex_lock(&mu);
        int n = next_n++;
        pthread_mutex_unlock(&mu);
        int calcom = n % 2 == 0;
        char id[160], url[512], hdr[256], err[256];
        snprintf(id, sizeof id, "fault-%s-%d", tag, n);
        buf_reset(&body);
        const char *members = "\"transient_failures\":%d,\"sleep_ms\":%d,\"pad\":\"%s\"";
        if (calcom) {
            buf_printf(&body, "{\"triggerEvent\":\"SWITCHBOARD_TEST_PROBE\",\"createdAt\":\"2026-03-09T14:12:37Z\","
                              "\"payload\":{\"uid\":\"%s\",", id);
        } else {
            buf_printf(&body, "{\"event\":\"SWITCHBOARD_TEST_PROBE\",\"call\":{\"call_id\":\"%s\"},\"payload\":{", id);
        }
        buf_printf(&body, members, transient, sleep_ms, pad);
        buf_puts(&body, "}}");
        if (calcom) {
            char sig[65];
            sig_calcom_sign(cfg->calcom_webhook_secret, body.data, body.len, sig);
            snprintf(hdr, sizeof hdr, "X-Cal-Signature-256: %s", sig);
            snprintf(url, sizeof url, "%s/api/calcom/webhook", base_url);
        } else {
            char sig[100];
            sig_retell_sign(cfg->retell_api_key, body.data, body.len, http_now_us() / 1000, sig);
            snprintf(hdr, sizeof hdr, "X-Retell-Signature: %s", sig);
            snprintf(url, sizeof url, "%s%s", base_url, RETELL_PATHS[(n / 2) % 3]);
        }
        const char *h[] = {"Content-Type: application/json", hdr, NULL};
        http_client_response r;
        long status = 0;
        char msg[160] = "";
        if (http_client_request("POST", url, h, body.data, body.len, 30000, &r, err, sizeof err) == 0) {
            status = r.status;
            /* a 2xx must be the ack, nothing else (nginx's own pages are not acks) */
            if (status / 100 == 2 && !strstr(buf_cstr(&r.body), "\"received\":true")) status = 299;
            const char *m = strstr(buf_cstr(&r.body), "\"message\":\"");
            if (status / 100 != 2 && m) snprintf(msg, sizeof msg, "%.*s", (int)strcspn(m + 11, "\"\n"), m + 11);
            http_client_response_free(&r);
        } else {
            snprintf(msg, sizeof msg, "%.*s", (int)strcspn(err, "\n"), err);
        }
        pthread_mutex_lock(&mu);
        fprintf(ledger, "%ld %s %lld %s\n", status, id, (long long)(http_now_us() / 1000), msg);
        fflush(ledger);
        pthread_mutex_unlock(&mu);
        if (pace_ms > 0) usleep((useconds_t)pace_ms * 1000);
    }
    buf_free(&body);
    free(pad);
    return NULL;
}

static int send_main(int argc, char **argv)
{
    base_url = argv[2];
    int threads = argc > 6 ? atoi(argv[6]) : 3;
    pace_ms = argc > 7 ? atoi(argv[7]) : 20;
    pad_bytes = argc > 8 ? atoi(argv[8]) : 0;
    transient = argc > 9 ? atoi(argv[9]) : 0;
    sleep_ms = argc > 10 ? atoi(argv[10]) : 0;
    if (threads < 1 || threads > 32 || pad_bytes < 0 || pad_bytes > (512 << 10)) {
        fprintf(stderr, "fault_load: 1..32 threads, pad 0..512 KiB\n");
        return 2;
    }
    ledger = fopen(argv[5], "w");
    if (!ledger) {
        perror(argv[5]);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    pthread_t th[32];
    for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, sender, NULL);
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
    fclose(ledger);
    return 0;
}

/* ---- check ---------------------------------------------------------------- */

typedef struct {
    char id[160];
    long status;
    long long acked_ms, rows, processed, runs, finished_ms;
} entry;

static int entry_cmp(const void *a, const void *b) { return strcmp(((const entry *)a)->id, ((const entry *)b)->id); }

static entry *find(entry *v, size_t n, const char *id)
{
    entry key;
    snprintf(key.id, sizeof key.id, "%s", id);
    return bsearch(&key, v, n, sizeof *v, entry_cmp);
}

/* Refresh rows/processed/runs of every entry; -1 when the database does not answer. */
static int refresh(sb_db *db, arena *a, entry *v, size_t n, const char *like)
{
    db_param p = db_str(like);
    db_rows ev, pr;
    arena_reset(a);
    if (db_query(db, a,
                 "SELECT event_id, COUNT(*), SUM(status = 'processed'), MAX(ROUND(UNIX_TIMESTAMP(finished_at) * 1000))"
                 " FROM webhook_events WHERE event_id LIKE ?"
                 " GROUP BY event_id", &p, 1, &ev) != 0 ||
        db_query(db, a, "SELECT event_id, SUM(runs) FROM switchboard_test_probe WHERE event_id LIKE ? GROUP BY event_id",
                 &p, 1, &pr) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) v[i].rows = v[i].processed = v[i].runs = v[i].finished_ms = 0;
    for (size_t r = 0; r < ev.nrows; r++) {
        entry *e = find(v, n, db_cell(&ev, r, 0));
        if (e) {
            e->rows = db_cell_ll(&ev, r, 1);
            e->processed = db_cell_ll(&ev, r, 2);
            e->finished_ms = db_cell(&ev, r, 3) ? db_cell_ll(&ev, r, 3) : 0;
        }
    }
    for (size_t r = 0; r < pr.nrows; r++) {
        entry *e = find(v, n, db_cell(&pr, r, 0));
        if (e) e->runs = db_cell_ll(&pr, r, 1);
    }
    return 0;
}

static int acked(const entry *e) { return e->status >= 200 && e->status < 300; }

static int check_main(int argc, char **argv)
{
    int expect_503 = argc > 8 && !strcmp(argv[8], "expect-503");
    const char *file = argv[4], *scenario = argv[7];
    long long fault_end_ms = atoll(argv[5]);
    int timeout_s = atoi(argv[6]);
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        return 1;
    }
    size_t n = 0, cap = 1024;
    entry *v = calloc(cap, sizeof *v);
    long status;
    long long at;
    char id[160], line[512], seen[4][160] = {{0}};
    while (fgets(line, sizeof line, f)) {
        int off = 0;
        if (sscanf(line, "%ld %159s %lld %n", &status, id, &at, &off) != 3) continue;
        line[strcspn(line, "\n")] = '\0';
        /* the distinct reasons given with a 503, for the report */
        for (int k = 0; status == 503 && k < 4; k++) {
            if (!strcmp(seen[k], line + off)) break;
            if (!seen[k][0]) {
                snprintf(seen[k], sizeof seen[k], "%s", line + off);
                fprintf(stderr, "fault_load: 503 message: %s\n", line + off);
                break;
            }
        }
        if (n == cap) v = realloc(v, (cap *= 2) * sizeof *v);
        memset(&v[n], 0, sizeof v[n]);
        v[n].status = status;
        v[n].acked_ms = at;
        snprintf(v[n].id, sizeof v[n].id, "%s", id);
        n++;
    }
    fclose(f);
    qsort(v, n, sizeof *v, entry_cmp);
    char like[200];
    snprintf(like, sizeof like, "fault-%s-%%", tag);
    sb_db *db = db_new(cfg);
    arena *a = arena_new(1 << 20);
    long long deadline = http_now_us() / 1000 + timeout_s * 1000LL;
    int done = 0;
    for (;;) {
        if (refresh(db, a, v, n, like) == 0 && spool_count(cfg->spool_dir) == 0) {
            size_t open = 0;
            for (size_t i = 0; i < n; i++) open += acked(&v[i]) && (v[i].processed < 1 || v[i].runs < 1);
            if (open == 0) {
                done = 1;
                break;
            }
        }
        if (http_now_us() / 1000 > deadline) break;
        usleep(200000);
    }
    /* one more look a moment later: nothing may run a second time after the first commit */
    sleep(1);
    if (refresh(db, a, v, n, like) != 0) fprintf(stderr, "fault_load: database unavailable at the end: %s\n", db_error(db));
    size_t n_acked = 0, stored = 0, dup = 0, lost = 0, unprocessed = 0, s503 = 0, other = 0, extra = 0;
    long long recovered_ms = fault_end_ms; /* the last finished_at of an event acked before the fault ended */
    for (size_t i = 0; i < n; i++) {
        entry *e = &v[i];
        if (e->rows > 1 || e->runs > 1) {
            dup++;
            fprintf(stderr, "fault_load: %s duplicated: %lld rows, %lld committed runs\n", e->id, e->rows, e->runs);
        }
        if (acked(e)) {
            n_acked++;
            if (e->acked_ms <= fault_end_ms && e->finished_ms > recovered_ms) recovered_ms = e->finished_ms;
            if (e->rows > 0) stored++;
            else {
                lost++;
                fprintf(stderr, "fault_load: %s acked with %ld but not in webhook_events\n", e->id, e->status);
            }
            if (e->rows > 0 && (e->processed < 1 || e->runs < 1)) {
                unprocessed++;
                fprintf(stderr, "fault_load: %s stored but not processed\n", e->id);
            }
        } else {
            if (e->status == 503) s503++;
            else other++;
            extra += e->rows > 0; /* refused or cut off, yet stored: the provider's retry is a duplicate */
        }
    }
    char rec[32];
    if (!done) snprintf(rec, sizeof rec, "> %d s", timeout_s);
    else snprintf(rec, sizeof rec, "%.1f s", (double)(recovered_ms - fault_end_ms) / 1000.0);
    printf("| %-28s | %5zu | %5zu | %6zu | %4zu | %4zu | %11zu | %4zu | %5zu | %18zu | %9s |\n", scenario, n, n_acked,
           stored, dup, lost, unprocessed, s503, other, extra, rec);
    arena_free(a);
    db_free(db);
    free(v);
    if (expect_503 && s503 == 0) fprintf(stderr, "fault_load: %s: no request was refused with 503\n", scenario);
    return lost || dup || unprocessed || !done || (expect_503 && s503 == 0) ? 1 : 0;
}

int main(int argc, char **argv)
{
    int is_send = argc >= 6 && !strcmp(argv[1], "send"), is_check = argc >= 8 && !strcmp(argv[1], "check");
    if (!is_send && !is_check) {
        fprintf(stderr, "usage: fault_load send URL CONF TAG FILE [THREADS PACE_MS PAD_BYTES TRANSIENT SLEEP_MS]\n"
                        "       fault_load check CONF TAG FILE FAULT_END_MS TIMEOUT_S SCENARIO [expect-503]\n");
        return 2;
    }
    static sb_config conf;
    char err[512];
    char *noenv[] = {NULL};
    if (sb_config_load(&conf, argv[is_send ? 3 : 2], noenv, err, sizeof err) != 0) {
        fprintf(stderr, "fault_load: %s\n", err);
        return 1;
    }
    cfg = &conf;
    tag = argv[is_send ? 4 : 3];
    int rc = is_send ? send_main(argc, argv) : check_main(argc, argv);
    sb_config_free(&conf);
    return rc;
}
