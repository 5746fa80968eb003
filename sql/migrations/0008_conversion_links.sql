-- detect-conversions runs and what each changed, so a run can be undone
-- exactly (bulk changes to the shared production database must be reversible).
CREATE TABLE IF NOT EXISTS switchboard_link_runs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  started_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  finished_at TIMESTAMP(3) NULL DEFAULT NULL,
  requested_by VARCHAR(191) NOT NULL,
  scope VARCHAR(255) NOT NULL,
  calls_linked INT UNSIGNED NOT NULL DEFAULT 0,
  calls_unlinked INT UNSIGNED NOT NULL DEFAULT 0,
  undone_at TIMESTAMP(3) NULL DEFAULT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS switchboard_link_changes (
  run_id BIGINT UNSIGNED NOT NULL,
  call_id BIGINT UNSIGNED NOT NULL,
  appointment_id BIGINT UNSIGNED NULL,
  action VARCHAR(16) NOT NULL,
  old_converted_appointment_id BIGINT UNSIGNED NULL,
  old_appointment_made TINYINT(1) NOT NULL,
  old_converted_to_appointment TINYINT(1) NOT NULL,
  old_conversion_timestamp TIMESTAMP NULL DEFAULT NULL,
  old_appointment_id BIGINT UNSIGNED NULL,
  old_appointment_link_status VARCHAR(32) NOT NULL,
  old_appointment_linked_at TIMESTAMP NULL DEFAULT NULL,
  old_linking_metadata LONGTEXT NULL,
  old_appointment_call_id BIGINT UNSIGNED NULL,
  PRIMARY KEY (run_id, call_id),
  KEY switchboard_link_changes_call (call_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
