-- Eligibility over a real connection: every X12 270 sent for a visit and the 271 that came
-- back (or why none did), for staff to read (audited) — never written to logs. And a fifth
-- outcome of an inquiry: 'ask_at_desk', when a name on file cannot be written in X12 and has
-- no standard transliteration, so nothing was sent.
CREATE TABLE eligibility_exchange (
    id             INTEGER PRIMARY KEY,
    appointment_id INTEGER NOT NULL REFERENCES appointment(id),
    exchanged_at   TEXT NOT NULL,
    transport      TEXT NOT NULL,   -- 'sandbox' or 'core'
    request        TEXT NOT NULL,   -- the 270
    response       TEXT,            -- the 271, when one came back
    error          TEXT             -- a kind of failure (HTTP status, CORE error code), never a body
);
CREATE INDEX eligibility_exchange_by_appointment ON eligibility_exchange (appointment_id, id);

-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with the new list.
CREATE TABLE eligibility_new (
    appointment_id             INTEGER PRIMARY KEY REFERENCES appointment(id),
    checked_at                 TEXT NOT NULL,
    coverage                   TEXT NOT NULL
                               CHECK (coverage IN ('active', 'inactive', 'rejected', 'unavailable', 'ask_at_desk')),
    reason                     TEXT,     -- a rejection's AAA03 code, never patient data
    plan_name                  TEXT,
    copay_cents                INTEGER,
    deductible_remaining_cents INTEGER
);
INSERT INTO eligibility_new (appointment_id, checked_at, coverage, reason, plan_name, copay_cents,
                             deductible_remaining_cents)
    SELECT appointment_id, checked_at, coverage, reason, plan_name, copay_cents, deductible_remaining_cents
    FROM eligibility;
DROP TABLE eligibility;
ALTER TABLE eligibility_new RENAME TO eligibility;
