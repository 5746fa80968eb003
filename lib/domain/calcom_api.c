/* calcom_api.c: Cal.com API v2 over the one HTTP client (see calcom_api.h). */
#include "calcom_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http_client.h"
#include "json.h"
#include "timeutil.h"

static calcom_result call(const calcom_api *api, arena *a, const char *method, const char *path, const char *version,
                          const char *body, json_object **out, char *err, size_t errlen)
{
    char url[1024], auth[512], ver[64];
    *out = NULL;
    if (!api->api_key || !*api->api_key) { /* a tenant key we could not read: never another key (issue 15 #1) */
        snprintf(err, errlen, "Cal.com not called: no usable API key for this company");
        return CALCOM_UNAVAILABLE;
    }
    snprintf(url, sizeof url, "%s%s", api->base, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", api->api_key);
    snprintf(ver, sizeof ver, "cal-api-version: %s", version);
    const char *h[] = {auth, ver, "Content-Type: application/json", NULL};
    http_client_response r;
    char terr[256];
    *out = NULL;
    if (http_client_request(method, url, h, body, body ? strlen(body) : 0, api->timeout_ms, &r, terr, sizeof terr) != 0) {
        /* the URL has no secret in it; the key travels in a header only. A shadow's refusal
         * is UNAVAILABLE too (nothing happened at Cal.com; never REFUSED, which would let a
         * cancel proceed locally), with its own words */
        if (http_client_refusing()) snprintf(err, errlen, "Cal.com not called: %s", terr);
        else snprintf(err, errlen, "Cal.com unreachable: %s", terr);
        return CALCOM_UNAVAILABLE;
    }
    char perr[128];
    json_object *j = json_parse_strict(buf_cstr(&r.body), r.body.len, perr, sizeof perr);
    long status = r.status;
    http_client_response_free(&r);
    (void)a;
    if (status >= 200 && status < 300 && j) {
        *out = j;
        return CALCOM_OK;
    }
    const char *msg = j ? json_get_str(j, "error.message") : NULL;
    snprintf(err, errlen, "Cal.com HTTP %ld%s%s", status, msg ? ": " : "", msg ? msg : "");
    json_object_put(j);
    return status >= 400 && status < 500 && status != 408 && status != 429 ? CALCOM_REFUSED : CALCOM_UNAVAILABLE;
}

static int read_booking(json_object *j, arena *a, calcom_booking *b)
{
    memset(b, 0, sizeof *b);
    const char *uid = json_get_str(j, "data.uid");
    int64_t id = 0;
    json_get_int(j, "data.id", &id);
    if (!uid || time_parse_iso(json_get_str(j, "data.start"), &b->start) != 0) return -1;
    if (time_parse_iso(json_get_str(j, "data.end"), &b->end) != 0) b->end = b->start;
    b->uid = arena_strdup(a, uid);
    b->id = id;
    return 0;
}

calcom_result calcom_slots(const calcom_api *api, arena *a, long long event_type_id, const char *from_date,
                           const char *to_date, int64_t **starts, size_t *n, char *err, size_t errlen)
{
    char path[256];
    snprintf(path, sizeof path, "/v2/slots?eventTypeId=%lld&start=%s&end=%s&timeZone=UTC", event_type_id, from_date, to_date);
    json_object *j;
    *starts = NULL;
    *n = 0;
    calcom_result r = call(api, a, "GET", path, "2024-09-04", NULL, &j, err, errlen);
    if (r != CALCOM_OK) return r;
    json_object *data = json_get(j, "data");
    size_t cap = 0;
    if (data && json_object_is_type(data, json_type_object)) {
        json_object_object_foreach(data, day, list) {
            (void)day;
            cap += json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
        }
        *starts = arena_alloc(a, sizeof **starts * (cap + 1));
        json_object_object_foreach(data, day2, list2) {
            (void)day2;
            for (size_t i = 0; json_object_is_type(list2, json_type_array) && i < json_object_array_length(list2); i++) {
                json_object *s = json_object_array_get_idx(list2, i);
                const char *iso = json_object_is_type(s, json_type_string) ? json_object_get_string(s) : json_get_str(s, "start");
                int64_t t;
                if (iso && time_parse_iso(iso, &t) == 0) (*starts)[(*n)++] = t;
            }
        }
    }
    json_object_put(j);
    /* ascending (days come as object keys, whose order JSON does not promise) */
    for (size_t i = 1; i < *n; i++)
        for (size_t k = i; k > 0 && (*starts)[k - 1] > (*starts)[k]; k--) {
            int64_t t = (*starts)[k];
            (*starts)[k] = (*starts)[k - 1];
            (*starts)[k - 1] = t;
        }
    return CALCOM_OK;
}

calcom_result calcom_book(const calcom_api *api, arena *a, long long event_type_id, int64_t start, const char *name,
                          const char *phone_e164, const char *email, const char *time_zone, const char *notes,
                          const char *metadata_json, calcom_booking *out, char *err, size_t errlen)
{
    char iso[32];
    time_format_iso(start, iso, sizeof iso);
    buf b = BUF_INIT;
    buf_printf(&b, "{\"start\":\"%s\",\"eventTypeId\":%lld,\"attendee\":{\"name\":", iso, event_type_id);
    json_buf_str(&b, name);
    buf_puts(&b, ",\"timeZone\":");
    json_buf_str(&b, time_zone);
    if (phone_e164) {
        buf_puts(&b, ",\"phoneNumber\":");
        json_buf_str(&b, phone_e164);
    }
    if (email) {
        buf_puts(&b, ",\"email\":");
        json_buf_str(&b, email);
    }
    buf_puts(&b, ",\"language\":\"de\"}");
    if (notes) {
        buf_puts(&b, ",\"bookingFieldsResponses\":{\"notes\":");
        json_buf_str(&b, notes);
        buf_putc(&b, '}');
    }
    if (metadata_json) buf_printf(&b, ",\"metadata\":%s", metadata_json);
    buf_putc(&b, '}');
    json_object *j;
    calcom_result r = call(api, a, "POST", "/v2/bookings", "2024-08-13", buf_cstr(&b), &j, err, errlen);
    buf_free(&b);
    if (r != CALCOM_OK) return r;
    int bad = read_booking(j, a, out);
    json_object_put(j);
    if (bad) {
        snprintf(err, errlen, "Cal.com booked but answered without uid/start");
        return CALCOM_UNAVAILABLE;
    }
    return CALCOM_OK;
}

calcom_result calcom_cancel(const calcom_api *api, arena *a, const char *uid, const char *reason, char *err, size_t errlen)
{
    char path[300];
    snprintf(path, sizeof path, "/v2/bookings/%s/cancel", uid);
    buf b = BUF_INIT;
    buf_puts(&b, "{\"cancellationReason\":");
    json_buf_str(&b, reason ? reason : "Telefonisch abgesagt");
    buf_putc(&b, '}');
    json_object *j;
    calcom_result r = call(api, a, "POST", path, "2024-08-13", buf_cstr(&b), &j, err, errlen);
    buf_free(&b);
    json_object_put(j);
    return r;
}

calcom_result calcom_reschedule(const calcom_api *api, arena *a, const char *uid, int64_t start, const char *reason,
                                calcom_booking *out, char *err, size_t errlen)
{
    char path[300], iso[32];
    snprintf(path, sizeof path, "/v2/bookings/%s/reschedule", uid);
    time_format_iso(start, iso, sizeof iso);
    buf b = BUF_INIT;
    buf_printf(&b, "{\"start\":\"%s\",\"reschedulingReason\":", iso);
    json_buf_str(&b, reason ? reason : "Telefonisch verschoben");
    buf_putc(&b, '}');
    json_object *j;
    calcom_result r = call(api, a, "POST", path, "2024-08-13", buf_cstr(&b), &j, err, errlen);
    buf_free(&b);
    if (r != CALCOM_OK) return r;
    int bad = read_booking(j, a, out);
    json_object_put(j);
    if (bad) {
        snprintf(err, errlen, "Cal.com rescheduled but answered without uid/start");
        return CALCOM_UNAVAILABLE;
    }
    return CALCOM_OK;
}
