/* cmd_replay.c: `switchboard replay` and `switchboard prune`.
 *
 * replay ID...            re-run processing of these events from their stored
 *                         raw bodies (no signature freshness check: they were
 *                         verified on arrival), now, in this process.
 * replay --since T [--until T] [--provider P] [--status S] [--event-type E]
 *        [--limit N] [--dry-run] [--by NAME]
 *                         the same for every event received in [since, until),
 *                         at most 14 days and 10,000 events per call; more is
 *                         refused, not truncated. T: "YYYY-MM-DD", "YYYY-MM-DD
 *                         HH:MM:SS" (UTC) or a relative "36h" / "7d" (ago).
 * Every replay is a row in switchboard_replays: who, when, the status before,
 * and the result.
 *
 * prune --older-than 90d [--batch N]
 *                         delete processed/ignored events older than that, in
 *                         small batches (short locks); failed and dead events
 *                         (names, phones, transcripts) once they are older than
 *                         retention.failed_days (default 30; D120), replayable
 *                         until then. A failed event still being retried stays. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "command_runs.h"
#include "json.h"
#include "log.h"
#include "progress.h"

#define REPLAY_MAX_WINDOW_S (14 * 86400)
#define REPLAY_MAX_EVENTS 10000

/* "7d", "36h", "90m" -> seconds; -1 if not that form. */
static long long parse_duration(const char *s)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end == s || n < 0) return -1;
    if (!strcmp(end, "d")) return n * 86400;
    if (!strcmp(end, "h")) return n * 3600;
    if (!strcmp(end, "m")) return n * 60;
    if (!strcmp(end, "s")) return n;
    return -1;
}

/* Absolute UTC date/time or a relative duration ago -> epoch seconds; -1 if neither
 * (app.h: shared with shadow-diff's --since). */
long long app_parse_time(const char *s)
{
    long long rel = parse_duration(s);
    if (rel >= 0) return (long long)time(NULL) - rel;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
    if (!end || *end) {
        memset(&tm, 0, sizeof tm);
        end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    }
    if (!end || *end) {
        memset(&tm, 0, sizeof tm);
        end = strptime(s, "%Y-%m-%d", &tm);
    }
    if (!end || (*end && strcmp(end, "Z") != 0)) return -1;
    return (long long)timegm(&tm);
}

static const char *who(const char *by)
{
    if (by) return by;
    const char *u = getenv("SUDO_USER");
    if (!u) u = getenv("USER");
    return u ? u : "cli";
}

/* Wait until the event left pending/processing (a worker may have taken it). */
static void wait_settled(sb_app *app, arena *a, uint64_t id)
{
    for (int i = 0; i < 200; i++) {
        db_param p = db_int((long long)id);
        db_rows rows;
        if (db_query(app->db, a, "SELECT status FROM webhook_events WHERE id = ?", &p, 1, &rows) != 0) return;
        const char *st = db_cell(&rows, 0, 0);
        if (!st || (strcmp(st, "pending") != 0 && strcmp(st, "processing") != 0)) return;
        usleep(50000);
    }
}

/* One result line: "id<TAB>status<TAB>note" (table) or a member of "events" (json). */
static void put_result(sb_app *app, buf *js, uint64_t id, const char *status, const char *note)
{
    if (strcmp(app->format, "json") != 0) {
        printf("%llu\t%s\t%s\n", (unsigned long long)id, status, note);
        return;
    }
    buf_printf(js, "%s{\"id\":%llu,\"status\":", js->len ? "," : "", (unsigned long long)id);
    json_buf_str(js, status);
    buf_puts(js, ",\"note\":");
    json_buf_str(js, note);
    buf_putc(js, '}');
}

static int replay_ids(sb_app *app, const uint64_t *ids, size_t n, const char *by)
{
    uint64_t *rids = calloc(n ? n : 1, sizeof *rids);
    arena *a = arena_new(16 * 1024);
    int queued = pipeline_replay_mark(&app->pipe, ids, n, by, rids);
    if (queued < 0) {
        fprintf(stderr, "switchboard: replay failed: %s\n", db_error(app->db));
        free(rids);
        arena_free(a);
        return CLI_EXIT_DB;
    }
    int bad = 0;
    long long skipped = 0;
    buf js = BUF_INIT;
    progress pr;
    progress_start(&pr, stderr, "replay", "events", (long long)n, app->quiet);
    for (size_t i = 0; i < n; i++) {
        progress_set(&pr, (long long)i);
        if (!rids[i]) {
            put_result(app, &js, ids[i], "skipped", "unknown, not switchboard's, or processing right now");
            bad = 1;
            skipped++;
            continue;
        }
        if (pipeline_run_id(&app->pipe, ids[i]) <= 0) wait_settled(app, a, ids[i]);
        pipeline_replay_finish(&app->pipe, rids[i], ids[i]);
        arena_reset(a);
        db_param p = db_int((long long)ids[i]);
        db_rows rows;
        if (db_query(app->db, a, "SELECT status, COALESCE(error_message, notes, '') FROM webhook_events WHERE id = ?",
                     &p, 1, &rows) == 0 && rows.nrows)
            put_result(app, &js, ids[i], db_cell(&rows, 0, 0), db_cell(&rows, 0, 1));
    }
    progress_set(&pr, (long long)n);
    progress_end(&pr);
    if (!strcmp(app->format, "json"))
        printf("{\"dry_run\":false,\"replayed\":%d,\"skipped\":%lld,\"events\":[%s]}\n", queued, skipped, buf_cstr(&js));
    else
        printf("%d event(s) replayed\n", queued);
    buf_free(&js);
    free(rids);
    arena_free(a);
    return bad;
}

int cmd_replay(sb_app *app, int argc, char **argv)
{
    const char *since = NULL, *until = NULL, *provider = NULL, *status = NULL, *type = NULL, *by = NULL;
    long long limit = REPLAY_MAX_EVENTS;
    int dry = 0;
    uint64_t *ids = calloc((size_t)argc + 1, sizeof *ids);
    size_t nids = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--dry-run")) { dry = 1; continue; }
        if (a[0] == '-' && a[1] == '-') {
            if (!v) { fprintf(stderr, "switchboard: replay: %s needs a value\n", a); free(ids); return 2; }
            if (!strcmp(a, "--since")) since = v;
            else if (!strcmp(a, "--until")) until = v;
            else if (!strcmp(a, "--provider")) provider = v;
            else if (!strcmp(a, "--status")) status = v;
            else if (!strcmp(a, "--event-type")) type = v;
            else if (!strcmp(a, "--by")) by = v;
            else if (!strcmp(a, "--limit")) limit = atoll(v);
            else { fprintf(stderr, "switchboard: replay: unknown option %s\n", a); free(ids); return 2; }
            i++;
            continue;
        }
        char *end;
        unsigned long long id = strtoull(a, &end, 10);
        if (*end || !id) { fprintf(stderr, "switchboard: replay: \"%s\" is not an event id\n", a); free(ids); return 2; }
        ids[nids++] = id;
    }
    int rc;
    if (nids) {
        if (since || until || provider || status || type) {
            fprintf(stderr, "switchboard: replay: give either event ids or a filter, not both\n");
            free(ids);
            return 2;
        }
        rc = replay_ids(app, ids, nids, who(by));
        free(ids);
        return rc;
    }
    free(ids);
    if (!since) {
        fprintf(stderr, "switchboard: replay: refusing an unbounded replay: give event ids, or --since (and --until) "
                        "spanning at most 14 days\n");
        return 2;
    }
    /* without --until: everything received so far (received_at has whole seconds, the bound is exclusive) */
    long long t0 = app_parse_time(since), t1 = until ? app_parse_time(until) : (long long)time(NULL) + 1;
    if (t0 < 0 || t1 < 0) {
        fprintf(stderr, "switchboard: replay: cannot read %s as a time (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS UTC, or 7d)\n",
                t0 < 0 ? since : until);
        return 2;
    }
    if (t1 <= t0 || t1 - t0 > REPLAY_MAX_WINDOW_S) {
        fprintf(stderr, "switchboard: replay: the window must be positive and at most 14 days (got %.1f days)\n",
                (double)(t1 - t0) / 86400.0);
        return 2;
    }
    if (limit < 1 || limit > REPLAY_MAX_EVENTS) {
        fprintf(stderr, "switchboard: replay: --limit must be 1..%d\n", REPLAY_MAX_EVENTS);
        return 2;
    }
    static const char *const SEL =
        "SELECT id FROM webhook_events WHERE next_attempt_at IS NOT NULL"
        " AND received_at >= FROM_UNIXTIME(?) AND received_at < FROM_UNIXTIME(?)"
        " AND (? IS NULL OR provider = ?) AND (? IS NULL OR status = ?) AND (? IS NULL OR event_type = ?)"
        " AND status <> 'processing' ORDER BY id LIMIT ?";
    db_param p[] = {db_int(t0), db_int(t1), db_str(provider), db_str(provider), db_str(status), db_str(status),
                    db_str(type), db_str(type), db_int(limit + 1)};
    arena *a = arena_new(1 << 20);
    db_rows rows;
    if (db_query(app->db, a, SEL, p, sizeof p / sizeof *p, &rows) != 0) {
        fprintf(stderr, "switchboard: replay: %s\n", db_error(app->db));
        arena_free(a);
        return CLI_EXIT_DB;
    }
    if ((long long)rows.nrows > limit) {
        fprintf(stderr, "switchboard: replay: more than %lld events match; narrow the filter (refusing, nothing "
                        "replayed)\n", limit);
        arena_free(a);
        return 2;
    }
    uint64_t *sel = calloc(rows.nrows + 1, sizeof *sel);
    for (size_t i = 0; i < rows.nrows; i++) sel[i] = strtoull(db_cell(&rows, i, 0), NULL, 10);
    if (dry && !strcmp(app->format, "json")) {
        printf("{\"dry_run\":true,\"replayed\":0,\"skipped\":0,\"events\":[");
        for (size_t i = 0; i < rows.nrows; i++)
            printf("%s{\"id\":%llu,\"status\":\"would_replay\",\"note\":\"\"}", i ? "," : "", (unsigned long long)sel[i]);
        printf("]}\n");
        rc = 0;
    } else if (dry) {
        for (size_t i = 0; i < rows.nrows; i++) printf("%llu\n", (unsigned long long)sel[i]);
        printf("%zu event(s) would be replayed (dry run)\n", rows.nrows);
        rc = 0;
    } else {
        rc = replay_ids(app, sel, rows.nrows, who(by));
    }
    free(sel);
    arena_free(a);
    return rc;
}

/* DELETE ... LIMIT batch until a batch is short; pr (may be NULL) follows the count */
static int delete_in_batches(sb_app *app, const char *sql, long long older, long long batch, unsigned long long *total,
                             progress *pr)
{
    *total = 0;
    for (;;) {
        db_param p[] = {db_int(older), db_int(batch)};
        uint64_t n = 0;
        if (db_exec(app->db, sql, p, 2, NULL, &n) != 0) {
            fprintf(stderr, "switchboard: prune: %s (%llu deleted before)\n", db_error(app->db), *total);
            return -1;
        }
        *total += n;
        if (pr) progress_set(pr, (long long)*total);
        if (n < (uint64_t)batch) return 0;
        usleep(50000); /* let Laravel's and our writers in between batches */
    }
}

/* failed/dead events past retention.failed_days, by when they last ended (D120); a failed
 * event the pipeline still retries (next_attempt_at set) ends processed or dead first */
static int prune_failed(sb_app *app, long long batch, unsigned long long *total)
{
    static const char *const DEL =
        "DELETE FROM webhook_events WHERE status IN ('failed','dead')"
        " AND COALESCE(finished_at, updated_at, created_at) < NOW() - INTERVAL ? DAY"
        " AND (status = 'dead' OR next_attempt_at IS NULL)"
        " ORDER BY id LIMIT ?";
    for (;;) {
        db_param p[] = {db_int(app->cfg.retention_failed_days), db_int(batch)};
        uint64_t n = 0;
        if (db_exec(app->db, DEL, p, 2, NULL, &n) != 0) return -1;
        *total += n;
        if (n < (uint64_t)batch) return 0;
        usleep(50000);
    }
}

int cmd_prune(sb_app *app, int argc, char **argv)
{
    long long older = -1, batch = 1000;
    const char *older_text = "";
    for (int i = 0; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--older-than")) older = parse_duration(older_text = argv[i + 1]);
        else if (!strcmp(argv[i], "--batch")) batch = atoll(argv[i + 1]);
        else { fprintf(stderr, "switchboard: prune: unknown option %s\n", argv[i]); return 2; }
    }
    if (older < 86400 || batch < 1 || batch > 100000 || argc % 2) {
        fprintf(stderr, "switchboard: prune: give --older-than as e.g. 90d (at least 1d)\n");
        return 2;
    }
    static const char *const DEL =
        "DELETE FROM webhook_events WHERE status IN ('processed','ignored')"
        " AND created_at < NOW() - INTERVAL ? SECOND ORDER BY id LIMIT ?";
    /* the function log keeps the events' retention (D90) */
    static const char *const DEL_FN =
        "DELETE FROM switchboard_function_calls WHERE created_at < NOW() - INTERVAL ? SECOND ORDER BY id LIMIT ?";
    unsigned long long total = 0, fns = 0;
    int64_t started = (int64_t)time(NULL);
    char outcome[300];
    progress pr; /* a counter: counting first would scan what the batches are there to spare */
    progress_start(&pr, stderr, "prune", "events deleted", 0, app->quiet);
    unsigned long long failed_old = 0;
    int failed = delete_in_batches(app, DEL, older, batch, &total, &pr) != 0 ||
                 delete_in_batches(app, DEL_FN, older, batch, &fns, NULL) != 0;
    if (!failed && prune_failed(app, batch, &failed_old) != 0) {
        fprintf(stderr, "switchboard: prune: %s (%llu failed/dead deleted before)\n", db_error(app->db), failed_old);
        failed = 1;
    }
    progress_end(&pr);
    if (failed) {
        snprintf(outcome, sizeof outcome, "%s (%llu deleted before)", db_error(app->db), total + fns + failed_old);
        command_run_record(app->db, "prune", started, 0, outcome); /* the monitor's freshness (D172) */
        return CLI_EXIT_DB;
    }
    if (!strcmp(app->format, "json")) {
        buf js = BUF_INIT;
        buf_printf(&js, "{\"deleted\":%llu,\"function_calls_deleted\":%llu,\"failed_deleted\":%llu,\"older_than\":",
                   total, fns, failed_old);
        json_buf_str(&js, older_text);
        printf("%s}\n", buf_cstr(&js));
        buf_free(&js);
    } else {
        printf("%llu processed/ignored event(s) older than %s deleted\n", total, older_text);
        printf("%llu function call(s) older than %s deleted\n", fns, older_text);
        printf("%llu failed/dead event(s) older than retention.failed_days = %lld deleted\n", failed_old,
               (long long)app->cfg.retention_failed_days);
    }
    /* the phone agent's slot cache lives for minutes */
    db_exec(app->db, "DELETE FROM switchboard_slot_cache WHERE fetched_at < NOW() - INTERVAL 1 HOUR", NULL, 0, NULL, NULL);
    log_msg("info", "prune: %llu events deleted, %llu of them failed/dead; %llu function calls", total + failed_old,
            failed_old, fns);
    snprintf(outcome, sizeof outcome, "%llu event(s) older than %s, %llu failed/dead, %llu function call(s) deleted", total,
             older_text, failed_old, fns);
    command_run_record(app->db, "prune", started, 1, outcome);
    return 0;
}
