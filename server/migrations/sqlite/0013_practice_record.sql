-- What the practice system holds about a patient beyond name and birth date, loaded by the
-- schedule import (FHIR Patient and Coverage): the record the kiosk confirms or replaces and
-- the FHIR hand-off sends back. All optional: a CSV schedule carries none of it.
ALTER TABLE patient ADD COLUMN external_id TEXT;
ALTER TABLE patient ADD COLUMN gender TEXT;           -- FHIR administrative gender
ALTER TABLE patient ADD COLUMN address_line TEXT;
ALTER TABLE patient ADD COLUMN city TEXT;
ALTER TABLE patient ADD COLUMN state TEXT;            -- USPS code
ALTER TABLE patient ADD COLUMN postal_code TEXT;      -- ZIP or ZIP+4
ALTER TABLE patient ADD COLUMN phone TEXT;            -- E.164
ALTER TABLE patient ADD COLUMN email TEXT;
ALTER TABLE patient ADD COLUMN language TEXT;         -- BCP 47, e.g. 'es'

-- Insurance on file: rank 1 is primary, 2 secondary.
CREATE TABLE coverage (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    rank            INTEGER NOT NULL CHECK (rank IN (1, 2)),
    payer_id        TEXT NOT NULL,
    payer_name      TEXT NOT NULL,
    member_id       TEXT NOT NULL,
    group_number    TEXT,
    relationship    TEXT NOT NULL CHECK (relationship IN ('self', 'spouse', 'child', 'other')),
    subscriber_name TEXT,
    subscriber_dob  TEXT,
    UNIQUE (patient_id, rank)
);

-- The payer's answer to an eligibility inquiry (X12 271) for a visit: the latest one counts.
CREATE TABLE eligibility (
    appointment_id             INTEGER PRIMARY KEY REFERENCES appointment(id),
    checked_at                 TEXT NOT NULL,
    coverage                   TEXT NOT NULL CHECK (coverage IN ('active', 'inactive', 'rejected', 'unavailable')),
    reason                     TEXT,     -- a rejection's AAA03 code, never patient data
    plan_name                  TEXT,
    copay_cents                INTEGER,
    deductible_remaining_cents INTEGER
);

-- Completed check-ins waiting for, or done with, delivery to the clinic's FHIR server. Written
-- in the check-in's transaction (nothing is lost between the two); retried with backoff until
-- the server takes it.
CREATE TABLE fhir_outbox (
    appointment_id  INTEGER PRIMARY KEY REFERENCES appointment(id),
    queued_at       TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,            -- an HTTP status or a transport failure kind, never a body
    delivered_at    TEXT
);
CREATE INDEX fhir_outbox_due ON fhir_outbox(next_attempt_at) WHERE delivered_at IS NULL;
