/* fake_providers.c: the stand-in for the providers' APIs in tests and in
 * `make run`'s demo. Loopback only; serves what the fixtures show.
 *
 *   fake_providers --port N (0: any; the port is printed on stdout)
 *                  [--retell-calls FILE]   JSON array of call objects
 *                  [--retell-key KEY]      required bearer token
 *                  [--fail-429 N]          answer the first N list requests 429 (Retry-After: 1)
 *                  [--fail-500-after N]    answer 500 to list requests after the first N
 *                  [--log FILE]            one line per request: "METHOD PATH BODY"
 *                  [--legacy]              the Laravel stand-in of the route-switch tests
 *                                          (test_96): every request, any method and path,
 *                                          is answered 200 "legacy:PATH" (PATH as received,
 *                                          query included), header X-Legacy: 1
 *
 * Retell: POST /v3/list-calls (filter_criteria.start_timestamp range, limit,
 * pagination_key = the last call_id of the previous page, sort_order),
 * GET /v2/get-call/{id}.
 * Cal.com API v2 (--calcom-key KEY): GET /v2/slots (the salon's day:
 * 09:00, 09:30, 11:30, 12:00, 15:30, 16:00, 17:30 Europe/Berlin, minus booked
 * starts), POST /v2/bookings (400 "already has booking" when taken, 201 with a
 * new uid), POST /v2/bookings/{uid}/cancel, POST /v2/bookings/{uid}/reschedule.
 * Test controls: POST /_control {"latency_ms": N, "fail_500": true|false,
 * "accept_key": KEY (a tenant's own API key, accepted besides --calcom-key; "" ends it)},
 * GET /_bookings (what the fake holds; each booking's "x_fake_key" says which key made it:
 * "calcom_key" or "accept_key").
 * Strict like the contracts in tests/fixtures (PROVENANCE.md §3, §4): a wrong
 * cal-api-version for the endpoint (slots 2024-09-04, bookings 2024-08-13), a POST
 * without Content-Type: application/json, an attendee without name/timeZone/(email or
 * E.164 phoneNumber) or with a field the API does not know, metadata over its limits,
 * or a start the fake never offered as a slot is answered 400/415, as is a list-calls
 * body with an unknown member, a malformed start_timestamp range or a limit over 1000.
 * [--fixtures DIR] (tests/fixtures): booking answers are api_v2_create_booking.response.json
 * with the booking's own values, a taken slot api_v2_error_slot_taken.response.json.
 * Answers one request per connection (Connection: close). */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

static json_object *calls;
static const char *retell_key, *calcom_key, *log_path;
static json_object *bookings; /* Cal.com bookings the fake holds */
static int calcom_latency_ms, calcom_fail_500, next_booking_id = 4800001;
static int fail_429, fail_500_after, list_requests, legacy_mode;
static json_object *booking_template, *slot_taken_fixture; /* --fixtures DIR, else NULL */
static char accept_key[256];         /* POST /_control {"accept_key": ...} */
static const char *request_key = ""; /* which key the request being answered carried */

static void respond(int fd, int status, const char *extra_headers, const char *body)
{
    char head[512];
    const char *text = status == 200 ? "OK" : status == 201 ? "Created" : status == 401 ? "Unauthorized"
                     : status == 404 ? "Not Found" : status == 415 ? "Unsupported Media Type"
                     : status == 429 ? "Too Many Requests" : status == 400 ? "Bad Request" : "Internal Server Error";
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                                        "Connection: close\r\n%s\r\n", status, text, strlen(body), extra_headers ? extra_headers : "");
    if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0) return;
}

static long long start_ts(json_object *c)
{
    json_object *v;
    return json_object_object_get_ex(c, "start_timestamp", &v) ? json_object_get_int64(v) : 0;
}

static int by_start(const void *a, const void *b)
{
    long long x = start_ts(*(json_object *const *)a), y = start_ts(*(json_object *const *)b);
    return x < y ? -1 : x > y;
}

/* The v3 request grammar of api_list_calls_v3.request.json (PROVENANCE.md §4): the reason a
 * body is refused, or NULL. A client that misspells the filter must not get every call. */
static const char *list_calls_invalid(json_object *req)
{
    static const char *const MEMBERS[] = {"filter_criteria", "limit", "pagination_key", "skip", "include_total", "sort_order"};
    if (!json_object_is_type(req, json_type_object)) return "body must be an object";
    json_object_object_foreach(req, key, val) {
        size_t i = 0;
        while (i < sizeof MEMBERS / sizeof *MEMBERS && strcmp(key, MEMBERS[i])) i++;
        if (i == sizeof MEMBERS / sizeof *MEMBERS) return "unknown member in the list-calls body";
        (void)val;
    }
    json_object *v, *fc, *range;
    if (json_object_object_get_ex(req, "limit", &v) &&
        (!json_object_is_type(v, json_type_int) || json_object_get_int(v) < 1 || json_object_get_int(v) > 1000))
        return "limit must be 1..1000";
    if (json_object_object_get_ex(req, "sort_order", &v) &&
        (!json_object_is_type(v, json_type_string) ||
         (strcmp(json_object_get_string(v), "ascending") && strcmp(json_object_get_string(v), "descending"))))
        return "sort_order must be ascending or descending";
    if (!json_object_object_get_ex(req, "filter_criteria", &fc)) return NULL;
    if (!json_object_is_type(fc, json_type_object)) return "filter_criteria must be an object";
    if (!json_object_object_get_ex(fc, "start_timestamp", &range)) return NULL;
    json_object *type, *op, *bounds;
    if (!json_object_object_get_ex(range, "type", &type) || strcmp(json_object_get_string(type), "range") ||
        !json_object_object_get_ex(range, "op", &op) || strcmp(json_object_get_string(op), "bt") ||
        !json_object_object_get_ex(range, "value", &bounds) || !json_object_is_type(bounds, json_type_array) ||
        json_object_array_length(bounds) != 2 || !json_object_is_type(json_object_array_get_idx(bounds, 0), json_type_int) ||
        !json_object_is_type(json_object_array_get_idx(bounds, 1), json_type_int) ||
        json_object_get_int64(json_object_array_get_idx(bounds, 0)) > json_object_get_int64(json_object_array_get_idx(bounds, 1)))
        return "start_timestamp must be {type: range, op: bt, value: [lo, hi]} in ms";
    return NULL;
}

static void list_calls(int fd, const char *body)
{
    list_requests++;
    if (list_requests <= fail_429) {
        respond(fd, 429, "Retry-After: 1\r\n", "{\"error_message\":\"rate limited\"}");
        return;
    }
    if (fail_500_after && list_requests > fail_500_after) {
        respond(fd, 500, NULL, "{\"error_message\":\"internal error\"}");
        return;
    }
    json_object *req = json_tokener_parse(body);
    if (!req) {
        respond(fd, 400, NULL, "{\"error_message\":\"body is not JSON\"}");
        return;
    }
    const char *bad = list_calls_invalid(req);
    if (bad) {
        char msg[256];
        snprintf(msg, sizeof msg, "{\"error_message\":\"%s\"}", bad);
        respond(fd, 400, NULL, msg);
        json_object_put(req);
        return;
    }
    json_object *v, *range = NULL;
    int limit = json_object_object_get_ex(req, "limit", &v) ? json_object_get_int(v) : 50;
    const char *after = json_object_object_get_ex(req, "pagination_key", &v) ? json_object_get_string(v) : NULL;
    long long lo = 0, hi = 0x7fffffffffffffffLL;
    json_object *fc;
    if (json_object_object_get_ex(req, "filter_criteria", &fc) && json_object_object_get_ex(fc, "start_timestamp", &range) &&
        json_object_object_get_ex(range, "value", &v) && json_object_array_length(v) == 2) {
        lo = json_object_get_int64(json_object_array_get_idx(v, 0));
        hi = json_object_get_int64(json_object_array_get_idx(v, 1));
    }
    int desc = json_object_object_get_ex(req, "sort_order", &v) && !strcmp(json_object_get_string(v), "descending");
    size_t n = calls ? json_object_array_length(calls) : 0;
    json_object **sel = calloc(n + 1, sizeof *sel);
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(calls, i);
        if (start_ts(c) >= lo && start_ts(c) <= hi) sel[ns++] = c;
    }
    qsort(sel, ns, sizeof *sel, by_start);
    if (desc)
        for (size_t i = 0; i < ns / 2; i++) {
            json_object *t = sel[i];
            sel[i] = sel[ns - 1 - i];
            sel[ns - 1 - i] = t;
        }
    size_t from = 0;
    if (after)
        for (size_t i = 0; i < ns; i++) {
            json_object *id;
            if (json_object_object_get_ex(sel[i], "call_id", &id) && !strcmp(json_object_get_string(id), after)) from = i + 1;
        }
    json_object *out = json_object_new_object(), *items = json_object_new_array();
    size_t to = from + (size_t)(limit > 0 ? limit : 50);
    if (to > ns) to = ns;
    for (size_t i = from; i < to; i++) {
        /* v3 list items carry no transcripts (PROVENANCE.md §4) */
        json_object *copy = NULL;
        json_object_deep_copy(sel[i], &copy, NULL);
        json_object_object_del(copy, "transcript");
        json_object_object_del(copy, "transcript_object");
        json_object_object_del(copy, "transcript_with_tool_calls");
        json_object_array_add(items, copy);
    }
    json_object_object_add(out, "items", items);
    json_object_object_add(out, "has_more", json_object_new_boolean(to < ns));
    if (to < ns && to > from) {
        json_object *id;
        json_object_object_get_ex(sel[to - 1], "call_id", &id);
        json_object_object_add(out, "pagination_key", json_object_get(id));
    }
    respond(fd, 200, NULL, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
    json_object_put(out);
    json_object_put(req);
    free(sel);
}

static void get_call(int fd, const char *id)
{
    size_t n = calls ? json_object_array_length(calls) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(calls, i), *v;
        if (json_object_object_get_ex(c, "call_id", &v) && !strcmp(json_object_get_string(v), id)) {
            respond(fd, 200, NULL, json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN));
            return;
        }
    }
    respond(fd, 404, NULL, "{\"error_message\":\"call not found\"}");
}

/* ---- Cal.com ---- */

static const int SLOT_MINUTES[] = {9 * 60, 9 * 60 + 30, 11 * 60 + 30, 12 * 60, 15 * 60 + 30, 16 * 60, 17 * 60 + 30};

static long long berlin_to_utc(int y, int m, int d, int minutes)
{
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    struct tm t = {0};
    t.tm_year = y - 1900;
    t.tm_mon = m - 1;
    t.tm_mday = d;
    t.tm_hour = minutes / 60;
    t.tm_min = minutes % 60;
    t.tm_isdst = -1;
    return (long long)mktime(&t);
}

static void iso(long long t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

static long long parse_iso(const char *s)
{
    struct tm tm = {0};
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) return -1;
    long long t = (long long)timegm(&tm);
    const char *z = s + 19;
    while (*z == '.' || (*z >= '0' && *z <= '9')) z++;
    if (*z == '+' || *z == '-') t -= (atoi(z + 1) * 3600 + atoi(z + 4) * 60) * (*z == '-' ? -1 : 1);
    return t;
}

static int taken(long long start)
{
    for (size_t i = 0; i < json_object_array_length(bookings); i++) {
        json_object *b = json_object_array_get_idx(bookings, i), *v;
        if (json_object_object_get_ex(b, "status", &v) && !strcmp(json_object_get_string(v), "accepted") &&
            json_object_object_get_ex(b, "start", &v) && parse_iso(json_object_get_string(v)) == start)
            return 1;
    }
    return 0;
}

static const char *query_param(const char *path, const char *name, char *out, size_t n)
{
    const char *q = strchr(path, '?');
    size_t nl = strlen(name);
    for (const char *p = q; p && *p; p = strchr(p + 1, '&')) {
        if (!strncmp(p + 1, name, nl) && p[1 + nl] == '=') {
            snprintf(out, n, "%.*s", (int)strcspn(p + 2 + nl, "&"), p + 2 + nl);
            return out;
        }
    }
    return NULL;
}

static void cal_slots(int fd, const char *path)
{
    char from[16], to[16];
    if (!query_param(path, "start", from, sizeof from) || !query_param(path, "end", to, sizeof to) ||
        !strstr(path, "eventTypeId=")) {
        respond(fd, 400, NULL, "{\"status\":\"error\",\"error\":{\"code\":\"BadRequestException\",\"message\":\"eventTypeId, start and end are required\"}}");
        return;
    }
    struct tm a = {0}, b = {0};
    strptime(from, "%Y-%m-%d", &a);
    strptime(to, "%Y-%m-%d", &b);
    json_object *data = json_object_new_object();
    for (time_t day = timegm(&a); day <= timegm(&b); day += 86400) {
        struct tm d;
        gmtime_r(&day, &d);
        char key[16];
        strftime(key, sizeof key, "%Y-%m-%d", &d);
        json_object *list = json_object_new_array();
        for (size_t i = 0; i < sizeof SLOT_MINUTES / sizeof *SLOT_MINUTES; i++) {
            long long t = berlin_to_utc(d.tm_year + 1900, d.tm_mon + 1, d.tm_mday, SLOT_MINUTES[i]);
            if (taken(t)) continue;
            char s[40];
            iso(t, s, sizeof s);
            json_object *slot = json_object_new_object();
            json_object_object_add(slot, "start", json_object_new_string(s));
            json_object_array_add(list, slot);
        }
        if (json_object_array_length(list)) json_object_object_add(data, key, list);
        else json_object_put(list);
    }
    json_object *out = json_object_new_object();
    json_object_object_add(out, "status", json_object_new_string("success"));
    json_object_object_add(out, "data", data);
    respond(fd, 200, NULL, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
    json_object_put(out);
}

static int event_minutes(long long event_type)
{
    return event_type == 1843201 ? 60 : event_type == 1843205 ? 120 : 30;
}

/* the attendee as Cal.com answers it: a phone-only one gets <digits>@sms.cal.com (C13) */
static json_object *attendee_out(json_object *in)
{
    json_object *a = NULL, *v;
    json_object_deep_copy(in, &a, NULL);
    if (!json_object_object_get_ex(a, "email", &v) && json_object_object_get_ex(a, "phoneNumber", &v)) {
        char mail[64];
        snprintf(mail, sizeof mail, "%s@sms.cal.com", json_object_get_string(v) + 1);
        json_object_object_add(a, "email", json_object_new_string(mail));
    }
    if (json_object_object_get_ex(a, "email", &v)) json_object_object_add(a, "displayEmail", json_object_get(v));
    json_object_object_add(a, "absent", json_object_new_boolean(0));
    return a;
}

static json_object *new_booking(long long event_type, long long start, json_object *attendee, json_object *metadata,
                                const char *from_uid)
{
    static const char ALNUM[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    char uid[23], s[40], e[40];
    for (int i = 0; i < 22; i++) uid[i] = ALNUM[(unsigned)rand() % (sizeof ALNUM - 1)];
    uid[22] = '\0';
    iso(start, s, sizeof s);
    iso(start + event_minutes(event_type) * 60, e, sizeof e);
    /* the shape of api_v2_create_booking.response.json (title, hosts, location, ...) when
     * --fixtures is given, with this booking's own values */
    json_object *b = NULL;
    if (booking_template) json_object_deep_copy(booking_template, &b, NULL);
    else b = json_object_new_object();
    json_object_object_del(b, "rescheduledFromUid");
    json_object_object_add(b, "id", json_object_new_int(next_booking_id++));
    json_object_object_add(b, "uid", json_object_new_string(uid));
    json_object_object_add(b, "status", json_object_new_string("accepted"));
    json_object_object_add(b, "start", json_object_new_string(s));
    json_object_object_add(b, "end", json_object_new_string(e));
    json_object_object_add(b, "duration", json_object_new_int(event_minutes(event_type)));
    json_object_object_add(b, "eventTypeId", json_object_new_int64(event_type));
    json_object *et;
    if (json_object_object_get_ex(b, "eventType", &et)) json_object_object_add(et, "id", json_object_new_int64(event_type));
    if (json_object_object_get_ex(b, "icsUid", NULL)) {
        char ics[40];
        snprintf(ics, sizeof ics, "%s@Cal.com", uid);
        json_object_object_add(b, "icsUid", json_object_new_string(ics));
    }
    json_object *atts = json_object_new_array();
    if (attendee) json_object_array_add(atts, attendee_out(attendee));
    json_object_object_add(b, "attendees", atts);
    json_object_object_add(b, "metadata", metadata ? json_object_get(metadata) : json_object_new_object());
    if (from_uid) json_object_object_add(b, "rescheduledFromUid", json_object_new_string(from_uid));
    json_object_object_add(b, "x_fake_key", json_object_new_string(request_key));
    json_object_array_add(bookings, b);
    return b;
}

static void respond_booking(int fd, int status, json_object *b)
{
    json_object *out = json_object_new_object();
    json_object_object_add(out, "status", json_object_new_string("success"));
    json_object_object_add(out, "data", json_object_get(b));
    respond(fd, status, NULL, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
    json_object_put(out);
}

static const char SLOT_TAKEN[] = "{\"status\":\"error\",\"timestamp\":\"2026-03-10T08:43:30.902Z\",\"path\":\"/v2/bookings\","
                                 "\"error\":{\"code\":\"BadRequestException\",\"message\":\"User either already has booking at this time or is not available\"}}";

/* ---- the Cal.com request contracts (api_v2_*.request.json, PROVENANCE.md §3) ---- */

/* 1 if start is one of the salon's slots on its Berlin day (what GET /v2/slots offers) */
static int offered(long long start)
{
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    time_t t = (time_t)start;
    struct tm lt;
    localtime_r(&t, &lt);
    for (size_t i = 0; i < sizeof SLOT_MINUTES / sizeof *SLOT_MINUTES; i++)
        if (lt.tm_sec == 0 && lt.tm_hour * 60 + lt.tm_min == SLOT_MINUTES[i]) return 1;
    return 0;
}

static int one_of(const char *key, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(key, names[i])) return 1;
    return 0;
}

static int is_string(json_object *o, const char *key, json_object **v)
{
    return json_object_object_get_ex(o, key, v) && json_object_is_type(*v, json_type_string);
}

/* E.164: "+", a non-zero digit, 7..15 digits in all */
static int e164(const char *s)
{
    size_t n = strlen(s);
    if (n < 8 || n > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') return 0;
    return strspn(s + 1, "0123456789") == n - 1;
}

/* attendee{name, timeZone, email?, phoneNumber?, language?}, email or phone required */
static const char *attendee_invalid(json_object *att)
{
    static const char *const FIELDS[] = {"name", "timeZone", "email", "phoneNumber", "language"};
    if (!json_object_is_type(att, json_type_object)) return "attendee must be an object";
    json_object_object_foreach(att, key, val) {
        (void)val;
        if (!one_of(key, FIELDS, sizeof FIELDS / sizeof *FIELDS)) return "attendee has a field the API does not know";
    }
    json_object *v, *email = NULL, *phone = NULL;
    if (!is_string(att, "name", &v) || !*json_object_get_string(v)) return "attendee.name is required";
    if (!is_string(att, "timeZone", &v) ||
        (strcmp(json_object_get_string(v), "UTC") && !strchr(json_object_get_string(v), '/')))
        return "attendee.timeZone must be an IANA time zone";
    if (json_object_object_get_ex(att, "email", &email) &&
        (!json_object_is_type(email, json_type_string) || !strchr(json_object_get_string(email), '@')))
        return "attendee.email is not an email address";
    if (json_object_object_get_ex(att, "phoneNumber", &phone) &&
        (!json_object_is_type(phone, json_type_string) || !e164(json_object_get_string(phone))))
        return "attendee.phoneNumber must be E.164";
    if (!email && !phone) return "attendee needs an email or a phoneNumber";
    if (json_object_object_get_ex(att, "language", &v) && !json_object_is_type(v, json_type_string))
        return "attendee.language must be a string";
    return NULL;
}

/* metadata: at most 50 keys, string values of at most 500 characters */
static const char *metadata_invalid(json_object *meta)
{
    if (!meta) return NULL;
    if (!json_object_is_type(meta, json_type_object) || json_object_object_length(meta) > 50)
        return "metadata must be an object of at most 50 keys";
    json_object_object_foreach(meta, key, val) {
        (void)key;
        if (!json_object_is_type(val, json_type_string) || strlen(json_object_get_string(val)) > 500)
            return "metadata values must be strings of at most 500 characters";
    }
    return NULL;
}

/* the body of POST /v2/bookings: the reason it is refused, or NULL; *start set */
static const char *booking_invalid(json_object *req, long long *start)
{
    static const char *const MEMBERS[] = {"start", "eventTypeId", "eventTypeSlug", "username", "teamSlug", "attendee",
                                          "bookingFieldsResponses", "metadata", "lengthInMinutes", "guests", "location"};
    json_object *v, *att = NULL, *meta = NULL;
    if (!req || !json_object_is_type(req, json_type_object)) return "body must be a JSON object";
    json_object_object_foreach(req, key, val) {
        (void)val;
        if (!one_of(key, MEMBERS, sizeof MEMBERS / sizeof *MEMBERS)) return "body has a member the API does not know";
    }
    if (!json_object_object_get_ex(req, "eventTypeId", &v) || !json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0)
        return "eventTypeId (a number) is required";
    if (!is_string(req, "start", &v) || json_object_get_string(v)[strlen(json_object_get_string(v)) - 1] != 'Z' ||
        (*start = parse_iso(json_object_get_string(v))) < 0)
        return "start must be a UTC ISO 8601 time";
    if (!json_object_object_get_ex(req, "attendee", &att)) return "attendee is required";
    const char *bad = attendee_invalid(att);
    if (bad) return bad;
    json_object_object_get_ex(req, "metadata", &meta);
    if ((bad = metadata_invalid(meta))) return bad;
    if (!offered(*start)) return "start is not one of the event type's slots";
    return NULL;
}

static void refuse(int fd, int status, const char *why)
{
    json_object *out = json_object_new_object(), *err = json_object_new_object();
    json_object_object_add(err, "code", json_object_new_string("BadRequestException"));
    json_object_object_add(err, "message", json_object_new_string(why));
    json_object_object_add(out, "status", json_object_new_string("error"));
    json_object_object_add(out, "error", err);
    respond(fd, status, NULL, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
    json_object_put(out);
}

/* the value of header name (case-insensitive) into out, "" if absent */
static const char *header(const char *head, const char *name, char *out, size_t n)
{
    char want[64];
    snprintf(want, sizeof want, "\r\n%s:", name);
    const char *h = strcasestr(head, want);
    *out = '\0';
    if (!h) return out;
    h += strlen(want);
    while (*h == ' ') h++;
    snprintf(out, n, "%.*s", (int)strcspn(h, "\r\n"), h);
    return out;
}

/* the error envelope of api_v2_error_slot_taken.response.json when --fixtures is given */
static const char *slot_taken(void)
{
    return slot_taken_fixture ? json_object_to_json_string_ext(slot_taken_fixture, JSON_C_TO_STRING_PLAIN) : SLOT_TAKEN;
}

static void cal_book(int fd, const char *body)
{
    json_object *req = json_tokener_parse(body), *v, *att = NULL, *meta = NULL;
    long long start = -1;
    const char *bad = booking_invalid(req, &start);
    if (bad) {
        refuse(fd, 400, bad);
    } else if (taken(start)) {
        respond(fd, 400, NULL, slot_taken());
    } else {
        json_object_object_get_ex(req, "eventTypeId", &v);
        json_object_object_get_ex(req, "attendee", &att);
        json_object_object_get_ex(req, "metadata", &meta);
        respond_booking(fd, 201, new_booking(json_object_get_int64(v), start, att, meta, NULL));
    }
    json_object_put(req);
}

static json_object *find_booking(const char *uid)
{
    for (size_t i = 0; i < json_object_array_length(bookings); i++) {
        json_object *b = json_object_array_get_idx(bookings, i), *v;
        if (json_object_object_get_ex(b, "uid", &v) && !strcmp(json_object_get_string(v), uid)) return b;
    }
    return NULL;
}

static void cal_booking_action(int fd, const char *path, const char *body)
{
    char uid[64] = "", action[32] = "";
    sscanf(path, "/v2/bookings/%63[^/]/%31s", uid, action);
    json_object *b = find_booking(uid);
    if (!b) {
        respond(fd, 404, NULL, "{\"status\":\"error\",\"error\":{\"code\":\"NotFoundException\",\"message\":\"booking not found\"}}");
        return;
    }
    json_object *req = json_tokener_parse(body), *v;
    if (!strcmp(action, "cancel")) {
        json_object_object_add(b, "status", json_object_new_string("cancelled"));
        if (req && json_object_object_get_ex(req, "cancellationReason", &v))
            json_object_object_add(b, "cancellationReason", json_object_get(v));
        respond_booking(fd, 200, b);
    } else if (!strcmp(action, "reschedule")) {
        long long start = req && json_object_object_get_ex(req, "start", &v) ? parse_iso(json_object_get_string(v)) : -1;
        json_object *et, *att, *meta, *atts;
        json_object_object_get_ex(b, "eventTypeId", &et);
        json_object_object_get_ex(b, "attendees", &atts);
        json_object_object_get_ex(b, "metadata", &meta);
        att = json_object_array_length(atts) ? json_object_array_get_idx(atts, 0) : NULL;
        if (start < 0) respond(fd, 400, NULL, "{\"status\":\"error\",\"error\":{\"code\":\"BadRequestException\",\"message\":\"start is required\"}}");
        else if (!offered(start)) refuse(fd, 400, "start is not one of the event type's slots");
        else if (taken(start)) respond(fd, 400, NULL, slot_taken());
        else {
            json_object_object_add(b, "status", json_object_new_string("cancelled"));
            respond_booking(fd, 201, new_booking(json_object_get_int64(et), start, att, meta, uid));
        }
    } else {
        respond(fd, 404, NULL, "{\"status\":\"error\",\"error\":{\"message\":\"no such action\"}}");
    }
    json_object_put(req);
}

static void control(int fd, const char *body)
{
    json_object *req = json_tokener_parse(body), *v;
    if (req && json_object_object_get_ex(req, "latency_ms", &v)) calcom_latency_ms = json_object_get_int(v);
    if (req && json_object_object_get_ex(req, "fail_500", &v)) calcom_fail_500 = json_object_get_boolean(v);
    if (req && json_object_object_get_ex(req, "accept_key", &v)) snprintf(accept_key, sizeof accept_key, "%s", json_object_get_string(v));
    json_object_put(req);
    respond(fd, 200, NULL, "{\"ok\":true}");
}

static int calcom_route(int fd, const char *method, const char *path, const char *head, const char *body)
{
    if (!strcmp(path, "/_control") && !strcmp(method, "POST")) {
        control(fd, body);
        return 1;
    }
    if (!strcmp(path, "/_bookings")) {
        respond(fd, 200, NULL, json_object_to_json_string_ext(bookings, JSON_C_TO_STRING_PLAIN));
        return 1;
    }
    if (strncmp(path, "/v2/slots", 9) && strncmp(path, "/v2/bookings", 12)) return 0;
    if (calcom_key) {
        char want[512], also[512];
        snprintf(want, sizeof want, "\r\nAuthorization: Bearer %s\r\n", calcom_key);
        snprintf(also, sizeof also, "\r\nAuthorization: Bearer %s\r\n", accept_key);
        request_key = strcasestr(head, want) ? "calcom_key" : *accept_key && strcasestr(head, also) ? "accept_key" : "";
        if (!*request_key) {
            respond(fd, 401, NULL, "{\"status\":\"error\",\"error\":{\"code\":\"UnauthorizedException\",\"message\":\"invalid api key\"}}");
            return 1;
        }
    }
    if (!strcasestr(head, "\r\ncal-api-version: ")) {
        respond(fd, 400, NULL, "{\"status\":\"error\",\"error\":{\"message\":\"cal-api-version header missing (the real API would answer an older version)\"}}");
        return 1;
    }
    /* each endpoint has its version (a wrong one is another body shape at the real API) and
     * takes JSON only */
    char have[64];
    if (strcmp(header(head, "cal-api-version", have, sizeof have), !strncmp(path, "/v2/slots", 9) ? "2024-09-04" : "2024-08-13")) {
        refuse(fd, 400, "wrong cal-api-version for this endpoint (slots: 2024-09-04, bookings: 2024-08-13)");
        return 1;
    }
    if (!strcmp(method, "POST") && strncasecmp(header(head, "Content-Type", have, sizeof have), "application/json", 16)) {
        refuse(fd, 415, "Content-Type must be application/json");
        return 1;
    }
    if (calcom_latency_ms > 0) usleep((useconds_t)calcom_latency_ms * 1000);
    if (calcom_fail_500) {
        respond(fd, 500, NULL, "{\"status\":\"error\",\"error\":{\"code\":\"InternalServerErrorException\",\"message\":\"injected failure\"}}");
        return 1;
    }
    if (!strcmp(method, "GET") && !strncmp(path, "/v2/slots", 9)) cal_slots(fd, path);
    else if (!strcmp(method, "POST") && !strcmp(path, "/v2/bookings")) cal_book(fd, body);
    else if (!strcmp(method, "POST") && !strncmp(path, "/v2/bookings/", 13)) cal_booking_action(fd, path, body);
    else respond(fd, 404, NULL, "{\"status\":\"error\",\"error\":{\"message\":\"no such endpoint in the fake\"}}");
    return 1;
}

static void serve(int fd)
{
    char buf[1 << 20];
    size_t len = 0;
    char *end = NULL;
    while (len < sizeof buf - 1) {
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r <= 0) return;
        len += (size_t)r;
        buf[len] = '\0';
        if ((end = strstr(buf, "\r\n\r\n"))) break;
    }
    if (!end) return;
    size_t head_len = (size_t)(end - buf) + 4, clen = 0;
    char *cl = strcasestr(buf, "\r\ncontent-length:");
    if (cl && cl < end) clen = strtoul(cl + 17, NULL, 10);
    while (len < head_len + clen && len < sizeof buf - 1) {
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r <= 0) break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    char method[16] = "", path[1024] = "";
    sscanf(buf, "%15s %1023s", method, path);
    const char *body = buf + head_len;
    if (log_path) {
        FILE *f = fopen(log_path, "a");
        if (f) {
            fprintf(f, "%s %s %s\n", method, path, body);
            fclose(f);
        }
    }
    if (legacy_mode) {
        char marker[1100];
        snprintf(marker, sizeof marker, "legacy:%s", path);
        respond(fd, 200, "X-Legacy: 1\r\n", marker);
        return;
    }
    if (calcom_route(fd, method, path, buf, body)) return;
    if (retell_key) {
        char want[512];
        snprintf(want, sizeof want, "\r\nAuthorization: Bearer %s\r\n", retell_key);
        if (!strcasestr(buf, want)) {
            respond(fd, 401, NULL, "{\"error_message\":\"invalid api key\"}");
            return;
        }
    }
    if (!strcmp(method, "POST") && !strcmp(path, "/v3/list-calls")) list_calls(fd, body);
    else if (!strcmp(method, "GET") && !strncmp(path, "/v2/get-call/", 13)) get_call(fd, path + 13);
    else respond(fd, 404, NULL, "{\"error_message\":\"no such endpoint in the fake\"}");
}

/* the Cal.com API answers of tests/fixtures/calcom that the fake answers with */
static void load_fixtures(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/calcom/api_v2_create_booking.response.json", dir);
    json_object *r = json_object_from_file(path), *data;
    if (r && json_object_object_get_ex(r, "data", &data)) booking_template = json_object_get(data);
    json_object_put(r);
    snprintf(path, sizeof path, "%s/calcom/api_v2_error_slot_taken.response.json", dir);
    slot_taken_fixture = json_object_from_file(path);
    if (!booking_template || !slot_taken_fixture) {
        fprintf(stderr, "fake_providers: --fixtures %s: api_v2_create_booking/error_slot_taken responses unreadable\n", dir);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    int port = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--legacy")) legacy_mode = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--legacy")) i--; /* a flag: no value to skip */
        else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--retell-calls")) {
            calls = json_object_from_file(argv[i + 1]);
            json_object *items; /* a saved list-calls response ({"items": [...]}) works too */
            if (calls && json_object_is_type(calls, json_type_object) && json_object_object_get_ex(calls, "items", &items)) {
                json_object_get(items);
                json_object_put(calls);
                calls = items;
            }
        }
        else if (!strcmp(argv[i], "--retell-key")) retell_key = argv[i + 1];
        else if (!strcmp(argv[i], "--calcom-key")) calcom_key = argv[i + 1];
        else if (!strcmp(argv[i], "--fail-429")) fail_429 = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--fail-500-after")) fail_500_after = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--log")) log_path = argv[i + 1];
        else if (!strcmp(argv[i], "--fixtures")) load_fixtures(argv[i + 1]);
    }
    signal(SIGPIPE, SIG_IGN);
    bookings = json_object_new_array();
    srand((unsigned)getpid());
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, 64) != 0) {
        perror("fake_providers");
        return 1;
    }
    socklen_t al = sizeof addr;
    getsockname(s, (struct sockaddr *)&addr, &al);
    printf("%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    for (;;) {
        int fd = accept(s, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) continue;
            return 1;
        }
        serve(fd);
        close(fd);
    }
}
