/* queue_stats.c: operator numbers from webhook_events (see queue_stats.h). */
#include "queue_stats.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "spool.h"

const char *const QUEUE_STATUS_NAMES[QS_NSTATUS] = {"pending", "processing", "processed", "ignored", "failed", "dead"};

#define ISO(col) "DATE_FORMAT(CONVERT_TZ(" col ", @@session.time_zone, '+00:00'), '%Y-%m-%dT%H:%i:%sZ')"

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* totals 0: only the statuses the health needs (pending, processing, failed, dead), by the status
 * index; the all-time totals per provider read every event of the tenant (3-4 s at a million
 * events, make bench-dashboard), which only the monitor route's contract and /metrics need (D222) */
static int read_stats(sb_db *db, arena *a, long long company_id, const char *spool_dir, queue_stats *s, int totals)
{
    static const char *const HEALTH =
        "SELECT provider, status, COUNT(*), 0, 0, NULL FROM webhook_events"
        " WHERE status IN ('pending','processing','failed','dead') AND provider IN ('retell','calcom')"
        " AND (? = 0 OR company_id = ?) GROUP BY provider, status";
    static const char *const PER_PROVIDER =
        "SELECT provider, status, COUNT(*), SUM(created_at >= CURDATE()),"
        " SUM(created_at >= NOW() - INTERVAL 1 HOUR), " ISO("MAX(COALESCE(received_at, created_at))")
        " FROM webhook_events WHERE provider IN ('retell','calcom') AND (? = 0 OR company_id = ?)"
        " GROUP BY provider, status";
    static const char *const QUEUE =
        "SELECT SUM(status = 'failed' AND next_attempt_at <= NOW(3)),"
        " TIMESTAMPDIFF(MICROSECOND, MIN(IF(status = 'pending', queued_at, NULL)), NOW(3)),"
        " SUM(status = 'dead' AND finished_at >= NOW(3) - INTERVAL 1 HOUR)"
        " FROM webhook_events WHERE status IN ('pending','failed','dead') AND next_attempt_at IS NOT NULL"
        " AND (? = 0 OR company_id = ?)";
    static const char *const LAG =
        "SELECT TIMESTAMPDIFF(MICROSECOND, queued_at, finished_at) DIV 1000 FROM webhook_events"
        " WHERE finished_at >= NOW(3) - INTERVAL 1 HOUR AND status IN ('processed','ignored')"
        " AND queued_at IS NOT NULL AND (? = 0 OR company_id = ?) LIMIT 200000";
    memset(s, 0, sizeof *s);
    s->providers[0].provider = "retell";
    s->providers[1].provider = "calcom";
    s->oldest_pending_s = -1;
    s->status = "down";
    s->reasons = "database unreachable";
    s->spool_pending = spool_dir ? spool_count(spool_dir) : 0;
    db_param c[] = {db_int(company_id), db_int(company_id)};
    db_rows rows;
    if (db_query(db, a, totals ? PER_PROVIDER : HEALTH, c, 2, &rows) != 0) goto down;
    for (size_t r = 0; r < rows.nrows; r++) {
        provider_stats *p = &s->providers[strcmp(db_cell(&rows, r, 0), "retell") == 0 ? 0 : 1];
        const char *st = db_cell(&rows, r, 1);
        long long n = db_cell_ll(&rows, r, 2);
        p->total += n;
        p->today += db_cell_ll(&rows, r, 3);
        p->last_hour += db_cell_ll(&rows, r, 4);
        const char *last = db_cell(&rows, r, 5);
        if (last && (!p->last_received || strcmp(last, p->last_received) > 0)) p->last_received = last;
        for (int k = 0; k < QS_NSTATUS; k++)
            if (st && strcmp(st, QUEUE_STATUS_NAMES[k]) == 0) {
                p->by_status[k] += n;
                s->by_status[k] += n;
            }
    }
    for (int i = 0; i < 2; i++) {
        provider_stats *p = &s->providers[i];
        long long denom = p->total - p->by_status[QS_IGNORED];
        p->success_rate = denom > 0 ? (double)(p->by_status[QS_PROCESSED] * 10000 / denom) / 100.0 : 0.0;
    }
    if (db_query(db, a, QUEUE, c, 2, &rows) != 0) goto down;
    s->failed_due = db_cell_ll(&rows, 0, 0);
    s->backlog = s->by_status[QS_PENDING] + s->failed_due;
    if (db_cell(&rows, 0, 1)) s->oldest_pending_s = (double)db_cell_ll(&rows, 0, 1) / 1e6;
    s->dead_last_hour = db_cell_ll(&rows, 0, 2);
    if (db_query(db, a, LAG, c, 2, &rows) != 0) goto down;
    if (rows.nrows) {
        long long *v = arena_alloc(a, sizeof *v * rows.nrows);
        for (size_t i = 0; i < rows.nrows; i++) v[i] = db_cell_ll(&rows, i, 0);
        qsort(v, rows.nrows, sizeof *v, cmp_ll);
        s->lag_samples = (long long)rows.nrows;
        /* nearest-rank percentiles */
        s->lag_p50_ms = v[(rows.nrows * 50 + 99) / 100 - 1];
        s->lag_p99_ms = v[(rows.nrows * 99 + 99) / 100 - 1];
        s->lag_max_ms = v[rows.nrows - 1];
    }
    buf why = BUF_INIT;
    if (s->oldest_pending_s > QUEUE_DEGRADED_OLDEST_S)
        buf_printf(&why, "%soldest pending event waits %.0f s (> %d s)", why.len ? "; " : "", s->oldest_pending_s,
                   QUEUE_DEGRADED_OLDEST_S);
    if (s->backlog > QUEUE_DEGRADED_BACKLOG)
        buf_printf(&why, "%sbacklog %lld (> %d)", why.len ? "; " : "", s->backlog, QUEUE_DEGRADED_BACKLOG);
    if (s->dead_last_hour > 0)
        buf_printf(&why, "%s%lld event(s) went dead in the last hour", why.len ? "; " : "", s->dead_last_hour);
    if (s->spool_pending > 0)
        buf_printf(&why, "%s%zu event(s) wait in the local spool", why.len ? "; " : "", s->spool_pending);
    s->status = why.len ? "degraded" : "ok";
    s->reasons = arena_strdup(a, buf_cstr(&why));
    buf_free(&why);
    return 0;
down:
    s->reasons = arena_printf(a, "database unreachable: %s", db_error(db));
    return -1;
}

int queue_stats_read(sb_db *db, arena *a, long long company_id, const char *spool_dir, queue_stats *s)
{
    return read_stats(db, a, company_id, spool_dir, s, 1);
}

int queue_stats_read_health(sb_db *db, arena *a, long long company_id, const char *spool_dir, queue_stats *s)
{
    return read_stats(db, a, company_id, spool_dir, s, 0);
}
