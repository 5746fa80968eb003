/* fuzz_event_fields.c: every event handler's field extraction on any JSON
 * (issue 15 #7), without a database.
 *
 * Input: a stored payload (webhook_events.payload is valid JSON: MariaDB's
 * CHECK; the strict parser stands for it). Fed to the Cal.com reader for
 * each of the 7 booking kinds (app/calcom_fields.h), to the metadata merge
 * with the input as the stored appointments.metadata (as it is and
 * double-encoded as a JSON string), to the Retell call reader (lib/calls.h, the "call" object or the
 * root) and the call_inbound number lookup's read. Properties: every string
 * handed on is a string of the payload or NULL, the merged metadata is a
 * JSON object again, the field lists stay within their room and each text
 * field has a value. */
#include <math.h>

#include "calcom_fields.h"
#include "calls.h"
#include "json.h"
#include "record.h"
#include "fuzz.h"

#define NOW 1773132233 /* a fixed "now": the run is deterministic */

static void calcom(json_object *root, const char *raw, arena *a)
{
    for (int k = 0; k < CAL_NKINDS; k++) {
        calcom_fields f;
        calcom_fields_read(root, (cal_kind)k, a, NOW, &f);
        FUZZ_CHECK(f.b != NULL);
        FUZZ_CHECK(!f.uid || *f.uid);
        FUZZ_CHECK(f.booked_at <= NOW);
        FUZZ_CHECK(k == CAL_RESCHEDULED || (!f.prev_uid && !f.prev_id));
        FUZZ_CHECK(k != CAL_REJECTED || (f.reason && !strncmp(f.reason, "abgelehnt", 9)));
        if (f.have_times) FUZZ_CHECK(json_get_str(f.b, "startTime") && json_get_str(f.b, "endTime"));
        const char *strs[] = {f.name, f.email, f.phone_raw, f.notes, f.tz, f.organizer_email};
        for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) FUZZ_CHECK(!strs[i] || strlen(strs[i]) < (1u << 24));

        if (k != CAL_RESCHEDULED) continue;
        /* the stored metadata (once, with the reschedule's previous uid): the input, and the input
         * double-encoded as a JSON string (the legacy spelling calcom_meta_parse unwraps) */
        json_object *as_string = json_object_new_string(raw);
        const char *stored[] = {raw, arena_strdup(a, json_object_to_json_string_ext(as_string, JSON_C_TO_STRING_PLAIN))};
        json_object_put(as_string);
        for (size_t i = 0; i < 2; i++) {
            json_object *meta = calcom_meta_parse(stored[i]);
            FUZZ_CHECK(meta && json_object_is_type(meta, json_type_object));
            int64_t at = 0;
            json_get_int(meta, "switchboard.calcom_event_at", &at);
            const char *text = calcom_meta_build(a, meta, f.b, "BOOKING_RESCHEDULED", f.evt_at, (long long)f.event_type,
                                                 f.prev_uid ? f.prev_uid : f.uid ? f.uid : "uid-of-the-chain", (int)i,
                                                 f.phone_raw);
            json_object_put(meta);
            char err[128];
            json_object *again = json_parse_strict(text, strlen(text), err, sizeof err);
            FUZZ_CHECK(again && json_object_is_type(again, json_type_object));
            FUZZ_CHECK(json_object_is_type(json_get(again, "switchboard"), json_type_object));
            json_object_put(again);
        }
    }
}

static void retell(json_object *root, arena *a)
{
    json_object *call = json_get(root, "call");
    if (!call || !json_object_is_type(call, json_type_object)) call = root;
    field f[CALL_PAYLOAD_FIELDS];
    size_t n = call_payload_fields(call, a, f);
    FUZZ_CHECK(n <= CALL_PAYLOAD_FIELDS);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(f[i].column && *f[i].column);
        if (f[i].kind == F_TEXT) FUZZ_CHECK(f[i].text != NULL);
        /* DECIMAL columns: a number MariaDB takes ("inf" failed the event for good) */
        if (!strcmp(f[i].column, "cost") || !strcmp(f[i].column, "retell_cost_usd")) {
            char *end;
            double d = strtod(f[i].text, &end);
            FUZZ_CHECK(*end == '\0' && isfinite(d));
        }
    }
    static const char *const EVENTS[] = {"call_started", "call_ended", "call_analyzed", NULL};
    for (size_t i = 0; i < 4; i++) {
        const char *st = call_status_for(EVENTS[i], call);
        FUZZ_CHECK(!st || call_status_rank(st) > 0);
    }
    const char *to = json_get_str(root, "call_inbound.to_number");
    FUZZ_CHECK(!to || json_object_is_type(json_get(root, "call_inbound.to_number"), json_type_string));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) return 0;
    char err[128], *raw = fuzz_cstr(data, size);
    json_object *root = json_parse_strict((const char *)data, size, err, sizeof err);
    if (root) {
        arena *a = arena_new(4096);
        calcom(root, raw, a);
        retell(root, a);
        arena_free(a);
        json_object_put(root);
    } else {
        json_object *meta = calcom_meta_parse(raw); /* junk metadata is an empty object */
        FUZZ_CHECK(meta && json_object_is_type(meta, json_type_object));
        json_object_put(meta);
    }
    free(raw);
    return 0;
}
