/* cmd_sync_calls.c: `switchboard sync-calls`, the reconciliation behind the
 * real-time Retell webhooks (the legacy `retell:sync-calls`).
 *
 *   switchboard sync-calls [--since 1d|DATE] [--until DATE] [--limit N] [--page-size N] [--retries N] [--dry-run] [--verbose]
 *
 * Pages through POST {retell.api_base}/v3/list-calls (start time range,
 * ascending, pagination_key) and upserts every call through
 * call_upsert_retell, the webhooks' own code path, one transaction per call,
 * so it is safe while webhooks arrive. --dry-run runs the same upserts and
 * rolls them back: it reports exactly what a real run would change. 429 waits
 * Retry-After; 5xx and transport errors back off (1, 2, 4, 8, 16 s); a page
 * that still fails stops the run with the reason and exit 1.
 *
 * What it imported is linked (D171): the calls it created or changed are
 * given to the linker as one recorded run (undoable like detect-conversions'),
 * over their start times plus the rule-b window, because no webhook ran the
 * pipeline's linker for them. --verbose lists each call (id, start, what
 * happened). Every run records its outcome (switchboard_command_runs, D172).
 *
 * An imported call that is over gets the callback rules of the webhooks'
 * call_ended/call_analyzed (lib/callbacks.h, D201) in its own transaction:
 * a call Retell knows but whose webhooks never came may hold an unmet wish. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "callbacks.h"
#include "calls.h"
#include "command_runs.h"
#include "http_client.h"
#include "linker.h"
#include "log.h"
#include "progress.h"
#include "timeutil.h"

#define PAGE_ATTEMPTS_DEFAULT 6

static long long parse_when(const char *s, long long now)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end != s && n >= 0) {
        if (!strcmp(end, "d")) return now - n * 86400;
        if (!strcmp(end, "h")) return now - n * 3600;
        if (!strcmp(end, "m")) return now - n * 60;
    }
    int64_t t;
    if (time_parse_iso(s, &t) == 0) return t;
    char iso[40];
    snprintf(iso, sizeof iso, "%sT00:00:00Z", s);
    return time_parse_iso(iso, &t) == 0 ? t : -1;
}

/* One page, with retries. Returns 0 and the parsed body, or -1 with err. */
static int fetch_page(sb_app *app, const char *body, int attempts, progress *pr, json_object **out, char *err,
                      size_t errlen)
{
    char url[1024], auth[600];
    snprintf(url, sizeof url, "%s/v3/list-calls", app->cfg.retell_api_base);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", app->cfg.retell_api_key);
    const char *h[] = {auth, "Content-Type: application/json", NULL};
    int delay = 1;
    for (int attempt = 1; attempt <= attempts; attempt++) {
        http_client_response r;
        char terr[300];
        int rc = http_client_request("POST", url, h, body, strlen(body), 30000, &r, terr, sizeof terr);
        int wait = delay;
        if (rc == 0 && r.status == 200) {
            char perr[128];
            *out = json_parse_strict(buf_cstr(&r.body), r.body.len, perr, sizeof perr);
            http_client_response_free(&r);
            if (*out) return 0;
            snprintf(err, errlen, "Retell answered 200 with a body that is not JSON (%s)", perr);
            return -1;
        }
        if (rc != 0) snprintf(err, errlen, "%s", terr);
        else snprintf(err, errlen, "Retell answered HTTP %ld: %.200s", r.status, buf_cstr(&r.body));
        int retry = rc != 0 || r.status == 429 || r.status >= 500;
        if (rc == 0 && r.status == 429) {
            char ra[32];
            if (http_client_header(&r, "Retry-After", ra, sizeof ra) == 0 && atoi(ra) > 0) wait = atoi(ra) > 60 ? 60 : atoi(ra);
        }
        if (rc == 0) http_client_response_free(&r);
        if (!retry || attempt == attempts) return -1;
        progress_clear(pr);
        fprintf(stderr, "sync-calls: %s; retrying in %d s (attempt %d of %d)\n", err, wait, attempt + 1, attempts);
        sleep((unsigned)wait);
        delay *= 2;
    }
    return -1;
}

int cmd_sync_calls(sb_app *app, int argc, char **argv)
{
    long long now = (long long)time(NULL), since = now - 86400, until = now, limit = 0, page_size = 50;
    long long attempts = PAGE_ATTEMPTS_DEFAULT;
    int dry = 0, verbose = 0;
    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--dry-run")) { dry = 1; continue; }
        if (!strcmp(argv[i], "--verbose")) { verbose = 1; continue; }
        if (!v) { fprintf(stderr, "switchboard: sync-calls: %s needs a value\n", argv[i]); return 2; }
        if (!strcmp(argv[i], "--since")) since = parse_when(v, now);
        else if (!strcmp(argv[i], "--until")) until = parse_when(v, now);
        else if (!strcmp(argv[i], "--limit")) limit = atoll(v);
        else if (!strcmp(argv[i], "--page-size")) page_size = atoll(v);
        else if (!strcmp(argv[i], "--retries")) attempts = atoll(v);
        else { fprintf(stderr, "switchboard: sync-calls: unknown option %s\n", argv[i]); return 2; }
        i++;
    }
    if (since < 0 || until < 0 || until <= since || page_size < 1 || page_size > 1000 || limit < 0 || attempts < 1 ||
        attempts > 20) {
        fprintf(stderr, "switchboard: sync-calls: need --since before --until (1d, 6h, YYYY-MM-DD or ISO 8601), "
                        "--page-size 1..1000, --retries 1..20, --limit >= 0\n");
        return 2;
    }
    if (!*app->cfg.retell_api_key) {
        fprintf(stderr, "switchboard: sync-calls: retell.api_key is not configured\n");
        return 2;
    }
    if (!strcmp(app->format, "json")) verbose = 0; /* one object on stdout (D151) */
    progress pr; /* Retell does not say how many calls a window holds: a counter */
    progress_start(&pr, stderr, "sync-calls", "calls", limit, app->quiet);
    long long seen = 0, created = 0, updated = 0, unchanged = 0, skipped = 0, opened = 0;
    int64_t first_start = 0, last_start = 0; /* of the calls created or changed: the linker's scope */
    char *after = NULL;
    arena *a = arena_new(1 << 20);
    int rc = 0, page = 0;
    for (;;) {
        page++;
        buf body = BUF_INIT;
        buf_printf(&body, "{\"filter_criteria\":{\"start_timestamp\":{\"type\":\"range\",\"op\":\"bt\",\"value\":[%lld,%lld]}},"
                          "\"sort_order\":\"ascending\",\"limit\":%lld",
                   since * 1000, until * 1000 + 999, limit && limit - seen < page_size ? limit - seen : page_size);
        if (after) {
            buf_puts(&body, ",\"pagination_key\":");
            json_buf_str(&body, after);
        }
        buf_putc(&body, '}');
        json_object *resp = NULL;
        char err[512];
        int fr = fetch_page(app, buf_cstr(&body), (int)attempts, &pr, &resp, err, sizeof err);
        buf_free(&body);
        if (fr != 0) {
            progress_end(&pr);
            fprintf(stderr, "sync-calls: page %d failed: %s\nsync-calls: stopped; %lld calls were synced before it "
                            "(rerun to continue: the run is idempotent)\n", page, err, seen);
            rc = 1;
            break;
        }
        json_object *items = json_get(resp, "items");
        if (!items || !json_object_is_type(items, json_type_array)) {
            fprintf(stderr, "sync-calls: page %d has no items array\n", page);
            json_object_put(resp);
            rc = 1;
            break;
        }
        size_t n = json_object_array_length(items);
        for (size_t i = 0; i < n; i++) {
            arena_reset(a);
            json_object *call = json_object_array_get_idx(items, i);
            audit_cause why = {0, "cli: sync-calls"};
            call_result r;
            uint64_t item = 0; /* the callback item this call opened */
            int ur = -1;
            for (int attempt = 0; attempt < 2 && ur == -1; attempt++) { /* a webhook may insert it concurrently */
                if (db_begin(app->db) != 0) break;
                ur = call_upsert_retell(app->db, a, &app->cfg, call, NULL, &why, &r, err, sizeof err);
                item = 0;
                if (ur == 0 && r.company_id && r.status && strcmp(r.status, "ongoing") != 0 &&
                    callbacks_open_for_call(app->db, a, &app->cfg, r.id, &item) != 0)
                    ur = -1;
                if (ur == 0 && (dry ? db_rollback(app->db) : db_commit(app->db)) != 0) ur = -1;
                else if (ur != 0) db_rollback(app->db);
            }
            if (ur == -1) {
                progress_end(&pr);
                fprintf(stderr, "sync-calls: database error on call %s: %s\n",
                        json_get_str(call, "call_id") ? json_get_str(call, "call_id") : "?", db_error(app->db));
                rc = CLI_EXIT_DB;
                break;
            }
            seen++;
            opened += item != 0;
            const char *what = ur == -2 ? "skipped" : r.created ? "new" : r.changed ? "updated" : "unchanged";
            if (ur == -2) skipped++;
            else if (r.created) created++;
            else if (r.changed) updated++;
            else unchanged++;
            progress_set(&pr, seen);
            int64_t start_ms = 0;
            json_get_int(call, "start_timestamp", &start_ms);
            if (ur == 0 && (r.created || r.changed) && start_ms > 0) {
                if (!first_start || start_ms / 1000 < first_start) first_start = start_ms / 1000;
                if (start_ms / 1000 > last_start) last_start = start_ms / 1000;
            }
            if (verbose) {
                char when[32] = "-";
                if (start_ms > 0) time_format_iso(start_ms / 1000, when, sizeof when);
                printf("%-44s %-20s %s\n", json_get_str(call, "call_id") ? json_get_str(call, "call_id") : "?", when, what);
            }
        }
        const char *next = json_get_str(resp, "pagination_key");
        bool more = false;
        json_get_bool(resp, "has_more", &more);
        free(after);
        after = more && next ? strdup(next) : NULL;
        json_object_put(resp);
        if (rc || !after || (limit && seen >= limit)) break;
    }
    progress_end(&pr);
    free(after);
    arena_free(a);
    log_msg("info", "sync-calls: %lld calls, %lld new, %lld updated%s", seen, created, updated, dry ? " (dry run)" : "");
    long long linked = 0;
    uint64_t run = 0;
    if (!dry && first_start) { /* link what was imported: no webhook ran the pipeline's linker for these calls */
        linker_scope scope = {0, first_start, last_start + 1, 0, NULL, NULL, 0};
        linker_result res;
        arena *la = arena_new(1 << 20);
        char sc[160], t0[32], t1[32];
        time_format_iso(first_start, t0, sizeof t0);
        time_format_iso(last_start + 1, t1, sizeof t1);
        snprintf(sc, sizeof sc, "calls %s .. %s (imported by sync-calls)", t0, t1);
        if (linker_run_recorded(app->db, la, &app->cfg, &scope, "sync-calls", sc, verbose ? stdout : NULL, &res, &run) != 0) {
            fprintf(stderr, "sync-calls: linking the imported calls failed: %s\n", db_error(app->db));
            rc = 1;
        } else {
            linked = res.linked;
        }
        arena_free(la);
    }
    if (!strcmp(app->format, "json")) {
        printf("{\"calls\":%lld,\"created\":%lld,\"updated\":%lld,\"unchanged\":%lld,\"skipped\":%lld,\"pages\":%d,"
               "\"dry_run\":%s,\"complete\":%s,\"callbacks_opened\":%lld,\"linked\":%lld,\"link_run\":", seen, created,
               updated, unchanged, skipped, page, dry ? "true" : "false", rc ? "false" : "true", opened, linked);
        if (run) printf("%llu}\n", (unsigned long long)run);
        else printf("null}\n");
    } else {
        printf("%lld calls: %lld new, %lld updated, %lld unchanged, %lld skipped; %d page(s)%s\n", seen, created, updated,
               unchanged, skipped, page, dry ? " (dry run: nothing written)" : "");
        if (opened) printf("opened %lld callback item(s)%s\n", opened, dry ? " (dry run: rolled back)" : "");
        if (run)
            printf("linked %lld call(s) to appointments as run %llu (undo: switchboard detect-conversions --undo %llu)\n",
                   linked, (unsigned long long)run, (unsigned long long)run);
    }
    char outcome[200];
    snprintf(outcome, sizeof outcome, "%lld calls: %lld new, %lld updated, %lld unchanged, %lld skipped, %lld linked,"
             " %lld callback items%s", seen, created, updated, unchanged, skipped, linked, opened, dry ? " (dry run)" : "");
    command_run_record(app->db, "sync-calls", now, rc == 0, outcome);
    return rc;
}
