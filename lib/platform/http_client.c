/* http_client.c: blocking HTTP requests over libcurl (see http_client.h). */
#include "http_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static size_t on_data(char *p, size_t size, size_t n, void *userdata)
{
    buf_append(userdata, p, size * n);
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
    buf *h = userdata;
    /* a new status line starts a new header block (100-continue, ...) */
    if (size * n > 5 && strncmp(p, "HTTP/", 5) == 0) buf_reset(h);
    buf_append(h, p, size * n);
    return size * n;
}

static int refuse_all; /* shadow mode: see http_client.h */

void http_client_refuse_all(void) { refuse_all = 1; }
int http_client_refusing(void) { return refuse_all; }

int http_client_request(const char *method, const char *url, const char *const *headers, const void *body,
                        size_t body_len, long timeout_ms, http_client_response *out, char *err, size_t errlen)
{
    if (refuse_all) {
        memset(out, 0, sizeof *out);
        /* the URL carries no secret (keys travel in headers) */
        snprintf(err, errlen, HTTP_CLIENT_SHADOW_REFUSAL " (%s %s)", method, url);
        return -1;
    }
    static int initialised;
    if (!initialised) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        initialised = 1;
    }
    memset(out, 0, sizeof *out);
    /* one handle per thread, kept: libcurl keeps the connection alive between requests */
    static __thread CURL *c;
    if (c) curl_easy_reset(c);
    else c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "curl_easy_init failed");
        return -1;
    }
    struct curl_slist *hl = NULL;
    for (const char *const *h = headers; h && *h; h++) hl = curl_slist_append(hl, *h);
    hl = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
    if (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    if (strcmp(method, "HEAD") == 0) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    else snprintf(err, errlen, "%s %s: %s", method, url, curl_easy_strerror(rc));
    curl_slist_free_all(hl);
    if (rc != CURLE_OK) { /* nothing for the caller to free on failure */
        http_client_response_free(out);
        return -1;
    }
    if (!out->body.data) buf_puts(&out->body, "");
    return 0;
}

void http_client_response_free(http_client_response *r)
{
    buf_free(&r->headers);
    buf_free(&r->body);
}

int http_client_header(const http_client_response *r, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    const char *p = buf_cstr(&r->headers);
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        if (ll > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (*v == ' ') v++;
            size_t vl = ll - (size_t)(v - p);
            snprintf(out, outlen, "%.*s", (int)vl, v);
            return 0;
        }
        if (!eol) break;
        p = eol + 2;
    }
    return -1;
}
