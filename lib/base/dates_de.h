/* dates_de.h: what a caller says about dates and times, in German, in the
 * tenant's time zone.
 *
 * de_parse_date: "heute", "morgen", "übermorgen"/"uebermorgen", weekday names
 * (with "am", "nächsten"/"naechsten"; the next such day after today), "12.3.",
 * "12.03.2026", "12.3.26", "2026-03-12", "12. März" (month names). A day and
 * month without a year that already passed this year means next year (today
 * is today, not a past date).
 * de_parse_time: "14", "14 Uhr", "14:30", "14.30", "14:30 Uhr", "9 Uhr 30".
 * local_to_epoch: a wall-clock time in an IANA zone to Unix seconds, DST-correct. */
#ifndef SB_DATES_DE_H
#define SB_DATES_DE_H

#include <stdint.h>

typedef struct de_date {
    int year, month, day;
} de_date;

/* 0 or -1 (not a date). now: Unix seconds; tz: "Europe/Berlin". */
int de_parse_date(const char *s, int64_t now, const char *tz, de_date *out);
/* 0 or -1. */
int de_parse_time(const char *s, int *hour, int *minute);
/* 0 or -1. */
int local_to_epoch(const de_date *d, int hour, int minute, const char *tz, int64_t *epoch);
/* German weekday / month names (0 = Sonntag / 0 = Januar). */
const char *de_weekday(int wday);
const char *de_month(int mon);

#endif
