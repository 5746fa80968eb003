/* linker.c: call -> appointment links, set-based (see linker.h). */
#include "linker.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "phone.h"

/* calls in scope, as a WHERE fragment with 4 placeholders: since, until, company, company */
#define SCOPE " c.created_at >= FROM_UNIXTIME(?) AND c.created_at < FROM_UNIXTIME(?) AND (? = 0 OR c.company_id = ?)" \
              " AND c.deleted_at IS NULL AND c.company_id IS NOT NULL"
#define CALL_END "COALESCE(c.end_timestamp, c.start_timestamp + INTERVAL COALESCE(c.duration_sec, 0) SECOND, c.created_at)"
#define LIVE(t) " " t ".deleted_at IS NULL AND " t ".status <> 'cancelled' "

static const char *const TEMP[] = {
    "DROP TEMPORARY TABLE IF EXISTS sb_lk_a, sb_lk_un, sb_lk_cand, sb_lk_pick",
    "CREATE TEMPORARY TABLE sb_lk_a (call_id BIGINT UNSIGNED PRIMARY KEY, appointment_id BIGINT UNSIGNED NOT NULL)",
    "CREATE TEMPORARY TABLE sb_lk_un (call_id BIGINT UNSIGNED PRIMARY KEY)",
    "CREATE TEMPORARY TABLE sb_lk_cand (call_id BIGINT UNSIGNED NOT NULL, appointment_id BIGINT UNSIGNED NOT NULL,"
    " method VARCHAR(32) NOT NULL, distance_s BIGINT NOT NULL, PRIMARY KEY (call_id, appointment_id))",
    "CREATE TEMPORARY TABLE sb_lk_pick (call_id BIGINT UNSIGNED PRIMARY KEY, appointment_id BIGINT UNSIGNED NOT NULL,"
    " method VARCHAR(32) NOT NULL, confidence INT NOT NULL, distance_s BIGINT NOT NULL)",
};

/* rule (a): a live appointment booked during the call, where the call does not say so yet */
static const char *const RULE_A =
    "INSERT INTO sb_lk_a (call_id, appointment_id) SELECT x.id, x.appt FROM (SELECT c.id, c.converted_appointment_id cur,"
    " c.appointment_made made, (SELECT a.id FROM appointments a WHERE a.call_id = c.id AND a.company_id = c.company_id"
    " AND" LIVE("a") "ORDER BY a.created_at DESC, a.id DESC LIMIT 1) appt FROM calls c WHERE" SCOPE ") x"
    " WHERE x.appt IS NOT NULL AND (x.cur IS NULL OR x.cur <> x.appt OR x.made = 0)";

/* withdrawn: the converted appointment is cancelled, deleted or gone */
static const char *const WITHDRAWN =
    "INSERT INTO sb_lk_un (call_id) SELECT c.id FROM calls c LEFT JOIN appointments a ON a.id = c.converted_appointment_id"
    " WHERE" SCOPE " AND c.converted_appointment_id IS NOT NULL AND (a.id IS NULL OR a.deleted_at IS NOT NULL"
    " OR a.status = 'cancelled' OR a.company_id <> c.company_id)";

/* the appointment's customer has the caller's number, in any stored spelling (2 placeholders: the country code twice) */
#define PHONE_OK                                                                                                   \
    "cu.phone IN (c.from_number, SUBSTRING(c.from_number, 2), CONCAT('00', SUBSTRING(c.from_number, 2)),"          \
    " IF(c.from_number LIKE CONCAT('+', ?, '%'), CONCAT('0', SUBSTRING(c.from_number, CHAR_LENGTH(?) + 2)), NULL))"

/* rules (b) and (c): unlinked appointments of the tenant created shortly after the call ended */
static const char *const CANDIDATES =
    "INSERT IGNORE INTO sb_lk_cand (call_id, appointment_id, method, distance_s)"
    " SELECT c.id, a.id, IF(" PHONE_OK ", 'phone_match', 'customer_match'),"
    " TIMESTAMPDIFF(SECOND, " CALL_END ", a.created_at)"
    " FROM calls c JOIN appointments a ON a.company_id = c.company_id AND a.call_id IS NULL AND" LIVE("a")
    " AND a.created_at >= " CALL_END " AND a.created_at <= " CALL_END " + INTERVAL ? MINUTE"
    " JOIN customers cu ON cu.id = a.customer_id"
    " LEFT JOIN appointments cur ON cur.id = c.converted_appointment_id AND" LIVE("cur")
    " WHERE" SCOPE " AND cur.id IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM appointments own WHERE own.call_id = c.id AND" LIVE("own") ")"
    " AND LOWER(CONCAT_WS(' ', c.transcript, c.summary, c.analysis, c.custom_analysis_data)) REGEXP ?"
    " AND (a.customer_id = c.customer_id OR " PHONE_OK ")";

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

static long long count(sb_db *db, arena *a, const char *table)
{
    db_rows r;
    const char *sql = !strcmp(table, "sb_lk_a") ? "SELECT COUNT(*) FROM sb_lk_a"
                    : !strcmp(table, "sb_lk_un") ? "SELECT COUNT(*) FROM sb_lk_un"
                    : !strcmp(table, "sb_lk_cand") ? "SELECT COUNT(*) FROM sb_lk_cand" : "SELECT COUNT(*) FROM sb_lk_pick";
    if (db_query(db, a, sql, NULL, 0, &r) != 0) return -1;
    return atoll(db_cell(&r, 0, 0));
}

int linker_run(sb_db *db, arena *a, const sb_config *cfg, const linker_scope *s, uint64_t run_id, int dry, FILE *list,
               linker_result *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof TEMP / sizeof *TEMP; i++)
        if (db_exec(db, TEMP[i], NULL, 0, NULL, NULL) != 0) return -1;
    db_param sc[] = {db_int(s->since), db_int(s->until), db_int(s->company_id), db_int(s->company_id)};
    if (db_exec(db, RULE_A, sc, 4, NULL, NULL) != 0 || db_exec(db, WITHDRAWN, sc, 4, NULL, NULL) != 0) return -1;
    const char *cc = phone_country_code(cfg->phone_default_country);
    /* order of the placeholders: method (cc, cc), window, scope, keywords, condition (cc, cc) */
    db_param cp[] = {db_str(cc), db_str(cc), db_int(cfg->linker_window_minutes), sc[0], sc[1], sc[2], sc[3],
                     db_str(keywords_regex(a, cfg->linker_keywords)), db_str(cc), db_str(cc)};
    if (db_exec(db, CANDIDATES, cp, 10, NULL, NULL) != 0) return -1;
    db_param w = db_int(cfg->linker_window_minutes);
    if (db_exec(db, PICK, &w, 1, NULL, NULL) != 0) return -1;
    out->candidates = count(db, a, "sb_lk_cand");
    out->linked = count(db, a, "sb_lk_a") + count(db, a, "sb_lk_pick");
    out->unlinked = count(db, a, "sb_lk_un");
    if (list) {
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
    if (dry) return 0;
    db_param run = db_int((long long)run_id);
    if (run_id && (db_exec(db, RECORD_UN, &run, 1, NULL, NULL) != 0 || db_exec(db, RECORD_A, &run, 1, NULL, NULL) != 0 ||
                   db_exec(db, RECORD_PICK, &run, 1, NULL, NULL) != 0))
        return -1;
    db_param run2[] = {run, run};
    if (db_exec(db, APPLY_UN, &run, 1, NULL, NULL) != 0 || db_exec(db, APPLY_A, &run, 1, NULL, NULL) != 0 ||
        db_exec(db, APPLY_PICK, &run, 1, NULL, NULL) != 0 || db_exec(db, AUDIT_PICK, run2, 2, NULL, NULL) != 0 ||
        db_exec(db, APPLY_APPT, NULL, 0, NULL, NULL) != 0)
        return -1;
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
        db_exec(db, "UPDATE switchboard_link_runs SET undone_at = NOW(3) WHERE id = ?", &run, 1, NULL, NULL) != 0) {
        snprintf(err, errlen, "%s", db_error(db));
        return -1;
    }
    *reverted = (long long)n;
    return 0;
}
