-- The queue's lag over the last hour (lib/queue/queue_stats.c LAG: processed or ignored
-- events finished in the last hour) read every event of the table without an index on
-- finished_at: seconds at a million events, on the dashboard, the monitor route and
-- /metrics (DESIGN D222). Additive, online (InnoDB adds a secondary index in place).
ALTER TABLE webhook_events ADD INDEX IF NOT EXISTS sb_webhook_events_finished (status, finished_at);
