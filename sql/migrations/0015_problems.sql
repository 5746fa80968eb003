-- Problems an operator must fix that no webhook event carries (issue 15 #1):
-- today a company whose companies.calcom_api_key cannot be decrypted (wrong
-- laravel.app_key, a tampered or hostile value). One row per (kind, company),
-- counted and dated; the monitor lists the rows seen in the last 24 hours
-- (a tenant's token only its own). Written by lib/problems.c, never read by Laravel.
CREATE TABLE IF NOT EXISTS switchboard_problems (
  kind VARCHAR(48) NOT NULL,
  company_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  detail VARCHAR(255) NOT NULL,
  occurrences BIGINT UNSIGNED NOT NULL DEFAULT 1,
  first_seen TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  last_seen TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (kind, company_id),
  KEY switchboard_problems_last_seen (last_seen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
