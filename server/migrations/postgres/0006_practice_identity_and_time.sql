-- The same columns as migrations/0019_practice_identity_and_time.sql: the practice system's
-- identifier systems, and an imported appointment's start and end as RFC 3339 instants.
ALTER TABLE patient ADD COLUMN external_system TEXT;
ALTER TABLE appointment ADD COLUMN external_system TEXT;
ALTER TABLE appointment ADD COLUMN starts_at_instant TEXT;
ALTER TABLE appointment ADD COLUMN ends_at_instant TEXT;
