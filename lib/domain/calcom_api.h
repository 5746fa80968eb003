/* calcom_api.h: the Cal.com API v2 client (slots, bookings) used by phone booking.
 *
 * Every request sends the cal-api-version its endpoint needs (without it
 * Cal.com silently answers an older version): 2024-09-04 for slots,
 * 2024-08-13 for bookings. Results are classified so callers can speak the
 * right sentence: CALCOM_OK, CALCOM_REFUSED (Cal.com said no: 4xx, e.g. the
 * slot is taken; message in err), CALCOM_UNAVAILABLE (5xx, timeout, network, shadow mode:
 * nothing is known to have happened). The API key is never logged. */
#ifndef SB_CALCOM_API_H
#define SB_CALCOM_API_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef enum { CALCOM_OK, CALCOM_REFUSED, CALCOM_UNAVAILABLE } calcom_result;

typedef struct calcom_api {
    const char *base;     /* "https://api.cal.com" */
    const char *api_key;  /* NULL or "": nothing is sent, every call is CALCOM_UNAVAILABLE */
    long timeout_ms;
} calcom_api;

typedef struct calcom_booking {
    const char *uid;
    long long id;
    int64_t start, end;   /* Unix seconds */
} calcom_booking;

/* Free slots of an event type between two UTC dates (inclusive, YYYY-MM-DD):
 * start times in Unix seconds, ascending, in a. */
calcom_result calcom_slots(const calcom_api *api, arena *a, long long event_type_id, const char *from_date,
                           const char *to_date, int64_t **starts, size_t *n, char *err, size_t errlen);
/* Book. metadata_json: an object of string values (≤ 50 keys). */
calcom_result calcom_book(const calcom_api *api, arena *a, long long event_type_id, int64_t start, const char *name,
                          const char *phone_e164, const char *email, const char *time_zone, const char *notes,
                          const char *metadata_json, calcom_booking *out, char *err, size_t errlen);
calcom_result calcom_cancel(const calcom_api *api, arena *a, const char *uid, const char *reason, char *err, size_t errlen);
/* Move a booking: Cal.com answers with a new booking (new uid). */
calcom_result calcom_reschedule(const calcom_api *api, arena *a, const char *uid, int64_t start, const char *reason,
                                calcom_booking *out, char *err, size_t errlen);

#endif
