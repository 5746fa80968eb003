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

/* The lowest customer id of the company with this email (lower-case) / any spelling of this phone; 0 when none. */
static int find_by_email(sb_db *db, arena *a, long long company, const char *email, uint64_t *id)
{
    static const char *const SQL =
        "SELECT id FROM customers WHERE company_id = ? AND email = ? AND deleted_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE";
    db_param p[] = {db_int(company), db_str(email)};
    db_rows rows;
    *id = 0;
    if (db_query(db, a, SQL, p, 2, &rows) != 0) return -1;
    if (rows.nrows) *id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
    return 0;
}

static int find_by_phone(sb_db *db, arena *a, long long company, const char *e164, const char *default_cc, uint64_t *id)
{
    static const char *const SQL =
        "SELECT id FROM customers WHERE company_id = ? AND phone IN (?, ?, ?, ?) AND deleted_at IS NULL"
        " ORDER BY id LIMIT 1 FOR UPDATE";
    const char *v[PHONE_MAX_VARIANTS] = {0};
    size_t nv = e164 ? phone_variants(e164, default_cc, a, v) : 0;
    *id = 0;
    if (!nv) return 0;
    db_param p[] = {db_int(company), db_str(v[0]), db_str(v[1]), db_str(v[2]), db_str(nv > 3 ? v[3] : v[0])};
    db_rows rows;
    if (db_query(db, a, SQL, p, 5, &rows) != 0) return -1;
    if (rows.nrows) *id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
    return 0;
}

static int create(sb_db *db, arena *a, const customer_input *in, const char *email, const char *phone,
                  const char *default_cc, const audit_cause *why, uint64_t *id)
{
    const char *v[PHONE_MAX_VARIANTS] = {0};
    size_t nv = phone ? phone_variants(phone, default_cc, a, v) : 0;
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
        FIELD_TEXT("phone", phone),
        FIELD_TEXT("phone_variants", nv ? arena_strdup(a, buf_cstr(&variants)) : NULL),
        FIELD_TEXT("source", in->source),
        FIELD_TEXT("status", "active"),
    };
    buf_free(&variants);
    return record_insert(db, a, "customers", f, sizeof f / sizeof *f, in->company_id, why, id);
}

int customer_find_or_create(sb_db *db, arena *a, const customer_input *in, const char *default_cc,
                            const audit_cause *why, uint64_t *id, int *created, int *phone_kept)
{
    *id = 0;
    *created = 0;
    if (phone_kept) *phone_kept = 0;
    const char *email = in->email && !customer_email_is_placeholder(in->email) ? lower_dup(a, in->email) : NULL;
    if (email && find_by_email(db, a, in->company_id, email, id) != 0) return -1;
    if (*id) { /* D88: an email match never gets the booking's phone */
        if (phone_kept) *phone_kept = in->phone_e164 != NULL;
        return 0;
    }
    if (in->phone_e164 && find_by_phone(db, a, in->company_id, in->phone_e164, default_cc, id) != 0) return -1;
    if (*id) {
        field fill[] = {FIELD_FILL_TEXT("email", email)};
        return email ? record_update(db, a, "customers", *id, fill, 1, in->company_id, why, NULL) : 0;
    }
    if (create(db, a, in, email, in->phone_e164, default_cc, why, id) != 0) return -1;
    *created = 1;
    return 0;
}

int customer_of_caller(sb_db *db, arena *a, long long company_id, const char *caller_e164, const char *default_cc,
                       uint64_t *id)
{
    return find_by_phone(db, a, company_id, caller_e164, default_cc, id);
}

int customer_from_spoken(sb_db *db, arena *a, const customer_input *in, uint64_t known, const char *default_cc,
                         const audit_cause *why, uint64_t *id, int *created)
{
    *id = 0;
    *created = 0;
    const char *email = in->email && !customer_email_is_placeholder(in->email) ? lower_dup(a, in->email) : NULL;
    const char *phone = in->phone_e164;
    uint64_t other = 0;
    /* a detail another customer holds stays off: it would make that customer's email or number ambiguous */
    if (email && find_by_email(db, a, in->company_id, email, &other) != 0) return -1;
    if (other && other != known) email = NULL;
    other = 0;
    if (phone && find_by_phone(db, a, in->company_id, phone, default_cc, &other) != 0) return -1;
    if (other && other != known) phone = NULL;
    if (known) {
        field fill[3];
        size_t nf = 0;
        if (in->name && *in->name) fill[nf++] = FIELD_FILL_TEXT("name", in->name);
        if (email) fill[nf++] = FIELD_FILL_TEXT("email", email);
        if (phone) fill[nf++] = FIELD_FILL_TEXT("phone", phone);
        *id = known;
        return nf ? record_update(db, a, "customers", known, fill, nf, in->company_id, why, NULL) : 0;
    }
    if (create(db, a, in, email, phone, default_cc, why, id) != 0) return -1;
    *created = 1;
    return 0;
}
