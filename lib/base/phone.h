/* phone.h: the one phone number normaliser.
 *
 * phone_normalize() turns what callers, Cal.com forms and the legacy rows
 * hold into E.164 ("+4917612345678"): spaces, dashes, dots, slashes and
 * parentheses removed, "(0)" after a country code dropped, "00" and "+"
 * international prefixes, national numbers ("0221 1234567") with the default
 * country, bare digits starting with the default country code, a "tel:"
 * prefix. "anonymous", "unknown", "private", "withheld", "blocked",
 * "restricted", "unavailable", empty and NULL are "no number", as is anything
 * that is not 7..15 digits after the normalisation or contains letters.
 *
 * phone_variants() lists the spellings of one E.164 number that legacy rows
 * may hold (customers.phone stores numbers as received): E.164, digits
 * without '+', the 00 form, and for numbers of the default country the
 * national 0 form. Callers match with `phone IN (variants)`. */
#ifndef SB_PHONE_H
#define SB_PHONE_H

#include <stddef.h>

#include "arena.h"

#define PHONE_MAX 20 /* "+" + 15 digits + NUL, with room */
#define PHONE_MAX_VARIANTS 4

/* Calling code (digits, e.g. "49") of an ISO country (DE, AT, CH, ...); NULL if unknown. */
const char *phone_country_code(const char *iso2);
/* 0 and E.164 in out, or -1 when raw is no usable number. default_cc: "49". */
int phone_normalize(const char *raw, const char *default_cc, char out[PHONE_MAX]);
/* True for the spellings of "the caller withheld the number". */
int phone_is_withheld(const char *raw);
/* The variants of an E.164 number (see above), strings in a; returns how many. */
size_t phone_variants(const char *e164, const char *default_cc, arena *a, const char *out[PHONE_MAX_VARIANTS]);

#endif
