-- Issue 15 (web): who is an operator, sessions re-checked against users,
-- throttling per (account, address), per-session limits on polls and exports.
--
-- switchboard_operators: the Laravel users (by id, never reused) who may see
-- every company; managed by `switchboard operators add|remove|list` (D131).
-- A user without a company who is not listed here is refused.
CREATE TABLE IF NOT EXISTS switchboard_operators (
  user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  email VARCHAR(255) NOT NULL,
  granted_by VARCHAR(255) NOT NULL,
  granted_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- password_sha: SHA-256 of users.password at login; a session whose user's
-- hash or company changed since ends (D132). Sessions from before this
-- migration have NULL and end at their next request.
-- live_at / export_at / exports: the per-session limits of D136.
ALTER TABLE switchboard_sessions
  ADD COLUMN IF NOT EXISTS password_sha CHAR(64) NULL,
  ADD COLUMN IF NOT EXISTS live_at TIMESTAMP(3) NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS export_at TIMESTAMP(3) NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS exports INT UNSIGNED NOT NULL DEFAULT 0;

-- pruning of the throttle table scans by time
ALTER TABLE switchboard_login_attempts
  ADD KEY IF NOT EXISTS switchboard_login_attempts_first (first_at);
