/* http_client.h: the one outgoing HTTP client (libcurl), for the providers'
 * APIs (Cal.com, Retell), the simulator and the end-to-end tests.
 *
 * One blocking request per call with a hard total timeout, over a libcurl
 * handle kept per thread so connections stay alive between calls; no redirects are
 * followed (a provider answering with a redirect is an error to see, not to
 * chase). The response body and headers land in caller-owned bufs that
 * http_client_response_free() releases. */
#ifndef SB_HTTP_CLIENT_H
#define SB_HTTP_CLIENT_H

#include <stddef.h>

#include "buf.h"

typedef struct http_client_response {
    long status;     /* 0 when no HTTP answer arrived */
    buf headers;     /* raw header block of the final response */
    buf body;
} http_client_response;

/* headers: NULL-terminated array of "Name: value" lines (may be NULL).
 * Returns 0 when an HTTP response arrived (any status; free it with
 * http_client_response_free), -1 with err set on transport failure (refused,
 * timeout, DNS), in which case nothing needs freeing. */
int http_client_request(const char *method, const char *url, const char *const *headers, const void *body,
                        size_t body_len, long timeout_ms, http_client_response *out, char *err, size_t errlen);
void http_client_response_free(http_client_response *r);
/* Shadow mode (config `shadow = 1`, DESIGN D80): once set, every later
 * http_client_request of this process fails before anything is sent, with
 * HTTP_CLIENT_SHADOW_REFUSAL at the start of err. Process-wide, never unset:
 * the one door every provider request (Cal.com, Retell) goes out through. */
#define HTTP_CLIENT_SHADOW_REFUSAL "shadow mode: outbound request refused"
void http_client_refuse_all(void);
int http_client_refusing(void);
/* Value of response header name (case-insensitive), copied to out; 0 or -1. */
int http_client_header(const http_client_response *r, const char *name, char *out, size_t outlen);

#endif
