-- Freshness (issue 17.8, DESIGN D172): each batch command (sync-calls,
-- detect-conversions, prune) records its last run when it ends: when it
-- started and finished, whether it succeeded, a one-line outcome, and the
-- last time it succeeded. Read by the monitor route, /metrics and the
-- webhooks page, so "when did sync-calls last work?" needs no log reading.
CREATE TABLE IF NOT EXISTS switchboard_command_runs (
  command VARCHAR(32) NOT NULL PRIMARY KEY,
  last_started_at TIMESTAMP(3) NULL DEFAULT NULL,
  last_finished_at TIMESTAMP(3) NULL DEFAULT NULL,
  last_ok TINYINT(1) NOT NULL DEFAULT 0,
  last_outcome VARCHAR(500) NULL,
  last_success_at TIMESTAMP(3) NULL DEFAULT NULL,
  runs BIGINT UNSIGNED NOT NULL DEFAULT 0,
  failures BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
