/* cmd_shadow.c: shadow mode's two commands (DESIGN D80–D82, docs/MIGRATION.md).
 *
 *   switchboard -c shadow.conf shadow-init --from askproai
 *   switchboard -c shadow.conf shadow-diff --from askproai [--since 1d] [--entity E]
 *                                          [--format table|json] [--limit N]
 *
 * A shadow instance is the same binary with its own config: db.name = the
 * shadow schema (e.g. askproai_shadow, on the same server as the main one)
 * and `shadow = 1` (every provider request refused, lib/http_client.h).
 *
 * shadow-init creates the shadow schema if missing, gives it every base table
 * of the main schema it lacks (CREATE TABLE … LIKE: the live structure, not the
 * test fixture's; indexes yes, foreign keys and triggers no), copies the main
 * schema's switchboard_migrations rows into a new one and then runs `migrate`
 * there. It replaces the tenant configuration the handlers read (CONFIG_TABLES)
 * with the main schema's on every run, and snapshots customers once, while the
 * shadow's customers table is empty: afterwards the shadow's customers are its
 * own (its appointments point at them). Copies are INSERT … SELECT across
 * schemas with the columns both tables have, named.
 *
 * shadow-diff compares, for a window that starts no earlier than the shadow's
 * first event, appointments by Cal.com booking uid and calls by Retell call id
 * (present on both sides, then field by field; customers by email and phone,
 * since their ids differ), and webhook events: counts by provider and type
 * (shown, not counted: Laravel keeps only the first event of a call) and
 * events stored on both sides whose outcome differs (counted). Exit 0: no
 * difference; 1: differences (or the shadow received nothing: nothing is
 * proven); 2: usage; 4: database error (lib/cli.h).
 *
 * Schema names are identifiers and cannot be bound: both are checked to be
 * [A-Za-z0-9_] and backquoted; every value is bound. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "migrate.h"
#include "timeutil.h"

/* The tenant configuration the handlers read (lib/tenant.c, lib/customers.c,
 * app/calcom_events.c, app/retell_events.c, app/retell_functions.c): replaced on
 * every shadow-init. users and tokens are not copied: no handler reads them. */
static const char *const CONFIG_TABLES[] = {
    "companies",     "branches",      "services",           "staff",
    "service_staff", "phone_numbers", "retell_agents",      "agents",
    "calcom_event_types", "calcom_host_mappings",
};
#define NCONFIG_TABLES (sizeof CONFIG_TABLES / sizeof CONFIG_TABLES[0])

static int ident_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    }
    return 1;
}

/* tmpl with {S} -> `shadow` and {M} -> `main` (both checked identifiers), into a. */
static const char *schemas_sql(arena *a, const char *tmpl, const char *shadow, const char *main_db)
{
    buf b = BUF_INIT;
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '{' && (p[1] == 'S' || p[1] == 'M') && p[2] == '}') {
            buf_printf(&b, "`%s`", p[1] == 'S' ? shadow : main_db);
            p += 2;
        } else {
            buf_putc(&b, *p);
        }
    }
    const char *out = arena_strdup(a, buf_cstr(&b));
    buf_free(&b);
    return out;
}

/* ---- shadow-init ---- */

/* The columns table has in both schemas (not generated), "`a`, `b`, ..." in a; NULL if none or error. */
static const char *common_columns(sb_db *db, arena *a, const char *main_db, const char *shadow, const char *table)
{
    static const char *const SQL =
        "SELECT m.COLUMN_NAME FROM information_schema.COLUMNS m"
        " JOIN information_schema.COLUMNS s ON s.TABLE_SCHEMA = ? AND s.TABLE_NAME = m.TABLE_NAME"
        "  AND s.COLUMN_NAME = m.COLUMN_NAME AND s.EXTRA NOT LIKE '%GENERATED%'"
        " WHERE m.TABLE_SCHEMA = ? AND m.TABLE_NAME = ? AND m.EXTRA NOT LIKE '%GENERATED%'"
        " ORDER BY m.ORDINAL_POSITION";
    db_param p[] = {db_str(shadow), db_str(main_db), db_str(table)};
    db_rows r;
    if (db_query(db, a, SQL, p, 3, &r) != 0 || r.nrows == 0) return NULL;
    buf b = BUF_INIT;
    for (size_t i = 0; i < r.nrows; i++) {
        const char *c = db_cell(&r, i, 0);
        if (!ident_ok(c)) continue; /* a column name we would have to escape: leave it at its default */
        buf_printf(&b, "%s`%s`", b.len ? ", " : "", c);
    }
    const char *out = b.len ? arena_strdup(a, buf_cstr(&b)) : NULL;
    buf_free(&b);
    return out;
}

/* Replace (or, with only_if_empty, fill once) shadow.table with main's rows. Rows copied, or -1. */
static long long copy_table(sb_db *db, arena *a, const char *main_db, const char *shadow, const char *table,
                            int only_if_empty)
{
    const char *cols = common_columns(db, a, main_db, shadow, table);
    if (!cols) return 0; /* not in the main schema (an older Laravel): nothing to copy */
    if (only_if_empty) {
        db_rows r;
        if (db_query(db, a, arena_printf(a, "SELECT COUNT(*) FROM `%s`.`%s`", shadow, table), NULL, 0, &r) != 0)
            return -1;
        if (db_cell_ll(&r, 0, 0) > 0) return 0;
    }
    uint64_t n = 0;
    if (db_begin(db) != 0) return -1;
    if (db_exec(db, arena_printf(a, "DELETE FROM `%s`.`%s`", shadow, table), NULL, 0, NULL, NULL) != 0 ||
        db_exec(db, arena_printf(a, "INSERT INTO `%s`.`%s` (%s) SELECT %s FROM `%s`.`%s`", shadow, table, cols, cols,
                                 main_db, table),
                NULL, 0, NULL, &n) != 0) {
        db_rollback(db);
        return -1;
    }
    return db_commit(db) == 0 ? (long long)n : -1;
}

static int shadow_init(sb_app *app, arena *a, const char *main_db, const char *shadow)
{
    /* the shadow schema may not exist yet, so this handle names the main one; every
     * statement below qualifies its tables */
    sb_config main_cfg = app->cfg;
    main_cfg.db_name = (char *)main_db;
    sb_db *db = db_new(&main_cfg);
    db_set_rw_timeout(db, 3600);
    int rc = 2;
    char err[512];
    if (db_exec(db, arena_printf(a, "CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", shadow),
                NULL, 0, NULL, NULL) != 0) {
        fprintf(stderr, "switchboard: shadow-init: cannot create database %s: %s (grant the user ALL on `%s`.*)\n",
                shadow, db_error(db), shadow);
        goto out;
    }
    static const char *const TABLES =
        "SELECT m.TABLE_NAME, s.TABLE_NAME IS NULL FROM information_schema.TABLES m"
        " LEFT JOIN information_schema.TABLES s ON s.TABLE_SCHEMA = ? AND s.TABLE_NAME = m.TABLE_NAME"
        " WHERE m.TABLE_SCHEMA = ? AND m.TABLE_TYPE = 'BASE TABLE' ORDER BY m.TABLE_NAME";
    db_param tp[] = {db_str(shadow), db_str(main_db)};
    db_rows t;
    if (db_query(db, a, TABLES, tp, 2, &t) != 0) {
        fprintf(stderr, "switchboard: shadow-init: cannot list the tables of %s: %s\n", main_db, db_error(db));
        goto out;
    }
    if (t.nrows == 0) {
        fprintf(stderr, "switchboard: shadow-init: %s has no tables (wrong --from?)\n", main_db);
        goto out;
    }
    int created = 0, migrations_new = 0;
    for (size_t i = 0; i < t.nrows; i++) {
        const char *name = db_cell(&t, i, 0);
        if (!ident_ok(name) || !db_cell_ll(&t, i, 1)) continue;
        if (db_exec(db, arena_printf(a, "CREATE TABLE `%s`.`%s` LIKE `%s`.`%s`", shadow, name, main_db, name), NULL, 0,
                    NULL, NULL) != 0) {
            fprintf(stderr, "switchboard: shadow-init: CREATE TABLE %s.%s: %s\n", shadow, name, db_error(db));
            goto out;
        }
        created++;
        migrations_new |= !strcmp(name, "switchboard_migrations");
    }
    printf("shadow-init: %s: %d table(s) created from %s (%zu in all)\n", shadow, created, main_db, t.nrows);
    /* a new shadow has the main schema's structure, so it has its migrations too */
    if (migrations_new && copy_table(db, a, main_db, shadow, "switchboard_migrations", 0) < 0) {
        fprintf(stderr, "switchboard: shadow-init: copying switchboard_migrations: %s\n", db_error(db));
        goto out;
    }
    int applied = migrate_apply(app->db, app->cfg.migrations_dir, stdout, err, sizeof err);
    if (applied < 0) {
        fprintf(stderr, "switchboard: shadow-init: migrate: %s\n", err);
        goto out;
    }
    printf("shadow-init: %d migration(s) applied in %s\n", applied, shadow);
    for (size_t i = 0; i < NCONFIG_TABLES; i++) {
        long long n = copy_table(db, a, main_db, shadow, CONFIG_TABLES[i], 0);
        if (n < 0) {
            fprintf(stderr, "switchboard: shadow-init: copying %s: %s\n", CONFIG_TABLES[i], db_error(db));
            goto out;
        }
        printf("shadow-init: %-22s %lld row(s) (replaced)\n", CONFIG_TABLES[i], n);
    }
    long long nc = copy_table(db, a, main_db, shadow, "customers", 1);
    if (nc < 0) {
        fprintf(stderr, "switchboard: shadow-init: copying customers: %s\n", db_error(db));
        goto out;
    }
    printf("shadow-init: %-22s %lld row(s) (%s)\n", "customers", nc,
           nc ? "snapshot" : "kept: the shadow's own since its first init");
    rc = 0;
out:
    db_free(db);
    return rc;
}

/* ---- shadow-diff ---- */

typedef struct field_spec {
    const char *name, *expr; /* expr over x (the row), c (its customer), ap (its linked appointment) */
} field_spec;

typedef struct entity_spec {
    const char *name, *table, *key, *key_label;
    const char *joins; /* {T} = the schema of the side */
    const field_spec *fields;
    size_t nfields;
} entity_spec;

static const field_spec APPOINTMENT_FIELDS[] = {
    {"status", "x.status"},           {"starts_at", "x.starts_at"},       {"ends_at", "x.ends_at"},
    {"customer_email", "c.email"},    {"customer_phone", "c.phone"},      {"service_id", "x.service_id"},
    {"company_id", "x.company_id"},   {"branch_id", "x.branch_id"},       {"deleted", "x.deleted_at IS NOT NULL"},
};
static const field_spec CALL_FIELDS[] = {
    {"company_id", "x.company_id"},   {"customer_phone", "c.phone"},      {"customer_email", "c.email"},
    {"duration_sec", "x.duration_sec"}, {"status", "x.status"},
    {"appointment_uid", "ap.calcom_v2_booking_id"},
};
static const entity_spec ENTITIES[] = {
    {"appointments", "appointments", "calcom_v2_booking_id", "uid", " LEFT JOIN {T}.customers c ON c.id = x.customer_id",
     APPOINTMENT_FIELDS, sizeof APPOINTMENT_FIELDS / sizeof APPOINTMENT_FIELDS[0]},
    {"calls", "calls", "retell_call_id", "call",
     " LEFT JOIN {T}.customers c ON c.id = x.customer_id LEFT JOIN {T}.appointments ap ON ap.id = x.converted_appointment_id",
     CALL_FIELDS, sizeof CALL_FIELDS / sizeof CALL_FIELDS[0]},
};
#define NENTITIES (sizeof ENTITIES / sizeof ENTITIES[0])

typedef struct diff_line {
    const char *entity, *key, *field, *shadow, *main;
} diff_line;

typedef struct diff_report {
    arena *a;
    diff_line *lines;
    size_t nlines, cap, limit;
    long long total;
} diff_report;

static void note(diff_report *r, const char *entity, const char *key, const char *field, const char *s, const char *m)
{
    r->total++;
    if (r->nlines >= r->limit) return;
    if (r->nlines == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        diff_line *n = arena_alloc(r->a, cap * sizeof *n);
        if (r->nlines) memcpy(n, r->lines, r->nlines * sizeof *n);
        r->lines = n;
        r->cap = cap;
    }
    r->lines[r->nlines++] = (diff_line){entity, key, field, s, m};
}

typedef struct entity_counts {
    long long compared, only_shadow, only_main, field_diffs;
} entity_counts;

/* One side's rows of e: "SELECT x.key AS k, f0, f1, ... FROM {side}.table x JOINS". */
static void side_select(buf *b, const entity_spec *e, const char *side)
{
    buf_printf(b, "(SELECT x.`%s` AS k", e->key);
    for (size_t i = 0; i < e->nfields; i++) buf_printf(b, ", %s AS f%zu", e->fields[i].expr, i);
    buf_printf(b, " FROM {%s}.`%s` x", side, e->table);
    for (const char *p = e->joins; *p; p++) {
        if (!strncmp(p, "{T}", 3)) {
            buf_printf(b, "{%s}", side);
            p += 2;
        } else {
            buf_putc(b, *p);
        }
    }
    buf_puts(b, ")");
}

static int diff_entity(sb_db *db, diff_report *r, const entity_spec *e, const char *main_db, const char *shadow,
                       long long since, entity_counts *cnt)
{
    arena *a = r->a;
    buf q = BUF_INIT;
    buf_puts(&q, "SELECT k.k, s.k IS NOT NULL, m.k IS NOT NULL");
    for (size_t i = 0; i < e->nfields; i++) buf_printf(&q, ", s.f%zu, m.f%zu", i, i);
    buf_printf(&q, " FROM (SELECT x.`%s` AS k FROM {S}.`%s` x WHERE x.updated_at >= FROM_UNIXTIME(?) AND x.`%s` IS NOT NULL"
                   " UNION SELECT x.`%s` FROM {M}.`%s` x WHERE x.updated_at >= FROM_UNIXTIME(?) AND x.`%s` IS NOT NULL) k"
                   " LEFT JOIN ", e->key, e->table, e->key, e->key, e->table, e->key);
    side_select(&q, e, "S");
    buf_puts(&q, " s ON s.k = k.k LEFT JOIN ");
    side_select(&q, e, "M");
    buf_puts(&q, " m ON m.k = k.k ORDER BY k.k");
    const char *sql = schemas_sql(a, buf_cstr(&q), shadow, main_db);
    buf_free(&q);
    db_param p[] = {db_int(since), db_int(since)};
    db_rows rows;
    if (db_query(db, a, sql, p, 2, &rows) != 0) return -1;
    memset(cnt, 0, sizeof *cnt);
    for (size_t i = 0; i < rows.nrows; i++) {
        const char *key = arena_printf(a, "%s=%s", e->key_label, db_cell(&rows, i, 0));
        int in_s = db_cell_ll(&rows, i, 1) != 0, in_m = db_cell_ll(&rows, i, 2) != 0;
        if (!in_m) {
            cnt->only_shadow++;
            note(r, e->name, key, "(row)", "present", "missing");
            continue;
        }
        if (!in_s) {
            cnt->only_main++;
            note(r, e->name, key, "(row)", "missing", "present");
            continue;
        }
        cnt->compared++;
        for (size_t f = 0; f < e->nfields; f++) {
            const char *sv = db_cell(&rows, i, 3 + 2 * f), *mv = db_cell(&rows, i, 4 + 2 * f);
            if ((!sv && !mv) || (sv && mv && !strcmp(sv, mv))) continue;
            cnt->field_diffs++;
            note(r, e->name, key, e->fields[f].name, sv, mv);
        }
    }
    return 0;
}

/* Events stored on both sides (provider, type, id) whose settled outcome differs; counted. */
static int diff_event_outcomes(sb_db *db, diff_report *r, const char *main_db, const char *shadow, long long since,
                               long long *n)
{
    static const char *const TMPL =
        "SELECT s.provider, s.event_type, s.event_id, s.status, m.status FROM {S}.webhook_events s"
        " JOIN {M}.webhook_events m ON m.provider = s.provider AND m.event_type = s.event_type AND m.event_id = s.event_id"
        " WHERE s.created_at >= FROM_UNIXTIME(?)"
        " AND s.status NOT IN ('pending', 'processing') AND m.status NOT IN ('pending', 'processing')"
        " AND (s.status IN ('processed', 'ignored')) <> (m.status IN ('processed', 'ignored'))"
        " ORDER BY s.id";
    db_param p[] = {db_int(since)};
    db_rows rows;
    if (db_query(db, r->a, schemas_sql(r->a, TMPL, shadow, main_db), p, 1, &rows) != 0) return -1;
    *n = (long long)rows.nrows;
    for (size_t i = 0; i < rows.nrows; i++)
        note(r, "webhook_events",
             arena_printf(r->a, "%s %s %s", db_cell(&rows, i, 0), db_cell(&rows, i, 1), db_cell(&rows, i, 2)),
             "status", db_cell(&rows, i, 3), db_cell(&rows, i, 4));
    return 0;
}

static void json_str_or_null(buf *b, const char *s)
{
    if (s) json_buf_str(b, s);
    else buf_puts(b, "null");
}

static int shadow_diff(sb_app *app, arena *a, const char *main_db, const char *shadow, long long since,
                       const char *only, int json, size_t limit)
{
    sb_db *db = app->db;
    diff_report r = {.a = a, .limit = limit};
    /* the window starts no earlier than the shadow's first event: before it, main has
     * rows the shadow never saw */
    db_rows first;
    if (db_query(db, a, "SELECT UNIX_TIMESTAMP(MIN(created_at)), COUNT(*) FROM webhook_events WHERE created_at >= FROM_UNIXTIME(?)",
                 (db_param[]){db_int(since)}, 1, &first) != 0) {
        fprintf(stderr, "switchboard: shadow-diff: %s\n", db_error(db));
        return CLI_EXIT_DB;
    }
    long long shadow_events = db_cell_ll(&first, 0, 1);
    long long from = since;
    if (shadow_events > 0 && db_cell_ll(&first, 0, 0) > from) from = db_cell_ll(&first, 0, 0);
    if (shadow_events == 0) note(&r, "webhook_events", "(all)", "received", "none in the window", "-");

    entity_counts counts[NENTITIES];
    int done[NENTITIES] = {0};
    for (size_t i = 0; i < NENTITIES; i++) {
        if (only && strcmp(only, ENTITIES[i].name) != 0) continue;
        if (diff_entity(db, &r, &ENTITIES[i], main_db, shadow, from, &counts[i]) != 0) {
            fprintf(stderr, "switchboard: shadow-diff: %s: %s\n", ENTITIES[i].name, db_error(db));
            return CLI_EXIT_DB;
        }
        done[i] = 1;
    }
    db_rows ev = {0};
    long long outcome_diffs = 0;
    int events = !only || !strcmp(only, "webhook_events");
    if (events) {
        static const char *const COUNTS =
            "SELECT provider, event_type, SUM(side = 's'), SUM(side = 'm') FROM ("
            " SELECT 's' AS side, provider, event_type FROM {S}.webhook_events WHERE created_at >= FROM_UNIXTIME(?)"
            " UNION ALL SELECT 'm', provider, event_type FROM {M}.webhook_events WHERE created_at >= FROM_UNIXTIME(?)) e"
            " GROUP BY provider, event_type ORDER BY provider, event_type";
        if (db_query(db, a, schemas_sql(a, COUNTS, shadow, main_db), (db_param[]){db_int(from), db_int(from)}, 2, &ev) != 0 ||
            diff_event_outcomes(db, &r, main_db, shadow, from, &outcome_diffs) != 0) {
            fprintf(stderr, "switchboard: shadow-diff: webhook_events: %s\n", db_error(db));
            return CLI_EXIT_DB;
        }
    }
    char since_iso[40];
    time_format_iso(from, since_iso, sizeof since_iso);
    if (json) {
        buf b = BUF_INIT;
        buf_puts(&b, "{\"shadow\":");
        json_buf_str(&b, shadow);
        buf_puts(&b, ",\"main\":");
        json_buf_str(&b, main_db);
        buf_printf(&b, ",\"since\":\"%s\",\"shadow_events\":%lld,\"entities\":{", since_iso, shadow_events);
        int first_e = 1;
        for (size_t i = 0; i < NENTITIES; i++) {
            if (!done[i]) continue;
            buf_printf(&b, "%s\"%s\":{\"compared\":%lld,\"only_shadow\":%lld,\"only_main\":%lld,\"field_differences\":%lld}",
                       first_e ? "" : ",", ENTITIES[i].name, counts[i].compared, counts[i].only_shadow,
                       counts[i].only_main, counts[i].field_diffs);
            first_e = 0;
        }
        buf_puts(&b, "}");
        if (events) {
            buf_printf(&b, ",\"webhook_events\":{\"outcome_differences\":%lld,\"by_type\":[", outcome_diffs);
            for (size_t i = 0; i < ev.nrows; i++) {
                buf_puts(&b, i ? ",{\"provider\":" : "{\"provider\":");
                json_buf_str(&b, db_cell(&ev, i, 0));
                buf_puts(&b, ",\"event_type\":");
                json_buf_str(&b, db_cell(&ev, i, 1));
                buf_printf(&b, ",\"shadow\":%lld,\"main\":%lld}", db_cell_ll(&ev, i, 2), db_cell_ll(&ev, i, 3));
            }
            buf_puts(&b, "]}");
        }
        buf_printf(&b, ",\"differences_total\":%lld,\"differences\":[", r.total);
        for (size_t i = 0; i < r.nlines; i++) {
            const diff_line *d = &r.lines[i];
            buf_puts(&b, i ? ",{\"entity\":" : "{\"entity\":");
            json_buf_str(&b, d->entity);
            buf_puts(&b, ",\"key\":");
            json_buf_str(&b, d->key);
            buf_puts(&b, ",\"field\":");
            json_buf_str(&b, d->field);
            buf_puts(&b, ",\"shadow\":");
            json_str_or_null(&b, d->shadow);
            buf_puts(&b, ",\"main\":");
            json_str_or_null(&b, d->main);
            buf_puts(&b, "}");
        }
        buf_puts(&b, "]}\n");
        fputs(buf_cstr(&b), stdout);
        buf_free(&b);
    } else {
        printf("shadow-diff: shadow %s against main %s since %s (%lld shadow event(s))\n", shadow, main_db, since_iso,
               shadow_events);
        printf("%-16s %9s %12s %10s %18s\n", "entity", "compared", "only shadow", "only main", "field differences");
        for (size_t i = 0; i < NENTITIES; i++)
            if (done[i])
                printf("%-16s %9lld %12lld %10lld %18lld\n", ENTITIES[i].name, counts[i].compared,
                       counts[i].only_shadow, counts[i].only_main, counts[i].field_diffs);
        if (events) {
            printf("webhook events by type (shown, not counted; outcome differences: %lld)\n", outcome_diffs);
            printf("  %-10s %-28s %8s %8s\n", "provider", "event_type", "shadow", "main");
            for (size_t i = 0; i < ev.nrows; i++)
                printf("  %-10s %-28s %8lld %8lld\n", db_cell(&ev, i, 0), db_cell(&ev, i, 1), db_cell_ll(&ev, i, 2),
                       db_cell_ll(&ev, i, 3));
        }
        if (r.nlines) printf("differences (first %zu of %lld):\n", r.nlines, r.total);
        for (size_t i = 0; i < r.nlines; i++) {
            const diff_line *d = &r.lines[i];
            printf("  %s %s %s: shadow %s%s%s, main %s%s%s\n", d->entity, d->key, d->field, d->shadow ? "\"" : "",
                   d->shadow ? d->shadow : "NULL", d->shadow ? "\"" : "", d->main ? "\"" : "", d->main ? d->main : "NULL",
                   d->main ? "\"" : "");
        }
        printf("%lld difference(s)\n", r.total);
    }
    return r.total ? 1 : 0;
}

int cmd_shadow(sb_app *app, const char *cmd, int argc, char **argv)
{
    const char *from = NULL, *since_text = "1d", *only = NULL, *format = app->format; /* taken out of argv by main */
    long long limit = 20;
    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "switchboard: %s: %s needs a value\n", cmd, argv[i]);
            return 2;
        }
        if (!strcmp(argv[i], "--from")) from = v;
        else if (!strcmp(argv[i], "--since")) since_text = v;
        else if (!strcmp(argv[i], "--entity")) only = v;
        else if (!strcmp(argv[i], "--limit")) limit = atoll(v);
        else {
            fprintf(stderr, "switchboard: %s: unknown option %s\n", cmd, argv[i]);
            return 2;
        }
        i++;
    }
    const char *shadow = app->cfg.db_name;
    if (!app->cfg.shadow) {
        fprintf(stderr, "switchboard: %s runs with the shadow instance's config (shadow = 1, db.name = the shadow schema)\n", cmd);
        return 2;
    }
    if (!ident_ok(from) || !ident_ok(shadow) || !strcmp(from, shadow)) {
        fprintf(stderr, "switchboard: %s: --from MAIN_DB names the main schema ([A-Za-z0-9_]), other than db.name (%s)\n",
                cmd, shadow);
        return 2;
    }
    arena *a = arena_new(1 << 16);
    int rc;
    if (!strcmp(cmd, "shadow-init")) {
        rc = shadow_init(app, a, from, shadow);
    } else {
        long long since = app_parse_time(since_text);
        int json = !strcmp(format, "json");
        if (since < 0 || (!json && strcmp(format, "table") != 0) || limit < 0 ||
            (only && strcmp(only, "appointments") && strcmp(only, "calls") && strcmp(only, "webhook_events"))) {
            fprintf(stderr, "switchboard: shadow-diff: --since 1d|6h|YYYY-MM-DD[ HH:MM:SS], --format table|json, "
                            "--entity appointments|calls|webhook_events, --limit N\n");
            rc = 2;
        } else {
            rc = shadow_diff(app, a, from, shadow, since, only, json, (size_t)limit);
        }
    }
    arena_free(a);
    return rc;
}
