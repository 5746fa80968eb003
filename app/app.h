/* app.h: the long-lived state of one switchboard process and the handlers.
 *
 * main() owns the sb_app: the loaded config, this process's DB connection
 * (the primary) and, when db.read_* is set, a second one to a read replica
 * that dashboard reads get through db_for_reads(&app->reads). Handlers borrow it for one request. Every handler has the
 * sb_handler signature (lib/router.h) and is listed once in app/routes.c. */
#ifndef SB_APP_H
#define SB_APP_H

#include <signal.h>

#include "cli.h"
#include "config.h"
#include "db.h"
#include "db_reads.h"
#include "http.h"
#include "pipeline.h"
#include "router.h"

#define SWITCHBOARD_VERSION "0.1.0"

typedef struct sb_app {
    sb_config cfg;
    const char *config_path; /* the file cfg came from: app_reload reads it again */
    sb_db *db;
    db_reads reads;  /* dashboard reads: the replica while fresh, else db (lib/db_reads.h) */
    pipeline pipe;   /* this process's queue worker (fast path in serve, loop in worker) */
    const char *format; /* a command's --format ("table" when not given), taken out of argv by main */
    int quiet;          /* a command's --quiet: no progress line */
} sb_app;

/* commands.c: the command table (lib/cli.h) main dispatches through, one row per command */
extern const cli_cmd COMMANDS[];
extern const size_t NCOMMANDS;
/* main.c: `switchboard sign calcom|retell FILE`. Exit code. */
int cmd_sign(sb_app *app, int argc, char **argv);
/* handlers_monitor.c: `switchboard monitor`, the monitor's answer from the database. Exit code. */
int cmd_monitor(sb_app *app, int argc, char **argv);

/* routes.c */
extern const sb_route ROUTES[];
extern const size_t NROUTES;
/* Run the route table for one request: 404/405 or the handler. Returns the
 * route's index in ROUTES, or NROUTES when none matched (for the metrics). */
size_t app_dispatch(sb_app *app, const sb_request *req, sb_response *resp);

/* events.c: the event handler table of the pipeline */
extern const event_handler EVENT_HANDLERS[];
extern const size_t NEVENT_HANDLERS;
/* Set up app->pipe for this process. */
void app_pipeline_init(sb_app *app);

/* calcom_events.c: pipeline handlers of Cal.com triggers */
void calcom_booking_created(pipeline *p, arena *a, const stored_event *ev, event_result *res);
void calcom_booking_requested(pipeline *p, arena *a, const stored_event *ev, event_result *res);
void calcom_booking_rescheduled(pipeline *p, arena *a, const stored_event *ev, event_result *res);
void calcom_booking_cancelled(pipeline *p, arena *a, const stored_event *ev, event_result *res);
void calcom_booking_rejected(pipeline *p, arena *a, const stored_event *ev, event_result *res);
void calcom_booking_no_show(pipeline *p, arena *a, const stored_event *ev, event_result *res);
void calcom_meeting_ended(pipeline *p, arena *a, const stored_event *ev, event_result *res);

/* retell_events.c: pipeline handlers of Retell call webhooks, and the call_inbound answer */
void retell_call_event(pipeline *p, arena *a, const stored_event *ev, event_result *res);
void retell_call_inbound(pipeline *p, arena *a, const stored_event *ev, event_result *res);
/* Fill resp with Retell's call_inbound response for this delivery (always 200). */
void retell_inbound_answer(sb_app *app, const sb_request *req, json_object *root, sb_response *resp);

/* retell_functions.c: the phone agent's custom functions (one dispatcher, legacy direct routes) */
void retell_function(sb_app *app, const sb_request *req, sb_response *resp, const char *fixed_name);
void fn_dispatch(sb_app *app, const sb_request *req, sb_response *resp);
void fn_check_customer_route(sb_app *app, const sb_request *req, sb_response *resp);
void fn_check_availability_route(sb_app *app, const sb_request *req, sb_response *resp);
void fn_collect_route(sb_app *app, const sb_request *req, sb_response *resp);
void fn_book_route(sb_app *app, const sb_request *req, sb_response *resp);
void fn_cancel_route(sb_app *app, const sb_request *req, sb_response *resp);
void fn_reschedule_route(sb_app *app, const sb_request *req, sb_response *resp);
/* function_log.c: every signed function request kept (switchboard_function_calls, D90-D92).
 * An entry and its strings live in the request's arena. */
typedef struct fn_log_entry {
    const char *retell_call_id;  /* NULL: no call named */
    uint64_t call_row;           /* calls.id, 0: unknown */
    long long company;           /* 0: unknown */
    const char *branch_id;
    const char *function;        /* the name as asked (without _vN), "" when none */
    const char *args_json;       /* canonical arguments (0012_function_calls.sql), NULL: unparsable body */
    const char *outcome;         /* NULL: from the answer's status */
    uint64_t appointment_id;
    int64_t duration_us;         /* arrival to the answer built */
    int64_t provider_ms;         /* Retell's signature time, 0: none */
} fn_log_entry;
/* Count the entry in /metrics and insert it once the response is sent (resp->after);
 * with functions.log = 0 only the count. A failed insert is a log line, never an error. */
void function_log_after(sb_app *app, arena *a, sb_response *resp, const fn_log_entry *e);
/* The outcome an answer's status stands for (the vocabulary of 0012_function_calls.sql). */
const char *function_outcome_of_status(const char *status, int success);

/* phone_booking.c */
uint64_t phone_booking_write(sb_app *app, arena *a, const char *idem_key);
void phone_booking_repair(pipeline *p, arena *a, const stored_event *ev, event_result *res);

/* dashboard.c: the HTML dashboard */
void dash_login_form(sb_app *app, const sb_request *req, sb_response *resp);
void dash_login(sb_app *app, const sb_request *req, sb_response *resp);
void dash_logout(sb_app *app, const sb_request *req, sb_response *resp);
void dash_overview(sb_app *app, const sb_request *req, sb_response *resp);
void dash_webhooks(sb_app *app, const sb_request *req, sb_response *resp);
void dash_scope(sb_app *app, const sb_request *req, sb_response *resp);
void dash_lang_switch(sb_app *app, const sb_request *req, sb_response *resp);
void dash_replay_all(sb_app *app, const sb_request *req, sb_response *resp);
void dash_webhooks_live(sb_app *app, const sb_request *req, sb_response *resp);
void dash_replay(sb_app *app, const sb_request *req, sb_response *resp);
void dash_event(sb_app *app, const sb_request *req, sb_response *resp);
void dash_test_numbers_post(sb_app *app, const sb_request *req, sb_response *resp);
/* dashboard_lists.c */
void dash_calls(sb_app *app, const sb_request *req, sb_response *resp);
void dash_calls_csv(sb_app *app, const sb_request *req, sb_response *resp);
void dash_call(sb_app *app, const sb_request *req, sb_response *resp);
void dash_appointments(sb_app *app, const sb_request *req, sb_response *resp);
void dash_appointments_csv(sb_app *app, const sb_request *req, sb_response *resp);
void dash_appointment(sb_app *app, const sb_request *req, sb_response *resp);
void dash_channels(sb_app *app, const sb_request *req, sb_response *resp);
void dash_agents(sb_app *app, const sb_request *req, sb_response *resp);
void dash_report_csv(sb_app *app, const sb_request *req, sb_response *resp);
/* dashboard_callbacks.c: Rückrufe (list, CSV, done/dismissed) */
void dash_callbacks(sb_app *app, const sb_request *req, sb_response *resp);
void dash_callbacks_csv(sb_app *app, const sb_request *req, sb_response *resp);
void dash_callback_close(sb_app *app, const sb_request *req, sb_response *resp);

/* handlers_webhook.c */
void wh_calcom_receive(sb_app *app, const sb_request *req, sb_response *resp);
void wh_calcom_ping(sb_app *app, const sb_request *req, sb_response *resp);
void wh_retell_receive(sb_app *app, const sb_request *req, sb_response *resp);
/* handlers_health.c */
void health_show(sb_app *app, const sb_request *req, sb_response *resp);
/* handlers_monitor.c */
void monitor_show(sb_app *app, const sb_request *req, sb_response *resp);
void metrics_show(sb_app *app, const sb_request *req, sb_response *resp);

/* signals.c: the signals of the long-running processes, serve and worker (D72).
 * app_signals installs on_stop for SIGTERM, SIGINT and SIGUSR1 (multiwatch's
 * graceful stop signal), a reload flag for SIGHUP and SIGUSR2 (multiwatch
 * forwards USR2 to its children) and the SIGALRM of app_stop_deadline. */
void app_signals(const sb_app *app, void (*on_stop)(int));
/* From on_stop (async-signal-safe): the work in flight gets shutdown.grace_seconds,
 * then the process exits 1 anyway. */
void app_stop_deadline(void);
/* Call between requests / worker rounds: when a reload signal came, re-read
 * app->config_path. A valid file replaces app->cfg whole; the DB connection is
 * renewed only when a db.* key changed; log.file is reopened (logrotate). An
 * invalid file keeps the config in effect and logs why. who names the process. */
void app_reload_pending(sb_app *app, const char *who);
/* +1 at each reload that took effect: threads with a config copy of their own reload it too */
extern volatile sig_atomic_t app_config_generation;

/* pipeline_workers.c (D183): the serve side wakes a worker for event id (or, when none
 * listens, processes it itself); the worker side binds the wake-up socket and forks the
 * pipeline processes (stop: the worker's stop flag, shared by its children), waits for a
 * wake (1 woken, 0 timeout, -1 a sibling took it), claims once (a full claim wakes a
 * sibling), replaces dead processes, forwards a signal to them, stops them. */
void app_process_soon(sb_app *app, uint64_t id);
int workers_start(sb_app *app, volatile sig_atomic_t *stop);
int workers_wait(sb_app *app);
int workers_tick(sb_app *app);
void workers_reap(sb_app *app, volatile sig_atomic_t *stop);
void workers_signal(int sig);
void workers_stop(void);

/* fcgi.c: the FastCGI loop on fd 0 (spawn-fcgi's socket). Returns the exit code. */
int fcgi_serve(sb_app *app);
/* cmd_worker.c: the background worker loop. Returns the exit code. */
int worker_run(sb_app *app);
/* cmd_replay.c: `switchboard replay ...` and `switchboard prune ...`. Exit codes. */
int cmd_replay(sb_app *app, int argc, char **argv);
int cmd_prune(sb_app *app, int argc, char **argv);
/* "2026-11-20", "2026-11-20 14:00:00", "…T…Z" (UTC) or "6h"/"1d"/"90m"/"30s" ago -> epoch seconds; -1 if neither. */
long long app_parse_time(const char *s);
/* cmd_sync_calls.c: `switchboard sync-calls ...`. Exit code. */
int cmd_sync_calls(sb_app *app, int argc, char **argv);
/* cmd_conversions.c: `switchboard detect-conversions ...`. Exit code. */
int cmd_detect_conversions(sb_app *app, int argc, char **argv);
/* cmd_simulate.c: `switchboard simulate ...` (demo traffic through the front door). Exit code. */
int cmd_simulate(sb_app *app, int argc, char **argv);
/* cmd_report.c: `switchboard report ...`. Exit code. */
int cmd_report(sb_app *app, int argc, char **argv);
/* cmd_report.c: `switchboard stats [--rebuild] ...`. Exit code. */
int cmd_stats(sb_app *app, int argc, char **argv);
/* cmd_shadow.c: `switchboard shadow-init` and `switchboard shadow-diff` (DESIGN D80-D82). Exit code. */
int cmd_shadow(sb_app *app, const char *cmd, int argc, char **argv);
/* cmd_operators.c: `switchboard operators list|add|remove` (DESIGN D131). Exit code. */
int cmd_operators(sb_app *app, int argc, char **argv);
/* cmd_company_settings.c: `switchboard company-settings --company ID [--set KEY=VALUE ...]` (D208). Exit code. */
int cmd_company_settings(sb_app *app, int argc, char **argv);
/* Link calls and appointments of one tenant around now that share a customer
 * or a number with the row an event wrote (table "calls" or "appointments",
 * id); the hourly full run reconciles the rest (pipeline hook). 0 or -1. */
int app_link_conversions(pipeline *p, arena *a, long long company_id, const char *table, uint64_t id);

/* mail_worker.c (DESIGN D106-D115): in the call_ended event's transaction, note that
 * the call owes a summary (idempotent). 0 or -1 (db_error). */
int mail_note_call_ended(sb_db *db, const sb_config *cfg, uint64_t call_id);
/* The worker's mail thread (own config copy and DB connection): composes summaries,
 * digests and callback alerts into switchboard_mail_outbox and delivers it over SMTP
 * until *stop. Nothing when smtp.url is empty or in shadow mode. 0 or -1. */
int mail_start(sb_app *app, volatile sig_atomic_t *stop);
/* Wait for the mail thread (after *stop was set) and free it. */
void mail_stop(void);

#endif
