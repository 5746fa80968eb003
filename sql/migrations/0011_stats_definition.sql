-- The digest of the SQL that computes a day of the daily aggregates. A
-- switchboard whose definitions differ from the stored digest (an upgrade that
-- changed a metric) marks every day dirty once, so the aggregates never mix
-- two definitions (lib/daily_stats.c, daily_stats_check_definition).
CREATE TABLE IF NOT EXISTS switchboard_stats_definition (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  digest CHAR(16) NOT NULL,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
