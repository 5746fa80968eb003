-- Demo logins for the dashboard (bcrypt, as Laravel stores them):
--   owner@salon-haarmonie.example.com / haarmonie-demo    (sees Salon Haarmonie only)
--   operator@switchboard.example.com  / switchboard-demo  (operator: every company)
INSERT INTO users (name, email, password, company_id, created_at, updated_at) VALUES
  ('Sabine Hoffmann', 'owner@salon-haarmonie.example.com', '$2y$10$LllQXO1gnumtkuPS6OivzucsTFejAV4nShK5OTyuzj8M5zqEsMqDS', 2, NOW(), NOW()),
  ('Betrieb', 'operator@switchboard.example.com', '$2y$10$EhJN2RnF/HXCNeMS1ng9XehC6VIEKDPt4of2IRPBQSvzHTJ.qa8VW', NULL, NOW(), NOW());
