/* pipeline.c: claim, run, finish, retry schedule, replay bookkeeping (see pipeline.h). */
#include "pipeline.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "buf.h"
#include "daily_stats.h"
#include "http.h"
#include "log.h"
#include "metrics.h"

#define CLAIM_BATCH_MAX 64
/* a row claimed this often without ever finishing crashed or hung its owner every time */
#define MAX_ATTEMPTS 12

static const int64_t RETRY_SCHEDULE_MS[] = {5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000};
#define NRETRY (sizeof RETRY_SCHEDULE_MS / sizeof RETRY_SCHEDULE_MS[0])

void event_set(event_result *res, event_outcome o, const char *fmt, ...)
{
    res->outcome = o;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof res->message, fmt, ap);
    va_end(ap);
}

void pipeline_init(pipeline *p, sb_db *db, const sb_config *cfg, const event_handler *handlers, size_t n, void *app)
{
    static char owner[128];
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    snprintf(owner, sizeof owner, "%s:%d", host, (int)getpid());
    p->db = db;
    p->cfg = cfg;
    p->handlers = handlers;
    p->nhandlers = n;
    p->owner = owner;
    p->app = app;
}

int64_t pipeline_retry_delay_ms(int retry_count, int64_t scale_permille, double rnd)
{
    if (retry_count < 1 || (size_t)retry_count > NRETRY) return -1;
    double base = (double)RETRY_SCHEDULE_MS[retry_count - 1] * (double)scale_permille / 1000.0;
    double jitter = 0.8 + 0.4 * rnd; /* ±20 % */
    int64_t d = (int64_t)(base * jitter);
    return d < 1 ? 1 : d;
}

static double random_unit(void)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != sizeof r) r = (uint32_t)rand();
    return (double)r / 4294967296.0;
}

/* Rows due now (switchboard's only: next_attempt_at set). */
#define DUE_WHERE                                                                                                  \
    " next_attempt_at IS NOT NULL AND next_attempt_at <= NOW(3)"                                                   \
    " AND (status IN ('pending','failed') OR (status = 'processing' AND lease_expires_at < NOW(3)))"

/* The lease on every row of a claim in one statement (they are locked already): one UPDATE per
 * claim rather than per event (D182). */
static int mark_claimed(pipeline *p, const uint64_t *ids, size_t n)
{
    static const char *const MARK =
        "UPDATE webhook_events SET status = 'processing', lease_owner = ?,"
        " lease_expires_at = NOW(3) + INTERVAL ? SECOND, attempts = COALESCE(attempts, 0) + 1,"
        " updated_at = NOW() WHERE id IN (?";
    db_param m[2 + CLAIM_BATCH_MAX] = {db_str(p->owner), db_int(p->cfg->pipeline_lease_seconds)};
    buf sql = BUF_INIT;
    buf_puts(&sql, MARK);
    for (size_t i = 0; i < n; i++) {
        if (i) buf_puts(&sql, ", ?");
        m[2 + i] = db_int((long long)ids[i]);
    }
    buf_puts(&sql, ")");
    int rc = db_exec(p->db, buf_cstr(&sql), m, 2 + n, NULL, NULL);
    buf_free(&sql);
    return rc;
}

/* Locks due rows (SKIP LOCKED), then keeps those that are first of their
 * entity. The entity check is a separate plain read: inside a locking SELECT
 * a SKIP LOCKED subquery would skip an older row that another worker is
 * claiming this very moment, and run the newer event first. Under READ
 * COMMITTED the plain read sees that row's committed state (pending or
 * processing), which is exactly what must block. */
static int claim(pipeline *p, arena *a, uint64_t only_id, size_t max, uint64_t *ids, size_t *n)
{
    /* candidates: due rows that are first of their entity, by a plain read. Taking the due rows
     * first and dropping the blocked ones after (as before) starved: 64 newer events waiting for
     * their call's failed older event filled every batch, so that older event, due a little
     * later, was never reached (make check-replica: a whole queue stuck behind 36 retries).
     * One ordered walk per status of the due index, (status, next_attempt_at) plus InnoDB's id
     * suffix, that stops at its LIMIT, and the entity check on the entity index for each row the
     * walk passes (D216). The former single read (status IN (...) OR ...) could not read the index
     * in order: it sorted every due row, and MariaDB picked the provider index for the NOT EXISTS,
     * a scan of the provider's pending rows per due row: 5.4 s per claim at a 2,000-event backlog
     * (ANALYZE FORMAT=JSON, docs/BENCHMARKS.md), 0.3 ms this way. FORCE INDEX: the statistics of
     * a queue table are always stale (it fills and drains between two ANALYZE runs). */
#define ENTITY_FIRST                                                                                               \
    " AND NOT EXISTS (SELECT 1 FROM webhook_events o FORCE INDEX (sb_webhook_events_entity)"                       \
    " WHERE o.provider = w.provider AND o.event_id = w.event_id AND o.id < w.id AND o.next_attempt_at IS NOT NULL"  \
    " AND o.status IN ('pending','failed','processing'))"
#define DUE_WALK(cond)                                                                                             \
    "(SELECT w.id, w.next_attempt_at FROM webhook_events w FORCE INDEX (sb_webhook_events_due) WHERE " cond        \
    " AND w.next_attempt_at <= NOW(3)" ENTITY_FIRST " ORDER BY w.next_attempt_at, w.id LIMIT ?)"
    static const char *const CANDIDATES =
        "SELECT id FROM (" DUE_WALK("w.status = 'pending'") " UNION ALL " DUE_WALK("w.status = 'failed'")
        " UNION ALL " DUE_WALK("w.status = 'processing' AND w.lease_expires_at < NOW(3)")
        ") c ORDER BY next_attempt_at, id LIMIT ?";
#undef DUE_WALK
#undef ENTITY_FIRST
    static const char *const SEL_ONE =
        "SELECT id, attempts, provider, event_id FROM webhook_events WHERE id = ? AND" DUE_WHERE
        " FOR UPDATE SKIP LOCKED";
    static const char *const OLDER =
        "SELECT id FROM webhook_events FORCE INDEX (sb_webhook_events_entity) WHERE provider = ? AND event_id = ? AND id < ?"
        " AND next_attempt_at IS NOT NULL AND status IN ('pending','failed','processing') LIMIT 1";
    static const char *const ABANDON =
        "UPDATE webhook_events SET status = 'dead', lease_owner = NULL, lease_expires_at = NULL,"
        " finished_at = NOW(3), updated_at = NOW(), error_message = ? WHERE id = ?";
    *n = 0;
    if (db_begin(p->db) != 0) goto fail_nt;
    db_rows cand = {0};
    db_param lim = db_int((long long)max * 2); /* room for candidates another process locks first */
    db_param lims[] = {lim, lim, lim, lim};
    if (only_id) {
        cand.nrows = 1;
    } else if (db_query(p->db, a, CANDIDATES, lims, 4, &cand) != 0) {
        goto fail;
    }
    for (size_t c = 0; c < cand.nrows && *n < max; c++) {
        /* lock the candidate if it is still due and nobody holds it; then re-check its entity
         * under the lock (the plain read may be a moment old) */
        db_param one[] = {db_int(only_id ? (long long)only_id : atoll(db_cell(&cand, c, 0)))};
        db_rows rows;
        if (db_query(p->db, a, SEL_ONE, one, 1, &rows) != 0) goto fail;
        if (!rows.nrows) continue;
        uint64_t id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
        db_param older[] = {db_str(db_cell(&rows, 0, 2)), db_str(db_cell(&rows, 0, 3)), db_int((long long)id)};
        db_rows blocking;
        if (db_query(p->db, a, OLDER, older, 3, &blocking) != 0) goto fail;
        if (blocking.nrows) continue; /* an older event of this call/booking goes first */
        const char *att = db_cell(&rows, 0, 1);
        if (att && atoi(att) >= MAX_ATTEMPTS) {
            char msg[220];
            snprintf(msg, sizeof msg, "abandoned after %d attempts that never finished (the processing crashed or "
                                      "hung its process each time); replay it once the cause is fixed", atoi(att));
            db_param ab[] = {db_str(msg), db_int((long long)id)};
            if (db_exec(p->db, ABANDON, ab, 2, NULL, NULL) != 0) goto fail;
            log_msg("error", "pipeline: event %llu dead: %s", (unsigned long long)id, msg);
            continue;
        }
        ids[(*n)++] = id;
    }
    if (*n && mark_claimed(p, ids, *n) != 0) goto fail;
    if (db_commit(p->db) != 0) goto fail_nt;
    return 0;
fail:
    db_rollback(p->db);
fail_nt:
    log_msg("error", "pipeline: claim failed: %s", db_error(p->db));
    *n = 0;
    return -1;
}

int pipeline_release_dead(pipeline *p, arena *a)
{
    /* the due index's 'processing' range: as many rows as events in flight */
    static const char *const HOLDERS =
        "SELECT DISTINCT lease_owner FROM webhook_events FORCE INDEX (sb_webhook_events_due)"
        " WHERE status = 'processing' AND lease_owner LIKE ? ESCAPE '|'";
    static const char *const RELEASE =
        "UPDATE webhook_events SET lease_expires_at = NOW(3) - INTERVAL 1 SECOND, updated_at = NOW()"
        " WHERE status = 'processing' AND lease_owner = ? AND lease_expires_at > NOW(3)";
    const char *colon = strrchr(p->owner, ':');
    if (!colon) return 0;
    /* "host:%", the host escaped for LIKE */
    char pattern[256];
    size_t k = 0;
    for (const char *c = p->owner; c <= colon && k + 3 < sizeof pattern; c++) {
        if (*c == '%' || *c == '_' || *c == '|') pattern[k++] = '|';
        pattern[k++] = *c;
    }
    pattern[k++] = '%';
    pattern[k] = '\0';
    db_param like = db_str(pattern);
    db_rows rows;
    if (db_query(p->db, a, HOLDERS, &like, 1, &rows) != 0) return -1;
    int released = 0;
    for (size_t i = 0; i < rows.nrows; i++) {
        const char *owner = db_cell(&rows, i, 0), *pc = strrchr(owner, ':');
        long pid = pc ? strtol(pc + 1, NULL, 10) : 0;
        /* only a pid that surely does not exist here: EPERM is a live process of another user */
        if (pid <= 1 || (size_t)(pc - owner) != (size_t)(colon - p->owner) || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        db_param o = db_str(owner);
        uint64_t n = 0;
        if (db_exec(p->db, RELEASE, &o, 1, NULL, &n) != 0) return -1;
        if (n) log_msg("warn", "pipeline: %llu events held by %s, which is gone, run again now",
                       (unsigned long long)n, owner);
        released += (int)n;
    }
    return released;
}

static const event_handler *find_handler(const pipeline *p, const char *provider, const char *type)
{
    for (size_t i = 0; i < p->nhandlers; i++)
        if (strcmp(p->handlers[i].provider, provider) == 0 && strcmp(p->handlers[i].event_type, type) == 0)
            return &p->handlers[i];
    return NULL;
}

static const char *outcome_status(event_outcome o)
{
    switch (o) {
    case EVENT_PROCESSED: return "processed";
    case EVENT_IGNORED: return "ignored";
    case EVENT_RETRY: return "failed";
    case EVENT_DEAD: return "dead";
    }
    return "failed";
}

/* Write a failure outside the (rolled back) handler transaction. */
static void finish_failure(pipeline *p, uint64_t id, int retry_count, event_result *res, int64_t ms)
{
    static const char *const FAIL =
        "UPDATE webhook_events SET status = ?, error_message = ?, retry_count = ?,"
        " next_attempt_at = IF(? >= 0, NOW(3) + INTERVAL ? * 1000 MICROSECOND, next_attempt_at),"
        " lease_owner = NULL, lease_expires_at = NULL, finished_at = NOW(3), processing_ms = ?,"
        " updated_at = NOW() WHERE id = ? AND lease_owner = ?";
    int retries = retry_count + 1;
    int64_t delay = -1;
    if (res->outcome == EVENT_RETRY) {
        delay = pipeline_retry_delay_ms(retries, p->cfg->pipeline_retry_scale_permille, random_unit());
        if (delay < 0) {
            res->outcome = EVENT_DEAD;
            char tmp[sizeof res->message];
            snprintf(tmp, sizeof tmp, "retries exhausted after %d failures; last error: %s", retries, res->message);
            memcpy(res->message, tmp, sizeof tmp);
        }
    }
    db_param f[] = {db_str(outcome_status(res->outcome)), db_str(res->message), db_int(retries), db_int(delay),
                    db_int(delay), db_int(ms), db_int((long long)id), db_str(p->owner)};
    if (db_exec(p->db, FAIL, f, 8, NULL, NULL) != 0)
        log_msg("error", "pipeline: cannot record failure of event %llu: %s (the lease will expire and it runs again)",
                (unsigned long long)id, db_error(p->db));
}

/* Run one event we hold the lease on. */
static int run_claimed(pipeline *p, arena *a, uint64_t id)
{
    static const char *const LOAD =
        "SELECT provider, event_type, event_id, payload, retry_count, attempts, company_id,"
        " UNIX_TIMESTAMP(COALESCE(received_at, created_at)) FROM webhook_events"
        " WHERE id = ? AND lease_owner = ?";
    static const char *const DONE =
        "UPDATE webhook_events SET status = ?, notes = ?, error_message = NULL, processed_at = NOW(),"
        " company_id = IF(? > 0, ?, company_id), lease_owner = NULL, lease_expires_at = NULL,"
        " finished_at = NOW(3), processing_ms = ?, updated_at = NOW() WHERE id = ? AND lease_owner = ?";
    int64_t t0 = http_now_us();
    db_param lp[] = {db_int((long long)id), db_str(p->owner)};
    db_rows rows;
    if (db_query(p->db, a, LOAD, lp, 2, &rows) != 0) return -1;
    if (rows.nrows == 0) return 0; /* lease lost already */
    stored_event ev = {
        .id = id,
        .provider = db_cell(&rows, 0, 0),
        .event_type = db_cell(&rows, 0, 1),
        .event_id = db_cell(&rows, 0, 2),
        .payload = db_cell(&rows, 0, 3),
        .payload_len = rows.len[3],
        .retry_count = atoi(db_cell(&rows, 0, 4) ? db_cell(&rows, 0, 4) : "0"),
        .attempts = atoi(db_cell(&rows, 0, 5) ? db_cell(&rows, 0, 5) : "1"),
    };
    event_result res = {EVENT_PROCESSED, "", 0};
    char err[256];
    ev.json = json_parse_strict(ev.payload, ev.payload_len, err, sizeof err);
    const event_handler *h = find_handler(p, ev.provider, ev.event_type);
    int in_tx = 0;
    if (!ev.json) {
        event_set(&res, EVENT_DEAD, "stored payload is not valid JSON (%s)", err);
    } else if (!h) {
        event_set(&res, EVENT_IGNORED, "no handler for %s event %s", ev.provider, ev.event_type);
    } else if (db_begin(p->db) != 0) {
        event_set(&res, EVENT_RETRY, "cannot start a transaction: %s", db_error(p->db));
    } else {
        in_tx = 1;
        h->fn(p, a, &ev, &res);
    }
    int64_t ms = (http_now_us() - t0) / 1000;
    int rc = 1, committed = 0;
    if (res.outcome == EVENT_PROCESSED || res.outcome == EVENT_IGNORED) {
        if (!in_tx && db_begin(p->db) != 0) {
            event_set(&res, EVENT_RETRY, "cannot start a transaction: %s", db_error(p->db));
        } else {
            in_tx = 1;
            uint64_t affected = 0;
            db_param d[] = {db_str(outcome_status(res.outcome)), db_str(res.message), db_int(res.company_id),
                            db_int(res.company_id), db_int(ms), db_int((long long)id), db_str(p->owner)};
            if (db_exec(p->db, DONE, d, 7, NULL, &affected) != 0) {
                event_set(&res, EVENT_RETRY, "cannot record the result: %s", db_error(p->db));
            } else if (affected == 0) {
                /* our lease expired and someone else holds the event: their run counts, not ours */
                db_rollback(p->db);
                in_tx = 0;
                log_msg("warn", "pipeline: lease of event %llu lost during processing; rolled back",
                        (unsigned long long)id);
                rc = 0;
                goto out;
            } else if (db_commit(p->db) != 0) {
                in_tx = 0;
                event_set(&res, EVENT_RETRY, "commit failed: %s", db_error(p->db));
            } else {
                in_tx = 0;
                committed = 1;
            }
        }
    }
    if (res.outcome == EVENT_RETRY || res.outcome == EVENT_DEAD) {
        if (in_tx) db_rollback(p->db);
        in_tx = 0;
        finish_failure(p, id, ev.retry_count, &res, ms);
        log_msg(res.outcome == EVENT_DEAD ? "error" : "warn", "pipeline: event %llu %s %s -> %s: %s",
                (unsigned long long)id, ev.provider, ev.event_type, outcome_status(res.outcome), res.message);
    }
    metrics_processed(ev.provider, ev.event_type, outcome_status(res.outcome), ms);
out:
    if (in_tx) db_rollback(p->db);
    if (ev.json) json_object_put(ev.json);
    /* web booking success counts every Cal.com booking event by the company-local day it arrived
     * (D166): the company is the one this run wrote (DONE), else the row's; read with the row,
     * not after it (D182) */
    if (ev.provider && !strcmp(ev.provider, "calcom"))
        daily_stats_note_instant(p->db, committed && res.company_id > 0 ? res.company_id : db_cell_ll(&rows, 0, 6),
                                 db_cell(&rows, 0, 7));
    return rc;
}

int pipeline_tick(pipeline *p, size_t max)
{
    uint64_t ids[CLAIM_BATCH_MAX];
    if (max > CLAIM_BATCH_MAX) max = CLAIM_BATCH_MAX;
    arena *a = arena_new(64 * 1024);
    size_t n = 0;
    int ran = 0;
    if (claim(p, a, 0, max, ids, &n) != 0) {
        arena_free(a);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        arena_reset(a);
        if (run_claimed(p, a, ids[i]) > 0) ran++;
    }
    /* after the transactions, so a dirty mark never waits on an event's locks; once per claim,
     * not per event (D182): the marks are written before the worker's next refresh looks */
    daily_stats_flush(p->db);
    arena_free(a);
    return ran;
}

int pipeline_run_id(pipeline *p, uint64_t id)
{
    uint64_t ids[1];
    size_t n = 0;
    arena *a = arena_new(64 * 1024);
    int rc = claim(p, a, id, 1, ids, &n);
    if (rc == 0 && n == 1) {
        arena_reset(a);
        rc = run_claimed(p, a, id) > 0 ? 1 : 0;
    }
    daily_stats_flush(p->db);
    arena_free(a);
    return rc;
}

int pipeline_replay_mark(pipeline *p, const uint64_t *ids, size_t n, const char *by, uint64_t *out_replay_ids)
{
    static const char *const STATUS =
        "SELECT status FROM webhook_events WHERE id = ? AND next_attempt_at IS NOT NULL FOR UPDATE";
    static const char *const RECORD =
        "INSERT INTO switchboard_replays (webhook_event_id, requested_by, previous_status) VALUES (?, ?, ?)";
    static const char *const REQUEUE =
        "UPDATE webhook_events SET status = 'pending', next_attempt_at = NOW(3), lease_owner = NULL,"
        " lease_expires_at = NULL, attempts = 0, updated_at = NOW() WHERE id = ?";
    int queued = 0;
    arena *a = arena_new(16 * 1024);
    for (size_t i = 0; i < n; i++) {
        if (out_replay_ids) out_replay_ids[i] = 0;
        arena_reset(a);
        if (db_begin(p->db) != 0) goto fail;
        db_param id = db_int((long long)ids[i]);
        db_rows rows;
        if (db_query(p->db, a, STATUS, &id, 1, &rows) != 0) goto fail_tx;
        const char *st = db_cell(&rows, 0, 0);
        if (!st || strcmp(st, "processing") == 0) { /* unknown, Laravel's, or running right now */
            db_rollback(p->db);
            continue;
        }
        uint64_t rid = 0;
        db_param rec[] = {id, db_str(by), db_str(st)};
        if (db_exec(p->db, RECORD, rec, 3, &rid, NULL) != 0 || db_exec(p->db, REQUEUE, &id, 1, NULL, NULL) != 0)
            goto fail_tx;
        if (db_commit(p->db) != 0) goto fail;
        if (out_replay_ids) out_replay_ids[i] = rid;
        queued++;
    }
    arena_free(a);
    return queued;
fail_tx:
    db_rollback(p->db);
fail:
    log_msg("error", "replay: %s", db_error(p->db));
    arena_free(a);
    return -1;
}

int pipeline_replay_finish(pipeline *p, uint64_t replay_id, uint64_t event_id)
{
    static const char *const SQL =
        "UPDATE switchboard_replays r JOIN webhook_events e ON e.id = r.webhook_event_id"
        " SET r.result_status = e.status, r.result_message = COALESCE(e.error_message, e.notes),"
        " r.finished_at = NOW(3) WHERE r.id = ? AND e.id = ?";
    db_param p2[] = {db_int((long long)replay_id), db_int((long long)event_id)};
    return db_exec(p->db, SQL, p2, 2, NULL, NULL);
}
