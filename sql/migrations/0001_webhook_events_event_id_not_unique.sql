-- The legacy UNIQUE key on webhook_events.event_id lets only the first event
-- of a Retell call (or Cal.com booking) in: call_ended after call_started hits
-- it. Identity is idempotency_key ("<provider>:<event_type>:<event_id>"),
-- which keeps its UNIQUE key. Replace the unique event_id key with a plain
-- index; the Laravel writer (event_id = idempotency_key = call id) only gains.
ALTER TABLE webhook_events ADD INDEX IF NOT EXISTS webhook_events_event_id_index (event_id);
ALTER TABLE webhook_events DROP INDEX IF EXISTS webhook_events_event_id_unique;
