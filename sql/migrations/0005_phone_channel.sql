-- Retell's call_inbound webhook arrives before the call exists (no call id).
-- It is linked to its call when call_started arrives for the same numbers;
-- one row per inbound event, so two calls never claim the same inbound event.
CREATE TABLE IF NOT EXISTS switchboard_inbound_links (
  webhook_event_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  call_id BIGINT UNSIGNED NOT NULL,
  linked_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY switchboard_inbound_links_call (call_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
