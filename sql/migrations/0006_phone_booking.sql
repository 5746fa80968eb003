-- One row per booking attempt of the phone agent, keyed by (call, slot,
-- service): Retell may call book_appointment again (retries), and the slot
-- must be booked in Cal.com once. The row outlives a failed local write, so
-- the pipeline can repair the appointment from it.
CREATE TABLE IF NOT EXISTS switchboard_phone_bookings (
  idem_key CHAR(64) NOT NULL PRIMARY KEY,
  call_id BIGINT UNSIGNED NOT NULL,
  company_id BIGINT UNSIGNED NOT NULL,
  service_id BIGINT UNSIGNED NOT NULL,
  starts_at_unix BIGINT NOT NULL,
  customer_name VARCHAR(255) NULL,
  customer_phone VARCHAR(32) NULL,
  customer_email VARCHAR(255) NULL,
  status VARCHAR(16) NOT NULL,
  calcom_uid VARCHAR(191) NULL,
  calcom_id BIGINT UNSIGNED NULL,
  ends_at_unix BIGINT NULL,
  appointment_id BIGINT UNSIGNED NULL,
  error TEXT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY switchboard_phone_bookings_call (call_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
