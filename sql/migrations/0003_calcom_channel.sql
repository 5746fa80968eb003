-- Web channel (Cal.com) needs, all additive for the Laravel app:
--
-- 1. customers.email was UNIQUE across all companies, so a customer of company
--    B could not be created with an email already used in company A (legacy
--    either linked B's booking to A's customer or failed with 500). Identity is
--    per tenant: UNIQUE (company_id, email) replaces it. This only relaxes what
--    the Laravel writer sees (every row that was valid stays valid); Laravel
--    validation rules that check global uniqueness keep working as before.
ALTER TABLE customers ADD UNIQUE INDEX IF NOT EXISTS customers_company_email_unique (company_id, email);
ALTER TABLE customers DROP INDEX IF EXISTS customers_email_unique;

-- 2. appointments gets the columns the legacy code already tried to write
--    (cancelled_at, cancellation_reason) and the reschedule trail. Columns only:
--    the table is at MariaDB's 64-key limit and gets no index.
ALTER TABLE appointments
  ADD COLUMN IF NOT EXISTS cancelled_at TIMESTAMP NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS cancellation_reason TEXT NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS rescheduled_at TIMESTAMP NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS previous_starts_at TIMESTAMP NULL DEFAULT NULL;

-- 3. Every insert or change switchboard makes to appointments and customers.
CREATE TABLE IF NOT EXISTS switchboard_audit (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  table_name VARCHAR(64) NOT NULL,
  row_id BIGINT UNSIGNED NOT NULL,
  company_id BIGINT UNSIGNED NULL,
  action VARCHAR(32) NOT NULL,
  changes LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL CHECK (json_valid(changes)),
  webhook_event_id BIGINT UNSIGNED NULL,
  cause VARCHAR(191) NOT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY switchboard_audit_row (table_name, row_id),
  KEY switchboard_audit_event (webhook_event_id),
  KEY switchboard_audit_company_time (company_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
