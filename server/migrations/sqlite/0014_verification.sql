-- Issue 3: at each visit the patient confirms or replaces what is on file (masked at the kiosk),
-- says whether their insurance is the same, changed or none, and how they mean to pay.

-- The rest of the record a front desk confirms, and what the patient owes from earlier visits.
ALTER TABLE patient ADD COLUMN emergency_contact_name TEXT;
ALTER TABLE patient ADD COLUMN emergency_contact_phone TEXT;  -- E.164
ALTER TABLE patient ADD COLUMN balance_cents INTEGER NOT NULL DEFAULT 0;

-- One per visit, written in the check-in's transaction. The snapshot keeps what was on file
-- before the changes were applied to `patient` and `coverage`, so staff see before and after.
-- The kiosk's idempotency key makes a retried check-in answer the same and store nothing new.
CREATE TABLE visit_verification (
    appointment_id    INTEGER PRIMARY KEY REFERENCES appointment(id),
    idempotency_key   TEXT NOT NULL UNIQUE,
    on_file_json      TEXT NOT NULL,   -- what was on file before, unmasked, for staff
    verification_json TEXT NOT NULL,   -- the validated domain::verification::Verification
    payment_intent    TEXT NOT NULL,   -- card_at_desk, cash_or_check, bill_me, financial_assistance
    submitted_at      TEXT NOT NULL    -- RFC 3339, the check-in's arrival time
);

-- Photos of insurance cards taken at the kiosk; a new photo of the same side replaces the old.
CREATE TABLE card_image (
    appointment_id INTEGER NOT NULL REFERENCES appointment(id),
    rank           INTEGER NOT NULL CHECK (rank IN (1, 2)),
    side           TEXT NOT NULL CHECK (side IN ('front', 'back')),
    jpeg           BLOB NOT NULL,
    uploaded_at    TEXT NOT NULL,
    PRIMARY KEY (appointment_id, rank, side)
);
