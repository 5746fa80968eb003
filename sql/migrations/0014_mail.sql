-- Mail (issue 14 part 5, DESIGN D106-D115): the call summaries Laravel's
-- SendCallSummaryJob sent after Retell's call_ended, and an alert when callback
-- items open. Only the worker talks SMTP; the pipeline only notes what is owed.
--
-- switchboard_mail_calls: one row per call whose call_ended switchboard
-- processed (written in the event's own transaction, so a rolled-back event owes
-- nothing and a replayed one owes nothing twice). state: due (waiting for its
-- analysis or due_at), batched (an hourly/daily digest, digest_key/digest_at),
-- mailed (its outbox rows exist), skipped (summaries off, no recipient, too old:
-- note says which).
CREATE TABLE IF NOT EXISTS switchboard_mail_calls (
  call_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  company_id BIGINT UNSIGNED NOT NULL,
  branch_id CHAR(36) NULL,
  ended_at TIMESTAMP(3) NULL DEFAULT NULL,
  due_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  state VARCHAR(16) NOT NULL DEFAULT 'due',
  frequency VARCHAR(16) NULL,
  digest_key VARCHAR(160) NULL,
  digest_at TIMESTAMP(3) NULL DEFAULT NULL,
  note VARCHAR(255) NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY switchboard_mail_calls_due (state, due_at),
  KEY switchboard_mail_calls_digest (state, digest_at, digest_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- switchboard_mail_outbox: every mail, composed once into the exact bytes that
-- go out (headers with a stable Message-ID, MIME parts, attachment), so a retry
-- sends the same message. dedup_key names what the mail is for (one summary per
-- call and recipient, one digest per batch and recipient, one alert per batch
-- of callback items and recipient): composing twice inserts nothing twice.
-- status: pending -> sending (lease) -> sent | failed (next_attempt_at, backoff)
-- -> dead (permanent SMTP refusal or attempts exhausted).
CREATE TABLE IF NOT EXISTS switchboard_mail_outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(24) NOT NULL,
  company_id BIGINT UNSIGNED NULL,
  call_id BIGINT UNSIGNED NULL,
  dedup_key VARCHAR(191) NOT NULL,
  message_id VARCHAR(255) NOT NULL,
  recipient VARCHAR(255) NOT NULL,
  subject VARCHAR(500) NOT NULL,
  message LONGTEXT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'pending',
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  lease_owner VARCHAR(191) NULL,
  lease_expires_at TIMESTAMP(3) NULL DEFAULT NULL,
  last_error VARCHAR(1000) NULL,
  sent_at TIMESTAMP(3) NULL DEFAULT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY switchboard_mail_outbox_dedup (dedup_key),
  KEY switchboard_mail_outbox_due (status, next_attempt_at),
  KEY switchboard_mail_outbox_company (company_id, kind, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
