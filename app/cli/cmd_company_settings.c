/* cmd_company_settings.c: `switchboard company-settings`: one company's
 * targets and web channel cost (switchboard_company_settings, migration 0017),
 * the overrides of the config's targets.* and metrics.web_monthly_cost_eur
 * that the dashboard reads (D208).
 *
 * company-settings --company ID                       what applies now and where it comes from
 * company-settings --company ID --set KEY=VALUE ...   override (VALUE "default": back to the config's)
 * Keys are the config's key names, so one word means one thing in the file and here.
 * Every --set is checked before anything is written: a bad key or value
 * writes nothing (exit 2). Read live by the pages (no recompute needed).
 * Exit codes (D149): 0 done, 1 no such company, 2 usage, 4 database. */
#include "app.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"

#define UPSERT(col)                                                                                                    \
    "INSERT INTO switchboard_company_settings (company_id, " col ") VALUES (?, ?)"                                    \
    " ON DUPLICATE KEY UPDATE " col " = VALUES(" col ")"

/* one row per setting: its key (the config's), its statement, its range, the config's default;
 * the order is READ's column order */
static const struct setting {
    const char *key, *upsert;
    long long min, max; /* cents for the cost (cents = 1), else whole units */
    int cents;          /* 1: a euro amount with up to 2 decimals */
    size_t cfg_off;     /* the config's default: an int64_t of sb_config */
} SETTINGS[] = {
    {"targets.web_pct", UPSERT("target_web_pct"), 0, 100, 0, offsetof(sb_config, targets_web_pct)},
    {"targets.phone_pct", UPSERT("target_phone_pct"), 0, 100, 0, offsetof(sb_config, targets_phone_pct)},
    {"targets.overall_pct", UPSERT("target_overall_pct"), 0, 100, 0, offsetof(sb_config, targets_overall_pct)},
    {"targets.sync_ms", UPSERT("target_sync_ms"), 1, 3600000, 0, offsetof(sb_config, targets_sync_ms)},
    {"metrics.web_monthly_cost_eur", UPSERT("web_monthly_cost_eur"), 0, 10000000000LL, 1,
     offsetof(sb_config, metrics_web_monthly_cost_eur)},
};
enum { NSETTINGS = sizeof SETTINGS / sizeof SETTINGS[0] };
static const char READ[] = "SELECT target_web_pct, target_phone_pct, target_overall_pct, target_sync_ms,"
                           " web_monthly_cost_eur FROM switchboard_company_settings WHERE company_id = ?";
_Static_assert(NSETTINGS == 5, "READ selects one column per setting, in SETTINGS' order");

/* value as a number in the setting's unit (cents for a euro amount): 0, or -1 when it is not one in range */
static int parse_value(const struct setting *s, const char *v, long long *out)
{
    char *end;
    long long whole = strtoll(v, &end, 10), frac = 0;
    if (end == v || *v == '-' || *v == '+') return -1;
    if (s->cents && *end == '.') { /* "49", "49.9", "49.90" */
        const char *f = end + 1;
        size_t n = strspn(f, "0123456789");
        if (n < 1 || n > 2 || f[n]) return -1;
        frac = atoll(f) * (n == 1 ? 10 : 1);
        end = (char *)f + n;
    }
    if (*end || whole > s->max / (s->cents ? 100 : 1)) return -1;
    *out = s->cents ? whole * 100 + frac : whole;
    return *out >= s->min && *out <= s->max ? 0 : -1;
}

static const struct setting *setting_of(const char *key, size_t len)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strlen(SETTINGS[i].key) == len && !strncmp(SETTINGS[i].key, key, len)) return &SETTINGS[i];
    return NULL;
}

typedef struct change {
    const struct setting *s;
    int is_default;  /* NULL: the config's value applies */
    long long value; /* in the setting's unit */
} change;

/* one --set KEY=VALUE into c; 0, or -1 with the reason on stderr */
static int change_of(const char *arg, change *c)
{
    const char *eq = strchr(arg, '=');
    c->s = eq ? setting_of(arg, (size_t)(eq - arg)) : NULL;
    if (!c->s) {
        fprintf(stderr, "switchboard: company-settings: --set KEY=VALUE with KEY one of targets.web_pct, targets.phone_pct,"
                        " targets.overall_pct, targets.sync_ms, metrics.web_monthly_cost_eur; got \"%.100s\"\n", arg);
        return -1;
    }
    c->is_default = !strcmp(eq + 1, "default");
    if (c->is_default || parse_value(c->s, eq + 1, &c->value) == 0) return 0;
    fprintf(stderr, "switchboard: company-settings: %s must be %s from %lld to %lld (or \"default\"), got \"%.100s\"\n",
            c->s->key, c->s->cents ? "a euro amount" : "a whole number", c->s->min / (c->s->cents ? 100 : 1),
            c->s->max / (c->s->cents ? 100 : 1), eq + 1);
    return -1;
}

static int write_change(sb_app *app, long long company, const change *c)
{
    char num[32];
    if (c->s->cents) snprintf(num, sizeof num, "%lld.%02lld", c->value / 100, c->value % 100);
    else snprintf(num, sizeof num, "%lld", c->value);
    db_param p[] = {db_int(company), db_str(c->is_default ? NULL : num)};
    if (db_exec(app->db, c->s->upsert, p, 2, NULL, NULL) != 0) return -1;
    log_msg("info", "company-settings: company %lld %s = %s", company, c->s->key, c->is_default ? "default" : num);
    return 0;
}

/* what applies now: the company's value or the config's, as table or JSON */
static void print_settings(sb_app *app, long long company, const char *name, const db_rows *r)
{
    int json = !strcmp(app->format, "json");
    buf o = BUF_INIT;
    if (json) {
        buf_printf(&o, "{\"company_id\":%lld,\"name\":", company);
        json_buf_str(&o, name);
        buf_puts(&o, ",\"settings\":{");
    } else {
        buf_printf(&o, "company %lld (%s)\n", company, name);
    }
    for (size_t i = 0; i < NSETTINGS; i++) {
        const struct setting *s = &SETTINGS[i];
        const char *own = r->nrows ? db_cell(r, 0, i) : NULL;
        long long def = (long long)*(const int64_t *)((const char *)&app->cfg + s->cfg_off);
        char value[32];
        if (own) snprintf(value, sizeof value, "%s", own);
        else snprintf(value, sizeof value, "%lld", def);
        if (json) {
            buf_printf(&o, "%s\"%s\":{\"value\":%s,\"source\":\"%s\",\"config\":%lld}", i ? "," : "", s->key, value,
                       own ? "company" : "config", def);
        } else {
            buf_printf(&o, "  %-30s %12s  %s\n", s->key, value, own ? "this company" : "config default");
        }
    }
    buf_puts(&o, json ? "}}\n" : "");
    fputs(buf_cstr(&o), stdout);
    buf_free(&o);
}

int cmd_company_settings(sb_app *app, int argc, char **argv)
{
    long long company = 0;
    change *changes = calloc((size_t)argc + 1, sizeof *changes);
    size_t n = 0;
    int rc = CLI_EXIT_OK;
    for (int i = 0; i + 1 < argc && rc == CLI_EXIT_OK; i += 2) {
        if (!strcmp(argv[i], "--company")) company = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--set") && change_of(argv[i + 1], &changes[n]) == 0) n++;
        else rc = CLI_EXIT_USAGE;
    }
    if (rc == CLI_EXIT_OK && (argc % 2 || company <= 0)) {
        fprintf(stderr, "switchboard: company-settings: --company ID is required\n");
        rc = CLI_EXIT_USAGE;
    }
    arena *a = arena_new(1 << 14);
    db_param c = db_int(company);
    db_rows co, r;
    if (rc == CLI_EXIT_OK && db_query(app->db, a, "SELECT name FROM companies WHERE id = ?", &c, 1, &co) != 0) rc = CLI_EXIT_DB;
    if (rc == CLI_EXIT_OK && !co.nrows) {
        fprintf(stderr, "switchboard: company-settings: no company %lld\n", company);
        rc = CLI_EXIT_ATTENTION;
    }
    for (size_t i = 0; rc == CLI_EXIT_OK && i < n; i++)
        if (write_change(app, company, &changes[i]) != 0) rc = CLI_EXIT_DB;
    if (rc == CLI_EXIT_OK && db_query(app->db, a, READ, &c, 1, &r) != 0) rc = CLI_EXIT_DB;
    if (rc == CLI_EXIT_DB) fprintf(stderr, "switchboard: company-settings: %s\n", db_error(app->db));
    if (rc == CLI_EXIT_OK) print_settings(app, company, db_cell(&co, 0, 0) ? db_cell(&co, 0, 0) : "", &r);
    arena_free(a);
    free(changes);
    return rc;
}
