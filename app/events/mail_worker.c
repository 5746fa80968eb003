/* mail_worker.c: the mail of issue 14 part 5 (DESIGN D106-D115): what the
 * pipeline notes at call_ended, and the worker's mail thread that turns it into
 * outbox rows (call summaries: immediate or hourly/daily digests; callback
 * alerts, batched per company) and delivers the outbox over SMTP with retries.
 *
 * Three steps, each its own short transaction, so nothing is composed twice and
 * nothing composed is lost:
 *   note     (pipeline, in the call_ended event's transaction) one
 *            switchboard_mail_calls row per call;
 *   compose  (mail thread) marker/digest/callback rows -> outbox rows, the
 *            source rows marked done in the same transaction;
 *   deliver  (mail thread) claim an outbox row (status sending + lease), send
 *            it, record sent / failed with backoff / dead.
 * The thread has its own config copy (reloaded after the worker's SIGHUP) and DB
 * connection, so a slow SMTP server delays mail only, never the pipeline (D107). */
#include "app.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "html.h"
#include "json.h"
#include "log.h"
#include "mail.h"
#include "sig.h"
#include "timeutil.h"

extern char **environ;


#define COMPOSE_BATCH 20
#define SEND_BATCH 8
#define DIGEST_MAX_CALLS 500
#define ALERT_MAX_ITEMS 50
#define RETRY_CAP_S (6 * 3600)

/* ---- note (pipeline) ---------------------------------------------------- */

/* the call's end, else now: the age limit and the digest bucket go by it */
static const char SQL_NOTE[] =
    "INSERT INTO switchboard_mail_calls (call_id, company_id, branch_id, ended_at, due_at)"
    " SELECT id, company_id, branch_id, COALESCE(end_timestamp, NOW(3)), NOW(3) + INTERVAL ? SECOND"
    " FROM calls WHERE id = ? AND company_id IS NOT NULL"
    " ON DUPLICATE KEY UPDATE switchboard_mail_calls.call_id = switchboard_mail_calls.call_id";

int mail_note_call_ended(sb_db *db, const sb_config *cfg, uint64_t call_id)
{
    db_param p[] = {db_int(cfg->mail_summary_delay_seconds), db_int((long long)call_id)};
    return db_exec(db, SQL_NOTE, p, 2, NULL, NULL);
}

/* ---- settings and recipients -------------------------------------------- */

typedef struct summary_settings {
    int send, transcript, csv;
    const char *frequency; /* immediate, hourly, daily */
    const char *company_name, *tz, *branch_name, *company_email;
    const char *rcpt[32];
    size_t nrcpt;
    const char *rejected; /* addresses refused by mail_address_ok, for the note */
} summary_settings;

/* companies' columns, the branch's nullable columns over them, then the branch's
 * call_notification_overrides keys over both (D108) */
static const char SQL_SETTINGS[] =
    "SELECT co.send_call_summaries, co.include_transcript_in_summary, co.include_csv_export,"
    " co.summary_email_frequency, co.call_summary_recipients, co.name, COALESCE(co.timezone, 'Europe/Berlin'),"
    " b.send_call_summaries, b.include_transcript_in_summary, b.include_csv_export, b.summary_email_frequency,"
    " b.call_summary_recipients, b.notification_email, b.call_notification_overrides, b.name, co.email"
    " FROM companies co LEFT JOIN branches b ON b.id = ? AND b.company_id = co.id WHERE co.id = ?";
enum { S_SEND, S_TRANSCRIPT, S_CSV, S_FREQ, S_RCPT, S_NAME, S_TZ, B_SEND, B_TRANSCRIPT, B_CSV, B_FREQ, B_RCPT,
       B_NOTIFY, B_OVERRIDES, B_NAME, S_EMAIL, S_NCOLS };

/* call_notification_overrides: Laravel's keys (include_transcript, include_csv)
 * and the column names, each onto the setting it overrides */
typedef struct override_key {
    const char *key;
    size_t offset;
} override_key;
static const override_key OVERRIDES[] = {
    {"send_call_summaries", offsetof(summary_settings, send)},
    {"include_transcript", offsetof(summary_settings, transcript)},
    {"include_transcript_in_summary", offsetof(summary_settings, transcript)},
    {"include_csv", offsetof(summary_settings, csv)},
    {"include_csv_export", offsetof(summary_settings, csv)},
};
_Static_assert(sizeof OVERRIDES / sizeof OVERRIDES[0] == 5, "override keys: the legacy pair, the column names and send");

static const char *const FREQUENCIES[] = {"immediate", "hourly", "daily"};
_Static_assert(sizeof FREQUENCIES / sizeof FREQUENCIES[0] == 3, "summary_email_frequency enum('immediate','hourly','daily')");

static const char *known_frequency(const char *f)
{
    for (size_t i = 0; f && i < sizeof FREQUENCIES / sizeof FREQUENCIES[0]; i++)
        if (!strcmp(f, FREQUENCIES[i])) return FREQUENCIES[i];
    return NULL;
}

static void add_rcpt(arena *a, summary_settings *s, const char *addr)
{
    if (!addr || !*addr) return;
    if (!mail_address_ok(addr)) {
        s->rejected = arena_printf(a, "%s%s%s", s->rejected ? s->rejected : "", s->rejected ? ", " : "",
                                   log_mask_email(a, addr));
        return;
    }
    for (size_t i = 0; i < s->nrcpt; i++)
        if (!strcasecmp(s->rcpt[i], addr)) return; /* Laravel compared lowercased */
    if (s->nrcpt < sizeof s->rcpt / sizeof s->rcpt[0]) s->rcpt[s->nrcpt++] = arena_strdup(a, addr);
}

/* a JSON list of addresses (Laravel casts the column to an array) */
static void add_rcpt_list(arena *a, summary_settings *s, const char *json)
{
    if (!json || !*json) return;
    char err[128];
    json_object *o = json_parse_strict(json, strlen(json), err, sizeof err);
    if (!o) return;
    if (json_object_is_type(o, json_type_array))
        for (size_t i = 0; i < json_object_array_length(o); i++) {
            json_object *e = json_object_array_get_idx(o, i);
            if (json_object_is_type(e, json_type_string)) add_rcpt(a, s, json_object_get_string(e));
        }
    json_object_put(o);
}

static int flag(const db_rows *r, int col, int def) { return db_cell(r, 0, col) ? atoi(db_cell(r, 0, col)) != 0 : def; }

/* 1 loaded, 0 no such company, -1 database error */
static int load_settings(sb_db *db, arena *a, long long company, const char *branch, summary_settings *s)
{
    memset(s, 0, sizeof *s);
    s->company_name = "";
    s->tz = "UTC";
    s->frequency = FREQUENCIES[0];
    db_param p[] = {db_str(branch), db_int(company)};
    db_rows r;
    if (db_query(db, a, SQL_SETTINGS, p, 2, &r) != 0) return -1;
    if (r.nrows == 0) return 0;
    s->send = flag(&r, B_SEND, flag(&r, S_SEND, 1));
    s->transcript = flag(&r, B_TRANSCRIPT, flag(&r, S_TRANSCRIPT, 0));
    s->csv = flag(&r, B_CSV, flag(&r, S_CSV, 1));
    const char *f = known_frequency(db_cell(&r, 0, B_FREQ));
    if (!f) f = known_frequency(db_cell(&r, 0, S_FREQ));
    if (f) s->frequency = f;
    const char *ov = db_cell(&r, 0, B_OVERRIDES);
    char err[128];
    json_object *o = ov ? json_parse_strict(ov, strlen(ov), err, sizeof err) : NULL;
    if (o && json_object_is_type(o, json_type_object)) {
        for (size_t i = 0; i < sizeof OVERRIDES / sizeof OVERRIDES[0]; i++) {
            bool b;
            if (json_get_bool(o, OVERRIDES[i].key, &b)) *(int *)((char *)s + OVERRIDES[i].offset) = b;
        }
        const char *of = known_frequency(json_get_str(o, "summary_email_frequency"));
        if (of) s->frequency = of;
    }
    if (o) json_object_put(o);
    if (db_cell(&r, 0, S_NAME)) s->company_name = db_cell(&r, 0, S_NAME);
    s->tz = db_cell(&r, 0, S_TZ);
    s->branch_name = db_cell(&r, 0, B_NAME);
    s->company_email = db_cell(&r, 0, S_EMAIL);
    /* Laravel's order: the branch's notification_email, then the company's list; then the
     * branch's own list (the column Laravel's job never read, D108) */
    add_rcpt(a, s, db_cell(&r, 0, B_NOTIFY));
    add_rcpt_list(a, s, db_cell(&r, 0, S_RCPT));
    add_rcpt_list(a, s, db_cell(&r, 0, B_RCPT));
    return 1;
}

/* ---- the call, as the mails show it -------------------------------------- */

typedef struct call_view {
    long long id, duration, appointment;
    int64_t at;
    const char *from, *name, *email, *summary, *transcript, *status, *urgency, *agent, *branch;
} call_view;

static const char SQL_CALL[] =
    "SELECT c.id, UNIX_TIMESTAMP(COALESCE(c.start_timestamp, c.created_at)), COALESCE(c.duration_sec, 0),"
    " c.from_number, COALESCE(cu.name, c.customer_name), cu.email, COALESCE(c.summary, c.call_summary), c.transcript,"
    " c.status, c.urgency_level, COALESCE(c.appointment_id, 0), c.agent_name, b.name"
    " FROM calls c LEFT JOIN customers cu ON cu.id = c.customer_id AND cu.company_id = c.company_id"
    " LEFT JOIN branches b ON b.id = c.branch_id WHERE c.id = ? AND c.company_id = ?";

static int load_call(sb_db *db, arena *a, long long id, long long company, call_view *v)
{
    db_param p[] = {db_int(id), db_int(company)};
    db_rows r;
    if (db_query(db, a, SQL_CALL, p, 2, &r) != 0) return -1;
    if (!r.nrows) return 0;
    *v = (call_view){db_cell_ll(&r, 0, 0), db_cell_ll(&r, 0, 2), db_cell_ll(&r, 0, 10), db_cell_ll(&r, 0, 1),
                     db_cell(&r, 0, 3), db_cell(&r, 0, 4), db_cell(&r, 0, 5), db_cell(&r, 0, 6), db_cell(&r, 0, 7),
                     db_cell(&r, 0, 8), db_cell(&r, 0, 9), db_cell(&r, 0, 11), db_cell(&r, 0, 12)};
    return 1;
}

static const char *local_fmt(arena *a, int64_t t, const char *tz, const char *fmt)
{
    struct tm tm;
    if (time_local(t, tz, &tm) != 0) time_local(t, "UTC", &tm);
    char out[64];
    strftime(out, sizeof out, fmt, &tm);
    return arena_strdup(a, out);
}

static const char *mmss(arena *a, long long s) { return arena_printf(a, "%02lld:%02lld", s / 60, s % 60); }

static const char *or_dash(const char *s) { return s && *s ? s : "-"; }

/* Legacy's columns (CallExportService), those switchboard has; the transcript column
 * only when the transcript is on (D109) */
static const char *const CSV_HEAD[] = {"ID", "Datum", "Uhrzeit", "Dauer (Sekunden)", "Dauer (Formatiert)",
                                       "Telefonnummer", "Kundenname", "Kunden-Email", "Filiale", "Status",
                                       "Dringlichkeit", "Zusammenfassung", "Termin gebucht", "Termin-ID",
                                       "Transkript", "Agent Name"};
_Static_assert(sizeof CSV_HEAD / sizeof CSV_HEAD[0] == 16, "one cell per head in csv_call");

static void csv_head(buf *b)
{
    for (size_t i = 0; i < sizeof CSV_HEAD / sizeof CSV_HEAD[0]; i++) {
        if (i) buf_putc(b, ',');
        csv_field(b, CSV_HEAD[i]);
    }
    buf_puts(b, "\r\n");
}

static void csv_call(buf *b, arena *a, const call_view *v, const char *tz, int transcript)
{
    const char *cells[] = {arena_printf(a, "%lld", v->id), local_fmt(a, v->at, tz, "%d.%m.%Y"),
                           local_fmt(a, v->at, tz, "%H:%M:%S"), arena_printf(a, "%lld", v->duration),
                           mmss(a, v->duration), v->from, v->name, v->email, v->branch, v->status, v->urgency,
                           v->summary, v->appointment ? "Ja" : "Nein",
                           v->appointment ? arena_printf(a, "%lld", v->appointment) : "",
                           transcript ? v->transcript : "", v->agent};
    _Static_assert(sizeof cells / sizeof cells[0] == sizeof CSV_HEAD / sizeof CSV_HEAD[0], "a cell per head");
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        if (i) buf_putc(b, ',');
        csv_field(b, cells[i]);
    }
    buf_puts(b, "\r\n");
}

static const char *caller_label(const call_view *v)
{
    return v->name && *v->name ? v->name : v->from && *v->from ? v->from : "Unbekannt";
}

/* the text of one call: the legacy template's sections, in its order */
static void text_call(buf *b, arena *a, const sb_config *cfg, const call_view *v, const char *tz, int transcript)
{
    buf_printf(b, "Datum & Uhrzeit: %s Uhr\nGesprächsdauer: %s\n", local_fmt(a, v->at, tz, "%d.%m.%Y, %H:%M"),
               mmss(a, v->duration));
    if (v->branch) buf_printf(b, "Filiale: %s\n", v->branch);
    buf_printf(b, "Anruf-ID: #%lld\n\nKundeninformationen\n", v->id);
    if (v->name && *v->name) buf_printf(b, "Name: %s\n", v->name);
    buf_printf(b, "Telefon: %s\n", v->from && *v->from ? v->from : "Unbekannt");
    if (v->email && *v->email) buf_printf(b, "E-Mail: %s\n", v->email);
    buf_printf(b, "\nGesprächszusammenfassung\n%s\n", v->summary && *v->summary ? v->summary : "Keine Zusammenfassung verfügbar.");
    if (v->appointment) buf_puts(b, "\nTermin wurde erfolgreich gebucht.\n");
    if (cfg->mail_dashboard_url && *cfg->mail_dashboard_url)
        buf_printf(b, "\nAnruf im Dashboard: %s/call?id=%lld\n", cfg->mail_dashboard_url, v->id);
    if (transcript) buf_printf(b, "\nTranskript\n%s\n", v->transcript && *v->transcript ? v->transcript : "(kein Transkript)");
}

/* ---- the outbox ---------------------------------------------------------- */

static const char SQL_OUTBOX_PUT[] =
    "INSERT INTO switchboard_mail_outbox (kind, company_id, call_id, dedup_key, message_id, recipient, subject, message)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id";

typedef struct mail_ctx {
    sb_config cfg;   /* the thread's own copy (D107) */
    sb_db *db;
    arena *a;
    const char *owner;
    volatile sig_atomic_t *stop;
    sig_atomic_t generation; /* app_config_generation of cfg */
    time_t pruned_at;
    const char *config_path;
} mail_ctx;

/* the key names the mail; the recipient goes in as a hash so any address fits */
static const char *dedup_key(arena *a, const char *what, const char *rcpt)
{
    char lower[256], hex[65];
    size_t n = 0;
    for (; rcpt[n] && n + 1 < sizeof lower; n++) lower[n] = (char)(rcpt[n] >= 'A' && rcpt[n] <= 'Z' ? rcpt[n] + 32 : rcpt[n]);
    lower[n] = 0;
    sig_sha256_hex(lower, n, hex);
    return arena_printf(a, "%s:%.32s", what, hex);
}

/* the subject column holds 500 characters; cut at a character boundary */
static const char *clip_utf8(arena *a, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max) return s;
    while (n > max || (n && ((unsigned char)s[n] & 0xC0) == 0x80)) n--;
    return arena_strndup(a, s, n);
}

static int outbox_put(mail_ctx *x, const char *kind, long long company, long long call, const char *key,
                      const char *to, const char *subject, const char *text, const char *att_name, const buf *att)
{
    subject = clip_utf8(x->a, subject, 400);
    mail_msg m = {x->cfg.smtp_from, x->cfg.smtp_from_name, to, subject, mail_message_id(x->a, key, x->cfg.smtp_from),
                  (int64_t)time(NULL), text, att_name, "text/csv; charset=utf-8", att ? att->data : NULL,
                  att ? att->len : 0};
    buf msg = BUF_INIT;
    if (mail_build(&msg, &m) != 0) {
        log_msg("error", "mail: smtp.from %s is not a plain address; nothing composed", x->cfg.smtp_from);
        return -1;
    }
    db_param p[] = {db_str(kind), company ? db_int(company) : db_null(), call ? db_int(call) : db_null(), db_str(key),
                    db_str(m.message_id), db_str(to), db_str(subject), db_strn(msg.data, msg.len)};
    int rc = db_exec(x->db, SQL_OUTBOX_PUT, p, 8, NULL, NULL);
    buf_free(&msg);
    return rc;
}

/* one mail to each of the first n recipients of s; `what` names the batch in the
 * dedup key. 0 or -1 */
static int put_each(mail_ctx *x, const char *kind, long long company, long long call, const char *what,
                    const summary_settings *s, size_t n, const char *subject, const buf *text, const char *att,
                    const buf *csv)
{
    for (size_t i = 0; i < n; i++)
        if (outbox_put(x, kind, company, call, dedup_key(x->a, what, s->rcpt[i]), s->rcpt[i], subject, buf_cstr(text),
                       att, att ? csv : NULL) != 0)
            return -1;
    return 0;
}

/* a composing transaction that failed: nothing of it stays, the next round tries again */
static int rolled_back(mail_ctx *x, const char *what)
{
    log_msg("warn", "mail: %s not composed: %s", what, db_error(x->db));
    db_rollback(x->db);
    return -1;
}

/* Open a composing transaction and lock the source rows (sql with one parameter).
 * 1 rows locked; 0 none left (committed: another worker took them); -1 error */
static int lock_rows(mail_ctx *x, const char *sql, db_param p, db_rows *out)
{
    if (db_begin(x->db) != 0) return -1;
    if (db_query(x->db, x->a, sql, &p, 1, out) != 0) return rolled_back(x, "a batch (lock)");
    if (out->nrows) return 1;
    return db_commit(x->db) == 0 ? 0 : -1;
}

/* ---- compose: summaries -------------------------------------------------- */

static const char SQL_DUE[] =
    "SELECT m.call_id FROM switchboard_mail_calls m JOIN calls c ON c.id = m.call_id"
    " WHERE m.state = 'due' AND (m.due_at <= NOW(3) OR c.status = 'analyzed') ORDER BY m.due_at LIMIT 20";
static const char SQL_MARK_LOCK[] =
    "SELECT company_id, branch_id, UNIX_TIMESTAMP(ended_at), UNIX_TIMESTAMP(NOW()) - UNIX_TIMESTAMP(ended_at)"
    " FROM switchboard_mail_calls WHERE call_id = ? AND state = 'due' FOR UPDATE";
static const char SQL_MARK_DONE[] =
    "UPDATE switchboard_mail_calls SET state = ?, frequency = ?, digest_key = ?,"
    " digest_at = IF(? = 0, NULL, FROM_UNIXTIME(?)), note = ? WHERE call_id = ?";

static int mark(mail_ctx *x, long long call, const char *state, const char *freq, const char *dkey, int64_t dat,
                const char *note)
{
    db_param p[] = {db_str(state), db_str(freq), db_str(dkey), db_int(dat), db_int(dat), db_str(note), db_int(call)};
    return db_exec(x->db, SQL_MARK_DONE, p, 7, NULL, NULL);
}

/* mark, then commit the composing transaction. 0 or -1 */
static int settle(mail_ctx *x, long long call, const char *state, const char *freq, const char *dkey, int64_t at,
                  const char *note)
{
    if (mark(x, call, state, freq, dkey, at, note) != 0) return rolled_back(x, arena_printf(x->a, "summary of call %lld", call));
    return db_commit(x->db);
}

/* the digest a call of this end time belongs to: the clock hour, or the company's
 * local day (D110); *at = when it is due (the bucket's end) */
static const char *bucket(arena *a, const char *freq, int64_t ended, const char *tz, int64_t *at)
{
    if (!strcmp(freq, "hourly")) {
        *at = ended - ended % 3600 + 3600;
        return local_fmt(a, *at - 3600, tz, "%Y-%m-%dT%H");
    }
    struct tm tm;
    if (time_local(ended, tz, &tm) != 0) time_local(ended, "UTC", &tm);
    int64_t next = ended + 86400 - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec);
    struct tm nt; /* a DST change that day moves local midnight by an hour */
    if (time_local(next, tz, &nt) == 0) next -= nt.tm_hour == 23 ? -3600 : nt.tm_hour == 1 ? 3600 : 0;
    *at = next;
    return local_fmt(a, ended, tz, "%Y-%m-%d");
}

static const char *summary_subject(arena *a, const call_view *v, const char *tz)
{
    return arena_printf(a, "Anrufzusammenfassung - %s - %s", caller_label(v), local_fmt(a, v->at, tz, "%d.%m.%Y %H:%M"));
}

/* one marker, in its own transaction. 0 done (or taken by another worker), -1 error */
static int compose_summary(mail_ctx *x, long long call_id)
{
    arena *a = x->a;
    db_rows m;
    int got = lock_rows(x, SQL_MARK_LOCK, db_int(call_id), &m);
    if (got <= 0) return got;
    long long company = db_cell_ll(&m, 0, 0);
    const char *branch = db_cell(&m, 0, 1);
    int64_t ended = db_cell_ll(&m, 0, 2), age = db_cell_ll(&m, 0, 3);
    summary_settings s;
    call_view v;
    int rc = load_settings(x->db, a, company, branch, &s);
    if (rc < 0) goto fail;
    if (rc == 0 || !s.send) return settle(x, call_id, "skipped", NULL, NULL, 0, "send_call_summaries is off");
    if (age > x->cfg.mail_max_age_hours * 3600)
        return settle(x, call_id, "skipped", NULL, NULL, 0, "ended before mail.max_age_hours");
    if (!s.nrcpt) {
        const char *note = s.rejected ? arena_printf(a, "no valid recipient (refused: %s)", s.rejected) : "no recipient";
        return settle(x, call_id, "skipped", NULL, NULL, 0, clip_utf8(a, note, 250));
    }
    if (strcmp(s.frequency, "immediate") != 0) {
        int64_t at;
        const char *b = bucket(a, s.frequency, ended, s.tz, &at);
        const char *dkey = arena_printf(a, "%s:%lld:%s:%s", s.frequency, company, branch ? branch : "-", b);
        return settle(x, call_id, "batched", s.frequency, dkey, at, NULL);
    }
    if ((rc = load_call(x->db, a, call_id, company, &v)) < 0) goto fail;
    if (rc == 0) return settle(x, call_id, "skipped", NULL, NULL, 0, "call row gone");
    buf text = BUF_INIT, csv = BUF_INIT;
    buf_printf(&text, "%s\nAnrufzusammenfassung vom %s\n\n", s.company_name, local_fmt(a, v.at, s.tz, "%d.%m.%Y"));
    text_call(&text, a, &x->cfg, &v, s.tz, s.transcript);
    if (s.csv) {
        csv_head(&csv);
        csv_call(&csv, a, &v, s.tz, s.transcript);
    }
    const char *att = s.csv ? arena_printf(a, "anruf_%lld_%s.csv", v.id, local_fmt(a, v.at, s.tz, "%Y-%m-%d")) : NULL;
    const char *subject = summary_subject(a, &v, s.tz);
    int bad = put_each(x, "call_summary", company, call_id, arena_printf(a, "summary:%lld", call_id), &s, s.nrcpt,
                       subject, &text, att, &csv);
    buf_free(&text);
    buf_free(&csv);
    if (bad || mark(x, call_id, "mailed", s.frequency, NULL, 0, arena_printf(a, "%zu recipients", s.nrcpt)) != 0) goto fail;
    return db_commit(x->db);
fail:
    return rolled_back(x, arena_printf(a, "summary of call %lld", call_id));
}

/* ---- compose: hourly/daily digests --------------------------------------- */

static const char SQL_DIGESTS_DUE[] =
    "SELECT DISTINCT digest_key FROM switchboard_mail_calls WHERE state = 'batched' AND digest_at <= NOW(3) LIMIT 5";
static const char SQL_DIGEST_LOCK[] =
    "SELECT call_id, company_id, branch_id, frequency, UNIX_TIMESTAMP(digest_at) FROM switchboard_mail_calls"
    " WHERE digest_key = ? AND state = 'batched' ORDER BY ended_at, call_id LIMIT 500 FOR UPDATE";
static const char SQL_DIGEST_DONE[] =
    "UPDATE switchboard_mail_calls SET state = 'mailed', note = ? WHERE call_id = ? AND state = 'batched'";

static int compose_digest(mail_ctx *x, const char *dkey)
{
    arena *a = x->a;
    db_rows m;
    int got = lock_rows(x, SQL_DIGEST_LOCK, db_str(dkey), &m);
    if (got <= 0) return got;
    long long company = db_cell_ll(&m, 0, 1);
    const char *freq = db_cell(&m, 0, 3);
    int hourly = freq && !strcmp(freq, "hourly");
    int64_t end = db_cell_ll(&m, 0, 4), start = end - (hourly ? 3600 : 86400);
    summary_settings s;
    int rc = load_settings(x->db, a, company, db_cell(&m, 0, 2), &s);
    if (rc < 0) goto fail;
    buf list = BUF_INIT, csv = BUF_INIT;
    long long total = 0, booked = 0, shown = 0;
    if (s.csv) csv_head(&csv);
    for (size_t i = 0; i < m.nrows; i++) {
        long long id = db_cell_ll(&m, i, 0);
        call_view v;
        if ((rc = load_call(x->db, a, id, company, &v)) < 0) {
            buf_free(&list);
            buf_free(&csv);
            goto fail;
        }
        if (rc == 0) continue;
        shown++;
        total += v.duration;
        booked += v.appointment != 0;
        buf_printf(&list, "\n------------------------------------------------------------\n%s - %s\n",
                   local_fmt(a, v.at, s.tz, "%d.%m.%Y %H:%M"), caller_label(&v));
        text_call(&list, a, &x->cfg, &v, s.tz, s.transcript);
        if (s.csv) csv_call(&csv, a, &v, s.tz, s.transcript);
    }
    buf text = BUF_INIT;
    buf_printf(&text, "%s\n%s Anrufzusammenfassung\nZeitraum: %s - %s\n\nAnrufe: %lld\nGesamtdauer: %s\nTermine gebucht: %lld\n",
               s.company_name, hourly ? "Stündliche" : "Tägliche", local_fmt(a, start, s.tz, "%d.%m.%Y %H:%M"),
               local_fmt(a, end, s.tz, "%d.%m.%Y %H:%M"), shown, mmss(a, total), booked);
    buf_append(&text, list.data ? list.data : "", list.len);
    const char *subject = arena_printf(a, "%s Anrufzusammenfassung - %s - %lld Anrufe", hourly ? "Stündliche" : "Tägliche",
                                       s.company_name, shown);
    const char *att = s.csv ? arena_printf(a, "anruf_zusammenfassung_%s_%s.csv", hourly ? "hourly" : "daily",
                                           local_fmt(a, end, s.tz, "%Y-%m-%d_%H%M%S"))
                            : NULL;
    /* settings switched off (or every recipient removed) since the calls were batched: nothing is sent */
    size_t n = s.send && shown ? s.nrcpt : 0;
    int bad = put_each(x, "summary_digest", company, 0, arena_printf(a, "digest:%s", dkey), &s, n, subject, &text, att, &csv);
    buf_free(&list);
    buf_free(&csv);
    buf_free(&text);
    const char *note = arena_printf(a, "digest of %lld calls to %zu recipients", shown, n);
    for (size_t i = 0; i < m.nrows && !bad; i++) {
        db_param d[] = {db_str(note), db_int(db_cell_ll(&m, i, 0))};
        bad = db_exec(x->db, SQL_DIGEST_DONE, d, 2, NULL, NULL) != 0;
    }
    if (bad) goto fail;
    return db_commit(x->db);
fail:
    return rolled_back(x, arena_printf(a, "digest %s", dkey));
}

/* ---- compose: callback alerts -------------------------------------------- */

/* companies with open, not yet alerted items whose last alert is older than the window */
static const char SQL_ALERT_COMPANIES[] =
    "SELECT cb.company_id FROM switchboard_callbacks cb WHERE cb.alerted_at IS NULL AND cb.status = 'open'"
    " AND NOT EXISTS (SELECT 1 FROM switchboard_mail_outbox o WHERE o.company_id = cb.company_id"
    "   AND o.kind = 'callback_alert' AND o.created_at > NOW(3) - INTERVAL ? MINUTE)"
    " GROUP BY cb.company_id LIMIT 10";
static const char SQL_ALERT_ITEMS[] =
    "SELECT cb.id, cb.call_id, cb.branch_id, cb.caller_number, cb.caller_name, cb.reason, cb.wanted_service,"
    " cb.wanted_at, cb.failure, UNIX_TIMESTAMP(cb.created_at) FROM switchboard_callbacks cb"
    " WHERE cb.company_id = ? AND cb.alerted_at IS NULL AND cb.status = 'open' ORDER BY cb.id LIMIT 50 FOR UPDATE";
static const char SQL_ALERT_DONE[] =
    "UPDATE switchboard_callbacks SET alerted_at = NOW(3) WHERE company_id = ? AND alerted_at IS NULL"
    " AND status = 'open' AND id BETWEEN ? AND ?";

typedef struct reason_label {
    const char *reason, *label;
} reason_label;
static const reason_label REASONS[] = {
    {"callback_promised", "Rückruf zugesagt"},
    {"booking_failed", "Buchung fehlgeschlagen"},
    {"no_booking_after_request", "Terminwunsch ohne Buchung"},
    {"analysis_wanted_appointment", "Terminwunsch laut Gesprächsanalyse"},
};
_Static_assert(sizeof REASONS / sizeof REASONS[0] == 4, "the reasons of 0013_callbacks.sql");

static const char *reason_text(const char *r)
{
    for (size_t i = 0; r && i < sizeof REASONS / sizeof REASONS[0]; i++)
        if (!strcmp(r, REASONS[i].reason)) return REASONS[i].label;
    return r ? r : "-";
}

static int compose_alert(mail_ctx *x, long long company)
{
    arena *a = x->a;
    db_rows it;
    int got = lock_rows(x, SQL_ALERT_ITEMS, db_int(company), &it);
    if (got <= 0) return got;
    /* recipients: each item's branch, the company's list; none at all: the company's address (D111) */
    summary_settings s, sb;
    int rc = load_settings(x->db, a, company, NULL, &s);
    if (rc < 0) goto fail;
    for (size_t i = 0; i < it.nrows; i++) {
        if (!db_cell(&it, i, 2) || load_settings(x->db, a, company, db_cell(&it, i, 2), &sb) <= 0) continue;
        for (size_t k = 0; k < sb.nrcpt; k++) add_rcpt(a, &s, sb.rcpt[k]);
    }
    if (!s.nrcpt) add_rcpt(a, &s, s.company_email);
    long long first = db_cell_ll(&it, 0, 0), last = db_cell_ll(&it, it.nrows - 1, 0);
    buf text = BUF_INIT;
    buf_printf(&text, "%s\n%zu %s\n", s.company_name, it.nrows,
               it.nrows == 1 ? "Anrufer wartet auf einen Rückruf." : "Anrufer warten auf einen Rückruf.");
    for (size_t i = 0; i < it.nrows; i++) {
        const char *name = db_cell(&it, i, 4), *num = db_cell(&it, i, 3);
        buf_printf(&text, "\n- %s%s%s%s\n  Grund: %s\n", name ? name : or_dash(num), name && num ? " (" : "",
                   name && num ? num : "", name && num ? ")" : "", reason_text(db_cell(&it, i, 5)));
        if (db_cell(&it, i, 6) || db_cell(&it, i, 7))
            buf_printf(&text, "  Wunsch: %s %s\n", or_dash(db_cell(&it, i, 6)), db_cell(&it, i, 7) ? db_cell(&it, i, 7) : "");
        if (db_cell(&it, i, 8)) buf_printf(&text, "  Fehler: %s\n", db_cell(&it, i, 8));
        buf_printf(&text, "  Eingegangen: %s Uhr, Anruf #%s\n", local_fmt(a, db_cell_ll(&it, i, 9), s.tz, "%d.%m.%Y %H:%M"),
                   or_dash(db_cell(&it, i, 1)));
        if (x->cfg.mail_dashboard_url && *x->cfg.mail_dashboard_url)
            buf_printf(&text, "  %s/call?id=%s\n", x->cfg.mail_dashboard_url, or_dash(db_cell(&it, i, 1)));
    }
    const char *subject = arena_printf(a, "Rückruf nötig: %zu %s - %s", it.nrows,
                                       it.nrows == 1 ? "offener Rückruf" : "offene Rückrufe", s.company_name);
    int bad = put_each(x, "callback_alert", company, 0, arena_printf(a, "callbacks:%lld:%lld-%lld", company, first, last),
                       &s, s.nrcpt, subject, &text, NULL, NULL);
    buf_free(&text);
    if (!s.nrcpt) log_msg("warn", "mail: company %lld has no address for callback alerts; %zu items marked alerted", company, it.nrows);
    db_param d[] = {db_int(company), db_int(first), db_int(last)};
    if (bad || db_exec(x->db, SQL_ALERT_DONE, d, 3, NULL, NULL) != 0) goto fail;
    return db_commit(x->db);
fail:
    return rolled_back(x, arena_printf(a, "callback alert of company %lld", company));
}

/* ---- deliver ------------------------------------------------------------- */

static const char SQL_CLAIM_DUE[] =
    "SELECT id FROM switchboard_mail_outbox WHERE status IN ('pending', 'failed') AND next_attempt_at <= NOW(3)"
    " ORDER BY next_attempt_at, id LIMIT 8 FOR UPDATE SKIP LOCKED";
static const char SQL_CLAIM_EXPIRED[] =
    "SELECT id FROM switchboard_mail_outbox WHERE status = 'sending' AND lease_expires_at < NOW(3)"
    " ORDER BY id LIMIT 8 FOR UPDATE SKIP LOCKED";
static const char SQL_CLAIM[] =
    "UPDATE switchboard_mail_outbox SET status = 'sending', lease_owner = ?, lease_expires_at = NOW(3) + INTERVAL ? SECOND,"
    " attempts = attempts + 1 WHERE id = ?";
static const char SQL_ROW[] =
    "SELECT recipient, message, attempts FROM switchboard_mail_outbox WHERE id = ? AND lease_owner = ? AND status = 'sending'";
static const char SQL_SENT[] =
    "UPDATE switchboard_mail_outbox SET status = 'sent', sent_at = NOW(3), last_error = NULL, lease_owner = NULL,"
    " lease_expires_at = NULL WHERE id = ? AND lease_owner = ?";
static const char SQL_FAILED[] =
    "UPDATE switchboard_mail_outbox SET status = ?, last_error = ?, next_attempt_at = NOW(3) + INTERVAL ? SECOND,"
    " lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?";

/* claim up to SEND_BATCH rows in one short transaction; ids into out */
static size_t claim(mail_ctx *x, long long *out)
{
    size_t n = 0;
    if (db_begin(x->db) != 0) return 0;
    const char *const sqls[] = {SQL_CLAIM_DUE, SQL_CLAIM_EXPIRED};
    for (size_t q = 0; q < 2 && n < SEND_BATCH; q++) {
        db_rows r;
        if (db_query(x->db, x->a, sqls[q], NULL, 0, &r) != 0) goto fail;
        for (size_t i = 0; i < r.nrows && n < SEND_BATCH; i++) {
            db_param p[] = {db_str(x->owner), db_int(x->cfg.smtp_timeout_seconds + 30), db_int(db_cell_ll(&r, i, 0))};
            if (db_exec(x->db, SQL_CLAIM, p, 3, NULL, NULL) != 0) goto fail;
            out[n++] = db_cell_ll(&r, i, 0);
        }
    }
    if (db_commit(x->db) == 0) return n;
fail:
    log_msg("warn", "mail: claiming the outbox: %s", db_error(x->db));
    db_rollback(x->db);
    return 0;
}

static void deliver(mail_ctx *x, long long id)
{
    db_param p[] = {db_int(id), db_str(x->owner)};
    db_rows r;
    if (db_query(x->db, x->a, SQL_ROW, p, 2, &r) != 0 || !r.nrows) return;
    const char *to = db_cell(&r, 0, 0), *msg = db_cell(&r, 0, 1);
    long long attempts = db_cell_ll(&r, 0, 2);
    char err[512];
    enum mail_send_result res = mail_smtp_send(&x->cfg, to, msg, r.len[1], err, sizeof err);
    if (res == MAIL_SENT) {
        if (db_exec(x->db, SQL_SENT, p, 2, NULL, NULL) != 0)
            log_msg("error", "mail: outbox %lld was sent but not recorded (%s): it will be sent again", id, db_error(x->db));
        return;
    }
    long long delay = x->cfg.mail_retry_base_seconds;
    for (long long i = 1; i < attempts && delay < RETRY_CAP_S; i++) delay *= 2;
    if (delay > RETRY_CAP_S) delay = RETRY_CAP_S;
    int dead = res == MAIL_PERMANENT || attempts >= x->cfg.mail_max_attempts;
    log_msg("warn", "mail: outbox %lld to %s attempt %lld: %s%s", id, log_mask_email(x->a, to), attempts, err,
            dead ? " (dead)" : "");
    db_param f[] = {db_str(dead ? "dead" : "failed"), db_str(err), db_int(delay), db_int(id), db_str(x->owner)};
    if (db_exec(x->db, SQL_FAILED, f, 5, NULL, NULL) != 0) log_msg("warn", "mail: outbox %lld: %s", id, db_error(x->db));
}

/* 1 when no process pid runs here: no /proc entry, or a zombie nobody reaped (a
 * killed worker whose parent, the shell that started it, is gone: conf/stack.sh's alive()) */
static int process_gone(long pid)
{
    if (pid <= 0) return 0;
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return errno == ENOENT;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    const char *paren = strrchr(line, ')');
    return paren && paren[1] == ' ' && paren[2] == 'Z';
}

/* A worker killed mid-send leaves rows in `sending` under its lease. When the owner
 * was a process of this host that no longer exists, its rows are due now rather than
 * when the lease runs out (D112). */
static void reclaim_dead_owners(mail_ctx *x)
{
    db_rows r;
    if (db_query(x->db, x->a, "SELECT DISTINCT lease_owner FROM switchboard_mail_outbox WHERE status = 'sending'"
                              " AND lease_expires_at >= NOW(3)", NULL, 0, &r) != 0) return;
    const char *colon = strrchr(x->owner, ':');
    size_t hostlen = colon ? (size_t)(colon - x->owner) : 0;
    for (size_t i = 0; i < r.nrows; i++) {
        const char *o = db_cell(&r, i, 0), *c = o ? strrchr(o, ':') : NULL;
        if (!c || (size_t)(c - o) != hostlen || strncmp(o, x->owner, hostlen) != 0 || !strcmp(o, x->owner)) continue;
        if (!process_gone(atol(c + 1))) continue;
        db_param p[] = {db_str(o)};
        uint64_t n = 0;
        if (db_exec(x->db, "UPDATE switchboard_mail_outbox SET lease_expires_at = NOW(3) - INTERVAL 1 SECOND"
                           " WHERE status = 'sending' AND lease_owner = ?", p, 1, NULL, &n) == 0 && n)
            log_msg("info", "mail: %llu mails of the gone process %s are due again", (unsigned long long)n, o);
    }
}

/* Sent and dead mails (their messages hold transcripts) and finished notes are kept
 * mail.keep_days, like the webhook events `switchboard prune` keeps; checked hourly. */
static void prune(mail_ctx *x)
{
    static const char *const SQL_PRUNE[] = {
        "DELETE FROM switchboard_mail_outbox WHERE status IN ('sent', 'dead')"
        " AND updated_at < NOW(3) - INTERVAL ? DAY ORDER BY id LIMIT 1000",
        "DELETE FROM switchboard_mail_calls WHERE state IN ('mailed', 'skipped')"
        " AND updated_at < NOW(3) - INTERVAL ? DAY ORDER BY call_id LIMIT 1000",
    };
    time_t now = time(NULL);
    if (now - x->pruned_at < 3600) return;
    x->pruned_at = now;
    for (size_t i = 0; i < sizeof SQL_PRUNE / sizeof SQL_PRUNE[0]; i++) {
        db_param p[] = {db_int(x->cfg.mail_keep_days)};
        uint64_t n = 0;
        if (db_exec(x->db, SQL_PRUNE[i], p, 1, NULL, &n) != 0) log_msg("warn", "mail: prune: %s", db_error(x->db));
        else if (n) log_msg("info", "mail: pruned %llu rows older than %lld days", (unsigned long long)n,
                            (long long)x->cfg.mail_keep_days);
    }
}

/* One round: compose what is owed, then deliver what is due. Returns the work done. */
static int mail_round(mail_ctx *x)
{
    int work = 0;
    db_rows r;
    arena_reset(x->a);
    if (!x->cfg.smtp_url || !*x->cfg.smtp_url || x->cfg.shadow) return 0; /* switched off by a reload */
    if (db_query(x->db, x->a, SQL_DUE, NULL, 0, &r) == 0)
        for (size_t i = 0; i < r.nrows && !*x->stop; i++) work += compose_summary(x, db_cell_ll(&r, i, 0)) == 0;
    if (db_query(x->db, x->a, SQL_DIGESTS_DUE, NULL, 0, &r) == 0)
        for (size_t i = 0; i < r.nrows && !*x->stop; i++) work += compose_digest(x, db_cell(&r, i, 0)) == 0;
    db_param win[] = {db_int(x->cfg.mail_callback_alert_minutes)};
    if (db_query(x->db, x->a, SQL_ALERT_COMPANIES, win, 1, &r) == 0)
        for (size_t i = 0; i < r.nrows && !*x->stop; i++) work += compose_alert(x, db_cell_ll(&r, i, 0)) == 0;
    long long ids[SEND_BATCH];
    size_t n = claim(x, ids);
    for (size_t i = 0; i < n; i++) deliver(x, ids[i]); /* a stop waits for the one in flight (its lease covers it) */
    prune(x);
    return work + (int)n;
}

/* SIGHUP reloaded the worker's config: the same file again for this copy */
static void reload_copy(mail_ctx *x)
{
    if (x->generation == app_config_generation) return;
    x->generation = app_config_generation;
    sb_config next;
    char err[512];
    if (sb_config_load(&next, x->config_path, environ, err, sizeof err) != 0) return; /* the main loop logged it */
    int db_changed = sb_config_changed(&x->cfg, &next, "db.");
    sb_config old = x->cfg;
    x->cfg = next; /* x->db points at x->cfg: it sees the new values */
    sb_config_free(&old);
    if (db_changed) db_disconnect(x->db);
    log_msg("info", "worker: mail thread reloaded its configuration (smtp.url %s)", x->cfg.smtp_url);
}

static void *mail_thread(void *arg)
{
    mail_ctx *x = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* SIGTERM/SIGHUP are the main loop's */
    reclaim_dead_owners(x);
    while (!*x->stop) {
        reload_copy(x);
        if (mail_round(x) > 0) continue;
        for (int i = 0; i < 4 && !*x->stop; i++) { /* idle: about a second, the stop seen within 250 ms */
            struct timespec ts = {0, 250 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

static pthread_t thread;
static mail_ctx *running;

int mail_start(sb_app *app, volatile sig_atomic_t *stop)
{
    if (!app->cfg.smtp_url || !*app->cfg.smtp_url) {
        log_msg("info", "worker: smtp.url is not set: no mail is composed or sent");
        return 0;
    }
    if (app->cfg.shadow) {
        log_msg("info", "worker: shadow mode: no mail is composed or sent");
        return 0;
    }
    mail_ctx *x = calloc(1, sizeof *x);
    char err[512];
    if (!x || sb_config_load(&x->cfg, app->config_path, environ, err, sizeof err) != 0) {
        log_msg("error", "worker: mail: cannot load the config: %s", x ? err : "out of memory");
        free(x);
        return -1;
    }
    x->db = db_new(&x->cfg);
    x->a = arena_new(256 * 1024);
    x->owner = app->pipe.owner;
    x->stop = stop;
    x->generation = app_config_generation;
    x->config_path = app->config_path;
    if (pthread_create(&thread, NULL, mail_thread, x) != 0) {
        log_msg("error", "worker: mail: cannot start the mail thread");
        db_free(x->db);
        arena_free(x->a);
        sb_config_free(&x->cfg);
        free(x);
        return -1;
    }
    running = x;
    log_msg("info", "worker: mail to %s from %s", x->cfg.smtp_url, x->cfg.smtp_from);
    return 0;
}

void mail_stop(void)
{
    if (!running) return;
    pthread_join(thread, NULL);
    db_free(running->db);
    arena_free(running->a);
    sb_config_free(&running->cfg);
    free(running);
    running = NULL;
}
