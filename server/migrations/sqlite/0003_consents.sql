-- Consents signed by a patient: the exact text version (SHA-256 of the wording), the name the
-- patient typed, the drawn signature as SVG path data (empty when signed by typing alone),
-- the language shown, and when. A patient signs each version once.
CREATE TABLE consent_signature (
    id               INTEGER PRIMARY KEY,
    patient_id       INTEGER NOT NULL REFERENCES patient(id),
    appointment_id   INTEGER NOT NULL REFERENCES appointment(id),
    consent_id       TEXT NOT NULL,
    version          TEXT NOT NULL,
    typed_name       TEXT NOT NULL,
    signature_path   TEXT NOT NULL,
    signed_by_typing INTEGER NOT NULL,
    language         TEXT NOT NULL,
    signed_at        TEXT NOT NULL,
    UNIQUE (patient_id, consent_id, version)
);
