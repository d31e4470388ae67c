-- Pre-registration from home. A link is an HMAC-signed claim (appointment id, version, last
-- day), so the server keeps no link tokens: revoking bumps the version, which voids the links
-- already given out. Five wrong birth dates lock the appointment's link for good (the desk
-- can issue a new one).
CREATE TABLE pre_registration (
    appointment_id INTEGER PRIMARY KEY REFERENCES appointment(id),
    version        INTEGER NOT NULL DEFAULT 1,
    issued_at      TEXT NOT NULL,
    revoked_at     TEXT,
    failed_tries   INTEGER NOT NULL DEFAULT 0,
    locked_at      TEXT,
    finished_at    TEXT
);

-- The pass a finished pre-registration ends with: an opaque token (only its hash kept) for the
-- QR code and a 6-character code for typing, good on the appointment's day, used once.
CREATE TABLE arrival_pass (
    appointment_id INTEGER PRIMARY KEY REFERENCES appointment(id),
    token_hash     TEXT NOT NULL UNIQUE,
    code           TEXT NOT NULL,
    day            TEXT NOT NULL,
    issued_at      TEXT NOT NULL,
    used_at        TEXT,
    UNIQUE (day, code)
);

-- Keys the server makes for itself on first use (shared by every instance through the database).
CREATE TABLE server_secret (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
