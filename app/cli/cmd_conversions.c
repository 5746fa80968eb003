/* cmd_conversions.c: `switchboard detect-conversions` (the legacy
 * calls:detect-conversions, with rules that mean something: lib/linker.h).
 *
 *   detect-conversions [--hours N | --since T [--until T]] [--company ID]
 *                      [--auto-link] [--dry-run] [--by NAME]
 *   detect-conversions --undo RUN
 *
 * Without --auto-link (or with --dry-run) it lists what it would link and
 * unlink; with --auto-link it links, as run N (switchboard_link_runs) whose
 * every change is recorded with the old values, so --undo N reverts exactly
 * that run. One transaction per run; exit 0, or 1 on a database error.
 *
 * --hours N (the hourly timer's --hours 2) is about appointments made in the
 * last N hours: its calls are those that started up to N h plus the rule-b
 * window plus the longest call ago (D171), because a web booking made now can
 * belong to a call that started hours before. Every run records its outcome
 * (switchboard_command_runs: the monitor's freshness, D172). */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command_runs.h"
#include "linker.h"
#include "json.h"
#include "log.h"
#include "progress.h"
#include "timeutil.h"

static long long when(const char *s, long long now)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end != s && !strcmp(end, "h")) return now - n * 3600;
    if (end != s && !strcmp(end, "d")) return now - n * 86400;
    int64_t t;
    char iso[40];
    if (time_parse_iso(s, &t) == 0) return t;
    snprintf(iso, sizeof iso, "%sT00:00:00Z", s);
    return time_parse_iso(iso, &t) == 0 ? t : -1;
}

int cmd_detect_conversions(sb_app *app, int argc, char **argv)
{
    long long now = (long long)time(NULL), since = now - 24 * 3600, until = now + 1, company = 0, undo = 0;
    int link = 0, dry = 0;
    const char *by = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER") ? getenv("USER") : "cli";
    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--auto-link")) { link = 1; continue; }
        if (!strcmp(argv[i], "--dry-run")) { dry = 1; continue; }
        if (!v) { fprintf(stderr, "switchboard: detect-conversions: %s needs a value\n", argv[i]); return 2; }
        if (!strcmp(argv[i], "--hours"))
            since = now - atoll(v) * 3600 - app->cfg.linker_window_minutes * 60 - LINKER_MAX_CALL_S;
        else if (!strcmp(argv[i], "--since")) since = when(v, now);
        else if (!strcmp(argv[i], "--until")) until = when(v, now);
        else if (!strcmp(argv[i], "--company")) company = atoll(v);
        else if (!strcmp(argv[i], "--undo")) undo = atoll(v);
        else if (!strcmp(argv[i], "--by")) by = v;
        else { fprintf(stderr, "switchboard: detect-conversions: unknown option %s\n", argv[i]); return 2; }
        i++;
    }
    int json = !strcmp(app->format, "json");
    arena *a = arena_new(1 << 20);
    char err[512];
    int rc = 0;
    if (undo > 0) {
        long long n = 0;
        if (db_begin(app->db) != 0 || linker_undo(app->db, a, (uint64_t)undo, &n, err, sizeof err) != 0) {
            db_rollback(app->db);
            fprintf(stderr, "switchboard: detect-conversions --undo: %s\n", err);
            rc = CLI_EXIT_ATTENTION; /* an unknown or already undone run, or the database */
        } else if (db_commit(app->db) != 0) {
            fprintf(stderr, "switchboard: detect-conversions --undo: %s\n", db_error(app->db));
            rc = CLI_EXIT_DB;
        } else {
            if (json) printf("{\"undone_run\":%lld,\"calls_restored\":%lld}\n", undo, n);
            else printf("run %lld undone: %lld call(s) restored\n", undo, n);
            log_msg("info", "detect-conversions: run %lld undone (%lld calls)", undo, n);
        }
        arena_free(a);
        return rc;
    }
    if (since < 0 || until < 0 || until <= since) {
        fprintf(stderr, "switchboard: detect-conversions: need --hours N or --since T [--until T] (YYYY-MM-DD, ISO 8601, 2h, 7d)\n");
        arena_free(a);
        return 2;
    }
    int apply = link && !dry;
    uint64_t run = 0;
    progress pr;
    progress_start(&pr, stderr, "detect-conversions", "steps", 0, app->quiet);
    linker_scope scope = {company, since, until, 0, NULL, &pr, 0}; /* the whole scope: no focus */
    linker_result res;
    char sc[200], t0[32], t1[32];
    time_format_iso(since, t0, sizeof t0);
    time_format_iso(until, t1, sizeof t1);
    snprintf(sc, sizeof sc, "calls %s .. %s%s%s", t0, t1, company ? ", company " : "", company ? arena_printf(a, "%lld", company) : "");
    if (apply) {
        if (linker_run_recorded(app->db, a, &app->cfg, &scope, by, sc, json ? NULL : stdout, &res, &run) != 0) goto dberr;
    } else {
        if (db_begin(app->db) != 0) goto dberr;
        if (linker_run(app->db, a, &app->cfg, &scope, 0, 1, json ? NULL : stdout, &res) != 0) goto dberr_tx;
        if (db_rollback(app->db) != 0) goto dberr;
    }
    progress_end(&pr);
    if (json) {
        buf js = BUF_INIT;
        buf_puts(&js, "{\"scope\":");
        json_buf_str(&js, sc);
        buf_printf(&js, ",\"since\":\"%s\",\"until\":\"%s\",\"company_id\":", t0, t1);
        if (company) buf_printf(&js, "%lld", company);
        else buf_puts(&js, "null");
        buf_printf(&js, ",\"candidates\":%lld,\"linked\":%lld,\"unlinked\":%lld,\"applied\":%s,\"run\":", res.candidates,
                   res.linked, res.unlinked, apply ? "true" : "false");
        if (apply) buf_printf(&js, "%llu", (unsigned long long)run);
        else buf_puts(&js, "null");
        printf("%s}\n", buf_cstr(&js));
        buf_free(&js);
        goto done;
    }
    printf("\n%-28s %s\n%-28s %lld\n%-28s %lld\n%-28s %lld\n", "scope", sc, "candidates (rules b/c)", res.candidates,
           apply ? "calls linked" : "calls that would be linked", res.linked, apply ? "calls unlinked" : "calls that would be unlinked",
           res.unlinked);
    if (apply) printf("%-28s %llu (undo: switchboard detect-conversions --undo %llu)\n", "run", (unsigned long long)run, (unsigned long long)run);
    else printf("(report only: add --auto-link to link)\n");
done:
    log_msg("info", "detect-conversions: %s: %lld linked, %lld unlinked%s", sc, res.linked, res.unlinked, apply ? "" : " (report only)");
    command_run_record(app->db, "detect-conversions", now, 1,
                       arena_printf(a, "%s: %lld linked, %lld unlinked%s", sc, res.linked, res.unlinked, apply ? "" : " (report only)"));
    arena_free(a);
    return 0;
dberr_tx:
    snprintf(err, sizeof err, "%s", db_error(app->db));
    db_rollback(app->db);
    goto fail;
dberr:
    snprintf(err, sizeof err, "%s", db_error(app->db));
fail:
    progress_end(&pr);
    fprintf(stderr, "switchboard: detect-conversions: %s\n", err);
    command_run_record(app->db, "detect-conversions", now, 0, err);
    arena_free(a);
    return CLI_EXIT_DB;
}
