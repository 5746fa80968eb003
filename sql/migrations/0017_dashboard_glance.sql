-- The dashboard at a glance (issue 17, DESIGN D166-D180). Only switchboard's
-- own tables change shape; the one shared table here (currency_exchange_rates)
-- is created exactly as Laravel's 2025_09_29_151041 migration creates it, and
-- only when it is missing (that migration checks hasTable and returns).
--
-- 1. The daily aggregates get a `test` dimension (17.5: Retell web/test calls
--    and a company's test numbers are kept apart, so every figure can leave
--    them out or show them), EUR costs (17.6) and the funnel to the chair
--    (17.2: wanted an appointment; attended, no-show, cancelled per channel).
--    Days become the company's local days (17.1): every day that holds an
--    aggregate now is marked dirty, so the worker (or `switchboard stats
--    --rebuild`) recomputes it under the new bucketing; the definition digest
--    changes too, which marks every day with data (lib/daily_stats.c).
ALTER TABLE switchboard_daily_calls
  ADD COLUMN IF NOT EXISTS test TINYINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS wanted INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS cost_eur_cents BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS cost_converted INT UNSIGNED NOT NULL DEFAULT 0,
  DROP PRIMARY KEY, ADD PRIMARY KEY (company_id, day, branch_id, agent_id, test);
ALTER TABLE switchboard_daily_stats
  ADD COLUMN IF NOT EXISTS test TINYINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS phone_attended INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS phone_no_show INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS phone_cancelled INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS web_attended INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS web_no_show INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS web_cancelled INT UNSIGNED NOT NULL DEFAULT 0,
  DROP PRIMARY KEY, ADD PRIMARY KEY (company_id, day, branch_id, test);
ALTER TABLE switchboard_daily_booking_minutes
  ADD COLUMN IF NOT EXISTS test TINYINT UNSIGNED NOT NULL DEFAULT 0,
  DROP PRIMARY KEY, ADD PRIMARY KEY (company_id, day, branch_id, minutes, test);

INSERT IGNORE INTO switchboard_stats_dirty (company_id, day) SELECT DISTINCT company_id, day FROM switchboard_daily_calls;
INSERT IGNORE INTO switchboard_stats_dirty (company_id, day) SELECT DISTINCT company_id, day FROM switchboard_daily_stats;

-- 2. A company's test numbers (17.5): calls from these numbers (E.164) are test
--    calls, left out of every KPI unless the page asks for them.
CREATE TABLE IF NOT EXISTS switchboard_test_numbers (
  company_id BIGINT UNSIGNED NOT NULL,
  number VARCHAR(32) NOT NULL,
  label VARCHAR(191) NULL,
  created_by VARCHAR(191) NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (company_id, number)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 3. Per-company settings of the dashboard (17.3 targets, 17.6 the web
--    channel's monthly cost); NULL: the config's default (targets.*,
--    metrics.web_monthly_cost_eur).
CREATE TABLE IF NOT EXISTS switchboard_company_settings (
  company_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  web_monthly_cost_eur DECIMAL(12,2) NULL,
  target_web_pct TINYINT UNSIGNED NULL,
  target_phone_pct TINYINT UNSIGNED NULL,
  target_overall_pct TINYINT UNSIGNED NULL,
  target_sync_ms INT UNSIGNED NULL,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 4. Laravel's daily exchange rates (17.6), read for USD->EUR when a call has
--    no retell_cost_eur_cents; same columns, keys and names as Laravel's.
CREATE TABLE IF NOT EXISTS currency_exchange_rates (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  from_currency ENUM('USD','EUR','GBP') NOT NULL,
  to_currency ENUM('USD','EUR','GBP') NOT NULL,
  rate DECIMAL(10,6) NOT NULL COMMENT 'Exchange rate',
  source ENUM('manual','ecb','fixer','openexchange') NOT NULL DEFAULT 'manual' COMMENT 'Source of the exchange rate',
  valid_from DATETIME NOT NULL COMMENT 'When this rate becomes valid',
  valid_until DATETIME NULL COMMENT 'When this rate expires',
  is_active TINYINT(1) NOT NULL DEFAULT 1,
  metadata LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL COMMENT 'Additional data from API' CHECK (json_valid(metadata)),
  created_at TIMESTAMP NULL DEFAULT NULL,
  updated_at TIMESTAMP NULL DEFAULT NULL,
  KEY idx_currency_pair_active (from_currency, to_currency, is_active),
  KEY idx_validity_period (valid_from, valid_until),
  UNIQUE KEY uniq_currency_pair_date (from_currency, to_currency, valid_from)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
