/* timeutil.h: the one place that reads and writes times.
 *
 * Provider times are ISO 8601 in several spellings ("2026-03-12T09:00:00Z",
 * "…+00:00", "…T09:00:00.000Z", "…+01:00"); they become Unix seconds, and
 * SQL receives them as FROM_UNIXTIME(?) so the database session's time_zone
 * decides the stored wall clock, exactly as for Laravel's own writes.
 * Local times for people (German dates for the phone agent, a tenant's
 * "today") go through time_local(), which uses the IANA zone database. */
#ifndef SB_TIMEUTIL_H
#define SB_TIMEUTIL_H

#include <stdint.h>
#include <time.h>

/* Parse ISO 8601 date-time with Z or ±hh:mm (fraction ignored). 0 or -1. */
int time_parse_iso(const char *s, int64_t *epoch);
/* epoch -> "2026-03-12T09:00:00Z" (out >= 21 bytes). */
void time_format_iso(int64_t epoch, char *out, size_t n);
/* epoch -> broken-down local time in the IANA zone tz ("Europe/Berlin"). 0 or -1. */
int time_local(int64_t epoch, const char *tz, struct tm *out);

#endif
