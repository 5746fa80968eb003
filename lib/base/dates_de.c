/* dates_de.c: German date and time words (see dates_de.h). */
#include "dates_de.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "timeutil.h"

static const char *const WEEKDAYS[] = {"sonntag", "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag"};
static const char *const WEEKDAYS_CAP[] = {"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"};
static const char *const MONTHS[] = {"januar", "februar", "märz", "april", "mai", "juni", "juli",
                                     "august", "september", "oktober", "november", "dezember"};
static const char *const MONTHS_CAP[] = {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
                                         "August", "September", "Oktober", "November", "Dezember"};

const char *de_weekday(int wday) { return wday >= 0 && wday < 7 ? WEEKDAYS_CAP[wday] : ""; }
const char *de_month(int mon) { return mon >= 0 && mon < 12 ? MONTHS_CAP[mon] : ""; }

/* lower-case ASCII, "ä" -> "ae" etc. so "übermorgen" == "uebermorgen", trimmed.
 * -1 when the text does not fit out: a cut text could read as another date
 * ("morgen" + many spaces + "nicht" is not "morgen"; found by tests/fuzz). */
static int fold(const char *s, char *out, size_t n)
{
    size_t o = 0;
    while (*s && isspace((unsigned char)*s)) s++;
    for (; *s && o + 3 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == 0xc3 && s[1]) {
            unsigned char d = (unsigned char)s[1];
            const char *rep = d == 0xa4 || d == 0x84 ? "ae" : d == 0xb6 || d == 0x96 ? "oe" : d == 0xbc || d == 0x9c ? "ue"
                            : d == 0x9f ? "ss" : NULL;
            if (rep) {
                out[o++] = rep[0];
                out[o++] = rep[1];
                s++;
                continue;
            }
        }
        out[o++] = (char)tolower(c);
    }
    while (o && isspace((unsigned char)out[o - 1])) o--;
    out[o] = '\0';
    while (*s && isspace((unsigned char)*s)) s++;
    return *s ? -1 : 0;
}

static int days_in_month(int y, int m)
{
    static const int D[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : D[m - 1];
}

static int valid(const de_date *d)
{
    return d->year >= 2000 && d->year <= 2100 && d->month >= 1 && d->month <= 12 && d->day >= 1 &&
           d->day <= days_in_month(d->year, d->month);
}

/* today + n days, in the zone */
static int plus_days(int64_t now, const char *tz, int n, de_date *out)
{
    struct tm tm;
    if (time_local(now, tz, &tm) != 0) return -1;
    /* noon avoids DST edges when stepping whole days */
    struct tm t = {0};
    t.tm_year = tm.tm_year;
    t.tm_mon = tm.tm_mon;
    t.tm_mday = tm.tm_mday + n;
    t.tm_hour = 12;
    timegm(&t); /* normalises the day overflow */
    out->year = t.tm_year + 1900;
    out->month = t.tm_mon + 1;
    out->day = t.tm_mday;
    return 0;
}

int de_parse_date(const char *s, int64_t now, const char *tz, de_date *out)
{
    if (!s) return -1;
    char f[128];
    if (fold(s, f, sizeof f) != 0) return -1;
    char *p = f;
    if (!strncmp(p, "am ", 3)) p += 3;
    if (!strncmp(p, "den ", 4)) p += 4;
    if (!strcmp(p, "heute")) return plus_days(now, tz, 0, out);
    if (!strcmp(p, "morgen")) return plus_days(now, tz, 1, out);
    if (!strcmp(p, "uebermorgen")) return plus_days(now, tz, 2, out);
    if (!strncmp(p, "naechsten ", 10)) p += 10;
    else if (!strncmp(p, "naechste ", 9)) p += 9;
    else if (!strncmp(p, "kommenden ", 10)) p += 10;
    struct tm tm;
    if (time_local(now, tz, &tm) != 0) return -1;
    for (int w = 0; w < 7; w++)
        if (!strcmp(p, WEEKDAYS[w])) {
            int ahead = (w - tm.tm_wday + 7) % 7;
            return plus_days(now, tz, ahead ? ahead : 7, out);
        }
    de_date d = {0, 0, 0};
    int a, b, c, n = 0;
    char month[32];
    if (sscanf(p, "%4d-%2d-%2d%n", &a, &b, &c, &n) == 3 && !p[n]) {
        d = (de_date){a, b, c};
    } else if (sscanf(p, "%2d.%2d.%4d%n", &a, &b, &c, &n) == 3 && !p[n]) {
        d = (de_date){c < 100 ? 2000 + c : c, b, a};
    } else if ((sscanf(p, "%2d.%2d.%n", &a, &b, &n) == 2 && !p[n]) || (sscanf(p, "%2d.%2d%n", &a, &b, &n) == 2 && !p[n])) {
        d = (de_date){0, b, a};
    } else if (sscanf(p, "%2d. %31s%n", &a, month, &n) == 2 || sscanf(p, "%2d %31s%n", &a, month, &n) == 2) {
        int yr = 0, extra = 0;
        if (p[n]) {
            if (sscanf(p + n, " %4d%n", &yr, &extra) != 1 || p[n + extra]) return -1;
        }
        size_t ml = strlen(month);
        if (ml && month[ml - 1] == '.') month[--ml] = '\0';
        for (int m = 0; m < 12; m++) {
            char mf[32];
            (void)fold(MONTHS[m], mf, sizeof mf); /* the longest, "dezember", fits */
            if (!strcmp(month, mf) || (ml >= 3 && !strncmp(month, mf, 3) && ml <= strlen(mf) && !strncmp(mf, month, ml)))
                d = (de_date){yr, m + 1, a};
        }
        if (!d.month) return -1;
    } else {
        return -1;
    }
    if (!d.year) {
        d.year = tm.tm_year + 1900;
        /* without a year: a day already behind us this year is meant for next year */
        if (d.month < tm.tm_mon + 1 || (d.month == tm.tm_mon + 1 && d.day < tm.tm_mday)) d.year++;
    }
    if (!valid(&d)) return -1;
    *out = d;
    return 0;
}

int de_parse_time(const char *s, int *hour, int *minute)
{
    if (!s) return -1;
    char f[64];
    if (fold(s, f, sizeof f) != 0) return -1;
    char *p = f;
    if (!strncmp(p, "um ", 3)) p += 3;
    int h = -1, m = 0, n = 0;
    if ((sscanf(p, "%2d:%2d%n", &h, &m, &n) == 2 || sscanf(p, "%2d.%2d%n", &h, &m, &n) == 2) && n) {
        p += n;
        while (*p == ' ') p++;
        if (*p && strcmp(p, "uhr")) return -1;
    } else if (sscanf(p, "%2d%n", &h, &n) == 1) {
        p += n;
        while (*p == ' ') p++;
        if (!strncmp(p, "uhr", 3)) {
            p += 3;
            while (*p == ' ') p++;
            if (*p) {
                int k = 0;
                if (sscanf(p, "%2d%n", &m, &k) != 1 || p[k]) return -1;
            }
        } else if (*p) {
            return -1;
        }
    } else {
        return -1;
    }
    if (h < 0 || h > 23 || m < 0 || m > 59) return -1;
    *hour = h;
    *minute = m;
    return 0;
}

int local_to_epoch(const de_date *d, int hour, int minute, const char *tz, int64_t *epoch)
{
    const char *old = getenv("TZ");
    char saved[128] = "";
    if (old) snprintf(saved, sizeof saved, "%s", old);
    setenv("TZ", time_zone_checked(tz), 1);
    tzset();
    struct tm t = {0};
    t.tm_year = d->year - 1900;
    t.tm_mon = d->month - 1;
    t.tm_mday = d->day;
    t.tm_hour = hour;
    t.tm_min = minute;
    t.tm_isdst = -1; /* let the zone say whether DST applies that day */
    time_t e = mktime(&t);
    if (old) setenv("TZ", saved, 1);
    else unsetenv("TZ");
    tzset();
    if (e == (time_t)-1) return -1;
    *epoch = (int64_t)e;
    return 0;
}
