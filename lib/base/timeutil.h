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
/* tz itself when it names a zone of the system's zoneinfo list (tzdata.zi:
 * zones and links, under $TZDIR or /usr/share/zoneinfo), else "Europe/Berlin"
 * with a log line (once per name and process). companies.timezone reaches
 * TZ only through here: a POSIX rule ("XYZ-14"), a path (":/etc/passwd",
 * "../x") or junk would otherwise set any clock (issue 15 #9). Returns a
 * static string or tz; NULL/"" -> "Europe/Berlin" without a log line. */
const char *time_zone_checked(const char *tz);
/* epoch -> broken-down local time in the IANA zone tz ("Europe/Berlin",
 * through time_zone_checked). 0 or -1. */
int time_local(int64_t epoch, const char *tz, struct tm *out);

/* ---- a company's clock (issue 17: every time in companies.timezone) ---- */
/* 1 when tz names a zone of the IANA database on this host (letters, digits,
 * '_', '+', '-', '/', no ".."; the file exists under /usr/share/zoneinfo). */
int time_zone_valid(const char *tz);
/* The local calendar day of epoch in tz: "YYYY-MM-DD" (out >= 11 bytes). 0 or -1. */
int time_local_day(int64_t epoch, const char *tz, char *out);
/* The instant local midnight of day ("YYYY-MM-DD") in tz starts; a day's end is
 * the next day's start, so a DST day is 23 or 25 hours long. 0 or -1. */
int time_day_start(const char *day, const char *tz, int64_t *epoch);
/* day + n calendar days (n may be negative) into out (>= 11 bytes). 0 or -1. */
int time_day_add(const char *day, int n, char *out);
/* epoch as local wall clock in tz: "2026-03-29 09:30" (iso 0) or ISO 8601 with
 * the zone's offset at that instant "2026-03-29T09:30:00+02:00" (iso 1), or
 * "2026-03-29 09:30:05" (iso 2: the steps of one call on its page).
 * out >= 26 bytes. 0 or -1. */
int time_format_local(int64_t epoch, const char *tz, int iso, char *out, size_t n);

#endif
