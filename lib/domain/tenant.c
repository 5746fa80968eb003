/* tenant.c: tenant resolution (see tenant.h). */
#include "tenant.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "phone.h"


int tenant_by_calcom_event_type(sb_db *db, arena *a, long long event_type_id, tenant *t)
{
    memset(t, 0, sizeof *t);
    char key[32];
    snprintf(key, sizeof key, "%lld", event_type_id);
    db_param by_number = db_int(event_type_id);
    db_rows r;
    /* the service row is the mapping operators maintain; the event type table is the fallback */
    if (db_query(db, a,
                 "SELECT s.company_id, COALESCE(s.branch_id, et.branch_id), s.id, et.id, c.timezone"
                 " FROM services s JOIN companies c ON c.id = s.company_id AND c.deleted_at IS NULL"
                 " LEFT JOIN calcom_event_types et ON et.calcom_numeric_event_type_id = ? AND et.company_id = s.company_id"
                 " WHERE s.calcom_event_type_id = ? AND s.deleted_at IS NULL AND s.company_id IS NOT NULL LIMIT 1",
                 (db_param[]){db_int(event_type_id), db_str(key)}, 2, &r) != 0)
        return -1;
    if (r.nrows == 0) {
        if (db_query(db, a,
                     "SELECT et.company_id, et.branch_id, 0, et.id, c.timezone FROM calcom_event_types et"
                     " JOIN companies c ON c.id = et.company_id AND c.deleted_at IS NULL"
                     " WHERE et.calcom_numeric_event_type_id = ? AND et.company_id IS NOT NULL LIMIT 1",
                     &by_number, 1, &r) != 0)
            return -1;
        if (r.nrows == 0) return 0;
    }
    t->company_id = db_cell_ll(&r, 0, 0);
    t->branch_id = db_cell(&r, 0, 1);
    t->service_id = db_cell_ll(&r, 0, 2);
    t->local_event_type_id = db_cell_ll(&r, 0, 3);
    t->timezone = db_cell(&r, 0, 4) ? db_cell(&r, 0, 4) : "Europe/Berlin";
    return 1;
}

int tenant_by_phone_number(sb_db *db, arena *a, const char *raw, const char *default_cc, long statement_ms,
                           tenant_number *t)
{
    memset(t, 0, sizeof *t);
    char e164[PHONE_MAX];
    if (phone_normalize(raw, default_cc, e164) != 0) return 0;
    const char *v[PHONE_MAX_VARIANTS];
    size_t nv = phone_variants(e164, default_cc, a, v);
    const char *last = v[nv - 1];
    /* MariaDB's per-statement limit: a slow lookup gives up instead of keeping a caller ringing */
    const char *sql = arena_printf(a,
        "%sSELECT p.company_id, p.branch_id, p.id, COALESCE(p.retell_agent_id, p.agent_id), c.timezone"
        " FROM phone_numbers p JOIN companies c ON c.id = p.company_id AND c.deleted_at IS NULL"
        " WHERE p.deleted_at IS NULL AND (p.number_normalized IN (?, ?, ?, ?) OR p.number IN (?, ?, ?, ?))"
        " ORDER BY p.is_active DESC, p.id LIMIT 1",
        statement_ms > 0 ? arena_printf(a, "SET STATEMENT max_statement_time=%.3f FOR ", statement_ms / 1000.0) : "");
    db_param p[8];
    for (int i = 0; i < 4; i++) p[i] = p[i + 4] = db_str(i < (int)nv ? v[i] : last);
    db_rows r;
    if (db_query(db, a, sql, p, 8, &r) != 0) return -1;
    t->e164 = arena_strdup(a, e164);
    if (!r.nrows) return 0;
    t->company_id = db_cell_ll(&r, 0, 0);
    t->branch_id = db_cell(&r, 0, 1);
    t->phone_number_id = db_cell(&r, 0, 2);
    t->retell_agent_id = db_cell(&r, 0, 3);
    t->timezone = db_cell(&r, 0, 4) ? db_cell(&r, 0, 4) : "Europe/Berlin";
    return 1;
}
