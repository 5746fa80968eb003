/* cmd_report.c: the conversion metrics on a terminal.
 *   report [--company ID] [--days 30] [--format table|json|csv]   computed live over the raw rows
 *                                   (any window, exact), for cron mails and spreadsheets;
 *   stats [--rebuild] [--company ID] [--days 400]   the dashboard's daily aggregates: shows the
 *                                   days waiting to be recomputed, or marks every day with data
 *                                   and recomputes them all now (after a bulk import, or once
 *                                   after installing next to a database Laravel filled). */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conversions.h"
#include "daily_stats.h"
#include "http.h"
#include "progress.h"

int cmd_report(sb_app *app, int argc, char **argv)
{
    long long company = 0, days = 30;
    const char *format = app->format; /* --format is taken out of argv by main (app/commands.c) */
    for (int i = 0; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--company")) company = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--days")) days = atoll(argv[i + 1]);
        else { fprintf(stderr, "switchboard: report: unknown option %s\n", argv[i]); return 2; }
    }
    if (argc % 2 || days < 1 || days > 3660 || (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "csv"))) {
        fprintf(stderr, "switchboard: report: --days 1..3660, --format table|json|csv\n");
        return 2;
    }
    int64_t until = (int64_t)time(NULL) + 1, since = until - days * 86400;
    arena *a = arena_new(1 << 20);
    conversion_report r;
    if (conversions_compute(app->db, a, &app->cfg, company, since, until, &r) != 0) {
        fprintf(stderr, "switchboard: report: %s\n", db_error(app->db));
        arena_free(a);
        return CLI_EXIT_DB;
    }
    buf out = BUF_INIT;
    conversions_render(&r, format, &out);
    fputs(buf_cstr(&out), stdout);
    buf_free(&out);
    arena_free(a);
    return 0;
}

int cmd_stats(sb_app *app, int argc, char **argv)
{
    long long company = 0, days = 400;
    int rebuild = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--rebuild")) rebuild = 1;
        else if (!strcmp(argv[i], "--company") && i + 1 < argc) company = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--days") && i + 1 < argc) days = atoll(argv[++i]);
        else { fprintf(stderr, "switchboard: stats: unknown option %s (--rebuild, --company ID, --days N)\n", argv[i]); return 2; }
    }
    if (days < 1 || days > 3660 || company < 0) {
        fprintf(stderr, "switchboard: stats: --days 1..3660, --company ID\n");
        return 2;
    }
    arena *a = arena_new(1 << 20);
    int64_t t0 = http_now_us();
    long long marked = 0, done = 0;
    progress pr;
    progress_start(&pr, stderr, "stats --rebuild", "days", 0, app->quiet || !rebuild);
    if (rebuild && (marked = daily_stats_mark_all(app->db, a, company, days)) < 0) goto fail;
    progress_total(&pr, marked); /* other writers may mark more meanwhile: the bar then ends past 100% */
    if (rebuild && !company && days >= 3660 && daily_stats_check_definition(app->db, a) < 0) goto fail;
    for (int n; rebuild && (n = daily_stats_refresh(app->db, a, company, 50)) != 0; arena_reset(a)) {
        if (n < 0) goto fail;
        done += n;
        progress_set(&pr, done);
    }
    progress_end(&pr);
    long long backlog = daily_stats_backlog(app->db, a, company);
    if (backlog < 0) goto fail;
    double secs = (double)(http_now_us() - t0) / 1e6;
    if (!strcmp(app->format, "json")) {
        printf("{\"marked\":%lld,\"recomputed\":%lld,\"backlog\":%lld,\"seconds\":%.1f}\n", marked, done, backlog, secs);
    } else {
        if (rebuild) printf("%lld day(s) marked, %lld recomputed in %.1f s\n", marked, done, secs);
        printf("%lld day(s) waiting to be recomputed\n", backlog);
    }
    arena_free(a);
    return 0;
fail:
    progress_end(&pr);
    fprintf(stderr, "switchboard: stats: %s\n", db_error(app->db));
    arena_free(a);
    return CLI_EXIT_DB;
}
