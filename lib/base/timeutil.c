/* timeutil.c: ISO 8601 and time zones (see timeutil.h). */
#include "timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define TZ_FALLBACK "Europe/Berlin"

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int time_parse_iso(const char *s, int64_t *epoch)
{
    if (!s || strlen(s) < 19) return -1;
    int Y, M, D, h, m, sec;
    if (digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' || digits(s + 8, 2, &D) ||
        (s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &m) ||
        s[16] != ':' || digits(s + 17, 2, &sec))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return -1;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) p++;
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh)) return -1;
        const char *q = p + 3;
        if (*q == ':') q++;
        if (digits(q, 2, &om)) return -1;
        off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p = q + 2;
    } else {
        return -1; /* no zone: ambiguous, refuse rather than guess */
    }
    if (*p) return -1;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    *epoch = (int64_t)timegm(&tm) - off;
    return 0;
}

void time_format_iso(int64_t epoch, char *out, size_t n)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The zone names of tzdata.zi ("Z NAME ..." and "L TARGET ALIAS"), read once per
 * process, sorted for bsearch. Unreadable: no list, and only the fallback passes. */
static char **zones;
static size_t nzones;
static int zones_read;

static int by_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void zones_load(void)
{
    zones_read = 1;
    const char *dir = getenv("TZDIR");
    char path[4096], line[1024];
    snprintf(path, sizeof path, "%s/tzdata.zi", dir && *dir ? dir : "/usr/share/zoneinfo");
    FILE *f = fopen(path, "r");
    if (!f) {
        log_msg("warn", "time zones: cannot read %s; every company uses " TZ_FALLBACK, path);
        return;
    }
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        char kind, a[256], b[256];
        int n = sscanf(line, "%c %255s %255s", &kind, a, b);
        const char *name = kind == 'Z' && n >= 2 ? a : kind == 'L' && n == 3 ? b : NULL;
        if (!name) continue;
        if (nzones == cap) {
            cap = cap ? cap * 2 : 512;
            char **grown = realloc(zones, cap * sizeof *zones);
            if (!grown) break;
            zones = grown;
        }
        zones[nzones++] = strdup(name);
    }
    fclose(f);
    qsort(zones, nzones, sizeof *zones, by_str);
}

const char *time_zone_checked(const char *tz)
{
    static char last_refused[64];
    if (!tz || !*tz || !strcmp(tz, TZ_FALLBACK)) return TZ_FALLBACK;
    if (!zones_read) zones_load();
    if (nzones && bsearch(&tz, zones, nzones, sizeof *zones, by_str)) return tz;
    if (strncmp(last_refused, tz, sizeof last_refused - 1) != 0) {
        snprintf(last_refused, sizeof last_refused, "%s", tz);
        log_msg("warn", "time zone \"%.64s\" is not in the system's zoneinfo list; using " TZ_FALLBACK, tz);
    }
    return TZ_FALLBACK;
}

int time_local(int64_t epoch, const char *tz, struct tm *out)
{
    tz = time_zone_checked(tz);
    /* TZ switching is process-wide; the FastCGI children are single-threaded */
    const char *old = getenv("TZ");
    char saved[128] = "";
    if (old) snprintf(saved, sizeof saved, "%s", old);
    if (setenv("TZ", tz, 1) != 0) return -1;
    tzset();
    time_t t = (time_t)epoch;
    struct tm *r = localtime_r(&t, out);
    if (old) setenv("TZ", saved, 1);
    else unsetenv("TZ");
    tzset();
    return r ? 0 : -1;
}

/* ---- a company's clock ---- */

int time_zone_valid(const char *tz)
{
    if (!tz || !*tz || strlen(tz) > 64 || strstr(tz, "..") || *tz == '/') return 0;
    for (const char *p = tz; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_+-/", *p)) return 0;
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char magic[4] = {0};
    size_t got = fread(magic, 1, 4, f);
    fclose(f);
    return got == 4 && !memcmp(magic, "TZif", 4);
}

int time_local_day(int64_t epoch, const char *tz, char *out)
{
    struct tm tm;
    if (time_local(epoch, tz, &tm) != 0) return -1;
    strftime(out, 11, "%Y-%m-%d", &tm);
    return 0;
}

static int parse_day(const char *day, struct tm *tm)
{
    int Y, M, D;
    if (!day || strlen(day) != 10 || digits(day, 4, &Y) || day[4] != '-' || digits(day + 5, 2, &M) || day[7] != '-' ||
        digits(day + 8, 2, &D) || M < 1 || M > 12 || D < 1 || D > 31)
        return -1;
    memset(tm, 0, sizeof *tm);
    tm->tm_year = Y - 1900;
    tm->tm_mon = M - 1;
    tm->tm_mday = D;
    return 0;
}

int time_day_start(const char *day, const char *tz, int64_t *epoch)
{
    struct tm tm;
    if (parse_day(day, &tm) != 0) return -1;
    tm.tm_isdst = -1; /* the zone's rule decides: midnight of a DST day is still in the old offset */
    const char *old = getenv("TZ");
    char saved[128] = "";
    if (old) snprintf(saved, sizeof saved, "%s", old);
    if (setenv("TZ", tz, 1) != 0) return -1;
    tzset();
    time_t t = mktime(&tm);
    if (old) setenv("TZ", saved, 1);
    else unsetenv("TZ");
    tzset();
    if (t == (time_t)-1) return -1;
    *epoch = (int64_t)t;
    return 0;
}

int time_day_add(const char *day, int n, char *out)
{
    struct tm tm;
    if (parse_day(day, &tm) != 0) return -1;
    tm.tm_mday += n;
    tm.tm_hour = 12; /* civil arithmetic in UTC: no zone, no DST */
    time_t t = timegm(&tm);
    struct tm o;
    gmtime_r(&t, &o);
    strftime(out, 11, "%Y-%m-%d", &o);
    return 0;
}

int time_format_local(int64_t epoch, const char *tz, int iso, char *out, size_t n)
{
    struct tm tm;
    if (time_local(epoch, tz, &tm) != 0) return -1;
    if (iso != 1) { /* 2: with seconds, for a conversation's steps */
        strftime(out, n, iso ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
        return 0;
    }
    long off = tm.tm_gmtoff, a = off < 0 ? -off : off;
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, n, "%s%c%02ld:%02ld", base, off < 0 ? '-' : '+', a / 3600 % 100, a / 60 % 60);
    return 0;
}
