/* fuzz_dates_de.c: feeds lib/dates_de.c (what the phone agent hears as a
 * date or a time, in German).
 *
 * Input: the words ("übermorgen", "12. März", "14:30 Uhr", ...). de_parse_date()
 * runs at three clocks (a March day, New Year's Eve, the night of the spring
 * DST switch) in Europe/Berlin; a date it accepts must be a real calendar
 * date in 2000..2100. de_parse_time() must accept only 00:00..23:59, and a
 * parsed date and time must pass local_to_epoch() to a moment on that date.
 * The same text as a provider's ISO 8601 time: time_parse_iso() accepts it
 * only if time_format_iso() of the result parses back to the same second.
 * Words after an accepted date or time make it something else: the same text
 * followed by " x" must be refused (however long the text is). */
#include <time.h>

#include "dates_de.h"
#include "timeutil.h"
#include "fuzz.h"

static const int64_t NOWS[] = {
    1773132233,  /* 2026-03-10 08:43:53 UTC, the fixtures' clock */
    1798757999,  /* 2026-12-31 22:59:59 UTC, 23:59:59 in Berlin */
    1774746000,  /* 2026-03-29 01:00:00 UTC, the spring switch in Berlin */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    char *more = malloc(size + 3);
    if (!more) abort();
    memcpy(more, s, size);
    memcpy(more + size, " x", 3);
    int64_t iso;
    if (time_parse_iso(s, &iso) == 0) {
        char out[32];
        int64_t again;
        time_format_iso(iso, out, sizeof out);
        FUZZ_CHECK(time_parse_iso(out, &again) == 0 && again == iso);
    }
    int h = -1, m = -1, h2, m2;
    de_date d2;
    int time_ok = de_parse_time(s, &h, &m) == 0;
    if (time_ok) FUZZ_CHECK(h >= 0 && h <= 23 && m >= 0 && m <= 59);
    if (time_ok && !memchr(data, '\0', size)) FUZZ_CHECK(de_parse_time(more, &h2, &m2) != 0);
    for (size_t i = 0; i < sizeof NOWS / sizeof *NOWS; i++) {
        de_date d;
        if (de_parse_date(s, NOWS[i], "Europe/Berlin", &d) != 0) continue;
        if (!memchr(data, '\0', size)) FUZZ_CHECK(de_parse_date(more, NOWS[i], "Europe/Berlin", &d2) != 0);
        FUZZ_CHECK(d.year >= 2000 && d.year <= 2100 && d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31);
        struct tm t = {.tm_year = d.year - 1900, .tm_mon = d.month - 1, .tm_mday = d.day, .tm_hour = 12};
        timegm(&t);
        FUZZ_CHECK(t.tm_mday == d.day && t.tm_mon == d.month - 1); /* no 31 April */
        int64_t e;
        FUZZ_CHECK(local_to_epoch(&d, time_ok ? h : 12, time_ok ? m : 0, "Europe/Berlin", &e) == 0);
        struct tm back;
        FUZZ_CHECK(time_local(e, "Europe/Berlin", &back) == 0);
        FUZZ_CHECK(back.tm_year + 1900 == d.year && back.tm_mon + 1 == d.month && back.tm_mday == d.day);
    }
    free(more);
    free(s);
    return 0;
}
