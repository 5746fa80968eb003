-- Rückrufe (issue 14 part 4): every unmet wish of a caller, until someone acts
-- on it. Opened at call end by the pipeline (from the call's function log and
-- Retell's analysis), closed by a person (done/dismissed, with who and when) or
-- automatically when the same caller gets an appointment by any channel within
-- callbacks.autoclose_hours (the linker). One open item per call and reason:
-- (call_id, reason) is unique, so a replayed call_ended opens nothing twice.
-- reason is one of: callback_promised, booking_failed, no_booking_after_request,
-- analysis_wanted_appointment. status: open, done, dismissed.
CREATE TABLE IF NOT EXISTS switchboard_callbacks (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  company_id BIGINT UNSIGNED NOT NULL,
  branch_id CHAR(36) NULL,
  call_id BIGINT UNSIGNED NOT NULL,
  retell_call_id VARCHAR(255) NULL,
  customer_id BIGINT UNSIGNED NULL,
  caller_number VARCHAR(64) NULL,
  caller_name VARCHAR(255) NULL,
  reason VARCHAR(48) NOT NULL,
  wanted_service VARCHAR(255) NULL,
  wanted_at VARCHAR(64) NULL,
  failure VARCHAR(255) NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'open',
  closed_by VARCHAR(191) NULL,
  closed_at TIMESTAMP(3) NULL DEFAULT NULL,
  close_note VARCHAR(1000) NULL,
  closed_by_appointment_id BIGINT UNSIGNED NULL,
  alerted_at TIMESTAMP(3) NULL DEFAULT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY switchboard_callbacks_call_reason (call_id, reason),
  KEY switchboard_callbacks_company (company_id, status, created_at),
  KEY switchboard_callbacks_caller (company_id, caller_number, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
