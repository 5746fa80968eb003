/* test_dates_de.c: German date/time words in the tenant's zone, DST days included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "dates_de.h"
#include "timeutil.h"

#define TZ "Europe/Berlin"
/* 160 spaces: longer than the parsers' buffers (a cut text once read as another date) */
#define SP40 "                                        "
#define SP160 SP40 SP40 SP40 SP40

static int64_t at(const char *iso)
{
    int64_t e = 0;
    assert_int_equal(time_parse_iso(iso, &e), 0);
    return e;
}

static const struct {
    const char *now, *said, *want; /* want NULL: not a date */
} DATES[] = {
    /* Tuesday 10 March 2026, 09:41 in Köln */
    {"2026-03-10T08:41:00Z", "heute", "2026-03-10"},
    {"2026-03-10T08:41:00Z", "Heute", "2026-03-10"},
    {"2026-03-10T08:41:00Z", "morgen", "2026-03-11"},
    {"2026-03-10T08:41:00Z", "übermorgen", "2026-03-12"},
    {"2026-03-10T08:41:00Z", "uebermorgen", "2026-03-12"},
    {"2026-03-10T08:41:00Z", "Donnerstag", "2026-03-12"},
    {"2026-03-10T08:41:00Z", "am Donnerstag", "2026-03-12"},
    {"2026-03-10T08:41:00Z", "nächsten Montag", "2026-03-16"},
    {"2026-03-10T08:41:00Z", "Dienstag", "2026-03-17"}, /* today's weekday: next week */
    {"2026-03-10T08:41:00Z", "samstag", "2026-03-14"},
    {"2026-03-10T08:41:00Z", "Sonntag", "2026-03-15"},
    {"2026-03-10T08:41:00Z", "12.3.", "2026-03-12"},
    {"2026-03-10T08:41:00Z", "12.03.", "2026-03-12"},
    {"2026-03-10T08:41:00Z", "12.03", "2026-03-12"},
    {"2026-03-10T08:41:00Z", "10.3.", "2026-03-10"}, /* today is not "past" */
    {"2026-03-10T08:41:00Z", "9.3.", "2027-03-09"},  /* yesterday: next year */
    {"2026-03-10T08:41:00Z", "12.03.2026", "2026-03-12"},
    {"2026-03-10T08:41:00Z", "1.4.26", "2026-04-01"},
    {"2026-03-10T08:41:00Z", "2026-03-12", "2026-03-12"},
    {"2026-03-10T08:41:00Z", "12. März", "2026-03-12"},
    {"2026-03-10T08:41:00Z", "12. Maerz", "2026-03-12"},
    {"2026-03-10T08:41:00Z", "1. April 2027", "2027-04-01"},
    {"2026-03-10T08:41:00Z", "3. Jan", "2027-01-03"},
    {"2026-03-10T08:41:00Z", "29.02.2028", "2028-02-29"},
    {"2026-03-10T08:41:00Z", "29.02.2026", NULL},
    {"2026-03-10T08:41:00Z", "31.4.", NULL},
    {"2026-03-10T08:41:00Z", "gestern", NULL},
    {"2026-03-10T08:41:00Z", "bald", NULL},
    {"2026-03-10T08:41:00Z", "", NULL},
    {"2026-03-10T08:41:00Z", "{{current_date}}", NULL},
    {"2026-03-10T08:41:00Z", "morgen" SP160 "nicht", NULL},
    {"2026-03-10T08:41:00Z", SP160 "morgen" SP160, "2026-03-11"}, /* white space around is fine */
    /* just before midnight UTC is already the next day in Berlin */
    {"2026-03-10T23:30:00Z", "heute", "2026-03-11"},
    {"2026-03-10T23:30:00Z", "morgen", "2026-03-12"},
    /* New Year's Eve: morgen crosses the year */
    {"2026-12-31T10:00:00Z", "morgen", "2027-01-01"},
    {"2026-12-31T10:00:00Z", "2.1.", "2027-01-02"},
    /* on the DST days themselves */
    {"2026-03-29T10:00:00Z", "heute", "2026-03-29"},
    {"2026-03-28T22:30:00Z", "heute", "2026-03-28"},
    {"2026-10-25T10:00:00Z", "morgen", "2026-10-26"},
    {"2026-10-24T22:30:00Z", "heute", "2026-10-25"},
};

static void parses_dates(void **state)
{
    (void)state;
    size_t n = sizeof DATES / sizeof *DATES;
    for (size_t i = 0; i < n; i++) {
        de_date d;
        int rc = de_parse_date(DATES[i].said, at(DATES[i].now), TZ, &d);
        char got[16] = "no date";
        if (rc == 0) snprintf(got, sizeof got, "%04d-%02d-%02d", d.year, d.month, d.day);
        if (DATES[i].want ? rc != 0 || strcmp(got, DATES[i].want) : rc == 0)
            fail_msg("\"%s\" at %s: got %s, want %s", DATES[i].said, DATES[i].now, got,
                     DATES[i].want ? DATES[i].want : "no date");
    }
}

static void parses_times(void **state)
{
    (void)state;
    static const struct { const char *said; int h, m; } OK[] = {
        {"14", 14, 0}, {"14 Uhr", 14, 0}, {"14:30", 14, 30}, {"14.30", 14, 30}, {"14:30 Uhr", 14, 30},
        {"9 Uhr 30", 9, 30}, {"um 9 Uhr", 9, 0}, {"09:05", 9, 5}, {"0:00", 0, 0}, {"23:59", 23, 59},
    };
    static const char *const BAD[] = {"25 Uhr", "14:60", "halb drei", "", "morgens", "14:30:00x", "-1",
                                      "14 Uhr" SP160 "30" /* was 14:00 */};
    for (size_t i = 0; i < sizeof OK / sizeof *OK; i++) {
        int h = -1, m = -1;
        if (de_parse_time(OK[i].said, &h, &m) != 0 || h != OK[i].h || m != OK[i].m)
            fail_msg("\"%s\": got %d:%02d", OK[i].said, h, m);
    }
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        int h, m;
        if (de_parse_time(BAD[i], &h, &m) == 0) fail_msg("\"%s\" should not be a time", BAD[i]);
    }
}

/* Wall clock -> UTC, to the minute, across both switches of 2026 */
static void converts_wall_clock_dst_correct(void **state)
{
    (void)state;
    static const struct { de_date d; int h, m; const char *utc; } C[] = {
        {{2026, 3, 28}, 10, 0, "2026-03-28T09:00:00Z"},  /* CET */
        {{2026, 3, 29}, 1, 30, "2026-03-29T00:30:00Z"},  /* before the switch */
        {{2026, 3, 29}, 3, 30, "2026-03-29T01:30:00Z"},  /* after: CEST */
        {{2026, 3, 29}, 10, 0, "2026-03-29T08:00:00Z"},
        {{2026, 10, 24}, 10, 0, "2026-10-24T08:00:00Z"}, /* CEST */
        {{2026, 10, 25}, 10, 0, "2026-10-25T09:00:00Z"}, /* CET again */
        {{2026, 10, 25}, 4, 0, "2026-10-25T03:00:00Z"},
        {{2026, 3, 12}, 15, 30, "2026-03-12T14:30:00Z"}, /* the fixture's booking */
    };
    for (size_t i = 0; i < sizeof C / sizeof *C; i++) {
        int64_t e;
        char iso[32];
        assert_int_equal(local_to_epoch(&C[i].d, C[i].h, C[i].m, TZ, &e), 0);
        time_format_iso(e, iso, sizeof iso);
        if (strcmp(iso, C[i].utc)) fail_msg("%04d-%02d-%02d %02d:%02d Berlin: got %s want %s", C[i].d.year, C[i].d.month,
                                            C[i].d.day, C[i].h, C[i].m, iso, C[i].utc);
    }
    /* a Cal.com slot in UTC is 15:30 in Köln on 12 March, 16:30 in July */
    struct tm tm;
    assert_int_equal(time_local(at("2026-03-12T14:30:00.000Z"), TZ, &tm), 0);
    assert_int_equal(tm.tm_hour, 15);
    assert_int_equal(time_local(at("2026-07-12T14:30:00Z"), TZ, &tm), 0);
    assert_int_equal(tm.tm_hour, 16);
    assert_string_equal(de_weekday(4), "Donnerstag");
    assert_string_equal(de_month(2), "März");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_dates),
        cmocka_unit_test(parses_times),
        cmocka_unit_test(converts_wall_clock_dst_correct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
