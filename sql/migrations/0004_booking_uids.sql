-- Every Cal.com booking uid switchboard has seen, current or replaced by a
-- reschedule, pointing at the one appointment of its booking chain. Looking an
-- old uid up in appointments.metadata would scan the tenant's appointments for
-- every new booking; appointments itself is at the 64-key limit.
CREATE TABLE IF NOT EXISTS switchboard_booking_uids (
  uid VARCHAR(191) NOT NULL PRIMARY KEY,
  appointment_id BIGINT UNSIGNED NOT NULL,
  company_id BIGINT UNSIGNED NOT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY switchboard_booking_uids_appointment (appointment_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
