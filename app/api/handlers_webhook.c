/* handlers_webhook.c: durable, signed ingest of Cal.com and Retell webhooks.
 *
 * Order of checks (each failure stores nothing):
 *   413 body over http.max_body -> 503 provider secret not configured (fail
 *   closed) -> 401 signature on the raw bytes -> 400 not JSON / no event name.
 * Then the event is stored before it is acknowledged:
 *   200 accepted  (new row, committed)   200 duplicate (same idempotency key)
 *   202 spooled   (DB unavailable: fsync'd to spool.dir, drained in order later)
 *   503           (neither DB nor spool could take it: the provider retries).
 * While older events wait in the spool, new ones join the spool behind them
 * (unless this request can drain it first) so webhook_events keeps arrival
 * order. */
#include "app.h"

#include <string.h>

#include "json.h"
#include "log.h"
#include "metrics.h"
#include "sig.h"
#include "spool.h"
#include "webhook.h"

#define SPOOL_DRAIN_PER_REQUEST 200

static void ack(sb_response *resp, int status, const char *word, uint64_t id)
{
    resp->status = status;
    buf_reset(&resp->body);
    if (id) buf_printf(&resp->body, "{\"received\":true,\"status\":\"%s\",\"id\":%llu}", word, (unsigned long long)id);
    else buf_printf(&resp->body, "{\"received\":true,\"status\":\"%s\"}", word);
}

static void spool_or_fail(sb_app *app, const webhook_event *ev, sb_response *resp)
{
    if (spool_write(app->cfg.spool_dir, ev) == 0) {
        ack(resp, 202, "spooled", 0);
        metrics_ingest(ev->provider, INGEST_SPOOLED);
        return;
    }
    metrics_ingest(ev->provider, INGEST_REFUSED);
    log_msg("error", "spool write failed for %s %s: the event was refused with 503", ev->provider, ev->event_id);
    http_json_error(resp, 503, "database unavailable and the local spool cannot be written; retry later");
}

static void store_and_ack(sb_app *app, const sb_request *req, sb_response *resp, webhook_event *ev_in);

static void ingest(sb_app *app, const sb_request *req, sb_response *resp, const char *provider)
{
    int is_calcom = strcmp(provider, "calcom") == 0;
    char err[256];
    if (req->body_too_large) {
        snprintf(err, sizeof err, "request body is larger than the limit of %lld bytes (http.max_body)",
                 (long long)app->cfg.http_max_body);
        http_json_error(resp, 413, err);
        return;
    }
    const char *secret = is_calcom ? app->cfg.calcom_webhook_secret : app->cfg.retell_api_key;
    if (!secret || !*secret) {
        http_json_error(resp, 503, is_calcom ? "Cal.com webhook secret is not configured (calcom.webhook_secret); "
                                               "nothing is accepted until it is"
                                             : "Retell API key is not configured (retell.api_key); nothing is "
                                               "accepted until it is");
        return;
    }
    sig_result sr = is_calcom ? sig_calcom_verify(secret, req->body, req->body_len, http_header(req, "x-cal-signature-256"))
                              : sig_retell_verify(secret, req->body, req->body_len, http_header(req, "x-retell-signature"),
                                                  req->received_us / 1000, app->cfg.retell_signature_tolerance_ms);
    if (sr != SIG_OK) {
        snprintf(err, sizeof err, "invalid %s: %s", is_calcom ? "X-Cal-Signature-256" : "X-Retell-Signature",
                 sig_result_message(sr));
        http_json_error(resp, 401, err);
        metrics_ingest(provider, INGEST_REJECTED_SIGNATURE);
        return;
    }
    json_object *root = json_parse_strict(req->body, req->body_len, err, sizeof err);
    if (!root) {
        http_json_error(resp, 400, err);
        metrics_ingest(provider, INGEST_REJECTED_INPUT);
        return;
    }
    webhook_event ev = {0};
    if (webhook_describe(provider, root, req->body, req->body_len, req->pool, &ev, err, sizeof err) != 0) {
        json_object_put(root);
        http_json_error(resp, 400, err);
        metrics_ingest(provider, INGEST_REJECTED_INPUT);
        return;
    }
    store_and_ack(app, req, resp, &ev);
    /* Retell waits for the answer to call_inbound while the caller hears ringing: once the event
     * is safe (stored or spooled), the body is the routing answer instead of our ack */
    if (!is_calcom && !strcmp(ev.event_type, "call_inbound") && (resp->status == 200 || resp->status == 202))
        retell_inbound_answer(app, req, root, resp);
    json_object_put(root);
}

/* Store ev durably (DB, else spool) and set the ack. */
static void store_and_ack(sb_app *app, const sb_request *req, sb_response *resp, webhook_event *ev_in)
{
    webhook_event ev = *ev_in;
    ev.correlation_id = req->request_id;
    ev.headers_json = webhook_headers_json(req, req->pool);
    ev.received_us = req->received_us;
    resp->log_event_id = ev.event_id;

    if (spool_pending(app->cfg.spool_dir)) {
        size_t moved = 0;
        if (spool_drain(app->cfg.spool_dir, app->db, SPOOL_DRAIN_PER_REQUEST, SPOOL_TRY_LOCK, &moved) != 0) {
            spool_or_fail(app, &ev, resp);
            return;
        }
    }
    uint64_t id = 0;
    switch (webhook_store(app->db, req->pool, &ev, &id)) {
    case WEBHOOK_STORED:
        ack(resp, 200, "accepted", id);
        metrics_ingest(ev.provider, INGEST_ACCEPTED);
        resp->process_after = id; /* processed by this child once the provider has its answer */
        return;
    case WEBHOOK_DUPLICATE:
        ack(resp, 200, "duplicate", id);
        metrics_ingest(ev.provider, INGEST_DUPLICATE);
        return;
    case WEBHOOK_STORE_FAILED:
        log_msg("error", "webhook_events insert failed (%u: %s); spooling %s %s", db_errno(app->db),
                db_error(app->db), ev.provider, ev.event_id);
        spool_or_fail(app, &ev, resp);
        return;
    }
}

void wh_calcom_receive(sb_app *app, const sb_request *req, sb_response *resp) { ingest(app, req, resp, "calcom"); }

void wh_retell_receive(sb_app *app, const sb_request *req, sb_response *resp) { ingest(app, req, resp, "retell"); }

void wh_calcom_ping(sb_app *app, const sb_request *req, sb_response *resp)
{
    (void)app;
    (void)req;
    resp->status = 200;
    buf_puts(&resp->body, "{\"ping\":\"ok\"}");
}
