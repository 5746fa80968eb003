-- Who is calling (issue 14 part 1, D86-D89). A phone booking remembers the
-- verified caller ID it was made under (NULL: withheld, or a call id that came
-- from the model's arguments), so the local write and its pipeline repair pick
-- the customer by the caller ID and never by what the caller said.
-- switchboard_phone_changes is the idempotency record of cancel_appointment and
-- reschedule_appointment: one row per (call, function, normalised request);
-- a retry answers `answer` (the first answer's JSON) and changes nothing.
-- status: pending (an attempt is running), done, failed (the next retry may
-- claim it again, one at a time).
ALTER TABLE switchboard_phone_bookings ADD COLUMN IF NOT EXISTS caller_phone VARCHAR(32) NULL AFTER customer_email;

CREATE TABLE IF NOT EXISTS switchboard_phone_changes (
  idem_key CHAR(64) NOT NULL PRIMARY KEY,
  call_id BIGINT UNSIGNED NOT NULL,
  company_id BIGINT UNSIGNED NOT NULL,
  function_name VARCHAR(32) NOT NULL,
  status VARCHAR(16) NOT NULL,
  appointment_id BIGINT UNSIGNED NULL,
  answer MEDIUMTEXT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY switchboard_phone_changes_call (call_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
