/* cmd_report.c: `switchboard report [--company ID] [--days 30] [--format table|json|csv]`:
 * the conversion metrics of lib/conversions.h on a terminal, for cron mails and spreadsheets. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/conversions.h"

int cmd_report(sb_app *app, int argc, char **argv)
{
    long long company = 0, days = 30;
    const char *format = "table";
    for (int i = 0; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--company")) company = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--days")) days = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--format")) format = argv[i + 1];
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
        return 1;
    }
    buf out = BUF_INIT;
    conversions_render(&r, format, &out);
    fputs(buf_cstr(&out), stdout);
    buf_free(&out);
    arena_free(a);
    return 0;
}
