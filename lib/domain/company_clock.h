/* company_clock.h: whose clock a time is shown and bucketed in (issue 17.1).
 *
 * A company's times are in companies.timezone (the legacy column, default
 * Europe/Berlin, which is also the fallback for a zone this host's IANA
 * database does not know); everything across companies (an operator's "all")
 * is in dashboard.timezone, named on the page.
 * Zones are cached per process for ZONE_CACHE_S seconds (a company whose zone
 * changes needs `switchboard stats --rebuild`: its days change). */
#ifndef SB_COMPANY_CLOCK_H
#define SB_COMPANY_CLOCK_H

#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "db.h"

#define COMPANY_ZONE_FALLBACK "Europe/Berlin"

/* The zone of company (0: the operators' dashboard.timezone), copied into a.
 * Never NULL: a database error gives the default. */
const char *company_zone(sb_db *db, arena *a, const sb_config *cfg, long long company_id);
/* The default when nothing else is known: dashboard.timezone when valid, else Europe/Berlin. */
const char *company_zone_default(const sb_config *cfg);
/* The local day of epoch for company, "YYYY-MM-DD" into out (>= 11 bytes). 0 or -1. */
int company_local_day(sb_db *db, long long company_id, int64_t epoch, char *out);
/* [start, end) of the company's local day ("YYYY-MM-DD") as Unix seconds (23 or 25 h on a DST day). 0 or -1. */
int company_day_bounds(sb_db *db, long long company_id, const char *day, int64_t *start, int64_t *end);

#endif
