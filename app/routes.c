/* routes.c: the one static route table. Legacy path aliases are extra rows. */
#include "app.h"

#include "metrics.h"

const sb_route ROUTES[] = {
    /* Cal.com (LEGACY BEHAVIOR.md §1: both paths, GET answers a ping) */
    {"POST", "/api/calcom/webhook", wh_calcom_receive, "calcom"},
    {"GET", "/api/calcom/webhook", wh_calcom_ping, NULL},
    {"POST", "/api/webhooks/calcom", wh_calcom_receive, "calcom"},
    {"GET", "/api/webhooks/calcom", wh_calcom_ping, NULL},
    /* Retell call webhooks: three paths, one handler (BEHAVIOR.md §1 recommendation) */
    {"POST", "/api/webhook", wh_retell_receive, "retell"},
    {"POST", "/api/webhooks/retell", wh_retell_receive, "retell"},
    {"POST", "/api/retell/webhook", wh_retell_receive, "retell"},
    /* Retell custom functions (the agent's tools): one dispatcher, plus the legacy direct routes */
    {"POST", "/api/webhooks/retell/function", fn_dispatch, "retell"},
    {"POST", "/api/webhooks/retell/function-call", fn_dispatch, "retell"},
    {"POST", "/api/retell/function-call", fn_dispatch, "retell"},
    {"POST", "/api/retell/check-customer", fn_check_customer_route, "retell"},
    {"POST", "/api/retell/check-availability", fn_check_availability_route, "retell"},
    {"POST", "/api/retell/collect-appointment", fn_collect_route, "retell"},
    {"POST", "/api/retell/book-appointment", fn_book_route, "retell"},
    {"POST", "/api/retell/cancel-appointment", fn_cancel_route, "retell"},
    {"POST", "/api/retell/reschedule-appointment", fn_reschedule_route, "retell"},
    {"POST", "/api/webhooks/retell/collect-appointment", fn_collect_route, "retell"},
    {"POST", "/api/webhooks/retell/check-availability", fn_check_availability_route, "retell"},
    /* the dashboard */
    {"GET", "/", dash_overview, NULL},
    {"GET", "/login", dash_login_form, NULL},
    {"POST", "/login", dash_login, NULL},
    {"POST", "/logout", dash_logout, NULL},
    {"POST", "/scope", dash_scope, NULL},
    {"GET", "/lang", dash_lang_switch, NULL},
    {"GET", "/webhooks", dash_webhooks, NULL},
    {"GET", "/webhooks/live.json", dash_webhooks_live, NULL},
    {"GET", "/webhook", dash_event, NULL},
    {"POST", "/test-numbers", dash_test_numbers_post, NULL},
    {"POST", "/webhooks/replay", dash_replay, NULL},
    {"POST", "/webhooks/replay-all", dash_replay_all, NULL},
    {"GET", "/channels", dash_channels, NULL},
    {"GET", "/agents", dash_agents, NULL},
    {"GET", "/calls", dash_calls, NULL},
    {"GET", "/calls.csv", dash_calls_csv, NULL},
    {"GET", "/call", dash_call, NULL},
    {"GET", "/appointments", dash_appointments, NULL},
    {"GET", "/appointments.csv", dash_appointments_csv, NULL},
    {"GET", "/appointment", dash_appointment, NULL},
    {"GET", "/report.csv", dash_report_csv, NULL},
    {"GET", "/callbacks", dash_callbacks, NULL},
    {"GET", "/callbacks.csv", dash_callbacks_csv, NULL},
    {"POST", "/callbacks/close", dash_callback_close, NULL},
    /* operations */
    {"GET", "/api/health", health_show, NULL},
    {"GET", "/api/webhooks/monitor", monitor_show, NULL},
    {"GET", "/metrics", metrics_show, NULL},
};
const size_t NROUTES = sizeof ROUTES / sizeof ROUTES[0];
/* every route has its own metrics slot (lib/metrics.h) */
_Static_assert(sizeof ROUTES / sizeof ROUTES[0] < METRICS_ROUTES, "raise METRICS_ROUTES");

size_t app_dispatch(sb_app *app, const sb_request *req, sb_response *resp)
{
    int status;
    char allow[128];
    const sb_route *r = router_match(ROUTES, NROUTES, req->method, req->path, &status, allow, sizeof allow);
    if (!r) {
        if (status == 405) {
            http_add_header(resp, "Allow", arena_strdup(req->pool, allow));
            http_json_error(resp, 405, "Method Not Allowed");
        } else {
            http_json_error(resp, 404, "Not Found");
        }
        return NROUTES;
    }
    resp->log_provider = r->provider;
    r->handler(app, req, resp);
    return (size_t)(r - ROUTES);
}
