/* fake_providers.c: the stand-in for the providers' APIs in tests and in
 * `make run`'s demo. Loopback only; serves what the fixtures show.
 *
 *   fake_providers --port N (0: any; the port is printed on stdout)
 *                  [--retell-calls FILE]   JSON array of call objects
 *                  [--retell-key KEY]      required bearer token
 *                  [--fail-429 N]          answer the first N list requests 429 (Retry-After: 1)
 *                  [--fail-500-after N]    answer 500 to list requests after the first N
 *                  [--log FILE]            one line per request: "METHOD PATH BODY"
 *
 * Retell: POST /v3/list-calls (filter_criteria.start_timestamp range, limit,
 * pagination_key = the last call_id of the previous page, sort_order),
 * GET /v2/get-call/{id}. One request per connection, no keep-alive. */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static json_object *calls;
static const char *retell_key, *log_path;
static int fail_429, fail_500_after, list_requests;

static void respond(int fd, int status, const char *extra_headers, const char *body)
{
    char head[512];
    const char *text = status == 200 ? "OK" : status == 401 ? "Unauthorized" : status == 404 ? "Not Found"
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

int main(int argc, char **argv)
{
    int port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
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
        else if (!strcmp(argv[i], "--fail-429")) fail_429 = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--fail-500-after")) fail_500_after = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--log")) log_path = argv[i + 1];
    }
    signal(SIGPIPE, SIG_IGN);
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
