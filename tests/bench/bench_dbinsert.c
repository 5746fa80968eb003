/* bench_dbinsert.c: MariaDB's own durable single-row insert rate, the database ceiling of `make bench`.
 *
 *   bench_dbinsert CONF SECONDS CONNECTIONS PAYLOAD_FILE
 *
 * Connects CONNECTIONS times (one thread each) with the settings of switchboard's
 * config (lib/config), creates bench_webhook_events LIKE webhook_events (same
 * columns, indexes and JSON checks), prepares once per connection the INSERT
 * switchboard runs (lib/webhook.c webhook_store) and executes it with autocommit,
 * one row per statement, for SECONDS seconds; every event id is new. The payload
 * is the bytes of PAYLOAD_FILE (a Cal.com fixture). No nginx, no FastCGI, no
 * verification: what the server alone commits durably at this concurrency.
 * Prints one line in the format of tests/bench/sign.lua's done():
 *   BENCHLINE requests=N seconds=S rps=R p50_us=A p99_us=B errors=E */
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"

#define MAX_CONNS 256

static sb_config cfg;
static const char *payload;
static size_t payload_len;
static int64_t deadline_us, run_tag;

typedef struct {
    int index;
    int64_t *lat;
    size_t n, cap;
    long errors;
} worker;

static MYSQL *connect_db(void)
{
    MYSQL *m = mysql_init(NULL);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    int sock = cfg.db_socket && *cfg.db_socket;
    if (!mysql_real_connect(m, sock ? NULL : cfg.db_host, cfg.db_user, cfg.db_password, cfg.db_name,
                            sock ? 0 : (unsigned)cfg.db_port, sock ? cfg.db_socket : NULL, 0)) {
        fprintf(stderr, "bench_dbinsert: connect: %s\n", mysql_error(m));
        mysql_close(m);
        return NULL;
    }
    return m;
}

static void *run(void *arg)
{
    worker *w = arg;
    /* the statement of webhook_store(), on the copy of the table */
    static const char INSERT[] =
        "INSERT INTO bench_webhook_events (provider, event_type, event_id, idempotency_key, payload, headers,"
        " status, retry_count, correlation_id, received_at, queued_at, next_attempt_at, attempts,"
        " created_at, updated_at)"
        " VALUES ('calcom', 'BOOKING_CREATED', ?, ?, ?, ?, 'pending', 0, ?, FROM_UNIXTIME(? DIV 1000000),"
        " FROM_UNIXTIME(? / 1000000), NOW(3), 0, NOW(), NOW())";
    static const char HEADERS[] = "{\"content-type\":\"application/json\",\"user-agent\":\"bench\"}";
    MYSQL *m = connect_db();
    if (!m) return NULL;
    MYSQL_STMT *st = mysql_stmt_init(m);
    if (!st || mysql_stmt_prepare(st, INSERT, sizeof INSERT - 1) != 0) {
        fprintf(stderr, "bench_dbinsert: prepare: %s\n", st ? mysql_stmt_error(st) : mysql_error(m));
        mysql_close(m);
        return NULL;
    }
    char id[96], key[128], corr[40];
    unsigned long id_len, key_len, corr_len, pl_len = (unsigned long)payload_len,
                                             h_len = (unsigned long)(sizeof HEADERS - 1);
    long long now_us;
    MYSQL_BIND b[7];
    memset(b, 0, sizeof b);
    b[0] = (MYSQL_BIND){.buffer_type = MYSQL_TYPE_STRING, .buffer = id, .length = &id_len};
    b[1] = (MYSQL_BIND){.buffer_type = MYSQL_TYPE_STRING, .buffer = key, .length = &key_len};
    b[2] = (MYSQL_BIND){.buffer_type = MYSQL_TYPE_STRING, .buffer = (void *)payload, .length = &pl_len};
    b[3] = (MYSQL_BIND){.buffer_type = MYSQL_TYPE_STRING, .buffer = (void *)HEADERS, .length = &h_len};
    b[4] = (MYSQL_BIND){.buffer_type = MYSQL_TYPE_STRING, .buffer = corr, .length = &corr_len};
    b[5] = (MYSQL_BIND){.buffer_type = MYSQL_TYPE_LONGLONG, .buffer = &now_us};
    b[6] = (MYSQL_BIND){.buffer_type = MYSQL_TYPE_LONGLONG, .buffer = &now_us};
    if (mysql_stmt_bind_param(st, b) != 0) {
        fprintf(stderr, "bench_dbinsert: bind: %s\n", mysql_stmt_error(st));
        return NULL;
    }
    for (long i = 0;; i++) {
        int64_t t0 = http_now_us();
        if (t0 >= deadline_us) break;
        now_us = t0;
        id_len = (unsigned long)snprintf(id, sizeof id, "bench-db-%lld-%d-%ld", (long long)run_tag, w->index, i);
        key_len = (unsigned long)snprintf(key, sizeof key, "calcom:BOOKING_CREATED:%s", id);
        corr_len = (unsigned long)snprintf(corr, sizeof corr, "%016llx%08x", (long long)t0, (unsigned)i);
        if (mysql_stmt_execute(st) != 0) {
            if (w->errors++ == 0) fprintf(stderr, "bench_dbinsert: insert: %s\n", mysql_stmt_error(st));
            continue;
        }
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 4096;
            w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
            if (!w->lat) abort();
        }
        w->lat[w->n++] = http_now_us() - t0;
    }
    mysql_stmt_close(st);
    mysql_close(m);
    return NULL;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bench_dbinsert CONF SECONDS CONNECTIONS PAYLOAD_FILE\n");
        return 2;
    }
    char err[512];
    char *noenv[] = {NULL};
    if (sb_config_load(&cfg, argv[1], noenv, err, sizeof err) != 0) {
        fprintf(stderr, "bench_dbinsert: %s\n", err);
        return 1;
    }
    double seconds = atof(argv[2]);
    int conns = atoi(argv[3]);
    if (conns < 1) conns = 1;
    if (conns > MAX_CONNS) conns = MAX_CONNS;
    FILE *f = fopen(argv[4], "rb");
    static char pbuf[1 << 20];
    if (!f || !(payload_len = fread(pbuf, 1, sizeof pbuf, f))) {
        fprintf(stderr, "bench_dbinsert: cannot read %s\n", argv[4]);
        return 1;
    }
    fclose(f);
    payload = pbuf;
    mysql_library_init(0, NULL, NULL);
    MYSQL *m = connect_db();
    if (!m || mysql_query(m, "CREATE TABLE IF NOT EXISTS bench_webhook_events LIKE webhook_events") != 0) {
        fprintf(stderr, "bench_dbinsert: create table: %s\n", m ? mysql_error(m) : "no connection");
        return 1;
    }
    run_tag = http_now_us();
    worker w[MAX_CONNS];
    pthread_t th[MAX_CONNS];
    memset(w, 0, sizeof w);
    int64_t t0 = http_now_us();
    deadline_us = t0 + (int64_t)(seconds * 1e6);
    for (int i = 0; i < conns; i++) {
        w[i].index = i;
        pthread_create(&th[i], NULL, run, &w[i]);
    }
    size_t total = 0;
    long errors = 0;
    for (int i = 0; i < conns; i++) {
        pthread_join(th[i], NULL);
        total += w[i].n;
        errors += w[i].errors;
    }
    double elapsed = (http_now_us() - t0) / 1e6;
    int64_t *all = calloc(total + 1, sizeof *all);
    size_t k = 0;
    for (int i = 0; i < conns; i++) {
        if (w[i].n) memcpy(all + k, w[i].lat, w[i].n * sizeof *all);
        k += w[i].n;
        free(w[i].lat);
    }
    qsort(all, total, sizeof *all, cmp64);
    printf("BENCHLINE requests=%zu seconds=%.3f rps=%.1f p50_us=%lld p99_us=%lld errors=%ld\n", total, elapsed,
           total / elapsed, total ? (long long)all[(total * 50 + 99) / 100 - 1] : 0,
           total ? (long long)all[(total * 99 + 99) / 100 - 1] : 0, errors);
    /* leave the next run (and the disk) as found */
    mysql_query(m, "DROP TABLE bench_webhook_events");
    mysql_close(m);
    free(all);
    sb_config_free(&cfg);
    mysql_library_end();
    return total ? 0 : 1;
}
