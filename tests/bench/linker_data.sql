-- Generated data for `make bench-linker`: @calls calls over 50 tenants in the
-- last 30 days, customers for 90 % of callers, appointments for 30 %:
-- half booked during the call, a third web bookings by the caller 10-110 min
-- after the call, the rest unrelated. Set @calls before sourcing.
SET @appts_per_call = 0.3;
INSERT IGNORE INTO companies (id, name, slug, timezone, is_active, created_at, updated_at)
  SELECT 1000 + seq, CONCAT('Bench ', seq), CONCAT('bench-', seq), 'Europe/Berlin', 1, NOW(), NOW() FROM seq_1_to_50;
INSERT INTO customers (id, company_id, name, phone, source, status, created_at, updated_at)
  SELECT 10000000 + seq, 1000 + seq % 50 + 1, CONCAT('B', seq), CONCAT('+4917', LPAD(seq, 9, '0')), 'bench', 'active', NOW(), NOW()
  FROM seq_1_to_1000000 WHERE seq <= @calls AND seq % 10 <> 0;
INSERT INTO calls (retell_call_id, company_id, from_number, to_number, direction, status, start_timestamp, end_timestamp,
                   duration_sec, transcript, customer_id, created_at, updated_at)
  SELECT CONCAT('bench_', seq), 1000 + seq % 50 + 1, CONCAT('+4917', LPAD(seq, 9, '0')), '+4930000000', 'inbound', 'completed',
         NOW() - INTERVAL 30 DAY + INTERVAL seq * 2 SECOND, NOW() - INTERVAL 30 DAY + INTERVAL seq * 2 + 90 SECOND, 90,
         IF(seq % 4 = 0, 'Nur eine Frage.', 'Ich hätte gern einen Termin.'), IF(seq % 10 = 0, NULL, 10000000 + seq),
         NOW() - INTERVAL 30 DAY + INTERVAL seq * 2 SECOND, NOW()
  FROM seq_1_to_1000000 WHERE seq <= @calls;
-- booked during the call (15 % of calls)
INSERT INTO appointments (company_id, customer_id, status, source, call_id, created_at, updated_at)
  SELECT c.company_id, c.customer_id, 'confirmed', 'phone', c.id, c.start_timestamp + INTERVAL 60 SECOND, NOW()
  FROM calls c WHERE c.retell_call_id LIKE 'bench\_%' AND c.customer_id IS NOT NULL AND c.id % 20 IN (1, 2, 3);
-- web bookings by callers after the call (10 %)
INSERT INTO appointments (company_id, customer_id, status, source, created_at, updated_at)
  SELECT c.company_id, c.customer_id, 'confirmed', 'cal.com', c.end_timestamp + INTERVAL (10 + c.id % 100) MINUTE, NOW()
  FROM calls c WHERE c.retell_call_id LIKE 'bench\_%' AND c.customer_id IS NOT NULL AND c.id % 20 IN (5, 6);
-- unrelated bookings (5 %)
INSERT INTO appointments (company_id, customer_id, status, source, created_at, updated_at)
  SELECT c.company_id, c.customer_id, 'confirmed', 'cal.com', c.end_timestamp + INTERVAL 2 DAY, NOW()
  FROM calls c WHERE c.retell_call_id LIKE 'bench\_%' AND c.customer_id IS NOT NULL AND c.id % 20 = 9;
