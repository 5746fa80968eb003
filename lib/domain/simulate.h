/* simulate.h: the plan behind `switchboard simulate`: who calls or books
 * when, decided by a seeded PRNG, with no socket and no database.
 *
 * The same seed, window and tenant shape give the same plan, byte for byte
 * (splitmix64; no rand(), no clock inside), so a demo history can be
 * reproduced and `--dry-run` can be compared. The plan is a time-ordered list
 * of steps for one salon: phone calls with their outcome, web bookings with
 * their later fate (reschedule, cancellation, no-show), and a few forged or
 * malformed deliveries. app/cmd_simulate.c turns each step into the
 * providers' HTTP requests. Volumes follow a one-location salon: 20-40 calls
 * and 5-15 web bookings a day (fewer on Saturday, almost none on Sunday).
 *
 * Ownership: everything lives in the arena given to sim_plan_build. */
#ifndef SB_SIMULATE_H
#define SB_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct sim_rng {
    uint64_t state;
} sim_rng;

void sim_rng_seed(sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(sim_rng *r);
/* Uniform in [0, n); 0 when n <= 0. */
int sim_rng_below(sim_rng *r, int n);
/* Uniform in [lo, hi]. */
int sim_rng_between(sim_rng *r, int lo, int hi);
/* True with probability permille / 1000. */
int sim_rng_chance(sim_rng *r, int permille);

/* "90d", "12h", "30m", "45s" or bare seconds -> seconds; -1 when it is none of these. */
long long sim_parse_duration(const char *s);

typedef enum {
    SIM_CALL,          /* a phone call: Retell webhooks, function calls during it */
    SIM_WEB_BOOKING,   /* Cal.com BOOKING_CREATED */
    SIM_WEB_CHANGE,    /* a later change of a web booking: reschedule, cancellation, no-show */
    SIM_FORGED,        /* a request the receiver must refuse */
} sim_kind;

typedef enum {
    CALL_BOOKS,        /* books on the phone (check_availability, book_appointment) */
    CALL_WEB_LATER,    /* asks, does not book, books on the web within two hours */
    CALL_INFO,         /* opening hours, prices, checks a day, no booking */
    CALL_VOICEMAIL,    /* Retell reached a voicemail (outbound callbacks) or the caller left a message */
    CALL_SPAM,         /* sales call, withheld or foreign number, short */
    CALL_HANGUP,       /* hangs up within seconds */
    /* the unmet wishes that become callback items (lib/callbacks.h) */
    CALL_CALCOM_DOWN,  /* wants to book while Cal.com fails: the agent promises a callback */
    CALL_SLOT_GONE,    /* the offered slot is booked by someone else before the agent books it */
    CALL_ASK_HANGUP,   /* asks for a time (every other one a time with nothing free) and hangs up after the answer */
    CALL_WANTS_CALLBACK, /* wants an appointment the agent cannot book (a consultation): no function, the analysis says so */
    CALL_OUTCOMES
} sim_call_outcome;

typedef enum { CHANGE_RESCHEDULE, CHANGE_CANCEL, CHANGE_NO_SHOW, CHANGES } sim_change;

typedef enum {
    FORGE_CALCOM_BAD_SIGNATURE,   /* signed with another secret: 401 */
    FORGE_RETELL_BAD_SIGNATURE,   /* 401 */
    FORGE_RETELL_STALE,           /* a replay: signature 10 minutes old, 401 */
    FORGE_UNSIGNED,               /* no signature header: 401 */
    FORGE_BROKEN_JSON,            /* correctly signed, truncated body: 400 */
    FORGE_FUNCTION_BAD_SIGNATURE, /* a function call signed with another key: 401 */
    FORGES
} sim_forgery;

typedef struct sim_person {
    const char *name, *email, *phone; /* phone E.164; email may be NULL (phone-only callers) */
} sim_person;

typedef struct sim_step {
    int64_t at;             /* the step's simulated start (Unix s, UTC) */
    sim_kind kind;
    int variant;            /* sim_call_outcome | sim_change | sim_forgery */
    int person;             /* index into sim_plan.people; -1 for a withheld number */
    int service;            /* index into the tenant's services */
    int duration_s;         /* calls: talk time */
    int wish_in_days;       /* phone bookings: the day asked for, days after the real today (the
                               function routes refuse the past, so it cannot follow the simulated day) */
    int wish_minute;        /* phone bookings: local minute of the day asked for */
    int redelivered;        /* the provider delivers call_ended twice (a retry) */
    int64_t appt_start;     /* web bookings and changes: the appointment's start (Unix s) */
    int64_t new_start;      /* a reschedule: the new start */
    int64_t booking_id;     /* web bookings and changes: Cal.com's numeric booking id (a reschedule: the new one) */
    int64_t old_booking_id; /* a reschedule: the booking id it replaces */
    char id[40];            /* call id, or the booking uid */
    char other_id[40];      /* a reschedule: the new uid; a web booking after a call: that call's id */
} sim_step;

typedef struct sim_plan {
    sim_step *steps;
    size_t n;
    sim_person *people;
    size_t npeople;
} sim_plan;

/* Plan [from, to) for a tenant with nservices services in the IANA zone tz.
 * Steps at or after `to` are left out (a change whose time has not come yet
 * is not planned). Returns 0, or -1 when the window is empty or too long
 * (over 400 days). */
int sim_plan_build(sim_plan *plan, arena *a, uint64_t seed, int64_t from, int64_t to, int nservices, const char *tz);

/* Names of the variants for the dry-run listing and the summary. */
const char *sim_call_outcome_name(int outcome);
const char *sim_change_name(int change);
const char *sim_forgery_name(int forgery);

#endif
