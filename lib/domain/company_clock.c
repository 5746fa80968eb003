/* company_clock.c: each company's zone, cached per process (see company_clock.h). */
#include "company_clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

#define ZONE_CACHE_S 300
#define ZONE_CACHE_N 64

typedef struct zone_entry {
    long long company_id;
    time_t loaded;
    char tz[65];
} zone_entry;

static zone_entry cache[ZONE_CACHE_N];

const char *company_zone_default(const sb_config *cfg)
{
    return cfg && time_zone_valid(cfg->dashboard_timezone) ? cfg->dashboard_timezone : COMPANY_ZONE_FALLBACK;
}

/* the cached zone of company, loading it when absent or stale; static storage until the next call */
static const char *zone_of(sb_db *db, long long company_id)
{
    if (company_id <= 0 || !db) return COMPANY_ZONE_FALLBACK;
    time_t now = time(NULL);
    zone_entry *e = &cache[(unsigned long long)company_id % ZONE_CACHE_N];
    if (e->company_id == company_id && now - e->loaded < ZONE_CACHE_S) return e->tz;
    db_param p = db_int(company_id);
    db_rows r;
    arena *a = arena_new(4096);
    const char *tz = NULL;
    int ok = db_query(db, a, "SELECT timezone FROM companies WHERE id = ?", &p, 1, &r) == 0;
    if (ok && r.nrows && time_zone_valid(db_cell(&r, 0, 0))) tz = db_cell(&r, 0, 0);
    e->company_id = ok ? company_id : 0; /* a database error is not cached */
    e->loaded = now;
    snprintf(e->tz, sizeof e->tz, "%s", tz ? tz : COMPANY_ZONE_FALLBACK);
    arena_free(a);
    return e->tz;
}

const char *company_zone(sb_db *db, arena *a, const sb_config *cfg, long long company_id)
{
    return arena_strdup(a, company_id > 0 ? zone_of(db, company_id) : company_zone_default(cfg));
}

int company_local_day(sb_db *db, long long company_id, int64_t epoch, char *out)
{
    return time_local_day(epoch, zone_of(db, company_id), out);
}

int company_day_bounds(sb_db *db, long long company_id, const char *day, int64_t *start, int64_t *end)
{
    const char *tz = zone_of(db, company_id);
    char next[11];
    return time_day_add(day, 1, next) == 0 && time_day_start(day, tz, start) == 0 && time_day_start(next, tz, end) == 0 ? 0 : -1;
}
