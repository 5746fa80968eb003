/* command_runs.c: the batch commands' last runs (see command_runs.h). */
#include "command_runs.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "timeutil.h"

const char *const COMMAND_RUNS[COMMAND_RUNS_N] = {"sync-calls", "detect-conversions", "prune"};

static const char *const RECORD =
    "INSERT INTO switchboard_command_runs (command, last_started_at, last_finished_at, last_ok, last_outcome, last_success_at,"
    " runs, failures) VALUES (?, FROM_UNIXTIME(?), NOW(3), ?, LEFT(?, 500), IF(? = 1, NOW(3), NULL), 1, 1 - ?)"
    " ON DUPLICATE KEY UPDATE last_started_at = VALUES(last_started_at), last_finished_at = VALUES(last_finished_at),"
    " last_ok = VALUES(last_ok), last_outcome = VALUES(last_outcome),"
    " last_success_at = COALESCE(VALUES(last_success_at), last_success_at), runs = runs + 1, failures = failures + VALUES(failures)";

int command_run_record(sb_db *db, const char *command, int64_t started, int ok, const char *outcome)
{
    db_param p[] = {db_str(command), db_int(started), db_int(ok ? 1 : 0), db_str(outcome ? outcome : ""), db_int(ok ? 1 : 0),
                    db_int(ok ? 1 : 0)};
    if (db_exec(db, RECORD, p, 6, NULL, NULL) == 0) return 0;
    log_msg("warn", "%s: cannot record the run: %s", command, db_error(db));
    return -1;
}

static const char *const READ =
    "SELECT command, UNIX_TIMESTAMP(last_started_at), UNIX_TIMESTAMP(last_finished_at), last_ok, last_outcome,"
    " UNIX_TIMESTAMP(last_success_at), runs, failures FROM switchboard_command_runs";

int command_runs_read(sb_db *db, arena *a, command_run *out)
{
    db_rows r;
    if (db_query(db, a, READ, NULL, 0, &r) != 0) return -1;
    for (size_t k = 0; k < COMMAND_RUNS_N; k++) {
        out[k] = (command_run){COMMAND_RUNS[k], 0, 0, 0, 0, "", 0, 0};
        for (size_t i = 0; i < r.nrows; i++) {
            if (strcmp(db_cell(&r, i, 0), COMMAND_RUNS[k])) continue;
            out[k].started = db_cell_ll(&r, i, 1);
            out[k].finished = db_cell_ll(&r, i, 2);
            out[k].ok = db_cell_ll(&r, i, 3) == 1;
            out[k].outcome = db_cell(&r, i, 4) ? db_cell(&r, i, 4) : "";
            out[k].last_success = db_cell_ll(&r, i, 5);
            out[k].runs = db_cell_ll(&r, i, 6);
            out[k].failures = db_cell_ll(&r, i, 7);
        }
    }
    return 0;
}

static void iso_or_null(buf *b, int64_t t)
{
    char iso[32];
    if (!t) {
        buf_puts(b, "null");
        return;
    }
    time_format_iso(t, iso, sizeof iso);
    json_buf_str(b, iso);
}

void command_runs_json(const command_run *runs, buf *b)
{
    buf_puts(b, "\"batch_runs\":{");
    for (size_t k = 0; k < COMMAND_RUNS_N; k++) {
        const command_run *r = &runs[k];
        buf_puts(b, k ? "," : "");
        json_buf_str(b, r->command);
        buf_puts(b, ":{\"last_run\":");
        iso_or_null(b, r->finished);
        buf_printf(b, ",\"ok\":%s,\"outcome\":", r->finished ? (r->ok ? "true" : "false") : "null");
        json_buf_str(b, r->outcome);
        buf_puts(b, ",\"last_success\":");
        iso_or_null(b, r->last_success);
        buf_printf(b, ",\"runs\":%lld,\"failures\":%lld}", r->runs, r->failures);
    }
    buf_putc(b, '}');
}

void command_runs_prometheus(const command_run *runs, buf *b)
{
    buf_puts(b, "# HELP switchboard_batch_last_run_timestamp_seconds When the batch command last finished (0: never).\n"
                "# TYPE switchboard_batch_last_run_timestamp_seconds gauge\n");
    for (size_t k = 0; k < COMMAND_RUNS_N; k++)
        buf_printf(b, "switchboard_batch_last_run_timestamp_seconds{command=\"%s\"} %lld\n", runs[k].command, (long long)runs[k].finished);
    buf_puts(b, "# HELP switchboard_batch_last_success_timestamp_seconds When the batch command last succeeded (0: never).\n"
                "# TYPE switchboard_batch_last_success_timestamp_seconds gauge\n");
    for (size_t k = 0; k < COMMAND_RUNS_N; k++)
        buf_printf(b, "switchboard_batch_last_success_timestamp_seconds{command=\"%s\"} %lld\n", runs[k].command,
                   (long long)runs[k].last_success);
    buf_puts(b, "# HELP switchboard_batch_last_run_ok 1 when the last run succeeded.\n# TYPE switchboard_batch_last_run_ok gauge\n");
    for (size_t k = 0; k < COMMAND_RUNS_N; k++)
        buf_printf(b, "switchboard_batch_last_run_ok{command=\"%s\"} %d\n", runs[k].command, runs[k].ok);
}
