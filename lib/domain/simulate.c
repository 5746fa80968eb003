/* simulate.c: the seeded plan of demo traffic (see simulate.h). */
#include "simulate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

/* splitmix64: tiny, fast, and the same sequence on every platform */
void sim_rng_seed(sim_rng *r, uint64_t seed) { r->state = seed; }

uint64_t sim_rng_next(sim_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int sim_rng_below(sim_rng *r, int n) { return n <= 0 ? 0 : (int)(sim_rng_next(r) % (uint64_t)n); }
int sim_rng_between(sim_rng *r, int lo, int hi) { return hi <= lo ? lo : lo + sim_rng_below(r, hi - lo + 1); }
int sim_rng_chance(sim_rng *r, int permille) { return sim_rng_below(r, 1000) < permille; }

long long sim_parse_duration(const char *s)
{
    if (!s || !*s) return -1;
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end == s || n < 0) return -1;
    if (!*end || !strcmp(end, "s")) return n;
    if (!strcmp(end, "m")) return n * 60;
    if (!strcmp(end, "h")) return n * 3600;
    if (!strcmp(end, "d")) return n * 86400;
    return -1;
}

static const char *const CALL_OUTCOMES_NAMES[] = {"books", "web_later", "info", "voicemail", "spam", "hangup",
                                                   "calcom_down", "slot_gone", "ask_hangup", "wants_callback"};
_Static_assert(sizeof CALL_OUTCOMES_NAMES / sizeof *CALL_OUTCOMES_NAMES == CALL_OUTCOMES, "one name per call outcome");
static const char *const CHANGE_NAMES[] = {"reschedule", "cancel", "no_show"};
static const char *const FORGERY_NAMES[] = {"calcom_bad_signature", "retell_bad_signature", "retell_stale_signature",
                                            "unsigned", "broken_json", "function_bad_signature"};

const char *sim_call_outcome_name(int o) { return o >= 0 && o < CALL_OUTCOMES ? CALL_OUTCOMES_NAMES[o] : "?"; }
const char *sim_change_name(int c) { return c >= 0 && c < CHANGES ? CHANGE_NAMES[c] : "?"; }
const char *sim_forgery_name(int f) { return f >= 0 && f < FORGES ? FORGERY_NAMES[f] : "?"; }

/* ---- people ---- */

/* name as spoken, and as it goes into an address */
static const char *const FIRST[][2] = {
    {"Lena", "lena"}, {"Anna", "anna"}, {"Marie", "marie"}, {"Sophie", "sophie"}, {"Laura", "laura"},
    {"Julia", "julia"}, {"Katharina", "katharina"}, {"Sabine", "sabine"}, {"Claudia", "claudia"}, {"Petra", "petra"},
    {"Jürgen", "juergen"}, {"Jonas", "jonas"}, {"Lukas", "lukas"}, {"Maximilian", "maximilian"}, {"Felix", "felix"},
    {"Thomas", "thomas"}, {"Stefan", "stefan"}, {"Michael", "michael"}, {"Özlem", "oezlem"}, {"Aylin", "aylin"},
    {"Hannah", "hannah"}, {"Emma", "emma"}, {"Mia", "mia"}, {"Lea", "lea"}, {"Nina", "nina"},
    {"Tobias", "tobias"}, {"Daniel", "daniel"}, {"Sven", "sven"}, {"Björn", "bjoern"}, {"Kerstin", "kerstin"},
    {"Ute", "ute"}, {"Monika", "monika"}, {"Birgit", "birgit"}, {"Andrea", "andrea"}, {"Nadine", "nadine"},
    {"Sarah", "sarah"}, {"Jana", "jana"}, {"Kai", "kai"}, {"Paul", "paul"}, {"Elif", "elif"},
};
static const char *const LAST[][2] = {
    {"Schmidt", "schmidt"}, {"Müller", "mueller"}, {"Schneider", "schneider"}, {"Fischer", "fischer"},
    {"Weber", "weber"}, {"Meyer", "meyer"}, {"Wagner", "wagner"}, {"Becker", "becker"}, {"Schulz", "schulz"},
    {"Hoffmann", "hoffmann"}, {"Koch", "koch"}, {"Richter", "richter"}, {"Klein", "klein"}, {"Wolf", "wolf"},
    {"Schröder", "schroeder"}, {"Neumann", "neumann"}, {"Schwarz", "schwarz"}, {"Zimmermann", "zimmermann"},
    {"Braun", "braun"}, {"Krüger", "krueger"}, {"Hofmann", "hofmann"}, {"Hartmann", "hartmann"}, {"Lange", "lange"},
    {"Schmitt", "schmitt"}, {"Werner", "werner"}, {"Krause", "krause"}, {"Meier", "meier"}, {"Lehmann", "lehmann"},
    {"Yilmaz", "yilmaz"}, {"Kaya", "kaya"}, {"Köhler", "koehler"}, {"Jansen", "jansen"}, {"Vogel", "vogel"},
    {"Friedrich", "friedrich"}, {"Keller", "keller"}, {"Günther", "guenther"}, {"Frank", "frank"}, {"Berger", "berger"},
    {"Roth", "roth"}, {"Beck", "beck"},
};
#define NFIRST (sizeof FIRST / sizeof *FIRST)
#define NLAST (sizeof LAST / sizeof *LAST)
static const char *const MAIL_DOMAINS[] = {"example.com", "example.net", "example.org"};
static const char *const MOBILE_PREFIXES[] = {"151", "152", "157", "160", "162", "170", "171", "172",
                                              "173", "174", "175", "176", "177", "178", "179"};

static void make_people(sim_plan *plan, arena *a, sim_rng *r, size_t n)
{
    plan->people = arena_zalloc(a, n * sizeof *plan->people);
    plan->npeople = n;
    for (size_t i = 0; i < n; i++) {
        size_t f = i % NFIRST, l = (i / NFIRST + i) % NLAST; /* distinct pairs for the first NFIRST*NLAST */
        sim_person *p = &plan->people[i];
        p->name = arena_printf(a, "%s %s", FIRST[f][0], LAST[l][0]);
        if (i < NFIRST * NLAST)
            p->email = arena_printf(a, "%s.%s@%s", FIRST[f][1], LAST[l][1], MAIL_DOMAINS[i % 3]);
        else
            p->email = arena_printf(a, "%s.%s%zu@%s", FIRST[f][1], LAST[l][1], i / (NFIRST * NLAST), MAIL_DOMAINS[i % 3]);
        p->phone = arena_printf(a, "+49%s%07d", MOBILE_PREFIXES[sim_rng_below(r, 15)], sim_rng_below(r, 10000000));
    }
}

/* Returning customers are likelier than new ones: the lower indices come back. */
static int pick_person(sim_rng *r, size_t npeople)
{
    return sim_rng_below(r, sim_rng_below(r, (int)npeople) + 1);
}

/* The first service (the salon's default) is the most booked. */
static int pick_service(sim_rng *r, int nservices) { return sim_rng_below(r, sim_rng_below(r, nservices) + 1); }

static void random_id(sim_rng *r, char *out, size_t n, const char *prefix, int len, int hex)
{
    static const char ALNUM[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    static const char HEX[] = "0123456789abcdef";
    size_t o = (size_t)snprintf(out, n, "%s", prefix);
    for (int i = 0; i < len && o + 1 < n; i++)
        out[o++] = hex ? HEX[sim_rng_below(r, 16)] : ALNUM[sim_rng_below(r, (int)sizeof ALNUM - 1)];
    out[o] = '\0';
}

/* ---- days ---- */

/* The local midnight at or before t in tz. */
static int64_t local_midnight(int64_t t, const char *tz)
{
    struct tm tm;
    if (time_local(t, tz, &tm) != 0) return t - t % 86400;
    return t - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec);
}

/* The moment of local minute `minute` on the day starting at midnight (DST-correct: the offset of that moment). */
static int64_t at_local_minute(int64_t midnight, int minute, const char *tz)
{
    int64_t guess = midnight + (int64_t)minute * 60;
    struct tm m0, g;
    if (time_local(midnight, tz, &m0) != 0 || time_local(guess, tz, &g) != 0) return guess;
    return guess - (g.tm_gmtoff - m0.tm_gmtoff);
}

static int weekday_of(int64_t t, const char *tz)
{
    struct tm tm;
    return time_local(t, tz, &tm) == 0 ? tm.tm_wday : 1;
}

/* the salon's bookable starts: every half hour 09:00..17:30 */
static int salon_slot_minute(sim_rng *r) { return 9 * 60 + 30 * sim_rng_below(r, 18); }

typedef struct planner {
    sim_plan *plan;
    size_t cap;
    sim_rng *r;
    int64_t to;
    int nservices;
    const char *tz;
    int64_t next_booking_id;
} planner;

static sim_step *add_step(planner *pl, int64_t at, sim_kind kind, int variant)
{
    if (at >= pl->to || pl->plan->n >= pl->cap) return NULL;
    sim_step *s = &pl->plan->steps[pl->plan->n++];
    memset(s, 0, sizeof *s);
    s->at = at;
    s->kind = kind;
    s->variant = variant;
    s->person = -1;
    return s;
}

/* a step about one booking: the booking itself or a later change of it */
static sim_step *booking_step(planner *pl, int64_t at, sim_kind kind, int variant, int person, int service, int64_t start,
                              int64_t booking_id, const char *uid, const char *other_id)
{
    sim_step *s = add_step(pl, at, kind, variant);
    if (!s) return NULL;
    s->person = person;
    s->service = service;
    s->appt_start = start;
    s->booking_id = booking_id;
    snprintf(s->id, sizeof s->id, "%s", uid);
    if (other_id) snprintf(s->other_id, sizeof s->other_id, "%s", other_id);
    return s;
}

static const int CALL_DURATION[CALL_OUTCOMES][2] = {{120, 300}, {60, 180}, {40, 150}, {15, 40}, {10, 60}, {2, 12},
                                                    {60, 150}, {90, 200}, {30, 90}, {50, 120}};

/* a web booking at `at` by person, and maybe its later change */
static void plan_web_booking(planner *pl, int64_t at, int person, const char *after_call)
{
    sim_rng *r = pl->r;
    int service = pick_service(r, pl->nservices);
    int in_days = sim_rng_between(r, 1, 21);
    int64_t day = local_midnight(at + (int64_t)in_days * 86400, pl->tz);
    if (weekday_of(day + 43200, pl->tz) == 0) day = local_midnight(day + 86400 + 43200, pl->tz); /* closed on Sunday */
    int64_t start = at_local_minute(day, salon_slot_minute(r), pl->tz);
    int64_t booking_id = pl->next_booking_id++;
    /* draw everything before deciding what fits the window, so the plan of a day does not depend on the window's end */
    char uid[40], new_uid[40];
    random_id(r, uid, sizeof uid, "", 22, 0);
    random_id(r, new_uid, sizeof new_uid, "", 22, 0);
    int fate = sim_rng_below(r, 1000);
    int64_t change_at = at + 3600 + sim_rng_below(r, (int)((start - at - 7200) > 1 ? (start - at - 7200) : 1));
    int64_t moved_by = (int64_t)sim_rng_between(r, 1, 7) * 86400;
    if (!booking_step(pl, at, SIM_WEB_BOOKING, 0, person, service, start, booking_id, uid, after_call)) return;
    /* 8 % move, 10 % cancel, 4 % do not show up */
    int change = fate < 80 ? CHANGE_RESCHEDULE : fate < 180 ? CHANGE_CANCEL : fate < 220 ? CHANGE_NO_SHOW : -1;
    if (change < 0) return;
    if (change == CHANGE_NO_SHOW) change_at = start + 1800;
    sim_step *c = booking_step(pl, change_at, SIM_WEB_CHANGE, change, person, service, start, booking_id, uid, NULL);
    if (!c) return;
    if (change == CHANGE_RESCHEDULE) {
        c->new_start = start + moved_by;
        c->old_booking_id = booking_id;
        c->booking_id = pl->next_booking_id++;
        snprintf(c->other_id, sizeof c->other_id, "%s", new_uid);
    }
}

static void plan_call(planner *pl, int64_t at, int force_redelivery, int forced_outcome)
{
    sim_rng *r = pl->r;
    int roll = sim_rng_below(r, 1000);
    /* of the calls an AI receptionist takes: 22 % book, 8 % book online afterwards, 27 % ask, 8 % voicemail,
     * 7 % spam, 18 % hang up at once; the unmet wishes: 3 % meet Cal.com failing, 2 % lose the slot at the
     * last moment, 3 % ask for a time and hang up, 2 % want what the agent cannot book */
    int outcome = roll < 220 ? CALL_BOOKS : roll < 300 ? CALL_WEB_LATER : roll < 570 ? CALL_INFO
                : roll < 600 ? CALL_CALCOM_DOWN : roll < 620 ? CALL_SLOT_GONE : roll < 650 ? CALL_ASK_HANGUP
                : roll < 730 ? CALL_VOICEMAIL : roll < 800 ? CALL_SPAM : roll < 820 ? CALL_WANTS_CALLBACK : CALL_HANGUP;
    if (forced_outcome >= 0) outcome = forced_outcome; /* after the draw: the day's stream stays the same */
    int person = pick_person(r, pl->plan->npeople);
    int withheld = outcome == CALL_SPAM ? sim_rng_chance(r, 600) : outcome == CALL_HANGUP ? sim_rng_chance(r, 300) : 0;
    int duration = sim_rng_between(r, CALL_DURATION[outcome][0], CALL_DURATION[outcome][1]);
    char id[40];
    random_id(r, id, sizeof id, "call_", 32, 1);
    int wish_days = sim_rng_between(r, 1, 14), wish_minute = salon_slot_minute(r);
    int redelivered = sim_rng_chance(r, 30) || force_redelivery;
    int service = pick_service(r, pl->nservices);
    int64_t web_at = at + duration + 60 * sim_rng_between(r, 10, 100);
    sim_step *s = add_step(pl, at, SIM_CALL, outcome);
    if (!s) return;
    s->person = withheld ? -1 : person;
    s->service = service;
    s->duration_s = duration;
    s->wish_in_days = wish_days;
    s->wish_minute = wish_minute;
    s->redelivered = redelivered;
    snprintf(s->id, sizeof s->id, "%s", id);
    if (outcome == CALL_WEB_LATER) plan_web_booking(pl, web_at, person, id);
}

static int by_time(const void *x, const void *y)
{
    const sim_step *a = x, *b = y;
    if (a->at != b->at) return a->at < b->at ? -1 : 1;
    /* ties: the plan order is decided by content, so qsort's instability cannot change it */
    int c = strcmp(a->id, b->id);
    if (c) return c;
    return a->kind != b->kind ? (a->kind < b->kind ? -1 : 1) : 0;
}

int sim_plan_build(sim_plan *plan, arena *a, uint64_t seed, int64_t from, int64_t to, int nservices, const char *tz)
{
    memset(plan, 0, sizeof *plan);
    if (to <= from || to - from > 400LL * 86400) return -1;
    if (nservices < 1) nservices = 1;
    int64_t first_day = local_midnight(from, tz);
    int days = (int)((to - first_day) / 86400) + 2;
    sim_rng r;
    sim_rng_seed(&r, seed);
    planner pl = {plan, (size_t)days * 128 + 16, &r, to, nservices, tz, 5000001 + sim_rng_below(&r, 900000)};
    plan->steps = arena_alloc(a, pl.cap * sizeof *plan->steps);
    make_people(plan, a, &r, (size_t)(80 + days * 8 < 4000 ? 80 + days * 8 : 4000));
    for (int64_t day = first_day; day < to; day = local_midnight(day + 86400 + 7200, tz)) {
        /* every day draws from its own stream (seed, day): the calls of a day do not depend on the days before */
        sim_rng dr;
        sim_rng_seed(&dr, seed ^ ((uint64_t)day * 0x2545F4914F6CDD1DULL));
        pl.r = &dr;
        int wday = weekday_of(day + 43200, tz);
        int calls = wday == 0 ? sim_rng_between(&dr, 2, 6) : wday == 6 ? sim_rng_between(&dr, 12, 25) : sim_rng_between(&dr, 20, 40);
        int web = wday == 0 ? sim_rng_between(&dr, 3, 8) : wday == 6 ? sim_rng_between(&dr, 5, 12) : sim_rng_between(&dr, 5, 15);
        int close = wday == 6 ? 15 * 60 : 19 * 60;
        for (int i = 0; i < calls; i++) {
            int64_t at = at_local_minute(day, sim_rng_between(&dr, 8 * 60 + 30, close), tz) + sim_rng_below(&dr, 60);
            /* Retell retries some delivery every day; every day Cal.com fails for one caller, one asks and books
             * online later, and one more leaves an unmet wish, the kinds in turn (the demo's Rückrufe) */
            static const int UNMET[] = {CALL_SLOT_GONE, CALL_ASK_HANGUP, CALL_WANTS_CALLBACK};
            int forced = i == 1 ? CALL_CALCOM_DOWN : i == 2 ? CALL_WEB_LATER
                       : i == 3 ? UNMET[((uint64_t)(day / 86400) + seed) % 3] : -1;
            if (at >= from) plan_call(&pl, at, i == 0, forced);
        }
        for (int i = 0; i < web; i++) {
            /* online bookings come all day, most in the evening */
            int minute = sim_rng_chance(&dr, 600) ? sim_rng_between(&dr, 18 * 60, 23 * 60) : sim_rng_between(&dr, 7 * 60, 18 * 60);
            int64_t at = at_local_minute(day, minute, tz) + sim_rng_below(&dr, 60);
            int person = pick_person(&dr, plan->npeople);
            if (at >= from) plan_web_booking(&pl, at, person, NULL);
        }
        /* one forged or broken delivery a day, the kinds in turn: a week shows each of them */
        int64_t forged_at = day + sim_rng_below(&dr, 86400);
        int variant = (int)(((uint64_t)(day / 86400) + seed) % FORGES);
        sim_step *s = forged_at >= from ? add_step(&pl, forged_at, SIM_FORGED, variant) : NULL;
        if (s) random_id(&dr, s->id, sizeof s->id, "forged_", 16, 1);
    }
    qsort(plan->steps, plan->n, sizeof *plan->steps, by_time);
    return 0;
}
