-- webhook_events becomes switchboard's durable work queue. Only nullable
-- columns and an index are added, so the Laravel writer keeps working; its rows
-- leave next_attempt_at NULL and are therefore never claimed by switchboard
-- (Laravel processes its own events in-request).
--   next_attempt_at        when the event is due (NULL: not switchboard's)
--   lease_owner/_expires_at who is processing it, until when (crash => expiry => retaken)
--   attempts               claims so far (a handler that crashes the process every time ends dead)
--   queued_at              arrival with milliseconds (received_at has seconds only)
--   finished_at            when processing last ended
--   processing_ms          duration of the last attempt
-- New status words besides the legacy ones: 'processing', 'ignored', 'dead'.
ALTER TABLE webhook_events
  ADD COLUMN IF NOT EXISTS next_attempt_at TIMESTAMP(3) NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS lease_owner VARCHAR(100) NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS lease_expires_at TIMESTAMP(3) NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS attempts INT UNSIGNED NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS queued_at TIMESTAMP(3) NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS finished_at TIMESTAMP(3) NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS processing_ms INT UNSIGNED NULL DEFAULT NULL;
ALTER TABLE webhook_events ADD INDEX IF NOT EXISTS sb_webhook_events_due (status, next_attempt_at);
ALTER TABLE webhook_events ADD INDEX IF NOT EXISTS sb_webhook_events_entity (provider, event_id, id);

-- Every replay, who asked and what came of it.
CREATE TABLE IF NOT EXISTS switchboard_replays (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  webhook_event_id BIGINT UNSIGNED NOT NULL,
  requested_by VARCHAR(191) NOT NULL,
  requested_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  previous_status VARCHAR(32) NOT NULL,
  result_status VARCHAR(32) NULL DEFAULT NULL,
  result_message TEXT NULL DEFAULT NULL,
  finished_at TIMESTAMP(3) NULL DEFAULT NULL,
  KEY switchboard_replays_event (webhook_event_id),
  KEY switchboard_replays_requested_at (requested_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
