/* customers.h: finding and creating the customer of a booking, per tenant.
 *
 * Web bookings (customer_find_or_create). Match order inside one company
 * (soft-deleted rows never match): the email (case-insensitive), then the
 * phone in any of its legacy spellings (phone_variants). A phone match gets a
 * missing email filled in; an email match never gets the phone (D88: a public
 * booking form proves no phone, and a phone on a customer is what identifies a
 * caller), *phone_kept says so and the caller keeps it on the appointment.
 * Otherwise a customer is created with the company, name, email (NULL when
 * there is none: never a placeholder), phone in E.164 and its variants, and
 * the given source.
 *
 * Phone bookings (D86): the customer is the one the verified caller ID
 * identifies (customer_of_caller), whose EMPTY fields the spoken details may
 * fill, or a new customer made from the spoken details
 * (customer_from_spoken). Spoken details never select an existing customer,
 * and a spoken email or phone that another customer of the tenant already
 * holds is left out. Writes are audited (record.h). */
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

/* 0 with *id (and *created 0/1), or -1 (db_error). default_cc: "49".
 * phone_kept (may be NULL): 1 when the phone was not put on a customer matched by email. */
int customer_find_or_create(sb_db *db, arena *a, const customer_input *in, const char *default_cc,
                            const audit_cause *why, uint64_t *id, int *created, int *phone_kept);

/* The customer of a verified caller ID (E.164) in the company: the lowest id whose
 * phone is one of the number's spellings. 0 with *id (0: none), or -1 (db_error). */
int customer_of_caller(sb_db *db, arena *a, long long company_id, const char *caller_e164, const char *default_cc,
                       uint64_t *id);

/* A phone booking's customer: `known` (the caller ID's customer, 0 for none)
 * with its empty name/email/phone filled from in, or a new customer from in.
 * An email or phone another customer of the company holds is not written.
 * 0 with *id (and *created), or -1 (db_error). */
int customer_from_spoken(sb_db *db, arena *a, const customer_input *in, uint64_t known, const char *default_cc,
                         const audit_cause *why, uint64_t *id, int *created);

/* True for addresses that are not a person's mailbox: Cal.com's phone-only
 * "<digits>@sms.cal.com", legacy placeholders (@noemail.com, termin@askproai.de). */
int customer_email_is_placeholder(const char *email);

#endif
