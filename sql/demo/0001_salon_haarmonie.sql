-- Demo tenant for `make run` and the tests: Salon Haarmonie, Köln, the tenant
-- of the provider fixtures (tests/fixtures/PROVENANCE.md). Explicit column
-- lists, explicit company_id/branch_id, UUID keys generated here as the
-- Laravel admin would. Loaded once, right after the legacy baseline.
SET NAMES utf8mb4;
SET time_zone = '+00:00';

INSERT INTO companies
  (id, name, email, phone, is_active, active, slug, timezone, country, default_language, currency,
   retell_enabled, company_type, billing_status, billing_type, created_at, updated_at)
VALUES
  (2, 'Salon Haarmonie', 'info@salon-haarmonie.example.com', '+4922112345678', 1, 1, 'salon-haarmonie',
   'Europe/Berlin', 'DE', 'de', 'EUR', 1, 'client', 'active', 'prepaid', '2026-01-15 09:00:00', '2026-01-15 09:00:00');

INSERT INTO branches
  (id, company_id, name, slug, city, address, postal_code, country, phone_number, notification_email,
   active, is_active, calendar_mode, retell_agent_id, calcom_user_id, created_at, updated_at)
VALUES
  ('5a0d6c1e-2b7f-4e39-9c41-7d2f0e8b4a11', 2, 'Salon Haarmonie Köln', 'salon-haarmonie-koeln', 'Köln',
   'Ehrenstraße 12', '50672', 'Deutschland', '+4922112345678', 'koeln@salon-haarmonie.example.com',
   1, 1, 'inherit', 'agent_5d1e8c2f9a7b43c6b0e4f1a2d3', '48213', '2026-01-15 09:00:00', '2026-01-15 09:00:00');

INSERT INTO phone_numbers
  (id, company_id, branch_id, number, number_normalized, phone_number, country_code, retell_phone_id,
   retell_agent_id, agent_id, type, description, is_active, is_primary, provider, created_at, updated_at)
VALUES
  ('9e3b1f27-4c8a-4d52-b6e0-1a7c3d5f9b22', 2, '5a0d6c1e-2b7f-4e39-9c41-7d2f0e8b4a11',
   '+4922112345678', '+4922112345678', '+4922112345678', '+49', '+4922112345678',
   'agent_5d1e8c2f9a7b43c6b0e4f1a2d3', 'agent_5d1e8c2f9a7b43c6b0e4f1a2d3', 'direct', 'Salon-Telefon', 1, 1,
   'retell', '2026-01-15 09:00:00', '2026-01-15 09:00:00');

INSERT INTO services
  (id, company_id, branch_id, name, display_name, calcom_name, description, category, duration_minutes, price,
   is_active, is_online, calcom_event_type_id, slug, sync_status, is_default, priority, created_at, updated_at)
VALUES
  (101, 2, '5a0d6c1e-2b7f-4e39-9c41-7d2f0e8b4a11', 'Damenhaarschnitt', 'Damenhaarschnitt', 'damenhaarschnitt',
   'Waschen, Schneiden, Föhnen', 'Haarschnitt', 60, 58.00, 1, 1, '1843201', 'damenhaarschnitt', 'synced', 1, 10,
   '2026-01-15 09:00:00', '2026-01-15 09:00:00'),
  (102, 2, '5a0d6c1e-2b7f-4e39-9c41-7d2f0e8b4a11', 'Herrenhaarschnitt', 'Herrenhaarschnitt', 'herrenhaarschnitt',
   'Waschen, Schneiden', 'Haarschnitt', 30, 32.00, 1, 1, '1843202', 'herrenhaarschnitt', 'synced', 0, 20,
   '2026-01-15 09:00:00', '2026-01-15 09:00:00'),
  (103, 2, '5a0d6c1e-2b7f-4e39-9c41-7d2f0e8b4a11', 'Färben & Strähnen', 'Färben & Strähnen', 'faerben-straehnen',
   'Farbe oder Strähnen inkl. Pflege', 'Farbe', 120, 119.00, 1, 1, '1843205', 'faerben-straehnen', 'synced', 0, 30,
   '2026-01-15 09:00:00', '2026-01-15 09:00:00');

INSERT INTO staff
  (id, company_id, branch_id, home_branch_id, name, email, phone, active, is_active, is_bookable,
   calcom_user_id, calcom_username, created_at, updated_at)
VALUES
  ('d41f8a63-7b2e-4c90-a5d8-3e6f1b9c0d44', 2, '5a0d6c1e-2b7f-4e39-9c41-7d2f0e8b4a11',
   '5a0d6c1e-2b7f-4e39-9c41-7d2f0e8b4a11', 'Sabine Hoffmann', 'sabine.hoffmann@salon-haarmonie.example.com',
   '+4922112345670', 1, 1, 1, '48213', 'salon-haarmonie', '2026-01-15 09:00:00', '2026-01-15 09:00:00');

INSERT INTO service_staff
  (service_id, staff_id, is_primary, can_book, is_active, assigned_at, created_at, updated_at)
VALUES
  (101, 'd41f8a63-7b2e-4c90-a5d8-3e6f1b9c0d44', 1, 1, 1, '2026-01-15 09:00:00', '2026-01-15 09:00:00', '2026-01-15 09:00:00'),
  (102, 'd41f8a63-7b2e-4c90-a5d8-3e6f1b9c0d44', 1, 1, 1, '2026-01-15 09:00:00', '2026-01-15 09:00:00', '2026-01-15 09:00:00'),
  (103, 'd41f8a63-7b2e-4c90-a5d8-3e6f1b9c0d44', 1, 1, 1, '2026-01-15 09:00:00', '2026-01-15 09:00:00', '2026-01-15 09:00:00');

INSERT INTO retell_agents
  (agent_id, name, company_id, phone_number_id, version, is_published, is_active, active, sync_status,
   created_at, updated_at)
VALUES
  ('agent_5d1e8c2f9a7b43c6b0e4f1a2d3', 'Salon Haarmonie – Telefonassistentin Mia', 2,
   '9e3b1f27-4c8a-4d52-b6e0-1a7c3d5f9b22', 7, 1, 1, 1, 'synced', '2026-01-15 09:00:00', '2026-01-15 09:00:00');
