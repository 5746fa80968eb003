-- Daily aggregates of the conversion metrics, per company, day and branch, so
-- the dashboard's report pages read a few hundred rows instead of a tenant's
-- million calls (issue 8: every page under 100 ms on 1 M calls). Kept current
-- by lib/daily_stats.c: every write of a call or an appointment (lib/record.c),
-- every linker run and every processed Cal.com event marks its (company, day)
-- dirty; the worker and the dashboard recompute dirty days. branch_id '' holds
-- rows without a branch (and all Cal.com event counts: webhook_events has no branch).

CREATE TABLE IF NOT EXISTS switchboard_daily_calls (
  company_id BIGINT UNSIGNED NOT NULL,
  day DATE NOT NULL,
  branch_id CHAR(36) NOT NULL DEFAULT '',
  agent_id VARCHAR(191) NOT NULL DEFAULT '',
  calls INT UNSIGNED NOT NULL DEFAULT 0,
  answered INT UNSIGNED NOT NULL DEFAULT 0,
  phone_booked INT UNSIGNED NOT NULL DEFAULT 0,
  phone_influenced INT UNSIGNED NOT NULL DEFAULT 0,
  matched INT UNSIGNED NOT NULL DEFAULT 0,
  answered_seconds BIGINT UNSIGNED NOT NULL DEFAULT 0,
  cost_cents BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (company_id, day, branch_id, agent_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS switchboard_daily_stats (
  company_id BIGINT UNSIGNED NOT NULL,
  day DATE NOT NULL,
  branch_id CHAR(36) NOT NULL DEFAULT '',
  appt_phone_booked INT UNSIGNED NOT NULL DEFAULT 0,
  appt_phone_influenced INT UNSIGNED NOT NULL DEFAULT 0,
  appt_web INT UNSIGNED NOT NULL DEFAULT 0,
  appt_other INT UNSIGNED NOT NULL DEFAULT 0,
  phone_value DECIMAL(14,2) NOT NULL DEFAULT 0,
  web_value DECIMAL(14,2) NOT NULL DEFAULT 0,
  visitors INT UNSIGNED NOT NULL DEFAULT 0,
  converted_visitors INT UNSIGNED NOT NULL DEFAULT 0,
  web_events INT UNSIGNED NOT NULL DEFAULT 0,
  web_events_ok INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (company_id, day, branch_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- call end -> appointment created, whole minutes, for the median and p90
CREATE TABLE IF NOT EXISTS switchboard_daily_booking_minutes (
  company_id BIGINT UNSIGNED NOT NULL,
  day DATE NOT NULL,
  branch_id CHAR(36) NOT NULL DEFAULT '',
  minutes INT UNSIGNED NOT NULL,
  calls INT UNSIGNED NOT NULL,
  PRIMARY KEY (company_id, day, branch_id, minutes)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS switchboard_stats_dirty (
  company_id BIGINT UNSIGNED NOT NULL,
  day DATE NOT NULL,
  PRIMARY KEY (company_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- every day that already holds data is computed once by the worker after this migration
INSERT IGNORE INTO switchboard_stats_dirty (company_id, day)
  SELECT DISTINCT company_id, DATE(created_at) FROM calls WHERE company_id IS NOT NULL AND created_at IS NOT NULL;
INSERT IGNORE INTO switchboard_stats_dirty (company_id, day)
  SELECT DISTINCT company_id, DATE(created_at) FROM appointments WHERE company_id IS NOT NULL AND created_at IS NOT NULL;
INSERT IGNORE INTO switchboard_stats_dirty (company_id, day)
  SELECT DISTINCT company_id, DATE(COALESCE(received_at, created_at)) FROM webhook_events
  WHERE company_id IS NOT NULL AND provider = 'calcom' AND COALESCE(received_at, created_at) IS NOT NULL;
