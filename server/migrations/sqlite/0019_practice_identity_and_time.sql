-- The practice system's identifiers as it sends them: the identifier's own `system` beside its
-- value (`external_id`), so the FHIR hand-off can name the patient and the visit the way the
-- practice system does. NULL for rows imported before this column existed.
ALTER TABLE patient ADD COLUMN external_system TEXT;
ALTER TABLE appointment ADD COLUMN external_system TEXT;
-- An imported appointment's start and end as instants, RFC 3339 with the offset they had in
-- the clinic's time zone ('2026-12-02T13:00:00-06:00'). `starts_at` stays the clinic's wall
-- clock, which the kiosk, the board and matching read. NULL when not imported.
ALTER TABLE appointment ADD COLUMN starts_at_instant TEXT;
ALTER TABLE appointment ADD COLUMN ends_at_instant TEXT;
