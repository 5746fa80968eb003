/* linker.c: call -> appointment links, set-based (see linker.h). */
#include "linker.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "daily_stats.h"
#include "http.h"
#include "phone.h"
#include "progress.h"

/* SB_LINKER_TRACE=1: time of every statement on stderr (for the benchmark) */
/* The progress of the linker_run in flight (one per process at a time), ticked per statement. */
static progress *step_progress;

static int exec_timed(sb_db *db, const char *name, const char *sql, const db_param *p, size_t n, uint64_t *affected)
{
    if (step_progress) progress_add(step_progress, 1);
    static int trace = -1;
    if (trace < 0) trace = getenv("SB_LINKER_TRACE") != NULL;
    int64_t t0 = http_now_us();
    uint64_t rows = 0;
    int rc = db_exec(db, sql, p, n, NULL, &rows);
    if (trace) fprintf(stderr, "linker: %-16s %8.3f s %8llu rows\n", name, (http_now_us() - t0) / 1e6, (unsigned long long)rows);
    if (affected) *affected = rows;
    return rc;
}

/* calls in scope, as a WHERE fragment with 4 placeholders: since, until, company, company */
#define SCOPE " c.created_at >= FROM_UNIXTIME(?) AND c.created_at < FROM_UNIXTIME(?) AND (? = 0 OR c.company_id = ?)" \
              " AND c.deleted_at IS NULL AND c.company_id IS NOT NULL"
#define CALL_END "COALESCE(c.end_timestamp, c.start_timestamp + INTERVAL COALESCE(c.duration_sec, 0) SECOND, c.created_at)"
#define LIVE(t) " " t ".deleted_at IS NULL AND " t ".status <> 'cancelled' "

/* a number without the separators legacy rows hold ("0171 234-56/78", "+49 (171) 2345678": D173) */
#define BARE(col) "REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(" col ", ' ', ''), '-', ''), '/', ''), '(', ''), ')', ''), '.', '')"
/* a phone number as E.164, from the spellings the tables hold (2 placeholders: the country code twice) */
#define E164_OF(col)                                                                                                \
    "(CASE WHEN " col " LIKE '+%' THEN " col " WHEN " col " LIKE '00%' THEN CONCAT('+', SUBSTRING(" col ", 3))"     \
    " WHEN " col " LIKE '0%' THEN CONCAT('+', ?, SUBSTRING(" col ", 2))"                                           \
    " WHEN " col " LIKE CONCAT(?, '%') AND CHAR_LENGTH(" col ") >= 11 THEN CONCAT('+', " col ") ELSE " col " END)"
#define E164(col) E164_OF(BARE(col))

static const char *const TEMP[] = {
    "DROP TEMPORARY TABLE IF EXISTS sb_lk_a, sb_lk_un, sb_lk_calls, sb_lk_appts, sb_lk_cand, sb_lk_pick",
    "CREATE TEMPORARY TABLE sb_lk_a (call_id BIGINT UNSIGNED PRIMARY KEY, appointment_id BIGINT UNSIGNED NOT NULL)",
    "CREATE TEMPORARY TABLE sb_lk_un (call_id BIGINT UNSIGNED PRIMARY KEY)",
    "CREATE TEMPORARY TABLE sb_lk_calls (id BIGINT UNSIGNED PRIMARY KEY, company_id BIGINT UNSIGNED NOT NULL,"
    " customer_id BIGINT UNSIGNED NULL, phone VARCHAR(32) NULL, call_end DATETIME NOT NULL,"
    " KEY by_phone (company_id, phone), KEY by_customer (company_id, customer_id))",
    "CREATE TEMPORARY TABLE sb_lk_appts (id BIGINT UNSIGNED PRIMARY KEY, company_id BIGINT UNSIGNED NOT NULL,"
    " customer_id BIGINT UNSIGNED NOT NULL, phone VARCHAR(32) NULL, created_at DATETIME NOT NULL,"
    " KEY by_phone (company_id, phone, created_at), KEY by_customer (company_id, customer_id, created_at))",
    "CREATE TEMPORARY TABLE sb_lk_cand (call_id BIGINT UNSIGNED NOT NULL, appointment_id BIGINT UNSIGNED NOT NULL,"
    " method VARCHAR(32) NOT NULL, distance_s BIGINT NOT NULL, PRIMARY KEY (call_id, appointment_id))",
    "CREATE TEMPORARY TABLE sb_lk_pick (call_id BIGINT UNSIGNED PRIMARY KEY, appointment_id BIGINT UNSIGNED NOT NULL,"
    " method VARCHAR(32) NOT NULL, confidence INT NOT NULL, distance_s BIGINT NOT NULL)",
};

/* rule (a): the latest live appointment booked during the call, where the call does not say so yet;
 * driven from appointments.call_id (few) rather than a subquery per call (many) */
#define RULE_A(focus)                                                                                                    \
    "INSERT INTO sb_lk_a (call_id, appointment_id) SELECT x.call_id, x.appt FROM (SELECT a.call_id,"                       \
    " CAST(SUBSTRING_INDEX(GROUP_CONCAT(a.id ORDER BY a.created_at DESC, a.id DESC), ',', 1) AS UNSIGNED) appt"           \
    " FROM appointments a JOIN calls c ON c.id = a.call_id AND a.company_id = c.company_id"                                \
    " WHERE a.call_id IS NOT NULL AND" LIVE("a") "AND" SCOPE focus " GROUP BY a.call_id) x JOIN calls c2 ON c2.id = x.call_id" \
    " WHERE c2.converted_appointment_id IS NULL OR c2.converted_appointment_id <> x.appt OR c2.appointment_made = 0"

/* withdrawn: the converted appointment is cancelled, deleted or gone */
#define WITHDRAWN(focus)                                                                                                 \
    "INSERT INTO sb_lk_un (call_id) SELECT c.id FROM calls c LEFT JOIN appointments a ON a.id = c.converted_appointment_id" \
    " WHERE" SCOPE focus " AND c.converted_appointment_id IS NOT NULL AND (a.id IS NULL OR a.deleted_at IS NOT NULL"      \
    " OR a.status = 'cancelled' OR a.company_id <> c.company_id)"

/* rules (b) and (c), step 1: the calls that can still convert (tenant known, booking intent, no live
 * appointment of their own), with their end time and the caller as E.164 */
#define ELIGIBLE_CALLS(focus)                                                                                            \
    "INSERT INTO sb_lk_calls (id, company_id, customer_id, phone, call_end)"                                               \
    " SELECT c.id, c.company_id, c.customer_id, " E164("c.from_number") ", " CALL_END                                     \
    " FROM calls c LEFT JOIN appointments cur ON cur.id = c.converted_appointment_id AND" LIVE("cur")                     \
    " WHERE" SCOPE focus " AND cur.id IS NULL"                                                                             \
    " AND NOT EXISTS (SELECT 1 FROM appointments own WHERE own.call_id = c.id AND" LIVE("own") ")"                       \
    " AND LOWER(CONCAT_WS(' ', c.transcript, c.summary, c.analysis, c.custom_analysis_data)) REGEXP ?"
/* step 2: live unlinked appointments that can be someone's conversion, with their customer's phone as E.164 */
#define OPEN_APPOINTMENTS(focus)                                                                                         \
    "INSERT INTO sb_lk_appts (id, company_id, customer_id, phone, created_at)"                                             \
    " SELECT a.id, a.company_id, a.customer_id, " E164("cu.phone") ", a.created_at FROM appointments a"                   \
    " JOIN customers cu ON cu.id = a.customer_id WHERE a.call_id IS NULL AND" LIVE("a")                                   \
    " AND a.created_at >= FROM_UNIXTIME(?) AND a.created_at < FROM_UNIXTIME(?) + INTERVAL ? MINUTE"                        \
    " AND (? = 0 OR a.company_id = ?)" focus

/* A focused run (an event's call or appointment) reads only the rows of that
 * customer or caller: a link needs both sides to share one of the two, and
 * the focus is sargable on calls' customer and number indexes. Two
 * placeholders each: the customer id (0: none), the number as E.164 (NULL:
 * none). Spellings the fast path misses are linked by the hourly full run. */
#define FOCUS_CALLS " AND (c.customer_id = ? OR c.from_number = ?)"
#define FOCUS_APPTS " AND a.customer_id IN (SELECT f.id FROM customers f WHERE f.id = ? OR f.phone = ?)"
enum { STMT_RULE_A, STMT_WITHDRAWN, STMT_ELIGIBLE_CALLS, STMT_OPEN_APPOINTMENTS };
/* A focused run first asks which of its steps can find anything (D223): does the customer or number
 * have a call at all (every step reads the focused calls; not asked when the focus came from a call),
 * then, in a second read, an appointment booked during one of those calls (rule a), a call that points
 * to an appointment (a withdrawal), an appointment without a call (rules b and c). Each question is a
 * superset of its step's: the same rows without the scope's time and tenant, so a 0 means the step
 * would find nothing, and a 1 runs it as before. They leave out the scope on purpose: on `calls`, with
 * its 49 indexes, MariaDB's range analysis of the scope's created_at and company_id costs more than
 * the answer (0.45 ms against 0.03 ms, SHOW PROFILE's "Statistics"). Two reads, because planning the
 * second read's six subqueries costs about as much as the steps it would skip for the customer who never
 * called (0.40 ms in one read against 0.13 ms for the first question alone, make bench-profile). The
 * steps skipped were 0.2-0.6 ms of MariaDB each with no row to find: 0.9 ms of a new web customer's 3.8
 * ms per Cal.com booking, 1.4 ms of each event of a new caller's call. Two placeholders per question:
 * the customer id (0: none), the number as E.164 (NULL: none). */
#define BY_CALLER(sel) "(EXISTS (" sel " c.customer_id = ?) OR EXISTS (" sel " c.from_number = ?))"
static const char ASK_ANY_CALL[] = "SELECT " BY_CALLER("SELECT 1 FROM calls c WHERE");
static const char ASK_STEPS[] =
    "SELECT " BY_CALLER("SELECT 1 FROM calls c JOIN appointments a ON a.call_id = c.id WHERE") ", "
    BY_CALLER("SELECT 1 FROM calls c WHERE c.converted_appointment_id IS NOT NULL AND") ","
    " EXISTS (SELECT 1 FROM appointments a WHERE a.call_id IS NULL"
    " AND a.customer_id IN (SELECT f.id FROM customers f WHERE f.id = ? OR f.phone = ?))";
#undef BY_CALLER
enum { CAN_RULE_A, CAN_WITHDRAWN, CAN_OPEN, NCAN };
static const char *const WHOLE[] = {RULE_A(""), WITHDRAWN(""), ELIGIBLE_CALLS(""), OPEN_APPOINTMENTS("")};
static const char *const FOCUSED[] = {RULE_A(FOCUS_CALLS), WITHDRAWN(FOCUS_CALLS), ELIGIBLE_CALLS(FOCUS_CALLS),
                                      OPEN_APPOINTMENTS(FOCUS_APPTS)};
/* step 3: pairs in the window, by phone (rule b) first, then by customer id (rule c) */
static const char *const CAND_PHONE =
    "INSERT IGNORE INTO sb_lk_cand (call_id, appointment_id, method, distance_s)"
    " SELECT STRAIGHT_JOIN k.id, p.id, 'phone_match', TIMESTAMPDIFF(SECOND, k.call_end, p.created_at) FROM sb_lk_appts p"
    /* temporary tables have no statistics: drive from the (fewer) appointments and probe the calls by index */
    " JOIN sb_lk_calls k FORCE INDEX (by_phone) ON k.company_id = p.company_id AND k.phone = p.phone"
    " WHERE p.phone IS NOT NULL AND p.created_at BETWEEN k.call_end AND k.call_end + INTERVAL ? MINUTE";
static const char *const CAND_CUSTOMER =
    "INSERT IGNORE INTO sb_lk_cand (call_id, appointment_id, method, distance_s)"
    " SELECT STRAIGHT_JOIN k.id, p.id, 'customer_match', TIMESTAMPDIFF(SECOND, k.call_end, p.created_at) FROM sb_lk_appts p"
    " JOIN sb_lk_calls k FORCE INDEX (by_customer) ON k.company_id = p.company_id AND k.customer_id = p.customer_id"
    " WHERE p.created_at BETWEEN k.call_end AND k.call_end + INTERVAL ? MINUTE";

/* nearest wins, in both directions */
static const char *const PICK =
    "INSERT INTO sb_lk_pick (call_id, appointment_id, method, confidence, distance_s)"
    " SELECT call_id, appointment_id, method,"
    " GREATEST(0, IF(method = 'customer_match', 90, 95) - ROUND(25 * distance_s / (? * 60))), distance_s"
    " FROM (SELECT k.*, ROW_NUMBER() OVER (PARTITION BY call_id ORDER BY distance_s, appointment_id) rc,"
    "       ROW_NUMBER() OVER (PARTITION BY appointment_id ORDER BY distance_s, call_id) ra FROM sb_lk_cand k) x"
    " WHERE rc = 1 AND ra = 1";

#define RECORD(tbl, appt, action)                                                                                      \
    "INSERT IGNORE INTO switchboard_link_changes (run_id, call_id, appointment_id, action,"                            \
    " old_converted_appointment_id, old_appointment_made, old_converted_to_appointment, old_conversion_timestamp,"     \
    " old_appointment_id, old_appointment_link_status, old_appointment_linked_at, old_linking_metadata,"              \
    " old_appointment_call_id) SELECT ?, c.id, " appt ", '" action "', c.converted_appointment_id, c.appointment_made," \
    " c.converted_to_appointment, c.conversion_timestamp, c.appointment_id, c.appointment_link_status,"               \
    " c.appointment_linked_at, c.linking_metadata, a.call_id FROM " tbl " p JOIN calls c ON c.id = p.call_id"          \
    " LEFT JOIN appointments a ON a.id = " appt

static const char *const RECORD_UN = RECORD("sb_lk_un", "NULL", "unlink");
static const char *const RECORD_A = RECORD("sb_lk_a", "p.appointment_id", "link");
static const char *const RECORD_PICK = RECORD("sb_lk_pick", "p.appointment_id", "link");

static const char *const APPLY_UN =
    "UPDATE calls c JOIN sb_lk_un u ON u.call_id = c.id SET c.converted_appointment_id = NULL, c.appointment_made = 0,"
    " c.converted_to_appointment = 0, c.conversion_timestamp = NULL, c.appointment_id = NULL,"
    " c.appointment_link_status = 'unlinked', c.appointment_linked_at = NULL,"
    " c.linking_metadata = JSON_OBJECT('withdrawn', 'the appointment was cancelled or deleted', 'run', ?),"
    " c.updated_at = NOW()";
static const char *const APPLY_A =
    "UPDATE calls c JOIN sb_lk_a p ON p.call_id = c.id JOIN appointments a ON a.id = p.appointment_id"
    " SET c.converted_appointment_id = p.appointment_id, c.appointment_made = 1, c.converted_to_appointment = 1,"
    " c.conversion_timestamp = COALESCE(c.conversion_timestamp, a.created_at), c.appointment_id = p.appointment_id,"
    " c.appointment_link_status = 'linked', c.appointment_linked_at = COALESCE(c.appointment_linked_at, NOW()),"
    " c.linking_metadata = JSON_OBJECT('method', 'booked_during_call', 'confidence', 100, 'distance_minutes', 0, 'run', ?),"
    " c.updated_at = NOW()";
static const char *const APPLY_PICK =
    "UPDATE calls c JOIN sb_lk_pick p ON p.call_id = c.id JOIN appointments a ON a.id = p.appointment_id"
    " SET c.converted_appointment_id = p.appointment_id, c.appointment_made = 1, c.converted_to_appointment = 1,"
    " c.conversion_timestamp = a.created_at, c.appointment_id = p.appointment_id, c.appointment_link_status = 'linked',"
    " c.appointment_linked_at = NOW(), c.linking_metadata = JSON_OBJECT('method', p.method, 'confidence', p.confidence,"
    " 'distance_minutes', ROUND(p.distance_s / 60), 'run', ?), c.updated_at = NOW()";
static const char *const AUDIT_PICK =
    "INSERT INTO switchboard_audit (table_name, row_id, company_id, action, changes, cause)"
    " SELECT 'appointments', a.id, a.company_id, 'update', JSON_OBJECT('call_id', JSON_OBJECT('old', NULL, 'new', p.call_id)),"
    " CONCAT('detect-conversions', IF(? > 0, CONCAT(' run ', ?), ''))"
    " FROM sb_lk_pick p JOIN appointments a ON a.id = p.appointment_id WHERE a.call_id IS NULL";
static const char *const APPLY_APPT =
    "UPDATE appointments a JOIN sb_lk_pick p ON a.id = p.appointment_id SET a.call_id = p.call_id, a.updated_at = NOW()"
    " WHERE a.call_id IS NULL";

#define NOTE_CALL_DAYS(tbl) \
    "SELECT DISTINCT c.company_id, UNIX_TIMESTAMP(c.created_at) DIV 900 * 900 FROM " tbl " p JOIN calls c ON c.id = p.call_id"
#define NOTE_APPT_DAYS(tbl) \
    "SELECT DISTINCT a.company_id, UNIX_TIMESTAMP(a.created_at) DIV 900 * 900 FROM " tbl " p JOIN appointments a ON a.id = p.appointment_id"
static const char *const NOTE_DAYS[] = {NOTE_CALL_DAYS("sb_lk_un"), NOTE_CALL_DAYS("sb_lk_a"), NOTE_CALL_DAYS("sb_lk_pick"),
                                        NOTE_APPT_DAYS("sb_lk_a"), NOTE_APPT_DAYS("sb_lk_pick")};

/* "termin,appointment" -> "termin|appointment" (letters, digits, spaces only: it is a regex) */
static const char *keywords_regex(arena *a, const char *list)
{
    buf b = BUF_INIT;
    for (const char *p = list; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == ',') buf_putc(&b, '|');
        else if (isalnum(ch) || ch >= 0x80 || ch == ' ') buf_putc(&b, (char)tolower(ch));
    }
    const char *s = arena_strdup(a, b.len ? buf_cstr(&b) : "termin");
    buf_free(&b);
    return s;
}

/* The temporary tables live as long as the session. Made per run (as before D181), they cost 7
 * DDL statements per event, and every cached statement over them was prepared again on each
 * run (a new table version: the general log showed each of them executed twice). Now they are
 * made once per session and emptied at the end of a run (only those that got rows); a run that
 * fails forgets them, so the next one makes them afresh. Empty at every transaction boundary:
 * a run empties what it filled, a rollback restores the empty state it started from. */
enum { T_A, T_UN, T_CALLS, T_APPTS, T_CAND, T_PICK, NTEMP };
static const char *const CLEAR[NTEMP] = {"DELETE FROM sb_lk_a", "DELETE FROM sb_lk_un", "DELETE FROM sb_lk_calls",
                                         "DELETE FROM sb_lk_appts", "DELETE FROM sb_lk_cand", "DELETE FROM sb_lk_pick"};
_Static_assert(sizeof TEMP / sizeof *TEMP == NTEMP + 1, "one CREATE per temporary table, after the DROP");
/* a run that filled more rows than this drops the tables instead (a backfill, not an event) */
#define CLEAR_MAX_ROWS 10000
static const sb_db *tables_db;
static unsigned long tables_session;

static int tables_ready(sb_db *db)
{
    if (tables_db == db && tables_session && tables_session == db_session(db)) return 0;
    tables_db = NULL;
    for (size_t i = 0; i < sizeof TEMP / sizeof *TEMP; i++)
        if (db_exec(db, TEMP[i], NULL, 0, NULL, NULL) != 0) return -1;
    tables_db = db;
    tables_session = db_session(db);
    return 0;
}

static void tables_empty(sb_db *db, const long long rows[NTEMP])
{
    long long total = 0;
    for (int t = 0; t < NTEMP; t++) total += rows[t];
    for (int t = 0; t < NTEMP && total <= CLEAR_MAX_ROWS; t++)
        if (rows[t] && db_exec(db, CLEAR[t], NULL, 0, NULL, NULL) != 0) total = CLEAR_MAX_ROWS + 1;
    if (total <= CLEAR_MAX_ROWS) return;
    tables_db = NULL; /* made afresh by the next run */
    db_exec(db, TEMP[0], NULL, 0, NULL, NULL);
}

static int run_steps(sb_db *db, arena *a, const sb_config *cfg, const linker_scope *s, uint64_t run_id, int dry,
                     FILE *list, long long rows[NTEMP]);

/* The steps of run_steps: 7 to find, then 3 to record (run_id) and 5 to apply (not dry). */
int linker_run(sb_db *db, arena *a, const sb_config *cfg, const linker_scope *s, uint64_t run_id, int dry, FILE *list,
               linker_result *out)
{
    memset(out, 0, sizeof *out);
    step_progress = s->progress;
    if (step_progress) progress_total(step_progress, 7 + (dry ? 0 : 5 + (run_id ? 3 : 0)));
    long long rows[NTEMP] = {0};
    int rc = tables_ready(db) == 0 ? run_steps(db, a, cfg, s, run_id, dry, list, rows) : -1;
    step_progress = NULL;
    if (rc != 0) {
        tables_db = NULL; /* what the tables hold is unknown now */
        return -1;
    }
    out->candidates = rows[T_CAND];
    out->linked = rows[T_A] + rows[T_PICK];
    out->unlinked = rows[T_UN];
    tables_empty(db, rows);
    return 0;
}

/* One step: run it (its inserted/changed rows added to *rows, if given), or, when skip says
 * its input is empty, only count it for the progress line: the result would be the same. */
static int step(sb_db *db, int skip, const char *name, const char *sql, const db_param *p, size_t n, long long *rows)
{
    if (skip) {
        if (step_progress) progress_add(step_progress, 1);
        return 0;
    }
    uint64_t got = 0;
    if (exec_timed(db, name, sql, p, n, &got) != 0) return -1;
    if (rows) *rows += (long long)got;
    return 0;
}

static void list_changes(sb_db *db, arena *a, FILE *list)
{
    db_rows r;
    if (db_query(db, a,
                 "SELECT c.retell_call_id, p.appointment_id, 'booked_during_call', 100, 0 FROM sb_lk_a p JOIN calls c ON c.id = p.call_id",
                 NULL, 0, &r) == 0)
        for (size_t i = 0; i < r.nrows; i++)
            fprintf(list, "link    %-44s -> appointment %-8s booked_during_call confidence 100\n", db_cell(&r, i, 0), db_cell(&r, i, 1));
    if (db_query(db, a,
                 "SELECT c.retell_call_id, p.appointment_id, p.method, p.confidence, ROUND(p.distance_s / 60) FROM sb_lk_pick p"
                 " JOIN calls c ON c.id = p.call_id ORDER BY c.id",
                 NULL, 0, &r) == 0)
        for (size_t i = 0; i < r.nrows; i++)
            fprintf(list, "link    %-44s -> appointment %-8s %s confidence %s, %s min after the call\n", db_cell(&r, i, 0),
                    db_cell(&r, i, 1), db_cell(&r, i, 2), db_cell(&r, i, 3), db_cell(&r, i, 4));
    if (db_query(db, a, "SELECT c.retell_call_id, c.converted_appointment_id FROM sb_lk_un u JOIN calls c ON c.id = u.call_id",
                 NULL, 0, &r) == 0)
        for (size_t i = 0; i < r.nrows; i++)
            fprintf(list, "unlink  %-44s (appointment %s cancelled or deleted)\n", db_cell(&r, i, 0), db_cell(&r, i, 1));
}

/* The focused run's questions (D223): out[i] = 0 when question i's answer is no. */
static int ask(sb_db *db, arena *a, const char *sql, db_param customer, db_param phone, int *out, int n)
{
    db_param p[2 * NCAN];
    for (int i = 0; i < n; i++) p[2 * i] = customer, p[2 * i + 1] = phone;
    db_rows r;
    if (db_query(db, a, sql, p, (size_t)(2 * n), &r) != 0) return -1;
    for (int i = 0; i < n; i++) out[i] = r.nrows && db_cell_ll(&r, 0, (size_t)i) > 0;
    return 0;
}

/* Every step whose input table is empty is skipped (its result would be empty too): an event
 * whose customer has no call in the window runs 4 statements, not 27 (D181). The row counts
 * come from the inserts' affected rows rather than a COUNT(*) each. */
static int run_steps(sb_db *db, arena *a, const sb_config *cfg, const linker_scope *s, uint64_t run_id, int dry,
                     FILE *list, long long rows[NTEMP])
{
    int focused = s->focus_customer_id > 0 || s->focus_phone;
    const char *const *q = focused ? FOCUSED : WHOLE;
    size_t nf = focused ? 2 : 0;
    db_param fc = db_int(s->focus_customer_id), fp = db_str(s->focus_phone);
    db_param sc[] = {db_int(s->since), db_int(s->until), db_int(s->company_id), db_int(s->company_id), fc, fp};
    int can[NCAN] = {1, 1, 1}; /* a whole run asks nothing: every step runs */
    int any_call = 1;
    if (focused && !s->focus_has_call && ask(db, a, ASK_ANY_CALL, fc, fp, &any_call, 1) != 0) return -1;
    if (!any_call) return 0; /* nothing to link or unlink, no row, no day to note */
    if (focused && ask(db, a, ASK_STEPS, fc, fp, can, NCAN) != 0) return -1;
    if (step(db, !can[CAN_RULE_A], "RULE_A", q[STMT_RULE_A], sc, 4 + nf, &rows[T_A]) != 0 ||
        step(db, !can[CAN_WITHDRAWN], "WITHDRAWN", q[STMT_WITHDRAWN], sc, 4 + nf, &rows[T_UN]) != 0)
        return -1;
    const char *cc = phone_country_code(cfg->phone_default_country);
    db_param w = db_int(cfg->linker_window_minutes);
    db_param re = db_str(keywords_regex(a, cfg->linker_keywords));
    db_param ep[] = {db_str(cc), db_str(cc), sc[0], sc[1], sc[2], sc[3], focused ? fc : re, fp, re};
    db_param ap[] = {db_str(cc), db_str(cc), sc[0], sc[1], w, sc[2], sc[3], fc, fp};
    /* the open appointments first: a caller who calls often and has none (a repeated caller, the
     * ceiling bench's workload) made ELIGIBLE_CALLS read every call of theirs in the window, with its
     * texts, on each of their events only to pair them with nothing: 90 ms of MariaDB per Retell event
     * at a few hundred calls (make bench-pipeline, retell-call/repeat). Found first, an empty side
     * skips the other (D220). */
    if (step(db, !can[CAN_OPEN], "OPEN_APPOINTMENTS", q[STMT_OPEN_APPOINTMENTS], ap, 7 + nf, &rows[T_APPTS]) != 0) return -1;
    int no_pairs = !rows[T_APPTS];
    if (step(db, no_pairs, "ELIGIBLE_CALLS", q[STMT_ELIGIBLE_CALLS], ep, 7 + nf, &rows[T_CALLS]) != 0) return -1;
    no_pairs |= !rows[T_CALLS];
    if (step(db, no_pairs, "CAND_PHONE", CAND_PHONE, &w, 1, &rows[T_CAND]) != 0 ||
        step(db, no_pairs, "CAND_CUSTOMER", CAND_CUSTOMER, &w, 1, &rows[T_CAND]) != 0 ||
        step(db, !rows[T_CAND], "PICK", PICK, &w, 1, &rows[T_PICK]) != 0)
        return -1;
    if (list) list_changes(db, a, list);
    if (dry) return 0;
    int no_un = !rows[T_UN], no_a = !rows[T_A], no_pick = !rows[T_PICK];
    db_param run = db_int((long long)run_id);
    if (run_id && (step(db, no_un, "RECORD_UN", RECORD_UN, &run, 1, NULL) != 0 ||
                   step(db, no_a, "RECORD_A", RECORD_A, &run, 1, NULL) != 0 ||
                   step(db, no_pick, "RECORD_PICK", RECORD_PICK, &run, 1, NULL) != 0))
        return -1;
    db_param run2[] = {run, run};
    if (step(db, no_un, "APPLY_UN", APPLY_UN, &run, 1, NULL) != 0 || step(db, no_a, "APPLY_A", APPLY_A, &run, 1, NULL) != 0 ||
        step(db, no_pick, "APPLY_PICK", APPLY_PICK, &run, 1, NULL) != 0 ||
        step(db, no_pick, "AUDIT_PICK", AUDIT_PICK, run2, 2, NULL) != 0 ||
        step(db, no_pick, "APPLY_APPT", APPLY_APPT, NULL, 0, NULL) != 0)
        return -1;
    /* the days whose daily aggregates these links change (flushed after the caller commits) */
    const int from[] = {T_UN, T_A, T_PICK, T_A, T_PICK};
    _Static_assert(sizeof from / sizeof *from == sizeof NOTE_DAYS / sizeof *NOTE_DAYS, "one source table per NOTE_DAYS");
    for (size_t i = 0; i < sizeof NOTE_DAYS / sizeof *NOTE_DAYS; i++)
        if (rows[from[i]] && daily_stats_note_query(db, a, NOTE_DAYS[i], NULL, 0) != 0) return -1;
    return 0;
}

int linker_undo(sb_db *db, arena *a, uint64_t run_id, long long *reverted, char *err, size_t errlen)
{
    db_param run = db_int((long long)run_id);
    db_rows r;
    if (db_query(db, a, "SELECT undone_at IS NOT NULL FROM switchboard_link_runs WHERE id = ? FOR UPDATE", &run, 1, &r) != 0) {
        snprintf(err, errlen, "%s", db_error(db));
        return -1;
    }
    if (!r.nrows) {
        snprintf(err, errlen, "no detect-conversions run %llu", (unsigned long long)run_id);
        return -1;
    }
    if (!strcmp(db_cell(&r, 0, 0), "1")) {
        snprintf(err, errlen, "run %llu was undone already", (unsigned long long)run_id);
        return -1;
    }
    db_param run2[] = {run, run};
    uint64_t n = 0;
    if (db_exec(db,
                "INSERT INTO switchboard_audit (table_name, row_id, company_id, action, changes, cause)"
                " SELECT 'appointments', a.id, a.company_id, 'update', JSON_OBJECT('call_id', JSON_OBJECT('old', a.call_id,"
                " 'new', ch.old_appointment_call_id)), CONCAT('detect-conversions --undo ', ?) FROM switchboard_link_changes ch"
                " JOIN appointments a ON a.id = ch.appointment_id AND a.call_id = ch.call_id"
                " WHERE ch.run_id = ? AND ch.action = 'link' AND NOT (ch.old_appointment_call_id <=> a.call_id)",
                run2, 2, NULL, NULL) != 0 ||
        db_exec(db,
                "UPDATE appointments a JOIN switchboard_link_changes ch ON ch.appointment_id = a.id AND a.call_id = ch.call_id"
                " SET a.call_id = ch.old_appointment_call_id WHERE ch.run_id = ? AND ch.action = 'link'",
                &run, 1, NULL, NULL) != 0 ||
        db_exec(db,
                "UPDATE calls c JOIN switchboard_link_changes ch ON ch.call_id = c.id SET"
                " c.converted_appointment_id = ch.old_converted_appointment_id, c.appointment_made = ch.old_appointment_made,"
                " c.converted_to_appointment = ch.old_converted_to_appointment, c.conversion_timestamp = ch.old_conversion_timestamp,"
                " c.appointment_id = ch.old_appointment_id, c.appointment_link_status = ch.old_appointment_link_status,"
                " c.appointment_linked_at = ch.old_appointment_linked_at, c.linking_metadata = ch.old_linking_metadata,"
                " c.updated_at = NOW() WHERE ch.run_id = ?",
                &run, 1, NULL, &n) != 0 ||
        db_exec(db, "UPDATE switchboard_link_runs SET undone_at = NOW(3) WHERE id = ?", &run, 1, NULL, NULL) != 0 ||
        daily_stats_note_query(db, a,
                               "SELECT DISTINCT c.company_id, UNIX_TIMESTAMP(c.created_at) DIV 900 * 900 FROM switchboard_link_changes ch"
                               " JOIN calls c ON c.id = ch.call_id WHERE ch.run_id = ? UNION SELECT DISTINCT a.company_id,"
                               " UNIX_TIMESTAMP(a.created_at) DIV 900 * 900 FROM switchboard_link_changes ch"
                               " JOIN appointments a ON a.id = ch.appointment_id WHERE ch.run_id = ?", run2, 2) != 0) {
        snprintf(err, errlen, "%s", db_error(db));
        return -1;
    }
    *reverted = (long long)n;
    return 0;
}

int linker_run_recorded(sb_db *db, arena *a, const sb_config *cfg, const linker_scope *scope, const char *by,
                        const char *scope_text, FILE *list, linker_result *out, uint64_t *run)
{
    *run = 0;
    db_param p[] = {db_str(by), db_str(scope_text)};
    if (db_begin(db) != 0) return -1;
    if (db_exec(db, "INSERT INTO switchboard_link_runs (requested_by, scope) VALUES (?, LEFT(?, 255))", p, 2, run, NULL) != 0 ||
        linker_run(db, a, cfg, scope, *run, 0, list, out) != 0)
        goto fail;
    db_param f[] = {db_int(out->linked), db_int(out->unlinked), db_int((long long)*run)};
    if (db_exec(db, "UPDATE switchboard_link_runs SET finished_at = NOW(3), calls_linked = ?, calls_unlinked = ? WHERE id = ?", f, 3,
                NULL, NULL) != 0 || db_commit(db) != 0)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    *run = 0;
    return -1;
}
