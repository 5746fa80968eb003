/* customers.h: finding and creating the customer of a booking, per tenant.
 *
 * Match order inside one company (soft-deleted rows never match): the email
 * (case-insensitive), then the phone in any of its legacy spellings
 * (phone_variants). A match gets missing email/phone filled in, never
 * overwritten. Otherwise a customer is created with the company, name, email
 * (NULL when there is none: never a placeholder), phone in E.164 and its
 * variants, and the given source. Writes are audited (record.h). */
#ifndef SB_CUSTOMERS_H
#define SB_CUSTOMERS_H

#include <stdint.h>

#include "arena.h"
#include "db.h"
#include "record.h"

typedef struct customer_input {
    long long company_id;
    const char *name;        /* required; "Unbekannt" when the source has none */
    const char *email;       /* NULL or a real address */
    const char *phone_e164;  /* NULL or E.164 */
    const char *source;      /* "cal.com", "retell_webhook", ... */
} customer_input;

/* 0 with *id (and *created 0/1), or -1 (db_error). default_cc: "49". */
int customer_find_or_create(sb_db *db, arena *a, const customer_input *in, const char *default_cc,
                            const audit_cause *why, uint64_t *id, int *created);

/* True for addresses that are not a person's mailbox: Cal.com's phone-only
 * "<digits>@sms.cal.com", legacy placeholders (@noemail.com, termin@askproai.de). */
int customer_email_is_placeholder(const char *email);

#endif
