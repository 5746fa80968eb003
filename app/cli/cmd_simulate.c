/* cmd_simulate.c: `switchboard simulate`, demo traffic for one tenant through
 * the real front door.
 *
 *   simulate --history 90d | --live [--rate 5/s] [--duration 60s]
 *            [--seed S] [--company ID] [--url http://127.0.0.1:8080] [--dry-run] [--expect FILE]
 *
 * The plan (who calls or books when) comes from lib/simulate.c; this file
 * turns it into the requests Retell and Cal.com would send: bodies shaped
 * like tests/fixtures, signed with the configured secrets exactly as the
 * providers sign (lib/sig.c), sent over HTTP to nginx with the one HTTP client
 * (lib/http_client.c). During a call the agent's function calls go to
 * /api/webhooks/retell/function and book in the stack's (fake) Cal.com; the
 * caller takes the slot the answer offers, and Cal.com's own BOOKING_CREATED
 * webhook for that booking follows, as it does for API bookings.
 *
 * --history: payload times lie in the past (calls: start_timestamp, Cal.com:
 * createdAt), so rows land on their days; the signatures are made now, as a
 * late delivery's would be. The function routes reason in the real present
 * (they refuse past slots), so a phone booking in the history is for an
 * upcoming day (D52). --live: the same kinds of traffic stamped with the
 * current time, paced at --rate requests per second.
 *
 * Unmet wishes (D103): some callers meet Cal.com failing (the stack's fake
 * Cal.com, on loopback, is told to fail for the length of the call), lose the
 * offered slot to someone else at the last moment (booked in the fake first),
 * ask for a time and hang up, or want what the agent cannot book. The run
 * keeps its own account of what each caller heard and prints the callback
 * items that must follow (lib/callbacks.h) and how many a later booking by the
 * same caller closes; --expect FILE lists them, one "CALL_ID REASON open|done"
 * line each, for a test to hold the database against.
 *
 * The tenant's shape (number, agent, services with their Cal.com event types,
 * organizer) is read from the database; nothing is written there directly.
 * Forged and broken requests are part of the plan and must come back 4xx;
 * anything else must come back 2xx. Exit 0 when every answer was what the
 * plan expected, 1 otherwise, 2 on bad usage. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calcom_api.h"
#include "callbacks.h"
#include "http_client.h"
#include "json.h"
#include "progress.h"
#include "sig.h"
#include "simulate.h"
#include "timeutil.h"

#define MAX_SERVICES 16

typedef struct sim_service {
    const char *name, *slug;
    long long event_type;
    int minutes;
} sim_service;

/* what the plan needs to know about the tenant */
typedef struct sim_tenant {
    long long company_id;
    const char *name, *tz, *number, *agent_id, *agent_name, *location;
    int agent_version;
    sim_service services[MAX_SERVICES];
    int nservices;
    const char *organizer_name, *organizer_email, *organizer_username;
    long long organizer_id;
} sim_tenant;

typedef struct sim_counts {
    long sent, ok2xx, c4xx, c5xx, transport_errors;
    long accepted, duplicate, function_answers, inbound_answers;
    long refused[FORGES];       /* planned forgeries answered 4xx */
    long forged_accepted;       /* planned forgeries answered 2xx: a hole */
    long unexpected[600];       /* non-2xx answers to genuine requests, by status */
    long calls[CALL_OUTCOMES];
    long phone_booked, phone_no_slot, web_bookings, web_after_call, changes[CHANGES];
    long wishes[CB_REASONS], wishes_closed; /* the callback items this run must leave, and how many a later booking closes */
} sim_counts;

/* An unmet wish of a call: the callback item the run expects (lib/callbacks.h), and the bookings that may close it. */
typedef struct sim_wish {
    const char *call_id;
    int person;
    int64_t start;       /* the call's start as sent (Unix s) */
    cb_reason reason;
} sim_wish;

typedef struct sim_booked {
    int person;
    int64_t created;     /* when the appointment is dated: its Cal.com webhook's createdAt (web and phone, D205) */
} sim_booked;

typedef struct sim_run {
    sb_app *app;
    arena *a;                  /* per step, reset after each */
    const char *base_url;
    const sim_tenant *t;
    const sim_plan *plan;
    int dry_run, live;
    double rate;               /* live: requests per second */
    int64_t next_send_us;
    int64_t shift;             /* added to the plan's times (live: the step happens now) */
    int64_t plan_end;          /* the end of the planned window */
    int calcom_fake;           /* the stack's fake Cal.com (loopback): it can be told to fail or lose a slot */
    sim_wish *wishes;          /* in the plan's arena, one per call at most */
    size_t nwishes;
    sim_booked *booked;        /* one per step at most */
    size_t nbooked;
    sim_counts c;
} sim_run;

/* ---- the tenant ---- */

static int load_tenant(sb_app *app, arena *a, long long company, sim_tenant *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->company_id = company;
    db_param id = db_int(company);
    db_rows r;
    if (db_query(app->db, a, "SELECT name, timezone FROM companies WHERE id = ? AND deleted_at IS NULL", &id, 1, &r) != 0)
        goto dberr;
    if (!r.nrows) {
        snprintf(err, errlen, "company %lld does not exist", company);
        return -1;
    }
    t->name = db_cell(&r, 0, 0);
    t->tz = db_cell(&r, 0, 1) && *db_cell(&r, 0, 1) ? db_cell(&r, 0, 1) : "Europe/Berlin";
    if (db_query(app->db, a,
                 "SELECT COALESCE(p.number_normalized, p.number), p.retell_agent_id, ra.name, ra.version FROM phone_numbers p"
                 " LEFT JOIN retell_agents ra ON ra.agent_id = p.retell_agent_id AND ra.company_id = p.company_id"
                 " WHERE p.company_id = ? AND p.is_active = 1 AND p.deleted_at IS NULL ORDER BY p.is_primary DESC, p.created_at LIMIT 1",
                 &id, 1, &r) != 0)
        goto dberr;
    if (r.nrows) {
        t->number = db_cell(&r, 0, 0);
        t->agent_id = db_cell(&r, 0, 1);
        t->agent_name = db_cell(&r, 0, 2);
        t->agent_version = db_cell(&r, 0, 3) ? atoi(db_cell(&r, 0, 3)) : 1;
    }
    if (db_query(app->db, a,
                 "SELECT name, COALESCE(slug, name), calcom_event_type_id, duration_minutes FROM services WHERE company_id = ?"
                 " AND is_active = 1 AND deleted_at IS NULL AND calcom_event_type_id REGEXP '^[0-9]+$'"
                 " ORDER BY is_default DESC, priority, id LIMIT 16",
                 &id, 1, &r) != 0)
        goto dberr;
    for (size_t i = 0; i < r.nrows; i++)
        t->services[t->nservices++] = (sim_service){db_cell(&r, i, 0), db_cell(&r, i, 1), atoll(db_cell(&r, i, 2)),
                                                    atoi(db_cell(&r, i, 3))};
    if (db_query(app->db, a,
                 "SELECT s.name, s.email, s.calcom_user_id, s.calcom_username, CONCAT_WS(', ', b.address, CONCAT_WS(' ', b.postal_code, b.city))"
                 " FROM staff s LEFT JOIN branches b ON b.id = s.branch_id WHERE s.company_id = ? AND s.is_bookable = 1"
                 " AND s.deleted_at IS NULL ORDER BY s.created_at, s.id LIMIT 1",
                 &id, 1, &r) != 0)
        goto dberr;
    if (r.nrows) {
        t->organizer_name = db_cell(&r, 0, 0);
        t->organizer_email = db_cell(&r, 0, 1);
        t->organizer_id = db_cell(&r, 0, 2) ? atoll(db_cell(&r, 0, 2)) : 0;
        t->organizer_username = db_cell(&r, 0, 3);
        t->location = db_cell(&r, 0, 4);
    }
    if (!t->number && !t->nservices) {
        snprintf(err, errlen, "company %lld has neither an active phone number nor a service with a Cal.com event type", company);
        return -1;
    }
    return 0;
dberr:
    snprintf(err, errlen, "%s", db_error(app->db));
    return -1;
}

/* ---- sending ---- */

static const char *iso_ms(arena *a, int64_t t)
{
    char s[32];
    time_format_iso(t, s, sizeof s);
    s[19] = '\0'; /* "YYYY-MM-DDTHH:MM:SS" */
    return arena_printf(a, "%s.000Z", s);
}

typedef enum { SIGN_CALCOM, SIGN_RETELL } signer;

typedef struct outgoing {
    const char *path, *label;  /* label: what the dry run lists */
    signer by;
    int forgery;               /* -1 genuine, else the sim_forgery */
    int64_t at;                /* the simulated time, for the listing */
} outgoing;

/* Send one request as the provider would; the parsed answer into *answer (caller puts) when asked.
 * Returns the HTTP status, 0 on transport failure (and in a dry run, which only lists). */
static long deliver(sim_run *run, const outgoing *o, const char *body, size_t len, json_object **answer)
{
    if (answer) *answer = NULL;
    if (run->dry_run) {
        char t[32];
        run->c.sent++;
        time_format_iso(o->at, t, sizeof t);
        printf("%s POST %s %s\n", t, o->path, o->label);
        return 0;
    }
    if (run->live && run->rate > 0) { /* pace: one request every 1/rate s */
        int64_t now = http_now_us();
        if (run->next_send_us > now) usleep((useconds_t)(run->next_send_us - now));
        run->next_send_us = (run->next_send_us > now ? run->next_send_us : now) + (int64_t)(1e6 / run->rate);
    }
    const char *secret = o->by == SIGN_CALCOM ? run->app->cfg.calcom_webhook_secret : run->app->cfg.retell_api_key;
    /* forged: signed with a secret that is not the receiver's */
    if (o->forgery == FORGE_CALCOM_BAD_SIGNATURE || o->forgery == FORGE_RETELL_BAD_SIGNATURE ||
        o->forgery == FORGE_FUNCTION_BAD_SIGNATURE)
        secret = "whsec_attacker_guess_0123456789abcdef";
    const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
    if (o->forgery != FORGE_UNSIGNED) {
        if (o->by == SIGN_CALCOM) {
            char sig[65];
            sig_calcom_sign(secret, body, len, sig);
            headers[1] = arena_printf(run->a, "X-Cal-Signature-256: %s", sig);
        } else {
            char sig[100];
            int64_t ms = http_now_us() / 1000 - (o->forgery == FORGE_RETELL_STALE ? 10 * 60 * 1000 : 0);
            sig_retell_sign(secret, body, len, ms, sig);
            headers[1] = arena_printf(run->a, "X-Retell-Signature: %s", sig);
        }
    }
    char url[1024], err[512];
    snprintf(url, sizeof url, "%s%s", run->base_url, o->path);
    http_client_response resp;
    run->c.sent++;
    if (http_client_request("POST", url, headers, body, len, 30000, &resp, err, sizeof err) != 0) {
        run->c.transport_errors++;
        fprintf(stderr, "switchboard: simulate: %s\n", err);
        return 0;
    }
    long st = resp.status;
    if (st >= 200 && st < 300) run->c.ok2xx++;
    else if (st >= 400 && st < 500) run->c.c4xx++;
    else if (st >= 500) run->c.c5xx++;
    if (o->forgery >= 0) {
        if (st >= 400 && st < 500) run->c.refused[o->forgery]++;
        else run->c.forged_accepted++;
    } else if (st < 200 || st >= 300) {
        run->c.unexpected[st > 0 && st < 600 ? st : 0]++;
        fprintf(stderr, "switchboard: simulate: %s %s answered %ld: %.200s\n", o->path, o->label, st, buf_cstr(&resp.body));
    }
    char jerr[128];
    json_object *j = resp.body.len ? json_parse_strict(buf_cstr(&resp.body), resp.body.len, jerr, sizeof jerr) : NULL;
    const char *status = j ? json_get_str(j, "status") : NULL;
    if (st == 200 && status && !strcmp(status, "accepted")) run->c.accepted++;
    else if (st == 200 && status && !strcmp(status, "duplicate")) run->c.duplicate++;
    if (answer) *answer = j;
    else json_object_put(j);
    http_client_response_free(&resp);
    return st;
}

/* ---- Retell ---- */

static const char *caller_number(const sim_run *run, const sim_step *s)
{
    return s->person >= 0 ? run->plan->people[s->person].phone : "anonymous";
}

static const char *caller_name(const sim_run *run, const sim_step *s)
{
    return s->person >= 0 ? run->plan->people[s->person].name : NULL;
}

/* whether the caller wanted an appointment (what the analysis says) */
static int wants_appointment(const sim_step *s)
{
    static const int WANTS[CALL_OUTCOMES] = {[CALL_BOOKS] = 1, [CALL_WEB_LATER] = 1, [CALL_CALCOM_DOWN] = 1,
                                             [CALL_SLOT_GONE] = 1, [CALL_ASK_HANGUP] = 1, [CALL_WANTS_CALLBACK] = 1};
    return WANTS[s->variant];
}

/* The conversation as Retell transcribes it, and the analysis it writes afterwards. */
static void call_story(sim_run *run, const sim_step *s, const char **transcript, const char **summary, int *successful)
{
    const char *salon = run->t->name, *service = run->t->nservices ? run->t->services[s->service].name : "einen Termin";
    const char *name = caller_name(run, s);
    const char *hello = arena_printf(run->a, "Agent: %s, guten Tag! Hier ist Mia, die digitale Assistentin. Wie kann ich Ihnen helfen?\n", salon);
    *successful = 1;
    switch (s->variant) {
    case CALL_BOOKS:
        *transcript = arena_printf(run->a,
                                   "%sUser: Hallo, ich hätte gern einen Termin für %s.\nAgent: Sehr gern. An welchem Tag hätten Sie Zeit?\n"
                                   "User: In den nächsten Tagen, gern am Nachmittag.\nAgent: Einen Moment, ich schaue nach.\n"
                                   "Agent: Auf welchen Namen darf ich den Termin eintragen?\nUser: %s.\n"
                                   "Agent: Ihr Termin ist gebucht. Sie bekommen gleich eine SMS mit den Details.\nUser: Danke, tschüss!\n",
                                   hello, service, name ? name : "Müller");
        *summary = arena_printf(run->a, "Der Anrufer %s hat telefonisch einen Termin für %s gebucht.", name ? name : "", service);
        break;
    case CALL_WEB_LATER:
        *transcript = arena_printf(run->a,
                                   "%sUser: Ich wollte mal fragen, ob Sie nächste Woche einen Termin für %s frei haben.\n"
                                   "Agent: Ich schaue nach. Es wären noch einige Zeiten frei. Soll ich einen Termin für Sie buchen?\n"
                                   "User: Ich muss erst in meinen Kalender schauen, ich buche dann online.\nAgent: Gern, bis bald!\n",
                                   hello, service);
        *summary = arena_printf(run->a, "Der Anrufer hat sich nach einem Termin für %s erkundigt und will online buchen.", service);
        break;
    case CALL_INFO:
        *transcript = arena_printf(run->a,
                                   "%sUser: Wie lange haben Sie am Samstag geöffnet, und was kostet %s ungefähr?\n"
                                   "Agent: Samstags sind wir bis 15 Uhr da. Die Preise finden Sie auch auf unserer Website.\n"
                                   "User: Danke, das war's schon.\n",
                                   hello, service);
        *summary = arena_printf(run->a, "Der Anrufer hat nach Öffnungszeiten und Preisen gefragt.");
        break;
    case CALL_VOICEMAIL:
        *transcript = arena_printf(run->a, "%s", hello);
        *summary = "Der Anruf endete auf einer Mailbox.";
        *successful = 0;
        break;
    case CALL_SPAM:
        *transcript = arena_printf(run->a,
                                   "%sUser: Guten Tag, wir bieten Ihrem Salon günstige Energieverträge an, hätten Sie kurz Zeit?\n"
                                   "Agent: Vielen Dank, kein Interesse. Auf Wiederhören.\n",
                                   hello);
        *summary = "Werbeanruf (Energievertrag), kein Kundenanliegen.";
        *successful = 0;
        break;
    case CALL_CALCOM_DOWN:
        *transcript = arena_printf(run->a,
                                   "%sUser: Ich hätte gern einen Termin für %s.\nAgent: Einen Moment, ich schaue nach.\n"
                                   "Agent: Entschuldigung, das Buchungssystem ist gerade nicht erreichbar. Ich notiere Ihren Wunsch, "
                                   "und wir rufen Sie zurück.\nUser: Gut, danke.\n",
                                   hello, service);
        *summary = arena_printf(run->a, "Der Anrufer wollte einen Termin für %s; das Buchungssystem war nicht erreichbar, "
                                        "ein Rückruf wurde zugesagt.", service);
        *successful = 0;
        break;
    case CALL_SLOT_GONE:
        *transcript = arena_printf(run->a,
                                   "%sUser: Ich hätte gern einen Termin für %s.\nAgent: Da wäre noch etwas frei. Soll ich buchen?\n"
                                   "User: Ja, bitte.\nAgent: Dieser Termin wurde gerade vergeben.\nUser: Schade, dann melde ich mich noch mal.\n",
                                   hello, service);
        *summary = arena_printf(run->a, "Der Termin für %s wurde unmittelbar vor der Buchung vergeben; nichts gebucht.", service);
        *successful = 0;
        break;
    case CALL_ASK_HANGUP:
        *transcript = arena_printf(run->a, "%sUser: Haben Sie einen Termin für %s frei?\nAgent: Ich schaue nach.\n", hello, service);
        *summary = arena_printf(run->a, "Der Anrufer hat nach einem Termin für %s gefragt und nach der Auskunft aufgelegt.", service);
        *successful = 0;
        break;
    case CALL_WANTS_CALLBACK:
        *transcript = arena_printf(run->a,
                                   "%sUser: Ich möchte eine Farbberatung vor einem Termin für %s. Kann mich jemand zurückrufen?\n"
                                   "Agent: Das kann ich nicht direkt buchen, ich gebe es weiter.\nUser: Danke.\n",
                                   hello, service);
        *summary = arena_printf(run->a, "Der Anrufer wünscht eine Beratung und einen Termin für %s und bittet um Rückruf.", service);
        *successful = 0;
        break;
    default:
        *transcript = arena_printf(run->a, "%s", hello);
        *summary = "Der Anrufer hat sofort aufgelegt.";
        *successful = 0;
        break;
    }
}

typedef enum { PHASE_ONGOING, PHASE_ENDED, PHASE_ANALYZED } call_phase;

/* Retell's call object as it stands in each phase. */
static void put_call(sim_run *run, buf *b, const sim_step *s, call_phase phase)
{
    const sim_tenant *t = run->t;
    int64_t start_ms = (s->at + run->shift) * 1000 + (int64_t)(s->id[5] % 7) * 113;
    buf_puts(b, "{\"call_type\":\"phone_call\",\"from_number\":");
    json_buf_str(b, caller_number(run, s));
    buf_puts(b, ",\"to_number\":");
    json_buf_str(b, t->number);
    buf_printf(b, ",\"direction\":\"inbound\",\"call_id\":\"%s\",\"agent_id\":", s->id);
    json_buf_str(b, t->agent_id ? t->agent_id : "");
    buf_printf(b, ",\"agent_version\":%d,\"agent_name\":", t->agent_version);
    json_buf_str(b, t->agent_name ? t->agent_name : "");
    buf_puts(b, ",\"metadata\":{},\"retell_llm_dynamic_variables\":{\"salon_name\":");
    json_buf_str(b, t->name);
    buf_printf(b, "},\"data_storage_setting\":\"everything\",\"call_status\":\"%s\",\"start_timestamp\":%lld",
               phase == PHASE_ONGOING ? "ongoing" : "ended", (long long)start_ms);
    if (phase == PHASE_ONGOING) {
        buf_putc(b, '}');
        return;
    }
    const char *transcript, *summary;
    int successful;
    call_story(run, s, &transcript, &summary, &successful);
    int64_t duration_ms = (int64_t)s->duration_s * 1000 + 250;
    static const char *const REASON[CALL_OUTCOMES] = {"agent_hangup", "user_hangup", "user_hangup", "voicemail_reached",
                                                      "agent_hangup", "user_hangup", "agent_hangup", "user_hangup",
                                                      "user_hangup", "agent_hangup"};
    buf_printf(b, ",\"end_timestamp\":%lld,\"duration_ms\":%lld,\"disconnection_reason\":\"%s\",\"transcript\":",
               (long long)(start_ms + duration_ms), (long long)duration_ms, REASON[s->variant]);
    json_buf_str(b, transcript);
    /* Retell bills about 7 US cents a minute (amounts in cents, D33) */
    double cents = 7.0 * (double)s->duration_s / 60.0;
    buf_printf(b, ",\"call_cost\":{\"combined_cost\":%.2f,\"total_duration_seconds\":%d}", cents, s->duration_s);
    if (phase == PHASE_ANALYZED) {
        static const char *const SENTIMENT[CALL_OUTCOMES] = {"Positive", "Neutral", "Neutral", "Unknown", "Negative",
                                                             "Unknown", "Negative", "Negative", "Neutral", "Neutral"};
        buf_puts(b, ",\"call_analysis\":{\"call_summary\":");
        json_buf_str(b, summary);
        buf_printf(b, ",\"in_voicemail\":%s,\"user_sentiment\":\"%s\",\"call_successful\":%s,\"custom_analysis_data\":{",
                   s->variant == CALL_VOICEMAIL ? "true" : "false", SENTIMENT[s->variant], successful ? "true" : "false");
        if (caller_name(run, s) && (s->variant == CALL_BOOKS || s->variant == CALL_WEB_LATER)) {
            buf_puts(b, "\"kunde_name\":");
            json_buf_str(b, caller_name(run, s));
            buf_putc(b, ',');
        }
        buf_printf(b, "\"termin_gewuenscht\":%s,\"termin_gebucht\":%s}}", wants_appointment(s) ? "true" : "false",
                   s->variant == CALL_BOOKS ? "true" : "false");
    }
    buf_putc(b, '}');
}

static long send_call_event(sim_run *run, const sim_step *s, const char *event, call_phase phase, int64_t at)
{
    buf b = BUF_INIT;
    buf_printf(&b, "{\"event\":\"%s\",\"call\":", event);
    put_call(run, &b, s, phase);
    buf_putc(&b, '}');
    outgoing o = {"/api/webhooks/retell", arena_printf(run->a, "%s %s", event, s->id), SIGN_RETELL, -1, at};
    long st = deliver(run, &o, buf_cstr(&b), b.len, NULL);
    buf_free(&b);
    return st;
}

/* One function call of the agent; args is the JSON object text. The answer into *answer. */
static long send_function(sim_run *run, const sim_step *s, const char *name, const char *args, int64_t at, json_object **answer)
{
    buf b = BUF_INIT;
    buf_printf(&b, "{\"name\":\"%s\",\"args\":%s,\"call\":", name, args);
    put_call(run, &b, s, PHASE_ONGOING);
    buf_putc(&b, '}');
    outgoing o = {"/api/webhooks/retell/function", arena_printf(run->a, "%s %s %s", name, s->id, args), SIGN_RETELL, -1, at};
    long st = deliver(run, &o, buf_cstr(&b), b.len, answer);
    if (st == 200) run->c.function_answers++;
    buf_free(&b);
    return st;
}

/* ---- Cal.com ---- */

typedef struct booking_facts {
    const sim_person *who;
    const sim_service *service;
    const char *uid;
    int64_t booking_id;        /* 0: unknown (a phone booking: the function answer has only the uid) */
    int64_t start, end;
    const char *status;        /* ACCEPTED | CANCELLED */
    const char *extra;         /* more payload members, JSON text without braces, or NULL */
} booking_facts;

static void put_booking(sim_run *run, buf *b, const booking_facts *f)
{
    const sim_tenant *t = run->t;
    buf_puts(b, "{\"bookerUrl\":\"https://cal.com\",\"title\":");
    json_buf_str(b, arena_printf(run->a, "%s zwischen %s und %s", f->service->name, t->organizer_name ? t->organizer_name : t->name,
                                 f->who->name));
    buf_printf(b, ",\"startTime\":\"%s\",\"endTime\":\"%s\",\"type\":", iso_ms(run->a, f->start), iso_ms(run->a, f->end));
    json_buf_str(b, f->service->slug);
    buf_printf(b, ",\"eventTypeId\":%lld,\"length\":%d,\"organizer\":{\"id\":%lld,\"name\":", f->service->event_type,
               f->service->minutes, t->organizer_id);
    json_buf_str(b, t->organizer_name ? t->organizer_name : t->name);
    buf_puts(b, ",\"email\":");
    json_buf_str(b, t->organizer_email ? t->organizer_email : "");
    buf_puts(b, ",\"username\":");
    json_buf_str(b, t->organizer_username ? t->organizer_username : "");
    buf_puts(b, ",\"timeZone\":");
    json_buf_str(b, t->tz);
    buf_puts(b, ",\"language\":{\"locale\":\"de\"}},\"attendees\":[{\"email\":");
    json_buf_str(b, f->who->email);
    buf_puts(b, ",\"name\":");
    json_buf_str(b, f->who->name);
    buf_puts(b, ",\"timeZone\":");
    json_buf_str(b, t->tz);
    buf_puts(b, ",\"phoneNumber\":");
    json_buf_str(b, f->who->phone);
    buf_puts(b, ",\"language\":{\"locale\":\"de\"}}],\"responses\":{\"name\":{\"label\":\"your_name\",\"value\":");
    json_buf_str(b, f->who->name);
    buf_puts(b, "},\"email\":{\"label\":\"email_address\",\"value\":");
    json_buf_str(b, f->who->email);
    buf_puts(b, "},\"attendeePhoneNumber\":{\"label\":\"phone_number\",\"value\":");
    json_buf_str(b, f->who->phone);
    buf_puts(b, "}},\"location\":");
    json_buf_str(b, t->location ? t->location : "");
    buf_puts(b, ",\"uid\":");
    json_buf_str(b, f->uid);
    if (f->booking_id) buf_printf(b, ",\"bookingId\":%lld", (long long)f->booking_id);
    buf_printf(b, ",\"status\":\"%s\",\"metadata\":{}", f->status);
    if (f->extra) buf_printf(b, ",%s", f->extra);
    buf_putc(b, '}');
}

static long send_calcom(sim_run *run, const char *trigger, int64_t at, const booking_facts *f, const char *raw_payload)
{
    buf b = BUF_INIT;
    buf_printf(&b, "{\"triggerEvent\":\"%s\",\"createdAt\":\"%s\",\"payload\":", trigger, iso_ms(run->a, at));
    if (raw_payload) buf_puts(&b, raw_payload);
    else put_booking(run, &b, f);
    buf_putc(&b, '}');
    outgoing o = {"/api/calcom/webhook", arena_printf(run->a, "%s %s", trigger, f->uid), SIGN_CALCOM, -1, at};
    long st = deliver(run, &o, buf_cstr(&b), b.len, NULL);
    buf_free(&b);
    return st;
}

static const sim_service *service_of(const sim_run *run, const sim_step *s) { return &run->t->services[s->service]; }

static void web_booking(sim_run *run, const sim_step *s)
{
    const sim_service *sv = service_of(run, s);
    booking_facts f = {&run->plan->people[s->person], sv, s->id, s->booking_id, s->appt_start + run->shift,
                       s->appt_start + run->shift + sv->minutes * 60, "ACCEPTED", NULL};
    if (send_calcom(run, "BOOKING_CREATED", s->at + run->shift, &f, NULL) == 200 || run->dry_run) {
        run->booked[run->nbooked++] = (sim_booked){s->person, s->at + run->shift};
        run->c.web_bookings++;
        if (*s->other_id) run->c.web_after_call++;
    }
}

static const char *const CANCEL_REASONS[] = {"Bin leider krank geworden.", "Mir ist etwas dazwischengekommen.",
                                             "Ich habe keinen Babysitter gefunden.", "Termin passt doch nicht."};

static void web_change(sim_run *run, const sim_step *s)
{
    const sim_service *sv = service_of(run, s);
    const sim_person *who = &run->plan->people[s->person];
    int64_t start = s->appt_start + run->shift, end = start + sv->minutes * 60, at = s->at + run->shift;
    long st;
    if (s->variant == CHANGE_RESCHEDULE) {
        const char *extra = arena_printf(run->a,
                                         "\"rescheduleUid\":\"%s\",\"rescheduleId\":%lld,\"rescheduleStartTime\":\"%s\","
                                         "\"rescheduleEndTime\":\"%s\",\"rescheduledBy\":\"%s\"",
                                         s->id, (long long)s->old_booking_id, iso_ms(run->a, start), iso_ms(run->a, end), who->email);
        booking_facts f = {who, sv, s->other_id, s->booking_id, s->new_start + run->shift,
                           s->new_start + run->shift + sv->minutes * 60, "ACCEPTED", extra};
        st = send_calcom(run, "BOOKING_RESCHEDULED", at, &f, NULL);
    } else if (s->variant == CHANGE_CANCEL) {
        buf reason = BUF_INIT;
        json_buf_str(&reason, CANCEL_REASONS[s->booking_id % 4]);
        const char *extra = arena_printf(run->a, "\"cancellationReason\":%s,\"cancelledBy\":\"%s\"", buf_cstr(&reason), who->email);
        buf_free(&reason);
        booking_facts f = {who, sv, s->id, s->booking_id, start, end, "CANCELLED", extra};
        st = send_calcom(run, "BOOKING_CANCELLED", at, &f, NULL);
    } else {
        booking_facts f = {who, sv, s->id, s->booking_id, start, end, "ACCEPTED", NULL};
        const char *payload = arena_printf(run->a,
                                           "{\"message\":\"%s marked as no-show\",\"attendees\":[{\"email\":\"%s\",\"noShow\":true}],"
                                           "\"bookingUid\":\"%s\",\"bookingId\":%lld}",
                                           who->email, who->email, s->id, (long long)s->booking_id);
        st = send_calcom(run, "BOOKING_NO_SHOW_UPDATED", at, &f, payload);
    }
    if (st == 200 || run->dry_run) run->c.changes[s->variant]++;
}

/* ---- a phone call ---- */

/* The slot the agent offers back: the requested time if free, else the first alternative or free slot. */
static const char *offered_slot(arena *a, json_object *answer)
{
    bool available = false;
    const char *req = json_get_str(answer, "requested");
    if (json_get_bool(answer, "available", &available) && available && req) return arena_strdup(a, req);
    const char *alt = json_get_str(answer, "alternatives.0");
    if (!alt) alt = json_get_str(answer, "slots.0.start");
    return alt ? arena_strdup(a, alt) : NULL;
}

/* The local date `days` after the real today, as the caller says it ("28.11.2026"). */
static const char *day_after_today(sim_run *run, int days)
{
    struct tm tm;
    if (time_local((int64_t)time(NULL) + (int64_t)days * 86400, run->t->tz, &tm) != 0) return "morgen";
    return arena_printf(run->a, "%02d.%02d.%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

/* What the caller heard in one call: the simulation's own account of its unmet wish. */
typedef struct call_heard {
    int asked, booked, promised, book_failed;
} call_heard;

/* the agent's promise (say_calcom_down, the refusals that offer a callback) */
static void heard(call_heard *h, json_object *answer)
{
    const char *msg = answer ? json_get_str(answer, "message") : NULL;
    if (msg && strstr(msg, "rufen Sie zurück")) h->promised = 1;
}

/* The stack's fake Cal.com fails every request while on (tests/fake: POST /_control); a real Cal.com is never told. */
static void calcom_failing(sim_run *run, int on)
{
    if (!run->calcom_fake || run->dry_run) return;
    char url[1024], err[256];
    snprintf(url, sizeof url, "%s/_control", run->app->cfg.calcom_api_base);
    const char *body = on ? "{\"fail_500\":true}" : "{\"fail_500\":false}";
    const char *h[] = {"Content-Type: application/json", NULL};
    http_client_response r;
    if (http_client_request("POST", url, h, body, strlen(body), 5000, &r, err, sizeof err) != 0) {
        fprintf(stderr, "switchboard: simulate: fake Cal.com control: %s\n", err);
        return;
    }
    http_client_response_free(&r);
}

/* Someone else books `slot` on the (fake) Cal.com between the agent's offer and its booking. */
static void slot_taken_meanwhile(sim_run *run, const sim_step *s, const char *slot)
{
    int64_t at;
    if (!run->calcom_fake || run->dry_run || !slot || time_parse_iso(slot, &at) != 0) return;
    calcom_api api = {run->app->cfg.calcom_api_base, run->app->cfg.calcom_api_key, 5000};
    calcom_booking b;
    char err[256];
    if (calcom_book(&api, run->a, service_of(run, s)->event_type, at, "Walk-in Kundin", NULL, "walk-in@example.org", run->t->tz,
                    "am Empfang gebucht", "{}", &b, err, sizeof err) != CALCOM_OK)
        fprintf(stderr, "switchboard: simulate: taking the slot first: %s\n", err);
}

/* check_availability for the wished day (and the next days when one is full), then book what is offered.
 * book: 0 asks only (one day), 1 books, 2 books after someone else took the slot. */
static void phone_booking(sim_run *run, const sim_step *s, int64_t at, int book, call_heard *h)
{
    const sim_service *sv = service_of(run, s);
    const sim_person *who = s->person >= 0 ? &run->plan->people[s->person] : NULL;
    const char *slot = NULL;
    /* the caller wants a day some days after the call; the function routes only book from today on, so a call of
     * the history asks as far ahead of today as its day lies behind it: the bookings spread over the coming
     * weeks instead of piling up on the next few days (the salon has seven slots a day) */
    int ahead = s->wish_in_days + (run->live ? 0 : (int)((run->plan_end - s->at) / 86400));
    /* a caller who hangs up after asking asks every other time for a time with nothing free (08:00) */
    int minute = s->variant == CALL_ASK_HANGUP && s->duration_s % 2 ? 8 * 60 : s->wish_minute;
    /* what the fake Cal.com will do, so a dry run lists the same requests as the run */
    int calcom_down = s->variant == CALL_CALCOM_DOWN && run->calcom_fake, slot_gone = book == 2 && run->calcom_fake;
    for (int day = 0; day < (book ? 4 : 1) && !slot; day++) {
        buf args = BUF_INIT;
        buf_puts(&args, "{\"service\":");
        json_buf_str(&args, sv->slug);
        buf_printf(&args, ",\"datum\":\"%s\",\"uhrzeit\":\"%02d:%02d\"}", run->dry_run ? arena_printf(run->a, "+%dd", ahead + day)
                                                                                      : day_after_today(run, ahead + day),
                   minute / 60, minute % 60);
        json_object *answer;
        send_function(run, s, "check_availability", buf_cstr(&args), at + 30 + day * 15, &answer);
        buf_free(&args);
        h->asked = 1;
        heard(h, answer);
        if (run->dry_run) slot = calcom_down ? NULL : "(offered slot)";
        else if (answer) slot = offered_slot(run->a, answer);
        json_object_put(answer);
    }
    if (!book) return;
    if (!slot) {
        run->c.phone_no_slot++;
        return;
    }
    if (book == 2) slot_taken_meanwhile(run, s, slot);
    buf args = BUF_INIT;
    buf_puts(&args, "{\"service\":");
    json_buf_str(&args, sv->slug);
    buf_puts(&args, ",\"start\":");
    json_buf_str(&args, slot);
    buf_puts(&args, ",\"customer_name\":");
    json_buf_str(&args, who ? who->name : "Unbekannt");
    /* the agent asks for an email about every other time */
    if (who && s->duration_s % 2) {
        buf_puts(&args, ",\"customer_email\":");
        json_buf_str(&args, who->email);
    }
    buf_puts(&args, ",\"notes\":\"Telefonisch gebucht über KI-Assistentin\"}");
    json_object *answer;
    int64_t booked_at = at + 70;
    send_function(run, s, "book_appointment", buf_cstr(&args), booked_at, &answer);
    buf_free(&args);
    const char *uid = run->dry_run ? "(booked uid)" : answer ? json_get_str(answer, "booking_uid") : NULL;
    if (run->dry_run && slot_gone) { /* refused: no booking, no webhook */
        run->c.phone_no_slot++;
        return;
    }
    if (run->dry_run) {
        run->c.phone_booked++;
        booking_facts f = {who ? who : &run->plan->people[0], sv, uid, 0, 0, 0, "ACCEPTED", NULL};
        send_calcom(run, "BOOKING_CREATED", booked_at + 5, &f, NULL);
        return;
    }
    const char *status = answer ? json_get_str(answer, "status") : NULL;
    int64_t start = 0, end = 0;
    if (uid && status && !strcmp(status, "booked") && time_parse_iso(json_get_str(answer, "start"), &start) == 0 &&
        time_parse_iso(json_get_str(answer, "end"), &end) == 0 && who) {
        run->c.phone_booked++;
        h->booked = 1;
        /* dated as the database dates it: Cal.com's createdAt of the webhook below, which the pipeline takes when it
         * is earlier than the local write (app/calcom_events.c); --live stamps calls to end now, so their bookings
         * lie minutes before the real time of the write, and a wish call started between the two is not answered (D205) */
        run->booked[run->nbooked++] = (sim_booked){s->person, booked_at + 5};
        /* Cal.com sends its webhook for API bookings too, seconds after the booking */
        booking_facts f = {who, sv, arena_strdup(run->a, uid), 0, start, end, "ACCEPTED", NULL};
        send_calcom(run, "BOOKING_CREATED", booked_at + 5, &f, NULL);
    } else {
        run->c.phone_no_slot++;
        heard(h, answer);
        if (!h->promised) h->book_failed = 1;
    }
    json_object_put(answer);
}

/* The callback item this call must leave, from what the caller heard (the same order as lib/callbacks.c). */
static void expect_wish(sim_run *run, const sim_step *s, const call_heard *h, int64_t start)
{
    cb_reason r = h->booked ? CB_NONE
                : h->promised ? CB_PROMISED
                : h->book_failed ? CB_BOOKING_FAILED
                : h->asked ? CB_NO_BOOKING
                : wants_appointment(s) && s->variant != CALL_BOOKS ? CB_ANALYSIS : CB_NONE;
    if (r == CB_NONE || run->dry_run) return;
    run->wishes[run->nwishes++] = (sim_wish){s->id, s->person, start, r}; /* the plan outlives the run */
    run->c.wishes[r]++;
}

static void phone_call(sim_run *run, const sim_step *s)
{
    if (!run->t->number) return;
    int64_t start = s->at + run->shift, end = start + s->duration_s;
    call_heard h = {0, 0, 0, 0};
    if (send_call_event(run, s, "call_started", PHASE_ONGOING, start) == 200 || run->dry_run) run->c.calls[s->variant]++;
    if (run->t->nservices) {
        switch (s->variant) {
        case CALL_BOOKS:
            phone_booking(run, s, start, 1, &h);
            break;
        case CALL_CALCOM_DOWN: /* Cal.com fails for the length of this call */
            calcom_failing(run, 1);
            phone_booking(run, s, start, 1, &h);
            calcom_failing(run, 0);
            break;
        case CALL_SLOT_GONE:
            phone_booking(run, s, start, 2, &h);
            break;
        case CALL_WEB_LATER:
        case CALL_ASK_HANGUP:
            phone_booking(run, s, start, 0, &h);
            break;
        case CALL_INFO:
            if (s->duration_s % 3 == 0) phone_booking(run, s, start, 0, &h);
            break;
        default:
            break;
        }
    }
    send_call_event(run, s, "call_ended", PHASE_ENDED, end);
    if (s->redelivered) send_call_event(run, s, "call_ended", PHASE_ENDED, end + 2); /* Retell retried: a duplicate */
    send_call_event(run, s, "call_analyzed", PHASE_ANALYZED, end + 20);
    expect_wish(run, s, &h, start);
}

/* The expected items, and whether a later booking by the same caller (within callbacks.autoclose_hours after
 * the call started) closes each: one line per item "CALL_ID REASON open|done" into path. */
static int write_expectations(sim_run *run, const char *path)
{
    int64_t window = run->app->cfg.callbacks_autoclose_hours * 3600;
    FILE *f = path ? fopen(path, "w") : NULL;
    if (path && !f) {
        fprintf(stderr, "switchboard: simulate: %s: cannot write\n", path);
        return -1;
    }
    for (size_t i = 0; i < run->nwishes; i++) {
        const sim_wish *w = &run->wishes[i];
        int done = 0;
        for (size_t k = 0; window > 0 && w->person >= 0 && k < run->nbooked && !done; k++)
            done = run->booked[k].person == w->person && run->booked[k].created >= w->start && run->booked[k].created <= w->start + window;
        run->c.wishes_closed += done;
        if (f) fprintf(f, "%s %s %s\n", w->call_id, callback_reason_name(w->reason), done ? "done" : "open");
    }
    return f && fclose(f) != 0 ? -1 : 0;
}

/* ---- forged and broken ---- */

static void forged(sim_run *run, const sim_step *s)
{
    int64_t at = s->at + run->shift;
    buf b = BUF_INIT;
    outgoing o = {"/api/webhooks/retell", arena_printf(run->a, "forged:%s %s", sim_forgery_name(s->variant), s->id), SIGN_RETELL,
                  s->variant, at};
    switch (s->variant) {
    case FORGE_CALCOM_BAD_SIGNATURE:
    case FORGE_UNSIGNED:
        o.path = "/api/calcom/webhook";
        o.by = SIGN_CALCOM;
        buf_printf(&b, "{\"triggerEvent\":\"BOOKING_CANCELLED\",\"createdAt\":\"%s\",\"payload\":{\"uid\":\"%s\",\"eventTypeId\":%lld,"
                       "\"cancellationReason\":\"forged\"}}",
                   iso_ms(run->a, at), s->id, run->t->nservices ? run->t->services[0].event_type : 0LL);
        break;
    case FORGE_FUNCTION_BAD_SIGNATURE:
        o.path = "/api/webhooks/retell/function";
        buf_printf(&b, "{\"name\":\"cancel_appointment\",\"args\":{\"datum\":\"morgen\"},\"call\":{\"call_id\":\"%s\"}}", s->id);
        break;
    case FORGE_BROKEN_JSON: /* signed correctly, cut off in transit */
        buf_printf(&b, "{\"event\":\"call_ended\",\"call\":{\"call_id\":\"%s\",\"to_number\":\"%s\",\"start_timestamp\":%lld",
                   s->id, run->t->number ? run->t->number : "", (long long)at * 1000);
        break;
    default:
        buf_printf(&b, "{\"event\":\"call_analyzed\",\"call\":{\"call_id\":\"%s\",\"to_number\":\"%s\",\"start_timestamp\":%lld}}",
                   s->id, run->t->number ? run->t->number : "", (long long)at * 1000);
        break;
    }
    deliver(run, &o, buf_cstr(&b), b.len, NULL);
    buf_free(&b);
}

/* ---- the command ---- */

static void summary(const sim_run *run, const char *mode, double secs, uint64_t seed)
{
    const sim_counts *c = &run->c;
    long calls = 0, unexpected = 0;
    for (int i = 0; i < CALL_OUTCOMES; i++) calls += c->calls[i];
    for (int i = 0; i < 600; i++) unexpected += c->unexpected[i];
    printf("simulate: %s for company %lld (%s), seed %llu: %ld requests in %.1f s: %ld calls, %ld phone bookings, %ld web bookings%s\n",
           mode, run->t->company_id, run->t->name, (unsigned long long)seed, c->sent, secs, calls, c->phone_booked, c->web_bookings,
           run->dry_run ? " (dry run: nothing sent)" : "");
    printf("  answers    sent %ld  2xx %ld  4xx %ld  5xx %ld  transport errors %ld\n", c->sent, c->ok2xx, c->c4xx, c->c5xx,
           c->transport_errors);
    printf("  webhooks   accepted %ld  duplicate %ld  (function answers %ld)\n", c->accepted, c->duplicate, c->function_answers);
    printf("  refused    ");
    long refused = 0;
    for (int i = 0; i < FORGES; i++) {
        refused += c->refused[i];
        if (c->refused[i]) printf("%s %ld  ", sim_forgery_name(i), c->refused[i]);
    }
    printf("(total %ld, forged but accepted %ld)\n", refused, c->forged_accepted);
    printf("  calls      ");
    for (int i = 0; i < CALL_OUTCOMES; i++) printf("%s %ld  ", sim_call_outcome_name(i), c->calls[i]);
    printf("\n  bookings   phone %ld (no slot %ld)  web %ld (after a call %ld)  reschedule %ld  cancel %ld  no_show %ld\n",
           c->phone_booked, c->phone_no_slot, c->web_bookings, c->web_after_call, c->changes[CHANGE_RESCHEDULE],
           c->changes[CHANGE_CANCEL], c->changes[CHANGE_NO_SHOW]);
    printf("  callbacks  ");
    long wishes = 0;
    for (int i = 0; i < CB_REASONS; i++) {
        wishes += c->wishes[i];
        printf("%s %ld  ", callback_reason_name(i), c->wishes[i]);
    }
    printf("(items %ld, closed by a later booking %ld)\n", wishes, c->wishes_closed);
    if (unexpected) {
        printf("  UNEXPECTED ");
        for (int i = 0; i < 600; i++)
            if (c->unexpected[i]) printf("%d: %ld  ", i, c->unexpected[i]);
        printf("\n");
    }
}

static int bad_usage(const char *msg)
{
    fprintf(stderr, "switchboard: simulate: %s\n", msg); /* main adds the usage (app/commands.c) */
    return CLI_EXIT_USAGE;
}

int cmd_simulate(sb_app *app, int argc, char **argv)
{
    long long history = -1, duration = 60, company = 2;
    double rate = 5;
    int live = 0, dry = 0, seeded = 0;
    uint64_t seed = 0;
    const char *url = "http://127.0.0.1:8080", *expect = NULL;
    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--live")) { live = 1; continue; }
        if (!strcmp(argv[i], "--dry-run")) { dry = 1; continue; }
        if (!v) return bad_usage("an option needs a value");
        if (!strcmp(argv[i], "--history")) history = sim_parse_duration(v);
        else if (!strcmp(argv[i], "--duration")) duration = sim_parse_duration(v);
        else if (!strcmp(argv[i], "--rate")) rate = strtod(v, NULL); /* "5/s" and "5" both read 5 */
        else if (!strcmp(argv[i], "--seed")) { seed = strtoull(v, NULL, 10); seeded = 1; }
        else if (!strcmp(argv[i], "--company")) company = atoll(v);
        else if (!strcmp(argv[i], "--url")) url = v;
        else if (!strcmp(argv[i], "--expect")) expect = v;
        else return bad_usage("unknown option");
        i++;
    }
    if (live == (history >= 0)) return bad_usage("give either --history DURATION or --live");
    if (history == 0 || history > 400LL * 86400) return bad_usage("--history must be between 1s and 400d");
    if (live && (rate <= 0 || rate > 1000 || duration <= 0)) return bad_usage("--rate must be 0 < N <= 1000 and --duration positive");
    if (!*app->cfg.calcom_webhook_secret || !*app->cfg.retell_api_key) {
        fprintf(stderr, "switchboard: simulate: calcom.webhook_secret and retell.api_key must be configured to sign like the providers\n");
        return 1;
    }
    if (!seeded) seed = (uint64_t)time(NULL); /* printed in the summary, so the run can be repeated */

    arena *plan_arena = arena_new(1 << 20), *step_arena = arena_new(1 << 16);
    sim_tenant t;
    char err[512];
    if (load_tenant(app, plan_arena, company, &t, err, sizeof err) != 0) {
        fprintf(stderr, "switchboard: simulate: %s\n", err);
        arena_free(plan_arena);
        arena_free(step_arena);
        return 1;
    }
    int64_t now = (int64_t)time(NULL);
    /* history: up to the last full hour, so two plans made a minute apart are the same;
     * live: the plan of enough days from now, each step restamped to the moment it is sent */
    int64_t from, to;
    if (live) {
        from = now;
        to = now + (int64_t)(rate * (double)duration / 100.0 + 2) * 86400;
        if (to - from > 400LL * 86400) to = from + 400LL * 86400;
    } else {
        to = now - now % 3600;
        from = to - history;
    }
    sim_plan plan;
    if (sim_plan_build(&plan, plan_arena, seed, from, to, t.nservices, t.tz) != 0) {
        fprintf(stderr, "switchboard: simulate: empty or too long a window\n");
        arena_free(plan_arena);
        arena_free(step_arena);
        return 2;
    }
    sim_run run = {.app = app, .a = step_arena, .base_url = url, .t = &t, .plan = &plan, .dry_run = dry, .live = live, .rate = rate,
                   .plan_end = to};
    const char *cal = app->cfg.calcom_api_base;
    run.calcom_fake = !strncmp(cal, "http://127.0.0.1:", 17) || !strncmp(cal, "http://localhost:", 17);
    run.wishes = arena_alloc(plan_arena, (plan.n + 1) * sizeof *run.wishes);
    run.booked = arena_alloc(plan_arena, (plan.n + 1) * sizeof *run.booked);
    int64_t t0 = http_now_us(), deadline = t0 + duration * 1000000LL;
    progress pr; /* --live is paced by the clock: its bar is the plan, which it may stop short of */
    progress_start(&pr, stderr, live ? "simulate --live" : "simulate --history", "steps", live ? 0 : (long long)plan.n,
                   app->quiet);
    for (size_t i = 0; i < plan.n; i++) {
        const sim_step *s = &plan.steps[i];
        if (live) {
            if (!dry && http_now_us() >= deadline) break;
            if (dry && run.c.sent >= (long)(rate * (double)duration)) break;
            /* the step happens now (a call: it ends now) */
            run.shift = (int64_t)time(NULL) - s->at - (s->kind == SIM_CALL ? s->duration_s : 0);
        }
        if (s->kind == SIM_CALL) phone_call(&run, s);
        else if (s->kind == SIM_WEB_BOOKING && t.nservices) web_booking(&run, s);
        else if (s->kind == SIM_WEB_CHANGE && t.nservices) web_change(&run, s);
        else if (s->kind == SIM_FORGED) forged(&run, s);
        arena_reset(step_arena);
        progress_set(&pr, (long long)i + 1);
    }
    progress_end(&pr);
    int expect_failed = write_expectations(&run, dry ? NULL : expect) != 0;
    char mode[64];
    if (live) snprintf(mode, sizeof mode, "live %.1f/s", rate);
    else snprintf(mode, sizeof mode, "history %lldd", history / 86400);
    summary(&run, mode, (double)(http_now_us() - t0) / 1e6, seed);
    long unexpected = run.c.transport_errors + run.c.forged_accepted + expect_failed;
    for (int i = 0; i < 600; i++) unexpected += run.c.unexpected[i];
    arena_free(plan_arena);
    arena_free(step_arena);
    return unexpected ? 1 : 0;
}
