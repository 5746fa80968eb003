/* handlers_health.c: GET /api/health, the liveness + database check.
 * 200 "healthy" when a round trip to the DB works, 503 "unhealthy" when it
 * does not; the spool backlog is shown because events waiting there are
 * acknowledged but not yet in webhook_events. "shadow":true marks a shadow
 * instance (config `shadow`, DESIGN D80), so nobody takes it for the live one.
 * The database error itself is never shown here (D116). */
#include "app.h"

#include "json.h"
#include "log.h"
#include "spool.h"

void health_show(sb_app *app, const sb_request *req, sb_response *resp)
{
    db_rows rows;
    int64_t t0 = http_now_us();
    int db_ok = db_query(app->db, req->pool, "SELECT 1", NULL, 0, &rows) == 0;
    int64_t db_us = http_now_us() - t0;
    size_t spooled = spool_count(app->cfg.spool_dir);
    resp->status = db_ok ? 200 : 503;
    buf *b = &resp->body;
    buf_printf(b, "{\"status\":\"%s\",\"version\":\"%s\",\"shadow\":%s,\"checks\":{\"database\":{\"status\":\"%s\"",
               db_ok ? "healthy" : "unhealthy", SWITCHBOARD_VERSION, app->cfg.shadow ? "true" : "false",
               db_ok ? "ok" : "unreachable");
    if (db_ok) buf_printf(b, ",\"latency_us\":%lld", (long long)db_us);
    else {
        /* unauthenticated: the driver's text names host, user and socket (issue 15 #8); the
         * details go to the log here and to the monitor's reasons (bearer only) */
        log_msg("error", "health: database unavailable: %s", db_error(app->db));
        buf_puts(b, ",\"error\":\"database unavailable\"");
    }
    buf_printf(b, "},\"spool\":{\"status\":\"%s\",\"pending\":%zu}}}", spooled ? "backlog" : "empty", spooled);
}
