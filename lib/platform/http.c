/* http.c: request/response helpers (see http.h). */
#include "http.h"

#include <string.h>
#include <sys/time.h>

#include "json.h"

const char *http_header(const sb_request *req, const char *lname)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcmp(req->headers[i].name, lname) == 0) return req->headers[i].value;
    return NULL;
}

void http_response_reset(sb_response *resp)
{
    buf body = resp->body;
    buf_reset(&body);
    memset(resp, 0, sizeof *resp);
    resp->body = body;
    resp->status = 500; /* pessimistic default: a handler that forgets to finish fails loudly */
    resp->content_type = "application/json";
}

void http_add_header(sb_response *resp, const char *name, const char *value)
{
    if (resp->nheaders < SB_MAX_EXTRA_HEADERS) resp->headers[resp->nheaders++] = (sb_header){name, value};
}

void http_json_error(sb_response *resp, int status, const char *msg)
{
    resp->status = status;
    resp->content_type = "application/json";
    buf_reset(&resp->body);
    buf_puts(&resp->body, "{\"message\":");
    json_buf_str(&resp->body, msg);
    buf_puts(&resp->body, "}");
}

const char *http_status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 303: return "See Other";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    }
    return "Unknown";
}

int64_t http_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}
