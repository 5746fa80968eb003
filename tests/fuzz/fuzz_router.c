/* fuzz_router.c: feeds lib/router.c with the real route table of app/routes.c.
 *
 * Input: a method, ' ', a path (as nginx would pass REQUEST_METHOD and the
 * path). router_match() must answer 200 with a route of that path and
 * method (HEAD as GET), or 404, or 405 with a non-empty Allow list that fits
 * its buffer; a too small Allow buffer (5 bytes) must truncate, not overflow. */
#include "app.h"
#include "router.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *method;
    const uint8_t *rest;
    size_t plen;
    fuzz_split(data, size, ' ', &method, &rest, &plen);
    char *path = fuzz_cstr(rest, plen);
    int status = 0;
    char allow[128], small[5];
    const sb_route *r = router_match(ROUTES, NROUTES, method, path, &status, allow, sizeof allow);
    if (r) {
        FUZZ_CHECK(status == 200 && r >= ROUTES && r < ROUTES + NROUTES);
        FUZZ_CHECK(!strcmp(r->method, method) || (!strcmp(method, "HEAD") && !strcmp(r->method, "GET")));
        size_t rl = strlen(r->path);
        FUZZ_CHECK(!strncmp(r->path, path, rl) && (!path[rl] || (!strcmp(path + rl, "/") && rl > 0)));
    } else {
        FUZZ_CHECK(status == 404 || status == 405);
        FUZZ_CHECK(status == 404 ? !allow[0] : allow[0] && strlen(allow) < sizeof allow);
    }
    int status2 = 0;
    const sb_route *r2 = router_match(ROUTES, NROUTES, method, path, &status2, small, sizeof small);
    FUZZ_CHECK(r2 == r && status2 == status && strlen(small) < sizeof small);
    FUZZ_CHECK(router_match(ROUTES, NROUTES, method, path, &status2, NULL, 0) == r && status2 == status);
    free(path);
    free(method);
    return 0;
}
