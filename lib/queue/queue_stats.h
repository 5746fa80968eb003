/* queue_stats.h: the numbers operators watch, computed from webhook_events.
 *
 * One implementation for the monitor route, /metrics and (later) the
 * dashboard, so all three say the same. company_id 0 = every company; a
 * tenant sees only events whose company_id is theirs (events get their
 * company when processed).
 *
 * status: "down" when the database cannot be asked (the caller answers 503);
 * "degraded" when any of: the oldest pending event waits more than
 * QUEUE_DEGRADED_OLDEST_S, the backlog exceeds QUEUE_DEGRADED_BACKLOG, an
 * event went dead in the last hour, or events wait in the local spool;
 * "ok" otherwise. */
#ifndef SB_QUEUE_STATS_H
#define SB_QUEUE_STATS_H

#include <stddef.h>

#include "arena.h"
#include "db.h"

#define QUEUE_DEGRADED_OLDEST_S 60
#define QUEUE_DEGRADED_BACKLOG 1000

enum { QS_PENDING, QS_PROCESSING, QS_PROCESSED, QS_IGNORED, QS_FAILED, QS_DEAD, QS_NSTATUS };
extern const char *const QUEUE_STATUS_NAMES[QS_NSTATUS];

typedef struct provider_stats {
    const char *provider;
    long long total, today, last_hour;
    const char *last_received;   /* ISO-8601 UTC or NULL; arena-owned */
    double success_rate;         /* processed / (total - ignored) * 100 */
    long long by_status[QS_NSTATUS];
} provider_stats;

typedef struct queue_stats {
    provider_stats providers[2]; /* retell, calcom */
    long long by_status[QS_NSTATUS];
    long long backlog;           /* pending + failed that are due now */
    long long failed_due;
    double oldest_pending_s;     /* -1: nothing pending */
    long long dead_last_hour;
    long long lag_samples;
    long long lag_p50_ms, lag_p99_ms, lag_max_ms; /* ack -> processed/ignored, last hour */
    size_t spool_pending;
    const char *status;          /* "ok" | "degraded" | "down" */
    const char *reasons;         /* why degraded, "" when ok; arena-owned */
} queue_stats;

/* Fill s. Returns 0, or -1 when the database could not be read (s->status = "down"). */
int queue_stats_read(sb_db *db, arena *a, long long company_id, const char *spool_dir, queue_stats *s);
/* The same without the all-time totals: providers[].total/today/last_hour/last_received and the
 * processed/ignored counts stay 0; status, reasons, backlog, the pending/processing/failed/dead
 * counts, oldest pending, dead last hour and lag are as above. For pages (D222). */
int queue_stats_read_health(sb_db *db, arena *a, long long company_id, const char *spool_dir, queue_stats *s);

#endif
