/* tenant.c: tenant resolution (see tenant.h). */
#include "tenant.h"

#include <stdlib.h>
#include <string.h>

static long long num(const db_rows *r, size_t c)
{
    const char *v = db_cell(r, 0, c);
    return v ? atoll(v) : 0;
}

int tenant_by_calcom_event_type(sb_db *db, arena *a, long long event_type_id, tenant *t)
{
    memset(t, 0, sizeof *t);
    char key[32];
    snprintf(key, sizeof key, "%lld", event_type_id);
    db_param p[] = {db_str(key), db_int(event_type_id)};
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
                     &p[1], 1, &r) != 0)
            return -1;
        if (r.nrows == 0) return 0;
    }
    t->company_id = num(&r, 0);
    t->branch_id = db_cell(&r, 0, 1);
    t->service_id = num(&r, 2);
    t->local_event_type_id = num(&r, 3);
    t->timezone = db_cell(&r, 0, 4) ? db_cell(&r, 0, 4) : "Europe/Berlin";
    return 1;
}
