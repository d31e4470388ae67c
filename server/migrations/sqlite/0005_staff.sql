-- Staff who sign in at the front desk, their sessions, and the audit trail of what they see
-- and do. Passwords are argon2id PHC strings; session tokens are stored as SHA-256 hashes.
CREATE TABLE staff (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('front_desk', 'admin')),
    password_hash   TEXT NOT NULL,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    created_at      TEXT NOT NULL
);

CREATE TABLE staff_session (
    token_hash  TEXT PRIMARY KEY,
    staff_id    INTEGER NOT NULL REFERENCES staff(id),
    csrf_token  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- Append-only: no API edits it, and the database refuses to.
CREATE TABLE audit_entry (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    staff_id        INTEGER REFERENCES staff(id),
    action          TEXT NOT NULL,
    appointment_id  INTEGER REFERENCES appointment(id),
    client          TEXT NOT NULL
);
CREATE TRIGGER audit_entry_is_append_only_update BEFORE UPDATE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END;
CREATE TRIGGER audit_entry_is_append_only_delete BEFORE DELETE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'audit entries cannot be deleted'); END;

-- Staff acknowledge an urgent answer once they have seen to it.
ALTER TABLE questionnaire_response ADD COLUMN acknowledged_at TEXT;
