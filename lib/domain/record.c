/* record.c: audited writes (see record.h). */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "daily_stats.h"
#include "json.h"
#include "log.h"
#include "timeutil.h"

static db_param bind(const field *f)
{
    switch (f->kind) {
    case F_TEXT: return db_str(f->text);
    case F_INT:
    case F_TIME: return db_int(f->num);
    case F_NULL: break;
    }
    return db_null();
}

/* ---- column widths ---------------------------------------------------------
 * Provider text can be longer than the shared tables' columns (customers.name
 * VARCHAR(255), calls.call_type VARCHAR(20)). Under Laravel's strict sql_mode
 * that failed the write, and with it the event on every retry until it went
 * dead: a Cal.com booking whose attendee typed a 300-character name never
 * became an appointment. So text is clipped to its column's width (characters
 * and bytes, at a UTF-8 character boundary), with a warning in the log.
 * Widths come from information_schema once per table and process (the
 * processes that write are single-threaded). */
typedef struct col_width {
    char table[64], column[64];
    long long chars, bytes;
} col_width;

#define MAX_TABLES 16
static col_width *widths;
static size_t nwidths, capwidths;
static char loaded[MAX_TABLES][64];
static size_t nloaded;

static int load_widths(sb_db *db, arena *a, const char *table)
{
    for (size_t i = 0; i < nloaded; i++)
        if (strcmp(loaded[i], table) == 0) return 0;
    db_param t = db_str(table);
    db_rows r;
    if (db_query(db, a,
                 "SELECT COLUMN_NAME, CHARACTER_MAXIMUM_LENGTH, CHARACTER_OCTET_LENGTH FROM information_schema.COLUMNS"
                 " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CHARACTER_MAXIMUM_LENGTH IS NOT NULL",
                 &t, 1, &r) != 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        if (nwidths == capwidths) {
            col_width *w = realloc(widths, (capwidths = capwidths ? capwidths * 2 : 128) * sizeof *w);
            if (!w) return -1;
            widths = w;
        }
        col_width *w = &widths[nwidths++];
        snprintf(w->table, sizeof w->table, "%s", table);
        snprintf(w->column, sizeof w->column, "%s", db_cell(&r, i, 0));
        w->chars = db_cell_ll(&r, i, 1);
        w->bytes = db_cell_ll(&r, i, 2);
    }
    if (nloaded < MAX_TABLES) snprintf(loaded[nloaded++], sizeof loaded[0], "%s", table);
    return 0;
}

/* Bytes of s that fit chars characters and bytes bytes, ending on a character boundary. */
static size_t clip_len(const char *s, long long chars, long long bytes)
{
    size_t i = 0;
    for (long long n = 0; s[i] && n < chars; n++) {
        size_t step = 1;
        while (((unsigned char)s[i + step] & 0xc0) == 0x80) step++;
        if ((long long)(i + step) > bytes) break;
        i += step;
    }
    return i;
}

/* f, or an arena copy with the over-long texts clipped; NULL on a database error. */
static const field *clip_fields(sb_db *db, arena *a, const char *table, const field *f, size_t n)
{
    field *copy = NULL;
    for (size_t i = 0; i < n; i++) {
        if (f[i].kind != F_TEXT || !f[i].text) continue;
        size_t len = strlen(f[i].text);
        if (load_widths(db, a, table) != 0) return NULL;
        const col_width *w = NULL;
        for (size_t k = 0; k < nwidths && !w; k++)
            if (!strcmp(widths[k].table, table) && !strcmp(widths[k].column, f[i].column)) w = &widths[k];
        if (!w || ((long long)len <= w->chars && (long long)len <= w->bytes)) continue;
        size_t keep = clip_len(f[i].text, w->chars, w->bytes);
        if (keep == len) continue;
        if (!copy) {
            copy = arena_alloc(a, n * sizeof *copy);
            memcpy(copy, f, n * sizeof *copy);
        }
        copy[i].text = arena_strndup(a, f[i].text, keep);
        log_msg("warning", "%s.%s: a value of %zu bytes was clipped to %zu (the column's width)", table, f[i].column, len, keep);
    }
    return copy ? copy : f;
}

/* JSON of a new value, into b. */
static void json_value(buf *b, const field *f)
{
    char iso[32];
    switch (f->kind) {
    case F_TEXT: json_buf_str(b, f->text); return;
    case F_INT: buf_printf(b, "%lld", f->num); return;
    case F_TIME: time_format_iso(f->num, iso, sizeof iso); json_buf_str(b, iso); return;
    case F_NULL: buf_puts(b, "null"); return;
    }
}

/* JSON of an old value as read back (times were read as UNIX_TIMESTAMP). */
static void json_old(buf *b, const field *f, const char *old)
{
    char iso[32];
    if (!old) buf_puts(b, "null");
    else if (f->kind == F_TIME) {
        time_format_iso(atoll(old), iso, sizeof iso);
        json_buf_str(b, iso);
    } else if (f->kind == F_INT) buf_puts(b, old);
    else json_buf_str(b, old);
}

static const field *find_field(const field *f, size_t n, const char *column)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(f[i].column, column)) return &f[i];
    return NULL;
}

static int write_audit(sb_db *db, const char *table, uint64_t id, long long company_id, const char *action,
                       const char *changes, const audit_cause *why)
{
    /* calls change with every webhook of a call (their history is webhook_events); the audit
     * trail is for the business rows people edit and argue about */
    if (strcmp(table, "appointments") != 0 && strcmp(table, "customers") != 0) return 0;
    db_param p[] = {db_str(table), db_int((long long)id), company_id > 0 ? db_int(company_id) : db_null(),
                    db_str(action), db_str(changes),
                    why && why->webhook_event_id ? db_int((long long)why->webhook_event_id) : db_null(),
                    db_str(why && why->cause ? why->cause : "switchboard")};
    return db_exec(db,
                   "INSERT INTO switchboard_audit (table_name, row_id, company_id, action, changes, webhook_event_id,"
                   " cause) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   p, 7, NULL, NULL);
}

int record_insert(sb_db *db, arena *a, const char *table, const field *f, size_t n, long long company_id,
                  const audit_cause *why, uint64_t *id)
{
    if (!(f = clip_fields(db, a, table, f, n))) return -1;
    buf sql = BUF_INIT, changes = BUF_INIT;
    buf_printf(&sql, "INSERT INTO %s (", table);
    for (size_t i = 0; i < n; i++) buf_printf(&sql, "%s%s", i ? ", " : "", f[i].column);
    int own_created = 0; /* a caller may date the row (a call imported later is dated when it happened) */
    for (size_t i = 0; i < n; i++) own_created |= strcmp(f[i].column, "created_at") == 0;
    buf_puts(&sql, own_created ? ", updated_at) VALUES (" : ", created_at, updated_at) VALUES (");
    db_param *p = arena_alloc(a, sizeof *p * (n + 1));
    size_t np = 0;
    buf_putc(&changes, '{');
    for (size_t i = 0; i < n; i++) {
        buf_puts(&sql, i ? ", " : "");
        if (f[i].kind == F_NULL) buf_puts(&sql, "NULL");
        else if (f[i].kind == F_TIME) buf_puts(&sql, "FROM_UNIXTIME(?)");
        else buf_puts(&sql, "?");
        if (f[i].kind != F_NULL) p[np++] = bind(&f[i]);
        buf_printf(&changes, "%s\"%s\":{\"new\":", i ? "," : "", f[i].column);
        json_value(&changes, &f[i]);
        buf_putc(&changes, '}');
    }
    buf_puts(&sql, own_created ? ", NOW())" : ", NOW(), NOW())");
    buf_putc(&changes, '}');
    int rc = db_exec(db, buf_cstr(&sql), p, np, id, NULL);
    if (rc == 0) rc = write_audit(db, table, *id, company_id, "insert", buf_cstr(&changes), why);
    /* the day to note is in the fields (the row's company, its created_at or NOW()): no read back (D225) */
    const field *co = find_field(f, n, "company_id"), *cr = find_field(f, n, "created_at");
    if (rc == 0 && co && co->kind == F_INT && (!cr || cr->kind == F_TIME))
        daily_stats_note_written(db, table, co->num, cr ? cr->num : 0);
    else if (rc == 0)
        rc = daily_stats_note_row(db, a, table, *id);
    buf_free(&sql);
    buf_free(&changes);
    return rc;
}

int record_update(sb_db *db, arena *a, const char *table, uint64_t id, const field *f, size_t n,
                  long long company_id, const audit_cause *why, int *changed)
{
    if (changed) *changed = 0;
    if (!(f = clip_fields(db, a, table, f, n))) return -1;
    buf sel = BUF_INIT;
    buf_puts(&sel, "SELECT ");
    for (size_t i = 0; i < n; i++)
        buf_printf(&sel, f[i].kind == F_TIME ? "%sUNIX_TIMESTAMP(%s)" : "%s%s", i ? ", " : "", f[i].column);
    /* the row's company and created_at come with the lock: the day note needs no read of its own (D225) */
    int dated = !strcmp(table, "calls") || !strcmp(table, "appointments");
    if (dated) buf_puts(&sel, ", company_id, UNIX_TIMESTAMP(created_at)");
    buf_printf(&sel, " FROM %s WHERE id = ? FOR UPDATE", table);
    db_param idp = db_int((long long)id);
    db_rows cur;
    int rc = db_query(db, a, buf_cstr(&sel), &idp, 1, &cur);
    buf_free(&sel);
    if (rc != 0) return -1;
    if (cur.nrows == 0) return 0;
    buf upd = BUF_INIT, changes = BUF_INIT;
    db_param *p = arena_alloc(a, sizeof *p * (n + 1));
    size_t np = 0;
    int nchanged = 0;
    buf_printf(&upd, "UPDATE %s SET ", table);
    buf_putc(&changes, '{');
    for (size_t i = 0; i < n; i++) {
        const char *old = db_cell(&cur, 0, i);
        if (f[i].only_if_empty && old && *old) continue;
        int same;
        switch (f[i].kind) {
        case F_TEXT: same = (!old && !f[i].text) || (old && f[i].text && strcmp(old, f[i].text) == 0); break;
        case F_INT:
        case F_TIME: same = old && atoll(old) == f[i].num; break;
        default: same = old == NULL; break;
        }
        if (same) continue;
        if (f[i].kind == F_TEXT && !f[i].text && !old) continue;
        buf_printf(&upd, "%s%s = %s", nchanged ? ", " : "", f[i].column,
                   f[i].kind == F_NULL ? "NULL" : f[i].kind == F_TIME ? "FROM_UNIXTIME(?)" : "?");
        if (f[i].kind != F_NULL) p[np++] = bind(&f[i]);
        buf_printf(&changes, "%s\"%s\":{\"old\":", nchanged ? "," : "", f[i].column);
        json_old(&changes, &f[i], old);
        buf_puts(&changes, ",\"new\":");
        json_value(&changes, &f[i]);
        buf_putc(&changes, '}');
        nchanged++;
    }
    buf_putc(&changes, '}');
    rc = 0;
    if (nchanged) {
        buf_puts(&upd, ", updated_at = NOW() WHERE id = ?");
        p[np++] = idp;
        rc = db_exec(db, buf_cstr(&upd), p, np, NULL, NULL);
        if (rc == 0) rc = write_audit(db, table, id, company_id, "update", buf_cstr(&changes), why);
        if (rc == 0 && dated) { /* the day the row was on, and the one it is on now if this update moved it */
            long long company = db_cell_ll(&cur, 0, n), created = db_cell_ll(&cur, 0, n + 1);
            daily_stats_note_written(db, table, company, created);
            const field *co = find_field(f, n, "company_id"), *cr = find_field(f, n, "created_at");
            if ((co && co->kind == F_INT) || (cr && cr->kind == F_TIME))
                daily_stats_note_written(db, table, co && co->kind == F_INT ? co->num : company,
                                         cr && cr->kind == F_TIME ? cr->num : created);
        }
    }
    buf_free(&upd);
    buf_free(&changes);
    if (changed) *changed = nchanged;
    return rc;
}
