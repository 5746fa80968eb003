-- The free slots of one day, fetched from Cal.com once per phone call and
-- reused by the agent's next function calls, whichever FastCGI child answers
-- them (a process-local cache would miss half of the time with two children).
CREATE TABLE IF NOT EXISTS switchboard_slot_cache (
  cache_key VARCHAR(191) NOT NULL PRIMARY KEY,
  slots LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL CHECK (json_valid(slots)),
  fetched_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY switchboard_slot_cache_fetched (fetched_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
