-- The hand-off as built when the check-in committed, delivered and served exactly as stored;
-- and the EHR's permanent "no" (a 4xx other than 408/429), which ends the retries.
ALTER TABLE fhir_outbox ADD COLUMN bundle TEXT;
ALTER TABLE fhir_outbox ADD COLUMN rejected_at TEXT;
-- The OperationOutcome's own words (what the EHR found wrong), for staff; never logged.
ALTER TABLE fhir_outbox ADD COLUMN rejection TEXT;

-- Every consent wording the server has offered, by version, so a signature's `policy` URL
-- still shows the words signed after the clinic rewords the consent.
CREATE TABLE consent_text (
    consent_id TEXT NOT NULL,
    version    TEXT NOT NULL,
    title_en   TEXT NOT NULL,
    title_es   TEXT NOT NULL,
    text_en    TEXT NOT NULL,
    text_es    TEXT NOT NULL,
    first_offered_at TEXT NOT NULL,
    PRIMARY KEY (consent_id, version)
);
