-- One row per company, locked (INSERT ... ON DUPLICATE KEY UPDATE) at the start of
-- opening a callback item and of closing items for a new appointment, so the two
-- never run side by side for one company: the second sees what the first committed
-- (DESIGN D219). switchboard's own table; Laravel never reads it.
CREATE TABLE IF NOT EXISTS switchboard_callback_locks (
  company_id BIGINT UNSIGNED NOT NULL PRIMARY KEY
) ENGINE=InnoDB;
