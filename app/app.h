/* app.h: the long-lived state of one switchboard process and the handlers.
 *
 * main() owns the sb_app: the loaded config and this process's single DB
 * connection. Handlers borrow it for one request. Every handler has the
 * sb_handler signature (lib/router.h) and is listed once in app/routes.c. */
#ifndef SB_APP_H
#define SB_APP_H

#include "../lib/config.h"
#include "../lib/db.h"
#include "../lib/http.h"
#include "../lib/router.h"

#define SWITCHBOARD_VERSION "0.1.0"

typedef struct sb_app {
    sb_config cfg;
    sb_db *db;
} sb_app;

/* routes.c */
extern const sb_route ROUTES[];
extern const size_t NROUTES;
/* Run the route table for one request: 404/405 or the handler. */
void app_dispatch(sb_app *app, const sb_request *req, sb_response *resp);

/* handlers_webhook.c */
void wh_calcom_receive(sb_app *app, const sb_request *req, sb_response *resp);
void wh_calcom_ping(sb_app *app, const sb_request *req, sb_response *resp);
void wh_retell_receive(sb_app *app, const sb_request *req, sb_response *resp);
/* handlers_health.c */
void health_show(sb_app *app, const sb_request *req, sb_response *resp);

/* fcgi.c: the FastCGI loop on fd 0 (spawn-fcgi's socket). Returns the exit code. */
int fcgi_serve(sb_app *app);
/* cmd_worker.c: the background worker loop. Returns the exit code. */
int worker_run(sb_app *app);

#endif
