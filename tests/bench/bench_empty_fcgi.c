/* bench_empty_fcgi.c: the empty FastCGI responder, the FastCGI ceiling of `make bench`.
 *
 * Spawned like switchboard's pool (spawn-fcgi + multiwatch hand it the listening
 * socket as fd 0). Each request: read the whole body, answer 200 with a small
 * JSON ack the size of switchboard's, nothing else. The same nginx passes to it,
 * so switchboard / this = what switchboard's own work costs over libfcgi. */
#include <fcgiapp.h>
#include <stdio.h>

int main(void)
{
    static const char RESPONSE[] = "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 44\r\n\r\n"
                                   "{\"received\":true,\"status\":\"accepted\",\"id\":1}";
    if (FCGX_Init() != 0) {
        fprintf(stderr, "bench_empty_fcgi: FCGX_Init failed\n");
        return 1;
    }
    FCGX_Request r;
    FCGX_InitRequest(&r, 0, 0);
    char body[16384];
    while (FCGX_Accept_r(&r) >= 0) {
        while (FCGX_GetStr(body, sizeof body, r.in) > 0) {} /* read the body like a real handler */
        FCGX_PutStr(RESPONSE, sizeof RESPONSE - 1, r.out);
        FCGX_Finish_r(&r);
    }
    return 0;
}
