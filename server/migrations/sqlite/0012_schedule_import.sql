-- Appointments imported from the practice system keep its identifier, so importing the same
-- schedule again updates rather than duplicates.
ALTER TABLE appointment ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX appointment_by_external_id ON appointment(clinic_id, external_id) WHERE external_id IS NOT NULL;
