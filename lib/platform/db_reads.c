/* db_reads.c: the primary-or-replica choice for dashboard reads (see db_reads.h). */
#include "db_reads.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void db_reads_init(db_reads *r, const sb_config *cfg, sb_db *primary)
{
    memset(r, 0, sizeof *r);
    r->cfg = cfg;
    r->primary = primary;
    r->verdict = -1;
    r->lag = -1;
    bool host = cfg->db_read_host && *cfg->db_read_host, sock = cfg->db_read_socket && *cfg->db_read_socket;
    if (!host && !sock) return;
    db_endpoint at = {cfg->db_read_host, cfg->db_read_socket, cfg->db_read_user, cfg->db_read_password,
                      (unsigned)cfg->db_read_port};
    r->replica = db_new_at(cfg, &at);
    db_set_fallback(r->replica, primary);
    r->scratch = arena_new(16 * 1024);
}

void db_reads_free(db_reads *r)
{
    db_free(r->replica);
    if (r->scratch) arena_free(r->scratch);
    r->replica = NULL;
    r->scratch = NULL;
}

/* Ask the replica how far behind it is; the verdict and, for the primary, the reason. */
static int check(db_reads *r, int64_t *next_in_ms)
{
    long long lag = -1;
    arena_reset(r->scratch);
    int rc = db_replica_lag(r->replica, r->scratch, &lag);
    r->lag = lag;
    *next_in_ms = DB_READS_CHECK_MS;
    if (rc < 0) {
        snprintf(r->reason, sizeof r->reason, "replica unusable: %s", db_error(r->replica));
        if (db_error_is_connection(r->replica)) *next_in_ms = DB_READS_RETRY_MS;
        return 0;
    }
    if (rc > 0) {
        snprintf(r->reason, sizeof r->reason, "the read server is no replica (SHOW REPLICA STATUS is empty)");
        return 0;
    }
    if (lag < 0) {
        snprintf(r->reason, sizeof r->reason, "replication is stopped or broken (Seconds_Behind_Master is NULL)");
        return 0;
    }
    if (lag > r->cfg->db_read_max_lag_seconds) {
        snprintf(r->reason, sizeof r->reason, "replica lags %lld s, more than db.read_max_lag_seconds = %lld", lag,
                 (long long)r->cfg->db_read_max_lag_seconds);
        return 0;
    }
    r->reason[0] = '\0';
    return 1;
}

sb_db *db_for_reads(db_reads *r)
{
    if (!r->replica) return r->primary;
    int64_t now = mono_ms();
    if (r->verdict < 0 || now >= r->next_check_ms) {
        int64_t next_in;
        int v = check(r, &next_in);
        r->next_check_ms = now + next_in;
        if (v != r->verdict) {
            if (v) log_msg("info", "db reads: on the replica (lag %lld s)", r->lag);
            else log_msg("warn", "db reads: falling back to the primary: %s", r->reason);
        }
        r->verdict = v;
    }
    return r->verdict == 1 ? r->replica : r->primary;
}
