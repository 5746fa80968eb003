-- Every phone-agent function request, kept (issue 14 part 2): what the caller
-- asked, what switchboard answered, and how it ended. Written by the function
-- routes (one insert per request, never failing the answer); read by the call's
-- story page (/call?id=), the callback detector at call end, /metrics and the
-- monitor. Pruned with the same retention as webhook events (switchboard prune).
-- outcome is one of: ok, no_slot, invalid_input, not_found, refused_identity,
-- calcom_error, calcom_down, unknown_function, internal_error.
-- args_json holds the normalised arguments (canonical keys: service, date
-- YYYY-MM-DD, time HH:MM, customer_name, customer_phone, customer_email,
-- reference; other keys as the agent sent them).
CREATE TABLE IF NOT EXISTS switchboard_function_calls (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  retell_call_id VARCHAR(255) NULL,
  call_id BIGINT UNSIGNED NULL,
  company_id BIGINT UNSIGNED NULL,
  branch_id CHAR(36) NULL,
  function_name VARCHAR(64) NOT NULL,
  args_json MEDIUMTEXT NULL,
  success TINYINT(1) NOT NULL DEFAULT 0,
  message TEXT NULL,
  outcome VARCHAR(32) NOT NULL,
  result_json MEDIUMTEXT NULL,
  appointment_id BIGINT UNSIGNED NULL,
  duration_us INT UNSIGNED NOT NULL DEFAULT 0,
  provider_at TIMESTAMP(3) NULL DEFAULT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY switchboard_function_calls_retell (retell_call_id, id),
  KEY switchboard_function_calls_call (call_id, id),
  KEY switchboard_function_calls_company (company_id, created_at),
  KEY switchboard_function_calls_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
