/* router.h: matching a request against one static route table.
 *
 * The table itself lives in app/routes.c; this file only decides, in one
 * place, between "found", 404 (no such path) and 405 (path exists, method
 * does not; the Allow header lists what does). HEAD is served by GET routes.
 * A trailing slash is ignored ("/api/health/" is "/api/health"). */
#ifndef SB_ROUTER_H
#define SB_ROUTER_H

#include <stddef.h>

#include "http.h"

struct sb_app;
typedef void (*sb_handler)(struct sb_app *app, const sb_request *req, sb_response *resp);

typedef struct sb_route {
    const char *method;
    const char *path;
    sb_handler handler;
    const char *provider;  /* "calcom" / "retell" for webhook routes, for the log line */
} sb_route;

/* Returns the matching route, or NULL with *status 404 or 405; for 405 the
 * allowed methods ("GET, POST") are written to allow. */
const sb_route *router_match(const sb_route *routes, size_t n, const char *method, const char *path,
                             int *status, char *allow, size_t allowlen);

#endif
