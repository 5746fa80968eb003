/* customers.c: per-tenant customer matching and creation (see customers.h). */
#include "customers.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "json.h"
#include "phone.h"

int customer_email_is_placeholder(const char *email)
{
    if (!email || !*email || !strchr(email, '@')) return 1;
    size_t n = strlen(email);
    static const char *const FAKE_DOMAINS[] = {"@sms.cal.com", "@noemail.com"};
    for (size_t i = 0; i < sizeof FAKE_DOMAINS / sizeof *FAKE_DOMAINS; i++) {
        size_t d = strlen(FAKE_DOMAINS[i]);
        if (n > d && strcasecmp(email + n - d, FAKE_DOMAINS[i]) == 0) return 1;
    }
    return strcasecmp(email, "termin@askproai.de") == 0;
}

static char *lower_dup(arena *a, const char *s)
{
    char *d = arena_strdup(a, s);
    for (char *p = d; *p; p++) *p = (char)tolower((unsigned char)*p);
    return d;
}

int customer_find_or_create(sb_db *db, arena *a, const customer_input *in, const char *default_cc,
                            const audit_cause *why, uint64_t *id, int *created)
{
    *id = 0;
    *created = 0;
    const char *email = in->email && !customer_email_is_placeholder(in->email) ? lower_dup(a, in->email) : NULL;
    const char *v[PHONE_MAX_VARIANTS] = {0};
    size_t nv = in->phone_e164 ? phone_variants(in->phone_e164, default_cc, a, v) : 0;
    db_rows rows;
    if (email) {
        db_param p[] = {db_int(in->company_id), db_str(email)};
        if (db_query(db, a,
                     "SELECT id FROM customers WHERE company_id = ? AND email = ? AND deleted_at IS NULL"
                     " ORDER BY id LIMIT 1 FOR UPDATE",
                     p, 2, &rows) != 0)
            return -1;
        if (rows.nrows) *id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
    }
    if (!*id && nv) {
        db_param p[] = {db_int(in->company_id), db_str(v[0]), db_str(v[1]), db_str(v[2]),
                        db_str(nv > 3 ? v[3] : v[0])};
        if (db_query(db, a,
                     "SELECT id FROM customers WHERE company_id = ? AND phone IN (?, ?, ?, ?) AND deleted_at IS NULL"
                     " ORDER BY id LIMIT 1 FOR UPDATE",
                     p, 5, &rows) != 0)
            return -1;
        if (rows.nrows) *id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
    }
    if (*id) {
        field fill[2];
        size_t nf = 0;
        if (email) fill[nf++] = FIELD_FILL_TEXT("email", email);
        if (in->phone_e164) fill[nf++] = FIELD_FILL_TEXT("phone", in->phone_e164);
        return nf ? record_update(db, a, "customers", *id, fill, nf, in->company_id, why, NULL) : 0;
    }
    buf variants = BUF_INIT;
    buf_putc(&variants, '[');
    for (size_t i = 0; i < nv; i++) {
        if (i) buf_putc(&variants, ',');
        json_buf_str(&variants, v[i]);
    }
    buf_putc(&variants, ']');
    field f[] = {
        FIELD_INT("company_id", in->company_id),
        FIELD_TEXT("name", in->name && *in->name ? in->name : "Unbekannt"),
        FIELD_TEXT("email", email),
        FIELD_TEXT("phone", in->phone_e164),
        FIELD_TEXT("phone_variants", nv ? arena_strdup(a, buf_cstr(&variants)) : NULL),
        FIELD_TEXT("source", in->source),
        FIELD_TEXT("status", "active"),
    };
    buf_free(&variants);
    if (record_insert(db, a, "customers", f, sizeof f / sizeof *f, in->company_id, why, id) != 0) return -1;
    *created = 1;
    return 0;
}
