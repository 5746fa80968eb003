/* router.c: 404/405 decisions over the static route table (see router.h). */
#include "router.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool path_eq(const char *route, const char *path)
{
    size_t rl = strlen(route), pl = strlen(path);
    if (pl > 1 && path[pl - 1] == '/') pl--;
    return rl == pl && memcmp(route, path, rl) == 0;
}

const sb_route *router_match(const sb_route *routes, size_t n, const char *method, const char *path,
                             int *status, char *allow, size_t allowlen)
{
    bool path_found = false;
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    if (allowlen) allow[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!path_eq(routes[i].path, path)) continue;
        if (strcmp(routes[i].method, m) == 0) {
            *status = 200;
            return &routes[i];
        }
        if (allowlen && !strstr(allow, routes[i].method)) {
            size_t used = strlen(allow);
            snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "", routes[i].method);
        }
        path_found = true;
    }
    *status = path_found ? 405 : 404;
    return NULL;
}
