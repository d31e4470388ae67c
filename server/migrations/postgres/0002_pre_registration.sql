-- Pre-registration from home (issue 5); the same tables as migrations/0015_pre_registration.sql.
CREATE TABLE pre_registration (
    appointment_id BIGINT PRIMARY KEY REFERENCES appointment(id),
    version        BIGINT NOT NULL DEFAULT 1,
    issued_at      TEXT NOT NULL,
    revoked_at     TEXT,
    failed_tries   BIGINT NOT NULL DEFAULT 0,
    locked_at      TEXT,
    finished_at    TEXT
);

CREATE TABLE arrival_pass (
    appointment_id BIGINT PRIMARY KEY REFERENCES appointment(id),
    token_hash     TEXT NOT NULL UNIQUE,
    code           TEXT NOT NULL,
    day            TEXT NOT NULL,
    issued_at      TEXT NOT NULL,
    used_at        TEXT,
    UNIQUE (day, code)
);

CREATE TABLE server_secret (
    name  TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
