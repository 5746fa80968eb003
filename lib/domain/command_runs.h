/* command_runs.h: the last run of each batch command (issue 17.8, migration 0018).
 *
 * sync-calls, detect-conversions and prune call command_run_record once at
 * their end with what they did; the monitor route, /metrics and the webhooks
 * page read command_runs_read. A failure to record is logged, never fatal:
 * the command's own outcome stands. */
#ifndef SB_COMMAND_RUNS_H
#define SB_COMMAND_RUNS_H

#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "db.h"

/* the commands whose runs are shown, in display order */
#define COMMAND_RUNS_N 3
extern const char *const COMMAND_RUNS[COMMAND_RUNS_N];

/* Record the run of command that started at started (Unix seconds): ok, outcome (one line, clipped to 500). 0 or -1. */
int command_run_record(sb_db *db, const char *command, int64_t started, int ok, const char *outcome);

typedef struct command_run {
    const char *command;
    int64_t started, finished, last_success; /* Unix seconds; 0: never */
    int ok;
    const char *outcome;                     /* "" when never run */
    long long runs, failures;
} command_run;

/* The last run of each of COMMAND_RUNS into out[COMMAND_RUNS_N] (strings in a; a command never run has finished 0). 0 or -1. */
int command_runs_read(sb_db *db, arena *a, command_run *out);
/* "batch_runs":{"sync-calls":{"last_run":ISO|null,"ok":..,"outcome":..,"last_success":..,"runs":N,"failures":N},...}
 * (a member, without braces around it) for the monitor route. The names are the fixed COMMAND_RUNS. */
void command_runs_json(const command_run *runs, buf *b);
/* the same as Prometheus gauges (switchboard_batch_*{command="..."}) */
void command_runs_prometheus(const command_run *runs, buf *b);

#endif
