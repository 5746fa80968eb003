/* handlers_monitor.c: GET /api/webhooks/monitor and GET /metrics.
 *
 * Both need a bearer credential (lib/auth.h): the configured monitor.token
 * or a Laravel Sanctum token; a tenant user's token limits every number to
 * their company. The monitor keeps the legacy keys (status, timestamp,
 * stats.{retell,calcom}.{total,today,last_hour,last_received,success_rate},
 * recent_webhooks) and adds the queue numbers of lib/queue_stats.h.
 * `switchboard monitor` prints the same body, built by the same function,
 * from the database (D154). */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "command_runs.h"
#include "json.h"
#include "mail_outbox_stats.h"
#include "metrics.h"
#include "queue_stats.h"

#define RECENT_WEBHOOKS 20

/* 1 and *who filled when the caller may proceed, or 0 after answering (a guard, as dash_need_session: D193). */
static int need_bearer(sb_app *app, const sb_request *req, sb_response *resp, auth_identity *who)
{
    if (auth_bearer(app->db, req->pool, &app->cfg, http_header(req, "authorization"), AUTH_ABILITY_MONITOR, who) != 0) {
        http_json_error(resp, 503, "cannot check the token: database unavailable");
        return 0;
    }
    if (!who->ok) {
        http_add_header(resp, "WWW-Authenticate", "Bearer");
        http_json_error(resp, 401, "Unauthenticated.");
        return 0;
    }
    return 1;
}

static void iso_now(char *out, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void put_str_or_null(buf *b, const char *s)
{
    if (s) json_buf_str(b, s);
    else buf_puts(b, "null");
}

/* one key of a listed row: its name and its kind, 's' string, 'n' integer, 'z' string or null */
typedef struct json_field {
    const char *key;
    char kind;
} json_field;

/* each row of r as an object of its first n cells, in the order and kinds of f, comma-separated */
static void put_objects(buf *b, const db_rows *r, const json_field *f, size_t n)
{
    for (size_t i = 0; i < r->nrows; i++) {
        buf_puts(b, i ? ",{" : "{");
        for (size_t c = 0; c < n; c++) {
            if (c) buf_putc(b, ',');
            json_buf_str(b, f[c].key);
            buf_putc(b, ':');
            if (f[c].kind == 'n') buf_printf(b, "%lld", db_cell_ll(r, i, c));
            else if (f[c].kind == 'z') put_str_or_null(b, db_cell(r, i, c));
            else json_buf_str(b, db_cell(r, i, c));
        }
        buf_putc(b, '}');
    }
}

/* The phone agent's last hour (D91): requests by outcome and the error rate, errors being
 * ours or Cal.com's (not a caller's unmet wish: no_slot, not_found, invalid_input, refused_identity). */
static void function_stats(sb_app *app, arena *pool, buf *b, long long company)
{
    static const char *const SQL =
        "SELECT outcome, COUNT(*), SUM(outcome IN ('internal_error','calcom_error','calcom_down','unknown_function'))"
        " FROM switchboard_function_calls WHERE created_at >= NOW(3) - INTERVAL 1 HOUR AND (? = 0 OR company_id = ?)"
        " GROUP BY outcome ORDER BY outcome";
    db_param p[] = {db_int(company), db_int(company)};
    db_rows r;
    buf_puts(b, "\"functions\":{\"window\":\"1h\"");
    if (db_query(app->db, pool, SQL, p, 2, &r) != 0) {
        buf_puts(b, ",\"calls\":null},");
        return;
    }
    long long calls = 0, errors = 0;
    buf_puts(b, ",\"by_outcome\":{");
    for (size_t i = 0; i < r.nrows; i++) {
        if (i) buf_putc(b, ',');
        json_buf_str(b, db_cell(&r, i, 0));
        buf_printf(b, ":%lld", db_cell_ll(&r, i, 1));
        calls += db_cell_ll(&r, i, 1);
        errors += db_cell_ll(&r, i, 2);
    }
    buf_printf(b, "},\"calls\":%lld,\"errors\":%lld,\"error_rate\":%.4f},", calls, errors,
               calls ? (double)errors / (double)calls : 0.0);
}

/* The monitor's JSON body for company_id (0: every company) into b; the HTTP status it
 * answers with: 200, or 503 when the database cannot be read (b then holds the short "down"
 * body, or nothing when recent rows failed). *status_word: "ok", "degraded", "down". */
static int monitor_body(sb_app *app, arena *pool, long long company_id, buf *b, const char **status_word)
{
    queue_stats s;
    char now[32];
    iso_now(now, sizeof now);
    *status_word = "down";
    if (queue_stats_read(app->db, pool, company_id, app->cfg.spool_dir, &s) != 0) {
        buf_printf(b, "{\"status\":\"down\",\"timestamp\":\"%s\",\"reasons\":", now);
        json_buf_str(b, s.reasons);
        buf_puts(b, "}");
        return 503;
    }
    static const char *const RECENT =
        "SELECT id, provider, event_type, event_id, status,"
        " DATE_FORMAT(CONVERT_TZ(COALESCE(received_at, created_at), @@session.time_zone, '+00:00'), '%Y-%m-%dT%H:%i:%sZ'),"
        " DATE_FORMAT(CONVERT_TZ(processed_at, @@session.time_zone, '+00:00'), '%Y-%m-%dT%H:%i:%sZ'),"
        " error_message, retry_count"
        " FROM webhook_events WHERE (? = 0 OR company_id = ?) ORDER BY id DESC LIMIT ?";
    db_param p[] = {db_int(company_id), db_int(company_id), db_int(RECENT_WEBHOOKS)};
    db_rows recent;
    if (db_query(app->db, pool, RECENT, p, 3, &recent) != 0) return 503;
    *status_word = s.status;
    buf_printf(b, "{\"status\":\"%s\",\"timestamp\":\"%s\",\"reasons\":", s.status, now);
    json_buf_str(b, s.reasons);
    buf_printf(b, ",\"shadow\":%s,\"scope\":", app->cfg.shadow ? "true" : "false"); /* D80 */
    if (company_id) buf_printf(b, "{\"company_id\":%lld}", company_id);
    else buf_puts(b, "\"all\"");
    buf_puts(b, ",\"stats\":{");
    for (int i = 0; i < 2; i++) {
        const provider_stats *ps = &s.providers[i];
        buf_printf(b, "%s\"%s\":{\"total\":%lld,\"today\":%lld,\"last_hour\":%lld,\"last_received\":", i ? "," : "",
                   ps->provider, ps->total, ps->today, ps->last_hour);
        put_str_or_null(b, ps->last_received);
        buf_printf(b, ",\"success_rate\":%.2f,\"by_status\":{", ps->success_rate);
        for (int k = 0; k < QS_NSTATUS; k++)
            buf_printf(b, "%s\"%s\":%lld", k ? "," : "", QUEUE_STATUS_NAMES[k], ps->by_status[k]);
        buf_puts(b, "}}");
    }
    buf_puts(b, "},\"queue\":{\"by_status\":{");
    for (int k = 0; k < QS_NSTATUS; k++)
        buf_printf(b, "%s\"%s\":%lld", k ? "," : "", QUEUE_STATUS_NAMES[k], s.by_status[k]);
    buf_printf(b, "},\"backlog\":%lld,\"failed_due\":%lld,\"oldest_pending_seconds\":", s.backlog, s.failed_due);
    if (s.oldest_pending_s >= 0) buf_printf(b, "%.3f", s.oldest_pending_s);
    else buf_puts(b, "null");
    buf_printf(b, ",\"dead\":%lld,\"dead_last_hour\":%lld,\"spool_pending\":%zu,"
                  "\"lag_ms\":{\"window\":\"1h\",\"samples\":%lld,\"p50\":%lld,\"p99\":%lld,\"max\":%lld}},",
               s.by_status[QS_DEAD], s.dead_last_hour, s.spool_pending, s.lag_samples, s.lag_p50_ms, s.lag_p99_ms,
               s.lag_max_ms);
    buf_printf(b, "\"thresholds\":{\"degraded_oldest_pending_seconds\":%d,\"degraded_backlog\":%d,"
                  "\"degraded_dead_last_hour\":1,\"degraded_spool_pending\":1},",
               QUEUE_DEGRADED_OLDEST_S, QUEUE_DEGRADED_BACKLOG);
    function_stats(app, pool, b, company_id);
    mail_outbox_stats ms; /* the summaries and alerts still owed (D203); left out when unreadable */
    if (mail_outbox_stats_read(app->db, pool, company_id, &ms) == 0) {
        mail_outbox_stats_json(&ms, b);
        buf_putc(b, ',');
    }
    /* numbers that reach us but no tenant: operators must map them (tenants never see others' traffic) */
    buf_puts(b, "\"unroutable_numbers\":[");
    if (!company_id) {
        static const char *const UNROUTABLE =
            "SELECT num, COUNT(*), DATE_FORMAT(CONVERT_TZ(MAX(seen), @@session.time_zone, '+00:00'), '%Y-%m-%dT%H:%i:%sZ')"
            " FROM (SELECT to_number AS num, updated_at AS seen FROM calls WHERE company_id IS NULL"
            "         AND COALESCE(direction, 'inbound') <> 'outbound' AND updated_at >= NOW() - INTERVAL 1 DAY"
            "         AND to_number IS NOT NULL"
            "       UNION ALL SELECT JSON_VALUE(payload, '$.call_inbound.to_number'), created_at FROM webhook_events"
            "         WHERE provider = 'retell' AND event_type = 'call_inbound' AND status = 'ignored'"
            "         AND created_at >= NOW() - INTERVAL 1 DAY) u"
            " WHERE num IS NOT NULL GROUP BY num ORDER BY MAX(seen) DESC LIMIT 50";
        db_rows un;
        if (db_query(app->db, pool, UNROUTABLE, NULL, 0, &un) == 0)
            put_objects(b, &un, (const json_field[]){{"number", 's'}, {"events_last_24h", 'n'}, {"last_seen", 'z'}}, 3);
    }
    /* problems no event carries (lib/problems.h), last 24 h, the tenant's own only */
    buf_puts(b, "],\"problems\":[");
    static const char *const PROBLEMS =
        "SELECT kind, company_id, detail, occurrences,"
        " DATE_FORMAT(CONVERT_TZ(last_seen, @@session.time_zone, '+00:00'), '%Y-%m-%dT%H:%i:%sZ')"
        " FROM switchboard_problems WHERE last_seen >= NOW() - INTERVAL 1 DAY AND (? = 0 OR company_id = ?)"
        " ORDER BY last_seen DESC LIMIT 50";
    db_rows pr;
    if (db_query(app->db, pool, PROBLEMS, p, 2, &pr) == 0)
        put_objects(b, &pr,
                    (const json_field[]){{"kind", 's'}, {"company_id", 'n'}, {"detail", 's'}, {"occurrences", 'n'},
                                         {"last_seen", 'z'}},
                    5);
    command_run runs[COMMAND_RUNS_N]; /* freshness of the batch commands (17.8, D172) */
    if (command_runs_read(app->db, pool, runs) == 0) {
        buf_puts(b, "],");
        command_runs_json(runs, b);
        buf_puts(b, ",\"recent_webhooks\":[");
    } else {
        buf_puts(b, "],\"recent_webhooks\":[");
    }
    static const char *const COLS[] = {NULL, "provider", "event_type", "event_id", "status", "received_at",
                                       "processed_at", "error_message"};
    for (size_t r = 0; r < recent.nrows; r++) {
        buf_printf(b, "%s{\"id\":%s", r ? "," : "", db_cell(&recent, r, 0));
        for (size_t c = 1; c < sizeof COLS / sizeof *COLS; c++) {
            buf_printf(b, ",\"%s\":", COLS[c]);
            put_str_or_null(b, db_cell(&recent, r, c));
        }
        buf_printf(b, ",\"retry_count\":%s}", db_cell(&recent, r, 8) ? db_cell(&recent, r, 8) : "0");
    }
    buf_puts(b, "]}");
    return 200;
}

void monitor_show(sb_app *app, const sb_request *req, sb_response *resp)
{
    auth_identity who;
    if (!need_bearer(app, req, resp, &who)) return;
    const char *word;
    resp->status = monitor_body(app, req->pool, who.company_id, &resp->body, &word);
    if (resp->status != 200 && resp->body.len == 0) http_json_error(resp, 503, "database unavailable");
}

/* The table form: the headline numbers of the same body. */
static void monitor_table(json_object *m)
{
    printf("status       %s%s%s\n", json_get_str(m, "status") ? json_get_str(m, "status") : "?",
           json_get_str(m, "reasons") && *json_get_str(m, "reasons") ? ": " : "",
           json_get_str(m, "reasons") ? json_get_str(m, "reasons") : "");
    json_object *q = json_get(m, "queue"), *st = json_get(m, "stats");
    if (q) {
        json_object *bs = json_get(q, "by_status");
        printf("queue        backlog %s, failed due %s, dead %s (last hour %s), spool %s\n",
               json_object_to_json_string(json_get(q, "backlog")), json_object_to_json_string(json_get(q, "failed_due")),
               json_object_to_json_string(json_get(q, "dead")), json_object_to_json_string(json_get(q, "dead_last_hour")),
               json_object_to_json_string(json_get(q, "spool_pending")));
        printf("by status    %s\n", bs ? json_object_to_json_string(bs) : "{}");
    }
    static const char *const PROVIDERS[] = {"retell", "calcom"};
    for (size_t i = 0; st && i < 2; i++) {
        json_object *ps = json_get(st, PROVIDERS[i]);
        if (!ps) continue;
        printf("%-12s total %s, today %s, last hour %s, success %s%%, last %s\n", PROVIDERS[i],
               json_object_to_json_string(json_get(ps, "total")), json_object_to_json_string(json_get(ps, "today")),
               json_object_to_json_string(json_get(ps, "last_hour")), json_object_to_json_string(json_get(ps, "success_rate")),
               json_get_str(ps, "last_received") ? json_get_str(ps, "last_received") : "never");
    }
    json_object *un = json_get(m, "unroutable_numbers");
    size_t nun = un && json_object_is_type(un, json_type_array) ? json_object_array_length(un) : 0;
    printf("unroutable   %zu number(s) in the last 24 h\n", nun);
    json_object *mail = json_get(m, "mail");
    if (mail)
        printf("mail         queued %s (oldest %s s), sent %s, dead last 24 h %s\n",
               json_object_to_json_string(json_get(mail, "queued")),
               json_object_to_json_string(json_get(mail, "oldest_queued_seconds")),
               json_object_to_json_string(json_get(mail, "by_status.sent")),
               json_object_to_json_string(json_get(mail, "dead_last_day")));
}

int cmd_monitor(sb_app *app, int argc, char **argv)
{
    long long company = 0;
    for (int i = 0; i + 1 < argc; i += 2)
        if (!strcmp(argv[i], "--company")) company = atoll(argv[i + 1]);
    if (argc % 2 || company < 0) {
        fprintf(stderr, "switchboard: monitor: --company takes a company id\n");
        return CLI_EXIT_USAGE;
    }
    arena *a = arena_new(1 << 16);
    buf b = BUF_INIT;
    const char *word;
    int st = monitor_body(app, a, company, &b, &word);
    int rc = st != 200 ? CLI_EXIT_DB : strcmp(word, "ok") ? CLI_EXIT_ATTENTION : CLI_EXIT_OK;
    if (st != 200) fprintf(stderr, "switchboard: monitor: database unavailable: %s\n", db_error(app->db));
    if (!strcmp(app->format, "json")) {
        printf("%s\n", b.len ? buf_cstr(&b) : "{\"status\":\"down\"}");
    } else if (b.len) {
        char perr[128];
        json_object *m = json_parse_strict(buf_cstr(&b), b.len, perr, sizeof perr);
        if (m) monitor_table(m);
        json_object_put(m);
    }
    buf_free(&b);
    arena_free(a);
    return rc;
}

static const char *route_label(size_t i)
{
    static char labels[METRICS_ROUTES][96];
    if (i >= NROUTES) return NULL;
    if (!labels[i][0]) snprintf(labels[i], sizeof labels[i], "%s %s", ROUTES[i].method, ROUTES[i].path);
    return labels[i];
}

void metrics_show(sb_app *app, const sb_request *req, sb_response *resp)
{
    auth_identity who;
    if (!need_bearer(app, req, resp, &who)) return;
    if (who.company_id) {
        /* host-wide counters mix every tenant: operators only */
        http_json_error(resp, 403, "metrics cover every company; use an operator token");
        return;
    }
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    buf *b = &resp->body;
    metrics_render(b, route_label);
    queue_stats s;
    int up = queue_stats_read(app->db, req->pool, 0, app->cfg.spool_dir, &s) == 0;
    buf_printf(b, "# HELP switchboard_database_up 1 when the database answered this scrape.\n"
                  "# TYPE switchboard_database_up gauge\nswitchboard_database_up %d\n", up);
    buf_printf(b, "# HELP switchboard_shadow 1 on a shadow instance (mirrored traffic, own schema; D80).\n"
                  "# TYPE switchboard_shadow gauge\nswitchboard_shadow %d\n", app->cfg.shadow ? 1 : 0);
    buf_printf(b, "# HELP switchboard_spool_pending Events acknowledged but still in the local spool.\n"
                  "# TYPE switchboard_spool_pending gauge\nswitchboard_spool_pending %zu\n", s.spool_pending);
    if (!up) return;
    buf_puts(b, "# HELP switchboard_events Events in webhook_events by status.\n# TYPE switchboard_events gauge\n");
    for (int k = 0; k < QS_NSTATUS; k++)
        buf_printf(b, "switchboard_events{status=\"%s\"} %lld\n", QUEUE_STATUS_NAMES[k], s.by_status[k]);
    buf_printf(b, "# HELP switchboard_queue_backlog Pending events plus failed events that are due.\n"
                  "# TYPE switchboard_queue_backlog gauge\nswitchboard_queue_backlog %lld\n", s.backlog);
    buf_printf(b, "# HELP switchboard_queue_oldest_pending_seconds Age of the oldest pending event (0: none).\n"
                  "# TYPE switchboard_queue_oldest_pending_seconds gauge\nswitchboard_queue_oldest_pending_seconds %.3f\n",
               s.oldest_pending_s > 0 ? s.oldest_pending_s : 0.0);
    command_run runs[COMMAND_RUNS_N];
    if (command_runs_read(app->db, req->pool, runs) == 0) command_runs_prometheus(runs, b);
    mail_outbox_stats ms;
    if (mail_outbox_stats_read(app->db, req->pool, 0, &ms) == 0) mail_outbox_stats_prometheus(&ms, b);
}
