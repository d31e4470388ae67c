-- Times: `starts_at` is the clinic's local wall-clock time, 'YYYY-MM-DDTHH:MM', so that a day's
-- appointments are a string range. Server timestamps (`arrived_at`, `at`, `expires_at`) are
-- RFC 3339 in UTC.

CREATE TABLE clinic (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE provider (
    id           INTEGER PRIMARY KEY,
    clinic_id    INTEGER NOT NULL REFERENCES clinic(id),
    display_name TEXT NOT NULL
);

CREATE TABLE patient (
    id            INTEGER PRIMARY KEY,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    date_of_birth TEXT NOT NULL -- 'YYYY-MM-DD'
);
CREATE INDEX patient_by_birth_date ON patient(date_of_birth);

CREATE TABLE appointment (
    id          INTEGER PRIMARY KEY,
    clinic_id   INTEGER NOT NULL REFERENCES clinic(id),
    patient_id  INTEGER NOT NULL REFERENCES patient(id),
    provider_id INTEGER NOT NULL REFERENCES provider(id),
    starts_at   TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'arrived')),
    arrived_at  TEXT
);
CREATE INDEX appointment_by_start ON appointment(clinic_id, starts_at);
CREATE INDEX appointment_by_patient ON appointment(patient_id, starts_at);

-- What identify hands the kiosk instead of an appointment id: random, short-lived.
CREATE TABLE match_token (
    token          TEXT PRIMARY KEY,
    appointment_id INTEGER NOT NULL REFERENCES appointment(id),
    expires_at     TEXT NOT NULL
);
CREATE INDEX match_token_by_expiry ON match_token(expires_at);

-- Every change the desk board must see, in order; the id is the Server-Sent Event id, so a
-- board that reconnects with Last-Event-ID is replayed what it missed.
CREATE TABLE desk_event (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    appointment_id INTEGER NOT NULL REFERENCES appointment(id),
    at             TEXT NOT NULL
);

