/* commands.c: the command table, one row per command (DESIGN D146): the
 * dispatcher in main.c, `switchboard help`, `CMD --help`, the man page
 * (`switchboard man`) and the bash completion (`switchboard completion`) are
 * all generated from these rows (lib/cli.h), so none of them can drift.
 *
 * To add a command: its option list, then one row in COMMANDS. To add an
 * option: one line in its list (the handler still reads its own argv; main
 * rejects what the list does not name, with exit 2 and the usage).
 * --format and --quiet are taken out of argv by main into app->format and
 * app->quiet before the handler runs. Also here: the small handlers that
 * have no file of their own (serve, worker, migrate, config, help, ...). */
#include "app.h"

#include <stdio.h>
#include <string.h>

#include "migrate.h"
#include "spool.h"

#define OPT_FORMAT {"--format", "table|json", "table", "table: for people; json: one object, see JSON OUTPUT in switchboard(1)", 0}
#define OPT_QUIET {"--quiet", NULL, NULL, "no progress line on the terminal (the summary is still printed)", 0}
#define OPT_END {NULL, NULL, NULL, NULL, 0}

/* ---- the small handlers ---- */

static int cmd_serve(sb_app *app, int argc, char **argv)
{
    (void)argc, (void)argv;
    if (spool_init(app->cfg.spool_dir) != 0) {
        fprintf(stderr, "switchboard: cannot create spool.dir %s\n", app->cfg.spool_dir);
        return CLI_EXIT_CONFIG;
    }
    return fcgi_serve(app);
}

static int cmd_worker(sb_app *app, int argc, char **argv)
{
    (void)argc, (void)argv;
    return worker_run(app);
}

static int cmd_migrate(sb_app *app, int argc, char **argv)
{
    int status_only = argc > 0 && !strcmp(argv[0], "status");
    if (argc > 0 && !status_only) {
        fprintf(stderr, "switchboard: migrate: unknown argument \"%s\" (only \"status\")\n", argv[0]);
        return CLI_EXIT_USAGE;
    }
    char err[1024];
    int rc = status_only ? migrate_status(app->db, app->cfg.migrations_dir, stdout, err, sizeof err)
                         : migrate_apply(app->db, app->cfg.migrations_dir, stdout, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "switchboard: migrate: %s\n", err);
        return CLI_EXIT_DB;
    }
    if (!status_only) printf("%d migration(s) applied\n", rc);
    return CLI_EXIT_OK;
}

static int cmd_config(sb_app *app, int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--keys")) {
            sb_config_print_keys(stdout);
            return CLI_EXIT_OK;
        }
    sb_config_print(&app->cfg, stdout);
    return CLI_EXIT_OK;
}

static int cmd_help(sb_app *app, int argc, char **argv)
{
    (void)app;
    if (argc == 0) {
        cli_overview(COMMANDS, NCOMMANDS, stdout);
        return CLI_EXIT_OK;
    }
    const cli_cmd *c = cli_find(COMMANDS, NCOMMANDS, argv[0]);
    if (!c) {
        fprintf(stderr, "switchboard: help: unknown command \"%s\"\n", argv[0]);
        cli_overview(COMMANDS, NCOMMANDS, stderr);
        return CLI_EXIT_USAGE;
    }
    cli_help(c, stdout);
    return CLI_EXIT_OK;
}

static int cmd_version(sb_app *app, int argc, char **argv)
{
    (void)app, (void)argc, (void)argv;
    printf("switchboard %s\n", SWITCHBOARD_VERSION);
    return CLI_EXIT_OK;
}

static int cmd_man(sb_app *app, int argc, char **argv)
{
    (void)app, (void)argc, (void)argv;
    cli_man(COMMANDS, NCOMMANDS, SWITCHBOARD_VERSION, stdout);
    return CLI_EXIT_OK;
}

static int cmd_completion(sb_app *app, int argc, char **argv)
{
    (void)app, (void)argc, (void)argv;
    cli_bash_completion(COMMANDS, NCOMMANDS, stdout);
    return CLI_EXIT_OK;
}

static int cmd_shadow_init(sb_app *app, int argc, char **argv) { return cmd_shadow(app, "shadow-init", argc, argv); }
static int cmd_shadow_diff(sb_app *app, int argc, char **argv) { return cmd_shadow(app, "shadow-diff", argc, argv); }

/* ---- option lists, one per command ---- */

static const cli_opt NO_OPTS[] = {OPT_END};

static const cli_opt CONFIG_OPTS[] = {
    {"--keys", NULL, NULL, "list every key with its environment variable, default and description (needs no config file)",
     CLI_OPT_NO_CONFIG},
    OPT_END,
};

static const cli_opt REPLAY_OPTS[] = {
    {"--since", "T", NULL, "events received at or after T: YYYY-MM-DD, YYYY-MM-DD HH:MM:SS (UTC) or 36h/7d ago", 0},
    {"--until", "T", "now", "events received before T (the window is at most 14 days)", 0},
    {"--provider", "P", "any", "only this provider: calcom or retell", 0},
    {"--status", "S", "any", "only events in this status (failed, dead, processed, ignored, ...)", 0},
    {"--event-type", "E", "any", "only this event type (BOOKING_CREATED, call_ended, ...)", 0},
    {"--limit", "N", "10000", "refuse (replay nothing) when more than N events match; 1..10000", 0},
    {"--dry-run", NULL, NULL, "list the ids that would be replayed, change nothing", 0},
    {"--by", "NAME", "$SUDO_USER or $USER", "who asked, recorded in switchboard_replays", 0},
    OPT_FORMAT,
    OPT_QUIET,
    OPT_END,
};

static const cli_opt PRUNE_OPTS[] = {
    {"--older-than", "AGE", NULL, "required: delete processed/ignored events older than AGE (e.g. 90d, at least 1d)", 0},
    {"--batch", "N", "1000", "rows per DELETE (short locks); 1..100000", 0},
    OPT_FORMAT,
    OPT_QUIET,
    OPT_END,
};

static const cli_opt SYNC_CALLS_OPTS[] = {
    {"--since", "T", "1d", "calls started at or after T: 1d, 6h, 90m ago, YYYY-MM-DD or ISO 8601", 0},
    {"--until", "T", "now", "calls started before T", 0},
    {"--limit", "N", "0 (all)", "stop after N calls", 0},
    {"--page-size", "N", "50", "calls per list-calls request; 1..1000", 0},
    {"--retries", "N", "6", "attempts per page on 429/5xx/transport errors (backoff 1, 2, 4, ... s); 1..20", 0},
    {"--dry-run", NULL, NULL, "run every upsert and roll it back: reports what a real run would change", 0},
    {"--verbose", NULL, NULL, "one line per call (id, start, what happened) and the links made", 0},
    OPT_FORMAT,
    OPT_QUIET,
    OPT_END,
};

static const cli_opt CONVERSIONS_OPTS[] = {
    {"--hours", "N", "24", "calls of the last N hours", 0},
    {"--since", "T", NULL, "calls from T (YYYY-MM-DD, ISO 8601, 2h, 7d ago) instead of --hours", 0},
    {"--until", "T", "now", "calls before T", 0},
    {"--company", "ID", "all", "one company only", 0},
    {"--auto-link", NULL, NULL, "link (as a recorded run that --undo reverts); without it only report", 0},
    {"--dry-run", NULL, NULL, "report only, even with --auto-link", 0},
    {"--undo", "RUN", NULL, "revert exactly what run RUN changed", 0},
    {"--by", "NAME", "$SUDO_USER or $USER", "who asked, recorded in switchboard_link_runs", 0},
    OPT_FORMAT,
    OPT_QUIET,
    OPT_END,
};

static const cli_opt SIMULATE_OPTS[] = {
    {"--history", "AGE", NULL, "traffic of the last AGE (1s..400d) with past timestamps", 0},
    {"--live", NULL, NULL, "traffic stamped now, paced at --rate", 0},
    {"--rate", "N/s", "5/s", "requests per second of --live; 0 < N <= 1000", 0},
    {"--duration", "S", "60s", "how long --live runs", 0},
    {"--seed", "S", "the current time", "plan seed (printed in the summary, to repeat a run)", 0},
    {"--company", "ID", "2", "the tenant whose number, agent and services are used", 0},
    {"--url", "BASE", "http://127.0.0.1:8080", "the front door (nginx) the requests go to", 0},
    {"--dry-run", NULL, NULL, "build and count the plan, send nothing", 0},
    {"--expect", "FILE", NULL, "write the callback items the run must leave: one \"CALL_ID REASON open|done\" line each", 0},
    OPT_QUIET,
    OPT_END,
};

static const cli_opt REPORT_OPTS[] = {
    {"--company", "ID", "all", "one company only", 0},
    {"--days", "N", "30", "the window: the last N days; 1..3660", 0},
    {"--format", "table|json|csv", "table", "table, one JSON object (see JSON OUTPUT) or CSV", 0},
    OPT_END,
};

static const cli_opt STATS_OPTS[] = {
    {"--rebuild", NULL, NULL, "mark every day with data and recompute them all now", 0},
    {"--company", "ID", "all", "one company only", 0},
    {"--days", "N", "400", "how far back --rebuild marks; 1..3660", 0},
    OPT_FORMAT,
    OPT_QUIET,
    OPT_END,
};

static const cli_opt SHADOW_INIT_OPTS[] = {
    {"--from", "MAIN_DB", NULL, "required: the main schema to copy structure and tenant configuration from", 0},
    OPT_END,
};

static const cli_opt SHADOW_DIFF_OPTS[] = {
    {"--from", "MAIN_DB", NULL, "required: the main schema to compare with", 0},
    {"--since", "T", "1d", "the window start (no earlier than the shadow's first event)", 0},
    {"--entity", "appointments|calls|webhook_events", "all", "compare one entity only", 0},
    {"--limit", "N", "20", "differences listed (all are counted)", 0},
    OPT_FORMAT,
    OPT_END,
};

static const cli_opt OPERATORS_OPTS[] = {
    {"--by", "NAME", "cli", "who granted, recorded with the grant (add only)", 0},
    OPT_END,
};

static const cli_opt COMPANY_SETTINGS_OPTS[] = {
    {"--company", "ID", NULL, "required: the company", 0},
    {"--set", "KEY=VALUE", NULL,
     "override one setting (repeatable): targets.web_pct, targets.phone_pct, targets.overall_pct (0-100), "
     "targets.sync_ms, metrics.web_monthly_cost_eur (EUR); VALUE \"default\" returns to the config's", 0},
    OPT_FORMAT,
    OPT_END,
};

static const cli_opt MONITOR_OPTS[] = {
    {"--company", "ID", "all", "numbers of one company only (as a tenant's token sees them)", 0},
    OPT_FORMAT,
    OPT_END,
};

/* ---- the table ---- */

const cli_cmd COMMANDS[] = {
    {"serve", cmd_serve, "", "the FastCGI responder (spawn-fcgi runs it; the socket is fd 0)",
     "Answers webhooks, the phone agent's functions, the dashboard and /metrics. SIGHUP re-reads the config.",
     NO_OPTS, 0, NULL, "spawn-fcgi -s /run/switchboard/fcgi.sock -- /usr/bin/switchboard serve", CLI_LOGS},
    {"worker", cmd_worker, "", "the background loop: spool drain, event pipeline, retries, daily aggregates",
     "Runs until SIGTERM; SIGHUP re-reads the config.", NO_OPTS, 0, NULL, "switchboard worker", CLI_LOGS},
    {"migrate", cmd_migrate, "[status]", "apply the pending sql/migrations (additive only), or list them",
     "Prints each migration applied and the count; `status` lists applied and pending ones.", NO_OPTS, 1, NULL,
     "switchboard migrate status", CLI_LONG_SQL},
    {"config", cmd_config, "[--keys]", "print the effective configuration, secrets masked",
     "Prints key = value for every key after file and environment; --keys prints the key table instead.",
     CONFIG_OPTS, 0, NULL, "switchboard config --keys", 0},
    {"replay", cmd_replay,
     "ID... | --since T [--until T] [--provider P] [--status S] [--event-type E] [--limit N] [--dry-run] [--by NAME]",
     "process stored events again from their raw bodies",
     "Each replay is a row in switchboard_replays. Prints one line per event (id, status, note) and the count. "
     "A window spans at most 14 days and 10,000 events; more is refused, not truncated. Exit 1 when an id was skipped.",
     REPLAY_OPTS, -1,
     "{\"dry_run\":B,\"replayed\":N,\"skipped\":N,\"events\":[{\"id\":N,\"status\":S,\"note\":S}]}",
     "switchboard replay --since 2d --status failed --dry-run", CLI_LOGS},
    {"prune", cmd_prune, "--older-than AGE [--batch N]", "delete processed and ignored events older than AGE, and what retention allows",
     "Small batches (short locks). Also deletes the function log older than AGE and failed/dead events older than "
     "retention.failed_days (D120). Prints the counts deleted.", PRUNE_OPTS, 0,
     "{\"deleted\":N,\"function_calls_deleted\":N,\"failed_deleted\":N,\"older_than\":S}", "switchboard prune --older-than 90d", CLI_LOGS | CLI_LONG_SQL},
    {"sync-calls", cmd_sync_calls, "[--since T] [--until T] [--limit N] [--page-size N] [--retries N] [--dry-run] [--verbose]",
     "reconcile calls with Retell's list-calls (the legacy retell:sync-calls)",
     "Upserts each call through the webhooks' own code path, one transaction per call; safe while webhooks arrive. "
     "Prints the counts of new, updated, unchanged and skipped calls and the callback items the imported calls opened. "
     "Exit 1 when a page still fails after retries.",
     SYNC_CALLS_OPTS, 0,
     "{\"calls\":N,\"created\":N,\"updated\":N,\"unchanged\":N,\"skipped\":N,\"pages\":N,\"dry_run\":B,\"complete\":B,"
     "\"callbacks_opened\":N,\"linked\":N,\"link_run\":N|null}",
     "switchboard sync-calls --since 30d --dry-run", CLI_LOGS | CLI_NO_SHADOW},
    {"detect-conversions", cmd_detect_conversions,
     "[--hours N | --since T [--until T]] [--company ID] [--auto-link] [--dry-run] [--by NAME] | --undo RUN",
     "link calls to the appointments they led to (the legacy calls:detect-conversions)",
     "Lists each link and unlink it would make (or made) and the totals; with --auto-link the changes are run N, "
     "recorded with their old values so --undo N reverts exactly them.",
     CONVERSIONS_OPTS, 0,
     "{\"scope\":S,\"since\":T,\"until\":T,\"company_id\":N|null,\"candidates\":N,\"linked\":N,\"unlinked\":N,"
     "\"applied\":B,\"run\":N|null} (--undo: {\"undone_run\":N,\"calls_restored\":N})",
     "switchboard detect-conversions --since 90d --auto-link", CLI_LOGS | CLI_LONG_SQL},
    {"simulate", cmd_simulate,
     "--history AGE | --live [--rate N/s] [--duration S] [--seed S] [--company ID] [--url BASE] [--dry-run] [--expect FILE]",
     "demo traffic for one tenant, signed like Retell and Cal.com, through the front door",
     "Prints the answers by class and what was booked. Exit 1 when an answer was not what the plan expected.",
     SIMULATE_OPTS, 0, NULL, "switchboard simulate --history 90d --seed 7", CLI_NO_SHADOW},
    {"report", cmd_report, "[--company ID] [--days N] [--format table|json|csv]",
     "the conversion metrics, computed live over the raw rows", "For cron mails and spreadsheets.", REPORT_OPTS, 0,
     "{\"window\":{\"since\":T,\"until\":T},\"company_id\":N,\"calls\":N,\"answered_calls\":N,\"phone_booked_calls\":N,"
     "\"phone_booking_rate\":N,\"web_booking_events\":N,\"visitors\":N,\"overall_conversion\":N,\"attribution\":{...},"
     "\"minutes_to_booking\":{\"median\":N,\"p90\":N},\"roi\":{...},\"agents\":[...]}",
     "switchboard report --days 7 --format csv", CLI_LONG_SQL},
    {"stats", cmd_stats, "[--rebuild] [--company ID] [--days N]", "the dashboard's daily aggregates: backlog, or rebuild",
     "Without --rebuild prints the days waiting to be recomputed; with it marks every day with data and recomputes "
     "them (after a bulk import, or once next to a database Laravel filled).",
     STATS_OPTS, 0, "{\"marked\":N,\"recomputed\":N,\"backlog\":N,\"seconds\":N}", "switchboard stats --rebuild --days 90",
     CLI_LOGS | CLI_LONG_SQL},
    {"shadow-init", cmd_shadow_init, "--from MAIN_DB", "prepare a shadow instance's schema from the main one (D80)",
     "Run with the shadow instance's config (shadow = 1).", SHADOW_INIT_OPTS, 0, NULL,
     "switchboard -c /etc/switchboard/shadow.conf shadow-init --from askproai", CLI_LONG_SQL},
    {"shadow-diff", cmd_shadow_diff, "--from MAIN_DB [--since T] [--entity E] [--limit N]",
     "compare the shadow instance's rows with the main schema's (D81)",
     "Exit 0: no difference; 1: differences, or the shadow received nothing (nothing is proven).", SHADOW_DIFF_OPTS, 0,
     "{\"shadow\":S,\"main\":S,\"since\":T,\"shadow_events\":N,\"entities\":{NAME:{\"compared\":N,\"only_shadow\":N,"
     "\"only_main\":N,\"field_differences\":N}},\"webhook_events\":{\"outcome_differences\":N,\"by_type\":[...]},"
     "\"differences_total\":N,\"differences\":[{\"entity\":S,\"key\":S,\"field\":S,\"shadow\":S|null,\"main\":S|null}]}",
     "switchboard -c /etc/switchboard/shadow.conf shadow-diff --from askproai --format json", CLI_LONG_SQL},
    {"monitor", cmd_monitor, "[--company ID]", "queue and webhook health, as GET /api/webhooks/monitor answers it",
     "Read from the database directly (no token needed: the config's DB credentials are the authority). "
     "Exit 1 when the status is not ok.",
     MONITOR_OPTS, 0,
     "the body of GET /api/webhooks/monitor: {\"status\":S,\"timestamp\":T,\"reasons\":S,\"shadow\":B,\"scope\":..., "
     "\"stats\":{...},\"queue\":{...},\"thresholds\":{...},\"mail\":{...},\"unroutable_numbers\":[...],\"recent_webhooks\":[...]}",
     "switchboard monitor --format json", 0},
    {"operators", cmd_operators, "list | add EMAIL [--by NAME] | remove EMAIL|ID",
     "who may see every company on the dashboard and with a Sanctum token (D131)",
     "A Laravel user without a company is refused unless granted here; grants are stored by user id. "
     "remove ends the user's sessions at their next request. Exit 1 when there is no such user or grant.",
     OPERATORS_OPTS, 2, NULL, "switchboard operators add ops@example.com --by alice", CLI_LOGS},
    {"company-settings", cmd_company_settings, "--company ID [--set KEY=VALUE ...]",
     "one company's targets and web channel cost, shown or overridden (D208)",
     "Prints each setting's value now and whether it is the company's or the config's default. Every --set is checked "
     "before anything is written; the dashboard reads the new value at its next request. Exit 1 when there is no such "
     "company.",
     COMPANY_SETTINGS_OPTS, 0,
     "{\"company_id\":N,\"name\":S,\"settings\":{KEY:{\"value\":N,\"source\":\"company\"|\"config\",\"config\":N}}}",
     "switchboard company-settings --company 42 --set targets.phone_pct=70", CLI_LOGS},
    {"sign", cmd_sign, "calcom|retell FILE", "print the signature header value a provider would send for FILE",
     "For hand-made test requests (curl -H).", NO_OPTS, 2, NULL, "switchboard sign calcom booking.json", 0},
    {"help", cmd_help, "[COMMAND]", "this overview, or one command's usage, options and example", NULL, NO_OPTS, 1, NULL,
     "switchboard help replay", CLI_NO_CONFIG | CLI_ARGS_ARE_COMMANDS},
    {"version", cmd_version, "", "print the version", NULL, NO_OPTS, 0, NULL, "switchboard version", CLI_NO_CONFIG},
    {"man", cmd_man, "", "print the man page switchboard(1) (roff), generated from these tables",
     "make install writes it to share/man/man1.", NO_OPTS, 0, NULL, "switchboard man | man -l -", CLI_NO_CONFIG},
    {"completion", cmd_completion, "", "print the bash completion script",
     "make install writes it to share/bash-completion/completions.", NO_OPTS, 0, NULL,
     "source <(switchboard completion)", CLI_NO_CONFIG},
};
const size_t NCOMMANDS = sizeof COMMANDS / sizeof COMMANDS[0];
/* every row must be complete: the generators print each field */
_Static_assert(sizeof COMMANDS / sizeof COMMANDS[0] >= 20, "serve ... completion: every command has its row");
