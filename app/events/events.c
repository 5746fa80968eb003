/* events.c: which function processes which stored event. One line per
 * (provider, event type); an event without a line ends `ignored`, with the
 * type named in notes. The channel handlers (Cal.com, Retell) join here. */
#include "app.h"

#include <string.h>
#include <unistd.h>

#include "callbacks.h"
#include "linker.h"
#include "phone.h"
#include "log.h"

#include <time.h>

/* Cal.com's "Ping test" button: stored, nothing to do. */
static void calcom_ping(pipeline *p, arena *a, const stored_event *ev, event_result *res)
{
    (void)p;
    (void)a;
    (void)ev;
    event_set(res, EVENT_IGNORED, "PING: Cal.com webhook test delivery, nothing to do");
}

/* Test probe, active only with pipeline.test_probe = 1 (the test stack sets it).
 * Lets the end-to-end tests drive the pipeline through the real routes:
 *   payload.transient_failures N  fail transiently on the first N attempts
 *   payload.requires_flag NAME    fail permanently unless switchboard_test_probe_flags has NAME
 *   payload.sleep_ms M            take M ms (to kill a worker mid-event)
 *   payload.company_id C          the tenant reported for the event
 * A successful run adds 1 to switchboard_test_probe.runs of the event, inside
 * the pipeline's transaction: runs counts committed runs. */
static void test_probe(pipeline *p, arena *a, const stored_event *ev, event_result *res)
{
    if (!p->cfg->pipeline_test_probe) {
        event_set(res, EVENT_IGNORED, "test probe disabled (pipeline.test_probe = 0)");
        return;
    }
    int64_t transient = 0, sleep_ms = 0;
    json_get_int(ev->json, "payload.transient_failures", &transient);
    json_get_int(ev->json, "payload.sleep_ms", &sleep_ms);
    if (sleep_ms > 0 && sleep_ms < 60000) usleep((useconds_t)sleep_ms * 1000);
    if (ev->attempts <= transient) {
        event_set(res, EVENT_RETRY, "probe: transient failure on attempt %d of %lld planned", ev->attempts,
                  (long long)transient);
        return;
    }
    const char *flag = json_get_str(ev->json, "payload.requires_flag");
    if (flag) {
        db_param f = db_str(flag);
        db_rows rows;
        if (db_query(p->db, a, "SELECT COUNT(*) FROM switchboard_test_probe_flags WHERE name = ?", &f, 1, &rows) != 0) {
            event_set(res, EVENT_RETRY, "probe: %s", db_error(p->db));
            return;
        }
        if (strcmp(db_cell(&rows, 0, 0), "0") == 0) {
            event_set(res, EVENT_DEAD, "probe: flag \"%s\" is not set; set it and replay", flag);
            return;
        }
    }
    db_param ins[] = {db_int((long long)ev->id), db_str(ev->event_id), db_int(ev->attempts), db_str(p->owner)};
    if (db_exec(p->db,
                "INSERT INTO switchboard_test_probe (webhook_event_id, event_id, attempt, owner) VALUES (?, ?, ?, ?)"
                " ON DUPLICATE KEY UPDATE runs = runs + 1, attempt = VALUES(attempt), owner = VALUES(owner)",
                ins, 4, NULL, NULL) != 0) {
        event_set(res, EVENT_RETRY, "probe: %s", db_error(p->db));
        return;
    }
    int64_t company = 0;
    if (json_get_int(ev->json, "payload.company_id", &company)) res->company_id = company;
    event_set(res, EVENT_PROCESSED, "probe: ok on attempt %d", ev->attempts);
}

const event_handler EVENT_HANDLERS[] = {
    /* Cal.com, webhook version 2021-10-20 (underscores), plus the legacy dotted spellings */
    {"calcom", "BOOKING_CREATED", calcom_booking_created},
    {"calcom", "BOOKING.CREATED", calcom_booking_created},
    {"calcom", "BOOKING_REQUESTED", calcom_booking_requested},
    {"calcom", "BOOKING.REQUESTED", calcom_booking_requested},
    {"calcom", "BOOKING_RESCHEDULED", calcom_booking_rescheduled},
    {"calcom", "BOOKING.RESCHEDULED", calcom_booking_rescheduled},
    {"calcom", "BOOKING.UPDATED", calcom_booking_rescheduled},
    {"calcom", "BOOKING_CANCELLED", calcom_booking_cancelled},
    {"calcom", "BOOKING.CANCELLED", calcom_booking_cancelled},
    {"calcom", "BOOKING_REJECTED", calcom_booking_rejected},
    {"calcom", "BOOKING.REJECTED", calcom_booking_rejected},
    {"calcom", "BOOKING_NO_SHOW_UPDATED", calcom_booking_no_show},
    {"calcom", "MEETING_ENDED", calcom_meeting_ended},
    {"calcom", "MEETING.ENDED", calcom_meeting_ended},
    {"calcom", "BOOKING.COMPLETED", calcom_meeting_ended},
    {"calcom", "PING", calcom_ping},
    /* Retell call webhooks (transcript_updated, transfer_* have no line: ignored) */
    {"retell", "call_started", retell_call_event},
    {"retell", "call_ended", retell_call_event},
    {"retell", "call_analyzed", retell_call_event},
    {"retell", "call_inbound", retell_call_inbound},
    /* switchboard's own: the local half of a phone booking whose first write failed */
    {"switchboard", "phone_booking_repair", phone_booking_repair},
    {"calcom", "SWITCHBOARD_TEST_PROBE", test_probe},
    {"retell", "SWITCHBOARD_TEST_PROBE", test_probe},
};
const size_t NEVENT_HANDLERS = sizeof EVENT_HANDLERS / sizeof EVENT_HANDLERS[0];

void app_pipeline_init(sb_app *app)
{
    pipeline_init(&app->pipe, app->db, &app->cfg, EVENT_HANDLERS, NEVENT_HANDLERS, app);
}

int app_link_conversions(pipeline *p, arena *a, long long company_id, const char *table, uint64_t id)
{
    if (company_id <= 0) return 0;
    /* the focus: a link needs the call and the appointment to share a customer or a number, so the
     * event's row decides which rows can be affected (the whole day per event cost ~10 ms of MariaDB
     * and grew with the day; make bench-ceiling). An appointment is read once for the focus and for
     * the callback items it answers (D226). */
    int calls = !strcmp(table, "calls");
    long long customer = 0;
    const char *raw = NULL;
    appt_facts f;
    if (calls) {
        db_param idp = db_int((long long)id);
        db_rows r;
        if (db_query(p->db, a, "SELECT customer_id, from_number FROM calls WHERE id = ?", &idp, 1, &r) != 0) return -1;
        if (!r.nrows) return 0;
        customer = db_cell_ll(&r, 0, 0), raw = db_cell(&r, 0, 1);
    } else {
        int found = callbacks_appointment_facts(p->db, a, id, &f);
        if (found <= 0) return found;
        customer = f.customer_id, raw = f.customer_phone;
    }
    char e164[PHONE_MAX];
    const char *phone = raw && !phone_is_withheld(raw) &&
                                phone_normalize(raw, phone_country_code(p->cfg->phone_default_country), e164) == 0
                            ? arena_strdup(a, e164)
                            : NULL;
    if (customer > 0 || phone) {
        /* calls of the last day and the link window: what an appointment or call change can affect */
        int64_t now = (int64_t)time(NULL);
        linker_scope s = {company_id, now - 86400 - p->cfg->linker_window_minutes * 60, now + 1, customer, phone, NULL,
                          calls};
        linker_result lr;
        if (linker_run(p->db, a, p->cfg, &s, 0, 0, NULL, &lr) != 0) return -1;
    }
    /* an appointment by any channel answers its caller's open callback items (D99) */
    return calls ? 0 : callbacks_autoclose_facts(p->db, a, p->cfg, id, &f, NULL);
}
