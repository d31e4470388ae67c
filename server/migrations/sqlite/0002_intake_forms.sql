-- Intake forms answered for an appointment: the FHIR QuestionnaireResponse as submitted (after
-- validation), and the scores computed from it. One per form and appointment; a resubmission
-- replaces it.
CREATE TABLE questionnaire_response (
    id             INTEGER PRIMARY KEY,
    appointment_id INTEGER NOT NULL REFERENCES appointment(id),
    form_id        TEXT NOT NULL,
    form_version   TEXT NOT NULL,
    response_json  TEXT NOT NULL,
    phq2_total     INTEGER,
    phq9_total     INTEGER,
    phq9_severity  TEXT,
    urgent         INTEGER NOT NULL DEFAULT 0,
    submitted_at   TEXT NOT NULL,
    UNIQUE (appointment_id, form_id)
);
